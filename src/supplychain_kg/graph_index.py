"""The graph index: answering simple SELECT queries from the in-memory path projection.

A join of claimed relations (vendor -> contractor -> project) or a ``sourcesFrom+`` path costs
Oxigraph thousands of index seeks; the path projection (``paths.py``) already holds every
direct triple of a claimed relation as an adjacency map, where the same walk is a few dict
lookups. :class:`GraphIndex` answers the subset :func:`~.sparql_accel.parse_plan` recognises
from it, and only when the answer is certain to be the store's:

- the projection is at the store's revision (never waited for: a stale or missing one is
  rebuilt in a background thread while Oxigraph answers);
- every relation the query uses is *pure*: all its default-graph triples have an IRI subject
  and object, so the projection holds all of them (a relation with a literal or blank-node
  triple falls back; purity is read once per revision);
- no concurrent patch changed the projection while the answer was computed.

Answers keep SPARQL's semantics: a basic graph pattern is a join with bag semantics, a
``+``/``*`` path gives each (start, end) pair once, ``*`` includes the zero-length path, COUNT
counts rows and COUNT(DISTINCT) distinct values. The time limit is checked inside every loop
and the row cap on every row, with the worker path's errors (503 and 413).
"""

from __future__ import annotations

import logging
import operator
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .errors import QueryTimeoutError
from .model import IRI, Literal, Row
from .namespaces import XSD
from .paths import Projection
from .results import too_large, write_rows
from .sparql_accel import Atom, Plan
from .store import Store

__all__ = ["GraphIndex", "evaluate"]

log = logging.getLogger(__name__)
_XSD_INTEGER = XSD + "integer"
_TIMEOUT_MESSAGE = "the query ran past its time limit of {:g} s and was stopped"


def read_impure(store: Store, relations: frozenset[str]) -> frozenset[str]:
    """The relations with a default-graph triple whose subject or object is not an IRI."""
    values = " ".join(f"<{r}>" for r in sorted(relations))
    query = f"""SELECT DISTINCT ?rel WHERE {{ VALUES ?rel {{ {values} }}
        ?s ?rel ?o FILTER(!isIRI(?s) || !isIRI(?o)) }}"""
    return frozenset(str(row["rel"].value) for row in store.query(query).rows())


@dataclass(frozen=True)
class _Ready:
    projection: Projection
    revision: int
    impure: frozenset[str]


class GraphIndex:
    """The projection, checked fresh for each query, refreshed in the background."""

    def __init__(self, store: Store, projection: Callable[[], Projection]) -> None:
        self._store = store
        self._projection = projection
        self._ready: _Ready | None = None
        self._lock = threading.Lock()
        self._refreshing = False
        self.closed = False

    def current(self) -> _Ready | None:
        """The index if it is at the store's revision; else None (and a refresh is started)."""
        ready = self._ready
        revision = self._store.revision
        if ready is not None and ready.revision == revision == ready.projection.revision:
            return ready
        self.refresh()
        return None

    def refresh(self) -> None:
        """Bring the index to the store's revision in a background thread (if none runs)."""
        with self._lock:
            if self._refreshing or self.closed:
                return
            self._refreshing = True
        threading.Thread(target=self._rebuild, name="skg-graph-index", daemon=True).start()

    def build_now(self) -> bool:
        """Bring the index to the store's revision in this thread; True if it is ready."""
        self._rebuild(background=False)
        return self._ready is not None and self._ready.revision == self._store.revision

    def _rebuild(self, background: bool = True) -> None:
        try:
            revision = self._store.revision
            projection = self._projection()
            ready = self._ready
            if ready is not None and ready.revision == revision and ready.projection is projection:
                impure = ready.impure
            else:
                impure = read_impure(self._store, projection.relations)
            if projection.revision == revision == self._store.revision:
                self._ready = _Ready(projection, revision, impure)
        except Exception as exc:  # the store closed or failed: Oxigraph keeps answering
            log.warning("the SPARQL graph index could not be built: %s", exc)
        finally:
            if background:
                with self._lock:
                    self._refreshing = False

    def _in_graph(self, iri: str) -> bool:
        """Whether ``iri`` is a subject or object in the default graph (the nodes a
        zero-length path matches, as Oxigraph evaluates it)."""
        ask = f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}"
        return self._store.query(ask).boolean

    def answer(self, plan: Plan, deadline: float, limit: int, timeout: float) -> Result | None:
        """The plan's rows from the index, or None when the index cannot answer it."""
        ready = self.current()
        if ready is None or not plan.relations.isdisjoint(ready.impure):
            return None
        projection = ready.projection
        try:
            result = evaluate(plan, projection, deadline, limit, timeout, in_graph=self._in_graph)
        except RuntimeError:  # a patch changed the projection under us
            return None
        if projection.revision != ready.revision or projection.lock.locked():
            return None  # a patch ran meanwhile, or is running (or a path search: no matter)
        return result


