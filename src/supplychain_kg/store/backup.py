"""Backups of an on-disk store, and restoring one (``skg backup DIR``, ``skg restore DIR``).

A backup is a directory that is itself a store directory: ``db/`` (the engine's online,
consistent backup: RocksDB hard links when on the same file system as the store, copies
otherwise), ``skg-store.json`` (the store's notes) and ``skg-backup.json``, the manifest (when
it was made, from where, how many triples it holds, the store's notes). It is built under a
hidden name beside ``DIR`` and renamed into place last, so a backup cut short never looks
whole; ``DIR`` must not exist.

The backup is made from whichever handle can make it:

- nobody has the store open: this process opens it for writing (taking its lock) and backs it
  up;
- another process holds it (``skg serve``, a load): this process takes the store's write gate
  (``writes.lock``, see ``locks.py``), which the owner holds while it writes, so with the gate
  held the database files are whole; it opens the database read-only, backs up its table
  files, copies in the write-ahead log (the owner's latest small writes are still there), and
  checks that the copy holds as many triples as the read-only handle sees. A write in the owner
  waits for the gate meanwhile (a fraction of a second for hard links; when the target is on
  another file system the backup is made beside the store and copied after the gate is
  released);
- the owner itself (:func:`backup_open_store`, for a server-side endpoint).

A restore refuses while anyone has the store open (it takes the store's lock), checks that the
backup opens and holds the number of triples its manifest says, copies it into
``restoring/`` inside the store directory, then swaps it in: ``db`` is moved aside to
``db.replaced``, ``restoring`` becomes ``db``, and the old database is removed only then. A
process killed at any point leaves the old store or the restored one (``layout.recover``).
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from supplychain_kg.errors import StoreError, StoreLockedError
from supplychain_kg.store import Store
from supplychain_kg.store.layout import (
    DB,
    MARKER,
    META,
    REPLACED,
    RESTORE_META,
    RESTORING,
    STAGED_BACKUP,
    STAMP,
    read_json,
    read_metadata,
    recover,
    remove_tree,
    write_json,
)
from supplychain_kg.store.locks import StoreLock, WriteGate
from supplychain_kg.store.oxigraph import OxigraphStore

__all__ = ["MANIFEST", "backup_open_store", "backup_store", "read_manifest", "restore_store"]

MANIFEST = "skg-backup.json"
FORMAT = "skg-backup/1"
_ATTEMPTS = 3


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _inside(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def _check_target(directory: Path, target: Path) -> None:
    if target.exists() or target.is_symlink():
        raise StoreError(
            f"{target} already exists; a backup goes into a new directory (nothing was written)"
        )
    if _inside(target, directory) or _inside(directory, target):
        raise StoreError(f"a backup of {directory} cannot go inside it ({target})")
    if not (directory / DB).is_dir():
        raise StoreError(f"there is no store at {directory} to back up (no {DB}/ directory)")


def backup_store(directory: Path, target: Path, *, wait: float = 60.0) -> dict[str, Any]:
    """Back up the store at ``directory`` into the new directory ``target``, whether or not
    another process has the store open; return the manifest.

    ``wait``: seconds to wait for a write running in the process that holds the store. Raises
    StoreError (``target`` exists, no store, the engine failed) or StoreLockedError (a write
    went on for longer than ``wait``).
    """
    directory, target = directory.absolute(), target.absolute()
    _check_target(directory, target)
    return _build(directory, target, lambda db: _copy_database(directory, db, wait))


def backup_open_store(store: Store, directory: Path, target: Path) -> dict[str, Any]:
    """Back up ``store``, which this process has open from ``directory`` (a server); the
    caller keeps other writes out meanwhile (``KnowledgeGraph.writing``)."""
    directory, target = directory.absolute(), target.absolute()
    _check_target(directory, target)

    def copy(db: Path) -> bool:
        store.backup(db)
        return False

    return _build(directory, target, copy)


def _build(directory: Path, target: Path, copy: Callable[[Path], bool]) -> dict[str, Any]:
    """Make the backup under a hidden name beside ``target``, check it, rename it in."""
    partial = target.parent / f".{target.name}.partial-{os.getpid()}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_tree(partial)
        partial.mkdir()
    except OSError as exc:
        raise StoreError(f"cannot create the backup directory {target}: {exc}") from exc
    try:
        beside_owner = copy(partial / DB)
        notes = read_metadata(directory)
        manifest = {
            "format": FORMAT,
            "created": _now(),
            "store": str(directory),
            "triples": _count(partial),
            "engine": f"oxigraph {importlib.metadata.version('pyoxigraph')}",
            "made_beside_owner": beside_owner,
            "metadata": notes,
        }
        write_json(partial / META, notes)
        write_json(partial / MANIFEST, manifest)
        try:
            partial.rename(target)
        except OSError as exc:
            raise StoreError(f"cannot put the backup at {target}: {exc}") from exc
    except BaseException:
        remove_tree(partial)
        raise
    return manifest


def _count(directory: Path) -> int:
    """The number of triples in the store at ``directory``, opened read-only (which also
    proves it opens)."""
    store = OxigraphStore(directory, read_only=True)
    try:
        return len(store)
    finally:
        store.close()


def _copy_database(directory: Path, db: Path, wait: float) -> bool:
    """Make the engine's backup of ``directory``'s database at ``db``; True when another
    process held the store meanwhile."""
    for _ in range(_ATTEMPTS):
        try:
            store = OxigraphStore(directory)
        except StoreLockedError:
            if _copy_beside_owner(directory, db, wait):
                return True
            continue  # a dead writer left its marker: open the store to recover it
        try:
            store.backup(db)
        finally:
            store.close()
        return False
    raise StoreError(f"cannot back up {directory}: its owner kept changing; try again")


def same_file_system(first: Path, second: Path) -> bool:
    """Whether hard links can join the two directories."""
    return os.stat(first).st_dev == os.stat(second).st_dev


def _copy_beside_owner(directory: Path, db: Path, wait: float) -> bool:
    """Back up through a read-only handle with the owner's write gate held; False when the
    store turns out to need recovery (its writer died) and should be opened instead.

    The gate is held only while the engine links the files: when ``db`` is on another file
    system, the backup is made beside the store first and copied once the gate is released.
    """
    same_disk = same_file_system(directory, db.parent)
    staged = db if same_disk else directory / f"{STAGED_BACKUP}{os.getpid()}" / DB
    gate = WriteGate(directory, wait=wait)
    try:
        with gate.holding(wait=wait, what="back up"):
            if (directory / MARKER).exists():  # only a dead writer leaves it with the gate free
                return False
            if not same_disk:
                remove_tree(staged.parent)
                staged.parent.mkdir()
            _read_only_backup(directory, staged)
    except BaseException:
        if not same_disk:
            remove_tree(staged.parent)
        raise
    finally:
        gate.close()
    if not same_disk:
        try:
            shutil.copytree(staged, db)
        except OSError as exc:
            raise StoreError(f"cannot copy the backup to {db.parent}: {exc}") from exc
        finally:
            remove_tree(staged.parent)
    return True


def _read_only_backup(directory: Path, target: Path) -> None:
    """The engine's backup of a read-only handle, its write-ahead log copied in, checked to
    hold every triple the handle sees (retried: the owner's compactions may remove a file
    meanwhile)."""
    error: StoreError | None = None
    for _ in range(_ATTEMPTS):
        remove_tree(target)
        try:
            reader = OxigraphStore(directory, read_only=True)
            try:
                expected = len(reader)
                reader.backup(target)
                reader.copy_write_ahead_log(target)
            finally:
                reader.close()
            found = _count(target.parent)
            if found == expected:
                return
            error = StoreError(
                f"the backup of {directory} holds {found:,} triples where the store has "
                f"{expected:,}: the process holding the store changed it meanwhile; try again"
            )
        except StoreError as exc:
            error = exc
    assert error is not None
    raise error


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of the backup at ``source``; StoreError if it is not a backup."""
    path = source / MANIFEST
    manifest = read_json(path)
    if manifest is None:
        raise StoreError(f"{source} is not a backup made by `skg backup` (it has no {MANIFEST})")
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("triples"), int):
        raise StoreError(f"{path} is not a backup manifest this version reads ({FORMAT})")
    if not (source / DB).is_dir():
        raise StoreError(f"the backup at {source} has no {DB}/ directory")
    return manifest


