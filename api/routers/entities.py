"""GET /entities (search), /entities/{id} (everything about one) and its neighbours."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from supplychain_kg.paths import MAX_DEPTH

from ..deps import KG, AppSettings
from ..limits import run_limited
from ..openapi_docs import errors
from ..schemas import EntityAnswer, NeighborsAnswer, SearchAnswer, ok

router = APIRouter(tags=["entities"])


@router.get("/entities", response_model=None, responses={**ok(SearchAnswer), **errors(422, 503)})
async def search_entities(
    kg: KG,
    settings: AppSettings,
    q: Annotated[str, Query(min_length=1, description="name, alias or id")],
    type: Annotated[str | None, Query(description="only this class, e.g. Contractor")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> dict[str, Any]:
    """Entities ranked by how well a name or alias matches ``q`` (typos and spacing forgiven)."""
    hits = await run_limited(settings, lambda: kg.search(q, type_=type, limit=limit))
    return {"query": q, "results": [hit.to_json() for hit in hits]}


@router.get(
    "/entities/{ref:path}/neighbors",
    response_model=None,
    responses={**ok(NeighborsAnswer), **errors(404, 409, 422, 503)},
)
async def neighbors(
    *,
    kg: KG,
    settings: AppSettings,
    ref: Annotated[str, Path(description="id, IRI or name")],
    depth: Annotated[int, Query(ge=1, le=MAX_DEPTH)] = 1,
    relation: Annotated[list[str] | None, Query()] = None,
    direction: Literal["out", "in", "any"] = "any",
    limit: Annotated[int, Query(ge=1, le=1000, description="new neighbours per entity")] = 50,
    include_disputed: bool = False,
) -> dict[str, Any]:
    """Entities within ``depth`` hops with the claims behind each link; hubs are capped."""
    timeout = settings.query_timeout
    return await run_limited(
        settings,
        lambda: kg.neighbors(
            ref,
            depth=depth,
            limit=limit,
            timeout=timeout,
            relation=relation or (),
            direction=direction,
            include_disputed=include_disputed,
        ),
    )


@router.get(
    "/entities/{ref:path}",
    response_model=None,
    responses={**ok(EntityAnswer), **errors(404, 409, 422, 503)},
)
async def show_entity(
    kg: KG,
    settings: AppSettings,
    ref: Annotated[str, Path(description="id, IRI or name")],
    limit: Annotated[
        int, Query(ge=1, le=10_000, description="relations listed at most (denials first)")
    ] = 500,
) -> dict[str, Any]:
    """Labels, types, identifiers and every relation in and out with its claims (at most
    ``limit`` relations; ``relations_total`` counts them all)."""
    return await run_limited(settings, lambda: kg.show(ref, limit=limit))
