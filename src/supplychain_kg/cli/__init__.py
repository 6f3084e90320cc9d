"""The ``skg`` command: parses arguments, calls the service layer, prints results."""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from supplychain_kg import __version__
from supplychain_kg.config import Settings
from supplychain_kg.errors import SkgError, ValidationError
from supplychain_kg.export import DIRECTIONS, FORMATS, ExportRequest
from supplychain_kg.model import IRI, Literal, Term
from supplychain_kg.namespaces import PREFIXES
from supplychain_kg.service import KnowledgeGraph, backup_store, restore_store

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace, Settings], int]


class _Progress:
    """Progress lines on stderr with the elapsed time."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(
                f"[{time.perf_counter() - self.started:7.1f}s] {message}",
                file=sys.stderr,
                flush=True,
            )


def _open(args: argparse.Namespace, settings: Settings) -> KnowledgeGraph:
    return KnowledgeGraph.open(settings, progress=_Progress(args.quiet))


def _short(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, IRI):
        for name, prefix in PREFIXES.items():
            if term.value.startswith(prefix) and len(term.value) > len(prefix):
                return f"{name}:{term.value[len(prefix) :]}"
        return f"<{term.value}>"
    if isinstance(term, Literal):
        return term.value
    return str(term)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    if not headers:
        return ""
    cells = [[c.replace("\n", " ") for c in row] for row in rows]
    widths = [min(60, max([len(h)] + [len(r[i]) for r in cells])) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        out = []
        for value, width in zip(values, widths, strict=True):
            text = value if len(value) <= width else value[: width - 1] + "…"
            out.append(text.ljust(width))
        return " | ".join(out).rstrip()

    parts = [line(headers), "-+-".join("-" * w for w in widths)]
    parts += [line(r) for r in cells]
    parts.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(parts)


# -- commands ----------------------------------------------------------------------------------


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    kg = _open(args, settings)
    try:
        report = kg.load([Path(p) for p in args.paths], progress=_Progress(args.quiet))
    finally:
        kg.close()
    print(
        f"loaded {report.files} file(s): {report.parsed:,} triples parsed, "
        f"{report.added:,} new; the store holds {report.total:,} triples"
    )
    return 0


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    kg = _open(args, settings)
    try:
        report = kg.validate_files([Path(p) for p in args.paths], progress=_Progress(args.quiet))
    finally:
        kg.close()
    if report.ok:
        print(f"valid: {report.files} file(s), {report.triples:,} triples, no violations")
        return 0
    print(ValidationError(report.violations), file=sys.stderr)
    return 1


def _read_query(text: str) -> str:
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
    kg = _open(args, settings)
    try:
        result = kg.query(_read_query(args.query), with_prefixes=True)
        fmt = args.format
        if fmt == "table":
            if result.kind == "ask":
                print("true" if result.boolean else "false")
            elif result.kind == "select":
                names = result.variables
                rows = [[_short(r.get(n)) for n in names] for r in result.rows()]
                print(_table(names, rows))
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
    kg = _open(args, settings)
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


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    kg = _open(args, settings)
    try:
        hits = kg.search(args.text, type_=args.type, limit=args.limit)
    finally:
        kg.close()
    if args.format == "json":
        print(json.dumps([h.to_json() for h in hits], indent=2, ensure_ascii=False))
        return 0
    if not hits:
        print(f"no entity matches {args.text!r}")
        return 1
    rows = [[h.id, h.label, ", ".join(h.types), f"{h.score:.2f}", h.matched] for h in hits]
    print(_table(["id", "label", "types", "score", "matched"], rows))
    return 0


def _print_claim(claim: dict[str, Any], indent: str) -> None:
    src = claim["source"]
    when = f", {src['date']}" if src.get("date") else ""
    stance = "DENIED" if claim["stance"] == "denied" else claim["stance"]
    print(f"{indent}[{stance}] according to {claim['attributed_to']}")
    print(f'{indent}  "{claim["quote"]}"')
    extras = [
        f"{k.replace('_', ' ')}: {claim[k]}"
        for k in ("valid_from", "valid_to", "amount", "currency", "amount_qualifier", "technology")
        if k in claim
    ]
    if extras:
        print(f"{indent}  {'; '.join(extras)}")
    print(
        f"{indent}  source: {src['title']} ({src.get('publisher') or 'unknown publisher'}{when}) [{claim['id']}]"
    )


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    kg = _open(args, settings)
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
            _print_claim(claim, "      ")
    for value in info["values"]:
        print(f"\n  {value['relation']}: {value['value']}")
        _print_claim(value["claim"], "      ")
    return 0


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
        _print_claim(claim, indent + "    ")


def _print_edge(edge: dict[str, Any], nodes: dict[str, str], indent: str) -> None:
    arrow = "->" if edge["direction"] == "out" else "<-"
    mark = "" if edge["stance"] == "asserted" else f"  ({edge['stance'].upper()})"
    print(f"{indent}{arrow} {edge['relation_label']} {arrow} {nodes[edge['target']]}{mark}")
    for claim in edge["claims"]:
        _print_claim(claim, indent + "     ")


def _print_paths(answer: dict[str, Any]) -> None:
    print(f"{_node_text(answer['source'])}  to  {_node_text(answer['target'])}")
    _print_denials(answer["source"], "  ")
    _print_denials(answer["target"], "  ")
    if not answer["paths"]:
        print(f"no path: {answer['reason']}")
    for number, path in enumerate(answer["paths"], 1):
        names = {n["id"]: _node_text(n) for n in path["nodes"]}
        print(f"\npath {number} ({path['length']} hop{'s' if path['length'] != 1 else ''}):")
        print(f"  {names[path['nodes'][0]['id']]}")
        for edge in path["edges"]:
            _print_edge(edge, names, "    ")
            for other in edge.get("parallel", []):
                _print_edge(other, names, "    also ")
        for node in path["nodes"][1:-1]:
            _print_denials(node, "  ")
    if answer["truncated"]:
        print("\n(more paths exist: raise --k to see them)")


def _path_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "relation": args.relation or (),
        "direction": args.direction,
        "include_disputed": args.include_disputed,
        "as_of": args.as_of,
    }


def cmd_path(args: argparse.Namespace, settings: Settings) -> int:
    kg = _open(args, settings)
    try:
        answer = kg.paths(
            args.source,
            args.target,
            max_hops=args.max_hops,
            k=args.k,
            exclude_relation=args.exclude_relation or (),
            entity_type=args.entity_type or (),
            **_path_options(args),
        )
    finally:
        kg.close()
    if args.format == "json":
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        _print_paths(answer)
    return 0 if answer["paths"] else 1


def cmd_neighbors(args: argparse.Namespace, settings: Settings) -> int:
    kg = _open(args, settings)
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
    return 0


def _add_walk_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--relation", action="append", metavar="R", help="only this relation")
    p.add_argument("--direction", choices=["out", "in", "any"], default="any")
    p.add_argument(
        "--include-disputed", action="store_true", help="also walk links only denied claims make"
    )
    p.add_argument("--as-of", metavar="DATE", help="only claims valid on this date")
    p.add_argument("--format", choices=["text", "json"], default="text")


def _add_path_commands(sub: Any) -> None:
    p = sub.add_parser("path", help="how two entities connect, with the evidence on every hop")
    p.add_argument("source", metavar="SOURCE")
    p.add_argument("target", metavar="TARGET")
    p.add_argument("--max-hops", type=int, default=6)
    p.add_argument("--k", type=int, default=3, help="alternative paths, shortest first")
    p.add_argument("--exclude-relation", action="append", metavar="R")
    p.add_argument("--entity-type", action="append", metavar="T", help="intermediate types")
    _add_walk_options(p)
    p.set_defaults(handler=cmd_path)

    p = sub.add_parser("neighbors", help="entities linked to ENTITY, with their claims")
    p.add_argument("entity", metavar="ENTITY")
    p.add_argument("--depth", type=int, default=1)
    p.add_argument("--limit", type=int, default=50, help="new neighbours shown per entity")
    _add_walk_options(p)
    p.set_defaults(handler=cmd_neighbors)


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
        construct=_read_query(args.construct) if args.construct else None,
        paths=_read_paths(args.paths),
        path_query=_path_query(args),
    )
    request.check()
    kg = _open(args, settings)
    try:
        if args.output:
            counts = kg.export_to_file(request, Path(args.output))
            what = f"{counts[0]:,} nodes and {counts[1]:,} edges" if counts else "RDF"
            print(f"wrote {what} to {args.output}")
        else:
            kg.export(request, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    finally:
        kg.close()
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from supplychain_kg.ingest import ImportOptions

    kg = _open(args, settings)
    try:
        report = kg.import_files(
            args.kind,
            [p if p == "-" else Path(p) for p in args.paths],
            dry_run=args.dry_run,
            progress=_Progress(args.quiet),
            options=ImportOptions(dataset=args.dataset, publisher=args.publisher),
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
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (made before the process leaves the
    network: it keeps working afterwards)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        raise SkgError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(False)
    return sock


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api import create_app, server_config
    from supplychain_kg.sparql import isolate_network

    sock = _listen(settings.host, settings.port)
    # Leave the network before the store opens (its threads) and the query workers start
    # (they inherit it). An allow-listed SERVICE endpoint must stay reachable.
    isolation = "" if settings.service_allowlist else isolate_network()
    kg = _open(args, settings)
    app = create_app(settings, kg=kg)
    print(
        f"serving on http://{settings.host}:{sock.getsockname()[1]}/ (Ctrl-C to stop); "
        + (
            f"cut off from the network ({isolation})"
            if isolation
            else "NOT cut off from the network: SERVICE and LOAD are refused by the parser alone"
        ),
        file=sys.stderr,
    )
    uvicorn.Server(server_config(app, settings)).run(sockets=[sock])
    return 0


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


def _add_backup_commands(sub: Any) -> None:
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


# -- parser ------------------------------------------------------------------------------------


def _add_import_command(sub: Any) -> None:
    p = sub.add_parser("import", help="import CSV sheets, FtM entities or OCDS releases")
    p.add_argument("kind", choices=["csv", "ftm", "ocds"])
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders; - for stdin")
    p.add_argument("--dry-run", action="store_true", help="read and validate, write nothing")
    p.add_argument("--dataset", help="FtM: the dataset named as source (default: file name)")
    p.add_argument("--publisher", help="FtM: the dataset's publisher (default: the dataset)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_import)


def _add_export_command(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="export the graph or a subgraph as GraphML, GEXF, Cytoscape JSON, CSV or RDF",
        description="Multi-valued attributes are joined with ' | ' in GraphML, GEXF and CSV "
        "(a value's own '|' is written '\\|', its '\\' as '\\\\').",
    )
    p.add_argument("--format", choices=list(FORMATS), default="graphml")
    p.add_argument("--around", metavar="ENTITY", help="only entities near this one (id or name)")
    p.add_argument("--depth", type=int, default=1, help="links from --around (default 1)")
    p.add_argument(
        "--relation",
        action="append",
        default=[],
        metavar="R",
        help="with --around or --source/--target: only this relation (repeatable)",
    )
    p.add_argument("--direction", choices=list(DIRECTIONS), default="any")
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
    p.set_defaults(handler=cmd_export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skg",
        description="Knowledge graph of surveillance-technology vendors, contractors and governments.",
    )
    parser.add_argument("--version", action="version", version=f"skg {__version__}")
    parser.add_argument(
        "--store",
        metavar="DIR",
        help="store directory (default: $SKG_STORE or the user data directory)",
    )
    parser.add_argument(
        "--memory", action="store_true", help="use a throwaway in-memory store seeded from graph/"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("load", help="validate and load RDF files (all or nothing)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(handler=cmd_load)

    p = sub.add_parser("validate", help="check RDF files against the shapes without loading")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("query", help="run a SPARQL query (text or .rq file)")
    p.add_argument("query", metavar="QUERY_OR_FILE")
    p.add_argument("--format", choices=["table", *_QUERY_TYPES], default="table")
    p.set_defaults(handler=cmd_query)

    p = sub.add_parser("stats", help="entities by type, claims by stance, sources")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_stats)

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

    _add_path_commands(sub)
    _add_export_command(sub)

    _add_import_command(sub)

    _add_backup_commands(sub)

    p = sub.add_parser("serve", help="run the HTTP API and SPARQL endpoint")
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.set_defaults(handler=cmd_serve)
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


if __name__ == "__main__":
    raise SystemExit(main())
