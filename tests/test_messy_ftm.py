"""A FollowTheMoney slice as investigators download it: links to entities outside the file,
entities with several names, ill-formed values, sanctions on programs of many authorities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from followthemoney import model
from followthemoney.proxy import EntityProxy

from api import create_app
from supplychain_kg.cli import main
from supplychain_kg.config import graph_dir
from supplychain_kg.errors import BadRequestError, ParseError
from supplychain_kg.ingest import ImportOptions
from supplychain_kg.ingest.restriction_lists import match_list, read_list_table
from supplychain_kg.service import KnowledgeGraph

SKG = "https://w3id.org/supplychain-kg/ontology#"
PREFIXES = (
    f"PREFIX skg: <{SKG}> PREFIX dcterms: <http://purl.org/dc/terms/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)
KC_NAMES = ["JSC NPO IZHMASH", "Kalashnikov Concern", "Kalashnikov Concern JSC", "Kalashnikov"]


def _e(ftm_id: str, schema: str, **props: list[str]) -> dict[str, Any]:
    return {"id": ftm_id, "schema": schema, "properties": props, "datasets": ["slice"]}


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return path


SLICE = [
    _e("kc", "Company", name=KC_NAMES, country=["Russia"], addressEntity=["addr-out"]),
    _e("own-kc-holding", "Ownership", owner=["kc"], asset=["holding-out"], startDate=["2019-04-01"]),
    _e("holding-own-sub", "Ownership", owner=["holding-out"], asset=["sub"], startDate=["2024-13-45"]),
    _e("sub", "Company", name=["Izh Optics LLC"], jurisdiction=["ru"]),
    _e("san-kc", "Sanction", entity=["kc"], authority=["Bureau of Industry and Security"],
       program=["Entity List (EL) - Bureau of Industry and Security"], startDate=["2022-04-08"]),
    _e("san-sub", "Sanction", entity=["sub"], authority=["Ministry of Foreign Affairs"],
       program=["Reciprocal"]),
    _e("pay", "Payment", payer=["sub"], beneficiary=["kc"], amount=["a lot"], currency=["5"],
       date=["bad-date"]),
]  # fmt: skip


def _rows(kg: KnowledgeGraph, query: str) -> list[dict[str, str]]:
    rows = kg.store.query(PREFIXES + query).rows()
    return [{k: str(v.value) for k, v in row.items()} for row in rows]


def _by_ftm_id(kg: KnowledgeGraph, ftm_id: str) -> list[str]:
    query = f'SELECT ?x WHERE {{ ?x dcterms:identifier "ftm:{ftm_id}" ; skg:slug [] }}'
    return [r["x"] for r in _rows(kg, query)]


def _label(kg: KnowledgeGraph, iri: str) -> list[str]:
    return sorted(r["l"] for r in _rows(kg, f"SELECT ?l WHERE {{ <{iri}> rdfs:label ?l }}"))


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    return _write(tmp_path / "slice.ijson", SLICE)


def test_links_outside_the_file_become_unresolved_stubs_typed_from_the_ftm_range(
    kg: KnowledgeGraph, messy: Path
) -> None:
    report = kg.import_files("ftm", [messy])
    assert report.stubs == 2  # holding-out (named twice) and addr-out
    [holding] = _by_ftm_id(kg, "holding-out")
    [address] = _by_ftm_id(kg, "addr-out")
    types = {r["t"] for r in _rows(kg, f"SELECT ?t WHERE {{ <{address}> a ?t }}")}
    assert types == {SKG + "Place"}  # Company.addressEntity ranges over Address
    marks = _rows(kg, f"SELECT ?m WHERE {{ <{holding}> skg:unresolved ?m }}")
    assert len(marks) == 1
    assert "Ownership.asset" in marks[0]["m"] and "slice.ijson, line 2" in marks[0]["m"]
    assert _label(kg, holding) == ["holding-out (unresolved FtM Asset)"]


def test_the_ownership_chain_through_a_stub_is_walkable_by_paths(
    kg: KnowledgeGraph, messy: Path
) -> None:
    kg.import_files("ftm", [messy])
    [kc], [holding], [sub] = (_by_ftm_id(kg, i) for i in ("kc", "holding-out", "sub"))
    client = TestClient(create_app(kg.settings, kg=kg), base_url="http://localhost")
    response = client.get(
        "/paths", params={"source": kc, "target": sub, "max_hops": 2, "relation": "ownerOf"}
    )
    assert response.status_code == 200, response.text
    paths = response.json()["paths"]
    assert [n["iri"] for n in paths[0]["nodes"]] == [kc, holding, sub]


@pytest.mark.parametrize("graph", ["kg", "disk_kg"])
def test_importing_the_missing_entity_later_fills_the_stub_in_place(
    graph: str, request: pytest.FixtureRequest, messy: Path, tmp_path: Path
) -> None:
    kg: KnowledgeGraph = request.getfixturevalue(graph)
    kg.import_files("ftm", [messy])
    [stub] = _by_ftm_id(kg, "holding-out")
    later = _write(tmp_path / "later.ijson", [_e("holding-out", "Company", name=["Izh Holding"])])
    report = kg.import_files("ftm", [later])
    assert report.stubs_filled == 1
    assert report.entities == 0
    assert _by_ftm_id(kg, "holding-out") == [stub]
    assert _label(kg, stub) == ["Izh Holding"]
    assert not _rows(kg, f"SELECT ?m WHERE {{ <{stub}> skg:unresolved ?m }}")
    types = {r["t"] for r in _rows(kg, f"SELECT ?t WHERE {{ <{stub}> a ?t }}")}
    assert types == {SKG + "Company"}  # the stub's own type (the range, Asset: Entity) went
    claims = _rows(kg, f"SELECT ?c WHERE {{ ?c skg:subject <{stub}> ; skg:relation skg:ownerOf }}")
    assert len(claims) == 1  # the link imported before now starts from the described entity
    assert kg.import_files("ftm", [later]).added == 0
    assert kg.import_files("ftm", [messy]).added == 0  # and the stub is not made again


def test_missing_error_names_file_line_and_field_and_skip_leaves_the_link_out(
    kg: KnowledgeGraph, messy: Path
) -> None:
    before = set(kg.store.quads())
    with pytest.raises(ParseError) as caught:
        kg.import_files("ftm", [messy], options=ImportOptions(missing="error"))
    assert caught.value.path == str(messy)
    assert caught.value.line in (1, 2)  # the first link to an entity outside the file
    assert "properties.addressEntity" in str(caught.value) or "properties.asset" in str(
        caught.value
    )
    assert set(kg.store.quads()) == before
    report = kg.import_files("ftm", [messy], options=ImportOptions(missing="skip"))
    assert report.stubs == 0
    assert report.skipped_links == 3
    assert _by_ftm_id(kg, "holding-out") == []


def test_ill_formed_values_are_reported_per_field_and_refused_with_strict(
    kg: KnowledgeGraph, messy: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = kg.import_files("ftm", [messy])
    values = report.to_json()["values"]
    assert values["Ownership.startDate"]["dropped"] == 1
    assert "'2024-13-45'" in values["Ownership.startDate"]["example"]
    assert values["Payment.amount"]["dropped"] == 1
    assert values["Payment.date"]["dropped"] == 1
    assert values["Company.country"]["repaired"] == 1  # "Russia" read as ru
    dates = _rows(kg, "SELECT ?d WHERE { ?c skg:validFrom ?d }")
    assert "2024-13-45" not in {r["d"] for r in dates}
    store = str(tmp_path / "store")
    args = ["-q", "--store", store, "import", "ftm", "--format", "json", str(messy)]
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["values"]["Payment.amount"]["dropped"] == 1
    assert main([*args[:-1], "--strict", str(messy)]) != 0
    err = capsys.readouterr().err
    assert "slice.ijson:" in err and "expected" in err and "Traceback" not in err


def test_an_entity_with_several_names_is_labelled_by_ftm_caption_rules(
    kg: KnowledgeGraph, messy: Path
) -> None:
    kg.import_files("ftm", [messy])
    expected = EntityProxy(model.get("Company"), SLICE[0]).caption
    assert expected != KC_NAMES[0]  # the first name is not the caption
    [kc] = _by_ftm_id(kg, "kc")
    assert _label(kg, kc) == [expected]
    alt = "<http://www.w3.org/2004/02/skos/core#altLabel>"
    aliases = _rows(kg, f"SELECT ?a WHERE {{ <{kc}> {alt} ?a }}")
    assert {r["a"] for r in aliases} == set(KC_NAMES) - {expected}


def test_a_sanctioned_company_shows_in_the_seed_us_restrictions_query(
    kg: KnowledgeGraph, messy: Path
) -> None:
    report = kg.import_files("ftm", [messy])
    query = (graph_dir() / "queries" / "us-restrictions.rq").read_text("utf-8")
    rows = [{k: str(v.value) for k, v in r.items()} for r in kg.store.query(query).rows()]
    on_entity_list = {r["bodyLabel"] for r in rows if r["list"].endswith("/us-entity-list")}
    expected = EntityProxy(model.get("Company"), SLICE[0]).caption
    assert expected in on_entity_list
    for vendor in ("Huawei", "Hikvision", "Dahua"):  # the seed's, next to it
        assert any(vendor in label for label in on_entity_list), vendor
    assert report.unmapped_programs == {"Ministry of Foreign Affairs | Reciprocal": 1}
    lists = _rows(kg, 'SELECT ?l WHERE { ?l a skg:RestrictionList ; rdfs:label "Reciprocal" }')
    assert len(lists) == 1


@pytest.mark.parametrize(
    ("authority", "program", "slug"),
    [
        ("Bureau of Industry and Security", "Entity List (EL) - Bureau of Industry and Security",
         "us-entity-list"),
        ("Office of Foreign Assets Control", "RUSSIA-EO14024", "ofac-sdn-list"),
        ("Office of Foreign Assets Control", "Non-SDN Chinese Military-Industrial Complex "
         "Companies List (NS-CMIC)", "ns-cmic-list"),
        ("Federal Communications Commission", "", "fcc-covered-list"),
        ("", "Council Regulation (EU) 269/2014", "eu-financial-sanctions"),
        ("", "2014/145/CFSP", "eu-financial-sanctions"),
        ("", "364/2023", None),
        ("HM Treasury", "Russia", "uk-sanctions-list"),
        ("The Insolvency Service", "Disqualified directors", None),
        ("Ministry of Foreign Affairs", "Reciprocal", None),
    ],
)  # fmt: skip
def test_restriction_list_table_maps_authorities_and_programs_to_canonical_lists(
    authority: str, program: str, slug: str | None
) -> None:
    row = match_list([authority] if authority else [], [program] if program else [])
    assert (row.slug if row else None) == slug


def test_the_canonical_lists_the_seed_has_are_the_seeds(kg: KnowledgeGraph) -> None:
    seed = {r["s"] for r in _rows(kg, "SELECT ?s WHERE { [] a skg:RestrictionList ; skg:slug ?s }")}
    table = {row.slug for row in read_list_table()}
    assert {"us-entity-list", "fcc-covered-list", "ns-cmic-list"} <= seed & table


def test_a_broken_restriction_list_table_names_its_row(tmp_path: Path) -> None:
    table = tmp_path / "lists.csv"
    table.write_text("authority,program,list,label,note\nOFAC,(unclosed,ofac-sdn-list,SDN,\n")
    with pytest.raises(BadRequestError, match=r"lists\.csv:2: column 'program'"):
        read_list_table(table)


def test_stubs_in_an_import_written_in_many_chunks_are_made_once_and_filled_in_place(
    disk_kg: KnowledgeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("supplychain_kg.ingest.context.CHUNK_TRIPLES", 40)
    monkeypatch.setattr("supplychain_kg.ingest.ftm._BATCH", 1)
    records = [_e(f"co-{i}", "Company", name=[f"Company {i}"]) for i in range(12)]
    records += [_e(f"own-{i}", "Ownership", owner=[f"co-{i}"], asset=["out"]) for i in range(12)]
    report = disk_kg.import_files("ftm", [_write(tmp_path / "many.ijson", records)])
    assert report.stubs == 1
    [stub] = _by_ftm_id(disk_kg, "out")
    owners = _rows(
        disk_kg, f"SELECT ?c WHERE {{ ?c skg:relation skg:ownerOf ; skg:object <{stub}> }}"
    )
    assert len(owners) == 12
    later = _write(tmp_path / "later.ijson", [*records[:3], _e("out", "Company", name=["Out Ltd"])])
    assert disk_kg.import_files("ftm", [later]).stubs_filled == 1
    assert _by_ftm_id(disk_kg, "out") == [stub]
    assert _label(disk_kg, stub) == ["Out Ltd"]


def test_identifiers_are_checked_by_ftm_and_a_bad_one_merges_nothing(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    data = _write(
        tmp_path / "ids.ijson",
        [
            _e("a", "Company", name=["A Ltd"], leiCode=["5493001KJTIIGC8Y1R12"]),
            _e("b", "Company", name=["B Ltd"], leiCode=["5493001KJTIIGC8Y1R12"]),
            _e("c", "Company", name=["C Ltd"], leiCode=["5493001KJTIIGC8Y1R13"]),
            _e("d", "Company", name=["D Ltd"], leiCode=["5493001KJTIIGC8Y1R13"]),
        ],
    )
    report = kg.import_files("ftm", [data])
    assert _by_ftm_id(kg, "a") == _by_ftm_id(kg, "b")  # one LEI: one entity
    assert _by_ftm_id(kg, "c") != _by_ftm_id(kg, "d")  # a wrong check digit merges nobody
    assert report.values["Company.leiCode"].dropped == 2
