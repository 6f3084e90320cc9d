"""Streaming Cytoscape.js JSON and CSV (a zip of ``nodes.csv`` and ``edges.csv``) writers."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from typing import IO, Any

from supplychain_kg.csvsafe import spreadsheet_safe
from supplychain_kg.export.model import EDGE_ATTRIBUTES, NODE_ATTRIBUTES, GraphSource, flatten

__all__ = ["write_csv_zip", "write_cyjs"]

_FLUSH = 2000


def _json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def write_cyjs(graph: GraphSource, out: IO[bytes]) -> None:
    """Write Cytoscape.js JSON: ``{"data", "directed", "multigraph", "elements"}``.

    Each element's ``data`` holds every attribute (lists stay lists), plus ``id``, ``name``
    (the label, for Cytoscape desktop) and ``value`` (the node id) for
    ``networkx.cytoscape_graph``; edges carry ``source``, ``target`` and ``key``.
    """
    head = {"data": {"name": graph.name}, "directed": True, "multigraph": True}
    parts = [json.dumps(head, ensure_ascii=False)[:-1], ', "elements": {"nodes": [\n']
    dumps = json.JSONEncoder(ensure_ascii=False).encode

    def flush() -> None:
        out.write("".join(parts).encode("utf-8"))
        parts.clear()

    for index, node in enumerate(graph.nodes_in_order()):
        node_id = f"n{node.index}"
        data = {"id": node_id, "value": node_id, "name": node.label}
        data.update((k, _json_value(v)) for k, v in node.attributes().items())
        parts.append(("" if index == 0 else ",\n") + dumps({"data": data}))
        if len(parts) >= _FLUSH:
            flush()
    parts.append('\n], "edges": [\n')
    for i, edge, source, target in graph.edges_in_order():
        edge_id = f"e{i}"
        data = {"id": edge_id, "key": edge_id, "source": f"n{source}", "target": f"n{target}"}
        data.update((k, _json_value(v)) for k, v in edge.attributes().items())
        parts.append(("" if i == 0 else ",\n") + dumps({"data": data}))
        if len(parts) >= _FLUSH:
            flush()
    parts.append("\n]}}\n")
    flush()


def _cell(value: Any) -> str:
    """A CSV cell: lists flattened, safe to open in a spreadsheet (csvsafe.py)."""
    return spreadsheet_safe(flatten(value) if isinstance(value, tuple) else str(value))


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_csv_zip(graph: GraphSource, out: IO[bytes]) -> None:
    """Write a zip holding ``nodes.csv`` (id, then node attributes) and ``edges.csv`` (id,
    source, target, then edge attributes). Multi-valued cells are flattened with " | "; a cell
    that a spreadsheet would run as a formula gets a leading ``'`` (csvsafe.py)."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(_member("nodes.csv"), "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(["id", *(name for name, _ in NODE_ATTRIBUTES)])
            for node in graph.nodes_in_order():
                writer.writerow([f"n{node.index}", *(_cell(v) for v in node.attributes().values())])
            text.flush()
            text.detach()
        with archive.open(_member("edges.csv"), "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(["id", "source", "target", *(name for name, _ in EDGE_ATTRIBUTES)])
            for i, edge, source, target in graph.edges_in_order():
                cells = (_cell(v) for v in edge.attributes().values())
                writer.writerow([f"e{i}", f"n{source}", f"n{target}", *cells])
            text.flush()
            text.detach()
