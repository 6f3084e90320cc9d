"""Several ``skg serve`` processes on one remote engine: the same answers, and a write through
one is seen by the other (the store's revision lives on the engine). The query guard runs
before anything is sent to the engine."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph
from tests.conftest import remote_settings
from tests.engines import Engine, free_port
from tests.hostile import Listener
from tests.live import serve
from tests.store_support import skg

TOKEN = "t0ken-for-tests"
ENT = "https://w3id.org/supplychain-kg/id/"
ALT = "http://www.w3.org/2004/02/skos/core#altLabel"


def _start(engine: Engine) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**engine.env(), "SKG_WRITE_TOKEN": TOKEN, "SKG_PORT": str(port)}
    process = skg("-q", "serve", env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
        if process.poll() is not None:
            raise AssertionError(process.communicate()[1])
    raise AssertionError("skg serve did not start")


@pytest.fixture
def two_servers(oxigraph_engine: Engine) -> Iterator[tuple[str, str]]:
    KnowledgeGraph.open(remote_settings(oxigraph_engine)).close()  # seeded once, before both
    first, a = _start(oxigraph_engine)
    second, b = _start(oxigraph_engine)
    try:
        yield a, b
    finally:
        for process in (first, second):
            process.terminate()
            process.communicate(timeout=30)


def test_two_servers_on_one_engine_agree_and_see_each_others_writes(
    two_servers: tuple[str, str],
) -> None:
    a, b = two_servers
    for path in (
        "/entities?q=hik%20vision",
        "/entities/fisca",
        "/paths?source=hikvision&target=naypyitaw-council&k=2",
        "/stats",
    ):
        assert httpx.get(a + path, timeout=60).json() == httpx.get(b + path, timeout=60).json()
    before = httpx.get(b + "/entities?q=Hikkyvizz&limit=1").json()["results"]
    assert [r["id"] for r in before] != ["hikvision"]
    wrote = httpx.post(
        a + "/update",
        content=f'INSERT DATA {{ <{ENT}hikvision> <{ALT}> "Hikkyvizz" }}',
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"},
        timeout=60,
    )
    assert wrote.status_code == 204, wrote.text
    found = httpx.get(b + "/entities?q=Hikkyvizz&limit=1", timeout=60).json()["results"]
    assert found[0]["id"] == "hikvision" and found[0]["matched"] == "Hikkyvizz"
    refused = httpx.post(
        b + "/update",
        content="DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"},
        timeout=60,
    )
    assert refused.status_code == 501 and "INSERT DATA" in refused.text
    assert httpx.get(a + "/stats", timeout=60).json() == httpx.get(b + "/stats").json()


def test_service_is_refused_before_the_engine_is_asked(oxigraph_engine: Engine) -> None:
    settings: Settings = remote_settings(oxigraph_engine)
    listener = Listener()
    try:
        with serve(settings) as base:
            query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
            answer = httpx.get(f"{base}/sparql", params={"query": query}, timeout=60)
            assert answer.status_code == 403 and "SERVICE" in answer.text
            plain = httpx.get(
                f"{base}/sparql",
                params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=60,
            )
            assert int(plain.json()["results"]["bindings"][0]["n"]["value"]) > 1000
    finally:
        listener.close()
    assert listener.hits == []
