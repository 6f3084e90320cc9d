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

from supplychain_kg.errors import ConfigError
from supplychain_kg.namespaces import DEFAULT_BASE

__all__ = ["Settings", "default_store_dir", "graph_dir"]


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


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name, "")
    return tuple(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """Every setting of the CLI and the server.

    ``store_dir`` None with ``memory`` False means the default persistent store.
    """

    store_dir: Path | None = None
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
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``SKG_*`` environment variables, then apply ``overrides``.

        Overrides whose value is None are ignored, so CLI flags that were not given fall back
        to the environment.
        """
        env = os.environ if env is None else env
        store = env.get("SKG_STORE")
        base = env.get("SKG_BASE_IRI") or DEFAULT_BASE
        if not base.endswith(("/", "#")):
            raise ConfigError(
                f"Config 'SKG_BASE_IRI' has value {base!r}. Expected / or # at the end."
            )
        settings = cls(
            store_dir=Path(store).expanduser() if store else None,
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
        )
        given = {key: value for key, value in overrides.items() if value is not None}
        if "store_dir" in given:
            given["store_dir"] = Path(given["store_dir"]).expanduser()
        return replace(settings, **given)

    def resolved_store_dir(self) -> Path | None:
        """The on-disk store directory, or None for an in-memory store."""
        if self.memory:
            return None
        return self.store_dir or default_store_dir()
