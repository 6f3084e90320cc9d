"""The FastAPI application factory."""

from __future__ import annotations

from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from supplychain_kg import __version__
from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph

from . import docs_pages, editor
from .body_guard import BodyGuard
from .errors import install_error_handlers
from .fastpath import SparqlGetFastPath
from .openapi_docs import sparql_path_item
from .routers import entities, explorer, export, graph_store, meta, paths, sparql
from .security import secure

__all__ = ["create_app", "server_config"]


class _SecuredApp(FastAPI):
    """The app behind the Host check and the security headers, outside even the handler of
    unexpected errors, so that every answer (a 500 too) carries the headers."""

    def build_middleware_stack(self) -> ASGIApp:
        return secure(super().build_middleware_stack(), self.state.settings)

    def openapi(self) -> dict[str, Any]:
        """FastAPI's description, plus ``/sparql`` (a plain route, described by hand)."""
        schema = super().openapi()
        schema["paths"].setdefault("/sparql", sparql_path_item())
        return schema


def create_app(settings: Settings | None = None, *, kg: KnowledgeGraph | None = None) -> FastAPI:
    """Build the app on ``kg`` (or on a graph opened from ``settings``).

    Settings are read once, here; handlers get them from ``app.state``.
    """
    settings = settings or Settings.from_env()
    kg = kg or KnowledgeGraph.open(settings)
    app = _SecuredApp(
        title="supplychain-kg",
        version=__version__,
        description="Vendors, contractors and governments, with the evidence behind every link.",
        docs_url=None,  # served by docs_pages, from files of this app (no CDN)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.kg = kg
    install_error_handlers(app)
    # Outermost first: (Host check, security headers), CORS, the write token and body limits,
    # then the GET /sparql fast path, all before routing.
    app.add_middleware(SparqlGetFastPath, kg=kg)
    app.add_middleware(BodyGuard, kg=kg, settings=settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "HEAD", "OPTIONS", "POST"],
            allow_headers=["Accept", "Content-Type"],
        )
    kg.sparql_service().warm()  # the SPARQL graph index builds in the background
    app.include_router(meta.router)
    app.include_router(paths.router)
    app.include_router(entities.router)
    app.include_router(export.router)
    app.include_router(sparql.router)
    app.include_router(graph_store.router)
    app.include_router(editor.router)
    app.include_router(docs_pages.router)
    app.include_router(explorer.router)
    return app


def server_config(app: FastAPI, settings: Settings, **options: Any) -> uvicorn.Config:
    """How uvicorn serves the app: with the h11 protocol, which holds a request's line and
    headers to a bound (httptools grew to 279 MB on a 100 MB URL before refusing it) and
    ignores ``Upgrade: h2c`` (httptools then handed Jena's POSTs over with an empty body).
    A query in the URL may take three times the query limit (percent-encoding)."""
    return uvicorn.Config(
        app,
        http="h11",
        h11_max_incomplete_event_size=3 * settings.max_query_bytes + (64 << 10),
        log_level="warning",
        **options,
    )
