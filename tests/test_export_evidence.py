"""Exports carry the evidence: quotes, attributions, publishers, dates, amounts and technology
on every edge, denials, roles and restriction lists on every node, GEXF spells from the
claims' validity, one edge per claim on request; valid and read alike by networkx, igraph and
JGraphT."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import igraph
import networkx as nx
import pytest

from supplychain_kg.export import EDGE_ATTRIBUTES, split_multi
from supplychain_kg.export.evidence import PER_CLAIM_LISTS
from supplychain_kg.service import KnowledgeGraph

from .export_support import JAR, assert_valid, export_bytes, flat_edges, projection

DENIAL_QUOTES = {
    "sellsDirectlyTo": (
        "Hikvision said in a statement it has never sold directly to Myanmar government "
        "authorities, and that its customers in overseas markets are distributors and "
        "integrators."
    ),
    "suppliesTo": "It also said it had not sold facial recognition technology to the country.",
}
JAVA_READER = Path(__file__).resolve().parent / "fixtures" / "jgrapht" / "ReadBack.java"


def _hikvision_denials(edges: list[dict[str, Any]], hikvision: str) -> dict[str, dict[str, Any]]:
    return {
        e["relation"]: e
        for e in edges
        if e["source"] == hikvision and e["stance"] == "denied" and e["relation"] in DENIAL_QUOTES
    }


def _check_denials(denials: dict[str, dict[str, Any]], split: Any) -> None:
    assert set(denials) == set(DENIAL_QUOTES)
    for relation, edge in denials.items():
        assert split(edge["quotes"]) == [DENIAL_QUOTES[relation]]
        assert split(edge["attributions"]) == ["Hikvision (statement to Reuters)"]
        assert split(edge["publishers"]) == ["Reuters"]
        assert split(edge["claim_stances"]) == ["denied"]
        assert split(edge["quote_kinds"]) == ["verbatim"]
    assert split(denials["suppliesTo"]["technologies"]) == ["facial-recognition"]
    assert "technologies" not in denials["sellsDirectlyTo"] or not split(
        denials["sellsDirectlyTo"]["technologies"]
    )


def _nx_edges(g: Any) -> list[dict[str, Any]]:
    return [{"source": u, "target": v, **d} for u, v, d in g.edges(data=True)]


def _node_by_entity(g: Any, entity: str) -> str:
    return next(n for n, d in g.nodes(data=True) if d["entity_id"] == entity)


def test_gexf_of_the_seed_is_a_dynamic_graph_with_spells_and_the_denials_quotes(
    seeded_template: KnowledgeGraph,
) -> None:
    data = export_bytes(seeded_template, format="gexf")
    assert_valid(data, "gexf.xsd")
    g = nx.read_gexf(io.BytesIO(data), version="1.2draft")
    assert g.graph["mode"] == "dynamic"
    hikvision = _node_by_entity(g, "hikvision")
    _check_denials(_hikvision_denials(_nx_edges(g), hikvision), split_multi)
    governs = [e for e in _nx_edges(g) if e["relation"] == "governs"]
    junta = _node_by_entity(g, "state-administration-council")
    ruled = next(e for e in governs if e["source"] == junta)
    assert ruled["spells"] == [("2021-02-02", "2025-07-31")]
    assert (ruled["valid_from"], ruled["valid_to"]) == ("2021-02-02", "2025-07-31")
    listed = next(
        e
        for e in _nx_edges(g)
        if e["source"] == hikvision and e["relation"] == "listedOn" and "valid_from" in e
    )
    assert listed["spells"][0][0] == listed["valid_from"]
    undated = next(e for e in _nx_edges(g) if e["relation"] == "sourcesFrom")
    assert "spells" not in undated
    assert g.nodes[hikvision]["denials"] == 2
    assert g.nodes[hikvision]["role"] == "vendor"
    assert "FCC Covered List" in split_multi(g.nodes[hikvision]["restriction_lists"])


def test_graphml_of_the_seed_carries_the_same_evidence_in_networkx_and_igraph(
    seeded_template: KnowledgeGraph, tmp_path: Path
) -> None:
    data = export_bytes(seeded_template, format="graphml")
    assert_valid(data, "graphml.xsd")
    g = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    hikvision = _node_by_entity(g, "hikvision")
    _check_denials(_hikvision_denials(_nx_edges(g), hikvision), split_multi)
    assert g.nodes[hikvision]["denials"] == 2
    path = tmp_path / "seed.graphml"
    path.write_bytes(data)
    h = igraph.Graph.Read_GraphML(str(path))
    index = next(v.index for v in h.vs if v["entity_id"] == "hikvision")
    edges = [
        {"source": e.source, "target": e.target, **e.attributes()}
        for e in h.es
        if e.source == index
    ]
    _check_denials(_hikvision_denials(edges, index), split_multi)  # type: ignore[arg-type]
    assert int(h.vs[index]["denials"]) == 2 and h.vs[index]["role"] == "vendor"


def test_cytoscape_json_and_csv_carry_the_denials_quotes(
    seeded_template: KnowledgeGraph,
) -> None:
    cy = json.loads(export_bytes(seeded_template, format="cyjs"))
    nodes = {n["data"]["id"]: n["data"] for n in cy["elements"]["nodes"]}
    hikvision = next(i for i, d in nodes.items() if d["entity_id"] == "hikvision")
    edges = [e["data"] for e in cy["elements"]["edges"]]
    _check_denials(_hikvision_denials(edges, hikvision), list)
    assert nodes[hikvision]["denials"] == 2 and nodes[hikvision]["role"] == "vendor"
    with zipfile.ZipFile(io.BytesIO(export_bytes(seeded_template, format="csv"))) as archive:
        rows = list(csv.DictReader(io.TextIOWrapper(archive.open("edges.csv"), "utf-8")))
        node_rows = list(csv.DictReader(io.TextIOWrapper(archive.open("nodes.csv"), "utf-8")))
    hik = next(r for r in node_rows if r["entity_id"] == "hikvision")
    assert hik["denials"] == "2" and hik["role"] == "vendor"
    _check_denials(_hikvision_denials(rows, hik["id"]), split_multi)


def test_per_claim_lists_line_up_with_the_claim_ids(seeded_template: KnowledgeGraph) -> None:
    graph = projection(seeded_template, format="graphml")
    names = {name for name, _ in EDGE_ATTRIBUTES}
    assert set(PER_CLAIM_LISTS) <= names
    checked = 0
    for edge in graph.edges:
        for name in PER_CLAIM_LISTS:
            values = getattr(edge, name)
            if values:
                assert len(values) == len(edge.claim_ids), (edge.claim_ids, name)
                checked += 1
    assert checked > 100
    disputed = next(e for e in graph.edges if e.stance == "disputed")
    assert sorted(disputed.claim_stances) == sorted(
        ["denied"] * disputed.denied_claims + ["asserted"] * disputed.asserted_claims
    )


def test_per_claim_values_come_from_the_claim_and_no_url_is_invented(
    seeded_template: KnowledgeGraph,
) -> None:
    graph = projection(seeded_template, format="graphml", per_claim=True)
    by_claim = {e.claim_ids[0]: e for e in graph.edges if len(e.claim_ids) == 1}
    supply = by_claim["mnow-huawei-supplies-naypyitaw-project"]
    assert supply.quote_kinds == ("verbatim",) and supply.publishers == ("Myanmar Now",)
    assert all(len(e.claim_ids) == 1 for e in graph.edges if e.claim_stances)
    assert all(not e.claim_source_urls and not e.source_urls for e in graph.edges)


PAYMENT = """@prefix skg: <https://w3id.org/supplychain-kg/ontology#> .
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .
ex:buyer a skg:MunicipalGovernment ; rdfs:label "Buyer council" ; skg:slug "buyer" .
ex:seller a skg:Contractor ; rdfs:label "Seller Ltd" ; skg:slug "seller" .
ex:pub a skg:MediaOrganization ; rdfs:label "Gazette" ; skg:slug "gazette" .
ex:doc a skg:SourceDocument ; skg:slug "doc" ; dcterms:title "Contract notice" ;
    dcterms:publisher ex:pub ; dcterms:date "2023-05-01"^^xsd:date ;
    schema:url <https://example.org/notice/1> .
