"""What an import did (or, with ``dry_run``, would do): the counts ``skg import`` reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ImportReport"]


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    kind: str
    files: int = 0
    records: int = 0
    entities: int = 0
    claims: int = 0
    triples: int = 0
    added: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    by_schema: dict[str, int] = field(default_factory=dict)
    unmapped: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON object (what ``skg import --format json`` prints)."""
        return {
            "kind": self.kind,
            "files": self.files,
            "records": self.records,
            "entities": self.entities,
            "claims": self.claims,
            "triples": self.triples,
            "added": self.added,
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
            "by_schema": dict(sorted(self.by_schema.items())),
            "unmapped": dict(sorted(self.unmapped.items())),
        }
