"""The query worker processes of a :class:`~supplychain_kg.sparql.runner.ProcessRunner`:
started (the first one reports how workers are cut off from the network), lent out one job at
a time, replaced when they fail or overrun, and stopped.

Workers are started with ``spawn`` (a fresh interpreter: no copy of the server's threads or
store handle) and talk over a pipe whose server end is non-blocking (``wire.py``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import multiprocessing
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from supplychain_kg.errors import QueryTimeoutError, StoreError
from supplychain_kg.sparql.execute import TIMEOUT_MESSAGE
from supplychain_kg.sparql.wire import frame, read_frame, write_all
from supplychain_kg.sparql.worker import HELLO, STOP, worker_main

__all__ = ["WorkerPool"]

log = logging.getLogger(__name__)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


@dataclass
class _Worker:
    """One worker process and the server's end of its pipe (``fd``: its descriptor)."""

    process: BaseProcess
    conn: Connection
    fd: int


class WorkerPool:
    """A pool of query worker processes over the on-disk store at ``path``."""

    def __init__(self, path: Path, size: int, *, isolate: bool, memory: int) -> None:
        self._memory = memory
        self._path = path
        self._size = max(1, size)
        self._isolate = isolate
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._waiters: collections.deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]
        self._waiters = collections.deque()
        self._require = False
        first = self._spawn(hello=True)
        self._isolation = self._greeting(first)
        self._require = bool(self._isolation)  # later workers: cut off the same way, or none
        self._idle.put(first)
        for _ in range(self._size - 1):
            self._idle.put(self._spawn())

    @property
    def isolation(self) -> str:
        """How the workers are cut off from the network ("" if they are not); a worker
        started later on the same machine is cut off the same way."""
        return self._isolation

    @property
    def isolated(self) -> bool:
        return bool(self._isolation)

    def _greeting(self, worker: _Worker) -> str:
        """The isolation a freshly started worker reports (its first frame)."""
        try:
            payload = read_frame(worker.fd, time.monotonic() + 120)
        except (OSError, EOFError, TimeoutError) as exc:
            raise StoreError(f"a query worker did not start: {exc!r}") from None
        if payload[:1] != HELLO:
            raise StoreError("a query worker sent an unexpected first message")
        mode = payload[1:].decode("ascii")
        if self._isolate and not mode:
            log.warning(
                "query workers could not be cut off from the network; SERVICE and LOAD are "
                "refused by the query parser alone"
            )
        return mode

    def _release(self, worker: _Worker) -> None:
        """Make ``worker`` idle and wake one coroutine waiting for a worker."""
        self._idle.put(worker)
        if self._waiters:
            self._wake_one()

    def _wake_one(self) -> None:
        with self._lock:
            waiter = self._waiters.popleft() if self._waiters else None
        if waiter is not None:
            loop, future = waiter
            loop.call_soon_threadsafe(_resolve, future)

    async def _acquire(self, deadline: float, timeout: float) -> _Worker:
        """An idle worker, waiting on the event loop (not in a thread) while all are busy."""
        loop = asyncio.get_running_loop()
        while True:
            future: asyncio.Future[None] = loop.create_future()
            with self._lock:
                try:
                    return self._idle.get_nowait()
                except queue.Empty:
                    self._waiters.append((loop, future))
            try:
                await asyncio.wait_for(future, max(0.0, deadline - time.monotonic()))
            except BaseException:
                with self._lock:
                    woken = (loop, future) not in self._waiters
                    if not woken:
                        self._waiters.remove((loop, future))
                if woken:  # a wake-up meant for us: pass it on
                    self._wake_one()
                if isinstance(sys.exc_info()[1], TimeoutError):
                    raise QueryTimeoutError(TIMEOUT_MESSAGE.format(timeout)) from None
                raise

    def _spawn(self, *, hello: bool = False) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=worker_main,
            args=(child, str(self._path), self._isolate, hello, self._require, self._memory),
            daemon=True,
            name="skg-query",
        )
        process.start()
        child.close()
        os.set_blocking(parent.fileno(), False)
        return _Worker(process, parent, parent.fileno())

    def _kill(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        self._kill(worker)
        self._release(self._spawn())

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            with contextlib.suppress(OSError, TimeoutError):
                write_all(worker.fd, frame(STOP), time.monotonic() + 2)
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                self._kill(worker)
            worker.conn.close()
