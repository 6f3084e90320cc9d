"""``skg export``: the graph or a subgraph as GraphML, GEXF, Cytoscape JSON, CSV or RDF."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from supplychain_kg.cli.output import Progress, open_graph
from supplychain_kg.cli.queries import read_query
from supplychain_kg.config import Settings
from supplychain_kg.errors import SkgError
from supplychain_kg.export import DIRECTIONS, FORMATS, ExportRequest

__all__ = ["add_export_command", "cmd_export"]


def _read_paths(source: str | None) -> dict[str, Any] | None:
    if source is None:
        return None
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
        answer: dict[str, Any] = json.loads(text)
    except OSError as exc:
        raise SkgError(f"cannot read the path answer {source}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise SkgError(f"{source} is not a JSON path answer: {exc}") from exc
    return answer


def _path_query(args: argparse.Namespace) -> dict[str, Any] | None:
    if not (args.source or args.target):
        return None
    if not (args.source and args.target):
        raise SkgError("a path export needs both --source and --target")
    return {
        "source": args.source,
        "target": args.target,
        "max_hops": args.max_hops,
        "k": args.k,
        "include_disputed": args.include_disputed,
    }


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    request = ExportRequest(
        format=args.format,
        around=args.around,
        depth=args.depth,
        relations=tuple(args.relation),
        direction=args.direction,
        construct=read_query(args.construct) if args.construct else None,
        paths=_read_paths(args.paths),
        path_query=_path_query(args),
        per_claim=args.per_claim,
    )
    request.check()
    kg = open_graph(args, settings)
    progress = Progress(args.quiet)
    try:
        if args.output:
            counts = kg.export_to_file(request, Path(args.output), progress=progress)
            if args.report_format == "json":
                nodes, edges = counts if counts else (None, None)
                report = {"file": args.output, "format": args.format, "nodes": nodes}
                print(json.dumps({**report, "edges": edges}, indent=2))
            else:
                what = f"{counts[0]:,} nodes and {counts[1]:,} edges" if counts else "RDF"
                print(f"wrote {what} to {args.output}")
        else:
            kg.export(request, sys.stdout.buffer, progress=progress)
            sys.stdout.buffer.flush()
    finally:
        kg.close()
    return 0


def add_export_command(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="export the graph or a subgraph as GraphML, GEXF, Cytoscape JSON, CSV or RDF",
        description="Multi-valued attributes are joined with ' | ' in GraphML, GEXF and CSV "
        "(a value's own '|' is written '\\|', its '\\' as '\\\\').",
    )
    p.add_argument("--format", choices=list(FORMATS), default="graphml", help="the export's format")
    p.add_argument("--around", metavar="ENTITY", help="only entities near this one (id or name)")
    p.add_argument("--depth", type=int, default=1, help="links from --around (default 1)")
    p.add_argument(
        "--relation",
        action="append",
        default=[],
        metavar="R",
        help="with --around or --source/--target: only this relation (repeatable)",
    )
    p.add_argument(
        "--direction",
        choices=list(DIRECTIONS),
        default="any",
        help="with --around: follow links out of the entity, into it, or both",
    )
    p.add_argument(
        "--per-claim", action="store_true", help="each claim its own edge (graph formats)"
    )
    p.add_argument(
        "--construct", metavar="QUERY_OR_FILE", help="export the result of a CONSTRUCT query"
    )
    p.add_argument(
        "--paths", metavar="FILE", help="export a path answer saved as JSON ('-': stdin)"
    )
    p.add_argument("--source", metavar="SOURCE", help="export the paths from SOURCE ...")
    p.add_argument("--target", metavar="TARGET", help="... to TARGET (as `skg path`)")
    p.add_argument("--max-hops", type=int, default=6, help="with --source/--target")
    p.add_argument("--k", type=int, default=3, help="with --source/--target: alternatives")
    p.add_argument("--include-disputed", action="store_true", help="with --source/--target")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    p.add_argument(
        "--report-format",
        choices=["text", "json"],
        default="text",
        help="with -o: how to report what was written (--format names the export's format)",
    )
    p.set_defaults(handler=cmd_export)
