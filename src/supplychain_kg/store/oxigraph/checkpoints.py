"""Groups of writes kept or undone together on an Oxigraph store: ``transaction()``,
``undoable()``, and the save points behind them (:class:`OxigraphCheckpoints`, a part of
:class:`~supplychain_kg.store.oxigraph.OxigraphStore`).

On disk, the save point is a checkpoint: the database backed up into ``checkpoint/`` (hard
links, so it costs little) and a ``LOADING`` marker written. If the group fails, or the process
dies before the marker is removed, the checkpoint replaces the database (at once, or the next
time the store is opened). In memory, the save point is a copy of the quads as N-Quads.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from supplychain_kg.errors import StoreError, StoreLockedError
from supplychain_kg.store.groups import WriteGroups
from supplychain_kg.store.layout import CHECKPOINT, DB, MARKER, recover, remove_tree
from supplychain_kg.store.locks import WriteGate
from supplychain_kg.store.oxigraph.database import open_database

__all__ = ["OxigraphCheckpoints"]

log = logging.getLogger(__name__)


class OxigraphCheckpoints:
    """The groups of writes of :class:`~supplychain_kg.store.oxigraph.OxigraphStore`, which
    sets the attributes declared here and passes the save point methods to its
    :class:`~supplychain_kg.store.groups.WriteGroups`."""

    _store: ox.Store
    path: Path | None
    revision: int
    _length: int | None
    _gate: WriteGate | None
    _gate_for_group: bool
    _snapshot: bytes | None
    _groups: WriteGroups

    if TYPE_CHECKING:

        def _changing(self) -> None: ...

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
        self._changing()  # and so is anything kept beside the store stamped meanwhile
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
                self._store = open_database(self.path / DB)
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
