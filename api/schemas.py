"""The JSON answers of the HTTP API, as pydantic models for the OpenAPI description.

They describe what the routes send (the use cases build the dicts; the routes do not pass them
through these models, so nothing is dropped or reshaped on the way). Every model forbids
fields it does not name, so the description is complete: ``tests/test_openapi_contract.py``
validates real answers against them, and the fuzz test (schemathesis) holds every answer to
the description.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .openapi_docs import ErrorBody

__all__ = [
    "Claim",
    "Denial",
    "EntityAnswer",
    "ErrorBody",
    "Health",
    "Hop",
    "NeighborsAnswer",
    "Node",
    "PathAnswer",
    "SearchAnswer",
    "Source",
    "Stats",
    "ok",
]

_STRICT = ConfigDict(extra="forbid")

_REUTERS: Any = {
    "id": "reuters-2022-07-12",
    "title": "Reuters report: Myanmar's junta installing Chinese-built cameras with facial "
    "recognition in more cities",
    "publisher": "Reuters",
    "date": "2022-07-12",
    "url": None,
}
_CLAIM: Any = {
    "id": "reuters-tender-winners-include-fisca",
    "stance": "asserted",
    "attributed_to": "the three sources",
    "quote": "The tenders have been won by local procurement firms including Fisca Security & "
    "Communication and Naung Yoe Technologies, the three sources said.",
    "source": _REUTERS,
}
_HIKVISION: Any = {
    "id": "hikvision",
    "iri": "https://w3id.org/supplychain-kg/id/hikvision",
    "label": "Hikvision",
    "types": ["Manufacturer"],
}
_FISCA: Any = {
    "id": "fisca",
    "iri": "https://w3id.org/supplychain-kg/id/fisca",
    "label": "Fisca Security & Communication",
    "types": ["Contractor"],
}


class Source(BaseModel):
    """The document a claim rests on."""

    model_config = _STRICT

    id: str
    title: str
    publisher: str | None
    date: str | None = Field(description="as the source gives it (YYYY, YYYY-MM or YYYY-MM-DD)")
    url: str | None = Field(None, description="always sent; null when the source has none")


class Claim(BaseModel):
    """One claim with its evidence: who says it, the sentence it rests on, its source."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CLAIM]})

    id: str
    stance: Literal["asserted", "denied"]
    attributed_to: str = Field(description='who said it, e.g. "three people with direct knowledge"')
    quote: str = Field(description="the exact sentence of the source")
    source: Source
    quote_kind: Literal["verbatim", "summary"] | None = Field(
        None,
        description='"verbatim": the publisher\'s own words; "summary": a compilation\'s wording '
        "of what the publisher reported (never shown in quotation marks)",
    )
    valid_from: str | None = None
    valid_to: str | None = None
    amount: float | int | str | None = None
    currency: str | None = None
    amount_qualifier: str | None = Field(None, description='e.g. "at least", "about"')
    confidence: float | int | str | None = None
    technology: str | None = Field(None, description="the technology the claim is narrowed to")
    comment: str | None = None


class Denied(BaseModel):
    """What a denial denies (ids of the entities, the relation's name)."""

    model_config = _STRICT

    subject: str
    relation: str
    object: str


class Denial(Claim):
    """A denied claim about an entity, with what it denies."""

    denies: Denied


