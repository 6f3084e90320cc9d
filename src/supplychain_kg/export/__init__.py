"""Exports: GraphML, GEXF, Cytoscape.js JSON, CSV and RDF serialisations of the graph.

A scope (:mod:`.scope`: neighbourhood, path answer, CONSTRUCT result) gives an
:class:`ExportGraph`; the whole graph is a :class:`~.stream.StreamedGraph`, read from the store
batch by batch as the writer goes; a writer streams either into a binary file object. RDF formats are dumped
from the store itself (:mod:`.rdf`), with claims and sources.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from supplychain_kg.export.files import (
    FORMATS,
    ExportFormat,
    atomic_output,
    export_filename,
    get_format,
)
from supplychain_kg.export.model import (
    EDGE_ATTRIBUTES,
    MULTI_SEPARATOR,
    NODE_ATTRIBUTES,
    ExportEdge,
    ExportGraph,
    ExportNode,
    GraphSource,
    flatten,
    split_multi,
)
from supplychain_kg.export.tabular import write_csv_zip, write_cyjs
from supplychain_kg.export.xml import write_gexf, write_graphml

__all__ = [
    "DIRECTIONS",
    "EDGE_ATTRIBUTES",
    "FORMATS",
    "MULTI_SEPARATOR",
    "NODE_ATTRIBUTES",
    "WRITERS",
    "ExportEdge",
    "ExportFormat",
    "ExportGraph",
    "ExportNode",
    "ExportRequest",
    "GraphSource",
    "atomic_output",
    "export_filename",
    "flatten",
    "get_format",
    "not_a_graph_query",
    "run_export",
    "split_multi",
    "to_networkx",
    "write_csv_zip",
    "write_cyjs",
    "write_gexf",
    "write_graphml",
]

Writer = Callable[[GraphSource, IO[bytes]], None]

WRITERS: dict[str, Writer] = {
    "graphml": write_graphml,
    "gexf": write_gexf,
    "cyjs": write_cyjs,
    "csv": write_csv_zip,
}
"""Graph (non-RDF) format name -> streaming writer."""

# after WRITERS: run.py reads it from this package
from supplychain_kg.export.run import ExportRequest, not_a_graph_query, run_export  # noqa: E402
from supplychain_kg.export.scope import DIRECTIONS  # noqa: E402


def to_networkx(graph: ExportGraph, *, flat: bool = True) -> object:
    """The export graph as a ``networkx.MultiDiGraph`` keyed by node ids ``n0``, ``n1``, ...

    With ``flat`` (the default) multi-valued attributes are flattened strings, as in GraphML;
    empty values are left out. Edge keys are the edge ids ``e0``, ``e1``, ...
    """
    import networkx as nx

    def clean(attrs: dict[str, object]) -> dict[str, object]:
        out: dict[str, object] = {}
        for name, value in attrs.items():
            if value in ("", ()):
                continue
            out[name] = flatten(value) if flat and isinstance(value, tuple) else value
        return out

    g = nx.MultiDiGraph(name=graph.name)
    ids = graph.node_ids()
    for iri, node in graph.nodes.items():
        g.add_node(ids[iri], **clean(node.attributes()))
    for i, edge in graph.iter_edges():
        g.add_edge(ids[edge.source], ids[edge.target], key=f"e{i}", **clean(edge.attributes()))
    return g
