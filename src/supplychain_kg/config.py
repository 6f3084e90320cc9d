"""Settings, read once from flags and environment into one object.

Nothing else in the package reads ``os.environ``: the CLI builds a :class:`Settings` with
:meth:`Settings.from_env` and passes it down (to the store, to ``create_app()``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from supplychain_kg.errors import ConfigError
from supplychain_kg.namespaces import DEFAULT_BASE

__all__ = [
    "PATH_MODES",
    "REMOTE_PREFIX",
    "Settings",
    "default_store_dir",
    "graph_dir",
    "store_location",
]

PATH_MODES = ("auto", "projection", "frontier")
"""How path questions walk the graph (``SKG_PATHS``): ``projection`` (the whole graph in
memory), ``frontier`` (one hop at a time from the store) or ``auto`` (projection below
``SKG_PATHS_PROJECTION_LIMIT`` relations)."""


def graph_dir() -> Path:
    """Return the directory holding ``ontology.ttl``, ``shapes.ttl``, ``data/`` and ``queries/``.

    An installed wheel ships it inside the package (``supplychain_kg/graph``); a source checkout
    (``pip install -e .``) uses the repository's ``graph/``.
    """
    packaged = Path(str(resources.files("supplychain_kg"))) / "graph"
    if (packaged / "ontology.ttl").is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "graph"
    if (checkout / "ontology.ttl").is_file():
        return checkout
    raise ConfigError(
        f"cannot find the graph/ data: looked in {packaged} and {checkout}; reinstall the package"
    )


def default_store_dir() -> Path:
    """Return the persistent store's default directory in the user's data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("supplychain-kg", appauthor=False)) / "store"


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"Config {name!r} has value {raw!r}. Not a valid number.") from None
    if value <= 0:
        raise ConfigError(f"Config {name!r} has value {raw!r}. Expected a number above 0.")
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"Config {name!r} has value {raw!r}. Not a valid integer.") from None
    if value <= 0 or (value > 65535 and name.endswith("PORT")):
        raise ConfigError(f"Config {name!r} has value {raw!r}. Out of range.")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"Config {name!r} has value {raw!r}. Expected 1 or 0 (true or false).")


REMOTE_PREFIX = "sparql+"
"""``SKG_STORE`` / ``--store`` values that start with this name a remote SPARQL engine."""


def _url(name: str, raw: str) -> str:
    """An http(s) URL without credentials (they come from their own settings, never a URL
    that may be printed). The error never repeats a URL that holds credentials."""
    parts = urlsplit(raw)
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"Config {name!r} holds credentials in its URL. Put them in SKG_STORE_USER and "
            "SKG_STORE_PASSWORD, or SKG_STORE_TOKEN, instead."
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"Config {name!r} has value {raw!r}. Expected an http:// or https:// URL "
            "(e.g. sparql+http://127.0.0.1:8890/sparql for SKG_STORE)."
        )
    return raw


def store_location(name: str, raw: str) -> tuple[Path | None, str | None]:
    """A store setting read as (directory, None) or, for ``sparql+http(s)://...``, (None, the
    query endpoint's URL)."""
    if raw.startswith(REMOTE_PREFIX):
        return None, _url(name, raw[len(REMOTE_PREFIX) :])
    if raw.startswith(("http://", "https://")):
        raise ConfigError(
            f"Config {name!r} names a URL without 'sparql+' in front. Write "
            "sparql+http://host:port/path for a remote SPARQL engine."
        )
    return Path(raw).expanduser(), None


def _optional_url(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name)
    return _url(name, raw) if raw else None


