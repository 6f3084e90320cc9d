"""``GET /``: the graph explorer page, its own scripts and styles, and Cytoscape.js.

Everything the page loads comes from this app: the page's files from ``api/static/explorer/``
and Cytoscape.js from ``api/static/vendor/`` (fetched from npm at build time by
``hatch_build.py``). The page is sent with a Content-Security-Policy that allows no other
origin, so a browser refuses anything from the internet (scripts, styles, fonts, images,
requests) even if a future change tried to load it.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

from ..deps import KG, AppSettings
from ..limits import run_limited

__all__ = ["CSP", "PAGE", "router"]

STATIC = FilePath(__file__).resolve().parent.parent / "static"
PAGE = STATIC / "explorer" / "index.html"
_MEDIA = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
_VENDOR = {"cytoscape.min.js"}

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""Only this origin; inline styles are allowed because Cytoscape.js sets element styles."""

_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}

router = APIRouter(include_in_schema=False)


@router.get("/")
def explorer_page() -> FileResponse:
    """The explorer: search, the network view, the evidence panel and the path finder."""
    return FileResponse(
        PAGE,
        media_type="text/html; charset=utf-8",
        headers={**_HEADERS, "Cache-Control": "no-cache"},
    )


@router.get("/favicon.ico")
def favicon() -> Response:
    """No icon (browsers ask for one on every page; answer without a 404)."""
    return Response(status_code=204)


@router.get("/explorer/config.json")
async def explorer_config(kg: KG) -> dict[str, Any]:
    """Node colours and shapes by type (the legend) and the relations paths can filter by."""
    return await run_in_threadpool(kg.explorer_config)


@router.get("/explorer/entity/{ref:path}")
async def explorer_entity(
    kg: KG,
    settings: AppSettings,
    ref: Annotated[str, Path(description="id, IRI or name")],
    limit: Annotated[int, Query(ge=1, le=1000, description="neighbours listed for a hub")] = 60,
) -> dict[str, Any]:
    """The evidence panel's card: everything about the entity (``GET /entities/{id}``), or
    for a hub its first ``limit`` neighbours' links with every denial and the counts."""
    timeout = settings.query_timeout
    return await run_limited(
        settings, lambda: kg.explorer_entity(ref, limit=limit, timeout=timeout)
    )


@router.get("/explorer/revision.json")
async def explorer_revision(kg: KG) -> dict[str, Any]:
    """The store's revision now: a shared view compares it with the one in its link."""
    return await run_in_threadpool(kg.explorer_revision)


@router.get("/explorer/vendor/{name}")
def vendor_asset(name: str) -> FileResponse:
    """Cytoscape.js, fetched from npm when the package was built."""
    path = STATIC / "vendor" / name
    if name not in _VENDOR or not path.is_file():
        raise HTTPException(
            status_code=404,
            detail=f"no vendor script named {name!r}; rebuild the package with npm available",
        )
    return FileResponse(path, media_type="text/javascript", headers=_HEADERS)


@router.get("/explorer/{name}")
def page_asset(name: str) -> FileResponse:
    """The page's own scripts and styles (files of api/static/explorer/ only)."""
    path = STATIC / "explorer" / name
    media = _MEDIA.get(path.suffix)
    if media is None or "/" in name or name.startswith(".") or not path.is_file():
        raise HTTPException(status_code=404, detail=f"no explorer file named {name!r}")
    return FileResponse(path, media_type=media, headers={**_HEADERS, "Cache-Control": "no-cache"})
