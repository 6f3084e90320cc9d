"""GraphML, GEXF, Cytoscape JSON and CSV exports: valid, and read back with the same content."""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import igraph
import networkx as nx
import pytest

from supplychain_kg.export import (
    ExportGraph,
    ExportNode,
    flatten,
    split_multi,
    write_gexf,
    write_graphml,
)
from supplychain_kg.service import KnowledgeGraph

from .export_support import (
    assert_valid,
    export_bytes,
    flat_edges,
    flat_nodes,
    projection,
    tricky_graph,
)

TRICKY_LABEL = "Vendor & Sons <\"Ltd\"> 'quoted'\nsecond line"


@pytest.fixture(scope="module")
def tricky() -> Iterator[KnowledgeGraph]:
    kg = tricky_graph()
    yield kg
    kg.close()


def _path_answer(kg: KnowledgeGraph) -> dict[str, Any]:
    """A two-hop path answer (DESIGN.md JSON shape) over direct triples of the store."""
    rows = list(
        kg.query(
            """SELECT ?a ?p ?b ?q ?c WHERE { ?p a skg:ClaimedRelation . ?q a skg:ClaimedRelation .
               ?a ?p ?b . ?b ?q ?c . FILTER(?a != ?c && ?a != ?b && ?b != ?c) }
               ORDER BY ?a ?b ?c ?p ?q LIMIT 1""",
            with_prefixes=True,
        ).rows()
    )
    assert rows, "the graph has no two-hop chain"
    row = rows[0]
    a, b, c = (row[v].value for v in ("a", "b", "c"))
    nodes = [
        {"id": iri.rsplit("/", 1)[-1], "iri": iri, "label": "", "types": []} for iri in (a, b, c)
    ]
    edges = [
        {"source": nodes[0]["id"], "target": nodes[1]["id"], "relation": row["p"].value,
         "direction": "out", "claims": []},
        {"source": nodes[2]["id"], "target": nodes[1]["id"], "relation": row["q"].value,
         "direction": "in", "claims": []},
    ]  # fmt: skip
    return {"source": a, "target": c, "paths": [{"length": 2, "nodes": nodes, "edges": edges}]}


