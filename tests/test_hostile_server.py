"""A real ``skg serve`` (a subprocess, as users run it) under attack: no fetch, no crash, no
freeze. While UNION storms, deep nesting, huge and slow queries run, ``/health`` answers in
under 100 ms, the process stays alive and its memory under 1 GB."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.hostile import Listener, construct_queries, fetch_queries, fetch_updates
from tests.live import free_port

TOKEN = "hostile-token"
TIMEOUT = 4.0


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    target = Listener()
    yield target
    target.close()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``skg serve`` on a seeded on-disk store, with a write token and a short time limit."""
    port = free_port()
    env = {
        **os.environ,
        "SKG_STORE": str(tmp_path_factory.mktemp("hostile") / "store"),
        "SKG_WRITE_TOKEN": TOKEN,
        "SKG_QUERY_TIMEOUT": str(TIMEOUT),
        "SKG_QUERY_MEMORY": str(256 << 20),
    }
    env.pop("SKG_SERVICE_ALLOWLIST", None)
    log = tmp_path_factory.mktemp("hostile-log") / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "supplychain_kg.cli", "-q", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"skg serve did not start: {log.read_text()}")
        time.sleep(0.2)
    yield url, proc
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _rss_bytes(pid: int) -> int:
    """Resident memory of a process and its children (the query workers)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        status = Path(f"/proc/{one}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def test_the_server_is_cut_off_from_the_network(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, _ = server
    isolation = httpx.get(f"{url}/health", timeout=5).json()["network_isolation"]
    if sys.platform.startswith("linux"):
        assert isolation["server"] in ("seccomp", "netns")
        assert isolation["query_workers"] in ("seccomp", "netns")


def test_a_fetch_the_parser_cannot_read_still_reaches_nothing(
    server: tuple[str, subprocess.Popen[bytes]], listener: Listener
) -> None:
    """A quote escape that rdflib reads differently from the engine: the guard cannot decide,
    so the query runs where the kernel refuses every connection."""
    url, _ = server
    target = f"http://127.0.0.1:{listener.port}/sparql"
    query = f'SELECT * {{ BIND("\\u0022" AS ?x) SERVICE <{target}> {{ ?s ?p ?o }} }}'
    answer = httpx.get(f"{url}/sparql", params={"query": query}, timeout=30)
    assert answer.status_code == 403, answer.text
    assert "cut off from the network" in answer.text
    update = (
        f'INSERT DATA {{ <http://a.example/> <http://b.example/> "\\u0022" }} ; LOAD <{target}>'
    )
    answer = httpx.post(
        f"{url}/update",
        content=update.encode(),
        headers={"content-type": "application/sparql-update", "authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert answer.status_code == 403, answer.text
    time.sleep(0.3)
    assert listener.hits == []


def test_the_corpus_reaches_nothing_through_the_served_process(
    server: tuple[str, subprocess.Popen[bytes]], listener: Listener
) -> None:
    url, _ = server
    port = listener.port
    with httpx.Client(timeout=60) as client:
        for name, query in fetch_queries(port):
            answer = client.post(
                f"{url}/sparql",
                content=query.encode(),
                headers={"content-type": "application/sparql-query"},
            )
            silent = "silent" in query.lower()
            assert answer.status_code in ((200, 400, 403) if silent else (400, 403)), name
        for name, query in construct_queries(port)[:10]:
            answer = client.get(f"{url}/export", params={"format": "nquads", "construct": query})
            assert answer.status_code in (400, 403), (name, answer.text)
        for name, update in fetch_updates(port):
            answer = client.post(
                f"{url}/update",
                content=update.encode(),
                headers={
                    "content-type": "application/sparql-update",
                    "authorization": f"Bearer {TOKEN}",
                },
            )
            assert answer.status_code in (400, 403), (name, answer.text)
    time.sleep(0.3)
    assert listener.hits == []


def _attacks(url: str) -> list[tuple[str, str, dict[str, str] | None, bytes | None, set[int]]]:
    """(name, method, params, body, acceptable statuses)."""
    union = " UNION ".join(["{ ?s ?p ?o }"] * 300)
    storm = " UNION ".join(["{ ?s ?p ?o }"] * 20_000)
    deep = "{ " * 5_000 + "?s ?p ?o " + "} " * 5_000  # the engine crashes from 3,000
    joins = " ".join(f"{{ ?s{i} ?p{i} ?o{i} }}" for i in range(300))  # seconds to plan
    sparql = {"content-type": "application/sparql-query"}
    return [
        (
            "300 UNION branches",
            "GET",
            {"query": f"SELECT * WHERE {{ {union} }} LIMIT 5"},
            None,
            {200},
        ),
        ("20,000 UNION branches", "POST", sparql, f"SELECT * WHERE {{ {storm} }}".encode(), {400}),
        ("5,000 nested groups", "POST", sparql, f"SELECT * WHERE {deep}".encode(), {400}),
        (
            "deep CONSTRUCT export",
            "EXPORT",
            {"format": "graphml", "construct": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {deep}"},
            None,
            {400},
        ),
        ("2 MB query", "POST", sparql, b"SELECT * WHERE { ?s ?p ?o }" + b" " * (2 << 20), {413}),
        ("300 joined groups", "POST", sparql, f"SELECT * WHERE {{ {joins} }}".encode(), {200, 503}),
        (
            "slow export",
            "EXPORT",
            {"format": "nquads", "construct": f"CONSTRUCT {{ ?s0 ?p0 ?o0 }} WHERE {{ {joins} }}"},
            None,
            {200, 503},
        ),
    ]


def _send(url: str, attack: tuple[str, str, dict[str, str] | None, bytes | None, set[int]]) -> int:
    _, method, params, body, _ = attack
    with httpx.Client(timeout=120) as client:
        if method == "GET":
            return client.get(f"{url}/sparql", params=params).status_code
        if method == "EXPORT":
            return client.get(f"{url}/export", params=params).status_code
        return client.post(f"{url}/sparql", content=body, headers=params).status_code


def test_attacks_get_4xx_while_health_keeps_answering(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, proc = server
    attacks = _attacks(url)
    latencies: list[float] = []
    peak = 0
    with concurrent.futures.ThreadPoolExecutor(len(attacks)) as pool, httpx.Client() as probe:
        running = {pool.submit(_send, url, attack): attack for attack in attacks}
        while not all(f.done() for f in running):
            started = time.perf_counter()
            assert probe.get(f"{url}/health", timeout=5).status_code == 200
            latencies.append(time.perf_counter() - started)
            peak = max(peak, _rss_bytes(proc.pid))
            time.sleep(0.05)
        for future, attack in running.items():
            assert future.result() in attack[4], (attack[0], future.result())
    assert proc.poll() is None  # alive
    # No attack blocks the server: a blocked event loop would hold /health for an attack's
    # whole time limit (TIMEOUT s). The 100 ms figure for the slowest /health is the
    # benchmark's (benchmarks/hostile_queries.py), not a timed test's: a busy CI machine
    # may add scheduling delays a test must not fail on.
    latencies.sort()
    assert latencies and latencies[len(latencies) // 2] < 0.1, latencies[-5:]
    assert latencies[-1] < TIMEOUT / 4, latencies[-5:]
    assert peak < 1 << 30, peak
    assert httpx.get(f"{url}/health", timeout=5).status_code == 200
