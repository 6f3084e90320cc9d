"""The query guard: what a SPARQL query or update may ask of this server, decided before any
engine sees the text.

Every entry point that runs text a user gave (``/sparql``, ``/update``, ``/export?construct=``,
``skg query``, ``skg export --construct``) calls :func:`check` first. It refuses:

- **text too large** (``PayloadTooLargeError``, 413): more bytes than the setting allows;
- **text too deep or too long** (``LimitError``, 400): brackets nested deeper than
  ``max_depth``, more than ``max_tokens`` tokens outside ground data (``INSERT DATA`` /
  ``DELETE DATA`` blocks and ``VALUES`` rows, which the engine reads flat), or a string or
  IRI longer than ``max_literal`` bytes (the engine's parser takes about 200 bytes of memory
  per byte of a long literal). The engine's
  parser and planner recurse: 3,000 nested groups or 8,000 ``UNION`` branches crash it with a
  stack overflow, and a few hundred joined patterns take it seconds to plan;
- **a fetch** (``RemoteAccessError``, 403): a ``SERVICE`` or ``LOAD`` of any IRI the allow-list
  does not name, found by a real SPARQL parser (rdflib's grammar, escapes processed as the
  specification says), prefixed names and relative IRIs resolved against the prologue and the
  request's base. A variable ``SERVICE ?x`` is refused.

The depth and token counts come from :func:`~supplychain_kg.sparql.lexer.iter_tokens`, a lexer
of the SPARQL grammar's terminals (strings with their escapes, IRIs with theirs, comments) that
reads any text in linear time. The parser runs only when the text contains ``service`` or
``load`` in any letter case, raw or with its ``\\u`` escapes processed (without those letters
no engine can read either keyword), and only on texts of at most :data:`PARSED_BYTES`: rdflib's
parser is slow (5 s a megabyte) and recurses. When it cannot read a text that holds those
letters (too long, a grammar rdflib lacks, too deep for it), the text is refused, unless the
process that will run it is cut off from the network (``isolation.py``): the kernel then keeps
every fetch from leaving, whatever the text says.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from supplychain_kg.errors import LimitError, PayloadTooLargeError, QueryError, RemoteAccessError
from supplychain_kg.namespaces import predeclared_length
from supplychain_kg.sparql.lexer import iter_tokens

__all__ = ["PARSED_BYTES", "Checked", "GuardLimits", "check", "measure", "remote_targets"]

PARSED_BYTES = 64 * 1024
"""The longest text the SPARQL parser is asked to read (larger: see the module docstring)."""

_MENTIONS = re.compile(r"service|load", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_OPEN = frozenset("{([")
_CLOSE = frozenset("})]")
_PARSE_LOCK = threading.Lock()
"""rdflib's parser keeps a packrat cache shared by all threads."""


@dataclass(frozen=True)
class GuardLimits:
    """The bounds one check applies (``Settings`` holds them; see :meth:`from_settings`)."""

    max_bytes: int
    max_depth: int
    max_tokens: int
    allowlist: frozenset[str] = frozenset()
    bytes_setting: str = "SKG_MAX_QUERY_BYTES"
    max_literal: int = 1 << 20
    """The longest string or IRI, in bytes (the engine's parser takes about 200 bytes of
    memory per byte of a long literal)."""

    @classmethod
    def from_settings(cls, settings: Any, *, update: bool = False) -> GuardLimits:
        """The limits for a query (or, with ``update``, an update) under ``settings``."""
        return cls(
            max_bytes=settings.max_update_bytes if update else settings.max_query_bytes,
            max_depth=settings.max_query_depth,
            max_tokens=settings.max_query_tokens,
            allowlist=frozenset(settings.service_allowlist),
            bytes_setting="SKG_MAX_UPDATE_BYTES" if update else "SKG_MAX_QUERY_BYTES",
            max_literal=settings.max_literal_bytes,
        )


@dataclass(frozen=True)
class Checked:
    """What :func:`check` learnt of a text it let through."""

    depth: int
    tokens: int
    remote: tuple[str, ...] = ()
    """The allow-listed endpoints it calls (SERVICE) or loads (LOAD)."""
    isolated_only: bool = False
    """True: the parser could not read the text, which mentions ``service`` or ``load``; it
    may run only where the network is unreachable."""


