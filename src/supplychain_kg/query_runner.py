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

Both run :func:`execute`, which writes the answer to bytes in the negotiated format, so a worker
sends back one bytes object rather than rows.
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
import struct
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

from . import errors
from .errors import NotAcceptableError, QueryTimeoutError, SkgError, StoreError
from .query_wire import FrameReader, frame, read_frame, write_all
from .results import (
    BoundedBuffer,
    BufferFullError,
    capped,
    count_rows,
    too_large,
    write_boolean,
    write_rows,
)
from .store import QueryResult, Store, open_store

__all__ = ["Answer", "ProcessRunner", "QueryJob", "Runner", "ThreadRunner", "execute"]

log = logging.getLogger(__name__)
_TIMEOUT_MESSAGE = "the query ran past its time limit of {:g} s and was stopped"


@dataclass(frozen=True)
class QueryJob:
    """One query with everything needed to answer it.

    ``results_type`` / ``rdf_type`` are the negotiated media types for a SELECT/ASK and for a
    CONSTRUCT/DESCRIBE answer (None: the client accepts no such format).
    """

    sparql: str
    results_type: str | None
    rdf_type: str | None
    timeout: float
    limit: int
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None
    offered: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """A serialized answer and its media type."""

    body: bytes
    media_type: str
    kind: str
    engine: str = "oxigraph"
    """What answered: ``oxigraph`` or ``graph-index`` (the projection, graph_index.py)."""


def _not_acceptable(job: QueryJob, kind: str) -> NotAcceptableError:
    offered = job.offered.get("rdf" if kind == "graph" else "results", ())
    return NotAcceptableError(
        f"no acceptable format for a {kind.upper() if kind != 'graph' else 'CONSTRUCT/DESCRIBE'} "
        f"answer; this endpoint offers: {', '.join(offered)}",
        offered=list(offered),
    )


def execute(store: Store, job: QueryJob, deadline: float | None) -> Answer:
    """Run ``job`` on ``store`` and serialize its answer (deadline: ``time.monotonic()``).

    An error is raised as a fresh copy with no traceback, so that no engine object (Oxigraph's
    results may only be dropped by the thread that made them) outlives this call through the
    frames of a traceback handed to another thread.
    """
    try:
        return _execute(store, job, deadline)
    except Exception as exc:
        if not isinstance(exc, SkgError):  # logged as text: no traceback object kept alive
            log.error("a query failed unexpectedly:\n%s", "".join(traceback.format_exception(exc)))
        error = _rebuild_error(*_error_message(exc))
    raise error


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_BYTES_PER_ROW = 1024
"""The engine writes an answer of up to (row cap x this) bytes in memory before it is counted."""


def _native_rows(result: QueryResult, media_type: str, limit: int) -> bytes | None:
    """The engine's own (fast) serialization of a SELECT answer, within the row cap.

    The answer is written into a buffer of at most ``limit * _BYTES_PER_ROW`` bytes, then its
    rows are counted (every row takes a byte, so a short answer needs no count): over the cap
    is ResultTooLargeError. An answer too big for the buffer returns None: the caller then
    writes it row by row, stopping at the cap.
    """
    buffer = BoundedBuffer(limit * _BYTES_PER_ROW)
    try:
        result.serialize(media_type, buffer)  # type: ignore[arg-type]
    except BufferFullError:
        return None
    body = buffer.getvalue()
    if len(body) > limit and count_rows(body, media_type) > limit:
        raise too_large(limit, "result")
    return body


def _run_query(store: Store, job: QueryJob) -> QueryResult:
    return store.query(
        job.sparql,
        default_graphs=job.default_graphs,
        named_graphs=job.named_graphs,
        base_iri=job.base_iri,
    )


def _execute(store: Store, job: QueryJob, deadline: float | None) -> Answer:
    result = _run_query(store, job)
    if result.kind == "graph":
        if job.rdf_type is None:
            raise _not_acceptable(job, "graph")
        body = result.serialize(job.rdf_type, limit=job.limit, deadline=deadline)
        return Answer(body or b"", job.rdf_type, "graph")
    if job.results_type is None:
        raise _not_acceptable(job, result.kind)
    if result.kind == "ask":
        return Answer(write_boolean(result.boolean, job.results_type), job.results_type, "ask")
    if deadline is None:  # a worker process: the engine writes small answers itself (faster)
        body = _native_rows(result, job.results_type, job.limit)
        if body is not None:
            return Answer(body, job.results_type, "select")
        result = _run_query(store, job)
    rows = capped(result.rows(), job.limit, deadline, "result")
    return Answer(write_rows(result.variables, rows, job.results_type), job.results_type, "select")


