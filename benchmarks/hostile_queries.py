"""Hostile queries against a real `skg serve`: each attack's answer, time and the server's peak
memory (server and query workers), the slowest `/health` while they run; then what the query
guard costs an ordinary query.

    python benchmarks/hostile_queries.py [--memory-cap BYTES] [--timeout SECONDS] [--source DIR]

``--source`` serves another checkout's code (for a before/after comparison: ``git archive
REV src api graph | tar -x -C DIR``); the attacks and the measures stay this checkout's.

The server runs on a fresh seeded store in a temporary folder, with the defaults unless the
options say otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from supplychain_kg.config import Settings  # noqa: E402
from supplychain_kg.sparql.guard import GuardLimits, check  # noqa: E402
from tests.live import free_port  # noqa: E402
from tests.test_hostile_server import _attacks, _rss_bytes, _send  # noqa: E402


def _serve(store: Path, env_extra: dict[str, str]) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    env = {**os.environ, "SKG_STORE": str(store), **env_extra}
    command = [sys.executable, "-m", "supplychain_kg.cli", "-q", "serve", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir()
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return url, process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("skg serve did not start")


def _attack_table(url: str, process: subprocess.Popen[bytes]) -> None:
    print(f"{'attack':28} {'status':>6} {'seconds':>8} {'peak MB':>8} {'slowest /health':>16}")
    for attack in _attacks(url):
        result: dict[str, int] = {}

        def send(a: tuple = attack, out: dict[str, int] = result) -> None:  # type: ignore[type-arg]
            try:
                out["s"] = _send(url, a)
            except httpx.HTTPError:
                out["s"] = 0  # no answer: the connection broke

        worker = threading.Thread(target=send)
        started = time.monotonic()
        worker.start()
        peak, slowest = 0, 0.0
        with httpx.Client() as probe:
            while worker.is_alive():
                began = time.perf_counter()
                with contextlib.suppress(httpx.HTTPError):
                    probe.get(f"{url}/health", timeout=30)
                slowest = max(slowest, time.perf_counter() - began)
                if process.poll() is None:
                    peak = max(peak, _rss_bytes(process.pid))
                time.sleep(0.02)
        elapsed = time.monotonic() - started
        status = str(result.get("s") or "none")
        print(
            f"{attack[0]:28} {status:>6} {elapsed:>8.2f} {peak / 1e6:>8.0f} "
            f"{slowest * 1000:>13.1f} ms"
        )
        if process.poll() is not None:
            print(f"the server died (exit status {process.returncode}); the rest is not run")
            return


def _guard_cost() -> None:
    limits = GuardLimits.from_settings(Settings())
    ordinary = (
        "PREFIX skg: <https://w3id.org/supplychain-kg/ontology#>\n"
        "SELECT DISTINCT ?project WHERE { ?contractor skg:sourcesFrom ?vendor ; "
        "skg:wonTender ?tender . ?tender skg:forProject ?project } LIMIT 100"
    )
    parsed = ordinary.replace(
        "?tender skg:forProject ?project }",
        '?tender skg:forProject ?project FILTER(?project != "customer service") }',
    )
    for name, text in (("ordinary query", ordinary), ("one that says 'service'", parsed)):
        check(text, limits)
        times = []
        for _ in range(200):
            started = time.perf_counter()
            check(text, limits)
            times.append(time.perf_counter() - started)
        print(f"query guard, {name}: median {statistics.median(times) * 1e6:,.0f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memory-cap", type=int, help="SKG_QUERY_MEMORY for the server")
    parser.add_argument("--timeout", type=float, default=4.0, help="SKG_QUERY_TIMEOUT")
    parser.add_argument("--source", type=Path, help="serve the code of this checkout")
    args = parser.parse_args()
    extra = {"SKG_QUERY_TIMEOUT": str(args.timeout)}
    if args.source:
        extra["PYTHONPATH"] = f"{args.source / 'src'}{os.pathsep}{args.source}"
    if args.memory_cap:
        extra["SKG_QUERY_MEMORY"] = str(args.memory_cap)
    with tempfile.TemporaryDirectory(prefix="skg-hostile-") as tmp:
        url, process = _serve(Path(tmp) / "store", extra)
        try:
            isolation = httpx.get(f"{url}/health").json().get("network_isolation", "none")
            print(f"skg serve at {url}; network isolation: {isolation}")
            _attack_table(url, process)
        finally:
            process.kill()
            process.wait()
    _guard_cost()


if __name__ == "__main__":
    main()
