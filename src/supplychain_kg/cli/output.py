"""What the ``skg`` commands share: progress lines on stderr, opening the graph, and printing
terms, tables and claims."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any

from supplychain_kg.config import Settings
from supplychain_kg.errors import StoreError, StoreLockedError
from supplychain_kg.model import IRI, Literal, Term
from supplychain_kg.namespaces import PREFIXES
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.store import holder_pid

__all__ = ["READING", "Progress", "open_graph", "print_claim", "short", "table"]


class Progress:
    """Progress lines on stderr with the elapsed time."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(
                f"[{time.perf_counter() - self.started:7.1f}s] {message}",
                file=sys.stderr,
                flush=True,
            )


log = logging.getLogger("supplychain_kg.cli")

READING = frozenset({"query", "stats", "search", "show", "neighbors", "path", "export"})
"""The commands that only read the store: they work while another process holds it."""


def open_graph(args: argparse.Namespace, settings: Settings) -> KnowledgeGraph:
    """The configured graph, opened (and seeded if new) with progress lines unless ``-q``.

    A command of :data:`READING` on a store another process holds (``skg serve``, a load)
    opens it read-only beside its owner instead, and says so on stderr, naming the store.
    """
    where = settings.store_url or settings.resolved_store_dir() or "a new in-memory store"
    log.info("opening the store at %s", where)
    try:
        return KnowledgeGraph.open(settings, progress=Progress(args.quiet))
    except StoreLockedError as locked:
        directory = settings.resolved_store_dir()
        if getattr(args, "command", None) not in READING or directory is None:
            raise
        try:
            kg = KnowledgeGraph.open_beside_owner(settings)
        except StoreError as exc:
            raise StoreError(f"{locked}; reading it beside that process failed too: {exc}") from exc
    holder = _holder(directory)
    print(
        f"note: reading the store at {directory} read-only: {holder} holds it, and what it "
        "writes from now on is not seen by this command",
        file=sys.stderr,
        flush=True,
    )
    return kg


def _holder(directory: Path) -> str:
    """Who holds the store, as its lock file says (best effort)."""
    pid = holder_pid(directory)
    return f"another process (pid {pid})" if pid else "another process"


def short(term: Term | None) -> str:
    """A term as a table cell: a prefixed name where a known prefix fits, a literal's text."""
    if term is None:
        return ""
    if isinstance(term, IRI):
        for name, prefix in PREFIXES.items():
            if term.value.startswith(prefix) and len(term.value) > len(prefix):
                return f"{name}:{term.value[len(prefix) :]}"
        return f"<{term.value}>"
    if isinstance(term, Literal):
        return term.value
    return str(term)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A text table (columns at most 60 wide, cut with an ellipsis) and its row count."""
    if not headers:
        return ""
    cells = [[c.replace("\n", " ") for c in row] for row in rows]
    widths = [min(60, max([len(h)] + [len(r[i]) for r in cells])) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        out = []
        for value, width in zip(values, widths, strict=True):
            text = value if len(value) <= width else value[: width - 1] + "…"
            out.append(text.ljust(width))
        return " | ".join(out).rstrip()

    parts = [line(headers), "-+-".join("-" * w for w in widths)]
    parts += [line(r) for r in cells]
    parts.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(parts)


def print_claim(claim: dict[str, Any], indent: str) -> None:
    """A claim's stance, attribution, quote, qualifiers and source, one per line."""
    src = claim["source"]
    when = f", {src['date']}" if src.get("date") else ""
    stance = "DENIED" if claim["stance"] == "denied" else claim["stance"]
    print(f"{indent}[{stance}] according to {claim['attributed_to']}")
    if claim.get("quote_kind") == "summary":
        print(f"{indent}  in summary (not a quotation): {claim['quote']}")
    else:
        print(f'{indent}  "{claim["quote"]}"')
    extras = [
        f"{k.replace('_', ' ')}: {claim[k]}"
        for k in ("valid_from", "valid_to", "amount", "currency", "amount_qualifier", "technology")
        if k in claim
    ]
    if extras:
        print(f"{indent}  {'; '.join(extras)}")
    print(
        f"{indent}  source: {src['title']} ({src.get('publisher') or 'unknown publisher'}{when}) [{claim['id']}]"
    )
