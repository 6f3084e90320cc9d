"""Countries: ISO 3166 codes and names to skg:Country entities (seed countries reused).

Names and codes come from ``pycountry`` (ISO 3166-1 as the Debian iso-codes data has it,
shipped with the package, so on any OS)."""

from __future__ import annotations

from functools import lru_cache

import pycountry

from supplychain_kg.ingest.chunks import lit
from supplychain_kg.ingest.context import ImportContext
from supplychain_kg.ingest.identity import ALT, LABEL
from supplychain_kg.ingest.text import slugify
from supplychain_kg.namespaces import SKG

__all__ = ["Countries", "country_names"]


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English short name (the common name where there is one:
    ``TW`` is Taiwan, ``RU`` Russia)."""
    return {
        c.alpha_2.upper(): getattr(c, "common_name", None) or c.name for c in pycountry.countries
    }


@lru_cache(maxsize=1)
def _codes_by_name() -> dict[str, str]:
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for name in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
            if name:
                out.setdefault(name.upper(), c.alpha_2.upper())
    return out


class Countries:
    """Resolves ISO country codes (or names) to skg:Country entities.

    Order: a Country with the identifier ``iso3166-1:XX`` (store or this import); a Country
    whose name or alias is the code's English name (e.g. the seed's ``myanmar``); otherwise a
    new Country ``<base>country-xx`` named from ISO 3166-1.
    """

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self._cache: dict[str, str | None] = {}

    def iri(self, value: str, name: str | None = None) -> str | None:
        """The Country of an ISO 3166-1 code or English name (None: neither). ``name``: the
        name of a code that ISO 3166-1 leaves to its users (FtM's ``XK``, Kosovo)."""
        key = value.strip().upper()
        if key in self._cache:
            return self._cache[key]
        names = country_names()
        code = key if key in names else _codes_by_name().get(key)
        if code is None and name and len(key) == 2 and key.isascii() and key.isalpha():
            code, found = key, name
        else:
            found = names[code] if code else ""
        result = self._resolve(code, found) if code else None
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
