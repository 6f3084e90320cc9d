"""Exports: the graph or a subgraph (around an entity, a path answer, a CONSTRUCT query) written
as GraphML, GEXF, Cytoscape JSON, CSV or RDF, into a stream or atomically into a file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from supplychain_kg.errors import QueryError
from supplychain_kg.export import ExportRequest, atomic_output, not_a_graph_query, run_export
from supplychain_kg.namespaces import sparql_prefixes, user_position
from supplychain_kg.paths import local_id
from supplychain_kg.service.paths import PathUseCases
from supplychain_kg.service.queries import QueryUseCases
from supplychain_kg.sparql import query_form

if TYPE_CHECKING:
    from supplychain_kg.sparql import SparqlService

__all__ = ["ExportUseCases"]


class ExportUseCases(PathUseCases, QueryUseCases):
    """Exports (a path export asks ``paths``; a CONSTRUCT query runs under the ``guard``)."""

    def export(
        self,
        request: ExportRequest,
        output: IO[bytes],
        *,
        timeout: float | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> tuple[int, int] | None:
        """Write an export into ``output`` (see supplychain_kg.export.run.run_export).

        ``around`` may be an id, IRI or name; a CONSTRUCT query may use the usual prefixes.
        Returns (nodes, edges) for graph formats, None for RDF. ``progress`` gets a line now
        and then during a long (whole-graph) export.
        """
        resolved = self.resolve_export(request, timeout=timeout)
        if resolved.construct and resolved.answer is None:
            try:
                answer = self._construct(resolved, timeout)
            except QueryError as exc:
                moved = user_position(str(exc))  # the user's own line
                if not resolved.extra.get("prefixed") or moved == str(exc):
                    raise
                raise QueryError(moved) from None
            resolved = replace(resolved, answer=answer)
        return run_export(
            self.store, self.ontology, resolved, output, timeout=timeout, progress=progress
        )

    def _construct(self, request: ExportRequest, timeout: float | None) -> bytes:
        """Run an export's CONSTRUCT query under the query guard: through the SPARQL endpoint's
        runner when serving (a worker process, stopped at the time limit, capped), else in this
        process. Returns N-Triples, or the export's own format if it is an RDF one."""
        assert request.construct is not None
        fmt = request.check()
        media_type = fmt.media_type if fmt.rdf else "application/n-triples"
        form = query_form(request.construct)
        if form is not None and form != "graph":
            raise not_a_graph_query("select" if form == "select" else form)
        service: SparqlService | None = getattr(self, "_sparql", None)
        if service is not None:
            from supplychain_kg.sparql import QueryRequest

            answer = service.query(QueryRequest(request.construct, None, media_type))
            return answer.body
        self.guard(request.construct)
        result = self.store.query(request.construct)
        if result.kind != "graph":
            raise not_a_graph_query(result.kind)
        return result.serialize(media_type) or b""

    def export_to_file(
        self,
        request: ExportRequest,
        path: Path,
        *,
        timeout: float | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> tuple[int, int] | None:
        """Export into ``path`` atomically: a failed export leaves no file (and an existing
        file untouched)."""
        with atomic_output(path) as out:
            return self.export(request, out, timeout=timeout, progress=progress)

    def resolve_export(
        self, request: ExportRequest, *, timeout: float | None = None
    ) -> ExportRequest:
        """The request with ``around`` resolved to an IRI (labelled with the entity id), a
        path query answered, and the vocabulary prefixes declared before a CONSTRUCT query."""
        if request.path_query is not None:
            params = dict(request.path_query)
            source, target = str(params.pop("source")), str(params.pop("target"))
            options = {"relation": request.relations, "direction": request.direction, **params}
            answer = self.paths(source, target, timeout=timeout, **options)
            ends = f"{answer['source']['id']}-{answer['target']['id']}"
            request = replace(request, path_query=None, relations=(), paths=answer, label=ends)
        if request.construct and not request.extra.get("prefixed"):
            query = sparql_prefixes(self.settings.base_iri) + request.construct
            request = replace(request, construct=query, extra={**request.extra, "prefixed": True})
        if not request.around or request.label:
            return request
        iri = self.resolve(request.around)
        entry = self.entry(iri)
        return replace(request, around=iri, label=entry.id if entry else local_id(iri))
