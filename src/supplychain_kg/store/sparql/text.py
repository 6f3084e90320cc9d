"""The engine's own full-text index, where it has one (Virtuoso's ``bif:contains``).

:class:`TextIndex` answers :meth:`SparqlStore.text_match`: the subjects whose value for one of
some predicates holds, for every usable word of a search, a word that starts with it. The
caller scores those candidates itself; this is only a filter that keeps a superset of the
names in which every word of the search begins a word.

What the engine's index cannot do, so the caller's own name index must (the words are then
left out of the filter, or the whole search is left to the caller when none is left):

- a wildcard needs at least 4 letters before it on Virtuoso (``FT370``): shorter words are left
  out of the filter (they are still scored by the caller);
- words with letters outside ASCII are left out too: Virtuoso matches ``zürich`` but not
  ``zurich`` against "Zürich", and its case folding outside ASCII is not the caller's;
- no misspelling, no match inside a word ("vision" in "Hikvision"), no names written with
  other word breaks ("Hik-Vision" for "Hikvision");
- the index is kept up to date in batches (``DB.DBA.VT_INC_INDEX_DB_DBA_RDF_OBJ()``, or the
  interval set with ``DB.DBA.VT_BATCH_UPDATE``): a name written since the last batch is not
  in it yet.

Quoting: the text expression is made only of words of ASCII letters and digits, each in
double quotes with a ``*`` (so no operator such as ``AND``, ``NEAR`` or ``*`` of the search
text can act), joined by ``AND``; the expression goes into the query as a SPARQL string
literal with every quote and backslash escaped (``term_to_sparql``).

The probe (:meth:`TextIndex.available`): an engine that does not know ``bif:contains`` refuses
the query (a syntax error): no index, for good. One that knows it is asked for a word of one
of the store's own labels: found, the index is there, for good; not found (switched off, or
not built yet), the answer is no for a minute, then asked again. The probe goes through the
same client as every request: no credential is in its text, its answer or its log line.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from supplychain_kg.errors import QueryError, StoreError
from supplychain_kg.model import IRI, Literal, term_to_sparql
from supplychain_kg.store.oxigraph import checked_iri, select_answer
from supplychain_kg.store.sparql.dialect import incoming
from supplychain_kg.store.sparql.meta import DEFAULT

if TYPE_CHECKING:
    from supplychain_kg.store.sparql.store import SparqlStore

__all__ = ["MIN_PREFIX", "TextIndex", "text_expression"]

log = logging.getLogger(__name__)

MIN_PREFIX = 4
"""Letters Virtuoso wants before a ``*`` wildcard."""
_MAX_WORDS = 8
"""Words a filter uses at most (the longest: they narrow it most)."""
_RETRY = 60.0
"""Seconds before an engine whose index did not answer the probe is asked again."""
_USABLE = re.compile(r"[a-z0-9]+")
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_JSON = "application/sparql-results+json"


def text_expression(words: Sequence[str]) -> str | None:
    """The Virtuoso text expression for ``words`` (each must begin a word of the text), or
    None when no word is usable (see the module's docstring).

    >>> text_expression(["Hikvision", "dig", 'x" OR "y', "AND", "zürich"])
    '"hikvision*"'
    >>> text_expression(["hangzhou", "digital"])
    '"hangzhou*" AND "digital*"'
    """
    usable: list[str] = []
    for word in words:
        lowered = word.lower()
        if not lowered.isascii() or not _USABLE.fullmatch(lowered):
            continue  # a word with quotes, operators' signs or letters outside ASCII
        if len(lowered) >= MIN_PREFIX and lowered not in usable:
            usable.append(lowered)
    if not usable:
        return None
    if len(usable) > _MAX_WORDS:  # the longest, in the search's order
        longest = set(sorted(usable, key=lambda w: (-len(w), w))[:_MAX_WORDS])
        usable = [w for w in usable if w in longest]
    return " AND ".join(f'"{w}*"' for w in usable)


class TextIndex:
    """Whether the engine has a full-text index over the store's names, and queries on it."""

    def __init__(self, store: SparqlStore) -> None:
        self._store = store
        self._known: bool | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def available(self) -> bool:
        """Probe the engine once (see the module's docstring)."""
        if self._known is not None:
            return self._known
        if time.monotonic() < self._retry_at:
            return False
        with self._lock:
            if self._known is None and time.monotonic() >= self._retry_at:
                found = self._probe()
                if found is None:
                    self._retry_at = time.monotonic() + _RETRY
                else:
                    self._known = found
            return bool(self._known)

    def _probe(self) -> bool | None:
        """True: the index answers; False: the engine has none; None: not now."""
        try:
            ask = f'ASK {{ ?s <{_LABEL}> ?o . ?o bif:contains "\\"skgprobe\\"" }}'
            self._store.query(ask, timeout=30)
        except QueryError:
            log.info(
                "the SPARQL engine has no full-text index (bif:contains): names are searched locally"
            )
            return False
        except StoreError:
            return None
        rows = self._store.query(f"SELECT ?o WHERE {{ ?s <{_LABEL}> ?o }} LIMIT 20").rows()
        for row in rows:
            words = [w for w in _USABLE.findall(str(row["o"].value).lower()) if len(w) >= 4]
            if not words:
                continue
            word = term_to_sparql(Literal(f'"{words[0]}"'))
            ask = f"ASK {{ ?s <{_LABEL}> ?o . ?o bif:contains {word} }}"
            try:
                if self._store.query(ask, timeout=30).boolean:
                    return True
            except (QueryError, StoreError):
                pass
            log.info(
                "the SPARQL engine knows bif:contains but its full-text index does not hold the "
                "store's names (switched off, or not built yet): names are searched locally"
            )
            return None
        return None  # no label to probe with yet

    def subjects(
        self, words: Sequence[str], predicates: Sequence[str], *, limit: int
    ) -> list[str] | None:
        """Up to ``limit`` subjects with a value for one of ``predicates`` in which every
        usable word begins a word, those with the shortest such value first; None when the
        index is not there, no word is usable, or the engine refuses the expression."""
        expression = text_expression(words)
        if expression is None or not self.available():
            return None
        kinds = " ".join(str(checked_iri(p)) for p in predicates)
        # Sent without a dataset, over every graph, each row naming its graph, and kept only
        # for the store's default graph: Virtuoso 7 drives a one-word query from its text
        # index only so (with the graph restricted it scanned every name: 1.8 s instead of
        # 20 ms at 50,000 entities).
        query = (
            f"SELECT ?s ?g (MIN(STRLEN(STR(?o))) AS ?n) WHERE {{ VALUES ?p {{ {kinds} }} "
            f"GRAPH ?g {{ ?s ?p ?o . ?o bif:contains {term_to_sparql(Literal(expression))} }} }} "
            f"GROUP BY ?s ?g ORDER BY ?n ?s LIMIT {int(limit)}"
        )
        try:
            body, media = self._store.client.query(query, _JSON)
        except QueryError as exc:
            log.info("the engine's full-text index refused a search (%s): searched locally", exc)
            return None
        media = media or _JSON
        rows = select_answer(incoming(body, media), media).rows()
        return [
            str(row["s"].value)
            for row in rows
            if isinstance(row.get("s"), IRI) and str(row["g"].value) == DEFAULT
        ]
