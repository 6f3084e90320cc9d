"""The JSON types of the OCDS release fields the importer reads, checked before it reads them.

A release is data from outside: a date that is a number, roles that are objects, a party that
is a list would otherwise end the import in a TypeError. Each wrong type is a ParseError naming
the field (``releases[0].parties[1].roles[0]``), what was expected and what was found.
"""

from __future__ import annotations

import json
from typing import Any

from supplychain_kg.errors import ParseError
from supplychain_kg.ingest.text import full_date
from supplychain_kg.namespaces import XSD
from supplychain_kg.validate import lexical_problem

__all__ = ["check_release", "clean_day", "publisher_of"]

_TEXT: tuple[type, ...] = (str,)
_ID: tuple[type, ...] = (str, int)
_Fields = tuple[tuple[str, tuple[type, ...], str], ...]
_PARTY_FIELDS: _Fields = (("name", _TEXT, "a string"), ("id", _ID, "a string"))
_IDENTIFIER_FIELDS: _Fields = (
    ("scheme", _TEXT, "a string"),
    ("id", _ID, "a string"),
    ("legalName", _TEXT, "a string"),
)


def _typed(
    value: Any, types: tuple[type, ...], path: str, what: str, where: tuple[str, int]
) -> Any:
    """``value`` if it is absent or of ``types``; else a ParseError naming the field."""
    if value is None or (isinstance(value, types) and not isinstance(value, bool)):
        return value
    name, line = where
    found = json.dumps(value, ensure_ascii=False)
    found = found if len(found) <= 60 else found[:59] + "…"
    raise ParseError(f"field '{path}': expected {what}, found {found}", path=name, line=line)


def check_release(release: dict[str, Any], field: str, where: tuple[str, int]) -> None:
    """Refuse a release whose fields this importer reads have the wrong JSON types, whose
    parties lack ids, or whose awards name suppliers otherwise than by a party's id."""
    _typed(release.get("date"), _TEXT, f"{field}date", "a date string", where)
    for key in ("tag", "parties", "awards"):
        _typed(release.get(key), (list,), f"{field}{key}", "a list", where)
    for key in ("tender", "planning"):
        _typed(release.get(key), (dict,), f"{field}{key}", "an object", where)
    _typed(
        _dict(release.get("tender")).get("title"), _TEXT, f"{field}tender.title", "a string", where
    )
    budget = _typed(
        _dict(release.get("planning")).get("budget"),
        (dict,),
        f"{field}planning.budget",
        "an object",
        where,
    )
    _typed(
        _dict(budget).get("project"), _TEXT, f"{field}planning.budget.project", "a string", where
    )
    for i, party in enumerate(release.get("parties") or []):
        path = f"{field}parties[{i}]"
        _check_party(_typed(party, (dict,), path, "a party object", where) or {}, path, where)
        if party.get("id") in (None, ""):
            raise ParseError(
                f"field '{path}.id': expected the party's id (a string), found none",
                path=where[0],
                line=where[1],
            )
    for i, item in enumerate(release.get("awards") or []):
        award = _dict(item)
        path = f"{field}awards[{i}]"
        for key in ("status", "date"):
            _typed(award.get(key), _TEXT, f"{path}.{key}", "a string", where)
        _typed(award.get("value"), (dict,), f"{path}.value", "an object", where)
        suppliers = _typed(award.get("suppliers"), (list,), f"{path}.suppliers", "a list", where)
        for j, supplier in enumerate(suppliers or []):
            what = 'an object with the id of a party ({"id": ...})'
            _typed(supplier, (dict,), f"{path}.suppliers[{j}]", what, where)


def _check_party(party: dict[str, Any], path: str, where: tuple[str, int]) -> None:
    for key, types, what in _PARTY_FIELDS:
        _typed(party.get(key), types, f"{path}.{key}", what, where)
    roles = _typed(party.get("roles"), (list,), f"{path}.roles", "a list", where) or []
    for j, role in enumerate(roles):
        _typed(role, _TEXT, f"{path}.roles[{j}]", "a string", where)
    idents = [("identifier", party.get("identifier"))]
    extra = _typed(
        party.get("additionalIdentifiers"),
        (list,),
        f"{path}.additionalIdentifiers",
        "a list",
        where,
    )
    idents += [(f"additionalIdentifiers[{j}]", ident) for j, ident in enumerate(extra or [])]
    for key, item in idents:
        ident = _typed(item, (dict,), f"{path}.{key}", "an object", where) or {}
        for name, types, what in _IDENTIFIER_FIELDS:
            _typed(ident.get(name), types, f"{path}.{key}.{name}", what, where)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def publisher_of(
    package: dict[str, Any], release: dict[str, Any], field: str, where: tuple[str, int]
) -> tuple[str | None, list[str]]:
    """(name, identifiers) of the publisher a release names (its own ``publisher``, else its
    package's): the ``name``, else the ``legalName`` (of the publisher or of its
    ``identifier``); identifiers ``<scheme>:<uid>``. (None, []) when neither names one."""
    for key, holder in ((f"{field}publisher", release), ("publisher", package)):
        info = _typed(holder.get("publisher"), (dict,), key, "an object", where)
        if not info:
            continue
        ident = _typed(info.get("identifier"), (dict,), f"{key}.identifier", "an object", where)
        for part, value in (("name", info.get("name")), ("legalName", info.get("legalName"))):
            _typed(value, _TEXT, f"{key}.{part}", "a string", where)
        name = info.get("name") or info.get("legalName") or _dict(ident).get("legalName")
        if not isinstance(name, str) or not name.strip():
            continue
        idents = []
        for scheme, uid in (
            (info.get("scheme"), info.get("uid")),
            (_dict(ident).get("scheme"), _dict(ident).get("id")),
        ):
            if isinstance(scheme, str) and scheme and isinstance(uid, str | int) and str(uid):
                idents.append(f"{scheme}:{uid}")
        return " ".join(name.split()), idents
    return None, []


def clean_day(value: Any) -> tuple[str | None, str | None]:
    """(the day YYYY-MM-DD of an OCDS date-time, what was expected if it has none)."""
    if value is None:
        return None, None
    day = full_date(value) if isinstance(value, str) else None
    if day is None or lexical_problem(day, XSD + "date") is not None:
        return None, "a date-time such as 2016-01-15T00:00:00Z (a day that exists)"
    return day, None