def _credentials(env: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
    """(user, password, token) for the remote engine; basic or bearer, not both."""
    user = env.get("SKG_STORE_USER") or None
    password = env.get("SKG_STORE_PASSWORD") or None
    token = env.get("SKG_STORE_TOKEN") or None
    if (user is None) != (password is None):
        raise ConfigError(
            "Config 'SKG_STORE_USER' and 'SKG_STORE_PASSWORD' go together: set both "
            "(basic authentication) or neither."
        )
    if token is not None and user is not None:
        raise ConfigError(
            "Config 'SKG_STORE_TOKEN' and 'SKG_STORE_USER' are both set. Expected one kind of "
            "credentials: a bearer token or a user and password."
        )
    return user, password, token


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip() or choices[0]
    if raw not in choices:
        raise ConfigError(
            f"Config {name!r} has value {raw!r}. Expected one of: {', '.join(choices)}."
        )
    return raw


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name, "")
    return tuple(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """Every setting of the CLI and the server.

    ``store_dir`` None with ``memory`` False (and no ``store_url``) means the default
    persistent store. ``store_url`` (``SKG_STORE=sparql+http(s)://...``) is a remote SPARQL
    1.1 engine's query endpoint; its credentials are never shown (not in ``repr``).
    """

    store_dir: Path | None = None
    store_url: str | None = None
    """The remote engine's SPARQL query endpoint (the URL after ``sparql+``)."""
    update_url: str | None = None
    """Its update endpoint (``SKG_UPDATE_URL``; default: the query URL)."""
    graph_store_url: str | None = None
    """Its Graph Store endpoint (``SKG_GRAPH_STORE_URL``; default: none, data is sent as
    SPARQL updates)."""
    store_user: str | None = field(default=None, repr=False)
    store_password: str | None = field(default=None, repr=False)
    store_token: str | None = field(default=None, repr=False)
    store_timeout: float = 600.0
    """Seconds a request to the remote engine may take (``SKG_STORE_TIMEOUT``): reads of the
    whole graph and loads; an endpoint query stops waiting at ``query_timeout``."""
    store_page_size: int = 100_000
    """Rows per page when the graph is read from a remote engine (``SKG_STORE_PAGE_SIZE``)."""
    memory: bool = False
    base_iri: str = DEFAULT_BASE
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 30.0
    result_cap: int = 100_000
    write_token: str | None = None
    cors_origins: tuple[str, ...] = ()
    """Origins whose web pages may read answers (CORS); none by default, ``*`` for any."""
    service_allowlist: tuple[str, ...] = ()
    query_workers: int = 2
    sparql_accel: bool = True
    seed: bool = True
    allowed_hosts: tuple[str, ...] = ()
    """Host names the server answers besides the loopback names (DNS rebinding guard)."""
    max_query_bytes: int = 1 << 20
    """The longest query text (GET or POST /sparql, /export?construct=) in bytes."""
    max_update_bytes: int = 16 << 20
    """The largest SPARQL update body (POST /update) in bytes."""
    max_upload_bytes: int = 256 << 20
    """The largest Graph Store body (PUT/POST /store) in bytes."""
    max_query_depth: int = 64
    """The deepest nesting of brackets in a query or update (the engine's parser recurses)."""
    max_query_tokens: int = 5_000
    """The most tokens in a query or update outside its ground data (INSERT DATA, VALUES)."""
    max_literal_bytes: int = 1 << 20
    """The longest literal a load, import or Graph Store write may hold, in bytes."""
    max_nesting: int = 128
    """The deepest nesting in a file being loaded or imported (JSON, JSON-LD, RDF/XML, ...)."""
    query_memory: int = 1 << 30
    """The heap each query worker process may use, in bytes (past it the query is stopped)."""
    paths_mode: str = "auto"
    """How path questions walk the graph (``SKG_PATHS``, one of :data:`PATH_MODES`)."""
    paths_projection_limit: int = 2_000_000
    """In ``auto`` mode, the direct relations below which paths use the in-memory
    projection (``SKG_PATHS_PROJECTION_LIMIT``); at or above it, the frontier mode."""
    paths_hub_limit: int = 10_000
    """Neighbours past which the frontier mode does not walk through an entity
    (``SKG_PATHS_HUB_LIMIT``)."""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``SKG_*`` environment variables, then apply ``overrides``.

        Overrides whose value is None are ignored, so CLI flags that were not given fall back
        to the environment.
        """
        env = os.environ if env is None else env
        store_dir, store_url = store_location("SKG_STORE", env.get("SKG_STORE") or "")
        if store_dir == Path(""):
            store_dir = None
        user, password, token = _credentials(env)
        base = env.get("SKG_BASE_IRI") or DEFAULT_BASE
        if not base.endswith(("/", "#")):
            raise ConfigError(
                f"Config 'SKG_BASE_IRI' has value {base!r}. Expected / or # at the end."
            )
        settings = cls(
            store_dir=store_dir,
            store_url=store_url,
            update_url=_optional_url(env, "SKG_UPDATE_URL"),
            graph_store_url=_optional_url(env, "SKG_GRAPH_STORE_URL"),
            store_user=user,
            store_password=password,
            store_token=token,
            store_timeout=_float(env, "SKG_STORE_TIMEOUT", 600.0),
            store_page_size=_int(env, "SKG_STORE_PAGE_SIZE", 100_000),
            base_iri=base,
            host=env.get("SKG_HOST") or "127.0.0.1",
            port=_int(env, "SKG_PORT", 8000),
            query_timeout=_float(env, "SKG_QUERY_TIMEOUT", 30.0),
            result_cap=_int(env, "SKG_RESULT_CAP", 100_000),
            write_token=env.get("SKG_WRITE_TOKEN") or None,
            cors_origins=_list(env, "SKG_CORS_ORIGINS"),
            service_allowlist=_list(env, "SKG_SERVICE_ALLOWLIST"),
            query_workers=_int(env, "SKG_QUERY_WORKERS", 2),
            sparql_accel=_bool(env, "SKG_SPARQL_ACCEL", True),
            allowed_hosts=_list(env, "SKG_ALLOWED_HOSTS"),
            max_query_bytes=_int(env, "SKG_MAX_QUERY_BYTES", 1 << 20),
            max_update_bytes=_int(env, "SKG_MAX_UPDATE_BYTES", 16 << 20),
            max_upload_bytes=_int(env, "SKG_MAX_UPLOAD_BYTES", 256 << 20),
            max_query_depth=_int(env, "SKG_MAX_QUERY_DEPTH", 64),
            max_query_tokens=_int(env, "SKG_MAX_QUERY_TOKENS", 5_000),
            max_literal_bytes=_int(env, "SKG_MAX_LITERAL_BYTES", 1 << 20),
            max_nesting=_int(env, "SKG_MAX_NESTING", 128),
            query_memory=_int(env, "SKG_QUERY_MEMORY", 1 << 30),
            paths_mode=_choice(env, "SKG_PATHS", PATH_MODES),
            paths_projection_limit=_int(env, "SKG_PATHS_PROJECTION_LIMIT", 2_000_000),
            paths_hub_limit=_int(env, "SKG_PATHS_HUB_LIMIT", 10_000),
        )
        given = {key: value for key, value in overrides.items() if value is not None}
        if "store_dir" in given:
            given["store_dir"], given["store_url"] = store_location(
                "--store", str(given["store_dir"])
            )
        return replace(settings, **given)

    @property
    def remote_store(self) -> bool:
        """Whether the store is a remote SPARQL engine (the process must reach it)."""
        return self.store_url is not None and not self.memory

    def resolved_store_dir(self) -> Path | None:
        """The on-disk store directory, or None for an in-memory or remote store."""
        if self.memory or self.store_url is not None:
            return None
        return self.store_dir or default_store_dir()
