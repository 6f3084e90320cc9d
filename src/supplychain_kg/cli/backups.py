"""``skg backup`` and ``skg restore``: a consistent copy of the store, and putting one back."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from supplychain_kg.config import Settings
from supplychain_kg.service import backup_store, restore_store

__all__ = ["add_backup_commands", "cmd_backup", "cmd_restore"]


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    manifest = backup_store(settings, Path(args.dir), wait=args.wait)
    beside = (
        " (made beside the process that holds the store)" if manifest["made_beside_owner"] else ""
    )
    print(
        f"backed up {manifest['triples']:,} triples from {manifest['store']} to {args.dir}{beside}"
    )
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    manifest = restore_store(settings, Path(args.dir))
    print(
        f"restored {manifest['triples']:,} triples from the backup of {manifest['created']} "
        f"({args.dir}) into {settings.resolved_store_dir()}; the previous store was replaced"
    )
    return 0


def add_backup_commands(sub: Any) -> None:
    p = sub.add_parser(
        "backup",
        help="copy the store into a new directory (consistent, also while `skg serve` runs)",
        description="Write the engine's online backup of the store into DIR, which must not "
        "exist: hard links when DIR is on the store's file system (fast, little space), copies "
        "otherwise. DIR holds the database, the store's notes and a manifest "
        "(skg-backup.json: date, triple count, notes). While another process holds the "
        "store, a write it is making is waited for (--wait), and its next writes wait for the "
        "backup.",
    )
    p.add_argument("dir", metavar="DIR", help="the new backup directory")
    p.add_argument(
        "--wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for a running write in the process holding the store (60)",
    )
    p.set_defaults(handler=cmd_backup)
    p = sub.add_parser(
        "restore",
        help="replace the store by a backup made with `skg backup`",
        description="Check that the backup in DIR opens and holds the triples its manifest "
        "says, then swap it in for the store's database (the old one is removed once the swap "
        "is done; a process killed meanwhile leaves the old store or the restored one). "
        "Refused while the store is in use (stop `skg serve` first). DIR is left as it was.",
    )
    p.add_argument("dir", metavar="DIR", help="a backup directory made by `skg backup`")
    p.set_defaults(handler=cmd_restore)