class Runner(Protocol):
    """Runs queries with their limits; writes to the store happen inside ``exclusive()``."""

    def run(self, job: QueryJob) -> Answer: ...

    async def arun(self, job: QueryJob) -> Answer: ...

    def exclusive(self) -> contextlib.AbstractContextManager[None]: ...

    def close(self) -> None: ...


class ThreadRunner:
    """Runs queries in the calling thread with cooperative deadline checks (in-memory store)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.RLock()

    def run(self, job: QueryJob) -> Answer:
        deadline = time.monotonic() + job.timeout
        answer = execute(self._store, job, deadline)
        if time.monotonic() > deadline:
            raise QueryTimeoutError(_TIMEOUT_MESSAGE.format(job.timeout))
        return answer

    async def arun(self, job: QueryJob) -> Answer:
        """Run in a thread; past the limit answer at once (the thread stops at its next row)."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.run, job), job.timeout)
        except TimeoutError:
            raise QueryTimeoutError(_TIMEOUT_MESSAGE.format(job.timeout)) from None

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._lock:
            yield

    def close(self) -> None:
        return None


# -- worker processes --------------------------------------------------------------------------


def _error_message(exc: BaseException) -> tuple[str, str, list[str]]:
    offered = exc.offered if isinstance(exc, NotAcceptableError) else []
    if isinstance(exc, SkgError):
        return (type(exc).__name__, str(exc), offered)
    return ("StoreError", "the query failed in the store", [])


def _rebuild_error(name: str, message: str, offered: list[str]) -> SkgError:
    if name == "NotAcceptableError":
        return NotAcceptableError(message, offered=offered)
    cls = getattr(errors, name, StoreError)
    try:
        error: SkgError = cls(message)
    except TypeError:
        error = StoreError(message)
    return error


_STOP = b"S"
_CLOSE = b"C"
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
        raise _rebuild_error(*marshal.loads(payload[1:]))
    raise StoreError("a query worker sent an answer this server cannot read")


def _worker_main(conn: Connection, path: str) -> None:
    """A query worker: answers jobs from ``conn`` on a read-only store until told to stop."""
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
            reply = _ERROR + marshal.dumps(_error_message(exc))
        conn.send_bytes(reply)


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    fd: int


class ProcessRunner:
    """A pool of query worker processes over an on-disk store (see the module docstring)."""

    def __init__(self, path: Path, size: int = 2) -> None:
        self._path = path
        self._size = max(1, size)
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._waiters: collections.deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]
        self._waiters = collections.deque()
        for _ in range(self._size):
            self._idle.put(self._spawn())

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
                    raise QueryTimeoutError(_TIMEOUT_MESSAGE.format(timeout)) from None
                raise

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main, args=(child, str(self._path)), daemon=True, name="skg-query"
        )
        process.start()
        child.close()
        os.set_blocking(parent.fileno(), False)
        return _Worker(process, parent, parent.fileno())

    def _kill(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()

    def run(self, job: QueryJob) -> Answer:
        deadline = time.monotonic() + job.timeout
        try:
            worker = self._idle.get(timeout=job.timeout)
        except queue.Empty:
            raise QueryTimeoutError(_TIMEOUT_MESSAGE.format(job.timeout)) from None
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
        """Take every worker (waiting for running queries), close their store handles, yield."""
        taken = [self._idle.get() for _ in range(self._size)]
        try:
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


def _failure(exc: BaseException, timeout: float) -> BaseException:
    """The error to raise for a worker call that failed with ``exc``."""
    if isinstance(exc, TimeoutError):
        return QueryTimeoutError(_TIMEOUT_MESSAGE.format(timeout))
    if isinstance(exc, OSError | EOFError):
        return StoreError("a query worker stopped unexpectedly")
    return exc
