"""What the ``skg`` commands share: progress lines on stderr, opening the graph, and printing
terms, tables and claims."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from supplychain_kg.config import Settings
from supplychain_kg.model import IRI, Literal, Term
from supplychain_kg.namespaces import PREFIXES
from supplychain_kg.service import KnowledgeGraph

__all__ = ["Progress", "open_graph", "print_claim", "short", "table"]


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


def open_graph(args: argparse.Namespace, settings: Settings) -> KnowledgeGraph:
    """The configured graph, opened (and seeded if new) with progress lines unless ``-q``."""
    return KnowledgeGraph.open(settings, progress=Progress(args.quiet))


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
