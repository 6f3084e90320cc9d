"""The graph service, :class:`KnowledgeGraph`: the use cases shared by the CLI and the HTTP
API, on one store. Nothing here imports FastAPI or an engine: the store is reached through the
Store protocol.

The class is put together from one mixin per subject, each in its own module of ``service/``,
so that a reader finds where a change belongs by the module's name:

- ``state``: the store, vocabulary and validator, the write lock (``writing``) and the
  caches' revision bookkeeping (patched or dropped after a write);
- ``opening``: ``open`` (seeding a new store), ``seed``, ``close``;
- ``loading``: ``load``, ``validate_files``, ``check_input``, ``write_staged``;
- ``queries``: the query ``guard``, ``query``, ``stats``;
- ``entities``: the name ``index``, ``search``, ``resolve``, ``show``;
- ``endpoint``: the SPARQL endpoint on this graph (``sparql_service``), and the writes made
  through it, ``run_update`` and ``write_graph``, validated;
- ``paths``: the path ``projection``, ``paths``, ``neighbors``;
- ``exports``: ``export``, ``export_to_file``, ``resolve_export``;
- ``imports``: ``import_files`` (CSV, FtM, OCDS);
- ``backups``: ``backup`` of the open store, and ``backup_store`` / ``restore_store``;
- ``explorer``: the explorer page's ``explorer_config`` and ``explorer_entity``.

Why mixins rather than one service object per subject: callers (the CLI, the API's routers,
the SPARQL endpoint's ``GraphUseCases`` protocol, the tests) hold one ``KnowledgeGraph`` and
call ``kg.paths(...)``, ``kg.import_files(...)``, ``kg.store``; one class keeps that API as it
was. Each mixin inherits from the mixins whose methods it calls (``PathUseCases`` from
``EntityUseCases``, which resolves names), all from ``GraphState``, so what a subject relies on
is written in its class line and ``mypy --strict`` checks every call between subjects.
"""

from __future__ import annotations

from supplychain_kg.service.backups import BackupUseCases
from supplychain_kg.service.endpoint import EndpointUseCases
from supplychain_kg.service.explorer import ExplorerUseCases
from supplychain_kg.service.exports import ExportUseCases
from supplychain_kg.service.imports import ImportUseCases
from supplychain_kg.service.opening import OpeningUseCases

__all__ = ["KnowledgeGraph"]


class KnowledgeGraph(
    OpeningUseCases,
    ImportUseCases,
    ExportUseCases,
    EndpointUseCases,
    BackupUseCases,
    ExplorerUseCases,
):
    """The graph service: one store plus the vocabulary, the validator and caches."""
