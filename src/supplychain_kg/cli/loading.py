"""``skg load`` and ``skg validate``: RDF files validated, then loaded all or nothing."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from supplychain_kg.cli.output import Progress, open_graph
from supplychain_kg.config import Settings
from supplychain_kg.errors import ValidationError, Violation

__all__ = ["add_load_commands", "cmd_load", "cmd_validate"]


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    kg = open_graph(args, settings)
    try:
        report = kg.load([Path(p) for p in args.paths], progress=Progress(args.quiet))
    finally:
        kg.close()
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
        return 0
    print(
        f"loaded {report.files} file(s): {report.parsed:,} triples parsed, "
        f"{report.added:,} new; the store holds {report.total:,} triples"
    )
    return 0


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    kg = open_graph(args, settings)
    try:
        report = kg.validate_files([Path(p) for p in args.paths], progress=Progress(args.quiet))
    finally:
        kg.close()
    if args.format == "json":
        answer = {
            "valid": report.ok,
            "files": report.files,
            "triples": report.triples,
            "violations": [
                {**asdict(v), "text": str(v)} for v in report.violations if isinstance(v, Violation)
            ],
        }
        print(json.dumps(answer, indent=2, ensure_ascii=False))
        return 0 if report.ok else 1
    if report.ok:
        print(f"valid: {report.files} file(s), {report.triples:,} triples, no violations")
        return 0
    print(ValidationError(report.violations), file=sys.stderr)
    return 1


def add_load_commands(sub: Any) -> None:
    p = sub.add_parser("load", help="validate and load RDF files (all or nothing)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="RDF files (syntax by extension)")
    p.add_argument(
        "--format", choices=["text", "json"], default="text", help="how to report what was loaded"
    )
    p.set_defaults(handler=cmd_load)

    p = sub.add_parser("validate", help="check RDF files against the shapes without loading")
    p.add_argument("paths", nargs="+", metavar="PATH", help="RDF files (syntax by extension)")
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="how to report the violations (json: on stdout, every one, with its fields)",
    )
    p.set_defaults(handler=cmd_validate)
