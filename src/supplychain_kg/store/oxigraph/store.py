"""The Oxigraph store: :class:`OxigraphStore`, opened on disk or in memory, and what it does
besides writing (reading, its notes, backups). Its writes are in ``writes.py``, its groups of
writes and their checkpoints in ``checkpoints.py``.

On disk, a store directory holds ``db/`` (the Oxigraph database) and the files described in
``layout.py``. A writable open locks the directory first (``locks.py``), then finishes any
interrupted write. Large writes use Oxigraph's bulk loader, which is fast but not
transactional; atomicity comes from a checkpoint (``checkpoints.py``).
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from supplychain_kg.errors import QueryError, StoreError
from supplychain_kg.model import Quad, Term
from supplychain_kg.store.groups import WriteGroups
from supplychain_kg.store.layout import (
    CACHE,
    CHECKPOINT,
    DB,
    MARKER,
    META,
    new_stamp,
    read_metadata,
    read_stamp,
    recover,
    write_json,
)
from supplychain_kg.store.locks import StoreLock, WriteGate
from supplychain_kg.store.oxigraph.checkpoints import OxigraphCheckpoints
from supplychain_kg.store.oxigraph.database import ENGINE, open_database, open_read_only
from supplychain_kg.store.oxigraph.formats import rdf_format
from supplychain_kg.store.oxigraph.results import OxigraphResult, query_error
from supplychain_kg.store.oxigraph.terms import checked_iri, from_ox_quad, to_term
from supplychain_kg.store.oxigraph.writes import OxigraphWrites

__all__ = ["OxigraphStore"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_GATE_WAIT = 120.0
"""How long a write waits, in seconds, for a backup that another process is making."""
_READ_WAIT = 30.0
"""How long a read beside the owner waits, in seconds, for the owner's write to end."""


