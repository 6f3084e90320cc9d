"""Path and neighbourhood answers with the evidence on every hop.

The projection (``projection.py``) finds *which* entities connect; this module reads *who says
so* from the store with ``evidence.fetch_claims`` / ``fetch_entities``, so that paths, ``show``
and the exports show the same claims in the same shape (DESIGN.md, "A path answer is JSON").
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from itertools import pairwise
from typing import Any

from supplychain_kg.errors import InvalidParameterError
from supplychain_kg.model import IRI
from supplychain_kg.namespaces import SKG
from supplychain_kg.paths import enrich
from supplychain_kg.paths.denials import SHOWN, Denials, denial_pairs
from supplychain_kg.paths.evidence import ClaimInfo, EntitySummary, fetch_claims, fetch_entities
from supplychain_kg.paths.options import Hop, PathOptions
from supplychain_kg.paths.roles import Roles
from supplychain_kg.paths.search import PathSearch
from supplychain_kg.store import Store
from supplychain_kg.validate import Ontology

__all__ = [
    "DENIALS_SHOWN",
    "MAX_DEPTH",
    "MAX_HOPS",
    "MAX_K",
    "neighbourhood_answer",
    "parse_options",
    "path_answer",
]

DENIALS_SHOWN = SHOWN
"""Denials listed per node (the rest are counted in ``denials_total``)."""

MAX_HOPS = 10
MAX_K = 50
MAX_DEPTH = 3
_CACHE_LIMIT = 200_000


def _short(relation: str) -> str:
    return relation.removeprefix(SKG)


def _valid_on(claim: ClaimInfo, day: str | None) -> bool:
    if day is None:
        return True
    start, end = claim.extra.get("valid_from"), claim.extra.get("valid_to")
    return (start is None or str(start)[:10] <= day) and (end is None or day <= str(end)[:10])


def _denial_iris(store: Store, nodes: list[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Up to DENIALS_SHOWN denied claims whose subject or object is each node, and the count,
    asked of the store (a projection that keeps them answers from memory instead).

    These carry a party's own denial (e.g. Hikvision's) next to the path that passes it.
    """
    return Denials.of(denial_pairs(store, nodes), set(nodes)).lookup(nodes)


class _Evidence:
    """Everything an answer shows about its nodes and hops, read in a few batched queries.

    What was read is kept in ``projection.cache`` (emptied whenever the projection changes), so
    the hubs most paths pass through are read once.
    """

    def __init__(
        self,
        store: Store,
        projection: PathSearch,
        nodes: set[str],
        hops: list[Hop],
        labels: dict[str, str],
        *,
        parties_of: set[str] | None = None,
    ) -> None:
        """``parties_of``: the nodes whose denials are shown (default: all ``nodes``)."""
        cache = projection.cache
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        denying = nodes if parties_of is None else parties_of
        known: dict[Any, Any] = {k: cache.get(k) for k in self._keys(denying, hops)}
        parties = sorted(
            n for n in denying & projection.denied_parties if known[("denials", n)] is None
        )
        lookup = projection.denials.lookup if projection.denials else partial(_denial_iris, store)
        denied, counts = lookup(parties) if parties else ({}, {})
        triples = sorted({h.stated for h in hops if known[("hop", h.stated)] is None})
        wanted = [c for cs in denied.values() for c in cs]
        claims = fetch_claims(store, claims=wanted, stated=triples) if wanted or triples else {}
        found: dict[tuple[str, str, str], list[ClaimInfo]] = {t: [] for t in triples}
        for claim in claims.values():
            key = (claim.subject, claim.relation, str(claim.object.value))
            if key in found:
                found[key].append(claim)
        fresh: dict[Any, Any] = {}
        for triple, listed in found.items():
            listed.sort(key=lambda c: (c.stance != "asserted", c.id))
            fresh[("hop", triple)] = listed
        for node in parties:
            shown = sorted(
                (claims[c] for c in denied.get(node, []) if c in claims), key=lambda c: c.id
            )
            fresh[("denials", node)] = (shown, counts.get(node, 0))
        cache.update(fresh)
        known.update(fresh)
        self.claims = {h.stated: known.get(("hop", h.stated)) or [] for h in hops}
        self.denials: dict[str, tuple[list[ClaimInfo], int]] = {
            n: known[("denials", n)] for n in denying if known.get(("denials", n)) is not None
        }
        ends = {c.subject for cs, _ in self.denials.values() for c in cs} | {
            str(c.object.value)  # a denied amount or date has no entity to summarise
            for cs, _ in self.denials.values()
            for c in cs
            if isinstance(c.object, IRI)
        }
        self.summaries = self._summaries(store, cache, nodes | ends)
        self.labels = labels

    @staticmethod
    def _keys(nodes: set[str], hops: list[Hop]) -> list[tuple[str, Any]]:
        return [*(("denials", n) for n in nodes), *(("hop", h.stated) for h in hops)]

    @staticmethod
    def _summaries(store: Store, cache: dict[Any, Any], iris: set[str]) -> dict[str, EntitySummary]:
        """Entity summaries, from the cache where it has them (another thread may empty it)."""
        known = {i: cache.get(("entity", i)) for i in iris}
        missing = [i for i, summary in known.items() if summary is None]
        if missing:
            for iri, summary in fetch_entities(store, missing).items():
                cache[("entity", iri)] = summary
                known[iri] = summary
        return {i: s for i, s in known.items() if s is not None}

    def node(self, iri: str) -> dict[str, Any]:
        data = self.summaries[iri].to_json()
        shown, total = self.denials.get(iri, ([], 0))
        data["denials"] = [self._claim(c) for c in shown]
        if total > len(data["denials"]):
            data["denials_total"] = total
        return data

    def _id(self, iri: str) -> str:
        summary = self.summaries.get(iri)
        return summary.id if summary is not None else iri

    def _claim(self, claim: ClaimInfo) -> dict[str, Any]:
        data = claim.to_json()
        obj = str(claim.object.value)
        data["denies"] = {
            "subject": self._id(claim.subject),
            "relation": _short(claim.relation),
            "object": self._id(obj),
        }
        return data

    def hop(self, hop: Hop, as_of: str | None) -> dict[str, Any]:
        claims = [c for c in self.claims.get(hop.stated, []) if _valid_on(c, as_of)]
        return {
            "source": self.summaries[hop.source].id,
            "target": self.summaries[hop.target].id,
            "relation": _short(hop.relation),
            "relation_label": self.labels.get(hop.relation, _short(hop.relation)),
            "direction": hop.direction,
            "stance": hop.stance if self.claims.get(hop.stated) else "unbacked",
            "claims": [c.to_json() for c in claims],
        }


