"""Validation of an import while it is written: each resource checked as it is described.

An importer describes each resource whole, in one call (an entity with its types, id, names,
identifiers and countries; a claim with its evidence and direct triple; a source document).
:class:`RecordChecker` checks each description against the shapes of ``graph/shapes.ttl`` and
the model's rules, in Python: the same SHACL Core constraints as :mod:`..validate`, evaluated
one resource at a time instead of one query per constraint over a staging store. This is what
lets a large import be bulk-loaded chunk by chunk without parsing each chunk a second time
into a store to query it.

What one description cannot settle alone is settled by the *ledger* of what this import
described (a fingerprint of each subject with its types, and of each id with its owner) and by
the store as it was before the import (read once into memory when it is small, else looked up):

* a value that must have a class (a claim's subject is an entity; its source a source
  document) is found among the types this import gave, else in the store; a value found in
  neither (it may be described later in the input) is checked again at the end;
* an id (``skg:slug``) may not be used by another resource, of this import or of the store;
* a subject described a second time, or already in the store, has values that add up with
  those it has already: it is validated again at the end, in the store, by the SPARQL
  validator (its subjects spooled to a file, so that a re-import of a large file does not
  hold them in memory), as is a description that writes a claimed relation outside a claim.
  A resource of the store whose description only repeats triples the store has is left
  alone: the store was valid and is unchanged for it.

Fingerprints are Python's 64-bit string hashes (in :class:`.ledger.FingerprintTable`): a
different resource with the same hash (about one chance in 10^7 for a million resources) could
hide one missing type or duplicated id.

An import that fits one chunk is parsed into a staging store and validated by
:mod:`..validate` (this checker's findings are not used); one written in several chunks relies
on this checker. The tests check that both find the same problems.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import compress, islice
from operator import itemgetter
from typing import TypeVar

from supplychain_kg.errors import Violation
from supplychain_kg.ingest.ledger import FingerprintTable
from supplychain_kg.model import IRI, Literal, Term, term_to_sparql
from supplychain_kg.namespaces import RDF, SH, SKG, XSD
from supplychain_kg.store import Store
from supplychain_kg.validate import Validator, short_name

__all__ = ["PRELOAD_TRIPLES", "Lit", "RecordChecker", "StoreFacts", "Value", "batches"]

_T = TypeVar("_T")

Lit = tuple[str, str]
"""A literal: (lexical form, datatype IRI)."""
Value = str | Lit
"""An IRI (a ``str``) or a literal."""
Pairs = Sequence[tuple[str, Value]]

TYPE = RDF + "type"
SLUG = SKG + "slug"
PRELOAD_TRIPLES = 200_000
"""A store of at most this many triples is read into memory by an import that is not small
(its subjects, ids and types); a larger one is looked up, a batch of descriptions at a time."""
_BATCH = 2000
_LOOKUP = 1000
_NUMERIC = {XSD + t for t in ("decimal", "integer", "double", "float", "int", "long")}
_MAX_VIOLATIONS = 1000
_RECHECK_BATCH = 20_000  # subjects validated again in the store at a time


_first = itemgetter(0)
_second = itemgetter(1)
_TYPE_EQ = TYPE.__eq__


def _show(value: Value) -> str:
    if isinstance(value, str):
        return f"<{value}>"
    return term_to_sparql(Literal(value[0], value[1]))


def _lit(text: str) -> str:
    return term_to_sparql(Literal(text))


def _values(var: str, items: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(items)} }}"


def batches(items: list[_T], size: int = _LOOKUP) -> Iterator[list[_T]]:
    """``items`` in lists of ``size`` (one store query each)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, eq=False)
class _Rule:
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


