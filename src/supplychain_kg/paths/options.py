"""What a path question may walk: :class:`PathOptions`, and the :class:`Hop` it takes.

Also how a hop's stance is summed up from its claims' windows (for ``as_of`` questions) and
how stances rank in an answer (asserted first, denied last).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from supplychain_kg.paths.source import ClaimWindow

__all__ = ["STANCE_RANK", "Direction", "Hop", "PathOptions", "summary", "valid_on"]

Direction = Literal["out", "in", "any"]
STANCE_RANK = {"asserted": 0, "unbacked": 1, "disputed": 2, "denied": 3}
"""The order of stances in an answer: best first."""


@dataclass(frozen=True)
class PathOptions:
    """Which edges and nodes a walk may use.

    ``relations`` None means every traversable relation; ``entity_types`` None means any
    intermediate node (otherwise a set of class IRIs, subclasses included by the caller).
    ``avoid_types``: classes of shared hubs (lists, technologies, places, groups) whose nodes
    are not walked through, except the nodes in ``via``. ``rank``: how an answer orders its
    paths (``paths.ranking``).
    """

    max_hops: int = 6
    k: int = 3
    relations: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()
    entity_types: frozenset[str] | None = None
    direction: Direction = "any"
    include_disputed: bool = False
    as_of: str | None = None
    deadline: float | None = None
    rank: Literal["evidence", "hops"] = "evidence"
    avoid_types: frozenset[str] = frozenset()
    via: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Hop:
    """One usable edge, seen from ``source`` (``direction`` "in": stated as target -> source)."""

    source: str
    target: str
    relation: str
    direction: Literal["out", "in"]
    stance: str

    @property
    def stated(self) -> tuple[str, str, str]:
        """The direct triple (subject, relation, object) as stated in the data."""
        if self.direction == "out":
            return (self.source, self.relation, self.target)
        return (self.target, self.relation, self.source)


def summary(windows: Iterable[ClaimWindow]) -> str | None:
    """The stance of an edge backed by the claims of ``windows``; None if there are none."""
    stances = {w.denied for w in windows}
    if not stances:
        return None
    if stances == {True}:
        return "denied"
    return "disputed" if len(stances) == 2 else "asserted"


def valid_on(window: ClaimWindow, day: str) -> bool:
    """Whether the claim of ``window`` holds on ``day`` (an ISO date)."""
    return (window.start is None or window.start[:10] <= day) and (
        window.end is None or day <= window.end[:10]
    )