def _describe(options: PathOptions) -> str:
    parts = [f"direction={options.direction}"]
    if options.relations is not None:
        parts.append("relation=" + ",".join(sorted(_short(r) for r in options.relations)))
    if options.entity_types is not None:
        parts.append("entity_type filter")
    if options.as_of:
        parts.append(f"as_of={options.as_of}")
    return ", ".join(parts)


def _reason(projection: PathSearch, source: str, target: str, options: PathOptions) -> str:
    """Why no path was found, with a hint when a looser question would have one."""
    for end in (source, target):
        if end not in projection:
            return f"{end} has no relations in the graph"
    text = (
        f"no path of at most {options.max_hops} hops "
        f"{'walking only undenied links ' if not options.include_disputed else ''}"
        f"with {_describe(options)}"
    )
    hints = []
    if not options.include_disputed:
        looser = replace(options, include_disputed=True)
        if projection.shortest(source, target, looser) is not None:
            hints.append(
                "a path exists through links that rest only on denied claims (include_disputed=true shows it)"
            )
    if options.direction != "any":
        looser = replace(options, direction="any")
        if projection.shortest(source, target, looser) is not None:
            hints.append(
                "a path exists when links are followed in either direction (direction=any)"
            )
    hints += enrich.hub_hint(projection, source, target, options)
    if options.max_hops < 10:
        looser = replace(options, max_hops=10)
        if projection.shortest(source, target, looser) is not None:
            hints.append("a longer path exists (raise max_hops, at most 10)")
    return text + ("; " + "; ".join(hints) if hints else "")


def path_answer(
    store: Store,
    *,
    projection: PathSearch,
    source: str,
    target: str,
    options: PathOptions,
    labels: dict[str, str],
    roles: Roles | None = None,
) -> dict[str, Any]:
    """Up to ``options.k`` paths from ``source`` to ``target`` with their evidence, ranked
    among the shortest few (``enrich.finish_paths``)."""
    with projection.lock:
        found, truncated = enrich.candidates(projection, source, target, options)
        left_out = enrich.hub_paths_left_out(
            projection, (source, target), options, pool=options.k, found=found
        )
        steps = [[projection.hops(a, b, options) for a, b in pairwise(path)] for path in found]
        reason = _reason(projection, source, target, options) if not found else None
    hops = [hop for path in steps for step in path for hop in step]
    nodes = {source, target} | {n for path in found for n in path}
    evidence = _Evidence(store, projection, nodes, hops, labels)
    paths = []
    for path, path_steps in zip(found, steps, strict=True):
        edges = []
        for step in path_steps:
            edge = evidence.hop(step[0], options.as_of)
            if len(step) > 1:
                edge["parallel"] = [evidence.hop(h, options.as_of) for h in step[1:]]
            edges.append(edge)
        paths.append(
            {"length": len(path) - 1, "nodes": [evidence.node(n) for n in path], "edges": edges}
        )
    ends = [evidence.node(source), evidence.node(target)]
    answer = enrich.finish_paths(
        store, projection, ends, paths, roles=roles, options=options, hubs=(options.k, left_out)
    )
    answer["truncated"] = truncated or len(paths) > options.k
    if reason:
        answer["reason"] = reason
    return answer


