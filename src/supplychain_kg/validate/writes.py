"""Validating a write after it is applied: SPARQL updates and Graph Store writes meet the same
shapes and model rules as ``skg load``, so the store can always be loaded back from its dump.

A load validates what it adds, before writing. An update may also delete (a claim's source, the
asserting claim behind a direct triple), and its effect is known only once the engine has run
it; so the write is applied inside ``store.undoable()``, the resources it touched are
validated in the store as it now is, and a violation undoes the write.

What a write touched: the subjects and IRI objects of every default-graph quad it named
(inserted or deleted), plus every resource that refers to one of them (a claim whose entity
lost its type, a direct triple whose asserting claim went). Their whole descriptions are
validated against the store. A write whose quads are not known in advance (``DELETE/INSERT ...
WHERE``, ``CLEAR DEFAULT``, ``ADD``/``MOVE``/``COPY``, a Graph Store ``PUT`` of the default
graph), or that names blank nodes, is validated over the whole default graph instead.
Named graphs are kept as given: the model's rules, like ``skg load``'s, apply to the default
graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from supplychain_kg.errors import Violation
from supplychain_kg.model import IRI, BNode, Quad
from supplychain_kg.store import Store
from supplychain_kg.validate.validator import Validator

__all__ = ["check_write", "touched_resources"]

_BATCH = 1000


def check_write(validator: Validator, store: Store, named: Store | None) -> list[Violation]:
    """The violations in ``store`` (after a write) among the resources the write touched.

    ``named`` holds every quad the write named, inserted or deleted (None: not known, so the
    whole default graph is checked).
    """
    touched = None if named is None else touched_resources(named.quads())
    if touched is None:
        return validator.validate(store)
    if not touched:
        return []
    subjects = touched | _referrers(store, touched)
    staging = store.staging()
    staging.add_quads(_descriptions(store, sorted(subjects)))
    if len(staging) == 0:
        return []
    return validator.validate(staging, store)


def touched_resources(quads: Iterable[Quad]) -> set[str] | None:
    """The IRIs in subject or object position of the default-graph quads; None if one of them
    holds a blank node (it cannot be looked up again by name)."""
    found: set[str] = set()
    for quad in quads:
        if quad.graph is not None:
            continue
        if not isinstance(quad.subject, IRI):
            return None
        found.add(quad.subject.value)
        if isinstance(quad.object, IRI):
            found.add(quad.object.value)
        elif isinstance(quad.object, BNode):
            return None
    return found


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


def _descriptions(store: Store, subjects: list[str]) -> Iterator[Quad]:
    """Every default-graph triple of each subject, as quads."""
    for chunk in _chunks(subjects):
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {_values(chunk)} }} ?s ?p ?o }}"
        for s, p, o in store.query(query).triples():
            if isinstance(s, IRI) and isinstance(p, IRI):
                yield Quad(s, p, o)
