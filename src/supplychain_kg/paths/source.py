"""Reading the path projection's rows out of the store.

The queries behind the projection (``edges.py``): direct triples (the asserted edges), denied
claims, claim validity for ``as_of`` and entity types. Results are streamed as SPARQL TSV,
which is much faster than term-by-term rows at millions of edges.

A full build reads the direct triples one relation at a time on worker threads
(:class:`FullRead`): the engine writes each relation's TSV without holding the
GIL, so it runs on the other cores while this thread turns the previous relation's rows into
edges. Decoding the stored IRIs is most of the engine's work, so this nearly halves a build.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

from supplychain_kg.namespaces import RDF, SKG
from supplychain_kg.store import Store

__all__ = [
    "ClaimWindow",
    "FullRead",
    "chunked",
    "claim_ends",
    "parallel_rows",
    "read_denied",
    "read_direct",
    "read_types",
    "read_windows",
    "relations_filter",
    "staged_impure",
    "staged_subjects",
    "touched_entities",
    "tsv_rows",
    "tsv_text",
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


_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    if code:
        return chr(int(code, 16))
    return _ESCAPES.get(match.group(3), match.group(0))


def tsv_text(field: str) -> str:
    """The text of a TSV field: a literal's lexical form (escapes undone, language tag or
    datatype dropped), an IRI without its brackets, a blank node as written.

    >>> tsv_text('"Fisca \\"FSC\\""@en'), tsv_text("<http://x/a>")
    ('Fisca "FSC"', 'http://x/a')
    """
    if field.startswith('"'):
        value = field[1 : field.rindex('"')]
        return _ESCAPE.sub(_unescape, value) if "\\" in value else value
    if field.startswith("<"):
        return field[1:-1]
    return field


def tsv_rows(store: Store, sparql: str) -> Iterator[list[str]]:
    """Run a SELECT and stream its TSV rows (fields still in N-Triples syntax), page by page
    (``Store.select_pages``: one page on the embedded store).

    The rows are spooled through an anonymous temporary file (gone even if the process dies).
    """
    for page in store.select_pages(sparql):
        with tempfile.TemporaryFile(prefix="skg-projection-", suffix=".tsv") as out:
            page.serialize("text/tab-separated-values", out)
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
    binding ?s ?rel ?o): each exists only while an asserted claim backs it. Blank or literal
    ends are left out (a projection node is an entity IRI)."""
    query = f"SELECT ?s ?rel ?o WHERE {{ {scope} FILTER(isIRI(?s) && isIRI(?o)) }}"
    for s, rel, o in tsv_rows(store, query):
        yield s[1:-1], sys.intern(rel[1:-1]), o[1:-1]


def _relation_query(relation: str) -> str:
    """Every ``?s <relation> ?o`` of the default graph with an IRI object, one row per subject
    with its objects joined by spaces (an IRI has none). Grouping decodes each subject once
    instead of once per edge (a quarter less engine time, half the text)."""
    return (
        f"SELECT ?s (GROUP_CONCAT(STR(?o); separator=' ') AS ?os) "
        f"WHERE {{ ?s <{relation}> ?o FILTER(isIRI(?o)) }} GROUP BY ?s"
    )


def _workers(workers: int | None) -> int:
    return max(1, min(4, workers or os.cpu_count() or 1))


def _ahead(
    pool: ThreadPoolExecutor, store: Store, queries: Iterable[str], window: int
) -> Iterator[bytes]:
    """Each query's TSV answer in order, with up to ``window`` of them running on ``pool``."""
    queue = iter(queries)
    pending: deque[Future[bytes]] = deque()
    try:
        for query in queue:
            pending.append(pool.submit(_tsv_bytes, store, query))
            if len(pending) >= window:
                break
        while pending:
            future = pending.popleft()
            for query in queue:
                pending.append(pool.submit(_tsv_bytes, store, query))
                break
            yield future.result()
    finally:
        for future in pending:
            future.cancel()


def parallel_rows(
    store: Store, queries: Iterable[str], workers: int | None = None
) -> Iterator[list[str]]:
    """The TSV rows of several SELECTs, in order, the engine running up to ``workers`` of
    them ahead on other threads (default: the CPU count, at most 4) while this thread reads
    the rows of the earlier ones."""
    size = _workers(workers)
    with ThreadPoolExecutor(size, thread_name_prefix="skg-read") as pool:
        for data in _ahead(pool, store, queries, size):
            yield from _rows(data)


