"""Benchmark: GraphML export of the synthetic graph, next to networkx and igraph.

    python benchmarks/export.py                      # 1M entities, 4M relations
    python benchmarks/export.py --entities 100000    # smaller
    python benchmarks/export.py --store /tmp/skg-bench-store --entities 1000000
    python benchmarks/export.py --entities 1000000 --relations 5000000 --stream-only

Steps: generate the graph with benchmarks/generate.py (cached under --work), bulk-load it into
an on-disk store (kept, so a second run skips the load), then:

* the export as ``skg export`` makes it: the whole graph streamed from the store into GraphML
  (``supplychain_kg.export.run_export``, every attribute and all the evidence), with its time,
  file size and peak memory above the process's size before it (the store open, nothing else);
  this is the figure of issue 18 (<= 60 s at 1M entities / 5M relations); ``--stream-only``
  stops here.

Then, to compare writers, build the export graph in memory from the store (as exports did
before they streamed), check that its GraphML is the streamed file byte for byte, and write
GraphML three ways, each in a forked child process so that their memory does not mix:

* ours: ``supplychain_kg.export.write_graphml`` (every attribute: label, id, IRI, types,
  country, aliases, identifiers; relation, label, stance, claim counts, claim ids, source
  titles and URLs, earliest and latest claim date);
* ``networkx.write_graphml`` of the same projection as a MultiDiGraph with the same
  (flattened) attributes;
* igraph's ``Graph.write_graphml`` of the same projection with the same attributes.

For each it prints the time, the file size and the peak memory above the process's size
before the write (the projection it writes from is already in memory then; for networkx and
igraph that includes their own graph, built before the clock starts). Peak memory is the
kernel's high-water mark (VmHWM), reset before each write through /proc/self/clear_refs: it
is the growth of resident memory, so memory the process had freed and reuses is not counted.

Measured on 2026-11-26 (2 cores shared with other jobs, load average about 8), 1,000,000
entities and 4,000,000 relations (45.6M triples; load 683 s; projection of 1,000,000 nodes and
3,991,974 edges built from the on-disk store in 1620 s, 5.7 GiB):
ours 28.9 s, 1942 MiB, peak +0.1 MiB; networkx 274.4 s, 2081 MiB, peak +5.9 MiB;
igraph 85.4 s, 2985 MiB, peak -0.1 MiB. Ours: 9.5x faster than networkx, 1.1% of its peak.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from supplychain_kg.export import (  # noqa: E402
    ExportGraph,
    ExportRequest,
    flatten,
    run_export,
    to_networkx,
    write_graphml,
)
from supplychain_kg.export.scope import whole  # noqa: E402
from supplychain_kg.store import open_store  # noqa: E402
from supplychain_kg.validate import load_ontology  # noqa: E402

MIB = 1024 * 1024


def _status(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _in_child(job: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``job`` in a forked child and return the dict it reports."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        try:
            result = job()
        except BaseException as exc:  # report, never return into the parent's code
            result = {"error": f"{type(exc).__name__}: {exc}"}
        with os.fdopen(write, "w") as out:
            json.dump(result, out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as inp:
        data = inp.read()
    os.waitpid(pid, 0)
    return json.loads(data) if data else {"error": "the child died (out of memory?)"}


def _measure(prepare: Callable[[], Any], write: Callable[[Any, Path], None], path: Path) -> Any:
    def job() -> dict[str, Any]:
        subject = prepare()
        gc.collect()
        gc.freeze()
        _reset_peak()
        base = _status("VmRSS")
        started = time.perf_counter()
        write(subject, path)
        seconds = time.perf_counter() - started
        peak = _status("VmHWM")
        return {
            "seconds": seconds,
            "bytes": path.stat().st_size,
            "peak_above_base": peak - base,
            "base": base,
        }

    return _in_child(job)


def _ours(graph: ExportGraph, path: Path) -> None:
    with path.open("wb") as out:
        write_graphml(graph, out)


def _igraph(graph: ExportGraph) -> Any:
    import igraph

    ids = graph.node_ids()
    index = {iri: i for i, iri in enumerate(graph.nodes)}
    g = igraph.Graph(directed=True)
    g.add_vertices(len(graph.nodes))
    nodes = list(graph.nodes.values())
    for name in ("label", "entity_id", "iri"):
        g.vs[name] = [getattr(n, name) for n in nodes]
    for name in ("types", "country", "aliases", "identifiers"):
        g.vs[name] = [flatten(getattr(n, name)) if getattr(n, name) else "" for n in nodes]
    g.vs["node_id"] = list(ids.values())
    g.add_edges([(index[e.source], index[e.target]) for e in graph.edges])
    for name in ("label", "relation", "relation_iri", "stance", "earliest_claim_date",
                 "latest_claim_date"):  # fmt: skip
        g.es[name] = [getattr(e, name) for e in graph.edges]
    for name in ("claims", "asserted_claims", "denied_claims"):
        g.es[name] = [getattr(e, name) for e in graph.edges]
    for name in ("claim_ids", "sources", "source_urls"):
        g.es[name] = [flatten(getattr(e, name)) if getattr(e, name) else "" for e in graph.edges]
    return g


def _networkx_write(g: Any, path: Path) -> None:
    import networkx as nx

    nx.write_graphml(g, str(path))


def _generate(entities: int, relations: int, work: Path) -> Path:
    data = work / f"synthetic-{entities}-{relations}.nt"
    if not data.exists():
        tmp = data.with_suffix(".part")
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "generate.py"),
             "--entities", str(entities), "--relations", str(relations), "--out", str(tmp)],
            check=True,
        )  # fmt: skip
        tmp.replace(data)
    return data


def _report(name: str, result: dict[str, Any], reference: dict[str, Any] | None) -> None:
    if "error" in result:
        print(f"{name:<22} failed: {result['error']}")
        return
    line = (
        f"{name:<22} {result['seconds']:8.2f} s  {result['bytes'] / MIB:9.1f} MiB  "
        f"peak +{result['peak_above_base'] / MIB:8.1f} MiB"
    )
    if reference and "error" not in reference:
        line += (
            f"   ({reference['seconds'] / result['seconds']:.1f}x faster than networkx, "
            f"{100 * result['peak_above_base'] / reference['peak_above_base']:.1f}% of its "
            "peak memory)"
        )
    print(line, flush=True)


def _streamed(store: Any, ontology: Any, path: Path) -> None:
    """The whole graph streamed from the store into ``path``, measured in this process (the
    store is open, nothing else is loaded yet)."""
    gc.collect()
    _reset_peak()
    base = _status("VmRSS")
    started = time.perf_counter()
    with path.open("wb") as target:
        nodes, edges = run_export(store, ontology, ExportRequest(), target) or (0, 0)
    seconds = time.perf_counter() - started
    peak = _status("VmHWM") - base
    print(
        f"\nstreamed GraphML export of {nodes:,} nodes and {edges:,} edges from the store: "
        f"{seconds:.2f} s, {path.stat().st_size / MIB:.1f} MiB, peak +{peak / MIB:.1f} MiB "
        f"(process before: {base / MIB:.0f} MiB)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--relations", type=int, help="default: 4 per entity")
    parser.add_argument("--work", type=Path, default=Path("/tmp/skg-bench"))
    parser.add_argument("--store", type=Path, help="store directory (default: under --work)")
    parser.add_argument("--skip-networkx", action="store_true")
    parser.add_argument(
        "--stream-only",
        action="store_true",
        help="only the streamed export (no in-memory graph, networkx or igraph)",
    )
    args = parser.parse_args(argv)
    relations = args.relations or 4 * args.entities
    args.work.mkdir(parents=True, exist_ok=True)
    store_dir = args.store or args.work / f"store-{args.entities}-{relations}"

    started = time.perf_counter()
    data = _generate(args.entities, relations, args.work)
    store = open_store(store_dir)
    if len(store) == 0:
        print(f"loading {data.name} ({data.stat().st_size / MIB:.0f} MiB) ...", flush=True)
        load_start = time.perf_counter()
        store.parse_into(data, "application/n-triples")
        print(f"loaded {len(store):,} triples in {time.perf_counter() - load_start:.1f} s")
    print(f"store ready: {len(store):,} triples ({time.perf_counter() - started:.1f} s)")

    ontology = load_ontology()
    out = args.work / "out"
    out.mkdir(exist_ok=True)
    streamed = out / "streamed.graphml"
    _streamed(store, ontology, streamed)
    if args.stream_only:
        store.close()
        return 0

    before = _status("VmRSS")
    build_start = time.perf_counter()
    graph = whole(store, ontology)
    build = time.perf_counter() - build_start
    gc.collect()
    size = _status("VmRSS") - before
    print(
        f"projection: {len(graph.nodes):,} nodes, {len(graph.edges):,} edges, built in "
        f"{build:.1f} s, {size / MIB:.0f} MiB of memory (process: {_status('VmRSS') / MIB:.0f} MiB)",
        flush=True,
    )
    ours = _measure(lambda: graph, _ours, out / "ours.graphml")
    same = (out / "ours.graphml").read_bytes() == streamed.read_bytes()
    print(f"in-memory GraphML is the streamed file byte for byte: {'yes' if same else 'NO'}")
    reference = None
    if not args.skip_networkx:
        reference = _measure(lambda: to_networkx(graph), _networkx_write, out / "networkx.graphml")
    igraph_result = _measure(
        lambda: _igraph(graph), lambda g, p: g.write_graphml(str(p)), out / "igraph.graphml"
    )
    print(f"\nGraphML of {len(graph.nodes):,} nodes and {len(graph.edges):,} edges:")
    _report("supplychain-kg", ours, reference)
    if reference is not None:
        _report("networkx.write_graphml", reference, None)
    _report("igraph write_graphml", igraph_result, None)
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
