"""Entities: the name index (rebuilt when the store has changed), search by name or alias,
resolving an id, IRI or name to one entity, and ``show``, everything about one entity."""

from __future__ import annotations

from typing import Any

from supplychain_kg.model import IRI, term_to_python
from supplychain_kg.namespaces import SKG
from supplychain_kg.paths import (
    Match,
    NameIndex,
    aliases_and_identifiers,
    fetch_claims,
    fetch_entities,
    load_index,
    local_id,
    lookup_reference,
    save_index,
)
from supplychain_kg.service.state import GraphState

__all__ = ["EntityUseCases"]


def _capped(relations: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    if limit is None or len(relations) <= limit:
        return relations
    order = {"denied": 0, "disputed": 1}
    return sorted(relations, key=lambda r: order.get(r["stance"], 2))[:limit]


class EntityUseCases(GraphState):
    """Looking entities up: index, search, resolve, show."""

    def index(self) -> NameIndex:
        """The name index, rebuilt when the store has changed."""
        current = self._index
        if current is not None and current.revision == self.store.revision:
            return current
        with self._index_lock:
            current = self._index
            if current is None or current.revision != self.store.revision:
                classes = self.ontology.closure(f"{SKG}Entity")
                current = self._load_kept(
                    "name index",
                    lambda folder, stamp, revision: load_index(
                        folder, stamp, revision=revision, classes=classes
                    ),
                )
                if current is None:
                    current = NameIndex(self.store, classes)
                    self._keep("name index", current, save_index)
                self._index = current
            return current

    def search(self, text: str, *, type_: str | None = None, limit: int = 20) -> list[Match]:
        return self.index().search(text, type_=type_, limit=limit)

    def resolve(self, reference: str) -> str:
        """An entity IRI for an id, IRI or name (see NameIndex.resolve). Without a name index
        of the current revision at hand, an id or IRI is first looked up in the store (one
        query, whatever the store's size: ``skg show ID`` builds no index)."""
        current = self._index
        if current is None or current.revision != self.store.revision:
            found = lookup_reference(self.store, reference, self.ontology.closure(f"{SKG}Entity"))
            if found is not None:
                return found
        return self.index().resolve(reference)

    def show(self, reference: str, *, limit: int | None = None) -> dict[str, Any]:
        """Everything about one entity: names, types, identifiers and every claim in and out.

        ``limit`` caps the relations listed (denied and disputed ones first, so no denial is
        cut before an assertion); ``relations_total`` always gives the full count.
        """
        iri = self.resolve(reference)
        attrs = aliases_and_identifiers(self.store, iri)
        claims = fetch_claims(self.store, about=[iri])
        others = {c.subject for c in claims.values()} | {
            c.object.value for c in claims.values() if isinstance(c.object, IRI)
        }
        summaries = fetch_entities(self.store, others | {iri})
        relations: dict[tuple[str, str, str], dict[str, Any]] = {}
        values: list[dict[str, Any]] = []
        for claim in sorted(claims.values(), key=lambda c: (c.relation, c.id)):
            rel = claim.relation.removeprefix(SKG)
            if not isinstance(claim.object, IRI):
                values.append(
                    {
                        "relation": rel,
                        "subject": summaries[claim.subject].to_json(),
                        "value": term_to_python(claim.object),
                        "claim": claim.to_json(),
                    }
                )
                continue
            outgoing = claim.subject == iri
            other = claim.object.value if outgoing else claim.subject
            key = ("out" if outgoing else "in", rel, other)
            entry = relations.setdefault(
                key,
                {
                    "direction": key[0],
                    "relation": rel,
                    "relation_label": self.ontology.labels.get(claim.relation, rel),
                    "other": summaries[other].to_json(),
                    "claims": [],
                },
            )
            entry["claims"].append(claim.to_json())
        for entry in relations.values():
            stances = {c["stance"] for c in entry["claims"]}
            entry["stance"] = (
                "disputed"
                if len(stances) > 1
                else "denied"
                if stances == {"denied"}
                else "asserted"
            )
        head = summaries[iri]
        return {
            **head.to_json(),
            "labels": attrs.get("labels", []),
            "aliases": attrs.get("aliases", []),
            "identifiers": attrs.get("identifiers", []),
            "country": [local_id(c) for c in attrs.get("country", [])],
            "comments": attrs.get("comments", []),
            "attributes": {
                k: v
                for k, v in attrs.items()
                if k in ("role", "member_type", "min_count", "max_count")
            },
            "relations": _capped(list(relations.values()), limit),
            "relations_total": len(relations),
            "values": values,
        }
