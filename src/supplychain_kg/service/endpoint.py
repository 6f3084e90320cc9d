"""The graph as the SPARQL endpoint sees it (``sparql.GraphUseCases``): the endpoint's use
cases made on this graph, and the writes made through it, a SPARQL update and a Graph Store
write, each kept only if it adds no violation of the shapes or the model's rules
(``_validated``), with the caches patched for what it wrote."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from supplychain_kg.errors import SkgError, ValidationError
from supplychain_kg.model import IRI, BNode, Quad
from supplychain_kg.paths import claim_ends, staged_subjects
from supplychain_kg.service.loading import LoadingUseCases
from supplychain_kg.service.paths import PathUseCases
from supplychain_kg.sparql import data_blocks
from supplychain_kg.store import Store
from supplychain_kg.validate import check_write

if TYPE_CHECKING:
    from supplychain_kg.sparql import SparqlService

__all__ = ["EndpointUseCases"]


class _RefusedWriteError(Exception):
    """A write broke a rule (its violations); undone by the block it leaves."""

    def __init__(self, violations: list[Any]) -> None:
        self.violations = violations
        super().__init__(f"{len(violations)} violations")


def _in_graph(quads: Iterable[Quad], graph: str | None) -> Iterator[Quad]:
    """The triples of ``quads`` placed in ``graph`` (None: the default graph)."""
    name = IRI(graph) if graph is not None else None
    for quad in quads:
        yield Quad(quad.subject, quad.predicate, quad.object, name)


def _batches(items: Iterable[Quad], size: int) -> Iterator[list[Quad]]:
    batch: list[Quad] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class EndpointUseCases(LoadingUseCases, PathUseCases):
    """The SPARQL endpoint on this graph, and its writes (validated, all or nothing). The
    endpoint also asks for ``projection`` (``PathUseCases``) and ``check_input``
    (``LoadingUseCases``)."""

    @property
    def claimed_relations(self) -> frozenset[str]:
        """The vocabulary's claimed relations (the ones paths walk)."""
        return self.ontology.claimed_relations

    def sparql_service(self) -> SparqlService:
        """The SPARQL endpoint's use cases on this graph (one per graph, made on first use)."""
        from supplychain_kg.sparql import SparqlService

        made: SparqlService | None = getattr(self, "_sparql", None)
        if made is not None:  # no lock: a write holds it, and the event loop must not wait
            return made
        with self._lock:
            service: SparqlService | None = getattr(self, "_sparql", None)
            if service is None:
                service = SparqlService(self)
                self._sparql = service
            return service

    def run_update(self, text: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update on the store (atomic), then validate what it touched
        (validate/writes.py): a violation undoes it (ValidationError). When it is made only of
        ``INSERT DATA`` and ``DELETE DATA`` (the usual small edit), its triples are staged
        first: only the resources they name are validated, and the name index and the path
        projection are patched instead of rebuilt."""
        staging: Store | None = None
        blocks = data_blocks(text)
        if blocks is not None:
            staging = self.store.staging()
            try:
                for block in blocks:
                    staging.update(block, base_iri=base_iri)
            except SkgError:
                staging = None  # the update itself reports the problem
        with self.writing():
            before = self.store.revision
            ends: set[str] = set()  # the claims' ends before the write (for the projection)
            if staging is not None and self._projection is not None:
                ends = claim_ends(self.store, staged_subjects(staging))
            try:
                self._validated(lambda: self.store.update(text, base_iri=base_iri), staging)
            except BaseException:
                if self.store.revision != before:  # written, then undone
                    self._patch_caches(before, None)
                raise
            if self.store.revision != before + 1:  # undone, then written again
                staging = None
            self._after_write(staging, before, ends)

    def write_graph(self, graph: str | None, data: Store, *, replace: bool) -> None:
        """Graph Store write: put the triples of ``data`` into ``graph`` (None: the default
        graph), replacing what it held if ``replace``; validated as an update is, all or
        nothing."""
        named = self.store.staging()
        if graph is not None or not replace:
            named.add_quads(_in_graph(data.quads(), graph))
        if replace and graph is not None:  # what the graph held is named too
            named.add_quads(self._graph_quads(graph))
        target = "DEFAULT" if graph is None else f"GRAPH <{graph}>"
        with self.writing():
            before = self.store.revision

            def apply() -> None:
                if replace:
                    self.store.update(f"DROP SILENT {target}")
                for batch in _batches(_in_graph(data.quads(), graph), 50_000):
                    self.store.add_quads(batch)

            try:
                self._validated(apply, None if graph is None and replace else named)
            except BaseException:
                if self.store.revision != before:  # written, then undone
                    self._patch_caches(before, None)
                raise
            self._after_write(None if replace else named, before)

    def _graph_quads(self, graph: str) -> Iterator[Quad]:
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        for s, p, o in self.store.query(query).triples():
            if isinstance(s, IRI | BNode) and isinstance(p, IRI):
                yield Quad(s, p, o, IRI(graph))

    def _validated(self, apply: Callable[[], None], named: Store | None) -> None:
        """Make a write (``apply``) and keep it only if it adds no violation of the shapes or
        the model's rules (validate/writes.py; ``named``: the quads it names, None if not known).

        A violation undoes the write; then, in the rare store that already broke a rule
        (written before writes were validated), the same resources are checked as they were:
        if the write added nothing new, it is made again and kept. Else ValidationError with
        the new violations."""
        try:
            with self.store.undoable():
                apply()
                found = check_write(self.validator, self.store, named)
                if found:
                    raise _RefusedWriteError(found)
        except _RefusedWriteError as refused:
            had = set(check_write(self.validator, self.store, named))
            new = [v for v in refused.violations if v not in had]
            if new:
                raise ValidationError(new) from None
            with self.store.undoable():
                apply()
