"""SPARQL endpoint benchmark: `skg serve` vs rdflib-endpoint vs a bare pyoxigraph floor.

One run serves the same synthetic graph (benchmarks/generate.py) three ways on loopback ports
and prints, per query, the median and p95 latency over --requests sequential requests, then
requests per second for the one-entity lookup with --clients concurrent clients for
--seconds (with ApacheBench `ab` when installed, else Python threads).

    python benchmarks/generate.py --triples 1000000 --out benchmarks/out/synthetic-1m.nt
    python benchmarks/sparql.py --data benchmarks/out/synthetic-1m.nt \
        --rdflib-endpoint /path/to/venv/bin/rdflib-endpoint

rdflib-endpoint is not a dependency: install it in a separate virtual environment
(`python -m venv /tmp/bench && /tmp/bench/bin/pip install rdflib-endpoint`) and pass its
command. --budget caps the seconds spent on one query on one server (a slow peer then answers
fewer than --requests requests; the count is printed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx

HERE = Path(__file__).resolve().parent
SKG = "https://w3id.org/supplychain-kg/ontology#"
ID = "https://w3id.org/supplychain-kg/id/"
QUERIES = {
    # e16229: an ordinary contractor; e0: the synthetic graph's largest vendor hub
    "one entity's relations": f"""SELECT ?p ?o ?s WHERE {{
  {{ <{ID}e16229> ?p ?o }} UNION {{ ?s ?p <{ID}e16229> }} }}""",
    "two-hop join vendor->contractor->project": f"""SELECT DISTINCT ?project WHERE {{
  ?contractor <{SKG}sourcesFrom> <{ID}e0> ; <{SKG}wonTender> ?tender .
  ?tender <{SKG}forProject> ?project }}""",
    "count by relation type": f"""SELECT ?relation (COUNT(?claim) AS ?n) WHERE {{
  ?claim <{SKG}relation> ?relation }} GROUP BY ?relation ORDER BY DESC(?n)""",
    "property path sourcesFrom+": f"""SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{
  ?x <{SKG}sourcesFrom>+ <{ID}e0> }}""",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    query = quote("ASK {}")
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {process.returncode}")
        try:
            if httpx.get(f"{url}?query={query}", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


def prepare_store(data: Path, store: Path) -> None:
    """Bulk-load ``data`` into an skg store directory (``store/db``) once."""
    import pyoxigraph as ox

    if (store / "db").is_dir():
        return
    store.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    db = ox.Store(str(store / "db"))
    db.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
    db.flush()
    print(f"loaded {len(db):,} triples into {store} in {time.perf_counter() - started:.1f} s")
    del db


def start_servers(
    args: argparse.Namespace, store: Path
) -> dict[str, tuple[str, subprocess.Popen[bytes]]]:
    servers: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    port = free_port()
    env = {**os.environ, "SKG_STORE": str(store), "SKG_QUERY_TIMEOUT": "600"}
    env.pop("SKG_WRITE_TOKEN", None)
    cmd = [sys.executable, "-m", "supplychain_kg.cli", "-q", "serve", "--port", str(port)]
    servers["skg serve"] = (f"http://127.0.0.1:{port}/sparql", subprocess.Popen(cmd, env=env))
    port = free_port()
    cmd = [sys.executable, str(HERE / "floor_app.py"), str(store / "db"), str(port)]
    servers["bare floor"] = (f"http://127.0.0.1:{port}/", subprocess.Popen(cmd))
    if args.rdflib_endpoint:
        port = free_port()
        cmd = [
            args.rdflib_endpoint,
            "serve",
            str(args.data),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        peer = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers["rdflib-endpoint"] = (f"http://127.0.0.1:{port}/", peer)
    for name, (url, process) in servers.items():
        wait_up(url, process, 900 if name == "rdflib-endpoint" else 120)
        print(f"{name} is up at {url}")
    return servers


def latencies(url: str, query: str, requests: int, budget: float) -> tuple[list[float], str]:
    """Sequential request times, and which engine answered (skg's X-SKG-Engine header)."""
    times: list[float] = []
    engines: set[str] = set()
    headers = {"accept": "application/sparql-results+json"}
    started = time.monotonic()
    with httpx.Client(timeout=900) as client:
        for _ in range(requests):
            before = time.perf_counter()
            answer = client.get(url, params={"query": query}, headers=headers)
            times.append(time.perf_counter() - before)
            answer.raise_for_status()
            engines.add(answer.headers.get("x-skg-engine", "-"))
            if time.monotonic() - started > budget:
                break
    return times, "+".join(sorted(engines))


def wait_for_index(url: str, query: str, timeout: float) -> None:
    """Wait until skg answers ``query`` from its graph index (built in the background at
    startup; until then Oxigraph answers, which would measure the start-up, not the index)."""
    started = time.monotonic()
    with httpx.Client(timeout=60) as client:
        while time.monotonic() - started < timeout:
            answer = client.get(url, params={"query": query})
            if answer.headers.get("x-skg-engine") == "graph-index":
                print(f"skg serve's graph index is ready ({time.monotonic() - started:.1f} s)")
                return
            time.sleep(0.2)
    print(f"skg serve's graph index was not ready after {timeout:g} s: Oxigraph answers")


def rps(url: str, query: str, clients: int, seconds: float) -> float:
    target = f"{url}?query={quote(query)}"
    ab = shutil.which("ab")
    if ab:
        out = subprocess.run(
            [
                ab,
                "-k",
                "-q",
                "-c",
                str(clients),
                "-t",
                str(seconds),
                "-n",
                "10000000",
                "-H",
                "Accept: application/sparql-results+json",
                target,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        failed = [line for line in out.splitlines() if line.startswith("Non-2xx")]
        if failed:
            raise RuntimeError(f"errors during the load test: {failed}")
        line = next(line for line in out.splitlines() if line.startswith("Requests per second"))
        return float(line.split()[3])
    count = [0] * clients
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < stop:
                client.get(target).raise_for_status()
                count[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(count) / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="N-Triples from generate.py")
    parser.add_argument("--store", type=Path, help="skg store directory (default: beside --data)")
    parser.add_argument("--rdflib-endpoint", help="the rdflib-endpoint command (a separate venv)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--budget", type=float, default=300.0, help="seconds per query per server")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    store = args.store or args.data.with_suffix(".skg-store")
    prepare_store(args.data, store)
    servers = start_servers(args, store)
    try:
        wait_for_index(servers["skg serve"][0], QUERIES["property path sourcesFrom+"], 300)
        print(f"\n{'query':44} {'server':16} {'n':>4} {'median ms':>10} {'p95 ms':>10}  engine")
        medians: dict[tuple[str, str], float] = {}
        for label, query in QUERIES.items():
            for name, (url, _) in servers.items():
                measured, engine = latencies(url, query, args.requests, args.budget)
                times = sorted(measured)
                median = statistics.median(times) * 1000
                p95 = times[min(len(times) - 1, int(len(times) * 0.95))] * 1000
                medians[(label, name)] = median
                print(f"{label:44} {name:16} {len(times):4} {median:10.2f} {p95:10.2f}  {engine}")
        print()
        for label in QUERIES:
            skg = medians[(label, "skg serve")]
            floor = medians[(label, "bare floor")]
            peer = medians.get((label, "rdflib-endpoint"))
            vs_peer = f"{peer / skg:7.1f}x faster than rdflib-endpoint" if peer else ""
            print(f"{label:44} skg/floor {skg / floor:5.2f}  {vs_peer}")
        label = "one entity's relations"
        print()
        for name in ("skg serve", "bare floor"):
            url = servers[name][0]
            value = rps(url, QUERIES[label], args.clients, args.seconds)
            print(
                f"{name:16} {value:8.0f} requests/s ({label}, {args.clients} clients, {args.seconds:g} s)"
            )
    finally:
        for _, process in servers.values():
            process.terminate()
        for _, process in servers.values():
            process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
