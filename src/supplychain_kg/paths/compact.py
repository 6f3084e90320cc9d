"""The compact graph behind the path projection: every entity IRI interned once (an int per
IRI, one list of IRIs), the edges in CSR arrays per direction (``array('i')`` of neighbours,
``array('H')`` of codes: relation number times four plus stance), instead of networkx's dict
of dicts per edge.

A row (one node's edges on one side) keeps networkx's order: neighbours in the order their
first edge was added, a pair's relations in the order they were added, so a search over the
compact graph meets equally short paths in the same order as one over the projection's
networkx graph did. A small write patches rows in place: a patched row is held as a dict
(neighbour -> relation -> stance, as networkx holds it) beside the arrays, which
:meth:`CompactGraph.compacted` folds back into arrays (before the graph is saved).

>>> g = CompactGraph.from_edges([("a", "b", "r", ASSERTED)])
>>> [g.iris[o] for o, _ in g.row(g.ids["a"], out=True)]
['b']
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "ASSERTED",
    "DENIED",
    "DISPUTED",
    "STANCES",
    "CompactBuilder",
    "CompactGraph",
]

STANCES = ("asserted", "disputed", "denied")
"""Stance names by number (a code's two low bits)."""
ASSERTED, DISPUTED, DENIED = 0, 1, 2

Row = dict[int, dict[int, int]]
"""A patched row: neighbour -> relation number -> stance number, in networkx's order."""


def _zeros(typecode: str, n: int) -> array[int]:
    return array(typecode, bytes(n * array(typecode).itemsize))


class CompactGraph:
    """Nodes (``iris``, ``ids``), relations (``relations``, ``relation_ids``) and the edges
    of each direction as CSR arrays (``out``, ``into``: row starts, neighbours, codes).

    A node is *in* the graph while it has an edge (as in the projection's networkx graph,
    which holds no node without one); an IRI once interned keeps its number.
    """

    def __init__(
        self,
        iris: list[str],
        relations: list[str],
        out: tuple[array[int], array[int], array[int]],
        into: tuple[array[int], array[int], array[int]],
    ) -> None:
        self.iris = iris
        self.ids: dict[str, int] = dict(zip(iris, range(len(iris)), strict=True))
        self.relations = relations
        self.relation_ids: dict[str, int] = {r: i for i, r in enumerate(relations)}
        self.out = out
        self.into = into
        self.patched_out: dict[int, Row] = {}
        self.patched_in: dict[int, Row] = {}

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[str, str, str, int]]) -> CompactGraph:
        """A graph of ``(subject, object, relation, stance)`` edges, added in that order
        (a later edge of the same triple replaces the stance of the earlier one)."""
        builder = CompactBuilder()
        for s, o, rel, stance in edges:
            builder.add(builder.node(s), builder.node(o), builder.relation(rel), stance)
        return builder.finish()

    @classmethod
    def from_networkx(cls, graph: Any) -> CompactGraph:
        """The compact form of a projection's networkx ``MultiDiGraph`` (edge data
        ``{"stance": ...}``), rows in the graph's own order."""
        iris = [str(n) for n in graph._node]
        number = {n: i for i, n in enumerate(graph._node)}
        relations: list[str] = []
        rel_ids: dict[str, int] = {}

        def csr(adjacency: dict[Any, dict[Any, dict[str, Any]]]) -> tuple[array[int], ...]:
            start, others, codes = array("i", [0]), array("i"), array("H")
            for node in graph._node:
                for other, keyed in adjacency[node].items():
                    for rel, data in keyed.items():
                        r = rel_ids.get(rel)
                        if r is None:
                            r = rel_ids[rel] = len(relations)
                            relations.append(rel)
                        others.append(number[other])
                        codes.append(r << 2 | STANCES.index(data["stance"]))
                start.append(len(others))
            return start, others, codes

        out = csr(graph._succ)
        into = csr(graph._pred)
        return cls(iris, relations, (out[0], out[1], out[2]), (into[0], into[1], into[2]))

    def to_networkx(self) -> Any:
        """A new networkx ``MultiDiGraph`` of the graph (a copy: edits do not come back),
        nodes in number order, rows in the graph's order, edge data ``{"stance": ...}``."""
        import networkx as nx

        from supplychain_kg.paths.edges import EDGE

        graph = nx.MultiDiGraph()
        succ, pred, attrs = graph._succ, graph._pred, graph._node
        iris, relations = self.iris, self.relations
        data = [EDGE[s] for s in STANCES]
        present = [i for i in range(len(iris)) if self.has_node(i)]
        for i in present:
            succ[iris[i]], pred[iris[i]], attrs[iris[i]] = {}, {}, {}
        for i in present:
            out = succ[iris[i]]
            for other, code in self.row(i, out=True):
                keyed = out.setdefault(iris[other], {})
                keyed[relations[code >> 2]] = data[code & 3]
        for i in present:
            node = iris[i]
            into = pred[node]
            for other in self.neighbours(i, out=False):
                into[iris[other]] = succ[iris[other]][node]
        return graph

    # -- reading ---------------------------------------------------------------------------

    def node(self, iri: str) -> int | None:
        """The number of ``iri`` if it is in the graph, else None."""
        i = self.ids.get(iri)
        return i if i is not None and self.has_node(i) else None

    def has_node(self, i: int) -> bool:
        return self._size(i, True) > 0 or self._size(i, False) > 0

    def _size(self, i: int, out: bool) -> int:
        row = (self.patched_out if out else self.patched_in).get(i)
        if row is not None:
            return len(row)
        start = (self.out if out else self.into)[0]
        return start[i + 1] - start[i] if i + 1 < len(start) else 0

    def row(self, i: int, *, out: bool) -> Iterator[tuple[int, int]]:
        """(neighbour, code) of every edge of node ``i`` on one side, in the row's order."""
        row = (self.patched_out if out else self.patched_in).get(i)
        if row is not None:
            for other, keyed in row.items():
                for rel, stance in keyed.items():
                    yield other, rel << 2 | stance
            return
        start, others, codes = self.out if out else self.into
        if i + 1 < len(start):
            a, b = start[i], start[i + 1]
            yield from zip(others[a:b], codes[a:b], strict=True)

    def neighbours(self, i: int, *, out: bool) -> Iterator[int]:
        """The distinct neighbours of node ``i`` on one side, in the row's order."""
        last = -1
        for other, _ in self.row(i, out=out):
            if other != last:
                last = other
                yield other

    def step(self, i: int, out: bool, allowed: bytes | bytearray) -> Iterator[int]:
        """The neighbours of node ``i`` on one side with at least one edge whose code is
        ``allowed`` (a flag per code), each once, in the row's order."""
        row = (self.patched_out if out else self.patched_in).get(i)
        if row is not None:
            for other, keyed in row.items():
                for rel, stance in keyed.items():
                    if allowed[rel << 2 | stance]:
                        yield other
                        break
            return
        start, others, codes = self.out if out else self.into
        if i + 1 >= len(start):
            return
        a, b = start[i], start[i + 1]
        last = -1
        for other, code in zip(others[a:b], codes[a:b], strict=True):
            if other != last and allowed[code]:
                last = other
                yield other

    def degree(self, i: int) -> int:
        """Distinct neighbours of node ``i``, out plus in (as networkx's adjacency sizes)."""
        return sum(1 for _ in self.neighbours(i, out=True)) + sum(
            1 for _ in self.neighbours(i, out=False)
        )

    def nodes(self) -> Iterator[int]:
        """The numbers of the nodes in the graph, in order."""
        return (i for i in range(len(self.iris)) if self.has_node(i))

    def edge_count(self) -> int:
        return sum(1 for i in range(len(self.iris)) for _ in self.row(i, out=True))

    # -- patches ---------------------------------------------------------------------------

    def intern(self, iri: str) -> int:
        """The number of ``iri``, given a new one if it has none."""
        i = self.ids.get(iri)
        if i is None:
            i = self.ids[iri] = len(self.iris)
            self.iris.append(iri)
        return i

    def intern_relation(self, relation: str) -> int:
        r = self.relation_ids.get(relation)
        if r is None:
            r = self.relation_ids[relation] = len(self.relations)
            self.relations.append(relation)
        return r

    def _patched(self, i: int, out: bool) -> Row:
        """Node ``i``'s row on one side as a dict, made from the arrays on first use."""
        patched = self.patched_out if out else self.patched_in
        row = patched.get(i)
        if row is None:
            row = {}
            for other, code in self.row(i, out=out):
                row.setdefault(other, {})[code >> 2] = code & 3
            patched[i] = row
        return row

    def unlink_all(self, i: int) -> set[int]:
        """Remove every edge at node ``i``; returns the nodes at their other ends."""
        ends: set[int] = set()
        for out in (True, False):
            row = self._patched(i, out)
            for other in row:
                ends.add(other)
                self._patched(other, not out).pop(i, None)
            row.clear()
        return ends

    def link(self, s: int, o: int, relation: int, stance: int) -> None:
        """Add the edge ``s -relation-> o`` (or set its stance), as networkx adds it."""
        self._patched(s, True).setdefault(o, {})[relation] = stance
        self._patched(o, False).setdefault(s, {})[relation] = stance

    def stance(self, s: int, o: int, relation: int) -> int | None:
        """The stance of the edge ``s -relation-> o``, None if there is none."""
        for other, code in self.row(s, out=True):
            if other == o and code >> 2 == relation:
                return code & 3
        return None

    def compacted(self) -> CompactGraph:
        """The graph with every patched row folded back into arrays (itself if none is)."""
        if not self.patched_out and not self.patched_in:
            return self
        n = len(self.iris)

        def csr(out: bool) -> tuple[array[int], array[int], array[int]]:
            start, others, codes = array("i", [0]), array("i"), array("H")
            for i in range(n):
                for other, code in self.row(i, out=out):
                    others.append(other)
                    codes.append(code)
                start.append(len(others))
            return start, others, codes

        graph = CompactGraph.__new__(CompactGraph)
        graph.iris, graph.ids = self.iris, self.ids
        graph.relations, graph.relation_ids = self.relations, self.relation_ids
        graph.out, graph.into = csr(True), csr(False)
        graph.patched_out, graph.patched_in = {}, {}
        return graph


