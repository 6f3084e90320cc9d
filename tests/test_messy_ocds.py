"""OCDS as published: the package's or release's own publisher, ill-formed values reported per
field (or refused with --strict), malformed structures named with what was expected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from supplychain_kg.errors import ParseError
from supplychain_kg.ingest import ImportOptions
from supplychain_kg.service import KnowledgeGraph

PUBLISHER_LABEL = (
    "PREFIX dcterms: <http://purl.org/dc/terms/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT DISTINCT ?name WHERE { ?s dcterms:publisher ?p . ?p rdfs:label ?name "
    'FILTER(STRSTARTS(STR(?s), "https://w3id.org/supplychain-kg/id/source/ocds")) }'
)


def _release(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "ocid": f"ocds-test-{n}",
        "id": f"ocds-test-{n}-award",
        "date": "2020-01-02T00:00:00Z",
        "parties": [
            {"id": "buyer", "name": "City of Example", "roles": ["buyer"]},
            {"id": "sup", "name": "Example Cameras Ltd", "roles": ["supplier"]},
        ],
        "awards": [{"id": "a1", "suppliers": [{"id": "sup"}], "date": "2020-01-03"}],
        **extra,
    }


def _write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), "utf-8")
    return path


def _publishers(kg: KnowledgeGraph) -> set[str]:
    return {str(r["name"].value) for r in kg.store.query(PUBLISHER_LABEL).rows()}


def test_a_package_publisher_with_a_legal_name_only_is_used(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    package = {"publisher": {"legalName": "Example Procurement Agency"}, "releases": [_release()]}
    kg.import_files("ocds", [_write(tmp_path / "p.json", package)])
    assert _publishers(kg) == {"Example Procurement Agency"}


def test_releases_in_json_lines_with_their_own_publisher_need_no_option(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    lines = tmp_path / "releases.jsonl"
    releases = [_release(n, publisher={"name": f"Portal {n}"}) for n in (1, 2)]
    lines.write_text("".join(json.dumps(r) + "\n" for r in releases), "utf-8")
    kg.import_files("ocds", [lines])
    assert _publishers(kg) == {"Portal 1", "Portal 2"}


def test_releases_naming_no_publisher_ask_for_one_and_take_the_option(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    bare = _write(tmp_path / "r.json", _release())
    with pytest.raises(ParseError, match=r"'publisher'.*'name' or 'legalName'.*--publisher"):
        kg.import_files("ocds", [bare])
    kg.import_files("ocds", [bare], options=ImportOptions(publisher="Given Publisher"))
    assert _publishers(kg) == {"Given Publisher"}


def test_ill_formed_values_are_reported_per_field_and_refused_with_strict(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    release = _release()
    release["awards"][0].update(value={"amount": "a lot", "currency": 5}, date="bad-date")
    release["date"] = "2011-02-30T00:00:00Z"
    bad = _write(tmp_path / "bad.json", {"publisher": {"name": "P"}, "releases": [release]})
    before = set(kg.store.quads())
    with pytest.raises(ParseError) as caught:
        kg.import_files("ocds", [bad], options=ImportOptions(strict=True))
    assert "releases[0].date" in str(caught.value) and "2011-02-30" in str(caught.value)
    assert set(kg.store.quads()) == before
    values = kg.import_files("ocds", [bad]).to_json()["values"]
    assert {k: v["dropped"] for k, v in values.items()} == {
        "date": 1,
        "awards.date": 1,
        "awards.value.amount": 1,
        "awards.value.currency": 1,
    }
    assert "'a lot'" in values["awards.value.amount"]["example"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda r: r.update(parties={"id": "buyer"}), "field 'releases[0].parties': expected a list"),
        (lambda r: r["parties"].append("sup"), "'releases[0].parties[2]': expected a party object"),
        (lambda r: r["parties"][0].pop("id"), "'releases[0].parties[0].id': expected the party's id"),
        (lambda r: r["awards"][0].update(suppliers=["sup"]), "suppliers[0]': expected an object"),
    ],
)  # fmt: skip
def test_malformed_parties_get_a_message_saying_what_was_expected(
    kg: KnowledgeGraph, tmp_path: Path, change: Any, words: str
) -> None:
    release = _release()
    change(release)
    path = _write(tmp_path / "r.json", {"releases": [release]})  # and no publisher: the
    with pytest.raises(ParseError) as caught:  # structure is named first
        kg.import_files("ocds", [path])
    assert words in str(caught.value)


def test_a_record_package_with_records_that_are_not_objects_is_refused_clearly(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    path = _write(tmp_path / "r.json", {"publisher": {"name": "P"}, "records": [1]})
    with pytest.raises(ParseError, match=r"'records\[0\]': expected a record object"):
        kg.import_files("ocds", [path])
