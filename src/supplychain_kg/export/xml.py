"""Streaming GraphML and GEXF writers.

Both write node by node into a binary file object, in batches, and never build the document
in memory. Node ids are ``n0``, ``n1``, ... and edge ids ``e0``, ``e1``, ... (XML name
tokens); the entity id and IRI are attributes. Characters XML 1.0 forbids (most C0 control
characters, lone surrogates, U+FFFE, U+FFFF) are written as U+FFFD; a carriage return is
written as ``&#13;`` so that it survives parsing.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from typing import IO

from supplychain_kg.export.model import (
    EDGE_ATTRIBUTES,
    NODE_ATTRIBUTES,
    AttrType,
    ExportEdge,
    ExportNode,
    GraphSource,
    flatten,
)

__all__ = ["attr_escape", "text_escape", "write_gexf", "write_graphml"]

_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_SPECIAL = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_FLUSH = 512
_CACHE_LIMIT = 2000
_SPOOL = 8 << 20


def text_escape(value: str) -> str:
    """Escape text for element content.

    >>> text_escape('a < b & "c"\\r')
    'a &lt; b &amp; "c"&#13;'
    """
    if _TEXT_SPECIAL.search(value) is None:
        return value
    value = _INVALID.sub("\ufffd", value)
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def attr_escape(value: str) -> str:
    """Escape text for a double-quoted attribute value (whitespace kept as character refs)."""
    if _ATTR_SPECIAL.search(value) is None:
        return value
    value = _INVALID.sub("\ufffd", value)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


class _Out:
    """Collects strings and writes them UTF-8 encoded in batches."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        if len(self.parts) >= _FLUSH:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.out.write("".join(self.parts).encode("utf-8"))
            self.parts = []


Render = Callable[[tuple[str, ...]], str]


def _cached(render: Callable[[tuple[str, ...]], str]) -> Render:
    """Memoise the rendering of often repeated values (relations, types, countries, stances).

    The cache is small and bounded, so that writing takes little memory beyond the graph.
    """
    cache: dict[tuple[str, ...], str] = {}

    def get(values: tuple[str, ...]) -> str:
        hit = cache.get(values)
        if hit is None:
            hit = render(values)
            if len(cache) < _CACHE_LIMIT:
                cache[values] = hit
        return hit

    return get


# -- GraphML -------------------------------------------------------------------------------------

_GRAPHML_TYPES: dict[AttrType, str] = {"string": "string", "int": "int", "multi": "string"}
_GRAPHML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)


def _graphml_keys() -> tuple[str, dict[str, str], dict[str, str]]:
    lines = []
    node_keys: dict[str, str] = {}
    edge_keys: dict[str, str] = {}
    for domain, attrs, keys in (
        ("node", NODE_ATTRIBUTES, node_keys),
        ("edge", EDGE_ATTRIBUTES, edge_keys),
    ):
        for name, kind in attrs:
            key = f"d{len(node_keys) + len(edge_keys)}"
            keys[name] = key
            lines.append(
                f'<key id="{key}" for="{domain}" attr.name="{name}" '
                f'attr.type="{_GRAPHML_TYPES[kind]}"/>\n'
            )
    lines.append('<key id="g0" for="graph" attr.name="name" attr.type="string"/>\n')
    return "".join(lines), node_keys, edge_keys


def _data(key: str, *, cached: bool = True) -> Render:
    def render(values: tuple[str, ...]) -> str:
        return f'<data key="{key}">{text_escape(flatten(values))}</data>' if values else ""

    return _cached(render) if cached else render