def neighbourhood_answer(
    store: Store,
    *,
    projection: PathSearch,
    entity: str,
    options: PathOptions,
    depth: int,
    limit: int,
    labels: dict[str, str],
    roles: Roles | None = None,
) -> dict[str, Any]:
    """The entities within ``depth`` hops, at most ``limit`` new neighbours per entity.

    Each capped entity is listed in ``more`` with how many neighbours it has in all.
    """
    options = replace(options, avoid_types=frozenset())
    visited = {entity}
    frontier = [entity]
    hops: list[Hop] = []
    more: list[tuple[str, int, int]] = []
    seen_triples: set[tuple[str, str, str]] = set()
    with projection.lock:
        for _ in range(depth):
            nxt: list[str] = []
            for node in frontier:
                if node not in projection:
                    continue
                around = projection.neighbours(node, options)
                others = list(dict.fromkeys(h.target for h in around))
                shown = [o for o in others if o not in visited][:limit]
                fresh = set(shown)
                hidden = len([o for o in others if o not in visited]) - len(shown)
                if hidden > 0:
                    more.append((node, len(shown), len(shown) + hidden))
                for hop in around:
                    if hop.target in fresh and hop.stated not in seen_triples:
                        seen_triples.add(hop.stated)
                        hops.append(hop)
                visited |= fresh
                nxt += shown
            frontier = nxt
    evidence = _Evidence(store, projection, visited, hops, labels, parties_of={entity})
    ordered = [entity, *sorted(visited - {entity}, key=lambda n: evidence.summaries[n].id)]
    answer = {
        "entity": evidence.node(entity),
        "depth": depth,
        "direction": options.direction,
        "nodes": [evidence.summaries[n].to_json() for n in ordered],
        "edges": [evidence.hop(h, options.as_of) for h in hops],
        "more": [{"id": evidence.summaries[n].id, "shown": s, "total": t} for n, s, t in more],
        "truncated": bool(more),
    }
    return enrich.finish_neighbourhood(store, projection, answer, roles)


def _relation_iri(name: str, known: frozenset[str], parameter: str) -> str:
    iri = name.strip().strip("<>")
    for candidate in (iri, SKG + iri.removeprefix("skg:")):
        if candidate in known:
            return candidate
    names = ", ".join(sorted(_short(r) for r in known))
    raise InvalidParameterError(parameter, f"unknown name {name!r}; expected one of {names}")


def _date(text: str | None) -> str | None:
    if text is None or text == "":
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InvalidParameterError(
            "as_of", f"{text!r} is not a date; expected YYYY-MM-DD"
        ) from None


def _bounded(parameter: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidParameterError(parameter, f"{value} is out of range; expected {low} to {high}")
    return value


def parse_options(
    ontology: Ontology,
    *,
    max_hops: int = 6,
    k: int = 3,
    relation: Sequence[str] = (),
    exclude_relation: Sequence[str] = (),
    entity_type: Sequence[str] = (),
    direction: str = "any",
    include_disputed: bool = False,
    as_of: str | None = None,
    timeout: float | None = None,
    rank: str = "evidence",
    hubs: bool = False,
    via: Sequence[str] = (),
) -> PathOptions:
    """Check the user's path parameters and turn them into PathOptions.

    Relations and types are given by local name (``sourcesFrom``), CURIE (``skg:Tender``) or
    IRI. Without ``relation``, the non-traversable relations (e.g. ``didNotRespondTo``) are
    left out; shared hubs too, unless ``hubs`` or named (IRIs) in ``via``. ``rank``: evidence
    or hops. Raises InvalidParameterError naming the bad parameter.
    """
    if rank not in ("evidence", "hops"):
        raise InvalidParameterError("rank", f"{rank!r}; expected evidence or hops")
    known = ontology.claimed_relations
    chosen = frozenset(_relation_iri(r, known, "relation") for r in relation) or None
    excluded = frozenset(_relation_iri(r, known, "exclude_relation") for r in exclude_relation)
    if chosen is None:
        excluded |= ontology.non_traversable
    types: frozenset[str] | None = None
    if entity_type:
        entity_classes = ontology.closure(f"{SKG}Entity")
        types = frozenset()
        for name in entity_type:
            iri = _relation_iri(name, entity_classes, "entity_type")
            types |= ontology.closure(iri)
    if direction not in ("out", "in", "any"):
        raise InvalidParameterError("direction", f"{direction!r}; expected out, in or any")
    return PathOptions(
        max_hops=_bounded("max_hops", max_hops, 1, MAX_HOPS),
        k=_bounded("k", k, 1, MAX_K),
        relations=chosen,
        exclude=excluded,
        entity_types=types,
        direction=direction,  # type: ignore[arg-type]
        include_disputed=include_disputed,
        as_of=_date(as_of),
        deadline=None if timeout is None else time.monotonic() + timeout,
        rank=rank,  # type: ignore[arg-type]
        avoid_types=frozenset() if hubs else Roles(ontology).hub_classes,
        via=frozenset(via),
    )