def _compile(validator: Validator) -> tuple[dict[str, list[_Rule]], dict[str, list[_Rule]]]:
    """(class -> rules of the shapes that target it, predicate -> rules of the shapes that
    target the subjects of that predicate)."""
    by_class: dict[str, list[_Rule]] = {}
    by_subject_of: dict[str, list[_Rule]] = {}
    onto = validator.ontology
    for shape in validator.shapes:
        rules = []
        for prop in shape.properties:
            p = prop.params
            cls = p.get("class")
            pattern = p.get("pattern")
            allowed = p.get("in")
            rules.append(
                _Rule(
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


@dataclass(frozen=True)
class _Plan:
    """How to check a description of one form (its predicates, in order, and its types)."""

    types: frozenset[str]
    typeset: int  # its number in the checker's list of type sets
    rules: list[_Rule]
    simple: bool  # every count is right: only values need a look (else: the full check)
    value_checks: tuple[tuple[int, _Rule], ...]  # (index in the description, rule)
    class_checks: tuple[tuple[int, _Rule], ...]
    slugs: tuple[int, ...]
    outside: bool  # gives a claimed relation (only a claim's direct triple may)
    claim: tuple[int, int, int, int] | None  # indexes of relation, object, subject, stance


class StoreFacts:
    """What the store held when the import began, for the keys this import did not write.

    Once an import has asked about ``_BATCH`` keys (it is not a small one), a store of at most
    ``preload`` triples is read into memory (its subjects, ids and types); until then, and for
    a larger store, keys are looked up in the store, a batch at a time. Either way the answer
    is only right for keys the import did not write, which the callers make sure of (they ask
    the ledger first).
    """

    def __init__(self, store: Store, preload: int = PRELOAD_TRIPLES) -> None:
        self.store = store
        self.preload = preload
        self._asked = 0
        # the store's content, once read (None: looked up)
        self.subjects: set[str] | None = None
        self.slugs: dict[str, str] = {}
        self.types: dict[str, set[str]] | None = None

    def _ask(self, keys: int) -> None:
        before, self._asked = self._asked, self._asked + keys
        if before < _BATCH <= self._asked:
            self._load()

    def _load(self) -> None:
        if len(self.store) > self.preload:
            return  # too large to hold: look keys up
        query = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o FILTER(isIRI(?s)) }} LIMIT {self.preload + 1}"
        rows = list(self.store.query(query).rows())
        if len(rows) > self.preload:
            return  # too large to hold: look keys up
        subjects: set[str] = set()
        slugs: dict[str, str] = {}
        types: dict[str, set[str]] = {}
        for row in rows:
            s, p, o = row["s"].value, row["p"].value, row["o"]
            subjects.add(s)
            if p == SLUG and isinstance(o, Literal):
                slugs.setdefault(o.value, s)
            elif p == TYPE and isinstance(o, IRI):
                types.setdefault(s, set()).add(o.value)
        self.subjects, self.slugs, self.types = subjects, slugs, types

    def subjects_among(self, iris: Sequence[str]) -> set[str]:
        """The IRIs of ``iris`` that are subjects of a triple in the store."""
        self._ask(len(iris))
        if self.subjects is not None:
            return self.subjects.intersection(iris)
        found: set[str] = set()
        for chunk in batches(sorted(set(iris))):
            values = _values("s", (f"<{i}>" for i in chunk))
            query = f"SELECT DISTINCT ?s WHERE {{ {values} ?s ?p [] }}"
            found.update(str(r["s"].value) for r in self.store.query(query).rows())
        return found

    def slug_owners(self, slugs: Sequence[str]) -> dict[str, str]:
        """Id -> a resource of the store that has it, for the ids of ``slugs`` in use."""
        self._ask(len(slugs))
        if self.subjects is not None:
            known = self.slugs
            return {s: known[s] for s in slugs if s in known}
        found: dict[str, str] = {}
        for chunk in batches(sorted(set(slugs))):
            values = _values("slug", (_lit(s) for s in chunk))
            query = f"SELECT ?slug ?x WHERE {{ {values} ?x <{SLUG}> ?slug }}"
            for row in self.store.query(query).rows():
                found.setdefault(str(row["slug"].value), str(row["x"].value))
        return found

    def types_of(self, iris: Sequence[str]) -> dict[str, set[str]]:
        """IRI -> its types in the store, for the IRIs of ``iris`` that have one."""
        self._ask(len(iris))
        if self.types is not None:
            known = self.types
            return {i: known[i] for i in iris if i in known}
        return _types_in(self.store, sorted(set(iris)))


