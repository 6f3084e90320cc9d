"""The explorer page's use cases (``ExplorerUseCases``, part of ``KnowledgeGraph``) and what
the page needs to know of the vocabulary: how to draw each type, which relations it can filter
paths by.

The page asks once (``GET /explorer/config.json``) and draws every entity by the first
category whose root class is among the entity's types or their superclasses. Colours and
shapes are data here, not scattered through the page's script; each category has a distinct
shape as well as a colour, so the legend reads without colour vision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supplychain_kg.namespaces import SKG
from supplychain_kg.paths import (
    MAX_DEPTH,
    MAX_HOPS,
    MAX_K,
    aliases_and_identifiers,
    fetch_restrictions,
    local_id,
)
from supplychain_kg.service.paths import PathUseCases
from supplychain_kg.service.revision import revision_token
from supplychain_kg.store import Store
from supplychain_kg.validate import Ontology

__all__ = [
    "CATEGORIES",
    "SHOW_ALL",
    "Category",
    "ExplorerUseCases",
    "claim_count",
    "explorer_config",
    "hub_card",
]

SHOW_ALL = 400
"""An entity with at most this many claims gets its full card (every claim); above it, the
panel gets its links capped like the network view (denials always listed in full)."""


@dataclass(frozen=True)
class Category:
    """A kind of node on the page: a key, a legend label, a colour, a Cytoscape shape and the
    ontology classes (local names) it covers with all their subclasses."""

    key: str
    label: str
    colour: str
    shape: str
    roots: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category("manufacturer", "Vendor / manufacturer", "#c0392b", "diamond", ("Manufacturer",)),
    Category("contractor", "Contractor / integrator", "#d35400", "hexagon", ("Contractor",)),
    Category("government", "Government body", "#1f4e99", "rectangle", ("GovernmentBody",)),
    Category("place", "Place", "#2e7d32", "ellipse", ("Place",)),
    Category("project", "Project", "#6a1b9a", "round-rectangle", ("Project",)),
    Category("tender", "Tender / contract", "#8e6c00", "tag", ("Tender",)),
    Category("technology", "Technology", "#00838f", "triangle", ("Technology",)),
    Category(
        "restriction", "Sanctions / restriction list", "#37474f", "octagon", ("RestrictionList",)
    ),
    Category("group", "Unnamed group", "#757575", "barrel", ("UnnamedGroup",)),
    Category("person", "Person", "#ad1457", "round-triangle", ("Person",)),
    Category("organisation", "Other organisation", "#5d4037", "pentagon", ("Organization",)),
    Category("source", "Source document", "#455a64", "vee", ("SourceDocument",)),
    Category("other", "Other", "#9e9e9e", "star", ()),
)


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def explorer_config(ontology: Ontology) -> dict[str, Any]:
    """The page's legend and relation list.

    Returns ``{"categories": [{"key", "label", "colour", "shape", "types": [...]}],
    "relations": [{"name", "label", "traversable"}], "ontology", "limits"}``: ``types`` lists the local names of the
    category's classes (an earlier category wins a class, so a Manufacturer is not drawn as a
    generic organisation).

    >>> from supplychain_kg.validate import load_ontology
    >>> config = explorer_config(load_ontology())
    >>> "MunicipalGovernment" in config["categories"][2]["types"]
    True
    """
    taken: set[str] = set()
    categories = []
    for category in CATEGORIES:
        types: list[str] = []
        for root in category.roots:
            for cls in sorted(ontology.closure(f"{SKG}{root}")):
                name = _local(cls)
                if cls.startswith(SKG) and name not in taken:
                    taken.add(name)
                    types.append(name)
        categories.append(
            {
                "key": category.key,
                "label": category.label,
                "colour": category.colour,
                "shape": category.shape,
                "types": types,
            }
        )
    relations = [
        {
            "name": _local(iri),
            "label": ontology.labels.get(iri, _local(iri)),
            "traversable": iri not in ontology.non_traversable,
        }
        for iri in sorted(ontology.claimed_relations, key=lambda i: ontology.labels.get(i, i))
    ]
    return {
        "categories": categories,
        "relations": relations,
        "ontology": SKG,
        "limits": {"max_hops": MAX_HOPS, "k": MAX_K, "depth": MAX_DEPTH},
    }


def claim_count(store: Store, iri: str) -> int:
    """How many claims have the entity as subject or object."""
    query = f"""SELECT (COUNT(?c) AS ?n) WHERE {{
        {{ ?c <{SKG}subject> <{iri}> }} UNION {{ ?c <{SKG}object> <{iri}> }} }}"""
    for row in store.query(query).rows():
        return int(str(row["n"].value))
    return 0


def hub_card(store: Store, neighbours: dict[str, Any], claims: int) -> dict[str, Any]:
    """The evidence card of an entity with too many claims to list: the ``show`` shape, with
    the links of a capped neighbours answer, every denial involving the entity, and counts.

    ``neighbours`` is a depth-1 answer of ``KnowledgeGraph.neighbors`` for the entity.
    """
    head = neighbours["entity"]
    attrs = aliases_and_identifiers(store, head["iri"])
    nodes = {node["id"]: node for node in neighbours["nodes"]}
    relations = [
        {
            "direction": edge["direction"],
            "relation": edge["relation"],
            "relation_label": edge["relation_label"],
            "other": nodes[edge["target"]],
            "claims": edge["claims"],
            "stance": edge["stance"],
        }
        for edge in neighbours["edges"]
        if edge["source"] == head["id"]
    ]
    more = next((m for m in neighbours["more"] if m["id"] == head["id"]), None)
    return {
        "id": head["id"],
        "iri": head["iri"],
        "label": head["label"],
        "types": head["types"],
        "labels": attrs.get("labels", []),
        "aliases": attrs.get("aliases", []),
        "identifiers": attrs.get("identifiers", []),
        "country": [local_id(c) for c in attrs.get("country", [])],
        "comments": attrs.get("comments", []),
        "attributes": {},
        "relations": relations,
        "values": [],
        "denials": head.get("denials", []),
        "capped": {
            "claims": claims,
            "neighbours_shown": more["shown"] if more else len(nodes) - 1,
            "neighbours_total": more["total"] if more else len(nodes) - 1,
        },
    }


class ExplorerUseCases(PathUseCases):
    """The explorer page's legend and evidence cards (a card is ``show`` or, for a hub, built
    from ``neighbors``)."""

    def explorer_config(self) -> dict[str, Any]:
        """How the explorer page draws each entity type, and the relations it can filter by."""
        return explorer_config(self.ontology)

    def explorer_entity(
        self,
        reference: str,
        *,
        limit: int = 60,
        timeout: float | None = None,
        show_all: int | None = None,
    ) -> dict[str, Any]:
        """The evidence panel's card: ``show`` for most entities; for a hub (more than
        ``show_all`` claims, default SHOW_ALL) its first ``limit`` neighbours' links,
        every denial involving it, and the counts."""
        iri = self.resolve(reference)
        revision = revision_token(self.store, remote=self.settings.store_url is not None)
        claims = claim_count(self.store, iri)
        listings = fetch_restrictions(self.store, [iri]).get(iri, [])
        extra = {"revision": revision, "restrictions": listings}
        if claims <= (SHOW_ALL if show_all is None else show_all):
            return {**self.show(iri), "capped": None, **extra}
        answer = self.neighbors(iri, limit=limit, timeout=timeout, include_disputed=True)
        return {**hub_card(self.store, answer, claims), **extra}

    def explorer_revision(self) -> dict[str, Any]:
        """The store's revision (``service.revision``), for a shared view to compare."""
        return {"revision": revision_token(self.store, remote=self.settings.store_url is not None)}
