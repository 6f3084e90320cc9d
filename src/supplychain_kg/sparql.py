"""Use cases of the SPARQL endpoint: query with limits, update with a token, the Graph Store.

The HTTP layer (``api/routers/sparql.py``, ``api/routers/graph_store.py``) parses requests and
negotiates formats; everything else is here, with no web framework in sight:

- every query runs through a :class:`~supplychain_kg.query_runner.Runner` (time limit, row cap);
- every write checks the bearer token, runs as one atomic SPARQL update, and happens while no
  query worker holds the store open (``runner.exclusive()``);
- ``SERVICE`` and ``LOAD`` of any IRI the allow-list does not name are refused before the text
  reaches the engine (Oxigraph would otherwise fetch the URL).
"""

from __future__ import annotations

import hmac
import io
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import Settings
from .errors import (
    BadRequestError,
    GraphNotFoundError,
    NotAcceptableError,
    RemoteAccessError,
    WriteForbiddenError,
)
from .model import term_to_sparql
from .query_runner import Answer, ProcessRunner, QueryJob, Runner, ThreadRunner
from .results import RESULTS_MEDIA_TYPES
from .sparql_text import has_dataset_clause, query_form, remote_targets, with_using
from .store import Store

if TYPE_CHECKING:
    from .service import KnowledgeGraph

__all__ = [
    "RDF_MEDIA_TYPES",
    "RESULTS_MEDIA_TYPES",
    "QueryRequest",
    "SparqlService",
    "UpdateRequest",
    "make_runner",
]

RDF_MEDIA_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/rdf+xml",
    "application/ld+json",
)
"""What a CONSTRUCT/DESCRIBE answer (or a graph GET) can be written as; the first is the default."""

_DEFAULT_GRAPH_NAMES = {"urn:x-rdflib:default"}
"""Names clients use for the endpoint's own default graph (rdflib's SPARQLStore sends this)."""
_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
_FORMAT_NAMES = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/n-quads": "N-Quads",
    "application/trig": "TriG",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON-LD",
}


@dataclass(frozen=True)
class QueryRequest:
    """A parsed protocol query request (formats already negotiated by the HTTP layer)."""

    sparql: str
    results_type: str | None
    rdf_type: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None


@dataclass(frozen=True)
class UpdateRequest:
    """A parsed protocol update request."""

    sparql: str
    token: str | None
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None


def make_runner(settings: Settings, store: Store) -> Runner:
    """Worker processes for an on-disk store, the calling thread for an in-memory one."""
    path = settings.resolved_store_dir()
    if path is None:
        return ThreadRunner(store)
    return ProcessRunner(path, settings.query_workers)


