"""The W3C SPARQL 1.1 Graph Store HTTP Protocol tests against ``/store`` on a live server.

The manifest's /gsp maps to /store: ``/gsp?graph=`` is indirect identification, ``/gsp/...``
direct identification (the graph's IRI is the request URL). Each test starts from an empty
store.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from supplychain_kg.config import Settings
from tests.conftest import SHARED
from tests.live import serve
from tests.w3c import HttpRequest, HttpTest, load_manifest

MANIFEST = SHARED / "w3c-sparql11" / "graph-store-protocol" / "manifest.ttl"
TOKEN = "gsp-test-token"
TESTS = load_manifest(MANIFEST) if MANIFEST.is_file() else []


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with serve(Settings(memory=True, seed=False, write_token=TOKEN)) as url:
        yield url


def _send(
    client: httpx.Client, base: str, request: HttpRequest, location: str | None
) -> httpx.Response:
    path = request.path.replace("/gsp", "/store", 1)
    body = request.body
    if location is not None:
        path = path.replace("$LOCATION$", location)
        body = body.replace("$LOCATION$", location) if body is not None else None
    headers = {**request.headers, "authorization": f"Bearer {TOKEN}"}
    content = body.encode("utf-8") if body is not None else None
    return client.request(request.method, base + path, headers=headers, content=content)


def _check(request: HttpRequest, response: httpx.Response, url: str) -> None:
    expect = request.expect
    assert expect.status_ok(response.status_code), (
        f"{request.method} {request.path}: status {response.status_code}, expected "
        f"{expect.statuses}: {response.text[:300]}"
    )
    if expect.location is not None:
        assert response.headers.get("location")
    if expect.content_type is not None:
        got = response.headers.get("content-type", "").split(";")[0]
        assert got == expect.content_type.split(";")[0].strip()
    if expect.body is not None and request.method != "HEAD":
        media_type = response.headers["content-type"].split(";")[0]
        got = Graph().parse(data=response.content, format=media_type, publicID=url)
        want = Graph().parse(data=expect.body, format=media_type, publicID=url)
        assert isomorphic(got, want), response.text


def test_the_graph_store_manifest_is_there() -> None:
    assert MANIFEST.is_file(), f"missing {MANIFEST} (set SKG_SHARED_DIR to the shared folder)"
    assert len(TESTS) == 13


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_w3c_graph_store(test: HttpTest, endpoint: str) -> None:
    with httpx.Client(timeout=30) as client:
        reset = client.post(
            f"{endpoint}/update",
            content="DROP ALL",
            headers={
                "content-type": "application/sparql-update",
                "authorization": f"Bearer {TOKEN}",
            },
        )
        assert reset.status_code == 204
        location = None
        for request in test.requests:
            response = _send(client, endpoint, request, location)
            _check(request, response, str(response.request.url))
            location = response.headers.get("location", location)
