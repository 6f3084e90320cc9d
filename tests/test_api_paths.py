"""GET /paths and /entities over HTTP: shapes, status codes and error bodies."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from api import create_app
from supplychain_kg.service import KnowledgeGraph


def _client(kg: KnowledgeGraph, **settings: object) -> TestClient:
    return TestClient(
        create_app(replace(kg.settings, **settings), kg=kg), base_url="http://localhost"
    )


def test_paths_answer_follows_the_design_shape(seeded_template: KnowledgeGraph) -> None:
    response = _client(seeded_template).get(
        "/paths", params={"source": "Hikvision", "target": "naypyitaw-council", "k": 2}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"source", "target", "paths", "truncated"}
    path = body["paths"][0]
    assert path["length"] == 3
    assert set(path["nodes"][0]) >= {"id", "iri", "label", "types"}
    edge = path["edges"][0]
    assert set(edge) >= {"source", "target", "relation", "direction", "stance", "claims"}
    claim = edge["claims"][0]
    assert set(claim) >= {"id", "stance", "attributed_to", "quote", "source"}
    assert set(claim["source"]) >= {"id", "title", "publisher", "date", "url"}
    assert path["nodes"][0]["denials"]


def test_paths_take_repeated_relation_parameters(small_kg: KnowledgeGraph) -> None:
    response = _client(small_kg).get(
        "/paths",
        params=[
            ("source", "pa-vendor"),
            ("target", "pa-city-gov"),
            ("relation", "sourcesFrom"),
            ("relation", "wonTender"),
            ("relation", "issuedBy"),
            ("direction", "any"),
        ],
    )
    assert response.status_code == 200
    assert [n["id"] for n in response.json()["paths"][0]["nodes"]] == [
        "pa-vendor",
        "pa-integrator",
        "pa-tender",
        "pa-city-gov",
    ]


def test_no_path_is_200_with_a_reason(small_kg: KnowledgeGraph) -> None:
    response = _client(small_kg).get("/paths", params={"source": "pa-vendor", "target": "pa-loner"})
    assert response.status_code == 200
    assert response.json()["paths"] == []
    assert "no relations" in response.json()["reason"]


def test_unknown_entity_is_404_with_suggestions(seeded_template: KnowledgeGraph) -> None:
    response = _client(seeded_template).get(
        "/paths", params={"source": "Hikvision Zebra Unicorn Ltd", "target": "fisca"}
    )
    assert response.status_code == 404
    body = response.json()
    assert "Hikvision Zebra Unicorn Ltd" in body["detail"]
    assert "hikvision" in [s["id"] for s in body["suggestions"]]


def test_ambiguous_name_is_409_with_candidates(small_kg: KnowledgeGraph) -> None:
    response = _client(small_kg).get(
        "/paths", params={"source": "Twin Trading", "target": "pa-vendor"}
    )
    assert response.status_code == 409
    assert {c["id"] for c in response.json()["candidates"]} == {"pa-twin-a", "pa-twin-b"}


def test_out_of_range_parameter_is_422_naming_it(small_kg: KnowledgeGraph) -> None:
    client = _client(small_kg)
    for name, value in [("max_hops", "11"), ("k", "51"), ("direction", "up")]:
        response = client.get(
            "/paths", params={"source": "pa-vendor", "target": "pa-city-gov", name: value}
        )
        assert response.status_code == 422, name
        assert response.json()["parameter"] == name
        assert name in response.json()["detail"]


def test_unknown_relation_is_422_naming_the_parameter(small_kg: KnowledgeGraph) -> None:
    response = _client(small_kg).get(
        "/paths",
        params={"source": "pa-vendor", "target": "pa-city-gov", "exclude_relation": "nope"},
    )
    assert response.status_code == 422
    assert response.json()["parameter"] == "exclude_relation"


def test_a_request_past_its_time_limit_is_503(small_kg: KnowledgeGraph) -> None:
    response = _client(small_kg, query_timeout=1e-9).get(
        "/paths", params={"source": "pa-vendor", "target": "pa-city-gov"}
    )
    assert response.status_code == 503
    assert "time limit" in response.json()["detail"]


def test_entities_search_is_ranked_and_tolerant(seeded_template: KnowledgeGraph) -> None:
    client = _client(seeded_template)
    for text, expected in [
        ("naungyoe", "naung-yoe"),
        ("hik vision", "hikvision"),
        ("Dahua Technology", "dahua"),
    ]:
        response = client.get("/entities", params={"q": text})
        assert response.status_code == 200
        assert response.json()["results"][0]["id"] == expected, text
    typed = client.get("/entities", params={"q": "naypyitaw", "type": "MunicipalGovernment"})
    assert [r["id"] for r in typed.json()["results"]] == ["naypyitaw-council"]


def test_entity_by_id_iri_or_name_lists_relations(seeded_template: KnowledgeGraph) -> None:
    client = _client(seeded_template)
    by_id = client.get("/entities/hikvision").json()
    by_iri = client.get("/entities/https://w3id.org/supplychain-kg/id/hikvision").json()
    by_name = client.get("/entities/Hikvision").json()
    assert by_id == by_iri == by_name
    relations = {(r["direction"], r["relation"], r["other"]["id"]) for r in by_id["relations"]}
    assert ("in", "sourcesFrom", "fisca") in relations
    assert ("out", "sellsDirectlyTo", "myanmar-government-authorities") in relations


def test_neighbors_over_http_are_capped(seeded_template: KnowledgeGraph) -> None:
    client = _client(seeded_template)
    response = client.get("/entities/myanmar/neighbors", params={"limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert len(body["nodes"]) == 4
    assert body["more"][0]["shown"] == 3
    assert body["more"][0]["total"] > 3
    too_deep = client.get("/entities/myanmar/neighbors", params={"depth": 9})
    assert too_deep.status_code == 422
    assert too_deep.json()["parameter"] == "depth"