def _igraph_values(attrs: dict[str, Any]) -> dict[str, Any]:
    """igraph's read-back without its empty strings and NaNs, numbers as ints."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if key == "id" or value == "" or (isinstance(value, float) and math.isnan(value)):
            continue
        out[key] = int(value) if isinstance(value, float) else value
    return out


def _check_graphml(graph: ExportGraph, data: bytes, tmp_path: Path) -> None:
    assert_valid(data, "graphml.xsd")
    nodes, edges = flat_nodes(graph), flat_edges(graph)
    g = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    assert g.number_of_nodes() == len(nodes) and g.number_of_edges() == len(edges)
    assert dict(g.nodes(data=True)) == nodes
    back = {}
    for u, v, key, found in g.edges(keys=True, data=True):
        attrs = dict(found)
        back[attrs.pop("id", key)] = {"source": u, "target": v, **attrs}
    assert back == edges
    path = tmp_path / "graph.graphml"
    path.write_bytes(data)
    h = igraph.Graph.Read_GraphML(str(path))
    assert h.vcount() == len(nodes) and h.ecount() == len(edges)
    assert {v["id"]: _igraph_values(v.attributes()) for v in h.vs} == nodes
    for i, e in enumerate(h.es):
        expected = dict(edges[f"e{i}"])
        assert h.vs[e.source]["id"] == expected.pop("source")
        assert h.vs[e.target]["id"] == expected.pop("target")
        assert _igraph_values(e.attributes()) == expected


def test_graphml_of_the_seed_graph_is_valid_and_reads_back_in_networkx_and_igraph(
    seeded_template: KnowledgeGraph, tmp_path: Path
) -> None:
    graph = projection(seeded_template, format="graphml")
    assert len(graph.nodes) > 20 and len(graph.edges) > 20
    _check_graphml(graph, export_bytes(seeded_template, format="graphml"), tmp_path)


def test_graphml_of_a_path_result_is_valid_and_reads_back_in_networkx_and_igraph(
    seeded_template: KnowledgeGraph, tmp_path: Path
) -> None:
    answer = _path_answer(seeded_template)
    graph = projection(seeded_template, format="graphml", paths=answer)
    assert len(graph.nodes) == 3 and len(graph.edges) == 2
    _check_graphml(graph, export_bytes(seeded_template, format="graphml", paths=answer), tmp_path)


def test_graphml_attribute_with_markup_quotes_scripts_and_newlines_survives_the_round_trip(
    tricky: KnowledgeGraph, tmp_path: Path
) -> None:
    data = export_bytes(tricky, format="graphml")
    _check_graphml(projection(tricky, format="graphml"), data, tmp_path)
    g = nx.read_graphml(io.BytesIO(data))
    vendor = next(attrs for _, attrs in g.nodes(data=True) if attrs["entity_id"] == "x-vendor")
    assert vendor["label"] == TRICKY_LABEL
    assert sorted(split_multi(vendor["aliases"])) == ["back\\slash", "pipe | in a name", "海康威视"]
    integrator = next(a for _, a in g.nodes(data=True) if a["entity_id"] == "x-integrator")
    assert integrator["label"] == "မြန်မာ Integrator"
    titles = {t for _, _, a in g.edges(data=True) for t in split_multi(a.get("sources", ""))}
    assert titles == {'Cameras & <code>: a "report"', "监控 follow-up"}


def test_graphml_writer_replaces_characters_xml_forbids_and_keeps_carriage_returns() -> None:
    node = ExportNode("urn:x:a", "a", "bell\x07 and \r return", types=("T",))
    graph = ExportGraph(nodes={"urn:x:a": node})
    out = io.BytesIO()
    write_graphml(graph, out)
    assert_valid(out.getvalue(), "graphml.xsd")
    g = nx.read_graphml(io.BytesIO(out.getvalue()))
    assert g.nodes["n0"]["label"] == "bell\ufffd and \r return"


def test_flattened_values_split_back_into_the_original_list() -> None:
    values = ("a | b", "c\\|d", "", "end\\")
    assert split_multi(flatten(values)) == list(values)


def test_gexf_of_the_seed_graph_is_valid_and_reads_back_in_networkx(
    seeded_template: KnowledgeGraph,
) -> None:
    data = export_bytes(seeded_template, format="gexf")
    assert_valid(data, "gexf.xsd")
    graph = projection(seeded_template, format="gexf")
    g = nx.read_gexf(io.BytesIO(data), version="1.2draft")
    assert g.number_of_nodes() == len(graph.nodes)
    assert g.number_of_edges() == len(graph.edges)
    assert dict(g.nodes(data=True)) == flat_nodes(graph)
    back = {a["id"]: a for _, _, a in g.edges(data=True)}
    for edge_id, expected in flat_edges(graph).items():
        got = {k: v for k, v in back[edge_id].items() if k not in ("id", "spells")}
        assert got == {k: v for k, v in expected.items() if k not in ("source", "target")}


def test_gexf_keeps_newlines_and_markup_in_labels(tricky: KnowledgeGraph) -> None:
    out = io.BytesIO()
    write_gexf(projection(tricky, format="gexf"), out)
    assert_valid(out.getvalue(), "gexf.xsd")
    g = nx.read_gexf(io.BytesIO(out.getvalue()), version="1.2draft")
    labels = {attrs["label"] for _, attrs in g.nodes(data=True)}
    assert TRICKY_LABEL in labels and "မြန်မာ Integrator" in labels


def test_cytoscape_json_loads_into_networkx_cytoscape_graph(
    seeded_template: KnowledgeGraph,
) -> None:
    data = json.loads(export_bytes(seeded_template, format="cyjs"))
    g = nx.cytoscape_graph(data)
    graph = projection(seeded_template, format="cyjs")
    assert g.number_of_nodes() == len(graph.nodes)
    assert g.number_of_edges() == len(graph.edges)
    ids = graph.node_ids()
    for iri, node in graph.nodes.items():
        got = g.nodes[ids[iri]]
        assert got["label"] == node.label and got["name"] == node.label
        assert tuple(got["types"]) == node.types and tuple(got["aliases"]) == node.aliases
    for i, edge in graph.iter_edges():
        got = g.edges[ids[edge.source], ids[edge.target], f"e{i}"]
        assert got["stance"] == edge.stance and got["claims"] == edge.claims
        assert tuple(got["sources"]) == edge.sources


def test_csv_export_is_a_zip_of_nodes_and_edges_with_every_attribute(
    tricky: KnowledgeGraph,
) -> None:
    graph = projection(tricky, format="csv")
    with zipfile.ZipFile(io.BytesIO(export_bytes(tricky, format="csv"))) as archive:
        assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
        nodes = list(csv.DictReader(io.TextIOWrapper(archive.open("nodes.csv"), "utf-8")))
        edges = list(csv.DictReader(io.TextIOWrapper(archive.open("edges.csv"), "utf-8")))
    assert [n["id"] for n in nodes] == list(graph.node_ids().values())
    assert {n["label"] for n in nodes} >= {TRICKY_LABEL, "မြန်မာ Integrator"}
    expected = flat_edges(graph)
    assert len(edges) == len(expected)
    for row in edges:
        want = {k: str(v) for k, v in expected[row["id"]].items()}
        assert {k: v for k, v in row.items() if v != "" and k != "id"} == want


def test_graphml_of_a_path_query_has_exactly_the_answers_hops(
    seeded_template: KnowledgeGraph, tmp_path: Path
) -> None:
    answer = seeded_template.paths("hikvision", "naypyitaw-council", k=2)
    hops = set()
    for path in answer["paths"]:
        for edge in path["edges"] + [p for e in path["edges"] for p in e.get("parallel", [])]:
            ends = (edge["source"], edge["target"])
            s, o = ends if edge["direction"] == "out" else ends[::-1]
            hops.add((s, edge["relation"], o))
    assert len(hops) >= 2
    query = {"source": "hikvision", "target": "naypyitaw-council", "k": 2}
    graph = projection(seeded_template, format="graphml", path_query=query)
    ids = {iri: n.entity_id for iri, n in graph.nodes.items()}
    assert {(ids[e.source], e.relation, ids[e.target]) for e in graph.edges} == hops
    assert set(ids.values()) == {n["id"] for p in answer["paths"] for n in p["nodes"]}
    data = export_bytes(seeded_template, format="graphml", path_query=query)
    _check_graphml(graph, data, tmp_path)
