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

from .answer_parts import (
    _CLAIM,
    _FISCA,
    _HIKVISION,
    _STRICT,
    Claim,
    Denial,
    Hop,
    Node,
    NodeWithDenials,
    Path,
    RankedNode,
    Source,
)
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
