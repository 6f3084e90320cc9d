"""The shapes of ``graph/shapes.ttl`` compiled for the record checker: one rule per property
constraint, evaluated on one resource's values in Python with the verdicts of the SPARQL
filters of :mod:`supplychain_kg.validate` (a number compared only with a number...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from supplychain_kg.ingest.descriptions import Lit, Value
from supplychain_kg.namespaces import SH, XSD
from supplychain_kg.validate import LEXICAL_TYPES, Validator, lexical_problem, short_name

__all__ = ["Rule", "compile_rules"]

_NUMERIC = {XSD + t for t in ("decimal", "integer", "double", "float", "int", "long")}


@dataclass(frozen=True, eq=False)
class Rule:
    """One property constraint of a shape, ready to evaluate on a resource's values (rules
    are told apart by identity: two shapes may state the same constraint)."""

    path: str
    short: str
    message: str
    min_count: int | None
    max_count: int | None
    datatype: str | None
    node_kind: str | None
    allowed: frozenset[str] | None
    pattern: re.Pattern[str] | None
    min_inclusive: Decimal | None
    max_inclusive: Decimal | None
    classes: frozenset[str] | None  # the class of sh:class and its subclasses

    def bad_value(self, value: Value) -> bool:
        """Whether ``value`` breaks a value constraint (as the SPARQL filters would say)."""
        if isinstance(value, str):
            return self._bad_iri(value)
        if self.datatype is not None and value[1] != self.datatype:
            return True
        if value[1] in LEXICAL_TYPES and lexical_problem(value[0], value[1]) is not None:
            return True
        kind = self.node_kind
        if kind is not None and kind != SH + "Literal":
            return True
        if self.allowed is not None:
            return True
        if self.pattern is not None and not self.pattern.search(value[0]):
            return True
        if self.min_inclusive is not None or self.max_inclusive is not None:
            number = _number(value)
            if number is not None and (
                (self.min_inclusive is not None and number < self.min_inclusive)
                or (self.max_inclusive is not None and number > self.max_inclusive)
            ):
                return True
        return False

    def _bad_iri(self, value: str) -> bool:
        kind = self.node_kind
        if self.datatype is not None or (kind is not None and kind != SH + "IRI"):
            return True
        if self.allowed is not None and value not in self.allowed:
            return True
        return self.pattern is not None and not self.pattern.search(value)


def _number(value: Lit) -> Decimal | None:
    if value[1] not in _NUMERIC:
        return None  # SPARQL compares only numbers with numbers: no violation
    try:
        return Decimal(value[0])
    except InvalidOperation:
        return None


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def compile_rules(validator: Validator) -> tuple[dict[str, list[Rule]], dict[str, list[Rule]]]:
    """(class -> rules of the shapes that target it, predicate -> rules of the shapes that
    target the subjects of that predicate)."""
    by_class: dict[str, list[Rule]] = {}
    by_subject_of: dict[str, list[Rule]] = {}
    onto = validator.ontology
    for shape in validator.shapes:
        rules = []
        for prop in shape.properties:
            p = prop.params
            cls = p.get("class")
            pattern = p.get("pattern")
            allowed = p.get("in")
            rules.append(
                Rule(
                    path=prop.path,
                    short=short_name(prop.path),
                    message=prop.message,
                    min_count=int(str(p["minCount"])) if "minCount" in p else None,
                    max_count=int(str(p["maxCount"])) if "maxCount" in p else None,
                    datatype=str(p["datatype"]) if "datatype" in p else None,
                    node_kind=str(p["nodeKind"]) if "nodeKind" in p else None,
                    allowed=frozenset(allowed) if isinstance(allowed, list) else None,
                    pattern=re.compile(str(pattern)) if pattern is not None else None,
                    min_inclusive=_decimal(p.get("minInclusive")),
                    max_inclusive=_decimal(p.get("maxInclusive")),
                    classes=onto.closure(str(cls)) if cls is not None else None,
                )
            )
        for target in shape.target_classes:
            for cls in onto.closure(target):
                by_class.setdefault(cls, []).extend(rules)
        for pred in shape.target_subjects_of:
            by_subject_of.setdefault(pred, []).extend(rules)
    return by_class, by_subject_of
