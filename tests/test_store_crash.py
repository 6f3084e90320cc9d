"""kill -9 in the middle of every kind of write leaves the store as it was before or after.

For each kind (`skg load`, `skg import csv`, `skg import ftm`, a SPARQL update over HTTP, a
Graph Store PUT), the write is first run to its end in another process, on a copy of a seeded
store, to get the *after* checksum (of the sorted N-Quads) and the write's duration; then it is
run again on fresh copies and SIGKILLed at moments drawn from a fixed seed within that
duration; the store, opened again, must hold exactly the *before* or the *after* quads. The
inputs are sized so that each write lasts one to three seconds.
"""

from __future__ import annotations

import contextlib
import csv
import json
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph

from .conftest import ROOT
from .live import free_port
from .store_support import checksum, kill9, python, skg

MOMENTS = 3
SEED = 12
TOKEN = "crash-test-token"
EX = "http://example.org/"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded store (copied for every run) and the inputs of every write."""
    root = tmp_path_factory.mktemp("crash")
    KnowledgeGraph.open(Settings(store_dir=root / "base")).close()
    generate = ROOT / "benchmarks" / "generate.py"
    subprocess.run(
        [sys.executable, str(generate), "--triples", "120000", "--out", str(root / "data.nt")],
        check=True,
        capture_output=True,
    )
    _write_csv(root, 12000)
    _write_ftm(root / "ftm.ijson", 40000)
    rows = [f'<{EX}s{i}> <{EX}p{i % 7}> "value {i}" .' for i in range(40000)]
    (root / "update.ru").write_text(
        f"INSERT DATA {{ GRAPH <{EX}g> {{\n" + "\n".join(rows) + "\n} }"
    )
    (root / "put.ttl").write_text("\n".join(rows))
    return root


def _write_csv(root: Path, n: int) -> None:
    with open(root / "entities.csv", "w", newline="") as out:
        sheet = csv.writer(out)
        sheet.writerow(["id", "name", "type", "aliases", "country", "identifiers"])
        for i in range(n):
            sheet.writerow([f"co-{i}", f"Company {i} Ltd", "Company", "", "GB", ""])
            sheet.writerow([f"p-{i}", f"Person {i}", "Person", "", "GB", ""])
    head = "subject,relation,object,stance,quote,attributed_to,source_title,source_publisher"
    source = ["Officers list", "Registry", "https://example.org/officers", "2024-05-01"]
    with open(root / "relationships.csv", "w", newline="") as out:
        sheet = csv.writer(out)
        sheet.writerow([*head.split(","), "source_url", "source_date"])
        for i in range(n):
            quote = f"Person {i} is a director of Company {i} Ltd."
            sheet.writerow(
                [f"p-{i}", "directorOf", f"co-{i}", "asserted", quote, "Registry", *source]
            )


def _write_ftm(path: Path, n: int) -> None:
    with open(path, "w") as out:
        for i in range(n):
            if i % 3 == 2:
                props = {"owner": [f"co-{i - 2}"], "asset": [f"co-{i - 1}"]}
                entity = {"id": f"own-{i}", "schema": "Ownership", "properties": props}
            else:
                entity = {"id": f"co-{i}", "schema": "Company", "properties": {"name": [f"Co {i}"]}}
            out.write(json.dumps(entity) + "\n")


# -- writes through the command line --------------------------------------------------------


CLI_WRITES: dict[str, Callable[[Path], list[str]]] = {
    "load": lambda w: ["load", str(w / "data.nt")],
    "import csv": lambda w: [
        "import",
        "csv",
        str(w / "entities.csv"),
        str(w / "relationships.csv"),
    ],
    "import ftm": lambda w: ["import", "ftm", str(w / "ftm.ijson")],
}


def _moments(kind: str, start: float, end: float) -> list[float]:
    """MOMENTS moments in [start, end], one in each of as many equal slices, drawn from a
    fixed seed (the same every run)."""
    rng = random.Random(f"{SEED}-{kind}")
    width = (end - start) / MOMENTS
    return [start + width * (i + rng.random()) for i in range(MOMENTS)]


def _fresh(work: Path, name: str) -> Path:
    target = work / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(work / "base", target)
    return target


def _full_cli_run(work: Path, args: list[str]) -> tuple[str, float, float]:
    """Run the write to its end: the after checksum, and when its writing began and ended
    (seconds after the process started)."""
    store = _fresh(work, "full")
    started = time.monotonic()
    process = skg("--store", str(store), *args)
    assert process.stderr is not None
    writing = None
    for line in process.stderr:
        if writing is None and "writing" in line:
            writing = time.monotonic() - started
    out, _ = process.communicate(timeout=60)
    ended = time.monotonic() - started
    assert process.returncode == 0, out
    assert writing is not None, "the write never said it was writing"
    return checksum(store), writing, ended


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(CLI_WRITES))
def test_kill_9_during_a_cli_write_leaves_the_store_before_or_after(work: Path, kind: str) -> None:
    args = CLI_WRITES[kind](work)
    before = checksum(work / "base")
    after, writing, ended = _full_cli_run(work, args)
    assert after != before
    assert 0.5 < ended - writing < 10, f"{kind}: size the input so the write lasts 1-3 s"
    for n, moment in enumerate(_moments(kind, writing, ended)):
        store = _fresh(work, f"killed-{n}")
        started = time.monotonic()
        process = skg("-q", "--store", str(store), *args)
        time.sleep(max(0.0, started + moment - time.monotonic()))
        kill9(process)
        assert checksum(store) in (before, after), f"{kind} killed at {moment:.2f} s"


_OPEN_DURING_WRITE = """
import sys, time
from pathlib import Path
from supplychain_kg.cli import main
marker = Path(sys.argv[1]) / "LOADING"
deadline = time.monotonic() + 60
while not marker.exists():
    if time.monotonic() > deadline:
        sys.exit("the write never began")
    time.sleep(0.002)
