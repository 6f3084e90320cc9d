"""Importers: FollowTheMoney entities, OCDS releases and CSV sheets into the claim model."""

from __future__ import annotations

import collections
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import create_app
from supplychain_kg.cli import main
from supplychain_kg.errors import BadRequestError, ParseError
from supplychain_kg.ingest.importer import ImportOptions
from supplychain_kg.service import KnowledgeGraph

from .conftest import FIXTURES, ROOT

IMPORT = FIXTURES / "import"
SKG = "https://w3id.org/supplychain-kg/ontology#"
PREFIXES = (
    f"PREFIX skg: <{SKG}> PREFIX dcterms: <http://purl.org/dc/terms/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX schema: <https://schema.org/> "
)


def _content(kg: KnowledgeGraph) -> set[object]:
    return set(kg.store.quads())


def _rows(kg: KnowledgeGraph, query: str) -> list[dict[str, str]]:
    return [
        {k: str(v.value) for k, v in row.items()} for row in kg.store.query(PREFIXES + query).rows()
    ]


def _count(kg: KnowledgeGraph, query: str) -> int:
    return int(_rows(kg, query)[0]["n"])


def _entity_by_identifier(kg: KnowledgeGraph, ident: str) -> list[str]:
    rows = _rows(kg, f'SELECT ?x WHERE {{ ?x dcterms:identifier "{ident}" ; skg:slug [] }}')
    return [r["x"] for r in rows]


# -- FollowTheMoney ------------------------------------------------------------------------------


@pytest.fixture
def donations(shared: Path) -> Path:
    return shared / "samples" / "ftm" / "donations.ijson"


def test_ftm_donations_every_entity_and_payment_is_accounted_for(
    kg: KnowledgeGraph, donations: Path
) -> None:
    records = [json.loads(line) for line in donations.read_text("utf-8").splitlines()]
    per_schema = collections.Counter(r["schema"] for r in records)
    report = kg.import_files("ftm", [donations])
    assert report.by_schema == dict(per_schema)
    assert report.unmapped == {}
    types = {"Company": "Company", "Person": "Person", "Organization": "Organization"}
    types["Address"] = "Place"
    for schema, cls in types.items():
        n = _count(
            kg,
            f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a skg:{cls} ; dcterms:identifier ?id "
            f'FILTER(STRSTARTS(?id, "ftm:")) }}',
        )
        assert n == per_schema[schema], schema
    paid = _count(
        kg,
        "SELECT (COUNT(?c) AS ?n) WHERE { ?c skg:relation skg:paid ; skg:source ?s . "
        '?s dcterms:title "donations (FollowTheMoney dataset)" }',
    )
    assert paid == per_schema["Payment"]
    addresses = sum(len(r["properties"].get("addressEntity", [])) for r in records)
    assert _count(kg, "SELECT (COUNT(?c) AS ?n) WHERE { ?c skg:relation skg:hasAddress }") == (
        addresses
    )


def _import_first_payment(kg: KnowledgeGraph, donations: Path) -> tuple[dict[str, Any], str, str]:
    """Import the donations; the file's first Payment record and its payer's and
    beneficiary's IRIs."""
    payment: dict[str, Any] = next(
        json.loads(line)
        for line in donations.read_text("utf-8").splitlines()
        if '"Payment"' in line
    )
    kg.import_files("ftm", [donations])
    payer = _entity_by_identifier(kg, f"ftm:{payment['properties']['payer'][0]}")[0]
    beneficiary = _entity_by_identifier(kg, f"ftm:{payment['properties']['beneficiary'][0]}")[0]
    return payment, payer, beneficiary


