"""Opening a knowledge graph on the configured store, seeding a new store from the embedded
``graph/`` (vocabulary and seed data), and closing it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from supplychain_kg.config import Settings, graph_dir
from supplychain_kg.ingest import Progress
from supplychain_kg.namespaces import DEFAULT_BASE
from supplychain_kg.service.loading import LoadingUseCases, LoadReport
from supplychain_kg.store import open_beside_owner, open_configured

__all__ = ["OpeningUseCases", "seed_files"]


def seed_files() -> list[Path]:
    """The files of the embedded default graph: the vocabulary, then the seed data."""
    root = graph_dir()
    return [root / "ontology.ttl", *sorted((root / "data").glob("*.ttl"))]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class OpeningUseCases(LoadingUseCases):
    """Open, seed and close (seeding is a load of the embedded files)."""

    @classmethod
    def open(cls, settings: Settings, *, progress: Progress | None = None) -> Self:
        """Open the configured store; seed it from ``graph/`` if it is new.

        A store is new until its notes (``Store.read_metadata``) say whether it was seeded:
        a store made with ``settings.seed`` off is noted as not seeded and never seeded
        later, and a store emptied by its user is never seeded again. A store that has data
        but no such note (made before the note existed) counts as seeded. Opening takes the
        same time whatever the store's size (nothing is counted).
        """
        store = open_configured(settings)
        try:
            kg = cls(settings, store)
            notes = store.read_metadata()
            if "seeded" not in notes:
                if not store.is_empty():
                    store.write_metadata({**notes, "seeded": "unknown (made before this note)"})
                elif settings.seed:
                    kg.seed(progress=progress)
                else:
                    store.write_metadata({**notes, "seeded": False})
        except BaseException:
            store.close()
            raise
        return kg

    @classmethod
    def open_beside_owner(cls, settings: Settings) -> Self:
        """Open the configured on-disk store read-only while another process holds it (for
        the commands that only read: ``skg show`` beside ``skg serve``). Nothing is seeded
        or noted; the graph is the store's data as it was when opened."""
        directory = settings.resolved_store_dir()
        if directory is None:
            raise ValueError("an in-memory store has no owner to read beside")
        store = open_beside_owner(directory)
        try:
            return cls(settings, store)
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        self._keep_caches()  # patched since kept: kept again, for the next start
        service = getattr(self, "_sparql", None)
        if service is not None:
            service.close()
        self.store.close()

    def seed(self, *, progress: Progress | None = None) -> LoadReport:
        """Load the embedded default graph (vocabulary and seed data) under the configured
        base, and note in the store that it was seeded (and when)."""
        base = self.settings.base_iri
        rewrite = None
        if base != DEFAULT_BASE:
            old, new = DEFAULT_BASE.encode(), base.encode()

            def rewrite(data: bytes) -> bytes:
                return data.replace(old, new)

        if progress:
            progress("seeding the store from the embedded graph/ (first use)")
        report = self._load(seed_files(), progress=progress, rewrite=rewrite)
        self.store.write_metadata({**self.store.read_metadata(), "seeded": _now()})
        return report
