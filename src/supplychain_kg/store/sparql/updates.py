"""Reading a SPARQL update before it is sent to a remote engine: the operations whose effect is
known in advance, with their quads.

A remote store accepts ``INSERT DATA``, ``DELETE DATA``, ``DROP``/``CLEAR`` (``GRAPH <iri>``,
``DEFAULT``, ``NAMED``, ``ALL``) and ``CREATE GRAPH``. Their quads are read here (the data block
parsed by the embedded engine on an empty in-memory store), so the store can (1) put the
default graph's triples into the named graph that holds it on the engine, (2) write the
update's inverse before the update itself, so a write that breaks a rule is undone exactly
(``store.undoable()``), and (3) know which named graphs it made. Pattern updates (``DELETE/INSERT
... WHERE``, ``ADD``, ``MOVE``, ``COPY``, ``LOAD``) are refused with
:class:`~supplychain_kg.errors.UnsupportedOperationError`: their effect is known only once
the engine has run them, and nothing could undo them across requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from supplychain_kg.errors import QueryError, UnsupportedOperationError
from supplychain_kg.model import BNode, Quad
from supplychain_kg.sparqltext import Token, closing, tokens

__all__ = ["UNSUPPORTED", "Data", "Drop", "Operation", "read_update"]

UNSUPPORTED = (
    "a remote SPARQL engine takes INSERT DATA, DELETE DATA, CREATE GRAPH and DROP/CLEAR "
    "(GRAPH <iri>, DEFAULT, NAMED, ALL) updates here: their effect is known before they run, "
    "so a write that breaks the shapes can be undone exactly. Run {what} as a CONSTRUCT query, "
    "then send its triples with DELETE DATA / INSERT DATA"
)


@dataclass(frozen=True)
class Data:
    """``INSERT DATA`` (``insert``) or ``DELETE DATA`` of ground quads."""

    insert: bool
    quads: tuple[Quad, ...]


@dataclass(frozen=True)
class Drop:
    """``DROP``/``CLEAR`` of a graph (``target`` ``graph`` with its IRI), or of ``default``,
    ``named`` or ``all``."""

    target: str
    graph: str | None = None


Operation = Data | Drop


def read_update(text: str, base_iri: str | None = None) -> list[Operation]:
    """The operations of ``text``; UnsupportedOperationError for any other kind, QueryError for
    a data block that does not parse.

    >>> [type(op).__name__ for op in read_update('DROP SILENT GRAPH <http://g> ; '
    ...     'INSERT DATA { <http://a> <http://b> "c" }')]
    ['Drop', 'Data']
    """
    toks = tokens(text)
    prologue: list[str] = []
    prefixes: dict[str, str] = {}
    base = base_iri
    found: list[Operation] = []
    i = 0
    while i < len(toks):
        word = toks[i].word()
        if word == "BASE" and i + 1 < len(toks):
            base = urljoin(base or "", toks[i + 1].text[1:-1])
            prologue.append(f"BASE {toks[i + 1].text}")
            i += 2
        elif word == "PREFIX" and i + 2 < len(toks):
            prefixes[toks[i + 1].text] = urljoin(base or "", toks[i + 2].text[1:-1])
            prologue.append(f"PREFIX {toks[i + 1].text} {toks[i + 2].text}")
            i += 3
        elif toks[i].kind == "other" and toks[i].text == ";":
            i += 1
        elif word in ("INSERT", "DELETE") and i + 1 < len(toks) and toks[i + 1].word() == "DATA":
            end = closing(toks, i + 2) if i + 2 < len(toks) else None
            if end is None:
                raise QueryError(f"SPARQL syntax error: {word} DATA needs a {{ ... }} block")
            body = text[toks[i + 2].start : toks[end].start + 1]
            quads = _parse_data(" ".join([*prologue, f"INSERT DATA {body}"]), base_iri)
            found.append(Data(word == "INSERT", quads))
            i = end + 1
        elif word in ("DROP", "CLEAR", "CREATE"):
            i, drop = _graph_operation(toks, i, prefixes, base)
            if drop is not None:
                found.append(drop)
        else:
            what = " ".join(t.text for t in toks[i : i + 2]) or "this update"
            raise UnsupportedOperationError(UNSUPPORTED.format(what=f"'{what} ...'"))
    return found


def _graph_operation(
    toks: list[Token], i: int, prefixes: dict[str, str], base: str | None
) -> tuple[int, Drop | None]:
    """``DROP|CLEAR [SILENT] (GRAPH g | DEFAULT | NAMED | ALL)`` or ``CREATE [SILENT] GRAPH
    g`` at ``i``: the index after it and the operation (None for CREATE: a quad store has no
    empty graphs)."""
    create = toks[i].word() == "CREATE"
    j = i + 2 if i + 1 < len(toks) and toks[i + 1].word() == "SILENT" else i + 1
    what = toks[j].word() if j < len(toks) else ""
    if what in ("DEFAULT", "NAMED", "ALL") and not create:
        return j + 1, Drop(what.lower())
    if what == "GRAPH" and j + 1 < len(toks):
        graph = _iri(toks[j + 1], prefixes, base)
        return j + 2, None if create else Drop("graph", graph)
    raise QueryError(
        f"SPARQL syntax error: {toks[i].text.upper()} needs GRAPH <iri>"
        + ("" if create else ", DEFAULT, NAMED or ALL")
    )


def _iri(token: Token, prefixes: dict[str, str], base: str | None) -> str:
    if token.kind == "iri":
        return urljoin(base or "", token.text[1:-1])
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if f"{prefix}:" in prefixes:
            return prefixes[f"{prefix}:"] + local.replace("\\", "")
    raise QueryError(f"SPARQL syntax error: expected a graph IRI, found {token.text!r}")


def _parse_data(block: str, base_iri: str | None) -> tuple[Quad, ...]:
    """The quads of one ``INSERT DATA`` block, read by the embedded engine."""
    from supplychain_kg.store.oxigraph import OxigraphStore

    staging = OxigraphStore(None)
    try:
        staging.update(block, base_iri=base_iri)
        quads = tuple(staging.quads())
    finally:
        staging.close()
    if any(isinstance(q.subject, BNode) or isinstance(q.object, BNode) for q in quads):
        raise UnsupportedOperationError(
            "blank nodes in INSERT DATA / DELETE DATA cannot be written to a remote SPARQL "
            "engine here (they could not be named again to undo the write); give them IRIs"
        )
    return quads
