"""Coarse roles of entities (vendor, contractor, government, place, list, ...) and which of
them are *shared hubs*: nodes that many entities link to without being linked to each other
(a restriction list, a technology, a place, an unnamed group).

A role is read from an entity's classes in the store, through the ontology's class tree, so it
works on any store: the path answers, the neighbourhood answers and the exports colour and rank
nodes by it.
"""

from __future__ import annotations

from collections.abc import Iterable

from supplychain_kg.namespaces import SKG
from supplychain_kg.paths.evidence import fetch_entities
from supplychain_kg.store import Store
from supplychain_kg.validate import Ontology

__all__ = ["HUB_ROLES", "ROLE_CLASSES", "Roles", "fetch_roles"]

ROLE_CLASSES: tuple[tuple[str, str], ...] = (
    ("vendor", "Manufacturer"),
    ("contractor", "Contractor"),
    ("government", "GovernmentBody"),
    ("media", "MediaOrganization"),
    ("ngo", "CivilSocietyOrganization"),
    ("company", "Company"),
    ("person", "Person"),
    ("place", "Place"),
    ("project", "Project"),
    ("tender", "Tender"),
    ("technology", "Technology"),
    ("list", "RestrictionList"),
    ("group", "UnnamedGroup"),
    ("organisation", "Organization"),
)
"""Each role and the class (with its subclasses) that gives it, most specific first."""

HUB_ROLES = frozenset({"list", "technology", "place", "group"})
"""Roles of shared hubs: being linked to the same one is co-membership, not a connection."""


class Roles:
    """The role of an entity from its classes (full IRIs or ``skg:`` local names).

    >>> roles = Roles(load_ontology())
    >>> roles.role(["Manufacturer"])
    'vendor'
    """

    def __init__(self, ontology: Ontology) -> None:
        self._of: dict[str, tuple[int, str]] = {}
        for rank, (role, cls) in enumerate(ROLE_CLASSES):
            for iri in ontology.closure(SKG + cls):
                self._of.setdefault(iri, (rank, role))
        self.hub_classes = frozenset(
            iri for iri, (_, role) in self._of.items() if role in HUB_ROLES
        )
        """The classes whose entities are shared hubs (subclasses included)."""

    def role(self, types: Iterable[str]) -> str:
        """The most specific role of any of ``types``; "other" when none has one."""
        iris = (t if ":" in t else SKG + t for t in types)
        found = [self._of[iri] for iri in iris if iri in self._of]
        return min(found)[1] if found else "other"


def fetch_roles(store: Store, iris: Iterable[str], ontology: Ontology) -> dict[str, str]:
    """The role of each entity IRI, from its classes in ``store`` (one batched query).

    Raises whatever the store raises; an IRI without a known class gets "other".
    """
    roles = Roles(ontology)
    return {iri: roles.role(s.types) for iri, s in fetch_entities(store, iris).items()}
