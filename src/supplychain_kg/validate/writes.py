"""Validating a write after it is applied: SPARQL updates and Graph Store writes meet the same
shapes and model rules as ``skg load``, so the store can always be loaded back from its dump.

A load validates what it adds, before writing. An update may also delete (a claim's source, the
asserting claim behind a direct triple), and its effect is known only once the engine has run
it; so the write is applied inside ``store.undoable()``, the resources it touched are
validated in the store as it now is, and a violation undoes the write.

What a write touched: the subjects and IRI objects of every default-graph quad it named
(inserted or deleted); every resource referring to one whose type changed (a claim whose
entity lost its type); the claims behind a direct triple it changed; and the entities a
touched claim is about (a stance turned to a denial leaves their direct triple unbacked).
Their whole descriptions are validated against the store, and nothing more: a label added to
a hub does not make its thousand claims checked again. A write whose quads are not known in
advance (``DELETE/INSERT ... WHERE``, ``CLEAR DEFAULT``, ``ADD``/``MOVE``/``COPY``, a Graph
Store ``PUT`` of the default graph), or that names blank nodes, is validated over the whole
default graph instead.
Named graphs are kept as given: the model's rules, like ``skg load``'s, apply to the default
graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from supplychain_kg.errors import Violation
from supplychain_kg.model import IRI, BNode, Quad
from supplychain_kg.namespaces import RDF, SKG
from supplychain_kg.store import Store
from supplychain_kg.validate.ontology import Ontology
from supplychain_kg.validate.validator import Validator

__all__ = ["Touched", "check_write", "touched_resources"]

_BATCH = 1000
RDF_TYPE = RDF + "type"


@dataclass
class Touched:
    """What a write named: the resources it touched (subjects and IRI objects), those whose
    type changed (every resource referring to them is checked again: a claim's subject must
    be an entity, a claim's source a document) and the direct triples it changed (the claims
    behind each are checked again)."""

    resources: set[str] = field(default_factory=set)
    retyped: set[str] = field(default_factory=set)
    edges: set[tuple[str, str, str]] = field(default_factory=set)


def check_write(validator: Validator, store: Store, named: Store | None) -> list[Violation]:
    """The violations in ``store`` (after a write) among the resources the write touched.

    ``named`` holds every quad the write named, inserted or deleted (None: not known, so the
    whole default graph is checked).
    """
    touched = None if named is None else touched_resources(named.quads(), validator.ontology)
    if touched is None:
        return validator.validate(store)
    if not touched.resources:
        return []
    subjects = (
        touched.resources
        | _referrers(store, touched.retyped)
        | _claims_behind(store, touched.edges)
        | _claim_ends(store, touched.resources)
    )
    staging = store.staging()
    staging.add_quads(_descriptions(store, sorted(subjects)))
    if len(staging) == 0:
        return []
    return validator.validate(staging, store)


def touched_resources(quads: Iterable[Quad], ontology: Ontology) -> Touched | None:
    """What the default-graph quads of a write touched (:class:`Touched`); None if one holds a
    blank node (it cannot be looked up again by name)."""
    touched = Touched()
    for quad in quads:
        if quad.graph is not None:
            continue
        if not isinstance(quad.subject, IRI) or isinstance(quad.object, BNode):
            return None
        subject, predicate = quad.subject.value, quad.predicate.value
        touched.resources.add(subject)
        if isinstance(quad.object, IRI):
            touched.resources.add(quad.object.value)
            if predicate in ontology.claimed_relations:
                touched.edges.add((subject, predicate, quad.object.value))
        if predicate == RDF_TYPE:
            touched.retyped.add(subject)
    return touched


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def _values(iris: list[str]) -> str:
    return " ".join(f"<{i}>" for i in iris)


def _referrers(store: Store, iris: set[str]) -> set[str]:
    """Subjects of default-graph triples whose object is one of ``iris``."""
    found: set[str] = set()
    for chunk in _chunks(sorted(iris)):
        query = (
            f"SELECT DISTINCT ?s WHERE {{ VALUES ?o {{ {_values(chunk)} }} ?s ?p ?o "
            "FILTER(isIRI(?s)) }"
        )
        found |= {str(row["s"].value) for row in store.query(query).rows()}
    return found


def _claims_behind(store: Store, edges: set[tuple[str, str, str]]) -> set[str]:
    """The claims about each direct triple (subject, relation, object)."""
    found: set[str] = set()
    rows = sorted(edges)
    for start in range(0, len(rows), _BATCH):
        values = " ".join(f"(<{s}> <{p}> <{o}>)" for s, p, o in rows[start : start + _BATCH])
        query = (
            f"SELECT DISTINCT ?c WHERE {{ VALUES (?s ?p ?o) {{ {values} }} "
            f"?c <{SKG}subject> ?s ; <{SKG}relation> ?p ; <{SKG}object> ?o }}"
        )
        found |= {str(row["c"].value) for row in store.query(query).rows()}
    return found


def _claim_ends(store: Store, iris: set[str]) -> set[str]:
    """The entities the claims among ``iris`` are about: their direct triples stand or fall
    with those claims (a stance turned to a denial leaves a direct triple unbacked)."""
    found: set[str] = set()
    for chunk in _chunks(sorted(iris)):
        query = (
            f"SELECT DISTINCT ?e WHERE {{ VALUES ?c {{ {_values(chunk)} }} "
            f"?c <{SKG}subject>|<{SKG}object> ?e FILTER(isIRI(?e)) }}"
        )
        found |= {str(row["e"].value) for row in store.query(query).rows()}
    return found


def _descriptions(store: Store, subjects: list[str]) -> Iterator[Quad]:
    """Every default-graph triple of each subject, as quads."""
    for chunk in _chunks(subjects):
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {_values(chunk)} }} ?s ?p ?o }}"
        for s, p, o in store.query(query).triples():
            if isinstance(s, IRI) and isinstance(p, IRI):
                yield Quad(s, p, o)