def _graphml_node_writer(keys: dict[str, str]) -> Callable[[ExportNode], str]:
    label, ident, iri = keys["label"], keys["entity_id"], keys["iri"]
    types, country = _data(keys["types"]), _data(keys["country"])
    aliases = _data(keys["aliases"], cached=False)
    identifiers = _data(keys["identifiers"], cached=False)

    role, denials, lists = keys["role"], keys["denials"], _data(keys["restriction_lists"])

    def render(n: ExportNode) -> str:
        return (
            f'<node id="n{n.index}"><data key="{label}">{text_escape(n.label)}</data>'
            f'<data key="{ident}">{text_escape(n.entity_id)}</data>'
            f'<data key="{iri}">{text_escape(n.iri)}</data>'
            f"{types(n.types)}{country(n.country)}{aliases(n.aliases)}"
            f"{identifiers(n.identifiers)}"
            + (f'<data key="{role}">{text_escape(n.role)}</data>' if n.role else "")
            + f'<data key="{denials}">{n.denials}</data>{lists(n.restriction_lists)}</node>\n'
        )

    return render


_EVIDENCE = tuple(
    name for name, _ in EDGE_ATTRIBUTES[EDGE_ATTRIBUTES.index(("claim_stances", "multi")) :]
)
"""The per-claim evidence lists of an edge (model.EDGE_ATTRIBUTES from claim_stances on)."""


def _graphml_edge_writer(keys: dict[str, str]) -> Callable[[ExportEdge], str]:
    k = keys
    sources = _data(k["sources"], cached=False)
    urls = _data(k["source_urls"], cached=False)
    claim_ids = k["claim_ids"]

    @_cached
    def relation(parts: tuple[str, ...]) -> str:
        label, rel, rel_iri = (text_escape(p) for p in parts)
        return (
            f'<data key="{k["label"]}">{label}</data><data key="{k["relation"]}">{rel}</data>'
            f'<data key="{k["relation_iri"]}">{rel_iri}</data>'
        )

    @_cached
    def counts(parts: tuple[str, ...]) -> str:
        stance, asserted, denied = parts
        return (
            f'<data key="{k["stance"]}">{stance}</data>'
            f'<data key="{k["claims"]}">{int(asserted) + int(denied)}</data>'
            f'<data key="{k["asserted_claims"]}">{asserted}</data>'
            f'<data key="{k["denied_claims"]}">{denied}</data>'
        )

    @_cached
    def dates(parts: tuple[str, ...]) -> str:
        first, last = parts
        out = f'<data key="{k["earliest_claim_date"]}">{text_escape(first)}</data>' if first else ""
        if last:
            out += f'<data key="{k["latest_claim_date"]}">{text_escape(last)}</data>'
        return out

    validity = {name: k[name] for name in ("valid_from", "valid_to")}
    evidence = [(name, _data(k[name], cached=False)) for name in _EVIDENCE]

    def render(e: ExportEdge) -> str:
        ids = e.claim_ids
        valid = "".join(
            f'<data key="{key}">{getattr(e, name)}</data>'
            for name, key in validity.items()
            if getattr(e, name)
        )
        return (
            f"{relation((e.label, e.relation, e.relation_iri))}"
            f"{counts((e.stance, str(e.asserted_claims), str(e.denied_claims)))}"
            + (f'<data key="{claim_ids}">{text_escape(flatten(ids))}</data>' if ids else "")
            + f"{sources(e.sources)}{urls(e.source_urls)}"
            f"{dates((e.earliest_claim_date, e.latest_claim_date))}{valid}"
            + "".join(data(getattr(e, name)) for name, data in evidence)
            + "</edge>\n"
        )

    return render


def write_graphml(graph: GraphSource, out: IO[bytes]) -> None:
    """Write ``graph`` as GraphML (valid against the GraphML 1.0 XML Schema)."""
    keys, node_keys, edge_keys = _graphml_keys()
    sink = _Out(out)
    sink.add(_GRAPHML_HEAD + keys)
    name = text_escape(graph.name)
    sink.add(f'<graph id="G" edgedefault="directed">\n<data key="g0">{name}</data>\n')
    node = _graphml_node_writer(node_keys)
    for n in graph.nodes_in_order():
        sink.add(node(n))
    edge = _graphml_edge_writer(edge_keys)
    for i, e, source, target in graph.edges_in_order():
        sink.add(f'<edge id="e{i}" source="n{source}" target="n{target}">{edge(e)}')
    sink.add("</graph>\n</graphml>\n")
    sink.flush()


