"""Writing to an Oxigraph store: updates, added quads, parsing into a staging store, and the
bulk loads that absorb a staging store or files (:class:`OxigraphWrites`, a part of
:class:`~supplychain_kg.store.oxigraph.OxigraphStore`).

A bulk load on disk is not transactional: ``absorb`` and ``absorb_files`` run inside a group of
writes (``groups.py``), whose checkpoint (``checkpoints.py``) undoes a failed load.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from supplychain_kg.errors import ParseError, QueryError, StoreError
from supplychain_kg.model import Quad
from supplychain_kg.store.groups import WriteGroups
from supplychain_kg.store.locks import WriteGate
from supplychain_kg.store.oxigraph.formats import rdf_format
from supplychain_kg.store.oxigraph.results import query_error
from supplychain_kg.store.oxigraph.terms import named_blanks, to_ox_quad

__all__ = ["OxigraphWrites"]


class OxigraphWrites:
    """The writing methods of :class:`~supplychain_kg.store.oxigraph.OxigraphStore`, which
    sets the attributes declared here."""

    _store: ox.Store
    path: Path | None
    read_only: bool
    revision: int
    _length: int | None
    _gate: WriteGate | None
    _groups: WriteGroups

    if TYPE_CHECKING:

        def __len__(self) -> int: ...

        def _changing(self) -> None: ...

        def _checkpoint_view(self) -> Any: ...

    @contextlib.contextmanager
    def _writing(self, *, atomic: bool = True) -> Iterator[None]:
        """Around every write: inside a group, its save point first; on disk, the write gate
        held (a backup made beside this process copies the database files only between
        writes). Small writes are not flushed: each flush makes table files that background
        compactions later merge and delete, which the read-only handles of query workers may
        still be about to open."""
        if self.read_only:
            raise StoreError(f"the store at {self.path} is open read-only")
        self._changing()
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
                raise query_error(exc) from exc
            except ValueError as exc:
                raise QueryError(f"invalid update: {exc}") from exc
            except OSError as exc:
                raise StoreError(f"the update failed and was rolled back: {exc}") from exc
        self.revision += 1

    def add_quads(self, quads: Iterable[Quad]) -> None:
        converted = [to_ox_quad(q) for q in quads]
        with self._writing():
            try:
                self._store.extend(converted)
            except OSError as exc:
                raise StoreError(f"the write failed and was rolled back: {exc}") from exc
        self.revision += 1

    def parse_into(
        self,
        source: Path | bytes,
        media_type: str,
        *,
        base_iri: str | None = None,
        blank_prefix: str | None = None,
    ) -> None:
        fmt = rdf_format(media_type)
        name = str(source) if isinstance(source, Path) else None
        self._changing()
        self._length = None
        try:
            if blank_prefix is not None:
                data = source.read_bytes() if isinstance(source, Path) else source
                self._store.extend(named_blanks(data, fmt, base_iri, blank_prefix))
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
        if not isinstance(staging, OxigraphWrites):
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

    def can_load_checked(self) -> bool:
        return self.path is not None and not self.read_only and not self._groups.saved

    def load_checked(self, files: Sequence[tuple[Path, str]], check: Callable[[Any], Any]) -> int:
        """Bulk-load ``files`` while ``check(before)`` runs in this thread (see
        ``store.CheckedLoads``): the write makes the checkpoint first, and ``before`` is a
        read-only handle on it, so the check reads the store as it was whatever the write has
        done meanwhile. Both release the GIL: the write and the check use both cores. Then,
        while the write goes on, the new quads are counted from the staging store ``check``
        returns, if it is much smaller than the store or the store much smaller than it,
        rather than by counting the whole store afterwards."""
        if not self.can_load_checked():
            raise TypeError("load_checked() needs a store on disk before any write of its group")
        known = self._length
        added: int | None = None
        with self._groups.group(), self._writing(atomic=False):  # the checkpoint is made here
            view = self._checkpoint_view()
            try:
                with concurrent.futures.ThreadPoolExecutor(1, "skg-bulk-write") as pool:
                    writing = pool.submit(self._bulk_load_files, files)
                    try:
                        staged = check(view)
                        if known is None:
                            known = len(view._store)
                        if isinstance(staged, OxigraphWrites):
                            added = _new_quads(view._store, staged._store, known)
                    finally:
                        error = writing.exception()  # a failed check waits for the write too
            finally:
                view.drop()
            if error is not None:
                raise StoreError(f"the bulk write failed and was rolled back: {error}") from error
        assert known is not None
        self.revision += 1
        self._length = len(self._store) if added is None else known + added
        return self._length - known

    def _bulk_absorb(
        self,
        staging: OxigraphWrites,
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
                format=rdf_format(media_type),
                base_iri=path.resolve().as_uri(),
                lenient=True,
            )

        with concurrent.futures.ThreadPoolExecutor(2, "skg-bulk-load") as pool:
            list(pool.map(load, files))
        self._store.flush()


_PROBE_COST = 4
"""About how many quads a count of the store on disk reads in the time a quad is looked up
in another store (0.26 against 1 microsecond)."""


def _new_quads(before: ox.Store, staged: ox.Store, known: int) -> int | None:
    """How many quads of ``staged`` ``before`` (holding ``known``) lacks, found by looking
    the quads of the smaller one up in the other; None when that would cost more than
    counting the store after the write."""
    size = len(staged)
    small, large = (before, staged) if known < size else (staged, before)
    if min(known, size) * _PROBE_COST > known + size:
        return None
    shared = sum(1 for quad in small if quad in large)
    return size - shared
