"""The projection's edges read from the store: the whole store into a
:class:`~supplychain_kg.paths.compact.CompactGraph` for a build, or the edges around some
entities into networkx's adjacency dicts for a patch (and for the frontier mode).

Edges are written through networkx's own dicts (4x faster than ``add_edge``), each with the
shared data of its stance (:data:`EDGE`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from supplychain_kg.namespaces import SKG
from supplychain_kg.paths.compact import ASSERTED, DENIED, DISPUTED, CompactBuilder, CompactGraph
from supplychain_kg.paths.denials import Denials
from supplychain_kg.paths.source import (
    FullRead,
    chunked,
    read_denied,
    read_direct,
    relations_filter,
)
from supplychain_kg.store import Store

__all__ = ["EDGE", "link", "link_node", "read_all_edges", "read_edges_around"]


EDGE: dict[str, dict[str, str]] = {
    stance: {"stance": stance} for stance in ("asserted", "disputed", "denied")
}
"""Edge data, shared by every edge of a stance (never mutated): 5M edges, not 5M dicts."""


def link_node(graph: Any, node: str) -> None:
    """Add ``node`` to ``graph`` if it is not there yet (through networkx's own dicts)."""
    if node not in graph._succ:
        graph._succ[node] = {}
        graph._pred[node] = {}
        graph._node[node] = {}


def link(graph: Any, s: str, o: str, relation: str, data: dict[str, str]) -> None:
    """Add an edge through networkx's own adjacency dicts (as add_edge does, 4x faster)."""
    link_node(graph, s)
    link_node(graph, o)
    keyed = graph._succ[s].get(o)
    if keyed is None:
        keyed = graph._succ[s][o] = graph._pred[o][s] = {}
    keyed[relation] = data


def _read_edges(
    store: Store, graph: Any, direct_scope: str, denied_scope: str, relations: frozenset[str]
) -> set[str]:
    """Add asserted edges (direct triples) and denied claims' edges in scope to ``graph``.

    A direct triple exists only while an asserted claim backs it, so direct triples are the
    asserted edges; a denied claim makes its edge disputed, or denied-only without a triple.
    Returns the entities that are subject or object of a denied claim (of any relation).
    """
    names: dict[str, str] = {}
    intern = names.setdefault
    asserted = EDGE["asserted"]
    for s, rel, o in read_direct(store, direct_scope):
        link(graph, intern(s, s), intern(o, o), rel, asserted)
    return _link_denied(graph, read_denied(store, denied_scope), relations, names)


def _link_denied(
    graph: Any,
    denied_rows: Iterable[tuple[str, str, str | None]],
    relations: frozenset[str],
    names: dict[str, str],
) -> set[str]:
    intern = names.setdefault
    parties: set[str] = set()
    for denier, rel, denied in denied_rows:
        subject = intern(denier, denier)
        parties.add(subject)
        if denied is None or rel not in relations:
            continue
        obj = intern(denied, denied)
        parties.add(obj)
        known = subject in graph._succ and rel in graph._succ[subject].get(obj, {})
        link(graph, subject, obj, rel, EDGE["disputed" if known else "denied"])
    return parties


def read_all_edges(
    store: Store, relations: frozenset[str], workers: int | None
) -> tuple[CompactGraph, set[str], frozenset[str], Denials]:
    """:func:`_read_edges` for the whole store into a new :class:`CompactGraph`, read in
    parallel (:class:`FullRead`); returns the graph, the parties of denied claims (as
    :func:`_read_edges`), the relations with a non-IRI end and the parties' denials.

    The edges are added in the order a build into networkx adds them (direct triples
    relation by relation, then denied claims), so the rows have the same order. The loop is
    :meth:`CompactBuilder.node` written out: it runs once per edge (millions of times).
    """
    builder = CompactBuilder()
    ids, iris = builder.ids, builder.iris
    append = builder.append
    with FullRead(store, relations, workers) as read:
        pairs: dict[str, int] = {}
        for relation, rows in read.direct():
            count = 0
            code = builder.relation(relation) << 2 | ASSERTED
            for subject, objects in rows:
                count += len(objects)
                s = ids.get(subject)
                if s is None:
                    s = ids[subject] = len(iris)
                    iris.append(subject)
                for obj in objects:
                    o = ids.get(obj)
                    if o is None:
                        o = ids[obj] = len(iris)
                        iris.append(obj)
                    append(s, o, code)
            pairs[relation] = count
        parties: set[str] = set()
        for denier, rel, denied in read.denied():
            parties.add(denier)
            if denied is None or rel not in relations:
                continue
            parties.add(denied)
            s, o, r = builder.node(denier), builder.node(denied), builder.relation(rel)
            known = builder.find(s, o, r) != -1
            builder.add(s, o, r, DISPUTED if known else DENIED)
        impure = read.impure(pairs)
        denials = Denials.of(read.denial_pairs(), parties)
    return builder.finish(), parties, impure, denials


def read_edges_around(
    store: Store, entities: set[str], relations: frozenset[str]
) -> tuple[Any, set[str]]:
    """Every edge at ``entities`` read into a new graph, and the parties of denied claims
    among them."""
    import networkx as nx  # here: only a patch or the frontier mode reads into networkx

    fresh = nx.MultiDiGraph()
    parties: set[str] = set()
    rels = relations_filter(relations)
    for chunk in chunked(sorted(entities), 500):
        values = "VALUES ?e { " + " ".join(f"<{e}>" for e in chunk) + " }"
        direct = (
            f"{{ {values} {rels} ?e ?rel ?o BIND(?e AS ?s) }} UNION "
            f"{{ {values} {rels} ?s ?rel ?e BIND(?e AS ?o) }}"
        )
        denied = (
            f"{{ {values} ?c <{SKG}subject> ?e BIND(?e AS ?s) }} UNION "
            f"{{ {values} ?c <{SKG}object> ?e BIND(?e AS ?o) }}"
        )
        parties |= _read_edges(store, fresh, direct, denied, relations)
    return fresh, parties
