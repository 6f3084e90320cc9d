"""The compact graph answers as the networkx projection did: on random graphs, the search
over networkx (``PathSearch``, which the frontier mode still walks) and the one over the
compact graph (``CompactSearch``, the projection's) find the same paths, hops, neighbours and
stated triples under every filter, before and after patches made as the old projection made
them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplychain_kg.namespaces import SKG
from supplychain_kg.paths import PathOptions, PathSearch, load_projection, save_projection
from supplychain_kg.paths.compact import STANCES, CompactGraph
from supplychain_kg.paths.compact_search import CompactSearch
from supplychain_kg.paths.edges import EDGE, link
from supplychain_kg.paths.node_types import NodeTypes
from supplychain_kg.paths.source import ClaimWindow
from supplychain_kg.service import KnowledgeGraph

SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
RELATIONS = ("r0", "r1", "r2")
CLASSES = ("Company", "Place")
NODES = [f"n{i}" for i in range(9)]

Edge = tuple[str, str, str, int]
EDGES = st.lists(
    st.tuples(
        st.sampled_from(NODES),
        st.sampled_from(NODES),
        st.sampled_from(RELATIONS),
        st.integers(0, 2),
    ),
    max_size=30,
)
TYPES = st.dictionaries(st.sampled_from(NODES), st.frozensets(st.sampled_from(CLASSES)))
WINDOWS = st.dictionaries(
    st.tuples(st.sampled_from(NODES), st.sampled_from(RELATIONS), st.sampled_from(NODES)),
    st.lists(
        st.builds(
            ClaimWindow,
            st.booleans(),
            st.sampled_from([None, "2019-01-01", "2021-06-30"]),
            st.sampled_from([None, "2020-12-31", "2022-01-01"]),
        ),
        min_size=1,
        max_size=2,
    ).map(tuple),
)
OPTIONS = st.builds(
    PathOptions,
    max_hops=st.integers(1, 5),
    relations=st.one_of(st.none(), st.frozensets(st.sampled_from(RELATIONS), min_size=1)),
    exclude=st.frozensets(st.sampled_from(RELATIONS), max_size=1),
    entity_types=st.one_of(st.none(), st.just(frozenset({"Company"}))),
    direction=st.sampled_from(["out", "in", "any"]),
    include_disputed=st.booleans(),
    as_of=st.sampled_from([None, "2020-06-01", "2021-12-31"]),
    avoid_types=st.sampled_from([frozenset(), frozenset({"Place"})]),
    via=st.sampled_from([frozenset(), frozenset({"n1"})]),
)
PATCHES = st.lists(
    st.tuples(st.sets(st.sampled_from(NODES), min_size=1, max_size=2), EDGES), max_size=3
)


def _networkx(edges: list[Edge]) -> Any:
    graph = nx.MultiDiGraph()
    for s, o, rel, stance in edges:
        link(graph, s, o, rel, EDGE[STANCES[stance]])
    return graph


def _pair(
    edges: list[Edge],
    types: dict[str, frozenset[str]],
    windows: dict[tuple[str, str, str], tuple[ClaimWindow, ...]],
) -> tuple[PathSearch, CompactSearch]:
    """The old search over networkx and the new one over the compact graph, same data."""
    made: list[PathSearch] = []
    for kind, graph in (
        (PathSearch, _networkx(edges)),
        (CompactSearch, CompactGraph.from_edges(edges)),
    ):
        search = kind(
            None,  # type: ignore[arg-type]  # never read: types and windows are given
            graph,
            revision=0,
            relations=frozenset(RELATIONS),
            classes=frozenset(CLASSES),
        )
        kept = {n: k for n, k in types.items() if n in search}
        # the compact search keeps classes as the projection does (one set number per node)
        search._types = NodeTypes.of(graph, kept) if kind is CompactSearch else kept
        search._windows = dict(windows)
        made.append(search)
    old, new = made
    assert isinstance(new, CompactSearch)
    return old, new


def _same_answers(
    old: PathSearch, new: CompactSearch, options: PathOptions, *, patched: bool = False
) -> None:
    walked, expected = list(new.walkable(options)), list(old.walkable(options))
    if patched:  # a node dropped and added again by a patch keeps its number (and place)
        walked.sort()
        expected.sort()
    assert walked == expected
    for node in NODES:
        assert (node in new) == (node in old.graph)
        if node not in old.graph:
            continue
        assert new.neighbours(node, options) == old.neighbours(node, options)
        assert new.degree(node) == old.degree(node)
        for rel in RELATIONS:
            assert new.stated_objects(node, rel) == old.stated_objects(node, rel)
            assert new.stated_subjects(node, rel) == old.stated_subjects(node, rel)
        for other in NODES:
            assert new.hops(node, other, options) == old.hops(node, other, options)
            assert new.shortest(node, other, options) == old.shortest(node, other, options)
            assert new.k_shortest(node, other, options, 3) == old.k_shortest(
                node, other, options, 3
            )
            banned = {NODES[2]}
            assert new.shortest(node, other, options, banned_nodes=banned) == old.shortest(
                node, other, options, banned_nodes=banned
            )
            for rel in RELATIONS:
                assert new.is_stated(node, rel, other) == old.is_stated(node, rel, other)
    for rel in RELATIONS:
        pairs, expected = list(new.stated_pairs(rel)), list(old.stated_pairs(rel))
        if patched:
            pairs.sort()
            expected.sort()
        assert pairs == expected


def _old_patch(graph: Any, entities: set[str], fresh: list[Edge]) -> None:
    """What the networkx projection's patch did with the edges read around ``entities``."""
    ends = set(entities)
    for node in entities:
        if node in graph:
            stale = [*graph.out_edges(node, keys=True), *graph.in_edges(node, keys=True)]
            ends.update(end for edge in stale for end in edge[:2])
            graph.remove_edges_from(stale)
    for s, o, rel, stance in fresh:
        link(graph, s, o, rel, EDGE[STANCES[stance]])
    graph.remove_nodes_from([n for n in ends if n in graph and not graph.degree(n)])


