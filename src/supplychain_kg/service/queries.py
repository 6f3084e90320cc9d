"""Queries and statistics: a user's SPARQL query run in this process under the query guard,
and the graph's counts (entities by type, claims by stance, sources)."""

from __future__ import annotations

from typing import Any

from supplychain_kg.errors import QueryError
from supplychain_kg.model import term_to_python
from supplychain_kg.namespaces import RDF, SKG, sparql_prefixes, user_position
from supplychain_kg.paths import local_id
from supplychain_kg.service.state import GraphState
from supplychain_kg.sparql import Checked, GuardLimits, check, network_isolation
from supplychain_kg.store import QueryResult

__all__ = ["QueryUseCases"]


class QueryUseCases(GraphState):
    """The query guard, queries and statistics."""

    def guard(self, text: str, *, update: bool = False) -> Checked:
        """The query guard (sparql.check) for a text run in this process."""
        limits = GuardLimits.from_settings(self.settings, update=update)
        return check(text, limits, update=update, isolated=bool(network_isolation()))

    def query(self, sparql: str, *, with_prefixes: bool = False) -> QueryResult:
        """Run a user's SPARQL query (after the query guard); ``with_prefixes`` declares the
        vocabulary prefixes first (as ``/sparql`` does), and an error's position is still the
        user's own."""
        if not with_prefixes:
            self.guard(sparql)
            return self.store.query(sparql)
        prologue = sparql_prefixes(self.settings.base_iri)
        try:
            self.guard(prologue + sparql)
            return self.store.query(prologue + sparql)
        except QueryError as exc:
            moved = user_position(str(exc))  # the user's own line
            if moved == str(exc):
                raise
            raise QueryError(moved) from None

    def stats(self) -> dict[str, Any]:
        """Entities by type, claims by stance, source documents and triple count."""
        entity_types = sorted(self.ontology.closure(f"{SKG}Entity"))
        values = " ".join(f"<{t}>" for t in entity_types)
        by_type = {
            str(r["type"].value).removeprefix(SKG): int(str(r["n"].value))
            for r in self.store.query(
                f"SELECT ?type (COUNT(DISTINCT ?x) AS ?n) WHERE {{ VALUES ?type {{ {values} }} "
                f"?x <{RDF}type> ?type }} GROUP BY ?type ORDER BY DESC(?n)"
            ).rows()
        }
        entities = self._count(
            f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ VALUES ?type {{ {values} }} ?x <{RDF}type> ?type }}"
        )
        by_stance = {
            str(r["stance"].value).removeprefix(SKG).lower(): int(str(r["n"].value))
            for r in self.store.query(
                f"SELECT ?stance (COUNT(?c) AS ?n) WHERE {{ ?c a <{SKG}Claim> ; <{SKG}stance> ?stance }} "
                "GROUP BY ?stance ORDER BY ?stance"
            ).rows()
        }
        sources = [
            {
                "id": str(r["slug"].value) if "slug" in r else local_id(str(r["s"].value)),
                "title": str(r["title"].value) if "title" in r else "",
                "claims": int(str(r["n"].value)),
            }
            for r in self.store.query(
                f"""SELECT ?s ?slug ?title (COUNT(?c) AS ?n) WHERE {{ ?s a <{SKG}SourceDocument> .
                    OPTIONAL {{ ?s <{SKG}slug> ?slug }} OPTIONAL {{ ?s <http://purl.org/dc/terms/title> ?title }}
                    OPTIONAL {{ ?c <{SKG}source> ?s }} }} GROUP BY ?s ?slug ?title ORDER BY DESC(?n) ?slug"""
            ).rows()
        ]
        return {
            "triples": len(self.store),
            "entities": entities,
            "entities_by_type": by_type,
            "claims": sum(by_stance.values()),
            "claims_by_stance": by_stance,
            "sources": sources,
        }

    def _count(self, query: str) -> int:
        for row in self.store.query(query).rows():
            value = term_to_python(row.get("n"))
            return int(value) if isinstance(value, int | float) else 0
        return 0
