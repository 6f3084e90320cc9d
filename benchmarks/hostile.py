"""Hostile files: peak memory and time of `skg --memory load` / `skg --memory import`.

    python benchmarks/hostile.py                      # every case of tests/hostile_files.py
    python benchmarks/hostile.py --cap-gib 6 laughs.rdf big.ttl
    python benchmarks/hostile.py --overhead /tmp/synthetic.nt   # the guards' cost on a big file

Each case runs in its own process with its address space capped (``--cap-gib``, 6 GiB by
default: a build without the guards then dies at the cap instead of taking the machine).
``--source DIR`` runs another checkout's ``src`` (e.g. an export of main) for a before/after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import hostile_files as hostile  # noqa: E402

CASES = {
    "laughs.rdf": ("load", hostile.billion_laughs),
    "quadratic.rdf": ("load", hostile.quadratic_blowup),
    "defaults.rdf": ("load", hostile.attribute_defaults),
    "deep.rdf": ("load", hostile.deep_rdf_xml),
    "deep.jsonld": ("load", hostile.deep_json_ld),
    "deep.ttl": ("load", hostile.deep_turtle),
    "deep-list.ttl": ("load", hostile.deep_turtle_list),
    "big.ttl": ("load", hostile.big_turtle),
    "big.nt": ("load", hostile.big_turtle),
    "big.rdf": ("load", hostile.big_rdf_xml),
    "big.jsonld": ("load", hostile.big_json_ld),
    "deep.ijson": ("import ftm", hostile.deep_ftm),
    "deep-ocds.json": ("import ocds", hostile.deep_ocds),
    "big.csv": ("import csv", hostile.big_csv_cell),
    "latin1.csv": ("import csv", hostile.latin1_csv),
}
# the child caps its address space and, on exit, writes its own peak RSS (VmHWM: the peak of
# this program, where getrusage would also count the parent's pages shared before exec)
CHILD = (
    "import atexit, re, resource, sys; cap = int(sys.argv.pop(1)) << 30; "
    "report = sys.argv.pop(1); resource.setrlimit(resource.RLIMIT_AS, (cap, cap)); "
    "peak = lambda: re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1); "
    "atexit.register(lambda: open(report, 'w').write(peak())); "
    "from supplychain_kg.cli import main; sys.exit(main())"
)


def run(name: str, directory: Path, cap: int, source: str | None) -> str:
    command, make = CASES[name]
    path = directory / name
    path.write_bytes(make())
    env = dict(os.environ, PYTHONPATH=source) if source else None
    report = directory / "peak"
    report.unlink(missing_ok=True)
    args = [sys.executable, "-c", CHILD, str(cap), str(report), "-q", "--memory"]
    args += [*command.split(), str(path)]
    started = time.perf_counter()
    with (directory / "err").open("wb") as err:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    lines = (directory / "err").read_text("utf-8", "replace").strip().splitlines()
    last = lines[-1] if lines else ""
    if os.WIFSIGNALED(status):
        last = f"killed by signal {os.WTERMSIG(status)}; {last}"
    outcome = f"exit {os.waitstatus_to_exitcode(status)}"
    # killed: only getrusage's figure is left (an upper bound), marked with >=
    peak = (
        f"{int(report.read_text()) / 1024:8.0f}"
        if report.exists()
        else f">={usage.ru_maxrss / 1024:6.0f}"
    )
    return f"{name:16} {outcome:8} {peak} MiB {seconds:6.2f} s  {last[:110]}"


def overhead(path: Path) -> None:
    from supplychain_kg.ingest.guards import check_rdf_input
    from supplychain_kg.ingest.rdf import media_type_for
    from supplychain_kg.store import open_store

    media_type = media_type_for(path)
    started = time.perf_counter()
    check_rdf_input(path, media_type, name=str(path))
    checked = time.perf_counter() - started
    started = time.perf_counter()
    open_store(None).staging().parse_into(path, media_type)
    parsed = time.perf_counter() - started
    size = path.stat().st_size / 2**20
    print(f"{path} ({size:,.0f} MiB): check {checked:.2f} s, engine parse {parsed:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="*", help=f"any of {', '.join(CASES)}")
    parser.add_argument("--cap-gib", type=int, default=6)
    parser.add_argument("--source", help="a src/ folder to run instead of this checkout's")
    parser.add_argument("--overhead", type=Path, help="time the checks on this RDF file")
    options = parser.parse_args()
    if options.overhead:
        overhead(options.overhead)
        return
    print(f"{'file':16} {'outcome':8} {'peak RSS':>12} {'time':>8}  last line of stderr")
    with tempfile.TemporaryDirectory() as directory:
        for name in options.cases or CASES:
            print(run(name, Path(directory), options.cap_gib, options.source), flush=True)


if __name__ == "__main__":
    main()
