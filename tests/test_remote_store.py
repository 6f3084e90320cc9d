"""A store on a remote SPARQL engine: what it refuses and why, its credentials never shown,
loads that survive the engine's death, validated writes undone, backups refused."""

from __future__ import annotations

import base64
import logging
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from supplychain_kg.config import Settings
from supplychain_kg.errors import (
    StoreError,
    UnsupportedOperationError,
    ValidationError,
)
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.store import open_configured
from supplychain_kg.store.sparql.client import Client, Endpoints, _QuickAckBackend
from tests.conftest import remote_settings
from tests.engines import Engine, start_oxigraph, start_virtuoso, virtuoso_missing
from tests.hostile import Listener
from tests.store_support import skg

ROOT = Path(__file__).resolve().parents[1]
ENT = "https://w3id.org/supplychain-kg/id/"
SKG = "https://w3id.org/supplychain-kg/ontology#"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


def test_pattern_updates_are_refused_with_what_to_do_instead(oxigraph_engine: Engine) -> None:
    store = open_configured(remote_settings(oxigraph_engine))
    try:
        for text in (
            "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
            "INSERT { <http://e/a> <http://e/b> ?o } WHERE { ?s ?p ?o }",
            "ADD DEFAULT TO <http://e/g>",
            "LOAD <http://127.0.0.1:9/x>",
        ):
            with pytest.raises(UnsupportedOperationError, match="INSERT DATA, DELETE DATA"):
                store.update(text)
        with pytest.raises(UnsupportedOperationError, match="blank nodes"):
            store.update("INSERT DATA { _:b <http://e/p> 1 }")
        assert store.is_empty()
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["basic", "bearer"])
def test_credentials_are_sent_but_never_shown(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    secret = "s3cr3t-Pa55word"
    env = {"SKG_STORE_PASSWORD": secret, "SKG_STORE_USER": "alice"}
    if kind == "bearer":
        env = {"SKG_STORE_TOKEN": secret}
    listener = Listener()  # answers every request with HTTP 500
    try:
        url = f"http://127.0.0.1:{listener.port}/sparql"
        settings = Settings.from_env({"SKG_STORE": f"sparql+{url}", **env})
        assert secret not in repr(settings)
        with caplog.at_level(logging.DEBUG), pytest.raises(StoreError) as failed:
            open_configured(settings)
        assert secret not in str(failed.value)
        assert secret not in caplog.text
        expected = (
            b"Basic " + base64.b64encode(f"alice:{secret}".encode())
            if kind == "basic"
            else b"Bearer " + secret.encode()
        )
        assert any(expected in hit for hit in listener.hits)
    finally:
        listener.close()
    done = subprocess.run(
        [sys.executable, "-m", "supplychain_kg.cli", "stats"],
        env={"PATH": "/usr/bin:/bin", "SKG_STORE": "sparql+http://127.0.0.1:9/sparql", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "cannot reach the SPARQL engine at http://127.0.0.1:9/sparql" in done.stderr
    assert secret not in done.stderr + done.stdout


def test_a_url_with_credentials_is_refused_without_repeating_them() -> None:
    with pytest.raises(Exception, match="holds credentials") as failed:
        Settings.from_env({"SKG_STORE": "sparql+http://bob:hunter2@127.0.0.1:8890/sparql"})
    assert "hunter2" not in str(failed.value)


def test_a_write_that_breaks_a_rule_is_undone_on_the_engine(oxigraph_engine: Engine) -> None:
    kg = KnowledgeGraph.open(remote_settings(oxigraph_engine))
    try:
        label = f'<{ENT}hikvision> {RDFS_LABEL} "Hikvision"'
        with pytest.raises(ValidationError, match="rdfs:label"):
            kg.run_update(f"DELETE DATA {{ {label} }} ; INSERT DATA {{ <{ENT}x> <{SKG}slug> 'x' }}")
        assert kg.store.query(f"ASK {{ {label} }}").boolean
        assert not kg.store.query(f"ASK {{ <{ENT}x> ?p ?o }}").boolean
        assert kg.store.read_metadata()["seeded"]
    finally:
        kg.close()


def test_backups_are_refused_naming_the_engines_tools(oxigraph_engine: Engine) -> None:
    done = skg("backup", "/tmp/never-made", env=oxigraph_engine.env())
    _, err = done.communicate(timeout=60)
    assert done.returncode == 1
    assert "isql-vt" in err and "oxigraph backup" in err


def _staging_records(engine: Engine) -> int:
    answer = httpx.post(
        engine.query,
        data={
            "query": 'SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:x-skg:meta> { ?w <urn:x-skg:kind> "load" } }'
        },
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    )
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("name", ["oxigraph", "virtuoso"])
def test_killing_the_engine_mid_load_leaves_the_target_as_it_was(name: str, tmp_path: Path) -> None:
    if name == "virtuoso" and virtuoso_missing():
        pytest.skip("virtuoso-t is not installed (scripts/system-deps installs it)")
    data = tmp_path / "big.nt"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks/generate.py"),
            "--entities",
            "1500",
            "--relations",
            "6000",
            "--out",
            str(data),
        ],
        check=True,
        capture_output=True,
    )
    engine = (start_oxigraph if name == "oxigraph" else start_virtuoso)(tmp_path / "engine")
    try:
        kg = KnowledgeGraph.open(Settings.from_env(engine.env()))
        seeded = len(kg.store)
        kg.close()
        load = skg("-q", "load", str(data), env=engine.env())
        deadline = time.monotonic() + 60
        while _staging_records(engine) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # some of the data is on its way into the staging graph
        engine.kill()
        _, err = load.communicate(timeout=120)
        assert load.returncode == 1, err
        engine.start()
        assert (
            _staging_records(engine) == 1
        )  # the cut-short load is recorded, its target not touched
        kg = KnowledgeGraph.open(Settings.from_env(engine.env()))  # its owner is dead: cleaned
        try:
            assert len(kg.store) == seeded
            assert _staging_records(engine) == 0
            assert not {g for g in engine.graphs() if g.startswith("urn:x-skg:staging:")}
            report = kg.load([data])
            assert len(kg.store) == seeded + report.added and report.added > 60_000
        finally:
            kg.close()
    finally:
        engine.stop()


class _KeptAlive:
    """A loopback HTTP/1.1 server that answers every request on a connection with a 70 kB
    body and keeps the connection open; counts connections."""

    BODY = b"<sparql/>" + b" " * 70_000
    ANSWER = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+xml\r\n"
        + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
        + BODY
    )

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:  # the client went away
                    return
                if not chunk:
                    return
                data += chunk
                while b"\r\n\r\n" in data:
                    head, _, rest = data.partition(b"\r\n\r\n")
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    if len(rest) < length:
                        break
                    data = rest[length:]
                    try:
                        conn.sendall(self.ANSWER)
                    except OSError:  # the client went away
                        return


