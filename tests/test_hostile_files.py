"""Hostile files through `skg load` and `skg import`, each in its own process: a clear error
naming the file and position, no traceback, little memory, and the store unchanged.

The corpus is made at test time (tests/hostile_files.py): XML entity bombs and external entities,
10,000-deep nesting in every syntax that nests, 50 MB literals, bytes that are not UTF-8, and
a JSON-LD document naming a remote @context served on 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from . import hostile_files as hostile
from .store_support import checksum

GIB = 1 << 30
# the child caps its own address space (8 GiB): a regression fails, it does not swap the machine
_CLI = (
    "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30)); "
    "from supplychain_kg.cli import main; sys.exit(main())"
)


def _skg(store_dir: Path, tmp: Path, *args: str) -> tuple[int, str, int]:
    """Run `skg --store DIR ARGS` in a child process: (exit status, stderr, peak RSS bytes)."""
    with (tmp / "out").open("wb") as out, (tmp / "err").open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CLI, "-q", "--store", str(store_dir), *args],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, (tmp / "err").read_text("utf-8", "replace"), usage.ru_maxrss * 1024


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store seeded once (the cases leave it unchanged)."""
    path = tmp_path_factory.mktemp("hostile") / "store"
    tmp = path.parent
    assert _skg(path, tmp, "stats")[0] == 0
    return path


def _expect_refusal(
    store_dir: Path, command: list[str], path: Path, words: str, where: str
) -> None:
    tmp = path.parent
    before = checksum(store_dir)
    status, stderr, peak = _skg(store_dir, tmp, *command, str(path))
    assert status in (1, 2), stderr
    assert "Traceback" not in stderr
    assert f"{path}:{where}" in stderr, stderr
    assert words in stderr, stderr
    assert peak < GIB, f"peak memory {peak / 2**20:.0f} MiB"
    assert checksum(store_dir) == before


@pytest.mark.parametrize(
    "case",
    [
        ("laughs.rdf", hostile.billion_laughs, "declares the entity 'lol0'", "3:"),
        ("quadratic.rdf", hostile.quadratic_blowup, "declares the entity 'a'", "2:"),
        ("passwd.rdf", hostile.external_entity, "declares the entity 'x'", "2:"),
        ("dtd.rdf", hostile.parameter_entity, "declares the parameter entity 'p'", "2:"),
        ("defaults.rdf", hostile.attribute_defaults, "gives the attribute 'ex:q'", "2:"),
        ("undeclared.rdf", hostile.undeclared_entity, "undeclared entity 'x'", "4:"),
        ("deep.rdf", hostile.deep_rdf_xml, "nested deeper than 128 levels", "3:"),
        ("deep.jsonld", hostile.deep_json_ld, "SKG_MAX_NESTING", "1:"),
        ("deep-array.jsonld", hostile.deep_json_ld_lists, "SKG_MAX_NESTING", "1:"),
        ("deep.ttl", hostile.deep_turtle, "nested deeper than 128 levels", "1:"),
        ("deep-list.ttl", hostile.deep_turtle_list, "SKG_MAX_NESTING", "1:"),
        ("deep.trig", hostile.deep_trig, "SKG_MAX_NESTING", "1:"),
        ("deep.n3", hostile.deep_n3_formula, "SKG_MAX_NESTING", "1:"),
        ("big.ttl", hostile.big_turtle, "a literal of 52,428,800 bytes", "1:47"),
        ("big.nt", hostile.big_turtle, "SKG_MAX_LITERAL_BYTES", "1:47"),
        ("big-long.ttl", hostile.big_long_string, "SKG_MAX_LITERAL_BYTES", "2:"),
        ("big.rdf", hostile.big_rdf_xml, "SKG_MAX_LITERAL_BYTES", "3:"),
        ("big.jsonld", hostile.big_json_ld, "a string is longer than the 1,048,576 bytes", "1:57"),
    ],
    ids=lambda case: case[0],
)
def test_hostile_rdf_file_is_refused_naming_file_and_position(
    store_dir: Path, tmp_path: Path, case: tuple[str, Callable[[], bytes], str, str]
) -> None:
    name, make, words, where = case
    path = tmp_path / name
    path.write_bytes(make())
    _expect_refusal(store_dir, ["load"], path, words, where)


@pytest.mark.parametrize(
    "case",
    [
        ("ftm", "deep.ijson", hostile.deep_ftm, "SKG_MAX_NESTING", "1:"),
        ("ftm", "deep-array.json", hostile.deep_ftm_array, "SKG_MAX_NESTING", "3:"),
        ("ocds", "deep.json", hostile.deep_ocds, "SKG_MAX_NESTING", "1:"),
        ("ftm", "big.ijson", hostile.big_ftm, "SKG_MAX_LITERAL_BYTES", "1:"),
        ("ftm", "number.ijson", hostile.huge_number_ftm, "Exceeds the limit (4300 digits)", "1:"),
        ("ocds", "big.json", hostile.big_ocds, "SKG_MAX_LITERAL_BYTES", "1:"),
        ("csv", "big.csv", hostile.big_csv_cell, "SKG_MAX_LITERAL_BYTES", "2:"),
        ("csv", "latin1.csv", hostile.latin1_csv, "not UTF-8 text: the byte 0xe9", "2:9"),
        ("csv", "utf16.csv", hostile.utf16_csv, "UTF-16", "1:1"),
        ("ftm", "latin1.ijson", hostile.latin1_ftm, "not UTF-8", "2:"),
        ("ocds", "latin1.json", hostile.latin1_ocds, "not UTF-8", "1:"),
    ],
    ids=lambda case: f"{case[0]}-{case[1]}",
)
def test_hostile_import_file_is_refused_naming_file_and_position(
    store_dir: Path, tmp_path: Path, case: tuple[str, str, Callable[[], bytes], str, str]
) -> None:
    kind, name, make, words, where = case
    path = tmp_path / name
    path.write_bytes(make())
    _expect_refusal(store_dir, ["import", kind], path, words, where)


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that answers any request with a JSON-LD context and
    records what it received."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                received.append(conn.recv(4096))
                body = b'{"@context": {"name": "http://schema.org/name"}}'
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/ld+json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("form", ["string", "array", "import"])
def test_remote_json_ld_context_is_never_fetched(
    store_dir: Path, tmp_path: Path, listener: tuple[int, list[bytes]], form: str
) -> None:
    port, received = listener
    path = tmp_path / "remote.jsonld"
    path.write_bytes(hostile.remote_context(f"http://127.0.0.1:{port}/context.jsonld", form))
    _expect_refusal(store_dir, ["load"], path, "remote JSON-LD @context", "")
    assert received == []
