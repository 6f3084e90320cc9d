"""Benchmark the path projection and path queries on a synthetic graph.

    python benchmarks/generate.py --entities 1000000 --relations 5000000 --out /tmp/big.nt
    python benchmarks/paths.py --store /tmp/big-store --load /tmp/big.nt   # first run loads
    python benchmarks/paths.py --store /tmp/big-store                      # later runs reuse it

Prints: projection build time and memory; shortest-path latency p50/p99 over random
connected pairs in-process (the search alone, and the whole answer with its evidence) and
through HTTP (a ``skg serve`` subprocess on loopback); k=5 alternatives; a capped depth-2
neighbourhood of the biggest hub; and, for comparison, the same reachability asked as a SPARQL
property path on Oxigraph and the same shortest paths in igraph.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from supplychain_kg.config import Settings
from supplychain_kg.paths import PathOptions, Projection
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.store import open_store


def _status(field: str) -> float:
    """A /proc/self/status memory field in GB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return (
        f"p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  mean {statistics.fmean(ms):8.2f} ms  (n={len(ms)})"
    )


_CPU: list[float] = []
"""CPU seconds of the last _timed calls (the machine may be shared: wall time is not all)."""


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    _CPU.append(time.process_time() - cpu)
    return time.perf_counter() - started, result


def _cpu_percentiles(count: int) -> str:
    ms = sorted(s * 1000 for s in _CPU[-count:])
    return f"CPU p50 {statistics.median(ms):.2f} ms  p99 {ms[min(len(ms) - 1, int(len(ms) * 0.99))]:.2f} ms"


def _walkable_edges(projection: Projection, options: PathOptions) -> list[tuple[str, str]]:
    return list(projection.walkable(options))


def _pairs(
    projection: Projection, options: PathOptions, count: int, seed: int
) -> list[tuple[str, str]]:
    """Random pairs that the default options connect (checked with the projection itself)."""
    rng = random.Random(seed)
    nodes = list(projection.nodes())
    pairs: list[tuple[str, str]] = []
    tries = 0
    while len(pairs) < count and tries < count * 20:
        tries += 1
        s, t = rng.choice(nodes), rng.choice(nodes)
        if s != t and projection.shortest(s, t, options) is not None:
            pairs.append((s, t))
    print(f"  {len(pairs)} connected pairs from {tries} random draws")
    return pairs


def bench_igraph(
    projection: Projection, options: PathOptions, pairs: list[tuple[str, str]]
) -> list[float]:
    import igraph

    index = {n: i for i, n in enumerate(projection.nodes())}
    edges = [(index[u], index[v]) for u, v in _walkable_edges(projection, options)]
    seconds, graph = _timed(lambda: igraph.Graph(n=len(index), edges=edges, directed=True))
    print(
        f"  igraph graph built in {seconds:.1f} s ({graph.vcount():,} nodes, {graph.ecount():,} edges)"
    )
    samples = []
    for s, t in pairs:
        elapsed, _ = _timed(
            lambda s=s, t=t: graph.get_shortest_path(index[s], index[t], mode="all")
        )
        samples.append(elapsed)
    return samples


def bench_sparql(kg: KnowledgeGraph, pairs: list[tuple[str, str]], budget: float) -> None:
    relations = sorted(kg.ontology.claimed_relations - kg.ontology.non_traversable)
    step = "|".join([f"<{r}>" for r in relations] + [f"^<{r}>" for r in relations])
    samples: list[float] = []
    spent = 0.0
    for s, t in pairs:
        query = f"ASK {{ <{s}> ({step})+ <{t}> }}"
        elapsed, result = _timed(lambda q=query: kg.store.query(q).boolean)
        samples.append(elapsed)
        spent += elapsed
        if not result:
            print(f"  SPARQL said no path for {s} {t}")
        if spent > budget:
            break
    print(f"SPARQL property path (reachability only, Oxigraph): {_percentiles(samples)}")


def bench_http(args: argparse.Namespace, pairs: list[tuple[str, str]]) -> None:
    import httpx

    if not args.port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    env = {**os.environ, "SKG_QUERY_TIMEOUT": "600", "SKG_STORE": str(args.store)}
    server = subprocess.Popen(
        [sys.executable, "-m", "supplychain_kg.cli", "-q", "serve", "--port", str(args.port)],
        env=env,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            for _ in range(1200):
                if server.poll() is not None:
                    raise SystemExit(f"the server stopped (exit code {server.returncode})")
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.5)
            s, t = pairs[0]
            warm, _ = _timed(
                lambda: client.get("/paths", params={"source": s, "target": t, "k": 1})
            )
            print(f"  server warm-up (builds its projection): {warm:.1f} s")
            samples = []
            for s, t in pairs:
                elapsed, response = _timed(
                    lambda s=s, t=t: client.get("/paths", params={"source": s, "target": t, "k": 1})
                )
                assert response.status_code == 200, response.text
                samples.append(elapsed)
            print(f"HTTP GET /paths k=1 (whole answer with evidence): {_percentiles(samples)}")
    finally:
        server.terminate()
        server.wait(timeout=60)


