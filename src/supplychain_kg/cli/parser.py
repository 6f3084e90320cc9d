"""The ``skg`` command's parser (global options, then each command group's subcommands, in
the order ``skg --help`` lists them) and ``main``: settings from the options and the
environment, the command's handler, and the exit code (see cli/conventions.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from supplychain_kg import __version__
from supplychain_kg.cli.backups import add_backup_commands
from supplychain_kg.cli.conventions import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_global_options,
    configure_logging,
    finish,
)
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
        epilog="Global options go before or after the command (skg -q show X = skg show X -q).\n"
        "Exit codes: 0 done (also: no path found, nothing matched), 1 an error the message "
        "explains,\n2 a wrong command line, 130 interrupted. `skg COMMAND --help` shows "
        "examples.",
    )
    parser.add_argument("--version", action="version", version=f"skg {__version__}")
    add_global_options(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add_load_commands(sub)
    add_query_commands(sub)
    add_entity_commands(sub)
    add_path_commands(sub)
    add_export_command(sub)
    add_import_command(sub)
    add_backup_commands(sub)
    add_serve_command(sub)
    finish(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose, args.log_level)
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
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
