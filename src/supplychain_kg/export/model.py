"""The export-side graph: entities as nodes, claim-backed relations as edges.

Every writer (GraphML, GEXF, Cytoscape JSON, CSV) serialises the same :class:`ExportGraph`, so
all formats carry the same attributes. An edge stands for one (subject, relation, object) with
every claim about it, asserted or denied; its ``stance`` summarises them:

* ``asserted``: every claim asserts the relation;
* ``denied``: every claim denies it (the store holds no direct triple then);
* ``disputed``: some claims assert it and some deny it;
* ``unclaimed``: no claim backs it (a direct triple written without its claim, or a triple of
  a CONSTRUCT result that the store does not hold).

Multi-valued attributes are tuples here. Formats without lists (GraphML, GEXF, CSV) flatten them
with :func:`flatten`: values joined by ``" | "``, where a value's own ``|`` is written ``\\|``
and its ``\\`` is written ``\\\\``; :func:`split_multi` reverses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = [
    "EDGE_ATTRIBUTES",
    "MULTI_SEPARATOR",
    "NODE_ATTRIBUTES",
    "AttrType",
    "ExportEdge",
    "ExportGraph",
    "ExportNode",
    "GraphSource",
    "flatten",
    "split_multi",
]

MULTI_SEPARATOR = " | "
"""Joins the values of a multi-valued attribute in formats that have no lists."""

AttrType = Literal["string", "int", "multi"]

NODE_ATTRIBUTES: tuple[tuple[str, AttrType], ...] = (
    ("label", "string"),
    ("entity_id", "string"),
    ("iri", "string"),
    ("types", "multi"),
    ("country", "multi"),
    ("aliases", "multi"),
    ("identifiers", "multi"),
    ("role", "string"),
    ("denials", "int"),
    ("restriction_lists", "multi"),
)
"""Node attributes in every format, with their kind (``multi``: a list of strings).

``role``: a coarse role for colouring (vendor, contractor, government, place, list, ...);
``denials``: how many denied claims the entity is party to; ``restriction_lists``: the
sanctions or restriction lists it is on (asserted ``skg:listedOn`` claims)."""

EDGE_ATTRIBUTES: tuple[tuple[str, AttrType], ...] = (
    ("label", "string"),
    ("relation", "string"),
    ("relation_iri", "string"),
    ("stance", "string"),
    ("claims", "int"),
    ("asserted_claims", "int"),
    ("denied_claims", "int"),
    ("claim_ids", "multi"),
    ("sources", "multi"),
    ("source_urls", "multi"),
    ("earliest_claim_date", "string"),
    ("latest_claim_date", "string"),
    ("valid_from", "string"),
    ("valid_to", "string"),
    ("claim_stances", "multi"),
    ("quotes", "multi"),
    ("quote_kinds", "multi"),
    ("attributions", "multi"),
    ("publishers", "multi"),
    ("claim_source_titles", "multi"),
    ("claim_source_urls", "multi"),
    ("claim_dates", "multi"),
    ("claim_valid_from", "multi"),
    ("claim_valid_to", "multi"),
    ("amounts", "multi"),
    ("currencies", "multi"),
    ("technologies", "multi"),
)
"""Edge attributes in every format. Claim dates are the dates of the claims' source documents.

``valid_from`` / ``valid_to``: the earliest start and latest end of the claims' validity when
every claim gives one. From ``claim_stances`` on, each list has one item per claim, in the
order of ``claim_ids`` (an item is "" where that claim has no value; a list whose items are
all empty is left out): the n-th quote, attribution, publisher, source title and URL, source
date, validity, amount, currency and technology are the n-th claim's. ``quote_kinds`` says
whether each quote is the publisher's words ("verbatim") or a compilation's ("summary")."""


def _escape_item(value: str) -> str:
    if "\\" in value or "|" in value:
        return value.replace("\\", "\\\\").replace("|", "\\|")
    return value


def flatten(values: tuple[str, ...]) -> str:
    """Join a multi-valued attribute into one string (see the module docstring).

    >>> flatten(("CCTV", "a|b"))
    'CCTV | a\\\\|b'
    """
    if len(values) == 1:
        return _escape_item(values[0])
    return MULTI_SEPARATOR.join(_escape_item(v) for v in values)


def split_multi(text: str) -> list[str]:
    """Reverse :func:`flatten`: split on unescaped ``" | "`` and unescape each value.

    >>> split_multi(flatten(("x | y", "back\\\\slash", "z")))
    ['x | y', 'back\\\\slash', 'z']
    """
    if text == "":
        return []
    values: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i + 1])
            i += 2
            continue
        if text.startswith(MULTI_SEPARATOR, i):
            values.append("".join(current))
            current = []
            i += len(MULTI_SEPARATOR)
            continue
        current.append(char)
        i += 1
    values.append("".join(current))
    return values


@dataclass(slots=True)
class ExportNode:
    """An entity: its short id, IRI, label and the multi-valued attributes."""

    iri: str
    entity_id: str
    label: str
    types: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    role: str = ""
    denials: int = 0
    restriction_lists: tuple[str, ...] = ()
    index: int = -1
    """Position in the graph's node order (set by ExportGraph.number_nodes)."""

    def attributes(self) -> dict[str, Any]:
        """Attribute name -> value (tuples for multi-valued ones), in NODE_ATTRIBUTES order."""
        return {name: getattr(self, name) for name, _ in NODE_ATTRIBUTES}