def test_answers_are_acknowledged_at_once_on_kept_alive_connections() -> None:
    """Every read of an engine's answer asks for an immediate acknowledgement (TCP_QUICKACK,
    Linux): else, on a kept-alive connection, an engine writing with Nagle's algorithm holds
    each answer's last piece up to 40 ms. Shown on a real loopback connection: after each
    read through the client's connections the socket is still in quick-acknowledgement mode
    (a plain kept-alive socket leaves it after its first few answers)."""
    server = _KeptAlive()
    try:
        stream = _QuickAckBackend().connect_tcp("127.0.0.1", server.port)
        sock = stream.get_extra_info("socket")
        request = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nq"
        modes = []
        for _ in range(20):
            stream.write(request)
            got = b""
            while len(got) < len(_KeptAlive.ANSWER):
                got += stream.read(65536)
            assert got == _KeptAlive.ANSWER
            if hasattr(socket, "TCP_QUICKACK"):
                modes.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK))
        stream.close()
        assert modes == ([1] * 20 if hasattr(socket, "TCP_QUICKACK") else [])
        # the store's client: many requests over one kept-alive connection, answers whole
        client = Client(Endpoints(f"http://127.0.0.1:{server.port}/sparql", "unused"), timeout=30)
        try:
            for _ in range(10):
                body, media = client.query("ASK {}", "application/sparql-results+xml")
                assert body == _KeptAlive.BODY
                assert media == "application/sparql-results+xml"
        finally:
            client.close()
        assert server.connections == 2
    finally:
        server.sock.close()