@dataclass(frozen=True)
class Result:
    """An answer: its variables and rows (IRIs as strings, None when unbound), or a count.

    Rows become terms only while they are written, so a large answer leaves no long-lived
    objects for the garbage collector to walk.
    """

    variables: list[str]
    rows: list[tuple[str | None, ...]]
    count: int | None = None

    def serialize(self, media_type: str) -> bytes:
        return write_rows(self.variables, self._terms(), media_type)

    def _terms(self) -> Iterator[Row]:
        if self.count is not None:
            for _ in self.rows:
                counted: Row = {self.variables[0]: Literal(str(self.count), _XSD_INTEGER)}
                yield counted
            return
        names = self.variables
        for values in self.rows:
            row: Row = {v: IRI(x) for v, x in zip(names, values, strict=True) if x is not None}
            yield row


class _Clock:
    """Checks the deadline; past it raises the worker path's QueryTimeoutError."""

    __slots__ = ("deadline", "timeout")

    def __init__(self, deadline: float, timeout: float) -> None:
        self.deadline = deadline
        self.timeout = timeout

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise QueryTimeoutError(_TIMEOUT_MESSAGE.format(self.timeout))


_MAX_PARTIAL = 2_000_000
"""More distinct partial solutions than this: the index gives up and Oxigraph (which streams)
answers instead."""


class _TooBigError(Exception):
    """The partial solutions outgrew _MAX_PARTIAL."""


Bag = dict[tuple[str, ...], int]
"""Partial solutions: values of the variables still needed -> how many solutions share them."""


def evaluate(
    plan: Plan,
    projection: Projection,
    deadline: float,
    limit: int,
    timeout: float,
    *,
    in_graph: Callable[[str], bool] | None = None,
) -> Result | None:
    """Evaluate ``plan`` over ``projection`` (None: the index cannot answer it).

    Patterns are joined one at a time over a bag of partial solutions; a variable no later
    pattern and no output needs is dropped at once, its solutions merged with their counts
    added, so bag semantics (and COUNT) stay exact while DISTINCT joins stay small.
    """
    order = _order(plan.atoms, projection)
    if order is None:
        return None
    wanted = _output(plan)
    walker = _Walker(projection, _Clock(deadline, timeout), in_graph)
    bag: Bag = {(): 1}
    live: list[str] = []
    try:
        for k, atom in enumerate(order):
            later = {e[1] for a in order[k + 1 :] for e in (a.subject, a.obj) if e[0] == "var"}
            bag, live = walker.join(bag, live, atom, keep=later | wanted)
    except _TooBigError:
        return None
    if plan.count is not None:
        return _count(plan, bag)
    return _rows(plan, bag, live, limit)


def _output(plan: Plan) -> set[str]:
    """The variables the answer needs from the patterns' solutions."""
    count = plan.count
    if count is None:
        return set(plan.variables)
    if not count.distinct:
        return set()  # every pattern variable is bound in every solution: only rows count
    if count.var is None:
        return {e[1] for a in plan.atoms for e in (a.subject, a.obj) if e[0] == "var"}
    return {count.var}


