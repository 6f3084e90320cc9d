"""Speaking to a remote engine over HTTP: the SPARQL 1.1 Query and Update protocols and the
Graph Store protocol's POST, with time limits, credentials and readable errors.

Credentials (``SKG_STORE_USER``/``SKG_STORE_PASSWORD`` for basic authentication,
``SKG_STORE_TOKEN`` for a bearer token) go into the request headers only: no error message and
no log line holds them (httpx's errors do not print headers, the endpoint URLs cannot hold
credentials (``config.py`` refuses them), and an engine's own error text is cut short and shown
only for refused queries, which never carry them). Requests ignore proxy and ``.netrc``
settings of the environment (``trust_env=False``): the engine is reached directly.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpcore
import httpx

from supplychain_kg.errors import QueryError, QueryTimeoutError, StoreError, StoreUnavailableError

__all__ = ["Client", "Endpoints", "shown"]

log = logging.getLogger(__name__)

_ERROR_CHARS = 400
"""How much of an engine's error text a message shows."""


@dataclass(frozen=True)
class Endpoints:
    """Where the engine answers, and how to authenticate (never shown: ``repr=False``)."""

    query: str
    update: str
    graph_store: str | None = None
    user: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    def auth(self) -> httpx.Auth | None:
        if self.user is not None and self.password is not None:
            return httpx.BasicAuth(self.user, self.password)
        return None

    def headers(self) -> dict[str, str]:
        headers = {"User-Agent": "supplychain-kg"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers


def shown(url: str) -> str:
    """A URL as an error message may show it: scheme, host, port and path only."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


_VIRTUOSO_LINE = re.compile(r"SPARQL compiler, line (\d+): (.*)")


def _engine_text(response: httpx.Response) -> str:
    """The first lines of an engine's error answer, without the query it may echo."""
    text = response.text.strip()
    text = text.split("\n\nSPARQL query:", 1)[0].strip()  # Virtuoso repeats the query
    found = _VIRTUOSO_LINE.search(text)
    if found:
        text = f"line {found.group(1)}: {found.group(2)}"
    return text[:_ERROR_CHARS] + ("..." if len(text) > _ERROR_CHARS else "")


_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)
"""Linux only: acknowledge what arrives at once instead of up to 40 ms later."""


class _QuickAckStream(httpcore.NetworkStream):
    """A connection that acknowledges every answer's bytes as they arrive (see
    :class:`_QuickAckBackend`)."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        sock = self._stream.get_extra_info("socket")
        if sock is not None and _QUICKACK is not None:
            with contextlib.suppress(OSError):  # not a TCP socket: nothing to hurry
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        return self._stream.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _QuickAckStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _QuickAckBackend(httpcore.NetworkBackend):
    """Connections that acknowledge answers at once (``TCP_QUICKACK`` before every read).

    A kept-alive connection soon leaves Linux's quick-acknowledgement mode: the client then
    acknowledges the engine's bytes up to 40 ms late, and an engine that writes an answer in
    several pieces with Nagle's algorithm on (Virtuoso 7 does) holds the last piece back
    until that acknowledgement comes. Measured on one kept-alive connection to Virtuoso, a
    58 kB answer took 60-110 ms from the third request on instead of 10 ms; this put 40 ms or
    more on many of a frontier path's requests.
    """

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _QuickAckStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return self._backend.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """httpx's transport with its connection pool on :class:`_QuickAckBackend` (httpx keeps
    the pool it sends through in ``_pool``; without it, httpx's own pool is kept)."""
    transport = httpx.HTTPTransport(limits=limits)
    if hasattr(transport, "_pool"):
        transport._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_QuickAckBackend(),
        )
    return transport


class Client:
    """One engine's endpoints over a pooled HTTP client (thread-safe)."""

    def __init__(self, endpoints: Endpoints, *, timeout: float) -> None:
        self.endpoints = endpoints
        self.timeout = timeout
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=10.0),
            auth=endpoints.auth(),
            headers=endpoints.headers(),
            trust_env=False,
            follow_redirects=False,
            transport=_transport(httpx.Limits(max_connections=32, max_keepalive_connections=16)),
        )

    def close(self) -> None:
        self._http.close()

    # -- the protocols -----------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        accept: str,
        *,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> tuple[bytes, str]:
        """POST a query (form-encoded); return the answer's bytes and media type."""
        form: list[tuple[str, str]] = [("query", sparql)]
        form += [("default-graph-uri", g) for g in default_graphs]
        form += [("named-graph-uri", g) for g in named_graphs]
        if base_iri is not None:
            form.append(("base-uri", base_iri))
        response = self._send(
            "query", self.endpoints.query, data=form, accept=accept, timeout=timeout
        )
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        return response.content, media

    def update(self, sparql: str, *, timeout: float | None = None) -> None:
        """POST an update (form-encoded)."""
        self._send("update", self.endpoints.update, data=[("update", sparql)], timeout=timeout)

    def post_graph(self, graph: str, body: bytes, media_type: str) -> None:
        """Graph Store protocol: add ``body`` (RDF) to ``graph``."""
        assert self.endpoints.graph_store is not None
        self._send(
            "graph",
            self.endpoints.graph_store,
            params={"graph": graph},
            content=body,
            content_type=media_type,
        )

    # -- one request -------------------------------------------------------------------------

    def _send(
        self,
        what: str,
        url: str,
        *,
        data: Iterable[tuple[str, str]] | None = None,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        headers = {}
        if accept:
            headers["Accept"] = accept
        if content_type:
            headers["Content-Type"] = content_type
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            content = urlencode(list(data)).encode("ascii")
        try:
            response = self._http.post(
                url,
                params=params,
                content=content,
                headers=headers,
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
            )
        except httpx.TimeoutException:
            raise QueryTimeoutError(
                f"the SPARQL engine at {shown(url)} did not answer the {what} in time"
            ) from None
        except httpx.HTTPError as exc:
            raise StoreUnavailableError(
                f"cannot reach the SPARQL engine at {shown(url)}: {exc or type(exc).__name__}"
            ) from None
        if response.status_code >= 300:
            raise _failure(what, url, response)
        return response


def _failure(what: str, url: str, response: httpx.Response) -> StoreError | QueryError:
    status = response.status_code
    where = shown(url)
    if status in (401, 403):
        return StoreError(
            f"the SPARQL engine at {where} refused the {what} (HTTP {status}): check the "
            "credentials in SKG_STORE_USER/SKG_STORE_PASSWORD or SKG_STORE_TOKEN, and that "
            "this user may write (on Virtuoso: GRANT SPARQL_UPDATE)"
        )
    if status == 404:
        return StoreError(f"no SPARQL {what} endpoint at {where} (HTTP 404)")
    text = _engine_text(response)
    if status == 400 or "syntax error" in text.lower() or " SP030" in text:
        return QueryError(f"the SPARQL engine refused the {what}: {text}")
    if "SR325" in text:  # Virtuoso: one transaction's changes past TransactionAfterImageLimit
        text += " (raise TransactionAfterImageLimit in virtuoso.ini above the largest load)"
    log.warning("the SPARQL engine at %s failed (HTTP %s): %s", where, status, text)
    return StoreError(f"the SPARQL engine at {where} failed on the {what} (HTTP {status}): {text}")