class RecordChecker:
    """Checks the resources an import describes, in batches, and remembers what it checked.

    ``describe`` queues a description; every ``_BATCH`` descriptions (and at ``flush``) the
    store is asked, once for the batch, about the subjects, ids and referenced values the
    ledger does not know, and each description is checked. Violations are collected in
    ``violations`` (at most 1,000 are kept); ``finish`` settles what was left for the end.
    """

    def __init__(self, validator: Validator, facts: StoreFacts) -> None:
        self.validator = validator
        self.facts = facts
        onto = validator.ontology
        self._claimed = onto.claimed_relations
        self._literal = onto.literal_relations
        self._claim_classes = onto.closure(SKG + "Claim")
        self._by_class, self._by_subject_of = _compile(validator)
        self._class_paths = {
            r.path for rules in self._by_class.values() for r in rules if r.classes
        } | {r.path for rules in self._by_subject_of.values() for r in rules if r.classes}
        self._plans: dict[tuple[tuple[str, ...], tuple[Value, ...]], _Plan] = {}
        self._typeset_ids: dict[frozenset[str], int] = {}
        self._typesets: list[frozenset[str]] = []
        # the ledger: fingerprints of what this import described
        self.types = FingerprintTable(values="h")  # subject -> its types (their set's number)
        self.slugs = FingerprintTable()  # id -> its owner
        self._queue: list[tuple[str, Pairs, tuple[str, str, str] | None]] = []
        self._store_types: dict[str, frozenset[str]] = {}  # referenced IRIs, from the store
        self.violations: list[Violation] = []
        self.dropped = 0  # violations beyond the first _MAX_VIOLATIONS
        # subjects to validate again in the store at the end, spooled (a re-import describes
        # every resource again)
        self._recheck = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed by close())
        self.rechecks = 0
        self._stored: list[tuple[str, Pairs, tuple[str, str, str] | None]] = []
        self._pending: list[tuple[str, _Rule, str]] = []  # (focus, rule, untyped value)

    # -- what the ledger knows -------------------------------------------------------------

    def described(self, iri: str) -> bool:
        return self.types.get(hash(iri)) is not None

    def slug_owner(self, slug: str) -> int | None:
        """The fingerprint of the resource this import gave ``slug`` (None: none did)."""
        return self.slugs.get(hash(slug))

    # -- checking --------------------------------------------------------------------------

    def describe(
        self, subject: str, pairs: Pairs, direct: tuple[str, str, str] | None = None
    ) -> None:
        """Queue the description of ``subject`` (and, for a claim, the direct triple written
        with it) to be checked."""
        facts = self.facts
        if facts.subjects is not None and not self._queue:  # in memory: no batch to gather
            self._check(subject, pairs, direct, subject in facts.subjects, facts.slugs)
            return
        self._queue.append((subject, pairs, direct))
        if len(self._queue) >= _BATCH:
            self.flush()

    def _add_recheck(self, subject: str) -> None:
        """Validate ``subject`` again at the end, in the store: its values add up with those
        it already has."""
        self._recheck.write(subject + "\n")
        self.rechecks += 1

    def _settle_stored(self) -> None:
        """Descriptions of resources the store held before the import: those that give a
        triple the store does not have are validated again at the end. Each subject's triples
        are read from the store (one scan each; a claim's direct triple is looked up) and
        compared as N-Triples terms; a term the store writes differently (a literal in another
        lexical form) only costs a check at the end."""
        stored, self._stored = self._stored, []
        if not stored:
            return
        have: set[str] = set()
        subjects = sorted({d[0] for d in stored})
        for chunk in batches(subjects):
            have |= _tsv_rows(
                self.facts.store, f"{_values('s', (f'<{i}>' for i in chunk))} ?s ?p ?o"
            )
        directs = sorted({"(<{}> <{}> <{}>)".format(*d[2]) for d in stored if d[2] is not None})
        for chunk in batches(directs):
            have |= _tsv_rows(
                self.facts.store, f"VALUES (?s ?p ?o) {{ {' '.join(chunk)} }} ?s ?p ?o"
            )
        for subject, pairs, direct in stored:
            s = f"<{subject}>\t<"
            new = any(f"{s}{pred}>\t{_show(value)}" not in have for pred, value in pairs)
            if new or (direct is not None and "<{}>\t<{}>\t<{}>".format(*direct) not in have):
                self._add_recheck(subject)

    def flush(self) -> None:
        """Check every queued description."""
        queue, self._queue = self._queue, []
        if not queue:
            self._settle_stored()
            return
        types, slugs, class_paths = self.types, self.slugs, self._class_paths
        fresh = [s for s, _, _ in queue if types.get(hash(s)) is None]
        in_store = self.facts.subjects_among(fresh) if fresh else set()
        wanted_slugs: list[str] = []
        refs: set[str] = set()
        for _, pairs, _ in queue:
            for pred, value in pairs:
                if pred == SLUG:
                    if not isinstance(value, str) and slugs.get(hash(value[0])) is None:
                        wanted_slugs.append(value[0])
                elif (
                    pred in class_paths
                    and isinstance(value, str)
                    and types.get(hash(value)) is None
                    and value not in self._store_types
                ):
                    refs.add(value)
        owners = self.facts.slug_owners(wanted_slugs) if wanted_slugs else {}
        if refs:
            found = self.facts.types_of(sorted(refs))
            for iri in refs:
                self._store_types[iri] = frozenset(found.get(iri, ()))
        for subject, pairs, direct in queue:
            self._check(subject, pairs, direct, subject in in_store, owners)
        self._settle_stored()
        if len(self._store_types) > 100_000:
            self._store_types.clear()

    def _add(self, violation: Violation) -> None:
        if self.violations and self.violations[-1] == violation:
            return  # the same value given twice
        if len(self.violations) < _MAX_VIOLATIONS:
            self.violations.append(violation)
        else:
            self.dropped += 1

    def _check(
        self,
        subject: str,
        pairs: Pairs,
        direct: tuple[str, str, str] | None,
        stored: bool,
        owners: dict[str, str],
    ) -> None:
        preds = tuple(map(_first, pairs))
        signature = (preds, tuple(compress(map(_second, pairs), map(_TYPE_EQ, preds))))
        plan = self._plans.get(signature)
        if plan is None:
            plan = self._plans[signature] = self._plan(pairs)
        key = hash(subject)
        known = self.types.get(key)
        before = None if known is None else self._typesets[known]
        if before is None:
            self.types.put(key, plan.typeset)
        elif not plan.types <= before:
            self.types.put(key, self._typeset(before | plan.types))
        for i in plan.slugs:
            self._check_slug(subject, key, pairs[i][1], owners)
        if stored and before is None:
            # in the store before the import: if it says nothing new, the store (valid) is
            # unchanged for it; that is asked a batch at a time
            self._stored.append((subject, pairs, direct))
            if len(self._stored) >= _BATCH:
                self._settle_stored()
            return
        if before is not None or (direct is None and plan.outside):
            self._add_recheck(subject)
            return
        if not plan.simple:
            values: dict[str, list[Value]] = {}
            for pred, value in pairs:
                values.setdefault(pred, []).append(value)
            for rule in plan.rules:
                self._check_rule(subject, rule, values.get(rule.path, ()))
        else:
            for i, rule in plan.value_checks:
                value = pairs[i][1]
                if rule.bad_value(value):
                    self._add(Violation(subject, rule.short, "value", rule.message, _show(value)))
            for i, rule in plan.class_checks:
                self._check_class(subject, rule, pairs[i][1])
        if plan.claim is not None:
            parts = tuple(pairs[i][1] if i >= 0 else None for i in plan.claim)
            self._check_claim(subject, parts, direct)
        elif direct is not None:
            self._unbacked(direct)

    def _plan(self, pairs: Pairs) -> _Plan:
        """What checking a description with these predicates (and types) takes; the same for
        every description of the same form (most of an import's)."""
        preds = [p for p, _ in pairs]
        types = frozenset(v for p, v in pairs if p == TYPE and isinstance(v, str))
        typeset = self._typeset(types)
        types = self._typesets[typeset]
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
        return _Plan(
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

    def _typeset(self, types: frozenset[str]) -> int:
        """The number of a set of types (the ledger keeps numbers)."""
        number = self._typeset_ids.get(types)
        if number is None:
            number = self._typeset_ids[types] = len(self._typesets)
            self._typesets.append(types)
        return number

    def _rules(self, types: frozenset[str], preds: set[str]) -> list[_Rule]:
        """The rules of every shape that targets a resource of ``types`` with ``preds``."""
        rules: list[_Rule] = []
        for cls in sorted(types):
            rules += [r for r in self._by_class.get(cls, ()) if r not in rules]
        for pred, targeted in self._by_subject_of.items():
            if pred in preds:
                rules += [r for r in targeted if r not in rules]
        return rules

    def _check_rule(self, focus: str, rule: _Rule, given: Sequence[Value]) -> None:
        values = list(dict.fromkeys(given)) if len(given) > 1 else given
        n = len(values)
        if rule.min_count is not None and n < rule.min_count:
            detail = f"{n} value(s), at least {rule.min_count} needed"
            self._add(Violation(focus, rule.short, "minCount", rule.message, detail))
        if rule.max_count is not None and n > rule.max_count:
            detail = f"{n} values, at most {rule.max_count}"
            self._add(Violation(focus, rule.short, "maxCount", rule.message, detail))
        for value in values:
            if rule.bad_value(value):
                self._add(Violation(focus, rule.short, "value", rule.message, _show(value)))
            if rule.classes is not None:
                self._check_class(focus, rule, value)

    def _check_class(self, focus: str, rule: _Rule, value: Value) -> None:
        assert rule.classes is not None
        if self._has_class(value, rule.classes):
            return
        if isinstance(value, str):
            self._pending.append((focus, rule, value))  # may be described later
        else:
            self._add(Violation(focus, rule.short, "class", rule.message, _show(value)))

    def _has_class(self, value: Value, classes: frozenset[str]) -> bool:
        if not isinstance(value, str):
            return False
        known = self.types.get(hash(value))
        if known is not None and self._typesets[known] & classes:
            return True
        stored = self._store_types.get(value)
        if stored is None and self.facts.types is not None:
            return bool(self.facts.types.get(value, frozenset()) & classes)
        return stored is not None and bool(stored & classes)

    def _check_slug(self, subject: str, key: int, value: Value, owners: dict[str, str]) -> None:
        if isinstance(value, str):
            return  # not a literal: the shapes' datatype rule says so
        slug = value[0]
        mark = hash(slug)
        owner = self.slugs.get(mark)
        if owner is None:
            other = owners.get(slug)
            if other is not None and other != subject:
                used = f"{slug!r} used by <{other}>, <{subject}>"
                message = "ids must be unique; the store already uses this one for another resource"
                self._add(Violation(subject, "skg:slug", "unique-slug", message, used))
            self.slugs.put(mark, key)
        elif owner != key:
            used = f"{slug!r} on <{subject}> and on another resource of this import"
            message = "ids must be unique; this one is used by several resources"
            self._add(Violation(subject, "skg:slug", "unique-slug", message, used))

    def _check_claim(
        self,
        focus: str,
        parts: tuple[Value | None, ...],
        direct: tuple[str, str, str] | None,
    ) -> None:
        """The model's rules for a claim: a known relation, an object of the right kind, and
        the direct triple of an asserted claim about two entities (and only of that).
        ``parts``: the claim's relation, object, subject and (if one) stance."""
        relation, obj, subject, stance = parts
        asserted = stance == SKG + "Asserted"
        if not isinstance(relation, str) or obj is None:
            if direct is not None:
                self._unbacked(direct)
            return  # the shapes' minCount and nodeKind rules say what is missing
        if relation not in self._claimed and relation not in self._literal:
            message = "a claim's relation must be a claimed or literal relation of the vocabulary"
            self._add(Violation(focus, "skg:relation", "known-relation", message, f"<{relation}>"))
        elif relation in self._claimed and not isinstance(obj, str):
            message = f"{short_name(relation)} links two entities: its object must be an IRI"
            self._add(Violation(focus, "skg:object", "object-kind", message, _show(obj)))
        elif relation in self._literal and isinstance(obj, str):
            message = f"{short_name(relation)} has a value: its object must be a literal"
            self._add(Violation(focus, "skg:object", "object-kind", message, _show(obj)))
        needs = (
            asserted
            and relation in self._claimed
            and isinstance(obj, str)
            and isinstance(subject, str)
        )
        expected = (subject, relation, obj) if needs else None
        if needs and direct != expected:
            message = (
                "an asserted claim needs its direct triple (subject relation object) in the data"
            )
            detail = f"no <{subject}> {short_name(relation)} <{obj}>"
            self._add(Violation(focus, "skg:object", "direct-triple", message, detail))
        if direct is not None and direct != expected:
            self._unbacked(direct)

    def _unbacked(self, direct: tuple[str, str, str]) -> None:
        s, rel, o = direct
        message = "a direct triple needs a claim with stance skg:Asserted that backs it"
        self._add(Violation(s, short_name(rel), "claim-backed", message, f"<{o}>"))

    # -- the end ---------------------------------------------------------------------------

    def finish(self, store: Store) -> list[Violation]:
        """Once everything is written to ``store``: settle the values whose class was not
        known when they were checked, and validate the subjects described more than once (or
        already stored) with their values in the store. Returns every violation."""
        self.flush()
        pending, self._pending = self._pending, []
        unknown = sorted(
            {v for _, rule, v in pending if not self._has_class(v, rule.classes or frozenset())}
        )
        if unknown:
            found = _types_in(store, unknown)
            for iri in unknown:
                self._store_types[iri] = frozenset(found.get(iri, ()))
        for focus, rule, value in pending:
            if not self._has_class(value, rule.classes or frozenset()):
                self._add(Violation(focus, rule.short, "class", rule.message, _show(value)))
        self._recheck.seek(0)
        while len(self.violations) < _MAX_VIOLATIONS:
            batch = {line.rstrip("\n") for line in islice(self._recheck, _RECHECK_BATCH)}
            if not batch:
                break
            for violation in _validate_in_store(self.validator, store, sorted(batch)):
                self._add(violation)
        self.close()
        return self.violations

    def close(self) -> None:
        """Remove the spool of subjects to validate again (``finish`` does it too)."""
        self._recheck.close()


def _tsv_rows(store: Store, where: str) -> set[str]:
    """The rows of ``SELECT ?s ?p ?o WHERE { <where> }`` as tab-separated N-Triples terms."""
    answer = store.query(f"SELECT ?s ?p ?o WHERE {{ {where} }}").serialize(
        "text/tab-separated-values"
    )
    return set((answer or b"").decode("utf-8").split("\n")[1:])


def _types_in(store: Store, iris: list[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for chunk in batches(iris):
        values = _values("x", (f"<{i}>" for i in chunk))
        for row in store.query(f"SELECT ?x ?t WHERE {{ {values} ?x a ?t }}").rows():
            found.setdefault(str(row["x"].value), set()).add(str(row["t"].value))
    return found


def _validate_in_store(validator: Validator, store: Store, subjects: list[str]) -> list[Violation]:
    """Validate ``subjects`` as the store now describes them (with the store as context)."""
    staging = store.staging()
    lines: list[str] = []
    for chunk in batches(subjects):
        values = _values("s", (f"<{i}>" for i in chunk))
        query = f"SELECT ?s ?p ?o WHERE {{ {values} ?s ?p ?o }}"
        for row in store.query(query).rows():
            lines.append(f"<{row['s'].value}> <{row['p'].value}> {_term(row['o'])} .\n")
    staging.parse_into("".join(lines).encode("utf-8"), "application/n-quads")
    return validator.validate(staging, store)


def _term(term: Term) -> str:
    return f"<{term.value}>" if isinstance(term, IRI) else term_to_sparql(term)
