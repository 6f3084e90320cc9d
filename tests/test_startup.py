"""Cold start: opening a store never counts it (a note says whether it was seeded), a store
killed while it was being seeded opens whole, and the path projection and name index kept
beside an on-disk store are loaded on the next start instead of rebuilt (and never used stale).
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from supplychain_kg.config import Settings
from supplychain_kg.errors import UnknownEntityError
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.store.layout import META
from supplychain_kg.store.oxigraph import OxigraphStore
from supplychain_kg.store.sparql import SparqlStore
from tests.conftest import remote_settings
from tests.engines import Engine


def _no_count(self: object) -> int:
    raise AssertionError("the store was counted")


def _run_killed(code: str, store: Path) -> int:
    """Run ``code`` (which kills its own process at some point) with STORE set; its exit."""
    script = f"from pathlib import Path\nSTORE = Path({str(store)!r})\n" + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", script], check=False, timeout=300)
    return done.returncode


# -- opening takes the same time whatever the store's size: nothing is counted --------------


def test_opening_a_seeded_store_counts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(store_dir=tmp_path / "s")
    KnowledgeGraph.open(settings).close()
    monkeypatch.setattr(OxigraphStore, "__len__", _no_count)
    kg = KnowledgeGraph.open(settings)
    try:
        assert kg.store.read_metadata()["seeded"]
        assert kg.resolve("hikvision").endswith("/hikvision")
    finally:
        kg.close()


def test_a_store_without_the_note_is_noted_without_a_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(store_dir=tmp_path / "s")
    KnowledgeGraph.open(settings).close()
    (tmp_path / "s" / META).unlink()  # as a store made before the note existed
    monkeypatch.setattr(OxigraphStore, "__len__", _no_count)
    kg = KnowledgeGraph.open(settings)
    try:
        assert kg.store.read_metadata()["seeded"].startswith("unknown")
    finally:
        kg.close()
    kg = KnowledgeGraph.open(settings)  # noted once: the next open reads the note only
    try:
        assert kg.store.read_metadata()["seeded"].startswith("unknown")
    finally:
        kg.close()


def test_opening_a_seeded_remote_store_counts_nothing(
    oxigraph_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = remote_settings(oxigraph_engine)
    KnowledgeGraph.open(settings).close()
    monkeypatch.setattr(SparqlStore, "__len__", _no_count)
    kg = KnowledgeGraph.open(settings)
    try:
        assert kg.store.read_metadata()["seeded"]
        assert not kg.store.is_empty()
    finally:
        kg.close()


# -- a kill -9 while seeding never leaves a half-seeded store noted as seeded ---------------


def _seeded_count() -> int:
    kg = KnowledgeGraph.open(Settings(memory=True))
    try:
        return len(kg.store)
    finally:
        kg.close()


def test_a_kill_during_the_seed_write_leaves_a_store_seeded_on_next_open(
    tmp_path: Path,
) -> None:
    store = tmp_path / "s"
    code = """
        import os, signal
        from supplychain_kg.config import Settings
        from supplychain_kg.service import KnowledgeGraph
        from supplychain_kg.store.oxigraph import OxigraphStore

        absorb = OxigraphStore.absorb
        def absorb_then_die(self, *args, **kwargs):
            absorb(self, *args, **kwargs)  # written, but its transaction is not committed
            os.kill(os.getpid(), signal.SIGKILL)
        OxigraphStore.absorb = absorb_then_die
        KnowledgeGraph.open(Settings(store_dir=STORE))
    """
    assert _run_killed(code, store) == -signal.SIGKILL
    kg = KnowledgeGraph.open(Settings(store_dir=store))
    try:
        assert kg.store.read_metadata()["seeded"]
        assert not kg.store.read_metadata()["seeded"].startswith("unknown")
        assert len(kg.store) == _seeded_count()  # the whole seed, once
    finally:
        kg.close()


def test_a_kill_before_the_seeded_note_keeps_the_committed_seed(tmp_path: Path) -> None:
    store = tmp_path / "s"
    code = """
        import os, signal
        from supplychain_kg.config import Settings
        from supplychain_kg.service import KnowledgeGraph
        from supplychain_kg.store.oxigraph import OxigraphStore

        write = OxigraphStore.write_metadata
        def die_at_the_seeded_note(self, data):
            if data.get("seeded"):
                os.kill(os.getpid(), signal.SIGKILL)
            write(self, data)
        OxigraphStore.write_metadata = die_at_the_seeded_note
        KnowledgeGraph.open(Settings(store_dir=STORE))
    """
    assert _run_killed(code, store) == -signal.SIGKILL
    assert "seeded" not in (tmp_path / "s" / META).read_text()
    kg = KnowledgeGraph.open(Settings(store_dir=store))
    try:
        assert kg.store.read_metadata()["seeded"]  # data and no note: counted as seeded
        assert len(kg.store) == _seeded_count()  # not seeded twice
    finally:
        kg.close()


def test_a_restored_store_keeps_its_seeded_note(tmp_path: Path) -> None:
    from supplychain_kg.service import backup_store, restore_store

    settings = Settings(store_dir=tmp_path / "s")
    KnowledgeGraph.open(settings).close()
    backup_store(settings, tmp_path / "backup")
    target = Settings(store_dir=tmp_path / "t", seed=False)
    KnowledgeGraph.open(target).close()
    restore_store(target, tmp_path / "backup")
    kg = KnowledgeGraph.open(target)
    try:
        assert kg.store.read_metadata()["seeded"]
        assert len(kg.store) == _seeded_count()
    finally:
        kg.close()


def test_show_by_id_or_iri_builds_no_name_index(
    disk_kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supplychain_kg.service import entities

    def no_index(*args: object) -> None:
        raise AssertionError("the name index was built")

    monkeypatch.setattr(entities, "NameIndex", no_index)
    shown = disk_kg.show("hikvision")
    assert shown["id"] == "hikvision"
    assert disk_kg.show(shown["iri"])["iri"] == shown["iri"]
    monkeypatch.undo()
    assert disk_kg.show("Hikvision")["iri"] == shown["iri"]  # a name still needs the index


# -- the projection and the name index kept beside the store ----------------------------------


class _Builds:
    """Counts the builds of the path projection and the name index in this process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from supplychain_kg.service import entities, paths

        self.projections = self.indexes = 0
        build, index = paths.build_projection, entities.NameIndex

        def counted_build(*args: Any, **kwargs: Any) -> Any:
            self.projections += 1
            return build(*args, **kwargs)

        class CountedIndex(index):  # type: ignore[misc,valid-type]
            def __init__(inner, *args: Any) -> None:  # noqa: N805
                self.indexes += 1
                super().__init__(*args)

        monkeypatch.setattr(paths, "build_projection", counted_build)
        monkeypatch.setattr(entities, "NameIndex", CountedIndex)


