"""Splitting SPARQL text into tokens, in time linear in its length whatever it holds.

A leaf: the query guard's lexer (``sparql/lexer.py``) and the remote store's reading of an
update (``store/sparql/updates.py``) share it. Strings and IRIs with their escapes, comments and
prefixed names are single tokens, so a keyword inside a string or an IRI is never mistaken for
one. It validates nothing (the engine does that) and makes no security decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Token", "closing", "iter_tokens", "tokens"]

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS = _PN_CHARS_BASE + "_0-9\u00b7\u0300-\u036f\u203f-\u2040-"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[-_~.!$&'()*+,;=/?#@%])"
# Every repetition below is possessive (``*+``): the pattern never backtracks into it, so a
# token that fails to close (a string, an IRI, a prefixed name without its colon) costs one pass
# over what it read, and the text as a whole is read in linear time. (With backtracking,
# 150 KB of ``"a\`` took 79 s and 80 KB of ``a.`` 22 s.)
_PREFIX = rf"[{_PN_CHARS_BASE}](?:\.*+[{_PN_CHARS}])*+"
_LOCAL = rf"(?:[{_PN_CHARS}:]|{_PLX})(?:\.*+(?:[{_PN_CHARS}:]|{_PLX}))*+"
_PNAME = rf"(?:{_PREFIX})?+:(?:{_LOCAL})?+"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

_TOKEN = re.compile(
    r"""
    (?P<ws>\s++)
  | (?P<comment>\#[^\n\r]*+)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*+(?:''')?+|\"\"\"(?:[^"\\]|\\.|"(?!""))*+(?:\"\"\")?+
              |'(?:[^'\\\n\r]|\\[^\n\r])*+'?+|"(?:[^"\\\n\r]|\\[^\n\r])*+"?+)
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|"""
    + _UCHAR
    + r""")*+>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\U000effff]++)
  | (?P<pname>"""
    + _PNAME
    + r""")
  | (?P<word>"""
    + _PREFIX
    + r""")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*+)
  | (?P<number>[0-9]++(?:\.[0-9]*+)?+(?:[eE][+-]?+[0-9]++)?+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind (iri, pname, var, string, name, other), text and offset."""

    kind: str
    text: str
    start: int

    def word(self) -> str:
        return self.text.upper() if self.kind == "name" else ""


def tokens(text: str) -> list[Token]:
    """Split SPARQL ``text`` into tokens, dropping white space and comments."""
    return list(iter_tokens(text))


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def iter_tokens(text: str) -> Iterator[Token]:
    """:func:`tokens`, one at a time (a caller that stops early pays for no more).

    Linear in the length of the text whatever it holds. A run of name characters that is
    neither a keyword-shaped name nor a prefixed name (``a.b.c``) is one ``other`` token.
    """
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        if kind == "word":
            kind = "name" if _NAME.fullmatch(match.group()) else "other"
        elif kind == "number":
            kind = "other"
        yield Token(kind, match.group(), match.start())


def closing(toks: list[Token], opening: int) -> int | None:
    """The index of the ``}`` closing the ``{`` at ``opening``."""
    if toks[opening].text != "{":
        return None
    depth = 0
    for j in range(opening, len(toks)):
        if toks[j].kind == "other" and toks[j].text == "{":
            depth += 1
        elif toks[j].kind == "other" and toks[j].text == "}":
            depth -= 1
            if depth == 0:
                return j
    return None
