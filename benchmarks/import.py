# ruff: noqa: N999  (the module is named after the command it measures)
"""Benchmark `skg import ftm`: generate FollowTheMoney entities, import them, print the rate
and the peak memory.

    python benchmarks/import.py                       # 250,000 and 1,000,000 entities
    python benchmarks/import.py --sizes 100000        # one size (or several: 100000 250000)
    python benchmarks/import.py --memory              # in-memory store instead of on disk

The entities are 40% companies, 30% people, 15% ownerships and 15% directorships (each link
between two of the generated companies and people), written as JSON lines by a streaming
generator. Each size runs in its own process (a fresh store seeded from graph/), so the peak
resident memory printed is that of one import. Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def entities(n: int, seed: int) -> Iterator[dict[str, object]]:
    """``n`` FtM entities; links only point to nodes already generated."""
    rng = random.Random(seed)
    companies = people = 0
    for i in range(n):
        roll = rng.random()
        if companies < 2 or (people >= 1 and roll < 0.40):
            companies += 1
            yield {
                "id": f"co-{companies}",
                "schema": "Company",
                "properties": {
                    "name": [f"Company {companies} Ltd"],
                    "jurisdiction": [rng.choice(["gb", "de", "mm", "cn", "sg"])],
                },
            }
        elif people < 1 or roll < 0.70:
            people += 1
            yield {
                "id": f"p-{people}",
                "schema": "Person",
                "properties": {"name": [f"Person {people}"]},
            }
        elif roll < 0.85:
            yield {
                "id": f"own-{i}",
                "schema": "Ownership",
                "properties": {
                    "owner": [f"co-{rng.randint(1, companies)}"],
                    "asset": [f"co-{rng.randint(1, companies)}"],
                    "startDate": [
                        f"20{rng.randint(10, 23)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
                    ],
                    "percentage": [str(rng.randint(1, 100))],
                },
            }
        else:
            yield {
                "id": f"dir-{i}",
                "schema": "Directorship",
                "properties": {
                    "director": [f"p-{rng.randint(1, people)}"],
                    "organization": [f"co-{rng.randint(1, companies)}"],
                    "role": ["director"],
                },
            }


def generate(path: Path, n: int, seed: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for entity in entities(n, seed):
            out.write(json.dumps(entity, separators=(",", ":")) + "\n")


def child(n: int, seed: int, memory: bool) -> None:
    """Generate, import and print one JSON line of figures (run in a fresh process)."""
    from supplychain_kg.config import Settings
    from supplychain_kg.service import KnowledgeGraph

    with tempfile.TemporaryDirectory(prefix="skg-import-bench-") as tmp:
        data = Path(tmp) / "entities.ijson"
        started = time.perf_counter()
        generate(data, n, seed)
        generated = time.perf_counter() - started
        settings = Settings(memory=True) if memory else Settings(store_dir=Path(tmp) / "store")
        kg = KnowledgeGraph.open(settings)

        def progress(message: str) -> None:
            print(f"    {message}", file=sys.stderr, flush=True)

        started, cpu = time.perf_counter(), time.process_time()
        report = kg.import_files("ftm", [data], progress=progress)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        triples = len(kg.store)
        kg.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "entities": n,
                "seconds": round(seconds, 1),
                "entities_per_s": round(n / seconds),
                "cpu_seconds": round(cpu, 1),
                "entities_per_cpu_s": round(n / cpu),
                "peak_rss_mb": round(peak_mb),
                "triples_in_store": triples,
                "claims": report.claims,
                "generate_s": round(generated, 1),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", nargs="+", default=["250000,1000000"], help="sizes (space or comma separated)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--memory", action="store_true", help="in-memory store")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.seed, args.memory)
        return 0
    print(
        f"{'entities':>10} {'seconds':>8} {'entities/s':>11} {'CPU s':>7} {'per CPU s':>10} "
        f"{'peak RSS':>10}  store triples"
    )
    for size in (int(s) for group in args.sizes for s in group.split(",") if s):
        command = [sys.executable, __file__, "--child", str(size), "--seed", str(args.seed)]
        if args.memory:
            command.append("--memory")
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        print(
            f"{figures['entities']:>10,} {figures['seconds']:>8.1f} "
            f"{figures['entities_per_s']:>11,} {figures['cpu_seconds']:>7.1f} "
            f"{figures['entities_per_cpu_s']:>10,} {figures['peak_rss_mb']:>7,} MB  "
            f"{figures['triples_in_store']:,}",
            flush=True,
        )
    print("target: >= 20,000 entities/s and < 2,000 MB peak; peak memory flat as input grows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
