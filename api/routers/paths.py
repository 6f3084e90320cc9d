"""GET /paths: how two entities connect, hop by hop, with the evidence on every hop."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from supplychain_kg.paths import MAX_HOPS, MAX_K

from ..deps import KG, AppSettings
from ..limits import run_limited
from ..openapi_docs import errors
from ..schemas import PathAnswer, ok

router = APIRouter(tags=["paths"])


@router.get(
    "/paths", response_model=None, responses={**ok(PathAnswer), **errors(404, 409, 422, 503)}
)
async def paths(
    *,
    kg: KG,
    settings: AppSettings,
    source: Annotated[str, Query(min_length=1, description="id, IRI or name")],
    target: Annotated[str, Query(min_length=1, description="id, IRI or name")],
    max_hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 6,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="alternative paths")] = 3,
    relation: Annotated[list[str] | None, Query(description="only these relations")] = None,
    exclude_relation: Annotated[list[str] | None, Query()] = None,
    entity_type: Annotated[
        list[str] | None, Query(description="types allowed for intermediate entities")
    ] = None,
    direction: Literal["out", "in", "any"] = "any",
    include_disputed: bool = False,
    as_of: Annotated[str | None, Query(description="YYYY-MM-DD: only claims valid then")] = None,
    rank: Annotated[
        Literal["evidence", "hops"], Query(description="evidence: strongest first; hops: shortest")
    ] = "evidence",
    hubs: Annotated[bool, Query(description="also walk through shared hubs")] = False,
    via: Annotated[list[str] | None, Query(description="hubs (id or name) to walk")] = None,
    mode: Annotated[
        Literal["auto", "projection", "frontier"] | None,
        Query(
            description="projection: the graph in memory; frontier: one hop at a time from "
            "the store (for graphs too big for memory); auto (default: SKG_PATHS): by size"
        ),
    ] = None,
) -> dict[str, Any]:
    """Up to ``k`` shortest paths; each hop lists its claims (stance, who says, quote, source).

    Links resting only on denied claims are walked only with ``include_disputed=true``. No path
    is not an error: the answer has no paths and a ``reason``. The answer names the path
    ``mode`` used and, in frontier mode, the ``capped_hubs`` it did not walk through.
    """
    timeout = settings.query_timeout
    return await run_limited(
        settings,
        lambda: kg.paths(
            source,
            target,
            timeout=timeout,
            max_hops=max_hops,
            k=k,
            relation=relation or (),
            exclude_relation=exclude_relation or (),
            entity_type=entity_type or (),
            direction=direction,
            include_disputed=include_disputed,
            as_of=as_of,
            rank=rank,
            hubs=hubs,
            via=via or (),
            mode=mode,
        ),
    )
