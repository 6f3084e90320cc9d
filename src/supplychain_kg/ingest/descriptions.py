"""What an importer hands the record checker: a description of one resource, as (predicate,
value) pairs, a value being an IRI (a ``str``) or a literal (lexical form, datatype IRI); and
how a value is shown in a violation."""

from __future__ import annotations

from collections.abc import Sequence

from supplychain_kg.model import Literal, term_to_sparql
from supplychain_kg.namespaces import RDF, SKG

__all__ = ["SLUG", "TYPE", "Lit", "Pairs", "Value", "show_value"]

Lit = tuple[str, str]
"""A literal: (lexical form, datatype IRI)."""
Value = str | Lit
"""An IRI (a ``str``) or a literal."""
Pairs = Sequence[tuple[str, Value]]
"""A description: its predicates and values, in order."""

TYPE = RDF + "type"
SLUG = SKG + "slug"


def show_value(value: Value) -> str:
    """``value`` as a SPARQL term: ``<iri>``, or a quoted literal."""
    if isinstance(value, str):
        return f"<{value}>"
    return term_to_sparql(Literal(value[0], value[1]))
