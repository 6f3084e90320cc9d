"""The SPARQL 1.1 Protocol: ``GET|POST /sparql`` (query) and ``POST /update`` (update).

Thin: parse the request (one query, its dataset, its media type), negotiate the answer's
format, and hand the rest to :class:`supplychain_kg.sparql.SparqlService` off the event loop.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import partial
from typing import TypeVar
from urllib.parse import parse_qs

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from supplychain_kg.config import Settings
from supplychain_kg.errors import BadRequestError, NotAcceptableError, QueryTimeoutError
from supplychain_kg.namespaces import sparql_prefixes
from supplychain_kg.sparql import (
    JSON,
    RDF_MEDIA_TYPES,
    RESULTS_MEDIA_TYPES,
    XML,
    QueryRequest,
    SparqlService,
    UpdateRequest,
)

from ..body_guard import decoded_too_large
from ..deps import KG, get_kg, get_settings
from ..editor import editor_headers, editor_page
from ..iri import is_absolute_iri
from ..negotiation import choose
from ..openapi_docs import errors, update_body

__all__ = [
    "bearer_token",
    "check_query_size",
    "negotiated",
    "off_loop",
    "parse_params",
    "query_request",
    "router",
]

router = APIRouter(tags=["sparql"])

RESULTS_ALIASES = {"application/json": JSON, "application/xml": XML, "text/xml": XML}
RDF_ALIASES = {
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/json": "application/ld+json",
}
FORM = "application/x-www-form-urlencoded"
T = TypeVar("T")


async def off_loop(fn: Callable[[], T], timeout: float) -> T:
    """Run ``fn`` in a worker thread; past ``timeout`` answer QueryTimeoutError at once."""
    try:
        with anyio.fail_after(timeout + 1.0):
            return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True)
    except TimeoutError:
        raise QueryTimeoutError(
            f"the query ran past its time limit of {timeout:g} s and was stopped"
        ) from None


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _media_type(request: Request) -> tuple[str, str | None]:
    """The request body's media type (lower case) and charset."""
    raw = request.headers.get("content-type", "")
    fields = [f.strip() for f in raw.split(";")]
    charset = None
    for field in fields[1:]:
        name, _, value = field.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return fields[0].lower(), charset


