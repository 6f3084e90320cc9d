"""Validation against ``graph/shapes.ttl`` and the model's rules: ``shapes`` compiles the
shapes to SPARQL and checks staged data before a load; ``writes`` checks what an update or a
Graph Store write touched, after it is applied."""

from supplychain_kg.validate.shapes import (
    Ontology,
    Validator,
    load_ontology,
    load_validator,
    short_name,
)
from supplychain_kg.validate.writes import check_write

__all__ = [
    "Ontology",
    "Validator",
    "check_write",
    "load_ontology",
    "load_validator",
    "short_name",
]