# a writing command (reading ones open the store read-only beside the load, once its write
# gate is free: tests/test_cli_beside_serve.py)
sys.exit(main(["-q", "--store", sys.argv[1], "load", sys.argv[1] + "/none.ttl"]))
"""


def test_a_second_process_is_refused_during_a_load_which_completes_unharmed(
    work: Path,
) -> None:
    """The second process is started first and waits, ready, for the load's marker: it
    then opens the store while the load surely holds it."""
    args = CLI_WRITES["load"](work)
    after, _, _ = _full_cli_run(work, args)
    store = _fresh(work, "shared")
    other = python(_OPEN_DURING_WRITE, str(store))
    loader = skg("-q", "--store", str(store), *args)
    _, err = other.communicate(timeout=60)
    assert other.returncode == 1 and "in use by another process" in err, err
    loader.communicate(timeout=60)
    assert loader.returncode == 0
    assert checksum(store) == after


# -- writes through HTTP -----------------------------------------------------------------------


class _Server:
    """`skg serve` on a copy of the store, in another process."""

    def __init__(self, store: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {"SKG_WRITE_TOKEN": TOKEN, "SKG_QUERY_WORKERS": "1"}
        self.process = skg("-q", "--store", str(store), "serve", "--port", str(self.port), env=env)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                kill9(self.process)
                raise AssertionError("the server did not start")
            time.sleep(0.05)


def _http_write(kind: str, work: Path, base: str) -> int:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    if kind == "SPARQL update":
        body = (work / "update.ru").read_bytes()
        headers = {**auth, "Content-Type": "application/sparql-update"}
        return httpx.post(f"{base}/update", content=body, headers=headers, timeout=60).status_code
    body = (work / "put.ttl").read_bytes()
    headers = {**auth, "Content-Type": "text/turtle"}
    url = f"{base}/store?graph={EX}put"
    return httpx.put(url, content=body, headers=headers, timeout=60).status_code


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["SPARQL update", "Graph Store PUT"])
def test_kill_9_of_the_server_during_a_write_leaves_the_store_before_or_after(
    work: Path, kind: str
) -> None:
    before = checksum(work / "base")
    store = _fresh(work, "full")
    server = _Server(store)
    try:
        started = time.monotonic()
        assert _http_write(kind, work, server.base) in (200, 201, 204)
        duration = time.monotonic() - started
    finally:
        kill9(server.process)
    after = checksum(store)
    assert after != before
    assert 0.5 < duration < 10, f"{kind}: size the input so the write lasts 1-3 s"
    for n, moment in enumerate(_moments(kind, 0.05, duration)):
        store = _fresh(work, f"killed-{n}")
        server = _Server(store)
        request = threading.Thread(target=_swallow, args=(_http_write, kind, work, server.base))
        request.start()
        time.sleep(moment)
        kill9(server.process)
        request.join(timeout=60)
        assert checksum(store) in (before, after), f"{kind} killed at {moment:.2f} s"


def _swallow(write: Callable[[str, Path, str], int], *args: object) -> None:
    with contextlib.suppress(httpx.TransportError):  # the server was killed under the request
        write(*args)  # type: ignore[arg-type]
