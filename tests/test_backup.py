"""`skg backup` and `skg restore`, the store's notes, and the N-Quads round trip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from supplychain_kg.cli import main
from supplychain_kg.config import Settings
from supplychain_kg.errors import StoreError, StoreLockedError
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.store import open_store
from supplychain_kg.store.backup import MANIFEST, backup_store, restore_store
from supplychain_kg.store.layout import DB, META, REPLACED, RESTORE_META, RESTORING, recover

from .conftest import FIXTURES
from .live import serve
from .store_support import checksum

EX = "http://example.org/"
TOKEN = "backup-test-token"


def _store(root: Path, *subjects: str) -> Path:
    store = open_store(root)
    for s in subjects:
        store.update(f'INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}{s}> <{EX}p> "x" }} }}')
    store.close()
    return root


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["-q", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_backup_is_a_store_with_a_manifest_and_the_same_quads(tmp_path: Path) -> None:
    root = _store(tmp_path / "s", "a", "b")
    manifest = backup_store(root, tmp_path / "bk")
    on_disk = json.loads((tmp_path / "bk" / MANIFEST).read_text())
    assert on_disk == manifest
    assert manifest["triples"] == 2 and manifest["store"] == str(root.absolute())
    assert manifest["metadata"]["created"] and manifest["created"]
    assert manifest["made_beside_owner"] is False
    assert checksum(tmp_path / "bk") == checksum(root)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_backup_refuses_an_existing_directory_a_missing_store_and_its_own_inside(
    tmp_path: Path,
) -> None:
    root = _store(tmp_path / "s", "a")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    with pytest.raises(StoreError, match="already exists"):
        backup_store(root, tmp_path / "taken")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["keep.txt"]
    with pytest.raises(StoreError, match="cannot go inside it"):
        backup_store(root, root / "bk")
    with pytest.raises(StoreError, match="no store"):
        backup_store(tmp_path / "nothing", tmp_path / "bk")


def test_backup_beside_a_running_server_holds_its_last_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "s"
    settings = Settings(store_dir=root, write_token=TOKEN, query_workers=1)
    kg = KnowledgeGraph.open(settings)
    try:
        with serve(settings, kg) as base:
            update = f'INSERT DATA {{ <{EX}late> <{EX}p> "written just before" }}'
            answer = httpx.post(
                f"{base}/update",
                data={"update": update},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            assert answer.status_code == 204
            code, _, err = _run(capsys, "--store", str(root), "load", str(root / "none.ttl"))
            assert code == 1 and "in use" in err  # (reading commands read beside the server)
            code, out, err = _run(capsys, "--store", str(root), "backup", str(tmp_path / "bk"))
            assert code == 0, err
            assert "beside the process that holds the store" in out
            expected = len(kg.store)
    finally:
        kg.close()
    backup = open_store(tmp_path / "bk", read_only=True)
    try:
        assert len(backup) == expected
        assert backup.query(f"ASK {{ <{EX}late> ?p ?o }}").boolean
    finally:
        backup.close()


def test_backup_to_another_disk_beside_the_owner_is_staged_then_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _store(tmp_path / "s", "a")
    owner = open_store(root)
    try:
        owner.update(f'INSERT DATA {{ <{EX}late> <{EX}p> "x" }}')
        monkeypatch.setattr("supplychain_kg.store.backup.same_file_system", lambda a, b: False)
        manifest = backup_store(root, tmp_path / "bk")
        assert manifest["made_beside_owner"] is True and manifest["triples"] == 2
        assert not list(root.glob("backup-staged-*"))
        (root / "backup-staged-999").mkdir()  # as a killed backup leaves it
    finally:
        owner.close()
    assert checksum(tmp_path / "bk") == checksum(root)
    assert not list(root.glob("backup-staged-*"))  # removed by the next open


def test_restore_swaps_the_backup_in_with_its_notes(tmp_path: Path) -> None:
    root = _store(tmp_path / "s", "old")
    backup_store(root, tmp_path / "bk")
    wanted = checksum(root)
    _store(root, "newer")
    manifest = restore_store(root, tmp_path / "bk")
    assert checksum(root) == wanted
    notes = json.loads((root / META).read_text())
    assert notes["restored"]["from"] == str((tmp_path / "bk").absolute())
    assert notes["created"] == manifest["metadata"]["created"]
    assert sorted(p.name for p in root.iterdir() if p.name not in ("skg.lock", "writes.lock")) == [
        DB,
        META,
    ]
    assert checksum(tmp_path / "bk") == wanted  # the backup is left as it was


def test_restore_is_refused_while_the_store_is_in_use(tmp_path: Path) -> None:
    root = _store(tmp_path / "s", "old")
    backup_store(root, tmp_path / "bk")
    _store(root, "newer")
    before = checksum(root)
    owner = open_store(root)
    try:
        with pytest.raises(StoreLockedError, match="in use"):
            restore_store(root, tmp_path / "bk")
    finally:
        owner.close()
    assert checksum(root) == before


def test_restore_refuses_what_is_not_a_whole_backup(tmp_path: Path) -> None:
    root = _store(tmp_path / "s", "old")
    before = checksum(root)
    backup_store(root, tmp_path / "bk")
    with pytest.raises(StoreError, match="from a backup inside it"):
        restore_store(root, root.parent / "s")
    with pytest.raises(StoreError, match="not a backup made by `skg backup`"):
        restore_store(root, FIXTURES)
    manifest = json.loads((tmp_path / "bk" / MANIFEST).read_text())
    (tmp_path / "bk" / MANIFEST).write_text(json.dumps({**manifest, "triples": 5}))
    with pytest.raises(StoreError, match="holds 1 triples but its manifest says 5"):
        restore_store(root, tmp_path / "bk")
    assert checksum(root) == before
    assert not (root / RESTORING).exists() and not (root / RESTORE_META).exists()


def _restore_states(tmp_path: Path) -> tuple[Path, str, str]:
    """A store with an old database, and a backup ready in restoring/ with its notes."""
    root = _store(tmp_path / "s", "restored")
    backup_store(root, tmp_path / "bk")
    new = checksum(root)
    shutil.rmtree(root)
    old = checksum(_store(root, "old"))
    restoring = open_store(tmp_path / "bk", read_only=True)
    restoring.backup(root / RESTORING)
    restoring.close()
    (root / RESTORE_META).write_text(json.dumps({"restored": {"from": "bk"}}))
    return root, old, new


@pytest.mark.parametrize(
    ("state", "kept"),
    [
        ("copied, not swapped", "old"),
        ("old moved aside", "old"),
        ("swapped", "restored"),
        ("swapped, notes installed", "restored"),
    ],
)
def test_a_restore_killed_at_any_step_leaves_the_old_or_the_restored_store(
    tmp_path: Path, state: str, kept: str
) -> None:
    root, old, new = _restore_states(tmp_path)
    if state != "copied, not swapped":
        (root / DB).rename(root / REPLACED)
    if state.startswith("swapped"):
        (root / RESTORING).rename(root / DB)
    if state == "swapped, notes installed":
        (root / RESTORE_META).replace(root / META)
    recover(root)
    assert checksum(root) == (old if kept == "old" else new)
    assert not any((root / name).exists() for name in (RESTORING, RESTORE_META, REPLACED))
    notes = json.loads((root / META).read_text())
    assert ("restored" in notes) is (kept == "restored")


def test_cli_backup_and_restore_report_what_they_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "s")
    assert _run(capsys, "--store", store, "stats")[0] == 0
    code, out, _ = _run(capsys, "--store", store, "backup", str(tmp_path / "bk"))
    assert code == 0 and out.startswith("backed up ") and "triples from" in out
    code, _, err = _run(capsys, "--store", store, "backup", str(tmp_path / "bk"))
    assert code == 1 and "already exists" in err
    code, out, _ = _run(capsys, "--store", store, "restore", str(tmp_path / "bk"))
    assert code == 0 and out.startswith("restored ")
    code, _, err = _run(capsys, "--memory", "backup", str(tmp_path / "bk2"))
    assert code == 1 and "in-memory store (--memory) cannot be backed up" in err


# -- seeding: once, when the store is new --------------------------------------------------


def test_a_new_store_is_seeded_once_and_an_emptied_one_stays_empty(tmp_path: Path) -> None:
    settings = Settings(store_dir=tmp_path / "s")
    kg = KnowledgeGraph.open(settings)
    notes = kg.store.read_metadata()
    assert notes["created"] and notes["seeded"]
    assert not kg.store.is_empty()
    kg.store.update("CLEAR ALL")
    kg.close()
    kg = KnowledgeGraph.open(settings)
    try:
        assert kg.store.is_empty()
    finally:
        kg.close()


def test_a_store_made_without_seeding_is_never_seeded_later(tmp_path: Path) -> None:
    KnowledgeGraph.open(Settings(store_dir=tmp_path / "s", seed=False)).close()
    kg = KnowledgeGraph.open(Settings(store_dir=tmp_path / "s"))
    try:
        assert kg.store.is_empty()
        assert kg.store.read_metadata()["seeded"] is False
    finally:
        kg.close()


def test_a_store_made_before_the_notes_counts_as_seeded_if_it_has_data(tmp_path: Path) -> None:
    _store(tmp_path / "old", "mine")
    (tmp_path / "old" / META).unlink()
    kg = KnowledgeGraph.open(Settings(store_dir=tmp_path / "old"))
    try:
        assert len(kg.store) == 1
        assert kg.store.read_metadata()["seeded"].startswith("unknown")
    finally:
        kg.close()
    _store(tmp_path / "empty")
    (tmp_path / "empty" / META).unlink()
    kg = KnowledgeGraph.open(Settings(store_dir=tmp_path / "empty"))
    try:
        assert not kg.store.is_empty()  # empty and never noted: seeded now
    finally:
        kg.close()


# -- export, then load into a fresh store --------------------------------------------------


@pytest.mark.parametrize("seeded", [True, False], ids=["into-seeded", "into-unseeded"])
def test_export_nquads_then_load_gives_the_same_sorted_nquads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seeded: bool
) -> None:
    source = str(tmp_path / "source")
    assert _run(capsys, "--store", source, "load", str(FIXTURES / "extra-valid.ttl"))[0] == 0
    store = open_store(Path(source))
    store.update(f'INSERT DATA {{ GRAPH <{EX}notes> {{ <{EX}n> <{EX}says> "named"@en }} }}')
    store.close()
    dump = tmp_path / "dump.nq"
    code, _, err = _run(capsys, "--store", source, "export", "--format", "nquads", "-o", str(dump))
    assert code == 0, err
    target = tmp_path / "target"
    KnowledgeGraph.open(Settings(store_dir=target, seed=seeded)).close()
    code, _, err = _run(capsys, "--store", str(target), "load", str(dump))
    assert code == 0, err
    assert checksum(target) == checksum(Path(source))
    assert f"<{EX}notes>".encode() in dump.read_bytes()
