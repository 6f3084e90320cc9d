"""The layer-at-a-time search over numpy arrays (``paths/vector_search.py``) finds exactly
the paths the networkx search finds, on graphs big enough for layers of many nodes, with
hubs, classes, ``via``, banned nodes and banned hops (Yen's spur searches), and keeps doing
so as its per-search marks are reused and wrap around."""

from __future__ import annotations

import random
from typing import Any

import pytest

from supplychain_kg.paths import PathOptions, PathSearch
from supplychain_kg.paths import vector_search as vector
from supplychain_kg.paths.compact_search import CompactSearch

from .test_paths_compact import _pair

RELATIONS = ("r0", "r1", "r2")


def _graph(seed: int, nodes: int = 400, edges: int = 2400) -> tuple[list[Any], dict[str, Any]]:
    """Random edges, a few nodes taking a large share of them (hubs), random classes."""
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(nodes)]
    hubs = names[:6]
    made = []
    for _ in range(edges):
        s = rng.choice(hubs) if rng.random() < 0.2 else rng.choice(names)
        o = rng.choice(hubs) if rng.random() < 0.2 else rng.choice(names)
        made.append((s, o, rng.choice(RELATIONS), rng.choice((0, 0, 0, 1, 2))))
    types = {n: frozenset({"Hub"}) for n in hubs}
    types.update({n: frozenset({"Company"}) for n in names[6:] if rng.random() < 0.7})
    return made, types


def _searches(edges: list[Any], types: dict[str, Any]) -> tuple[PathSearch, CompactSearch]:
    """The networkx search and the compact one over the same edges and classes."""
    return _pair(edges, types, {})


OPTIONS = [
    PathOptions(),
    PathOptions(direction="out", max_hops=6),
    PathOptions(direction="in", include_disputed=True),
    PathOptions(avoid_types=frozenset({"Hub"})),
    PathOptions(avoid_types=frozenset({"Hub"}), via=frozenset({"n2"})),
    PathOptions(entity_types=frozenset({"Company"}), relations=frozenset({"r0", "r1"})),
    PathOptions(exclude=frozenset({"r2"}), max_hops=3),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_layered_search_finds_the_networkx_searchs_paths(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    edges, types = _graph(seed)
    old, new = _searches(edges, types)
    calls = []
    search = vector.vector_search

    def counted(*args: Any, **kwargs: Any) -> list[int] | None:
        calls.append(1)
        return search(*args, **kwargs)

    monkeypatch.setattr(vector, "vector_search", counted)
    rng = random.Random(seed)
    nodes = sorted(new.nodes())
    for options in OPTIONS:
        for _ in range(25):
            a, b = rng.sample(nodes, 2)
            assert new.shortest(a, b, options) == old.shortest(a, b, options)
            banned = set(rng.sample(nodes, 20))
            hops = {(a, n) for n in rng.sample(nodes, 30)}
            assert new.shortest(a, b, options, banned_nodes=banned, banned_hops=hops) == (
                old.shortest(a, b, options, banned_nodes=banned, banned_hops=hops)
            )
        for _ in range(4):
            a, b = rng.sample(nodes, 2)
            assert new.k_shortest(a, b, options, 6) == old.k_shortest(a, b, options, 6)
            for n in nodes[:8]:
                assert new.hops(a, n, options) == old.hops(a, n, options)
    assert len(calls) > 300  # the searches above took the layered search


def test_marks_that_wrap_around_start_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    edges, types = _graph(4, nodes=120, edges=500)
    old, new = _searches(edges, types)
    nodes = sorted(new.nodes())
    pairs = [(nodes[i], nodes[-1 - i]) for i in range(30)]
    expected = [old.shortest(a, b, PathOptions()) for a, b in pairs]
    assert [new.shortest(a, b, PathOptions()) for a, b in pairs] == expected
    arrays = vector._arrays(new.compact)
    marks = arrays.take()
    marks.stamp = (1 << 31) - 20  # the next searches' stamps pass the int32 limit
    arrays.give(marks)
    for _ in range(3):
        assert [new.shortest(a, b, PathOptions()) for a, b in pairs] == expected
    assert marks.stamp < 1 << 20


def test_nodes_added_after_the_rows_were_laid_out_have_no_edges_there() -> None:
    edges, types = _graph(5, nodes=60, edges=200)
    old, new = _searches(edges, types)
    graph = new.compact
    before = new.shortest("n10", "n20", PathOptions())
    fresh = graph.intern("late")  # as a patch interns a new entity
    assert graph.ids["late"] == fresh
    arrays = vector._arrays(graph)
    assert arrays.nodes == len(graph.iris)
    assert int(arrays.out.start[fresh + 1] - arrays.out.start[fresh]) == 0
    assert (
        new.shortest("n10", "n20", PathOptions())
        == before
        == old.shortest("n10", "n20", PathOptions())
    )
