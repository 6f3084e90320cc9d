"""The ``skg`` command's parser (global options, then each command group's subcommands, in
the order ``skg --help`` lists them) and ``main``: settings from the options and the
environment, the command's handler, and the exit code (1 on a reported error)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from supplychain_kg import __version__
from supplychain_kg.cli.backups import add_backup_commands
from supplychain_kg.cli.entities import add_entity_commands
from supplychain_kg.cli.exports import add_export_command
from supplychain_kg.cli.imports import add_import_command
from supplychain_kg.cli.loading import add_load_commands
from supplychain_kg.cli.paths import add_path_commands
from supplychain_kg.cli.queries import add_query_commands
from supplychain_kg.cli.serve import add_serve_command
from supplychain_kg.config import Settings
from supplychain_kg.errors import SkgError

__all__ = ["Handler", "build_parser", "main"]

Handler = Callable[[argparse.Namespace, Settings], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skg",
        description="Knowledge graph of surveillance-technology vendors, contractors and governments.",
    )
    parser.add_argument("--version", action="version", version=f"skg {__version__}")
    parser.add_argument(
        "--store",
        metavar="DIR|URL",
        help="store directory, or sparql+http(s)://host:port/path for a remote SPARQL engine "
        "(default: $SKG_STORE or the user data directory)",
    )
    parser.add_argument(
        "--memory", action="store_true", help="use a throwaway in-memory store seeded from graph/"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add_load_commands(sub)
    add_query_commands(sub)
    add_entity_commands(sub)
    add_path_commands(sub)
    add_export_command(sub)
    add_import_command(sub)
    add_backup_commands(sub)
    add_serve_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(
            store_dir=args.store,
            memory=True if args.memory else None,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
        )
        handler: Handler = args.handler
        return handler(args, settings)
    except SkgError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
