"""`skg export` and `GET /export`: files, downloads, errors, and no half-written output."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from api import create_app
from supplychain_kg import export
from supplychain_kg.cli import main
from supplychain_kg.config import Settings
from supplychain_kg.errors import BadRequestError
from supplychain_kg.export import ExportGraph, atomic_output
from supplychain_kg.export.run import ExportRequest
from supplychain_kg.service import KnowledgeGraph

from .export_support import assert_valid, tricky_graph


@pytest.fixture
def tricky() -> Iterator[KnowledgeGraph]:
    kg = tricky_graph()
    yield kg
    kg.close()


def _broken_writer(graph: ExportGraph, out: IO[bytes]) -> None:
    out.write(b"<?xml version='1.0'?><graphml><graph>" + b"<node/>" * 1000)
    raise RuntimeError("disk full")


def test_failed_export_leaves_the_existing_file_untouched_and_no_temporary_file(
    tricky: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "graph.graphml"
    target.write_text("previous export")
    monkeypatch.setitem(export.WRITERS, "graphml", _broken_writer)
    with pytest.raises(RuntimeError, match="disk full"):
        tricky.export_to_file(ExportRequest(format="graphml"), target)
    assert target.read_text() == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.graphml"]


def test_failed_export_to_a_new_name_creates_no_file(
    tricky: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(export.WRITERS, "graphml", _broken_writer)
    with pytest.raises(RuntimeError):
        tricky.export_to_file(ExportRequest(format="graphml"), tmp_path / "new.graphml")
    assert list(tmp_path.iterdir()) == []


def test_successful_export_replaces_the_file_with_normal_permissions(
    tricky: KnowledgeGraph, tmp_path: Path
) -> None:
    target = tmp_path / "graph.graphml"
    target.write_text("old")
    assert tricky.export_to_file(ExportRequest(format="graphml"), target) == (6, 4)
    assert_valid(target.read_bytes(), "graphml.xsd")
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.graphml"]


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_atomic_output_names_a_missing_directory(tmp_path: Path) -> None:
    with (
        pytest.raises(BadRequestError, match=r"the directory .*nowhere does not exist"),
        atomic_output(tmp_path / "nowhere" / "x.gexf"),
    ):
        pass


def test_cli_export_writes_a_file_and_reports_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "around.gexf"
    code = main(
        ["--memory", "export", "--format", "gexf", "--around", "hikvision", "-o", str(target)]
    )
    assert code == 0
    assert_valid(target.read_bytes(), "gexf.xsd")
    assert capsys.readouterr().out.startswith("wrote ")
    g = nx.read_gexf(target, version="1.2draft")
    assert "hikvision" in {attrs["entity_id"] for _, attrs in g.nodes(data=True)}


def test_cli_export_without_output_writes_to_stdout(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    assert main(["--memory", "-q", "export", "--format", "cyjs"]) == 0
    data = json.loads(capsysbinary.readouterr().out)
    assert nx.cytoscape_graph(data).number_of_nodes() > 20


def test_cli_export_of_a_saved_path_answer(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    base = "https://w3id.org/supplychain-kg/id/"
    answer = {
        "source": "fisca",
        "target": "hikvision",
        "paths": [
            {
                "length": 1,
                "nodes": [{"id": "fisca", "iri": base + "fisca"},
                          {"id": "hikvision", "iri": base + "hikvision"}],
                "edges": [{"source": "fisca", "target": "hikvision",
                           "relation": "sourcesFrom", "direction": "out", "claims": []}],
            }
        ],
    }  # fmt: skip
    saved = tmp_path / "path.json"
    saved.write_text(json.dumps(answer))
    assert main(["--memory", "-q", "export", "--paths", str(saved)]) == 0
    g = nx.read_graphml(io.BytesIO(capsysbinary.readouterr().out))
    assert sorted(a["entity_id"] for _, a in g.nodes(data=True)) == ["fisca", "hikvision"]
    assert [a["relation"] for _, _, a in g.edges(data=True)] == ["sourcesFrom"]


def test_cli_export_error_names_the_bad_relation(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--memory", "export", "--around", "hikvision", "--relation", "buysFrom"]
    assert main(args) == 1
    assert "unknown relation 'buysFrom'" in capsys.readouterr().err


@pytest.fixture
def client(tricky: KnowledgeGraph) -> Iterator[TestClient]:
    with TestClient(
        create_app(Settings(memory=True), kg=tricky), base_url="http://localhost"
    ) as test_client:
        yield test_client


def test_http_export_downloads_with_a_file_name_and_media_type(client: TestClient) -> None:
    response = client.get("/export", params={"format": "graphml", "around": "x-vendor", "depth": 2})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/graphml+xml"
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="supplychain-kg-around-x-vendor-depth-2.graphml"'
    assert_valid(response.content, "graphml.xsd")
    response = client.get("/export", params={"format": "csv"})
    assert response.headers["content-type"] == "application/zip"
    assert response.content[:2] == b"PK"


def test_http_export_filters_by_relation_and_direction(client: TestClient) -> None:
    params = {"format": "cyjs", "around": "x-integrator", "relation": ["suppliesTo"],
              "direction": "out"}  # fmt: skip
    data = client.get("/export", params=params).json()
    assert sorted(n["data"]["entity_id"] for n in data["elements"]["nodes"]) == [
        "x-city",
        "x-integrator",
    ]


def test_http_export_errors_name_the_problem(client: TestClient) -> None:
    response = client.get("/export", params={"format": "xlsx"})
    assert response.status_code == 400 and "xlsx" in response.json()["detail"]
    response = client.get("/export", params={"around": "nobody-at-all"})
    assert response.status_code == 404
    query = "SELECT * WHERE { ?s ?p ?o }"
    response = client.get("/export", params={"construct": query})
    assert response.status_code == 400 and "SELECT" in response.json()["detail"]


def test_http_export_past_its_time_limit_answers_503_and_leaves_no_temporary_files(
    tricky: KnowledgeGraph,
) -> None:
    before = set(Path(tempfile.gettempdir()).glob("skg-export-*"))
    settings = Settings(memory=True, query_timeout=1e-9)
    with TestClient(create_app(settings, kg=tricky), base_url="http://localhost") as client:
        response = client.get("/export", params={"format": "gexf"})
    assert response.status_code == 503
    assert "longer than" in response.json()["detail"]
    assert set(Path(tempfile.gettempdir()).glob("skg-export-*")) == before


def test_http_export_of_a_posted_path_answer_has_exactly_its_nodes_and_edges(
    client: TestClient,
) -> None:
    base = "https://w3id.org/supplychain-kg/id/"
    answer = {
        "source": "x-integrator",
        "target": "x-vendor",
        "paths": [
            {
                "length": 1,
                "nodes": [{"id": "x-integrator", "iri": base + "x-integrator"},
                          {"id": "x-vendor", "iri": base + "x-vendor"}],
                "edges": [{"source": "x-integrator", "target": "x-vendor",
                           "relation": "sourcesFrom", "direction": "out", "claims": []}],
            }
        ],
    }  # fmt: skip
    response = client.post("/export", params={"format": "graphml"}, json=answer)
    assert response.status_code == 200
    assert (
        'filename="supplychain-kg-paths-x-integrator-x-vendor.graphml"'
        in (response.headers["content-disposition"])
    )
    g = nx.read_graphml(io.BytesIO(response.content))
    assert sorted(a["entity_id"] for _, a in g.nodes(data=True)) == ["x-integrator", "x-vendor"]
    [(_, _, edge)] = g.edges(data=True)
    assert (edge["relation"], edge["stance"], edge["claims"]) == ("sourcesFrom", "disputed", 3)
    response = client.post("/export", json={"paths": "nope"})
    assert response.status_code == 400 and "'paths' list" in response.json()["detail"]
    response = client.post("/export", json={"paths": [{"nodes": [{"id": "x"}]}]})
    assert response.status_code == 400 and "'iri'" in response.json()["detail"]
    injected = {"paths": [{"nodes": [{"iri": "urn:x> } ?s ?p ?o {"}], "edges": []}]}
    response = client.post("/export", json=injected)
    assert response.status_code == 400 and "is not an IRI" in response.json()["detail"]


def test_http_export_of_a_path_query_names_both_ends(kg: KnowledgeGraph) -> None:
    with TestClient(
        create_app(Settings(memory=True), kg=kg), base_url="http://localhost"
    ) as client:
        params = {"format": "gexf", "source": "hikvision", "target": "naypyitaw-council"}
        response = client.get("/export", params=params)
        assert response.status_code == 200
        assert (
            'filename="supplychain-kg-paths-hikvision-naypyitaw-council.gexf"'
            in (response.headers["content-disposition"])
        )
        assert_valid(response.content, "gexf.xsd")
        response = client.get("/export", params={"source": "hikvision"})
        assert response.status_code == 400 and "source and target" in response.json()["detail"]
