"""The remote store: :class:`SparqlStore`, the Store protocol over a SPARQL 1.1 engine's Query,
Update and Graph Store endpoints.

Reading: every query is sent with the store's default graph (``meta.DEFAULT``) as its
``default-graph-uri`` (unless the query names its own dataset with ``FROM``); a query that says
``GRAPH`` also gets the store's named graphs as its ``named-graph-uri`` (so it sees neither the
engine's system graphs nor the store's own). Answers are read by Oxigraph's parsers
(``store/oxigraph/exchange.py``). Large reads (the path projection, the name index, dumps)
come in pages (:meth:`SparqlStore.select_pages`).

Writing: ``writes.py`` (updates, added quads, groups of writes and their inverses) and
``loads.py`` (loads through staging graphs). The revision is read from the engine, so two
processes on one engine see each other's writes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from supplychain_kg.errors import QueryError, StoreError
from supplychain_kg.model import Quad, Term
from supplychain_kg.sparqltext import iter_tokens
from supplychain_kg.store.oxigraph import (
    OxigraphResult,
    OxigraphStore,
    checked_iri,
    graph_answer,
    rows_as_quads,
    select_answer,
    write_quads,
)
from supplychain_kg.store.sparql.client import Client, Endpoints, shown
from supplychain_kg.store.sparql.dialect import incoming
from supplychain_kg.store.sparql.loads import Loader
from supplychain_kg.store.sparql.meta import DEFAULT, NO_GRAPH, Meta
from supplychain_kg.store.sparql.pages import Pager
from supplychain_kg.store.sparql.text import TextIndex
from supplychain_kg.store.sparql.updates import Data, read_update
from supplychain_kg.store.sparql.writes import Group, Request, recover

__all__ = ["BACKUP_REFUSAL", "SparqlStore"]

log = logging.getLogger(__name__)

_RESULTS = "application/sparql-results+xml"
"""SELECT and ASK answers come as SPARQL XML results: Virtuoso 7 writes them 2-3 times faster
than JSON (a 4,000-row answer: 70 ms of writing instead of 190), the engine's share of a
frontier layer query; Oxigraph's parser reads either in a few milliseconds. (Its XML also
writes stored booleans as ``true``/``false``, where its JSON says ``1``/``0``.)"""
_NTRIPLES = "application/n-triples"
_SMALL_WRITE = 2_000
"""Quads an ``add_quads`` sends as one ``INSERT DATA`` request (more: a staging graph)."""
_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}

BACKUP_REFUSAL = (
    "a store on a remote SPARQL engine is backed up with the engine's own tools: on Virtuoso "
    "`backup_online('skg-', 10000)` in isql-vt (or a checkpoint, then a copy of virtuoso.db), "
    "on Oxigraph server `oxigraph backup --location DIR --destination NEW`; "
    "`skg export --format nquads` writes every quad of the store, which `skg load` reads back"
)


def _shape(sparql: str) -> tuple[str | None, bool, bool]:
    """(form, names its own dataset with FROM, mentions GRAPH), from the query's tokens."""
    form: str | None = None
    own = graph = False
    for token in iter_tokens(sparql):
        word = token.word()
        if form is None and word in _FORMS:
            form = _FORMS[word]
        own = own or word == "FROM"
        graph = graph or word == "GRAPH"
    return form, own, graph


