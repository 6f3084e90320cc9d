"""The FollowTheMoney (FtM) model, read through the ``followthemoney`` package: which schemata
become which entities or claims, their captions, and their values cleaned by FtM's own
property types (dates, countries, numbers). The only module that imports ``followthemoney``.

Every schema FtM knows is understood by what it inherits from (an ``Ownership`` subclass in a
later release of the model is an ownership); only the choice of this graph's classes and
relations is kept here, in :data:`NODE_CLASSES` and :data:`EDGE_RELATIONS`. The work each
schema needs (its class, its name and country properties, the ends of its links) is done once
per schema (:func:`plan`), and each distinct raw value is cleaned once (:class:`Cleaner`), so
that FtM's per-value cost stays off a million-entity import.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from followthemoney import model, registry
from followthemoney.proxy import EntityProxy
from followthemoney.schema import Schema

from supplychain_kg.errors import ParseError
from supplychain_kg.ingest.countries import country_names
from supplychain_kg.ingest.text import slugify
from supplychain_kg.namespaces import SKG

__all__ = [
    "EDGE_RELATIONS",
    "NODE_CLASSES",
    "Cleaner",
    "SchemaPlan",
    "caption_and_aliases",
    "check_entity",
    "local",
    "plan",
    "strong_ids",
]

NODE_CLASSES: tuple[tuple[str, str], ...] = (
    ("Company", SKG + "Company"),
    ("PublicBody", SKG + "GovernmentBody"),
    ("Organization", SKG + "Organization"),
    ("Person", SKG + "Person"),
    ("LegalEntity", SKG + "Organization"),
    ("Address", SKG + "Place"),
    ("Contract", SKG + "Tender"),
)
"""FtM schema -> class of its entities, the first a schema is (or inherits from) wins."""
EDGE_RELATIONS: dict[str, tuple[str, str, str]] = {
    "Ownership": ("owner", "ownerOf", "asset"),
    "Directorship": ("director", "directorOf", "organization"),
    "Membership": ("member", "memberOf", "organization"),
    "Employment": ("employee", "memberOf", "employer"),
    "Representation": ("agent", "representativeOf", "client"),
    "Payment": ("payer", "paid", "beneficiary"),
    "ContractAward": ("supplier", "wonTender", "contract"),
    "Family": ("person", "familyOf", "relative"),
    "Associate": ("person", "relatedTo", "associate"),
    "Succession": ("predecessor", "replacedBy", "successor"),
    "UnknownLink": ("subject", "relatedTo", "object"),
    "Sanction": ("entity", "listedOn", ""),
}
"""FtM link schema -> (subject property, relation, object property); a Sanction's object is
its restriction list (see :mod:`.restriction_lists`)."""
PROPERTY_LINKS: dict[str, str] = {"addressEntity": "hasAddress", "authority": "issuedBy"}
"""Entity-valued properties of node schemata -> relation (``authority``: of a Contract)."""
_COUNTRY_PROPS = ("country", "jurisdiction", "mainCountry")
_STRONG = ("wikidataId", "leiCode")
_DATE_PROPS = (("startDate", "valid_from"), ("endDate", "valid_to"))


@dataclass(frozen=True)
class SchemaPlan:
    """What the importer does with the entities of one FtM schema."""

    name: str
    schema: Schema | None
    cls: str | None
    """Node schemata: the class of their entities (else None)."""
    edge: tuple[str, str, str] | None
    """Link schemata: (subject property, relation, object property)."""
    caption_props: tuple[str, ...]
    """FtM's caption properties, in order (an Address: ``full`` first)."""
    name_props: tuple[str, ...]
    """The name-typed properties (their values are the entity's names)."""
    country_props: tuple[str, ...]
    link_props: tuple[str, ...]
    """Entity-valued properties turned into claims (``addressEntity``...)."""
    strong: bool
    """Whether the schema has properties holding Wikidata or LEI ids."""

    def range_class(self, prop: str) -> tuple[str, str]:
        """(class, FtM schema name) of a stub for an entity ``prop`` names but no input
        describes: the property's range (an ``Ownership.asset`` is an Asset: skg:Entity)."""
        schema = self.schema
        target = schema.properties.get(prop) if schema is not None else None
        rng = target.range if target is not None else None
        if rng is None:
            return SKG + "Entity", "Thing"
        return _node_class(rng) or SKG + "Entity", rng.name


def _node_class(schema: Schema) -> str | None:
    for name, cls in NODE_CLASSES:
        if schema.is_a(name):
            return cls
    return None


@lru_cache(maxsize=4096)  # bounded: schema names come from the input
def plan(name: str) -> SchemaPlan:
    """The plan of FtM schema ``name`` (one that FtM does not know is neither node nor link)."""
    schema = model.get(name)
    if schema is None:
        return SchemaPlan(name, None, None, None, (), (), (), (), False)
    edge = next((EDGE_RELATIONS[s] for s in _lineage(schema) if s in EDGE_RELATIONS), None)
    cls = None if edge is not None else _node_class(schema)
    props = schema.properties
    caption = [p for p in schema.caption if p in props]
    names = [p for p in caption if props[p].type == registry.name]
    names += [p for p, prop in props.items() if prop.type == registry.name and p not in names]
    return SchemaPlan(
        name=name,
        schema=schema,
        cls=cls,
        edge=edge,
        caption_props=tuple(caption),
        name_props=tuple(names),
        country_props=tuple(p for p in _COUNTRY_PROPS if p in props),
        link_props=tuple(p for p in PROPERTY_LINKS if p in props and cls is not None),
        strong=any(p in props for p in _STRONG),
    )


