"""Hostile files for the loader and importer tests (made at test time, never committed).

Each function returns a file's bytes. DEEP is deeper than any parser's stack should be asked
to go; BIG is a 50 MB literal.
"""

from __future__ import annotations

import json

DEEP = 10_000
BIG = 50 << 20
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_HEAD = f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://example.org/">\n'
_TAIL = "</rdf:RDF>\n"
_S = "<http://example.org/a> <http://example.org/p> "


def _rdf_xml(doctype: str, body: str) -> bytes:
    head = _HEAD.replace("\n", f"\n{doctype}\n", 1) if doctype else _HEAD
    return (head + body + _TAIL).encode()


def billion_laughs() -> bytes:
    """Ten entities, each ten of the one before: 10^9 'lol's from about 1 KB."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    doctype = "<!DOCTYPE rdf:RDF [\n" + "\n".join(entities) + "\n]>"
    body = (
        '<rdf:Description rdf:about="http://example.org/a"><ex:p>&lol9;</ex:p></rdf:Description>\n'
    )
    return _rdf_xml(doctype, body)


def quadratic_blowup() -> bytes:
    """One 100 KB entity referred to 100,000 times: 10 GB from 500 KB."""
    doctype = f'<!DOCTYPE rdf:RDF [<!ENTITY a "{"A" * 100_000}">]>'
    body = f'<rdf:Description rdf:about="http://example.org/a"><ex:p>{"&a;" * 100_000}</ex:p></rdf:Description>\n'
    return _rdf_xml(doctype, body)


def external_entity() -> bytes:
    doctype = '<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    body = '<rdf:Description rdf:about="http://example.org/a"><ex:p>&x;</ex:p></rdf:Description>\n'
    return _rdf_xml(doctype, body)


def parameter_entity() -> bytes:
    doctype = '<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
    return _rdf_xml(doctype, "")


def undeclared_entity() -> bytes:
    doctype = '<!DOCTYPE rdf:RDF SYSTEM "http://127.0.0.1:9/entities.dtd">'
    body = '<rdf:Description rdf:about="http://example.org/a"><ex:p>&x;</ex:p></rdf:Description>\n'
    return _rdf_xml(doctype, body)


def attribute_defaults() -> bytes:
    """A 100 KB attribute default copied into 10,000 elements: 1 GB from 250 KB."""
    doctype = f'<!DOCTYPE rdf:RDF [<!ATTLIST ex:p ex:q CDATA "{"A" * 100_000}">]>'
    body = '<rdf:Description rdf:about="http://example.org/a">' + "<ex:p>1</ex:p>" * 10_000
    return _rdf_xml(doctype, body + "</rdf:Description>\n")


def deep_rdf_xml() -> bytes:
    body = "<rdf:Description><ex:p>" * DEEP + "x" + "</ex:p></rdf:Description>" * DEEP
    return _rdf_xml("", body + "\n")


def deep_json_ld() -> bytes:
    return (
        '{"@id": "http://example.org/a", '
        + '"http://example.org/p": {' * DEEP
        + '"@value": "x"'
        + "}" * DEEP
        + "}\n"
    ).encode()


def deep_json_ld_lists() -> bytes:
    return (
        '{"@id": "http://example.org/a", "http://example.org/p": '
        + '{"@list": [' * DEEP
        + '"x"'
        + "]}" * DEEP
        + "}\n"
    ).encode()


def deep_turtle() -> bytes:
    return (_S + "[ <http://example.org/p> " * DEEP + "1" + " ]" * DEEP + " .\n").encode()


def deep_turtle_list() -> bytes:
    return (_S + "( " * DEEP + "1" + " )" * DEEP + " .\n").encode()


def deep_trig() -> bytes:
    return b"<http://example.org/g> { " + deep_turtle().rstrip() + b" }\n"


def deep_n3_formula() -> bytes:
    inner = "{ <http://example.org/a> <http://example.org/p> "
    return (_S + inner * DEEP + "1" + " }" * DEEP + " .\n").encode()


def big_turtle() -> bytes:
    """One literal of 50 MB (valid Turtle and N-Triples)."""
    return (_S + '"' + "x" * BIG + '" .\n').encode()


def big_long_string() -> bytes:
    return (
        '@prefix ex: <http://example.org/> .\nex:a ex:p """' + "x\n" * (BIG // 2) + '""" .\n'
    ).encode()


def big_rdf_xml() -> bytes:
    body = f'<rdf:Description rdf:about="http://example.org/a"><ex:p>{"x" * BIG}</ex:p></rdf:Description>\n'
    return _rdf_xml("", body)


def big_json_ld() -> bytes:
    return json.dumps({"@id": "http://example.org/a", "http://example.org/p": "x" * BIG}).encode()


def remote_context(url: str, form: str) -> bytes:
    """A JSON-LD document whose @context is ``url`` (``form``: string, array or @import)."""
    context: object = {"string": url, "array": [url], "import": {"@import": url}}[form]
    return json.dumps({"@context": context, "@id": "http://example.org/a", "name": "x"}).encode()


def _ftm(name: object) -> str:
    entity = {"id": "a", "schema": "Company", "properties": {"name": name}}
    return json.dumps(entity, ensure_ascii=False)


def deep_ftm() -> bytes:
    return (
        '{"id": "a", "schema": "Company", "properties": {"name": '
        + "[" * DEEP
        + '"x"'
        + "]" * DEEP
        + "}}\n"
    ).encode()


def deep_ftm_array() -> bytes:
    return ("[\n" + _ftm(["x"]) + ",\n" + "[" * DEEP + "]" * DEEP + "\n]\n").encode()


def deep_ocds() -> bytes:
    return ('{"releases": [' + '{"a": ' * DEEP + "1" + "}" * DEEP + "]}\n").encode()


def huge_number_ftm() -> bytes:
    """A number of 5,000 digits (Python refuses to convert it: ValueError, not a JSON error)."""
    entity = '{"id": "a", "schema": "Company", "properties": {"name": ["x"]}, "n": '
    return (entity + "1" * 5_000 + "}\n").encode()


def big_ftm() -> bytes:
    return (_ftm(["x" * BIG]) + "\n").encode()


def big_ocds() -> bytes:
    release = {"ocid": "ocds-1", "id": "1", "tender": {"title": "x" * BIG}}
    return json.dumps({"releases": [release]}).encode()


def big_csv_cell() -> bytes:
    return ("id,name,type\nacme," + "x" * BIG + ",Company\n").encode()


def latin1_csv() -> bytes:
    return "id,name,type\nacme,Café Ltd,Company\n".encode("latin-1")


def utf16_csv() -> bytes:
    return "id,name,type\nacme,Acme,Company\n".encode("utf-16")


def latin1_ftm() -> bytes:
    return (_ftm(["Acme"]) + "\n" + _ftm(["Café"]) + "\n").encode("latin-1")


def latin1_ocds() -> bytes:
    release = {"ocid": "ocds-1", "id": "1", "tender": {"title": "Café"}}
    return json.dumps({"releases": [release]}, ensure_ascii=False).encode("latin-1")
