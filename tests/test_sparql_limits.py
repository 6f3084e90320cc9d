"""Limits of the endpoint: time limit, result cap, no remote fetches, writes need the token."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from supplychain_kg.config import Settings
from tests.hostile import Listener
from tests.live import serve

TOKEN = "limits-token"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?c != ?i) }"
DATA = (
    "INSERT DATA { "
    + " ".join(
        f"<http://example.org/n{i}> <http://example.org/p> <http://example.org/n{i % 7}> ."
        for i in range(300)
    )
    + " }"
)


def _update(client: httpx.Client, url: str, text: str, token: str | None = TOKEN) -> httpx.Response:
    headers = {"content-type": "application/sparql-update"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return client.post(f"{url}/update", content=text, headers=headers)


@pytest.fixture(scope="module")
def disk_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        store_dir=tmp_path_factory.mktemp("limits") / "store",
        seed=False,
        write_token=TOKEN,
        query_timeout=1.5,
        result_cap=100,
        query_workers=2,
    )
    with serve(settings) as url, httpx.Client(timeout=30) as client:
        assert _update(client, url, DATA).status_code == 204
        yield url


def test_a_query_past_the_time_limit_is_stopped_with_503_while_health_answers(
    disk_endpoint: str,
) -> None:
    outcome: dict[str, httpx.Response] = {}

    def slow() -> None:
        with httpx.Client(timeout=60) as client:
            outcome["slow"] = client.get(f"{disk_endpoint}/sparql", params={"query": SLOW})

    started = time.monotonic()
    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    with httpx.Client(timeout=5) as client:
        before = time.monotonic()
        health = client.get(f"{disk_endpoint}/health")
        assert health.status_code == 200
        assert time.monotonic() - before < 1.0
    thread.join(timeout=30)
    elapsed = time.monotonic() - started
    assert outcome["slow"].status_code == 503
    assert "time limit" in outcome["slow"].text
    assert elapsed < 5, f"the slow query was answered after {elapsed:.1f} s"
    with httpx.Client(timeout=10) as client:
        ok = client.get(f"{disk_endpoint}/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert ok.status_code == 200 and ok.json()["boolean"] is True


def test_a_result_larger_than_the_cap_is_refused_with_a_clear_error(disk_endpoint: str) -> None:
    with httpx.Client(timeout=30) as client:
        big = client.get(f"{disk_endpoint}/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
        assert big.status_code == 413
        assert "more than 100 rows" in big.text
        small = client.get(
            f"{disk_endpoint}/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 100"}
        )
        assert small.status_code == 200
        assert len(small.json()["results"]["bindings"]) == 100
        graph = client.get(
            f"{disk_endpoint}/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}
        )
        assert graph.status_code == 413


def test_query_workers_see_writes_made_after_they_opened_the_store(disk_endpoint: str) -> None:
    ask = "ASK { <http://example.org/new> <http://example.org/p> 1 }"
    with httpx.Client(timeout=30) as client:
        assert (
            client.get(f"{disk_endpoint}/sparql", params={"query": ask}).json()["boolean"] is False
        )
        insert = "INSERT DATA { <http://example.org/new> <http://example.org/p> 1 }"
        assert _update(client, disk_endpoint, insert).status_code == 204
        for _ in range(3):  # every worker, not just one
            answer = client.get(f"{disk_endpoint}/sparql", params={"query": ask})
            assert answer.json()["boolean"] is True
        assert _update(client, disk_endpoint, insert.replace("INSERT", "DELETE")).status_code == 204
        assert (
            client.get(f"{disk_endpoint}/sparql", params={"query": ask}).json()["boolean"] is False
        )


@pytest.fixture
def listener() -> Iterator[Listener]:
    target = Listener()
    yield target
    target.close()


def _remote_queries(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/sparql"
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX r: <http://127.0.0.1:{port}/>\nSELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
        f"BASE <http://127.0.0.1:{port}/>\nSELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ # a comment\n SERVICE\n<{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE { BIND(<" + url + "> AS ?u) SERVICE ?u { ?s ?p ?o } }",
    ]


def test_service_to_a_local_port_is_refused_and_no_request_reaches_it(
    listener: Listener,
) -> None:
    with serve(Settings(memory=True, seed=False)) as url, httpx.Client(timeout=30) as client:
        for query in _remote_queries(listener.port):
            answer = client.get(f"{url}/sparql", params={"query": query})
            assert answer.status_code == 403, (query, answer.text)
            assert "refused" in answer.text
        time.sleep(0.3)
    assert listener.hits == []


def test_load_of_a_local_url_is_refused_and_no_request_reaches_it(listener: Listener) -> None:
    settings = Settings(memory=True, seed=False, write_token=TOKEN)
    with serve(settings) as url, httpx.Client(timeout=30) as client:
        for text in (
            f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>",
            f"load silent <http://127.0.0.1:{listener.port}/data.ttl> into graph <http://g>",
            f"PREFIX x: <http://127.0.0.1:{listener.port}/>\nLOAD x:data.ttl",
        ):
            answer = _update(client, url, text)
            assert answer.status_code == 403, (text, answer.text)
        time.sleep(0.3)
    assert listener.hits == []


def test_an_allow_listed_service_is_called(listener: Listener) -> None:
    service = f"http://127.0.0.1:{listener.port}/sparql"
    settings = Settings(memory=True, seed=False, service_allowlist=(service,))
    with serve(settings) as url, httpx.Client(timeout=30) as client:
        query = f"SELECT * WHERE {{ SERVICE <{service}> {{ ?s ?p ?o }} }}"
        client.get(f"{url}/sparql", params={"query": query})
        time.sleep(0.3)
    assert listener.hits and listener.hits[0].startswith(b"POST /sparql")


def test_service_inside_a_string_is_not_a_service_call() -> None:
    with serve(Settings(memory=True, seed=False)) as url, httpx.Client(timeout=30) as client:
        query = 'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:1/>" AS ?x) }'
        answer = client.get(f"{url}/sparql", params={"query": query})
        assert answer.status_code == 200


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_writes_without_the_right_token_are_refused_with_403(token: str | None) -> None:
    settings = Settings(memory=True, seed=False, write_token=TOKEN)
    with serve(settings) as url, httpx.Client(timeout=30) as client:
        answer = _update(client, url, "INSERT DATA { <http://a> <http://b> <http://c> }", token)
        assert answer.status_code == 403
        headers = {"content-type": "text/turtle"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        put = client.put(
            f"{url}/store?default", content=b"<http://a> <http://b> <http://c> .", headers=headers
        )
        assert put.status_code == 403
        assert client.delete(f"{url}/store?default", headers=headers).status_code == 403
        assert (
            client.get(f"{url}/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"]
            is False
        )


def test_writes_are_refused_when_no_token_is_configured() -> None:
    with serve(Settings(memory=True, seed=False)) as url, httpx.Client(timeout=30) as client:
        answer = _update(
            client, url, "INSERT DATA { <http://a> <http://b> <http://c> }", "anything"
        )
        assert answer.status_code == 403
        assert "SKG_WRITE_TOKEN" in answer.text


def test_get_on_update_is_refused() -> None:
    settings = Settings(memory=True, seed=False, write_token=TOKEN)
    with serve(settings) as url, httpx.Client(timeout=30) as client:
        answer = client.get(
            f"{url}/update",
            params={"update": "CLEAR ALL"},
            headers={"authorization": f"Bearer {TOKEN}"},
        )
        assert answer.status_code >= 400


def test_a_failed_update_changes_nothing() -> None:
    settings = Settings(memory=True, seed=False, write_token=TOKEN)
    with serve(settings) as url, httpx.Client(timeout=30) as client:
        assert _update(client, url, "INSERT DATA { <http://a> <http://b> 1 }").status_code == 204
        bad = "DELETE DATA { <http://a> <http://b> 1 } ; INSERT DATA { <http://a> <http://b> }"
        assert _update(client, url, bad).status_code == 400
        ask = client.get(f"{url}/sparql", params={"query": "ASK { <http://a> <http://b> 1 }"})
        assert ask.json()["boolean"] is True


def test_a_large_answer_comes_whole_from_a_query_worker(tmp_path: Path) -> None:
    settings = Settings(store_dir=tmp_path / "store", seed=False, write_token=TOKEN)
    text = "x" * 200
    data = (
        "INSERT DATA { "
        + " ".join(
            f'<http://example.org/big{i}> <http://example.org/p> "{text} {i}" .'
            for i in range(2000)
        )
        + " }"
    )
    with serve(settings) as url, httpx.Client(timeout=60) as client:
        assert _update(client, url, data).status_code == 204
        for _ in range(3):
            answer = client.get(f"{url}/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
            assert answer.status_code == 200
            assert len(answer.content) > 400_000
            assert len(answer.json()["results"]["bindings"]) == 2000