class OxigraphStore(OxigraphWrites, OxigraphCheckpoints):
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
        self._stamp: str | None = None  # on disk: the token of skg-revision, once read
        self._changed = False  # written since the token was read or made (cache_stamp)
        self._stamp_lock = threading.Lock()
        self._groups = WriteGroups(
            save=self._save_point, restore=self._restore_point, keep=self._keep, end=self._end
        )
        if path is None:
            self._store = ox.Store()
        elif read_only:
            self._store = open_read_only(path)
        else:
            self._store = self._open_owned(path)

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def beside_owner(cls, path: Path, *, wait: float = _READ_WAIT) -> OxigraphStore:
        """A read-only handle on a store another process holds (``skg serve``, a load).

        It is opened with the owner's write gate held (waiting up to ``wait`` seconds for a
        write or backup to end), so it never sees a write half done: it sees the data as it
        was between two writes, and nothing written after it was opened.
        """
        if not (path / DB).is_dir():
            raise StoreError(f"there is no store at {path} (no {DB}/ directory)")
        gate = WriteGate(path, wait=wait)
        try:
            with gate.holding(wait=wait, what="read"):
                if (path / MARKER).exists():  # only a writer that died leaves it, gate free
                    raise StoreError(
                        f"the store at {path} has an interrupted write to undo: stop the "
                        "process that holds it, and the next open finishes the recovery"
                    )
                return cls(path, read_only=True)
        finally:
            gate.close()

    def staging(self) -> OxigraphStore:
        return OxigraphStore(None)

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
                store = open_database(path / DB)
                if created:
                    write_json(path / META, {"created": _now(), "engine": ENGINE})
            return store
        except BaseException:
            self._release_locks()
            raise

    def _checkpoint_view(self) -> OxigraphStore:
        """A read-only handle on the checkpoint of the open group of writes: the store as it
        was before the group's first write (``load_checked``). Dropped with :meth:`drop`."""
        assert self.path is not None and self._groups.saved
        view = OxigraphStore(None)
        view.read_only = True
        try:
            view._store = ox.Store.read_only(str(self.path / CHECKPOINT))
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"cannot read the checkpoint of {self.path}: {exc}") from exc
        return view

    def drop(self) -> None:
        """Let go of a view made by :meth:`_checkpoint_view` (no lock to release, nothing to
        flush; the engine closes it when its last result goes)."""
        self._store = None  # type: ignore[assignment]

    def copy_write_ahead_log(self, target: Path) -> None:
        """Copy the write-ahead log of this read-only handle's database into the backup at
        ``target``: the engine's backup of a read-only handle holds only the table files, and
        the owner's latest small writes are still in the log (the engine replays it when the
        backup is opened). The caller holds the write gate, so the log is not growing."""
        assert self.path is not None and self.read_only
        for wal in (self.path / DB).glob("*.log"):
            if wal.stem.isdigit():
                shutil.copy2(wal, target / wal.name)

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

    def cache_stamp(self) -> tuple[Path, str] | None:
        """``cache/`` beside the database and the token that names the data as it is now
        (``skg-revision``): the same token only while nothing was written, by this process or
        any other. None in memory and read-only. The caller holds off writes meanwhile."""
        if self.path is None or self.read_only:
            return None
        with self._stamp_lock:
            if self._stamp is None and not self._changed:
                self._stamp = read_stamp(self.path)
            if self._stamp is None or self._changed:
                self._stamp = new_stamp(self.path)
                self._changed = False
            return self.path / CACHE, self._stamp

    def _changing(self) -> None:
        """Before a write on disk: the first since the token was handed out replaces it, so
        that nothing stamped with it is taken for this data again (even if this process is
        killed during the write)."""
        if self.path is None or self.read_only:
            return
        with self._stamp_lock:
            if not self._changed:
                new_stamp(self.path)
                self._stamp, self._changed = None, True

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
    @property
    def worker_path(self) -> Path | None:
        """The directory query workers open read-only (None in memory)."""
        return self.path

    def select_pages(
        self, sparql: str, *, default_graphs: Sequence[str] | None = None
    ) -> Iterator[OxigraphResult]:
        """One page: the embedded engine streams any answer."""
        yield self.query(sparql, default_graphs=default_graphs)

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> OxigraphResult:
        kwargs: dict[str, Any] = {"base_iri": base_iri}
        if default_graphs is not None:
            kwargs["default_graph"] = [
                checked_iri(g) if g else ox.DefaultGraph() for g in default_graphs
            ]
        if named_graphs is not None:
            kwargs["named_graphs"] = [checked_iri(g) for g in named_graphs]
        try:
            return OxigraphResult(self._store.query(sparql, **kwargs))
        except SyntaxError as exc:
            raise query_error(exc) from exc
        except ValueError as exc:
            raise QueryError(f"invalid query: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"the store failed while answering a query: {exc}") from exc

    def text_match(
        self, words: Sequence[str], predicates: Sequence[str], *, limit: int
    ) -> list[str] | None:
        """None: the embedded store has no full-text index (names are searched locally)."""
        return None

    def has_blank_nodes(self) -> bool:
        ask = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } FILTER(isBlank(?s) || isBlank(?o)) }"
        return self.query(ask).boolean

    def describe(self, iris: Sequence[str]) -> dict[str, list[tuple[str, Term]]]:
        out: dict[str, list[tuple[str, Term]]] = {}
        graph = ox.DefaultGraph()
        try:
            for iri in iris:
                node = checked_iri(iri, "a resource to describe")
                quads = self._store.quads_for_pattern(node, None, None, graph)
                found = [(quad.predicate.value, to_term(quad.object)) for quad in quads]
                if found:
                    out[iri] = found
        except OSError as exc:
            raise StoreError(f"the store failed while reading resources: {exc}") from exc
        return out

    def quads(self) -> Iterator[Quad]:
        for quad in self._store:
            yield from_ox_quad(quad)

    def dump(
        self, output: IO[bytes], media_type: str, *, prefixes: Mapping[str, str] | None = None
    ) -> None:
        fmt = rdf_format(media_type)
        names = dict(prefixes) if prefixes else None
        if fmt.supports_datasets:
            self._store.dump(output, fmt, prefixes=names)
        else:
            self._store.dump(output, fmt, from_graph=ox.DefaultGraph(), prefixes=names)
