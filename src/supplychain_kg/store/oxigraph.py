"""The embedded Oxigraph store: the only module that imports pyoxigraph.

On disk, a store directory holds ``db/`` (the Oxigraph database) and the files described in
``layout.py``. A writable open locks the directory first (``locks.py``), then finishes any
interrupted write. Large writes use Oxigraph's bulk loader, which is fast but not
transactional; atomicity comes from a checkpoint: before a bulk write (or the first write of an
``undoable()`` block) the database is backed up into ``checkpoint/`` (hard links, so it costs
little) and a ``LOADING`` marker is written. If the write fails, or the process dies before the
marker is removed, the checkpoint replaces the database (at once, or the next time the store is
opened).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gc
import hashlib
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from supplychain_kg.errors import (
    BadRequestError,
    ParseError,
    QueryError,
    StoreError,
    StoreLockedError,
)
from supplychain_kg.model import IRI, BNode, Literal, Quad, QueryKind, Row, Term
from supplychain_kg.store.bounds import capped
from supplychain_kg.store.groups import WriteGroups
from supplychain_kg.store.layout import (
    CHECKPOINT,
    DB,
    MARKER,
    META,
    read_metadata,
    recover,
    remove_tree,
    write_json,
)
from supplychain_kg.store.locks import StoreLock, WriteGate

__all__ = ["OxigraphResult", "OxigraphStore", "rdf_media_types", "results_media_types"]

log = logging.getLogger(__name__)

_ENGINE = f"oxigraph {ox.__version__}"


def rdf_media_types() -> dict[str, str]:
    """Map each RDF media type Oxigraph reads and writes to its usual file extension."""
    return {f.media_type: f.file_extension for f in _RDF_FORMATS}


def results_media_types() -> dict[str, str]:
    """Map each SPARQL results media type to its usual file extension."""
    return {f.media_type: f.file_extension for f in _RESULT_FORMATS}


_RDF_FORMATS = (
    ox.RdfFormat.TURTLE,
    ox.RdfFormat.N_TRIPLES,
    ox.RdfFormat.N_QUADS,
    ox.RdfFormat.TRIG,
    ox.RdfFormat.RDF_XML,
    ox.RdfFormat.JSON_LD,
    ox.RdfFormat.N3,
)
_RESULT_FORMATS = (
    ox.QueryResultsFormat.JSON,
    ox.QueryResultsFormat.XML,
    ox.QueryResultsFormat.CSV,
    ox.QueryResultsFormat.TSV,
)


def _rdf_format(media_type: str) -> ox.RdfFormat:
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        offered = ", ".join(f.media_type for f in _RDF_FORMATS)
        raise BadRequestError(
            f"unsupported RDF media type {media_type!r}; expected one of {offered}"
        )
    return fmt


def _results_format(media_type: str) -> ox.QueryResultsFormat:
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    if fmt is None:
        offered = ", ".join(f.media_type for f in _RESULT_FORMATS)
        raise BadRequestError(
            f"unsupported SPARQL results media type {media_type!r}; expected one of {offered}"
        )
    return fmt


def to_term(term: Any) -> Term:
    """Convert a pyoxigraph term into an engine-neutral term."""
    if isinstance(term, ox.NamedNode):
        return IRI(term.value)
    if isinstance(term, ox.Literal):
        return Literal(term.value, term.datatype.value, term.language)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    return Literal(str(term))


def from_term(term: Term) -> Any:
    """Convert an engine-neutral term into a pyoxigraph term."""
    if isinstance(term, IRI):
        return ox.NamedNode(term.value)
    if isinstance(term, BNode):
        return ox.BlankNode(term.value)
    if term.language:
        return ox.Literal(term.value, language=term.language)
    return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))


def _to_ox_quad(quad: Quad) -> ox.Quad:
    graph = ox.NamedNode(quad.graph.value) if quad.graph else ox.DefaultGraph()
    return ox.Quad(
        from_term(quad.subject), from_term(quad.predicate), from_term(quad.object), graph
    )


def _from_ox_quad(quad: ox.Quad) -> Quad:
    graph = quad.graph_name
    subject = to_term(quad.subject)
    obj = to_term(quad.object)
    assert isinstance(subject, IRI | BNode)
    return Quad(
        subject,
        IRI(quad.predicate.value),
        obj,
        IRI(graph.value) if isinstance(graph, ox.NamedNode) else None,
    )


def _query_error(exc: SyntaxError) -> QueryError:
    message = str(exc.msg if exc.msg else exc)
    cut = message.find(", ['")  # the parser then lists Unicode character classes: drop them
    if cut > 0:
        message = message[:cut] + ", ..."
    if len(message) > 240:
        message = message[:240].rsplit(",", 1)[0] + ", ..."
    return QueryError(f"SPARQL syntax error: {message}")


class OxigraphResult:
    """A query answer from Oxigraph (see :class:`supplychain_kg.store.QueryResult`)."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.variables: list[str] = []
        self.boolean = False
        self.kind: QueryKind
        if isinstance(raw, ox.QuerySolutions):
            self.kind = "select"
            self.variables = [v.value for v in raw.variables]
        elif isinstance(raw, ox.QueryBoolean):
            self.kind = "ask"
            self.boolean = bool(raw)
        else:
            self.kind = "graph"

    def rows(self) -> Iterator[Row]:
        if self.kind != "select":
            raise BadRequestError(f"a {self.kind} result has no rows")
        names = self.variables
        named = ox.NamedNode
        try:
            for solution in self._raw:
                row: Row = {}
                for name, value in zip(names, solution, strict=True):
                    if value is not None:  # IRIs first: most values are
                        row[name] = IRI(value.value) if type(value) is named else to_term(value)
                yield row
        except OSError as exc:
            raise StoreError(f"the query failed while reading its answer: {exc}") from None

    def triples(self) -> Iterator[tuple[Term, Term, Term]]:
        if self.kind != "graph":
            raise BadRequestError(f"a {self.kind} result has no triples")
        for triple in self._raw:
            yield (to_term(triple.subject), to_term(triple.predicate), to_term(triple.object))

    def serialize(
        self,
        media_type: str,
        output: IO[bytes] | None = None,
        *,
        limit: int | None = None,
        deadline: float | None = None,
    ) -> bytes | None:
        if self.kind == "graph":
            fmt = _rdf_format(media_type)
            if limit is None and deadline is None:
                data: bytes | None = self._raw.serialize(output, fmt)
                return data
            triples = list(capped(self._raw, limit or sys.maxsize, deadline, "graph"))
            return ox.serialize(triples, output, fmt)
        return self._raw.serialize(output, _results_format(media_type))  # type: ignore[no-any-return]


