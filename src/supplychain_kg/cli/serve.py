"""``skg serve``: the HTTP API and the SPARQL endpoint, on a socket made before the process
leaves the network."""

from __future__ import annotations

import argparse
import importlib
import logging
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
    where = (
        f"cut off from the network ({isolation})"
        if isolation
        else "NOT cut off from the network: SERVICE and LOAD are refused by the parser alone"
    )
    url = f"http://{_url_host(settings.host)}:{sock.getsockname()[1]}/"
    config = server_config(app, settings, access_log=args.access_log)
    if args.access_log:
        access = logging.getLogger("uvicorn.access")
        access.setLevel(logging.INFO)
        for handler in access.handlers:  # uvicorn writes them on stdout: logs go to stderr
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sys.stderr)
    _run(config, sock, f"serving on {url} (Ctrl-C to stop); {where}")
    return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _run(config: Any, sock: socket.socket, ready: str) -> None:
    """Serve on ``sock`` until stopped; ``ready`` goes to stderr once connections are
    accepted (the app has started), not before."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and not self.should_exit:
                print(ready, file=sys.stderr, flush=True)

    Server(config).run(sockets=[sock])


def add_serve_command(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the HTTP API and SPARQL endpoint")
    p.add_argument("--host", help="address to bind (default: $SKG_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: $SKG_PORT or 8000; 0: any free one)")
    p.add_argument(
        "--access-log",
        action="store_true",
        help="log every request on stderr (method, path, status), as uvicorn writes it",
    )
    p.set_defaults(handler=cmd_serve)
