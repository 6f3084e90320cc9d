"""The SPARQL lexer and the guard's parser, content negotiation and the editor page."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

from api.editor import assets_available, examples
from api.negotiation import choose
from supplychain_kg.config import Settings
from supplychain_kg.sparql.guard import remote_targets
from supplychain_kg.sparql.lexer import query_form, with_using
from supplychain_kg.sparql.results import CSV, JSON, TSV, XML
from tests.live import serve

RESULTS = [JSON, XML, CSV, TSV]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * { SERVICE <http://a.example/s> { ?s ?p ?o } }", ["http://a.example/s"]),
        ('SELECT * { ?s ?p "SERVICE <http://no.example/>" }', []),
        ("SELECT * { ?s ?p ?o } # SERVICE <http://no.example/>", []),
        ("SELECT * { ?s <http://e/SERVICE> ?o }", []),
        (
            "PREFIX e: <http://e.example/>\nSELECT * { SERVICE e:x { ?s ?p ?o } }",
            ["http://e.example/x"],
        ),
        ("SELECT * { SERVICE ?x { ?s ?p ?o } }", [None]),
        ("LOAD SILENT <http://a.example/d.ttl> INTO GRAPH <http://g>", ["http://a.example/d.ttl"]),
        ("SELECT * { \\u0053ERVICE <http://a.example/s> { } }", ["http://a.example/s"]),
    ],
)
def test_remote_targets_finds_service_and_load_iris_and_nothing_else(
    text: str, expected: list[str | None]
) -> None:
    assert remote_targets(text, update=text.startswith("LOAD")) == expected


def test_query_form_skips_the_prologue() -> None:
    assert query_form("BASE <http://b/> PREFIX select: <http://s/> ASK {}") == "ask"
    assert query_form("DESCRIBE <http://x>") == "graph"
    assert query_form("# SELECT\nCONSTRUCT WHERE { ?s ?p ?o }") == "graph"


def test_with_using_adds_using_before_each_modify_where_only() -> None:
    text = "INSERT DATA { <a> <b> <c> } ; DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert with_using(text, ["http://g"], ["http://n"]) == (
        "INSERT DATA { <a> <b> <c> } ; DELETE { ?s ?p ?o } USING <http://g> "
        "USING NAMED <http://n> WHERE { ?s ?p ?o }"
    )


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("text/csv;q=0.9, application/sparql-results+xml;q=0.8", CSV),
        ("text/*", CSV),
        ("text/*, text/tab-separated-values;q=1.0, text/csv;q=0.5", TSV),
        ("application/json", JSON),
        ("image/png", None),
        ("application/sparql-results+json;q=0", None),
    ],
)
def test_choose_honours_q_values_and_specificity(accept: str | None, expected: str | None) -> None:
    assert choose(accept, RESULTS, {"application/json": JSON}) == expected


def test_a_browser_gets_the_yasgui_editor_with_the_example_queries() -> None:
    assert assets_available(), "YASGUI's files are missing: reinstall (pip install -e .) with npm"
    with serve(Settings(memory=True, seed=False)) as url, httpx.Client(timeout=30) as client:
        page = client.get(f"{url}/sparql", headers={"accept": "text/html,*/*;q=0.8"})
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert '<script src="/sparql-editor/yasgui.min.js">' in page.text
        assert "http" + "s://" not in page.text.split("<body>")[1].split("const examples")[0]
        for example in examples():
            assert f'data-example="{example.name}"' in page.text
        script = client.get(f"{url}/sparql-editor/yasgui.min.js")
        assert script.status_code == 200 and len(script.content) > 100_000
        assert client.get(f"{url}/sparql-editor/yasgui.min.css").status_code == 200
        assert client.get(f"{url}/sparql-editor/..%2Fapp.py").status_code == 404
        policy = dict(
            part.strip().split(" ", 1)
            for part in page.headers["content-security-policy"].split(";")
        )
        assert policy["default-src"] == "'none'" and policy["connect-src"] == "'self'"
        inline = re.findall(r"<script>(.*?)</script>", page.text, re.S)
        hashes = {
            "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
            for s in inline
        }
        assert inline and set(policy["script-src"].split()) == {"'self'", *hashes}


def test_an_rdf_client_without_a_query_gets_the_service_description() -> None:
    with serve(Settings(memory=True, seed=False)) as url, httpx.Client(timeout=30) as client:
        answer = client.get(f"{url}/sparql", headers={"accept": "text/turtle"})
        assert answer.status_code == 200
        assert "sparql-service-description#Service" in answer.text
        assert f"<{url}/sparql>" in answer.text
        refused = client.get(f"{url}/sparql", headers={"accept": "image/png"})
        assert refused.status_code == 406 and "text/turtle" in refused.text


def test_two_queries_or_none_in_one_request_get_400() -> None:
    with serve(Settings(memory=True, seed=False)) as url, httpx.Client(timeout=30) as client:
        two = client.get(f"{url}/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
        assert two.status_code == 400
        none = client.post(
            f"{url}/sparql",
            content="",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert none.status_code == 400


def test_a_syntax_error_gets_400_with_the_position() -> None:
    with serve(Settings(memory=True, seed=False)) as url, httpx.Client(timeout=30) as client:
        answer = client.get(f"{url}/sparql", params={"query": "SELECT * WHERE {\n ?s ?p }"})
        assert answer.status_code == 400
        assert "error at 2:" in answer.text


def test_get_queries_carry_cors_headers_for_allowed_origins_only() -> None:
    settings = Settings(memory=True, seed=False, cors_origins=("http://tools.example",))
    with serve(settings) as url, httpx.Client(timeout=30) as client:
        params = {"query": "ASK {}"}
        allowed = client.get(
            f"{url}/sparql", params=params, headers={"origin": "http://tools.example"}
        )
        assert allowed.headers["access-control-allow-origin"] == "http://tools.example"
        other = client.get(
            f"{url}/sparql", params=params, headers={"origin": "http://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers
        bad = client.get(
            f"{url}/sparql", params={"query": "ASK {"}, headers={"origin": "http://tools.example"}
        )
        assert bad.status_code == 400
        assert bad.headers["access-control-allow-origin"] == "http://tools.example"
    anyone = Settings(memory=True, seed=False, cors_origins=("*",))
    with serve(anyone) as url, httpx.Client(timeout=30) as client:
        answer = client.get(
            f"{url}/sparql", params={"query": "ASK {}"}, headers={"origin": "http://any.example"}
        )
        assert answer.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("media_type", RESULTS)
def test_count_rows_counts_rows_whatever_the_literals_hold(media_type: str) -> None:
    from supplychain_kg.model import IRI, Literal
    from supplychain_kg.sparql.results import count_rows, write_rows

    tricky = ["a\nb", "<result>x</result>", '},{"s":{', 'say "hi",\r\n', "plain"]
    rows = [{"s": IRI(f"http://e/{i}"), "o": Literal(text)} for i, text in enumerate(tricky)]
    rows.append({})
    body = write_rows(["s", "o"], rows, media_type)
    assert count_rows(body, media_type) == len(rows)
