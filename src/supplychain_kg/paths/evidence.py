"""Reading entities and the claims behind relations out of the store.

Shared by ``show``, the path answers and the exports, so that every place that shows a link
shows the same evidence in the same shape (DESIGN.md, "A path answer is JSON").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from supplychain_kg.model import IRI, Literal, Row, Term, term_to_python
from supplychain_kg.namespaces import DCTERMS, RDF, RDFS, SCHEMA, SKG, SKOS
from supplychain_kg.store import Store

__all__ = [
    "ClaimInfo",
    "EntitySummary",
    "SourceInfo",
    "fetch_claims",
    "fetch_entities",
    "local_id",
]

_BATCH = 1000


def local_id(iri: str) -> str:
    """The last segment of an IRI, used when a resource has no skg:slug."""
    for sep in ("#", "/", ":"):
        if sep in iri.rstrip(sep):
            return iri.rstrip(sep).rsplit(sep, 1)[1]
    return iri


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def _values(var: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(f'<{i}>' for i in iris)} }}"


@dataclass
class EntitySummary:
    """An entity as a path node: id, IRI, label and types."""

    iri: str
    id: str
    label: str
    types: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "iri": self.iri, "label": self.label, "types": self.types}


def _short_type(iri: str) -> str:
    return iri[len(SKG) :] if iri.startswith(SKG) else iri


def fetch_entities(store: Store, iris: Iterable[str]) -> dict[str, EntitySummary]:
    """Summaries (slug, first label, types) of the given IRIs; unknown IRIs get their local id."""
    wanted = sorted(set(iris))
    out: dict[str, EntitySummary] = {}
    for chunk in _chunks(wanted):
        query = f"""SELECT ?x ?slug ?label ?type WHERE {{ {_values("x", chunk)}
            OPTIONAL {{ ?x <{SKG}slug> ?slug }} OPTIONAL {{ ?x <{RDFS}label> ?label }}
            OPTIONAL {{ ?x <{RDF}type> ?type }} }}"""
        for row in store.query(query).rows():
            iri = str(row["x"].value)
            entry = out.get(iri)
            if entry is None:
                slug = row.get("slug")
                label = row.get("label")
                entry = EntitySummary(
                    iri,
                    str(slug.value) if slug else local_id(iri),
                    str(label.value) if label else local_id(iri),
                )
                out[iri] = entry
            kind = row.get("type")
            if kind is not None:
                name = _short_type(str(kind.value))
                if name not in entry.types:
                    entry.types.append(name)
    for iri in wanted:
        out.setdefault(iri, EntitySummary(iri, local_id(iri), local_id(iri)))
    for entry in out.values():
        entry.types.sort()
    return out


@dataclass
class SourceInfo:
    """A source document as shown with a claim."""

    iri: str
    id: str
    title: str
    publisher: str | None
    date: str | None
    url: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "publisher": self.publisher,
            "date": self.date,
            "url": self.url,
        }


@dataclass
class ClaimInfo:
    """One claim with its evidence."""

    iri: str
    id: str
    subject: str
    relation: str
    object: Term
    stance: str
    attributed_to: str
    quote: str
    source: SourceInfo
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "stance": self.stance,
            "attributed_to": self.attributed_to,
            "quote": self.quote,
            "source": self.source.to_json(),
        }
        data.update(self.extra)
        return data


_OPTIONAL = {
    "valid_from": f"{SKG}validFrom",
    "valid_to": f"{SKG}validTo",
    "amount": f"{SKG}amount",
    "currency": f"{SKG}currency",
    "amount_qualifier": f"{SKG}amountQualifier",
    "confidence": f"{SKG}confidence",
    "quote_kind": f"{SKG}quoteKind",
    "technology": f"{SKG}technology",
    "comment": f"{RDFS}comment",
}


_CLAIM_KEYS = {
    f"{SKG}slug": "slug",
    f"{SKG}subject": "s",
    f"{SKG}relation": "rel",
    f"{SKG}object": "o",
    f"{SKG}stance": "stance",
    f"{SKG}source": "src",
    f"{SKG}quote": "quote",
    f"{SKG}attribution": "attr",
    **{iri: name for name, iri in _OPTIONAL.items()},
}
_SOURCE_KEYS = {
    f"{SKG}slug": "srcslug",
    f"{DCTERMS}title": "title",
    f"{DCTERMS}publisher": "pub",
    f"{DCTERMS}date": "date",
    f"{SCHEMA}url": "url",
}
_REQUIRED = ("s", "rel", "o", "stance", "src")


def _properties(
    store: Store, iris: list[str], keys: dict[str, str], *, claims: bool = False
) -> dict[str, dict[str, Term]]:
    """The first value of each wanted property of each resource (``claims``: of each that is
    a claim), read by :meth:`Store.describe`: a lookup per resource. A query with a dozen
    OPTIONALs was evaluated as joins over whole predicates, slow on millions of claims; one
    ``VALUES ?x { ... } ?x ?p ?v`` took 6.7 ms for 39 claims at 200k entities, where reading
    their triples from the subject index takes 2.9 ms."""
    out: dict[str, dict[str, Term]] = {}
    claim = (f"{RDF}type", IRI(f"{SKG}Claim"))
    for iri, triples in store.describe(iris).items():
        if claims and claim not in triples:
            continue
        found: dict[str, Term] = {}
        for predicate, value in triples:
            name = keys.get(predicate)
            if name is not None:
                found.setdefault(name, value)
        if found:
            out[iri] = found
    return out


def _describe(store: Store, iris: Iterable[str]) -> dict[str, ClaimInfo]:
    """ClaimInfo for each IRI that is a claim with subject, relation, object, stance, source."""
    found = _properties(store, sorted(set(iris)), _CLAIM_KEYS, claims=True)
    found = {c: p for c, p in found.items() if all(k in p for k in _REQUIRED)}
    sources = _properties(
        store, sorted({str(p["src"].value) for p in found.values()}), _SOURCE_KEYS
    )
    publishers = sorted(
        {str(p["pub"].value) for p in sources.values() if isinstance(p.get("pub"), IRI)}
    )
    names = _properties(store, publishers, {f"{RDFS}label": "pubname"})
    out: dict[str, ClaimInfo] = {}
    for iri, props in sorted(found.items()):
        row: dict[str, Term] = {"c": IRI(iri), **props}
        source = sources.get(str(props["src"].value), {})
        row.update(source)
        pub = source.get("pub")
        if isinstance(pub, IRI) and "pubname" in names.get(pub.value, {}):
            row["pubname"] = names[pub.value]["pubname"]
        out[iri] = _claim_from_row(row)
    return out


def _text(row: Row, name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value.value)


def _claim_from_row(row: Row) -> ClaimInfo:
    iri = str(row["c"].value)
    src = str(row["src"].value)
    pub = row.get("pub")
    publisher = _text(row, "pubname") or (local_id(str(pub.value)) if pub is not None else None)
    source = SourceInfo(
        src,
        _text(row, "srcslug") or local_id(src),
        _text(row, "title") or local_id(src),
        publisher if not isinstance(pub, Literal) else str(pub.value),
        _text(row, "date"),
        _text(row, "url"),
    )
    stance = str(row["stance"].value)
    extra: dict[str, Any] = {}
    for name in _OPTIONAL:
        value = row.get(name)
        if value is None:
            continue
        extra[name] = str(value.value) if isinstance(value, IRI) else term_to_python(value)
    if "technology" in extra:
        extra["technology"] = local_id(str(extra["technology"]))
    return ClaimInfo(
        iri=iri,
        id=_text(row, "slug") or local_id(iri),
        subject=str(row["s"].value),
        relation=str(row["rel"].value),
        object=row["o"],
        stance=stance[len(SKG) :].lower() if stance.startswith(SKG) else stance,
        attributed_to=_text(row, "attr") or "",
        quote=_text(row, "quote") or "",
        source=source,
        extra=extra,
    )


def fetch_claims(
    store: Store,
    *,
    about: Iterable[str] = (),
    claims: Iterable[str] = (),
    stated: Iterable[tuple[str, str, str]] = (),
) -> dict[str, ClaimInfo]:
    """Claims whose subject or object is one of ``about``, the claims named in ``claims`` and
    the claims about each (subject, relation, object) IRI triple in ``stated``."""
    wanted = set(claims)
    for chunk in _chunks(sorted(set(about))):
        values = _values("e", chunk)
        query = f"""SELECT ?c WHERE {{ {values}
            {{ ?c <{SKG}subject> ?e }} UNION {{ ?c <{SKG}object> ?e }} }}"""
        wanted.update(str(row["c"].value) for row in store.query(query).rows())
    triples = sorted(set(stated))
    for start in range(0, len(triples), _BATCH):
        rows = " ".join(f"(<{s}> <{r}> <{o}>)" for s, r, o in triples[start : start + _BATCH])
        query = f"""SELECT ?c WHERE {{ VALUES (?s ?rel ?o) {{ {rows} }}
            ?c <{SKG}subject> ?s ; <{SKG}relation> ?rel ; <{SKG}object> ?o }}"""
        wanted.update(str(row["c"].value) for row in store.query(query).rows())
    return _describe(store, wanted)


def aliases_and_identifiers(store: Store, iri: str) -> dict[str, list[str]]:
    """Labels, aliases, identifiers, types, countries and comments of one entity."""
    query = f"""SELECT ?p ?v WHERE {{ <{iri}> ?p ?v .
        VALUES ?p {{ <{RDFS}label> <{SKOS}altLabel> <{DCTERMS}identifier> <{RDF}type>
                    <{SKG}country> <{RDFS}comment> <{SKG}slug> <{SKG}role> <{SKG}memberType>
                    <{SKG}minCount> <{SKG}maxCount> }} }}"""
    names = {
        f"{RDFS}label": "labels",
        f"{SKOS}altLabel": "aliases",
        f"{DCTERMS}identifier": "identifiers",
        f"{RDF}type": "types",
        f"{SKG}country": "country",
        f"{RDFS}comment": "comments",
        f"{SKG}slug": "id",
        f"{SKG}role": "role",
        f"{SKG}memberType": "member_type",
        f"{SKG}minCount": "min_count",
        f"{SKG}maxCount": "max_count",
    }
    out: dict[str, list[str]] = {}
    for row in store.query(query).rows():
        key = names[str(row["p"].value)]
        value = str(row["v"].value)
        if key in ("types", "member_type"):
            value = _short_type(value)
        out.setdefault(key, [])
        if value not in out[key]:
            out[key].append(value)
    for values in out.values():
        values.sort()
    return out