def test_ftm_payment_path_from_payer_to_beneficiary_is_found_by_paths_with_the_dataset(
    kg: KnowledgeGraph, donations: Path
) -> None:
    payment, payer, beneficiary = _import_first_payment(kg, donations)
    client = TestClient(create_app(kg.settings, kg=kg), base_url="http://localhost")
    response = client.get("/paths", params={"source": payer, "target": beneficiary, "max_hops": 1})
    assert response.status_code == 200
    path = response.json()["paths"][0]
    assert [n["iri"] for n in path["nodes"]] == [payer, beneficiary]
    edge = path["edges"][0]
    assert edge["relation"].endswith("paid")
    sources = {c["source"]["title"] for c in edge["claims"]}
    assert sources == {"donations (FollowTheMoney dataset)"}
    assert any(payment["id"] in c["quote"] for c in edge["claims"])


def test_ftm_payment_claim_carries_amount_date_and_the_dataset_as_source(
    kg: KnowledgeGraph, donations: Path
) -> None:
    payment, payer, beneficiary = _import_first_payment(kg, donations)
    assert kg.store.query(f"ASK {{ <{payer}> <{SKG}paid> <{beneficiary}> }}").boolean
    rows = _rows(
        kg,
        f"""SELECT ?quote ?title ?who ?amount ?currency ?from WHERE {{
            ?c skg:subject <{payer}> ; skg:relation skg:paid ; skg:object <{beneficiary}> ;
               skg:quote ?quote ; skg:attribution ?who ; skg:source ?s ; skg:amount ?amount ;
               skg:currency ?currency ; skg:validFrom ?from .
            ?s dcterms:title ?title ; dcterms:publisher [ rdfs:label ?pub ] .
            FILTER(CONTAINS(?quote, "{payment["id"]}")) }}""",
    )
    assert len(rows) == 1
    assert rows[0]["title"] == "donations (FollowTheMoney dataset)"
    assert rows[0]["who"] == "donations"
    assert float(rows[0]["amount"]) == float(payment["properties"]["amountEur"][0])
    assert rows[0]["currency"] == "EUR"
    assert rows[0]["from"] == payment["properties"]["date"][0]


@pytest.mark.parametrize("graph", ["kg", "disk_kg"])
def test_importing_the_same_ftm_file_twice_changes_nothing(
    graph: str, request: pytest.FixtureRequest, donations: Path
) -> None:
    kg: KnowledgeGraph = request.getfixturevalue(graph)
    kg.import_files("ftm", [donations])
    snapshot = _content(kg)
    assert kg.import_files("ftm", [donations]).added == 0
    assert _content(kg) == snapshot


def test_ftm_interval_schemata_become_claims_with_dates_roles_and_lists(
    kg: KnowledgeGraph,
) -> None:
    report = kg.import_files("ftm", [IMPORT / "links.ijson"], options=ImportOptions("test-set"))
    assert report.unmapped == {"Vessel": 1}
    rows = _rows(
        kg,
        """SELECT ?s ?rel ?o ?from ?role WHERE { ?c skg:subject [ rdfs:label ?s ] ;
             skg:relation ?rel ; skg:object [ rdfs:label ?o ] .
             OPTIONAL { ?c skg:validFrom ?from } OPTIONAL { ?c skg:role ?role } }""",
    )
    found = {(r["s"], r["rel"].removeprefix(SKG), r["o"]): r for r in rows}
    assert found[("Lens Holdings Ltd", "ownerOf", "Lens Cameras Ltd")]["from"] == "2019-04-01"
    director = found[("Ann Example", "directorOf", "Lens Cameras Ltd")]
    assert director["role"] == "Managing director"
    assert "from" not in director  # "2020" is not a full date: kept in the quote only
    assert ("Ann Example", "familyOf", "Bob Example") in found
    listed = found[("Lens Cameras Ltd", "listedOn", "Example Camera Sanctions")]
    assert listed["from"] == "2023-02-03"
    aliases = _rows(
        kg,
        'SELECT ?a WHERE { ?x rdfs:label "Lens Cameras Ltd" ; '
        "<http://www.w3.org/2004/02/skos/core#altLabel> ?a }",
    )
    assert [a["a"] for a in aliases] == ["Lens Cams"]


def test_ftm_unmapped_schema_is_reported_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["-q", "--store", str(tmp_path / "s"), "import", "ftm", str(IMPORT / "links.ijson")]
    )
    assert code == 0
    assert "not imported (no mapping): 1 Vessel" in capsys.readouterr().out


