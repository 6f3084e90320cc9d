"""Reading nodes and claim-backed edges out of the store into an :class:`ExportGraph`.

Two ways in, one result: :func:`assemble` takes either no entity list (the whole store: a few
streaming queries, for exports of millions of entities) or a list of entity IRIs (queried in
batches of ``VALUES``, with the claims read by :func:`supplychain_kg.evidence.fetch_claims`, the
same reader ``show`` and the path answers use).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from supplychain_kg.export import evidence
from supplychain_kg.export.evidence import ClaimRecord
from supplychain_kg.export.model import ExportEdge, ExportGraph, ExportNode
from supplychain_kg.model import IRI, BNode
from supplychain_kg.namespaces import DCTERMS, RDF, RDFS, SCHEMA, SKG, SKOS
from supplychain_kg.paths import Roles, fetch_claims, local_id
from supplychain_kg.store import Store
from supplychain_kg.validate import Ontology

__all__ = [
    "EdgeAcc",
    "EdgeKey",
    "Source",
    "assemble",
    "interner",
    "make_edge",
    "read_nodes",
    "read_parties",
    "read_sources",
    "short_name",
    "unbacked_triples",
]

EdgeKey = tuple[str, str, str]
"""(subject IRI, relation IRI, object IRI)."""

_BATCH = 1000


def short_name(iri: str) -> str:
    """``skg:`` terms by their local name, anything else by its full IRI."""
    return iri[len(SKG) :] if iri.startswith(SKG) else iri


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def _values(var: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(f'<{i}>' for i in iris)} }}"


def _entity_filter(ontology: Ontology) -> str:
    classes = " ".join(f"<{c}>" for c in sorted(ontology.closure(f"{SKG}Entity")))
    return f"VALUES ?entityclass {{ {classes} }} ?x <{RDF}type> ?entityclass ."


def _pairs(store: Store, where: str, iris: list[str] | None) -> Iterator[tuple[str, str]]:
    """(x, v) pairs of a pattern over ?x and ?v: for ``iris``, or every entity if None."""
    if iris is None:
        query = f"SELECT DISTINCT ?x ?v WHERE {{ {where} }}"
        batches: Iterable[str] = [query]
    else:
        batches = (
            f"SELECT DISTINCT ?x ?v WHERE {{ {_values('x', chunk)} {where} }}"
            for chunk in _chunks(iris)
        )
    for query in batches:
        for row in store.query(query).rows():
            yield row["x"].value, row["v"].value


@dataclass
class _NodeAcc:
    labels: list[str] = field(default_factory=list)
    slug: str | None = None
    types: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def read_nodes(
    store: Store,
    ontology: Ontology,
    iris: list[str] | None,
    parties: tuple[Mapping[str, int], Mapping[str, tuple[str, ...]]] | None = None,
) -> dict[str, ExportNode]:
    """The export nodes of ``iris`` (every entity if None). ``parties``: the denial counts
    and restriction lists of every entity, read once for a whole-graph export
    (:func:`read_parties`), else read here for ``iris``."""
    scope = _entity_filter(ontology) if iris is None else ""
    acc: dict[str, _NodeAcc] = {}
    if iris is not None:
        acc = {iri: _NodeAcc() for iri in iris}
    for x, v in _pairs(store, f"{scope} ?x <{RDF}type> ?v .", iris):
        _add(acc.setdefault(x, _NodeAcc()).types, short_name(v))
    plain = {
        "labels": f"{RDFS}label",
        "aliases": f"{SKOS}altLabel",
        "identifiers": f"{DCTERMS}identifier",
    }
    for name, prop in plain.items():
        for x, v in _pairs(store, f"{scope} ?x <{prop}> ?v .", iris):
            if x in acc:
                _add(getattr(acc[x], name), v)
    for x, v in _pairs(store, f"{scope} ?x <{SKG}slug> ?v .", iris):
        if x in acc and acc[x].slug is None:
            acc[x].slug = v
    country = f"""{scope} ?x <{SKG}country> ?c .
        OPTIONAL {{ ?c <{RDFS}label> ?cl }} BIND(COALESCE(?cl, STR(?c)) AS ?v)"""
    for x, v in _pairs(store, country, iris):
        if x in acc:
            _add(acc[x].country, local_id(v) if v.startswith(("http:", "https:")) else v)
    nodes = {iri: _finish_node(iri, entry) for iri, entry in acc.items()}
    roles = Roles(ontology)
    denials, lists = parties or read_parties(store, iris)
    for iri, node in nodes.items():
        node.role = roles.role(node.types)
        node.denials = denials.get(iri, 0)
        node.restriction_lists = lists.get(iri, ())
    return nodes


def read_parties(
    store: Store, iris: list[str] | None = None
) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    """How many denied claims each entity is party to, and the restriction lists it is on:
    of ``iris``, or of every entity if None."""
    return evidence.denial_counts(store, iris), evidence.restriction_lists(store, iris)


def _finish_node(iri: str, entry: _NodeAcc) -> ExportNode:
    label = entry.labels[0] if entry.labels else local_id(iri)
    aliases = entry.labels[1:] + [a for a in entry.aliases if a not in entry.labels]
    return ExportNode(
        iri=iri,
        entity_id=entry.slug or local_id(iri),
        label=label,
        types=tuple(sorted(entry.types)),
        country=tuple(sorted(entry.country)),
        aliases=tuple(sorted(aliases)),  # the engine's order is not the data's
        identifiers=tuple(sorted(entry.identifiers)),
    )


@dataclass
class EdgeAcc:
    asserted: int = 0
    denied: int = 0
    claim_ids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    records: list[ClaimRecord] = field(default_factory=list)

    def add(self, record: ClaimRecord) -> None:
        if record.stance == "denied":
            self.denied += 1
        else:
            self.asserted += 1
        self.claim_ids.append(record.id)
        self.records.append(record)
        _add(self.sources, record.source)


@dataclass
class Source:
    title: str
    url: str | None
    date: str | None
    publisher: str = ""


def _whole_claims(store: Store, acc: dict[EdgeKey, EdgeAcc]) -> None:
    """Stream every claim with an entity object into ``acc`` (the whole-store path)."""
    seen: set[str] = set()
    for row in store.query(evidence.whole_claims_query()).rows():
        claim = row["c"].value
        if claim in seen:  # a second value of an optional property
            continue
        seen.add(claim)
        key = (row["s"].value, row["rel"].value, row["o"].value)
        entry = acc.get(key)
        if entry is None:
            entry = acc[key] = EdgeAcc()
        slug = row.get("slug")
        entry.add(evidence.record_from_row(slug.value if slug else local_id(claim), row))


def _scoped_claims(store: Store, iris: list[str], acc: dict[EdgeKey, EdgeAcc]) -> None:
    """Claims between the given entities, read with evidence.fetch_claims."""
    inside = set(iris)
    claims = fetch_claims(store, about=iris)
    for claim in sorted(claims.values(), key=lambda c: c.iri):
        if not isinstance(claim.object, IRI) or claim.object.value not in inside:
            continue
        if claim.subject not in inside:
            continue
        entry = acc.setdefault((claim.subject, claim.relation, claim.object.value), EdgeAcc())
        entry.add(evidence.record_from_info(claim))


def unbacked_triples(
    store: Store, relations: frozenset[str], iris: list[str] | None
) -> Iterator[EdgeKey]:
    """Direct triples of claimed relations that no claim backs (kept so nothing is lost)."""
    rels = " ".join(f"<{r}>" for r in sorted(relations))
    where = f"""VALUES ?p {{ {rels} }} ?s ?p ?o . FILTER(isIRI(?o))
        MINUS {{ ?c <{SKG}subject> ?s ; <{SKG}relation> ?p ; <{SKG}object> ?o }}"""
    if iris is None:
        queries: Iterable[str] = [f"SELECT ?s ?p ?o WHERE {{ {where} }}"]
    else:
        queries = (
            f"SELECT ?s ?p ?o WHERE {{ {_values('s', chunk)} {where} }}" for chunk in _chunks(iris)
        )
    for query in queries:
        for row in store.query(query).rows():
            yield row["s"].value, row["p"].value, row["o"].value


def read_sources(store: Store, iris: list[str]) -> dict[str, Source]:
    out: dict[str, Source] = {}
    where = f"""OPTIONAL {{ ?src <{DCTERMS}title> ?title }} OPTIONAL {{ ?src <{SCHEMA}url> ?url }}
        OPTIONAL {{ ?src <{DCTERMS}date> ?date }}
        OPTIONAL {{ ?src <{DCTERMS}publisher> ?pub OPTIONAL {{ ?pub <{RDFS}label> ?pubname }} }}"""
    for chunk in _chunks(iris):
        query = f"""SELECT ?src ?title ?url ?date ?pub ?pubname
            WHERE {{ {_values("src", chunk)} {where} }}"""
        for row in store.query(query).rows():
            src = row["src"].value
            if src in out:
                continue
            title, url, date = row.get("title"), row.get("url"), row.get("date")
            pub, name = row.get("pub"), row.get("pubname")
            publisher = name.value if name else (pub.value if pub else "")
            out[src] = Source(
                title.value if title is not None else local_id(src),
                url.value if url is not None else None,
                date.value if date is not None else None,
                local_id(publisher) if isinstance(pub, IRI) and not name else publisher,
            )
    return out


def _claim_lists(records: list[ClaimRecord], sources: dict[str, Source]) -> dict[str, Any]:
    """ExportEdge's per-claim attributes and validity (see model.EDGE_ATTRIBUTES)."""
    docs = [sources[r.source] for r in records]
    out: dict[str, Any] = {
        name: evidence.aligned(getattr(r, field) for r in records)
        for name, field in evidence.CLAIM_FIELDS.items()
    }
    out["publishers"] = evidence.aligned(d.publisher for d in docs)
    out["claim_source_titles"] = evidence.aligned(d.title for d in docs)
    out["claim_source_urls"] = evidence.aligned(d.url or "" for d in docs)
    out["claim_dates"] = evidence.aligned(d.date or "" for d in docs)
    starts = [r.valid_from for r in records]
    ends = [r.valid_to for r in records]
    out["valid_from"] = min(starts) if records and all(starts) else ""
    out["valid_to"] = max(ends) if records and all(ends) else ""
    out["spells"] = evidence.spells(records)
    return out


