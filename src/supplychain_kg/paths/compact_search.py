"""The projection's reading side and path search over its
:class:`~supplychain_kg.paths.compact.CompactGraph` (:class:`CompactSearch`).

It answers exactly as :class:`~supplychain_kg.paths.search.PathSearch` over networkx does
(the frontier mode still walks networkx): the same bidirectional breadth-first search, on
node numbers instead of IRIs, with rows walked in the same order, so equally short paths are
met in the same order. Which edges a walk may use is one flag per code (relation and stance)
computed once per question; only ``as_of`` questions look at each edge's claims.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from supplychain_kg.paths.compact import DENIED, STANCES, CompactGraph
from supplychain_kg.paths.node_types import NodeTypes
from supplychain_kg.paths.options import STANCE_RANK, Hop, PathOptions
from supplychain_kg.paths.search import PathSearch, _check
from supplychain_kg.paths.source import read_types
from supplychain_kg.paths.steps import Rules, join_path, step_sides
from supplychain_kg.store import Store

__all__ = ["CompactSearch"]


class CompactSearch(PathSearch):
    """:class:`PathSearch` over a :class:`CompactGraph` (``compact``).

    ``graph`` is kept for code that wants networkx: reading it makes a networkx copy
    (:meth:`to_networkx`); setting it to a networkx graph converts that graph.
    """

    compact: CompactGraph

    def __init__(
        self,
        store: Store,
        graph: CompactGraph | Any,
        *,
        revision: int,
        relations: frozenset[str],
        classes: frozenset[str],
    ) -> None:
        super().__init__(store, graph, revision=revision, relations=relations, classes=classes)

    @property
    def graph(self) -> Any:
        """A networkx ``MultiDiGraph`` copy of the graph (made on each read: prefer the
        methods of this class, or :attr:`compact`)."""
        return self.compact.to_networkx()

    @graph.setter
    def graph(self, graph: CompactGraph | Any) -> None:
        self.compact = (
            graph if isinstance(graph, CompactGraph) else CompactGraph.from_networkx(graph)
        )

    def to_networkx(self) -> Any:
        """The graph as a new networkx ``MultiDiGraph`` (edge data ``{"stance": ...}``)."""
        return self.compact.to_networkx()

    def nodes(self) -> Iterator[str]:
        """The IRIs of the nodes (entities with at least one edge)."""
        iris = self.compact.iris
        return (iris[i] for i in self.compact.nodes())

    def __contains__(self, iri: object) -> bool:
        return isinstance(iri, str) and self.compact.node(iri) is not None

    def types(self) -> Mapping[str, frozenset[str]]:
        """The classes of every node (read on the first ``entity_type`` question)."""
        if self._types is None:
            found = read_types(self.store, "", self.classes)
            self._types = NodeTypes.of(
                self.compact, {node: kinds for node, kinds in found.items() if node in self}
            )
        return self._types

    # -- which edges a walk may use --------------------------------------------------------

    def _allowed(self, options: PathOptions) -> bytearray:
        """One flag per code: may a walk use an edge of that relation and stance (before
        ``as_of``, which is checked edge by edge)."""
        relations = self.compact.relations
        allowed = bytearray(4 * len(relations))
        for r, relation in enumerate(relations):
            if options.relations is not None and relation not in options.relations:
                continue
            if relation in options.exclude:
                continue
            for stance in range(len(STANCES)):
                if stance != DENIED or options.include_disputed or options.as_of is not None:
                    allowed[r << 2 | stance] = 1
        return allowed

    def _stepper(self, options: PathOptions, backward: bool) -> Callable[[int], Iterator[int]]:
        """The neighbours of a node reachable in one usable hop, each once, in row order
        (succ side first, as the networkx search)."""
        graph, allowed = self.compact, self._allowed(options)
        sides = step_sides(options.direction, backward)
        if options.as_of is None:
            step = graph.step
            if len(sides) == 1:
                only = sides[0]
                return lambda node: step(node, only, allowed)

            def both(node: int) -> Iterator[int]:
                yield from step(node, True, allowed)
                yield from step(node, False, allowed)

            return both

        def dated(node: int) -> Iterator[int]:
            for out in sides:
                last = -1
                for other, code in graph.row(node, out=out):
                    if (
                        other != last
                        and allowed[code]
                        and self._usable(node, other, out, code, options)
                    ):
                        last = other
                        yield other

        return dated

    def _usable(
        self, node: int, other: int, out: bool, code: int, options: PathOptions
    ) -> str | None:
        graph = self.compact
        edge = (
            graph.iris[node],
            graph.iris[other],
            "out" if out else "in",
            graph.relations[code >> 2],
        )
        return self._stance(edge, STANCES[code & 3], options)

    def _edges(self, node: str, options: PathOptions, only: str | None = None) -> list[Hop]:
        graph = self.compact
        i = graph.ids.get(node)
        if i is None:
            return []
        want = -2 if only is None else graph.ids.get(only, -1)
        found: list[Hop] = []
        from supplychain_kg.paths.vector_search import row_to  # numpy: loaded on first use

        for out in step_sides(options.direction, False):
            side = "out" if out else "in"
            row = graph.row(i, out=out) if want == -2 else row_to(graph, i, want, out=out)
            for other, code in row:
                if want not in (-2, other):
                    continue
                relation = graph.relations[code >> 2]
                edge = (node, graph.iris[other], side, relation)
                stance = self._stance(edge, STANCES[code & 3], options)
                if stance is not None:
                    found.append(Hop(node, edge[1], relation, side, stance))  # type: ignore[arg-type]
        return found

    def _step(self, node: str, options: PathOptions, backward: bool = False) -> Iterator[str]:
        i = self.compact.node(node)
        if i is None:
            return iter(())
        iris = self.compact.iris
        return (iris[o] for o in self._stepper(options, backward)(i))

    def walkable(self, options: PathOptions) -> Iterator[tuple[str, str]]:
        """Every (subject, object) pair with a usable edge as stated (for comparisons)."""
        step, iris = self._stepper(replace(options, direction="out"), False), self.compact.iris
        for i in self.compact.nodes():
            for o in step(i):
                yield iris[i], iris[o]

    def hops(self, a: str, b: str, options: PathOptions) -> list[Hop]:
        found = self._edges(a, options, only=b)
        found.sort(key=lambda h: (STANCE_RANK[h.stance], h.direction != "out", h.relation))
        return found

    # -- the search ------------------------------------------------------------------------

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
        """As :meth:`PathSearch.shortest`, on node numbers."""
        graph = self.compact
        s, t = graph.node(source), graph.node(target)
        if s is None or t is None:
            return None
        if s == t:
            return [source]
        limit = options.max_hops if max_hops is None else max_hops
        ids = graph.ids
        banned = {ids[n] for n in banned_nodes if n in ids}
        hops = {(ids[a], ids[b]) for a, b in banned_hops or () if a in ids and b in ids}
        if options.as_of is None and not graph.patched_out and not graph.patched_in:
            from supplychain_kg.paths.vector_search import vector_search  # numpy: first use

            rules = self._id_rules(s, t, options, banned)
            if rules is not None:
                usable = self._allowed(options)
                sides = {f: step_sides(options.direction, not f) for f in (True, False)}
                found = vector_search(
                    graph,
                    usable,
                    s,
                    t,
                    limit=limit,
                    options=options,
                    rules=rules,
                    hops=hops,
                    sides=sides,
                )
                return None if found is None else [graph.iris[n] for n in found]
        allowed = self._id_filter(s, t, options, banned)
        forward_step, backward_step = self._stepper(options, False), self._stepper(options, True)
        pred: dict[int, int] = {s: -1}
        succ: dict[int, int] = {t: -1}
        front, back = [s], [t]
        depth = 0
        while front and back and depth < limit:
            _check(options.deadline)
            depth += 1
            forward = len(front) <= len(back)
            layer = front if forward else back
            step = forward_step if forward else backward_step
            seen, other = (pred, succ) if forward else (succ, pred)
            nxt: list[int] = []
            for node in layer:
                for neighbour in step(node):
                    if neighbour in seen or not allowed(neighbour):
                        continue
                    if hops and ((node, neighbour) if forward else (neighbour, node)) in hops:
                        continue
                    seen[neighbour] = node
                    if neighbour in other:
                        return [graph.iris[n] for n in join_path(pred, succ, neighbour)]
                    nxt.append(neighbour)
            if forward:
                front = nxt
            else:
                back = nxt
        return None

    def _id_rules(
        self, source: int, target: int, options: PathOptions, banned: set[int]
    ) -> Rules | None:
        """Which nodes a walk from ``source`` to ``target`` may enter, as node numbers: the
        exceptions (the ends, ``banned``, nodes whose classes a patch changed, ``via``) and
        else the flag of the node's set of classes (``NodeTypes.admits``); None when the
        classes are not kept as set numbers (then :meth:`_id_filter` looks them up)."""
        wanted, avoid, via = options.entity_types, options.avoid_types, options.via
        if wanted is None and not avoid:
            special: dict[int, bool] = {}
            kinds, flags = array("i"), bytearray(b"\x01")
        else:
            types = self.types()
            if not isinstance(types, NodeTypes) or types.graph is not self.compact:
                return None
            kinds, flags, special = types.admits(wanted, avoid, via)
        special.update(dict.fromkeys(banned, False))
        special[source] = source == target
        special[target] = True
        return special, kinds, flags

    def _id_filter(
        self, source: int, target: int, options: PathOptions, banned: set[int]
    ) -> Callable[[int], bool]:
        rules = self._id_rules(source, target, options, banned)
        if rules is not None:
            special, kinds, flags = rules
            kept, untyped = len(kinds), flags[-1] != 0

            def admitted(node: int) -> bool:
                if node in special:
                    return special[node]
                return flags[kinds[node]] != 0 if node < kept else untyped

            return admitted
        wanted, avoid, via = options.entity_types, options.avoid_types, options.via
        types, iris = self.types(), self.compact.iris

        def allowed(node: int) -> bool:
            if node in (source, target):
                return node == target
            if node in banned:
                return False
            iri = iris[node]
            kinds = types.get(iri, ())
            if avoid and iri not in via and not avoid.isdisjoint(kinds):
                return False
            return wanted is None or not wanted.isdisjoint(kinds)

        return allowed

    # -- stated triples (the SPARQL graph index, sparql/accel) ------------------------------

    def stated_objects(self, subject: str, relation: str) -> list[str]:
        return self._stated(subject, relation, True)

    def stated_subjects(self, obj: str, relation: str) -> list[str]:
        return self._stated(obj, relation, False)

    def _stated(self, node: str, relation: str, out: bool) -> list[str]:
        graph = self.compact
        i, r = graph.ids.get(node), graph.relation_ids.get(relation)
        if i is None or r is None:
            return []
        iris = graph.iris
        return [
            iris[o] for o, code in graph.row(i, out=out) if code >> 2 == r and code & 3 != DENIED
        ]

    def is_stated(self, subject: str, relation: str, obj: str) -> bool:
        graph = self.compact
        s, o, r = graph.ids.get(subject), graph.ids.get(obj), graph.relation_ids.get(relation)
        if s is None or o is None or r is None:
            return False
        stance = graph.stance(s, o, r)
        return stance is not None and stance != DENIED

    def stated_pairs(self, relation: str) -> Iterator[tuple[str, str]]:
        graph = self.compact
        r = graph.relation_ids.get(relation)
        if r is None:
            return
        iris = graph.iris
        for s in range(len(iris)):
            for o, code in graph.row(s, out=True):
                if code >> 2 == r and code & 3 != DENIED:
                    yield iris[s], iris[o]

    def degree(self, node: str) -> int:
        i = self.compact.ids.get(node)
        return 0 if i is None else self.compact.degree(i)
