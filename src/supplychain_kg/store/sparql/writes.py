"""Writes to a remote store: each one a single update request that also bumps the revision,
and, inside a group of writes (``undoable()``), records its own inverse first.

An update request is atomic on the engines this was checked on when the engine is killed
(Oxigraph server: one transaction per request; Virtuoso 7: the request is rolled back when the
server dies before it commits). On Virtuoso an *error* in a later operation of a request does
not undo the earlier ones, so a request is built only of operations that cannot fail once the
text parses (``INSERT DATA``, ``DELETE DATA``, ``ADD``, ``DROP SILENT``, the revision bump).

Inverses, for a group of writes that may have to be undone after a later check fails:

- ``INSERT DATA``: ``DELETE DATA`` of the quads that were not there before (asked first);
- ``DELETE DATA``: ``INSERT DATA`` of the quads that were there;
- ``DROP`` of a graph: the graph is first copied, in the same request, into an undo graph
  (``ADD <g> TO <urn:x-skg:undo:...>``), and the inverse adds it back;
- a load (``loads.py``): its staging graph, holding only the quads that were new, is kept
  until the group ends; the inverse deletes them.

Each inverse is written into the metadata graph in the same request as the write, so a process
killed inside a group leaves what it needs to undo it: the next process to open the store on
this host (or any process, a day later) runs the inverses (``recover``).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence

from supplychain_kg.errors import SkgError
from supplychain_kg.model import IRI, Quad, term_to_sparql
from supplychain_kg.store.groups import WriteGroups
from supplychain_kg.store.oxigraph import ntriples_of
from supplychain_kg.store.sparql.client import Client
from supplychain_kg.store.sparql.dialect import outgoing
from supplychain_kg.store.sparql.meta import DEFAULT, UNDO, Meta, Owner
from supplychain_kg.store.sparql.updates import Data, Drop, Operation

__all__ = ["Group", "Request", "data_operation", "recover"]

log = logging.getLogger(__name__)

_VALUES_BATCH = 400
"""Quads per existence lookup (one ``VALUES`` block)."""
_DATA_BATCH = 500
"""Triples per ``INSERT DATA`` / ``DELETE DATA`` operation."""


def _by_graph(quads: Iterable[Quad]) -> dict[str, list[Quad]]:
    grouped: dict[str, list[Quad]] = {}
    for quad in quads:
        grouped.setdefault(DEFAULT if quad.graph is None else quad.graph.value, []).append(quad)
    return grouped


def data_operation(insert: bool, quads: Iterable[Quad]) -> list[str]:
    """``INSERT DATA`` / ``DELETE DATA`` of ``quads``, the default graph's in ``DEFAULT``."""
    word = "INSERT" if insert else "DELETE"
    found: list[str] = []
    for graph, members in sorted(_by_graph(quads).items()):
        for start in range(0, len(members), _DATA_BATCH):
            body = outgoing(ntriples_of(members[start : start + _DATA_BATCH]))
            found.append(f"{word} DATA {{ GRAPH <{graph}> {{\n{body}}} }}")
    return found


class Group:
    """The open group of writes of one remote store: its record on the engine, its inverses."""

    def __init__(self, client: Client, meta: Meta) -> None:
        self.client, self.meta = client, meta
        self.name: str | None = None
        self.steps = 0
        self.graphs: list[str] = []
        self.groups = WriteGroups(
            save=self._save, restore=self._restore, keep=self._keep, end=self._end
        )

    @property
    def open(self) -> bool:
        return self.groups.depth > 0

    def _save(self) -> None:
        self.name = f"{UNDO}{uuid.uuid4().hex}"
        self.client.update(Meta.begin(self.name, "group", Owner.mine()))

    def undo_graph(self) -> str:
        """A fresh graph for a copy this group keeps until it ends."""
        assert self.name is not None
        graph = f"{self.name}-{len(self.graphs)}"
        self.graphs.append(graph)
        return graph

    def record(self, inverse: Sequence[str], graphs: Sequence[str] = ()) -> list[str]:
        """The operations recording ``inverse`` (and the graphs it keeps) in the metadata."""
        assert self.name is not None
        found = []
        if inverse:
            self.steps += 1
            found.append(Meta.step(self.name, self.steps, " ;\n".join(inverse)))
        kept = [*graphs]
        if kept:
            found.append(Meta.holds(self.name, kept))
        return found

    def _restore(self) -> None:
        assert self.name is not None
        undo(self.client, self.meta, self.name)

    def _keep(self) -> None:
        assert self.name is not None
        drops = [f"DROP SILENT GRAPH <{g}>" for g in self.graphs]
        self.client.update(" ;\n".join([*drops, Meta.end(self.name)]))

    def _end(self) -> None:
        self.name, self.steps, self.graphs = None, 0, []


def undo(client: Client, meta: Meta, name: str) -> None:
    """Run the inverses of group ``name`` (last first) in one request, drop the graphs it
    kept and forget it."""
    steps = list(reversed(meta.steps(name)))
    drops = [f"DROP SILENT GRAPH <{g}>" for g in meta.held(name)]
    log.info("undoing a group of writes on the remote store (%d steps)", len(steps))
    client.update(" ;\n".join([*steps, *drops, Meta.end(name), Meta.bump()]))


