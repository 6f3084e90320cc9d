"""Paths and relationships with their evidence.

- ``projection``: the in-memory graph of claimed relations that path questions walk, built
  from the store (``edges`` with the queries of ``source``) and patched after small writes;
  ``graph``: the edges a walk may use and the stated triples; ``search``: shortest and
  k-shortest paths; ``options``: what a walk may use (:class:`PathOptions`) and its hops;
- ``answers``: path and neighbourhood answers with the evidence on every hop;
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
    aliases_and_identifiers,
    fetch_claims,
    fetch_entities,
    local_id,
)
from supplychain_kg.paths.frontier import Frontier
from supplychain_kg.paths.names import Match, NameIndex, lookup_reference
from supplychain_kg.paths.projection import Projection, build_projection, touched_entities
from supplychain_kg.paths.search import PathSearch
from supplychain_kg.paths.source import claim_ends, staged_impure, staged_subjects
from supplychain_kg.paths.walker import count_direct

__all__ = [
    "MAX_DEPTH",
    "MAX_HOPS",
    "MAX_K",
    "Frontier",
    "Match",
    "NameIndex",
    "PathSearch",
    "Projection",
    "aliases_and_identifiers",
    "build_projection",
    "claim_ends",
    "count_direct",
    "fetch_claims",
    "fetch_entities",
    "local_id",
    "lookup_reference",
    "neighbourhood_answer",
    "parse_options",
    "path_answer",
    "staged_impure",
    "staged_subjects",
    "touched_entities",
]
