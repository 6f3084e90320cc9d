"""Paths and neighbours: the path projection (built for the store's revision, patched by
small writes: see ``state.py``) or the frontier mode (one hop at a time from the store), the
shortest paths between two entities with their evidence, and an entity's neighbourhood.

The mode (``SKG_PATHS``, or ``mode`` per question): ``projection``, ``frontier``, or ``auto``:
the projection while the store holds fewer direct relations than
``SKG_PATHS_PROJECTION_LIMIT`` (or once it is built anyway, or kept beside the store for its
data as it is now, as the SPARQL graph index makes it), else the frontier. Both give the
same answers; a frontier answer may also list ``capped_hubs``, hubs it did not walk through.
"""

from __future__ import annotations

from typing import Any

from supplychain_kg.config import PATH_MODES
from supplychain_kg.errors import InvalidParameterError
from supplychain_kg.namespaces import SKG
from supplychain_kg.paths import (
    MAX_DEPTH,
    Frontier,
    PathSearch,
    Projection,
    Roles,
    build_projection,
    count_direct,
    load_projection,
    lookup_reference,
    neighbourhood_answer,
    parse_options,
    path_answer,
    projection_kept,
    save_projection,
)
from supplychain_kg.service.entities import EntityUseCases
from supplychain_kg.service.revision import revision_token

__all__ = ["PathUseCases"]


