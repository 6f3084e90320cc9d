"""``skg search`` (entities by name or alias) and ``skg show`` (an entity with every claim)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from supplychain_kg.cli.output import open_graph, print_claim, table
from supplychain_kg.config import Settings

__all__ = ["add_entity_commands", "cmd_search", "cmd_show"]


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    kg = open_graph(args, settings)
    try:
        hits = kg.search(args.text, type_=args.type, limit=args.limit)
    finally:
        kg.close()
    if args.format == "json":
        print(json.dumps([h.to_json() for h in hits], indent=2, ensure_ascii=False))
        return 0
    if not hits:
        print(f"no entity matches {args.text!r}")
        return 0  # an answer, not an error (docs/cli.md: exit codes)
    rows = [[h.id, h.label, ", ".join(h.types), f"{h.score:.2f}", h.matched] for h in hits]
    print(table(["id", "label", "types", "score", "matched"], rows))
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    kg = open_graph(args, settings)
    try:
        info = kg.show(args.entity)
    finally:
        kg.close()
    if args.format == "json":
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    print(f"{info['label']}  [{info['id']}]  {', '.join(info['types'])}")
    print(f"  iri: {info['iri']}")
    for key in ("aliases", "identifiers", "country", "comments"):
        if info[key]:
            print(f"  {key}: {'; '.join(info[key])}")
    for key, value in info["attributes"].items():
        print(f"  {key.replace('_', ' ')}: {', '.join(value)}")
    for rel in info["relations"]:
        arrow = "->" if rel["direction"] == "out" else "<-"
        other = rel["other"]
        mark = "" if rel["stance"] == "asserted" else f"  ({rel['stance'].upper()})"
        print(f"\n  {arrow} {rel['relation_label']} {arrow} {other['label']} [{other['id']}]{mark}")
        for claim in rel["claims"]:
            print_claim(claim, "      ")
    for value in info["values"]:
        print(f"\n  {value['relation']}: {value['value']}")
        print_claim(value["claim"], "      ")
    return 0


def add_entity_commands(sub: Any) -> None:
    p = sub.add_parser("search", help="find entities by name or alias")
    p.add_argument("text")
    p.add_argument("--type", help="only entities of this class (e.g. Contractor)")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("show", help="an entity with every claim in and out")
    p.add_argument("entity", metavar="ENTITY")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_show)
