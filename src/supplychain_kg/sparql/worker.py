"""A query worker process: its main loop, and the messages it exchanges with the server.

The server sends a job (``J`` and the marshalled :class:`QueryJob`), ``C`` (close the store
handle, as a write is coming) or ``S`` (stop); the worker answers ``O`` and the answer, ``E``
and the error as plain values, or ``C``. A worker started with ``hello`` first sends ``H``
and the mechanism that cut it off from the network (``isolation.py``).
"""

from __future__ import annotations

import marshal
import resource
import struct
from multiprocessing.connection import Connection
from pathlib import Path

from supplychain_kg.errors import StoreError
from supplychain_kg.sparql.execute import (
    Answer,
    QueryJob,
    error_message,
    execute,
    rebuild_error,
)
from supplychain_kg.sparql.isolation import isolate_network
from supplychain_kg.store import Store, open_store

__all__ = ["CLOSE", "HELLO", "STOP", "decode_reply", "encode_job", "worker_main"]

STOP = b"S"
"""Server to worker: end the process."""
CLOSE = b"C"
"""Server to worker: close the store handle (a write is coming); the worker answers the same."""
HELLO = b"H"
"""Worker to server, first: how the worker is cut off from the network."""
_JOB = b"J"
_OK = b"O"
_ERROR = b"E"
_HEAD_SIZE = struct.Struct("!H")


def encode_job(job: QueryJob) -> bytes:
    """The message that sends ``job`` to a worker."""
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


def decode_reply(payload: bytes) -> Answer:
    """The answer in a worker's reply, or its error raised."""
    if payload[:1] == _OK:
        (size,) = _HEAD_SIZE.unpack_from(payload, 1)
        media_type, kind = marshal.loads(payload[3 : 3 + size])
        return Answer(payload[3 + size :], media_type, kind)
    if payload[:1] == _ERROR:
        raise rebuild_error(*marshal.loads(payload[1:]))
    raise StoreError("a query worker sent an answer this server cannot read")


def worker_main(  # noqa: PLR0917
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
        conn.send_bytes(HELLO + mode.encode("ascii"))
    store: Store | None = None
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message == STOP:
            return
        if message == CLOSE:
            if store is not None:
                store.close()
                store = None
            conn.send_bytes(CLOSE)
            continue
        try:
            if store is None:
                store = open_store(Path(path), read_only=True)
            reply = _encode_answer(execute(store, _decode_job(message), None))
        except BaseException as exc:  # answered to the parent, never raised here
            reply = _ERROR + marshal.dumps(error_message(exc))
        conn.send_bytes(reply)