# -- GEXF ----------------------------------------------------------------------------------------

_GEXF_TYPES: dict[AttrType, str] = {"string": "string", "int": "integer", "multi": "string"}
_GEXF_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gexf xmlns="http://www.gexf.net/1.2draft" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" '
    'version="1.2">\n'
)


def _gexf_attributes(domain: str, attrs: tuple[tuple[str, AttrType], ...]) -> str:
    lines = [f'<attributes class="{domain}" mode="static">\n']
    for name, kind in attrs:
        if name != "label":  # the node and edge label is GEXF's own label attribute
            lines.append(f'<attribute id="{name}" title="{name}" type="{_GEXF_TYPES[kind]}"/>\n')
    lines.append("</attributes>\n")
    return "".join(lines)


def _attvalues(values: dict[str, object]) -> str:
    parts = []
    for name, value in values.items():
        if name == "label" or value in ("", ()):
            continue
        text = flatten(value) if isinstance(value, tuple) else str(value)
        parts.append(f'<attvalue for="{name}" value="{attr_escape(text)}"/>')
    return f"<attvalues>{''.join(parts)}</attvalues>" if parts else ""


def _spells(edge: ExportEdge) -> str:
    """GEXF spells from the claims' validFrom/validTo: Gephi's timeline plays them."""
    if not edge.spells:
        return ""
    parts = []
    for start, end in edge.spells:
        bounds = (f' start="{start}"' if start else "") + (f' end="{end}"' if end else "")
        parts.append(f"<spell{bounds}/>")
    return f"<spells>{''.join(parts)}</spells>"


def _gexf_edges(graph: GraphSource, sink: _Out) -> None:
    for i, e, source, target in graph.edges_in_order():
        sink.add(
            f'<edge id="e{i}" source="n{source}" target="n{target}" '
            f'label="{attr_escape(e.label)}">{_attvalues(e.attributes())}{_spells(e)}</edge>\n'
        )
    sink.flush()


def write_gexf(graph: GraphSource, out: IO[bytes]) -> None:
    """Write ``graph`` as GEXF 1.2 (valid against gexf.xsd and viz.xsd), a dynamic graph
    whose dated edges carry spells (``ExportEdge.spells``); undated edges hold throughout.

    GEXF gives the edge count before the edges: for a streamed graph, whose count is known
    only once its edges are read, the edges go to a temporary file first (on disk past
    a few MiB), then follow the count."""
    sink = _Out(out)
    sink.add(_GEXF_HEAD)
    sink.add(
        f"<meta><creator>supplychain-kg</creator>"
        f"<description>{text_escape(graph.name)}</description></meta>\n"
        '<graph defaultedgetype="directed" mode="dynamic" timeformat="date">\n'
    )
    sink.add(_gexf_attributes("node", NODE_ATTRIBUTES))
    sink.add(_gexf_attributes("edge", EDGE_ATTRIBUTES))
    sink.add(f'<nodes count="{graph.node_count()}">\n')
    for n in graph.nodes_in_order():
        label = attr_escape(n.label)
        sink.add(f'<node id="n{n.index}" label="{label}">{_attvalues(n.attributes())}</node>\n')
    count = graph.edge_count()
    if count is not None:
        sink.add(f'</nodes>\n<edges count="{count}">\n')
        _gexf_edges(graph, sink)
    else:
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL, prefix="skg-gexf-") as spool:
            _gexf_edges(graph, _Out(spool))
            sink.add(f'</nodes>\n<edges count="{graph.edge_count()}">\n')
            sink.flush()
            spool.seek(0)
            shutil.copyfileobj(spool, out, _SPOOL)
    sink.add("</edges>\n</graph>\n</gexf>\n")
    sink.flush()