def check(
    text: str,
    limits: GuardLimits,
    *,
    update: bool = False,
    base_iri: str | None = None,
    isolated: bool = False,
) -> Checked:
    """Check a query (or, with ``update``, an update) before it is run; see the module.

    ``base_iri`` is the base the engine will resolve relative IRIs against; ``isolated`` says
    whether the process that will run the text is cut off from the network.

    >>> limits = GuardLimits(max_bytes=1000, max_depth=8, max_tokens=100)
    >>> check('SELECT * { ?s ?p "SERVICE <http://x/>" }', limits).tokens
    7
    >>> check('SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }', limits)
    Traceback (most recent call last):
    supplychain_kg.errors.RemoteAccessError: SERVICE or LOAD of 'http://127.0.0.1:9/' is refused: this server does not fetch URLs unless SKG_SERVICE_ALLOWLIST names them
    """
    # the prefixes the server declares before a user's text are not held to the user's bounds,
    # and positions in the messages are the user's own
    users = text[predeclared_length(text) :]
    size = len(users.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise PayloadTooLargeError(
            f"the {'update' if update else 'query'} is {size:,} bytes long; this server takes "
            f"at most {limits.max_bytes:,} ({limits.bytes_setting})",
            setting=limits.bytes_setting,
        )
    depth, count = measure(users, limits)
    if not _mentions_remote(text):
        return Checked(depth, count)
    try:
        targets = remote_targets(text, update=update, base_iri=base_iri)
    except _UnreadableError as exc:
        if isolated:
            return Checked(depth, count, isolated_only=True)
        raise QueryError(
            f"the {'update' if update else 'query'} mentions SERVICE or LOAD and the guard "
            f"that keeps this server from fetching URLs cannot read it ({exc}); "
            "rewrite it (the letters 'service' and 'load' anywhere in it, in names and "
            "strings too, make the guard read it)"
        ) from None
    allowed = []
    for target in targets:
        if target is None:
            raise RemoteAccessError(
                "SERVICE or LOAD with a variable or an unresolvable IRI is refused; "
                "name an allow-listed endpoint (SKG_SERVICE_ALLOWLIST)"
            )
        if target not in limits.allowlist:
            raise RemoteAccessError(
                f"SERVICE or LOAD of {target!r} is refused: this server does not fetch URLs "
                "unless SKG_SERVICE_ALLOWLIST names them"
            )
        allowed.append(target)
    return Checked(depth, count, tuple(allowed))


def measure(text: str, limits: GuardLimits) -> tuple[int, int]:
    """The deepest bracket nesting and the number of tokens outside ground data in ``text``;
    LimitError as soon as either passes its bound (so a huge text costs no more than it
    takes to find out)."""
    depth = deepest = counted = 0
    exempt_at: int | None = None  # the depth of the ground-data block being read
    recent: list[str] = ["", ""]  # the last two keywords, for DATA and VALUES blocks
    for token in iter_tokens(text):
        if token.kind in ("string", "iri") and len(token.text) > limits.max_literal // 4:
            _check_length(token.text, token.start, text, limits)
        symbol = token.text if token.kind == "other" else ""
        if symbol in _OPEN:
            if symbol == "{" and exempt_at is None and _opens_data(recent):
                exempt_at = depth
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > limits.max_depth:
                    raise _too_deep(limits, token.start, text)
        elif symbol in _CLOSE:
            depth = max(0, depth - 1)
            if exempt_at is not None and depth == exempt_at:
                exempt_at = None
        if exempt_at is None:
            counted += 1
            if counted > limits.max_tokens:
                raise LimitError(
                    f"the text has more than {limits.max_tokens:,} tokens outside its data "
                    "blocks (INSERT DATA, DELETE DATA, VALUES); split it up, or move long "
                    "lists of values into a VALUES block (SKG_MAX_QUERY_TOKENS)",
                    setting="SKG_MAX_QUERY_TOKENS",
                )
        if token.kind == "name":
            recent = [recent[1], token.text.upper()]
        elif token.kind == "var" and recent[1] == "VALUES":
            pass  # VALUES ?x { ... }: the block follows the variable
        elif symbol not in ("(", ")") or recent[1] != "VALUES":
            recent = [recent[1], ""]
    return deepest, counted


def _check_length(token: str, offset: int, text: str, limits: GuardLimits) -> None:
    size = len(token.encode("utf-8", "surrogatepass"))
    if size > limits.max_literal:
        line = text.count("\n", 0, offset) + 1
        raise LimitError(
            f"a string or IRI at line {line} is {size:,} bytes long; this server takes at most "
            f"{limits.max_literal:,} (SKG_MAX_LITERAL_BYTES)",
            setting="SKG_MAX_LITERAL_BYTES",
        )


def _opens_data(recent: list[str]) -> bool:
    return (recent[1] == "DATA" and recent[0] in ("INSERT", "DELETE")) or recent[1] == "VALUES"


def _too_deep(limits: GuardLimits, offset: int, text: str) -> LimitError:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return LimitError(
        f"brackets are nested more than {limits.max_depth} deep (at line {line}, column "
        f"{column}); flatten the query (SKG_MAX_QUERY_DEPTH)",
        setting="SKG_MAX_QUERY_DEPTH",
    )


def _unescape(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code < 0x110000 else "\ufffd"

    return _ESCAPE.sub(repl, text)


def _mentions_remote(text: str) -> bool:
    """Whether ``text`` could hold a SERVICE or LOAD keyword, raw or with escapes processed
    (the letters in any case; a keyword cannot be written any other way)."""
    if _MENTIONS.search(text):
        return True
    return "\\" in text and _MENTIONS.search(_unescape(text)) is not None


class _UnreadableError(Exception):
    """The parser could not read the text (the message says why)."""


def remote_targets(
    text: str, *, update: bool = False, base_iri: str | None = None
) -> list[str | None]:
    """Every IRI a ``SERVICE`` or ``LOAD`` of ``text`` names, resolved (None: a variable or
    an IRI that cannot be resolved), read by rdflib's SPARQL parser.

    >>> remote_targets('PREFIX r: <http://h/> SELECT * { SERVICE r:x { ?s ?p ?o } }')
    ['http://h/x']
    >>> remote_targets('SELECT * { ?s ?p "SERVICE <http://no/>" }')
    []
    """
    if len(text.encode("utf-8", "surrogatepass")) > PARSED_BYTES:
        raise _UnreadableError(f"it is longer than {PARSED_BYTES // 1024} KiB")
    from rdflib.plugins.sparql.algebra import translatePrologue
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        with _PARSE_LOCK:
            parsed: Any = parseUpdate(text) if update else parseQuery(text)
    except RecursionError:
        raise _UnreadableError("it is nested too deeply for the parser") from None
    except Exception as exc:  # pyparsing's and rdflib's own errors
        raise _UnreadableError(_first_line(exc)) from None
    found: list[str | None] = []
    if update:
        prologue = None
        for declared, request in zip(parsed.prologue, parsed.request, strict=False):
            prologue = translatePrologue(declared, base_iri, None, prologue)
            found += [_resolve(term, prologue) for term in _remote_terms(request)]
    else:
        prologue = translatePrologue(parsed[0], base_iri)
        found += [_resolve(term, prologue) for term in _remote_terms(parsed[1])]
    return found


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _remote_terms(tree: Any) -> Iterator[Any]:
    """The ``term`` of every ServiceGraphPattern and the ``iri`` of every Load in a parse
    tree, walked without recursion."""
    stack = [tree]
    while stack:
        node = stack.pop()
        name = getattr(node, "name", None)
        if name == "ServiceGraphPattern":
            yield node.get("term")
        elif name == "Load":
            yield node.get("iri")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
            stack.extend(node)


def _resolve(term: Any, prologue: Any) -> str | None:
    """An absolute IRI for a parsed IRI or prefixed name (relative IRIs resolved against the
    prologue's base); None for a variable or anything that does not resolve."""
    from rdflib.term import URIRef

    if not (getattr(term, "name", None) == "pname" or isinstance(term, URIRef)):
        return None
    try:
        return str(prologue.absolutize(term))
    except Exception:  # an unknown prefix, a malformed IRI
        return None
