"""Paths and relationships with their evidence.

- ``projection``: the in-memory graph of claimed relations that path questions walk, built
  from the store (``edges`` with the queries of ``source``) and patched after small writes;
  ``graph``: the edges a walk may use and the stated triples; ``search``: shortest and
  k-shortest paths; ``options``: what a walk may use (:class:`PathOptions`) and its hops;
- ``answers``: path and neighbourhood answers with the evidence on every hop, finished by
  ``enrich`` (roles and ``restrictions`` of nodes, hops stated as the source states them)
  and ordered by ``ranking``; ``roles``: coarse roles and which nodes are shared hubs;
- ``evidence``: claims, sources and entity summaries read from the store;
- ``frontier``: the frontier mode, path search that reads one hop at a time from the store
  (``walker``: the reads), for graphs too big for the projection;
- ``names``: the name index that resolves an id, IRI or name to an entity.
"""

from supplychain_kg.paths.answers import (
    MAX_DEPTH,
    MAX_HOPS,
    MAX_K,
    neighbourhood_answer,
    parse_options,
    path_answer,
)
from supplychain_kg.paths.evidence import (
    ClaimInfo,
    aliases_and_identifiers,
    fetch_claims,
    fetch_entities,
    local_id,
)
from supplychain_kg.paths.frontier import Frontier
from supplychain_kg.paths.names import STRONG, Match, NameIndex, engine_names, lookup_reference
from supplychain_kg.paths.options import PathOptions
from supplychain_kg.paths.projection import Projection, build_projection, touched_entities
from supplychain_kg.paths.ranking import rank_paths
from supplychain_kg.paths.restrictions import fetch_restrictions
from supplychain_kg.paths.roles import HUB_ROLES, Roles, fetch_roles
from supplychain_kg.paths.saved import (
    load_index,
    load_projection,
    projection_kept,
    save_index,
    save_projection,
)
from supplychain_kg.paths.search import PathSearch
from supplychain_kg.paths.source import claim_ends, staged_impure, staged_subjects
from supplychain_kg.paths.walker import count_direct

__all__ = [
    "HUB_ROLES",
    "MAX_DEPTH",
    "MAX_HOPS",
    "MAX_K",
    "STRONG",
    "ClaimInfo",
    "Frontier",
    "Match",
    "NameIndex",
    "PathOptions",
    "PathSearch",
    "Projection",
    "Roles",
    "aliases_and_identifiers",
    "build_projection",
    "claim_ends",
    "count_direct",
    "engine_names",
    "fetch_claims",
    "fetch_entities",
    "fetch_restrictions",
    "fetch_roles",
    "load_index",
    "load_projection",
    "local_id",
    "lookup_reference",
    "neighbourhood_answer",
    "parse_options",
    "path_answer",
    "projection_kept",
    "rank_paths",
    "save_index",
    "save_projection",
    "staged_impure",
    "staged_subjects",
    "touched_entities",
]
