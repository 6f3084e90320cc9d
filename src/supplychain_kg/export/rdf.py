"""RDF exports straight from the store, claims and sources included.

The whole graph is the store's own dump. A subgraph is gathered with CONSTRUCT queries into an
in-memory staging store, then dumped: its entities' descriptions, the direct triples of its
edges, every claim about those edges (and the literal-valued claims about its entities), the
claims' source documents, and the type, label and id of whatever the entities, claims and
sources link to (a country, a publisher, a technology). A subgraph export therefore passes the
shapes on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from supplychain_kg.export.model import ExportGraph
from supplychain_kg.model import IRI, Literal, Quad, Term
from supplychain_kg.namespaces import DCTERMS, PREFIXES, RDF, RDFS, SKG
from supplychain_kg.store import Store
from supplychain_kg.validate import Ontology

__all__ = ["write_rdf"]

_BATCH = 500
_CLASS_LINKS = {f"{RDF}type", f"{SKG}memberType"}


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def _values(var: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(f'<{i}>' for i in iris)} }}"


def _construct(store: Store, query: str) -> Iterator[tuple[Term, Term, Term]]:
    yield from store.query(query).triples()


def _quads(triples: Iterable[tuple[Term, Term, Term]]) -> list[Quad]:
    return [
        Quad(s, p, o) for s, p, o in triples if not isinstance(s, Literal) and isinstance(p, IRI)
    ]


def _entity_triples(store: Store, ontology: Ontology, nodes: list[str]) -> list[Quad]:
    rels = ", ".join(f"<{r}>" for r in sorted(ontology.claimed_relations))
    out: list[Quad] = []
    for chunk in _chunks(nodes):
        query = f"""CONSTRUCT {{ ?x ?p ?o }} WHERE {{ {_values("x", chunk)} ?x ?p ?o .
            FILTER(!isIRI(?o) || ?p NOT IN ({rels})) }}"""
        out += _quads(_construct(store, query))
    return out


def _edge_triples(store: Store, edges: list[tuple[str, str, str]]) -> list[Quad]:
    """The direct triples of ``edges`` that the store holds, and every claim about them."""
    out: list[Quad] = []
    for start in range(0, len(edges), _BATCH):
        rows = " ".join(f"(<{s}> <{p}> <{o}>)" for s, p, o in edges[start : start + _BATCH])
        values = f"VALUES (?s ?p ?o) {{ {rows} }}"
        out += _quads(_construct(store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {values} ?s ?p ?o }}"))
        query = f"""CONSTRUCT {{ ?c ?cp ?cv }} WHERE {{ {values}
            ?c <{SKG}subject> ?s ; <{SKG}relation> ?p ; <{SKG}object> ?o . ?c ?cp ?cv }}"""
        out += _quads(_construct(store, query))
    return out


def _literal_claims(store: Store, nodes: list[str]) -> list[Quad]:
    out: list[Quad] = []
    for chunk in _chunks(nodes):
        query = f"""CONSTRUCT {{ ?c ?cp ?cv }} WHERE {{ {_values("x", chunk)}
            ?c <{SKG}subject> ?x ; <{SKG}object> ?v . FILTER(isLiteral(?v)) ?c ?cp ?cv }}"""
        out += _quads(_construct(store, query))
    return out


def _named(store: Store, iris: list[str], full: bool) -> list[Quad]:
    """All triples of ``iris`` (full) or just their type, label and id."""
    keep = f"FILTER(?p IN (<{RDF}type>, <{RDFS}label>, <{SKG}slug>))" if not full else ""
    out: list[Quad] = []
    for chunk in _chunks(iris):
        query = f"CONSTRUCT {{ ?x ?p ?o }} WHERE {{ {_values('x', chunk)} ?x ?p ?o {keep} }}"
        out += _quads(_construct(store, query))
    return out


def _subgraph(store: Store, ontology: Ontology, graph: ExportGraph) -> list[Quad]:
    nodes = [iri for iri in graph.nodes if not iri.startswith("_:")]
    edges = [
        (e.source, e.relation_iri, e.target)
        for e in graph.edges
        if not e.source.startswith("_:") and not e.target.startswith("_:")
    ]
    quads = _entity_triples(store, ontology, nodes)
    linked = {
        q.object.value
        for q in quads
        if isinstance(q.object, IRI) and q.predicate.value not in _CLASS_LINKS
    }
    quads += _edge_triples(store, edges) + _literal_claims(store, nodes)
    claim_links: dict[str, set[str]] = {f"{SKG}source": set(), f"{SKG}technology": set()}
    for q in quads:
        if q.predicate.value in claim_links and isinstance(q.object, IRI):
            claim_links[q.predicate.value].add(q.object.value)
    sources = sorted(claim_links[f"{SKG}source"])
    source_quads = _named(store, sources, full=True)
    named = (
        linked
        | claim_links[f"{SKG}technology"]
        | {
            q.object.value
            for q in source_quads
            if q.predicate.value == f"{DCTERMS}publisher" and isinstance(q.object, IRI)
        }
    )
    return quads + source_quads + _named(store, sorted(named - set(nodes)), full=False)


def write_rdf(
    store: Store,
    ontology: Ontology,
    graph: ExportGraph | None,
    out: IO[bytes],
    media_type: str,
) -> None:
    """Write the whole store (``graph`` None) or the subgraph behind ``graph`` as RDF."""
    if graph is None:
        store.dump(out, media_type, prefixes=PREFIXES)
        return
    staging = store.staging()
    try:
        quads = set(_subgraph(store, ontology, graph))  # in one order, whatever the engine's
        staging.add_quads(
            sorted(quads, key=lambda q: (str(q.subject), str(q.predicate), repr(q.object)))
        )
        staging.dump(out, media_type, prefixes=PREFIXES)
    finally:
        staging.close()
