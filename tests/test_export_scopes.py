"""What an export holds: stances and evidence on edges, neighbourhoods, CONSTRUCT, RDF dumps."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib

from supplychain_kg.config import Settings
from supplychain_kg.errors import BadRequestError
from supplychain_kg.export import FORMATS, ExportGraph
from supplychain_kg.service import KnowledgeGraph

from .export_support import ONTOLOGY, export_bytes, projection, tricky_graph


@pytest.fixture(scope="module")
def tricky() -> Iterator[KnowledgeGraph]:
    kg = tricky_graph()
    yield kg
    kg.close()


def _ids(graph: ExportGraph) -> set[str]:
    return {n.entity_id for n in graph.nodes.values()}


def _edge(graph: ExportGraph, source: str, relation: str, target: str) -> object:
    by_iri = {iri: n.entity_id for iri, n in graph.nodes.items()}
    for edge in graph.edges:
        if (by_iri[edge.source], edge.relation, by_iri[edge.target]) == (source, relation, target):
            return edge
    raise AssertionError(f"no edge {source} {relation} {target}")


def test_whole_graph_has_every_entity_including_ones_without_links(tricky: KnowledgeGraph) -> None:
    graph = projection(tricky)
    assert _ids(graph) == {"x-vendor", "x-integrator", "x-city", "x-land", "x-paper", "x-lonely"}
    vendor = next(n for n in graph.nodes.values() if n.entity_id == "x-vendor")
    assert vendor.types == ("Manufacturer",) and vendor.country == ("Xland",)
    assert vendor.identifiers == ("lei:X-1",)


def test_edge_with_assertions_and_a_denial_is_disputed_with_all_its_evidence(
    tricky: KnowledgeGraph,
) -> None:
    edge = _edge(projection(tricky), "x-integrator", "sourcesFrom", "x-vendor")
    assert edge.stance == "disputed"  # type: ignore[attr-defined]
    assert (edge.claims, edge.asserted_claims, edge.denied_claims) == (3, 2, 1)  # type: ignore[attr-defined]
    assert edge.claim_ids == ("x-c1", "x-c2", "x-c3")  # type: ignore[attr-defined]
    assert edge.sources == ('Cameras & <code>: a "report"', "监控 follow-up")  # type: ignore[attr-defined]
    assert edge.source_urls == ("https://example.org/report?a=1&b=2",)  # type: ignore[attr-defined]
    assert edge.earliest_claim_date == "2021-03-04"  # type: ignore[attr-defined]
    assert edge.latest_claim_date == "2023-05-06"  # type: ignore[attr-defined]
    assert edge.label == "sources from"  # type: ignore[attr-defined]


def test_relation_only_denied_is_exported_as_a_denied_edge(tricky: KnowledgeGraph) -> None:
    edge = _edge(projection(tricky), "x-vendor", "sellsDirectlyTo", "x-city")
    assert edge.stance == "denied" and edge.claims == 1  # type: ignore[attr-defined]


def test_whole_graph_and_entity_list_readers_agree_on_edges(tricky: KnowledgeGraph) -> None:
    whole = projection(tricky)
    from supplychain_kg.export.build import assemble

    listed = assemble(tricky.store, tricky.ontology, list(whole.nodes))
    assert listed.edges == whole.edges and listed.nodes == whole.nodes


def test_around_depth_zero_is_the_entity_alone(tricky: KnowledgeGraph) -> None:
    graph = projection(tricky, around="x-integrator", depth=0)
    assert _ids(graph) == {"x-integrator"} and graph.edges == []


def test_around_follows_asserted_and_denied_links_but_not_reporting_relations(
    tricky: KnowledgeGraph,
) -> None:
    graph = projection(tricky, around="Integrator", depth=2)
    # the city is reached; the paper only links to it by "could not verify"
    assert _ids(graph) == {"x-integrator", "x-vendor", "x-city"}
    relations = sorted(e.relation for e in graph.edges)
    assert relations == ["sellsDirectlyTo", "sourcesFrom", "suppliesTo"]


def test_around_with_direction_and_relation_filters(tricky: KnowledgeGraph) -> None:
    # the vendor's only outgoing link is one it denies
    assert _ids(projection(tricky, around="x-vendor", direction="out")) == {"x-vendor", "x-city"}
    assert _ids(projection(tricky, around="x-vendor", direction="in")) == {
        "x-vendor",
        "x-integrator",
    }
    graph = projection(tricky, around="x-integrator", relations=("suppliesTo",))
    assert _ids(graph) == {"x-integrator", "x-city"}
    assert [e.relation for e in graph.edges] == ["suppliesTo"]
    named = projection(tricky, around="x-city", relations=("skg:couldNotVerify",))
    assert _ids(named) == {"x-city", "x-paper"}


def test_around_rejects_unknown_relation_bad_direction_and_deep_walks(
    tricky: KnowledgeGraph,
) -> None:
    with pytest.raises(BadRequestError, match=r"unknown relation 'buysFrom'.*sourcesFrom"):
        projection(tricky, around="x-vendor", relations=("buysFrom",))
    with pytest.raises(BadRequestError, match="direction 'up'"):
        projection(tricky, around="x-vendor", direction="up")
    with pytest.raises(BadRequestError, match="depth 11 is out of range"):
        projection(tricky, around="x-vendor", depth=11)


def test_construct_result_exports_its_triples_with_the_stores_evidence(
    tricky: KnowledgeGraph,
) -> None:
    graph = projection(
        tricky, construct="CONSTRUCT { ?s skg:sourcesFrom ?o } WHERE { ?s skg:sourcesFrom ?o }"
    )
    assert _ids(graph) == {"x-integrator", "x-vendor"}
    assert [(e.relation, e.claims) for e in graph.edges] == [("sourcesFrom", 3)]


def test_construct_scope_needs_a_graph_query(tricky: KnowledgeGraph) -> None:
    with pytest.raises(BadRequestError, match="CONSTRUCT or DESCRIBE query; this is a SELECT"):
        export_bytes(tricky, construct="SELECT * WHERE { ?s ?p ?o }")


@pytest.mark.parametrize("fmt", ["turtle", "nquads", "jsonld"])
def test_rdf_dump_of_the_whole_graph_holds_every_triple(tricky: KnowledgeGraph, fmt: str) -> None:
    data = export_bytes(tricky, format=fmt)
    back = tricky.store.staging()
    back.parse_into(data, FORMATS[fmt].media_type)
    assert set(back.quads()) == set(tricky.store.quads())


def test_rdf_dump_around_an_entity_has_its_claims_and_sources_and_passes_the_shapes(
    tricky: KnowledgeGraph, tmp_path: Path
) -> None:
    data = export_bytes(tricky, format="turtle", around="x-vendor", depth=2)
    path = tmp_path / "around.ttl"
    path.write_bytes(data)
    graph = rdflib.Graph().parse(path)
    skg = rdflib.Namespace("https://w3id.org/supplychain-kg/ontology#")
    claims = {str(c).rsplit("/", 1)[-1] for c in graph.subjects(rdflib.RDF.type, skg.Claim)}
    assert claims == {"x-c1", "x-c2", "x-c3", "x-c4", "x-c5"}  # not x-c6: the paper is outside
    sources = {
        str(s).rsplit("/", 1)[-1] for s in graph.subjects(rdflib.RDF.type, skg.SourceDocument)
    }
    assert sources == {"x-one", "x-two"}
    fresh = KnowledgeGraph.open(Settings(memory=True, seed=False))
    try:
        report = fresh.validate_files([ONTOLOGY, path])
        assert report.ok, report.violations
    finally:
        fresh.close()


def test_rdf_of_a_construct_query_is_the_query_result(tricky: KnowledgeGraph) -> None:
    query = "CONSTRUCT { ?s skg:suppliesTo ?o } WHERE { ?s skg:suppliesTo ?o }"
    data = export_bytes(tricky, format="nquads", construct=query)
    assert data.decode().count("\n") == 1 and b"suppliesTo" in data


def test_export_rejects_two_scopes_at_once(tricky: KnowledgeGraph) -> None:
    with pytest.raises(BadRequestError, match="give one scope"):
        export_bytes(tricky, around="x-vendor", construct="CONSTRUCT {} WHERE {}")
    out = io.BytesIO()
    with pytest.raises(BadRequestError, match="unknown export format 'xlsx'"):
        export_bytes(tricky, format="xlsx")
    assert out.getvalue() == b""


def test_rdf_dump_around_a_seed_entity_passes_the_shapes_on_its_own(
    seeded_template: KnowledgeGraph, tmp_path: Path
) -> None:
    path = tmp_path / "around.ttl"
    path.write_bytes(export_bytes(seeded_template, format="turtle", around="hikvision", depth=1))
    fresh = KnowledgeGraph.open(Settings(memory=True, seed=False))
    try:
        report = fresh.validate_files([ONTOLOGY, path])
        assert report.triples > 100 and report.ok, report.violations
    finally:
        fresh.close()
