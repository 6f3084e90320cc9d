"""Validation of an import while it is written: each resource checked as it is described.

An importer describes each resource whole, in one call (an entity with its types, id, names,
identifiers and countries; a claim with its evidence and direct triple; a source document).
:class:`RecordChecker` checks each description against the shapes of ``graph/shapes.ttl`` and
the model's rules, in Python: the same SHACL Core constraints as :mod:`..validate`, evaluated
one resource at a time instead of one query per constraint over a staging store. This is what
lets a large import be bulk-loaded chunk by chunk without parsing each chunk a second time
into a store to query it.

The shapes are compiled to rules in :mod:`.record_rules` and planned once per form of
description in :mod:`.record_plans`; what the store holds is read by :mod:`.store_facts`.

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

import tempfile
from collections.abc import Sequence
from itertools import islice

from supplychain_kg.errors import Violation
from supplychain_kg.ingest.descriptions import SLUG, Pairs, Value, show_value
from supplychain_kg.ingest.ledger import FingerprintTable
from supplychain_kg.ingest.record_plans import Planner
from supplychain_kg.ingest.record_rules import Rule
from supplychain_kg.ingest.store_facts import (
    BATCH,
    StoreFacts,
    batches,
    tsv_rows,
    types_in,
    validate_in_store,
    values_block,
)
from supplychain_kg.namespaces import SKG
from supplychain_kg.store import Store
from supplychain_kg.validate import Validator, short_name

__all__ = ["RecordChecker"]

_MAX_VIOLATIONS = 1000
_RECHECK_BATCH = 20_000  # subjects validated again in the store at a time


class RecordChecker:
    """Checks the resources an import describes, in batches, and remembers what it checked.

    ``describe`` queues a description; every ``BATCH`` descriptions (and at ``flush``) the
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
        self.plans = Planner(validator)
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
        self._pending: list[tuple[str, Rule, str]] = []  # (focus, rule, untyped value)

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
        if len(self._queue) >= BATCH:
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
            have |= tsv_rows(
                self.facts.store, f"{values_block('s', (f'<{i}>' for i in chunk))} ?s ?p ?o"
            )
        directs = sorted({"(<{}> <{}> <{}>)".format(*d[2]) for d in stored if d[2] is not None})
        for chunk in batches(directs):
            have |= tsv_rows(
                self.facts.store, f"VALUES (?s ?p ?o) {{ {' '.join(chunk)} }} ?s ?p ?o"
            )
        for subject, pairs, direct in stored:
            s = f"<{subject}>\t<"
            new = any(f"{s}{pred}>\t{show_value(value)}" not in have for pred, value in pairs)
            if new or (direct is not None and "<{}>\t<{}>\t<{}>".format(*direct) not in have):
                self._add_recheck(subject)

    def flush(self) -> None:
        """Check every queued description."""
        queue, self._queue = self._queue, []
        if not queue:
            self._settle_stored()
            return
        types, slugs, class_paths = self.types, self.slugs, self.plans.class_paths
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
        plan = self.plans.plan_for(pairs)
        key = hash(subject)
        known = self.types.get(key)
        before = None if known is None else self.plans.typesets[known]
        if before is None:
            self.types.put(key, plan.typeset)
        elif not plan.types <= before:
            self.types.put(key, self.plans.typeset(before | plan.types))
        for i in plan.slugs:
            self._check_slug(subject, key, pairs[i][1], owners)
        if stored and before is None:
            # in the store before the import: if it says nothing new, the store (valid) is
            # unchanged for it; that is asked a batch at a time
            self._stored.append((subject, pairs, direct))
            if len(self._stored) >= BATCH:
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
                    self._add(
                        Violation(subject, rule.short, "value", rule.message, show_value(value))
                    )
            for i, rule in plan.class_checks:
                self._check_class(subject, rule, pairs[i][1])
        if plan.claim is not None:
            parts = tuple(pairs[i][1] if i >= 0 else None for i in plan.claim)
            self._check_claim(subject, parts, direct)
        elif direct is not None:
            self._unbacked(direct)

    def _check_rule(self, focus: str, rule: Rule, given: Sequence[Value]) -> None:
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
                self._add(Violation(focus, rule.short, "value", rule.message, show_value(value)))
            if rule.classes is not None:
                self._check_class(focus, rule, value)

    def _check_class(self, focus: str, rule: Rule, value: Value) -> None:
        assert rule.classes is not None
        if self._has_class(value, rule.classes):
            return
        if isinstance(value, str):
            self._pending.append((focus, rule, value))  # may be described later
        else:
            self._add(Violation(focus, rule.short, "class", rule.message, show_value(value)))

    def _has_class(self, value: Value, classes: frozenset[str]) -> bool:
        if not isinstance(value, str):
            return False
        known = self.types.get(hash(value))
        if known is not None and self.plans.typesets[known] & classes:
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
            self._add(Violation(focus, "skg:object", "object-kind", message, show_value(obj)))
        elif relation in self._literal and isinstance(obj, str):
            message = f"{short_name(relation)} has a value: its object must be a literal"
            self._add(Violation(focus, "skg:object", "object-kind", message, show_value(obj)))
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
            found = types_in(store, unknown)
            for iri in unknown:
                self._store_types[iri] = frozenset(found.get(iri, ()))
        for focus, rule, value in pending:
            if not self._has_class(value, rule.classes or frozenset()):
                self._add(Violation(focus, rule.short, "class", rule.message, show_value(value)))
        self._recheck.seek(0)
        while len(self.violations) < _MAX_VIOLATIONS:
            batch = {line.rstrip("\n") for line in islice(self._recheck, _RECHECK_BATCH)}
            if not batch:
                break
            for violation in validate_in_store(self.validator, store, sorted(batch)):
                self._add(violation)
        self.close()
        return self.violations

    def close(self) -> None:
        """Remove the spool of subjects to validate again (``finish`` does it too)."""
        self._recheck.close()
