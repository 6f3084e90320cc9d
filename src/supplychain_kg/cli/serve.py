"""``skg serve``: the HTTP API and the SPARQL endpoint, on a socket made before the process
leaves the network."""

from __future__ import annotations

import argparse
import importlib
import socket
import sys
from types import ModuleType
from typing import Any

from supplychain_kg.cli.output import open_graph
from supplychain_kg.config import Settings
from supplychain_kg.errors import SkgError

__all__ = ["add_serve_command", "cmd_serve", "http_layer"]


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (made before the process leaves the
    network: it keeps working afterwards)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        raise SkgError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(False)
    return sock


def http_layer() -> ModuleType:
    """The HTTP layer: ``supplychain_kg.api`` in an installed wheel, the repository's
    top-level ``api`` package in a source checkout (an editable install)."""
    try:
        return importlib.import_module("supplychain_kg.api")
    except ModuleNotFoundError as exc:
        if exc.name != "supplychain_kg.api":
            raise
    return importlib.import_module("api")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from supplychain_kg.sparql import isolate_network

    api = http_layer()
    create_app, server_config = api.create_app, api.server_config

    sock = _listen(settings.host, settings.port)
    # Leave the network before the store opens (its threads) and the query workers start
    # (they inherit it). An allow-listed SERVICE endpoint must stay reachable, and so must a
    # remote store's engine: then the query guard alone stands between a query and a fetch.
    reach = settings.service_allowlist or settings.remote_store
    isolation = "" if reach else isolate_network()
    kg = open_graph(args, settings)
    app = create_app(settings, kg=kg)
    print(
        f"serving on http://{settings.host}:{sock.getsockname()[1]}/ (Ctrl-C to stop); "
        + (
            f"cut off from the network ({isolation})"
            if isolation
            else "NOT cut off from the network: SERVICE and LOAD are refused by the parser alone"
        ),
        file=sys.stderr,
    )
    uvicorn.Server(server_config(app, settings)).run(sockets=[sock])
    return 0


def add_serve_command(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the HTTP API and SPARQL endpoint")
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.set_defaults(handler=cmd_serve)