def recover(client: Client, meta: Meta) -> None:
    """Undo the groups and drop the staging graphs of loads whose owner is dead."""
    for name, kind, owner in meta.pending():
        if not Owner.is_dead(owner):
            continue
        with contextlib.suppress(SkgError):
            if kind == "group":
                undo(client, meta, name)
            else:
                drops = [f"DROP SILENT GRAPH <{g}>" for g in meta.held(name)]
                client.update(" ;\n".join([*drops, Meta.end(name)]))
                log.info("dropped the staging graphs of a load cut short (%s)", name)


class Request:
    """One write: its operations, in order, and (inside a group) their inverses."""

    def __init__(self, client: Client, meta: Meta, group: Group) -> None:
        self.client, self.meta, self.group = client, meta, group
        self.parts: list[str] = []
        self.inverse: list[str] = []
        self.kept: list[str] = []
        self.added: set[str] = set()
        self.dropped: set[str] = set()
        self._known: dict[tuple[str, Quad], bool] = {}
        self._emptied: set[str] = set()

    def apply(self, operations: Iterable[Operation]) -> None:
        for op in operations:
            if isinstance(op, Data):
                self._data(op)
            else:
                for graph in self._targets(op):
                    self._drop(graph)

    def send(self) -> None:
        graphs = self.meta.graphs() if self.added or self.dropped else []
        parts = [*self.parts]
        new = sorted(self.added - set(graphs))
        gone = sorted(self.dropped & set(graphs) - self.added)
        parts += [p for p in (Meta.register(new), Meta.register(gone, add=False)) if p]
        if self.group.open:
            parts = [*self.group.record(self.inverse, self.kept), *parts]
        self.client.update(" ;\n".join([*parts, Meta.bump()]))

    # -- operations ------------------------------------------------------------------------

    def _targets(self, op: Drop) -> list[str]:
        if op.target == "graph":
            assert op.graph is not None
            return [op.graph]
        named = self.meta.graphs()
        return {"default": [DEFAULT], "named": named, "all": [DEFAULT, *named]}[op.target]

    def _drop(self, graph: str) -> None:
        if self.group.open:
            copy = self.group.undo_graph()
            self.kept.append(copy)
            self.parts.append(f"ADD SILENT <{graph}> TO <{copy}>")
            self.inverse.insert(0, f"ADD SILENT <{copy}> TO <{graph}>")
            if graph != DEFAULT:
                self.inverse.insert(0, Meta.register([graph]))
        self.parts.append(f"DROP SILENT GRAPH <{graph}>")
        self._emptied.add(graph)
        self._known = {k: v for k, v in self._known.items() if k[0] != graph}
        if graph != DEFAULT:
            self.dropped.add(graph)

    def _data(self, op: Data) -> None:
        quads = list(op.quads)
        self.parts += data_operation(op.insert, quads)
        if op.insert:
            self.added |= {q.graph.value for q in quads if q.graph is not None}
        if not self.group.open:
            return
        present = self._present(quads)
        changed = [q for q in quads if (q in present) != op.insert]
        for quad in quads:
            self._known[(_graph(quad), quad)] = op.insert
        if changed:
            self.inverse = [*data_operation(not op.insert, changed), *self.inverse]

    def _present(self, quads: list[Quad]) -> set[Quad]:
        """Which of ``quads`` the store holds at this point of the request."""
        found: set[Quad] = set()
        ask: dict[str, list[Quad]] = {}
        for quad in dict.fromkeys(quads):
            graph = _graph(quad)
            known = self._known.get((graph, quad))
            if known is not None:
                if known:
                    found.add(quad)
            elif graph not in self._emptied:
                ask.setdefault(graph, []).append(quad)
        for graph, members in ask.items():
            found |= set(_existing(self.client, self.meta, graph, members))
        return found


def _graph(quad: Quad) -> str:
    return DEFAULT if quad.graph is None else quad.graph.value


def _existing(client: Client, meta: Meta, graph: str, quads: list[Quad]) -> Iterator[Quad]:
    """The quads of ``quads`` (all in ``graph``) the engine holds."""
    name = None if graph == DEFAULT else IRI(graph)
    for start in range(0, len(quads), _VALUES_BATCH):
        batch = quads[start : start + _VALUES_BATCH]
        values = outgoing(
            " ".join(
                f"({term_to_sparql(q.subject)} {term_to_sparql(q.predicate)} "
                f"{term_to_sparql(q.object)})"
                for q in batch
            )
        )
        rows = meta.select_in(
            f"SELECT ?s ?p ?o WHERE {{ VALUES (?s ?p ?o) {{ {values} }} "
            f"GRAPH <{graph}> {{ ?s ?p ?o }} }}",
            graph,
        )
        held = {(r.get("s"), r.get("p"), r.get("o")) for r in rows}
        for quad in batch:
            if quad.triple() in held:
                yield Quad(quad.subject, quad.predicate, quad.object, name)
