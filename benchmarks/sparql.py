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

--writes measures the graph index under writes instead: `skg serve` alone (with a write
token), --clients readers sending join, path and lookup queries of the index's subset at random
entities for --seconds while the server is quiet, then again while one writer streams small
model-valid writes through /update, each inserted then deleted (--write claim: a claim and its
direct triple, which the projection is patched for; --write alias: an entity's alias); it
prints the share of reads the index answered in each phase (target: under writes at least 90%
of the quiet share), reads per second and the writes' median time.

    python benchmarks/sparql.py --data benchmarks/out/synthetic-1m.nt --writes --write alias
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
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


def start_skg(store: Path, token: str | None = None) -> tuple[str, subprocess.Popen[bytes]]:
    """``skg serve`` on ``store`` at a free loopback port (writes on with ``token``)."""
    port = free_port()
    env = {**os.environ, "SKG_STORE": str(store), "SKG_QUERY_TIMEOUT": "600"}
    env.pop("SKG_WRITE_TOKEN", None)
    if token:
        env["SKG_WRITE_TOKEN"] = token
    cmd = [sys.executable, "-m", "supplychain_kg.cli", "-q", "serve", "--port", str(port)]
    return f"http://127.0.0.1:{port}/sparql", subprocess.Popen(cmd, env=env)


def start_servers(
    args: argparse.Namespace, store: Path
) -> dict[str, tuple[str, subprocess.Popen[bytes]]]:
    servers: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    servers["skg serve"] = start_skg(store)
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


# -- the graph index under writes (--writes) ---------------------------------------------------

READS = [  # the index's subset; {m}: a manufacturer, {c}: a contractor
    f"""SELECT DISTINCT ?project WHERE {{{{ ?contractor <{SKG}sourcesFrom> <{{m}}> ;
  <{SKG}wonTender> ?tender . ?tender <{SKG}forProject> ?project }}}}""",
    f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{{{ ?x <{SKG}sourcesFrom>+ <{{m}}> }}}}",
    f"""SELECT ?tender ?project WHERE {{{{ <{{c}}> <{SKG}wonTender> ?tender .
  ?tender <{SKG}forProject> ?project }}}}""",
]
JSON = {"accept": "application/sparql-results+json"}


def entities(url: str, role: str, limit: int) -> list[str]:
    query = f"SELECT ?e WHERE {{ ?e a <{SKG}{role}> }} LIMIT {limit}"
    rows = httpx.get(url, params={"query": query}, headers=JSON, timeout=600).json()
    return [row["e"]["value"] for row in rows["results"]["bindings"]]


def read_loop(url: str, ends: tuple[list[str], list[str]], stop: threading.Event) -> Counter[str]:
    """Random queries of the index's subset until ``stop``; how many each engine answered."""
    rng = random.Random(threading.get_ident())
    engines: Counter[str] = Counter()
    with httpx.Client(timeout=600) as client:
        while not stop.is_set():
            query = rng.choice(READS).format(m=rng.choice(ends[0]), c=rng.choice(ends[1]))
            answer = client.get(url, params={"query": query}, headers=JSON)
            answer.raise_for_status()
            engines[answer.headers.get("x-skg-engine", "-")] += 1
    return engines


def write_data(
    kind: str,
    k: int,
    ends: tuple[list[str], list[str]],
    *,
    client: httpx.Client,
    url: str,
    rng: random.Random,
) -> str | None:
    """The triples of one small model-valid write (None: this pick would not be one)."""
    m, c = rng.choice(ends[0]), rng.choice(ends[1])
    if kind == "alias":
        return f'<{c}> <http://www.w3.org/2004/02/skos/core#altLabel> "bench alias {k}" .'
    ask = f"ASK {{ <{c}> <{SKG}sourcesFrom> <{m}> }}"
    if client.get(url, params={"query": ask}, headers=JSON).json()["boolean"]:
        return None  # deleting it would orphan the claims behind it
    claim = f"<{ID}claim/bench-{k}>"
    return f"""<{c}> <{SKG}sourcesFrom> <{m}> . {claim} a <{SKG}Claim> ;
  <{SKG}slug> "bench-{k}" ; <{SKG}subject> <{c}> ; <{SKG}relation> <{SKG}sourcesFrom> ;
  <{SKG}object> <{m}> ; <{SKG}stance> <{SKG}Asserted> ; <{SKG}source> <{ID}source/s0> ;
  <{SKG}quote> "A benchmark write." ; <{SKG}attribution> "the benchmark" ."""


