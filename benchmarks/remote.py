"""Benchmark the store on a remote engine (Virtuoso 7) against Virtuoso's own bulk loader and
against the embedded store.

    python benchmarks/remote.py --entities 1000000 --relations 5000000 --work /tmp/remote-bench
    python benchmarks/remote.py --entities 50000 --relations 250000      # smaller, minutes

Prints:
- load: Virtuoso's bulk loader (``ld_dir`` + ``rdf_loader_run`` + ``checkpoint``, into a fresh
  Virtuoso) as the floor, then ``skg load`` of the same file into a fresh Virtuoso through the
  store (parsed, validated, sent into a staging graph, moved into place in one request), and
  the ratio (target: within 3x);
- paths: ``GET /paths`` (k=1, the whole answer with evidence) over the same random connected
  pairs, on ``skg serve`` in front of Virtuoso in each path mode (frontier, then projection),
  and on ``skg serve`` over the embedded on-disk store in each mode; p50, p99 and the
  server's resident memory after the run (the target: frontier mode on Virtuoso p50 <= 100
  ms, p99 <= 1 s, RSS < 500 MB).

Virtuoso (``virtuoso-t``, ``isql-vt``) is started by ``tests/engines.py`` on loopback ports in
the work folder. Every figure is printed as it is measured.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from supplychain_kg.config import Settings  # noqa: E402
from supplychain_kg.paths import parse_options  # noqa: E402
from supplychain_kg.service import KnowledgeGraph  # noqa: E402
from tests.engines import Engine, free_port, isql, start_virtuoso  # noqa: E402

PATH_MODES = ("frontier", "projection")
"""The path modes measured on the remote engine and on the embedded store (``mode=``)."""


def _percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"p50 {statistics.median(ms):8.1f} ms  p99 {p99:8.1f} ms  (n={len(ms)})"


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_floor(data: Path, work: Path, buffers: int) -> float:
    """Virtuoso's bulk loader into a fresh Virtuoso: seconds."""
    engine = start_virtuoso(work / "floor", buffers=buffers, text_index=False)
    try:
        shutil.copy(data, engine.folder / data.name)
        started = time.perf_counter()
        isql(
            engine,
            f"ld_dir('{engine.folder}', '{data.name}', 'urn:floor'); rdf_loader_run(); checkpoint;",
            timeout=7200,
        )
        elapsed = time.perf_counter() - started
        answer = httpx.post(
            engine.query,
            data={"query": "SELECT (COUNT(*) AS ?n) FROM <urn:floor> WHERE { ?s ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=3600,
        ).json()
        count = int(answer["results"]["bindings"][0]["n"]["value"])
        print(f"  Virtuoso bulk loader: {elapsed:.1f} s ({count:,} triples)")
        return elapsed
    finally:
        engine.stop()


def bench_skg_load(data: Path, engine: Engine, triples: int) -> float:
    settings = Settings.from_env({**engine.env(), "SKG_STORE_TIMEOUT": "7200"})
    kg = KnowledgeGraph.open(settings)
    try:
        started = time.perf_counter()
        report = kg.load([data], progress=lambda m: print(f"    {m}", flush=True))
        elapsed = time.perf_counter() - started
    finally:
        kg.close()
    print(f"  skg load into Virtuoso: {elapsed:.1f} s, {report.added:,} triples added")
    print(f"    {triples / elapsed:,.0f} triples/s")
    return elapsed


def choose_pairs(store_dir: Path, count: int, seed: int) -> list[tuple[str, str]]:
    """Random pairs the default options connect, from the embedded store's projection."""
    kg = KnowledgeGraph.open(Settings(store_dir=store_dir))
    try:
        projection = kg.projection()
        options = parse_options(kg.ontology)
        rng = random.Random(seed)
        nodes = list(projection.nodes())
        pairs: list[tuple[str, str]] = []
        for _ in range(count * 20):
            s, t = rng.choice(nodes), rng.choice(nodes)
            if s != t and projection.shortest(s, t, options) is not None:
                pairs.append((s, t))
            if len(pairs) == count:
                break
        return pairs
    finally:
        kg.close()


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "supplychain_kg.cli", "-q", "serve", "--port", str(port)],
        env={**os.environ, "SKG_QUERY_TIMEOUT": "3600", **env},
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        if server.poll() is not None:
            raise SystemExit(f"the server stopped ({server.returncode})")
        try:
            if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


def remote_paths(
    base: str, pairs: list[tuple[str, str]], mode: str | None
) -> tuple[float, list[float]]:
    """Warm-up seconds and the latency of ``GET /paths`` for each pair.

    ``mode`` None: the server's default (``SKG_PATHS``); else "projection", "frontier" or
    "auto", sent as ``mode=``."""
    extra = {} if mode is None else {"mode": mode}
    with httpx.Client(base_url=base, timeout=3600) as client:
        s, t = pairs[0]
        started = time.perf_counter()
        client.get("/paths", params={"source": s, "target": t, "k": 1, **extra})
        warm = time.perf_counter() - started
        samples = []
        for s, t in pairs:
            started = time.perf_counter()
            answer = client.get("/paths", params={"source": s, "target": t, "k": 1, **extra})
            samples.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
    return warm, samples


def bench_paths(
    label: str, env: dict[str, str], pairs: list[tuple[str, str]], mode: str | None
) -> None:
    server, base = start_server(env)
    try:
        warm, samples = remote_paths(base, pairs, mode)
        print(
            f"  {label}: warm-up {warm:.1f} s; GET /paths {_percentiles(samples)}; "
            f"server RSS {_rss_mb(server.pid):,.0f} MB"
        )
    finally:
        server.terminate()
        server.wait(timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--relations", type=int, default=5_000_000)
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--work", type=Path, default=Path("/tmp/skg-remote-bench"))
    parser.add_argument(
        "--buffers", type=int, default=340_000, help="Virtuoso NumberOfBuffers (8 kB each)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--floor", type=float, help="the bulk loader's seconds, measured before (skips it)"
    )
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    data = args.work / "graph.nt"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks/generate.py"),
            "--entities",
            str(args.entities),
            "--relations",
            str(args.relations),
            "--out",
            str(data),
        ],
        check=True,
    )
    triples = sum(1 for _ in data.open("rb"))
    print(f"load ({triples:,} triples):")
    floor = args.floor or bench_floor(data, args.work, args.buffers)
    print(f"    floor {triples / floor:,.0f} triples/s")
    engine = start_virtuoso(args.work / "virtuoso", buffers=args.buffers, text_index=False)
    try:
        ours = bench_skg_load(data, engine, triples)
        print(f"  ratio skg load / bulk loader: {ours / floor:.2f}x (target: at most 3x)")
        store_dir = args.work / "embedded"
        kg = KnowledgeGraph.open(Settings(store_dir=store_dir))
        started = time.perf_counter()
        kg.load([data])
        kg.close()
        print(
            f"  skg load into the embedded store (reference): {time.perf_counter() - started:.1f} s"
        )
        pairs = choose_pairs(store_dir, args.pairs, args.seed)
        print(f"paths ({len(pairs)} random connected pairs, k=1, over HTTP):")
        for mode in PATH_MODES:
            env = {**engine.env(), "SKG_STORE_TIMEOUT": "7200"}
            bench_paths(f"Virtuoso, {mode} mode", env, pairs, mode)
        for mode in PATH_MODES:
            bench_paths(f"embedded store, {mode} mode", {"SKG_STORE": str(store_dir)}, pairs, mode)
    finally:
        engine.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
