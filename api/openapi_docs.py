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
    "examples",
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


_HOST_DETAIL = (
    "this server does not answer requests for host 'evil.example': it is bound to a loopback "
    "address and answers only localhost, 127.0.0.1, [::1] and the names in SKG_ALLOWED_HOSTS "
    "(now: none); add the name there to serve it (this guards against DNS rebinding by web pages)"
)
ERROR_EXAMPLES: dict[int, dict[str, Any]] = {
    400: {"error": "LimitError", "detail": _HOST_DETAIL, "setting": "SKG_ALLOWED_HOSTS"},
    403: {
        "error": "WriteForbiddenError",
        "detail": "a write needs the write token as 'Authorization: Bearer <token>'",
    },
    404: {
        "error": "UnknownEntityError",
        "detail": "no entity matches 'hikvison'; did you mean hikvision, "
        "hikvision-overseas-customers?",
        "suggestions": [
            {"id": "hikvision", "label": "Hikvision"},
            {
                "id": "hikvision-overseas-customers",
                "label": "Hikvision's customers in overseas markets (distributors and integrators)",
            },
        ],
    },
    406: {
        "error": "NotAcceptableError",
        "detail": "no acceptable format; offered: application/json",
        "offered": ["application/json"],
    },
    409: {
        "error": "AmbiguousEntityError",
        "detail": "'Twin Trading' is ambiguous: it matches twin-a (Twin Trading), twin-b "
        "(Twin Trading); use an id",
        "candidates": [
            {
                "id": "twin-a",
                "label": "Twin Trading",
                "iri": "https://w3id.org/supplychain-kg/id/twin-a",
            },
            {
                "id": "twin-b",
                "label": "Twin Trading",
                "iri": "https://w3id.org/supplychain-kg/id/twin-b",
            },
        ],
    },
    413: {
        "error": "PayloadTooLargeError",
        "detail": "a query string may take at most 3,000 bytes (set by SKG_MAX_QUERY_BYTES); "
        "this request's is 50,002 bytes",
        "setting": "SKG_MAX_QUERY_BYTES",
    },
    422: {
        "error": "InvalidParameterError",
        "detail": "parameter 'limit': Input should be greater than or equal to 1 (got '0')",
        "parameter": "limit",
    },
    503: {
        "error": "QueryTimeoutError",
        "detail": "the request ran past its time limit of 30 s; narrow it down (fewer hops, "
        "fewer alternatives, a relation filter)",
    },
}
"""An answer of each status as the app sends it (the error names are checked against real
answers by tests/test_openapi_contract.py)."""

PLAIN_EXAMPLES: dict[int, str] = {
    400: "QueryError: SPARQL syntax error: error at 3:10: expected one of LATERAL, SERVICE, [_]\n",
    403: "WriteForbiddenError: a write needs the write token as 'Authorization: Bearer <token>'\n",
    404: "GraphNotFoundError: there is no graph <https://example.org/g>\n",
    406: "NotAcceptableError: no acceptable format for this query's answer; offered: "
    "text/csv\n  text/csv\n",
    413: "PayloadTooLargeError: a query string may take at most 3,000 bytes (set by "
    "SKG_MAX_QUERY_BYTES); this request's is 5,015 bytes\n",
    422: "InvalidParameterError: ...\n",
    503: "QueryTimeoutError: the query ran past its time limit and was stopped\n",
}
"""The same, as the SPARQL protocol routes send them: ``text/plain``, ``Name: detail``."""


MORE_EXAMPLES: dict[int, list[dict[str, Any]]] = {
    400: [
        {
            "error": "BadRequestError",
            "detail": "unknown export format 'nope'; expected one of graphml, gexf, cyjs, csv, "
            "turtle, nquads, jsonld",
        }
    ],
    403: [
        {
            "error": "RemoteAccessError",
            "detail": "SERVICE or LOAD of 'http://example.org/sparql' is refused: this server "
            "does not fetch URLs unless SKG_SERVICE_ALLOWLIST names them",
        }
    ],
    503: [
        {
            "error": "StoreLockedError",
            "detail": "cannot write to the store: another process is writing it or backing it "
            "up; try again when it has finished",
        }
    ],
}
"""Other errors a status may carry, on some routes."""

MORE_PLAIN: dict[int, list[str]] = {
    400: ["BadRequestError: an update cannot be sent with GET; POST it to /update\n"],
    403: [
        "RemoteAccessError: SERVICE or LOAD of 'http://example.org/sparql' is refused: this "
        "server does not fetch URLs unless SKG_SERVICE_ALLOWLIST names them\n"
    ],
}


def examples(code: int, *, plain: bool = False) -> list[Any]:
    """Every documented example answer of status ``code`` (JSON bodies, or plain texts)."""
    if plain:
        return [PLAIN_EXAMPLES[code], *MORE_PLAIN.get(code, [])]
    return [ERROR_EXAMPLES[code], *MORE_EXAMPLES.get(code, [])]


def errors(*codes: int, plain: bool = False) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: ``codes`` plus :data:`ALWAYS`, each with its body and
    examples named by error (``plain``: the SPARQL protocol's ``text/plain`` ``Name: detail``)."""
    answers: dict[int | str, dict[str, Any]] = {}
    for code in sorted({*codes, *ALWAYS}):
        if plain:
            named = {text.split(":", 1)[0]: {"value": text} for text in examples(code, plain=True)}
            content = {"text/plain": {"schema": {"type": "string"}, "examples": named}}
        else:
            bodies = {body["error"]: {"value": body} for body in examples(code)}
            schema = ErrorBody.model_json_schema()
            content = {"application/json": {"schema": schema, "examples": bodies}}
        answers[code] = {"description": _MEANING[code], "content": content}
    return answers


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