def write_loop(
    url: str, token: str, kind: str, ends: tuple[list[str], list[str]], stop: threading.Event
) -> list[float]:
    """Small model-valid writes until ``stop``, each inserted then deleted (``kind``: a claim
    with its direct triple, or an alias); returns their durations."""
    rng = random.Random(19)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/sparql-update"}
    times: list[float] = []
    with httpx.Client(timeout=600) as client:
        while not stop.is_set():
            data = write_data(kind, len(times), ends, client=client, url=url, rng=rng)
            if data is None:
                continue
            for verb in ("INSERT", "DELETE"):
                started = time.perf_counter()
                update = f"{verb} DATA {{ {data} }}"
                client.post(
                    f"{url[: -len('sparql')]}update", content=update, headers=headers
                ).raise_for_status()
                times.append(time.perf_counter() - started)
    return times


def phase(
    url: str, ends: tuple[list[str], list[str]], args: argparse.Namespace, token: str | None
) -> tuple[Counter[str], list[float]]:
    """Readers (and a writer with ``token``) for --seconds: reads per engine, write times."""
    stop = threading.Event()
    results: list[Counter[str]] = []
    writes: list[float] = []
    threads = [
        threading.Thread(target=lambda: results.append(read_loop(url, ends, stop)))
        for _ in range(args.clients)
    ]
    if token:
        threads.append(
            threading.Thread(
                target=lambda: writes.extend(write_loop(url, token, args.write, ends, stop))
            )
        )
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(results, Counter()), writes


def under_writes(args: argparse.Namespace, store: Path) -> None:
    """The share of reads the graph index answers, quiet and under a stream of writes."""
    token = secrets.token_urlsafe(16)
    url, process = start_skg(store, token)
    try:
        wait_up(url, process, 120)
        ends = (entities(url, "Manufacturer", 300), entities(url, "Contractor", 3000))
        wait_for_index(url, READS[1].format(m=ends[0][0]), 300)
        shares = {}
        for name, writer in (("quiet", None), ("under writes", token)):
            engines, writes = phase(url, ends, args, writer)
            reads = sum(engines.values())
            shares[name] = engines["graph-index"] / reads
            median = statistics.median(writes) * 1000 if writes else 0.0
            print(
                f"{name:13} {args.clients} readers, {args.seconds:g} s: {reads:,} reads "
                f"({reads / args.seconds:,.1f}/s), {engines['graph-index']:,} from the graph "
                f"index ({shares[name]:.1%}); {len(writes):,} {args.write} writes "
                f"(median {median:,.0f} ms)"
            )
        ratio = shares["under writes"] / shares["quiet"]
        print(f"under writes the index answered {ratio:.1%} of its quiet share (target: >= 90%)")
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="N-Triples from generate.py")
    parser.add_argument("--store", type=Path, help="skg store directory (default: beside --data)")
    parser.add_argument("--rdflib-endpoint", help="the rdflib-endpoint command (a separate venv)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--budget", type=float, default=300.0, help="seconds per query per server")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--writes", action="store_true", help="the graph index under writes")
    parser.add_argument(
        "--write",
        choices=["claim", "alias"],
        default="claim",
        help="with --writes: a claim and its direct triple, or an entity's alias",
    )
    args = parser.parse_args()
    store = args.store or args.data.with_suffix(".skg-store")
    prepare_store(args.data, store)
    if args.writes:
        under_writes(args, store)
        return 0
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