class Node(BaseModel):
    """An entity in an answer: its short id, IRI, label and types."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_HIKVISION]})

    id: str
    iri: str
    label: str
    types: list[str]


class ListingSource(BaseModel):
    """The document a restriction listing rests on."""

    model_config = _STRICT

    id: str
    title: str
    date: str | None
    url: str | None


class Restriction(BaseModel):
    """A sanctions or restriction list an entity is on, with the claim and source behind it."""

    model_config = _STRICT

    list: str = Field(description="the list's id, e.g. us-entity-list")
    list_label: str
    since: str | None = Field(description="the claim's validFrom; null when the source has none")
    until: str | None = Field(description="the claim's validTo; null while it holds")
    claim: str
    source: ListingSource


class RankedNode(Node):
    """An entity on a path or in a neighbourhood, with its role and restriction listings."""

    role: str | None = Field(
        None, description="vendor, contractor, government, ..., list, technology, place, group"
    )
    restrictions: list[Restriction] | None = None


class NodeWithDenials(RankedNode):
    """An entity with the denials it is party to (shown even where a path avoids them)."""

    denials: list[Denial]
    denials_total: int | None = Field(None, description="when more denials exist than shown")


class Stated(BaseModel):
    """A link as its claims state it (subject, relation, object), whichever way it is walked."""

    model_config = _STRICT

    subject: str
    relation: str
    object: str


class Walk(BaseModel):
    """A hop's ends in the order the path walks them."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str


class Rank(BaseModel):
    """Why a path ranks where it does."""

    model_config = _STRICT

    position: int
    by: Literal["evidence", "hops"]
    score: float
    hops: int
    relations: list[str]
    publishers: list[str]
    why: str


class Hop(BaseModel):
    """A link between two entities with every claim behind it."""

    model_config = _STRICT

    source: str
    target: str
    relation: str
    relation_label: str
    direction: Literal["out", "in"] = Field(
        description="as walked: along the relation or against it"
    )
    stance: Literal["asserted", "denied", "disputed", "unbacked"]
    claims: list[Claim]
    parallel: list[Hop] | None = Field(None, description="other relations between the same two")
    stated: Stated | None = Field(None, description="the link as the claims state it")
    walk: Walk | None = Field(None, description="the hop as the path walks it")


class Path(BaseModel):
    """One path, hop by hop."""

    model_config = _STRICT

    length: int
    nodes: list[NodeWithDenials]
    edges: list[Hop]
    restricted: int | None = Field(None, description="how many of its entities are on a list")
    rank: Rank | None = None


class CappedHub(BaseModel):
    """A hub the frontier search reached but did not walk through."""

    model_config = _STRICT

    iri: str
    neighbours: int


class PathAnswer(BaseModel):
    """``GET /paths``: up to k shortest paths; none is an answer too (with a ``reason``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": {**_FISCA, "denials": []},
                    "target": {**_HIKVISION, "denials": []},
                    "paths": [
                        {
                            "length": 1,
                            "nodes": [{**_FISCA, "denials": []}, {**_HIKVISION, "denials": []}],
                            "edges": [
                                {
                                    "source": "fisca",
                                    "target": "hikvision",
                                    "relation": "sourcesFrom",
                                    "relation_label": "sources from",
                                    "direction": "out",
                                    "stance": "asserted",
                                    "claims": [_CLAIM],
                                }
                            ],
                        }
                    ],
                    "truncated": False,
                }
            ]
        },
    )

    source: NodeWithDenials
    target: NodeWithDenials
    paths: list[Path]
    truncated: bool = Field(description="the search stopped at its bound before k paths")
    reason: str | None = Field(None, description="why there is no path, with hints")
    rank: Literal["evidence", "hops"] | None = Field(None, description="how the paths are ordered")
    hub_paths_left_out: int | None = Field(
        None, description="paths through a shared hub left out (hubs=true walks them)"
    )
    hub_paths_note: str | None = None
    mode: Literal["projection", "frontier"] | None = Field(
        None, description="the path search used: the in-memory projection or the engine's frontier"
    )
    capped_hubs: list[CappedHub] | None = Field(
        None, description="frontier mode: hubs reached but not walked through (too many links)"
    )
    revision: str | None = Field(None, description="the store's revision the answer was read at")


class SearchHit(BaseModel):
    """An entity a name matched."""

    model_config = _STRICT

    id: str
    iri: str
    label: str
    types: list[str]
    score: float = Field(description="1.0 for an exact name or alias")
    matched: str = Field(description="the name or alias that matched")


class SearchAnswer(BaseModel):
    """``GET /entities``: entities ranked by how well a name or alias matches."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "query": "hikvision",
                    "results": [{**_HIKVISION, "score": 1.0, "matched": "hikvision"}],
                }
            ]
        },
    )

    query: str
    results: list[SearchHit]


