"""The 34 W3C SPARQL 1.1 Protocol tests, run over HTTP against a live server.

The manifest's paths start with /sparql/; requests that carry an update go to /update (the
manifest allows separate query and update endpoints), with the write token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from rdflib import Graph

from supplychain_kg.config import Settings
from supplychain_kg.sparql import RDF_MEDIA_TYPES
from tests.conftest import SHARED
from tests.live import serve
from tests.w3c import HttpRequest, HttpTest, load_manifest

MANIFEST = SHARED / "w3c-sparql11" / "protocol" / "manifest.ttl"
TOKEN = "protocol-test-token"
TESTS = load_manifest(MANIFEST) if MANIFEST.is_file() else []
RESULTS = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR = RESULTS | {"text/csv", "text/tab-separated-values"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    settings = Settings(memory=True, seed=False, write_token=TOKEN)
    with serve(settings) as url:
        yield url


def _is_update(test: HttpTest, index: int) -> bool:
    return index == 0 and (test.name.startswith(("update_", "bad_update_")))


def _send(client: httpx.Client, base: str, request: HttpRequest, update: bool) -> httpx.Response:
    path = request.path.replace("/sparql/", "/update" if update else "/sparql", 1)
    headers = dict(request.headers)
    if update:
        headers["authorization"] = f"Bearer {TOKEN}"
    body = request.body.encode("utf-8") if request.body is not None else None
    if "utf-16" in headers.get("content-type", "").lower() and request.body is not None:
        body = request.body.encode("utf-16")
    return client.request(request.method, base + path, headers=headers, content=body)


def _load(client: httpx.Client, base: str, data: list[tuple[Path, str]]) -> None:
    for path, graph in data:
        response = client.put(
            f"{base}/store",
            params={"graph": graph},
            content=path.read_bytes(),
            headers={"content-type": "application/n-triples", "authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code in (201, 204), response.text


def _boolean(response: httpx.Response) -> bool:
    media_type = response.headers["content-type"].split(";")[0]
    if media_type == "application/sparql-results+json":
        value = json.loads(response.content)["boolean"]
        assert isinstance(value, bool)
        return value
    assert media_type == "application/sparql-results+xml", media_type
    node = ElementTree.fromstring(response.content).find(
        "{http://www.w3.org/2005/sparql-results#}boolean"
    )
    assert node is not None and node.text is not None
    return node.text.strip() == "true"


def _check(request: HttpRequest, response: httpx.Response) -> None:
    expect = request.expect
    assert expect.status_ok(response.status_code), (
        f"status {response.status_code}, expected {expect.statuses}: {response.text[:300]}"
    )
    media_type = response.headers.get("content-type", "").split(";")[0]
    if expect.format == "boolean":
        assert media_type in RESULTS
    elif expect.format == "tabular":
        assert media_type in TABULAR
    elif expect.format == "RDF":
        assert media_type in RDF_MEDIA_TYPES
        Graph().parse(data=response.content, format=media_type)
    if expect.boolean is not None:
        assert _boolean(response) is expect.boolean


def test_the_manifest_has_the_34_protocol_tests() -> None:
    assert MANIFEST.is_file(), f"missing {MANIFEST} (set SKG_SHARED_DIR to the shared folder)"
    assert len(TESTS) == 34


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_w3c_protocol(test: HttpTest, endpoint: str) -> None:
    with httpx.Client(timeout=30) as client:
        _load(client, endpoint, test.graph_data)
        for index, request in enumerate(test.requests):
            response = _send(client, endpoint, request, _is_update(test, index))
            _check(request, response)
