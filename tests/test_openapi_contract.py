"""The OpenAPI description against the real app: the SPARQL protocol routes are described,
every answer of the JSON routes validates against its documented model (every entity of the
seed shown, its neighbours, paths found and not found), and each documented error status is
provoked for real and compared with its documented body (schema, fields and error name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api import create_app
from api.openapi_docs import ERROR_EXAMPLES, ErrorBody, examples
from api.schemas import (
    EntityAnswer,
    Health,
    NeighborsAnswer,
    PathAnswer,
    SearchAnswer,
    Stats,
)
from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph

from .conftest import FIXTURES

TOKEN = "contract-token"


def _client(**options: Any) -> Iterator[TestClient]:
    settings = Settings(memory=True, write_token=TOKEN, **options)
    kg = KnowledgeGraph.open(settings)
    kg.load([FIXTURES / "paths-small.ttl"])  # for an ambiguous name (409)
    yield TestClient(create_app(settings, kg=kg), base_url="http://localhost")
    kg.close()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from _client(max_query_bytes=1000)


@pytest.fixture(scope="module")
def slow() -> Iterator[TestClient]:
    """Every request past its time limit."""
    yield from _client(query_timeout=1e-6)


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


def test_the_protocol_routes_are_described(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/sparql"])
    assert "post" in paths["/update"]
    assert {"get", "put", "post", "delete"} <= set(paths["/store"])
    body = paths["/update"]["post"]["requestBody"]["content"]
    assert {"application/sparql-update", "application/x-www-form-urlencoded"} <= set(body)
    assert "application/sparql-query" in paths["/sparql"]["post"]["requestBody"]["content"]


MODELS: dict[str, type[BaseModel]] = {
    "/health": Health,
    "/stats": Stats,
    "/entities": SearchAnswer,
    "/entities/{ref}": EntityAnswer,
    "/entities/{ref}/neighbors": NeighborsAnswer,
    "/paths": PathAnswer,
}


def test_each_json_route_documents_its_model_with_an_example(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for route, model in MODELS.items():
        answer = spec["paths"][route]["get"]["responses"]["200"]
        ref = answer["content"]["application/json"]["schema"]["$ref"]
        assert ref == f"#/components/schemas/{model.__name__}"
        assert schemas[model.__name__]["additionalProperties"] is False
        (example,) = schemas[model.__name__]["examples"]
        model.model_validate(example)  # the documented example is a valid answer


def _valid(model: type[BaseModel], answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    model.model_validate(body)
    return body


def test_every_answer_validates_against_its_model(client: TestClient) -> None:
    _valid(Health, client.get("/health"))
    _valid(Stats, client.get("/stats"))
    ids = {
        hit["id"]
        for text in ("a", "e", "i", "o", "u", "Myanmar", "Twin")
        for hit in _valid(SearchAnswer, client.get("/entities", params={"q": text, "limit": 500}))[
            "results"
        ]
    }
    assert len(ids) > 60
    seen_optional: set[str] = set()
    for entity in sorted(ids):
        shown = _valid(EntityAnswer, client.get(f"/entities/{entity}"))
        for relation in shown["relations"]:
            for claim in relation["claims"]:
                seen_optional |= set(claim) - {"id", "stance", "attributed_to", "quote", "source"}
        _valid(NeighborsAnswer, client.get(f"/entities/{entity}/neighbors", params={"depth": 2}))
    assert {"technology", "comment"} <= seen_optional  # the optional fields are exercised
    found = _valid(
        PathAnswer,
        client.get("/paths", params={"source": "fisca", "target": "hikvision", "k": 5}),
    )
    assert found["paths"] and found["target"]["denials"]
    disputed = _valid(
        PathAnswer,
        client.get(
            "/paths",
            params={
                "source": "hikvision",
                "target": "myanmar-government-authorities",
                "include_disputed": "true",
            },
        ),
    )
    assert disputed["paths"]
    none = _valid(
        PathAnswer,
        client.get(
            "/paths",
            params={"source": "hikvision", "target": "fcc-covered-list", "relation": "sourcesFrom"},
        ),
    )
    assert none["paths"] == [] and none["reason"]


def _provoke(client: TestClient, slow: TestClient) -> dict[tuple[str, int], Any]:
    """A real answer of each documented error status of the JSON routes."""
    evil = {"host": "evil.example"}
    huge = "x" * 5000
    return {
        ("/entities", 400): client.get("/entities", params={"q": "x"}, headers=evil),
        ("/entities", 413): client.get("/entities", params={"q": huge}),
        ("/entities", 422): client.get("/entities", params={"q": "x", "limit": 0}),
        ("/entities", 503): slow.get("/entities", params={"q": "hikvision"}),
        ("/entities/{ref}", 404): client.get("/entities/hikvison"),
        ("/entities/{ref}", 409): client.get("/entities/Twin Trading"),
        ("/entities/{ref}", 422): client.get("/entities/hikvision", params={"limit": 0}),
        ("/entities/{ref}", 503): slow.get("/entities/hikvison"),
        ("/entities/{ref}/neighbors", 404): client.get("/entities/hikvison/neighbors"),
        ("/entities/{ref}/neighbors", 409): client.get("/entities/Twin Trading/neighbors"),
        ("/entities/{ref}/neighbors", 422): client.get(
            "/entities/hikvision/neighbors", params={"depth": 0}
        ),
        ("/entities/{ref}/neighbors", 503): slow.get("/entities/fisca/neighbors"),
        ("/paths", 404): client.get("/paths", params={"source": "hikvison", "target": "fisca"}),
        ("/paths", 409): client.get(
            "/paths", params={"source": "Twin Trading", "target": "pa-vendor"}
        ),
        ("/paths", 422): client.get("/paths", params={"source": "fisca"}),
        ("/paths", 503): slow.get("/paths", params={"source": "fisca", "target": "hikvision"}),
        ("/stats", 400): client.get("/stats", headers=evil),
        ("/health", 413): client.get("/health", params={"q": huge}),
        ("/export", 403): client.get(
            "/export",
            params={
                "construct": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://example.org/q> { ?s ?p ?o } }"
            },
        ),
        ("/export", 404): client.get("/export", params={"around": "hikvison"}),
        ("/export", 409): client.get("/export", params={"around": "Twin Trading"}),
        ("/export", 422): client.get("/export", params={"depth": "deep"}),
        ("/export", 400): client.get("/export", params={"format": "nope"}),
    }


def test_documented_error_bodies_are_the_real_ones(
    client: TestClient, slow: TestClient, spec: dict[str, Any]
) -> None:
    checked = set()
    for (route, status), answer in _provoke(client, slow).items():
        documented = spec["paths"][route]["get"]["responses"]
        assert str(status) in documented, f"{route} answers {status} undocumented"
        assert answer.status_code == status, (route, status, answer.text)
        assert answer.headers["content-type"] == "application/json", (route, status)
        body = answer.json()
        ErrorBody.model_validate(body)
        named = documented[str(status)]["content"]["application/json"]["examples"]
        assert [e["value"] for e in named.values()] == examples(status)
        assert body["error"] in named, (route, status, body)
        example = named[body["error"]]["value"]
        assert set(body) == set(example), (route, status, body)
        for key in ("suggestions", "candidates"):
            if body.get(key):
                assert set(body[key][0]) == set(example[key][0]), (route, key)
        checked.add(status)
    assert checked == set(ERROR_EXAMPLES) - {406}  # (406: the protocol routes only)


def test_documented_plain_errors_of_the_protocol_routes_are_the_real_ones(
    client: TestClient, spec: dict[str, Any]
) -> None:
    auth = {"authorization": f"Bearer {TOKEN}"}
    update = {"content-type": "application/sparql-update"}
    answers = {
        ("/sparql", "get", 400): client.get("/sparql", params={"query": "SELECT ?x WHERE {"}),
        ("/sparql", "get", 406): client.get(
            "/sparql", params={"query": "ASK {}"}, headers={"accept": "image/png"}
        ),
        ("/sparql", "get", 413): client.get("/sparql", params={"query": "ASK {}" + " " * 5000}),
        ("/update", "post", 403): client.post("/update", content="INSERT DATA {}", headers=update),
        ("/update", "post", 400): client.post(
            "/update", content="INSERT DATA {", headers={**update, **auth}
        ),
        ("/store", "get", 404): client.get("/store", params={"graph": "https://example.org/no"}),
        ("/store", "put", 403): client.put(
            "/store", params={"default": ""}, content="", headers={"content-type": "text/turtle"}
        ),
    }
    for (route, method, status), answer in answers.items():
        documented = spec["paths"][route][method]["responses"]
        assert str(status) in documented, f"{method.upper()} {route} answers {status} undocumented"
        assert answer.status_code == status, (route, status, answer.text)
        assert answer.headers["content-type"].startswith("text/plain"), (route, status)
        named = documented[str(status)]["content"]["text/plain"]["examples"]
        assert [e["value"] for e in named.values()] == examples(status, plain=True)
        name = re.match(r"(\w+Error): ", answer.text)
        assert name is not None, answer.text
        assert name.group(1) in named, (route, status, answer.text)
