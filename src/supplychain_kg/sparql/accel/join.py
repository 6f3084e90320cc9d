"""Joining triple patterns over the path projection (the graph index's evaluation core).

:class:`Walker` joins one pattern at a time into a bag of partial solutions (values of the
variables still needed -> how many solutions share them); :func:`order` picks the join order.
The deadline is checked for every partial solution and every thousand nodes a path walks.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Iterator

from supplychain_kg.errors import QueryTimeoutError
from supplychain_kg.paths import Projection
from supplychain_kg.sparql.accel.plan import Atom
from supplychain_kg.sparql.execute import TIMEOUT_MESSAGE

__all__ = ["MAX_PARTIAL", "Bag", "Clock", "TooBigError", "UnansweredError", "Walker", "order"]


class Clock:
    """Checks the deadline; past it raises the worker path's QueryTimeoutError."""

    __slots__ = ("deadline", "timeout")

    def __init__(self, deadline: float, timeout: float) -> None:
        self.deadline = deadline
        self.timeout = timeout

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise QueryTimeoutError(TIMEOUT_MESSAGE.format(self.timeout))


MAX_PARTIAL = 2_000_000
"""More distinct partial solutions than this: the index gives up and Oxigraph (which streams)
answers instead."""


class UnansweredError(Exception):
    """The index cannot answer exactly: Oxigraph answers instead."""


class TooBigError(UnansweredError):
    """The partial solutions outgrew MAX_PARTIAL."""


Bag = dict[tuple[str, ...], int]
"""Partial solutions: values of the variables still needed -> how many solutions share them."""


# -- join order ------------------------------------------------------------------------------


def order(atoms: tuple[Atom, ...], projection: Projection) -> list[Atom] | None:
    """A join order: most selective first (ends fixed by constants or earlier patterns)."""
    left = list(atoms)
    bound: set[str] = set()
    order: list[Atom] = []
    while left:
        costs = [(_cost(atom, bound, projection), i) for i, atom in enumerate(left)]
        cost, i = min(costs)
        if cost == float("inf"):
            return None
        atom = left.pop(i)
        order.append(atom)
        bound |= {end[1] for end in (atom.subject, atom.obj) if end[0] == "var"}
    return order


def _cost(atom: Atom, bound: set[str], projection: Projection) -> float:
    known = [end[0] == "iri" or end[1] in bound for end in (atom.subject, atom.obj)]
    closure = 0.5 if atom.closure else 0.0
    if all(known):
        return 0.0
    if any(known):
        constants = [end[1] for end in (atom.subject, atom.obj) if end[0] == "iri"]
        if constants:
            return 1.0 + closure + min(projection.degree(c) for c in constants) / 1e9
        return 2.0 + closure
    if atom.closure == "*":
        return float("inf")  # every node of the graph is a zero-length match: not ours
    return 10.0 + closure


# -- joining ---------------------------------------------------------------------------------


