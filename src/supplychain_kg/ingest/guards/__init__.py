"""Checks an input file must pass before a parser sees it: bounded nesting, bounded literals,
no entity expansion.

The engine's parsers (Rust) are fast but trusting: RDF/XML expands the entities a DOCTYPE
declares (a 1 KB file takes gigabytes), JSON-LD recurses until the process crashes, and a
literal past 16 MiB ends in MemoryError. :func:`check_rdf_input` reads an RDF document once,
streaming, with a scanner that knows its syntax (expat for RDF/XML, a JSON scanner for
JSON-LD, a Turtle scanner for the Turtle family), and refuses it with a ParseError naming the
file, line and column, and the setting that bounds it. The importers' JSON and CSV readers use
the same :class:`Limits` (``jsonscan.JsonScanner``).
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from supplychain_kg.errors import ParseError
from supplychain_kg.ingest.guards.jsonscan import JsonScanner
from supplychain_kg.ingest.guards.limits import Limits
from supplychain_kg.ingest.guards.turtlescan import TurtleScanner
from supplychain_kg.ingest.guards.xmlscan import check_xml

__all__ = ["JsonScanner", "Limits", "check_rdf_input"]

_DEFAULTS = Limits()
_LINE_SYNTAXES = ("application/n-triples", "application/n-quads", "text/plain")


def check_rdf_input(
    source: Path | bytes,
    media_type: str,
    *,
    name: str,
    max_nesting: int = _DEFAULTS.max_nesting,
    max_literal_bytes: int = _DEFAULTS.max_literal_bytes,
) -> bool:
    """Run every check an RDF document must pass before it is parsed (a file or a body);
    return whether it may hold blank nodes (False only for N-Triples and N-Quads without
    ``_:``, their only blank-node syntax).

    ``media_type`` picks the syntax: RDF/XML (any ``xml`` type), JSON-LD (any ``json``
    type), else the Turtle family (Turtle, TriG, N3, N-Triples, N-Quads). ``name`` is what
    errors call the document (a path, or e.g. "the request body"). Reads the document once,
    streaming; memory stays within one block (or the longest line of a JSON-LD document).

    Raises ParseError (name, line, column) for nesting deeper than ``max_nesting``
    (SKG_MAX_NESTING), a literal, IRI or JSON string longer than ``max_literal_bytes`` UTF-8
    bytes (SKG_MAX_LITERAL_BYTES), an XML entity declaration or reference, or ill-formed XML.
    Other syntax errors are left to the parser.

    >>> check_rdf_input(b'<a> <b> [ <c> [ <d> 1 ] ] .', "text/turtle", name="body", max_nesting=1)
    Traceback (most recent call last):
    ...
    supplychain_kg.errors.ParseError: body:1:15: nested deeper than 1 levels; ...
    """
    limits = Limits(max_nesting, max_literal_bytes)
    kind = media_type.partition(";")[0].strip().lower()
    with _opened(source, name) as stream:
        if "xml" in kind:
            check_xml(stream, name, limits)
        elif "json" in kind:
            scanner = JsonScanner(name, limits)
            for text in _chunks(stream, limits):
                scanner.feed(text)
            scanner.finish()
        else:
            lines = kind in _LINE_SYNTAXES
            turtle = TurtleScanner(name, limits, nesting=not lines)
            for _, text in _blocks(stream, limits):
                turtle.block(text)
            return turtle.blank_label or not lines
    return True


@contextmanager
def _opened(source: Path | bytes, name: str) -> Iterator[IO[bytes]]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(source)
        return
    try:
        handle = open(source, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror}", path=name) from exc
    with handle:
        yield handle


def _blocks(stream: IO[bytes], limits: Limits) -> Iterator[tuple[int, str]]:
    """(first line number, text) of blocks of whole lines, each about an eighth of the
    literal limit (so that a block holding no long line can hold no long literal)."""
    size = max(1 << 14, limits.max_literal_bytes // 8)
    line = 1
    while data := stream.read(size):
        if not data.endswith(b"\n"):
            data += stream.readline()
        text = data.decode("utf-8", "replace")
        yield line, text
        line += text.count("\n")


def _chunks(stream: IO[bytes], limits: Limits) -> Iterator[str]:
    """The text in chunks of about an eighth of the literal limit."""
    size = max(1 << 14, limits.max_literal_bytes // 8)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    while data := stream.read(size):
        yield decoder.decode(data)
    yield decoder.decode(b"", final=True)
