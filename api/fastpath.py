"""A pure-ASGI path for the hottest request, ``GET /sparql?query=...``.

A one-entity lookup takes about a millisecond end to end, and the framework's per-request work
(middleware stack, routing, request and response objects) was a fifth of it. This middleware
answers a GET with exactly one ``query`` parameter itself, with the same code the router uses
(:func:`api.routers.sparql.query_request`, the same service call, the same error answers and
CORS headers); every other request goes on to the app unchanged.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from supplychain_kg.config import Settings
from supplychain_kg.errors import SkgError
from supplychain_kg.service import KnowledgeGraph

from .errors import error_response
from .routers.sparql import parse_params, query_request

__all__ = ["SparqlGetFastPath"]


class SparqlGetFastPath:
    """ASGI middleware: answers ``GET /sparql`` with one query; passes everything else on."""

    def __init__(self, app: ASGIApp, kg: KnowledgeGraph, settings: Settings) -> None:
        self.app = app
        self.kg = kg
        self.allow_all = "*" in settings.cors_origins
        self.origins = {o.encode("latin-1") for o in settings.cors_origins}

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
        request = query_request(params["query"][0], params, accept, f"{scheme}://{host}/sparql")
        extra = self._cors(headers.get(b"origin"))
        try:
            answer = await self.kg.sparql_service().aquery(request)
        except SkgError as exc:
            response = await error_response(Request(scope, receive), exc)
            response.headers.update({k.decode(): v.decode() for k, v in extra})
            await response(scope, receive, send)
            return
        media_type = answer.media_type
        if media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        out = [
            (b"content-type", media_type.encode("latin-1")),
            (b"content-length", str(len(answer.body)).encode("latin-1")),
            (b"vary", b"Accept, Origin" if extra and not self.allow_all else b"Accept"),
            (b"x-skg-engine", answer.engine.encode("latin-1")),
            *extra,
        ]
        await send({"type": "http.response.start", "status": 200, "headers": out})
        await send({"type": "http.response.body", "body": answer.body})

    def _cors(self, origin: bytes | None) -> list[tuple[bytes, bytes]]:
        """The CORS headers CORSMiddleware would add to a simple request."""
        if origin is None:
            return []
        if self.allow_all:
            return [(b"access-control-allow-origin", b"*")]
        if origin in self.origins:
            return [(b"access-control-allow-origin", origin)]
        return []
