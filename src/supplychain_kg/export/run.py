"""One export request, from its parameters to bytes in a file object."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from supplychain_kg.errors import BadRequestError, QueryTimeoutError
from supplychain_kg.export import WRITERS, scope
from supplychain_kg.export.evidence import per_claim_edges
from supplychain_kg.export.files import ExportFormat, export_filename, get_format
from supplychain_kg.export.model import ExportGraph, GraphSource
from supplychain_kg.export.rdf import write_rdf
from supplychain_kg.export.stream import StreamedGraph
from supplychain_kg.model import Term
from supplychain_kg.store import Store
from supplychain_kg.validate import Ontology

__all__ = [
    "DeadlineWriter",
    "ExportRequest",
    "build_graph",
    "graph_source",
    "not_a_graph_query",
    "run_export",
]


@dataclass(frozen=True)
class ExportRequest:
    """What to export and how. At most one scope: ``around``, ``construct`` or ``paths``.

    ``around`` is an entity IRI (the service resolves names and ids first); ``paths`` is a path
    answer in the DESIGN.md JSON shape; ``path_query`` the parameters of a path query
    (``source``, ``target``, ``max_hops``, ``k``, ...: the service runs it and fills ``paths``);
    ``construct`` a CONSTRUCT or DESCRIBE query. ``relations`` and ``direction`` filter the
    walk around an entity or the path query.
    ``label`` names the scope in the file name (e.g. the entity id). ``answer`` is the
    CONSTRUCT query's answer when the caller has already run it (under the query guard and the
    time limit: ``KnowledgeGraph.export``), as N-Triples, or for an RDF format in that format.
    ``per_claim``: each claim its own edge (graph formats).
    """

    format: str = "graphml"
    around: str | None = None
    depth: int = 1
    relations: tuple[str, ...] = ()
    direction: str = "any"
    construct: str | None = None
    paths: Mapping[str, Any] | None = None
    path_query: Mapping[str, Any] | None = None
    label: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    answer: bytes | None = None
    per_claim: bool = False

    def check(self) -> ExportFormat:
        """The format; raises BadRequestError on a bad format or conflicting scopes."""
        fmt = get_format(self.format)
        given = [
            n
            for n, v in (
                ("around", self.around),
                ("construct", self.construct),
                ("a path query", self.paths or self.path_query),
            )
            if v
        ]
        if len(given) > 1:
            raise BadRequestError(
                f"give one scope, not {' and '.join(given)}: around, construct or a path query"
            )
        scope.parse_direction(self.direction)
        if self.relations and not (self.around or self.path_query):
            raise BadRequestError(
                "relation filters apply to an export around an entity or of a path query"
            )
        return fmt

    @property
    def whole(self) -> bool:
        """Whether the request is for the whole graph (no scope)."""
        return not (self.around or self.construct or self.paths is not None or self.path_query)

    def filename(self) -> str:
        """A download file name that says what was exported."""
        stem = "supplychain-kg"
        if self.around:
            stem += f"-around-{self.label or 'entity'}-depth-{self.depth}"
        elif self.construct:
            stem += "-construct"
        elif self.paths is not None or self.path_query is not None:
            stem += f"-paths-{self.label or 'result'}"
        return export_filename(stem, get_format(self.format))


def build_graph(store: Store, ontology: Ontology, request: ExportRequest) -> ExportGraph:
    """The export graph for the request's scope (each claim its own edge if asked)."""
    graph = _scoped_graph(store, ontology, request)
    return per_claim_edges(graph) if request.per_claim else graph


def graph_source(
    store: Store,
    ontology: Ontology,
    request: ExportRequest,
    progress: Callable[[str], None] | None = None,
) -> GraphSource:
    """What a graph-format writer reads for the request: the whole graph streamed from the
    store (:class:`StreamedGraph`), a scope built in memory (:func:`build_graph`)."""
    if request.whole:
        return StreamedGraph(store, ontology, per_claim=request.per_claim, progress=progress)
    return build_graph(store, ontology, request)


def _scoped_graph(store: Store, ontology: Ontology, request: ExportRequest) -> ExportGraph:
    if request.around:
        relations = scope.parse_relations(ontology, request.relations)
        return scope.around(
            store,
            ontology,
            request.around,
            depth=request.depth,
            relations=relations,
            direction=request.direction,
        )
    if request.paths is not None:
        return scope.from_paths(store, ontology, request.paths)
    if request.construct:
        return scope.from_triples(store, ontology, _constructed(store, request))
    return scope.whole(store, ontology)


def _constructed(store: Store, request: ExportRequest) -> Iterable[tuple[Term, Term, Term]]:
    """The triples of the request's CONSTRUCT query: its answer if given, else run now."""
    if request.answer is not None:
        staging = store.staging()
        staging.parse_into(request.answer, "application/n-triples")
        return [(q.subject, q.predicate, q.object) for q in staging.quads()]
    assert request.construct is not None
    result = store.query(request.construct)
    if result.kind != "graph":
        raise not_a_graph_query(result.kind)
    return result.triples()


def not_a_graph_query(kind: str) -> BadRequestError:
    """The error for an export whose query is not a CONSTRUCT or DESCRIBE."""
    return BadRequestError(
        f"an export needs a CONSTRUCT or DESCRIBE query; this is a {kind.upper()}"
    )


class DeadlineWriter:
    """A binary file object that raises QueryTimeoutError once ``seconds`` have passed."""

    def __init__(self, out: IO[bytes], seconds: float | None) -> None:
        self.out = out
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeoutError(
                f"the export took longer than {self.seconds:g} s and was stopped; "
                "export a smaller scope or use the CLI"
            )

    def write(self, data: bytes) -> int:
        self.check()
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()

    def tell(self) -> int:
        return self.out.tell()

    def seekable(self) -> bool:
        return False


def run_export(
    store: Store,
    ontology: Ontology,
    request: ExportRequest,
    out: IO[bytes],
    *,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[int, int] | None:
    """Write the export described by ``request`` into ``out``.

    Returns (nodes, edges) for graph formats, None for RDF. ``timeout`` (seconds) stops a long
    export with QueryTimeoutError. ``progress`` gets a line now and then during a whole-graph
    export. Raises BadRequestError for bad parameters and QueryError for a bad CONSTRUCT
    query.
    """
    fmt = request.check()
    sink: Any = DeadlineWriter(out, timeout) if timeout is not None else out
    if fmt.rdf and request.construct:
        if request.answer is not None:
            sink.write(request.answer)
            return None
        result = store.query(request.construct)
        if result.kind != "graph":
            raise not_a_graph_query(result.kind)
        result.serialize(fmt.media_type, sink)
        return None
    if fmt.rdf:
        whole = not request.around and request.paths is None
        scoped = None if whole else build_graph(store, ontology, request)
        write_rdf(store, ontology, scoped, sink, fmt.media_type)
        return None
    graph = graph_source(store, ontology, request, progress)
    if timeout is not None:
        sink.check()
    WRITERS[fmt.name](graph, sink)
    edges = graph.edge_count()
    assert edges is not None  # known once the writer has read the edges
    return graph.node_count(), edges