def bench_in_process(
    kg: KnowledgeGraph, projection: Projection, options: PathOptions, pairs: list[tuple[str, str]]
) -> list[float]:
    """Shortest paths, k=5 alternatives and a capped hub neighbourhood, in this process."""
    samples = [_timed(lambda s=s, t=t: projection.shortest(s, t, options))[0] for s, t in pairs]
    print(f"in-process shortest path (search only):        {_percentiles(samples)}")
    print(f"  {_cpu_percentiles(len(samples))}")
    ours = samples
    samples = [_timed(lambda s=s, t=t: kg.paths(s, t, k=1))[0] for s, t in pairs]
    print(f"in-process kg.paths k=1 (answer with evidence): {_percentiles(samples)}")
    print(f"  {_cpu_percentiles(len(samples))}")
    some = pairs[: max(1, len(pairs) // 10)]
    samples = [
        _timed(lambda s=s, t=t: projection.k_shortest(s, t, options, 5)[0])[0] for s, t in some
    ]
    print(f"in-process k=5 alternatives (search only):      {_percentiles(samples)}")
    samples = [_timed(lambda s=s, t=t: kg.paths(s, t, k=5))[0] for s, t in some]
    print(f"in-process kg.paths k=5 (answer with evidence): {_percentiles(samples)}")

    hub = max(projection.nodes(), key=projection.degree)
    elapsed, answer = _timed(lambda: kg.neighbors(hub, depth=2, limit=50))
    print(
        f"depth-2 neighbourhood of the biggest hub ({projection.degree(hub):,} links), cap 50: "
        f"{elapsed * 1000:.0f} ms, {len(answer['nodes']):,} nodes, {len(answer['edges']):,} edges, "
        f"{len(answer['more'])} capped entities"
    )

    return ours


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True, help="on-disk store directory")
    parser.add_argument("--load", type=Path, help="N-Triples file to bulk-load first")
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--sparql-pairs", type=int, default=20, help="0: skip SPARQL")
    parser.add_argument("--sparql-budget", type=float, default=120.0, help="seconds")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--no-igraph", action="store_true")
    args = parser.parse_args()

    if args.load:
        store = open_store(args.store)
        elapsed, _ = _timed(lambda: store.parse_into(args.load, "application/n-triples"))
        print(f"bulk-loaded {len(store):,} triples in {elapsed:.1f} s")
        store.close()

    kg = KnowledgeGraph.open(Settings(store_dir=args.store, seed=False))
    print(
        f"store: {len(kg.store):,} triples; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    rss_before = _status("VmRSS")
    _reset_peak()
    build, projection = _timed(kg.projection)
    print(
        f"projection build: {build:.1f} s wall, {_CPU[-1]:.1f} s CPU, "
        f"{sum(1 for _ in projection.nodes()):,} nodes, "
        f"{projection.compact.edge_count():,} edges; RSS {rss_before:.2f} -> {_status('VmRSS'):.2f} GB "
        f"(+{_status('VmRSS') - rss_before:.2f} GB), peak {_status('VmHWM'):.2f} GB"
    )

    elapsed, index = _timed(kg.index)
    print(f"name index (for ids, IRIs and names): {len(index):,} entities in {elapsed:.1f} s")
    options = PathOptions(exclude=kg.ontology.non_traversable)
    pairs = _pairs(projection, options, args.pairs, args.seed)
    lengths = [len(projection.shortest(s, t, options) or []) - 1 for s, t in pairs]
    print(f"  path lengths: mean {statistics.fmean(lengths):.2f}, max {max(lengths)}")

    ours = bench_in_process(kg, projection, options, pairs)
    if not args.no_igraph:
        igraph_samples = bench_igraph(projection, options, pairs)
        print(f"igraph shortest path (C, unidirectional BFS):  {_percentiles(igraph_samples)}")
        print(f"  {_cpu_percentiles(len(igraph_samples))}")
        ratio = statistics.median(ours) / statistics.median(igraph_samples)
        print(f"  in-process search / igraph (p50): {ratio:.2f}x")
    kg.close()

    if not args.no_http:
        bench_http(args, pairs)
    if args.sparql_pairs:
        # last: one property-path query can run for minutes and cannot be interrupted
        kg = KnowledgeGraph.open(Settings(store_dir=args.store, seed=False))
        bench_sparql(kg, pairs[: args.sparql_pairs], args.sparql_budget)
        kg.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
