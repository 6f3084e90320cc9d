"""The path projection: a networkx MultiDiGraph of entities and claim-backed relations.

Nodes are entity IRIs (no literals, claims or source documents); there is one edge per direct
relation ``subject -relation-> object`` (key: the relation IRI) carrying a stance summary
(``asserted``; ``disputed`` when its claims disagree; ``denied`` when it rests only on denied
claims and so has no direct triple; ``unbacked`` for a bare direct triple without a claim) and,
when some claim is dated, each claim's stance and validity for ``as_of`` questions.

The projection is built from the store with SPARQL (streamed as TSV, which is much faster than
term-by-term rows at millions of edges), is never the source of truth, and is patched for the
entities a small write touched. The evidence itself (quotes, sources) is read from the store
when an answer is assembled (see ``relations.py``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal, NamedTuple

import networkx as nx

from .errors import QueryTimeoutError
from .namespaces import RDF, SKG
from .store import Store

__all__ = [
    "Direction",
    "Hop",
    "PathOptions",
    "Projection",
    "build_projection",
    "touched_entities",
]

Direction = Literal["out", "in", "any"]
_STANCE_RANK = {"asserted": 0, "unbacked": 1, "disputed": 2, "denied": 3}
_DENIED = f"<{SKG}Denied>"


class ClaimWindow(NamedTuple):
    """One claim's stance and validity (ISO dates, None when open), kept for ``as_of``."""

    denied: bool
    start: str | None
    end: str | None


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


def _tsv_date(field: str) -> str | None:
    if not field.startswith('"'):
        return None
    return field[1 : field.index('"', 1)]


def _tsv_rows(store: Store, sparql: str) -> Iterator[list[str]]:
    """Run a SELECT and stream its TSV rows (fields still in N-Triples syntax)."""
    fd, name = tempfile.mkstemp(prefix="skg-projection-", suffix=".tsv")
    try:
        with os.fdopen(fd, "w+b") as out:
            store.query(sparql).serialize("text/tab-separated-values", out)
            out.seek(0)
            out.readline()
            for raw in out:
                yield raw.decode("utf-8").rstrip("\n").split("\t")
    finally:
        os.unlink(name)


class Projection:
    """The entity graph for path questions, tied to one store revision.

    Take ``lock`` around any use of ``graph`` (patches mutate it in place).
    """

    def __init__(
        self,
        store: Store,
        graph: Any,
        *,
        types: dict[str, frozenset[str]],
        revision: int,
        relations: frozenset[str],
        classes: frozenset[str],
    ) -> None:
        self.store = store
        self.denied_parties: set[str] = set()
        """Entities that are subject or object of some denied claim (any relation)."""
        self._windows: dict[tuple[str, str, str], tuple[ClaimWindow, ...]] | None = None
        self.graph = graph
        self.types = types
        self.revision = revision
        self.relations = relations
        self.classes = classes
        self.lock = threading.Lock()
        self.built_seconds = 0.0

    def __contains__(self, iri: object) -> bool:
        return iri in self.graph

    # -- edges -----------------------------------------------------------------------------

    def windows(self) -> dict[tuple[str, str, str], tuple[ClaimWindow, ...]]:
        """Claim stances and validity of every edge with a dated claim (built on first use)."""
        if self._windows is None:
            self._windows = _read_windows(self.store)
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
        types = self.types

        def allowed(node: str) -> bool:
            if node in (source, target):
                return node == target
            if node in banned:
                return False
            return wanted is None or not wanted.isdisjoint(types.get(node, ()))

        return allowed

    def k_shortest(self, source: str, target: str, options: PathOptions, k: int) -> list[list[str]]:
        """Up to ``k`` shortest simple paths, shortest first (Yen's algorithm over BFS)."""
        first = self.shortest(source, target, options)
        if first is None:
            return []
        found = [first]
        candidates: list[list[str]] = []
        while len(found) < k:
            last = found[-1]
            for i in range(len(last) - 1):
                _check(options.deadline)
                root = last[: i + 1]
                banned_hops = {(p[i], p[i + 1]) for p in found if p[: i + 1] == root}
                spur = self.shortest(
                    root[-1],
                    target,
                    options,
                    max_hops=options.max_hops - i,
                    banned_nodes=set(root[:-1]),
                    banned_hops=banned_hops,
                )
                if spur is None:
                    continue
                path = root[:-1] + spur
                if path not in candidates and path not in found:
                    candidates.append(path)
            if not candidates:
                break
            candidates.sort(key=len)
            found.append(candidates.pop(0))
        return found

    # -- updates ---------------------------------------------------------------------------

    def patch(self, store: Store, entities: set[str], revision: int) -> None:
        """Recompute every edge at ``entities`` from the store, then mark ``revision``."""
        fresh = nx.MultiDiGraph()
        parties: set[str] = set()
        rels = _relations_filter(self.relations)
        for chunk in _chunked(sorted(entities), 500):
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
        nodes = sorted(set(fresh.nodes) | entities)
        types: dict[str, frozenset[str]] = {}
        for chunk in _chunked(nodes, 500):
            values = "VALUES ?x { " + " ".join(f"<{e}>" for e in chunk) + " }"
            types.update(_read_types(store, values, self.classes))
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
            self.types.update(types)
            self.denied_parties |= parties
            self._windows = None
            self.revision = revision


