"""Benchmark cold starts on a synthetic store: ``skg show``, ``skg serve`` to its first
``/paths`` answer (twice: a first start with nothing kept beside the store, which builds the
path projection and the name index, then a restart, which loads them), and the server's
resident memory after warm-up.

    python benchmarks/startup.py --store /tmp/s200k --entities 200000 --relations 1000000
    python benchmarks/startup.py --store /tmp/s200k      # later runs reuse the store
    python benchmarks/startup.py --store /tmp/s200k --restart-only   # keep its cache

The first run generates the graph (``generate.py``) and bulk-loads it into ``--store``. Every
figure is wall time of a fresh process (the machine may be shared: compare on a quiet one).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from supplychain_kg.namespaces import SKG
from supplychain_kg.store import open_store

HERE = Path(__file__).resolve().parent
SKG_CLI = [sys.executable, "-m", "supplychain_kg.cli"]


def build(store_dir: Path, entities: int, relations: int, seed: int) -> None:
    """Generate the synthetic graph and bulk-load it into a new store at ``store_dir``."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "graph.nt"
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                "--entities",
                str(entities),
                "--relations",
                str(relations),
                "--seed",
                str(seed),
                "--out",
                str(data),
            ],
            check=True,
        )
        store = open_store(store_dir)
        try:
            store.parse_into(data, "application/n-triples")
            store.write_metadata({**store.read_metadata(), "seeded": False})
        finally:
            store.close()
        print(f"built the store in {time.perf_counter() - started:.1f} s")


def pick(store_dir: Path) -> tuple[str, str, str]:
    """An entity id to show, and two ids a path joins (the two ends of one relation)."""
    store = open_store(store_dir)
    try:
        query = (
            f"SELECT ?a ?b WHERE {{ ?x <{SKG}wonTender> ?y . "
            f"?x <{SKG}slug> ?a . ?y <{SKG}slug> ?b }} LIMIT 1"
        )
        row = next(store.query(query).rows())
        source, target = str(row["a"].value), str(row["b"].value)
    finally:
        store.close()
    return source, source, target


def show_seconds(store_dir: Path, entity: str, runs: int) -> float:
    """Best wall time of ``skg show ENTITY`` over ``runs`` fresh processes."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [*SKG_CLI, "--store", str(store_dir), "show", entity],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - started)
    return best


def _rss_gb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (query workers), in GB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024 / 1024


def serve_seconds(
    store_dir: Path, source: str, target: str, *, wait_kept: bool
) -> tuple[float, float, float, str, float | None]:
    """Start ``skg serve``; the seconds to its first ``/paths`` answer, to its ``/health``
    answer, its resident memory (GB) after ten more path questions, the first answer's path
    mode, and (``wait_kept``) the seconds until the projection was kept beside the store (a
    big store's first start answers in frontier mode while it builds in the background; the
    server is stopped only once it is kept, so that the restart can load it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SKG_QUERY_TIMEOUT": "600", "SKG_STORE": str(store_dir)}
    started = time.perf_counter()
    server = subprocess.Popen([*SKG_CLI, "-q", "serve", "--port", str(port)], env=env)
    healthy = answered = 0.0
    mode = "?"
    kept: float | None = None
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            while not answered:
                if server.poll() is not None:
                    raise SystemExit(f"the server stopped (exit code {server.returncode})")
                try:
                    if not healthy:
                        if client.get("/health").status_code == 200:
                            healthy = time.perf_counter() - started
                        continue
                    response = client.get("/paths", params={"source": source, "target": target})
                    assert response.status_code == 200, response.text
                    answered = time.perf_counter() - started
                    mode = str(response.json().get("mode"))
                except httpx.TransportError:
                    time.sleep(0.05)
            for _ in range(10):
                client.get("/paths", params={"source": target, "target": source})
                client.get("/search", params={"q": "Contractor 1"})
            rss = _rss_gb(server.pid)
            kept_file = store_dir / "cache" / "projection.bin"
            while wait_kept and not kept_file.exists():
                if server.poll() is not None or time.perf_counter() - started > 1800:
                    break
                time.sleep(0.5)
            if kept_file.exists():
                kept = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
    return answered, healthy, rss, mode, kept


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True, help="on-disk store directory")
    parser.add_argument("--entities", type=int, default=200_000)
    parser.add_argument("--relations", type=int, help="default: 5 per entity")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="skg show: best of this many")
    parser.add_argument(
        "--restart-only",
        action="store_true",
        help="keep what the store has kept beside it and time only a restart",
    )
    args = parser.parse_args()

    if not (args.store / "db").exists():
        build(args.store, args.entities, args.relations or 5 * args.entities, args.seed)
    entity, source, target = pick(args.store)
    print(f"store {args.store}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"skg show {entity}: best of {args.runs}: {show_seconds(args.store, entity, args.runs):.2f} s"
    )
    cache = args.store / "cache"  # what a start keeps beside the store (docs/store.md)
    if cache.exists() and not args.restart_only:
        shutil.rmtree(cache)
    starts = ["first start (nothing kept)", "restart"][1 if args.restart_only else 0 :]
    for start in starts:
        first = start != "restart"
        answered, healthy, rss, mode, kept = serve_seconds(
            args.store, source, target, wait_kept=first
        )
        print(
            f"skg serve {start}: /health after {healthy:.2f} s, first /paths answer after "
            f"{answered:.2f} s ({mode} mode); RSS after warm-up {rss:.2f} GB"
            + (f"; projection kept beside the store after {kept:.1f} s" if first and kept else "")
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
