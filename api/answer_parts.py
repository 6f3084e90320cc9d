"""The parts the JSON answers are made of (sources, claims, denials, entities with their roles
and restriction listings, hops and paths), as pydantic models for the OpenAPI description;
:mod:`api.schemas` builds the answers from them. Every model forbids fields it does not name.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Claim",
    "Denial",
    "Denied",
    "Hop",
    "ListingSource",
    "Node",
    "NodeWithDenials",
    "Path",
    "Rank",
    "RankedNode",
    "Restriction",
    "Source",
    "Stated",
    "Walk",
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
