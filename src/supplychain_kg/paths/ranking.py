"""Paths ranked by the evidence on their hops, not only by their length.

A reporter follows a chain of supply, tenders, ownership or directorship; being on the same
restriction list, using the same technology or sitting in the same city is co-membership, not
a connection, and "close to the military group" is weaker than "won the tender". Each hop gets
a *strength* between 0 and 1 from its relation, the stance of its claims and how many
independent publishers back it; a path's strength is the product of its hops' times
``LENGTH_FACTOR`` for each hop past the first (a chain is no stronger than its links, and a
long chain is a weaker lead). Paths are ranked strongest first,
ties by fewer hops.

The function works on candidate paths as any search produces them (the JSON of a path answer:
``nodes`` with a ``role``, ``edges`` with ``relation``, ``stance`` and ``claims``), so the
in-memory projection and a hop-by-hop walk over a remote engine rank alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from supplychain_kg.paths.roles import HUB_ROLES

__all__ = [
    "CO_MEMBERSHIP",
    "LENGTH_FACTOR",
    "RELATION_STRENGTH",
    "STANCE_FACTOR",
    "hop_strength",
    "rank_paths",
]

RELATION_STRENGTH: Mapping[str, float] = {
    # supply and sales
    "sourcesFrom": 0.9,
    "suppliesTo": 0.9,
    "sellsDirectlyTo": 0.9,
    "develops": 0.8,
    # tenders and projects
    "wonTender": 0.9,
    "bidFor": 0.7,
    "issuedBy": 0.9,
    "forProject": 0.9,
    "initiatedBy": 0.9,
    "implements": 0.9,
    "fundedBy": 0.9,
    "paid": 0.9,
    # ownership and control
    "ownerOf": 0.9,
    "directorOf": 0.9,
    "headOf": 0.9,
    "representativeOf": 0.8,
    "memberOf": 0.8,
    "familyOf": 0.7,
    "replacedBy": 0.8,
    "governs": 0.6,
    # co-membership through a shared node, and links of unspecified kind
    "usesTechnology": 0.4,
    "locatedIn": 0.3,
    "headquarteredIn": 0.3,
    "hasAddress": 0.3,
    "hasMember": 0.5,
    "listedOn": 0.2,
    "maintainedBy": 0.5,
    "relatedTo": 0.3,
}
"""Strength of a hop by its relation (local name); a relation not listed gets 0.5."""

LENGTH_FACTOR = 0.8
"""Each hop past the first scales a path's strength by this: a long chain is a weaker lead."""

CO_MEMBERSHIP = 0.3
"""The most a hop into or out of a shared hub (list, technology, place, group) can weigh."""

STANCE_FACTOR: Mapping[str, float] = {
    "asserted": 1.0,
    "unbacked": 0.6,
    "disputed": 0.5,
    "denied": 0.2,
}
"""How a hop's stance scales its strength: a disputed link counts half."""


def _publishers(edge: Mapping[str, Any]) -> list[str]:
    found = {
        str((c.get("source") or {}).get("publisher") or (c.get("source") or {}).get("id"))
        for c in edge.get("claims", ())
        if c.get("stance", "asserted") != "denied"
    }
    return sorted(found)


def hop_strength(edge: Mapping[str, Any], *, hub: bool = False) -> tuple[float, list[str]]:
    """The strength of one hop and the reasons for it.

    ``edge`` needs ``relation`` and ``stance`` and may have ``claims`` (each with a ``source``
    that names a ``publisher``); ``hub`` says the hop enters or leaves a shared hub.
    Independent publishers corroborate: n of them give ``1 - (1 - s) ** n``.

    >>> hop_strength({"relation": "wonTender", "stance": "asserted", "claims": []})[0]
    0.9
    """
    relation = str(edge.get("relation", ""))
    base = RELATION_STRENGTH.get(relation, 0.5)
    why: list[str] = []
    if hub:
        base = min(base, CO_MEMBERSHIP)
        why.append(f"{relation} through a shared hub (co-membership, {base:g})")
    elif base < 0.6:
        why.append(f"{relation} is a weak link ({base:g})")
    stance = str(edge.get("stance", "asserted"))
    strength = base * STANCE_FACTOR.get(stance, 0.5)
    if stance != "asserted":
        why.append(f"{relation} is {stance}")
    publishers = _publishers(edge)
    if len(publishers) > 1:
        strength = 1 - (1 - strength) ** len(publishers)
        why.append(f"{relation} backed by {len(publishers)} publishers")
    return strength, why


def _explain(path: Mapping[str, Any]) -> dict[str, Any]:
    nodes: Sequence[Mapping[str, Any]] = path.get("nodes", ())
    inner = {i for i, n in enumerate(nodes) if 0 < i < len(nodes) - 1}
    hubs = {i for i in inner if nodes[i].get("role") in HUB_ROLES}
    score = 1.0
    reasons: list[str] = []
    publishers: set[str] = set()
    for i, edge in enumerate(path.get("edges", ())):
        strength, why = hop_strength(edge, hub=bool({i, i + 1} & hubs))
        score *= strength
        reasons += why
        publishers.update(_publishers(edge))
    relations = [str(e.get("relation")) for e in path.get("edges", ())]
    score *= LENGTH_FACTOR ** max(0, len(relations) - 1)
    if not reasons:
        reasons.append("every hop is a substantive, asserted link")
    return {
        "score": round(score, 4),
        "hops": len(relations),
        "relations": relations,
        "publishers": sorted(publishers),
        "why": "; ".join(dict.fromkeys(reasons)),
    }


def rank_paths(
    paths: Sequence[dict[str, Any]], *, by: str = "evidence", keep: int | None = None
) -> list[dict[str, Any]]:
    """Order candidate paths and add to each a ``rank`` that says why it ranks there.

    ``by="evidence"``: strongest first (see the module docstring), ties by fewer hops, then
    by the order given. ``by="hops"``: the order given (shortest first), explained all the
    same. ``keep``: how many to return (default all). Raises ValueError for another ``by``.
    The paths are changed in place (each gets ``rank``).

    >>> [p["rank"]["position"] for p in rank_paths(candidates)]
    [1, 2, 3]
    """
    if by not in ("evidence", "hops"):
        raise ValueError(f"rank {by!r}; expected evidence or hops")
    explained = [(path, _explain(path)) for path in paths]
    if by == "evidence":
        order = sorted(
            range(len(explained)),
            key=lambda i: (-explained[i][1]["score"], explained[i][1]["hops"], i),
        )
    else:
        order = list(range(len(explained)))
    out = []
    for position, i in enumerate(order[:keep], start=1):
        path, rank = explained[i]
        path["rank"] = {"position": position, "by": by, **rank}
        out.append(path)
    return out
