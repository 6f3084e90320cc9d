"""The graph index: answering simple SELECT queries from the in-memory path projection.

A join of claimed relations (vendor -> contractor -> project) or a ``sourcesFrom+`` path costs
Oxigraph thousands of index seeks; the path projection (``supplychain_kg.paths``) already holds every
direct triple of a claimed relation as an adjacency map, where the same walk is a few dict
lookups. :class:`GraphIndex` answers the subset :func:`~.plan.parse_plan` recognises
from it, and only when the answer is certain to be the store's:

- the projection is at the store's revision, or, while a write is under way, at the revision
  before it: the write has not happened yet for a reader, who gets the store as it was (and
  the index reads nothing from the store then: an answer that needs to falls back). A small
  write patches the projection in place while no answer reads it (the index's gate:
  :meth:`GraphIndex.writing` around the write, :meth:`GraphIndex.patching` around the patch,
  both taken by the service); the next answers read the patched projection, never a rebuild.
  Only a projection that is missing or behind with no write under way (a large write drops
  it) is rebuilt, in a background thread, while Oxigraph answers;
- every relation the query uses is *pure*: all its default-graph triples have an IRI subject
  and object, so the projection holds all of them (a relation with a literal or blank-node
  triple falls back; the projection keeps this, see ``Projection.impure``).

Answers keep SPARQL's semantics: a basic graph pattern is a join with bag semantics, a
``+``/``*`` path gives each (start, end) pair once, ``*`` includes the zero-length path (for
a node of the default graph, as Oxigraph has it), COUNT
counts rows and COUNT(DISTINCT) distinct values. The time limit is checked inside every loop
and the row cap on every row, with the worker path's errors (503 and 413).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from supplychain_kg.model import IRI, Literal, Row
from supplychain_kg.namespaces import XSD
from supplychain_kg.paths import Projection
from supplychain_kg.sparql.accel.join import Bag, Clock, UnansweredError, Walker, order
from supplychain_kg.sparql.accel.plan import Plan
from supplychain_kg.sparql.gate import Gate
from supplychain_kg.sparql.results import too_large, write_rows
from supplychain_kg.store import Store

__all__ = ["GraphIndex", "Result", "evaluate"]

log = logging.getLogger(__name__)
_XSD_INTEGER = XSD + "integer"


class GraphIndex:
    """The path projection as a SPARQL index: checked fresh for each query, waited for while
    a write patches it, rebuilt in the background when a write dropped it.

    ``projection`` returns the projection for the store's revision (building it if needed);
    ``cached`` the one made so far, if any, without building.
    """

    def __init__(
        self,
        store: Store,
        projection: Callable[[], Projection],
        cached: Callable[[], Projection | None],
    ) -> None:
        self._store = store
        self._projection = projection
        self._cached = cached
        self._gate = Gate()
        self._before: int | None = None
        """The store's revision before the write under way (None: none is)."""
        self._lock = threading.Lock()
        self._refreshing = False
        self.closed = False

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around every write (``KnowledgeGraph.writing()``): answers that may read the store
        end first; until the write ends, answers come from the projection as it was before
        it (or as patched) and read nothing from the store (it may be written or restored)."""
        with self._gate.writing():
            self._before = self._store.revision
        try:
            yield
        finally:
            with self._gate.writing():
                self._before = None

    def patching(self) -> contextlib.AbstractContextManager[None]:
        """Around a patch of the projection in place: no answer reads it meanwhile."""
        return self._gate.writing()

    def current(self) -> Projection | None:
        """The projection if it is at the store's revision, else None."""
        projection = self._cached()
        if projection is not None and projection.revision == self._store.revision:
            return projection
        return None

    def _usable(self) -> tuple[Projection | None, int | None]:
        """The projection if the index may answer from it (at the store's revision, or at the
        one before the write under way), and that revision before the write (None: no write
        under way)."""
        projection, before = self._cached(), self._before
        if projection is None or projection.revision not in (self._store.revision, before):
            return None, before
        return projection, before

    def ready(self) -> bool:
        """Whether the index can answer now; if not, a rebuild is started (unless a write is
        under way: it patches the projection, or drops it and the next query rebuilds)."""
        projection, before = self._usable()
        if projection is None and before is None:
            self.refresh()
        return projection is not None

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
        return self.current() is not None

    def _rebuild(self, background: bool = True) -> None:
        try:
            self._projection()  # the current one, else a new build for the store's revision
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
        """The plan's rows from the index, or None when the index cannot answer it (a patch
        under way is waited for, up to the deadline: QueryTimeoutError past it)."""
        with self._gate.reading(deadline, timeout):
            projection, before = self._usable()
            if projection is None:
                if before is None:
                    self.refresh()
                return None
            if not plan.relations.isdisjoint(projection.impure):
                return None
            revision = projection.revision
            in_graph = self._in_graph if before is None else None
            try:
                result = evaluate(plan, projection, deadline, limit, timeout, in_graph=in_graph)
            except RuntimeError:  # the projection changed under us: a write past the gate
                return None
            if projection.revision != revision:
                return None  # likewise
            if before is None and self._store.revision != revision:
                return None  # a store written directly, not through the service
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
    join_order = order(plan.atoms, projection)
    if join_order is None:
        return None
    wanted = _output(plan)
    walker = Walker(projection, Clock(deadline, timeout), in_graph)
    bag: Bag = {(): 1}
    live: list[str] = []
    try:
        for k, atom in enumerate(join_order):
            rest = join_order[k + 1 :]
            later = {e[1] for a in rest for e in (a.subject, a.obj) if e[0] == "var"}
            bag, live = walker.join(bag, live, atom, keep=later | wanted)
    except UnansweredError:
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
