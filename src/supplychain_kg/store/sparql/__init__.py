"""A store on a remote SPARQL 1.1 engine (Virtuoso, Oxigraph server, Fuseki, GraphDB, ...),
over its Query, Update and Graph Store HTTP endpoints; selected by
``SKG_STORE=sparql+http(s)://host:port/path`` (``config.py``).

- ``store.py``: :class:`SparqlStore`, reading (the store's graphs mapped onto the engine's);
- ``client.py``: the HTTP requests, credentials, time limits and errors;
- ``meta.py``: the store's own graphs on the engine (default graph, revision, notes, work in
  progress);
- ``updates.py``: the updates a remote store takes, read before they are sent;
- ``writes.py``: writes as single requests, groups of writes and their inverses, recovery;
- ``loads.py``: loads through staging graphs, moved into place in one request;
- ``pages.py``: large answers read in pages.

Engine-specific behaviour stays in this package; above ``store/`` nothing knows which engine
answers.
"""

from __future__ import annotations

from supplychain_kg.store.sparql.client import Endpoints
from supplychain_kg.store.sparql.store import BACKUP_REFUSAL, SparqlStore

__all__ = ["BACKUP_REFUSAL", "Endpoints", "SparqlStore"]