async def _body_text(request: Request, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise BadRequestError(f"the request body's charset is {charset!r}; expected UTF-8")
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequestError(f"the request body is not valid UTF-8 ({exc.reason})") from None


def parse_params(text: str) -> dict[str, list[str]]:
    """Parameters of a query string or form body (UTF-8 after percent-decoding)."""
    return parse_qs(text, keep_blank_values=True, errors="strict")


_form = parse_params


def check_query_size(text: str, settings: Settings) -> str:
    """``text`` if it is within SKG_MAX_QUERY_BYTES (in UTF-8), else PayloadTooLargeError.

    The body guard bounds the encoded request (a form or URL may take 3 bytes for one); this
    holds the decoded query itself to the limit."""
    decoded_too_large(text, settings.max_query_bytes, "a SPARQL query", "SKG_MAX_QUERY_BYTES")
    return text


def _one(values: list[str], name: str) -> str:
    if not values:
        raise BadRequestError(f"the request has no {name!r} parameter; give exactly one")
    if len(values) > 1:
        raise BadRequestError(f"the request has {len(values)} {name!r} parameters; give one")
    return values[0]


def _endpoint(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


@functools.lru_cache(maxsize=256)
def negotiated(accept: str | None) -> tuple[str | None, str | None]:
    """The results and RDF media types an Accept header picks (clients send the same few
    headers again and again, so the answers are remembered)."""
    return (
        choose(accept, RESULTS_MEDIA_TYPES, RESULTS_ALIASES),
        choose(accept, RDF_MEDIA_TYPES, RDF_ALIASES),
    )


@functools.cache
def predeclared(base: str) -> str:
    """The prefixes every query and update is given (as ``skg query`` gives them): the
    vocabularies', ``ent:`` bound to the instance base. One line of its own, which
    api/errors.py takes back out of an error's position."""
    return sparql_prefixes(base)


def query_request(
    text: str, params: dict[str, list[str]], accept: str | None, endpoint: str, base: str
) -> QueryRequest:
    """A protocol query: its text (after the predeclared prefixes of ``base``), dataset and
    the negotiated answer formats."""
    results_type, rdf_type = negotiated(accept)
    for name in ("default-graph-uri", "named-graph-uri"):
        for value in params.get(name, ()):
            if not is_absolute_iri(value):
                raise BadRequestError(f"{name} {value!r} is not an absolute IRI")
    return QueryRequest(
        sparql=predeclared(base) + text,
        results_type=results_type,
        rdf_type=rdf_type,
        default_graphs=tuple(params.get("default-graph-uri", [])),
        named_graphs=tuple(params.get("named-graph-uri", [])),
        base_iri=endpoint,
    )


async def _answer(
    request: Request, service: SparqlService, text: str, params: dict[str, list[str]]
) -> Response:
    accept = request.headers.get("accept")
    settings = get_settings(request)
    check_query_size(text, settings)
    query = query_request(text, params, accept, _endpoint(request, "/sparql"), settings.base_iri)
    answer = await service.aquery(query)
    headers = {"Vary": "Accept", "X-SKG-Engine": answer.engine}
    return Response(answer.body, media_type=answer.media_type, headers=headers)


async def _no_query(request: Request, service: SparqlService) -> Response:
    accept = request.headers.get("accept")
    chosen = choose(accept, [*RDF_MEDIA_TYPES, "text/html"], RDF_ALIASES)
    if chosen == "text/html":
        page = editor_page(_endpoint(request, "/sparql"))
        return HTMLResponse(page, headers=editor_headers(page))
    if chosen is None:
        offered = [*RDF_MEDIA_TYPES, "text/html"]
        raise NotAcceptableError(
            f"no acceptable format for the service description; offered: {', '.join(offered)}",
            offered=offered,
        )
    body = await anyio.to_thread.run_sync(
        partial(
            service.description,
            _endpoint(request, "/sparql"),
            _endpoint(request, "/update"),
            chosen,
        )
    )
    return Response(body, media_type=chosen, headers={"Vary": "Accept"})


async def query_get(request: Request) -> Response:
    kg = get_kg(request)
    params = _form(request.url.query)
    if "update" in params:
        raise BadRequestError("an update cannot be sent with GET; POST it to /update")
    service = kg.sparql_service()
    if "query" not in params:
        return await _no_query(request, service)
    return await _answer(request, service, _one(params["query"], "query"), params)


async def query_post(request: Request) -> Response:
    kg = get_kg(request)
    media_type, charset = _media_type(request)
    params = _form(request.url.query)
    if media_type == FORM:
        form = _form(await _body_text(request, charset))
        if "update" in form:
            raise BadRequestError("updates go to /update, not /sparql")
        for key, values in form.items():
            params.setdefault(key, []).extend(values)
        text = _one(params.get("query", []), "query")
    elif media_type == "application/sparql-query":
        if "query" in params:
            raise BadRequestError("the query is both in the URL and in the body; give one")
        text = await _body_text(request, charset)
    else:
        raise BadRequestError(
            f"a query POST has media type {media_type or 'none'!r}; expected "
            f"{FORM!r} or 'application/sparql-query'"
        )
    return await _answer(request, kg.sparql_service(), text, params)


async def query_endpoint(request: Request) -> Response:
    """``GET|POST /sparql``: a plain Starlette route (FastAPI's per-request machinery costs
    about a fifth of a one-entity lookup; the protocol needs none of it)."""
    if request.method == "POST":
        return await query_post(request)
    return await query_get(request)


router.add_route("/sparql", query_endpoint, methods=["GET", "POST"], include_in_schema=False)


@router.get("/update", include_in_schema=False)
async def update_get() -> Response:
    raise BadRequestError("an update cannot be sent with GET; POST it to /update")


@router.post(
    "/update",
    summary="SPARQL 1.1 Update (needs the write token)",
    status_code=204,
    response_class=Response,
    responses=errors(403, 503, plain=True),
    openapi_extra=update_body(),
)
async def update_post(request: Request, kg: KG) -> Response:
    media_type, charset = _media_type(request)
    params = _form(request.url.query)
    if media_type == FORM:
        form = _form(await _body_text(request, charset))
        for key, values in form.items():
            params.setdefault(key, []).extend(values)
        text = _one(params.get("update", []), "update")
    elif media_type == "application/sparql-update":
        text = await _body_text(request, charset)
    else:
        raise BadRequestError(
            f"an update POST has media type {media_type or 'none'!r}; expected "
            f"{FORM!r} or 'application/sparql-update'"
        )
    limit = get_settings(request).max_update_bytes
    decoded_too_large(text, limit, "a SPARQL update", "SKG_MAX_UPDATE_BYTES")
    update = UpdateRequest(
        sparql=predeclared(get_settings(request).base_iri) + text,
        token=bearer_token(request),
        using_graphs=tuple(params.get("using-graph-uri", [])),
        using_named_graphs=tuple(params.get("using-named-graph-uri", [])),
        base_iri=_endpoint(request, "/update"),
    )
    # An update is atomic but cannot be stopped half-way: it runs to its end off the loop.
    await anyio.to_thread.run_sync(partial(kg.sparql_service().update, update))
    return Response(status_code=204)
