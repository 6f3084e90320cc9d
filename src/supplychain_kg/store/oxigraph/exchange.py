"""Data exchanged with other engines, read and written by Oxigraph's parsers and writers: a
remote engine's answers (SPARQL results, N-Triples) turned into :class:`OxigraphResult`, and
quads written as N-Triples or any RDF format (``store/sparql/`` sends and reads through these,
so that pyoxigraph stays imported in this package only)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

import pyoxigraph as ox

from supplychain_kg.errors import StoreError
from supplychain_kg.model import IRI, BNode, Quad, Row
from supplychain_kg.store.oxigraph.formats import rdf_format, results_format
from supplychain_kg.store.oxigraph.results import OxigraphResult
from supplychain_kg.store.oxigraph.terms import to_ox_quad

__all__ = [
    "graph_answer",
    "ntriples_of",
    "rows_as_quads",
    "select_answer",
    "staged_graphs",
    "staged_ntriples",
    "write_quads",
]


def select_answer(data: bytes, media_type: str) -> OxigraphResult:
    """A SELECT or ASK answer (SPARQL JSON, XML, CSV or TSV results) as a query result.
    Virtuoso's ``typed-literal`` is read as a literal."""
    try:
        return OxigraphResult(ox.parse_query_results(data, results_format(media_type)))
    except (SyntaxError, ValueError) as exc:
        raise StoreError(f"the SPARQL engine sent an answer that cannot be read: {exc}") from None


def graph_answer(data: bytes, media_type: str) -> OxigraphResult:
    """A CONSTRUCT or DESCRIBE answer (an RDF document) as a query result."""
    try:
        triples = [q.triple for q in ox.parse(data, rdf_format(media_type))]
    except (SyntaxError, ValueError) as exc:
        raise StoreError(f"the SPARQL engine sent a graph that cannot be read: {exc}") from None
    return OxigraphResult(triples)


def ntriples_of(quads: Iterable[Quad]) -> str:
    """The triples of ``quads`` (graphs dropped) as N-Triples text, also valid inside a SPARQL
    ``INSERT DATA``/``DELETE DATA`` block."""
    triples = [to_ox_quad(q).triple for q in quads]
    return _ntriples(triples).decode("utf-8")


def _ntriples(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def rows_as_quads(rows: Iterable[Row], graph: str | None) -> Iterator[Quad]:
    """Rows binding ``s``, ``p`` and ``o`` as quads in ``graph`` (None: the default graph);
    rows whose subject is a literal or predicate not an IRI are skipped."""
    name = None if graph is None else IRI(graph)
    for row in rows:
        s, p, o = row["s"], row["p"], row["o"]
        if isinstance(s, IRI | BNode) and isinstance(p, IRI):
            yield Quad(s, p, o, name)


def write_quads(
    quads: Iterable[Quad],
    output: IO[bytes],
    media_type: str,
    *,
    prefixes: Mapping[str, str] | None = None,
) -> None:
    """Write ``quads`` to ``output`` in ``media_type`` (a triple format keeps the default
    graph's quads only), streaming."""
    fmt = rdf_format(media_type)
    if fmt.supports_datasets:
        items: Iterable[Any] = (to_ox_quad(q) for q in quads)
    else:
        items = (to_ox_quad(q).triple for q in quads if q.graph is None)
    ox.serialize(items, output, fmt, prefixes=dict(prefixes) if prefixes else None)


def staged_graphs(staging: Any) -> list[str | None]:
    """The graphs a staging store holds quads in (None: the default graph), default first."""
    store: ox.Store = staging._store
    names = sorted(
        g.value
        for g in store.named_graphs()
        if isinstance(g, ox.NamedNode) and _has_quads(store, g)
    )
    default = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None)
    return ([None] if default is not None else []) + list(names)


def _has_quads(store: ox.Store, graph: ox.NamedNode) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, graph)), None) is not None


def staged_ntriples(staging: Any, graph: str | None, size: int) -> Iterator[tuple[int, bytes]]:
    """The triples of one graph of a staging store as N-Triples, ``size`` triples at a time:
    (count, bytes) per chunk."""
    store: ox.Store = staging._store
    name = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
    chunk: list[ox.Triple] = []
    for quad in store.quads_for_pattern(None, None, None, name):
        chunk.append(quad.triple)
        if len(chunk) >= size:
            yield len(chunk), _ntriples(chunk)
            chunk = []
    if chunk:
        yield len(chunk), _ntriples(chunk)
