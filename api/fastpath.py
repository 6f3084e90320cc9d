"""A pure-ASGI path for the hottest request, ``GET /sparql?query=...``.

A one-entity lookup takes about a millisecond end to end, and the framework's per-request work
(middleware stack, routing, request and response objects) was a fifth of it. This middleware
answers a GET with exactly one ``query`` parameter itself, with the same code the router uses
(:func:`api.routers.sparql.query_request`, the same service call, the same error answers);
every other request goes on to the app unchanged. It sits inside CORSMiddleware (when CORS is
configured), so its answers get exactly the CORS headers the router's would, and inside the
body guard (api/body_guard.py), which has already bounded the query string.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from supplychain_kg.errors import SkgError
from supplychain_kg.service import KnowledgeGraph

from .errors import error_response
from .routers.sparql import check_query_size, parse_params, query_request

__all__ = ["SparqlGetFastPath"]


class SparqlGetFastPath:
    """ASGI middleware: answers ``GET /sparql`` with one query; passes everything else on."""

    def __init__(self, app: ASGIApp, kg: KnowledgeGraph) -> None:
        self.app = app
        self.kg = kg

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/sparql":
            await self.app(scope, receive, send)
            return
        try:
            params = parse_params(scope["query_string"].decode("latin-1"))
        except UnicodeDecodeError:
            params = {}
        if len(params.get("query", ())) != 1 or "update" in params:
            await self.app(scope, receive, send)  # the router answers these (and the editor)
            return
        headers = dict(scope["headers"])
        accept = headers.get(b"accept", b"").decode("latin-1") or None
        scheme = scope.get("scheme", "http")
        host = headers.get(b"host", b"localhost").decode("latin-1")
        try:
            service = self.kg.sparql_service()
            text = check_query_size(params["query"][0], service.settings)
            endpoint = f"{scheme}://{host}/sparql"
            request = query_request(text, params, accept, endpoint, service.settings.base_iri)
            answer = await service.aquery(request)
        except SkgError as exc:
            response = await error_response(Request(scope, receive), exc)
            await response(scope, receive, send)
            return
        media_type = answer.media_type
        if media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        out = [
            (b"content-type", media_type.encode("latin-1")),
            (b"content-length", str(len(answer.body)).encode("latin-1")),
            (b"vary", b"Accept"),
            (b"x-skg-engine", answer.engine.encode("latin-1")),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": out})
        await send({"type": "http.response.body", "body": answer.body})