@dataclass(slots=True)
class ExportEdge:
    """A relation between two entities with the summary of its claims."""

    source: str
    target: str
    relation_iri: str
    relation: str
    label: str
    asserted_claims: int = 0
    denied_claims: int = 0
    claim_ids: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    source_urls: tuple[str, ...] = ()
    earliest_claim_date: str = ""
    latest_claim_date: str = ""
    valid_from: str = ""
    valid_to: str = ""
    claim_stances: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()
    quote_kinds: tuple[str, ...] = ()
    attributions: tuple[str, ...] = ()
    publishers: tuple[str, ...] = ()
    claim_source_titles: tuple[str, ...] = ()
    claim_source_urls: tuple[str, ...] = ()
    claim_dates: tuple[str, ...] = ()
    claim_valid_from: tuple[str, ...] = ()
    claim_valid_to: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    technologies: tuple[str, ...] = ()
    spells: tuple[tuple[str, str], ...] = ()
    """Time windows (start, end: ISO dates, "" when open) in which the edge holds (GEXF)."""

    @property
    def claims(self) -> int:
        return self.asserted_claims + self.denied_claims

    @property
    def stance(self) -> str:
        if not self.denied_claims and not self.asserted_claims:
            return "unclaimed"
        if self.denied_claims and self.asserted_claims:
            return "disputed"
        if self.denied_claims:
            return "denied"
        return "asserted"

    def attributes(self) -> dict[str, Any]:
        """Attribute name -> value, in EDGE_ATTRIBUTES order."""
        return {name: getattr(self, name) for name, _ in EDGE_ATTRIBUTES}


@dataclass
class ExportGraph:
    """Nodes by IRI (in output order) and edges between them; ``name`` titles the export."""

    name: str = "supplychain-kg"
    nodes: dict[str, ExportNode] = field(default_factory=dict)
    edges: list[ExportEdge] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.nodes)

    def node_ids(self) -> dict[str, str]:
        """IRI -> the XML-safe node id used in files (``n0``, ``n1``, ...), in node order."""
        return {iri: f"n{i}" for i, iri in enumerate(self.nodes)}

    def number_nodes(self) -> None:
        """Set each node's ``index`` to its position (node ids in files are ``n{index}``).

        Writers call this instead of building an IRI -> id map, so that a large export
        needs no memory beyond the graph itself.
        """
        for i, node in enumerate(self.nodes.values()):
            node.index = i

    def iter_edges(self) -> Iterator[tuple[int, ExportEdge]]:
        """Edges with their index (edge ids in files are ``e0``, ``e1``, ...)."""
        return enumerate(self.edges)

    def node_count(self) -> int:
        return len(self.nodes)

    def edge_count(self) -> int | None:
        return len(self.edges)

    def nodes_in_order(self) -> Iterator[ExportNode]:
        """The nodes in output order, each with its ``index`` set."""
        self.number_nodes()
        return iter(self.nodes.values())

    def edges_in_order(self) -> Iterator[tuple[int, ExportEdge, int, int]]:
        """(edge index, edge, source node index, target node index), in output order."""
        self.number_nodes()
        nodes = self.nodes
        for i, edge in enumerate(self.edges):
            yield i, edge, nodes[edge.source].index, nodes[edge.target].index


class GraphSource(Protocol):
    """What the writers read: an :class:`ExportGraph` held in memory, or a graph streamed from
    the store batch by batch (:class:`supplychain_kg.export.stream.StreamedGraph`).

    Writers read the nodes first, then the edges, each once.
    """

    name: str

    def node_count(self) -> int:
        """How many nodes :meth:`nodes_in_order` gives."""
        ...

    def edge_count(self) -> int | None:
        """How many edges :meth:`edges_in_order` gives; None while not known (a stream
        knows once its edges have been read)."""
        ...

    def nodes_in_order(self) -> Iterator[ExportNode]:
        """The nodes in output order, each with its ``index`` set (ids ``n{index}``)."""
        ...

    def edges_in_order(self) -> Iterator[tuple[int, ExportEdge, int, int]]:
        """(edge index, edge, source node index, target node index), in output order."""
        ...
