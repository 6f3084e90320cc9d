"""Validation against ``graph/shapes.ttl`` and the model's rules.

``validator`` checks staged data before a load: the shapes (read by ``shapes``) compiled to
SPARQL (``constraints``) and the model's own rules (``model_rules``), in the light of the
vocabulary (``ontology``); ``writes`` checks what an update or a Graph Store write touched,
after it is applied."""

from supplychain_kg.validate.lexical import LEXICAL_TYPES, lexical_problem
from supplychain_kg.validate.ontology import Ontology, load_ontology, short_name
from supplychain_kg.validate.validator import Validator, load_validator
from supplychain_kg.validate.writes import check_write

__all__ = [
    "LEXICAL_TYPES",
    "Ontology",
    "Validator",
    "check_write",
    "lexical_problem",
    "load_ontology",
    "load_validator",
    "short_name",
]
