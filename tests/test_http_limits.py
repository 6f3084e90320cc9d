"""Hostile HTTP input: body limits before the body is read, the write token before the body,
and 300 MB uploads against a real ``skg serve`` (test_http_browser_guards.py has the rest)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.body_guard import BodyGuard
from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph
from tests.live import free_port, serve

TOKEN = "hardening-token"
SMALL = Settings(memory=True, seed=False, write_token=TOKEN, max_query_bytes=1000)


def raw_request(url: str, head: str, body: bytes = b"", wait: float = 5.0) -> tuple[bytes, float]:
    """Send ``head`` (request line and headers) and ``body`` on a raw socket; return the
    answer (until the server closes or ``wait`` passes) and the seconds to its first bytes."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        started = time.monotonic()
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = sock.recv(65536)
        first = time.monotonic() - started
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except TimeoutError:
            pass
    return answer, first


def head_of(method: str, path: str, port: str, **headers: str) -> str:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def small() -> Iterator[str]:
    with serve(SMALL) as url:
        yield url


# -- body limits -------------------------------------------------------------------------


def test_a_huge_content_length_is_refused_at_once_without_reading_the_body(small: str) -> None:
    port = small.rsplit(":", 1)[1]
    head = head_of(
        "POST",
        "/sparql",
        port,
        Content_Type="application/sparql-query",
        Content_Length=str(300_000_000),
    )
    answer, seconds = raw_request(small, head, b"SELECT")
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert seconds < 2  # the server did not wait for the 300 MB it was promised
    assert b"PayloadTooLargeError: a SPARQL query may take at most 1,000 bytes" in answer
    assert b"SKG_MAX_QUERY_BYTES" in answer
    assert b"300,000,000 bytes" in answer


def test_a_chunked_body_past_the_limit_is_cut_off(small: str) -> None:
    port = small.rsplit(":", 1)[1]
    head = head_of(
        "POST",
        "/sparql",
        port,
        Content_Type="application/sparql-query",
        Transfer_Encoding="chunked",
    )
    chunk = b"#" * 600
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 2 + b"0\r\n\r\n"
    answer, _ = raw_request(small, head, body)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"SKG_MAX_QUERY_BYTES" in answer


def test_the_guard_reads_no_more_than_the_limit_of_an_endless_body() -> None:
    asyncio.run(_endless_body())


async def _endless_body() -> None:
    pulled = 0
    reached_app = []

    async def endless() -> dict[str, Any]:
        nonlocal pulled
        pulled += 64 << 10
        if pulled > 100 << 20:
            raise AssertionError("the guard let the app read 100 MB")
        return {"type": "http.request", "body": b"x" * (64 << 10), "more_body": True}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached_app.append(True)
        while True:  # an app that reads until the body ends (it never does)
            await receive()

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    kg = KnowledgeGraph.open(SMALL)
    guard = BodyGuard(app, kg, SMALL)
    scope = {"type": "http", "method": "POST", "path": "/sparql", "query_string": b"",
             "headers": [(b"content-type", b"application/sparql-query"),
                         (b"transfer-encoding", b"chunked")]}  # fmt: skip
    await guard(scope, endless, send)
    kg.close()
    assert reached_app
    assert pulled <= 1000 + (64 << 10)  # the limit plus the one chunk that passed it
    assert sent[0]["status"] == 413


def test_a_form_may_take_three_bytes_per_character_but_the_query_is_held_to_its_limit(
    small: str,
) -> None:
    fits = "query=ASK%20{" + "%20" * 900 + "}"  # 2,714 bytes; the query: 906
    decoded_too_long = "query=ASK+{" + "+" * 1000 + "}"  # 1,017 bytes; the query: 1,006
    encoded_too_long = fits + "%20" * 100  # 3,014 bytes
    form = {"content-type": "application/x-www-form-urlencoded"}
    with httpx.Client(timeout=10) as client:
        assert client.post(f"{small}/sparql", content=fits, headers=form).status_code == 200
        assert client.get(f"{small}/sparql?{fits}").status_code == 200
        for answer in (
            client.post(f"{small}/sparql", content=decoded_too_long, headers=form),
            client.get(f"{small}/sparql?{decoded_too_long}"),
            client.post(
                f"{small}/sparql",
                content="ASK {" + " " * 1000 + "}",
                headers={"content-type": "application/sparql-query"},
            ),
        ):
            assert answer.status_code == 413
            assert "a SPARQL query may take at most 1,000 bytes" in answer.text
            assert "is 1,006 bytes" in answer.text
        posted = client.post(f"{small}/sparql", content=encoded_too_long, headers=form)
        assert posted.status_code == 413
        assert "query (form-encoded) may take at most 3,000 bytes" in posted.text
        got = client.get(f"{small}/sparql?{encoded_too_long}")
        assert got.status_code == 413
        assert "a query string may take at most 3,000 bytes" in got.text


