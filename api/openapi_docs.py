"""What the OpenAPI description says about errors and protocol bodies, in one place.

Every route lists every status it can answer (``responses=errors(...)``) with the body the
app really sends (api/errors.py): JSON :class:`ErrorBody` on most routes, plain text
``Name: detail`` on the SPARQL protocol routes. Two statuses can come from any route, before
routing: 400 for a ``Host`` the server does not answer and 413 for a body or query string
past its limit (api/security.py, api/body_guard.py). ``tests/test_openapi_fuzz.py`` holds the
app to this description with schemathesis.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from supplychain_kg.sparql import RDF_MEDIA_TYPES, RESULTS_MEDIA_TYPES

__all__ = [
    "ALWAYS",
    "ErrorBody",
    "errors",
    "rdf_body",
    "sparql_path_item",
    "store_parameters",
    "update_body",
]


class ErrorBody(BaseModel):
    """An error answer: the error's name, a message for people, and what it concerns."""

    model_config = ConfigDict(extra="forbid")

    error: str
    detail: str
    setting: str | None = None
    """The environment variable that sets the bound a request passed."""
    parameter: str | None = None
    """The request parameter that was not accepted."""
    suggestions: list[dict[str, Any]] | None = None
    """For an unknown entity: the closest ones."""
    candidates: list[dict[str, Any]] | None = None
    """For an ambiguous name: every entity it names."""
    violations: list[str] | None = None
    """For data that breaks the shapes: each violation."""
    offered: list[str] | None = None
    """For an unacceptable Accept header: the media types offered."""


_MEANING = {
    400: "Bad request (the message says what was expected), or a Host header this server "
    "does not answer (DNS rebinding guard; see SKG_ALLOWED_HOSTS)",
    403: "A write without the write token (SKG_WRITE_TOKEN), or a SERVICE/LOAD the "
    "allow-list does not name",
    404: "No such entity or graph (an unknown entity comes with suggestions)",
    406: "No format this route offers is acceptable (the offered ones are listed)",
    409: "A name that fits more than one entity (the candidates are listed)",
    413: "A body, query string or answer past its limit (the setting is named)",
    422: "A parameter or body that cannot be accepted (the parameter is named)",
    503: "Past the time limit (SKG_QUERY_TIMEOUT), or the store is locked",
}
ALWAYS = (400, 413)
"""Statuses any route may answer before routing (Host check, size limits)."""


def errors(*codes: int, plain: bool = False) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: ``codes`` plus :data:`ALWAYS`, each with its body
    (``plain``: the SPARQL protocol's ``text/plain`` ``Name: detail``)."""
    content: dict[str, Any] = (
        {"text/plain": {"schema": {"type": "string"}}}
        if plain
        else {"application/json": {"schema": ErrorBody.model_json_schema()}}
    )
    return {
        code: {"description": _MEANING[code], "content": content}
        for code in sorted({*codes, *ALWAYS})
    }


def update_body() -> dict[str, Any]:
    """``openapi_extra`` for ``POST /update``: the SPARQL 1.1 Protocol's two body forms."""
    form = {
        "type": "object",
        "properties": {
            "update": {"type": "string"},
            "using-graph-uri": {"type": "array", "items": {"type": "string"}},
            "using-named-graph-uri": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["update"],
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/sparql-update": {"schema": {"type": "string"}},
                "application/x-www-form-urlencoded": {"schema": form},
            },
        }
    }


def store_parameters() -> list[dict[str, Any]]:
    """The Graph Store protocol's ``?graph=IRI`` and ``?default`` query parameters."""
    return [
        {"name": "graph", "in": "query", "required": False, "schema": {"type": "string"}},
        {"name": "default", "in": "query", "required": False, "schema": {"type": "string"}},
    ]


def rdf_body() -> dict[str, Any]:
    """``openapi_extra`` for a Graph Store write: an RDF document in any offered syntax."""
    return {
        "parameters": store_parameters(),
        "requestBody": {
            "required": True,
            "content": {
                media_type: {"schema": {"type": "string"}} for media_type in RDF_MEDIA_TYPES
            },
        },
    }


def _dataset_parameters() -> list[dict[str, Any]]:
    many = {"type": "array", "items": {"type": "string"}}
    return [
        {"name": "default-graph-uri", "in": "query", "required": False, "schema": many},
        {"name": "named-graph-uri", "in": "query", "required": False, "schema": many},
    ]


def sparql_path_item() -> dict[str, Any]:
    """The OpenAPI path item of ``GET|POST /sparql`` (a plain Starlette route, for speed)."""
    string = {"schema": {"type": "string"}}
    answer = {
        "description": "SELECT/ASK results or a CONSTRUCT/DESCRIBE graph, by Accept; without "
        "a query, the service description (or, for a browser, the query editor)",
        "content": {
            media_type: string
            for media_type in (*RESULTS_MEDIA_TYPES, *RDF_MEDIA_TYPES, "text/html")
        },
    }
    responses = {200: answer, **errors(403, 406, 503, plain=True)}
    query = {"name": "query", "in": "query", "required": False, "schema": {"type": "string"}}
    form = {
        "type": "object",
        "properties": {"query": {"type": "string"}},
        "required": ["query"],
    }
    return {
        "get": {
            "tags": ["sparql"],
            "summary": "SPARQL 1.1 Query (GET)",
            "operationId": "sparql_get",
            "parameters": [query, *_dataset_parameters()],
            "responses": responses,
        },
        "post": {
            "tags": ["sparql"],
            "summary": "SPARQL 1.1 Query (POST: a form or an application/sparql-query body)",
            "operationId": "sparql_post",
            "parameters": _dataset_parameters(),
            "requestBody": {
                "required": True,
                "content": {
                    "application/sparql-query": string,
                    "application/x-www-form-urlencoded": {"schema": form},
                },
            },
            "responses": responses,
        },
    }
