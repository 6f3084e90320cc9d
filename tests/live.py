"""Run the app on a free loopback port for tests that speak real HTTP."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from api import create_app, server_config
from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(settings: Settings, kg: KnowledgeGraph | None = None) -> Iterator[str]:
    """Serve ``create_app(settings)`` with uvicorn in a thread; yield its base URL."""
    port = free_port()
    graph = kg or KnowledgeGraph.open(settings)
    app = create_app(settings, kg=graph)
    config = server_config(app, settings, host="127.0.0.1", port=port, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if kg is None:
            graph.close()