class CompactBuilder:
    """Edges added one at a time (as ``edges.link`` adds them to networkx), then made into a
    :class:`CompactGraph` whose rows have networkx's order (:meth:`finish`).

    Each edge is kept in arrays with the first edge of its (subject, object) pair and the
    next edge of the same pair, so a pair's relations stay together in the order added.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.iris: list[str] = []
        self.relation_ids: dict[str, int] = {}
        self.relations: list[str] = []
        self.src = array("i")
        self.dst = array("i")
        self.code = array("H")
        self.first = array("i")
        self.next = array("i")
        self.pairs: dict[int, int] = {}
        """(subject << 32 | object) -> the pair's first edge."""

    def node(self, iri: str) -> int:
        i = self.ids.get(iri)
        if i is None:
            i = self.ids[iri] = len(self.iris)
            self.iris.append(iri)
        return i

    def relation(self, iri: str) -> int:
        r = self.relation_ids.get(iri)
        if r is None:
            r = self.relation_ids[iri] = len(self.relations)
            self.relations.append(iri)
        return r

    def find(self, s: int, o: int, relation: int) -> int:
        """The edge ``s -relation-> o`` (its position), or -1."""
        e = self.pairs.get(s << 32 | o, -1)
        while e != -1 and self.code[e] >> 2 != relation:
            e = self.next[e]
        return e

    def add(self, s: int, o: int, relation: int, stance: int) -> None:
        """Add ``s -relation-> o`` with ``stance`` (or set the stance of that edge)."""
        known = self.find(s, o, relation)
        if known != -1:
            self.code[known] = relation << 2 | stance
            return
        self.append(s, o, relation << 2 | stance)

    def append(self, s: int, o: int, code: int) -> None:
        """Add an edge known to be new (the loop of a build: once per edge)."""
        e = len(self.src)
        key = s << 32 | o
        first = self.pairs.get(key)
        if first is None:
            self.pairs[key] = e
            self.first.append(e)
        else:
            last, nxt = first, self.next
            while nxt[last] != -1:
                last = nxt[last]
            nxt[last] = e
            self.first.append(first)
        self.src.append(s)
        self.dst.append(o)
        self.code.append(code)
        self.next.append(-1)

    def finish(self) -> CompactGraph:
        """The compact graph of the edges added (the builder is emptied)."""
        self.pairs.clear()
        m, n = len(self.src), len(self.iris)
        order = array("i")  # edges by pair (first added first), each pair's in order added
        first, nxt = self.first, self.next
        for e in range(m):
            if first[e] == e:
                k = e
                while k != -1:
                    order.append(k)
                    k = nxt[k]
        del self.first, self.next
        out = _csr(n, self.src, self.dst, self.code, order)
        into = _csr(n, self.dst, self.src, self.code, order)
        del self.src, self.dst, self.code
        return CompactGraph(self.iris, self.relations, out, into)


def _csr(
    n: int, keys: array[int], values: array[int], codes: array[int], order: array[int]
) -> tuple[array[int], array[int], array[int]]:
    """Rows of ``keys`` -> ``values`` (edges taken in ``order``, stable within a row)."""
    counts = [0] * (n + 1)
    for k in keys:
        counts[k + 1] += 1
    total = 0
    for i in range(n + 1):
        total += counts[i]
        counts[i] = total
    start = array("i", counts)
    at = counts[:-1]
    m = len(keys)
    others, row_codes = _zeros("i", m), _zeros("H", m)
    for e in order:
        k = keys[e]
        p = at[k]
        at[k] = p + 1
        others[p] = values[e]
        row_codes[p] = codes[e]
    return start, others, row_codes