def test_ftm_json_array_imports_like_json_lines(kg: KnowledgeGraph, tmp_path: Path) -> None:
    records = [json.loads(line) for line in (IMPORT / "links.ijson").read_text().splitlines()]
    array = tmp_path / "links.json"
    array.write_text(json.dumps(records, indent=2))
    lines = kg.import_files("ftm", [IMPORT / "links.ijson"], options=ImportOptions("x"))
    snapshot = _content(kg)
    again = kg.import_files("ftm", [array], options=ImportOptions("x"))
    assert again.by_schema == lines.by_schema
    assert again.added == 0 and _content(kg) == snapshot


def test_ftm_entity_with_a_known_wikidata_id_is_the_same_entity_across_formats(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    sheet = tmp_path / "entities.csv"
    sheet.write_text(
        "id,name,type,identifiers\nlens-holdings,Lens Holdings,Company,wikidata:Q4242424\n"
    )
    kg.import_files("csv", [sheet])
    kg.import_files("ftm", [IMPORT / "links.ijson"])
    assert _entity_by_identifier(kg, "ftm:co-1") == _entity_by_identifier(kg, "wikidata:Q4242424")
    assert _rows(
        kg, 'SELECT ?slug WHERE { ?x dcterms:identifier "ftm:co-1" ; skg:slug ?slug }'
    ) == [{"slug": "lens-holdings"}]


@pytest.mark.parametrize(
    "case",
    [
        ('{"id": "a", "schema": "Person", "properties": {}}\n{"id": "b", "schema": \n', 2, "JSON"),
        ('{"id": "a", "properties": {}}\n', 1, "field 'schema'"),
        ('{"id": "a", "schema": "Person", "properties": {"name": "Ann"}}\n', 1, "properties.name"),
        (
            '{"id": "o", "schema": "Ownership", "properties": {"owner": ["nobody"], "asset": ["co-1"]}}\n',
            1,
            "properties.owner",
        ),
        (
            '{"id": "x", "schema": "Company", "properties": {"name": ["X"]}}\n'
            '{"id": "p", "schema": "Payment", "properties": {"payer": ["x"], "beneficiary": ["x"], '
            '"amountEur": ["lots"]}}\n',
            2,
            "properties.amountEur",
        ),
    ],
)
@pytest.mark.parametrize("graph", ["kg", "disk_kg"])
def test_broken_ftm_input_names_file_line_and_field_and_changes_nothing(
    graph: str, request: pytest.FixtureRequest, tmp_path: Path, case: tuple[str, int, str]
) -> None:
    """A link to an entity outside the input is refused with --missing=error, an ill-formed
    amount with --strict (by default they are a stub and a reported value)."""
    text, line, words = case
    kg: KnowledgeGraph = request.getfixturevalue(graph)
    kg.import_files("ftm", [IMPORT / "links.ijson"])
    before = _content(kg)
    bad = tmp_path / "bad.ijson"
    bad.write_text(text)
    strict = "amountEur" in words  # links.ijson has a partial date, which --strict refuses
    options = ImportOptions(missing="error", strict=strict)
    with pytest.raises(ParseError) as info:
        kg.import_files("ftm", [bad] if strict else [IMPORT / "links.ijson", bad], options=options)
    assert info.value.path == str(bad)
    assert info.value.line == line
    assert words in str(info.value)
    assert _content(kg) == before


# -- OCDS ----------------------------------------------------------------------------------------


@pytest.fixture
def ocds(shared: Path) -> Path:
    return shared / "samples" / "ocds"


def _releases(ocds: Path) -> list[Path]:
    return sorted(p for p in ocds.glob("ocds-213czf-000-00001-*.json"))


def test_ocds_sample_gives_buyer_suppliers_project_and_award(
    kg: KnowledgeGraph, ocds: Path
) -> None:
    kg.import_files("ocds", _releases(ocds))
    buyer = _rows(
        kg,
        "SELECT ?label WHERE { ?x a skg:GovernmentBody ; rdfs:label ?label ; "
        'dcterms:identifier "GB-LAC:E09000003" }',
    )
    assert buyer == [{"label": "London Borough of Barnet"}]
    awards = _rows(
        kg,
        """SELECT DISTINCT ?supplier ?amount ?currency ?from ?tender ?url WHERE {
            ?c skg:relation skg:wonTender ; skg:subject [ rdfs:label ?supplier ] ;
               skg:object [ rdfs:label ?tender ] ; skg:amount ?amount ; skg:currency ?currency ;
               skg:validFrom ?from ; skg:source [ schema:url ?url ;
                                                 dcterms:publisher [ rdfs:label ?pub ] ] }""",
    )
    assert {(a["supplier"], float(a["amount"]), a["currency"], a["from"]) for a in awards} == {
        ("AnyCorp Cycle Provision", 11_000_000.0, "GBP", "2010-05-10")
    }
    assert {a["tender"] for a in awards} == {"Planned cycle lane improvements"}
    assert kg.store.query(
        PREFIXES
        + "ASK { ?t a skg:Tender ; skg:issuedBy ?b ; skg:forProject ?p . ?p a skg:Project . "
        '?b dcterms:identifier "GB-LAC:E09000003" }'
    ).boolean
    assert kg.store.query(
        PREFIXES + 'ASK { ?x rdfs:label "Beta Corp Construction" ; skg:bidFor ?t }'
    ).boolean


def test_reimporting_the_compiled_package_next_to_the_releases_duplicates_nobody(
    kg: KnowledgeGraph, ocds: Path
) -> None:
    kg.import_files("ocds", _releases(ocds))
    entities = _count(kg, "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x skg:slug [] }")
    snapshot = _content(kg)
    report = kg.import_files("ocds", [ocds])  # the folder: compiled package and releases
    assert report.records == 12 and report.added == 0
    assert _content(kg) == snapshot
    assert _count(kg, "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x skg:slug [] }") == entities
    named = _count(kg, 'SELECT (COUNT(?x) AS ?n) WHERE { ?x rdfs:label "AnyCorp Cycle Provision" }')
    assert named == 1


def test_ocds_record_packages_and_json_lines_give_the_same_graph(
    kg: KnowledgeGraph, ocds: Path, tmp_path: Path
) -> None:
    package = json.loads((ocds / "ocds-213czf-000-00001.json").read_text("utf-8"))
    records = {k: v for k, v in package.items() if k != "releases"}
    records["records"] = [{"ocid": package["releases"][0]["ocid"], "releases": package["releases"]}]
    (tmp_path / "records.json").write_text(json.dumps(records))
    kg.import_files("ocds", [tmp_path / "records.json"])
    snapshot = _content(kg)
    lines = tmp_path / "releases.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in package["releases"]) + "\n")
    options = ImportOptions(publisher="Open Data Services Co-operative Limited")
    assert kg.import_files("ocds", [lines], options=options).records == 6
    added = _content(kg) - snapshot
    assert {str(q.predicate) for q in added} <= {"https://schema.org/url"} or not added
    with pytest.raises(ParseError, match="publisher"):
        kg.import_files("ocds", [lines])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda r: r.pop("ocid"), "field 'releases[0]"),
        (lambda r: r["parties"].pop(1), "awards[0].suppliers[0].id"),
        (lambda r: r["parties"][0].pop("id"), "parties[0].id"),
    ],
)
def test_broken_ocds_release_names_the_field_and_changes_nothing(
    kg: KnowledgeGraph, ocds: Path, tmp_path: Path, change: object, words: str
) -> None:
    package = json.loads((ocds / "ocds-213czf-000-00001-04-award.json").read_text("utf-8"))
    change(package["releases"][0])  # type: ignore[operator]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(package))
    kg.import_files("ocds", _releases(ocds)[:2])
    before = _content(kg)
    with pytest.raises(ParseError) as info:
        kg.import_files("ocds", [*_releases(ocds), bad])
    assert info.value.path == str(bad)
    assert words in str(info.value)
    assert _content(kg) == before


