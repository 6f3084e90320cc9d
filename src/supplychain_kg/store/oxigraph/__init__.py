"""The embedded Oxigraph store: the only package that imports pyoxigraph.

- ``store.py``: :class:`OxigraphStore`, opened on disk or in memory; reading, notes, backups.
- ``writes.py``: its writes: updates, added quads, parsing, bulk loads.
- ``checkpoints.py``: its groups of writes, undone from a checkpoint when they fail.
- ``database.py``: opening the engine's database directory, owned or read-only.
- ``results.py``: a query's answer (:class:`OxigraphResult`) and its syntax errors.
- ``terms.py``: terms and quads converted between pyoxigraph and ``model``.
- ``formats.py``: the RDF and SPARQL results formats, by media type.
- ``exchange.py``: another engine's answers read, and quads written, by Oxigraph's parsers and
  writers (for the remote store, ``store/sparql/``).
"""

from __future__ import annotations

from supplychain_kg.store.oxigraph.exchange import (
    graph_answer,
    ntriples_of,
    rows_as_quads,
    select_answer,
    staged_graphs,
    staged_ntriples,
    write_quads,
)
from supplychain_kg.store.oxigraph.formats import rdf_media_types, results_media_types
from supplychain_kg.store.oxigraph.results import OxigraphResult
from supplychain_kg.store.oxigraph.store import OxigraphStore
from supplychain_kg.store.oxigraph.terms import checked_iri, from_term, to_term

__all__ = [
    "OxigraphResult",
    "OxigraphStore",
    "checked_iri",
    "from_term",
    "graph_answer",
    "ntriples_of",
    "rdf_media_types",
    "results_media_types",
    "rows_as_quads",
    "select_answer",
    "staged_graphs",
    "staged_ntriples",
    "to_term",
    "write_quads",
]
