"""Benchmark the first search and ``show`` on a remote store: Virtuoso with its full-text index
switched on (the engine finds the names) against Virtuoso without it (the local name index is
built by paged reads of every name, as every search on a remote store did before).

    python benchmarks/remote_search.py --entities 50000 --relations 250000

The synthetic graph (``generate.py``) is put into the store's default graph on each engine by
Virtuoso's bulk loader (the store seeded first, so the seed's Hikvision is there too); each
command then runs in a fresh ``skg`` process, so each figure is a first call: process start,
store open and the search or ``show`` itself (each is run twice: the engine's first answer
after a load reads cold pages). Prints the seconds of each command on each engine; with
``--before SRC`` (the ``src`` folder of an older checkout, e.g. ``git archive main src | tar -x
-C /tmp/before``) also those of that code on the engine without the index.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from supplychain_kg.config import Settings  # noqa: E402
from supplychain_kg.service import KnowledgeGraph  # noqa: E402
from tests.engines import Engine, isql, start_virtuoso  # noqa: E402

COMMANDS = (
    ("search", "hikvision"),
    ("search", "Hangzhou Hikvision"),
    ("show", "hikvision"),
    ("show", "Hangzhou Hikvision Digital Technology"),
    ("search", "hikvison"),
)
"""The commands timed, in this order, each in a new process."""


def fill(engine: Engine, data: Path) -> None:
    """Seed the store, then bulk-load ``data`` into its default graph."""
    kg = KnowledgeGraph.open(Settings.from_env(engine.env()))
    kg.close()
    shutil.copy(data, engine.folder / data.name)
    started = time.perf_counter()
    isql(
        engine,
        f"ld_dir('{engine.folder}', '{data.name}', 'urn:x-skg:default'); rdf_loader_run(); "
        "checkpoint;",
        timeout=7200,
    )
    print(f"  bulk load: {time.perf_counter() - started:.1f} s")


def timed(engine: Engine, command: tuple[str, str], code: Path | None) -> tuple[float, str]:
    env = {**os.environ, **engine.env(), "SKG_STORE_TIMEOUT": "3600"}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "supplychain_kg.cli", "-q", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    elapsed = time.perf_counter() - started
    first = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""])[0]
    return elapsed, first[:70]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=50_000)
    parser.add_argument("--relations", type=int, default=250_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/skg-remote-search-bench"))
    parser.add_argument("--buffers", type=int, default=40_000, help="Virtuoso NumberOfBuffers")
    parser.add_argument("--before", type=Path, help="the src folder of older code to compare")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    data = args.work / "graph.nt"
    generate = [sys.executable, str(ROOT / "benchmarks/generate.py")]
    sizes = ["--entities", str(args.entities), "--relations", str(args.relations)]
    subprocess.run([*generate, *sizes, "--out", str(data)], check=True)
    print(f"{args.entities:,} entities, {args.relations:,} relations (+ the seed)")
    for label, text_index in (("without", False), ("with", True)):
        print(f"Virtuoso {label} its full-text index:")
        folder = args.work / f"virtuoso-{label}"
        engine = start_virtuoso(folder, buffers=args.buffers, text_index=text_index)
        try:
            fill(engine, data)
            if text_index:
                started = time.perf_counter()
                engine.index_text()
                print(f"  text index brought up to date: {time.perf_counter() - started:.1f} s")
            codes: list[tuple[str, Path | None]] = [("this code", None)]
            if args.before is not None and not text_index:
                codes.insert(0, ("older code", args.before.resolve()))
            for name, code in codes:
                print(f"  {name}:")
                for command in COMMANDS:
                    times = []
                    for _ in range(2):
                        elapsed, first = timed(engine, command, code)
                        times.append(elapsed)
                    shown = " / ".join(f"{t:6.2f}" for t in times)
                    print(f"    skg -q {command[0]} {command[1]!r}: {shown} s   {first}")
        finally:
            engine.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
