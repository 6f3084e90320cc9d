"""Browser-facing guards: the Host check against DNS rebinding and the security headers.

Both are pure ASGI and sit outside everything else (:func:`secure`, called on the finished
middleware stack), so that every answer carries the headers, errors and 500s included.

- :class:`HostGuard`: a server bound to a loopback address answers only requests whose
  ``Host`` is ``localhost``, ``127.0.0.1`` or ``[::1]`` (any port) or a name of
  ``SKG_ALLOWED_HOSTS``. A web page on ``evil.example`` whose DNS answer is switched to
  127.0.0.1 (DNS rebinding) sends ``Host: evil.example`` and gets 400. Bound elsewhere, the
  check applies only when ``SKG_ALLOWED_HOSTS`` is set.
- :class:`SecurityHeaders`: ``nosniff``, ``no-referrer``, no framing, same-origin opener and
  resource policies on every answer; an HTML page that brings no Content-Security-Policy of its
  own (the explorer and the query editor do) gets :func:`html_policy`, which allows this
  origin only, plus its own inline scripts by hash. No page loads anything from elsewhere
  (``/docs`` too: Swagger UI is served by the app, see api/docs_pages.py).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from collections.abc import Mapping

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from supplychain_kg.config import Settings
from supplychain_kg.errors import LimitError

from .errors import error_response

__all__ = [
    "LOOPBACK_NAMES",
    "SECURITY_HEADERS",
    "HostGuard",
    "SecurityHeaders",
    "host_allowed",
    "html_policy",
    "is_loopback",
    "secure",
]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
"""Host names a loopback-bound server always answers (with any port)."""

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
"""Added to every answer that does not set them itself."""

_HTML_BUFFER = 1 << 20
"""An HTML page larger than this is sent without inline-script hashes (no inline script runs)."""


def is_loopback(host: str) -> bool:
    """Whether a bind address is loopback (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _hostname(value: str) -> str:
    """The name part of a Host header value (lower case, port dropped)."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[: end + 1] if end > 0 else value
    name, colon, port = value.rpartition(":")
    return name if colon and port.isdigit() else value


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Whether a ``Host`` header value names one of ``allowed`` (or a loopback name).

    ``allowed`` holds names, ``*.example.org`` (any subdomain of example.org) or ``*``.
    """
    name = _hostname(host)
    if name in LOOPBACK_NAMES:
        return True
    for pattern in (p.strip().lower() for p in allowed):
        if pattern == "*" or name == _hostname(pattern):
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


class HostGuard:
    """ASGI middleware: 400 for a request whose ``Host`` this server does not answer."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.allowed = settings.allowed_hosts
        self.loopback = is_loopback(settings.host)
        self.active = self.loopback or bool(self.allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.active or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v for k, v in scope["headers"] if k == b"host"), None)
        if host is None or host_allowed(host.decode("latin-1"), self.allowed):
            await self.app(scope, receive, send)  # no Host: not a browser (HTTP/1.0)
            return
        response = await error_response(Request(scope), self._refusal(host.decode("latin-1")))
        await response(scope, receive, send)

    def _refusal(self, host: str) -> LimitError:
        where = "a loopback address" if self.loopback else "an address SKG_ALLOWED_HOSTS guards"
        named = ", ".join(self.allowed) or "none"
        return LimitError(
            f"this server does not answer requests for host {host!r}: it is bound to {where} "
            f"and answers only localhost, 127.0.0.1, [::1] and the names in "
            f"SKG_ALLOWED_HOSTS (now: {named}); add the name there to serve it "
            "(this guards against DNS rebinding by web pages)",
            setting="SKG_ALLOWED_HOSTS",
        )


_INLINE_SCRIPT = re.compile(rb"<script(?:\s[^>]*)?>(.*?)</script>", re.S | re.I)


def html_policy(page: bytes, extra: Mapping[str, tuple[str, ...]] | None = None) -> str:
    """A Content-Security-Policy for an HTML page: this origin only (plus ``extra`` sources by
    directive), inline scripts of ``page`` by hash, inline styles allowed (UI libraries set
    element styles)."""
    hashes = tuple(
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(page)
        if body.strip()
    )
    directives = {
        "default-src": ("'self'",),
        "script-src": ("'self'", *hashes),
        "style-src": ("'self'", "'unsafe-inline'"),
        "img-src": ("'self'", "data:"),
        "font-src": ("'self'", "data:"),
        "connect-src": ("'self'",),
        "object-src": ("'none'",),
        "base-uri": ("'none'",),
        "form-action": ("'self'",),
        "frame-ancestors": ("'none'",),
    }
    for name, sources in (extra or {}).items():
        directives[name] = (*directives.get(name, ()), *sources)
    return "; ".join(" ".join((name, *sources)) for name, sources in directives.items())


class SecurityHeaders:
    """ASGI middleware: the security headers on every answer, a CSP on HTML pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        size = 0

        async def send_secured(message: Message) -> None:
            nonlocal size
            if message["type"] == "http.response.start":
                message["headers"] = headers = _with_headers(message.get("headers", []))
                if _needs_policy(headers):
                    held.append(message)  # the policy hashes the page's inline scripts
                    return
            elif held and message["type"] == "http.response.body":
                held.append(message)
                size += len(message.get("body", b""))
                if message.get("more_body", False) and size <= _HTML_BUFFER:
                    return
                for part in _with_policy(held, size, None):
                    await send(part)
                held.clear()
                return
            await send(message)

        await self.app(scope, receive, send_secured)


def _with_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    headers = list(raw)
    present = {name.lower() for name, _ in headers}
    headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
    return headers


def _needs_policy(headers: list[tuple[bytes, bytes]]) -> bool:
    html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)
    return html and not any(k.lower() == b"content-security-policy" for k, _ in headers)


def _with_policy(
    held: list[Message], size: int, extra: Mapping[str, tuple[str, ...]] | None
) -> list[Message]:
    """The held start message with a CSP, and the page's body in one message."""
    start, parts = held[0], held[1:]
    body = b"".join(p.get("body", b"") for p in parts)
    policy = html_policy(body if size <= _HTML_BUFFER else b"", extra)
    start["headers"].append((b"content-security-policy", policy.encode("latin-1")))
    more = bool(parts[-1].get("more_body", False))
    return [start, {"type": "http.response.body", "body": body, "more_body": more}]


def secure(app: ASGIApp, settings: Settings) -> ASGIApp:
    """``app`` behind the Host check and the security headers (outermost of all)."""
    return SecurityHeaders(HostGuard(app, settings))
