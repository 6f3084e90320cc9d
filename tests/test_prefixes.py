"""One prefix set for the CLI and HTTP, and syntax errors that point at the user's own line.

``skg query``, ``GET|POST /sparql``, ``POST /update`` and ``/export?construct=`` all declare
the vocabulary prefixes (``skg:``, ``ent:``, ``rdfs:``, ...) before the user's text; an error's
position is the one the engine gives for the user's text alone.
"""

from __future__ import annotations

import csv
import doctest
import io
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api import create_app
from supplychain_kg import namespaces
from supplychain_kg.cli import main
from supplychain_kg.config import Settings
from supplychain_kg.namespaces import PREFIXES
from supplychain_kg.service import KnowledgeGraph

TOKEN = "prefix-test-token"
UNDECLARED = """SELECT ?claim ?label
WHERE { ?claim a skg:Claim ; skg:subject ent:hikvision .
        ent:hikvision rdfs:label ?label }
ORDER BY ?claim"""
BROKEN = "SELECT ?x\nWHERE { ?x a skg:Claim .\n  ?x ?y }"
"""A syntax error on the user's third line (a triple pattern without its object)."""


def _engine_position(text: str) -> str:
    """Where Oxigraph puts the syntax error of ``text`` with its prefixes declared on the
    same line as the query (so that the line numbers are the user's own)."""
    declared = "".join(f"PREFIX {n}: <{i}> " for n, i in PREFIXES.items())
    with pytest.raises(SyntaxError) as caught:
        ox.Store().query(declared + text)
    message = str(caught.value)
    position = message.split("error at ", 1)[1].split(":")[:2]
    line, column = int(position[0]), int(position[1])
    if line == 1:
        column -= len(declared)
    return f"error at {line}:{column}:"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = Settings(memory=True, write_token=TOKEN)
    kg = KnowledgeGraph.open(settings)
    yield TestClient(create_app(settings, kg=kg), base_url="http://localhost")
    kg.close()


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["-q", "--memory", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_cli_and_the_endpoint_know_the_same_prefixes(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "query", UNDECLARED, "--format", "csv")
    assert code == 0, err
    from_cli = list(csv.reader(io.StringIO(out)))
    answer = client.post("/sparql", data={"query": UNDECLARED}, headers={"accept": "text/csv"})
    assert answer.status_code == 200, answer.text
    from_http = list(csv.reader(io.StringIO(answer.text)))
    assert from_cli == from_http
    assert len(from_http) > 3 and from_http[1][1] == "Hikvision"
    answer = client.get("/sparql", params={"query": UNDECLARED}, headers={"accept": "text/csv"})
    assert list(csv.reader(io.StringIO(answer.text))) == from_http  # the GET fast path too


def test_an_update_may_use_the_prefixes(client: TestClient) -> None:
    update = 'INSERT DATA { ent:prefix-test rdfs:label "declared by the server" }'
    answer = client.post(
        "/update",
        content=update,
        headers={"content-type": "application/sparql-update", "authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 204, answer.text
    ask = 'ASK { ent:prefix-test rdfs:label "declared by the server" }'
    answer = client.get("/sparql", params={"query": ask}, headers={"accept": "application/json"})
    assert answer.json()["boolean"] is True


@pytest.mark.parametrize(
    "text", [BROKEN, "SELECT ?x WHERE { ?x a skg:Claim . ?x ?y }", "\n\n\n\nASK { ?s ?p }"]
)
def test_syntax_errors_point_at_the_users_own_line(
    text: str, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = _engine_position(text)
    code, _, err = _cli(capsys, "query", text)
    assert code == 1 and expected in err, (expected, err)
    for answer in (
        client.post("/sparql", data={"query": text}),
        client.get("/sparql", params={"query": text}),
    ):
        assert answer.status_code == 400
        assert expected in answer.text, (expected, answer.text)
    construct = text.replace("SELECT ?x", "CONSTRUCT { ?x a skg:Claim }")
    construct = construct.replace("ASK", "CONSTRUCT WHERE")
    code, _, err = _cli(capsys, "export", "--format", "turtle", "--construct", construct)
    assert code == 1 and _engine_position(construct) in err, err


def test_an_update_error_points_at_the_users_own_line(client: TestClient) -> None:
    update = "INSERT DATA {\n  ent:a rdfs:label\n}"
    declared = "".join(f"PREFIX {n}: <{i}> " for n, i in PREFIXES.items())
    with pytest.raises(SyntaxError) as caught:
        ox.Store().update(declared + update)
    expected = "error at " + str(caught.value).split("error at ", 1)[1].split(": ")[0]
    assert expected.startswith("error at 3:")
    answer = client.post(
        "/update",
        content=update,
        headers={"content-type": "application/sparql-update", "authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 400
    assert expected + ":" in answer.text, answer.text


def test_the_namespaces_docstring_examples_hold() -> None:
    result = doctest.testmod(namespaces)
    assert result.failed == 0 and result.attempted >= 6
