"""Running SPARQL queries with a time limit that really stops them, and a row cap.

Oxigraph cannot cancel a running query, so a time limit needs somewhere to run a query that can
be stopped from outside:

- **On-disk store: worker processes.** :class:`ProcessRunner` keeps a few worker processes,
  each with the store opened read-only (``open_store(path, read_only=True)``). A query is sent
  to an idle worker; if no answer comes before the limit, the worker is killed (that stops the
  query, whatever it was doing) and a fresh one is started, and the caller gets
  QueryTimeoutError. A read-only handle sees the data as it was when opened and must not stay
  open while the owner writes, so writes go through :meth:`ProcessRunner.exclusive`: it waits
  for every worker to be idle, has each close its handle, and the next query reopens it.
- **In-memory store: threads.** Another process cannot see an in-memory store, so
  :class:`ThreadRunner` runs the query in the calling thread and checks the deadline between
  rows. Oxigraph releases the GIL while it evaluates, so the server keeps answering; but a query
  that computes for long before its first row (a big aggregate) can only be abandoned, not
  stopped: the caller gets its 503 on time while the thread finishes in the background. The
  in-memory store is for tests and throwaway sessions; ``skg serve`` uses the on-disk store.

  A *streaming lookup* (``sparql_text.streaming_lookup``: one triple pattern or a UNION of
  them, no join, no aggregate, no ordering) is the exception: its cost per row is bounded and
  the engine writes its answer steadily, so :class:`ProcessRunner` runs it in a thread on the
  server's own store handle, where the buffer the engine writes into raises at the deadline:
  first on the event loop itself with a budget of 2 ms (most lookups take a fraction of a
  millisecond), then, if it needs longer, again in a thread. That saves the process hop on the
  most common request (one entity's relations). Writes wait for such lookups to end
  (``exclusive()``), as they wait for the workers.

All run :func:`execute` (``query_exec.py``), which writes the answer to bytes in the negotiated
format, so a worker sends back one bytes object rather than rows.

Worker processes cut themselves off from the network as they start (``isolation.py``), unless
an allow-list of SERVICE endpoints is configured: whatever a query says, the engine in a worker
cannot open a connection. ``runner.isolated`` says whether the processes that run queries are
cut off, so the query guard may leave a text it cannot read to them.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import marshal
import multiprocessing
import os
import queue
import resource
import struct
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

from supplychain_kg.errors import QueryAbortedError, QueryTimeoutError, StoreError
from supplychain_kg.sparql.execute import (
    TIMEOUT_MESSAGE,
    Answer,
    QueryJob,
    error_message,
    execute,
    rebuild_error,
)
from supplychain_kg.sparql.isolation import isolate_network, network_isolation
from supplychain_kg.sparql.wire import FrameReader, frame, read_frame, write_all
from supplychain_kg.store import Store, open_store

__all__ = ["Answer", "ProcessRunner", "QueryJob", "Runner", "ThreadRunner", "execute"]

log = logging.getLogger(__name__)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Runner(Protocol):
    """Runs queries with their limits; writes to the store happen inside ``exclusive()``."""

    @property
    def isolation(self) -> str:
        """How the processes that run queries are cut off from the network ("" if not)."""
        ...

    @property
    def isolated(self) -> bool:
        """Whether the processes that run queries are cut off from the network."""
        ...

    def run(self, job: QueryJob) -> Answer: ...

    async def arun(self, job: QueryJob) -> Answer: ...

    def exclusive(self) -> contextlib.AbstractContextManager[None]: ...

    def close(self) -> None: ...


class ThreadRunner:
    """Runs queries in the calling thread with cooperative deadline checks (in-memory store)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.RLock()

    @property
    def isolation(self) -> str:
        """Queries run in this process: isolated if it is."""
        return network_isolation()

    @property
    def isolated(self) -> bool:
        return bool(self.isolation)

    def run(self, job: QueryJob) -> Answer:
        deadline = time.monotonic() + job.timeout
        answer = execute(self._store, job, deadline)
        if time.monotonic() > deadline:
            raise QueryTimeoutError(TIMEOUT_MESSAGE.format(job.timeout))
        return answer

    async def arun(self, job: QueryJob) -> Answer:
        """Run in a thread; past the limit answer at once (the thread stops at its next row)."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.run, job), job.timeout)
        except TimeoutError:
            raise QueryTimeoutError(TIMEOUT_MESSAGE.format(job.timeout)) from None

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._lock:
            yield

    def close(self) -> None:
        return None


# -- worker processes --------------------------------------------------------------------------


_STOP = b"S"
_CLOSE = b"C"
_HELLO = b"H"
_JOB = b"J"
_OK = b"O"
_ERROR = b"E"
_HEAD_SIZE = struct.Struct("!H")


def _encode_job(job: QueryJob) -> bytes:
    fields = (
        job.sparql,
        job.results_type,
        job.rdf_type,
        job.timeout,
        job.limit,
        job.default_graphs,
        job.named_graphs,
        job.base_iri,
        job.offered,
        job.local,
        job.unread,
    )
    return _JOB + marshal.dumps(fields)


def _decode_job(message: bytes) -> QueryJob:
    return QueryJob(*marshal.loads(message[1:]))


def _encode_answer(answer: Answer) -> bytes:
    head = marshal.dumps((answer.media_type, answer.kind))
    return b"".join((_OK, _HEAD_SIZE.pack(len(head)), head, answer.body))


def _decode_reply(payload: bytes) -> Answer:
    """The answer in a worker's reply, or its error raised."""
    if payload[:1] == _OK:
        (size,) = _HEAD_SIZE.unpack_from(payload, 1)
        media_type, kind = marshal.loads(payload[3 : 3 + size])
        return Answer(payload[3 + size :], media_type, kind)
    if payload[:1] == _ERROR:
        raise rebuild_error(*marshal.loads(payload[1:]))
    raise StoreError("a query worker sent an answer this server cannot read")


