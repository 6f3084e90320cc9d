"""Engine-neutral RDF terms and query results.

The store adapters convert their engine's terms into these, so that nothing above the store
layer imports pyoxigraph (or rdflib) to read a result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal as TypingLiteral

from supplychain_kg.namespaces import RDF, XSD

__all__ = [
    "IRI",
    "XSD_STRING",
    "BNode",
    "Literal",
    "Quad",
    "QueryKind",
    "Row",
    "Term",
    "term_to_python",
    "term_to_sparql",
]

XSD_STRING = XSD + "string"
RDF_LANGSTRING = RDF + "langString"


@dataclass(frozen=True, slots=True)
class IRI:
    """An IRI (named node)."""

    value: str

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class BNode:
    """A blank node, by its local label."""

    value: str

    def __str__(self) -> str:
        return f"_:{self.value}"


@dataclass(frozen=True, slots=True)
class Literal:
    """A literal with its lexical form, datatype IRI and optional language tag."""

    value: str
    datatype: str = XSD_STRING
    language: str | None = None

    def __str__(self) -> str:
        return self.value


Term = IRI | BNode | Literal
Row = dict[str, Term]
QueryKind = TypingLiteral["select", "ask", "graph"]


@dataclass(frozen=True, slots=True)
class Quad:
    """A triple in a graph (``graph`` None: the default graph)."""

    subject: IRI | BNode
    predicate: IRI
    object: Term
    graph: IRI | None = None

    def triple(self) -> tuple[IRI | BNode, IRI, Term]:
        return (self.subject, self.predicate, self.object)


_INTEGER_TYPES = {
    XSD + name
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
        "unsignedInt",
    )
}


def term_to_python(term: Term | None) -> str | int | float | bool | None:
    """Return a plain Python value for a term (IRIs and strings as ``str``).

    >>> term_to_python(Literal("3", XSD + "integer"))
    3
    """
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype in _INTEGER_TYPES:
            try:
                return int(term.value)
            except ValueError:
                return term.value
        if term.datatype in (XSD + "decimal", XSD + "double", XSD + "float"):
            try:
                return float(term.value)
            except ValueError:
                return term.value
        if term.datatype == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return term.value


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


def term_to_sparql(term: Term) -> str:
    """Write a term in SPARQL / N-Triples syntax.

    >>> term_to_sparql(Literal('say "hi"'))
    '"say \\\\"hi\\\\""'
    """
    if isinstance(term, IRI):
        return f"<{term.value}>"
    if isinstance(term, BNode):
        return f"_:{term.value}"
    text = f'"{_escape(term.value)}"'
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype != XSD_STRING:
        return f"{text}^^<{term.datatype}>"
    return text


def iter_values(rows: Iterator[Row], name: str) -> Iterator[Term]:
    """Yield the value bound to ``name`` in each row that binds it."""
    for row in rows:
        value = row.get(name)
        if value is not None:
            yield value
