"""Recognising the SELECT queries the graph index answers (see ``index.py``).

The graph index answers a strict subset of SPARQL from the in-memory projection of claimed
relations; :func:`parse_plan` turns a query in that subset into a :class:`Plan` and returns
None for anything else (the query then goes to Oxigraph unchanged). The subset:

- an optional prologue of ``BASE`` and ``PREFIX`` declarations (absolute IRIs);
- ``SELECT [DISTINCT]`` with plain variables, or exactly one ``(COUNT([DISTINCT] ?v) AS ?n)``
  or ``(COUNT(*) AS ?n)``; no ``SELECT *``, no ``FROM``;
- ``[WHERE] { ... }`` holding only triple patterns joined by ``.``, ``;`` and ``,``, whose
  subjects and objects are variables or absolute IRIs (``<...>`` or prefixed names) and whose
  predicates are claimed relations, sequences of them (``/``), inverses (``^``) and
  one-or-more (``+``) or zero-or-more (``*``) paths of one relation;
- an optional ``LIMIT n`` at the end (n at most 2^64 - 1, as Oxigraph reads it).

Everything else falls back: ``FILTER``, ``OPTIONAL``, ``UNION``, ``GRAPH``, ``VALUES``,
``ORDER BY``, ``GROUP BY``, ``OFFSET``, sub-queries, literals, blank nodes, ``a``, variable
predicates, relations that are not claimed relations, ``?``/``|``/``!`` paths, relative IRIs
and escapes. A sequence path ``X p/q Y`` becomes two patterns joined on a hidden variable,
as the SPARQL algebra translates it (so it keeps one row per intermediate node).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from supplychain_kg.sparql.lexer import Token, iter_tokens

__all__ = ["Atom", "Count", "Plan", "parse_plan"]

_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_DIGITS = re.compile(r"[0-9]+")
_OUTSIDE = re.compile(
    r"\b(?:UNION|OPTIONAL|FILTER|GRAPH|VALUES|ORDER|GROUP|BIND|SERVICE|MINUS|OFFSET|HAVING"
    r"|FROM|EXISTS|ASK|CONSTRUCT|DESCRIBE)\b|[\"'\[]",
    re.IGNORECASE,
)
_MAX_LIMIT = 2**64 - 1
"""The largest LIMIT Oxigraph accepts (an unsigned 64-bit count); a larger one is a syntax
error there, so such a query is left to it."""
_HIDDEN = " path"
"""Prefix of the hidden variables a sequence path introduces (no query variable has a space)."""


@dataclass(frozen=True, slots=True)
class Atom:
    """One pattern ``subject relation object`` (``closure`` "+"/"*" for a path of it).

    Each end is ``("var", name)`` or ``("iri", value)``.
    """

    subject: tuple[str, str]
    relation: str
    obj: tuple[str, str]
    closure: str | None = None


@dataclass(frozen=True, slots=True)
class Count:
    """``(COUNT([DISTINCT] ?var|*) AS ?alias)``; ``var`` None for ``*``."""

    alias: str
    var: str | None
    distinct: bool


@dataclass(frozen=True, slots=True)
class Plan:
    """A recognised query: what to project, the patterns, DISTINCT, COUNT and LIMIT."""

    variables: tuple[str, ...]
    atoms: tuple[Atom, ...]
    distinct: bool = False
    count: Count | None = None
    limit: int | None = None

    @property
    def relations(self) -> frozenset[str]:
        return frozenset(atom.relation for atom in self.atoms)


class _UnsupportedError(Exception):
    """The query is outside the subset."""


def parse_plan(text: str, relations: frozenset[str]) -> Plan | None:
    """The plan for ``text`` if it is in the subset and uses only ``relations``, else None."""
    if text.count("{") != 1 or _OUTSIDE.search(text):
        return None  # at a glance: a group, a keyword or a literal the subset has not
    try:
        return _Parser(text, relations).query()
    except (_UnsupportedError, StopIteration):
        return None


class _Parser:
    def __init__(self, text: str, relations: frozenset[str]) -> None:
        self._tokens: Iterator[Token] = iter_tokens(text)
        self._ahead: Token | None = None
        self._relations = relations
        self._prefixes: dict[str, str] = {}
        self._atoms: list[Atom] = []
        self._hidden = 0

    # -- tokens ----------------------------------------------------------------------------

    def _peek(self) -> Token | None:
        if self._ahead is None:
            self._ahead = next(self._tokens, None)
        return self._ahead

    def _next(self) -> Token:
        token = self._peek()
        if token is None:
            raise _UnsupportedError
        self._ahead = None
        return token

    def _is(self, text: str) -> bool:
        token = self._peek()
        return token is not None and (token.text == text or token.word() == text)

    def _expect(self, text: str) -> None:
        if not self._is(text):
            raise _UnsupportedError
        self._next()

    # -- query -----------------------------------------------------------------------------

    def query(self) -> Plan:
        while self._is("PREFIX") or self._is("BASE"):
            self._declaration()
        self._expect("SELECT")
        distinct = self._is("DISTINCT")
        if distinct:
            self._next()
        variables, count = self._projection()
        if self._is("WHERE"):
            self._next()
        self._expect("{")
        self._group()
        limit = self._limit()
        if self._peek() is not None:
            raise _UnsupportedError
        visible = {a.subject[1] for a in self._atoms if a.subject[0] == "var"}
        visible |= {a.obj[1] for a in self._atoms if a.obj[0] == "var"}
        if count is not None and count.alias in visible:
            raise _UnsupportedError  # an error in SPARQL: the engine says so
        if count is not None and count.var is None and count.distinct and self._hidden:
            raise _UnsupportedError  # COUNT(DISTINCT *) over hidden path variables: not ours
        return Plan(tuple(variables), tuple(self._atoms), distinct, count, limit)

    def _declaration(self) -> None:
        word = self._next().word()
        if word == "BASE":
            self._iri_token(self._next())
            return
        name = self._next()
        if name.kind != "pname" or not name.text.endswith(":") or name.text.count(":") != 1:
            raise _UnsupportedError
        self._prefixes[name.text[:-1]] = self._iri_token(self._next())

    def _projection(self) -> tuple[list[str], Count | None]:
        variables: list[str] = []
        while (token := self._peek()) is not None and token.kind == "var":
            variables.append(self._next().text[1:])
        if variables:
            if len(set(variables)) != len(variables):
                raise _UnsupportedError
            return variables, None
        self._expect("(")
        self._expect("COUNT")
        self._expect("(")
        distinct = self._is("DISTINCT")
        if distinct:
            self._next()
        token = self._next()
        if token.kind == "var":
            var: str | None = token.text[1:]
        elif token.text == "*":
            var = None
        else:
            raise _UnsupportedError
        self._expect(")")
        self._expect("AS")
        alias = self._next()
        if alias.kind != "var":
            raise _UnsupportedError
        self._expect(")")
        return [alias.text[1:]], Count(alias.text[1:], var, distinct)

    def _limit(self) -> int | None:
        if not self._is("LIMIT"):
            return None
        self._next()
        digits = self._next()
        text, end = digits.text, digits.start + len(digits.text)
        while (token := self._peek()) is not None and token.start == end and token.text.isdigit():
            text += self._next().text
            end += 1
        if not _DIGITS.fullmatch(text) or int(text) > _MAX_LIMIT:
            raise _UnsupportedError  # past the engine's bound: it refuses the query (400)
        return int(text)

    # -- patterns --------------------------------------------------------------------------

    def _group(self) -> None:
        while not self._is("}"):
            subject = self._term()
            self._property_list(subject)
            if self._is("."):
                self._next()
            elif not self._is("}"):
                raise _UnsupportedError
        self._next()
        if not self._atoms:
            raise _UnsupportedError

    def _property_list(self, subject: tuple[str, str]) -> None:
        while True:
            path = self._path()
            self._emit(subject, path, self._term())
            while self._is(","):
                self._next()
                self._emit(subject, path, self._term())
            if not self._is(";"):
                return
            while self._is(";"):
                self._next()
            if self._is(".") or self._is("}"):
                return

    def _path(self) -> list[tuple[str, bool, str | None]]:
        steps = [self._step()]
        while self._is("/"):
            self._next()
            steps.append(self._step())
        return steps

    def _step(self) -> tuple[str, bool, str | None]:
        inverse = self._is("^")
        if inverse:
            self._next()
        token = self._next()
        if token.kind not in ("iri", "pname"):
            raise _UnsupportedError
        relation = self._iri_token(token)
        if relation not in self._relations:
            raise _UnsupportedError
        modifier = None
        ahead = self._peek()
        if ahead is not None and ahead.kind == "other" and ahead.text in "+*":
            modifier = self._next().text
        return relation, inverse, modifier

    def _emit(
        self,
        subject: tuple[str, str],
        path: list[tuple[str, bool, str | None]],
        obj: tuple[str, str],
    ) -> None:
        ends = [subject]
        for _ in path[:-1]:
            self._hidden += 1
            ends.append(("var", f"{_HIDDEN}{self._hidden}"))
        ends.append(obj)
        for (relation, inverse, modifier), left, right in zip(
            path, ends[:-1], ends[1:], strict=True
        ):
            pair = (right, left) if inverse else (left, right)
            self._atoms.append(Atom(pair[0], relation, pair[1], modifier))

    def _term(self) -> tuple[str, str]:
        token = self._next()
        if token.kind == "var":
            return ("var", token.text[1:])
        if token.kind in ("iri", "pname"):
            return ("iri", self._iri_token(token))
        raise _UnsupportedError

    def _iri_token(self, token: Token) -> str:
        if token.kind == "iri":
            value = token.text[1:-1]
        elif token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix not in self._prefixes or "\\" in local:
                raise _UnsupportedError
            value = self._prefixes[prefix] + local
        else:
            raise _UnsupportedError
        if "\\" in value or not _ABSOLUTE.match(value):
            raise _UnsupportedError
        return value
