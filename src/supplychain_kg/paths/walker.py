"""One hop of the frontier read from the store: the edges at a batch of entities, and, on the
first question that needs them, their types and their claims' validity.

This is what the frontier mode (``frontier.py``) asks the engine instead of holding the whole
projection: each read names its entities in a ``VALUES`` block (at most :data:`BATCH` of them
per query, batches sent on parallel connections) and returns exactly the rows a projection
build would have read for those entities, so the edges and their stances are the same
(asserted: a direct triple; disputed: a direct triple and a denied claim; denied: a denied
claim only; see ``edges.py``).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from supplychain_kg.namespaces import RDF, SKG
from supplychain_kg.paths.source import ClaimWindow, chunked, tsv_text, values
from supplychain_kg.store import Store

__all__ = [
    "BATCH",
    "Around",
    "count_direct",
    "read_around",
    "read_node_types",
    "read_node_windows",
]

BATCH = 400
"""Entities named in one query's ``VALUES`` block."""
_WORKERS = 4
KEPT_ROWS = 200
"""An entity read with at least this many rows (a well-connected one, which most walks pass)
has its rows kept in the cache of its store revision, so later questions do not read it again."""
KEPT_TOTAL = 200_000
"""The most rows kept that way per store revision (about 40 MB)."""
_DENIED = f"<{SKG}Denied>"

T = TypeVar("T")


@dataclass
class Around:
    """The rows a projection build reads for some entities, as (subject, relation, object).

    ``direct``: direct triples with an IRI at both ends (an asserted claim backs each);
    ``denied``: denied claims of a claimed relation with an IRI at both ends; ``parties``:
    the entities that are a party to a denied claim as the projection counts them (the
    subject of any denied claim, the object of one of a claimed relation).
    """

    direct: list[tuple[str, str, str]] = field(default_factory=list)
    denied: list[tuple[str, str, str]] = field(default_factory=list)
    parties: set[str] = field(default_factory=set)
    types: dict[str, set[str]] = field(default_factory=dict)
    """Every ``rdf:type`` of the entities read and of every edge's other end,
    read in the same query (an entity without a type has an empty set)."""


def _around_query(entities: list[str], relations: frozenset[str]) -> str:
    """Rows (kind, entity, relation, other end, type): ``o``/``i`` a direct triple out of/into
    the entity, ``no``/``ni`` a denied claim with the entity as subject/object, each with a
    type of the other end (one row per type, unbound when it has none); ``t`` a type of the
    entity itself (in ``?x``). The types come in the same request, so that the walk's type
    filter never asks for them one layer later.

    Each branch names the entities itself, and the relations are a ``FILTER ... IN``: with the
    ``VALUES`` outside the union, or the relations as a second ``VALUES``, Oxigraph and
    Virtuoso 7 join them after reading every relation's triples (seconds, not milliseconds, at
    250,000 relations). The ends' kinds are checked by the reader: Virtuoso's compiler fails on
    this union with ``FILTER(isIRI(...))`` in its branches ("sparp_gp_deprecate(): equiv
    replaces filter")."""
    ends = values("e", entities)
    rels = "FILTER(?rel IN (" + ", ".join(f"<{r}>" for r in sorted(relations)) + "))"
    denied = f"?c <{SKG}stance> {_DENIED} ; <{SKG}relation> ?rel"
    typed = f"OPTIONAL {{ ?x <{RDF}type> ?t }}"
    return f"""SELECT ?k ?e ?rel ?x ?t WHERE {{
        {{ {ends} ?e ?rel ?x {rels} {typed} BIND("o" AS ?k) }}
        UNION {{ {ends} ?x ?rel ?e {rels} {typed} BIND("i" AS ?k) }}
        UNION {{ {ends} {denied} ; <{SKG}subject> ?e ; <{SKG}object> ?x {typed} BIND("no" AS ?k) }}
        UNION {{ {ends} {denied} ; <{SKG}object> ?e ; <{SKG}subject> ?x {typed} BIND("ni" AS ?k) }}
        UNION {{ {ends} ?e <{RDF}type> ?x BIND("t" AS ?k) }} }}"""


def _tsv(store: Store, query: str) -> list[list[str]]:
    """A SELECT's rows as TSV fields (N-Triples syntax), in one request."""
    data = store.query(query).serialize("text/tab-separated-values") or b""
    return [line.split("\t") for line in data.decode("utf-8").split("\n")[1:] if line]


def _batched(
    store: Store, items: list[str], make: Callable[[list[str]], str]
) -> Iterator[list[list[str]]]:
    """The rows of ``make(chunk)`` for each chunk of ``items``, chunks sent side by side."""
    chunks = list(chunked(items, BATCH))
    if not chunks:
        return
    if len(chunks) == 1:
        yield _tsv(store, make(chunks[0]))
        return
    with ThreadPoolExecutor(min(_WORKERS, len(chunks)), thread_name_prefix="skg-hop") as pool:
        yield from pool.map(lambda chunk: _tsv(store, make(chunk)), chunks)


