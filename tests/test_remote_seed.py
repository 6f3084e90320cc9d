"""The seed graph on a remote engine gives the same answers as on the embedded store: paths,
``show``, neighbours, search and exports, on ``oxigraph serve`` and on Virtuoso 7."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from supplychain_kg.config import Settings
from supplychain_kg.export import ExportRequest
from supplychain_kg.service import KnowledgeGraph
from tests.conftest import remote_settings


@pytest.fixture(scope="module", params=["oxigraph-server", "virtuoso"])
def remote_kg(request: pytest.FixtureRequest) -> Iterator[KnowledgeGraph]:
    """The seed graph loaded into a freshly wiped engine."""
    engine = request.getfixturevalue(
        "oxigraph_engine" if request.param == "oxigraph-server" else "virtuoso_engine"
    )
    kg = KnowledgeGraph.open(remote_settings(engine, SKG_STORE_PAGE_SIZE="50"))
    yield kg
    kg.close()


@pytest.fixture(scope="module")
def local_kg() -> Iterator[KnowledgeGraph]:
    kg = KnowledgeGraph.open(Settings(memory=True))
    yield kg
    kg.close()


def _export(kg: KnowledgeGraph, **request: Any) -> bytes:
    out = io.BytesIO()
    kg.export(ExportRequest(**request), out)
    return out.getvalue()


def test_the_seed_loads_whole(remote_kg: KnowledgeGraph, local_kg: KnowledgeGraph) -> None:
    assert len(remote_kg.store) == len(local_kg.store)
    assert remote_kg.store.read_metadata()["seeded"]


@pytest.mark.parametrize(
    ("source", "target", "options"),
    [
        ("hikvision", "naypyitaw-council", {"k": 3}),
        ("hikvision", "myanmar-government-authorities", {"include_disputed": True}),
        ("fisca", "dahua", {"direction": "out", "k": 2}),
    ],
)
def test_paths_are_the_same(
    remote_kg: KnowledgeGraph,
    local_kg: KnowledgeGraph,
    source: str,
    target: str,
    options: dict[str, Any],
) -> None:
    remote, local = (
        remote_kg.paths(source, target, **options),
        local_kg.paths(source, target, **options),
    )
    assert remote.pop("revision").startswith("e") and local.pop("revision").startswith("r")
    assert remote == local


@pytest.mark.parametrize("entity", ["hikvision", "fisca", "naypyitaw-council"])
def test_show_and_neighbors_are_the_same(
    remote_kg: KnowledgeGraph, local_kg: KnowledgeGraph, entity: str
) -> None:
    assert remote_kg.show(entity) == local_kg.show(entity)
    remote, local = remote_kg.neighbors(entity, depth=2), local_kg.neighbors(entity, depth=2)
    assert remote.pop("revision") != local.pop("revision")  # the engine's, the process's own
    assert remote == local


def test_search_is_the_same(remote_kg: KnowledgeGraph, local_kg: KnowledgeGraph) -> None:
    for text in ("hik vision", "Naypyitaw", "fisca"):
        assert remote_kg.search(text) == local_kg.search(text)


@pytest.mark.parametrize(
    "request_",
    [
        {"format": "nquads"},
        {"format": "graphml"},
        {"format": "cyjs", "around": "hikvision", "depth": 2},
        {"format": "turtle", "around": "fisca"},
    ],
    ids=["nquads", "graphml", "cyjs-around", "turtle-around"],
)
def test_exports_are_the_same(
    remote_kg: KnowledgeGraph, local_kg: KnowledgeGraph, request_: dict[str, Any]
) -> None:
    remote, local = _export(remote_kg, **request_), _export(local_kg, **request_)
    if request_["format"] == "nquads":  # the order of a dump is the engine's
        remote, local = (
            b"\n".join(sorted(remote.split(b"\n"))),
            b"\n".join(sorted(local.split(b"\n"))),
        )
    assert remote == local
