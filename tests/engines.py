"""Real SPARQL engines for the tests and benchmarks, started on loopback ports in temporary
folders: ``oxigraph serve`` (the PyPI package ``oxigraph``) and Virtuoso 7 (Debian's
``virtuoso-opensource-7-bin``: ``virtuoso-t +foreground`` with an ini written here, both ports
bound to 127.0.0.1, SPARQL_UPDATE granted to the SPARQL user with ``isql-vt``, and, unless
asked not to, the full-text index over literals switched on as docs/remote-store.md tells the
admin to)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Engine:
    """A running engine: its name, endpoints, process and folder."""

    name: str
    query: str
    update: str
    graph_store: str | None
    process: subprocess.Popen[bytes]
    folder: Path
    command: list[str]

    def env(self) -> dict[str, str]:
        """The settings that point ``skg`` at this engine."""
        env = {"SKG_STORE": f"sparql+{self.query}", "SKG_UPDATE_URL": self.update}
        if self.graph_store:
            env["SKG_GRAPH_STORE_URL"] = self.graph_store
        return env

    baseline: frozenset[str] = frozenset()
    """The graphs the engine held when it started (Virtuoso's system graphs)."""

    def graphs(self) -> set[str]:
        answer = httpx.post(
            self.query,
            data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        answer.raise_for_status()
        return {b["g"]["value"] for b in answer.json()["results"]["bindings"]}

    def wipe(self) -> None:
        """Drop every graph the engine did not hold when it started."""
        drops = [f"DROP SILENT GRAPH <{g}>" for g in sorted(self.graphs() - self.baseline)]
        if drops:
            answer = httpx.post(self.update, data={"update": " ;\n".join(drops)}, timeout=120)
            answer.raise_for_status()

    def kill(self) -> None:
        """SIGKILL the engine (as a crash would)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def start(self) -> None:
        """Start the engine again on the same folder and ports (after :meth:`kill`)."""
        self.process = _spawn(self.command, self.folder)
        _wait(self, 60)

    def index_text(self) -> None:
        """Virtuoso: bring its full-text index up to date now (it is kept in batches)."""
        isql(self, "DB.DBA.VT_INC_INDEX_DB_DBA_RDF_OBJ();")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def _spawn(command: list[str], folder: Path) -> subprocess.Popen[bytes]:
    with (folder / "engine.log").open("ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait(engine: Engine, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if engine.process.poll() is not None:
            log = (engine.folder / "engine.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{engine.name} ended at start ({engine.process.returncode}): {log}")
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.post(
                engine.query,
                data={"query": "ASK { ?s ?p ?o }"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=2,
            )
            if answer.status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{engine.name} did not answer within {timeout} s")


def start_oxigraph(folder: Path) -> Engine:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        str(OXIGRAPH),
        "serve",
        "--location",
        str(folder / "db"),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    base = f"http://127.0.0.1:{port}"
    engine = Engine(
        "oxigraph",
        f"{base}/query",
        f"{base}/update",
        None,  # staging graphs are sent as INSERT DATA (Virtuoso covers the Graph Store POST)
        _spawn(command, folder),
        folder,
        command,
    )
    _wait(engine, 30)
    engine.baseline = frozenset(engine.graphs())
    return engine


_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
MaxClientConnections = 20
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 2
TransactionAfterImageLimit = 2000000000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {root}
MaxClientConnections = 20
ServerThreads = 20
EnabledDavVSP = 0
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 3600
MaxQueryCostEstimationTime = 3600
"""


def isql(engine: Engine, statements: str, timeout: float = 600) -> str:
    """Run SQL statements through ``isql-vt`` as dba; return its output."""
    port = engine.folder.joinpath("sql-port").read_text().strip()
    done = subprocess.run(
        [ISQL, f"127.0.0.1:{port}", "dba", "dba", f"exec={statements}"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0 or "*** Error" in done.stdout:
        raise RuntimeError(f"isql-vt failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    return done.stdout


TEXT_INDEX = (
    "DB.DBA.RDF_OBJ_FT_RULE_ADD(null, null, 'index_local'); DB.DBA.VT_INC_INDEX_DB_DBA_RDF_OBJ();"
)
"""The admin's statements that switch Virtuoso's full-text index on (docs/remote-store.md)."""


def start_virtuoso(folder: Path, *, buffers: int = 10_000, text_index: bool = True) -> Engine:
    sql, http = free_port(), free_port()
    folder.mkdir(parents=True, exist_ok=True)
    ini = folder / "virtuoso.ini"
    ini.write_text(
        _INI.format(
            d=folder,
            sql=sql,
            http=http,
            root=folder / "vsp",
            buffers=buffers,
            dirty=buffers * 3 // 4,
        )
    )
    (folder / "sql-port").write_text(str(sql))
    (folder / "vsp").mkdir(exist_ok=True)
    command = [VIRTUOSO, "+foreground", "+configfile", str(ini)]
    base = f"http://127.0.0.1:{http}"
    engine = Engine(
        "virtuoso",
        f"{base}/sparql",
        f"{base}/sparql",
        f"{base}/sparql-graph-crud",  # staging graphs are sent by the Graph Store protocol
        _spawn(command, folder),
        folder,
        command,
    )
    _wait(engine, 90)
    isql(engine, 'grant SPARQL_UPDATE to "SPARQL";')
    if text_index:
        isql(engine, TEXT_INDEX)
    engine.baseline = frozenset(engine.graphs())
    return engine


def virtuoso_missing() -> bool:
    """Whether Virtuoso is not installed here (scripts/system-deps installs it)."""
    return not (Path(VIRTUOSO).is_file() and Path(ISQL).is_file())


@contextlib.contextmanager
def running(name: str, folder: Path) -> Iterator[Engine]:
    """Start engine ``name`` ("oxigraph", "virtuoso", or "virtuoso-plain": without its
    full-text index) in ``folder``; stop it after."""
    if name == "oxigraph":
        engine = start_oxigraph(folder)
    else:
        engine = start_virtuoso(folder, text_index=name != "virtuoso-plain")
    try:
        yield engine
    finally:
        engine.stop()