def _answers(settings: Settings) -> tuple[list[list[str]], list[str]]:
    """The ids along the paths from hikvision to naypyitaw-council, and the ids a search
    finds for "hik vision", from a fresh open (as a new process would)."""
    kg = KnowledgeGraph.open(settings)
    try:
        answer = kg.paths("hikvision", "naypyitaw-council", k=3)
        paths = [[node["id"] for node in path["nodes"]] for path in answer["paths"]]
        return paths, [match.id for match in kg.search("hik vision")]
    finally:
        kg.close()


@pytest.fixture
def kept(tmp_path: Path) -> tuple[Settings, tuple[list[list[str]], list[str]]]:
    """A seeded store whose projection and name index are kept, and the answers they gave."""
    settings = Settings(store_dir=tmp_path / "s")
    answers = _answers(settings)
    assert {p.name for p in (tmp_path / "s" / "cache").iterdir()} == {
        "projection.bin",
        "names.json",
    }
    return settings, answers


def test_a_restart_loads_the_projection_and_index_instead_of_building_them(
    kept: tuple[Settings, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings, answers = kept
    builds = _Builds(monkeypatch)
    with caplog.at_level(logging.INFO, logger="supplychain_kg"):
        assert _answers(settings) == answers
    assert (builds.projections, builds.indexes) == (0, 0)
    assert "loaded the path projection kept beside the store" in caplog.text
    assert "loaded the name index kept beside the store" in caplog.text


SKG = [sys.executable, "-m", "supplychain_kg.cli"]
EXTRA = Path(__file__).parent / "fixtures" / "extra-valid.ttl"
"""Adds test-integrator, which sources from hikvision (so a path to naypyitaw-council)."""


def _first_path(settings: Settings, source: str) -> list[str]:
    """The ids along the shortest path from ``source`` to naypyitaw-council (fresh open)."""
    kg = KnowledgeGraph.open(settings)
    try:
        answer = kg.paths(source, "naypyitaw-council")
        return [node["id"] for node in answer["paths"][0]["nodes"]]
    finally:
        kg.close()


def test_a_write_by_another_process_makes_the_next_start_rebuild(
    kept: tuple[Settings, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = kept
    assert settings.store_dir is not None
    done = subprocess.run(
        [*SKG, "--store", str(settings.store_dir), "load", str(EXTRA)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    builds = _Builds(monkeypatch)
    assert _first_path(settings, "test-integrator")[:2] == ["test-integrator", "hikvision"]
    assert builds.projections == 1


def test_a_write_through_the_graph_then_a_restart_keeps_the_patched_projection(
    kept: tuple[Settings, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = kept
    kg = KnowledgeGraph.open(settings)
    try:
        kg.paths("hikvision", "naypyitaw-council")  # loaded
        kg.load([EXTRA])  # a small write: patches the projection in place
        answer = kg.paths("test-integrator", "naypyitaw-council")
        assert answer["paths"][0]["nodes"][1]["id"] == "hikvision"
    finally:
        kg.close()  # the patched projection is kept again
    builds = _Builds(monkeypatch)
    assert _first_path(settings, "test-integrator")[:2] == ["test-integrator", "hikvision"]
    assert builds.projections == 0


@pytest.mark.parametrize(
    "damage",
    ["flip a byte", "truncate", "another version", "not json", "empty"],
)
def test_a_damaged_kept_file_is_ignored_and_answers_stay_right(
    kept: tuple[Settings, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    damage: str,
) -> None:
    settings, answers = kept
    assert settings.store_dir is not None
    for name in ("projection.bin", "names.json"):
        path = settings.store_dir / "cache" / name
        data = path.read_bytes()
        if damage == "flip a byte":
            at = len(data) - 40
            data = data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]
        elif damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "another version":
            data = data.replace(b'"version": "', b'"version": "0.0.0-', 1)
        elif damage == "not json":
            data = b"\x80\x04\x95 pickled?\n" + data
        else:
            data = b""
        path.write_bytes(data)
    builds = _Builds(monkeypatch)
    with caplog.at_level(logging.INFO, logger="supplychain_kg"):
        assert _answers(settings) == answers
    assert (builds.projections, builds.indexes) == (1, 1)
    assert "not using" in caplog.text
    monkeypatch.undo()
    builds = _Builds(monkeypatch)
    assert _answers(settings) == answers  # written again whole: loaded now
    assert (builds.projections, builds.indexes) == (0, 0)


def _rewrite(path: Path, damage: str) -> None:
    """Damage the kept projection (its sections as the first line lists them) as named."""
    first, body = path.read_bytes().split(b"\n", 1)
    head = json.loads(first)
    at = 0
    for name, _, size in head["sections"]:
        if name == "out_other":
            break
        at += size
    if damage == "flip a byte in the rows":
        body = body[:at] + bytes([body[at] ^ 0x01]) + body[at + 1 :]
    elif damage == "cut in the rows":
        body = body[: at + 2]
    elif damage == "format 1":
        head["format"] = 1
    else:  # "a neighbour that is no node", with a checksum that matches
        body = body[:at] + (2**31 - 1).to_bytes(4, "little") + body[at + 4 :]
        head["sha256"] = hashlib.sha256(body).hexdigest()
    path.write_bytes(json.dumps(head).encode() + b"\n" + body)


@pytest.mark.parametrize(
    "damage",
    ["flip a byte in the rows", "cut in the rows", "format 1", "a neighbour that is no node"],
)
def test_a_kept_projection_that_cannot_be_used_is_rebuilt_and_kept_again(
    kept: tuple[Settings, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    damage: str,
) -> None:
    settings, answers = kept
    assert settings.store_dir is not None
    _rewrite(settings.store_dir / "cache" / "projection.bin", damage)
    builds = _Builds(monkeypatch)
    with caplog.at_level(logging.INFO, logger="supplychain_kg"):
        assert _answers(settings) == answers
    assert (builds.projections, builds.indexes) == (1, 0)
    assert "not using" in caplog.text and "projection.bin" in caplog.text
    monkeypatch.undo()
    builds = _Builds(monkeypatch)
    assert _answers(settings) == answers
    assert (builds.projections, builds.indexes) == (0, 0)


def test_a_projection_kept_in_the_old_json_format_is_removed(
    kept: tuple[Settings, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, answers = kept
    assert settings.store_dir is not None
    old = settings.store_dir / "cache" / "projection.json"
    old.write_text('{"kind": "projection.json", "format": 1}\n{}')
    builds = _Builds(monkeypatch)
    assert _answers(settings) == answers
    assert builds.projections == 0
    assert not old.exists()


def test_a_kill_while_keeping_the_projection_leaves_a_store_that_opens(
    kept: tuple[Settings, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = kept
    assert settings.store_dir is not None
    code = f"""
        import os, signal
        from supplychain_kg.config import Settings
        from supplychain_kg.paths import saved
        from supplychain_kg.service import KnowledgeGraph

        kg = KnowledgeGraph.open(Settings(store_dir=STORE))
        kg.load([Path({str(EXTRA)!r})])
        class Dying:  # saved.py's os, killed when the new file is whole but not renamed
            def __getattr__(self, name):
                return getattr(os, name)
            def replace(self, *args):
                os.kill(os.getpid(), signal.SIGKILL)
        saved.os = Dying()
        kg.paths("hikvision", "naypyitaw-council")  # builds, then keeps it: killed there
    """
    assert _run_killed(code, settings.store_dir) == -signal.SIGKILL
    assert list((settings.store_dir / "cache").glob("*.tmp"))  # the half-kept file is left
    builds = _Builds(monkeypatch)
    assert _first_path(settings, "test-integrator")[:2] == ["test-integrator", "hikvision"]
    assert builds.projections == 1  # the old file names the data before the write
    assert not list((settings.store_dir / "cache").glob("*.tmp"))


def test_a_restore_makes_the_kept_files_stale(
    kept: tuple[Settings, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supplychain_kg.service import backup_store, restore_store

    settings, (paths, _) = kept
    backup_store(settings, tmp_path / "backup")  # the seed as it is
    kg = KnowledgeGraph.open(settings)
    try:
        kg.load([EXTRA])
        assert kg.paths("test-integrator", "naypyitaw-council")["paths"]
    finally:
        kg.close()  # kept: the store with test-integrator
    restore_store(settings, tmp_path / "backup")
    builds = _Builds(monkeypatch)
    assert _answers(settings)[0] == paths
    assert builds.projections == 1  # the restored data, not what was kept before the restore
    kg = KnowledgeGraph.open(settings)
    try:
        with pytest.raises(UnknownEntityError):
            kg.paths("test-integrator", "naypyitaw-council")
    finally:
        kg.close()


def test_nothing_is_kept_beside_a_store_opened_read_only_or_in_memory(
    kept: tuple[Settings, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = kept
    assert settings.store_dir is not None
    kg = KnowledgeGraph.open(Settings(memory=True))
    try:
        assert kg.store.cache_stamp() is None
    finally:
        kg.close()
    store = OxigraphStore(settings.store_dir, read_only=True)
    try:
        assert store.cache_stamp() is None
    finally:
        store.close()


def test_a_cache_folder_that_cannot_be_written_only_costs_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(store_dir=tmp_path / "s")
    KnowledgeGraph.open(settings).close()
    (tmp_path / "s" / "cache").write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="supplychain_kg"):
        first = _answers(settings)
    assert "could not keep the path projection beside the store" in caplog.text
    assert _answers(Settings(memory=True)) == first


def test_auto_mode_uses_a_projection_kept_beside_the_store(tmp_path: Path) -> None:
    # Over the limit, `auto` walks the frontier, unless a projection of the data as it is now
    # is kept beside the store (the SPARQL graph index makes one): loading it is cheaper than
    # walking the store hop by hop.
    settings = Settings(store_dir=tmp_path / "s", paths_projection_limit=1)
    kg = KnowledgeGraph.open(settings)
    try:
        assert kg.path_mode() == "frontier"  # nothing built, nothing kept
        kg.projection()  # built and kept beside the store
    finally:
        kg.close()
    kg = KnowledgeGraph.open(settings)
    try:
        assert kg.cached_projection() is None
        assert kg.paths("hikvision", "naypyitaw-council")["mode"] == "projection"
        kg.store.update(
            "INSERT DATA { GRAPH <http://e/g> { <http://e/a> <http://e/p> <http://e/b> } }"
        )
    finally:
        kg.close()
    kg = KnowledgeGraph.open(settings)
    try:  # written since: the kept projection no longer names the data
        assert kg.path_mode() == "frontier"
    finally:
        kg.close()