def test_other_routes_take_small_bodies_only(small: str) -> None:
    with httpx.Client(timeout=10) as client:
        export = client.post(f"{small}/export", content=b"{" * (5 << 20))
        assert export.status_code == 413
        assert export.json()["error"] == "PayloadTooLargeError"
        assert "at most 4 MiB" in export.json()["detail"]
        health = client.request("GET", f"{small}/health", content=b"x" * (65 << 10))
        assert health.status_code == 413
        assert "at most 64 KiB" in health.json()["detail"]


def test_an_export_construct_query_is_held_to_the_query_limit(small: str) -> None:
    construct = "CONSTRUCT WHERE { ?s ?p ?o }" + " " * 1000
    answer = httpx.get(f"{small}/export", params={"format": "turtle", "construct": construct})
    assert answer.status_code == 413
    assert answer.json()["setting"] == "SKG_MAX_QUERY_BYTES"
    assert "a CONSTRUCT query may take at most 1,000 bytes" in answer.json()["detail"]


def test_a_graph_store_upload_past_its_limit_names_the_setting() -> None:
    settings = Settings(memory=True, seed=False, write_token=TOKEN, max_upload_bytes=2048)
    with serve(settings) as url, httpx.Client(timeout=10) as client:
        answer = client.put(
            f"{url}/store?default",
            content=b"# comment\n" * 300,
            headers={"content-type": "text/turtle", "authorization": f"Bearer {TOKEN}"},
        )
    assert answer.status_code == 413
    assert answer.text.startswith(
        "PayloadTooLargeError: a Graph Store upload may take at most 2 KiB"
    )
    assert "SKG_MAX_UPLOAD_BYTES" in answer.text


# -- the write token before the body -------------------------------------------------------

WRITES = [
    ("POST", "/update", "application/sparql-update"),
    ("PUT", "/store?default", "text/turtle"),
    ("POST", "/store?graph=http://example.org/g", "text/turtle"),
    ("POST", "/store/some/graph", "text/turtle"),
    ("DELETE", "/store?graph=http://example.org/g", "text/turtle"),
]


@pytest.mark.parametrize(("method", "path", "media_type"), WRITES)
def test_a_write_without_the_token_is_refused_before_its_body_is_read(
    small: str, method: str, path: str, media_type: str
) -> None:
    port = small.rsplit(":", 1)[1]
    head = head_of(method, path, port, Content_Type=media_type, Content_Length=str(300_000_000))
    answer, seconds = raw_request(small, head, b"INSERT")
    assert answer.startswith(b"HTTP/1.1 403 ")
    assert seconds < 2
    assert b"WriteForbiddenError: a write needs the write token as 'Authorization: Bearer" in answer
    wrong = head.replace("Content-Type", "Authorization: Bearer not-the-token\nContent-Type")
    assert raw_request(small, wrong, b"INSERT")[0].startswith(b"HTTP/1.1 403 ")


def test_writes_are_refused_when_no_token_is_configured() -> None:
    with serve(Settings(memory=True, seed=False)) as url, httpx.Client(timeout=10) as client:
        answer = client.post(
            f"{url}/update",
            content=b"INSERT DATA { <a:s> <a:p> <a:o> }",
            headers={"content-type": "application/sparql-update", "authorization": "Bearer x"},
        )
    assert answer.status_code == 403
    assert answer.text == (
        "WriteForbiddenError: writes are disabled on this endpoint: start it with "
        "SKG_WRITE_TOKEN set\n"
    )


