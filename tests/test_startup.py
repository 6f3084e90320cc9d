"""Cold start: opening a store never counts it (a note says whether it was seeded), a store
killed while it was being seeded opens whole, and the path projection and name index kept
beside an on-disk store are loaded on the next start instead of rebuilt (and never used stale).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from supplychain_kg.config import Settings
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
