"""Use cases of the SPARQL endpoint: query with limits, update with a token, the Graph Store.

The HTTP layer (``api/routers/sparql.py``, ``api/routers/graph_store.py``) parses requests and
negotiates formats; everything else is here, with no web framework in sight:

- every query runs through a :class:`~supplychain_kg.sparql.runner.Runner` (time limit, row cap);
- every write checks the bearer token, runs as one atomic SPARQL update, and happens while no
  query worker holds the store open (``runner.exclusive()``);
- every query and update passes the query guard first (``guard.py``: size, nesting and
  length bounds; ``SERVICE`` and ``LOAD`` of any IRI the allow-list does not name refused, as a
  real parser reads the text); checking a long text happens off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from supplychain_kg.config import Settings
from supplychain_kg.errors import (
    BadRequestError,
    GraphNotFoundError,
    NotAcceptableError,
    QueryTimeoutError,
    RemoteAccessError,
    SkgError,
    StoreError,
    WriteForbiddenError,
)
from supplychain_kg.paths import Projection
from supplychain_kg.sparql.accel.index import GraphIndex
from supplychain_kg.sparql.accel.plan import Plan, parse_plan
from supplychain_kg.sparql.description import service_description
from supplychain_kg.sparql.execute import TIMEOUT_MESSAGE
from supplychain_kg.sparql.guard import Checked, GuardLimits, check
from supplychain_kg.sparql.isolation import network_isolation
from supplychain_kg.sparql.lexer import (
    has_dataset_clause,
    query_form,
    streaming_lookup,
    with_using,
)
from supplychain_kg.sparql.results import RESULTS_MEDIA_TYPES
from supplychain_kg.sparql.runner import Answer, ProcessRunner, QueryJob, Runner, ThreadRunner
from supplychain_kg.store import Store


class GraphUseCases(Protocol):
    """What the endpoint needs of the graph service (``service.KnowledgeGraph``): this
    package depends on no use case above it."""

    settings: Settings
    store: Store

    @property
    def claimed_relations(self) -> frozenset[str]: ...

    def projection(self) -> Projection: ...

    def cached_projection(self) -> Projection | None: ...

    def run_update(self, text: str, *, base_iri: str | None = None) -> None: ...

    def write_graph(self, graph: str | None, data: Store, *, replace: bool) -> None: ...

    def check_input(self, data: bytes, media_type: str, *, name: str) -> None: ...


__all__ = [
    "INDEX",
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

INDEX = "graph-index"
"""The engine name of answers from the graph index (``X-SKG-Engine``)."""
_DEFAULT_GRAPH_NAMES = {"urn:x-rdflib:default"}
"""Names clients use for the endpoint's own default graph (rdflib's SPARQLStore sends this)."""


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
    """Worker processes where the store can be opened read-only by other processes (on disk);
    else threads (in memory; a remote engine, whose requests have HTTP time limits)."""
    path = store.worker_path
    if path is None:
        return ThreadRunner(store)
    isolate = not settings.service_allowlist  # an allow-listed SERVICE must reach its host
    return ProcessRunner(
        path, settings.query_workers, store, isolate=isolate, memory=settings.query_memory
    )


class SparqlService:
    """The SPARQL endpoint's use cases on one knowledge graph."""

    def __init__(self, kg: GraphUseCases, runner: Runner | None = None) -> None:
        self.kg = kg
        self.settings = kg.settings
        self.runner = runner or make_runner(kg.settings, kg.store)
        self.index = (
            GraphIndex(kg.store, kg.projection, kg.cached_projection)
            if kg.settings.sparql_accel
            else None
        )
        self._relations = kg.claimed_relations

    def warm(self) -> None:
        """Start building the graph index in the background unless it is current (queries do
        not wait for a build)."""
        if self.index is not None:
            self.index.ready()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Around a write (``KnowledgeGraph.writing()``): no query worker has the store open;
        the graph index answers meanwhile from the projection as it was before the write
        (``GraphIndex.writing``)."""
        with self.runner.exclusive():
            if self.index is None:
                yield
                return
            with self.index.writing():
                yield

    def patching(self) -> contextlib.AbstractContextManager[None]:
        """Around a patch of the path projection in place: no graph index answer reads it."""
        return contextlib.nullcontext() if self.index is None else self.index.patching()

    def close(self) -> None:
        if self.index is not None:
            self.index.closed = True
        self.runner.close()

    # -- checks ------------------------------------------------------------------------------

    def check_query(self, text: str, base_iri: str | None = None) -> Checked:
        """The query guard for a query the runner will answer (see query_guard.check)."""
        limits = GuardLimits.from_settings(self.settings)
        return check(text, limits, base_iri=base_iri, isolated=self.runner.isolated)

    def check_update(self, text: str, base_iri: str | None = None) -> Checked:
        """The query guard for an update (run in this process)."""
        limits = GuardLimits.from_settings(self.settings, update=True)
        return check(text, limits, update=True, base_iri=base_iri, isolated=_isolated())

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
        checked = self.check_query(request.sparql, request.base_iri)
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
            local=form == "select"
            and not request.default_graphs
            and not request.named_graphs
            and not checked.isolated_only
            and streaming_lookup(request.sparql),
            unread=checked.isolated_only,
        )

    def prepare(self, request: QueryRequest) -> tuple[QueryJob, Plan | None]:
        """The checked job and, if the graph index may answer it, the index's plan."""
        job = self.job(request)
        return job, self._plan(job)

    def query(self, request: QueryRequest) -> Answer:
        """Answer a query within the time limit and row cap (blocking: run it off the loop)."""
        job, plan = self.prepare(request)
        if plan is not None:
            answer = self._indexed(plan, job, time.monotonic() + job.timeout)
            if answer is not None:
                return answer
        try:
            return self.runner.run(job)
        except StoreError as exc:
            raise _refused_fetch(job, exc) from None

    async def aquery(self, request: QueryRequest) -> Answer:
        """:meth:`query` for an event loop: the loop is never blocked by the engine (nor by
        checking a long text)."""
        if len(request.sparql) > _CHECK_ON_LOOP:
            job, plan = await asyncio.to_thread(self.prepare, request)
        else:
            job, plan = self.prepare(request)
        if plan is not None:
            deadline = time.monotonic() + job.timeout
            try:
                answer = await asyncio.wait_for(
                    asyncio.to_thread(self._indexed, plan, job, deadline), job.timeout
                )
            except TimeoutError:
                raise QueryTimeoutError(TIMEOUT_MESSAGE.format(job.timeout)) from None
            if answer is not None:
                return answer
        try:
            return await self.runner.arun(job)
        except StoreError as exc:
            raise _refused_fetch(job, exc) from None

    def _plan(self, job: QueryJob) -> Plan | None:
        """The graph index's plan for a job it may answer (and is ready to), else None."""
        index = self.index
        if index is None or job.default_graphs or job.named_graphs or not job.results_type:
            return None
        plan = parse_plan(job.sparql, self._relations)
        if plan is None or not index.ready():
            return None
        return plan

    def _indexed(self, plan: Plan, job: QueryJob, deadline: float) -> Answer | None:
        assert self.index is not None and job.results_type is not None
        result = self.index.answer(plan, deadline, job.limit, job.timeout)
        if result is None:
            return None
        return Answer(result.serialize(job.results_type), job.results_type, "select", INDEX)

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
        checked = self.check_update(text, request.base_iri)
        try:
            self._write(text, request.base_iri)
        except StoreError:
            if not checked.isolated_only:
                raise
            raise RemoteAccessError(
                "the update failed in the engine; it mentions SERVICE or LOAD, which this server "
                "cannot follow: it is cut off from the network (and SKG_SERVICE_ALLOWLIST names "
                "no endpoint)"
            ) from None

    def _write(self, text: str, base_iri: str | None = None) -> None:
        self.kg.run_update(text, base_iri=base_iri)
        self.warm()

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
        """PUT (``replace``) or POST RDF into a graph, validated, all or nothing; True if the
        graph is new."""
        self.authorize(token)
        self.kg.check_input(body, media_type, name="the request body")
        staging = self.kg.store.staging()
        staging.parse_into(body, media_type, base_iri=graph)
        existed = self.graph_exists(graph)
        self.kg.write_graph(None if graph is None else _iri(graph), staging, replace=replace)
        self.warm()
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
        return service_description(
            self.kg.store,
            self.settings,
            _iri(endpoint),
            _iri(update_endpoint),
            rdf_type,
        )


def _refused_fetch(job: QueryJob, exc: StoreError) -> SkgError:
    """A failure of a query the guard could not read (it mentions SERVICE or LOAD, and ran
    where no network is reachable): say so rather than "internal error"."""
    if not job.unread:
        return exc
    return RemoteAccessError(
        "the query failed in the engine; it mentions SERVICE or LOAD, which this server cannot "
        "follow: it is cut off from the network (and SKG_SERVICE_ALLOWLIST names no endpoint)"
    )


_CHECK_ON_LOOP = 2048
"""Queries longer than this are checked (guard, graph-index plan) in a thread."""


def _isolated() -> bool:
    return bool(network_isolation())


def _iri(value: str) -> str:
    """An IRI safe to put between ``<`` and ``>`` (BadRequestError otherwise)."""
    if not value or any(c in value for c in '<>"{}|^`\\ \n\r\t'):
        raise BadRequestError(f"not a valid IRI: {value!r}")
    return value
