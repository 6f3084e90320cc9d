"""XML (RDF/XML) read by a real parser before the engine sees it: entities refused, depth and
text length bounded.

The engine's RDF/XML parser expands entities declared in the document's DOCTYPE: a 1 KB
"billion laughs" file grows to gigabytes before it fails. Here the stdlib's expat reads the
file first, streaming (constant memory), with the handlers defusedxml installs
(defusedxml/expatreader.py, common.py): any entity declaration, internal or external, general
or parameter, parsed or unparsed, and any reference to an external entity stops the parse
with an error. A DOCTYPE without entities is allowed; external DTDs are never read (expat
parses no parameter entities here), and neither are attribute defaults (an ATTLIST default is
copied into every element it names: another way to amplify). The same pass bounds the element depth and the length of
every text run and attribute value (the literals of RDF/XML), and of ``rdf:parseType="Literal"``
content.
"""

from __future__ import annotations

from typing import IO
from xml.parsers import expat

from supplychain_kg.errors import ParseError
from supplychain_kg.ingest.guards.limits import Limits, refuse_long, refuse_nesting, utf8_size

__all__ = ["check_xml"]

_CHUNK = 1 << 16
_PARSE_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns# parseType"


class _RefusedError(Exception):
    def __init__(self, error: ParseError) -> None:
        super().__init__(str(error))
        self.error = error


class _XmlGuard:
    """expat's handlers: refuse entities, count depth and text."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name = name
        self.limits = limits
        self.depth = 0
        self.run = 0  # UTF-8 bytes of the text since the last tag
        self.run_start = (0, 0)
        self.literals: list[list[int]] = []  # [depth, first byte] of parseType="Literal"s
        self.parser = parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        parser.EntityDeclHandler = self.entity
        parser.UnparsedEntityDeclHandler = self.unparsed
        parser.ExternalEntityRefHandler = self.external
        parser.SkippedEntityHandler = self.skipped
        parser.AttlistDeclHandler = self.attributes

    def where(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def refuse(self, message: str) -> _RefusedError:
        line, column = self.where()
        return _RefusedError(ParseError(message, path=self.name, line=line, column=column))

    def entity(self, name: str, parameter: bool, *_: object) -> None:
        kind = "parameter entity" if parameter else "entity"
        raise self.refuse(
            f"the DOCTYPE declares the {kind} {name!r}; entity declarations are refused "
            "(they can expand a small file into gigabytes, or read local files): write the "
            "values out in full"
        )

    def unparsed(self, name: str, *_: object) -> None:
        raise self.refuse(f"the DOCTYPE declares the unparsed entity {name!r}; refused")

    def external(
        self, context: str | None, base: str | None, system: str | None, *_: object
    ) -> int:
        raise self.refuse(f"a reference to the external entity {system!r}; refused")

    def attributes(
        self, element: str, name: str, kind: str, default: str | None, required: bool
    ) -> None:
        if default is not None:
            raise self.refuse(
                f"the DOCTYPE gives the attribute {name!r} of {element!r} a default value; "
                "refused (it would be copied into every such element)"
            )

    def skipped(self, name: str, parameter: bool) -> None:
        raise self.refuse(f"a reference to the undeclared entity {name!r}; refused")

    def mark(self, index: int) -> None:
        """Where the content of the innermost XML literal starts, if it starts here."""
        if self.literals and self.literals[-1][1] < 0:
            self.literals[-1][1] = index

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.mark(self.parser.CurrentByteIndex)
        self.depth += 1
        self.run = 0
        self.run_start = self.where()
        if self.depth > self.limits.max_nesting:
            raise _RefusedError(refuse_nesting(self.name, self.where(), self.limits.max_nesting))
        limit = self.limits.max_literal_bytes
        for value in attributes.values():
            if len(value) * 4 > limit and (size := utf8_size(value)) > limit:
                raise self.long("an attribute value", size, self.where())
        if attributes.get(_PARSE_TYPE) == "Literal":
            self.literals.append([self.depth, -1])

    def end(self, tag: str) -> None:
        index = self.parser.CurrentByteIndex
        self.mark(index)
        if self.literals and self.literals[-1][0] == self.depth:
            _, start = self.literals.pop()
            size = index - start
            if size > self.limits.max_literal_bytes:
                raise self.long("an XML literal", size, self.where())
        self.depth -= 1
        self.run = 0
        self.run_start = self.where()

    def text(self, data: str) -> None:
        size = utf8_size(data)
        self.mark(self.parser.CurrentByteIndex - size)  # buffered text: reported at its end
        self.run += size
        if self.run > self.limits.max_literal_bytes:
            raise self.long("the text after the tag here", None, self.run_start)

    def long(self, what: str, size: int | None, at: tuple[int, int]) -> _RefusedError:
        limit = self.limits.max_literal_bytes
        return _RefusedError(refuse_long(self.name, at, what, size, limit))


def check_xml(stream: IO[bytes], name: str, limits: Limits) -> None:
    """Read an XML document from ``stream`` with entities refused and depth and text length
    bounded. Raises ParseError (file, line, column) for a refusal or ill-formed XML.

    >>> import io
    >>> check_xml(io.BytesIO(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'), "a.rdf", Limits())
    Traceback (most recent call last):
    ...
    supplychain_kg.errors.ParseError: a.rdf:1:25: the DOCTYPE declares the entity 'x'; ...
    """
    guard = _XmlGuard(name, limits)
    parser = guard.parser
    try:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _RefusedError as exc:
        raise exc.error from None
    except expat.ExpatError as exc:
        raise ParseError(
            f"not well-formed XML: {expat.ErrorString(exc.code)}",
            path=name,
            line=exc.lineno,
            column=exc.offset + 1,
        ) from None
