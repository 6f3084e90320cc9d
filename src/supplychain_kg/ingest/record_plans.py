"""How the record checker checks a description of a given form (its predicates, in order, and
its types): the rules that apply, whether its counts are right, which values need a look, where
its id and (for a claim) its relation, object, subject and stance are. Most of an import's
descriptions share a few forms, so each form is planned once."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress
from operator import itemgetter

from supplychain_kg.ingest.descriptions import SLUG, TYPE, Pairs, Value
from supplychain_kg.ingest.record_rules import Rule, compile_rules
from supplychain_kg.namespaces import SKG
from supplychain_kg.validate import Validator

__all__ = ["Plan", "Planner"]

_first = itemgetter(0)
_second = itemgetter(1)
_TYPE_EQ = TYPE.__eq__


@dataclass(frozen=True)
class Plan:
    """How to check a description of one form (its predicates, in order, and its types)."""

    types: frozenset[str]
    typeset: int  # its number in the checker's list of type sets
    rules: list[Rule]
    simple: bool  # every count is right: only values need a look (else: the full check)
    value_checks: tuple[tuple[int, Rule], ...]  # (index in the description, rule)
    class_checks: tuple[tuple[int, Rule], ...]
    slugs: tuple[int, ...]
    outside: bool  # gives a claimed relation (only a claim's direct triple may)
    claim: tuple[int, int, int, int] | None  # indexes of relation, object, subject, stance


class Planner:
    """The plans of one import, by form, and the sets of types its resources have (numbered:
    the ledger keeps a number for each resource's types)."""

    def __init__(self, validator: Validator) -> None:
        onto = validator.ontology
        self._claimed = onto.claimed_relations
        self._claim_classes = onto.closure(SKG + "Claim")
        self._by_class, self._by_subject_of = compile_rules(validator)
        self.class_paths = {
            r.path for rules in self._by_class.values() for r in rules if r.classes
        } | {r.path for rules in self._by_subject_of.values() for r in rules if r.classes}
        """The predicates whose values must have a class."""
        self._plans: dict[tuple[tuple[str, ...], tuple[Value, ...]], Plan] = {}
        self._typeset_ids: dict[frozenset[str], int] = {}
        self.typesets: list[frozenset[str]] = []
        """The sets of types, by number."""

    def plan_for(self, pairs: Pairs) -> Plan:
        """The plan of a description of the form of ``pairs``."""
        preds = tuple(map(_first, pairs))
        signature = (preds, tuple(compress(map(_second, pairs), map(_TYPE_EQ, preds))))
        plan = self._plans.get(signature)
        if plan is None:
            plan = self._plans[signature] = self._plan(pairs)
        return plan

    def _plan(self, pairs: Pairs) -> Plan:
        """What checking a description with these predicates (and types) takes; the same for
        every description of the same form (most of an import's)."""
        preds = [p for p, _ in pairs]
        types = frozenset(v for p, v in pairs if p == TYPE and isinstance(v, str))
        typeset = self.typeset(types)
        types = self.typesets[typeset]
        rules = self._rules(types, set(preds))
        counts = {p: preds.count(p) for p in set(preds)}
        simple = all(
            (r.min_count is None or counts.get(r.path, 0) >= r.min_count)
            and (r.max_count is None or counts.get(r.path, 0) <= r.max_count)
            for r in rules
        )
        value_checks = []
        class_checks = []
        for rule in rules:
            constrained = (
                rule.datatype
                or rule.node_kind
                or rule.allowed
                or rule.pattern
                or rule.min_inclusive is not None
                or rule.max_inclusive is not None
            )
            for i, pred in enumerate(preds):
                if pred == rule.path:
                    if constrained:
                        value_checks.append((i, rule))
                    if rule.classes is not None:
                        class_checks.append((i, rule))
        claim = None
        if types & self._claim_classes:
            at = {p: i for i, p in reversed(list(enumerate(preds)))}
            stance = [i for i, p in enumerate(preds) if p == SKG + "stance"]
            claim = (
                at.get(SKG + "relation", -1),
                at.get(SKG + "object", -1),
                at.get(SKG + "subject", -1),
                stance[0] if len(stance) == 1 else -1,
            )
        return Plan(
            types=types,
            typeset=typeset,
            rules=rules,
            simple=simple,
            value_checks=tuple(value_checks),
            class_checks=tuple(class_checks),
            slugs=tuple(i for i, p in enumerate(preds) if p == SLUG),
            outside=any(p in self._claimed for p in preds),
            claim=claim,
        )

    def typeset(self, types: frozenset[str]) -> int:
        """The number of a set of types (the ledger keeps numbers)."""
        number = self._typeset_ids.get(types)
        if number is None:
            number = self._typeset_ids[types] = len(self.typesets)
            self.typesets.append(types)
        return number

    def _rules(self, types: frozenset[str], preds: set[str]) -> list[Rule]:
        """The rules of every shape that targets a resource of ``types`` with ``preds``."""
        rules: list[Rule] = []
        for cls in sorted(types):
            rules += [r for r in self._by_class.get(cls, ()) if r not in rules]
        for pred, targeted in self._by_subject_of.items():
            if pred in preds:
                rules += [r for r in targeted if r not in rules]
        return rules
