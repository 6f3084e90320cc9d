"""The use cases shared by the CLI and the HTTP API, on one knowledge graph
(:class:`KnowledgeGraph`, put together in ``graph.py`` from one module per subject); nothing
here imports FastAPI."""

from supplychain_kg.service.backups import backup_store, restore_store
from supplychain_kg.service.graph import KnowledgeGraph
from supplychain_kg.service.loading import LoadReport, ValidationReport
from supplychain_kg.service.opening import seed_files

__all__ = [
    "KnowledgeGraph",
    "LoadReport",
    "ValidationReport",
    "backup_store",
    "restore_store",
    "seed_files",
]