def test_ocds_file_that_is_not_json_names_line_and_column(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "releases": [\n    {"ocid": }\n  ]\n}\n')
    with pytest.raises(ParseError) as info:
        kg.import_files("ocds", [bad])
    assert (info.value.path, info.value.line, info.value.column) == (str(bad), 3, 14)


# -- CSV -------------------------------------------------------------------------------------------


def test_csv_templates_import_as_documented(kg: KnowledgeGraph) -> None:
    report = kg.import_files("csv", [ROOT / "graph" / "templates"])
    assert report.claims == 1
    rows = _rows(
        kg,
        """SELECT ?country ?title ?url ?pub ?from WHERE {
            ?p skg:slug "jane-doe" ; skg:directorOf ?o . ?o skg:slug "acme-vision" ;
               skg:country [ rdfs:label ?country ] .
            ?c skg:subject ?p ; skg:validFrom ?from ; skg:source ?s .
            ?s dcterms:title ?title ; schema:url ?url ; dcterms:publisher [ rdfs:label ?pub ] }""",
    )
    assert rows == [
        {
            "country": "United Kingdom",
            "title": "Acme Vision Ltd officers list",
            "url": "https://find-and-update.company-information.service.gov.uk/",
            "pub": "Companies House",
            "from": "2020-03-01",
        }
    ]


