"""Running blocking service calls off the event loop, with the configured time limit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from fastapi.concurrency import run_in_threadpool

from supplychain_kg.config import Settings
from supplychain_kg.errors import QueryTimeoutError

__all__ = ["drop_frames", "in_worker", "run_limited"]

T = TypeVar("T")


def drop_frames(exc: BaseException | None) -> None:
    """Free the traceback frames of a failed call in the thread that ran it.

    Their locals may hold store query results, which the engine only lets the thread that
    made them free; the event loop thread would otherwise drop them with the traceback
    ("PyQuerySolutions is unsendable").
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc.__traceback__ = None
        if exc.__cause__ is not None:
            drop_frames(exc.__cause__)
        exc = exc.__context__


def in_worker(call: Callable[[], T]) -> T:
    """Run ``call`` (in a worker thread) so that a failure leaves no engine objects behind."""
    try:
        return call()
    except BaseException as exc:
        drop_frames(exc)
        raise


async def run_limited(settings: Settings, call: Callable[[], T]) -> T:
    """Run ``call`` in the thread pool; raise QueryTimeoutError after ``query_timeout`` s.

    The service also checks the same deadline inside long searches, so the worker thread
    stops soon after the client has been answered.
    """
    try:
        return await asyncio.wait_for(
            run_in_threadpool(in_worker, call), timeout=settings.query_timeout
        )
    except TimeoutError:
        raise QueryTimeoutError(
            f"the request ran past its time limit of {settings.query_timeout:g} s; "
            "narrow it down (fewer hops, fewer alternatives, a relation filter)"
        ) from None