class SparqlService:
    """The SPARQL endpoint's use cases on one knowledge graph."""

    def __init__(self, kg: KnowledgeGraph, runner: Runner | None = None) -> None:
        self.kg = kg
        self.settings = kg.settings
        self.runner = runner or make_runner(kg.settings, kg.store)

    def close(self) -> None:
        self.runner.close()

    # -- checks ------------------------------------------------------------------------------

    def check_remote(self, text: str) -> None:
        """Refuse SERVICE/LOAD of an IRI the allow-list does not name (RemoteAccessError)."""
        allowed = set(self.settings.service_allowlist)
        for target in remote_targets(text):
            if target is None:
                raise RemoteAccessError(
                    "SERVICE or LOAD with a variable or an unresolvable IRI is refused; "
                    "name an allow-listed endpoint (SKG_SERVICE_ALLOWLIST)"
                )
            if target not in allowed:
                raise RemoteAccessError(
                    f"SERVICE or LOAD of {target!r} is refused: this endpoint does not fetch "
                    "remote URLs unless SKG_SERVICE_ALLOWLIST names them"
                )

    def authorize(self, token: str | None) -> None:
        """Raise WriteForbiddenError unless writes are enabled and ``token`` is the write token."""
        expected = self.settings.write_token
        if not expected:
            raise WriteForbiddenError(
                "writes are disabled on this endpoint: start it with SKG_WRITE_TOKEN set"
            )
        if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
            raise WriteForbiddenError(
                "a write needs the write token as 'Authorization: Bearer <token>'"
            )

    # -- query -------------------------------------------------------------------------------

    def job(self, request: QueryRequest) -> QueryJob:
        """Check a request and turn it into a job (406 early when the form is known)."""
        form = query_form(request.sparql)
        wanted = request.rdf_type if form == "graph" else request.results_type
        if form is not None and wanted is None:
            offered = RDF_MEDIA_TYPES if form == "graph" else RESULTS_MEDIA_TYPES
            raise NotAcceptableError(
                f"no acceptable format for this query's answer; offered: {', '.join(offered)}",
                offered=list(offered),
            )
        self.check_remote(request.sparql)
        return QueryJob(
            sparql=request.sparql,
            results_type=request.results_type,
            rdf_type=request.rdf_type,
            timeout=self.settings.query_timeout,
            limit=self.settings.result_cap,
            default_graphs=tuple(
                "" if g in _DEFAULT_GRAPH_NAMES else g for g in request.default_graphs
            )
            or None,
            named_graphs=request.named_graphs or None,
            base_iri=request.base_iri,
            offered={"results": RESULTS_MEDIA_TYPES, "rdf": RDF_MEDIA_TYPES},
        )

    def query(self, request: QueryRequest) -> Answer:
        """Answer a query within the time limit and row cap (blocking: run it off the loop)."""
        return self.runner.run(self.job(request))

    async def aquery(self, request: QueryRequest) -> Answer:
        """:meth:`query` for an event loop: the loop is never blocked by the engine."""
        return await self.runner.arun(self.job(request))

    # -- update ------------------------------------------------------------------------------

    def update(self, request: UpdateRequest) -> None:
        """Run an update atomically, if the token allows it."""
        self.authorize(request.token)
        text = request.sparql
        if request.using_graphs or request.using_named_graphs:
            if has_dataset_clause(text):
                raise BadRequestError(
                    "the update names its dataset with USING or WITH and the request also gives "
                    "using-graph-uri/using-named-graph-uri; give one or the other"
                )
            text = with_using(text, list(request.using_graphs), list(request.using_named_graphs))
        self.check_remote(text)
        self._write(text, request.base_iri)

    def _write(self, text: str, base_iri: str | None = None) -> None:
        self.kg.run_update(text, base_iri=base_iri)

    # -- graph store protocol ----------------------------------------------------------------

    def graph_exists(self, graph: str | None) -> bool:
        if graph is None:
            return True
        return self.kg.store.query(f"ASK {{ GRAPH <{_iri(graph)}> {{ ?s ?p ?o }} }}").boolean

    def graph_get(self, graph: str | None, rdf_type: str) -> Answer:
        """The triples of the default graph (None) or a named graph, as ``rdf_type``."""
        if not self.graph_exists(graph):
            raise GraphNotFoundError(f"no graph named <{graph}> in the store")
        where = "?s ?p ?o" if graph is None else f"GRAPH <{_iri(graph)}> {{ ?s ?p ?o }}"
        request = QueryRequest(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}", None, rdf_type)
        return self.query(request)

    def graph_write(
        self, graph: str | None, body: bytes, media_type: str, token: str | None, *, replace: bool
    ) -> bool:
        """PUT (``replace``) or POST RDF into a graph in one transaction; True if it is new."""
        self.authorize(token)
        staging = self.kg.store.staging()
        staging.parse_into(body, media_type, base_iri=graph)
        lines = " .\n".join(
            " ".join(term_to_sparql(t) for t in quad.triple()) for quad in staging.quads()
        )
        target = "DEFAULT" if graph is None else f"GRAPH <{_iri(graph)}>"
        data = lines if graph is None else f"GRAPH <{_iri(graph)}> {{ {lines} }}"
        existed = self.graph_exists(graph)
        text = f"DROP SILENT {target} ;\n" if replace else ""
        text += f"INSERT DATA {{ {data} }}"
        self._write(text)
        return not existed

    def new_graph_iri(self) -> str:
        """A fresh graph IRI under the base, for a POST that creates a graph."""
        return f"{self.settings.base_iri}graph/{uuid.uuid4().hex}"

    def graph_delete(self, graph: str | None, token: str | None) -> None:
        """Drop a named graph (404 if absent) or clear the default graph."""
        self.authorize(token)
        if not self.graph_exists(graph):
            raise GraphNotFoundError(f"no graph named <{graph}> in the store")
        self._write("DROP DEFAULT" if graph is None else f"DROP GRAPH <{_iri(graph)}>")

    # -- service description -----------------------------------------------------------------

    def description(self, endpoint: str, update_endpoint: str, rdf_type: str) -> bytes:
        """The SPARQL 1.1 Service Description of this endpoint, as ``rdf_type``."""
        formats = ", ".join(f"<{_FORMATS}{name}>" for name in _FORMAT_NAMES.values())
        features = (
            "  sd:feature sd:BasicFederatedQuery ;\n" if self.settings.service_allowlist else ""
        )
        languages = f"sd:SPARQL11Query{', sd:SPARQL11Update' if self.settings.write_token else ''}"
        turtle = f"""@prefix sd: <{_SD}> .
@prefix void: <http://rdfs.org/ns/void#> .
<{_iri(endpoint)}#service> a sd:Service ;
  sd:endpoint <{_iri(endpoint)}> ;
  sd:supportedLanguage {languages} ;
  sd:resultFormat {formats} ;
{features}  sd:defaultDataset [ a sd:Dataset ;
    sd:defaultGraph [ a sd:Graph ; void:triples {len(self.kg.store)} ] ] .
<{_iri(update_endpoint)}> a sd:Service ; sd:endpoint <{_iri(update_endpoint)}> ;
  sd:supportedLanguage sd:SPARQL11Update .
"""
        staging = self.kg.store.staging()
        staging.parse_into(turtle.encode(), "text/turtle")
        return staging_dump(staging, rdf_type)


def staging_dump(store: Store, media_type: str) -> bytes:
    out = io.BytesIO()
    store.dump(out, media_type)
    return out.getvalue()


def _iri(value: str) -> str:
    """An IRI safe to put between ``<`` and ``>`` (BadRequestError otherwise)."""
    if not value or any(c in value for c in '<>"{}|^`\\ \n\r\t'):
        raise BadRequestError(f"not a valid IRI: {value!r}")
    return value
