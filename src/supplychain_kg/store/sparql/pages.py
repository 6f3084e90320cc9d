"""Reading a large answer from a remote engine in pages, so that no request returns a giant
answer and no cap of the engine's cuts one short unseen.

A SELECT without ``LIMIT``/``OFFSET`` is counted first (``SELECT (COUNT(*) AS ?n) WHERE {
... }``), then read with ``LIMIT``/``OFFSET`` pages of ``SKG_STORE_PAGE_SIZE`` rows. A page
shorter than asked before the count is reached means the engine caps answers below the page
size (Virtuoso's ``ResultSetMaxRows``): StoreError names both settings. The pages carry no
``ORDER BY`` (sorting millions of rows for every page would cost more than the read): they rely
on the engine returning an unchanged graph in the same order each time, which Oxigraph and
Virtuoso do. A read during which another process wrote may mix the two states, as a cache
built while a write lands does on the embedded store: such a cache is labelled with the
revision read before it began, so it is rebuilt on next use.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from supplychain_kg.errors import StoreError
from supplychain_kg.sparqltext import iter_tokens
from supplychain_kg.store.oxigraph import OxigraphResult, select_answer

if TYPE_CHECKING:
    from supplychain_kg.store.sparql.store import SparqlStore

__all__ = ["Pager"]

_TSV = "text/tab-separated-values"


def _split(sparql: str) -> tuple[str, str, bool]:
    """(prologue, the rest from SELECT on, whether it already has LIMIT or OFFSET)."""
    start = None
    modifiers = False
    for token in iter_tokens(sparql):
        word = token.word()
        if start is None and word == "SELECT":
            start = token.start
        modifiers = modifiers or word in ("LIMIT", "OFFSET")
    if start is None:
        raise StoreError("select_pages() takes a SELECT query")
    return sparql[:start], sparql[start:], modifiers


class Pager:
    """Pages of SELECT answers from one remote store."""

    def __init__(self, store: SparqlStore, size: int) -> None:
        self.store = store
        self.size = size

    def pages(self, sparql: str, default_graphs: Sequence[str] | None) -> Iterator[OxigraphResult]:
        """The answer's pages, each read whole (as tab-separated rows) before it is yielded."""
        prologue, body, modifiers = _split(sparql)
        if modifiers:
            yield self.store.query(sparql, default_graphs=default_graphs)
            return
        count = f"{prologue}SELECT (COUNT(*) AS ?n) WHERE {{ {body} }}"
        rows = self.store.query(count, default_graphs=default_graphs).rows()
        total = int(str(next(rows)["n"]))
        read = 0
        while True:
            page = self.store.query(
                f"{sparql} LIMIT {self.size} OFFSET {read}", default_graphs=default_graphs
            )
            text = page.serialize(_TSV) or b""
            got = max(text.count(b"\n") - 1, 0)
            expected = min(self.size, max(total - read, 0))
            if got < expected:
                raise StoreError(
                    f"the SPARQL engine answered {got:,} rows for a page of {expected:,}: "
                    f"it caps answers below SKG_STORE_PAGE_SIZE ({self.size:,}), or the graph "
                    "changed while it was read; lower that setting or raise the engine's cap "
                    "(Virtuoso: ResultSetMaxRows in virtuoso.ini)"
                )
            yield select_answer(text, _TSV)
            read += got
            if got < self.size:
                return