def _new_patch(graph: CompactGraph, entities: set[str], fresh: list[Edge]) -> None:
    """What ``Projection.patch`` does with the same edges."""
    for node in entities:
        i = graph.node(node)
        if i is not None:
            graph.unlink_all(i)
    for s, o, rel, stance in fresh:
        graph.link(graph.intern(s), graph.intern(o), graph.intern_relation(rel), stance)


@SETTINGS
@given(edges=EDGES, types=TYPES, windows=WINDOWS, options=OPTIONS)
def test_the_compact_search_finds_what_the_networkx_search_finds(
    edges: list[Edge],
    types: dict[str, frozenset[str]],
    windows: dict[tuple[str, str, str], tuple[ClaimWindow, ...]],
    options: PathOptions,
) -> None:
    old, new = _pair(edges, types, windows)
    _same_answers(old, new, options)


@SETTINGS
@given(edges=EDGES, types=TYPES, changed=TYPES, options=OPTIONS)
def test_classes_changed_by_a_patch_filter_as_a_dict_of_classes_does(
    edges: list[Edge],
    types: dict[str, frozenset[str]],
    changed: dict[str, frozenset[str]],
    options: PathOptions,
) -> None:
    old, new = _pair(edges, types, {})
    assert isinstance(new._types, NodeTypes) and old._types is not None
    for node, kinds in changed.items():  # as Projection.patch sets them, or drops them
        if node not in new:
            continue
        for search in (old, new):
            assert search._types is not None
            if kinds:
                search._types[node] = kinds
            elif node in search._types:
                del search._types[node]
    assert dict(new._types) == dict(old._types)
    _same_answers(old, new, options)


@SETTINGS
@given(edges=EDGES, patches=PATCHES, options=OPTIONS)
def test_patched_compact_graphs_answer_as_patched_networkx_graphs(
    edges: list[Edge], patches: list[tuple[set[str], list[Edge]]], options: PathOptions
) -> None:
    old, new = _pair(edges, {}, {})
    options = replace(options, entity_types=None, avoid_types=frozenset())
    for entities, fresh in patches:
        _old_patch(old.graph, entities, fresh)
        _new_patch(new.compact, entities, fresh)
        _same_answers(old, new, options, patched=True)
    folded = new.compact.compacted()
    assert not folded.patched_out and not folded.patched_in
    new.compact = folded
    _same_answers(old, new, options, patched=True)


