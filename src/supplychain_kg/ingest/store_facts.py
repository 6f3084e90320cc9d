"""What the record checker reads from the store, a batch of keys at a time: the store as it was
when the import began (:class:`StoreFacts`: its subjects, ids and types), and, once the import
is written, the types of values, the triples of subjects and the validation of subjects in the
store as it is."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from supplychain_kg.errors import Violation
from supplychain_kg.ingest.descriptions import SLUG, TYPE
from supplychain_kg.model import IRI, Literal, Term, term_to_sparql
from supplychain_kg.store import Store
from supplychain_kg.validate import Validator

__all__ = [
    "BATCH",
    "PRELOAD_TRIPLES",
    "StoreFacts",
    "batches",
    "tsv_rows",
    "types_in",
    "validate_in_store",
    "values_block",
]

_T = TypeVar("_T")

PRELOAD_TRIPLES = 200_000
"""A store of at most this many triples is read into memory by an import that is not small
(its subjects, ids and types); a larger one is looked up, a batch of descriptions at a time."""
BATCH = 2000
"""Descriptions checked at a time (the store is asked once for a batch); an import that
asks about this many keys is not a small one."""
_LOOKUP = 1000


def _lit(text: str) -> str:
    """A plain string literal in SPARQL."""
    return term_to_sparql(Literal(text))


def values_block(var: str, items: Iterable[str]) -> str:
    """``VALUES ?var { ... }`` of ``items``, terms written in SPARQL already."""
    return f"VALUES ?{var} {{ {' '.join(items)} }}"


def batches(items: list[_T], size: int = _LOOKUP) -> Iterator[list[_T]]:
    """``items`` in lists of ``size`` (one store query each)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class StoreFacts:
    """What the store held when the import began, for the keys this import did not write.

    Once an import has asked about ``BATCH`` keys (it is not a small one), a store of at most
    ``preload`` triples is read into memory (its subjects, ids and types); until then, and for
    a larger store, keys are looked up in the store, a batch at a time. Either way the answer
    is only right for keys the import did not write, which the callers make sure of (they ask
    the ledger first).
    """

    def __init__(self, store: Store, preload: int = PRELOAD_TRIPLES) -> None:
        self.store = store
        self.preload = preload
        self._asked = 0
        # the store's content, once read (None: looked up)
        self.subjects: set[str] | None = None
        self.slugs: dict[str, str] = {}
        self.types: dict[str, set[str]] | None = None

    def _ask(self, keys: int) -> None:
        before, self._asked = self._asked, self._asked + keys
        if before < BATCH <= self._asked:
            self._load()

    def _load(self) -> None:
        if len(self.store) > self.preload:
            return  # too large to hold: look keys up
        query = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o FILTER(isIRI(?s)) }} LIMIT {self.preload + 1}"
        rows = list(self.store.query(query).rows())
        if len(rows) > self.preload:
            return  # too large to hold: look keys up
        subjects: set[str] = set()
        slugs: dict[str, str] = {}
        types: dict[str, set[str]] = {}
        for row in rows:
            s, p, o = row["s"].value, row["p"].value, row["o"]
            subjects.add(s)
            if p == SLUG and isinstance(o, Literal):
                slugs.setdefault(o.value, s)
            elif p == TYPE and isinstance(o, IRI):
                types.setdefault(s, set()).add(o.value)
        self.subjects, self.slugs, self.types = subjects, slugs, types

    def subjects_among(self, iris: Sequence[str]) -> set[str]:
        """The IRIs of ``iris`` that are subjects of a triple in the store."""
        self._ask(len(iris))
        if self.subjects is not None:
            return self.subjects.intersection(iris)
        found: set[str] = set()
        for chunk in batches(sorted(set(iris))):
            values = values_block("s", (f"<{i}>" for i in chunk))
            query = f"SELECT DISTINCT ?s WHERE {{ {values} ?s ?p [] }}"
            found.update(str(r["s"].value) for r in self.store.query(query).rows())
        return found

    def slug_owners(self, slugs: Sequence[str]) -> dict[str, str]:
        """Id -> a resource of the store that has it, for the ids of ``slugs`` in use."""
        self._ask(len(slugs))
        if self.subjects is not None:
            known = self.slugs
            return {s: known[s] for s in slugs if s in known}
        found: dict[str, str] = {}
        for chunk in batches(sorted(set(slugs))):
            values = values_block("slug", (_lit(s) for s in chunk))
            query = f"SELECT ?slug ?x WHERE {{ {values} ?x <{SLUG}> ?slug }}"
            for row in self.store.query(query).rows():
                found.setdefault(str(row["slug"].value), str(row["x"].value))
        return found

    def types_of(self, iris: Sequence[str]) -> dict[str, set[str]]:
        """IRI -> its types in the store, for the IRIs of ``iris`` that have one."""
        self._ask(len(iris))
        if self.types is not None:
            known = self.types
            return {i: known[i] for i in iris if i in known}
        return types_in(self.store, sorted(set(iris)))


def tsv_rows(store: Store, where: str) -> set[str]:
    """The rows of ``SELECT ?s ?p ?o WHERE { <where> }`` as tab-separated N-Triples terms."""
    answer = store.query(f"SELECT ?s ?p ?o WHERE {{ {where} }}").serialize(
        "text/tab-separated-values"
    )
    return set((answer or b"").decode("utf-8").split("\n")[1:])


def types_in(store: Store, iris: list[str]) -> dict[str, set[str]]:
    """IRI -> its types in ``store``, for the IRIs of ``iris`` that have one."""
    found: dict[str, set[str]] = {}
    for chunk in batches(iris):
        values = values_block("x", (f"<{i}>" for i in chunk))
        for row in store.query(f"SELECT ?x ?t WHERE {{ {values} ?x a ?t }}").rows():
            found.setdefault(str(row["x"].value), set()).add(str(row["t"].value))
    return found


def validate_in_store(validator: Validator, store: Store, subjects: list[str]) -> list[Violation]:
    """Validate ``subjects`` as the store now describes them (with the store as context)."""
    staging = store.staging()
    lines: list[str] = []
    for chunk in batches(subjects):
        values = values_block("s", (f"<{i}>" for i in chunk))
        query = f"SELECT ?s ?p ?o WHERE {{ {values} ?s ?p ?o }}"
        for row in store.query(query).rows():
            lines.append(f"<{row['s'].value}> <{row['p'].value}> {_term(row['o'])} .\n")
    staging.parse_into("".join(lines).encode("utf-8"), "application/n-quads")
    return validator.validate(staging, store)


def _term(term: Term) -> str:
    """``term`` in N-Triples."""
    return f"<{term.value}>" if isinstance(term, IRI) else term_to_sparql(term)
