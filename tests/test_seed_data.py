"""Tests over the seed data set: graph/data/*.ttl and the example queries in graph/queries/.

They check the evidence model the rest of the project relies on: every claim quotes its source
verbatim, direct triples exist exactly when an asserted claim backs them, denials stay denials,
unnamed groups never gain invented members, and nothing the sources flag as unconfirmed is loaded.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

GRAPH_DIR = Path(__file__).parents[1] / "graph"
DATA_DIR = GRAPH_DIR / "data"
QUERY_DIR = GRAPH_DIR / "queries"
ONTOLOGY = GRAPH_DIR / "ontology.ttl"
SOURCES_DIR = Path(__file__).parents[2] / "shared" / "sources"

REUTERS_TTL = DATA_DIR / "reuters-2022-07-12-myanmar-safe-city.ttl"
FURTHER_TTL = DATA_DIR / "further-reporting.ttl"
DATA_FILES = (REUTERS_TTL, FURTHER_TTL)

REUTERS_TXT = "reuters-2022-07-12-myanmar-safe-city.txt"
FURTHER_MD = "further-reporting.md"

SKG = "https://w3id.org/supplychain-kg/ontology#"
ENT = "https://w3id.org/supplychain-kg/id/"
CLAIM = ENT + "claim/"
SRC = ENT + "source/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"

PREFIXES = f"""
PREFIX skg: <{SKG}>
PREFIX ent: <{ENT}>
PREFIX claim: <{CLAIM}>
PREFIX src: <{SRC}>
PREFIX rdf: <{RDF}>
PREFIX rdfs: <{RDFS}>
PREFIX xsd: <{XSD}>
PREFIX dcterms: <{DCTERMS}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _load(*paths: Path) -> ox.Store:
    store = ox.Store()
    for path in paths:
        store.bulk_load(path=str(path))
    return store


def _rows(store: ox.Store, query: str) -> list[dict[str, object]]:
    result = store.query(PREFIXES + query)
    names = [v.value for v in result.variables]
    return [{name: row[name] for name in names} for row in result]


def _value(term: object) -> str | None:
    return None if term is None else term.value


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _objects(store: ox.Store, subject: str, predicate: str) -> list[object]:
    return [q.object for q in store.quads_for_pattern(_n(subject), _n(predicate), None, None)]


def _has_triple(store: ox.Store, s: str, p: str, o: str) -> bool:
    return any(True for _ in store.quads_for_pattern(_n(s), _n(p), _n(o), None))


def _further_reporting_bullets() -> list[str]:
    """The bullet items of further-reporting.md, each joined onto one normalised line."""
    bullets: list[str] = []
    current: list[str] | None = None
    for line in (SOURCES_DIR / FURTHER_MD).read_text(encoding="utf-8").splitlines():
        if line.startswith("- "):
            if current is not None:
                bullets.append(_normalise(" ".join(current)))
            current = [line[2:]]
        elif current is not None and line.startswith(" ") and line.strip():
            current.append(line)
        else:
            if current is not None:
                bullets.append(_normalise(" ".join(current)))
            current = None
    if current is not None:
        bullets.append(_normalise(" ".join(current)))
    return bullets


def _quote_respects_quotation_marks(bullet: str, quote: str) -> bool:
    """True if some occurrence of quote in bullet never cuts a quoted passage in half.

    Either the quote lies wholly inside one "..." passage (the publisher's own words), or it starts
    and ends outside every passage (the line's own text, possibly including whole passages).
    """
    start = bullet.find(quote)
    while start != -1:
        end = start + len(quote)
        before_start = bullet.count('"', 0, start)
        before_end = bullet.count('"', 0, end)
        inside_one_passage = before_start % 2 == 1 and '"' not in quote
        outside_passages = before_start % 2 == 0 and before_end % 2 == 0
        if inside_one_passage or outside_passages:
            return True
        start = bullet.find(quote, start + 1)
    return False


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return _load(*DATA_FILES)


@pytest.fixture(scope="module")
def file_stores() -> dict[Path, ox.Store]:
    return {path: _load(path) for path in DATA_FILES}


@pytest.fixture(scope="module")
def ontology() -> ox.Store:
    return _load(ONTOLOGY)


@pytest.fixture(scope="module")
def claimed_relations(ontology: ox.Store) -> set[str]:
    rows = _rows(ontology, "SELECT ?p WHERE { ?p a skg:ClaimedRelation }")
    return {_value(r["p"]) for r in rows}


@pytest.fixture(scope="module")
def literal_relations(ontology: ox.Store) -> set[str]:
    rows = _rows(ontology, "SELECT ?p WHERE { ?p a skg:LiteralRelation }")
    return {_value(r["p"]) for r in rows}


