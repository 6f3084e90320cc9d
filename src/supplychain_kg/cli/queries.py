"""``skg query`` (a SPARQL query, as a table or in a results or RDF format) and ``skg stats``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from supplychain_kg.cli.output import open_graph, short, table
from supplychain_kg.config import Settings
from supplychain_kg.errors import SkgError

__all__ = ["add_query_commands", "cmd_query", "cmd_stats", "read_query"]


def read_query(text: str) -> str:
    path = Path(text)
    if text.endswith((".rq", ".sparql")) or (
        len(text) < 4096 and "\n" not in text and path.is_file()
    ):
        try:
            return path.read_text("utf-8")
        except OSError as exc:
            raise SkgError(f"cannot read query file {text}: {exc.strerror}") from exc
    return text


_QUERY_TYPES = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "turtle": (None, "text/turtle"),
    "ntriples": (None, "application/n-triples"),
}


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    kg = open_graph(args, settings)
    try:
        result = kg.query(read_query(args.query), with_prefixes=True)
        fmt = args.format
        if fmt == "table":
            if result.kind == "ask":
                print("true" if result.boolean else "false")
            elif result.kind == "select":
                names = result.variables
                rows = [[short(r.get(n)) for n in names] for r in result.rows()]
                print(table(names, rows))
            else:
                sys.stdout.buffer.write(result.serialize("text/turtle") or b"")
            return 0
        results_type, graph_type = _QUERY_TYPES[fmt]
        media = graph_type if result.kind == "graph" else results_type
        if media is None:
            raise SkgError(
                f"--format {fmt} does not fit a {result.kind.upper()} query; "
                f"use {'table, json, csv, tsv or xml' if result.kind != 'graph' else 'turtle, ntriples, json or xml'}"
            )
        sys.stdout.buffer.write(result.serialize(media) or b"")
        sys.stdout.flush()
        return 0
    finally:
        kg.close()


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    kg = open_graph(args, settings)
    try:
        stats = kg.stats()
    finally:
        kg.close()
    if args.format == "json":
        print(json.dumps(stats, indent=2))
        return 0
    print(f"triples:  {stats['triples']:,}")
    print(f"entities: {stats['entities']:,}")
    for name, count in stats["entities_by_type"].items():
        print(f"  {name:<28} {count:>8,}")
    print(f"claims:   {stats['claims']:,}")
    for name, count in stats["claims_by_stance"].items():
        print(f"  {name:<28} {count:>8,}")
    print(f"sources:  {len(stats['sources']):,}")
    for src in stats["sources"]:
        print(f"  {src['id']:<40} {src['claims']:>5} claims  {src['title']}")
    return 0


def add_query_commands(sub: Any) -> None:
    p = sub.add_parser("query", help="run a SPARQL query (text or .rq file)")
    p.add_argument("query", metavar="QUERY_OR_FILE")
    p.add_argument("--format", choices=["table", *_QUERY_TYPES], default="table")
    p.set_defaults(handler=cmd_query)

    p = sub.add_parser("stats", help="entities by type, claims by stance, sources")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_stats)
