"""The classes of the projection's nodes (:class:`NodeTypes`), read on the first question
that filters by class: one small int per node (which set of classes it has) instead of a
dict entry per node, looked up through the compact graph's IRI numbers.

>>> from supplychain_kg.paths.compact import ASSERTED, CompactGraph
>>> graph = CompactGraph.from_edges([("a", "b", "r", ASSERTED)])
>>> types = NodeTypes.of(graph, {"a": frozenset({"Company"})})
>>> types.get("a"), types.get("b")
(frozenset({'Company'}), None)
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, MutableMapping

from supplychain_kg.paths.compact import CompactGraph

__all__ = ["NodeTypes"]


class NodeTypes(MutableMapping[str, frozenset[str]]):
    """IRI -> classes, as a dict would hold them: ``kinds[number]`` names a set of
    ``sets`` (-1: none); what a patch sets later is held beside them in ``changed``."""

    def __init__(self, graph: CompactGraph, kinds: array[int], sets: list[frozenset[str]]) -> None:
        if len(kinds) > len(graph.iris) or (kinds and max(kinds) >= len(sets)):
            raise ValueError("the types do not match the nodes")
        self.graph = graph
        self.kinds = kinds
        self.sets = sets
        self.changed: dict[str, frozenset[str] | None] = {}

    @classmethod
    def of(cls, graph: CompactGraph, types: Mapping[str, frozenset[str]]) -> NodeTypes:
        """The classes of ``types`` for the nodes of ``graph`` (others are left out)."""
        numbers: dict[frozenset[str], int] = {}
        kinds = array("i", [-1]) * len(graph.iris)
        ids = graph.ids
        for iri, found in types.items():
            i = ids.get(iri)
            if i is not None:
                k = numbers.get(found)
                if k is None:
                    k = numbers[found] = len(numbers)
                kinds[i] = k
        return cls(graph, kinds, list(numbers))

    def distinct(self) -> set[frozenset[str]]:
        """Every set of classes some node has (one pass over small ints, not over the IRIs)."""
        found = {self.sets[k] for k in set(self.kinds) if k >= 0}
        if self.changed:  # a changed node may have dropped the only use of a kept set
            found = set(self.values())
        return found

    def admits(
        self,
        wanted: frozenset[str] | None,
        avoid: frozenset[str],
        via: frozenset[str] | set[str],
    ) -> tuple[array[int], bytearray, dict[int, bool]]:
        """What a walk filtered by class may enter, for a test per node number without a
        lookup by IRI: ``kinds`` (a node's set number, as kept), one flag per set number
        (the last for -1, no class) and the nodes that differ from their kept set (changed
        by a patch, or named in ``via``, which lifts ``avoid``).

        A node is admitted when it has none of ``avoid`` (unless in ``via``) and, if
        ``wanted`` is given, one of ``wanted``; a node without classes has none of either.
        """

        def admitted(kinds: frozenset[str], lifted: bool = False) -> bool:
            if avoid and not lifted and not avoid.isdisjoint(kinds):
                return False
            return wanted is None or not wanted.isdisjoint(kinds)

        flags = bytearray(admitted(s) for s in self.sets)
        flags.append(admitted(frozenset()))
        special: dict[int, bool] = {}
        ids = self.graph.ids
        for iri, kinds in self.changed.items():
            i = ids.get(iri)
            if i is not None:
                special[i] = admitted(kinds or frozenset())
        for iri in via:
            i = ids.get(iri)
            if i is not None:
                special[i] = admitted(self.get(iri) or frozenset(), lifted=True)
        return self.kinds, flags, special

    def _kept(self, iri: str) -> frozenset[str] | None:
        i = self.graph.ids.get(iri)
        if i is None or i >= len(self.kinds):
            return None
        k = self.kinds[i]
        return self.sets[k] if k >= 0 else None

    def __getitem__(self, iri: str) -> frozenset[str]:
        found = self.changed[iri] if iri in self.changed else self._kept(iri)
        if found is None:
            raise KeyError(iri)
        return found

    def __setitem__(self, iri: str, kinds: frozenset[str]) -> None:
        self.changed[iri] = kinds

    def __delitem__(self, iri: str) -> None:
        self[iri]  # a KeyError if there is none
        self.changed[iri] = None

    def __iter__(self) -> Iterator[str]:
        iris, changed = self.graph.iris, self.changed
        for i, k in enumerate(self.kinds):
            if k >= 0 and iris[i] not in changed:
                yield iris[i]
        yield from (iri for iri, kinds in changed.items() if kinds is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def saved(self) -> tuple[array[int], list[frozenset[str]]]:
        """One set number per node of the graph (-1: none) and the sets, changes folded in."""
        if not self.changed:
            return self.kinds, self.sets
        return NodeTypes.of(self.graph, dict(self.items())).saved()
