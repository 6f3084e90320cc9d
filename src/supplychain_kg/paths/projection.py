"""The path projection: a networkx MultiDiGraph of entities and claim-backed relations.

Nodes are entity IRIs (no literals, claims or source documents); there is one edge per
relation ``subject -relation-> object`` (key: the relation IRI) with a stance summary:
``asserted`` (a direct triple, which exists only while an asserted claim backs it),
``disputed`` (a direct triple that a denied claim also contradicts) or ``denied`` (only denied
claims, so no direct triple; walked only with ``include_disputed``). Each claim's validity for
``as_of`` questions and the nodes' classes for ``entity_type`` are read on the first such
question (``Projection.windows``, ``Projection.types``), so the common question pays for
neither. An answer
shows a hop with no claim at all (a bare triple written by a SPARQL update) as ``unbacked``.

The projection is read from the store (``projection_source.py``), is never the source of
truth, and is patched in place for the entities a small write touched. The evidence itself
(quotes, sources) is read from the store when an answer is assembled (``relations.py``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Any, Literal

import networkx as nx

from supplychain_kg.errors import QueryTimeoutError
from supplychain_kg.namespaces import SKG
from supplychain_kg.paths.source import (
    ClaimWindow,
    FullRead,
    chunked,
    read_denied,
    read_direct,
    read_types,
    read_windows,
    relations_filter,
    touched_entities,
)
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

Direction = Literal["out", "in", "any"]
_STANCE_RANK = {"asserted": 0, "unbacked": 1, "disputed": 2, "denied": 3}


@dataclass(frozen=True)
class PathOptions:
    """Which edges and nodes a walk may use.

    ``relations`` None means every traversable relation; ``entity_types`` None means any
    intermediate node (otherwise a set of class IRIs, subclasses included by the caller).
    """

    max_hops: int = 6
    k: int = 3
    relations: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()
    entity_types: frozenset[str] | None = None
    direction: Direction = "any"
    include_disputed: bool = False
    as_of: str | None = None
    deadline: float | None = None


@dataclass(frozen=True)
class Hop:
    """One usable edge, seen from ``source`` (``direction`` "in": stated as target -> source)."""

    source: str
    target: str
    relation: str
    direction: Literal["out", "in"]
    stance: str

    @property
    def stated(self) -> tuple[str, str, str]:
        """The direct triple (subject, relation, object) as stated in the data."""
        if self.direction == "out":
            return (self.source, self.relation, self.target)
        return (self.target, self.relation, self.source)


def _summary(windows: Iterable[ClaimWindow]) -> str | None:
    stances = {w.denied for w in windows}
    if not stances:
        return None
    if stances == {True}:
        return "denied"
    return "disputed" if len(stances) == 2 else "asserted"


def _valid_on(window: ClaimWindow, day: str) -> bool:
    return (window.start is None or window.start[:10] <= day) and (
        window.end is None or day <= window.end[:10]
    )


class Projection:
    """The entity graph for path questions, tied to one store revision.

    Take ``lock`` around any use of ``graph`` (patches mutate it in place).
    """

    def __init__(
        self,
        store: Store,
        graph: Any,
        *,
        revision: int,
        relations: frozenset[str],
        classes: frozenset[str],
    ) -> None:
        self.store = store
        self.cache: dict[Any, Any] = {}
        """Evidence read for answers (relations.py); emptied by every patch."""
        self.denied_parties: set[str] = set()
        """Entities that are subject or object of some denied claim (any relation)."""
        self.impure: frozenset[str] = frozenset()
        """Relations with a triple whose subject or object is not an IRI (so not all their
        triples are edges here); a patch only ever adds to it."""
        self._windows: dict[tuple[str, str, str], tuple[ClaimWindow, ...]] | None = None
        self._types: dict[str, frozenset[str]] | None = None
        self.graph = graph
        self.revision = revision
        self.relations = relations
        self.classes = classes
        self.lock = threading.Lock()
        self.built_seconds = 0.0

    def __contains__(self, iri: object) -> bool:
        return iri in self.graph

    # -- edges -----------------------------------------------------------------------------

    def types(self) -> dict[str, frozenset[str]]:
        """The classes of every node (read on the first ``entity_type`` question)."""
        if self._types is None:
            graph = self.graph
            found = read_types(self.store, "", self.classes)
            self._types = {node: kinds for node, kinds in found.items() if node in graph}
        return self._types

    def windows(self) -> dict[tuple[str, str, str], tuple[ClaimWindow, ...]]:
        """Claim stances and validity of every edge with a dated claim (built on first use)."""
        if self._windows is None:
            self._windows = read_windows(self.store)
        return self._windows

    def _stance(
        self, edge: tuple[str, str, str, str], stance: str, options: PathOptions
    ) -> str | None:
        """The stance of ``edge`` (node, other, side, relation) under the options, or None
        when it may not be walked."""
        node, other, side, relation = edge
        if options.relations is not None and relation not in options.relations:
            return None
        if relation in options.exclude:
            return None
        found: str | None = stance
        if options.as_of is not None:
            stated = (node, relation, other) if side == "out" else (other, relation, node)
            windows = self.windows().get(stated)
            if windows:
                found = _summary(w for w in windows if _valid_on(w, options.as_of))
        if found is None or (found == "denied" and not options.include_disputed):
            return None
        return found

    def _sides(self, direction: Direction, backward: bool) -> list[tuple[dict[str, Any], str]]:
        succ, pred = self.graph._succ, self.graph._pred
        if direction == "any":
            return [(succ, "out"), (pred, "in")]
        forward = (direction == "out") != backward
        return [(succ, "out")] if forward else [(pred, "in")]

    def _step(self, node: str, options: PathOptions, backward: bool = False) -> Iterator[str]:
        """Neighbours reachable in one usable hop (``backward``: walking toward the source)."""
        sides = self._sides(options.direction, backward)
        if options.as_of is None:
            wanted, excluded, denied_ok = (
                options.relations,
                options.exclude,
                options.include_disputed,
            )
            for adjacency, _ in sides:
                for other, keyed in adjacency[node].items():
                    for relation, data in keyed.items():
                        if (
                            (wanted is None or relation in wanted)
                            and relation not in excluded
                            and (denied_ok or data["stance"] != "denied")
                        ):
                            yield other
                            break
            return
        for adjacency, side in sides:
            for other, keyed in adjacency[node].items():
                for relation, data in keyed.items():
                    if self._stance((node, other, side, relation), data["stance"], options):
                        yield other
                        break

    def _edges(self, node: str, options: PathOptions, only: str | None = None) -> list[Hop]:
        out: list[Hop] = []
        for adjacency, side in self._sides(options.direction, False):
            around = adjacency[node]
            pairs = around.items() if only is None else [(only, around.get(only, {}))]
            for other, keyed in pairs:
                for relation, data in keyed.items():
                    stance = self._stance((node, other, side, relation), data["stance"], options)
                    if stance is not None:
                        out.append(Hop(node, other, relation, side, stance))  # type: ignore[arg-type]
        return out

    def walkable(self, options: PathOptions) -> Iterator[tuple[str, str]]:
        """Every (subject, object) pair with a usable edge as stated (for comparisons)."""
        plain = replace(options, direction="out")
        for node in self.graph._succ:
            for other in self._step(node, plain):
                yield node, other

    def hops(self, a: str, b: str, options: PathOptions) -> list[Hop]:
        """Every usable edge between consecutive path nodes ``a`` and ``b``, best stance first."""
        found = self._edges(a, options, only=b)
        found.sort(key=lambda h: (_STANCE_RANK[h.stance], h.direction != "out", h.relation))
        return found

    def neighbours(self, node: str, options: PathOptions) -> list[Hop]:
        """Every usable edge at ``node`` (stance, then relation, then neighbour order)."""
        out = self._edges(node, options)
        out.sort(key=lambda h: (_STANCE_RANK[h.stance], h.relation, h.target, h.direction))
        return out

    # -- paths -----------------------------------------------------------------------------

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
        """A shortest usable path (node IRIs) by bidirectional breadth-first search.

        Intermediate nodes must pass the type filter and avoid ``banned_nodes``; a hop
        ``(a, b)`` in ``banned_hops`` is never taken. Returns None when no path of at most
        ``max_hops`` (default ``options.max_hops``) exists. Raises QueryTimeoutError past
        ``options.deadline``.
        """
        if source not in self.graph or target not in self.graph:
            return None
        if source == target:
            return [source]
        limit = options.max_hops if max_hops is None else max_hops
        banned = banned_hops or set()
        allowed = self._node_filter(source, target, options, banned_nodes)
        pred: dict[str, str | None] = {source: None}
        succ: dict[str, str | None] = {target: None}
        front, back = [source], [target]
        depth = 0
        while front and back and depth < limit:
            _check(options.deadline)
            depth += 1
            forward = len(front) <= len(back)
            layer = front if forward else back
            seen, other = (pred, succ) if forward else (succ, pred)
            nxt: list[str] = []
            for node in layer:
                for neighbour in self._step(node, options, backward=not forward):
                    if neighbour in seen or not allowed(neighbour):
                        continue
                    hop = (node, neighbour) if forward else (neighbour, node)
                    if hop in banned:
                        continue
                    seen[neighbour] = node
                    if neighbour in other:
                        return _join(pred, succ, neighbour)
                    nxt.append(neighbour)
            if forward:
                front = nxt
            else:
                back = nxt
        return None

    def _node_filter(
        self,
        source: str,
        target: str,
        options: PathOptions,
        banned: frozenset[str] | set[str],
    ) -> Callable[[str], bool]:
        wanted = options.entity_types
        types = self.types() if wanted is not None else {}

        def allowed(node: str) -> bool:
            if node in (source, target):
                return node == target
            if node in banned:
                return False
            return wanted is None or not wanted.isdisjoint(types.get(node, ()))

        return allowed

    def k_shortest(
        self, source: str, target: str, options: PathOptions, k: int
    ) -> tuple[list[list[str]], bool]:
        """Up to ``k`` shortest simple paths, shortest first (Yen's algorithm over BFS).

        Also says whether more paths exist within the limits: after the k-th path it looks
        only until the first further candidate.
        """
        first = self.shortest(source, target, options)
        if first is None:
            return [], False
        found = [first]
        candidates: list[list[str]] = []
        while True:
            probing = len(found) >= k
            if probing and candidates:
                return found, True
            for spur_path in self._spurs(found, target, options):
                if spur_path not in candidates and spur_path not in found:
                    candidates.append(spur_path)
                    if probing:
                        return found, True
            if not candidates or probing:
                return found, False
            candidates.sort(key=len)
            found.append(candidates.pop(0))

    def _spurs(
        self, found: list[list[str]], target: str, options: PathOptions
    ) -> Iterator[list[str]]:
        """Yen's deviations from the last path found (each a full path from the source)."""
        last = found[-1]
        for i in range(len(last) - 1):
            _check(options.deadline)
            root = last[: i + 1]
            spur = self.shortest(
                root[-1],
                target,
                options,
                max_hops=options.max_hops - i,
                banned_nodes=set(root[:-1]),
                banned_hops={(p[i], p[i + 1]) for p in found if p[: i + 1] == root},
            )
            if spur is not None:
                yield root[:-1] + spur

    # -- stated triples (the SPARQL graph index, sparql_accel.py) ---------------------------
    # Asserted and disputed edges are exactly the direct triples ``s relation o`` with an IRI
    # object; denied-only edges have no triple and are never returned. Callers hold no lock:
    # a concurrent patch may raise RuntimeError (a dict changed size) or change ``revision``.

    def stated_objects(self, subject: str, relation: str) -> list[str]:
        """Every ``o`` with a direct triple ``subject relation o``."""
        return _stated(self.graph._succ.get(subject), relation)

    def stated_subjects(self, obj: str, relation: str) -> list[str]:
        """Every ``s`` with a direct triple ``s relation obj``."""
        return _stated(self.graph._pred.get(obj), relation)

    def is_stated(self, subject: str, relation: str, obj: str) -> bool:
        """Whether the direct triple ``subject relation obj`` exists."""
        around = self.graph._succ.get(subject)
        keyed = around.get(obj) if around else None
        data = keyed.get(relation) if keyed else None
        return data is not None and data["stance"] != "denied"

    def stated_pairs(self, relation: str) -> Iterator[tuple[str, str]]:
        """Every (s, o) with a direct triple ``s relation o`` (a scan of all edges)."""
        for s, around in self.graph._succ.items():
            for o, keyed in around.items():
                data = keyed.get(relation)
                if data is not None and data["stance"] != "denied":
                    yield s, o

    def degree(self, node: str) -> int:
        """How many neighbours ``node`` has (both directions, any relation or stance)."""
        graph = self.graph
        return len(graph._succ.get(node, ())) + len(graph._pred.get(node, ()))

    # -- updates ---------------------------------------------------------------------------

    def patch(
        self,
        store: Store,
        entities: set[str],
        revision: int,
        impure: AbstractSet[str] = frozenset(),
    ) -> None:
        """Recompute every edge at ``entities`` from the store, then mark ``revision``;
        ``impure``: relations the write gave a non-IRI end."""
        fresh = nx.MultiDiGraph()
        parties: set[str] = set()
        rels = relations_filter(self.relations)
        for chunk in chunked(sorted(entities), 500):
            values = "VALUES ?e { " + " ".join(f"<{e}>" for e in chunk) + " }"
            direct = (
                f"{{ {values} {rels} ?e ?rel ?o BIND(?e AS ?s) }} UNION "
                f"{{ {values} {rels} ?s ?rel ?e BIND(?e AS ?o) }}"
            )
            denied = (
                f"{{ {values} ?c <{SKG}subject> ?e BIND(?e AS ?s) }} UNION "
                f"{{ {values} ?c <{SKG}object> ?e BIND(?e AS ?o) }}"
            )
            parties |= _read_edges(store, fresh, direct, denied, self.relations)
        types: dict[str, frozenset[str]] = {}
        if self._types is not None:
            for chunk in chunked(sorted(set(fresh.nodes) | entities), 500):
                values = "VALUES ?x { " + " ".join(f"<{e}>" for e in chunk) + " }"
                types.update(read_types(store, values, self.classes))
        with self.lock:
            graph = self.graph
            for node in entities:
                if node in graph:
                    stale = [*graph.out_edges(node, keys=True), *graph.in_edges(node, keys=True)]
                    graph.remove_edges_from(stale)
            for s, o, rel, data in fresh.edges(keys=True, data=True):
                _link(graph, s, o, rel, _EDGE[data["stance"]])
            for node in fresh.nodes:
                _link_node(graph, node)
            if self._types is not None:
                self._types.update(types)
            self.denied_parties |= parties
            self.impure = self.impure | impure
            self.cache.clear()
            self._windows = None
            self.revision = revision


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTimeoutError("the path search ran past its time limit; narrow it down")


def _join(pred: dict[str, str | None], succ: dict[str, str | None], meet: str) -> list[str]:
    path: list[str] = []
    node: str | None = meet
    while node is not None:
        path.append(node)
        node = pred[node]
    path.reverse()
    node = succ[meet]
    while node is not None:
        path.append(node)
        node = succ[node]
    return path


_EDGE: dict[str, dict[str, str]] = {
    stance: {"stance": stance} for stance in ("asserted", "disputed", "denied")
}
"""Edge data, shared by every edge of a stance (never mutated): 5M edges, not 5M dicts."""


def _link_node(graph: Any, node: str) -> None:
    if node not in graph._succ:
        graph._succ[node] = {}
        graph._pred[node] = {}
        graph._node[node] = {}


def _link(graph: Any, s: str, o: str, relation: str, data: dict[str, str]) -> None:
    """Add an edge through networkx's own adjacency dicts (as add_edge does, 4x faster)."""
    _link_node(graph, s)
    _link_node(graph, o)
    keyed = graph._succ[s].get(o)
    if keyed is None:
        keyed = graph._succ[s][o] = graph._pred[o][s] = {}
    keyed[relation] = data


def _read_edges(
    store: Store, graph: Any, direct_scope: str, denied_scope: str, relations: frozenset[str]
) -> set[str]:
    """Add asserted edges (direct triples) and denied claims' edges in scope to ``graph``.

    A direct triple exists only while an asserted claim backs it, so direct triples are the
    asserted edges; a denied claim makes its edge disputed, or denied-only without a triple.
    Returns the entities that are subject or object of a denied claim (of any relation).
    """
    names: dict[str, str] = {}
    intern = names.setdefault
    asserted = _EDGE["asserted"]
    for s, rel, o in read_direct(store, direct_scope):
        _link(graph, intern(s, s), intern(o, o), rel, asserted)
    return _link_denied(graph, read_denied(store, denied_scope), relations, names)


def _link_denied(
    graph: Any,
    denied_rows: Iterable[tuple[str, str, str | None]],
    relations: frozenset[str],
    names: dict[str, str],
) -> set[str]:
    intern = names.setdefault
    parties: set[str] = set()
    for denier, rel, denied in denied_rows:
        subject = intern(denier, denier)
        parties.add(subject)
        if denied is None or rel not in relations:
            continue
        obj = intern(denied, denied)
        parties.add(obj)
        known = subject in graph._succ and rel in graph._succ[subject].get(obj, {})
        _link(graph, subject, obj, rel, _EDGE["disputed" if known else "denied"])
    return parties


def _read_all_edges(
    store: Store, graph: Any, relations: frozenset[str], workers: int | None
) -> tuple[set[str], frozenset[str]]:
    """:func:`_read_edges` for the whole store, read in parallel (:class:`FullRead`); also
    returns the relations with a non-IRI end.

    The loop is ``_link`` written out: it runs once per edge (millions of times).
    """
    names: dict[str, str] = {}
    intern = names.setdefault
    asserted = _EDGE["asserted"]
    succ, pred, attrs = graph._succ, graph._pred, graph._node
    with FullRead(store, relations, workers) as read:
        pairs: dict[str, int] = {}
        for relation, rows in read.direct():
            count = 0
            for subject, objects in rows:
                count += len(objects)
                s = intern(subject, subject)
                out = succ.get(s)
                if out is None:
                    out = succ[s] = {}
                    pred[s] = {}
                    attrs[s] = {}
                for obj in objects:
                    o = intern(obj, obj)
                    if o not in succ:
                        succ[o] = {}
                        pred[o] = {}
                        attrs[o] = {}
                    keyed = out.get(o)
                    if keyed is None:
                        keyed = out[o] = pred[o][s] = {}
                    keyed[relation] = asserted
            pairs[relation] = count
        return _link_denied(graph, read.denied(), relations, names), read.impure(pairs)


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
    graph = nx.MultiDiGraph()
    parties, impure = _read_all_edges(store, graph, relations, workers)
    projection = Projection(store, graph, revision=revision, relations=relations, classes=classes)
    projection.denied_parties = parties
    projection.impure = impure
    projection.built_seconds = time.perf_counter() - started
    return projection


def _stated(around: dict[str, dict[str, Any]] | None, relation: str) -> list[str]:
    """The neighbours in ``around`` (one node's adjacency) linked by a stated ``relation``."""
    if not around:
        return []
    return [
        node
        for node, keyed in around.items()
        if (data := keyed.get(relation)) is not None and data["stance"] != "denied"
    ]
