"""What to export: the whole graph, a neighbourhood, a path answer or a CONSTRUCT result.

Each function returns an :class:`ExportGraph` built from the store by
:func:`supplychain_kg.export.build.assemble`, so every scope carries the same attributes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from supplychain_kg.errors import BadRequestError
from supplychain_kg.export.build import EdgeKey, assemble, short_name, term_iri
from supplychain_kg.export.model import ExportGraph
from supplychain_kg.model import IRI, Term
from supplychain_kg.namespaces import RDF, SKG
from supplychain_kg.store import Store
from supplychain_kg.validate import Ontology

__all__ = [
    "DIRECTIONS",
    "MAX_DEPTH",
    "around",
    "from_paths",
    "from_triples",
    "neighbourhood",
    "parse_direction",
    "parse_relations",
    "whole",
]

DIRECTIONS = ("out", "in", "any")
MAX_DEPTH = 10
_BATCH = 500


def parse_relations(ontology: Ontology, names: Iterable[str]) -> frozenset[str]:
    """Relation IRIs for names given as ``sourcesFrom``, ``skg:sourcesFrom`` or a full IRI.

    Raises BadRequestError naming the unknown relation and the known ones.
    """
    known = ontology.claimed_relations
    by_name = {short_name(iri).lower(): iri for iri in known}
    out: set[str] = set()
    for name in names:
        text = name.strip()
        key = text.removeprefix("skg:").lower()
        if text in known:
            out.add(text)
        elif key in by_name:
            out.add(by_name[key])
        else:
            offered = ", ".join(sorted(short_name(i) for i in known))
            raise BadRequestError(f"unknown relation {name!r}; expected one of {offered}")
    return frozenset(out)


def parse_direction(direction: str) -> str:
    """Check a direction (``out``, ``in`` or ``any``)."""
    if direction not in DIRECTIONS:
        raise BadRequestError(
            f"direction {direction!r} is not valid; expected one of {', '.join(DIRECTIONS)}"
        )
    return direction


def whole(store: Store, ontology: Ontology) -> ExportGraph:
    """Every entity and every claimed relation between entities."""
    return assemble(store, ontology, None, name="supplychain-kg")


def _step_query(frontier: Sequence[str], relations: frozenset[str], direction: str) -> str:
    values = " ".join(f"<{i}>" for i in frontier)
    rels = " ".join(f"<{r}>" for r in sorted(relations))
    claim = f"?c <{SKG}subject> ?{{}} ; <{SKG}relation> ?p ; <{SKG}object> ?{{}} ."
    forward = f"{{ ?x ?p ?y }} UNION {{ {claim.format('x', 'y')} }}"
    backward = f"{{ ?y ?p ?x }} UNION {{ {claim.format('y', 'x')} }}"
    pattern = {"out": forward, "in": backward, "any": f"{forward} UNION {backward}"}[direction]
    return f"""SELECT DISTINCT ?y WHERE {{ VALUES ?x {{ {values} }} VALUES ?p {{ {rels} }}
        {pattern} FILTER(isIRI(?y)) }}"""


def neighbourhood(
    store: Store,
    center: str,
    depth: int,
    relations: frozenset[str],
    direction: str,
) -> list[str]:
    """Entities within ``depth`` links of ``center`` (breadth first, one query per batch).

    Follows every link of ``relations`` that a claim makes, asserted or denied (as
    ``skg show`` lists them), and direct triples, in ``direction`` (``out``: subject to
    object, ``in``: object to subject, ``any``: both).
    Returns IRIs in the order they were reached, ``center`` first.
    """
    if not 0 <= depth <= MAX_DEPTH:
        raise BadRequestError(f"depth {depth} is out of range; expected 0 to {MAX_DEPTH}")
    reached = {center: 0}
    frontier = [center]
    for level in range(1, depth + 1):
        found: list[str] = []
        for start in range(0, len(frontier), _BATCH):
            query = _step_query(frontier[start : start + _BATCH], relations, direction)
            for row in store.query(query).rows():
                iri = row["y"].value
                if iri not in reached:
                    reached[iri] = level
                    found.append(iri)
        if not found:
            break
        frontier = found
    return list(reached)


def around(
    store: Store,
    ontology: Ontology,
    center: str,
    *,
    depth: int = 1,
    relations: frozenset[str] = frozenset(),
    direction: str = "any",
    name: str | None = None,
) -> ExportGraph:
    """The neighbourhood of ``center`` with every edge between its entities.

    Without ``relations`` the walk follows every claimed relation that paths traverse
    (not the reporting relations marked ``skg:traversable false``), and keeps every edge; with
    ``relations`` it follows and keeps those only.
    """
    parse_direction(direction)
    walk = relations or (ontology.claimed_relations - ontology.non_traversable)
    iris = neighbourhood(store, center, depth, walk, direction)
    keep = (lambda key: key[1] in relations) if relations else None
    title = name or f"around {short_name(center).rsplit('/', 1)[-1]} (depth {depth})"
    return assemble(store, ontology, iris, keep=keep, name=title)


def _node_iri(ref: Any, ids: Mapping[str, str]) -> str:
    text = str(ref)
    if text in ids:
        return ids[text]
    return text


def _relation_iri(name: str) -> str:
    return name if ":" in name and not name.startswith("skg:") else SKG + name.removeprefix("skg:")


def from_paths(store: Store, ontology: Ontology, answer: Mapping[str, Any]) -> ExportGraph:
    """Exactly the nodes and edges of a path answer (DESIGN.md JSON shape).

    Nodes are matched by ``iri`` (edges may name them by ``id`` or IRI); an edge, and each of
    its ``parallel`` edges, is exported in the orientation the store holds it (reversed when
    its ``direction`` is ``in``), with all its claims from the store, denials included.
    """
    paths = answer.get("paths")
    if not isinstance(paths, list):
        raise BadRequestError("a path answer needs a 'paths' list")
    try:
        iris, wanted = _path_parts(paths)
    except (KeyError, TypeError, AttributeError) as exc:
        raise BadRequestError(
            f"a path answer's paths need 'nodes' with 'iri' and 'edges' with 'source', "
            f"'target' and 'relation' (missing or wrong: {exc})"
        ) from None
    reverse = {(o, rel, s) for s, rel, o in wanted}
    graph = assemble(
        store,
        ontology,
        iris,
        keep=lambda key: key in wanted or key in reverse,
        name=f"paths {_end(answer.get('source'))} to {_end(answer.get('target'))}",
    )
    present = {(e.source, e.relation_iri, e.target) for e in graph.edges}
    graph.edges = [
        e
        for e in graph.edges
        if (e.source, e.relation_iri, e.target) in wanted
        or (e.target, e.relation_iri, e.source) not in present
    ]
    return graph


_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*$")


def _checked_iri(value: Any) -> str:
    """An IRI from a posted answer, checked before it goes into a query."""
    text = str(value)
    if not _IRI.match(text):
        raise BadRequestError(f"{text!r} in the path answer is not an IRI")
    return text


def _end(value: Any) -> str:
    """A path end's id: answers give it as an entity object or as a plain id."""
    return str(value.get("id", "")) if isinstance(value, Mapping) else str(value or "")