def _worker_main(  # noqa: PLR0917
    conn: Connection,
    path: str,
    isolate: bool = True,
    hello: bool = False,
    require: bool = False,
    memory: int = 0,
) -> None:
    """A query worker: answers jobs from ``conn`` on a read-only store until told to stop.

    ``isolate``: first cut this process off from the network (``require``: or exit at once,
    answering nothing); ``memory``: the most heap the process may take (bytes; 0: no bound);
    ``hello``: then send the mechanism that cut it off (``H`` and its name; empty if none)
    before the first job.
    """
    mode = isolate_network() if isolate else ""
    if require and not mode:
        conn.close()
        return
    if memory:  # the engine aborts past it: this process ends, the server answers 503
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    if hello:
        conn.send_bytes(_HELLO + mode.encode("ascii"))
    store: Store | None = None
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message == _STOP:
            return
        if message == _CLOSE:
            if store is not None:
                store.close()
                store = None
            conn.send_bytes(_CLOSE)
            continue
        try:
            if store is None:
                store = open_store(Path(path), read_only=True)
            reply = _encode_answer(execute(store, _decode_job(message), None))
        except BaseException as exc:  # answered to the parent, never raised here
            reply = _ERROR + marshal.dumps(error_message(exc))
        conn.send_bytes(reply)


class _Gate:
    """Lookups the server runs itself (readers) and writes (one at a time, alone)."""

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


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    fd: int


class ProcessRunner:
    """A pool of query worker processes over an on-disk store (see the module docstring)."""

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
        self._memory = memory
        self._gate = _Gate()
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
        if payload[:1] != _HELLO:
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
            target=_worker_main,
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
            write_all(worker.fd, frame(_encode_job(job)), deadline)
            payload = read_frame(worker.fd, deadline)
        except BaseException as exc:
            self._replace(worker)  # a busy or dead worker is never reused
            raise _failure(exc, job.timeout) from None
        self._release(worker)
        return _decode_reply(payload)

    async def arun(self, job: QueryJob) -> Answer:
        """:meth:`run` without a thread: the event loop waits for an idle worker, then its
        reader callback collects the reply as it arrives and wakes this coroutine once."""
        deadline = time.monotonic() + job.timeout
        if job.local and self._store is not None:  # no process hop: inline, else a thread
            answer = self._run_inline(job, deadline)
            if answer is not None:
                return answer
            try:
                return await asyncio.wait_for(
                    asyncio.to_thread(self._run_local, job, deadline), job.timeout
                )
            except TimeoutError:
                raise QueryTimeoutError(TIMEOUT_MESSAGE.format(job.timeout)) from None
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
            write_all(fd, frame(_encode_job(job)), deadline)
            payload = await done
        except BaseException as exc:  # timed out, worker gone, or cancelled (client left)
            timer.cancel()
            loop.remove_reader(fd)
            self._replace(worker)  # a busy or dead worker is never reused
            raise _failure(exc, job.timeout) from None
        timer.cancel()
        loop.remove_reader(fd)
        self._release(worker)
        return _decode_reply(payload)

    def _replace(self, worker: _Worker) -> None:
        self._kill(worker)
        self._release(self._spawn())

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
                        write_all(worker.fd, frame(_CLOSE), deadline)
                        if read_frame(worker.fd, deadline) == _CLOSE:
                            continue
                    except (OSError, EOFError, TimeoutError):
                        pass
                    self._kill(worker)
                    taken[i] = self._spawn()
                yield
        finally:
            for worker in taken:
                self._release(worker)

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
                write_all(worker.fd, frame(_STOP), time.monotonic() + 2)
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                self._kill(worker)
            worker.conn.close()


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
