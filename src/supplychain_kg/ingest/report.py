"""What an import did (or, with ``dry_run``, would do): the counts ``skg import`` reports,
with every value it dropped or repaired (counted per field, the first one shown), the links
to entities outside the input (stubs made or links skipped) and the sanction programs that
no row of ``graph/restriction-lists.csv`` maps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ImportReport", "ValueIssue"]


@dataclass
class ValueIssue:
    """The values of one field that an import dropped or repaired, and the first of them."""

    dropped: int = 0
    repaired: int = 0
    example: str = ""
    """The first one: where, what was found, what was expected (and what was kept)."""

    def to_json(self) -> dict[str, Any]:
        return {"dropped": self.dropped, "repaired": self.repaired, "example": self.example}


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
    values: dict[str, ValueIssue] = field(default_factory=dict)
    """Per field (``Ownership.startDate``, ``awards.value.amount``): values dropped/repaired."""
    stubs: int = 0
    """Entities outside the input that links name, made as unresolved stubs."""
    stubs_filled: int = 0
    """Stubs of an earlier import that this one described (in place)."""
    skipped_links: int = 0
    """Links left out (``--missing=skip``) because an end is outside the input and store."""
    unmapped_programs: dict[str, int] = field(default_factory=dict)
    """Sanction programs no row of graph/restriction-lists.csv maps (each on its own list)."""
    retract: list[str] = field(default_factory=list, repr=False)
    """N-Triples lines the import removes from the store when it is written (the marks and
    stand-in labels of stubs it described in place); not part of the JSON report."""

    def value_issue(self, field_name: str, repaired: bool, example: str) -> None:
        """Count one dropped (or repaired) value of ``field_name``."""
        issue = self.values.get(field_name)
        if issue is None:
            issue = self.values[field_name] = ValueIssue(example=example)
        if repaired:
            issue.repaired += 1
        else:
            issue.dropped += 1

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
            "values": {k: v.to_json() for k, v in sorted(self.values.items())},
            "stubs": self.stubs,
            "stubs_filled": self.stubs_filled,
            "skipped_links": self.skipped_links,
            "unmapped_programs": dict(sorted(self.unmapped_programs.items())),
        }