class Relation(BaseModel):
    """A relation of an entity to another, with its claims."""

    model_config = _STRICT

    direction: Literal["out", "in"]
    relation: str
    relation_label: str
    other: Node
    claims: list[Claim]
    stance: Literal["asserted", "denied", "disputed"]


class Value(BaseModel):
    """A claimed literal value (a cost, a date, a count), with its claim."""

    model_config = _STRICT

    relation: str
    subject: Node
    value: Any
    claim: Claim


class EntityAnswer(Node):
    """``GET /entities/{ref}``: everything the graph says about one entity."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    **_HIKVISION,
                    "labels": ["Hikvision"],
                    "aliases": ["Hangzhou Hikvision Digital Technology Co., Ltd."],
                    "identifiers": ["szse:002415"],
                    "country": ["china"],
                    "comments": [],
                    "attributes": {},
                    "relations": [],
                    "relations_total": 0,
                    "values": [],
                }
            ]
        },
    )

    labels: list[str]
    aliases: list[str]
    identifiers: list[str]
    country: list[str]
    comments: list[str]
    attributes: dict[str, Any] = Field(description="role, member_type, min_count, max_count")
    relations: list[Relation] = Field(description="denials first when capped by ``limit``")
    relations_total: int
    values: list[Value]


class More(BaseModel):
    """An entity whose neighbours were capped."""

    model_config = _STRICT

    id: str
    shown: int
    total: int


class NeighborsAnswer(BaseModel):
    """``GET /entities/{ref}/neighbors``: entities within ``depth`` links, with the claims."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "entity": {**_FISCA, "denials": []},
                    "depth": 1,
                    "direction": "any",
                    "nodes": [_FISCA, _HIKVISION],
                    "edges": [],
                    "more": [{"id": "fisca", "shown": 1, "total": 8}],
                    "truncated": True,
                }
            ]
        },
    )

    entity: NodeWithDenials
    depth: int
    direction: Literal["out", "in", "any"]
    nodes: list[RankedNode]
    edges: list[Hop]
    more: list[More]
    truncated: bool
    revision: str | None = Field(None, description="the store's revision the answer was read at")


class SourceCount(BaseModel):
    model_config = _STRICT

    id: str
    title: str
    claims: int


class Stats(BaseModel):
    """``GET /stats``: what the graph holds."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "triples": 1947,
                    "entities": 69,
                    "entities_by_type": {"Contractor": 3, "Manufacturer": 3},
                    "claims": 100,
                    "claims_by_stance": {"asserted": 97, "denied": 3},
                    "sources": [{"id": "reuters-2022-07-12", "title": "...", "claims": 42}],
                }
            ]
        },
    )

    triples: int
    entities: int
    entities_by_type: dict[str, int]
    claims: int
    claims_by_stance: dict[str, int]
    sources: list[SourceCount]


class Isolation(BaseModel):
    model_config = _STRICT

    server: str = Field(description='how the server is cut off from the network ("": it is not)')
    query_workers: str


class Health(BaseModel):
    """``GET /health``: liveness."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "version": "0.1.0",
                    "network_isolation": {"server": "seccomp", "query_workers": "seccomp"},
                }
            ]
        },
    )

    status: Literal["ok"]
    version: str
    network_isolation: Isolation


def ok(model: type[BaseModel], description: str = "Success") -> dict[int | str, dict[str, Any]]:
    """``responses=`` entry for a JSON 200 answer described by ``model``."""
    return {200: {"model": model, "description": description}}
