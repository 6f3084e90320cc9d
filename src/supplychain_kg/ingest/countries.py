"""Countries: ISO 3166 codes and names to skg:Country entities (seed countries reused)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from supplychain_kg.ingest.chunks import lit
from supplychain_kg.ingest.context import ImportContext
from supplychain_kg.ingest.identity import ALT, LABEL
from supplychain_kg.ingest.text import slugify
from supplychain_kg.namespaces import SKG

__all__ = ["Countries", "country_names"]

_ISO_FILE = Path("/usr/share/iso-codes/json/iso_3166-1.json")


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English short name (Debian's iso-codes; empty if missing)."""
    try:
        data = json.loads(_ISO_FILE.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {c["alpha_2"].upper(): c.get("common_name") or c["name"] for c in data.get("3166-1", [])}


class Countries:
    """Resolves ISO country codes (or names) to skg:Country entities.

    Order: a Country with the identifier ``iso3166-1:XX`` (store or this import); a Country
    whose name or alias is the code's English name (e.g. the seed's ``myanmar``); otherwise a
    new Country ``<base>country-xx`` named from ISO 3166-1.
    """

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self._cache: dict[str, str | None] = {}

    def iri(self, value: str) -> str | None:
        key = value.strip().upper()
        if key in self._cache:
            return self._cache[key]
        names = country_names()
        code = (
            key if key in names else next((c for c, n in names.items() if n.upper() == key), None)
        )
        result = self._resolve(code, names[code]) if code else None
        self._cache[key] = result
        return result

    def _resolve(self, code: str, name: str) -> str:
        ctx = self.ctx
        ident = f"iso3166-1:{code}"
        found = ctx.resolve([ident])
        if found:
            return found
        query = (
            f"SELECT ?c WHERE {{ ?c a <{SKG}Country> ; {LABEL}|{ALT} ?n . "
            f"FILTER(LCASE(STR(?n)) = {lit(name.lower())}) }} LIMIT 1"
        )
        for row in ctx.store.query(query).rows():
            iri = str(row["c"].value)
            ctx.entity(iri, None, (), [], [ident], new=False)
            return iri
        iri = f"{ctx.base}country-{code.lower()}"
        slug = ctx.unique_slug(slugify(name), iri, ctx.existing_slugs([slugify(name)]))
        ctx.entity(iri, slug, [SKG + "Country"], [name], [ident], new=True)
        return iri
