"""Which denied claims name each entity, kept with the projection (:class:`Denials`).

An answer shows, next to each entity on a path, the denials it is party to (e.g. Hikvision's
own denial) and how many there are. Asking the store for them costs a lookup per claim that
names the entity: a hub of a million-entity graph is named by tens of thousands of claims,
and one answer then spent most of its time there. The projection build reads every denied
claim once anyway, so the few shown and the count per party are kept beside the edges,
saved with them (``saved.py``) and refreshed for the entities a write touches (``patch``).

>>> found = Denials.of([("e:a", "c:2"), ("e:a", "c:1"), ("e:b", "c:1")], {"e:a"})
>>> found.lookup(["e:a", "e:b"])
({'e:a': ['c:1', 'c:2']}, {'e:a': 2})
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet

from supplychain_kg.paths.source import _denial_pairs_query, chunked, tsv_rows, values
from supplychain_kg.store import Store

__all__ = ["SHOWN", "Denials", "denial_pairs"]

SHOWN = 10
"""Denied claims shown per party (the first in IRI order); the count says how many more."""


def denial_pairs(store: Store, entities: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(entity, claim) for each denied claim naming one of ``entities`` (subject or object) (a batch of VALUES at a time)."""
    for chunk in chunked(sorted(set(entities)), 1000):
        for e, c in tsv_rows(store, _denial_pairs_query(values("e", chunk))):
            yield e[1:-1], c[1:-1]


def _line(claims: set[str]) -> str:
    return " ".join([str(len(claims)), *sorted(claims)[:SHOWN]])


class Denials:
    """Party IRI -> a line ``"count claim claim ..."`` (the count of denied claims naming it,
    then the first :data:`SHOWN` of them in IRI order), parsed when asked: a store with
    hundreds of thousands of parties loads as one string each."""

    def __init__(self, lines: dict[str, str] | None = None) -> None:
        self.lines: dict[str, str] = lines if lines is not None else {}

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]], parties: AbstractSet[str]) -> Denials:
        """The denials of ``parties`` among the (entity, claim) ``pairs``."""
        found: dict[str, set[str]] = {}
        for entity, claim in pairs:
            if entity in parties:
                found.setdefault(entity, set()).add(claim)
        return cls({entity: _line(claims) for entity, claims in found.items()})

    def refresh(self, pairs: Iterable[tuple[str, str]], entities: Iterable[str]) -> None:
        """Replace what is kept for ``entities`` by their ``pairs`` (read from the store
        after a write; an entity without any now has none kept)."""
        found: dict[str, set[str]] = {}
        for entity, claim in pairs:
            found.setdefault(entity, set()).add(claim)
        for entity in entities:
            claims = found.get(entity)
            if claims:
                self.lines[entity] = _line(claims)
            else:
                self.lines.pop(entity, None)

    def lookup(self, parties: Iterable[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
        """For each of ``parties`` that some denied claim names: the claims shown (IRI
        order) and how many there are, as two dicts."""
        shown: dict[str, list[str]] = {}
        counts: dict[str, int] = {}
        for party in parties:
            line = self.lines.get(party)
            if line:
                count, *claims = line.split(" ")
                shown[party] = claims
                counts[party] = int(count)
        return shown, counts

    def saved(self, parties: list[str]) -> list[str]:
        """One line per entry of ``parties`` ("0": none kept), for :meth:`restored`."""
        return [self.lines.get(party, "0") for party in parties]

    @classmethod
    def restored(cls, parties: list[str], lines: list[str]) -> Denials:
        """What :meth:`saved` gave for ``parties``, checked line by line."""
        if len(lines) != len(parties):
            raise ValueError("the denials do not match the parties")
        kept: dict[str, str] = {}
        for party, line in zip(parties, lines, strict=True):
            count, _, claims = line.partition(" ")
            if not count.isdigit():
                raise ValueError(f"a line of denials is malformed: {line[:80]!r}")
            if count != "0":
                if not claims or claims.count(" ") >= min(int(count), SHOWN):
                    raise ValueError(f"a line of denials is malformed: {line[:80]!r}")
                kept[party] = line
        return cls(kept)
