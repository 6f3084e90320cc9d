"""Entities: the name index (rebuilt when the store has changed), search by name or alias,
resolving an id, IRI or name to one entity, and ``show``, everything about one entity.

Where the store's engine has its own full-text index (``Store.text_match``: Virtuoso's
``bif:contains``), a search or a name asks it first for candidates and scores them as the
whole name index does; the whole index (every name, read from the store) is built only when
that finds no strong match (misspellings, words under 4 letters, a match inside a word) or
when the engine has no index. An id or IRI is looked up in the store with one query."""

from __future__ import annotations

from typing import Any

from supplychain_kg.model import IRI, term_to_python
from supplychain_kg.namespaces import SKG
from supplychain_kg.paths import (
    STRONG,
    Match,
    NameIndex,
    aliases_and_identifiers,
    engine_names,
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

    def _fresh_index(self) -> NameIndex | None:
        """The whole name index if it is built and up to date, else None (not built here)."""
        current = self._index
        if current is not None and current.revision == self.store.revision:
            return current
        return None

    def _classes(self) -> frozenset[str]:
        return self.ontology.closure(f"{SKG}Entity")

    def search(self, text: str, *, type_: str | None = None, limit: int = 20) -> list[Match]:
        """Entities ranked by how well a name, alias or id matches ``text``: from the engine's
        full-text index when it finds a strong match, else from the whole name index."""
        found = engine_names(self.store, text, self._classes(), limit=limit)
        if found is not None:
            hits = found.search(text, type_=type_, limit=limit)
            if hits and hits[0].score >= STRONG:
                return hits
        return self.index().search(text, type_=type_, limit=limit)

    def resolve(self, reference: str) -> str:
        """An entity IRI for an id, IRI or name (see NameIndex.resolve): the whole name
        index when it is built; else an id or IRI looked up in the store, a name settled by
        the engine's full-text index when it can, and the whole index for the rest."""
        current = self._fresh_index()
        if current is not None:
            return current.resolve(reference)
        classes = self._classes()
        iri = lookup_reference(self.store, reference, classes)
        if iri is not None:
            return iri
        found = engine_names(self.store, reference, classes, limit=10)
        if found is not None:
            settled, _ = found.settle(reference)
            if settled is not None:
                return settled
        return self.index().resolve(reference)

    def entry(self, iri: str) -> Match | None:
        """The id, label and types of the entity ``iri`` (None if it is none), without
        building the whole name index."""
        current = self._fresh_index() or NameIndex(self.store, self._classes(), only=[iri])
        return current.entry(iri)

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