def _lineage(schema: Schema) -> list[str]:
    """The schema's name, then its ancestors' (nearest first)."""
    out, todo = [], [schema]
    while todo:
        current = todo.pop(0)
        if current.name not in out:
            out.append(current.name)
            todo += list(current.extends)
    return out


def caption_and_aliases(p: SchemaPlan, ftm_id: str, props: dict[str, list[str]]) -> list[str]:
    """An entity's caption, then its other names (its name-typed values); never empty.

    The caption is FtM's (``EntityProxy.caption``): the first caption property that has a
    value; among several names, the one FtM's ``pick_name`` finds most central. FtM is asked
    only then: a single value is its own caption. With no caption at all: the schema's label
    and the FtM id (FtM would say only "Company")."""
    names: list[str] = []
    for key in p.name_props:
        values = props.get(key)
        if values:
            for raw in values:
                value = " ".join(raw.split())
                if value and value not in names:
                    names.append(value)
    caption = None
    for key in p.caption_props:
        values = props.get(key)
        if not values:
            continue
        if len(values) > 1 and key in p.name_props and p.schema is not None:
            proxy = EntityProxy(p.schema, {"id": ftm_id, "properties": {key: values}})
            caption = " ".join(proxy.caption.split())
        else:
            caption = next((" ".join(v.split()) for v in values if v.strip()), None)
        if caption:
            break
    if not caption:
        return names or [f"{p.schema.label if p.schema is not None else p.name} {ftm_id}"]
    if caption in names:
        names.remove(caption)
    return [caption, *names]


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


_STRONG_SCHEMES = (("wikidataId", "wikidata"), ("leiCode", "lei"))


def strong_ids(p: SchemaPlan, props: dict[str, list[str]]) -> list[tuple[str, str, str | None]]:
    """The Wikidata and LEI identifiers an entity's properties give, checked by FtM's
    identifier type (an LEI's check digits, a Wikidata id's form): ``(property, raw value,
    identifier)`` for each value, the identifier None for one FtM refuses.

    >>> strong_ids(plan("Company"), {"leiCode": ["5493001kjtiigc8y1r12", "bad"]})
    [('leiCode', '5493001kjtiigc8y1r12', 'lei:5493001KJTIIGC8Y1R12'), ('leiCode', 'bad', None)]
    """
    assert p.schema is not None
    out: list[tuple[str, str, str | None]] = []
    for key, scheme in _STRONG_SCHEMES:
        prop = p.schema.properties.get(key)
        if prop is None:
            continue
        for raw in props.get(key, ()):
            cleaned = prop.type.clean(raw, format=prop.format)
            out.append((key, raw, f"{scheme}:{cleaned}" if cleaned else None))
    return out


class Cleaner:
    """FtM's cleaning of dates, countries and amounts, once per distinct raw value.

    Each method returns ``(value, problem)``: the value to keep (None: none) and, when the
    raw value was dropped or changed, what was expected (to report).
    """

    def __init__(self) -> None:
        self._dates: dict[str, tuple[str | None, str | None]] = {}
        self._countries: dict[str, tuple[str | None, str | None]] = {}

    def date(self, raw: str) -> tuple[str | None, str | None]:
        """A full date YYYY-MM-DD (an xsd:date) from an FtM date."""
        found = self._dates.get(raw)
        if found is None:
            found = self._dates[raw] = _clean_date(raw)
        return found

    def country(self, raw: str) -> tuple[str | None, str | None]:
        """An FtM country code (``ru``) from a code or a country's name."""
        found = self._countries.get(raw)
        if found is None:
            key = raw.strip().upper()
            # an ISO 3166-1 code is one as it is: FtM's cleaner (which loads its tables of
            # names, a second and a half, on first use) is asked about the others only
            code = key.lower() if key in country_names() else registry.country.clean(raw)
            if code is None:
                found = (None, "a country code or name")
            elif code != raw.strip().lower():
                found = (code, "a country code")
            else:
                found = (code, None)
            self._countries[raw] = found
        return found

    @staticmethod
    def country_name(code: str) -> str | None:
        """FtM's English name of a country code (also for codes outside ISO 3166-1)."""
        name = registry.country.caption(code)
        return name if name and name != code else None


def _clean_date(raw: str) -> tuple[str | None, str | None]:
    cleaned = registry.date.clean(raw)
    if cleaned is None:
        return None, "a date (YYYY-MM-DD)"
    if len(cleaned) < 10:
        return None, f"a full date YYYY-MM-DD (this one gives only {cleaned})"
    day = cleaned[:10]
    if day != raw.strip()[:10]:  # a time after the day is left out as a matter of course
        return day, "a date YYYY-MM-DD"
    return day, None


def clean_amount(raw: str) -> tuple[str | None, str | None]:
    """A decimal (``1234.50``) from an FtM amount (``1,234.50``)."""
    text = raw.replace(",", "").replace(" ", "").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None, "a number"
    if not number.is_finite() or "e" in text.lower():
        return None, "a number"
    value = format(number, "f")
    return value, (None if text == raw.strip() else "a plain number")
