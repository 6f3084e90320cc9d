"""A SPARQL lexer for the few questions asked of a request before it reaches the engine.

It does not validate (the engine does that): it splits text into tokens the way the SPARQL 1.1
grammar does (strings and IRIs with their escapes, comments and prefixed names are single
tokens, so a keyword inside a string or an IRI is never mistaken for one), in time linear in
the length of the text whatever it holds, and answers:

- :func:`query_form`: SELECT, ASK, CONSTRUCT or DESCRIBE;
- :func:`with_using`: an update with ``USING``/``USING NAMED`` clauses added to each
  ``DELETE``/``INSERT ... WHERE`` operation (the protocol's ``using-graph-uri`` parameters);
- :func:`data_blocks`: the ground data of an update made only of ``INSERT DATA`` and
  ``DELETE DATA`` operations (so that a write can say exactly what it touched).

It makes no security decision: whether a query may fetch a URL is decided by a real parser
(``guard.py``).
"""

from __future__ import annotations

import re

from supplychain_kg.sparqltext import Token, closing, iter_tokens, tokens

__all__ = [
    "LOOKUP_BRANCHES",
    "LOOKUP_CHARS",
    "Token",
    "data_blocks",
    "has_dataset_clause",
    "iter_tokens",
    "query_form",
    "streaming_lookup",
    "tokens",
    "with_using",
]

_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def query_form(text: str) -> str | None:
    """``select``, ``ask`` or ``graph`` (CONSTRUCT/DESCRIBE), or None if no form keyword is seen.

    >>> query_form('PREFIX : <http://e/> CONSTRUCT WHERE { ?s :p ?o }')
    'graph'
    """
    for token in iter_tokens(text):  # lazily: the form keyword comes after the prologue
        if token.kind == "name":
            form = _FORMS.get(token.text.upper())
            if form:
                return form
    return None


_L_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_L_PNAME = r"(?:[A-Za-z][A-Za-z0-9_-]*)?:[A-Za-z0-9_][A-Za-z0-9_-]*"
_L_VAR = r"[?$][A-Za-z0-9_]+"
_L_TERM = rf"(?:{_L_VAR}|{_L_IRI}|{_L_PNAME})"
_L_TRIPLE = rf"(?P<s>{_L_TERM})\s*(?P<p>{_L_TERM}|a(?=[\s<?$]))\s*(?P<o>{_L_TERM})\s*\.?"
_L_GROUP = rf"\{{\s*{_L_TRIPLE}\s*\}}"
_L_INNER = _L_GROUP.replace("?P<s>", "?:").replace("?P<p>", "?:").replace("?P<o>", "?:")
_LOOKUP = re.compile(
    rf"""\s*(?:(?:PREFIX\s+(?:[A-Za-z][A-Za-z0-9_-]*)?:\s*{_L_IRI}|BASE\s*{_L_IRI})\s*)*
    SELECT\s+(?:\*|{_L_VAR}(?:\s*{_L_VAR})*)\s*(?:WHERE\s*)?
    (?:{_L_INNER}|\{{\s*{_L_INNER}(?:\s*UNION\s*{_L_INNER})*\s*\}})
    \s*(?:LIMIT\s+[0-9]+\s*)?""",
    re.IGNORECASE | re.VERBOSE,
)
_L_PATTERNS = re.compile(_L_GROUP)
LOOKUP_BRANCHES = 16
"""The most UNION branches of a lookup the server runs itself (more: a worker process)."""
LOOKUP_CHARS = 4096
"""The longest lookup the server runs itself."""


def streaming_lookup(text: str) -> bool:
    """Whether ``text`` is a lookup the engine answers row by row at a bounded cost per row.

    That is ``SELECT ?v... | *`` (no DISTINCT, aggregate, ORDER BY or OFFSET; an optional
    LIMIT) over one triple pattern, or a UNION of single triple patterns, each with no variable
    repeated, no literal, no comment, no path. Such a query writes its answer steadily from its
    first row, so a deadline checked whenever the engine writes stops it promptly. The check
    is a (conservative) regular expression: a query it does not recognise is simply not one.

    >>> streaming_lookup('SELECT ?p ?o { { <http://e/a> ?p ?o } UNION { ?o ?p <http://e/a> } }')
    True
    >>> streaming_lookup('SELECT ?p { <http://e/a> ?p ?o . ?o ?p ?x }')
    False

    At most :data:`LOOKUP_BRANCHES` branches and :data:`LOOKUP_CHARS` characters: the server
    runs such a lookup itself, and the engine's planner recurses on each ``UNION``.
    """
    if len(text) > LOOKUP_CHARS or text.upper().count("UNION") >= LOOKUP_BRANCHES:
        return False
    if _LOOKUP.fullmatch(text) is None:
        return False
    for pattern in _L_PATTERNS.finditer(text):
        names = [pattern[k] for k in ("s", "p", "o") if pattern[k][0] in "?$"]
        if len({n[1:] for n in names}) != len(names):
            return False
    return True


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
            end = closing(toks, i + 2)
            if end is None:
                return None
            body = update[toks[i + 2].start : toks[end].start + 1]
            blocks.append(" ".join([*prologue, f"INSERT DATA {body}"]))
            i = end + 1
        else:
            return None
    return blocks