class FullRead:
    """A whole-store read for a projection build: the direct triples one relation at a time
    and the denied claims, on worker threads (the engine's TSV writer runs without the GIL).

    Use as a context manager; :meth:`direct` keeps up to ``workers`` relations in flight
    (default: the CPU count, at most 4), so that many answers at most are held in memory.
    The denied claims are read alongside from the start, for :meth:`denied` at the end.
    """

    def __init__(self, store: Store, relations: Iterable[str], workers: int | None = None):
        self.store = store
        self.relations = sorted(relations)
        self.size = _workers(workers)
        self._pool = ThreadPoolExecutor(self.size, thread_name_prefix="skg-projection")
        self._denied: Future[bytes] | None = None
        self._counts: Future[dict[str, int]] | None = None
        self._pairs: Future[bytes] | None = None

    def __enter__(self) -> FullRead:
        self._denied = self._pool.submit(_tsv_bytes, self.store, _denied_query(""))
        self._pairs = self._pool.submit(_tsv_bytes, self.store, _denial_pairs_query())
        self._counts = self._pool.submit(_relation_counts, self.store, self.relations)
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def direct(self) -> Iterator[tuple[str, Iterator[tuple[str, list[str]]]]]:
        """Per relation, its direct triples as (subject IRI, [object IRIs]) (literal objects
        and blank subjects left out)."""
        queries = [_relation_query(r) for r in self.relations]
        answers = _ahead(self._pool, self.store, queries, self.size)
        for relation, data in zip(self.relations, answers, strict=True):
            yield sys.intern(relation), _grouped(data)

    def impure(self, read: dict[str, int]) -> frozenset[str]:
        """The relations with a triple whose subject or object is not an IRI: those whose
        triple count is more than the ``read`` (subject, object) IRI pairs (counting decodes
        nothing, so it is cheap; a filter on the term kinds costs a full decoding pass)."""
        if self._counts is None:
            raise RuntimeError("FullRead.impure() needs the read entered (a with block)")
        counts = self._counts.result()
        return frozenset(r for r in self.relations if counts.get(r, 0) != read.get(r, 0))

    def denied(self) -> Iterator[tuple[str, str, str | None]]:
        """As :func:`read_denied` for the whole store."""
        if self._denied is None:
            raise RuntimeError("FullRead.denied() needs the read entered (a with block)")
        return _denied_rows(sorted(_rows(self._denied.result())))

    def denial_pairs(self) -> Iterator[tuple[str, str]]:
        """(entity, claim) for each denied claim and each IRI that is its subject or object
        (``denials.denial_pairs_query``)."""
        if self._pairs is None:
            raise RuntimeError("FullRead.denial_pairs() needs the read entered (a with block)")
        return ((e[1:-1], c[1:-1]) for e, c in _rows(self._pairs.result()))


def _relation_counts(store: Store, relations: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for relation in relations:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{relation}> ?o }}"
        rows = _rows(_tsv_bytes(store, query))
        counts[relation] = int(tsv_text(next(rows)[0]))
    return counts


def staged_impure(staging: Store, relations: Iterable[str]) -> set[str]:
    """The ``relations`` with a staged default-graph triple whose subject or object is not
    an IRI (a small staging store: the filter's decoding pass is cheap there)."""
    query = f"""SELECT DISTINCT ?rel WHERE {{ {relations_filter(relations)}
        ?s ?rel ?o FILTER(!isIRI(?s) || !isIRI(?o)) }}"""
    return {row[0][1:-1] for row in tsv_rows(staging, query)}


def _tsv_bytes(store: Store, sparql: str) -> bytes:
    """Run on a worker thread: the engine's result objects never leave the thread that made
    them, only the bytes do. Read page by page (``Store.select_pages``), one header kept."""
    parts: list[bytes] = []
    for page in store.select_pages(sparql):
        data = page.serialize("text/tab-separated-values") or b""
        parts.append(data if not parts else data[data.find(b"\n") + 1 :])
    return b"".join(parts)


def _rows(data: bytes) -> Iterator[list[str]]:
    lines = data.decode("utf-8").split("\n")
    del data
    for line in lines[1:]:
        if line:
            yield line.split("\t")


def _grouped(data: bytes) -> Iterator[tuple[str, list[str]]]:
    """Rows ``<s>\t"o1 o2 ..."`` of :func:`_relation_query` (blank subjects left out), by
    subject and object: the projection, and so the order of equally short paths, is then the
    same whatever order the engine answers in (embedded or remote)."""
    for s, objects in sorted(_rows(data)):
        if s[:1] == "<":
            yield s[1:-1], sorted(objects[1:-1].split(" "))


def _denial_pairs_query(scope: str = "") -> str:
    """(entity, claim) for each denied claim and each IRI that is its subject or object."""
    return f"""SELECT ?e ?c WHERE {{ {scope}
        {{ ?c <{SKG}subject> ?e }} UNION {{ ?c <{SKG}object> ?e }}
        ?c <{SKG}stance> <{SKG}Denied> FILTER(isIRI(?e)) }}"""


def _denied_query(scope: str) -> str:
    return f"""SELECT DISTINCT ?s ?rel ?o WHERE {{ {scope}
        ?c <{SKG}stance> <{SKG}Denied> ; <{SKG}subject> ?s ; <{SKG}relation> ?rel ;
           <{SKG}object> ?o . FILTER(isIRI(?s)) }}"""


def _denied_rows(rows: Iterable[list[str]]) -> Iterator[tuple[str, str, str | None]]:
    for s, rel, o in rows:
        yield s[1:-1], sys.intern(rel[1:-1]), o[1:-1] if o.startswith("<") else None


def read_denied(store: Store, scope: str) -> Iterator[tuple[str, str, str | None]]:
    """(subject, relation, object) of the denied claims in ``scope``; object None when it is
    a literal (e.g. a denied amount)."""
    return _denied_rows(tsv_rows(store, _denied_query(scope)))


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


def staged_subjects(staging: Store) -> set[str]:
    """Every IRI that is the subject of a staged triple, in any graph."""
    query = """SELECT DISTINCT ?s WHERE {
        { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } FILTER(isIRI(?s)) }"""
    return {row[0][1:-1] for row in tsv_rows(staging, query)}


def claim_ends(store: Store, claims: Iterable[str]) -> set[str]:
    """The subjects and objects that ``claims`` (any IRIs; non-claims give nothing) have in
    ``store`` now: a write that changes a claim changes the edge between these."""
    found: set[str] = set()
    for chunk in chunked(sorted(claims), 500):
        query = f"""SELECT DISTINCT ?e WHERE {{ {values("c", chunk)}
            {{ ?c <{SKG}subject> ?e }} UNION {{ ?c <{SKG}object> ?e }} FILTER(isIRI(?e)) }}"""
        found |= {row[0][1:-1] for row in tsv_rows(store, query)}
    return found
