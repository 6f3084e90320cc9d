"""What the engine answers to a query: :class:`OxigraphResult`, and its syntax errors as
:class:`~supplychain_kg.errors.QueryError`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import IO, Any

import pyoxigraph as ox

from supplychain_kg.errors import BadRequestError, QueryError, StoreError
from supplychain_kg.model import IRI, QueryKind, Row, Term
from supplychain_kg.store.bounds import capped
from supplychain_kg.store.oxigraph.formats import rdf_format, results_format
from supplychain_kg.store.oxigraph.terms import to_term

__all__ = ["OxigraphResult", "query_error"]


def query_error(exc: SyntaxError) -> QueryError:
    """The engine's syntax error in a query or update, shortened for a client."""
    message = str(exc.msg if exc.msg else exc)
    cut = message.find(", ['")  # the parser then lists Unicode character classes: drop them
    if cut > 0:
        message = message[:cut] + ", ..."
    if len(message) > 240:
        message = message[:240].rsplit(",", 1)[0] + ", ..."
    return QueryError(f"SPARQL syntax error: {message}")


class OxigraphResult:
    """A query answer from Oxigraph (see :class:`supplychain_kg.store.QueryResult`)."""

    def __init__(self, raw: Any) -> None:
        """``raw``: the engine's answer, or a list of triples (a graph read elsewhere)."""
        self._raw = raw
        self.variables: list[str] = []
        self.boolean = False
        self.kind: QueryKind
        if isinstance(raw, ox.QuerySolutions):
            self.kind = "select"
            self.variables = [v.value for v in raw.variables]
        elif isinstance(raw, ox.QueryBoolean):
            self.kind = "ask"
            self.boolean = bool(raw)
        else:
            self.kind = "graph"

    def rows(self) -> Iterator[Row]:
        if self.kind != "select":
            raise BadRequestError(f"a {self.kind} result has no rows")
        names = self.variables
        named = ox.NamedNode
        try:
            for solution in self._raw:
                row: Row = {}
                for name, value in zip(names, solution, strict=True):
                    if value is not None:  # IRIs first: most values are
                        row[name] = IRI(value.value) if type(value) is named else to_term(value)
                yield row
        except OSError as exc:
            raise StoreError(f"the query failed while reading its answer: {exc}") from None

    def triples(self) -> Iterator[tuple[Term, Term, Term]]:
        if self.kind != "graph":
            raise BadRequestError(f"a {self.kind} result has no triples")
        for triple in self._raw:
            yield (to_term(triple.subject), to_term(triple.predicate), to_term(triple.object))

    def serialize(
        self,
        media_type: str,
        output: IO[bytes] | None = None,
        *,
        limit: int | None = None,
        deadline: float | None = None,
    ) -> bytes | None:
        if self.kind == "graph":
            fmt = rdf_format(media_type)
            if isinstance(self._raw, list):  # a graph read from another engine
                triples = list(capped(self._raw, limit or sys.maxsize, deadline, "graph"))
                return ox.serialize(triples, output, fmt)
            if limit is None and deadline is None:
                data: bytes | None = self._raw.serialize(output, fmt)
                return data
            triples = list(capped(self._raw, limit or sys.maxsize, deadline, "graph"))
            return ox.serialize(triples, output, fmt)
        return self._raw.serialize(output, results_format(media_type))  # type: ignore[no-any-return]