def _count(plan: Plan, bag: Bag) -> Result:
    count = plan.count
    assert count is not None
    bound = {e[1] for a in plan.atoms for e in (a.subject, a.obj) if e[0] == "var"}
    if count.var is not None and count.var not in bound:
        n = 0  # a variable no pattern binds is never bound, never counted
    elif count.distinct:
        n = len(bag)
    else:
        n = sum(bag.values())
    rows: list[tuple[str | None, ...]] = [] if plan.limit == 0 else [()]
    return Result([count.alias], rows, n)


def _rows(plan: Plan, bag: Bag, live: list[str], limit: int) -> Result:
    positions = {v: i for i, v in enumerate(live)}
    picks = [positions.get(v) for v in plan.variables]
    total = len(bag) if plan.distinct else sum(bag.values())
    if plan.limit is not None:
        total = min(total, plan.limit)
    if total > limit:
        raise too_large(limit, "result")
    rows: list[tuple[str | None, ...]] = []
    for values, times in bag.items():
        row = tuple(None if i is None else values[i] for i in picks)
        for _ in range(1 if plan.distinct else times):
            if len(rows) >= total:
                return Result(list(plan.variables), rows)
            rows.append(row)
    return Result(list(plan.variables), rows)


# -- join order ------------------------------------------------------------------------------


def _order(atoms: tuple[Atom, ...], projection: Projection) -> list[Atom] | None:
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


def _slots(order: list[Atom]) -> dict[str, int]:
    slots: dict[str, int] = {}
    for atom in order:
        for kind, name in (atom.subject, atom.obj):
            if kind == "var" and name not in slots:
                slots[name] = len(slots)
    return slots


# -- joining ---------------------------------------------------------------------------------


class _Walker:
    """Joins one pattern at a time into a bag of partial solutions."""

    def __init__(
        self, projection: Projection, clock: _Clock, in_graph: Callable[[str], bool] | None
    ) -> None:
        self.projection = projection
        self.clock = clock
        self.reached: dict[tuple[str, str, bool], set[str]] = {}
        self.in_graph = in_graph
        self.nodes: dict[str, bool] = {}

    def _node(self, iri: str) -> bool:
        """Whether a zero-length path matches ``iri``: every node of the projection is in the
        default graph; any other IRI is looked up (once per query)."""
        if iri in self.projection:
            return True
        known = self.nodes.get(iri)
        if known is None:
            known = self.nodes[iri] = self.in_graph is not None and self.in_graph(iri)
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
            if len(found) > _MAX_PARTIAL:
                raise _TooBigError
        return found, out

    def _matches(
        self, atom: Atom, s: str | None, o: str | None, same: bool
    ) -> list[tuple[str, ...]]:
        """The new values each match binds: () when both ends were bound, else the
        subject's and/or the object's value (one value when one variable is at both ends)."""
        if s is not None and o is not None:
            return [()] if self._holds(atom, s, o) else []
        if s is not None:
            return [(x,) for x in self._forward(atom, s)]
        if o is not None:
            return [(x,) for x in self._backward(atom, o)]
        if same:
            return [(x,) for x, y in self._all(atom) if x == y]
        return list(self._all(atom))

    def _holds(self, atom: Atom, s: str, o: str) -> bool:
        if atom.closure is None:
            return self.projection.is_stated(s, atom.relation, o)
        if atom.closure == "*" and s == o:
            return self._node(s)
        return o in self._reach(atom.relation, s, forward=True)

    def _forward(self, atom: Atom, s: str) -> list[str]:
        if atom.closure is None:
            return self.projection.stated_objects(s, atom.relation)
        reached = self._reach(atom.relation, s, forward=True)
        if atom.closure == "*" and s not in reached and self._node(s):
            return [s, *reached]
        return list(reached)

    def _backward(self, atom: Atom, o: str) -> list[str]:
        if atom.closure is None:
            return self.projection.stated_subjects(o, atom.relation)
        reached = self._reach(atom.relation, o, forward=False)
        if atom.closure == "*" and o not in reached and self._node(o):
            return [o, *reached]
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
