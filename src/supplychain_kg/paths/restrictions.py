"""Restriction listings (sanctions, entity lists, covered lists) of entities, read from the
store: which list, since when, until when, and the source that says so.

One query answers a whole set of entities (a path answer asks once for all its nodes), so the
listings cost the same whether a path has two nodes or twenty. Only asserted ``skg:listedOn``
claims count: a denied listing is not a listing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from supplychain_kg.model import Term
from supplychain_kg.namespaces import DCTERMS, RDFS, SCHEMA, SKG
from supplychain_kg.paths.evidence import local_id
from supplychain_kg.store import Store

__all__ = ["fetch_restrictions"]

_BATCH = 1000


def _text(row: dict[str, Term], name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value.value)


def _listing(row: dict[str, Term]) -> dict[str, Any]:
    lst, claim, src = (str(row[k].value) for k in ("list", "c", "src"))
    return {
        "list": _text(row, "listslug") or local_id(lst),
        "list_label": _text(row, "listlabel") or local_id(lst),
        "since": _text(row, "from"),
        "until": _text(row, "to"),
        "claim": _text(row, "slug") or local_id(claim),
        "source": {
            "id": _text(row, "srcslug") or local_id(src),
            "title": _text(row, "title") or local_id(src),
            "date": _text(row, "date"),
            "url": _text(row, "url"),
        },
    }


def fetch_restrictions(store: Store, iris: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The restriction listings of each entity IRI that has any, sorted by list and claim.

    Each listing: ``list`` (id), ``list_label``, ``since`` / ``until`` (the claim's validFrom /
    validTo, None when the source gives no day), ``claim`` (id) and ``source`` (id, title,
    date, url: the date is the document's, which may be a month only). One store query per
    thousand entities.

    >>> fetch_restrictions(store, [HIKVISION])[HIKVISION][0]["list"]
    'fcc-covered-list'
    """
    wanted = sorted(set(iris))
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for start in range(0, len(wanted), _BATCH):
        values = " ".join(f"<{i}>" for i in wanted[start : start + _BATCH])
        query = f"""SELECT ?e ?c ?list ?slug ?from ?to ?src ?listslug ?listlabel ?srcslug
                           ?title ?date ?url WHERE {{
            VALUES ?e {{ {values} }}
            ?c <{SKG}subject> ?e ; <{SKG}relation> <{SKG}listedOn> ; <{SKG}object> ?list ;
               <{SKG}stance> <{SKG}Asserted> ; <{SKG}source> ?src .
            OPTIONAL {{ ?c <{SKG}slug> ?slug }}
            OPTIONAL {{ ?c <{SKG}validFrom> ?from }} OPTIONAL {{ ?c <{SKG}validTo> ?to }}
            OPTIONAL {{ ?list <{SKG}slug> ?listslug }} OPTIONAL {{ ?list <{RDFS}label> ?listlabel }}
            OPTIONAL {{ ?src <{SKG}slug> ?srcslug }} OPTIONAL {{ ?src <{DCTERMS}title> ?title }}
            OPTIONAL {{ ?src <{DCTERMS}date> ?date }} OPTIONAL {{ ?src <{SCHEMA}url> ?url }} }}"""
        for row in store.query(query).rows():
            entity, claim = str(row["e"].value), str(row["c"].value)
            found.setdefault(entity, {}).setdefault(claim, _listing(row))
    return {
        e: sorted(listings.values(), key=lambda x: (x["list"], x["claim"]))
        for e, listings in found.items()
    }
