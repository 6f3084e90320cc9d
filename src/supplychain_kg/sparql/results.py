"""SPARQL query results writers (JSON, XML, CSV, TSV) over engine-neutral rows.

Rows are written one at a time, so a row cap and a deadline are checked between rows (see
:func:`capped`), and nothing larger than the cap is ever held in memory.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable
from typing import Any, TypeVar
from xml.sax.saxutils import escape, quoteattr

from supplychain_kg.csvsafe import spreadsheet_safe
from supplychain_kg.errors import QueryTimeoutError
from supplychain_kg.model import IRI, XSD_STRING, BNode, Row, Term, term_to_sparql
from supplychain_kg.store import capped, too_large

__all__ = [
    "CSV",
    "JSON",
    "RESULTS_MEDIA_TYPES",
    "TSV",
    "XML",
    "BoundedBuffer",
    "BufferFullError",
    "capped",
    "count_rows",
    "too_large",
    "write_boolean",
    "write_rows",
]

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
RESULTS_MEDIA_TYPES = (JSON, XML, CSV, TSV)
_NS = "http://www.w3.org/2005/sparql-results#"
T = TypeVar("T")


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, IRI):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype != XSD_STRING:
        out["datatype"] = term.datatype
    return out


def _xml_term(term: Term) -> str:
    if isinstance(term, IRI):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _csv_field(term: Term | None) -> str:
    """A CSV results cell: the term's value, safe to open in a spreadsheet (csvsafe.py)."""
    if term is None:
        return ""
    text = f"_:{term.value}" if isinstance(term, BNode) else spreadsheet_safe(term.value)
    if any(c in text for c in '",\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv_field(term: Term | None) -> str:
    """A TSV results cell: the term in SPARQL syntax (which escapes tabs and newlines)."""
    return "" if term is None else term_to_sparql(term)


def write_rows(variables: list[str], rows: Iterable[Row], media_type: str) -> bytes:
    """Write a SELECT answer in ``media_type`` (one of RESULTS_MEDIA_TYPES)."""
    if media_type == JSON:
        bindings = [{k: _json_term(v) for k, v in row.items()} for row in rows]
        doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    if media_type == XML:
        parts = [f'<?xml version="1.0"?>\n<sparql xmlns="{_NS}"><head>']
        parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
        parts.append("</head><results>")
        for row in rows:
            parts.append("<result>")
            parts += [
                f"<binding name={quoteattr(k)}>{_xml_term(v)}</binding>" for k, v in row.items()
            ]
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode()
    if media_type == CSV:
        lines = [",".join(variables)]
        lines += [",".join(_csv_field(row.get(v)) for v in variables) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    if media_type == TSV:
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join(_tsv_field(row.get(v)) for v in variables) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"not a SPARQL results media type: {media_type!r}")


def write_boolean(value: bool, media_type: str) -> bytes:
    """Write an ASK answer in ``media_type`` (JSON or XML; CSV/TSV write one ``_askResult``)."""
    word = "true" if value else "false"
    if media_type == JSON:
        return json.dumps({"head": {}, "boolean": value}).encode()
    if media_type == XML:
        return (
            f'<?xml version="1.0"?>\n<sparql xmlns="{_NS}"><head/><boolean>{word}</boolean>'
            "</sparql>\n"
        ).encode()
    if media_type == CSV:
        return f"_askResult\r\n{word}\r\n".encode()
    if media_type == TSV:
        return f"?_askResult\n{word}\n".encode()
    raise ValueError(f"not a SPARQL results media type: {media_type!r}")


class BufferFullError(Exception):
    """Raised by :class:`BoundedBuffer` when a write would pass its limit."""


class BoundedBuffer(io.RawIOBase):
    """A write-only in-memory buffer that refuses to grow past ``limit`` bytes.

    With a ``deadline`` (a ``time.monotonic()`` value) every write past it raises
    QueryTimeoutError: an engine writing its answer into the buffer (every few kilobytes) is
    stopped there.
    """

    def __init__(self, limit: int, deadline: float | None = None) -> None:
        super().__init__()
        self.limit = limit
        self.deadline = deadline
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeoutError("the query ran past its time limit and was stopped")
        chunk = bytes(data)
        self.size += len(chunk)
        if self.size > self.limit:
            raise BufferFullError
        self.parts.append(chunk)
        return len(chunk)

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def count_rows(body: bytes, media_type: str) -> int:
    """How many rows a serialized SELECT answer holds (exactly, whatever its literals hold)."""
    if media_type == JSON:
        return len(json.loads(body)["results"]["bindings"])
    if media_type == XML:  # "<" is always escaped in text, so these are elements
        return body.count(b"<result>") + body.count(b"<result/>")
    if media_type == TSV:  # newlines in values are escaped
        return max(0, len(body.splitlines()) - 1)
    if media_type == CSV:
        return max(0, sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1)
    raise ValueError(f"not a SPARQL results media type: {media_type!r}")
