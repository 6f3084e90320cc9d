"""What path and neighbourhood answers add to their nodes and paths beyond the claims: each
node's coarse role and restriction listings, each path's count of restricted entities and its
rank, and how many paths through shared hubs a question left out.

Listings are read in one store query per answer for all its nodes (``restrictions.py``) and
kept in ``projection.cache`` with the other evidence, so a hub on many paths is read once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from supplychain_kg.paths.node_types import NodeTypes
from supplychain_kg.paths.options import PathOptions
from supplychain_kg.paths.ranking import rank_paths
from supplychain_kg.paths.restrictions import fetch_restrictions
from supplychain_kg.paths.roles import Roles
from supplychain_kg.paths.search import PathSearch
from supplychain_kg.store import Store
from supplychain_kg.validate import load_ontology

__all__ = [
    "POOL",
    "add_listings",
    "candidates",
    "finish_neighbourhood",
    "finish_paths",
    "hub_paths_left_out",
    "mark_path",
    "stated_hop",
]


def add_listings(
    store: Store, projection: PathSearch, nodes: Iterable[dict[str, Any]], roles: Roles
) -> None:
    """Give each node dict (``iri``, ``types``) its ``role`` and ``restrictions``, in place.

    One store query for all the nodes whose listings are not cached yet.
    """
    nodes = list(nodes)
    cache = projection.cache
    missing = sorted({n["iri"] for n in nodes if ("listings", n["iri"]) not in cache})
    if missing:
        found = fetch_restrictions(store, missing)
        for iri in missing:
            cache[("listings", iri)] = found.get(iri, [])
    for node in nodes:
        node["role"] = roles.role(node.get("types", ()))
        node["restrictions"] = cache.get(("listings", node["iri"])) or []


def mark_path(path: dict[str, Any]) -> None:
    """Add ``restricted``: how many of the path's entities are on a restriction list."""
    path["restricted"] = sum(1 for n in path["nodes"] if n.get("restrictions"))


def stated_hop(edge: dict[str, Any]) -> None:
    """Add to a hop the relation as the source states it and, separately, the walk order.

    ``stated``: subject, relation, object (as the claims say it, whatever the walk's
    direction); ``walk``: from, to (the order the path takes it).
    """
    forward = edge["direction"] == "out"
    subject, obj = (edge["source"], edge["target"]) if forward else (edge["target"], edge["source"])
    edge["stated"] = {"subject": subject, "relation": edge["relation"], "object": obj}
    edge["walk"] = {"from": edge["source"], "to": edge["target"]}
    for other in edge.get("parallel", ()):
        stated_hop(other)


POOL = 5
"""Paths ranked by evidence are chosen among the ``max(k + 2, POOL)`` shortest."""


def candidates(
    projection: PathSearch, source: str, target: str, options: PathOptions
) -> tuple[list[list[str]], bool]:
    """The paths an answer ranks, shortest first, and whether more may exist (call locked).

    ``rank="hops"``: the ``k`` shortest. ``rank="evidence"``: the ``max(k + 2, POOL)``
    shortest that are at most two hops longer than the shortest (Yen's spur searches that
    find nothing then stop two hops early), or, when no more than ``k`` are that short, the
    ``max(k + 2, POOL)`` shortest of any length (so that "more exist" is never a guess).
    """
    if options.rank == "hops":
        return projection.k_shortest(source, target, options, options.k)
    pool = max(options.k + 2, POOL)
    first = projection.shortest(source, target, options)
    if first is None:
        return [], False
    bound = min(options.max_hops, len(first) + 1)
    if bound < options.max_hops:
        bounded = replace(options, max_hops=bound)
        found, more = projection.k_shortest(source, target, bounded, pool, first=first)
        if more or len(found) > options.k:  # more than k paths exist: the answer is cut
            return found, True
    return projection.k_shortest(source, target, options, pool, first=first)


def _hub_nodes_exist(projection: PathSearch, avoid: frozenset[str]) -> bool:
    key = ("has-hubs", avoid)
    if key not in projection.cache:
        types = projection.types()
        kinds = types.distinct() if isinstance(types, NodeTypes) else set(types.values())
        projection.cache[key] = any(not avoid.isdisjoint(k) for k in kinds)
    return bool(projection.cache[key])


def hub_paths_left_out(
    projection: PathSearch,
    ends: tuple[str, str],
    options: PathOptions,
    *,
    pool: int,
    found: list[list[str]],
) -> int:
    """How many of the ``pool`` shortest paths walking every hub, no longer than the longest
    of ``found``, pass through a shared hub that ``options`` leave out (and are not among
    ``found``). Call with the projection locked.
    """
    if not options.avoid_types or not _hub_nodes_exist(projection, options.avoid_types):
        return 0
    longest = max((len(p) - 1 for p in found), default=options.max_hops)
    walking = replace(options, avoid_types=frozenset(), max_hops=longest)
    walked, _ = projection.k_shortest(*ends, walking, pool)
    types = projection.types()
    avoid, via = options.avoid_types, options.via

    def through_hub(path: list[str]) -> bool:
        return any(n not in via and not avoid.isdisjoint(types.get(n, ())) for n in path[1:-1])

    return sum(1 for path in walked if path not in found and through_hub(path))


def finish_paths(
    store: Store,
    projection: PathSearch,
    ends: list[dict[str, Any]],
    paths: list[dict[str, Any]],
    *,
    roles: Roles | None,
    options: PathOptions,
    hubs: tuple[int, int],
) -> dict[str, Any]:
    """A path answer from its two end nodes and its candidate paths: each hop stated as the
    source states it, each node with its role and listings (one store query), each path with
    its count of restricted entities, ranked by ``options.rank`` and cut to ``options.k``.

    ``hubs``: the candidate pool size and how many paths through shared hubs were left out.
    """
    pool, left_out = hubs
    for path in paths:
        for edge in path["edges"]:
            stated_hop(edge)
    nodes = [*ends, *(n for path in paths for n in path["nodes"])]
    add_listings(store, projection, nodes, roles or Roles(load_ontology()))
    for path in paths:
        mark_path(path)
    answer: dict[str, Any] = {
        "source": ends[0],
        "target": ends[1],
        "paths": rank_paths(paths, by=options.rank, keep=options.k),
        "rank": options.rank,
        "hub_paths_left_out": left_out,
    }
    if left_out:
        answer["hub_paths_note"] = (
            f"{left_out} path(s) through a shared hub (restriction list, technology, place or "
            "group), no longer than those shown, were left out: being linked to the same hub "
            f"is not a connection; hubs=true or via=ID walks them (counted among the {pool} "
            "shortest)"
        )
    return answer


def finish_neighbourhood(
    store: Store, projection: PathSearch, answer: dict[str, Any], roles: Roles | None
) -> dict[str, Any]:
    """A neighbourhood answer with each node's role and listings and each hop stated, in place."""
    add_listings(
        store, projection, [answer["entity"], *answer["nodes"]], roles or Roles(load_ontology())
    )
    for edge in answer["edges"]:
        stated_hop(edge)
    return answer


def hub_hint(projection: PathSearch, source: str, target: str, options: PathOptions) -> list[str]:
    """A hint for a question without paths: one exists through a shared hub (call locked)."""
    if options.avoid_types and projection.shortest(
        source, target, replace(options, avoid_types=frozenset())
    ):
        return [
            "a path exists through a shared hub (a list, technology, place or group: hubs=true)"
        ]
    return []