def read_around(
    store: Store,
    entities: Iterable[str],
    relations: frozenset[str],
    cache: dict[Any, Any] | None = None,
) -> Around:
    """Every edge at ``entities`` (of the claimed ``relations``), with the types of the
    entities and of the edges' other ends, as :class:`Around`.

    ``cache``: where the rows of well-connected entities are kept (see :data:`KEPT_ROWS`):
    one store revision's, as they are only true at that revision."""
    found = Around()
    items = sorted(set(entities))
    if not items:
        return found
    kept: list[list[list[str]]] = []
    if cache is not None:
        for item in items:
            rows = cache.get(("around", item))
            if rows is not None:
                kept.append(rows)
        if kept:
            items = [item for item in items if ("around", item) not in cache]
    types = found.types
    for item in items:
        types[item] = set()
    seen: set[tuple[str, str, str, str]] = set()
    fetched = _batched(store, items, lambda chunk: _around_query(chunk, relations))
    for rows in itertools.chain(kept, _keeping(fetched, cache)):
        for kind, e, rel, x, t in rows:
            if kind == '"t"':
                if x[:1] == "<":
                    types.setdefault(e[1:-1], set()).add(sys.intern(x[1:-1]))
                continue
            types.setdefault(e[1:-1], set())
            if kind != '"no"' and x[:1] != "<":
                continue  # a literal object, or a blank subject: never an edge's end
            if x[:1] == "<":
                kinds = types.setdefault(x[1:-1], set())
                if t[:1] == "<":
                    kinds.add(sys.intern(t[1:-1]))
            row = (kind, e, rel, x)
            if row in seen:
                continue  # the same edge again, with another type of its other end
            seen.add(row)
            s, o = (e, x) if kind in ('"o"', '"no"') else (x, e)
            subject, relation = s[1:-1], sys.intern(rel[1:-1])
            if kind in ('"o"', '"i"'):
                found.direct.append((subject, relation, o[1:-1]))
                continue
            found.parties.add(subject)
            if o.startswith("<") and relation in relations:
                found.parties.add(o[1:-1])
                found.denied.append((subject, relation, o[1:-1]))
    return found


def _keeping(
    fetched: Iterable[list[list[str]]], cache: dict[Any, Any] | None
) -> Iterator[list[list[str]]]:
    """``fetched`` as it comes; the rows of each entity with at least :data:`KEPT_ROWS` of
    them are put in ``cache`` too (within :data:`KEPT_TOTAL`)."""
    for rows in fetched:
        yield rows
        if cache is None or len(rows) < KEPT_ROWS:
            continue
        per_entity: dict[str, list[list[str]]] = {}
        for row in rows:
            per_entity.setdefault(row[1], []).append(row)
        for e, own in per_entity.items():
            total = cache.get(("around-rows",), 0)
            if len(own) >= KEPT_ROWS and total + len(own) <= KEPT_TOTAL:
                intern = sys.intern  # the kinds, relations and types repeat: kept once
                cache[("around", e[1:-1])] = [
                    [intern(k), e, intern(rel), x, intern(t)] for k, _, rel, x, t in own
                ]
                cache[("around-rows",)] = total + len(own)


def count_direct(store: Store, relations: frozenset[str]) -> int:
    """How many direct triples of ``relations`` the store holds (counting decodes nothing)."""
    rows = _tsv(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {values('rel', relations)} ?s ?rel ?o }}")
    return int(tsv_text(rows[0][0]))


def read_node_types(
    store: Store, nodes: Iterable[str], classes: frozenset[str]
) -> dict[str, frozenset[str]]:
    """The ``classes`` each of ``nodes`` has (nodes with none are left out)."""
    found: dict[str, set[str]] = {}

    def make(chunk: list[str]) -> str:
        kinds = values("t", classes)
        return f"SELECT ?x ?t WHERE {{ {values('x', chunk)} {kinds} ?x <{RDF}type> ?t }}"

    for rows in _batched(store, sorted(set(nodes)), make):
        for x, t in rows:
            found.setdefault(x[1:-1], set()).add(sys.intern(t[1:-1]))
    return {x: frozenset(ts) for x, ts in found.items()}


def _windows_query(chunk: list[str]) -> str:
    return f"""SELECT ?c ?s ?rel ?o ?stance ?from ?to WHERE {{ {values("e", chunk)}
        {{ ?c <{SKG}subject> ?e }} UNION {{ ?c <{SKG}object> ?e }}
        ?c <{SKG}subject> ?s ; <{SKG}relation> ?rel ; <{SKG}object> ?o ; <{SKG}stance> ?stance .
        OPTIONAL {{ ?c <{SKG}validFrom> ?from }} OPTIONAL {{ ?c <{SKG}validTo> ?to }} }}"""


def _date(field_: str) -> str | None:
    return tsv_text(field_) if field_.startswith('"') else None


def read_node_windows(
    store: Store, nodes: Iterable[str]
) -> dict[tuple[str, str, str], tuple[ClaimWindow, ...]]:
    """Every claim of every edge at ``nodes`` that has at least one dated claim (as
    ``source.read_windows`` reads them for the whole store)."""
    found: dict[tuple[str, str, str], dict[str, ClaimWindow]] = {}
    for rows in _batched(store, sorted(set(nodes)), _windows_query):
        for claim, s, rel, o, stance, start, end in rows:
            window = ClaimWindow(stance == _DENIED, _date(start), _date(end))
            # a claim may be read from both of its ends: keyed by its IRI, it counts once
            found.setdefault((s[1:-1], rel[1:-1], o[1:-1]), {})[claim] = window
    return {
        key: tuple(claims.values())
        for key, claims in found.items()
        if any(w.start is not None or w.end is not None for w in claims.values())
    }
