"""The frontier path mode (one hop at a time from the store) gives the projection's answers:
on the seed, on the tiny filter graph and on a random synthetic graph, with every filter; it
reads only the part of the graph a question explores, and reports the hubs it caps."""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import Generator
from supplychain_kg.config import Settings
from supplychain_kg.errors import ConfigError, InvalidParameterError, UnknownEntityError
from supplychain_kg.namespaces import SKG
from supplychain_kg.paths import frontier as frontier_module
from supplychain_kg.paths import lookup_reference, parse_options
from supplychain_kg.paths import walker as walker_module
from supplychain_kg.service import KnowledgeGraph, seed_files
from tests.conftest import FIXTURES

OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"k": 5},
    {"include_disputed": True, "k": 3},
    {"direction": "out", "k": 2},
    {"direction": "in"},
    {"relation": ["sourcesFrom", "suppliesTo", "wonTender", "issuedBy"], "k": 2},
    {"exclude_relation": ["locatedIn"], "max_hops": 4},
    {"entity_type": ["Organization"], "k": 2},
    {"as_of": "2019-01-01", "k": 2},
    {"as_of": "2021-06-01", "include_disputed": True},
    {"max_hops": 2, "k": 4},
]


def _same(kg: KnowledgeGraph, source: str, target: str, **options: Any) -> dict[str, Any]:
    """Both modes' answers to one question, checked equal but for the mode they name."""
    projected = kg.paths(source, target, mode="projection", **options)
    walked = kg.paths(source, target, mode="frontier", **options)
    assert projected.pop("mode") == "projection"
    assert walked.pop("mode") == "frontier"
    assert projected.pop("capped_hubs") == walked.pop("capped_hubs") == []
    assert walked == projected, (source, target, options)
    return projected


def _entities(kg: KnowledgeGraph) -> list[str]:
    return sorted(kg.projection().graph.nodes)


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(o) or "defaults")
def test_frontier_answers_equal_projection_answers_on_the_seed(
    seeded_template: KnowledgeGraph, options: dict[str, Any]
) -> None:
    nodes = _entities(seeded_template)
    rng = random.Random(13)
    found = 0
    for _ in range(40):
        source, target = rng.sample(nodes, 2)
        found += bool(_same(seeded_template, source, target, **options)["paths"])
    if not options.get("entity_type") and options.get("relation") is None:
        assert found, "no question with a path: the comparison proves little"


@pytest.mark.parametrize(
    ("source", "target", "options"),
    [
        ("hikvision", "naypyitaw-council", {"k": 3}),
        ("hikvision", "myanmar-government-authorities", {"include_disputed": True}),
        ("fisca", "dahua", {"direction": "out", "k": 2}),
        ("hikvision", "myanmar-government-authorities", {}),  # no path: the reason and hints
    ],
)
def test_frontier_answers_the_seed_questions_of_the_readme(
    seeded_template: KnowledgeGraph, source: str, target: str, options: dict[str, Any]
) -> None:
    _same(seeded_template, source, target, **options)


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(o) or "defaults")
def test_frontier_answers_equal_projection_answers_on_the_filter_graph(
    small_kg: KnowledgeGraph, options: dict[str, Any]
) -> None:
    nodes = [n for n in _entities(small_kg) if "/pa-" in n]
    for source in nodes:
        for target in nodes:
            if source != target:
                _same(small_kg, source, target, **options)


@pytest.fixture(scope="module")
def synthetic_kg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeGraph]:
    """A random synthetic graph (skewed degrees, denied and disputed relations)."""
    data = tmp_path_factory.mktemp("synthetic") / "graph.nt"
    with data.open("w") as out:
        Generator(entities=600, relations=2400, seed=5).write(out)
    kg = KnowledgeGraph.open(Settings(memory=True, seed=False))
    kg.load([seed_files()[0], data])
    yield kg
    kg.close()


@pytest.mark.parametrize(
    "options",
    [{}, {"k": 4}, {"include_disputed": True, "k": 2}, {"direction": "out"}, {"max_hops": 3}],
    ids=lambda o: ",".join(o) or "defaults",
)
def test_frontier_answers_equal_projection_answers_on_a_random_graph(
    synthetic_kg: KnowledgeGraph, options: dict[str, Any]
) -> None:
    nodes = _entities(synthetic_kg)
    rng = random.Random(len(options))
    for _ in range(60):
        source, target = rng.sample(nodes, 2)
        _same(synthetic_kg, source, target, **options)


