"""Yen's algorithm with its spur searches cut short (``PathSearch.k_shortest``) returns what
the algorithm without the cut returns: the same paths in the same order, and the same answer
to "do more exist", on random graphs with hubs and every kind of filter."""

from __future__ import annotations

import random

import pytest

from supplychain_kg.paths import PathOptions, PathSearch

from .test_paths_vector import OPTIONS, _graph, _searches


def _yen(
    search: PathSearch, source: str, target: str, options: PathOptions, k: int
) -> tuple[list[list[str]], bool]:
    """Yen's algorithm as written before the cut: every spur search to its full length."""
    first = search.shortest(source, target, options)
    if first is None:
        return [], False
    found, candidates = [first], []
    while True:
        probing = len(found) >= k
        if probing and candidates:
            return found, True
        last = found[-1]
        for i in range(len(last) - 1):
            root = last[: i + 1]
            spur = search.shortest(
                root[-1],
                target,
                options,
                max_hops=options.max_hops - i,
                banned_nodes=set(root[:-1]),
                banned_hops={(p[i], p[i + 1]) for p in found if p[: i + 1] == root},
            )
            if spur is None:
                continue
            path = root[:-1] + spur
            if path not in candidates and path not in found:
                candidates.append(path)
                if probing:
                    return found, True
        if not candidates or probing:
            return found, False
        candidates.sort(key=len)
        found.append(candidates.pop(0))


@pytest.mark.parametrize("seed", [11, 12])
def test_cut_spur_searches_give_the_same_paths_and_the_same_more(seed: int) -> None:
    edges, types = _graph(seed, nodes=150, edges=700)
    old, new = _searches(edges, types)
    rng = random.Random(seed)
    nodes = sorted(new.nodes())
    more_seen = {True: 0, False: 0}
    for options in OPTIONS:
        for _ in range(12):
            a, b = rng.sample(nodes, 2)
            k = rng.choice([1, 2, 3, 5, 8])
            expected = _yen(new, a, b, options, k)
            assert new.k_shortest(a, b, options, k) == expected
            assert old.k_shortest(a, b, options, k) == expected
            if expected[0]:
                more_seen[expected[1]] += 1
    assert more_seen[True] and more_seen[False]  # both answers to "more exist" were checked


def test_more_exist_when_only_a_cut_search_could_find_them() -> None:
    """Two 2-hop paths and one 4-hop path: asked for two, the 4-hop one is past the cut
    (two candidates of 2 hops come first) yet says that more exist."""
    edges = [
        ("s", "a", "r0", 0),
        ("a", "t", "r0", 0),
        ("s", "b", "r0", 0),
        ("b", "t", "r0", 0),
        ("s", "c", "r0", 0),
        ("c", "d", "r0", 0),
        ("d", "e", "r0", 0),
        ("e", "t", "r0", 0),
    ]
    old, new = _searches(edges, {})
    options = PathOptions(direction="out")
    for search in (old, new):
        assert search.k_shortest("s", "t", options, 2) == (
            [["s", "a", "t"], ["s", "b", "t"]],
            True,
        )
        assert search.k_shortest("s", "t", options, 3) == (
            [["s", "a", "t"], ["s", "b", "t"], ["s", "c", "d", "e", "t"]],
            False,
        )
    assert _yen(new, "s", "t", options, 2)[1] is True
