"""What validating a write costs (issue 12: every write through /update and /store meets the
shapes and rules): a small data update (only the resources it names are checked), a general
update (the whole default graph is checked) and a refused one (undone), on a store of the
synthetic graph, against the same updates written without validation.

    python benchmarks/generate.py --triples 1000000 --out /tmp/synthetic-1m.nt
    python benchmarks/writes.py --data /tmp/synthetic-1m.nt [--store DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from supplychain_kg.config import Settings  # noqa: E402
from supplychain_kg.errors import ValidationError  # noqa: E402
from supplychain_kg.service import KnowledgeGraph  # noqa: E402

ENT = "https://w3id.org/supplychain-kg/id/"
SKG = "https://w3id.org/supplychain-kg/ontology#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def _timed(call: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def _refused(kg: KnowledgeGraph) -> None:
    try:  # a direct triple with no asserting claim
        kg.run_update(f"INSERT DATA {{ <{ENT}e1> <{SKG}sourcesFrom> <{ENT}e2> }}")
    except ValidationError:
        return
    raise SystemExit("the invalid update was kept")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="N-Triples (generate.py)")
    parser.add_argument("--store", type=Path, help="store directory (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = args.store or Path(tempfile.mkdtemp(prefix="skg-writes-"))
    kg = KnowledgeGraph.open(Settings(store_dir=folder / "store", seed=False))
    if kg.store.is_empty():
        started = time.perf_counter()
        kg.load([args.data])
        print(f"loaded {len(kg.store):,} triples in {time.perf_counter() - started:.1f} s")
    print(f"store: {len(kg.store):,} triples")
    n = iter(range(1_000_000))
    cases: dict[str, Callable[[], object]] = {
        "plain store.update, one label (no check)": lambda: kg.store.update(
            f'INSERT DATA {{ <{ENT}e3> <{LABEL}> "label {next(n)}" }}'
        ),
        "data update, a hub's label (resources it names)": lambda: kg.run_update(
            f'INSERT DATA {{ <{ENT}e3> <{LABEL}> "label {next(n)}" }}'
        ),
        "data update, a leaf's label": lambda: kg.run_update(
            f'INSERT DATA {{ <{ENT}e500000> <{LABEL}> "label {next(n)}" }}'
        ),
        "general update, one label (whole default graph)": lambda: kg.run_update(
            f'INSERT {{ <{ENT}e3> <{LABEL}> "label {next(n)}" }} WHERE {{}}'
        ),
        "refused data update (undone)": lambda: _refused(kg),
    }
    print(f"{'write':50} {'median':>9} {'max':>9}")
    for name, call in cases.items():
        times = _timed(call, args.repeat)
        print(f"{name:50} {statistics.median(times):>8.3f}s {max(times):>8.3f}s")
    kg.close()


if __name__ == "__main__":
    main()