def _chunked(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _values(var: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ " + " ".join(f"<{i}>" for i in sorted(iris)) + " }"


def _relations_filter(relations: Iterable[str]) -> str:
    return _values("rel", relations)


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
    direct = f"SELECT ?s ?rel ?o WHERE {{ {direct_scope} FILTER(isIRI(?o)) }}"
    for s, rel, o in _tsv_rows(store, direct):
        subject, obj = s[1:-1], o[1:-1]
        _link(
            graph,
            intern(subject, subject),
            intern(obj, obj),
            sys.intern(rel[1:-1]),
            _EDGE["asserted"],
        )
    denied = f"""SELECT DISTINCT ?s ?rel ?o WHERE {{ {denied_scope}
        ?c <{SKG}stance> <{SKG}Denied> ; <{SKG}subject> ?s ; <{SKG}relation> ?rel ;
           <{SKG}object> ?o . FILTER(isIRI(?s)) }}"""
    parties: set[str] = set()
    for s, rel, o in _tsv_rows(store, denied):
        subject = intern(s[1:-1], s[1:-1])
        parties.add(subject)
        relation = sys.intern(rel[1:-1])
        if relation not in relations or not o.startswith("<"):
            continue
        obj = intern(o[1:-1], o[1:-1])
        parties.add(obj)
        known = subject in graph._succ and relation in graph._succ[subject].get(obj, {})
        _link(graph, subject, obj, relation, _EDGE["disputed" if known else "denied"])
    return parties


def _read_windows(store: Store) -> dict[tuple[str, str, str], tuple[ClaimWindow, ...]]:
    """Every claim of every edge that has at least one dated claim."""
    query = f"""SELECT ?s ?rel ?o ?stance ?from ?to WHERE {{
        {{ SELECT DISTINCT ?s ?rel ?o WHERE {{
            {{ ?d <{SKG}validFrom> ?x }} UNION {{ ?d <{SKG}validTo> ?x }}
            ?d <{SKG}subject> ?s ; <{SKG}relation> ?rel ; <{SKG}object> ?o }} }}
        ?c <{SKG}subject> ?s ; <{SKG}relation> ?rel ; <{SKG}object> ?o ; <{SKG}stance> ?stance .
        OPTIONAL {{ ?c <{SKG}validFrom> ?from }} OPTIONAL {{ ?c <{SKG}validTo> ?to }} }}"""
    found: dict[tuple[str, str, str], list[ClaimWindow]] = {}
    for s, rel, o, stance, start, end in _tsv_rows(store, query):
        window = ClaimWindow(stance == _DENIED, _tsv_date(start), _tsv_date(end))
        found.setdefault((s[1:-1], rel[1:-1], o[1:-1]), []).append(window)
    return {key: tuple(windows) for key, windows in found.items()}


def _read_types(store: Store, scope: str, classes: frozenset[str]) -> dict[str, frozenset[str]]:
    shared: dict[frozenset[str], frozenset[str]] = {}
    found: dict[str, set[str]] = {}
    query = f"SELECT ?x ?t WHERE {{ {scope} {_values('t', classes)} ?x <{RDF}type> ?t }}"
    for x, t in _tsv_rows(store, query):
        found.setdefault(x[1:-1], set()).add(sys.intern(t[1:-1]))
    return {x: shared.setdefault(frozenset(ts), frozenset(ts)) for x, ts in found.items()}


def build_projection(
    store: Store, relations: frozenset[str], classes: frozenset[str]
) -> Projection:
    """Build the projection of the claimed ``relations`` between entities of ``classes``."""
    started = time.perf_counter()
    revision = store.revision
    graph = nx.MultiDiGraph()
    parties = _read_edges(
        store, graph, f"{_relations_filter(relations)} ?s ?rel ?o .", "", relations
    )
    types = _read_types(store, "", classes)
    kept = {n: types[n] for n in graph if n in types}
    projection = Projection(
        store, graph, types=kept, revision=revision, relations=relations, classes=classes
    )
    projection.denied_parties = parties
    projection.built_seconds = time.perf_counter() - started
    return projection


def touched_entities(staging: Store, relations: frozenset[str]) -> set[str]:
    """Entities whose edges a write of ``staging`` may change (claim ends, direct triples)."""
    query = f"""SELECT DISTINCT ?e WHERE {{
        {{ ?c <{SKG}subject> ?e }} UNION {{ ?c <{SKG}object> ?e }} UNION
        {{ {_relations_filter(relations)} {{ ?e ?rel ?x }} UNION {{ ?x ?rel ?e }} }}
        FILTER(isIRI(?e)) }}"""
    return {row[0][1:-1] for row in _tsv_rows(staging, query)}
