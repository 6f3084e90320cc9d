"""The query worker processes and the frames they exchange with the server."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from supplychain_kg.errors import QueryError, QueryTimeoutError, ResultTooLargeError, StoreError
from supplychain_kg.sparql.lexer import streaming_lookup
from supplychain_kg.sparql.results import JSON
from supplychain_kg.sparql.runner import ProcessRunner, QueryJob
from supplychain_kg.sparql.wire import FrameReader, frame, read_frame, write_all
from supplychain_kg.store import open_store

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?c != ?i) }"


def _job(sparql: str, timeout: float = 10.0) -> QueryJob:
    return QueryJob(sparql, JSON, "text/turtle", timeout, 1000)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessRunner]:
    path = tmp_path_factory.mktemp("runner") / "store"
    store = open_store(path)
    triples = " ".join(f"<http://e/n{i}> <http://e/p> <http://e/n{i % 5}> ." for i in range(200))
    store.update(f"INSERT DATA {{ {triples} }}")
    store.close()
    made = ProcessRunner(path, 1)
    yield made
    made.close()


def test_a_frame_read_in_pieces_gives_back_the_payload() -> None:
    payload = bytes(range(256)) * 40
    data = frame(payload)
    reader = FrameReader()
    pieces = [data[:2], data[2:7], data[7:5000], data[5000:]]
    got = [reader.feed(piece) for piece in pieces]
    assert got[:3] == [None, None, None]
    assert got[3] == payload


def test_a_frame_travels_whole_through_a_pipe_in_both_directions() -> None:
    left, right = os.pipe()
    os.set_blocking(left, False)
    os.set_blocking(right, False)
    try:
        payload = b"x" * 50_000
        write_all(right, frame(payload[:10]), deadline=time.monotonic() + 5)
        assert read_frame(left, deadline=time.monotonic() + 5) == payload[:10]
    finally:
        os.close(left)
        os.close(right)


def test_a_blocking_query_and_an_async_query_get_the_same_answer(runner: ProcessRunner) -> None:
    text = "SELECT ?s WHERE { ?s <http://e/p> <http://e/n3> } ORDER BY ?s"
    blocking = runner.run(_job(text))
    concurrent = asyncio.run(runner.arun(_job(text)))
    assert blocking == concurrent
    assert blocking.media_type == JSON and blocking.kind == "select"
    assert len(json.loads(blocking.body)["results"]["bindings"]) == 40


def test_a_worker_error_comes_back_as_the_same_error(runner: ProcessRunner) -> None:
    with pytest.raises(QueryError, match="syntax error: error at 1:21"):
        runner.run(_job("SELECT ?s WHERE { ?s"))
    with pytest.raises(QueryError, match="1:21"):
        asyncio.run(runner.arun(_job("SELECT ?s WHERE { ?s")))


def test_a_slow_query_is_stopped_at_its_limit_and_the_next_query_is_answered(
    runner: ProcessRunner,
) -> None:
    with pytest.raises(QueryTimeoutError, match=r"time limit of 0\.5 s"):
        runner.run(_job(SLOW, timeout=0.5))
    with pytest.raises(QueryTimeoutError):
        asyncio.run(runner.arun(_job(SLOW, timeout=0.5)))
    answer = runner.run(_job("ASK { <http://e/n1> <http://e/p> <http://e/n1> }"))
    assert json.loads(answer.body)["boolean"] is True


def test_a_worker_that_dies_gives_a_store_error_and_is_replaced(runner: ProcessRunner) -> None:
    worker = runner._idle.get()
    worker.process.kill()
    worker.process.join()
    runner._idle.put(worker)
    with pytest.raises(StoreError, match="stopped unexpectedly"):
        runner.run(_job("ASK { ?s ?p ?o }"))
    assert json.loads(runner.run(_job("ASK { ?s ?p ?o }")).body)["boolean"] is True


def test_workers_reopen_the_store_after_an_exclusive_write(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = open_store(path)
    store.close()
    runner = ProcessRunner(path, 2)
    try:
        ask = _job("ASK { <http://e/a> <http://e/p> <http://e/b> }")
        assert json.loads(runner.run(ask).body)["boolean"] is False
        with runner.exclusive():
            store = open_store(path)
            store.update("INSERT DATA { <http://e/a> <http://e/p> <http://e/b> }")
            store.close()
        assert json.loads(runner.run(ask).body)["boolean"] is True
    finally:
        runner.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT ?p ?o WHERE { { <http://e/a> ?p ?o } UNION { ?o ?p <http://e/a> } }", True),
        ("PREFIX e: <http://e/> SELECT * { ?s e:p ?o . } LIMIT 10", True),
        ("SELECT ?s { ?s a <http://e/C> }", True),
        ("SELECT ?s { ?s ?p ?s }", False),
        ("SELECT ?s { ?s <http://e/p> ?o . ?o <http://e/p> ?x }", False),
        ("SELECT DISTINCT ?s { ?s ?p ?o }", False),
        ("SELECT ?s { ?s ?p ?o } ORDER BY ?s", False),
        ("SELECT ?s { ?s ?p ?o } LIMIT 5 OFFSET 100000", False),
        ('SELECT ?s { ?s ?p "x" }', False),
        ("SELECT ?s { ?s <http://e/p>+ ?o }", False),
        ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", False),
        ("SELECT ?s { GRAPH ?g { ?s ?p ?o } }", False),
        ("ASK { ?s ?p ?o }", False),
    ],
)
def test_only_single_pattern_lookups_count_as_streaming(text: str, expected: bool) -> None:
    assert streaming_lookup(text) is expected


@pytest.fixture
def local_runner(tmp_path: Path) -> Iterator[ProcessRunner]:
    path = tmp_path / "store"
    store = open_store(path)
    triples = " ".join(f"<http://e/n{i}> <http://e/p> <http://e/n{i % 5}> ." for i in range(200))
    store.update(f"INSERT DATA {{ {triples} }}")
    made = ProcessRunner(path, 1, store)
    yield made
    made.close()
    store.close()


def test_a_streaming_lookup_run_by_the_server_answers_as_a_worker_does(
    local_runner: ProcessRunner,
) -> None:
    text = "SELECT ?s ?p WHERE { { ?s ?p <http://e/n3> } UNION { <http://e/n3> ?p ?s } }"
    local = QueryJob(text, JSON, None, 10.0, 1000, local=True)
    remote = QueryJob(text, JSON, None, 10.0, 1000)
    assert local_runner.run(local) == local_runner.run(remote)
    assert asyncio.run(local_runner.arun(local)) == local_runner.run(remote)


def test_a_streaming_lookup_is_stopped_at_its_limit_and_the_row_cap(
    local_runner: ProcessRunner,
) -> None:
    text = "SELECT ?s ?o WHERE { ?s <http://e/p> ?o }"
    with pytest.raises(QueryTimeoutError, match="time limit of 1e-09 s"):
        local_runner.run(QueryJob(text, JSON, None, 1e-9, 1000, local=True))
    with pytest.raises(QueryTimeoutError, match="time limit"):
        asyncio.run(local_runner.arun(QueryJob(text, JSON, None, 1e-9, 1000, local=True)))
    with pytest.raises(ResultTooLargeError, match="more than 50 rows"):
        local_runner.run(QueryJob(text, JSON, None, 10.0, 50, local=True))


def test_a_write_waits_for_the_servers_own_lookups_to_end(local_runner: ProcessRunner) -> None:
    text = "SELECT ?s ?o WHERE { ?s <http://e/p> ?o }"
    with local_runner.exclusive():
        outcome: list[BaseException] = []

        def lookup() -> None:
            try:
                local_runner.run(QueryJob(text, JSON, None, 0.3, 1000, local=True))
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=lookup)
        thread.start()
        thread.join()
    assert len(outcome) == 1 and isinstance(outcome[0], QueryTimeoutError)
    assert local_runner.run(QueryJob(text, JSON, None, 10.0, 1000, local=True)).body


def test_a_lookup_longer_than_the_inline_budget_is_finished_in_a_thread(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = open_store(path)
    triples = " ".join(f'<http://e/n{i}> <http://e/p> "value {i}" .' for i in range(30_000))
    store.update(f"INSERT DATA {{ {triples} }}")
    runner = ProcessRunner(path, 1, store)
    try:
        text = "SELECT ?s ?o WHERE { ?s <http://e/p> ?o }"
        started = time.monotonic()
        local = asyncio.run(runner.arun(QueryJob(text, JSON, None, 30.0, 100_000, local=True)))
        assert time.monotonic() - started > 0.002  # longer than the inline budget
        assert len(json.loads(local.body)["results"]["bindings"]) == 30_000
        assert local == runner.run(QueryJob(text, JSON, None, 30.0, 100_000))
    finally:
        runner.close()
        store.close()
