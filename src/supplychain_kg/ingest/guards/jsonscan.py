"""Nesting depth and string length of JSON text, counted before a parser sees it.

Python's ``json`` recurses (RecursionError some thousand levels down) and the engine's JSON-LD
parser crashes the process on 10,000 nested objects, so the depth is counted first, by a
scanner that knows JSON strings and their escapes: a bracket inside a string is not nesting.
Text comes in chunks of any size (a minified document is one long line). Each chunk is judged
by counts on a copy with its strings removed (C-speed regular expressions); only a chunk whose
brackets could pass the limit is walked bracket by bracket, to name the one that does. A
string may run on from one chunk into the next; a string cut by a line break is broken JSON,
which the parser reports there (nothing after it is parsed). Linear time.
"""

from __future__ import annotations

import re

from supplychain_kg.ingest.guards.limits import (
    Limits,
    deepest,
    refuse_long,
    refuse_nesting,
    utf8_size,
)

__all__ = ["JsonScanner"]

_BODY = r'(?:[^"\\\r\n]++|\\.)*+'
# a string (one cut by a line break ends there: the parser stops at it)
_STRINGS = re.compile(f'"{_BODY}(?:"|(?=[\\r\\n])|\\Z)')
_TOKENS = re.compile(f'"{_BODY}(?:"|(?=[\\r\\n])|\\Z)|[\\[\\]{{}}]')
_REST = re.compile(_BODY)
_PAIRS = re.compile(r"\\.", re.S)
# the last quote not escaped (preceded by an even number of backslashes)
_LAST_QUOTE = re.compile(r'(?s:.*)(?<!\\)(?:\\\\)*(")')
_ESCAPES = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.", re.S
)


