"""Nesting depth and term length of Turtle-family text (Turtle, TriG, N3, N-Triples, N-Quads).

Counted before the engine parses the file, by a scanner that knows the syntax's strings (short
and long, single and double quotes, escapes), IRIs, comments and escaped characters in local
names: only brackets outside them nest (``[ ]`` blank-node property lists, ``( )``
collections, ``{ }`` graphs and formulas, ``<< >>`` quoted triples). A literal or IRI longer
than the limit is refused too (the engine's lexer ends in MemoryError past 16 MiB).

The text comes in blocks of whole lines. A block without long-string quotes, too short for any
term in it to pass the limit, and without enough brackets to pass the nesting limit is judged
by counts on a copy with its strings, IRIs and comments removed (C-speed regular expressions);
any other block is walked token by token. Linear time; memory of one block.
"""

from __future__ import annotations

import re

from supplychain_kg.ingest.guards.limits import (
    Limits,
    Position,
    deepest,
    refuse_long,
    refuse_nesting,
    utf8_size,
)

__all__ = ["TurtleScanner"]

_SHORT = (
    r'"(?:[^"\\\r\n]++|\\.)*+\\?(?:"|(?=[\r\n])|\Z)'
    r"|'(?:[^'\\\r\n]++|\\.)*+\\?(?:'|(?=[\r\n])|\Z)"
)
_IRI = r'<(?:[^<>"{}|^`\\\x00-\x20]++|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>'
_COMMENT = r"\#[^\r\n]*+"
_ESCAPE = r"\\."
_NEST = r"<<|>>|[\[\](){}]"
# what a skeleton leaves out (long strings are walked)
_SKELETON = re.compile(f"{_SHORT}|{_IRI}|{_COMMENT}|{_ESCAPE}")
_TOKENS = re.compile(
    f"(?P<long>\"\"\"|''')|(?P<nest>{_NEST})|(?P<term>{_SHORT}|{_IRI})|{_COMMENT}|{_ESCAPE}"
)
# the rest of a long string after its opening quotes: up to the closing quotes (a run of three
# to five: the string may end in one or two quotes), or to the end of the text
_LONG_END = {
    q: re.compile(f"(?:[^{q}\\\\]++|\\\\.|{q}(?!{q}{q}))*+(?P<close>{q}{q}{q}(?:{q}{q}?)?)?", re.S)
    for q in "\"'"
}
_UCHAR = re.compile(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}|\\.", re.S)
_OPENERS = frozenset(("[", "(", "{", "<<"))
_BRACKETS = ("[", "(", "{", "]", ")", "}", "<<", ">>")


class TurtleScanner:
    """Feed it a Turtle-family document in blocks of whole lines, in order.

    Raises ParseError naming the file, line and column of a nesting deeper than
    ``limits.max_nesting``, or of a literal or IRI longer than ``limits.max_literal_bytes``
    (in UTF-8 bytes, escapes decoded).

    >>> scanner = TurtleScanner("x.ttl", Limits(max_nesting=2))
    >>> scanner.block('<a> <b> "[[[" ; <c> [ <d> ( 1 ) ] .  # [[[\\n')
    >>> scanner.block("<a> <b> [ <c> [ <d> [ ] ] ] .\\n")
    Traceback (most recent call last):
    ...
    supplychain_kg.errors.ParseError: x.ttl:2:21: nested deeper than 2 levels; the limit is set by SKG_MAX_NESTING
    """

    def __init__(self, name: str, limits: Limits, *, nesting: bool = True) -> None:
        self.name = name
        self.limits = limits
        self.nesting = nesting
        """False for N-Triples and N-Quads, which do not nest: only long lines are walked."""
        self.line = 1
        """The line the next block starts on."""
        self.depth = 0
        self.long: str | None = None
        """The quote character of the long string the last block ended in, if it did."""
        self.long_size = 0
        self.long_start = (0, 0)
        self.blank_label = False
        """Whether ``_:`` occurred (anywhere, a literal included) in the blocks so far."""

    def block(self, text: str) -> None:
        """Check one block of whole lines."""
        self.blank_label = self.blank_label or "_:" in text
        start = self._resume(text, 0) if self.long is not None else 0
        if start < len(text):
            quick = (
                "'''" not in text
                and '"""' not in text
                and len(text) * 4 <= self.limits.max_literal_bytes
            )
            if not (quick and self._counted(text, start)):
                self._walk(text, start)
        self.line += text.count("\n")

    def _at(self, text: str, index: int) -> tuple[int, int]:
        return Position(self.name, self.line).at(text, index)

    def _counted(self, text: str, start: int) -> bool:
        """Judge a block by counts; False if it must be walked."""
        if not self.nesting or not any(c in text for c in _BRACKETS):
            return True
        skeleton = _SKELETON.sub("", text[start:] if start else text)
        top, change = deepest(skeleton.replace("<<", "(").replace(">>", ")"))
        if self.depth + top > self.limits.max_nesting:
            return False
        self.depth = max(0, self.depth + change)
        return True

    def _walk(self, text: str, start: int) -> None:
        """Token by token from ``start``: refuse at the token that passes a limit."""
        limit, size_limit = self.limits.max_nesting, self.limits.max_literal_bytes
        position = start
        while position < len(text):
            for match in _TOKENS.finditer(text, position):
                kind = match.lastgroup
                if kind == "nest":
                    if match.group() in _OPENERS:
                        self.depth += 1
                        if self.depth > limit:
                            raise refuse_nesting(self.name, self._at(text, match.start()), limit)
                    else:
                        self.depth = max(0, self.depth - 1)
                elif kind == "term":
                    if len(match.group()) * 4 > size_limit:
                        self._term(text, match.start(), match.group())
                elif kind == "long":
                    self.long = match.group()[0]
                    self.long_size = 0
                    self.long_start = self._at(text, match.start())
                    position = self._resume(text, match.end())
                    break
            else:
                return

    def _resume(self, text: str, start: int) -> int:
        """Go on with a long string from ``start``; return where it ends (or ``len(text)``)."""
        assert self.long is not None
        match = _LONG_END[self.long].match(text, start)
        assert match is not None  # the pattern matches the empty string
        close = match.group("close") or ""
        body = match.group()[: len(match.group()) - len(close)]
        self.long_size += _decoded_size(body) + max(0, len(close) - 3)
        limit = self.limits.max_literal_bytes
        if self.long_size > limit:
            size = self.long_size if close else None  # else: more to come
            raise refuse_long(self.name, self.long_start, "a literal", size, limit)
        if close:
            self.long = None
        return match.end()

    def _term(self, text: str, index: int, token: str) -> None:
        limit = self.limits.max_literal_bytes
        size = _decoded_size(token[1:-1])
        if size > limit:
            what = "an IRI" if token.startswith("<") else "a literal"
            raise refuse_long(self.name, self._at(text, index), what, size, limit)


def _decoded_size(body: str) -> int:
    """UTF-8 bytes of a string's or IRI's content, its escapes decoded."""
    size = utf8_size(body)
    if "\\" not in body:
        return size
    for match in _UCHAR.finditer(body):
        escape = match.group()
        if escape[1] in "uU":
            try:
                code = chr(int(escape[2:], 16))
            except (ValueError, OverflowError):
                continue
            size -= len(escape) - utf8_size(code)
        else:
            size -= 1
    return size
