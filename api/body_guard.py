"""The write token and the body size limits, checked before a byte of the body is read.

:class:`BodyGuard` is pure ASGI and runs before routing (and before the ``GET /sparql`` fast
path). For each request it

1. refuses a write (``POST /update``, ``PUT``/``POST``/``DELETE /store...``) with 403 unless a
   write token is configured and presented, with the service's own check;
2. refuses with 413 a query string longer than its limit (before anything parses it), and a
   body whose ``Content-Length`` passes the route's limit (:func:`body_limit`), without
   reading the body;
3. counts the bytes of a body as they arrive (chunked or of unknown length) and stops at the
   limit with 413: the app never holds more than the limit.

A form-encoded (``application/x-www-form-urlencoded``) body or a query string may be up to
:data:`FORM_SLACK` times the limit, since percent-encoding takes up to three bytes for one;
the decoded query or update is then held to the limit itself (by the routers).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from supplychain_kg.config import Settings
from supplychain_kg.errors import PayloadTooLargeError, SkgError
from supplychain_kg.service import KnowledgeGraph

from .errors import error_response

__all__ = [
    "EXPORT_BODY_BYTES",
    "FORM_SLACK",
    "OTHER_BODY_BYTES",
    "BodyGuard",
    "Limit",
    "body_limit",
    "decoded_too_large",
    "is_write",
    "size_text",
]

FORM_SLACK = 3
"""A form-encoded body or a query string may be this many times its text's limit."""
EXPORT_BODY_BYTES = 4 << 20
"""The largest path answer ``POST /export`` takes (JSON; an explorer view is far smaller)."""
OTHER_BODY_BYTES = 64 << 10
"""The largest body of any other route (none of them reads one)."""
FORM = b"application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Limit:
    """How many bytes a request part may hold, what it is, and the setting that sets it."""

    size: int
    what: str
    setting: str | None = None


def size_text(size: int) -> str:
    """``16777216`` -> ``16 MiB``; sizes that are no whole KiB/MiB in bytes."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    return f"{size:,} bytes"


def is_write(method: str, path: str) -> bool:
    """Whether a request is a write that needs the token."""
    if path == "/store" or path.startswith("/store/"):
        return method in ("PUT", "POST", "DELETE")
    return method == "POST" and path == "/update"


def body_limit(settings: Settings, method: str, path: str, media_type: bytes) -> Limit:
    """The most bytes the body of a request may hold (``media_type``: lower case, bare)."""
    slack = FORM_SLACK if media_type == FORM else 1
    if method == "POST" and path == "/sparql":
        what = "a SPARQL query" + (" (form-encoded)" if slack > 1 else "")
        return Limit(settings.max_query_bytes * slack, what, "SKG_MAX_QUERY_BYTES")
    if method == "POST" and path == "/update":
        what = "a SPARQL update" + (" (form-encoded)" if slack > 1 else "")
        return Limit(settings.max_update_bytes * slack, what, "SKG_MAX_UPDATE_BYTES")
    if method in ("PUT", "POST") and (path == "/store" or path.startswith("/store/")):
        return Limit(settings.max_upload_bytes, "a Graph Store upload", "SKG_MAX_UPLOAD_BYTES")
    if method == "POST" and path == "/export":
        return Limit(EXPORT_BODY_BYTES, "a path answer to export")
    return Limit(OTHER_BODY_BYTES, f"a {method} {path} body")


def too_large(limit: Limit, size: int | None) -> PayloadTooLargeError:
    """The 413 error for a part of ``size`` bytes (None: more than the limit, still coming)."""
    given = f"is {size:,} bytes" if size is not None else "passed that"
    bound = f"at most {size_text(limit.size)}"
    setting = f" (set by {limit.setting})" if limit.setting else ""
    return PayloadTooLargeError(
        f"{limit.what} may take {bound}{setting}; this request's {given}",
        setting=limit.setting,
    )


def decoded_too_large(text: str, limit: int, what: str, setting: str) -> None:
    """Raise PayloadTooLargeError if ``text`` (decoded) is over ``limit`` bytes in UTF-8."""
    if len(text) > limit // 4 and len(text.encode("utf-8")) > limit:
        raise too_large(Limit(limit, what, setting), len(text.encode("utf-8")))


def _headers(scope: Scope) -> tuple[int | None, bytes, str | None, bool]:
    """Content-Length (None if absent or not a number), bare media type, bearer token, and
    whether the body comes in chunks (Transfer-Encoding)."""
    length, media_type, token, chunked = None, b"", None, False
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = int(value) if value.strip().isdigit() else None
        elif name == b"transfer-encoding":
            chunked = True
        elif name == b"content-type":
            media_type = value.split(b";", 1)[0].strip().lower()
        elif name == b"authorization":
            scheme, _, rest = value.decode("latin-1").partition(" ")
            token = rest.strip() if scheme.lower() == "bearer" and rest.strip() else None
    return length, media_type, token, chunked


def _route_path(scope: Scope) -> str:
    """The path the router matches (without the root path of an app mounted under one)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] or "/" if root and path.startswith(root) else path


class BodyGuard:
    """ASGI middleware: the write token, then the size limits, before the body is read."""

    def __init__(self, app: ASGIApp, kg: KnowledgeGraph, settings: Settings) -> None:
        self.app = app
        self.kg = kg
        self.settings = settings
        self.query_limit = Limit(
            settings.max_query_bytes * FORM_SLACK, "a query string", "SKG_MAX_QUERY_BYTES"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            limit = self._check(scope)
        except SkgError as exc:
            await _refuse(scope, receive, send, exc)
            return
        if limit is None:  # no body, or one the server holds to its Content-Length
            await self.app(scope, receive, send)
            return
        await _Counted(self.app, limit)(scope, receive, send)

    def _check(self, scope: Scope) -> Limit | None:
        """The limit to count a chunked body against (None: nothing to count), after the
        checks that need no body (raises SkgError)."""
        method, path = scope["method"], _route_path(scope)
        length, media_type, token, chunked = _headers(scope)
        if is_write(method, path):
            self.kg.sparql_service().authorize(token)
        query_string = scope.get("query_string", b"")
        if len(query_string) > self.query_limit.size:
            raise too_large(self.query_limit, len(query_string))
        limit = body_limit(self.settings, method, path, media_type)
        if length is not None and length > limit.size:
            raise too_large(limit, length)
        return limit if chunked else None  # with no length and no chunks there is no body


async def _refuse(scope: Scope, receive: Receive, send: Send, exc: SkgError) -> None:
    response = await error_response(Request(scope), exc)
    response.headers["connection"] = "close"  # the unread body is never read
    await response(scope, receive, send)


class _Counted:
    """One request whose body is counted as it arrives; past the limit the app's receive
    raises, whatever the app then answers is dropped, and the answer is 413."""

    def __init__(self, app: ASGIApp, limit: Limit) -> None:
        self.app = app
        self.limit = limit
        self.received = 0
        self.exceeded = False
        self.started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted_receive() -> Message:
            if self.exceeded:
                raise too_large(self.limit, None)
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit.size:
                    self.exceeded = True
                    raise too_large(self.limit, None)
            return message

        async def guarded_send(message: Message) -> None:
            if self.exceeded and not self.started:
                return  # the app's answer to the failed read; ours follows
            self.started = self.started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not self.exceeded or self.started:
                raise
        if self.exceeded and not self.started:
            await _refuse(scope, receive, send, too_large(self.limit, None))
