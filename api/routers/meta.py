"""Health and statistics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from supplychain_kg import __version__
from supplychain_kg.sparql import network_isolation

from ..deps import KG
from ..limits import in_worker
from ..openapi_docs import errors
from ..schemas import Health, Stats, ok

router = APIRouter(tags=["meta"])


@router.get("/health", response_model=None, responses={**ok(Health), **errors()})
async def health(kg: KG) -> dict[str, Any]:
    """Liveness: answers at once, on the event loop, without touching the store. Says how the
    server and its query workers are cut off from the network ("" where they are not)."""
    runner = kg.sparql_service().runner
    return {
        "status": "ok",
        "version": __version__,
        "network_isolation": {
            "server": network_isolation(),
            "query_workers": runner.isolation,
        },
    }


@router.get("/stats", response_model=None, responses={**ok(Stats), **errors(503)})
async def stats(kg: KG) -> dict[str, Any]:
    """Entities by type, claims by stance, sources."""
    return await run_in_threadpool(in_worker, kg.stats)
