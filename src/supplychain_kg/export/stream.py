"""The whole graph streamed from the store into a writer, batch by batch.

A whole-graph export holds no copy of the graph: :class:`StreamedGraph` first reads every
entity's sort key (its id) to fix the node order, then the writer reads the nodes a batch at a
time (a ``VALUES`` query per attribute, the same reader as an export of an entity list), then
the edges a batch of subjects at a time (their claims with all their evidence, and the direct
triples no claim backs), each batch sorted and written before the next is read. What stays in
memory for the whole export is one entry per entity (IRI -> position) and one per cited source
(title, URL, date, publisher); the evidence of one batch at a time.

The output is the one :func:`supplychain_kg.export.build.assemble` gives for the whole store
(same nodes, edges, order and attributes), as ``tests/test_export_stream.py`` checks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from supplychain_kg.export import evidence
from supplychain_kg.export.build import (
    EdgeAcc,
    EdgeKey,
    Source,
    interner,
    make_edge,
    read_nodes,
    read_parties,
    read_sources,
)
from supplychain_kg.export.evidence import split_edge
from supplychain_kg.export.model import ExportEdge, ExportNode
from supplychain_kg.namespaces import RDF, SKG
from supplychain_kg.paths import local_id
from supplychain_kg.store import Store
from supplychain_kg.validate import Ontology

__all__ = ["NODE_BATCH", "SUBJECT_BATCH", "StreamedGraph"]

NODE_BATCH = 2000
"""Entities whose attributes one round of node queries reads."""

SUBJECT_BATCH = 1000
"""Entities whose outgoing edges (claims with evidence) one claim query reads."""

Progress = Callable[[str], None]

_REPORT_EVERY = 10.0
"""Seconds between two progress lines (a shorter export says nothing)."""


def _values(var: str, iris: list[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(f'<{i}>' for i in iris)} }}"


def _claims_query(subjects: list[str]) -> str:
    """:func:`evidence.whole_claims_query` for the claims whose subject is in ``subjects``."""
    query = evidence.whole_claims_query()
    return query.replace("WHERE {", "WHERE { " + _values("s", subjects), 1)


def _direct_query(subjects: list[str]) -> str:
    """Every triple out of ``subjects`` with an IRI object (the claimed relations are picked
    in Python: a second VALUES for them makes the engine read far more)."""
    return f"""SELECT ?s ?p ?o WHERE {{ {_values("s", subjects)} ?s ?p ?o . FILTER(isIRI(?o)) }}"""


def _claimed_query(subjects: list[str]) -> str:
    """(subject, relation, object) of every claim about ``subjects``, whatever else it has."""
    return f"""SELECT DISTINCT ?s ?p ?o WHERE {{ {_values("s", subjects)}
        ?c <{SKG}subject> ?s ; <{SKG}relation> ?p ; <{SKG}object> ?o }}"""


class StreamedGraph:
    """Every entity in the store and every claimed relation between two of them, read from the
    store while a writer writes them (see the module docstring). A :class:`GraphSource`.

    ``per_claim``: each claim its own edge. ``progress`` gets a line every ten seconds (nodes
    or edges written so far), and a last one when done if it got any.
    """

    def __init__(
        self,
        store: Store,
        ontology: Ontology,
        *,
        name: str = "supplychain-kg",
        per_claim: bool = False,
        progress: Progress | None = None,
        node_batch: int | None = None,
        subject_batch: int | None = None,
    ) -> None:
        self.store = store
        self.ontology = ontology
        self.name = name
        self.per_claim = per_claim
        self.progress = progress
        self.node_batch = node_batch or NODE_BATCH
        self.subject_batch = subject_batch or SUBJECT_BATCH
        self._edges: int | None = None
        self._reported = time.monotonic()
        self._spoke = False
        self.index = self._node_order()

    # -- nodes --------------------------------------------------------------------------------

    def _node_order(self) -> dict[str, int]:
        """Entity IRI -> position: by entity id (slug, else the IRI's local name), then IRI."""
        classes = " ".join(f"<{c}>" for c in sorted(self.ontology.closure(f"{SKG}Entity")))
        query = f"""SELECT ?x ?slug WHERE {{ {{ SELECT DISTINCT ?x WHERE {{
            VALUES ?entityclass {{ {classes} }} ?x <{RDF}type> ?entityclass . }} }}
            OPTIONAL {{ ?x <{SKG}slug> ?slug }} }}"""
        ids: dict[str, str] = {}
        for row in self.store.query(query).rows():
            iri = str(row["x"].value)
            if iri in ids:  # a second slug: the first one read names the entity
                continue
            slug = row.get("slug")
            ids[iri] = str(slug.value) if slug is not None else local_id(iri)
        order = sorted(ids, key=lambda iri: (ids[iri], iri))
        return {iri: i for i, iri in enumerate(order)}

    def node_count(self) -> int:
        return len(self.index)

    def _batches(self, size: int) -> Iterator[list[str]]:
        batch: list[str] = []
        for iri in self.index:
            batch.append(iri)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def nodes_in_order(self) -> Iterator[ExportNode]:
        done = 0
        # denial counts and restriction lists once, from the denied claims and the listings
        # (few): per batch they read every claim of every entity in it (half the node time)
        parties = read_parties(self.store)
        for batch in self._batches(self.node_batch):
            nodes = read_nodes(self.store, self.ontology, batch, parties)
            for iri in batch:
                node = nodes[iri]
                node.index = done
                done += 1
                yield node
            if self._due():
                self._say(f"export: {done:,} of {len(self.index):,} nodes written")

    # -- edges --------------------------------------------------------------------------------

    def edge_count(self) -> int | None:
        return self._edges

    def edges_in_order(self) -> Iterator[tuple[int, ExportEdge, int, int]]:
        index = self.index
        sources: dict[str, Source] = {}
        written = 0
        subjects = 0
        for batch in self._batches(self.subject_batch):
            for edge in self._batch_edges(batch, sources):
                for one in split_edge(edge) if self.per_claim else (edge,):
                    yield written, one, index[one.source], index[one.target]
                    written += 1
            subjects += len(batch)
            if self._due():
                self._say(
                    f"export: {written:,} edges written ({subjects:,} of {len(index):,} "
                    "nodes' links)"
                )
        self._edges = written
        if self._spoke:
            self._say(f"export: {len(index):,} nodes and {written:,} edges written")

    def _batch_edges(self, subjects: list[str], sources: dict[str, Source]) -> list[ExportEdge]:
        """The edges out of ``subjects`` into any exported entity, in output order."""
        index = self.index
        acc: dict[EdgeKey, EdgeAcc] = {}
        seen: set[str] = set()
        for row in self.store.query(_claims_query(subjects)).rows():
            claim = str(row["c"].value)
            if claim in seen:  # a second value of an optional property
                continue
            seen.add(claim)
            key = (str(row["s"].value), str(row["rel"].value), str(row["o"].value))
            if key[2] not in index:
                continue
            entry = acc.get(key)
            if entry is None:
                entry = acc[key] = EdgeAcc()
            slug = row.get("slug")
            entry.add(evidence.record_from_row(slug.value if slug else local_id(claim), row))
        # direct triples no claim backs (build.unbacked_triples; its MINUS would read every
        # claim in the store once per batch, so the difference is taken here)
        relations = self.ontology.claimed_relations
        direct = {
            key
            for key in self._triples(_direct_query(subjects))
            if key[1] in relations and key[2] in index and key not in acc
        }
        if direct:  # those of claims without a stance or source are not in acc: ask
            for key in direct - self._triples(_claimed_query(subjects)):
                acc[key] = EdgeAcc()
        missing = sorted({src for e in acc.values() for src in e.sources} - sources.keys())
        sources.update(read_sources(self.store, missing))
        intern = interner()
        keys = sorted(acc, key=lambda k: (index[k[0]], index[k[2]], k[1]))
        return [make_edge(self.ontology, key, acc[key], sources, intern) for key in keys]

    def _triples(self, query: str) -> set[EdgeKey]:
        rows = self.store.query(query).rows()
        return {(str(r["s"].value), str(r["p"].value), str(r["o"].value)) for r in rows}

    # -- progress -----------------------------------------------------------------------------

    def _say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def _due(self) -> bool:
        """Whether a progress line is due (one every ``_REPORT_EVERY`` seconds)."""
        if self.progress is None:
            return False
        now = time.monotonic()
        if now - self._reported < _REPORT_EVERY:
            return False
        self._reported = now
        self._spoke = True
        return True
