"""``GET /docs``: the API documentation (Swagger UI), served by the app with no network.

Swagger UI's built files and favicons come from the npm package ``swagger-ui-dist`` at build
time (``hatch_build.py``, as YASGUI and Cytoscape.js do) into ``api/static/vendor/``; the page
loads them from ``/docs/assets/``. Its policy (api/security.py) allows this origin only, and
Swagger UI's online validator badge is switched off, so the page asks nothing of the internet.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from .editor import ASSETS

__all__ = ["DOCS_FILES", "docs_assets_available", "router"]

DOCS_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
"""The files of ``swagger-ui-dist`` the page loads (and only these are served)."""

router = APIRouter(include_in_schema=False)


def docs_assets_available() -> bool:
    return all((ASSETS / name).is_file() for name in DOCS_FILES)


_MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>supplychain-kg API</title></head>
<body><h1>supplychain-kg API</h1>
<p>Swagger UI's files are not installed (this checkout was not built with npm: run
<code>python hatch_build.py</code>). The description itself is at
<a href="/openapi.json">/openapi.json</a>.</p></body></html>
"""


@router.get("/docs")
def docs_page(request: Request) -> HTMLResponse:
    """Swagger UI on this app's OpenAPI description."""
    if not docs_assets_available():
        return HTMLResponse(_MISSING)
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=f"{request.app.title} API",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/docs/assets/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": False},
    )
    small = '<link rel="icon" type="image/png" sizes="16x16" href="/docs/assets/favicon-16x16.png">'
    body = bytes(page.body).decode().replace("</title>", f"</title>\n    {small}", 1)
    return HTMLResponse(body)


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> FileResponse:
    """Swagger UI's script, stylesheet and favicons."""
    if name not in DOCS_FILES or not (ASSETS / name).is_file():
        raise HTTPException(status_code=404, detail=f"no documentation file named {name!r}")
    return FileResponse(
        ASSETS / name,
        media_type=DOCS_FILES[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )
