"""Reading the path projection's rows out of the store.

The queries behind ``paths.py``: direct triples (the asserted edges), denied claims, claim
validity for ``as_of`` and entity types. Results are streamed as SPARQL TSV, which is much
faster than term-by-term rows at millions of edges.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from .namespaces import RDF, SKG
from .store import Store

__all__ = [
    "ClaimWindow",
    "chunked",
    "read_denied",
    "read_direct",
    "read_types",
    "read_windows",
    "relations_filter",
    "touched_entities",
    "tsv_rows",
    "values",
]

_DENIED = f"<{SKG}Denied>"


class ClaimWindow(NamedTuple):
    """One claim's stance and validity (ISO dates, None when open), kept for ``as_of``."""

    denied: bool
    start: str | None
    end: str | None


def _tsv_date(field: str) -> str | None:
    if not field.startswith('"'):
        return None
    return field[1 : field.index('"', 1)]


def tsv_rows(store: Store, sparql: str) -> Iterator[list[str]]:
    """Run a SELECT and stream its TSV rows (fields still in N-Triples syntax).

    The rows are spooled through an anonymous temporary file (gone even if the process dies).
    """
    with tempfile.TemporaryFile(prefix="skg-projection-", suffix=".tsv") as out:
        store.query(sparql).serialize("text/tab-separated-values", out)
        out.seek(0)
        out.readline()
        for raw in out:
            yield raw.decode("utf-8").rstrip("\n").split("\t")


def chunked(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def values(var: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ " + " ".join(f"<{i}>" for i in sorted(iris)) + " }"


def relations_filter(relations: Iterable[str]) -> str:
    return values("rel", relations)


def read_direct(store: Store, scope: str) -> Iterator[tuple[str, str, str]]:
    """(subject, relation, object) IRIs of the direct triples in ``scope`` (a graph pattern
    binding ?s ?rel ?o): each exists only while an asserted claim backs it."""
    query = f"SELECT ?s ?rel ?o WHERE {{ {scope} FILTER(isIRI(?o)) }}"
    for s, rel, o in tsv_rows(store, query):
        yield s[1:-1], sys.intern(rel[1:-1]), o[1:-1]


def read_denied(store: Store, scope: str) -> Iterator[tuple[str, str, str | None]]:
    """(subject, relation, object) of the denied claims in ``scope``; object None when it is
    a literal (e.g. a denied amount)."""
    query = f"""SELECT DISTINCT ?s ?rel ?o WHERE {{ {scope}
        ?c <{SKG}stance> <{SKG}Denied> ; <{SKG}subject> ?s ; <{SKG}relation> ?rel ;
           <{SKG}object> ?o . FILTER(isIRI(?s)) }}"""
    for s, rel, o in tsv_rows(store, query):
        yield s[1:-1], sys.intern(rel[1:-1]), o[1:-1] if o.startswith("<") else None


def read_windows(store: Store) -> dict[tuple[str, str, str], tuple[ClaimWindow, ...]]:
    """Every claim of every edge that has at least one dated claim."""
    query = f"""SELECT ?s ?rel ?o ?stance ?from ?to WHERE {{
        {{ SELECT DISTINCT ?s ?rel ?o WHERE {{
            {{ ?d <{SKG}validFrom> ?x }} UNION {{ ?d <{SKG}validTo> ?x }}
            ?d <{SKG}subject> ?s ; <{SKG}relation> ?rel ; <{SKG}object> ?o }} }}
        ?c <{SKG}subject> ?s ; <{SKG}relation> ?rel ; <{SKG}object> ?o ; <{SKG}stance> ?stance .
        OPTIONAL {{ ?c <{SKG}validFrom> ?from }} OPTIONAL {{ ?c <{SKG}validTo> ?to }} }}"""
    found: dict[tuple[str, str, str], list[ClaimWindow]] = {}
    for s, rel, o, stance, start, end in tsv_rows(store, query):
        window = ClaimWindow(stance == _DENIED, _tsv_date(start), _tsv_date(end))
        found.setdefault((s[1:-1], rel[1:-1], o[1:-1]), []).append(window)
    return {key: tuple(windows) for key, windows in found.items()}


def read_types(store: Store, scope: str, classes: frozenset[str]) -> dict[str, frozenset[str]]:
    shared: dict[frozenset[str], frozenset[str]] = {}
    found: dict[str, set[str]] = {}
    query = f"SELECT ?x ?t WHERE {{ {scope} {values('t', classes)} ?x <{RDF}type> ?t }}"
    for x, t in tsv_rows(store, query):
        found.setdefault(x[1:-1], set()).add(sys.intern(t[1:-1]))
    return {x: shared.setdefault(frozenset(ts), frozenset(ts)) for x, ts in found.items()}


def touched_entities(staging: Store, relations: frozenset[str]) -> set[str]:
    """Entities whose edges a write of ``staging`` may change (claim ends, direct triples)."""
    query = f"""SELECT DISTINCT ?e WHERE {{
        {{ ?c <{SKG}subject> ?e }} UNION {{ ?c <{SKG}object> ?e }} UNION
        {{ {relations_filter(relations)} {{ ?e ?rel ?x }} UNION {{ ?x ?rel ?e }} }}
        FILTER(isIRI(?e)) }}"""
    return {row[0][1:-1] for row in tsv_rows(staging, query)}
