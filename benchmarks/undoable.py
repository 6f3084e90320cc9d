"""What ``store.undoable()`` costs around a one-triple SPARQL update on a large on-disk store.

    python benchmarks/undoable.py                    # 1M triples (generated if missing)
    python benchmarks/undoable.py --data big.nt --rounds 50

The store is bulk-loaded once (raw pyoxigraph, untimed), then each round times, on the
skg store (``open_store``): a plain one-triple ``INSERT DATA``; the same inside
``undoable()`` (kept); the same inside ``undoable()`` undone by an exception (the
checkpoint put back). Prints the median and 90th percentile of each, in milliseconds, and
the store's size on disk and what a checkpoint adds to it; then the same kept block on an
in-memory store of the same data (a copy of the quads is its undo point), the time to decide
whether a store is empty (what opening now does) against counting it (what it did), and the
time of `skg backup` and `skg restore` of that store.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _du(path: Path) -> int:
    """Bytes used by the files under ``path`` (hard links counted once)."""
    seen: set[int] = set()
    total = 0
    for file in path.rglob("*"):
        info = file.lstat()
        if file.is_file() and info.st_ino not in seen:
            seen.add(info.st_ino)
            total += info.st_size
    return total


def _time(rounds: int, step: Callable[[int], None]) -> list[float]:
    out = []
    for i in range(rounds):
        started = time.perf_counter()
        step(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/synthetic-1m.nt"))
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if not args.data.exists():
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                "--triples",
                str(args.triples),
                "--out",
                str(args.data),
            ],
            check=True,
        )
    import pyoxigraph as ox

    from supplychain_kg.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        root.mkdir()
        raw = ox.Store(str(root / "db"))
        raw.bulk_load(path=str(args.data), format=ox.RdfFormat.N_TRIPLES)
        raw.flush()
        del raw
        store = open_store(root)
        print(f"store: {len(store):,} triples, {_du(root) / 1e6:.0f} MB on disk")

        def plain(i: int) -> None:
            store.update(f'INSERT DATA {{ <http://e/plain{i}> <http://e/p> "x" }}')

        def kept(i: int) -> None:
            with store.undoable():
                store.update(f'INSERT DATA {{ <http://e/kept{i}> <http://e/p> "x" }}')

        def undone(i: int) -> None:
            try:
                with store.undoable():
                    store.update(f'INSERT DATA {{ <http://e/undone{i}> <http://e/p> "x" }}')
                    raise LookupError
            except LookupError:
                pass

        checkpoint = root / "checkpoint"
        store.backup(checkpoint)
        extra = _du(root) - _du(root / "db")
        print(f"a checkpoint adds {extra / 1e3:.0f} kB (hard links; copied: manifest, options)")
        for path in sorted(checkpoint.iterdir()):
            path.unlink()
        checkpoint.rmdir()
        for name, step in (("plain update", plain), ("undoable, kept", kept)):
            times = _time(args.rounds, step)
            print(
                f"{name:<22} median {statistics.median(times):7.2f} ms, "
                f"p90 {statistics.quantiles(times, n=10)[-1]:7.2f} ms"
            )
        times = _time(args.rounds, undone)
        print(
            f"{'undoable, undone':<22} median {statistics.median(times):7.2f} ms, "
            f"p90 {statistics.quantiles(times, n=10)[-1]:7.2f} ms"
        )
        started = time.perf_counter()
        empty = store.is_empty()
        decided = time.perf_counter() - started
        started = time.perf_counter()
        count = len(store)
        print(
            f"is_empty() {decided * 1000:.2f} ms ({empty}); counting {count:,} triples "
            f"{(time.perf_counter() - started) * 1000:.0f} ms"
        )
        store.close()
        _backup_and_restore(root, Path(tmp))
        _in_memory(args.data, args.rounds)


def _backup_and_restore(root: Path, tmp: Path) -> None:
    from supplychain_kg.store.backup import backup_store, restore_store

    started = time.perf_counter()
    backup_store(root, tmp / "backup")
    print(f"skg backup  {time.perf_counter() - started:.2f} s (hard links; counts the copy)")
    started = time.perf_counter()
    restore_store(root, tmp / "backup")
    print(f"skg restore {time.perf_counter() - started:.2f} s (checks the count, then swaps)")


def _in_memory(data: Path, rounds: int) -> None:
    from supplychain_kg.store import open_store

    store = open_store(None)
    staging = store.staging()
    staging.parse_into(data, "application/n-triples")
    store.absorb(staging)

    def kept(i: int) -> None:
        with store.undoable():
            store.update(f'INSERT DATA {{ <http://e/mem{i}> <http://e/p> "x" }}')

    times = _time(min(rounds, 5), kept)
    print(
        f"in memory, {len(store):,} triples: undoable, kept median "
        f"{statistics.median(times):7.0f} ms (a copy of every quad)"
    )


if __name__ == "__main__":
    main()
