"""The CLI's reading commands while ``skg serve`` holds the store: they open it read-only
beside the server, say which store they read, and see what the server wrote before they
opened it; a writing command is still refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from supplychain_kg.cli import main

from .live import free_port

TOKEN = "beside-test-token"
EX = "https://w3id.org/supplychain-kg/id/"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, int]]:
    """`skg serve` on a fresh store (seeded), with one triple written through /update."""
    store = tmp_path_factory.mktemp("beside") / "store"
    port = free_port()
    env = {**os.environ, "SKG_WRITE_TOKEN": TOKEN, "SKG_STORE": str(store)}
    command = [sys.executable, "-m", "supplychain_kg.cli", "-q", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)
        answer = httpx.post(
            f"{url}/update",
            content=f'INSERT DATA {{ <{EX}beside-test> <http://www.w3.org/2000/01/rdf-schema#label> "written by the server" }}',
            headers={
                "content-type": "application/sparql-update",
                "authorization": f"Bearer {TOKEN}",
            },
        )
        assert answer.status_code == 204, answer.text
        yield url, store, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


def _run(capsys: pytest.CaptureFixture[str], store: Path, *args: str) -> tuple[int, str, str]:
    code = main(["-q", "--store", str(store), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _says_which_store(err: str, store: Path, pid: int) -> None:
    assert f"reading the store at {store} read-only" in err, err
    assert f"(pid {pid})" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("show", "hikvision"), "never sold directly"),
        (("search", "hikvision"), "hikvision"),
        (("neighbors", "hikvision"), "fcc-covered-list"),
        (("path", "fisca", "hikvision"), "Hikvision [hikvision]"),
        (("stats",), "triples:"),
        (("query", f"ASK {{ <{EX}beside-test> ?p ?o }}"), "true"),
    ],
)
def test_reading_commands_work_beside_the_server(
    served: tuple[str, Path, int],
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    expected: str,
) -> None:
    _, store, pid = served
    code, out, err = _run(capsys, store, *args)
    assert code == 0, err
    assert expected in out
    _says_which_store(err, store, pid)


def test_an_export_beside_the_server(
    served: tuple[str, Path, int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, store, pid = served
    target = tmp_path / "around.graphml"
    code, _, err = _run(
        capsys, store, "export", "--format", "graphml", "--around", "hikvision", "-o", str(target)
    )
    assert code == 0, err
    assert "hikvision" in target.read_text()
    _says_which_store(err, store, pid)


def test_the_reader_sees_the_servers_writes_up_to_its_open(
    served: tuple[str, Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    url, store, _ = served
    counted = json.loads(httpx.get(f"{url}/stats").text)["triples"]
    code, out, _ = _run(capsys, store, "stats", "--format", "json")
    assert code == 0 and json.loads(out)["triples"] == counted
    later = f"{EX}beside-later"
    answer = httpx.post(
        f"{url}/update",
        content=f'INSERT DATA {{ <{later}> <http://www.w3.org/2000/01/rdf-schema#label> "x" }}',
        headers={"content-type": "application/sparql-update", "authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 204
    code, out, _ = _run(capsys, store, "query", f"ASK {{ <{later}> ?p ?o }}")
    assert code == 0 and out.strip() == "true"


def test_a_writing_command_is_still_refused(
    served: tuple[str, Path, int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, store, pid = served
    data = tmp_path / "extra.ttl"
    data.write_text("")
    code, out, err = _run(capsys, store, "load", str(data))
    assert code == 1 and out == ""
    assert "in use by another process" in err and f"pid {pid}" in err
    assert "read-only" not in err
