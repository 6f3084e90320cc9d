"""The projection's graph and what a reader sees in it (:class:`ProjectedGraph`): the edges a
walk may use under :class:`~supplychain_kg.paths.options.PathOptions`, and the stated triples
the SPARQL graph index (``sparql/accel``) reads.

Each claim's validity for ``as_of`` questions and the nodes' classes for ``entity_type`` are
read on the first such question (:meth:`ProjectedGraph.windows`, :meth:`ProjectedGraph.types`),
so the common question pays for neither.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import replace
from typing import Any

from supplychain_kg.paths.denials import Denials
from supplychain_kg.paths.options import (
    STANCE_RANK,
    Direction,
    Hop,
    PathOptions,
    summary,
    valid_on,
)
from supplychain_kg.paths.source import ClaimWindow, read_types, read_windows
from supplychain_kg.store import Store

__all__ = ["ProjectedGraph"]


class ProjectedGraph:
    """The entity graph and its reading side; :class:`~supplychain_kg.paths.Projection` adds
    path search and patches.

    Take ``lock`` around any use of ``graph`` (patches mutate it in place).
    """

    def __init__(
        self,
        store: Store,
        graph: Any,
        *,
        revision: int,
        relations: frozenset[str],
        classes: frozenset[str],
    ) -> None:
        self.store = store
        self.cache: dict[Any, Any] = {}
        """Evidence read for answers (answers.py); emptied by every patch."""
        self.denied_parties: set[str] = set()
        """Entities that are subject or object of some denied claim (any relation)."""
        self.denials: Denials | None = None
        """The denied claims naming each party, where the whole store was read (a frontier
        over a remote engine has none: answers ask the engine)."""
        self.impure: frozenset[str] = frozenset()
        """Relations with a triple whose subject or object is not an IRI (so not all their
        triples are edges here); a patch only ever adds to it."""
        self._windows: dict[tuple[str, str, str], tuple[ClaimWindow, ...]] | None = None
        self._types: MutableMapping[str, frozenset[str]] | None = None
        self.graph = graph
        self.revision = revision
        self.relations = relations
        self.classes = classes
        self.lock = threading.Lock()
        self.built_seconds = 0.0

    def __contains__(self, iri: object) -> bool:
        return iri in self.graph

    # -- edges -----------------------------------------------------------------------------

    def types(self) -> Mapping[str, frozenset[str]]:
        """The classes of every node (read on the first ``entity_type`` question)."""
        if self._types is None:
            graph = self.graph
            found = read_types(self.store, "", self.classes)
            self._types = {node: kinds for node, kinds in found.items() if node in graph}
        return self._types

    def windows(self) -> dict[tuple[str, str, str], tuple[ClaimWindow, ...]]:
        """Claim stances and validity of every edge with a dated claim (built on first use)."""
        if self._windows is None:
            self._windows = read_windows(self.store)
        return self._windows

    def _stance(
        self, edge: tuple[str, str, str, str], stance: str, options: PathOptions
    ) -> str | None:
        """The stance of ``edge`` (node, other, side, relation) under the options, or None
        when it may not be walked."""
        node, other, side, relation = edge
        if options.relations is not None and relation not in options.relations:
            return None
        if relation in options.exclude:
            return None
        found: str | None = stance
        if options.as_of is not None:
            stated = (node, relation, other) if side == "out" else (other, relation, node)
            windows = self.windows().get(stated)
            if windows:
                found = summary(w for w in windows if valid_on(w, options.as_of))
        if found is None or (found == "denied" and not options.include_disputed):
            return None
        return found

    def _sides(self, direction: Direction, backward: bool) -> list[tuple[dict[str, Any], str]]:
        succ, pred = self.graph._succ, self.graph._pred
        if direction == "any":
            return [(succ, "out"), (pred, "in")]
        forward = (direction == "out") != backward
        return [(succ, "out")] if forward else [(pred, "in")]

    def _step(self, node: str, options: PathOptions, backward: bool = False) -> Iterator[str]:
        """Neighbours reachable in one usable hop (``backward``: walking toward the source)."""
        sides = self._sides(options.direction, backward)
        if options.as_of is None:
            wanted, excluded, denied_ok = (
                options.relations,
                options.exclude,
                options.include_disputed,
            )
            for adjacency, _ in sides:
                for other, keyed in adjacency[node].items():
                    for relation, data in keyed.items():
                        if (
                            (wanted is None or relation in wanted)
                            and relation not in excluded
                            and (denied_ok or data["stance"] != "denied")
                        ):
                            yield other
                            break
            return
        for adjacency, side in sides:
            for other, keyed in adjacency[node].items():
                for relation, data in keyed.items():
                    if self._stance((node, other, side, relation), data["stance"], options):
                        yield other
                        break

    def _edges(self, node: str, options: PathOptions, only: str | None = None) -> list[Hop]:
        out: list[Hop] = []
        for adjacency, side in self._sides(options.direction, False):
            around = adjacency[node]
            pairs = around.items() if only is None else [(only, around.get(only, {}))]
            for other, keyed in pairs:
                for relation, data in keyed.items():
                    stance = self._stance((node, other, side, relation), data["stance"], options)
                    if stance is not None:
                        out.append(Hop(node, other, relation, side, stance))  # type: ignore[arg-type]
        return out

    def walkable(self, options: PathOptions) -> Iterator[tuple[str, str]]:
        """Every (subject, object) pair with a usable edge as stated (for comparisons)."""
        plain = replace(options, direction="out")
        for node in self.graph._succ:
            for other in self._step(node, plain):
                yield node, other

    def hops(self, a: str, b: str, options: PathOptions) -> list[Hop]:
        """Every usable edge between consecutive path nodes ``a`` and ``b``, best stance first."""
        found = self._edges(a, options, only=b)
        found.sort(key=lambda h: (STANCE_RANK[h.stance], h.direction != "out", h.relation))
        return found

    def neighbours(self, node: str, options: PathOptions) -> list[Hop]:
        """Every usable edge at ``node`` (stance, then relation, then neighbour order)."""
        out = self._edges(node, options)
        out.sort(key=lambda h: (STANCE_RANK[h.stance], h.relation, h.target, h.direction))
        return out

    # -- stated triples (the SPARQL graph index, sparql/accel) ------------------------------
    # Asserted and disputed edges are exactly the direct triples ``s relation o`` with an IRI
    # object; denied-only edges have no triple and are never returned. Callers hold no lock:
    # a concurrent patch may raise RuntimeError (a dict changed size) or change ``revision``.

    def stated_objects(self, subject: str, relation: str) -> list[str]:
        """Every ``o`` with a direct triple ``subject relation o``."""
        return _stated(self.graph._succ.get(subject), relation)

    def stated_subjects(self, obj: str, relation: str) -> list[str]:
        """Every ``s`` with a direct triple ``s relation obj``."""
        return _stated(self.graph._pred.get(obj), relation)

    def is_stated(self, subject: str, relation: str, obj: str) -> bool:
        """Whether the direct triple ``subject relation obj`` exists."""
        around = self.graph._succ.get(subject)
        keyed = around.get(obj) if around else None
        data = keyed.get(relation) if keyed else None
        return data is not None and data["stance"] != "denied"

    def stated_pairs(self, relation: str) -> Iterator[tuple[str, str]]:
        """Every (s, o) with a direct triple ``s relation o`` (a scan of all edges)."""
        for s, around in self.graph._succ.items():
            for o, keyed in around.items():
                data = keyed.get(relation)
                if data is not None and data["stance"] != "denied":
                    yield s, o

    def degree(self, node: str) -> int:
        """How many neighbours ``node`` has (both directions, any relation or stance)."""
        graph = self.graph
        return len(graph._succ.get(node, ())) + len(graph._pred.get(node, ()))


def _stated(around: dict[str, dict[str, Any]] | None, relation: str) -> list[str]:
    """The neighbours in ``around`` (one node's adjacency) linked by a stated ``relation``."""
    if not around:
        return []
    return [
        node
        for node, keyed in around.items()
        if (data := keyed.get(relation)) is not None and data["stance"] != "denied"
    ]