class SparqlStore:
    """A store on a remote SPARQL 1.1 engine (see the module's docstring)."""

    worker_path: Path | None = None
    """Query worker processes cannot share a remote store: queries run in threads."""

    def __init__(self, endpoints: Endpoints, *, timeout: float, page_size: int) -> None:
        self.client = Client(endpoints, timeout=timeout)
        self.meta = Meta(self.client)
        self._group = Group(self.client, self.meta)
        self._groups = self._group.groups
        self._loader = Loader(self.client, self.meta, self._group)
        self._pager = Pager(self, page_size)
        self._text = TextIndex(self)
        self._cached: dict[str, tuple[int, Any]] = {}
        self._writes = 0
        try:
            recover(self.client, self.meta)  # also: is the engine there at all?
        except BaseException:
            self.client.close()
            raise

    def __repr__(self) -> str:
        return f"SparqlStore({shown(self.client.endpoints.query)})"

    @property
    def revision(self) -> int:
        """The store's revision on the engine (bumped by every write of every process)."""
        return self.meta.revision()

    def _per_revision(self, key: str, make: Callable[[], Any]) -> Any:
        revision = self.revision
        found = self._cached.get(key)
        if found is not None and found[0] == revision:
            return found[1]
        value = make()
        self._cached[key] = (revision, value)
        return value

    def named_graphs(self) -> list[str]:
        """The store's named graphs (not its default graph, nor its own metadata)."""
        graphs: list[str] = self._per_revision("graphs", self.meta.graphs)
        return graphs

    # -- reading ---------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
        timeout: float | None = None,
    ) -> OxigraphResult:
        form, own, mentions_graph = _shape(sparql)
        if form is None:
            raise QueryError("SPARQL syntax error: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
        default: list[str] = []
        named: list[str] = []
        for graph in [*(default_graphs or ()), *(named_graphs or ())]:
            if graph:
                checked_iri(graph)
        if default_graphs is not None:
            default = [DEFAULT if g == "" else g for g in default_graphs]
        elif not own:
            default = [DEFAULT]
        if named_graphs is not None:
            named = list(named_graphs) or [NO_GRAPH]
        elif mentions_graph and not own:
            named = self.named_graphs() or [NO_GRAPH]
        elif default and not own:
            named = [NO_GRAPH]
        accept = _NTRIPLES if form == "graph" else _RESULTS
        body, media = self.client.query(
            sparql,
            accept,
            default_graphs=default,
            named_graphs=named,
            base_iri=base_iri,
            timeout=timeout,
        )
        media = media or (_NTRIPLES if form == "graph" else _RESULTS)
        body = incoming(body, media)
        if form == "graph":
            return graph_answer(body, media)
        return select_answer(body, media)

    def select_pages(
        self, sparql: str, *, default_graphs: Sequence[str] | None = None
    ) -> Iterator[OxigraphResult]:
        """A SELECT's answer page by page (see ``pages.py``)."""
        return self._pager.pages(sparql, default_graphs)

    def text_match(
        self, words: Sequence[str], predicates: Sequence[str], *, limit: int
    ) -> list[str] | None:
        """The engine's full-text index, where it has one (``text.py``)."""
        return self._text.subjects(words, predicates, limit=limit)

    def describe(self, iris: Sequence[str]) -> dict[str, list[tuple[str, Term]]]:
        """One query per thousand IRIs (``?x ?p ?v`` for each)."""
        out: dict[str, list[tuple[str, Term]]] = {}
        for start in range(0, len(iris), 1000):
            named = (checked_iri(i, "a resource to describe") for i in iris[start : start + 1000])
            chunk = " ".join(f"<{node.value}>" for node in named)
            query = f"SELECT ?x ?p ?v WHERE {{ VALUES ?x {{ {chunk} }} ?x ?p ?v }}"
            for row in self.query(query).rows():
                out.setdefault(str(row["x"].value), []).append((str(row["p"].value), row["v"]))
        return out

    def has_blank_nodes(self) -> bool:
        ask = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } FILTER(isBlank(?s) || isBlank(?o)) }"
        return self.query(ask).boolean

    def quads(self) -> Iterator[Quad]:
        for graph in [None, *self.named_graphs()]:
            where = [DEFAULT if graph is None else graph]
            for page in self.select_pages(
                "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", default_graphs=where
            ):
                yield from rows_as_quads(page.rows(), graph)

    def dump(
        self, output: IO[bytes], media_type: str, *, prefixes: Mapping[str, str] | None = None
    ) -> None:
        write_quads(self.quads(), output, media_type, prefixes=prefixes)

    def __len__(self) -> int:
        def count() -> int:
            rows = self.query(
                "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
            ).rows()
            return int(str(next(rows)["n"]))

        length: int = self._per_revision("length", count)
        return length

    def is_empty(self) -> bool:
        return not self.query("ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }").boolean

    def cache_stamp(self) -> tuple[Path, str] | None:
        return None  # no folder of ours beside a remote engine

    def read_metadata(self) -> dict[str, Any]:
        return self.meta.notes()

    def write_metadata(self, data: dict[str, Any]) -> None:
        self.meta.write_notes(data)

    # -- writing ---------------------------------------------------------------------------

    def staging(self) -> OxigraphStore:
        return OxigraphStore(None)

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        self._write(lambda request: request.apply(read_update(sparql, base_iri)))

    def add_quads(self, quads: Iterable[Quad]) -> None:
        """Small writes as one ``INSERT DATA`` request; larger ones through a staging graph
        (``loads.py``: the engine parses N-Triples much faster than updates)."""
        given = tuple(quads)
        if len(given) <= _SMALL_WRITE:
            self._write(lambda request: request.apply([Data(True, given)]))
            return
        staging = self.staging()
        staging.add_quads(given)
        self._loader.absorb(staging, None)

    def _write(self, build: Callable[[Request], None]) -> None:
        self._groups.before_write()
        request = Request(self.client, self.meta, self._group)
        build(request)
        request.send()
        self._groups.after_write()
        self._writes += 1
        if self._writes % 100 == 0:
            self.meta.compact()

    def parse_into(
        self,
        source: Path | bytes,
        media_type: str,
        *,
        base_iri: str | None = None,
        blank_prefix: str | None = None,
    ) -> None:
        raise TypeError("parse into a staging store (store.staging()), then absorb() it")

    def absorb_files(self, files: Sequence[tuple[Path, str]]) -> None:
        raise TypeError("absorb_files() needs a store on disk")

    def absorb(
        self,
        staging: Any,
        *,
        files: Sequence[tuple[Path, str]] | None = None,
        check: Callable[[], None] | None = None,
    ) -> int:
        """Add every staged quad through a staging graph (``loads.py``); return how many
        were new. ``check`` runs while the quads are sent; if it raises, nothing is kept."""
        if not isinstance(staging, OxigraphStore):
            raise TypeError("absorb() takes a staging store made by staging()")
        return self._loader.absorb(staging, check)

    def undoable(self) -> contextlib.AbstractContextManager[None]:
        """A group of writes undone by their recorded inverses (``writes.py``)."""
        return self._groups.group()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[bool]:
        """No transaction spans requests here: yields False (absorb once, at the end)."""
        yield False

    def backup(self, target: Path) -> None:
        raise StoreError(BACKUP_REFUSAL)

    def close(self) -> None:
        self.client.close()
