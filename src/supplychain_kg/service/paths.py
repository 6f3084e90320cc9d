"""Paths and neighbours: the path projection (built for the store's revision, patched by
small writes: see ``state.py``), the shortest paths between two entities with their evidence,
and an entity's neighbourhood."""

from __future__ import annotations

from typing import Any

from supplychain_kg.errors import InvalidParameterError
from supplychain_kg.namespaces import SKG
from supplychain_kg.paths import (
    MAX_DEPTH,
    Projection,
    Roles,
    build_projection,
    neighbourhood_answer,
    parse_options,
    path_answer,
)
from supplychain_kg.service.entities import EntityUseCases
from supplychain_kg.service.revision import revision_token

__all__ = ["PathUseCases"]


class PathUseCases(EntityUseCases):
    """The projection, paths and neighbours (entities resolved by ``EntityUseCases``)."""

    def projection(self) -> Projection:
        """The path projection for the store's current revision (built or rebuilt if stale)."""
        current = self._projection
        if current is not None and current.revision == self.store.revision:
            return current
        with self._projection_lock:
            current = self._projection
            if current is None or current.revision != self.store.revision:
                current = build_projection(
                    self.store,
                    self.ontology.claimed_relations,
                    self.ontology.closure(f"{SKG}Entity"),
                )
                self._projection = current
            return current

    def cached_projection(self) -> Projection | None:
        """The path projection made so far, if any, at whatever revision (never built here)."""
        return self._projection

    def paths(
        self, source: str, target: str, *, timeout: float | None = None, **options: Any
    ) -> dict[str, Any]:
        """Up to ``k`` shortest paths with their evidence (options: see paths.parse_options).

        Raises UnknownEntityError / AmbiguousEntityError for SOURCE or TARGET,
        InvalidParameterError for a bad option and QueryTimeoutError past ``timeout`` seconds.
        """
        via = [self.resolve(name) for name in options.pop("via", ())]
        parsed = parse_options(self.ontology, timeout=timeout, via=via, **options)
        start, end = self.resolve(source), self.resolve(target)
        revision = revision_token(self.store, remote=self.settings.store_url is not None)
        return path_answer(
            self.store,
            projection=self.projection(),
            source=start,
            target=end,
            options=parsed,
            labels=self.ontology.labels,
            roles=Roles(self.ontology),
        ) | {"revision": revision}

    def neighbors(
        self,
        reference: str,
        *,
        depth: int = 1,
        limit: int = 50,
        timeout: float | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Entities within ``depth`` hops (at most ``limit`` new ones per entity), with claims."""
        parsed = parse_options(self.ontology, timeout=timeout, **options)
        if not 1 <= depth <= MAX_DEPTH:
            raise InvalidParameterError(
                "depth", f"{depth} is out of range; expected 1 to {MAX_DEPTH}"
            )
        if not 1 <= limit <= 1000:
            raise InvalidParameterError("limit", f"{limit} is out of range; expected 1 to 1000")
        iri = self.resolve(reference)
        revision = revision_token(self.store, remote=self.settings.store_url is not None)
        return neighbourhood_answer(
            self.store,
            projection=self.projection(),
            entity=iri,
            options=parsed,
            depth=depth,
            limit=limit,
            labels=self.ontology.labels,
            roles=Roles(self.ontology),
        ) | {"revision": revision}
