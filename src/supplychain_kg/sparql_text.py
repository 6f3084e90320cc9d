"""A SPARQL lexer for the few questions asked of a request before it reaches the engine.

It does not validate (the engine does that): it splits text into tokens the way the SPARQL 1.1
grammar does (strings, IRIs, comments and prefixed names are single tokens, so a keyword inside
a string or an IRI is never mistaken for one) and answers:

- :func:`remote_targets`: every IRI named by ``SERVICE`` or ``LOAD``, resolved against the
  ``PREFIX``/``BASE`` declarations (``None`` for a variable or anything unresolvable);
- :func:`query_form`: SELECT, ASK, CONSTRUCT or DESCRIBE;
- :func:`with_using`: an update with ``USING``/``USING NAMED`` clauses added to each
  ``DELETE``/``INSERT ... WHERE`` operation (the protocol's ``using-graph-uri`` parameters);
- :func:`data_blocks`: the ground data of an update made only of ``INSERT DATA`` and
  ``DELETE DATA`` operations (so that a write can say exactly what it touched).

Codepoint escapes (``\\u0053ERVICE``) are answered for both the raw and the unescaped text, so
an escape cannot hide a keyword.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

__all__ = [
    "Token",
    "data_blocks",
    "has_dataset_clause",
    "query_form",
    "remote_targets",
    "tokens",
    "with_using",
]

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS = _PN_CHARS_BASE + "_0-9\u00b7\u0300-\u036f\u203f-\u2040-"
_PNAME = rf"(?:[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?:(?:(?:[{_PN_CHARS_BASE}_:0-9]|%[0-9A-Fa-f]{{2}}|\\[-_~.!$&'()*+,;=/?#@%])(?:(?:[{_PN_CHARS}.:]|%[0-9A-Fa-f]{{2}}|\\[-_~.!$&'()*+,;=/?#@%])*(?:[{_PN_CHARS}:]|%[0-9A-Fa-f]{{2}}|\\[-_~.!$&'()*+,;=/?#@%]))?)?"

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\U000effff]+)
  | (?P<pname>"""
    + _PNAME
    + r""")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


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
    out: list[Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(Token(kind, match.group(), match.start()))
    return out


def _unescape(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code < 0x110000 and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    return _ESCAPE.sub(repl, text)


def _variants(text: str) -> list[str]:
    unescaped = _unescape(text)
    return [text] if unescaped == text else [text, unescaped]


class _Resolver:
    """Resolves IRIs and prefixed names against the prologue seen so far."""

    def __init__(self) -> None:
        self.base = ""
        self.prefixes: dict[str, str] = {}

    def iri(self, token: Token) -> str | None:
        if token.kind == "iri":
            ref = _unescape(token.text[1:-1])
            return urljoin(self.base, ref) if self.base else ref
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix in self.prefixes:
                return self.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        return None

    def declare(self, toks: list[Token], i: int) -> None:
        word = toks[i].word()
        if word == "BASE" and i + 1 < len(toks):
            self.base = self.iri(toks[i + 1]) or self.base
        elif word == "PREFIX" and i + 2 < len(toks) and toks[i + 1].kind == "pname":
            self.prefixes[toks[i + 1].text.rstrip(":").split(":")[0]] = self.iri(toks[i + 2]) or ""


def _targets(text: str) -> list[str | None]:
    toks = tokens(text)
    resolver = _Resolver()
    found: list[str | None] = []
    for i, tok in enumerate(toks):
        word = tok.word()
        if word in ("BASE", "PREFIX"):
            resolver.declare(toks, i)
        elif word in ("SERVICE", "LOAD"):
            j = i + 1
            if j < len(toks) and toks[j].word() == "SILENT":
                j += 1
            found.append(resolver.iri(toks[j]) if j < len(toks) else None)
    return found


def remote_targets(text: str) -> list[str | None]:
    """Every IRI a ``SERVICE`` or ``LOAD`` in ``text`` names (None: a variable or unresolvable).

    >>> remote_targets('SELECT * { SERVICE <http://x.example/sparql> { ?s ?p ?o } }')
    ['http://x.example/sparql']
    >>> remote_targets('SELECT * { ?s ?p "SERVICE <http://no>" }')
    []
    """
    lowered = text.lower()
    if "service" not in lowered and "load" not in lowered and "\\u" not in lowered:
        return []
    found: list[str | None] = []
    for variant in _variants(text):
        found += [t for t in _targets(variant) if t not in found]
    return found


_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def query_form(text: str) -> str | None:
    """``select``, ``ask`` or ``graph`` (CONSTRUCT/DESCRIBE), or None if no form keyword is seen.

    >>> query_form('PREFIX : <http://e/> CONSTRUCT WHERE { ?s :p ?o }')
    'graph'
    """
    for tok in tokens(text):
        form = _FORMS.get(tok.word())
        if form:
            return form
    return None


def has_dataset_clause(update: str) -> bool:
    """Whether an update names its own dataset with ``USING`` or ``WITH``."""
    return any(t.word() in ("USING", "WITH") for t in tokens(update))


def with_using(update: str, default: list[str], named: list[str]) -> str:
    """Add ``USING <g>`` / ``USING NAMED <g>`` before the WHERE of each modify operation.

    >>> with_using('INSERT { ?s a ?t } WHERE { ?s a ?t }', ['http://g'], [])
    'INSERT { ?s a ?t } USING <http://g> WHERE { ?s a ?t }'
    """
    clause = " ".join([f"USING <{g}>" for g in default] + [f"USING NAMED <{g}>" for g in named])
    if not clause:
        return update
    toks = tokens(update)
    depth = 0
    in_modify = False
    cuts: list[int] = []
    for i, tok in enumerate(toks):
        if tok.text in "{(" and tok.kind == "other":
            depth += 1
        elif tok.text in "})" and tok.kind == "other":
            depth -= 1
        elif depth == 0:
            word = tok.word()
            nxt = toks[i + 1].word() if i + 1 < len(toks) else ""
            if word in ("INSERT", "DELETE") and nxt not in ("DATA", "WHERE"):
                in_modify = True
            elif word == "WHERE" and in_modify:
                cuts.append(tok.start)
                in_modify = False
            elif tok.text == ";":
                in_modify = False
    for cut in reversed(cuts):
        update = f"{update[:cut]}{clause} {update[cut:]}"
    return update


def data_blocks(update: str) -> list[str] | None:
    """For an update made only of ``INSERT DATA`` / ``DELETE DATA`` operations (and
    ``DROP``/``CLEAR GRAPH <iri>`` of named graphs, which leave the default graph alone), each
    data block as ``<prologue so far> INSERT DATA { ... }`` (a delete's data inserted instead,
    so that running the blocks on an empty store gives every triple the update names);
    otherwise None.

    >>> data_blocks('PREFIX : <http://e/> DELETE DATA { :a :p :b } ; INSERT DATA { :a :q 1 }')
    ['PREFIX : <http://e/> INSERT DATA { :a :p :b }', 'PREFIX : <http://e/> INSERT DATA { :a :q 1 }']
    >>> data_blocks('DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }') is None
    True
    >>> data_blocks('DROP SILENT GRAPH <http://g> ; INSERT DATA { GRAPH <http://g> { <a> <b> <c> } }')
    ['INSERT DATA { GRAPH <http://g> { <a> <b> <c> } }']
    >>> data_blocks('DROP DEFAULT') is None, data_blocks('DROP GRAPH <http://g>')
    (True, [])
    """
    toks = tokens(update)
    prologue: list[str] = []
    blocks: list[str] = []
    i = 0
    while i < len(toks):
        word = toks[i].word()
        if word == "BASE" and i + 1 < len(toks):
            prologue.append(f"BASE {toks[i + 1].text}")
            i += 2
        elif word == "PREFIX" and i + 2 < len(toks):
            prologue.append(f"PREFIX {toks[i + 1].text} {toks[i + 2].text}")
            i += 3
        elif toks[i].text == ";" and toks[i].kind == "other":
            i += 1
        elif word in ("DROP", "CLEAR"):
            j = i + 2 if i + 1 < len(toks) and toks[i + 1].word() == "SILENT" else i + 1
            if j + 1 >= len(toks) or toks[j].word() != "GRAPH" or toks[j + 1].kind == "var":
                return None
            i = j + 2
        elif word in ("INSERT", "DELETE") and i + 2 < len(toks) and toks[i + 1].word() == "DATA":
            end = _closing(toks, i + 2)
            if end is None:
                return None
            body = update[toks[i + 2].start : toks[end].start + 1]
            blocks.append(" ".join([*prologue, f"INSERT DATA {body}"]))
            i = end + 1
        else:
            return None
    return blocks


def _closing(toks: list[Token], opening: int) -> int | None:
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