def restore_store(directory: Path, source: Path) -> dict[str, Any]:
    """Replace the store at ``directory`` by the backup at ``source``; return its manifest.

    Raises StoreLockedError while anyone has the store open, StoreError if ``source`` is not
    a whole backup; in both cases the store is unchanged.
    """
    directory, source = directory.absolute(), source.absolute()
    if _inside(source, directory) or _inside(directory, source):
        raise StoreError(f"cannot restore {directory} from a backup inside it ({source})")
    manifest = read_manifest(source)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the store directory {directory}: {exc}") from exc
    lock = StoreLock(directory)
    gate: WriteGate | None = None
    try:
        gate = WriteGate(directory, wait=10.0)
        with gate.holding(what="restore"):
            recover(directory)
            _prepare(directory, source, manifest)
            (directory / STAMP).unlink(missing_ok=True)  # what was kept beside is stale now
            _swap(directory)
    finally:
        if gate is not None:
            gate.close()
        lock.release()
    return manifest


def _prepare(directory: Path, source: Path, manifest: dict[str, Any]) -> None:
    """Check the backup and copy it into ``restoring/``, with its notes in restore.json."""
    restoring = directory / RESTORING
    remove_tree(restoring)
    backup = OxigraphStore(source, read_only=True)
    try:
        found = len(backup)
        if found != manifest["triples"]:
            raise StoreError(
                f"the backup at {source} holds {found:,} triples but its manifest says "
                f"{manifest['triples']:,}: it is damaged; nothing was restored"
            )
        backup.backup(restoring)
    except BaseException:
        remove_tree(restoring)
        raise
    finally:
        backup.close()
    notes = dict(manifest.get("metadata") or {})
    notes["restored"] = {"from": str(source), "at": _now(), "backup_made": manifest["created"]}
    write_json(directory / RESTORE_META, notes)


def _swap(directory: Path) -> None:
    db, replaced = directory / DB, directory / REPLACED
    try:
        if db.exists():
            db.rename(replaced)
        (directory / RESTORING).rename(db)
    except OSError as exc:
        recover(directory)  # puts the old store back
        raise StoreError(f"cannot swap the backup into {directory}: {exc}") from exc
    (directory / RESTORE_META).replace(directory / META)
    shutil.rmtree(replaced, ignore_errors=True)
