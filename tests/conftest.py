"""Shared fixtures: fresh in-memory graphs and stores, and paths to the shared data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph

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