class PathUseCases(EntityUseCases):
    """The projection, paths and neighbours (entities resolved by ``EntityUseCases``)."""

    _relation_count: tuple[int, int] | None = None
    """(revision, direct relations in the store), for the ``auto`` mode."""
    _frontier_cache: tuple[int, dict[Any, Any]] | None = None
    """(revision, the evidence read by frontier answers at that revision)."""

    def path_mode(self, mode: str | None = None) -> str:
        """The mode a path question runs in: ``mode``, else ``SKG_PATHS``; ``auto`` becomes
        ``projection`` or ``frontier`` (see the module's docstring)."""
        chosen = mode or self.settings.paths_mode
        if chosen not in PATH_MODES:
            raise InvalidParameterError(
                "mode", f"{chosen!r} is not a path mode; expected {', '.join(PATH_MODES)}"
            )
        if chosen != "auto":
            return chosen
        revision = self.store.revision
        built = self._projection
        if built is not None and built.revision == revision:
            return "projection"
        if self._projection_kept():
            return "projection"  # loading it takes about a second at 1M entities / 5M links
        return (
            "projection"
            if self.relation_count(revision) < self.settings.paths_projection_limit
            else "frontier"
        )

    def _projection_kept(self) -> bool:
        """Whether a projection of the store's data as it is now is kept beside the store."""
        with self._lock:  # no write between the stamp and the check
            try:
                kept = self.store.cache_stamp()
            except OSError:
                return False
        return kept is not None and projection_kept(*kept)

    def relation_count(self, revision: int) -> int:
        """How many direct triples of the claimed relations the store holds (counted once
        per revision)."""
        known = self._relation_count
        if known is not None and known[0] == revision:
            return known[1]
        count = count_direct(self.store, self.ontology.claimed_relations)
        self._relation_count = (revision, count)
        return count

    def frontier(self, ends: tuple[str, ...] = ()) -> Frontier:
        """A fresh frontier search for one question (the evidence cache is shared by the
        questions of one store revision)."""
        revision = self.store.revision
        shared = self._frontier_cache
        if shared is None or shared[0] != revision:
            shared = self._frontier_cache = (revision, {})
        return Frontier(
            self.store,
            relations=self.ontology.claimed_relations,
            classes=self.ontology.closure(f"{SKG}Entity"),
            revision=revision,
            ends=ends,
            hub_limit=self.settings.paths_hub_limit,
            cache=shared[1],
        )

    def _walker(
        self, mode: str | None, references: tuple[str, ...]
    ) -> tuple[str, PathSearch, tuple[str, ...]]:
        """The mode chosen, and its search with ``references`` resolved (in frontier mode an
        id or IRI is looked up in the store: the name index, which holds every entity, is
        read only for a name)."""
        chosen = self.path_mode(mode)
        if chosen != "frontier":
            ends = tuple(self.resolve(ref) for ref in references)
            return chosen, self.projection(), ends
        classes = self.ontology.closure(f"{SKG}Entity")
        ends = tuple(
            lookup_reference(self.store, ref, classes) or self.resolve(ref) for ref in references
        )
        return chosen, self.frontier(ends), ends

    def projection(self) -> Projection:
        """The path projection for the store's current revision (built or rebuilt if stale)."""
        current = self._projection
        if current is not None and current.revision == self.store.revision:
            return current
        with self._projection_lock:
            current = self._projection
            if current is None or current.revision != self.store.revision:
                relations = self.ontology.claimed_relations
                classes = self.ontology.closure(f"{SKG}Entity")
                current = self._load_kept(
                    "path projection",
                    lambda folder, stamp, revision: load_projection(
                        folder,
                        stamp,
                        self.store,
                        revision=revision,
                        relations=relations,
                        classes=classes,
                    ),
                )
                if current is None:
                    current = build_projection(self.store, relations, classes)
                    current.types()  # read by every path question: kept with it
                    self._keep("path projection", current, save_projection)
                self._projection = current
            return current

    def cached_projection(self) -> Projection | None:
        """The path projection made so far, if any, at whatever revision (never built here)."""
        return self._projection

    def paths(
        self,
        source: str,
        target: str,
        *,
        timeout: float | None = None,
        mode: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Up to ``k`` shortest paths with their evidence (options: see paths.parse_options),
        found in path ``mode`` (see :meth:`path_mode`), which the answer names.

        Raises UnknownEntityError / AmbiguousEntityError for SOURCE or TARGET,
        InvalidParameterError for a bad option and QueryTimeoutError past ``timeout`` seconds.
        """
        via_option = options.pop("via", ()) or ()
        via_refs = (via_option,) if isinstance(via_option, str) else tuple(map(str, via_option))
        # the via entities are never capped as hubs in frontier mode (they are ends too)
        chosen, walker, resolved = self._walker(mode, (source, target, *via_refs))
        start, end, via = resolved[0], resolved[1], list(resolved[2:])
        parsed = parse_options(self.ontology, timeout=timeout, via=via, **options)
        revision = revision_token(self.store, remote=self.settings.store_url is not None)
        answer = path_answer(
            self.store,
            projection=walker,
            source=start,
            target=end,
            options=parsed,
            labels=self.ontology.labels,
            roles=Roles(self.ontology),
        )
        answer["mode"] = chosen
        answer["capped_hubs"] = walker.capped_hubs if isinstance(walker, Frontier) else []
        answer["revision"] = revision
        return answer

    def neighbors(
        self,
        reference: str,
        *,
        depth: int = 1,
        limit: int = 50,
        timeout: float | None = None,
        mode: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Entities within ``depth`` hops (at most ``limit`` new ones per entity), with claims
        (read in path ``mode``: the answers are the same, see :meth:`path_mode`)."""
        parsed = parse_options(self.ontology, timeout=timeout, **options)
        if not 1 <= depth <= MAX_DEPTH:
            raise InvalidParameterError(
                "depth", f"{depth} is out of range; expected 1 to {MAX_DEPTH}"
            )
        if not 1 <= limit <= 1000:
            raise InvalidParameterError("limit", f"{limit} is out of range; expected 1 to 1000")
        _, walker, (iri,) = self._walker(mode, (reference,))
        revision = revision_token(self.store, remote=self.settings.store_url is not None)
        return neighbourhood_answer(
            self.store,
            projection=walker,
            entity=iri,
            options=parsed,
            depth=depth,
            limit=limit,
            labels=self.ontology.labels,
            roles=Roles(self.ontology),
        ) | {"revision": revision}
