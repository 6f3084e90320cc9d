"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/store`` (indirect graph identification).

``?graph=IRI`` names a graph, ``?default`` (or no parameter) the default graph. GET and HEAD
read; PUT (replace), POST (add) and DELETE write, each in one transaction, and only with the
write token.
"""

from __future__ import annotations

from functools import partial

import anyio.to_thread
from fastapi import APIRouter, Request, Response

from supplychain_kg.errors import BadRequestError, NotAcceptableError
from supplychain_kg.sparql import RDF_MEDIA_TYPES

from ..deps import KG
from ..negotiation import choose
from .sparql import RDF_ALIASES, bearer_token, off_loop

__all__ = ["router"]

router = APIRouter(tags=["graph store"])


def _graph(request: Request) -> str | None:
    params = request.query_params
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


@router.get("/store", summary="Read the default graph or ?graph=IRI")
async def store_get(request: Request, kg: KG) -> Response:
    return await _read(request, kg)


@router.head("/store", include_in_schema=False)
async def store_head(request: Request, kg: KG) -> Response:
    answer = await _read(request, kg)
    return Response(
        status_code=answer.status_code,
        headers={"Content-Type": answer.headers["content-type"], "Vary": "Accept"},
    )


async def _write(request: Request, kg: KG, *, replace: bool) -> Response:
    raw = request.headers.get("content-type", "")
    media_type = raw.split(";")[0].strip().lower()
    media_type = RDF_ALIASES.get(media_type, media_type)
    if media_type not in RDF_MEDIA_TYPES:
        raise BadRequestError(
            f"the body's media type is {media_type or 'missing'!r}; expected one of "
            f"{', '.join(RDF_MEDIA_TYPES)}"
        )
    body = await request.body()
    call = partial(
        kg.sparql_service().graph_write,
        _graph(request),
        body,
        media_type,
        bearer_token(request),
        replace=replace,
    )
    created = await anyio.to_thread.run_sync(call)
    return Response(status_code=201 if created else 204)


@router.put("/store", summary="Replace a graph (needs the write token)")
async def store_put(request: Request, kg: KG) -> Response:
    return await _write(request, kg, replace=True)


@router.post("/store", summary="Add to a graph (needs the write token)")
async def store_post(request: Request, kg: KG) -> Response:
    return await _write(request, kg, replace=False)


@router.delete("/store", summary="Drop a graph (needs the write token)", status_code=204)
async def store_delete(request: Request, kg: KG) -> Response:
    call = partial(kg.sparql_service().graph_delete, _graph(request), bearer_token(request))
    await anyio.to_thread.run_sync(call)
    return Response(status_code=204)