@SETTINGS
@given(edges=EDGES)
def test_networkx_conversions_keep_every_edge_in_order(edges: list[Edge]) -> None:
    graph = _networkx(edges)
    compact = CompactGraph.from_edges(edges)
    back = compact.to_networkx()
    assert list(back.nodes) == list(graph.nodes)
    for adjacency in ("_succ", "_pred"):
        assert getattr(back, adjacency) == getattr(graph, adjacency)
        for node, around in getattr(graph, adjacency).items():
            assert list(getattr(back, adjacency)[node]) == list(around)
            for other, keyed in around.items():
                assert list(getattr(back, adjacency)[node][other]) == list(keyed)
    again = CompactGraph.from_networkx(graph)
    assert again.iris == compact.iris
    assert _rows(again) == _rows(compact)


def _rows(graph: CompactGraph) -> list[list[tuple[str, str, int]]]:
    return [
        [(graph.iris[o], graph.relations[c >> 2], c & 3) for o, c in graph.row(i, out=out)]
        for i in range(len(graph.iris))
        for out in (True, False)
    ]


def test_a_later_stance_of_the_same_edge_replaces_the_earlier_in_place() -> None:
    compact = CompactGraph.from_edges(
        [("a", "b", "r1", 0), ("a", "b", "r2", 0), ("a", "b", "r1", 1)]
    )
    a = compact.ids["a"]
    rows = [
        (compact.iris[o], compact.relations[c >> 2], STANCES[c & 3])
        for o, c in compact.row(a, out=True)
    ]
    assert rows == [("b", "r1", "disputed"), ("b", "r2", "asserted")]


def test_a_kept_projection_loads_with_its_rows_types_and_denials(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    projection = kg.projection()
    types = dict(projection.types())  # read on a first question: kept with the rows
    assert types and projection.denied_parties
    save_projection(tmp_path, "stamp", projection)
    loaded = load_projection(
        tmp_path,
        "stamp",
        kg.store,
        revision=projection.revision,
        relations=projection.relations,
        classes=projection.classes,
    )
    assert loaded is not None
    assert _rows(loaded.compact) == _rows(projection.compact)
    assert loaded._types == types
    assert loaded.denied_parties == projection.denied_parties
    assert loaded.impure == projection.impure
    options = PathOptions(avoid_types=frozenset(kg.ontology.closure(f"{SKG}Place")))
    nodes = sorted(projection.nodes())
    for source in nodes[:15]:
        for target in nodes[-15:]:
            assert loaded.k_shortest(source, target, options, 3) == projection.k_shortest(
                source, target, options, 3
            )
    assert (
        load_projection(
            tmp_path,
            "another stamp",
            kg.store,
            revision=projection.revision,
            relations=projection.relations,
            classes=projection.classes,
        )
        is None
    )


def test_node_types_lists_each_set_of_classes_in_use() -> None:
    from supplychain_kg.config import Settings
    from supplychain_kg.paths.node_types import NodeTypes
    from supplychain_kg.service import KnowledgeGraph

    kg = KnowledgeGraph.open(Settings(memory=True))
    try:
        types = kg.projection().types()
        assert isinstance(types, NodeTypes)
        assert types.distinct() == set(types.values())
        some = next(iter(types))
        new = frozenset({"http://e/Only"})
        types[some] = new  # as a patch does
        assert new in types.distinct()
        assert types.distinct() == set(types.values())
        del types[some]
        assert new not in types.distinct()
        assert types.distinct() == set(types.values())
    finally:
        kg.close()


def test_a_hub_named_in_via_is_walked_and_other_hubs_are_not() -> None:
    edges = [("n0", "n1", "r0", 0), ("n1", "n2", "r0", 0), ("n0", "n3", "r1", 0)]
    edges += [("n3", "n2", "r1", 0)]
    types = {"n1": frozenset({"Place"}), "n3": frozenset({"Place", "Company"})}
    old, new = _pair(edges, types, {})
    avoid = PathOptions(avoid_types=frozenset({"Place"}))
    for search in (old, new):
        assert search.shortest("n0", "n2", avoid) is None
        assert search.shortest("n0", "n2", replace(avoid, via=frozenset({"n1"}))) == [
            "n0",
            "n1",
            "n2",
        ]
        # via lifts avoid_types only: n1 (a Place, no Company) is still no Company
        only = replace(avoid, via=frozenset({"n1", "n3"}), entity_types=frozenset({"Company"}))
        assert search.shortest("n0", "n2", only) == ["n0", "n3", "n2"]
    _same_answers(old, new, replace(avoid, via=frozenset({"n3"})))
