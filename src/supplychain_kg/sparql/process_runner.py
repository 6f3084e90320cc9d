"""Running queries in worker processes (:class:`ProcessRunner`, for an on-disk store), or,
for a streaming lookup, on the server's own store handle (see ``runner.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import time
from collections.abc import Iterator
from pathlib import Path

from supplychain_kg.errors import QueryAbortedError, QueryTimeoutError, StoreError
from supplychain_kg.sparql.execute import TIMEOUT_MESSAGE, Answer, QueryJob, execute
from supplychain_kg.sparql.gate import Gate
from supplychain_kg.sparql.pool import WorkerPool
from supplychain_kg.sparql.wire import FrameReader, frame, read_frame, write_all
from supplychain_kg.sparql.worker import CLOSE, decode_reply, encode_job
from supplychain_kg.store import Store

__all__ = ["ProcessRunner"]


class ProcessRunner(WorkerPool):
    """A pool of query worker processes over an on-disk store (see ``runner.py``)."""

    def __init__(
        self,
        path: Path,
        size: int = 2,
        store: Store | None = None,
        *,
        isolate: bool = True,
        memory: int = 0,
    ) -> None:
        self._store = store
        self._gate = Gate()
        super().__init__(path, size, isolate=isolate, memory=memory)

    def _run_local(self, job: QueryJob, deadline: float) -> Answer:
        """A streaming lookup on the server's own store handle, in the calling thread: the
        engine writes its answer into a buffer that stops it at the deadline."""
        assert self._store is not None
        with self._gate.reading(deadline, job.timeout):
            try:
                answer = execute(self._store, job, deadline)
            except QueryTimeoutError:
                answer = None
        if answer is None or time.monotonic() > deadline:
            raise QueryTimeoutError(TIMEOUT_MESSAGE.format(job.timeout))
        return answer

    def _run_inline(self, job: QueryJob, deadline: float) -> Answer | None:
        """A streaming lookup on the event loop itself, stopped after _INLINE_SECONDS (most
        take a fraction of a millisecond); None if it needs longer (or a write is running):
        the caller then runs it in a thread."""
        assert self._store is not None
        budget = min(deadline, time.monotonic() + _INLINE_SECONDS)
        if not self._gate.try_enter():
            return None
        try:
            return execute(self._store, job, budget)
        except QueryTimeoutError:
            if time.monotonic() > deadline:
                raise QueryTimeoutError(TIMEOUT_MESSAGE.format(job.timeout)) from None
            return None
        finally:
            self._gate.leave()

    def run(self, job: QueryJob) -> Answer:
        deadline = time.monotonic() + job.timeout
        if job.local and self._store is not None:
            return self._run_local(job, deadline)
        try:
            worker = self._idle.get(timeout=job.timeout)
        except queue.Empty:
            raise QueryTimeoutError(TIMEOUT_MESSAGE.format(job.timeout)) from None
        try:
            write_all(worker.fd, frame(encode_job(job)), deadline)
            payload = read_frame(worker.fd, deadline)
        except BaseException as exc:
            self._replace(worker)  # a busy or dead worker is never reused
            raise _failure(exc, job.timeout) from None
        self._release(worker)
        return decode_reply(payload)

    async def _arun_local(self, job: QueryJob, deadline: float) -> Answer:
        """A streaming lookup on the event loop (:meth:`_run_inline`), else in a thread."""
        answer = self._run_inline(job, deadline)
        if answer is not None:
            return answer
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self._run_local, job, deadline), job.timeout
            )
        except TimeoutError:
            raise QueryTimeoutError(TIMEOUT_MESSAGE.format(job.timeout)) from None

    async def arun(self, job: QueryJob) -> Answer:
        """:meth:`run` without a thread: the event loop waits for an idle worker, then its
        reader callback collects the reply as it arrives and wakes this coroutine once."""
        deadline = time.monotonic() + job.timeout
        if job.local and self._store is not None:  # no process hop: inline, else a thread
            return await self._arun_local(job, deadline)
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            worker = await self._acquire(deadline, job.timeout)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[bytes] = loop.create_future()
        fd = worker.fd
        reader = FrameReader()

        def readable() -> None:
            try:
                data = os.read(fd, _READ_CHUNK)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if done.done():
                return
            if not data:
                done.set_exception(EOFError())
                return
            payload = reader.feed(data)
            if payload is not None:
                done.set_result(payload)

        def expired() -> None:
            if not done.done():
                done.set_exception(TimeoutError())

        loop.add_reader(fd, readable)
        timer = loop.call_later(max(0.0, deadline - time.monotonic()), expired)
        try:
            write_all(fd, frame(encode_job(job)), deadline)
            payload = await done
        except BaseException as exc:  # timed out, worker gone, or cancelled (client left)
            timer.cancel()
            loop.remove_reader(fd)
            self._replace(worker)  # a busy or dead worker is never reused
            raise _failure(exc, job.timeout) from None
        timer.cancel()
        loop.remove_reader(fd)
        self._release(worker)
        return decode_reply(payload)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Take every worker (waiting for running queries), close their store handles, and
        wait for the server's own lookups to end; yield."""
        taken = [self._idle.get() for _ in range(self._size)]
        try:
            with self._gate.writing():
                for i, worker in enumerate(taken):
                    deadline = time.monotonic() + 30
                    try:
                        write_all(worker.fd, frame(CLOSE), deadline)
                        if read_frame(worker.fd, deadline) == CLOSE:
                            continue
                    except (OSError, EOFError, TimeoutError):
                        pass
                    self._kill(worker)
                    taken[i] = self._spawn()
                yield
        finally:
            for worker in taken:
                self._release(worker)


_READ_CHUNK = 1 << 20
_INLINE_SECONDS = 0.002
"""How long a streaming lookup may hold the event loop before it is run in a thread."""


def _failure(exc: BaseException, timeout: float) -> BaseException:
    """The error to raise for a worker call that failed with ``exc``."""
    if isinstance(exc, TimeoutError):
        return QueryTimeoutError(TIMEOUT_MESSAGE.format(timeout))
    if isinstance(exc, EOFError):  # the worker ended while it answered
        return QueryAbortedError(
            "the query was stopped: it needed more memory than a query may use "
            "(SKG_QUERY_MEMORY), or the engine failed on it; narrow it down"
        )
    if isinstance(exc, OSError):
        return StoreError("a query worker stopped unexpectedly")
    return exc
