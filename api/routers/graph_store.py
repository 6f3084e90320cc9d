"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/store``.

``?graph=IRI`` names a graph (indirect identification), ``?default`` (or, except for POST, no
parameter) the default graph, and a URL under ``/store/`` names the graph with that IRI (direct
identification). GET and HEAD read; PUT (replace), POST (add; to bare ``/store``: a new graph,
its IRI in ``Location``) and DELETE write, each in one transaction, and only with the token.
"""

from __future__ import annotations

from functools import partial

import anyio.to_thread
from fastapi import APIRouter, Request, Response

from supplychain_kg.errors import BadRequestError, NotAcceptableError
from supplychain_kg.sparql import RDF_MEDIA_TYPES

from ..deps import KG
from ..negotiation import choose
from ..openapi_docs import errors, rdf_body, store_parameters
from .sparql import RDF_ALIASES, bearer_token, off_loop

__all__ = ["router"]

router = APIRouter(tags=["graph store"])
_RDF_ANSWER = {
    "description": "The graph in the negotiated RDF syntax",
    "content": {media_type: {"schema": {"type": "string"}} for media_type in RDF_MEDIA_TYPES},
}
_WRITE_ERRORS = errors(403, 503, plain=True)


def _graph(request: Request) -> str | None:
    """The graph a request names: ``?graph=``, ``?default``, or (direct identification) the
    request URL itself under ``/store/``."""
    params = request.query_params
    if request.url.path.startswith("/store/"):
        if "graph" in params or "default" in params:
            raise BadRequestError("a graph under /store/ is named by its URL; drop ?graph/?default")
        return str(request.url.replace(query=""))
    graphs = params.getlist("graph")
    if "default" in params and graphs:
        raise BadRequestError("give either ?default or ?graph=IRI, not both")
    if len(graphs) > 1:
        raise BadRequestError(f"the request names {len(graphs)} graphs; give one ?graph=IRI")
    return graphs[0] if graphs else None


def _rdf_type(request: Request) -> str:
    chosen = choose(request.headers.get("accept"), RDF_MEDIA_TYPES, RDF_ALIASES)
    if chosen is None:
        raise NotAcceptableError(
            f"no acceptable RDF format; offered: {', '.join(RDF_MEDIA_TYPES)}",
            offered=list(RDF_MEDIA_TYPES),
        )
    return chosen


async def _read(request: Request, kg: KG) -> Response:
    service = kg.sparql_service()
    call = partial(service.graph_get, _graph(request), _rdf_type(request))
    answer = await off_loop(call, service.settings.query_timeout)
    return Response(answer.body, media_type=answer.media_type, headers={"Vary": "Accept"})


@router.get(
    "/store",
    summary="Read the default graph or ?graph=IRI",
    response_class=Response,
    responses={200: _RDF_ANSWER, **errors(404, 406, 503, plain=True)},
    openapi_extra={"parameters": store_parameters()},
)
@router.get("/store/{path:path}", include_in_schema=False)
async def store_get(request: Request, kg: KG) -> Response:
    return await _read(request, kg)


@router.head("/store", include_in_schema=False)
@router.head("/store/{path:path}", include_in_schema=False)
async def store_head(request: Request, kg: KG) -> Response:
    answer = await _read(request, kg)
    return Response(
        status_code=answer.status_code,
        headers={"Content-Type": answer.headers["content-type"], "Vary": "Accept"},
    )


def _rdf_body_type(raw: str | None) -> str:
    media_type = (raw or "").split(";")[0].strip().lower()
    media_type = RDF_ALIASES.get(media_type, media_type)
    if media_type not in RDF_MEDIA_TYPES:
        raise BadRequestError(
            f"the body's media type is {media_type or 'missing'!r}; expected one of "
            f"{', '.join(RDF_MEDIA_TYPES)}"
        )
    return media_type


async def _parts(request: Request) -> list[tuple[bytes, str]]:
    """The RDF documents of a request: its body, or each file of a multipart/form-data POST."""
    raw = request.headers.get("content-type", "")
    if raw.split(";")[0].strip().lower() != "multipart/form-data":
        return [(await request.body(), _rdf_body_type(raw))]
    parts = []
    async with request.form() as form:
        for value in form.values():
            if isinstance(value, str):
                raise BadRequestError("a multipart graph POST takes RDF files, not form fields")
            parts.append((await value.read(), _rdf_body_type(value.content_type)))
    return parts


async def _write(request: Request, kg: KG, *, replace: bool, graph: str | None) -> Response:
    parts = await _parts(request)
    if replace and len(parts) != 1:
        raise BadRequestError("a PUT replaces a graph with one RDF document")
    service = kg.sparql_service()
    created = False
    for body, media_type in parts:
        call = partial(
            service.graph_write, graph, body, media_type, bearer_token(request), replace=replace
        )
        created = await anyio.to_thread.run_sync(call) or created
    return Response(status_code=201 if created else 204)


@router.put(
    "/store",
    summary="Replace a graph (needs the write token)",
    status_code=204,
    response_class=Response,
    responses={201: {"description": "The graph is new"}, **_WRITE_ERRORS},
    openapi_extra=rdf_body(),
)
@router.put("/store/{path:path}", include_in_schema=False)
async def store_put(request: Request, kg: KG) -> Response:
    return await _write(request, kg, replace=True, graph=_graph(request))


@router.post(
    "/store",
    summary="Add to a graph; with no ?graph/?default, a new graph",
    status_code=204,
    response_class=Response,
    responses={201: {"description": "A new graph (named in Location)"}, **_WRITE_ERRORS},
    openapi_extra=rdf_body(),
)
@router.post("/store/{path:path}", include_in_schema=False)
async def store_post(request: Request, kg: KG) -> Response:
    params = request.query_params
    if request.url.path == "/store" and "graph" not in params and "default" not in params:
        graph = kg.sparql_service().new_graph_iri()
        await _write(request, kg, replace=False, graph=graph)
        return Response(status_code=201, headers={"Location": graph})
    return await _write(request, kg, replace=False, graph=_graph(request))


@router.delete(
    "/store",
    summary="Drop a graph (needs the write token)",
    status_code=204,
    response_class=Response,
    responses=errors(403, 404, plain=True),
    openapi_extra={"parameters": store_parameters()},
)
@router.delete("/store/{path:path}", include_in_schema=False, status_code=204)
async def store_delete(request: Request, kg: KG) -> Response:
    call = partial(kg.sparql_service().graph_delete, _graph(request), bearer_token(request))
    await anyio.to_thread.run_sync(call)
    return Response(status_code=204)
