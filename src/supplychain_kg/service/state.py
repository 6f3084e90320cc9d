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
import threading
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from supplychain_kg.config import Settings
from supplychain_kg.paths import (
    NameIndex,
    Projection,
    staged_impure,
    staged_subjects,
    touched_entities,
)
from supplychain_kg.store import Store
from supplychain_kg.validate import Ontology, Validator, load_ontology, load_validator

if TYPE_CHECKING:
    from supplychain_kg.sparql import SparqlService

__all__ = ["GraphState", "Touched"]

Touched = tuple[set[str], set[str], set[str]]
"""What a write touched: (subjects, entities, relations given a non-IRI end)."""


class GraphState:
    """The graph service's state: one store plus the vocabulary, the validator and caches."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.ontology: Ontology = load_ontology()
        self.validator: Validator = load_validator()
        self._index: NameIndex | None = None
        self._lock = threading.RLock()
        """The write lock (``writing``)."""
        self._index_lock = threading.Lock()
        self._projection_lock = threading.Lock()
        """Held while the name index or the projection is built: reads and writes go on (a
        cache built while a write landed is labelled with the older revision, so it is
        rebuilt on next use)."""

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
