"""``skg import``: CSV sheets, FollowTheMoney entities or OCDS releases."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from supplychain_kg.cli.output import Progress, open_graph
from supplychain_kg.config import Settings

__all__ = ["add_import_command", "cmd_import"]

_SHOWN = 20  # unmapped sanction programs listed in the text summary


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from supplychain_kg.ingest import ImportOptions

    kg = open_graph(args, settings)
    try:
        report = kg.import_files(
            args.kind,
            [p if p == "-" else Path(p) for p in args.paths],
            dry_run=args.dry_run,
            progress=Progress(args.quiet),
            options=ImportOptions(
                dataset=args.dataset,
                publisher=args.publisher,
                missing=args.missing,
                strict=args.strict,
            ),
        )
    finally:
        kg.close()
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        return 0
    verb = "would import" if report.dry_run else "imported"
    print(
        f"{verb} {report.records:,} records from {report.files} file(s): "
        f"{report.entities:,} new entities, {report.claims:,} claims and "
        f"{report.triples:,} triples staged"
        + ("" if report.dry_run else f", {report.added:,} new in the store")
        + f" ({report.seconds:.1f} s)"
    )
    for name, count in sorted(report.unmapped.items()):
        print(f"  not imported (no mapping): {count:,} {name}")
    if report.stubs or report.stubs_filled or report.skipped_links:
        print(
            f"  links to entities outside the input: {report.stubs:,} stubs made, "
            f"{report.stubs_filled:,} stubs of earlier imports described, "
            f"{report.skipped_links:,} links skipped"
        )
    for field, issue in sorted(report.values.items()):
        print(
            f"  values of {field}: {issue.dropped:,} dropped, {issue.repaired:,} repaired "
            f"(first: {issue.example})"
        )
    programs = sorted(report.unmapped_programs.items(), key=lambda item: (-item[1], item[0]))
    for program, count in programs[:_SHOWN]:
        print(f"  sanctions on a list no row of restriction-lists.csv maps: {count:,} {program}")
    if len(programs) > _SHOWN:
        print(f"  ... and {len(programs) - _SHOWN:,} more such programs (--format json lists all)")
    return 0


def add_import_command(sub: Any) -> None:
    p = sub.add_parser("import", help="import CSV sheets, FtM entities or OCDS releases")
    p.add_argument("kind", choices=["csv", "ftm", "ocds"])
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders; - for stdin")
    p.add_argument("--dry-run", action="store_true", help="read and validate, write nothing")
    p.add_argument("--dataset", help="FtM: the dataset named as source (default: file name)")
    p.add_argument(
        "--publisher",
        help="FtM: the dataset's publisher (default: the dataset); OCDS: the publisher of "
        "releases whose package and release name none",
    )
    p.add_argument(
        "--missing",
        choices=["stub", "skip", "error"],
        default="stub",
        help="FtM links to entities outside the input and the store: make an unresolved stub "
        "(default), skip the link, or refuse the input",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse the input if any value would be dropped or repaired (default: report them)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_import)
