"""The record checker (imports, one resource at a time) finds what the SPARQL validator finds."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from supplychain_kg.errors import ValidationError, Violation
from supplychain_kg.ingest.checks import RecordChecker
from supplychain_kg.ingest.descriptions import Value
from supplychain_kg.ingest.store_facts import StoreFacts
from supplychain_kg.namespaces import SKG
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.store import Store, open_store
from supplychain_kg.validate import load_ontology, load_validator

from .conftest import FIXTURES

CASES = FIXTURES / "record-cases.ttl"
RDF_TYPE = rdflib.RDF.type


def _descriptions(
    graph: rdflib.Graph,
) -> list[tuple[str, list[tuple[str, Value]], tuple[str, str, str] | None]]:
    """Each subject's triples as an importer would describe them: a claim carries the direct
    triple it backs (taken out of the subject's own description)."""
    claimed = load_ontology().claimed_relations
    direct: dict[str, tuple[str, str, str]] = {}
    taken: set[tuple[rdflib.term.Node, ...]] = set()
    for claim in graph.subjects(RDF_TYPE, rdflib.URIRef(SKG + "Claim")):
        s, rel, o = (
            graph.value(claim, rdflib.URIRef(SKG + p)) for p in ("subject", "relation", "object")
        )
        stance = graph.value(claim, rdflib.URIRef(SKG + "stance"))
        triple = (s, rel, o)
        if stance == rdflib.URIRef(SKG + "Asserted") and str(rel) in claimed and triple in graph:
            direct[str(claim)] = (str(s), str(rel), str(o))
            taken.add(triple)
    out = []
    for subject in sorted(set(graph.subjects()), key=str):
        pairs: list[tuple[str, Value]] = []
        for p, o in sorted(
            graph.predicate_objects(subject), key=lambda po: (str(po[0]), str(po[1]))
        ):
            if (subject, p, o) in taken:
                continue
            if isinstance(o, rdflib.Literal):
                datatype = str(o.datatype or rdflib.XSD.string)
                pairs.append((str(p), (str(o), datatype)))
            else:
                pairs.append((str(p), str(o)))
        if pairs or str(subject) in direct:
            out.append((str(subject), pairs, direct.get(str(subject))))
    return out


def _key(v: Violation) -> tuple[str, str, str]:
    if v.rule == "unique-slug":  # which of the owners is named differs: compare by the id
        return ("unique-slug", (v.value or "").split("'")[1], "")
    return (v.rule, v.focus, v.path or "")


def _both(
    store: Store, data: Path, *, batch_split: bool = False
) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    graph = rdflib.Graph().parse(data)
    validator = load_validator()
    staging = store.staging()
    staging.parse_into(data, "text/turtle")
    sparql = {_key(v) for v in validator.validate(staging, store)}
    checker = RecordChecker(validator, StoreFacts(store))
    for n, (subject, pairs, direct) in enumerate(_descriptions(graph)):
        checker.describe(subject, pairs, direct)
        if batch_split and n % 3 == 0:
            checker.flush()
    after = open_store(None)
    after.add_quads(store.quads())
    after.add_quads(staging.quads())
    records = {_key(v) for v in checker.finish(after)}
    return records, sparql


def test_every_case_is_judged_alike_by_both_engines(seeded_template: KnowledgeGraph) -> None:
    records, sparql = _both(seeded_template.store, CASES)
    assert records == sparql
    bad = {
        line.split()[0].split(":")[1]
        for line in CASES.read_text().splitlines()
        if line.startswith(("ent:bad", "src:bad", "claim:bad"))
    }
    named = {focus.rsplit("/", 1)[-1] for _, focus, _ in records} | {
        "bad-slug-twice-1",
        "bad-slug-twice-2",
        "bad-slug-of-seed",
    }
    assert bad <= named, bad - named
    # the only good resource named: the firm, for the direct triple no claim backs
    good = {(rule, focus) for rule, focus, _ in records if "good-" in focus}
    assert good == {("claim-backed", "https://w3id.org/supplychain-kg/id/good-firm")}
    # a second id given to an entity of the store: its values add up with the store's
    assert ("maxCount", "https://w3id.org/supplychain-kg/id/dahua", "skg:slug") in records
    # each broken value of a claim is named
    values = {path for rule, focus, path in records if focus.endswith("/bad-values")}
    assert values == {
        "skg:validFrom",
        "skg:amount",
        "skg:currency",
        "skg:confidence",
        "skg:technology",
    }
    rules = {rule for rule, _, _ in records}
    assert rules == {
        "minCount",
        "maxCount",
        "value",
        "class",
        "unique-slug",
        "known-relation",
        "object-kind",
        "direct-triple",
        "claim-backed",
    }


def test_store_lookups_give_the_same_answers_as_the_store_read_into_memory(
    seeded_template: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a store too large to read (preload 0): every key is looked up, a batch at a time
    monkeypatch.setattr(StoreFacts.__init__, "__defaults__", (0,))
    records, sparql = _both(seeded_template.store, CASES, batch_split=True)
    assert records == sparql


def test_valid_data_passes_both(seeded_template: KnowledgeGraph) -> None:
    records, sparql = _both(seeded_template.store, FIXTURES / "extra-valid.ttl")
    assert records == sparql == set()


@pytest.mark.parametrize("name", ["extra-shape-violation.ttl", "extra-unbacked-triple.ttl"])
def test_fixture_violations_are_judged_alike(seeded_template: KnowledgeGraph, name: str) -> None:
    records, sparql = _both(seeded_template.store, FIXTURES / name)
    assert records == sparql != set()


def _relationships(path: Path, rows: list[str]) -> Path:
    header = "subject,relation,object,stance,quote,attributed_to,source_title,source_publisher,"
    header += "source_url,source_date\n"
    path.write_text(header + "".join(r + "\n" for r in rows), "utf-8")
    return path


def test_chunked_csv_import_with_a_source_as_a_claims_subject_fails_and_changes_nothing(
    disk_kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # many valid rows, so that the import is written in several chunks, then one whose
    # subject is a source document of the seed (not an entity)
    source = "reuters-2022-07-12"
    rows = [
        f"dahua,suppliesTo,hikvision,asserted,Quote {i},Someone,Title {i},Reuters,https://example.org/{i},2024-01-01"
        for i in range(60)
    ]
    rows.append(
        f"{source},relatedTo,dahua,asserted,A quote,Someone,Title,Reuters,https://example.org/x,2024-01-01"
    )
    sheet = _relationships(tmp_path / "relationships.csv", rows)
    monkeypatch.setattr("supplychain_kg.ingest.context.CHUNK_TRIPLES", 200)
    before = set(disk_kg.store.quads())
    said: list[str] = []
    with pytest.raises(ValidationError) as failure:
        disk_kg.import_files("csv", [sheet], progress=said.append)
    assert any(m.startswith("writing") for m in said), "the import was not written in chunks"
    assert [(v.rule, v.path) for v in failure.value.violations] == [("class", "skg:subject")]
    assert failure.value.violations[0].value and source in failure.value.violations[0].value
    assert set(disk_kg.store.quads()) == before


def test_single_chunk_csv_import_fails_alike(disk_kg: KnowledgeGraph, tmp_path: Path) -> None:
    source = "reuters-2022-07-12"
    rows = [
        f"{source},relatedTo,dahua,asserted,A quote,Someone,Title,Reuters,https://example.org/x,2024-01-01"
    ]
    sheet = _relationships(tmp_path / "relationships.csv", rows)
    before = set(disk_kg.store.quads())
    with pytest.raises(ValidationError) as failure:
        disk_kg.import_files("csv", [sheet])
    assert [(v.rule, v.path) for v in failure.value.violations] == [("class", "skg:subject")]
    assert set(disk_kg.store.quads()) == before


def test_a_stored_resource_described_again_is_validated_again_only_if_it_says_something_new(
    seeded_template: KnowledgeGraph,
) -> None:
    store = seeded_template.store
    checker = RecordChecker(load_validator(), StoreFacts(store))
    ent = "https://w3id.org/supplychain-kg/id/"
    text = "http://www.w3.org/2001/XMLSchema#string"
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    same: list[tuple[str, Value]] = [
        (str(RDF_TYPE), SKG + "Manufacturer"),
        (label, ("Zhejiang Dahua Technology", text)),
        (SKG + "slug", ("dahua", text)),
        (SKG + "country", ent + "china"),
    ]
    checker.describe(ent + "dahua", same)
    checker.flush()
    assert checker.rechecks == 0  # every triple is in the store already
    alias = "http://www.w3.org/2004/02/skos/core#altLabel"
    checker.describe(ent + "hikvision", [(alias, ("Hik", text))])
    checker.flush()
    assert checker.rechecks == 1
    assert checker.finish(store) == []  # an alias more is valid
