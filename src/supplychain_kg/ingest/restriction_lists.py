"""Restriction lists reconciled: a sanction's authority and program -> one canonical list.

The mapping is data, ``graph/restriction-lists.csv`` (columns ``authority``, ``program``,
``list``, ``label``, ``note``): the first row whose patterns both match (Python regular
expressions, searched case-insensitively in any of the sanction's authority and program
values; an empty pattern matches anything) names the list by its id (``skg:slug``), the seed's
``us-entity-list`` for the US Entity List. A list the store does not have yet is made with the
row's label. A sanction that no row maps lands on a list named after its program (or
authority), as the source names it, and is reported.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from supplychain_kg.config import graph_dir
from supplychain_kg.errors import BadRequestError
from supplychain_kg.ingest.context import ImportContext
from supplychain_kg.ingest.text import slugify
from supplychain_kg.namespaces import SKG

_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

__all__ = ["ListRow", "SanctionLists", "match_list", "read_list_table"]


@dataclass(frozen=True)
class ListRow:
    """One row of the table: the patterns, and the canonical list's id and label."""

    authority: re.Pattern[str] | None
    program: re.Pattern[str] | None
    slug: str
    label: str

    def matches(self, authorities: Sequence[str], programs: Sequence[str]) -> bool:
        if self.authority is not None and not any(self.authority.search(a) for a in authorities):
            return False
        return self.program is None or any(self.program.search(p) for p in programs)


@lru_cache(maxsize=4)
def read_list_table(path: Path | None = None) -> tuple[ListRow, ...]:
    """The rows of ``graph/restriction-lists.csv`` (or ``path``), checked: a bad pattern or a
    row without a list id or patterns is a BadRequestError naming the row."""
    path = path or graph_dir() / "restriction-lists.csv"
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            patterns = []
            for column in ("authority", "program"):
                text = (row.get(column) or "").strip()
                try:
                    patterns.append(re.compile(text, re.IGNORECASE) if text else None)
                except re.error as exc:
                    raise BadRequestError(
                        f"{path}:{number}: column '{column}': not a regular expression ({exc})"
                    ) from None
            slug, label = (row.get("list") or "").strip(), (row.get("label") or "").strip()
            if not _SLUG.fullmatch(slug) or not label or patterns == [None, None]:
                raise BadRequestError(
                    f"{path}:{number}: expected a list id (lowercase letters, digits, hyphens), "
                    f"a label and an authority or program pattern; found id {slug!r} (a pattern "
                    "with a comma must be in double quotes)"
                )
            rows.append(ListRow(patterns[0], patterns[1], slug, label))
    return tuple(rows)


def match_list(
    authorities: Sequence[str], programs: Sequence[str], table: Sequence[ListRow] | None = None
) -> ListRow | None:
    """The first row of ``table`` (the packaged one by default) that maps a sanction of these
    authorities and programs; None when no row does.

    >>> match_list(["Bureau of Industry and Security"], ["Entity List (EL)"]).slug
    'us-entity-list'
    """
    for row in read_list_table() if table is None else table:
        if row.matches(authorities, programs):
            return row
    return None


_Key = tuple[tuple[str, ...], tuple[str, ...]]


class SanctionLists:
    """The restriction list of each sanction an import states, made or found once."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self._lists: dict[_Key, str] = {}
        self._unmapped_keys: set[_Key] = set()

    def list_for(self, authorities: Sequence[str], programs: Sequence[str]) -> str:
        """The IRI of the list of a sanction of these authorities and programs: the canonical
        list a row of the table maps them to, else one named after the program (counted in
        the report's ``unmapped_programs``)."""
        key = (tuple(authorities), tuple(programs))
        iri = self._lists.get(key)
        if iri is None:
            row = match_list(key[0], key[1])
            if row is not None:
                iri = self._canonical(row.slug, row.label)
            else:
                iri = self._named((key[1] or key[0] or ("Sanctions list",))[0])
                self._unmapped_keys.add(key)
            self._lists[key] = iri
        if key in self._unmapped_keys:
            name = (
                f"{'; '.join(key[0]) or '(no authority)'} | {'; '.join(key[1]) or '(no program)'}"
            )
            report = self.ctx.report.unmapped_programs
            report[name] = report.get(name, 0) + 1
        return iri

    def _canonical(self, slug: str, label: str) -> str:
        """The list with id ``slug`` (the seed's, or one an import made), else a new one."""
        ctx = self.ctx
        ident = f"restriction-list:{slug}"
        iri = ctx.resolve([ident]) or ctx.existing_slugs([slug]).get(slug)
        if iri is None:
            iri = f"{ctx.base}{slug}"
            if not ctx.exists(iri):
                ctx.entity(iri, slug, [SKG + "RestrictionList"], [label], [ident], new=True)
        return iri

    def _named(self, name: str) -> str:
        """A list named as the source names it (no row maps it)."""
        ctx = self.ctx
        ident = f"sanctions-list:{slugify(name)}"
        iri = ctx.resolve([ident])
        if iri is None:
            iri = f"{ctx.base}list-{slugify(name)}"
            slug = ctx.unique_slug(slugify(name), iri, ctx.existing_slugs([slugify(name)]))
            ctx.entity(iri, slug, [SKG + "RestrictionList"], [name], [ident], new=True)
        return iri