class JsonScanner:
    """Feed it one JSON text in order, in chunks of any size; or, with ``carry=False``, JSON
    lines: each chunk one or more whole JSON texts, starting afresh.

    Raises ParseError naming the file, line and column of a nesting deeper than
    ``limits.max_nesting`` or of a string longer than ``limits.max_literal_bytes`` (UTF-8
    bytes of its value, escapes decoded).

    >>> scanner = JsonScanner("x.json", Limits(max_nesting=2))
    >>> scanner.feed('{"a": "[[[["}\\n{"a": [')
    >>> scanner.feed('[1]]}\\n')
    Traceback (most recent call last):
    ...
    supplychain_kg.errors.ParseError: x.json:2:8: nested deeper than 2 levels; the limit is set by SKG_MAX_NESTING
    """

    def __init__(self, name: str, limits: Limits, *, carry: bool = True) -> None:
        self.name = name
        self.limits = limits
        self.carry = carry
        self.depth = 0
        self.line = 1
        """The line the next chunk starts on; ``column``: the column before its first character."""
        self.column = 0
        self.open = False
        """Whether the last chunk ended inside a string (``size`` bytes so far, from ``start``)."""
        self.size = 0
        self.start = (0, 0)
        self.held = ""
        """The end of the last chunk, held back: it may be a cut escape sequence."""

    def block(self, text: str, line: int) -> None:
        """Check whole lines of text, the first of them line ``line`` of the file."""
        self.line, self.column = line, 0
        if not self.carry:
            self.depth, self.open = 0, False
        self.feed(text)
        self.finish()

    def feed(self, text: str) -> None:
        """Check the next chunk of the text (cut anywhere: an escape sequence cut at its end
        waits for the rest)."""
        text = self.held + text
        cut = text.rfind("\\", max(0, len(text) - 6))
        while cut > 0 and text[cut - 1] == "\\":
            cut -= 1
        if cut < 0:
            self.held = ""
        else:
            text, self.held = text[:cut], text[cut:]
        self._check(text)

    def finish(self) -> None:
        """At the end of the text: check what :meth:`feed` held back."""
        held, self.held = self.held, ""
        self._check(held)

    def _check(self, text: str) -> None:
        position = self._go_on(text) if self.open else 0
        if position < len(text):
            self._chunk(text, position)
        newline = text.rfind("\n")
        self.line += text.count("\n")
        self.column = len(text) - newline - 1 if newline >= 0 else self.column + len(text)

    def _at(self, text: str, index: int) -> tuple[int, int]:
        newline = text.rfind("\n", 0, index)
        line = self.line + text.count("\n", 0, index)
        return line, index - newline if newline >= 0 else self.column + index + 1

    def _go_on(self, text: str) -> int:
        """The string the last chunk ended in goes on: where does it end in ``text``?"""
        match = _REST.match(text)
        assert match is not None  # it matches the empty string
        self._grow(_value_size(match.group()), closed=match.end() < len(text))
        if match.end() == len(text):
            return len(text)
        self.open = False
        return match.end() + (text[match.end()] == '"')

    def _grow(self, size: int, *, closed: bool) -> None:
        self.size += size
        limit = self.limits.max_literal_bytes
        if self.size > limit:
            size_known = self.size if closed else None
            raise refuse_long(self.name, self.start, "a string", size_known, limit)

    def _chunk(self, text: str, position: int) -> None:
        end = _open_tail(text, position)
        rest = text[position:end]
        opens = rest.count("[") + rest.count("{")
        if self.depth + opens > self.limits.max_nesting:
            top, change = deepest(_STRINGS.sub("", rest) if '"' in rest else rest)
            if self.depth + top > self.limits.max_nesting:
                self._walk(text, position, end)
            self.depth = max(0, self.depth + change)
        elif self.carry and (opens or "]" in rest or "}" in rest):
            skeleton = _STRINGS.sub("", rest) if '"' in rest else rest
            self.depth = max(0, self.depth + deepest(skeleton)[1])
        if (end - position) * 4 > self.limits.max_literal_bytes:
            self._strings(text, position, end)
        if end < len(text):  # the chunk ends inside a string
            self.open, self.size = True, 0
            self.start = self._at(text, end)
            self._grow(_value_size(text[end + 1 :]), closed=False)

    def _walk(self, text: str, position: int, end: int) -> None:
        """Bracket by bracket: refuse at the one that passes the limit."""
        depth, limit = self.depth, self.limits.max_nesting
        for match in _TOKENS.finditer(text, position, end):
            token = match.group()
            if token in ("[", "{"):
                depth += 1
                if depth > limit:
                    raise refuse_nesting(self.name, self._at(text, match.start()), limit)
            elif token in ("]", "}"):
                depth = max(0, depth - 1)

    def _strings(self, text: str, position: int, end: int) -> None:
        """String by string: refuse the first closed one longer than the limit."""
        limit = self.limits.max_literal_bytes
        for match in _STRINGS.finditer(text, position, end):
            token = match.group()
            if len(token) * 4 <= limit:
                continue
            size = _value_size(token[1:-1] if token.endswith('"') else token[1:])
            if size > limit:
                raise refuse_long(self.name, self._at(text, match.start()), "a string", size, limit)


def _open_tail(text: str, position: int) -> int:
    """Where the string that ``text`` ends inside starts (from ``position``, outside a
    string), or ``len(text)``: outside strings quotes only open and close them, and inside
    they are escaped, so an odd number of unescaped quotes leaves one open."""
    if '"' not in text[position:]:
        return len(text)
    rest = text[position:]
    plain = _PAIRS.sub("", rest) if "\\" in rest else rest
    if plain.count('"') % 2 == 0:
        return len(text)
    match = _LAST_QUOTE.match(text, position)
    assert match is not None
    return match.start(1)


def _value_size(body: str) -> int:
    """UTF-8 bytes of the value of a JSON string's ``body`` (between its quotes)."""
    size = utf8_size(body)
    if "\\" not in body:
        return size
    for match in _ESCAPES.finditer(body):
        escape = match.group()
        if len(escape) == 12:  # a surrogate pair: one character of 4 bytes
            size -= 12 - 4
        elif len(escape) == 6:
            size -= 6 - utf8_size(chr(int(escape[2:], 16)))
        else:
            size -= 1
    return size
