"""The FollowTheMoney (FtM) schemata the importer maps, and the fields of one FtM entity read:
the record checked (a ParseError names the bad field), the names, the strong identifiers, the
dates and amount of an interval entity, and an IRI- and slug-safe token for its id."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from supplychain_kg.errors import ParseError
from supplychain_kg.ingest.text import full_date, is_decimal, slugify
from supplychain_kg.namespaces import SKG

__all__ = [
    "EDGE_SCHEMATA",
    "NODE_SCHEMATA",
    "PROPERTY_LINKS",
    "check_entity",
    "claim_values",
    "entity_names",
    "local",
    "strong_ids",
]

# node schema -> class
NODE_SCHEMATA: dict[str, str] = {
    "Company": SKG + "Company",
    "Organization": SKG + "Organization",
    "PublicBody": SKG + "GovernmentBody",
    "LegalEntity": SKG + "Organization",
    "Person": SKG + "Person",
    "Address": SKG + "Place",
    "Contract": SKG + "Tender",
}
# interval schema -> (subject property, relation, object property)
EDGE_SCHEMATA: dict[str, tuple[str, str, str]] = {
    "Ownership": ("owner", "ownerOf", "asset"),
    "Directorship": ("director", "directorOf", "organization"),
    "Membership": ("member", "memberOf", "organization"),
    "Employment": ("employee", "memberOf", "employer"),
    "Representation": ("agent", "representativeOf", "client"),
    "Payment": ("payer", "paid", "beneficiary"),
    "ContractAward": ("supplier", "wonTender", "contract"),
    "Family": ("person", "familyOf", "relative"),
    "Associate": ("person", "relatedTo", "associate"),
    "UnknownLink": ("subject", "relatedTo", "object"),
    "Sanction": ("entity", "listedOn", ""),
}
# entity-valued properties of node schemata -> relation
PROPERTY_LINKS: dict[str, str] = {"addressEntity": "hasAddress", "authority": "issuedBy"}
_NAME_PROPS = ("name", "alias", "previousName", "weakAlias", "title")


def local(ftm_id: str) -> str:
    """An IRI- and slug-safe token for an FtM id (a digest is added if anything was changed).

    >>> local("2216b422a31242fe204654ce194864661f515921")
    '2216b422a31242fe204654ce194864661f515921'
    """
    token = slugify(ftm_id, limit=80)
    if token != ftm_id:
        token += "-" + hashlib.sha1(ftm_id.encode()).hexdigest()[:8]
    return token


def check_entity(name: str, line: int, record: Any) -> tuple[str, str, dict[str, list[str]]]:
    """The id, schema and properties of an FtM entity (line ``line`` of ``name``), checked."""
    if not isinstance(record, dict):
        raise ParseError("expected an FtM entity (a JSON object)", path=name, line=line)
    ftm_id, schema, props = record.get("id"), record.get("schema"), record.get("properties", {})
    if not isinstance(ftm_id, str) or not ftm_id:
        raise ParseError("field 'id': expected a non-empty string", path=name, line=line)
    if not isinstance(schema, str) or not schema:
        raise ParseError("field 'schema': expected a schema name", path=name, line=line)
    if not isinstance(props, dict):
        raise ParseError("field 'properties': expected an object", path=name, line=line)
    for key, values in props.items():
        if type(values) is not list or not _all_text(values):
            raise ParseError(
                f"field 'properties.{key}': expected a list of strings, found {values!r}"[:200],
                path=name,
                line=line,
            )
    return ftm_id, schema, props


def _all_text(values: list[Any]) -> bool:
    """Whether every item is a string (joining them is the fastest way to find out)."""
    try:
        "".join(values)
    except TypeError:
        return False
    return True


def strong_ids(props: dict[str, list[str]]) -> Iterator[str]:
    """The Wikidata and LEI identifiers an entity's properties give (``wikidata:Q...``)."""
    for qid in props.get("wikidataId", []):
        yield f"wikidata:{qid.strip()}"
    for lei in props.get("leiCode", []):
        yield f"lei:{lei.strip().upper()}"


def entity_names(schema: str, ftm_id: str, props: dict[str, list[str]]) -> list[str]:
    """An entity's names, its main one first (an address: the full address); never empty."""
    names: list[str] = []
    keys = ("full", "street", *_NAME_PROPS) if schema == "Address" else _NAME_PROPS
    for key in keys:
        for raw in props.get(key, []):
            value = " ".join(raw.split())
            if value and value not in names:
                names.append(value)
    return names or [f"{schema} {ftm_id}"]


def claim_values(schema: str, props: dict[str, list[str]], file: str, line: int) -> dict[str, Any]:
    """Dates, amount, currency and role of an interval entity, checked."""
    out: dict[str, Any] = {}
    start = full_date((props.get("startDate") or props.get("date") or [""])[0])
    end = full_date((props.get("endDate") or props.get("date") or [""])[0])
    if start:
        out["valid_from"] = start
    if end:
        out["valid_to"] = end
    for key, currency in (("amount", None), ("amountEur", "EUR"), ("amountUsd", "USD")):
        values = props.get(key)
        if not values:
            continue
        amount = values[0].replace(",", "").strip()
        if not is_decimal(amount):
            raise ParseError(
                f"field 'properties.{key}': expected a number, found {values[0]!r}",
                path=file,
                line=line,
            )
        code = currency or (props.get("currency") or [""])[0].strip().upper()
        out["amount"] = amount
        if len(code) == 3 and code.isascii() and code.isalpha():  # an ISO 4217 code
            out["currency"] = code
        break
    if props.get("role"):
        out["role"] = props["role"][0]
    return out