def _path_parts(paths: list[Any]) -> tuple[list[str], set[EdgeKey]]:
    ids: dict[str, str] = {}
    iris: list[str] = []
    wanted: set[EdgeKey] = set()
    for path in paths:
        for node in path.get("nodes", []):
            iri = _checked_iri(node["iri"])
            ids[str(node.get("id", iri))] = iri
            if iri not in iris:
                iris.append(iri)
        hops = path.get("edges", [])
        for edge in [*hops, *(other for hop in hops for other in hop.get("parallel", []))]:
            s = _checked_iri(_node_iri(edge["source"], ids))
            o = _checked_iri(_node_iri(edge["target"], ids))
            if str(edge.get("direction", "out")) in ("in", "backward", "reverse"):
                s, o = o, s
            wanted.add((s, _checked_iri(_relation_iri(str(edge["relation"]))), o))
    return iris, wanted


def from_triples(
    store: Store, ontology: Ontology, triples: Iterable[tuple[Term, Term, Term]]
) -> ExportGraph:
    """The nodes and edges of a CONSTRUCT result.

    Every IRI or blank node in subject or object position is a node (except the classes of
    ``rdf:type`` triples); every triple with a node as object is an edge, with the claims the
    store holds about it. Literal-valued triples add nothing: node attributes come from the
    store.
    """
    iris: list[str] = []
    seen: set[str] = set()
    extra: list[EdgeKey] = []
    for s, p, o in triples:
        subject = term_iri(s)
        obj = term_iri(o) if not (isinstance(p, IRI) and p.value == f"{RDF}type") else None
        for iri in (subject, obj):
            if iri is not None and iri not in seen:
                seen.add(iri)
                iris.append(iri)
        if subject is not None and obj is not None and isinstance(p, IRI):
            extra.append((subject, p.value, obj))
    wanted = set(extra)
    return assemble(
        store,
        ontology,
        iris,
        keep=lambda key: key in wanted,
        extra_edges=extra,
        name="construct",
    )
