"""Running blocking service calls off the event loop, with the configured time limit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from fastapi.concurrency import run_in_threadpool

from supplychain_kg.config import Settings
from supplychain_kg.errors import QueryTimeoutError

__all__ = ["run_limited"]

T = TypeVar("T")


async def run_limited(settings: Settings, call: Callable[[], T]) -> T:
    """Run ``call`` in the thread pool; raise QueryTimeoutError after ``query_timeout`` s.

    The service also checks the same deadline inside long searches, so the worker thread
    stops soon after the client has been answered.
    """
    try:
        return await asyncio.wait_for(run_in_threadpool(call), timeout=settings.query_timeout)
    except TimeoutError:
        raise QueryTimeoutError(
            f"the request ran past its time limit of {settings.query_timeout:g} s; "
            "narrow it down (fewer hops, fewer alternatives, a relation filter)"
        ) from None
