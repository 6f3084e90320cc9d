"""Backups of the on-disk store: one made from the configuration (``skg backup``, also while
another process such as ``skg serve`` holds the store), one made by the process that holds the
store open (for a server-side endpoint), and a restore (``skg restore``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from supplychain_kg.config import Settings
from supplychain_kg.errors import StoreError
from supplychain_kg.service.state import GraphState

__all__ = ["BackupUseCases", "backup_store", "restore_store"]


def _store_dir(settings: Settings, doing: str) -> Path:
    from supplychain_kg.store import check_backup_possible

    check_backup_possible(settings)
    directory = settings.resolved_store_dir()
    if directory is None:
        raise StoreError(f"an in-memory store (--memory) cannot be {doing}; use --store DIR")
    return directory


def backup_store(settings: Settings, target: Path, *, wait: float = 60.0) -> dict[str, Any]:
    """Back up the configured on-disk store into the new directory ``target`` and return the
    backup's manifest. Works while another process (``skg serve``) holds the store: a write
    running there is waited for, up to ``wait`` seconds (see ``store/backup.py``)."""
    from supplychain_kg.store import backup_store as backup

    return backup(_store_dir(settings, "backed up"), target, wait=wait)


def restore_store(settings: Settings, source: Path) -> dict[str, Any]:
    """Replace the configured on-disk store by the backup at ``source`` (made by
    :func:`backup_store`); return its manifest. Refused (StoreLockedError) while the store is
    open anywhere; a process killed meanwhile leaves the old store or the restored one."""
    from supplychain_kg.store import restore_store as restore

    return restore(_store_dir(settings, "restored"), source)


class BackupUseCases(GraphState):
    """A backup of the store this graph holds open."""

    def backup(self, target: Path) -> dict[str, Any]:
        """Back up the store this graph holds open (for a server-side endpoint) into the new
        directory ``target``, with every write held off meanwhile; return the manifest."""
        from supplychain_kg.store import backup_open_store

        directory = _store_dir(self.settings, "backed up")
        with self.writing():
            return backup_open_store(self.store, directory, target)
