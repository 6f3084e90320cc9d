"""The HTTP API (FastAPI). Build it with :func:`create_app`."""

from .app import create_app, server_config

__all__ = ["create_app", "server_config"]