def test_a_write_with_the_token_still_works(small: str) -> None:
    auth = {"authorization": f"Bearer {TOKEN}"}
    with httpx.Client(timeout=10) as client:
        put = client.put(
            f"{small}/store?graph=http://example.org/ok",
            content=b"<http://example.org/s> <http://example.org/p> 1 .",
            headers={"content-type": "text/turtle", **auth},
        )
        assert put.status_code in (201, 204)
        got = client.get(
            f"{small}/store?graph=http://example.org/ok", headers={"accept": "text/turtle"}
        )
        assert "http://example.org/s" in got.text


# -- a real `skg serve` under hostile uploads ---------------------------------------------


@pytest.fixture(scope="module")
def skg_serve() -> Iterator[tuple[str, int]]:
    """``skg --memory serve`` in a subprocess (no write token), its URL and process id."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKG_")}
    command = [sys.executable, "-m", "supplychain_kg.cli", "-q", "--memory", "serve"]
    process = subprocess.Popen([*command, "--port", str(port)], env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/health", timeout=2)
            break
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("skg serve did not start") from None
            time.sleep(0.2)
    try:
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _peak_rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text("ascii")
    return (
        int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
        << 10
    )


def _upload(url: str, head: str, total: int, chunked: bool, answers: list[bytes]) -> None:
    """Stream ``total`` bytes after ``head`` until the server answers and closes."""
    host, port = url.removeprefix("http://").split(":")
    piece = b"x" * (1 << 20)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        try:
            for _ in range(total // len(piece)):
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        except OSError:
            pass  # answered and closed: the rest is never sent
        answers.append(sock.recv(65536))


def test_300_mb_uploads_are_refused_at_once_with_bounded_memory(skg_serve: tuple[str, int]) -> None:
    url, pid = skg_serve
    port = url.rsplit(":", 1)[1]
    total = 300_000_000
    update = head_of("POST", "/update", port, Content_Type="application/sparql-update",
                     Content_Length=str(total))  # fmt: skip
    query = head_of("POST", "/sparql", port, Content_Type="application/x-www-form-urlencoded",
                    Transfer_Encoding="chunked")  # fmt: skip
    answers: list[bytes] = []
    started = time.monotonic()
    uploads = [
        threading.Thread(target=_upload, args=(url, update, total, False, answers)),
        threading.Thread(target=_upload, args=(url, query, total, True, answers)),
    ]
    for upload in uploads:
        upload.start()
    health = []
    with httpx.Client(timeout=10) as client:
        client.get(f"{url}/health")
        while any(upload.is_alive() for upload in uploads) or len(health) < 10:
            began = time.perf_counter()
            assert client.get(f"{url}/health").status_code == 200
            health.append(time.perf_counter() - began)
            time.sleep(0.01)
    for upload in uploads:
        upload.join()
    assert time.monotonic() - started < 10
    assert sorted(a.split(b" ", 2)[1] for a in answers) == [b"403", b"413"]
    assert max(health) < 0.1, f"slowest /health during the uploads: {max(health):.3f} s"
    assert _peak_rss(pid) < 1 << 30


def test_a_100_mb_url_or_header_is_cut_off_with_bounded_memory(skg_serve: tuple[str, int]) -> None:
    """The served process reads a request's line and headers only up to a bound (h11)."""
    url, pid = skg_serve
    host, port = url.removeprefix("http://").split(":")
    before = _peak_rss(pid)
    for start in (b"GET /sparql?query=", b"GET /health HTTP/1.1\r\nX-Padding: "):
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(start)
            piece = b"a" * (1 << 20)
            try:
                for _ in range(100):
                    sock.sendall(piece)
            except OSError:
                pass  # refused and closed: the rest is never sent
            with contextlib.suppress(OSError):
                answer = sock.recv(65536)
                assert not answer or answer.split(b" ", 2)[1] in (b"400", b"413", b"431")
    assert httpx.get(f"{url}/health", timeout=5).status_code == 200
    assert _peak_rss(pid) < before + (64 << 20)
