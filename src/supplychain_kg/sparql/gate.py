"""The gate between readers and writes: readers run side by side, a write waits for them to
end and runs alone, and a reader that finds a write running waits for it (or, on the event
loop, does not wait at all). The lookups the server runs on its own store handle pass one
(``process_runner.py``), the graph index's answers another (``accel/index.py``)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from supplychain_kg.errors import QueryTimeoutError
from supplychain_kg.sparql.execute import TIMEOUT_MESSAGE

__all__ = ["Gate"]


class Gate:
    """Readers (lookups, index answers) and writes (one at a time, alone)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    def try_enter(self) -> bool:
        """Start reading unless a write is running (never waits)."""
        with self._cond:
            if self._writing:
                return False
            self._readers += 1
            return True

    def leave(self) -> None:
        with self._cond:
            self._readers -= 1
            self._cond.notify_all()

    @contextlib.contextmanager
    def reading(self, deadline: float, timeout: float) -> Iterator[None]:
        with self._cond:
            while self._writing:
                if not self._cond.wait(max(0.0, deadline - time.monotonic())):
                    raise QueryTimeoutError(TIMEOUT_MESSAGE.format(timeout))
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def still(self) -> Iterator[bool]:
        """A quick look: yields whether a write is running; none starts or ends before the
        block ends (keep it to a few attribute reads: it may run on the event loop)."""
        with self._cond:
            yield self._writing

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._writing = True
            while self._readers:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()
