"""``skg path`` (how two entities connect, with the evidence on every hop) and
``skg neighbors`` (the entities linked to one)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from supplychain_kg.cli.output import open_graph, print_claim
from supplychain_kg.config import Settings

__all__ = ["add_path_commands", "cmd_neighbors", "cmd_path"]


def _node_text(node: dict[str, Any]) -> str:
    return f"{node['label']} [{node['id']}]"


def _print_denials(node: dict[str, Any], indent: str) -> None:
    denials = node.get("denials") or []
    if not denials:
        return
    total = node.get("denials_total", len(denials))
    print(f"{indent}{node['label']} is party to {total} denied claim(s):")
    for claim in denials:
        denied = claim["denies"]
        print(f"{indent}  denied: {denied['subject']} {denied['relation']} {denied['object']}")
        print_claim(claim, indent + "    ")


def _print_edge(edge: dict[str, Any], nodes: dict[str, str], indent: str) -> None:
    arrow = "->" if edge["direction"] == "out" else "<-"
    mark = "" if edge["stance"] == "asserted" else f"  ({edge['stance'].upper()})"
    print(f"{indent}{arrow} {edge['relation_label']} {arrow} {nodes[edge['target']]}{mark}")
    for claim in edge["claims"]:
        print_claim(claim, indent + "     ")


def _print_listings(nodes: list[dict[str, Any]], indent: str) -> None:
    for node in nodes:
        for listing in node.get("restrictions") or []:
            src = listing["source"]
            since = f"since {listing['since']}" if listing["since"] else "no start date given"
            dated = f", {src['date']}" if src.get("date") else ""
            print(
                f"{indent}RESTRICTED: {node['label']} is on {listing['list_label']} "
                f"({since}; source: {src['title']}{dated})"
            )


def _print_paths(answer: dict[str, Any]) -> None:
    print(f"{_node_text(answer['source'])}  to  {_node_text(answer['target'])}")
    _print_denials(answer["source"], "  ")
    _print_denials(answer["target"], "  ")
    if not answer["paths"]:
        print(f"no path: {answer['reason']}")
    for number, path in enumerate(answer["paths"], 1):
        names = {n["id"]: _node_text(n) for n in path["nodes"]}
        print(f"\npath {number} ({path['length']} hop{'s' if path['length'] != 1 else ''}):")
        if "rank" in path:
            print(f"  (strength {path['rank']['score']}: {path['rank']['why']})")
        print(f"  {names[path['nodes'][0]['id']]}")
        for edge in path["edges"]:
            _print_edge(edge, names, "    ")
            for other in edge.get("parallel", []):
                _print_edge(other, names, "    also ")
        for node in path["nodes"][1:-1]:
            _print_denials(node, "  ")
        _print_listings(path["nodes"], "  ")
    if answer.get("hub_paths_note"):
        print(f"\n({answer['hub_paths_note']})")
    if answer["truncated"]:
        print("\n(more paths exist: raise --k to see them)")
    hubs = answer.get("capped_hubs") or []
    if hubs:
        listed = ", ".join(f"{h['iri']} ({h['neighbours']:,} neighbours)" for h in hubs)
        print(
            f"\n(not walked through, past SKG_PATHS_HUB_LIMIT: {listed}; "
            "a shorter path through them may exist)"
        )


def _path_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "relation": args.relation or (),
        "direction": args.direction,
        "include_disputed": args.include_disputed,
        "as_of": args.as_of,
    }


def cmd_path(args: argparse.Namespace, settings: Settings) -> int:
    kg = open_graph(args, settings)
    try:
        answer = kg.paths(
            args.source,
            args.target,
            max_hops=args.max_hops,
            k=args.k,
            exclude_relation=args.exclude_relation or (),
            entity_type=args.entity_type or (),
            rank=args.rank,
            hubs=args.hubs,
            via=args.via or (),
            mode=args.mode,
            **_path_options(args),
        )
    finally:
        kg.close()
    if args.format == "json":
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        _print_paths(answer)
    return 0  # "no path" is an answer (the text says so), not an error


def cmd_neighbors(args: argparse.Namespace, settings: Settings) -> int:
    kg = open_graph(args, settings)
    try:
        answer = kg.neighbors(
            args.entity, depth=args.depth, limit=args.limit, **_path_options(args)
        )
    finally:
        kg.close()
    if args.format == "json":
        print(json.dumps(answer, indent=2, ensure_ascii=False))
        return 0
    names = {n["id"]: _node_text(n) for n in answer["nodes"]}
    print(f"{_node_text(answer['entity'])}: {len(answer['nodes']) - 1} neighbour(s)")
    last = ""
    for edge in answer["edges"]:
        if edge["source"] != last:
            print(f"  {names[edge['source']]}")
            last = edge["source"]
        _print_edge(edge, names, "    ")
    for more in answer["more"]:
        print(f"  ({names[more['id']]}: {more['shown']} of {more['total']} neighbours shown)")
    _print_listings(answer["nodes"], "  ")
    return 0


def _add_walk_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--relation", action="append", metavar="R", help="only this relation")
    p.add_argument("--direction", choices=["out", "in", "any"], default="any")
    p.add_argument(
        "--include-disputed", action="store_true", help="also walk links only denied claims make"
    )
    p.add_argument("--as-of", metavar="DATE", help="only claims valid on this date")
    p.add_argument("--format", choices=["text", "json"], default="text")


def add_path_commands(sub: Any) -> None:
    p = sub.add_parser("path", help="how two entities connect, with the evidence on every hop")
    p.add_argument("source", metavar="SOURCE")
    p.add_argument("target", metavar="TARGET")
    p.add_argument("--max-hops", type=int, default=6)
    p.add_argument("--k", type=int, default=3, help="alternative paths, shortest first")
    p.add_argument("--exclude-relation", action="append", metavar="R")
    p.add_argument("--entity-type", action="append", metavar="T", help="intermediate types")
    p.add_argument(
        "--rank", choices=["evidence", "hops"], default="evidence", help="order of the paths"
    )
    p.add_argument("--hubs", action="store_true", help="also walk through shared hubs")
    p.add_argument("--via", action="append", metavar="HUB", help="walk through this hub")
    p.add_argument(
        "--mode",
        choices=["auto", "projection", "frontier"],
        help="projection: the graph in memory; frontier: one hop at a time from the store "
        "(default: SKG_PATHS, else auto: by the number of relations)",
    )
    _add_walk_options(p)
    p.set_defaults(handler=cmd_path)

    p = sub.add_parser("neighbors", help="entities linked to ENTITY, with their claims")
    p.add_argument("entity", metavar="ENTITY")
    p.add_argument("--depth", type=int, default=1)
    p.add_argument("--limit", type=int, default=50, help="new neighbours shown per entity")
    _add_walk_options(p)
    p.set_defaults(handler=cmd_neighbors)