@pytest.fixture(scope="module")
def claims(store: ox.Store) -> list[dict[str, object]]:
    return _rows(
        store,
        """
        SELECT ?claim ?subject ?relation ?object ?stance ?source ?quote ?attribution ?sourceFile
        WHERE {
          ?claim a skg:Claim ; skg:subject ?subject ; skg:relation ?relation ; skg:object ?object ;
                 skg:stance ?stance ; skg:source ?source ; skg:quote ?quote ;
                 skg:attribution ?attribution .
          OPTIONAL { ?source skg:sourceFile ?sourceFile }
        }
        """,
    )


def _entities(store: ox.Store) -> set[str]:
    """Every IRI of the ent: namespace used anywhere, except claims and source documents."""
    found: set[str] = set()
    for quad in store:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode):
                iri = term.value
                if iri.startswith(ENT) and not iri.startswith((CLAIM, SRC)):
                    found.add(iri)
    return found


# ---------------------------------------------------------------------------------------------
# Files and syntax
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_data_file_parses_with_pyoxigraph_and_rdflib_to_the_same_size(path: Path) -> None:
    store = _load(path)
    graph = rdflib.Graph()
    graph.parse(path, format="turtle")
    assert len(store) > 100
    assert len(graph) == len(store)


def test_claims_exist_in_both_files_with_both_stances(file_stores: dict[Path, ox.Store]) -> None:
    for path, store in file_stores.items():
        stances = {
            _value(r["stance"])
            for r in _rows(store, "SELECT ?stance WHERE { ?c a skg:Claim ; skg:stance ?stance }")
        }
        assert SKG + "Asserted" in stances, path.name
        assert SKG + "Denied" in stances, path.name


# ---------------------------------------------------------------------------------------------
# Quotes and evidence
# ---------------------------------------------------------------------------------------------


def test_every_quote_occurs_in_its_source_file(claims: list[dict[str, object]]) -> None:
    texts = {
        name: _normalise((SOURCES_DIR / name).read_text(encoding="utf-8"))
        for name in (REUTERS_TXT, FURTHER_MD)
    }
    assert claims
    for row in claims:
        source_file = _value(row["sourceFile"])
        assert source_file in texts, f"{_value(row['claim'])}: unknown source file {source_file}"
        quote = _normalise(_value(row["quote"]) or "")
        assert quote, _value(row["claim"])
        assert quote in texts[source_file], f"{_value(row['claim'])}: quote not in {source_file}"


def test_reuters_quotes_leave_out_the_date_prefix_of_the_text_file(
    claims: list[dict[str, object]],
) -> None:
    reuters = [r for r in claims if _value(r["sourceFile"]) == REUTERS_TXT]
    assert len(reuters) >= 30
    for row in reuters:
        assert "date 2022-07-12" not in (_value(row["quote"]) or ""), _value(row["claim"])


def test_further_reporting_quotes_stay_in_one_line_and_never_cut_a_quoted_passage(
    claims: list[dict[str, object]],
) -> None:
    bullets = _further_reporting_bullets()
    further = [r for r in claims if _value(r["sourceFile"]) == FURTHER_MD]
    assert len(further) >= 30
    for row in further:
        quote = _normalise(_value(row["quote"]) or "")
        assert any(_quote_respects_quotation_marks(b, quote) for b in bullets), (
            f"{_value(row['claim'])}: quote is not within one line of {FURTHER_MD} "
            "or cuts a quoted passage in half"
        )


def test_quotes_are_at_most_one_sentence(claims: list[dict[str, object]]) -> None:
    for row in claims:
        quote = _normalise(_value(row["quote"]) or "")
        # A sentence break is ". " followed by a capital letter, outside known abbreviations.
        breaks = re.findall(r"(?<!Ms)(?<!US\$\d)\. [A-Z]", quote)
        assert not breaks, f"{_value(row['claim'])}: quote spans more than one sentence"
        assert len(quote) <= 300, _value(row["claim"])


def test_every_claim_has_exactly_one_of_each_required_property(store: ox.Store) -> None:
    required = ["subject", "relation", "object", "stance", "source", "quote", "attribution", "slug"]
    claim_iris = [_value(r["c"]) for r in _rows(store, "SELECT ?c WHERE { ?c a skg:Claim }")]
    assert len(claim_iris) >= 80
    for iri in claim_iris:
        for name in required:
            values = _objects(store, iri, SKG + name)
            assert len(values) == 1, f"{iri}: {len(values)} values of skg:{name}"


def test_claim_stances_are_asserted_or_denied(claims: list[dict[str, object]]) -> None:
    for row in claims:
        assert _value(row["stance"]) in {SKG + "Asserted", SKG + "Denied"}


