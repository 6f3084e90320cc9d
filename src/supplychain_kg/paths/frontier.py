"""The frontier path mode: path search that asks the store for one hop at a time.

A :class:`Frontier` is made for one question. It starts empty and reads the edges at the
entities a walk steps from, as the bidirectional search gets to them (``walker.py``: a few
entities of a layer per query, the next read of the same layer twice as many, so that a walk
meeting the other side early in a layer never reads the rest of it), so memory grows with what
the question explores, never with the graph. It is the projection's search (``search.py``) over a partial graph: every
node a walk steps from has all its edges read, in the order a projection build gives them, so
it finds the same paths as the projection and the answers are built by the same code
(``answers.py``).

A *hub* (more than ``hub_limit`` neighbours) is not walked through: a path may still end or
meet there, but its neighbours do not join the frontier. The hubs left unwalked are listed in
:attr:`Frontier.capped_hubs` (the answer's ``capped_hubs``): a shorter path through them may
exist. The question's own source and target are never capped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from supplychain_kg.paths.edges import EDGE, link
from supplychain_kg.paths.options import Hop, PathOptions
from supplychain_kg.paths.search import PathSearch
from supplychain_kg.paths.source import ClaimWindow
from supplychain_kg.paths.walker import (
    BATCH,
    Around,
    read_around,
    read_node_types,
    read_node_windows,
)
from supplychain_kg.store import Store

__all__ = ["DEFAULT_HUB_LIMIT", "Frontier"]

DEFAULT_HUB_LIMIT = 10_000
"""Neighbours past which an entity is not walked through (``SKG_PATHS_HUB_LIMIT``)."""

FIRST_READ = 16
"""Entities of a layer read when a walk first steps into it; each further read of the same
layer takes twice as many (up to ``walker.BATCH``): a walk that meets the other side early
in a layer never reads the rest of it."""


class Frontier(PathSearch):
    """The edges one path question has read so far, and the search over them (see the
    module's docstring).

    ``ends``: the question's source and target (never capped); ``cache``: the evidence cache
    of the answers (``answers.py``), which may be shared by the questions of one revision.

    >>> # frontier = Frontier(store, relations=..., classes=..., revision=store.revision)
    >>> # path_answer(store, projection=frontier, source=s, target=t, ...)
    """

    def __init__(
        self,
        store: Store,
        *,
        relations: frozenset[str],
        classes: frozenset[str],
        revision: int,
        ends: tuple[str, ...] = (),
        hub_limit: int = DEFAULT_HUB_LIMIT,
        cache: dict[Any, Any] | None = None,
    ) -> None:
        import networkx as nx  # here: a command that walks no frontier does not load it

        super().__init__(
            store, nx.MultiDiGraph(), revision=revision, relations=relations, classes=classes
        )
        if cache is not None:
            self.cache = cache
        self.ends = frozenset(ends)
        self.hub_limit = hub_limit
        self.expanded: set[str] = set()
        """Entities whose edges have all been read."""
        self.capped: dict[str, int] = {}
        """Hubs not walked through, with their number of neighbours."""
        self.queries = 0
        """Batches of entities read so far (for benchmarks and tests)."""
        self._node_types: dict[str, frozenset[str]] = {}
        self._typed: set[str] = set()
        self._edge_windows: dict[tuple[str, str, str], tuple[ClaimWindow, ...]] = {}
        self._windowed: set[str] = set()
        self._walking: list[str] = []
        self._places: dict[str, int] | None = None
        self._next_read = FIRST_READ

    @property
    def capped_hubs(self) -> list[dict[str, Any]]:
        """The hubs a walk reached but did not walk through (IRI and number of neighbours)."""
        return [{"iri": iri, "neighbours": n} for iri, n in sorted(self.capped.items())]

    # -- reading one layer -------------------------------------------------------------------

    def _reach(self, nodes: list[str]) -> None:
        fresh = sorted({n for n in nodes if n not in self.expanded})
        if not fresh:
            return
        found = read_around(self.store, fresh, self.relations, self.cache)
        self.queries += 1
        self._link(found)
        self.expanded.update(fresh)
        self.denied_parties |= found.parties
        classes = self.classes
        for node, kinds in found.types.items():
            if node not in self._typed:
                self._typed.add(node)
                known = frozenset(kinds & classes)
                if known:
                    self._node_types[node] = known
        graph = self.graph
        present = [node for node in fresh if node in graph]
        _canonical(graph, present, found)
        for node in present:
            degree = len(graph._succ[node]) + len(graph._pred[node])
            if degree > self.hub_limit and node not in self.ends:
                self.capped[node] = degree

    def _layer(self, layer: list[str]) -> None:
        """Remember the layer a walk steps through: its nodes are read as the walk reaches
        them (:meth:`_step`), a few at a time, never before."""
        self._walking = layer
        self._places = None
        self._next_read = FIRST_READ

    def _read_on(self, node: str) -> None:
        """Read ``node`` and the unread nodes after it in the layer being walked (the next
        ones the walk steps from), :attr:`_next_read` of them."""
        layer = self._walking
        if self._places is None:
            self._places = {n: i for i, n in enumerate(layer)}
        start = self._places.get(node)
        if start is None:
            self._reach([node])
            return
        wanted, expanded = self._next_read, self.expanded
        batch: list[str] = []
        for other in layer[start:]:
            if other not in expanded:
                batch.append(other)
                if len(batch) == wanted:
                    break
        self._next_read = min(2 * wanted, BATCH)
        self._reach(batch)

    def _link(self, found: Around) -> None:
        """Add the rows' edges (as ``edges.link`` does, inlined: every edge read passes here)."""
        graph = self.graph
        succ, pred, data = graph._succ, graph._pred, graph._node
        asserted = EDGE["asserted"]
        for s, rel, o in found.direct:
            out = succ.get(s)
            if out is None:
                out = succ[s] = {}
                pred[s] = {}
                data[s] = {}
            if o not in succ:
                succ[o] = {}
                pred[o] = {}
                data[o] = {}
            keyed = out.get(o)
            if keyed is None:
                keyed = out[o] = pred[o][s] = {}
            keyed[rel] = asserted
        if found.denied:
            direct = set(found.direct)
            for s, rel, o in found.denied:
                link(graph, s, o, rel, EDGE["disputed" if (s, rel, o) in direct else "denied"])

    # -- the search, over what has been read ------------------------------------------------

    def __contains__(self, iri: object) -> bool:
        if isinstance(iri, str):
            self._reach([iri])
        return iri in self.graph

    def shortest(
        self,
        source: str,
        target: str,
        options: PathOptions,
        *,
        max_hops: int | None = None,
        banned_nodes: frozenset[str] | set[str] = frozenset(),
        banned_hops: set[tuple[str, str]] | None = None,
    ) -> list[str] | None:
        """As :meth:`PathSearch.shortest`; the edges at both ends are read in one go."""
        self._reach([source, target])
        return super().shortest(
            source,
            target,
            options,
            max_hops=max_hops,
            banned_nodes=banned_nodes,
            banned_hops=banned_hops,
        )

    def k_shortest(
        self,
        source: str,
        target: str,
        options: PathOptions,
        k: int,
        *,
        first: list[str] | None = None,
    ) -> tuple[list[list[str]], bool]:
        """As :meth:`PathSearch.k_shortest`; then every node of the paths found has all its
        edges read (a path may meet at a node no walk stepped from), so that the hops and the
        denials shown are complete."""
        found, more = super().k_shortest(source, target, options, k, first=first)
        self._reach([node for path in found for node in path])
        return found, more

    def neighbours(self, node: str, options: PathOptions) -> list[Hop]:
        self._reach([node])
        return super().neighbours(node, options)

    def _step(self, node: str, options: PathOptions, backward: bool = False) -> Iterator[str]:
        if node not in self.expanded:
            self._read_on(node)
        if node in self.capped:
            return iter(())
        return super()._step(node, options, backward)

    def _node_filter(
        self,
        source: str,
        target: str,
        options: PathOptions,
        banned: frozenset[str] | set[str],
    ) -> Callable[[str], bool]:
        wanted, avoid, via = options.entity_types, options.avoid_types, options.via
        types = self._node_types

        def allowed(node: str) -> bool:
            if node in (source, target):
                return node == target
            if node in banned:
                return False
            if wanted is None and not avoid:
                return True
            if node not in self._typed:
                self._read_types()
            kinds = types.get(node, ())
            if avoid and node not in via and not avoid.isdisjoint(kinds):
                return False
            return wanted is None or not wanted.isdisjoint(kinds)

        return allowed

    def _read_types(self) -> None:
        missing = [n for n in self.graph if n not in self._typed]
        self._node_types.update(read_node_types(self.store, missing, self.classes))
        self._typed.update(missing)

    def types(self) -> dict[str, frozenset[str]]:
        """The classes of every node read so far."""
        self._read_types()
        return self._node_types

    def windows(self) -> dict[tuple[str, str, str], tuple[ClaimWindow, ...]]:
        """Claim stances and validity of the edges at every entity read so far."""
        if len(self._windowed) != len(self.expanded):
            missing = self.expanded - self._windowed
            self._edge_windows.update(read_node_windows(self.store, missing))
            self._windowed |= missing
        return self._edge_windows


def _first_keys(
    found: Around, nodes: set[str]
) -> tuple[dict[tuple[str, str], tuple[Any, ...]], dict[tuple[str, str], tuple[Any, ...]]]:
    """For each (node, neighbour) of the rows with the node in ``nodes``, where a projection
    build first adds the neighbour to the node's adjacency, out of and into the node (the
    smaller key comes first)."""
    out: dict[tuple[str, str], tuple[Any, ...]] = {}
    into: dict[tuple[str, str], tuple[Any, ...]] = {}
    for s, rel, o in found.direct:
        if s in nodes:
            key: tuple[Any, ...] = (0, rel, o)
            old = out.get((s, o))
            if old is None or key < old:
                out[s, o] = key
        if o in nodes:
            key = (0, rel, f"<{s}>")
            old = into.get((o, s))
            if old is None or key < old:
                into[o, s] = key
    for s, rel, o in found.denied:
        for first, place, key in (
            (out, (s, o), (1, f"<{rel}>", f"<{o}>")),
            (into, (o, s), (1, f"<{s}>", f"<{rel}>")),
        ):
            old = first.get(place)
            if place[0] in nodes and (old is None or key < old):
                first[place] = key
    return out, into


def _canonical(graph: Any, nodes: list[str], found: Around) -> None:
    """Order the neighbours of ``nodes`` as a projection build adds them (``edges.py``), so
    that a walk meets equally short paths in the same order: objects of direct triples by
    relation, then object; subjects by relation, then subject (as written in N-Triples); then
    the ends of denied-only edges, as the sorted denied claims give them."""
    out, into = _first_keys(found, set(nodes))
    last = (2,)
    for node in nodes:
        for first, adjacency in ((out, graph._succ), (into, graph._pred)):
            around = adjacency[node]
            if len(around) < 2:
                continue
            order = sorted(around, key=lambda other: first.get((node, other), last))
            adjacency[node] = {other: around[other] for other in order}