_EXPORT = """SELECT ?subject ?relation ?object ?stance ?quote ?attributed_to ?source_title
    ?source_publisher ?source_url ?source_date ?valid_from ?valid_to ?amount ?currency WHERE {
    ?c a skg:Claim ; skg:subject [ skg:slug ?subject ] ; skg:relation ?rel ; skg:object ?o ;
       skg:stance ?st ; skg:quote ?quote ; skg:attribution ?attributed_to ; skg:source ?s .
    ?s dcterms:title ?source_title ; dcterms:publisher [ skg:slug ?source_publisher ] .
    OPTIONAL { ?s schema:url ?source_url } OPTIONAL { ?s dcterms:date ?source_date }
    OPTIONAL { ?c skg:validFrom ?valid_from } OPTIONAL { ?c skg:validTo ?valid_to }
    OPTIONAL { ?c skg:amount ?amount } OPTIONAL { ?c skg:currency ?currency }
    OPTIONAL { ?o skg:slug ?oslug }
    BIND(STRAFTER(STR(?rel), "#") AS ?relation) BIND(LCASE(STRAFTER(STR(?st), "#")) AS ?stance)
    BIND(COALESCE(?oslug, STR(?o)) AS ?object) }"""


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_of_the_stores_own_relations_reimported_adds_nothing(
    kg: KnowledgeGraph, tmp_path: Path, delimiter: str
) -> None:
    kg.load([IMPORT / "own-relations.ttl"])
    rows = _rows(kg, _EXPORT)
    assert len(rows) >= 3
    sheet = tmp_path / "relationships.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as out:  # with a byte order mark
        writer = csv.DictWriter(
            out,
            fieldnames=[f.lstrip("?") for f in _EXPORT.split("WHERE", maxsplit=1)[0].split()[1:]],
            delimiter=delimiter,
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({k.lstrip("?"): v for k, v in row.items()})
    snapshot = _content(kg)
    report = kg.import_files("csv", [sheet])
    assert report.records == len(rows)
    assert report.added == 0
    assert _content(kg) == snapshot


_ENTITIES = "id,name,type,aliases,country,identifiers\n"
_RELATIONS = "subject,relation,object,stance,quote,attributed_to,source_title,source_publisher\n"


@pytest.mark.parametrize(
    "case",
    [
        ("e.csv", _ENTITIES + "ok,Ok,Company,,,\nbad,Bad,Spaceship,,,\n", 3, "column 'type'"),
        ("e.csv", _ENTITIES + "Not An Id,X,Company,,,\n", 2, "column 'id'"),
        ("e.csv", _ENTITIES + "x,X,Company,,,nocolon\n", 2, "column 'identifiers'"),
        ("e.csv", "id,name\nx,X\n", 1, "neither an entities sheet"),
        ("r.csv", "subject,relation,object,quote\n", 1, "attributed_to, source_title"),
        ("r.csv", _RELATIONS + "own-vendor,sellsTo,own-city,,q,a,T,p\n", 2, "column 'relation'"),
        ("r.csv", _RELATIONS + "own-vendor,suppliesTo,nobody,,q,a,T,p\n", 2, "column 'object'"),
        ("r.csv", _RELATIONS + "own-vendor,suppliesTo,own-city,maybe,q,a,T,p\n", 2, "'stance'"),
        ("r.csv", _RELATIONS + "own-vendor,suppliesTo,own-city,,q,a,New title,\n", 2, "publisher"),
        ("r.csv", _RELATIONS + "own-vendor,suppliesTo,own-city,,,a,T,p\n", 2, "column 'quote'"),
        (
            "r.csv",
            _RELATIONS.replace("\n", ",valid_from\n")
            + "own-vendor,suppliesTo,own-city,,q,a,T,p,2011-02-30\n",
            2,
            "February 2011 has 28 days",
        ),
    ],
)
def test_broken_csv_names_file_row_and_column_and_changes_nothing(
    kg: KnowledgeGraph, tmp_path: Path, case: tuple[str, str, int, str]
) -> None:
    name, text, row, words = case
    kg.load([IMPORT / "own-relations.ttl"])
    before = _content(kg)
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as info:
        kg.import_files("csv", [ROOT / "graph" / "templates", bad])
    assert (info.value.path, info.value.line) == (str(bad), row)
    assert words in str(info.value)
    assert _content(kg) == before


# -- CLI, dry run, stdin -------------------------------------------------------------------------


def test_dry_run_validates_and_writes_nothing(
    tmp_path: Path, donations: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "s")
    assert main(["-q", "--store", store, "stats", "--format", "json"]) == 0
    before = json.loads(capsys.readouterr().out)["triples"]
    assert main(["-q", "--store", store, "import", "ftm", "--dry-run", str(donations)]) == 0
    assert "would import 474 records" in capsys.readouterr().out
    assert main(["-q", "--store", store, "stats", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["triples"] == before


def test_import_reads_stdin_and_reports_progress_on_stderr(
    tmp_path: Path,
    donations: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(donations.read_bytes()))
    monkeypatch.setattr(sys, "stdin", stdin)
    store = str(tmp_path / "s")
    code = main(
        ["--store", store, "import", "ftm", "--dataset", "donations", "--format", "json", "-"]
    )
    assert code == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["records"] == 474 and report["added"] > 0
    assert "records/s" in captured.err


def test_missing_input_and_unknown_kind_are_clear_errors(kg: KnowledgeGraph) -> None:
    with pytest.raises(BadRequestError, match=r"no-such-file\.json"):
        kg.import_files("ftm", [Path("no-such-file.json")])
    with pytest.raises(BadRequestError, match="expected one of csv, ftm, ocds"):
        kg.import_files("xml", [IMPORT])


# -- chunked writes (large imports on disk) --------------------------------------------------------


def test_chunked_import_on_disk_gives_the_same_graph_as_one_write(
    disk_kg: KnowledgeGraph, kg: KnowledgeGraph, donations: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kg.import_files("ftm", [donations])
    monkeypatch.setattr("supplychain_kg.ingest.context.CHUNK_TRIPLES", 500)
    monkeypatch.setattr("supplychain_kg.ingest.ftm._BATCH", 50)
    commits: list[int] = []
    report = disk_kg.import_files("ftm", [donations], progress=commits.append)
    assert sum(str(m).startswith("writing") for m in commits) > 3
    assert report.added > 0
    assert _content(disk_kg) == _content(kg)


@pytest.mark.parametrize("kind", ["ftm", "ocds", "csv"])
def test_chunked_imports_give_the_same_graph_as_one_write_and_again_nothing_new(
    disk_kg: KnowledgeGraph,
    kg: KnowledgeGraph,
    shared: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    # in chunks, each resource is checked as it is staged and written as it is; in one write,
    # the SPARQL validator checks the staging store: the graphs must be the same
    inputs = {
        "ftm": [shared / "samples" / "ftm" / "donations.ijson"],
        "ocds": [shared / "samples" / "ocds"],
        "csv": [ROOT / "graph" / "templates"],
    }[kind]
    kg.import_files(kind, inputs)
    monkeypatch.setattr("supplychain_kg.ingest.context.CHUNK_TRIPLES", 40)
    monkeypatch.setattr("supplychain_kg.ingest.ftm._BATCH", 20)
    said: list[str] = []
    report = disk_kg.import_files(kind, inputs, progress=said.append)
    assert sum(m.startswith("writing") for m in said) > 1
    assert report.added > 0
    assert _content(disk_kg) == _content(kg)
    again = disk_kg.import_files(kind, inputs)
    assert again.added == 0
    assert _content(disk_kg) == _content(kg)


def test_chunked_import_that_fails_late_leaves_the_store_unchanged(
    disk_kg: KnowledgeGraph, donations: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("supplychain_kg.ingest.context.CHUNK_TRIPLES", 500)
    before = _content(disk_kg)
    bad = tmp_path / "late.ijson"
    bad.write_text('{"id": "o", "schema": "Ownership", "properties": {"owner": ["nobody"]}}\n')
    with pytest.raises(ParseError, match=r"late\.ijson:1: field 'properties\.asset'"):
        disk_kg.import_files("ftm", [donations, bad])
    assert _content(disk_kg) == before


def test_ftm_entities_join_the_seed_graph_by_wikidata_id_and_country_name(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    data = tmp_path / "seed-overlap.ijson"
    data.write_text(
        '{"id": "hw", "schema": "Company", "properties": {"name": ["Huawei Technologies Co., '
        'Ltd."], "wikidataId": ["Q160120"]}}\n'
        '{"id": "li", "schema": "Company", "properties": {"name": ["Local Installer"], '
        '"country": ["mm"]}}\n'
    )
    huawei = _entity_by_identifier(kg, "wikidata:Q160120")
    assert len(huawei) == 1
    myanmar = _entity_by_identifier(kg, "wikidata:Q836")
    report = kg.import_files("ftm", [data])
    assert _entity_by_identifier(kg, "ftm:hw") == huawei
    assert _entity_by_identifier(kg, "iso3166-1:MM") == myanmar
    assert report.entities == 1  # Local Installer; no new Huawei, no new Myanmar
    assert kg.store.query(
        f"ASK {{ ?x <{SKG}slug> 'local-installer' ; <{SKG}country> <{myanmar[0]}> }}"
    ).boolean
    aliases = _rows(
        kg, f"SELECT ?a WHERE {{ <{huawei[0]}> <http://www.w3.org/2004/02/skos/core#altLabel> ?a }}"
    )
    assert {"a": "Huawei Technologies Co., Ltd."} in aliases


def test_ftm_payment_with_a_currency_that_is_no_code_keeps_its_amount_only(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    data = tmp_path / "odd-currency.ijson"
    data.write_text(
        '{"id": "x", "schema": "Company", "properties": {"name": ["X Corp"]}}\n'
        '{"id": "y", "schema": "Company", "properties": {"name": ["Y Corp"]}}\n'
        '{"id": "p", "schema": "Payment", "properties": {"payer": ["x"], "beneficiary": ["y"], '
        '"amount": ["12.5"], "currency": ["ÉÉÉ"]}}\n',
        encoding="utf-8",
    )
    report = kg.import_files("ftm", [data])
    assert report.claims == 1
    rows = kg.query(
        "PREFIX skg: <https://w3id.org/supplychain-kg/ontology#> "
        "SELECT ?amount ?currency WHERE { ?c skg:relation skg:paid ; skg:amount ?amount "
        "OPTIONAL { ?c skg:currency ?currency } }"
    ).rows()
    found = [(str(r["amount"].value), r.get("currency")) for r in rows]
    assert found == [("12.5", None)]
