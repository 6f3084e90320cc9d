"""Reading an answer within bounds: a row cap and a deadline (used by the engine adapters and
by the SPARQL result writers)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from supplychain_kg.errors import QueryTimeoutError, ResultTooLargeError

__all__ = ["capped", "too_large"]

T = TypeVar("T")


def too_large(limit: int, what: str) -> ResultTooLargeError:
    """The error for an answer of more than ``limit`` rows (``what``: "result", "graph")."""
    return ResultTooLargeError(
        f"the {what} has more than {limit:,} rows, the configured cap (SKG_RESULT_CAP); "
        "add a LIMIT or narrow the query"
    )


def capped(items: Iterable[T], limit: int, deadline: float | None, what: str) -> Iterator[T]:
    """Yield ``items`` until ``limit`` is passed (ResultTooLargeError) or ``deadline`` (a
    ``time.monotonic()`` value) is reached (QueryTimeoutError)."""
    for count, item in enumerate(items, 1):
        if count > limit:
            raise too_large(limit, what)
        if deadline is not None and time.monotonic() > deadline:
            raise QueryTimeoutError("the query ran past its time limit and was stopped")
        yield item