def test_claim_relations_are_vocabulary_relations_with_matching_objects(
    claims: list[dict[str, object]], claimed_relations: set[str], literal_relations: set[str]
) -> None:
    for row in claims:
        relation = _value(row["relation"])
        obj = row["object"]
        if relation in claimed_relations:
            assert isinstance(obj, ox.NamedNode), f"{_value(row['claim'])}: entity object expected"
        else:
            assert relation in literal_relations, f"{_value(row['claim'])}: unknown {relation}"
            assert isinstance(obj, ox.Literal), f"{_value(row['claim'])}: literal object expected"


def test_claim_sources_are_described_source_documents(store: ox.Store) -> None:
    rows = _rows(
        store,
        """
        SELECT DISTINCT ?source WHERE { ?c a skg:Claim ; skg:source ?source .
          FILTER NOT EXISTS { ?source a skg:SourceDocument } }
        """,
    )
    assert rows == []


def test_every_source_document_has_title_publisher_and_existing_source_file(
    store: ox.Store,
) -> None:
    docs = [_value(r["d"]) for r in _rows(store, "SELECT ?d WHERE { ?d a skg:SourceDocument }")]
    assert len(docs) >= 10
    for doc in docs:
        assert doc.startswith(SRC), doc
        assert len(_objects(store, doc, DCTERMS + "title")) == 1, doc
        publishers = _objects(store, doc, DCTERMS + "publisher")
        assert len(publishers) == 1, doc
        publisher = publishers[0].value
        assert _objects(store, publisher, RDFS + "label"), f"{doc}: publisher has no label"
        files = _objects(store, doc, SKG + "sourceFile")
        assert len(files) == 1, doc
        assert (SOURCES_DIR / files[0].value).is_file(), doc
        for date in _objects(store, doc, DCTERMS + "date"):
            assert date.datatype.value in {XSD + "date", XSD + "gYearMonth"}, doc
        assert not _objects(store, doc, "https://schema.org/url"), f"{doc}: invented URL"


def test_source_documents_carry_the_dates_the_sources_give(store: ox.Store) -> None:
    expected = {
        "reuters-2022-07-12": ("2022-07-12", "date"),
        "than-lwin-times-2022-09-30": ("2022-09-30", "date"),
        "hrw-2021-03-12": ("2021-03-12", "date"),
        "federal-register-2019-05-21": ("2019-05-21", "date"),
        "fcc-covered-list-2021-03": ("2021-03", "gYearMonth"),
        "executive-order-14032": ("2021-06-03", "date"),
    }
    for slug, (value, datatype) in expected.items():
        dates = _objects(store, SRC + slug, DCTERMS + "date")
        assert len(dates) == 1, slug
        assert dates[0].value == value, slug
        assert dates[0].datatype.value == XSD + datatype, slug
    for undated in ("myanmar-now-naypyitaw", "irrawaddy-mandalay"):
        assert _objects(store, SRC + undated, DCTERMS + "date") == [], undated


# ---------------------------------------------------------------------------------------------
# Direct triples and claims
# ---------------------------------------------------------------------------------------------


def test_every_asserted_claim_has_its_direct_triple_in_the_same_file(
    file_stores: dict[Path, ox.Store], claimed_relations: set[str]
) -> None:
    for path, store in file_stores.items():
        rows = _rows(
            store,
            """
            SELECT ?c ?s ?p ?o WHERE { ?c a skg:Claim ; skg:stance skg:Asserted ;
              skg:subject ?s ; skg:relation ?p ; skg:object ?o . FILTER(isIRI(?o)) }
            """,
        )
        assert rows, path.name
        for row in rows:
            s, p, o = (_value(row[k]) for k in ("s", "p", "o"))
            assert p in claimed_relations, f"{_value(row['c'])}: {p}"
            assert _has_triple(store, s, p, o), (
                f"{path.name}: no direct triple for {_value(row['c'])}"
            )


def test_every_direct_triple_is_backed_by_an_asserted_claim_in_the_same_file(
    file_stores: dict[Path, ox.Store], claimed_relations: set[str]
) -> None:
    for path, store in file_stores.items():
        count = 0
        for relation in claimed_relations:
            for quad in store.quads_for_pattern(None, _n(relation), None, None):
                count += 1
                backing = _claims_matching(
                    store,
                    quad.subject.value,
                    relation,
                    quad.object.value,
                    SKG + "Asserted",
                )
                assert backing, f"{path.name}: unbacked direct triple {quad}"
        assert count > 10, path.name


