"""What a store directory holds on disk, and how an interrupted write or restore is finished.

A store directory holds:

- ``db/``: the Oxigraph (RocksDB) database;
- ``skg-store.json``: the store's own notes (when it was created, whether it was seeded,
  where it was restored from);
- ``skg.lock`` and ``writes.lock``: lock files (see ``locks.py``);
- ``skg-revision``: a random token that names the data as it is (:func:`new_stamp`: replaced
  before the first write after it was handed out, and before a restore's swap), and
  ``cache/``: what the service keeps beside the store stamped with that token (the path
  projection and the name index, ``paths/saved.py``);
- while a guarded write runs: ``checkpoint/`` (a RocksDB backup of ``db/`` made of hard
  links) and the ``LOADING`` marker, written once the checkpoint is complete;
- while a backup beside the owner is copied to another file system: ``backup-staged-PID/``;
- while a restore runs: ``restoring/`` (the database being put in), ``restore.json`` (the
  notes that go with it) and, during the swap, ``db.replaced/`` (the database moved aside).

:func:`recover` runs whenever the store is opened for writing, under its lock, and brings any
of these states back to a whole store: a write that did not finish is undone (the checkpoint
goes back), a restore that did not reach its swap is dropped (the old store stays), a restore
past its swap is finished (the restored store stays). Nothing here imports an engine.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

from supplychain_kg.errors import StoreError

__all__ = [
    "CACHE",
    "CHECKPOINT",
    "DB",
    "MARKER",
    "META",
    "REPLACED",
    "RESTORE_META",
    "RESTORING",
    "STAGED_BACKUP",
    "STAMP",
    "new_stamp",
    "read_json",
    "read_metadata",
    "read_stamp",
    "recover",
    "remove_tree",
    "write_json",
]

log = logging.getLogger(__name__)

DB = "db"
CHECKPOINT = "checkpoint"
MARKER = "LOADING"
META = "skg-store.json"
RESTORING = "restoring"
RESTORE_META = "restore.json"
REPLACED = "db.replaced"
STAMP = "skg-revision"
CACHE = "cache"
STAGED_BACKUP = "backup-staged-"
"""A backup made beside the store before it is copied to another file system (+ a pid)."""
_TEMPORARY = ("checkpoint.tmp", "restoring.tmp")
"""Where RocksDB builds a backup before renaming it into place (left by a killed process)."""


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path`` (None if there is no such file)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise StoreError(f"{path} does not hold a JSON object")
    return data


def read_metadata(directory: Path) -> dict[str, Any]:
    """The store's notes in ``directory/skg-store.json`` ({} if there are none)."""
    return read_json(directory / META) or {}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file renamed over it)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def read_stamp(directory: Path) -> str | None:
    """The token in ``directory/skg-revision`` (None if there is none)."""
    try:
        return (directory / STAMP).read_text("ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def new_stamp(directory: Path) -> str:
    """Write a new random token to ``directory/skg-revision`` (atomically) and return it."""
    stamp = secrets.token_hex(8)
    path = directory / STAMP
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="ascii") as out:
        out.write(stamp + "\n")
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    return stamp


def remove_tree(path: Path) -> None:
    """Remove a directory (or file) if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def recover(directory: Path, *, quiet: bool = False) -> None:
    """Bring ``directory`` back to a whole store after an interrupted write or restore.

    Must run with the store's lock and write gate held, and with no handle on ``db/`` open.
    """
    _finish_restore(directory)
    _undo_write(directory, quiet=quiet)
    for name in _TEMPORARY:
        remove_tree(directory / name)
    for staged in directory.glob(STAGED_BACKUP + "*"):  # left by a backup that was killed
        remove_tree(staged)


def _undo_write(directory: Path, *, quiet: bool) -> None:
    """Put the checkpoint back if a write did not finish; drop a checkpoint no write needs."""
    marker = directory / MARKER
    checkpoint = directory / CHECKPOINT
    if marker.exists() and checkpoint.is_dir():
        if not quiet:
            log.warning("restoring %s from its checkpoint after an interrupted write", directory)
        remove_tree(directory / DB)
        checkpoint.rename(directory / DB)
    elif checkpoint.exists():  # made, but the write never started (or had finished)
        remove_tree(checkpoint)
    marker.unlink(missing_ok=True)  # no checkpoint left: it is already back in db/


def _finish_restore(directory: Path) -> None:
    """Finish or drop a restore (see :func:`supplychain_kg.store.backup.restore_store`).

    ``restoring/`` is complete before ``restore.json`` is written; the swap is two renames,
    ``db`` to ``db.replaced`` and ``restoring`` to ``db``. While ``restoring/`` exists the swap
    has not happened: the old store stays (put back if it was moved aside). Once it is gone the
    restored store stays: its notes are installed and the old database removed.
    """
    db, replaced = directory / DB, directory / REPLACED
    restoring, notes = directory / RESTORING, directory / RESTORE_META
    if restoring.exists():
        if replaced.exists() and not db.exists():
            log.warning("putting back the store at %s after an interrupted restore", directory)
            replaced.rename(db)
        remove_tree(restoring)
        notes.unlink(missing_ok=True)
        return
    if replaced.exists() and not db.exists():  # not reached by restore_store; be safe
        replaced.rename(db)
    if notes.exists():
        notes.replace(directory / META)
    remove_tree(replaced)
