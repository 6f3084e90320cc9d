"""Benchmark the explorer page in headless Chromium: request to drawn, on a synthetic graph.

    python benchmarks/generate.py --entities 1000000 --out /tmp/e1m.nt
    python benchmarks/explorer.py --store /tmp/e1m-store --load /tmp/e1m.nt   # first run loads
    python benchmarks/explorer.py --store /tmp/e1m-store                      # later runs reuse it
    python benchmarks/explorer.py --store /tmp/e1m-store --hub e0 --pair e667471 e27375

Finds (in-process, from the path projection) the entity with the most links and a pair of
entities exactly five hops apart, then serves the store with ``skg serve`` on loopback and, in
headless Debian chromium (Playwright), times from the request to the drawn view:

- the hub's capped neighbourhood (``/entities/{hub}/neighbors?limit=25``, and ``limit=200``),
  measured inside the page from the fetch to two animation frames after the layout;
- the evidence panel for the hub (every link and claim of the hub; listed 60 links at a time);
- a five-hop path found with the path finder (form submit to drawn, highlighted and listed).

Each is run ``--repeat`` times after one warm-up; the median and the worst are printed, with
the HTTP time of the same request from Python for comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from supplychain_kg.config import Settings  # noqa: E402
from supplychain_kg.service import KnowledgeGraph  # noqa: E402
from supplychain_kg.store import open_store  # noqa: E402
from tests.browser import chromium, session  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def targets(store_dir: Path, seed: int) -> tuple[str, int, str, str]:
    """The biggest hub (id, degree) and a pair exactly five hops apart (ids)."""
    kg = KnowledgeGraph.open(Settings(store_dir=store_dir, seed=False))
    try:
        started = time.perf_counter()
        graph = kg.projection().graph
        print(
            f"projection: {graph.number_of_nodes():,} entities, {graph.number_of_edges():,} links "
            f"in {time.perf_counter() - started:.1f} s"
        )
        hub, degree = max(graph.degree, key=lambda item: item[1])
        undirected = graph.to_undirected(as_view=True)
        rng = random.Random(seed)
        nodes = list(graph.nodes)
        for _ in range(200):
            source = rng.choice(nodes)
            layers = nx.single_source_shortest_path_length(undirected, source, cutoff=5)
            far = sorted(n for n, d in layers.items() if d == 5)
            if far:
                return _slug(hub), degree, _slug(source), _slug(rng.choice(far))
        raise SystemExit("no pair of entities five hops apart in 200 tries")
    finally:
        kg.close()


@contextlib.contextmanager
def server(store_dir: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "SKG_QUERY_TIMEOUT": "600", "SKG_STORE": str(store_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "supplychain_kg.cli", "-q", "serve", "--port", str(port)], env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(2400):
            if process.poll() is not None:
                raise SystemExit(f"the server stopped (exit code {process.returncode})")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            time.sleep(0.25)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=300)  # closing a big store can take a while
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _summary(name: str, samples: list[float], extra: str = "") -> None:
    print(
        f"{name:<48} median {statistics.median(samples):7.0f} ms  worst {max(samples):7.0f} ms"
        f"  (n={len(samples)}){extra}"
    )


def _timings(ui: Any, what: str, before: int) -> dict[str, Any]:
    ui.page.wait_for_function(
        f"() => window.skgTimings.filter(t => t.what === {what!r}).length > {before}",
        timeout=120_000,
    )
    entries = ui.js(f"() => window.skgTimings.filter(t => t.what === {what!r})")
    return dict(entries[-1])


def _count(ui: Any, what: str) -> int:
    return int(ui.js(f"() => window.skgTimings.filter(t => t.what === {what!r}).length"))


def bench_neighbourhood(ui: Any, base: str, hub: str, limit: int, repeat: int) -> None:
    ui.page.fill("#view-limit", str(limit))
    drawn: list[float] = []
    panel: list[float] = []
    links = 0
    for run in range(repeat + 1):
        before, panels = _count(ui, "neighbourhood"), _count(ui, "panel")
        ui.js("(id) => window.skgExplorer.open(id)", hub)
        entry = _timings(ui, "neighbourhood", before)
        shown = _timings(ui, "panel", panels)
        if run:  # the first run warms the server's caches and the page's code
            drawn.append(entry["ms"])
            panel.append(shown["ms"])
            links = shown["links"]
    nodes = ui.js("() => window.skgExplorer.cy.nodes('[kind = \"entity\"]').length")
    ui.shot(f"benchmark-hub-limit-{limit}")
    url = f"{base}/entities/{hub}/neighbors?limit={limit}&include_disputed=true"
    http = [_http(url) for _ in range(repeat)]
    _summary(
        f"hub neighbourhood, limit {limit} (request to drawn)",
        drawn,
        f"; {nodes} entities drawn; HTTP alone median {statistics.median(http):.0f} ms",
    )
    _summary(f"  evidence panel of the hub ({links:,} links)", panel)


def bench_path(ui: Any, base: str, source: str, target: str, repeat: int) -> None:
    ui.page.fill("#path-from", source)
    ui.page.fill("#path-to", target)
    ui.page.fill("#path-hops", "5")
    ui.page.fill("#path-k", "3")
    samples: list[float] = []
    for run in range(repeat + 1):
        before = _count(ui, "paths")
        ui.page.click("#path-form button[type=submit]")
        entry = _timings(ui, "paths", before)
        if run:
            samples.append(entry["ms"])
    hops = ui.page.locator("#path-result .path").first.locator(".hop").count()
    ui.shot("benchmark-5-hop-path")
    paths = ui.page.locator("#path-result .path").count()
    url = f"{base}/paths?source={source}&target={target}&max_hops=5&k=3"
    http = [_http(url) for _ in range(repeat)]
    _summary(
        "5-hop path, k=3 (submit to drawn and listed)",
        samples,
        f"; {paths} path(s) of {hops} hops; HTTP alone median {statistics.median(http):.0f} ms",
    )


def _http(url: str) -> float:
    started = time.perf_counter()
    response = httpx.get(url, timeout=600)
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True, help="on-disk store directory")
    parser.add_argument("--load", type=Path, help="N-Triples file to bulk-load first")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hub", help="skip the search: this hub (id) ...")
    parser.add_argument("--pair", nargs=2, metavar=("SOURCE", "TARGET"), help="... and pair")
    args = parser.parse_args()

    if args.load:
        store = open_store(args.store)
        started = time.perf_counter()
        store.parse_into(args.load, "application/n-triples")
        print(f"bulk-loaded {len(store):,} triples in {time.perf_counter() - started:.1f} s")
        store.close()

    if args.hub and args.pair:
        hub, (source, target) = args.hub, args.pair
        print(f"hub: {hub}; five hops apart: {source} -> {target}")
    else:
        hub, degree, source, target = targets(args.store, args.seed)
        gc.collect()
        print(f"hub: {hub} ({degree:,} links); five hops apart: {source} -> {target}")
    with server(args.store) as base:
        started = time.perf_counter()
        httpx.get(f"{base}/paths?source={source}&target={target}&max_hops=5&k=1", timeout=900)
        print(f"server warm-up (builds its path projection): {time.perf_counter() - started:.1f} s")
        with chromium() as browser, session(browser, base) as ui:
            started = time.perf_counter()
            ui.open()
            print(f"page load to ready: {(time.perf_counter() - started) * 1000:.0f} ms")
            bench_neighbourhood(ui, base, hub, 25, args.repeat)
            bench_neighbourhood(ui, base, hub, 200, args.repeat)
            bench_path(ui, base, source, target, args.repeat)
            outside = ui.external()
            print(f"requests beyond 127.0.0.1: {len(outside)}; browser errors: {len(ui.errors)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
