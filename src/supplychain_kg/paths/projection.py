"""The path projection: a compact graph (``compact.py``) of entities and claim-backed
relations; ``Projection.graph`` gives it as a networkx MultiDiGraph to code that wants one.

Nodes are entity IRIs (no literals, claims or source documents); there is one edge per
relation ``subject -relation-> object`` (key: the relation IRI) with a stance summary:
``asserted`` (a direct triple, which exists only while an asserted claim backs it),
``disputed`` (a direct triple that a denied claim also contradicts) or ``denied`` (only denied
claims, so no direct triple; walked only with ``include_disputed``). An answer shows a hop
with no claim at all (a bare triple written by a SPARQL update) as ``unbacked``.

The projection is read from the store (``edges.py``, with the queries of ``source.py``), is
never the source of truth, and is patched in place for the entities a small write touched
(this module). What a walk may use is in ``options.py`` and ``graph.py``, the searches in
``search.py``. The evidence itself (quotes, sources) is read from the store when an answer is
assembled (``answers.py``).
"""

from __future__ import annotations

import time
from collections.abc import Set as AbstractSet

from supplychain_kg.paths.compact import STANCES
from supplychain_kg.paths.compact_search import CompactSearch
from supplychain_kg.paths.denials import denial_pairs
from supplychain_kg.paths.edges import read_all_edges, read_edges_around
from supplychain_kg.paths.options import Direction, Hop, PathOptions
from supplychain_kg.paths.source import ClaimWindow, chunked, read_types, touched_entities
from supplychain_kg.store import Store

__all__ = [
    "ClaimWindow",
    "Direction",
    "Hop",
    "PathOptions",
    "Projection",
    "build_projection",
    "touched_entities",
]


class Projection(CompactSearch):
    """The entity graph for path questions, tied to one store revision: its edges and
    stated triples (``graph.py``, ``compact_search.py``), path search, and :meth:`patch`.

    Take ``lock`` around any use of ``compact`` (patches change it in place).
    """

    def patch(
        self,
        store: Store,
        entities: set[str],
        revision: int,
        impure: AbstractSet[str] = frozenset(),
    ) -> None:
        """Recompute every edge at ``entities`` from the store, then mark ``revision``;
        ``impure``: relations the write gave a non-IRI end."""
        fresh, parties = read_edges_around(store, entities, self.relations)
        named = entities & (self.denied_parties | parties)
        denied = list(denial_pairs(store, named)) if self.denials is not None else []
        types: dict[str, frozenset[str]] = {}
        if self._types is not None:
            for chunk in chunked(sorted(set(fresh.nodes) | entities), 500):
                values = "VALUES ?x { " + " ".join(f"<{e}>" for e in chunk) + " }"
                types.update(read_types(store, values, self.classes))
        with self.lock:
            graph = self.compact
            for node in entities:
                i = graph.node(node)
                if i is not None:
                    graph.unlink_all(i)
            intern, relation = graph.intern, graph.intern_relation
            for s, o, rel, data in fresh.edges(keys=True, data=True):
                graph.link(intern(s), intern(o), relation(rel), STANCES.index(data["stance"]))
            # as a build has them, a node without an edge is no node (has_node is False)
            if self._types is not None:
                self._types.update(types)
            self.denied_parties |= parties
            if self.denials is not None:
                self.denials.refresh(denied, entities)
            self.impure = self.impure | impure
            self.cache.clear()
            self._windows = None
            self.revision = revision


def build_projection(
    store: Store,
    relations: frozenset[str],
    classes: frozenset[str],
    *,
    workers: int | None = None,
) -> Projection:
    """Build the projection of the claimed ``relations`` between entities of ``classes``
    (``workers``: engine threads reading ahead; default the CPU count, at most 4)."""
    started = time.perf_counter()
    revision = store.revision
    graph, parties, impure, denials = read_all_edges(store, relations, workers)
    projection = Projection(store, graph, revision=revision, relations=relations, classes=classes)
    projection.denied_parties = parties
    projection.denials = denials
    projection.impure = impure
    projection.built_seconds = time.perf_counter() - started
    return projection
