# ruff: noqa: N999  (the module is named after the command it measures)
"""Benchmark `skg import ftm`: generate FollowTheMoney entities, import them, print the rate
and the peak memory, for a clean file and one shaped like a real export, in one run.

    python benchmarks/import.py                       # 250,000 and 1,000,000, both modes
    python benchmarks/import.py --sizes 100000        # one size (or several: 100000 250000)
    python benchmarks/import.py --modes messy         # one mode (clean, messy or both)
    python benchmarks/import.py --memory              # in-memory store instead of on disk
    python benchmarks/import.py --profile 100000      # cProfile a messy import (--modes clean)

Clean: 40% companies, 30% people, 15% ownerships and 15% directorships (each link between two
of the generated companies and people). Messy, shaped like a slice of an OpenSanctions export:
companies with one to four names (captions chosen by FtM's rules), countries as codes or names,
about 10% of the links to entities outside the file (made as stubs), sanctions (5%) on 400
programs of a dozen authorities (some mapped by graph/restriction-lists.csv, most not), and a
few ill-formed values (a date 2024-13-45, an amount "a lot": about 0.3%) that are reported.
Written as JSON lines by a streaming generator. Each size and mode runs in its own process (a
fresh store seeded from graph/), so the peak resident memory printed is that of one import.
Deterministic for a given --seed.
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


_AUTHORITIES = [
    "Office of Foreign Assets Control",
    "Bureau of Industry and Security",
    "European Union",
    "HM Treasury",
    "Ministry of Foreign Affairs of Ukraine",
    "The Insolvency Service",
    "State Secretariat for Economic Affairs",
    "Department of Foreign Affairs and Trade",
    "Ministry of Finance of Japan",
    "National Security and Defense Council",
    "Global Affairs Canada",
    "Monetary Authority of Singapore",
]
_COUNTRIES = ["gb", "de", "mm", "cn", "sg", "ru", "Russia", "United Kingdom", "ua", "ir"]


def messy_entities(n: int, seed: int) -> Iterator[dict[str, object]]:
    """``n`` FtM entities shaped like a slice of a real export (see the module docstring)."""
    rng = random.Random(seed)
    companies = people = 0

    def end(prefix: str, count: int) -> str:  # about one link end in 20 is outside the file
        return f"ext-{rng.randint(1, max(1, count // 4))}" if rng.random() < 0.05 else (
            f"{prefix}-{rng.randint(1, count)}"
        )  # fmt: skip

    def bad(value: str, broken: str) -> str:
        return broken if rng.random() < 0.003 else value

    for i in range(n):
        roll = rng.random()
        if companies < 2 or (people >= 1 and roll < 0.38):
            companies += 1
            names = [f"Company {companies} Ltd"]
            names += [f"Company {companies} {s}" for s in ("LLC", "JSC", "Holding")][
                : rng.choice((0, 0, 1, 2, 3))
            ]
            props: dict[str, list[str]] = {
                "name": names,
                "jurisdiction": [bad(rng.choice(_COUNTRIES), "Atlantis")],
            }
            if rng.random() < 0.1:
                props["alias"] = [f"C{companies}"]
            yield {"id": f"co-{companies}", "schema": "Company", "properties": props}
        elif people < 1 or roll < 0.65:
            people += 1
            yield {
                "id": f"p-{people}",
                "schema": "Person",
                "properties": {"name": [f"Person {people}"], "country": [rng.choice(_COUNTRIES)]},
            }
        elif roll < 0.80:
            day = f"20{rng.randint(10, 23)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
            yield {
                "id": f"own-{i}",
                "schema": "Ownership",
                "properties": {
                    "owner": [end("co", companies)],
                    "asset": [end("co", companies)],
                    "startDate": [bad(day, "2024-13-45")],
                    "percentage": [str(rng.randint(1, 100))],
                },
            }
        elif roll < 0.95:
            yield {
                "id": f"dir-{i}",
                "schema": "Directorship",
                "properties": {
                    "director": [end("p", people)],
                    "organization": [end("co", companies)],
                    "role": ["director"],
                },
            }
        else:
            program = rng.randint(1, 400)
            authority = _AUTHORITIES[program % len(_AUTHORITIES)]
            name = "Entity List" if program % 50 == 1 else f"Program {program}"
            yield {
                "id": f"san-{i}",
                "schema": "Sanction",
                "properties": {
                    "entity": [end("co", companies)],
                    "authority": [authority],
                    "program": [name],
                    "startDate": [bad(f"2022-0{rng.randint(1, 9)}-15", "bad-date")],
                },
            }


def generate(path: Path, n: int, seed: int, mode: str = "clean") -> None:
    make = messy_entities if mode == "messy" else entities
    with path.open("w", encoding="utf-8") as out:
        for entity in make(n, seed):
            out.write(json.dumps(entity, separators=(",", ":")) + "\n")


def profile(n: int, seed: int, mode: str) -> None:
    """cProfile one import of ``n`` entities on disk; print the top 25 functions."""
    import cProfile
    import pstats

    from supplychain_kg.config import Settings
    from supplychain_kg.service import KnowledgeGraph

    with tempfile.TemporaryDirectory(prefix="skg-import-bench-") as tmp:
        data = Path(tmp) / "entities.ijson"
        generate(data, n, seed, mode)
        kg = KnowledgeGraph.open(Settings(store_dir=Path(tmp) / "store"))
        profiler = cProfile.Profile()
        profiler.enable()
        kg.import_files("ftm", [data])
        profiler.disable()
        kg.close()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def child(n: int, seed: int, memory: bool, mode: str = "clean") -> None:
    """Generate, import and print one JSON line of figures (run in a fresh process)."""
    from supplychain_kg.config import Settings
    from supplychain_kg.service import KnowledgeGraph

    with tempfile.TemporaryDirectory(prefix="skg-import-bench-") as tmp:
        data = Path(tmp) / "entities.ijson"
        started = time.perf_counter()
        generate(data, n, seed, mode)
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
                "mode": mode,
                "entities": n,
                "seconds": round(seconds, 1),
                "entities_per_s": round(n / seconds),
                "cpu_seconds": round(cpu, 1),
                "entities_per_cpu_s": round(n / cpu),
                "peak_rss_mb": round(peak_mb),
                "triples_in_store": triples,
                "claims": report.claims,
                "stubs": report.stubs,
                "values_reported": sum(v.dropped + v.repaired for v in report.values.values()),
                "unmapped_programs": len(report.unmapped_programs),
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
    parser.add_argument("--modes", choices=["clean", "messy", "both"], default="both")
    parser.add_argument("--memory", action="store_true", help="in-memory store")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile a messy import of N")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="clean", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.seed, "clean" if args.modes == "clean" else "messy")
        return 0
    if args.child:
        child(args.child, args.seed, args.memory, args.mode)
        return 0
    print(
        f"{'mode':>6} {'entities':>10} {'seconds':>8} {'entities/s':>11} {'CPU s':>7} "
        f"{'per CPU s':>10} {'peak RSS':>10}  store triples, stubs, values reported"
    )
    modes = ["clean", "messy"] if args.modes == "both" else [args.modes]
    sizes = [int(s) for group in args.sizes for s in group.split(",") if s]
    for size, mode in ((size, mode) for size in sizes for mode in modes):
        command = [sys.executable, __file__, "--child", str(size), "--seed", str(args.seed)]
        command += ["--mode", mode, *(["--memory"] if args.memory else [])]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        print(
            f"{mode:>6} {figures['entities']:>10,} {figures['seconds']:>8.1f} "
            f"{figures['entities_per_s']:>11,} {figures['cpu_seconds']:>7.1f} "
            f"{figures['entities_per_cpu_s']:>10,} {figures['peak_rss_mb']:>7,} MB  "
            f"{figures['triples_in_store']:,}, {figures['stubs']:,}, "
            f"{figures['values_reported']:,}",
            flush=True,
        )
    print("target: >= 20,000 entities/s and < 2,000 MB peak; peak memory flat as input grows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
