"""The query worker processes and the frames they exchange with the server."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from supplychain_kg.errors import QueryError, QueryTimeoutError, StoreError
from supplychain_kg.query_runner import ProcessRunner, QueryJob
from supplychain_kg.query_wire import FrameReader, frame, read_frame, write_all
from supplychain_kg.results import JSON
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
