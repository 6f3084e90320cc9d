"""The input scanners (ingest/guards) against the truth: nesting and string length computed
from the data that was serialised, whatever strings hold and wherever chunks are cut."""

from __future__ import annotations

import doctest
import importlib
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supplychain_kg.errors import ParseError
from supplychain_kg.ingest.guards import JsonScanner, Limits, check_rdf_input
from supplychain_kg.ingest.guards.turtlescan import TurtleScanner
from supplychain_kg.store import open_store

SETTINGS = settings(derandomize=True, database=None, max_examples=300, deadline=None)
# text full of what a scanner could mistake for structure
TRICKY = st.text(alphabet=st.sampled_from(list("ab[]{}()\"'\\#<>\n\t é€😀")), max_size=12)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


def _longest(value: Any) -> int:
    """UTF-8 bytes of the longest string (key or value) in a JSON value."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, list):
        return max((_longest(v) for v in value), default=0)
    if isinstance(value, dict):
        return max((max(_longest(k), _longest(v)) for k, v in value.items()), default=0)
    return 0


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY, inner, max_size=3),
    max_leaves=12,
)


def _cuts(draw: st.DrawFn, text: str) -> list[str]:
    points = sorted(draw(st.lists(st.integers(0, len(text)), max_size=6)))
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


def _json_verdict(chunks: list[str], limits: Limits) -> str | None:
    scanner = JsonScanner("x.json", limits)
    try:
        for chunk in chunks:
            scanner.feed(chunk)
        scanner.finish()
    except ParseError as exc:
        return exc.detail
    return None


@SETTINGS
@given(st.data(), JSON, st.booleans(), st.integers(0, 5), st.integers(1, 8))
def test_json_scanner_refuses_exactly_what_nests_too_deep_wherever_chunks_are_cut(
    data: st.DataObject, value: Any, ascii_only: bool, max_nesting: int, max_bytes: int
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=data.draw(st.sampled_from([None, 1])))
    chunks = _cuts(data.draw, text)
    verdict = _json_verdict(chunks, Limits(max_nesting, max_bytes))
    _judged(verdict, _depth(value) > max_nesting, _longest(value) > max_bytes)


def _judged(verdict: str | None, deep: bool, long: bool) -> None:
    """The scanner refused (whichever it met first) exactly when something passed a limit."""
    if deep and long:
        assert verdict is not None
    elif deep:
        assert verdict is not None and "nested deeper" in verdict
    elif long:
        assert verdict is not None and "longer than" in verdict
    else:
        assert verdict is None


# -- Turtle ----------------------------------------------------------------------------------

_ESCAPES = {'"': '\\"', "'": "\\'", "\\": "\\\\", "\n": "\\n"}


def _literal(text: str, style: str) -> str:
    if style == "long":
        body = text.replace("\\", "\\\\").replace('"', '\\"')
        return f'"""{body}"""'
    quote = '"' if style == "double" else "'"
    body = "".join(_ESCAPES.get(c, c) if c in (quote, "\\", "\n") else c for c in text)
    return f"{quote}{body}{quote}"


@st.composite
def _turtle_object(draw: st.DrawFn, depth: int = 0) -> tuple[str, int, int]:
    """(Turtle object, its nesting depth, its longest literal in UTF-8 bytes)."""
    kind = draw(st.sampled_from(["literal", "iri", "bnode", "list"] if depth < 6 else ["literal"]))
    if kind == "literal":
        text = draw(TRICKY)
        style = draw(st.sampled_from(["double", "single", "long"]))
        return _literal(text, style), 0, len(text.encode())
    if kind == "iri":
        return "<http://example.org/a#b>", 0, 0
    parts = draw(st.lists(_turtle_object(depth + 1), min_size=1, max_size=3))
    inner_depth = max(p[1] for p in parts) + 1
    longest = max(p[2] for p in parts)
    if kind == "list":
        return "( " + " ".join(p[0] for p in parts) + " )", inner_depth, longest
    pairs = " ; ".join(f"<http://example.org/p> {p[0]}" for p in parts)
    return f"[ {pairs} ]", inner_depth, longest


def _turtle_verdict(text: str, cuts: list[int], limits: Limits) -> str | None:
    scanner = TurtleScanner("x.ttl", limits)
    lines = text.splitlines(keepends=True)
    bounds = sorted({0, len(lines), *(c % (len(lines) + 1) for c in cuts)})
    try:
        for a, b in itertools.pairwise(bounds):
            scanner.block("".join(lines[a:b]))
    except ParseError as exc:
        return exc.detail
    return None


@SETTINGS
@given(
    st.lists(_turtle_object(), min_size=1, max_size=3),
    st.lists(st.integers(0, 50), max_size=4),
    st.integers(0, 4),
    st.integers(24, 48),  # IRIs here have up to 23 bytes; literals up to 48
)
def test_turtle_scanner_refuses_exactly_what_nests_too_deep_wherever_blocks_are_cut(
    objects: list[tuple[str, int, int]], cuts: list[int], max_nesting: int, max_bytes: int
) -> None:
    text = "# a comment with [ ( { and a quote '\n" + "".join(
        f"<http://example.org/s{i}> <http://example.org/p> {o[0]} .\n"
        for i, o in enumerate(objects)
    )
    open_store(None).staging().parse_into(text.encode(), "text/turtle")  # valid Turtle
    verdict = _turtle_verdict(text, cuts, Limits(max_nesting, max_bytes))
    deep = max(o[1] for o in objects) > max_nesting
    _judged(verdict, deep, max(o[2] for o in objects) > max_bytes)


def test_turtle_escapes_count_as_the_characters_they_stand_for() -> None:
    e = "\\u00e9"  # é: 2 bytes
    check_rdf_input(f'<a> <b> "{e * 5}" .'.encode(), "text/turtle", name="x", max_literal_bytes=10)
    with pytest.raises(ParseError, match="a literal of 12 bytes"):
        check_rdf_input(
            f'<a> <b> "{e * 6}" .'.encode(), "text/turtle", name="x", max_literal_bytes=10
        )


def test_an_iri_past_the_limit_is_refused_with_its_position() -> None:
    text = (
        "<http://example.org/a>\n  <http://example.org/p> <http://example.org/" + "x" * 50 + "> ."
    )
    with pytest.raises(ParseError) as info:
        check_rdf_input(text.encode(), "text/turtle", name="x.ttl", max_literal_bytes=40)
    assert (info.value.line, info.value.column) == (2, 26)
    assert "an IRI of 69 bytes" in str(info.value)


def test_n_triples_lines_are_checked_for_length_but_not_nesting() -> None:
    line = '<http://e/a> <http://e/p> "((((((((" .\n'
    check_rdf_input(line.encode(), "application/n-triples", name="x.nt", max_nesting=1)
    with pytest.raises(ParseError, match="SKG_MAX_LITERAL_BYTES"):
        check_rdf_input(line.encode(), "application/n-triples", name="x.nt", max_literal_bytes=4)


# -- XML -------------------------------------------------------------------------------------

_RDF = '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://e/">'


@pytest.mark.parametrize(
    ("doctype", "words"),
    [
        ('<!DOCTYPE rdf:RDF [<!ENTITY e "x">]>', "declares the entity 'e'"),
        ('<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "http://127.0.0.1:9/">]>', "the entity 'e'"),
        ('<!DOCTYPE rdf:RDF [<!ENTITY % e "x">]>', "the parameter entity 'e'"),
        ('<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "x" NDATA gif>]>', "unparsed entity 'e'"),
        ('<!DOCTYPE rdf:RDF [<!ATTLIST ex:p ex:q CDATA "x">]>', "a default value"),
    ],
)
def test_every_xml_entity_declaration_is_refused_where_it_stands(doctype: str, words: str) -> None:
    text = f'<?xml version="1.0"?>\n{doctype}\n{_RDF}</rdf:RDF>'
    with pytest.raises(ParseError) as info:
        check_rdf_input(text.encode(), "application/rdf+xml", name="x.rdf")
    assert words in str(info.value)
    assert info.value.line == 2


def test_xml_without_entities_passes_and_depth_and_text_are_bounded() -> None:
    description = '<rdf:Description rdf:about="http://e/a"><ex:p>é23456789012</ex:p>'
    doctype = "<!DOCTYPE rdf:RDF [<!ELEMENT ex:p ANY><!ATTLIST ex:p ex:q CDATA #IMPLIED>]>"
    ok = f"{doctype}{_RDF}{description}</rdf:Description></rdf:RDF>".encode()
    check_rdf_input(ok, "application/rdf+xml", name="x", max_nesting=3, max_literal_bytes=13)
    with pytest.raises(ParseError, match="nested deeper than 2 levels"):
        check_rdf_input(ok, "application/rdf+xml", name="x", max_nesting=2)
    with pytest.raises(ParseError, match="text after the tag here"):
        check_rdf_input(ok, "application/rdf+xml", name="x", max_literal_bytes=12)
    with pytest.raises(ParseError, match="an attribute value of 10 bytes"):
        check_rdf_input(ok, "application/rdf+xml", name="x", max_literal_bytes=9)


def test_an_xml_literal_is_bounded_as_a_whole() -> None:
    body = '<ex:p rdf:parseType="Literal">' + "<b>1234</b>" * 10 + "</ex:p>"
    text = f'{_RDF}<rdf:Description rdf:about="http://e/a">{body}</rdf:Description></rdf:RDF>'
    check_rdf_input(text.encode(), "application/rdf+xml", name="x", max_literal_bytes=110)
    with pytest.raises(ParseError, match="an XML literal of 110 bytes"):
        check_rdf_input(text.encode(), "application/rdf+xml", name="x", max_literal_bytes=109)


def test_ill_formed_xml_is_a_parse_error_with_its_position() -> None:
    with pytest.raises(ParseError) as info:
        check_rdf_input(b"<a>\n  <b></a>", "application/rdf+xml", name="x.rdf")
    assert (info.value.line, info.value.column) == (2, 8)
    assert "not well-formed XML: mismatched tag" in str(info.value)


@pytest.mark.parametrize(
    "module", ["limits", "jsonscan", "turtlescan", "xmlscan", ""], ids=lambda m: m or "guards"
)
def test_the_guards_docstring_examples_hold(module: str) -> None:
    name = "supplychain_kg.ingest.guards" + (f".{module}" if module else "")
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_a_file_is_checked_as_its_bytes_are(tmp_path: Path) -> None:
    text = b'<a> <b> [ <c> "x" ] .\n<a> <b> [ <c> [ <d> "y" ] ] .\n'
    path = tmp_path / "x.ttl"
    path.write_bytes(text)
    for source in (path, text):
        check_rdf_input(source, "text/turtle", name="x.ttl", max_nesting=2)
        with pytest.raises(ParseError) as info:
            check_rdf_input(source, "text/turtle", name="x.ttl", max_nesting=1)
        assert (info.value.path, info.value.line, info.value.column) == ("x.ttl", 2, 15)
