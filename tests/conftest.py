"""Shared fixtures: fresh in-memory graphs and stores, and paths to the shared data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph
from tests.engines import Engine, running, virtuoso_missing

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SKG_SHARED_DIR") or ROOT.parent / "shared")
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def seeded_template() -> KnowledgeGraph:
    """One seeded in-memory graph for read-only tests (never write to it)."""
    return KnowledgeGraph.open(Settings(memory=True))


@pytest.fixture
def kg() -> Iterator[KnowledgeGraph]:
    """A fresh seeded in-memory graph per test."""
    graph = KnowledgeGraph.open(Settings(memory=True))
    yield graph
    graph.close()


@pytest.fixture
def disk_kg(tmp_path: Path) -> Iterator[KnowledgeGraph]:
    """A fresh seeded on-disk graph per test."""
    graph = KnowledgeGraph.open(Settings(store_dir=tmp_path / "store"))
    yield graph
    graph.close()


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"the shared data folder is missing: {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def small_kg() -> KnowledgeGraph:
    """The vocabulary plus tests/fixtures/paths-small.ttl only (read-only tests)."""
    from supplychain_kg.service import seed_files

    graph = KnowledgeGraph.open(Settings(memory=True, seed=False))
    graph.load([seed_files()[0], FIXTURES / "paths-small.ttl"])
    return graph


@pytest.fixture(scope="session")
def oxigraph_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """``oxigraph serve`` on a loopback port, for the whole session (wipe it before use)."""
    with running("oxigraph", tmp_path_factory.mktemp("oxigraph-server")) as engine:
        yield engine


@pytest.fixture(scope="session")
def virtuoso_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Virtuoso 7 on loopback ports, for the whole session (wipe it before use)."""
    if virtuoso_missing():
        if os.environ.get("CI"):
            pytest.fail("virtuoso-t is missing: scripts/system-deps installs virtuoso-opensource")
        pytest.skip("virtuoso-t is not installed (scripts/system-deps installs it)")
    with running("virtuoso", tmp_path_factory.mktemp("virtuoso")) as engine:
        yield engine


@pytest.fixture(scope="session")
def virtuoso_plain_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Virtuoso 7 without its full-text index switched on (wipe it before use)."""
    if virtuoso_missing():
        if os.environ.get("CI"):
            pytest.fail("virtuoso-t is missing: scripts/system-deps installs virtuoso-opensource")
        pytest.skip("virtuoso-t is not installed (scripts/system-deps installs it)")
    with running("virtuoso-plain", tmp_path_factory.mktemp("virtuoso-plain")) as engine:
        yield engine


def remote_settings(engine: Engine, **env: str) -> Settings:
    """Settings that point at ``engine`` (plus ``env`` settings), after wiping it."""
    engine.wipe()
    return Settings.from_env({**engine.env(), **env})
