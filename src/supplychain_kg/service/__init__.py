"""The use cases shared by the CLI and the HTTP API, on one knowledge graph
(:class:`KnowledgeGraph`); nothing here imports FastAPI."""

from supplychain_kg.service.graph import (
    KnowledgeGraph,
    LoadReport,
    ValidationReport,
    backup_store,
    restore_store,
    seed_files,
)

__all__ = [
    "KnowledgeGraph",
    "LoadReport",
    "ValidationReport",
    "backup_store",
    "restore_store",
    "seed_files",
]