def make_edge(
    ontology: Ontology,
    key: EdgeKey,
    entry: EdgeAcc,
    sources: dict[str, Source],
    intern: Callable[[Iterable[str]], tuple[str, ...]],
) -> ExportEdge:
    """The export edge of ``key`` from its claims (``sources``: every source they cite)."""
    s, rel, o = key
    docs = [sources[src] for src in entry.sources]
    dates = sorted(d.date for d in docs if d.date)
    records = sorted(entry.records, key=lambda r: r.id)
    return ExportEdge(
        source=s,
        target=o,
        relation_iri=rel,
        relation=short_name(rel),
        label=ontology.labels.get(rel, short_name(rel)),
        asserted_claims=entry.asserted,
        denied_claims=entry.denied,
        claim_ids=tuple(r.id for r in records) or tuple(sorted(entry.claim_ids)),
        sources=intern(d.title for d in docs),
        source_urls=intern(d.url for d in docs if d.url),
        earliest_claim_date=dates[0] if dates else "",
        latest_claim_date=dates[-1] if dates else "",
        **_claim_lists(records, sources),
    )


def interner() -> Callable[[Iterable[str]], tuple[str, ...]]:
    """Sorted distinct values as a tuple, the same tuple object for the same values."""
    interned: dict[tuple[str, ...], tuple[str, ...]] = {}

    def intern(values: Iterable[str]) -> tuple[str, ...]:
        key = tuple(sorted(set(values)))
        return interned.setdefault(key, key)

    return intern


