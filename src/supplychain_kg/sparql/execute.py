"""Executing one SPARQL query: the job, its serialized answer, and errors that cross threads
and processes as plain values.

:func:`execute` runs a :class:`QueryJob` on a store and writes its answer to bytes in the
negotiated format (the engine's own writer for SELECT answers, into a buffer bounded by the row
cap that also checks the deadline every time the engine writes). The runners
(``runner.py``) decide where it runs.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field

from supplychain_kg import errors
from supplychain_kg.csvsafe import safe_csv_document
from supplychain_kg.errors import NotAcceptableError, SkgError, StoreError
from supplychain_kg.sparql.results import (
    CSV,
    BoundedBuffer,
    BufferFullError,
    capped,
    count_rows,
    too_large,
    write_boolean,
    write_rows,
)
from supplychain_kg.store import QueryResult, Store

__all__ = [
    "TIMEOUT_MESSAGE",
    "Answer",
    "QueryJob",
    "error_message",
    "execute",
    "rebuild_error",
]

log = logging.getLogger(__name__)
TIMEOUT_MESSAGE = "the query ran past its time limit of {:g} s and was stopped"
"""The 503 answer's text for a query stopped at its time limit (``.format(seconds)``)."""


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
    local: bool = False
    """A streaming lookup (``lexer.streaming_lookup``): the server may run it itself."""
    unread: bool = False
    """The query guard could not read the text (it mentions SERVICE or LOAD): it may run only
    where the network is unreachable, and an engine failure is reported as a refused fetch."""


@dataclass(frozen=True)
class Answer:
    """A serialized answer and its media type."""

    body: bytes
    media_type: str
    kind: str
    engine: str = "oxigraph"
    """What answered: ``oxigraph`` or ``graph-index`` (the projection, ``accel``)."""


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
        error = rebuild_error(*error_message(exc))
    raise error


_BYTES_PER_ROW = 1024
"""The engine writes an answer of up to (row cap x this) bytes in memory before it is counted."""


def _native_rows(
    result: QueryResult, media_type: str, limit: int, deadline: float | None
) -> bytes | None:
    """The engine's own (fast) serialization of a SELECT answer, within the row cap.

    The answer is written into a buffer of at most ``limit * _BYTES_PER_ROW`` bytes, then its
    rows are counted (every row takes a byte, so a short answer needs no count): over the cap
    is ResultTooLargeError. An answer too big for the buffer returns None: the caller then
    writes it row by row, stopping at the cap.
    """
    buffer = BoundedBuffer(limit * _BYTES_PER_ROW, deadline)
    try:
        result.serialize(media_type, buffer)  # type: ignore[arg-type]
    except BufferFullError:
        return None
    body = buffer.getvalue()
    if len(body) > limit and count_rows(body, media_type) > limit:
        raise too_large(limit, "result")
    return safe_csv_document(body) if media_type == CSV else body


def _run_query(store: Store, job: QueryJob) -> QueryResult:
    return store.query(
        job.sparql,
        default_graphs=job.default_graphs,
        named_graphs=job.named_graphs,
        base_iri=job.base_iri,
        timeout=job.timeout,
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
    body = _native_rows(result, job.results_type, job.limit, deadline)
    if body is not None:  # the engine's own writer (fast); rows only past its buffer
        return Answer(body, job.results_type, "select")
    result = _run_query(store, job)
    rows = capped(result.rows(), job.limit, deadline, "result")
    return Answer(write_rows(result.variables, rows, job.results_type), job.results_type, "select")


def error_message(exc: BaseException) -> tuple[str, str, list[str]]:
    offered = exc.offered if isinstance(exc, NotAcceptableError) else []
    if isinstance(exc, SkgError):
        return (type(exc).__name__, str(exc), offered)
    return ("StoreError", "the query failed in the store", [])


def rebuild_error(name: str, message: str, offered: list[str]) -> SkgError:
    if name == "NotAcceptableError":
        return NotAcceptableError(message, offered=offered)
    cls = getattr(errors, name, StoreError)
    try:
        error: SkgError = cls(message)
    except TypeError:
        error = StoreError(message)
    return error