def test_frontier_neighbourhoods_equal_projection_ones(seeded_template: KnowledgeGraph) -> None:
    for entity in ("hikvision", "fisca", "naypyitaw-council"):
        for options in ({}, {"include_disputed": True, "direction": "out"}):
            walked = seeded_template.neighbors(entity, depth=2, mode="frontier", **options)
            projected = seeded_template.neighbors(entity, depth=2, mode="projection", **options)
            assert walked == projected


def test_frontier_reads_only_what_the_question_explores(synthetic_kg: KnowledgeGraph) -> None:
    options = parse_options(synthetic_kg.ontology, max_hops=3)
    nodes = _entities(synthetic_kg)
    source, target = nodes[10], nodes[20]
    frontier = synthetic_kg.frontier((source, target))
    frontier.k_shortest(source, target, options, 1)
    assert 0 < len(frontier.expanded) < len(nodes) / 2
    assert frontier.queries <= 8


def test_frontier_reads_a_layer_only_as_far_as_the_walk_gets(
    synthetic_kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each layer is read as the walk steps into it, a few entities at a time (here 2, then
    4, ...: this graph's layers are small): every entity a walk steps from has been read, and
    a walk that meets the other side early in a layer leaves the rest of the layer unread."""
    monkeypatch.setattr(frontier_module, "FIRST_READ", 2)
    nodes = _entities(synthetic_kg)
    options = parse_options(synthetic_kg.ontology)
    rng = random.Random(5)
    in_layers = read = 0
    walked: set[str] = set()
    stepped: list[bool] = []
    for _ in range(20):
        source, target = rng.sample(nodes, 2)
        frontier = synthetic_kg.frontier((source, target))
        walked.clear()
        walked.update((source, target))
        layer, step = frontier._layer, frontier._step

        def remember(nodes: list[str], layer: Any = layer) -> None:
            walked.update(nodes)
            layer(nodes)

        def stepping(
            node: str, options: Any, backward: bool = False, step: Any = step, at: Any = frontier
        ) -> Any:
            found = step(node, options, backward)
            stepped.append(node in at.expanded)
            return found

        frontier._layer = remember  # type: ignore[method-assign]
        frontier._step = stepping  # type: ignore[method-assign]
        frontier.shortest(source, target, options)
        assert all(stepped)
        in_layers += len(walked)
        read += len(frontier.expanded)
    assert read < in_layers * 0.8, (read, in_layers)


def test_well_connected_entities_are_read_once_per_revision(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rows of an entity with many of them are kept for the later questions of the same
    store revision (they are not asked for again, and the answers stay the projection's);
    after a write they are read afresh."""
    monkeypatch.setattr(walker_module, "KEPT_ROWS", 3)
    small_kg = KnowledgeGraph.open(Settings(memory=True, seed=False))
    small_kg.load([seed_files()[0], FIXTURES / "paths-small.ttl"])
    nodes = _entities(small_kg)
    rng = random.Random(11)
    pairs = [tuple(rng.sample(nodes, 2)) for _ in range(15)]
    asked: list[str] = []
    real = walker_module._around_query

    def recording(entities: list[str], relations: frozenset[str]) -> str:
        asked.extend(entities)
        return real(entities, relations)

    monkeypatch.setattr(walker_module, "_around_query", recording)
    for source, target in pairs:
        _same(small_kg, source, target)
    first = list(asked)
    kept = {key[1] for key in small_kg.frontier().cache if key[0] == "around"}
    assert kept, "nothing kept: the test proves little"
    asked.clear()
    for source, target in pairs:
        _same(small_kg, source, target)
    assert not kept & set(asked)
    assert len(asked) < len(first)
    small_kg.store.update(f'INSERT DATA {{ <{nodes[0]}> <{SKG}note> "a write" }}')
    asked.clear()
    for source, target in pairs:
        _same(small_kg, source, target)
    assert kept & set(asked)
    small_kg.close()


def test_frontier_reads_the_types_with_the_edges(synthetic_kg: KnowledgeGraph) -> None:
    """The layer query brings the types of every entity it reaches: a whole answer (with
    the default hub filter, which needs every neighbour's type) sends no type query of its
    own, and the types read are the projection's."""
    nodes = _entities(synthetic_kg)
    projected = synthetic_kg.projection().types()
    sent: list[str] = []
    store = synthetic_kg.store
    real = store.query

    def recording(sparql: str, **kw: Any) -> Any:
        sent.append(sparql)
        return real(sparql, **kw)

    store.query = recording  # type: ignore[method-assign]
    try:
        rng = random.Random(3)
        for _ in range(10):
            source, target = rng.sample(nodes, 2)
            walked = synthetic_kg.paths(source, target, mode="frontier")
            assert not [q for q in sent if q.lstrip().startswith("SELECT ?x ?t")]
            sent.clear()
            frontier = synthetic_kg.frontier((source, target))
            frontier.k_shortest(source, target, parse_options(synthetic_kg.ontology), 2)
            assert frontier.types() == {n: projected[n] for n in frontier.graph if n in projected}
            assert not [q for q in sent if q.lstrip().startswith("SELECT ?x ?t")]
            assert walked["paths"], "no path: the test proves little"
    finally:
        del store.query


def test_hubs_past_the_limit_are_capped_and_listed(tmp_path: Path) -> None:
    settings = Settings(memory=True, seed=False, paths_hub_limit=3, paths_mode="frontier")
    kg = KnowledgeGraph.open(settings)
    kg.load([seed_files()[0], FIXTURES / "paths-small.ttl"])
    try:
        full = kg.projection()
        capped_any = False
        for source in _entities(kg):
            for target in _entities(kg):
                if source == target:
                    continue
                answer = kg.paths(source, target, k=2)
                assert answer["mode"] == "frontier"
                hubs = {hub["iri"]: hub["neighbours"] for hub in answer["capped_hubs"]}
                capped_any = capped_any or bool(hubs)
                for hub, count in hubs.items():
                    assert count == full.degree(hub) > 3
                    assert hub not in (answer["source"]["iri"], answer["target"]["iri"])
                for path in answer["paths"]:
                    iris = [node["iri"] for node in path["nodes"]]
                    assert not set(iris[1:-1]) & set(hubs) - _meeting_points(iris, hubs)
                    for a, b in pairwise(iris):  # every hop is a real edge
                        assert full.graph.has_edge(a, b) or full.graph.has_edge(b, a)
        assert capped_any, "the limit capped nothing: the test proves little"
    finally:
        kg.close()


def _meeting_points(iris: list[str], hubs: dict[str, int]) -> set[str]:
    """A capped hub may be where the two searches met: at most one per path."""
    inside = [n for n in iris[1:-1] if n in hubs]
    assert len(inside) <= 1, iris
    return set(inside)


def test_auto_mode_picks_by_the_number_of_relations(small_kg: KnowledgeGraph) -> None:
    count = small_kg.relation_count(small_kg.store.revision)
    assert count > 0
    low = KnowledgeGraph.open(Settings(memory=True, paths_projection_limit=1))
    high = KnowledgeGraph.open(Settings(memory=True, paths_projection_limit=10**9))
    try:
        assert low.path_mode() == "frontier"
        assert low.paths("hikvision", "naypyitaw-council")["mode"] == "frontier"
        assert low.cached_projection() is None  # the frontier never builds the projection
        assert high.path_mode() == "projection"
        assert high.paths("hikvision", "naypyitaw-council")["mode"] == "projection"
        assert low.path_mode("projection") == "projection"
    finally:
        low.close()
        high.close()


def test_a_bad_mode_is_refused_with_its_name(seeded_template: KnowledgeGraph) -> None:
    with pytest.raises(InvalidParameterError, match="'sideways' is not a path mode"):
        seeded_template.paths("hikvision", "fisca", mode="sideways")
    with pytest.raises(ConfigError, match=r"SKG_PATHS.*'fast'"):
        Settings.from_env({"SKG_PATHS": "fast"})
    assert Settings.from_env({"SKG_PATHS": "frontier"}).paths_mode == "frontier"


def test_frontier_looks_ids_and_iris_up_without_the_name_index() -> None:
    kg = KnowledgeGraph.open(Settings(memory=True, paths_mode="frontier"))
    try:
        iri = "https://w3id.org/supplychain-kg/id/hikvision"
        for reference in ("hikvision", iri, f"<{iri}>", f"  {iri} "):
            answer = kg.paths(reference, "naypyitaw-council", k=1)
            assert answer["source"]["iri"] == iri
        assert kg._index is None  # no name index was read for ids and IRIs
        assert kg.paths("Hik Vision", "naypyitaw-council", k=1)["source"]["iri"] == iri
        assert kg._index is not None  # a name needs it
    finally:
        kg.close()


@pytest.mark.parametrize(
    "reference",
    ['hikvision" } UNION { ?x ?p ?o', "x:y> } ; DROP ALL ; ASK { <a", "urn:a b", ""],
)
def test_a_reference_cannot_break_out_of_the_lookup(
    seeded_template: KnowledgeGraph, reference: str
) -> None:
    classes = seeded_template.ontology.closure("https://w3id.org/supplychain-kg/ontology#Entity")
    assert lookup_reference(seeded_template.store, reference, classes) is None
    with pytest.raises((UnknownEntityError, InvalidParameterError)):
        seeded_template.paths(reference, "fisca", mode="frontier")