def _named_blanks(
    data: bytes, fmt: ox.RdfFormat, base_iri: str | None, prefix: str
) -> Iterator[ox.Quad]:
    """The quads of a document with every blank node named ``<prefix><digest>-<n>``: the
    digest of the document's bytes and the order in which the parser first meets the node.
    Linear, and the same bytes always give the same names (canonical labelling, RDFC-1.0,
    took 103 s for a chain of 1,000 blank nodes and never ended for 10,000)."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    names: dict[str, ox.NamedNode] = {}

    def name(term: Any) -> Any:
        if not isinstance(term, ox.BlankNode):
            return term
        found = names.get(term.value)
        if found is None:
            found = names[term.value] = ox.NamedNode(f"{prefix}{digest}-{len(names)}")
        return found

    for quad in ox.parse(data, fmt, base_iri=base_iri):
        yield ox.Quad(name(quad.subject), quad.predicate, name(quad.object), name(quad.graph_name))


def _is_lock_error(exc: OSError) -> bool:
    text = str(exc).lower()
    return "lock" in text or "resource temporarily unavailable" in text


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_READ_ONLY_ATTEMPTS = 5
_GATE_WAIT = 120.0
"""How long a write waits, in seconds, for a backup that another process is making."""


class OxigraphStore:
    """An Oxigraph store, on disk at ``path`` or in memory when ``path`` is None.

    A writable open of an on-disk store takes the store's lock (``skg.lock``) before anything
    else, then finishes any interrupted write or restore (``layout.recover``), and holds the
    lock until :meth:`close`. A ``read_only`` open takes no lock and changes nothing: it is
    for the query workers of the process that holds the store, and for backups.
    """

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.revision = 0
        self._length: int | None = None  # the number of quads, until the next write
        self.path = path
        self.read_only = read_only
        self._lock: StoreLock | None = None
        self._gate: WriteGate | None = None
        self._gate_for_group = False
        self._snapshot: bytes | None = None  # in memory: the quads before the group (N-Quads)
        self._notes: dict[str, Any] = {}  # in memory: the store's notes
        self._groups = WriteGroups(
            save=self._save_point, restore=self._restore_point, keep=self._keep, end=self._end
        )
        if path is None:
            self._store = ox.Store()
        elif read_only:
            self._store = self._open_read_only(path)
        else:
            self._store = self._open_owned(path)

    # -- lifecycle -------------------------------------------------------------------------

    def _open_owned(self, path: Path) -> ox.Store:
        """Lock, recover, open: in that order, so nobody else's write is ever undone."""
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store directory {path}: {exc}") from exc
        self._lock = StoreLock(path)
        try:
            self._gate = WriteGate(path, wait=_GATE_WAIT)
            with self._gate.holding(what="open"):
                recover(path)
                created = not (path / DB).exists()
                store = self._open(path / DB)
                if created:
                    write_json(path / META, {"created": _now(), "engine": _ENGINE})
            return store
        except BaseException:
            self._release_locks()
            raise

    @staticmethod
    def _open_read_only(path: Path) -> ox.Store:
        """Open read-only; retried, as the owner's background compaction may delete a table
        file between the moment the engine reads the file list and the moment it opens it."""
        if not (path / DB).is_dir():
            raise StoreError(f"there is no store at {path} (no {DB}/ directory)")
        for attempt in range(_READ_ONLY_ATTEMPTS):
            try:
                return ox.Store.read_only(str(path / DB))
            except (OSError, RuntimeError) as exc:
                if attempt == _READ_ONLY_ATTEMPTS - 1:
                    raise StoreError(f"cannot open the store at {path} to read: {exc}") from exc
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def copy_write_ahead_log(self, target: Path) -> None:
        """Copy the write-ahead log of this read-only handle's database into the backup at
        ``target``: the engine's backup of a read-only handle holds only the table files, and
        the owner's latest small writes are still in the log (the engine replays it when the
        backup is opened). The caller holds the write gate, so the log is not growing."""
        assert self.path is not None and self.read_only
        for wal in (self.path / DB).glob("*.log"):
            if wal.stem.isdigit():
                shutil.copy2(wal, target / wal.name)

    @staticmethod
    def _open(db: Path) -> ox.Store:
        try:
            return ox.Store(str(db))
        except OSError as exc:
            if _is_lock_error(exc):
                raise StoreLockedError(
                    f"the store at {db.parent} is in use by another process (its database "
                    "is open); stop it, or use --store DIR / --memory for another store"
                ) from exc
            raise StoreError(f"cannot open the store at {db.parent}: {exc}") from exc

    def close(self) -> None:
        if getattr(self, "_store", None) is not None and self._gate is not None:
            with contextlib.suppress(OSError):
                self._store.flush()
        self._store = None  # type: ignore[assignment]
        gc.collect()  # the database is closed when its last handle goes
        self._release_locks()

    def _release_locks(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.close()
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def __len__(self) -> int:
        # counting scans the whole store on disk: the count is kept until the next write
        if self._length is None:
            self._length = len(self._store)
        return self._length

    def is_empty(self) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None)), None) is None

    def read_metadata(self) -> dict[str, Any]:
        if self.path is None:
            return dict(self._notes)
        return read_metadata(self.path)

    def write_metadata(self, data: dict[str, Any]) -> None:
        if self.path is None:
            self._notes = dict(data)
        elif self.read_only:
            raise StoreError(f"the store at {self.path} is open read-only")
        else:
            write_json(self.path / META, data)

    def backup(self, target: Path) -> None:
        """Write the engine's consistent online backup of the database into ``target`` (a new
        directory: hard links when on the same file system, copies otherwise). The owner
        holds its write gate meanwhile; a read-only handle's caller must hold it."""
        if self.path is None:
            raise StoreError(
                "an in-memory store cannot be backed up; export it instead "
                "(skg export --format nquads)"
            )
        if self._groups.depth:
            raise StoreError("cannot back up the store in the middle of a group of writes")
        hold = self._gate.holding(what="back up") if self._gate else contextlib.nullcontext()
        with hold:
            try:
                self._store.backup(str(target))
            except OSError as exc:
                raise StoreError(f"cannot back up {self.path} into {target}: {exc}") from exc

    # -- reading ---------------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> OxigraphResult:
        kwargs: dict[str, Any] = {"base_iri": base_iri}
        if default_graphs is not None:
            kwargs["default_graph"] = [
                ox.NamedNode(g) if g else ox.DefaultGraph() for g in default_graphs
            ]
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            return OxigraphResult(self._store.query(sparql, **kwargs))
        except SyntaxError as exc:
            raise _query_error(exc) from exc
        except ValueError as exc:
            raise QueryError(f"invalid query: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"the store failed while answering a query: {exc}") from exc

    def has_blank_nodes(self) -> bool:
        ask = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } FILTER(isBlank(?s) || isBlank(?o)) }"
        return self.query(ask).boolean

    def quads(self) -> Iterator[Quad]:
        for quad in self._store:
            yield _from_ox_quad(quad)

    def dump(
        self, output: IO[bytes], media_type: str, *, prefixes: Mapping[str, str] | None = None
    ) -> None:
        fmt = _rdf_format(media_type)
        names = dict(prefixes) if prefixes else None
        if fmt.supports_datasets:
            self._store.dump(output, fmt, prefixes=names)
        else:
            self._store.dump(output, fmt, from_graph=ox.DefaultGraph(), prefixes=names)

    # -- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self, *, atomic: bool = True) -> Iterator[None]:
        """Around every write: inside a group, its save point first; on disk, the write gate
        held (a backup made beside this process copies the database files only between
        writes). Small writes are not flushed: each flush makes table files that background
        compactions later merge and delete, which the read-only handles of query workers may
        still be about to open."""
        if self.read_only:
            raise StoreError(f"the store at {self.path} is open read-only")
        self._groups.before_write()
        self._length = None
        if not atomic:  # a bulk load may have written part of its data when it fails
            self._groups.after_write()
        if self._gate is None:
            yield
        else:
            with self._gate.holding():
                yield
        self._groups.after_write()

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        with self._writing():
            try:
                self._store.update(sparql, base_iri=base_iri)
            except SyntaxError as exc:
                raise _query_error(exc) from exc
            except ValueError as exc:
                raise QueryError(f"invalid update: {exc}") from exc
            except OSError as exc:
                raise StoreError(f"the update failed and was rolled back: {exc}") from exc
        self.revision += 1

    def add_quads(self, quads: Iterable[Quad]) -> None:
        converted = [_to_ox_quad(q) for q in quads]
        with self._writing():
            try:
                self._store.extend(converted)
            except OSError as exc:
                raise StoreError(f"the write failed and was rolled back: {exc}") from exc
        self.revision += 1

    def staging(self) -> OxigraphStore:
        return OxigraphStore(None)

    def parse_into(
        self,
        source: Path | bytes,
        media_type: str,
        *,
        base_iri: str | None = None,
        blank_prefix: str | None = None,
    ) -> None:
        fmt = _rdf_format(media_type)
        name = str(source) if isinstance(source, Path) else None
        self._length = None
        try:
            if blank_prefix is not None:
                data = source.read_bytes() if isinstance(source, Path) else source
                self._store.extend(_named_blanks(data, fmt, base_iri, blank_prefix))
            elif isinstance(source, Path):
                self._store.bulk_load(path=str(source), format=fmt, base_iri=base_iri)
            else:
                self._store.bulk_load(source, fmt, base_iri=base_iri)
        except SyntaxError as exc:
            raise ParseError(
                exc.msg or str(exc), path=name, line=exc.lineno, column=exc.offset
            ) from exc
        except MemoryError as exc:  # the engine's lexer refuses a token past its buffer
            raise ParseError(f"too large for the parser: {exc}", path=name) from exc
        except (OSError, ValueError) as exc:
            raise ParseError(str(exc), path=name) from exc
        self.revision += 1

    def absorb(
        self,
        staging: Any,
        *,
        files: Sequence[tuple[Path, str]] | None = None,
        check: Callable[[], None] | None = None,
    ) -> int:
        """Add every quad of ``staging`` atomically; return how many were new.

        ``check`` (validation) runs before anything is written in memory; on disk it runs
        while the bulk write proceeds in another thread (both release the GIL), and a failed
        check rolls the write back from the checkpoint. ``files`` (path, media type) holding
        exactly the staged data may be bulk-loaded instead of a dump of ``staging``, which
        saves serialising it again.
        """
        if not isinstance(staging, OxigraphStore):
            raise TypeError("absorb() takes a staging store made by staging()")
        before = len(self)
        if self.path is None:
            if check is not None:
                check()
            with self._writing():
                try:
                    self._store.extend(staging._store)
                except OSError as exc:
                    raise StoreError(f"the write failed and was rolled back: {exc}") from exc
        else:
            with self._groups.group():  # its own checkpoint, or the enclosing group's
                self._bulk_absorb(staging, files, check)
        self.revision += 1
        self._length = len(self._store)
        return self._length - before

    def absorb_files(self, files: Sequence[tuple[Path, str]]) -> None:
        if self.path is None:
            raise TypeError("absorb_files() needs a store on disk")
        with self._groups.group(), self._writing(atomic=False):
            try:
                self._bulk_load_files(files)
            except (OSError, ValueError, SyntaxError) as exc:
                raise StoreError(f"the bulk write failed and was rolled back: {exc}") from exc
        self.revision += 1

    def _bulk_absorb(
        self,
        staging: OxigraphStore,
        files: Sequence[tuple[Path, str]] | None,
        check: Callable[[], None] | None,
    ) -> None:
        assert self.path is not None
        incoming: Path | None = None
        if files is None:
            fd, name = tempfile.mkstemp(prefix="incoming-", suffix=".nq", dir=self.path)
            incoming = Path(name)
            with os.fdopen(fd, "wb") as out:
                staging._store.dump(out, ox.RdfFormat.N_QUADS)
            files = [(incoming, ox.RdfFormat.N_QUADS.media_type)]
        try:
            with self._writing(atomic=False):
                with concurrent.futures.ThreadPoolExecutor(1, "skg-bulk-write") as pool:
                    writing = pool.submit(self._bulk_load_files, files)
                    try:
                        if check is not None:
                            check()
                    finally:
                        error = writing.exception()
                if error is not None:
                    raise StoreError(
                        f"the bulk write failed and was rolled back: {error}"
                    ) from error
        finally:
            if incoming is not None:
                incoming.unlink(missing_ok=True)

    def _bulk_load_files(self, files: Sequence[tuple[Path, str]]) -> None:
        """Bulk-load the files, two at a time: each load is mostly one thread of work, and
        separate loads into one store may run side by side."""

        def load(file: tuple[Path, str]) -> None:
            path, media_type = file
            self._store.bulk_load(
                path=str(path),
                format=_rdf_format(media_type),
                base_iri=path.resolve().as_uri(),
                lenient=True,
            )

        with concurrent.futures.ThreadPoolExecutor(2, "skg-bulk-load") as pool:
            list(pool.map(load, files))
        self._store.flush()

    # -- groups of writes (see groups.py) --------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[bool]:
        """Group several absorb() calls under one checkpoint: an exception inside the block
        restores the store as it was before it. In memory this yields False (the caller
        absorbs once, at the end); inside an ``undoable()`` block it joins that group."""
        if self.path is None:
            yield False
            return
        with self._groups.group():
            yield True
        self.revision += 1

    @contextlib.contextmanager
    def undoable(self) -> Iterator[None]:
        """Every write made inside the block (``update``, ``add_quads``, ``absorb``) is undone
        if an exception leaves it; a process killed inside it leaves the store as it was
        before (the next open restores the checkpoint). Nesting: see groups.py."""
        with self._groups.group():
            yield

    def _save_point(self) -> None:
        if self.path is None:  # N-Quads bytes: written by the engine, no Python per quad
            self._snapshot = self._store.dump(format=ox.RdfFormat.N_QUADS)
            return
        assert self._gate is not None
        self._gate.acquire()  # held until the group ends: no backup sees it half-done
        self._gate_for_group = True
        checkpoint = self.path / CHECKPOINT
        remove_tree(checkpoint)
        remove_tree(self.path / (CHECKPOINT + ".tmp"))
        try:
            self._store.backup(str(checkpoint))  # flushes the memtables first
        except OSError as exc:
            remove_tree(checkpoint)
            raise StoreError(f"cannot checkpoint the store before writing: {exc}") from exc
        (self.path / MARKER).write_text(
            "a write is in progress; checkpoint/ restores the store if it does not finish\n"
        )

    def _restore_point(self) -> None:
        self._length = None
        self.revision += 1  # caches made inside the group are stale
        if self.path is None:
            restored = ox.Store()  # blank nodes keep their labels (parse does not rename them)
            restored.bulk_extend(ox.parse(self._snapshot, ox.RdfFormat.N_QUADS))
            self._store, self._snapshot = restored, None
            return
        log.info("a write failed: restoring %s from its checkpoint", self.path)
        self._store = None  # type: ignore[assignment]
        deadline = time.monotonic() + 10
        while True:  # a result still read in another thread keeps the database open a while
            gc.collect()
            try:
                recover(self.path, quiet=True)
                self._store = self._open(self.path / DB)
                return
            except StoreLockedError:
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"cannot reopen {self.path} to undo a failed write: a query result is "
                        "still held in this process; the next open restores the checkpoint"
                    ) from None
                time.sleep(0.05)

    def _keep(self) -> None:
        self._snapshot = None
        if self.path is not None:
            (self.path / MARKER).unlink()  # the commit point: from here on the write stays
            remove_tree(self.path / CHECKPOINT)

    def _end(self) -> None:
        self._snapshot = None
        if self._gate_for_group and self._gate is not None:
            self._gate_for_group = False
            self._gate.release()