def test_no_direct_triple_exists_for_a_relation_whose_claims_are_all_denied(
    store: ox.Store,
) -> None:
    rows = _rows(
        store,
        """
        SELECT DISTINCT ?s ?p ?o WHERE {
          ?c a skg:Claim ; skg:stance skg:Denied ; skg:subject ?s ; skg:relation ?p ; skg:object ?o .
          FILTER NOT EXISTS { ?a a skg:Claim ; skg:stance skg:Asserted ; skg:subject ?s ;
                                 skg:relation ?p ; skg:object ?o }
        }
        """,
    )
    assert len(rows) >= 2
    for row in rows:
        s, p, o = (_value(row[k]) for k in ("s", "p", "o"))
        assert not _has_triple(store, s, p, o), f"direct triple for denied-only {s} {p} {o}"


def test_literal_relations_have_no_direct_triples(
    store: ox.Store, literal_relations: set[str]
) -> None:
    assert literal_relations
    for relation in literal_relations:
        assert not list(store.quads_for_pattern(None, _n(relation), None, None)), relation


def test_only_vocabulary_terms_of_skg_are_used(store: ox.Store, ontology: ox.Store) -> None:
    defined = {
        q.subject.value
        for q in ontology
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(SKG)
    }
    for quad in store:
        for term in (quad.predicate, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(SKG):
                assert term.value in defined, f"undefined vocabulary term {term.value}"


# ---------------------------------------------------------------------------------------------
# Denials
# ---------------------------------------------------------------------------------------------


def _claims_matching(store: ox.Store, s: str, p: str, o: str, stance: str) -> list[str]:
    rows = _rows(
        store,
        f"""
        SELECT ?c WHERE {{ ?c a skg:Claim ; skg:subject <{s}> ; skg:relation <{p}> ;
                           skg:object <{o}> ; skg:stance <{stance}> }}
        """,
    )
    return [_value(r["c"]) for r in rows]


def test_hikvision_denials_exist_and_have_no_direct_triple(store: ox.Store) -> None:
    hik = ENT + "hikvision"
    direct = _claims_matching(
        store, hik, SKG + "sellsDirectlyTo", ENT + "myanmar-government-authorities", SKG + "Denied"
    )
    assert len(direct) == 1
    attributed = _objects(store, direct[0], "http://www.w3.org/ns/prov#wasAttributedTo")
    assert [a.value for a in attributed] == [hik]
    assert not _has_triple(
        store, hik, SKG + "sellsDirectlyTo", ENT + "myanmar-government-authorities"
    )

    facial = _claims_matching(store, hik, SKG + "suppliesTo", ENT + "myanmar", SKG + "Denied")
    assert len(facial) == 1
    technology = _objects(store, facial[0], SKG + "technology")
    assert [t.value for t in technology] == [ENT + "facial-recognition"]
    assert not _has_triple(store, hik, SKG + "suppliesTo", ENT + "myanmar")
    assert not _claims_matching(store, hik, SKG + "suppliesTo", ENT + "myanmar", SKG + "Asserted")


def test_hikvision_denial_does_not_deny_that_contractors_source_from_it(store: ox.Store) -> None:
    hik = ENT + "hikvision"
    for firm in ("fisca", "naung-yoe"):
        assert _has_triple(store, ENT + firm, SKG + "sourcesFrom", hik)
        assert not _claims_matching(store, ENT + firm, SKG + "sourcesFrom", hik, SKG + "Denied")
    assert _has_triple(store, hik, SKG + "suppliesTo", ENT + "hikvision-overseas-customers")


def test_huawei_denies_only_the_recognition_technology_of_the_naypyitaw_system(
    store: ox.Store,
) -> None:
    huawei, project = ENT + "huawei", ENT + "naypyitaw-safe-city-project"
    denied = _claims_matching(store, huawei, SKG + "suppliesTo", project, SKG + "Denied")
    assert len(denied) == 1
    assert [t.value for t in _objects(store, denied[0], SKG + "technology")] == [
        ENT + "facial-recognition"
    ]
    asserted = _claims_matching(store, huawei, SKG + "suppliesTo", project, SKG + "Asserted")
    technologies = {t.value for c in asserted for t in _objects(store, c, SKG + "technology")}
    assert ENT + "it-infrastructure-equipment" in technologies
    assert ENT + "facial-recognition" not in technologies


# ---------------------------------------------------------------------------------------------
# Places and unnamed groups
# ---------------------------------------------------------------------------------------------


def test_only_cities_named_in_the_sources_exist(store: ox.Store) -> None:
    sources = _normalise(
        (SOURCES_DIR / REUTERS_TXT).read_text(encoding="utf-8")
        + " "
        + (SOURCES_DIR / FURTHER_MD).read_text(encoding="utf-8")
    )
    rows = _rows(store, "SELECT ?c ?label WHERE { ?c a skg:City ; rdfs:label ?label }")
    cities = {_value(r["c"]) for r in rows}
    assert cities == {ENT + s for s in ("yangon", "mandalay", "naypyitaw", "mawlamyine")}
    for row in rows:
        assert _value(row["label"]) in sources, f"city {_value(row['label'])} not named in sources"


def test_states_regions_and_union_territory_lie_in_myanmar(store: ox.Store) -> None:
    rows = _rows(store, "SELECT ?p WHERE { ?p a skg:StateOrRegion }")
    places = {_value(r["p"]) for r in rows}
    assert len(places) == 15
    for place in places:
        assert _has_triple(store, place, SKG + "locatedIn", ENT + "myanmar"), place


@pytest.mark.parametrize(
    ("group", "member_type", "min_count", "max_count"),
    [
        ("post-coup-cities", "City", 5, None),
        ("pre-coup-cities", "City", 5, 5),
        ("municipal-governments-contacted-by-reuters", "MunicipalGovernment", 10, 10),
    ],
)
def test_unnamed_groups_record_the_counts_the_source_gives(
    store: ox.Store, group: str, member_type: str, min_count: int, max_count: int | None
) -> None:
    iri = ENT + group
    assert [t.value for t in _objects(store, iri, RDF + "type")] == [SKG + "UnnamedGroup"]
    assert [t.value for t in _objects(store, iri, SKG + "memberType")] == [SKG + member_type]
    assert [int(t.value) for t in _objects(store, iri, SKG + "minCount")] == [min_count]
    expected_max = [] if max_count is None else [max_count]
    assert [int(t.value) for t in _objects(store, iri, SKG + "maxCount")] == expected_max


def test_unnamed_group_members_are_named_by_claims_and_fit_the_group(store: ox.Store) -> None:
    groups = [_value(r["g"]) for r in _rows(store, "SELECT ?g WHERE { ?g a skg:UnnamedGroup }")]
    assert len(groups) >= 8
    for group in groups:
        types = {t.value for t in _objects(store, group, RDF + "type")}
        assert types == {SKG + "UnnamedGroup"}, f"{group} has other types"
        members = [m.value for m in _objects(store, group, SKG + "hasMember")]
        member_type = _objects(store, group, SKG + "memberType")[0].value
        for member in members:
            assert _claims_matching(store, group, SKG + "hasMember", member, SKG + "Asserted")
            member_types = {t.value for t in _objects(store, member, RDF + "type")}
            assert member_type in member_types, f"{member} is not a {member_type}"
        for bound in _objects(store, group, SKG + "maxCount"):
            assert len(members) <= int(bound.value)


def test_mawlamyine_is_the_only_named_post_coup_city_and_no_pre_coup_city_is_named(
    store: ox.Store,
) -> None:
    post = [m.value for m in _objects(store, ENT + "post-coup-cities", SKG + "hasMember")]
    assert post == [ENT + "mawlamyine"]
    assert _objects(store, ENT + "pre-coup-cities", SKG + "hasMember") == []
    assert (
        _objects(store, ENT + "municipal-governments-contacted-by-reuters", SKG + "hasMember") == []
    )


# ---------------------------------------------------------------------------------------------
# Conflicts and unconfirmed reporting
# ---------------------------------------------------------------------------------------------


def test_both_conflicting_naypyitaw_costs_are_kept_with_different_publishers(
    store: ox.Store,
) -> None:
    rows = _rows(
        store,
        """
        SELECT ?amount ?currency ?publisher WHERE {
          ?c a skg:Claim ; skg:subject ent:naypyitaw-safe-city-project ; skg:relation skg:cost ;
             skg:stance skg:Asserted ; skg:amount ?amount ; skg:currency ?currency ;
             skg:source/dcterms:publisher ?publisher .
        }
        """,
    )
    usd = {
        (Decimal(_value(r["amount"])), _value(r["publisher"]))
        for r in rows
        if _value(r["currency"]) == "USD"
    }
    assert (Decimal("2900000"), ENT + "myanmar-now") in usd
    assert (Decimal("1200000"), ENT + "human-rights-watch") in usd
    mmk = {
        (Decimal(_value(r["amount"])), _value(r["publisher"]))
        for r in rows
        if _value(r["currency"]) == "MMK"
    }
    assert mmk == {(Decimal("4000000000"), ENT + "myanmar-now")}
    assert len({p for _, p in usd}) == 2


def test_cost_claims_carry_amount_currency_and_the_source_words(store: ox.Store) -> None:
    rows = _rows(
        store,
        """
        SELECT ?c ?object ?amount ?currency WHERE {
          ?c a skg:Claim ; skg:relation skg:cost ; skg:object ?object .
          OPTIONAL { ?c skg:amount ?amount } OPTIONAL { ?c skg:currency ?currency }
        }
        """,
    )
    assert len(rows) == 4
    for row in rows:
        assert row["amount"] is not None and row["amount"].datatype.value == XSD + "decimal"
        assert _value(row["currency"]) in {"MMK", "USD"}


def test_unconfirmed_dahua_cameras_in_mawlamyine_are_not_loaded(store: ox.Store) -> None:
    mawlamyine_things = {
        ENT + "mawlamyine",
        ENT + "mawlamyine-safe-city-project",
        ENT + "mawlamyine-safe-city-tender",
    }
    rows = _rows(
        store,
        "SELECT ?c ?s ?o ?q WHERE { ?c a skg:Claim ; skg:subject ?s ; skg:object ?o ; skg:quote ?q }",
    )
    for row in rows:
        ends = {_value(row["s"]), _value(row["o"])}
        assert not (ENT + "dahua" in ends and ends & mawlamyine_things), _value(row["c"])
        assert "200" not in (_value(row["q"]) or ""), _value(row["c"])
        assert "Not confirmed" not in (_value(row["q"]) or ""), _value(row["c"])
    for quad in store.quads_for_pattern(_n(ENT + "dahua"), None, None, None):
        assert quad.object.value not in mawlamyine_things
    for thing in mawlamyine_things:
        for claim in _rows(
            store,
            f"SELECT ?c WHERE {{ ?c skg:subject <{thing}> ; skg:relation skg:quantity }}",
        ):
            pytest.fail(f"camera count recorded for {thing}: {claim}")


def test_dahua_absence_from_ns_cmic_list_is_neither_asserted_nor_denied(store: ox.Store) -> None:
    rows = _rows(
        store,
        "SELECT ?c WHERE { ?c skg:subject ent:dahua ; skg:object ent:ns-cmic-list }",
    )
    assert rows == []
    assert not _has_triple(store, ENT + "dahua", SKG + "listedOn", ENT + "ns-cmic-list")


# ---------------------------------------------------------------------------------------------
# Content the rest of the project relies on
# ---------------------------------------------------------------------------------------------


def test_contractors_source_from_the_three_chinese_manufacturers_per_the_three_sources(
    store: ox.Store,
) -> None:
    for firm in ("fisca", "naung-yoe"):
        for maker in ("dahua", "huawei", "hikvision"):
            rows = _rows(
                store,
                f"""
                SELECT ?attribution ?source WHERE {{ ?c a skg:Claim ; skg:subject ent:{firm} ;
                  skg:relation skg:sourcesFrom ; skg:object ent:{maker} ; skg:stance skg:Asserted ;
                  skg:attribution ?attribution ; skg:source ?source }}
                """,
            )
            assert len(rows) == 1, (firm, maker)
            assert _value(rows[0]["attribution"]) == "the three sources"
            assert _value(rows[0]["source"]) == SRC + "reuters-2022-07-12"
            assert _has_triple(store, ENT + firm, SKG + "sourcesFrom", ENT + maker)
        assert _has_triple(store, ENT + firm, SKG + "wonTender", ENT + "safe-city-tenders")
        assert _has_triple(store, ENT + firm, SKG + "headquarteredIn", ENT + "yangon")
        assert _has_triple(store, ENT + firm, SKG + "didNotRespondTo", ENT + "reuters")


def test_who_did_not_respond_to_reuters(store: ox.Store) -> None:
    rows = _rows(store, "SELECT ?s WHERE { ?s skg:didNotRespondTo ent:reuters }")
    assert {_value(r["s"]) for r in rows} == {
        ENT + s
        for s in (
            "fisca",
            "naung-yoe",
            "huawei",
            "dahua",
            "state-administration-council",
            "municipal-governments-contacted-by-reuters",
        )
    }


def test_us_restriction_listings_have_the_dates_the_sources_give(store: ox.Store) -> None:
    rows = _rows(
        store,
        """
        SELECT ?s ?list ?from WHERE { ?c a skg:Claim ; skg:relation skg:listedOn ;
          skg:stance skg:Asserted ; skg:subject ?s ; skg:object ?list .
          OPTIONAL { ?c skg:validFrom ?from } }
        """,
    )
    found = {
        (_value(r["s"])[len(ENT) :], _value(r["list"])[len(ENT) :]): _value(r["from"]) for r in rows
    }
    assert found == {
        ("huawei", "us-entity-list"): None,  # "added May 2019": no day given
        ("hikvision", "us-entity-list"): "2019-10-09",
        ("dahua", "us-entity-list"): "2019-10-09",
        ("huawei", "fcc-covered-list"): None,  # "March 2021": month only
        ("hikvision", "fcc-covered-list"): None,
        ("dahua", "fcc-covered-list"): None,
        ("huawei", "ns-cmic-list"): "2021-06-03",
        ("hikvision", "ns-cmic-list"): "2021-06-03",
    }
    assert _has_triple(
        store, ENT + "us-entity-list", SKG + "maintainedBy", ENT + "us-department-of-commerce"
    )
    assert _has_triple(store, ENT + "fcc-covered-list", SKG + "maintainedBy", ENT + "us-fcc")
    assert _objects(store, ENT + "ns-cmic-list", SKG + "maintainedBy") == []


def test_junta_governs_from_2021_02_02_until_replaced_on_2025_07_31(store: ox.Store) -> None:
    rows = _rows(
        store,
        """
        SELECT ?rel ?o ?from ?to WHERE { ?c a skg:Claim ; skg:subject ent:state-administration-council ;
          skg:relation ?rel ; skg:object ?o ; skg:stance skg:Asserted .
          FILTER(?rel IN (skg:governs, skg:replacedBy))
          OPTIONAL { ?c skg:validFrom ?from } OPTIONAL { ?c skg:validTo ?to } }
        """,
    )
    found = {(_value(r["rel"]), _value(r["o"])): (_value(r["from"]), _value(r["to"])) for r in rows}
    assert found == {
        (SKG + "governs", ENT + "myanmar"): ("2021-02-02", "2025-07-31"),
        (SKG + "replacedBy", ENT + "state-security-and-peace-commission"): ("2025-07-31", None),
    }
    types = {t.value for t in _objects(store, ENT + "state-administration-council", RDF + "type")}
    assert types == {SKG + "NationalGovernment"}


# ---------------------------------------------------------------------------------------------
# Entities, slugs and identifiers
# ---------------------------------------------------------------------------------------------


def test_every_slug_is_unique_well_formed_and_matches_its_iri(store: ox.Store) -> None:
    rows = _rows(store, "SELECT ?x ?slug WHERE { ?x skg:slug ?slug }")
    slugs = [_value(r["slug"]) for r in rows]
    duplicates = [s for s, n in Counter(slugs).items() if n > 1]
    assert not duplicates, duplicates
    nodes = Counter(_value(r["x"]) for r in rows)
    assert all(n == 1 for n in nodes.values()), "a node with several slugs"
    for row in rows:
        slug, iri = _value(row["slug"]), _value(row["x"])
        assert SLUG_RE.match(slug), slug
        assert iri in {ENT + slug, CLAIM + slug, SRC + slug}, (iri, slug)


def test_every_claim_and_source_document_has_a_slug(store: ox.Store) -> None:
    rows = _rows(
        store,
        """
        SELECT ?x WHERE { { ?x a skg:Claim } UNION { ?x a skg:SourceDocument }
          FILTER NOT EXISTS { ?x skg:slug ?slug } }
        """,
    )
    assert rows == []


def test_every_entity_has_one_plain_label_a_vocabulary_type_and_a_slug(
    store: ox.Store, ontology: ox.Store
) -> None:
    classes = {
        _value(r["c"])
        for r in _rows(ontology, "SELECT ?c WHERE { ?c rdfs:subClassOf* skg:Entity }")
    }
    entities = _entities(store)
    assert len(entities) >= 60
    for entity in entities:
        labels = _objects(store, entity, RDFS + "label")
        assert len(labels) == 1, f"{entity}: {len(labels)} labels"
        label = labels[0]
        assert isinstance(label, ox.Literal) and label.language is None, entity
        assert label.datatype.value == XSD + "string", entity
        types = {t.value for t in _objects(store, entity, RDF + "type")}
        assert types and types <= classes, f"{entity}: types {types}"
        assert len(_objects(store, entity, SKG + "slug")) == 1, entity


def test_every_entity_is_described_in_exactly_one_file(
    file_stores: dict[Path, ox.Store],
) -> None:
    described: dict[str, list[str]] = defaultdict(list)
    for path, store in file_stores.items():
        for quad in store.quads_for_pattern(None, _n(SKG + "slug"), None, None):
            described[quad.subject.value].append(path.name)
        for quad in store.quads_for_pattern(None, _n(RDFS + "label"), None, None):
            described[quad.subject.value + "#label"].append(path.name)
    for key, files in described.items():
        assert len(files) == 1, f"{key} described in {files}"
    reuters = file_stores[REUTERS_TTL]
    for named_by_reuters in (
        "fisca",
        "naung-yoe",
        "hikvision",
        "dahua",
        "huawei",
        "yangon",
        "myanmar",
    ):
        assert _objects(reuters, ENT + named_by_reuters, SKG + "slug"), named_by_reuters


def test_aliases_come_from_the_sources(store: ox.Store) -> None:
    sources = _normalise(
        (SOURCES_DIR / REUTERS_TXT).read_text(encoding="utf-8")
        + " "
        + (SOURCES_DIR / FURTHER_MD).read_text(encoding="utf-8")
    ).lower()
    # The one editorial short form: Reuters writes "Myanmar's junta government".
    short_forms = {"Myanmar junta"}
    rows = _rows(store, "SELECT ?x ?alt WHERE { ?x skos:altLabel ?alt }")
    assert len(rows) >= 10
    for row in rows:
        alias = _value(row["alt"])
        assert alias in short_forms or alias.lower() in sources, alias


def test_identifiers_are_scheme_prefixed_and_match_the_sources(store: ox.Store) -> None:
    rows = _rows(store, "SELECT ?x ?id WHERE { ?x dcterms:identifier ?id }")
    found = {(_value(r["x"]), _value(r["id"])) for r in rows}
    for row in rows:
        assert re.match(r"^[a-z][a-z0-9-]*:\S+$", _value(row["id"])), _value(row["id"])
    for slug, identifier in (
        ("myanmar", "wikidata:Q836"),
        ("naypyitaw", "wikidata:Q37400"),
        ("yangon", "wikidata:Q37995"),
        ("mandalay", "wikidata:Q185518"),
        ("huawei", "wikidata:Q160120"),
        ("hikvision", "szse:002415"),
        ("dahua", "szse:002236"),
    ):
        assert (ENT + slug, identifier) in found, (slug, identifier)
    assert (SRC + "federal-register-2019-22210", "fr-doc:2019-22210") in found
    comment = " ".join(
        c.value for c in _objects(store, SRC + "further-reporting-compilation", RDFS + "comment")
    )
    assert "UNVERIFIED" in comment


# ---------------------------------------------------------------------------------------------
# Example queries
# ---------------------------------------------------------------------------------------------

QUERY_FILES = sorted(QUERY_DIR.glob("*.rq"))


def test_the_required_example_queries_exist() -> None:
    names = {p.name for p in QUERY_FILES}
    assert {
        "won-tenders.rq",
        "sourcing.rq",
        "denied-claims.rq",
        "did-not-respond.rq",
        "us-restrictions.rq",
    } <= names


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_example_query_states_its_question_and_returns_rows(store: ox.Store, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("# ") and first.rstrip().endswith(("?", ".")), first
    assert "PREFIX skg:" in text
    rows = list(store.query(text))
    assert rows, path.name


def _query(store: ox.Store, name: str) -> list[dict[str, str | None]]:
    result = store.query((QUERY_DIR / name).read_text(encoding="utf-8"))
    names = [v.value for v in result.variables]
    return [{n: _value(row[n]) for n in names} for row in result]


def test_won_tenders_query_lists_every_award(store: ox.Store) -> None:
    pairs = {(r["winner"], r["tender"]) for r in _query(store, "won-tenders.rq")}
    assert pairs == {
        (ENT + "fisca", ENT + "safe-city-tenders"),
        (ENT + "naung-yoe", ENT + "safe-city-tenders"),
        (ENT + "fisca", ENT + "mawlamyine-safe-city-tender"),
        (ENT + "naung-yoe", ENT + "mawlamyine-safe-city-tender"),
        (ENT + "naung-yoe", ENT + "naypyitaw-safe-city-tender"),
        (ENT + "linn-it-solution", ENT + "naypyitaw-safe-city-tender"),
    }


def test_denied_claims_query_names_the_deniers(store: ox.Store) -> None:
    rows = _query(store, "denied-claims.rq")
    assert {r["deniedBy"] for r in rows} == {"Hikvision", "Huawei Technologies"}
    assert len(rows) == 3


def test_sourcing_query_keeps_attribution_and_source(store: ox.Store) -> None:
    rows = _query(store, "sourcing.rq")
    assert len(rows) == 7
    assert all(r["attribution"] and r["publisherLabel"] and r["quote"] for r in rows)


def test_us_restrictions_query_falls_back_to_the_source_date(store: ox.Store) -> None:
    rows = _query(store, "us-restrictions.rq")
    by_key = {(r["body"], r["list"]): r for r in rows}
    fcc = by_key[(ENT + "dahua", ENT + "fcc-covered-list")]
    assert fcc["since"] == "2021-03" and fcc["sinceBasis"].startswith("source date")
    hik = by_key[(ENT + "hikvision", ENT + "us-entity-list")]
    assert hik["since"] == "2019-10-09" and hik["sinceBasis"] == "claim validFrom"


def test_conflicting_costs_query_lists_both_publishers(store: ox.Store) -> None:
    rows = _query(store, "conflicting-costs.rq")
    assert {r["publisherLabel"] for r in rows} == {"Myanmar Now", "Human Rights Watch"}