def _finish_edges(
    store: Store,
    ontology: Ontology,
    acc: dict[EdgeKey, EdgeAcc],
    order: dict[str, int],
) -> list[ExportEdge]:
    used = sorted({src for entry in acc.values() for src in entry.sources})
    sources = read_sources(store, used)
    intern = interner()
    keys = sorted(acc, key=lambda k: (order[k[0]], order[k[2]], k[1]))
    return [make_edge(ontology, key, acc[key], sources, intern) for key in keys]


EdgeFilter = Callable[[EdgeKey], bool]


def assemble(
    store: Store,
    ontology: Ontology,
    iris: list[str] | None = None,
    *,
    keep: EdgeFilter | None = None,
    extra_edges: Iterable[EdgeKey] = (),
    name: str = "supplychain-kg",
) -> ExportGraph:
    """Build an export graph of the given entities (None: every entity in the store).

    Edges are every claimed relation between two exported entities (one edge per subject,
    relation and object, with all its claims), plus direct triples no claim backs, plus
    ``extra_edges`` (e.g. triples of a CONSTRUCT result). ``keep`` drops edges it rejects.
    Nodes are sorted by entity id; edges by subject, object and relation.
    """
    named = None if iris is None else [i for i in iris if not i.startswith("_:")]
    nodes = read_nodes(store, ontology, named)
    for blank in set(iris or ()) - set(named or ()):
        nodes[blank] = ExportNode(blank, blank, blank)
    acc: dict[EdgeKey, EdgeAcc] = {}
    if named is None:
        _whole_claims(store, acc)
    else:
        _scoped_claims(store, named, acc)
    for key in [*unbacked_triples(store, ontology.claimed_relations, named), *extra_edges]:
        acc.setdefault(key, EdgeAcc())
    for key in list(acc):
        if key[0] not in nodes or key[2] not in nodes or (keep is not None and not keep(key)):
            del acc[key]
    ordered = sorted(nodes.values(), key=lambda n: (n.entity_id, n.iri))
    graph = ExportGraph(name=name, nodes={n.iri: n for n in ordered})
    order = {iri: i for i, iri in enumerate(graph.nodes)}
    graph.edges = _finish_edges(store, ontology, acc, order)
    return graph


def term_iri(term: object) -> str | None:
    """The IRI (or ``_:label`` for a blank node) of a term, None for a literal."""
    if isinstance(term, IRI):
        return term.value
    if isinstance(term, BNode):
        return str(term)
    return None
