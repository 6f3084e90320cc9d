"""The frontier path mode on remote engines (``oxigraph serve`` and Virtuoso 7) gives the
embedded projection's answers: on the seed and on a random synthetic graph, with filters."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.generate import Generator
from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph
from tests.conftest import remote_settings

SEED_QUESTIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("hikvision", "naypyitaw-council", {"k": 3}),
    ("hikvision", "myanmar-government-authorities", {"include_disputed": True}),
    ("hikvision", "myanmar-government-authorities", {}),
    ("fisca", "dahua", {"direction": "out", "k": 2}),
    ("fisca", "naypyitaw-council", {"as_of": "2019-01-01", "k": 2}),
    ("dahua", "naypyitaw-council", {"entity_type": ["Organization"], "k": 2}),
]


def _engine_kg(request: pytest.FixtureRequest, **env: str) -> KnowledgeGraph:
    engine = request.getfixturevalue(
        "oxigraph_engine" if request.param == "oxigraph-server" else "virtuoso_engine"
    )
    return KnowledgeGraph.open(remote_settings(engine, SKG_PATHS="frontier", **env))


@pytest.fixture(scope="module", params=["oxigraph-server", "virtuoso"])
def remote_seed(request: pytest.FixtureRequest) -> Iterator[KnowledgeGraph]:
    """The seed in a freshly wiped engine, paths in frontier mode."""
    kg = _engine_kg(request)
    yield kg
    kg.close()


@pytest.fixture(scope="module")
def local_seed() -> Iterator[KnowledgeGraph]:
    kg = KnowledgeGraph.open(Settings(memory=True, paths_mode="projection"))
    yield kg
    kg.close()


def _without_mode(answer: dict[str, Any], mode: str) -> dict[str, Any]:
    assert answer.pop("mode") == mode
    assert answer.pop("capped_hubs") == []
    # each store names its own revision (a counter here, the engine's stamp there)
    assert isinstance(answer.pop("revision"), str)
    return answer


@pytest.mark.parametrize(("source", "target", "options"), SEED_QUESTIONS)
def test_remote_frontier_answers_equal_the_embedded_projection_on_the_seed(
    remote_seed: KnowledgeGraph,
    local_seed: KnowledgeGraph,
    source: str,
    target: str,
    options: dict[str, Any],
) -> None:
    walked = _without_mode(remote_seed.paths(source, target, **options), "frontier")
    assert walked == _without_mode(local_seed.paths(source, target, **options), "projection")
    assert remote_seed.cached_projection() is None


def test_remote_frontier_neighbourhoods_equal_the_embedded_ones(
    remote_seed: KnowledgeGraph, local_seed: KnowledgeGraph
) -> None:
    for entity in ("hikvision", "fisca"):
        remote = remote_seed.neighbors(entity, depth=2)
        local = local_seed.neighbors(entity, depth=2)
        assert isinstance(remote.pop("revision"), str)
        assert isinstance(local.pop("revision"), str)
        assert remote == local


@pytest.fixture(scope="module")
def synthetic_file(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data = tmp_path_factory.mktemp("synthetic") / "graph.nt"
    with data.open("w") as out:
        Generator(entities=500, relations=2000, seed=11).write(out)
    return data


@pytest.fixture(scope="module", params=["oxigraph-server", "virtuoso"])
def remote_synthetic(
    request: pytest.FixtureRequest, synthetic_file: Any
) -> Iterator[KnowledgeGraph]:
    kg = _engine_kg(request)
    kg.load([synthetic_file])
    yield kg
    kg.close()


@pytest.fixture(scope="module")
def local_synthetic(synthetic_file: Any) -> Iterator[KnowledgeGraph]:
    kg = KnowledgeGraph.open(Settings(memory=True, paths_mode="projection"))
    kg.load([synthetic_file])
    yield kg
    kg.close()


@pytest.mark.parametrize(
    "options", [{}, {"include_disputed": True, "k": 2}, {"direction": "out", "k": 3}]
)
def test_remote_frontier_answers_equal_the_embedded_projection_on_a_random_graph(
    remote_synthetic: KnowledgeGraph, local_synthetic: KnowledgeGraph, options: dict[str, Any]
) -> None:
    nodes = sorted(local_synthetic.projection().graph.nodes)
    rng = random.Random(len(options))
    connected = 0
    for _ in range(25):
        source, target = rng.sample(nodes, 2)
        local = _without_mode(local_synthetic.paths(source, target, **options), "projection")
        walked = _without_mode(remote_synthetic.paths(source, target, **options), "frontier")
        assert walked == local, (source, target)
        connected += bool(local["paths"])
    assert connected >= 5