class Walker:
    """Joins one pattern at a time into a bag of partial solutions."""

    def __init__(
        self, projection: Projection, clock: Clock, in_graph: Callable[[str], bool] | None
    ) -> None:
        self.projection = projection
        self.clock = clock
        self.reached: dict[tuple[str, str, bool], set[str]] = {}
        self.in_graph = in_graph
        self.nodes: dict[str, bool] = {}

    def _node(self, iri: str) -> bool:
        """Whether a zero-length path matches ``iri`` (a subject or object of the default
        graph, as Oxigraph has it). A node with an edge is one (a direct triple or a claim of
        the default graph names it); any other IRI is looked up in the store (once per query;
        with no ``in_graph``, the store may not be read: UnansweredError). Being in the
        projection is not enough: a node may outlive its edges there."""
        if self.projection.degree(iri):
            return True
        known = self.nodes.get(iri)
        if known is None:
            if self.in_graph is None:
                raise UnansweredError
            known = self.nodes[iri] = self.in_graph(iri)
        return known

    def join(self, bag: Bag, live: list[str], atom: Atom, keep: set[str]) -> tuple[Bag, list[str]]:
        """``bag`` joined with ``atom``, keeping only the variables in ``keep``."""
        where = {v: i for i, v in enumerate(live)}
        s_kind, s_name = atom.subject
        o_kind, o_name = atom.obj
        s_at = where.get(s_name, -1) if s_kind == "var" else -2
        o_at = where.get(o_name, -1) if o_kind == "var" else -2
        same = s_kind == o_kind == "var" and s_name == o_name
        extended = list(live)
        if s_at == -1:
            extended.append(s_name)
        if o_at == -1 and not same:
            extended.append(o_name)
        out = [v for v in extended if v in keep]
        pick = _picker([extended.index(v) for v in out])
        found: Bag = {}
        for values, times in bag.items():
            self.clock.check()
            s = atom.subject[1] if s_at == -2 else (values[s_at] if s_at >= 0 else None)
            o = atom.obj[1] if o_at == -2 else (values[o_at] if o_at >= 0 else None)
            for new in self._matches(atom, s, o, same):
                key = pick(values + new)
                found[key] = found.get(key, 0) + times
            if len(found) > MAX_PARTIAL:
                raise TooBigError
        return found, out

    def _matches(
        self, atom: Atom, s: str | None, o: str | None, same: bool
    ) -> list[tuple[str, ...]]:
        """The new values each match binds: () when both ends were bound, else the
        subject's and/or the object's value (one value when one variable is at both ends)."""
        if s is not None and o is not None:
            return [()] if self._holds(atom, s, o) else []
        if s is not None:
            return [(x,) for x in self._step(atom, s, forward=True)]
        if o is not None:
            return [(x,) for x in self._step(atom, o, forward=False)]
        if same:
            return [(x,) for x, y in self._all(atom) if x == y]
        return list(self._all(atom))

    def _holds(self, atom: Atom, s: str, o: str) -> bool:
        if atom.closure is None:
            return self.projection.is_stated(s, atom.relation, o)
        if atom.closure == "*" and s == o:
            return self._node(s)
        return o in self._reach(atom.relation, s, forward=True)

    def _step(self, atom: Atom, start: str, *, forward: bool) -> list[str]:
        """The other ends of ``atom`` from ``start`` (its subject when ``forward``)."""
        if atom.closure is None:
            step = self.projection.stated_objects if forward else self.projection.stated_subjects
            return step(start, atom.relation)
        reached = self._reach(atom.relation, start, forward=forward)
        if atom.closure == "*" and start not in reached and self._node(start):
            return [start, *reached]
        return list(reached)

    def _all(self, atom: Atom) -> Iterator[tuple[str, str]]:
        pairs = self.projection.stated_pairs(atom.relation)
        if atom.closure is None:
            yield from pairs
            return
        for start in dict.fromkeys(s for s, _ in pairs):
            self.clock.check()
            for end in self._reach(atom.relation, start, forward=True):
                yield start, end

    def _reach(self, relation: str, start: str, *, forward: bool) -> set[str]:
        """Every node one or more ``relation`` steps from ``start`` (remembered per query)."""
        key = (relation, start, forward)
        found = self.reached.get(key)
        if found is not None:
            return found
        step = self.projection.stated_objects if forward else self.projection.stated_subjects
        found = set()
        frontier = [start]
        while frontier:
            node = frontier.pop()
            if len(found) % 1024 == 0:
                self.clock.check()
            for nxt in step(node, relation):
                if nxt not in found:
                    found.add(nxt)
                    frontier.append(nxt)
        self.reached[key] = found
        return found


def _picker(indexes: list[int]) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """A function picking ``indexes`` out of a tuple, as a tuple."""
    if not indexes:
        return lambda values: ()
    if len(indexes) == 1:
        i = indexes[0]
        return lambda values: (values[i],)
    getter: Callable[[tuple[str, ...]], tuple[str, ...]] = operator.itemgetter(*indexes)
    return getter
