"""What every use case of :class:`KnowledgeGraph` shares: the store, the vocabulary and the
validator, the write lock (which also holds off the SPARQL endpoint's query workers), and the
two caches (the name index and the path projection) with their revision bookkeeping.

Each cache knows the store revision it was made for. A write patches both caches in place when
it is small and its triples are known (``_after_write``), else drops them, and they are rebuilt
on next use (``EntityUseCases.index``, ``PathUseCases.projection``). The bookkeeping lives
here, not beside either cache, because every kind of write (load, import, update, Graph Store)
patches both.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from supplychain_kg.config import Settings
from supplychain_kg.paths import (
    NameIndex,
    Projection,
    save_index,
    save_projection,
    staged_impure,
    staged_subjects,
    touched_entities,
)
from supplychain_kg.store import Store
from supplychain_kg.validate import Ontology, Validator, load_ontology, load_validator

if TYPE_CHECKING:
    from supplychain_kg.sparql import SparqlService

__all__ = ["GraphState", "Touched"]

log = logging.getLogger(__name__)
_Cache = TypeVar("_Cache")

Touched = tuple[set[str], set[str], set[str]]
"""What a write touched: (subjects, entities, relations given a non-IRI end)."""


class GraphState:
    """The graph service's state: one store plus the vocabulary, the validator and caches."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.ontology: Ontology = load_ontology()
        self._validator: Validator | None = None
        self._index: NameIndex | None = None
        self._lock = threading.RLock()
        """The write lock (``writing``)."""
        self._index_lock = threading.Lock()
        self._projection_lock = threading.Lock()
        """Held while the name index or the projection is built: reads and writes go on (a
        cache built while a write landed is labelled with the older revision, so it is
        rebuilt on next use)."""

    @property
    def validator(self) -> Validator:
        """The shapes every write is checked against, read on first use (a command that only
        reads never parses them: 40 ms of ``skg show``)."""
        if self._validator is None:
            self._validator = load_validator()
        return self._validator

    # -- the write lock ----------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold everything a write needs: no query worker has the store open (they reopen it
        afterwards), the SPARQL graph index answers from the projection as it was before the
        write (and not while it is patched), and the write lock. Writes made while serving should go through this. The
        name index and the path projection know the store revision they were made for: a
        write that does not patch them (``_after_write``) makes them rebuild on next use."""
        service: SparqlService | None = getattr(self, "_sparql", None)
        workers = service.exclusive() if service is not None else contextlib.nullcontext()
        with workers, self._lock:
            yield

    # -- the caches kept beside the store ----------------------------------------------------

    _kept_at: dict[str, int]
    """The revision at which each cache (by name) was last loaded from or saved beside the
    store."""

    def _load_kept(
        self, name: str, load: Callable[[Path, str, int], _Cache | None]
    ) -> _Cache | None:
        """The cache ``name`` kept beside the store for its data as it is now, read by
        ``load(folder, stamp, revision)``; None where nothing is kept or it cannot be used
        (``paths/saved.py``)."""
        with self._lock:  # no write between the stamp and the revision it stands for
            try:
                kept = self.store.cache_stamp()
            except OSError as exc:  # a store folder we may not write to: nothing is kept
                log.warning("cannot keep the %s beside the store: %s", name, exc)
                return None
            revision = self.store.revision
        if kept is None:
            return None
        found = load(kept[0], kept[1], revision)
        if found is not None:
            log.info("loaded the %s kept beside the store", name)
            self._kept_at = {**getattr(self, "_kept_at", {}), name: revision}
        return found

    def _keep(self, name: str, cache: Any, save: Callable[[Path, str, Any], None]) -> None:
        """Keep ``cache`` (made at ``cache.revision``) beside the store with ``save(folder,
        stamp, cache)``, if it is of the store's current revision and not kept yet; a failure
        to write is logged, never raised (the cache is only ever a copy)."""
        with self._lock:  # writes held off: the stamp names the data the cache was made from
            revision = self.store.revision
            if cache.revision != revision or getattr(self, "_kept_at", {}).get(name) == revision:
                return
            try:
                kept = self.store.cache_stamp()
                if kept is None:
                    return
                save(kept[0], kept[1], cache)
            except OSError as exc:
                log.warning("could not keep the %s beside the store: %s", name, exc)
                return
            self._kept_at = {**getattr(self, "_kept_at", {}), name: revision}

    def _keep_caches(self) -> None:
        """Keep the name index and the projection beside the store if they are up to date
        and were patched since they were kept (on close)."""
        if self._index is not None:
            self._keep("name index", self._index, save_index)
        if self._projection is not None:
            self._keep("path projection", self._projection, save_projection)

    # -- the caches' revisions ------------------------------------------------------------

    _projection: Projection | None = None
    PATCH_LIMIT = 200_000
    """Writes of at most this many triples patch the path projection; larger ones rebuild it."""

    def _touched(self, staging: Store) -> Touched:
        """What a write of ``staging`` touches: the subjects whose names may change (for the
        name index), the entities whose edges may change and the relations it gives a
        non-IRI end (for the projection)."""
        relations = self.ontology.claimed_relations
        return (
            staged_subjects(staging),
            touched_entities(staging, relations),
            staged_impure(staging, relations),
        )

    def _after_write(
        self, staging: Store | None, before: int, extra: AbstractSet[str] = frozenset()
    ) -> None:
        """After a write of ``staging`` (None: a write whose triples are not known), bring the
        name index and the path projection up to date where the write was small (patched in
        place), else drop them (rebuilt on next use). ``before``: the store's revision before
        the write; ``extra``: entities whose edges changed besides those the triples name."""
        if staging is None or len(staging) > self.PATCH_LIMIT:
            self._patch_caches(before, None)
        elif self._index is not None or self._projection is not None:
            subjects, touched, impure = self._touched(staging)
            self._patch_caches(before, (subjects, touched | extra, impure))

    def _patch_caches(self, before: int, touched: Touched | None) -> None:
        """Patch the name index and the projection made at revision ``before`` for the
        (subjects, entities, impure relations) ``touched``; None (or a cache of another
        revision): drop them."""
        index, projection = self._index, self._projection
        if index is not None:
            if touched is not None and index.revision == before:
                index.refresh(self.store, touched[0], self.store.revision)
            else:
                self._index = None
        if projection is not None:
            if touched is not None and projection.revision == before:
                service: SparqlService | None = getattr(self, "_sparql", None)
                with service.patching() if service else contextlib.nullcontext():
                    projection.patch(self.store, touched[1], self.store.revision, touched[2])
            else:
                self._projection = None
