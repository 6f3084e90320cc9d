"""Opening the engine's database directory (``db/``): owned, or read-only beside its owner."""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox

from supplychain_kg.errors import StoreError, StoreLockedError
from supplychain_kg.store.layout import DB

__all__ = ["ENGINE", "open_database", "open_read_only"]

ENGINE = f"oxigraph {ox.__version__}"
"""The engine and its version, as the store's notes record them."""

_READ_ONLY_ATTEMPTS = 5


def _is_lock_error(exc: OSError) -> bool:
    text = str(exc).lower()
    return "lock" in text or "resource temporarily unavailable" in text


def open_database(db: Path) -> ox.Store:
    """Open the database at ``db`` for writing; StoreLockedError if another process has it."""
    try:
        return ox.Store(str(db))
    except OSError as exc:
        if _is_lock_error(exc):
            raise StoreLockedError(
                f"the store at {db.parent} is in use by another process (its database "
                "is open); stop it, or use --store DIR / --memory for another store"
            ) from exc
        raise StoreError(f"cannot open the store at {db.parent}: {exc}") from exc


def open_read_only(path: Path) -> ox.Store:
    """Open read-only; retried, as the owner's background compaction may delete a table
    file between the moment the engine reads the file list and the moment it opens it."""
    if not (path / DB).is_dir():
        raise StoreError(f"there is no store at {path} (no {DB}/ directory)")
    for attempt in range(_READ_ONLY_ATTEMPTS):
        try:
            return ox.Store.read_only(str(path / DB))
        except (OSError, RuntimeError) as exc:
            if attempt == _READ_ONLY_ATTEMPTS - 1:
                raise StoreError(f"cannot open the store at {path} to read: {exc}") from exc
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")
