"""Hostile uploads against a ``skg serve`` subprocess: how fast it answers, how much it holds.

Starts ``skg --memory serve`` on a loopback port (no write token unless --token), then, for each
attack, streams a large body (default 300 MB, 1 MiB at a time, from memory made once) over a
raw socket until the server answers or closes, and prints: the status line, the seconds to the
answer, how many bytes the client got to send, the server's peak resident memory (VmHWM) and
the slowest ``GET /health`` answered while the upload ran.

    python benchmarks/hostile_upload.py                # all attacks, 300 MB each
    python benchmarks/hostile_upload.py --mb 300 --attack update

Attacks: ``update`` (unauthenticated POST /update with Content-Length), ``sparql`` (POST
/sparql, form-encoded, with Content-Length), ``sparql-chunked`` (the same, chunked, no length),
``store`` (PUT /store with the token, Content-Length past SKG_MAX_UPLOAD_BYTES when --mb is
above it). Each attack gets a fresh server, so VmHWM is that attack's own peak.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

TOKEN = "bench-token"
CHUNK = b"x" * (1 << 20)
ATTACKS = {
    "update": ("POST", "/update", "application/sparql-update", False, False),
    "sparql": ("POST", "/sparql", "application/x-www-form-urlencoded", False, False),
    "sparql-chunked": ("POST", "/sparql", "application/x-www-form-urlencoded", True, False),
    "store": ("PUT", "/store?default", "text/turtle", False, True),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM) in MB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


@contextmanager
def server(token: bool) -> Iterator[tuple[str, int, int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKG_")}
    if token:
        env["SKG_WRITE_TOKEN"] = TOKEN
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "supplychain_kg.cli",
            "-q",
            "--memory",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server stopped (exit code {process.returncode})")
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not come up in 120 s") from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _health_probe(base: str, stop: threading.Event, worst: list[float]) -> None:
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get(f"{base}/health")
            worst.append(time.perf_counter() - started)
            time.sleep(0.05)


def _send_body(sock: socket.socket, total: int, chunked: bool, sent: list[int]) -> None:
    try:
        while sent[0] < total:
            piece = CHUNK[: min(len(CHUNK), total - sent[0])]
            if chunked:
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            else:
                sock.sendall(piece)
            sent[0] += len(piece)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server answered and closed: the rest is never sent


def attack(name: str, port: int, total: int) -> tuple[str, float, int]:
    """Send one attack; returns the status line, seconds to the answer and bytes sent."""
    method, path, media_type, chunked, token = ATTACKS[name]
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Type: {media_type}"]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    if token:
        head.append(f"Authorization: Bearer {TOKEN}")
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(600)
    started = time.perf_counter()
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    sent = [0]
    sender = threading.Thread(target=_send_body, args=(sock, total, chunked, sent), daemon=True)
    sender.start()
    answer = b""
    while b"\r\n" not in answer:
        data = sock.recv(65536)
        if not data:
            break
        answer += data
    elapsed = time.perf_counter() - started
    sock.close()
    sender.join(timeout=30)
    return answer.split(b"\r\n", 1)[0].decode("latin-1") or "(closed)", elapsed, sent[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300, help="body size in MB (10^6 bytes)")
    parser.add_argument("--attack", choices=sorted(ATTACKS), action="append")
    args = parser.parse_args()
    total = args.mb * 1_000_000
    for name in args.attack or list(ATTACKS):
        with server(token=ATTACKS[name][4]) as (base, port, pid):
            before = peak_rss_mb(pid)
            stop, worst = threading.Event(), []
            probe = threading.Thread(target=_health_probe, args=(base, stop, worst), daemon=True)
            probe.start()
            status, seconds, sent = attack(name, port, total)
            stop.set()
            probe.join(timeout=30)
            print(
                f"{name:15} {status:32} answered in {seconds:6.2f} s  client sent "
                f"{sent / 1e6:7.1f} MB  server peak RSS {peak_rss_mb(pid):6.0f} MB "
                f"(idle {before:.0f} MB)  slowest /health {max(worst or [0]) * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