ex:claim a skg:Claim ; skg:slug "buyer-paid-seller" ; skg:subject ex:buyer ;
    skg:relation skg:paid ; skg:object ex:seller ; skg:stance skg:Asserted ; skg:source ex:doc ;
    skg:quote "The council paid Seller Ltd 1,200,000 kyat." ; skg:quoteKind "verbatim" ;
    skg:attribution "the council's accounts" ; skg:amount 1200000.0 ; skg:currency "MMK" ;
    skg:validFrom "2023-01-01"^^xsd:date ; skg:validTo "2023-12-31"^^xsd:date .
ex:buyer skg:paid ex:seller .
"""


def test_amounts_currencies_urls_and_validity_travel_with_the_claim(tmp_path: Path) -> None:
    from supplychain_kg.config import Settings
    from supplychain_kg.service import seed_files

    kg = KnowledgeGraph.open(Settings(memory=True, seed=False))
    try:
        data = tmp_path / "payment.ttl"
        data.write_text(PAYMENT)
        kg.load([seed_files()[0], data])
        for around in (None, "buyer"):
            params = {"format": "gexf"} if around is None else {"format": "gexf", "around": around}
            gexf = export_bytes(kg, **params)
            assert_valid(gexf, "gexf.xsd")
            g = nx.read_gexf(io.BytesIO(gexf), version="1.2draft")
            (edge,) = [d for _, _, d in g.edges(data=True)]
            assert (edge["amounts"], edge["currencies"]) == ("1200000.0", "MMK")
            assert edge["claim_source_urls"] == "https://example.org/notice/1"
            assert edge["publishers"] == "Gazette" and edge["claim_dates"] == "2023-05-01"
            assert edge["spells"] == [("2023-01-01", "2023-12-31")]
            assert edge["attributions"] == "the council's accounts"
    finally:
        kg.close()


def test_per_claim_export_makes_each_claim_its_own_edge(
    seeded_template: KnowledgeGraph, tmp_path: Path
) -> None:
    whole = projection(seeded_template, format="graphml")
    split = projection(seeded_template, format="graphml", per_claim=True)
    assert len(split.edges) == sum(max(1, len(e.claim_ids)) for e in whole.edges)
    huawei = [
        e
        for e in split.edges
        if e.relation == "suppliesTo" and e.target.endswith("naypyitaw-safe-city-project")
    ]
    joined = next(
        e
        for e in whole.edges
        if e.relation == "suppliesTo" and e.target.endswith("naypyitaw-safe-city-project")
    )
    assert joined.stance == "disputed" and len(huawei) == len(joined.claim_ids) == 3
    assert sorted(e.stance for e in huawei) == sorted(joined.claim_stances)
    assert [e.claim_ids[0] for e in huawei] == list(joined.claim_ids)
    assert [e.quotes[0] for e in huawei] == list(joined.quotes)
    for edge in huawei:
        assert len(edge.quotes) == 1 and edge.claims == 1
    data = export_bytes(seeded_template, format="graphml", per_claim=True)
    assert_valid(data, "graphml.xsd")
    g = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    assert g.number_of_edges() == len(split.edges)
    gexf = export_bytes(seeded_template, format="gexf", per_claim=True)
    assert_valid(gexf, "gexf.xsd")


def _java() -> list[str]:
    java = shutil.which("java")
    if java is None or shutil.which("javac") is None:
        pytest.fail("java/javac are missing: install openjdk-17-jdk-headless")
    jars = [JAR, JAR.with_name("jgrapht-core.jar"), JAR.with_name("commons-text.jar")]
    jars += [JAR.with_name("jheaps.jar"), JAR.with_name("antlr4-runtime.jar")]
    return [java, "-cp", ":".join(str(j) for j in jars), str(JAVA_READER)]


def _jgrapht(kind: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [*_java(), kind, str(path)], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _as_text(attrs: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in attrs.items() if k not in ("id", "spells")}


@pytest.mark.parametrize("kind", ["graphml", "gexf"])
def test_jgrapht_reads_the_same_nodes_edges_and_evidence_as_networkx(
    seeded_template: KnowledgeGraph, tmp_path: Path, kind: str
) -> None:
    data = export_bytes(seeded_template, format=kind)
    path = tmp_path / f"seed.{kind}"
    path.write_bytes(data)
    read = _jgrapht(kind, path)
    graph = projection(seeded_template, format=kind)
    expected = {
        eid: _as_text({k: v for k, v in e.items() if k not in ("source", "target")})
        for eid, e in flat_edges(graph).items()
    }
    got = {e["id"]: e for e in read["edges"]}
    assert len(got) == len(expected)
    for eid, attrs in expected.items():
        edge = got[eid]
        found = {k: v for k, v in edge["attrs"].items() if k in attrs}
        assert found == attrs, eid
    hik = next(n for n in read["nodes"] if n["attrs"].get("entity_id") == "hikvision")
    assert hik["attrs"]["denials"] == "2"
    denial = next(
        e
        for e in read["edges"]
        if e["source"] == hik["id"] and e["attrs"].get("relation") == "suppliesTo"
        and e["attrs"].get("stance") == "denied"
    )  # fmt: skip
    assert denial["attrs"]["quotes"] == DENIAL_QUOTES["suppliesTo"]
