"""One import as it is written: :class:`ImportContext` describes entities, claims and sources
(each checked by the record checker as it is staged), hands the staged data over in chunks and
reports progress; it keeps the registers of who is who (:mod:`.identity`) as it goes.

The writer formats N-Quads text and hands it to the staging store in batches
(``Store.parse_into``): on a million entities this is three times faster than building
:class:`~supplychain_kg.model.Quad` objects and calling ``add_quads``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from supplychain_kg.errors import ParseError, ValidationError, Violation
from supplychain_kg.ingest.checks import RecordChecker
from supplychain_kg.ingest.chunks import NEEDS_ESCAPE, NQUADS, ChunkPipeline, Commit, Writer, lit
from supplychain_kg.ingest.descriptions import Value
from supplychain_kg.ingest.guards import Limits
from supplychain_kg.ingest.identity import IdentityRegisters
from supplychain_kg.ingest.rdf import Progress
from supplychain_kg.ingest.report import ImportReport
from supplychain_kg.ingest.store_facts import StoreFacts
from supplychain_kg.model import XSD_STRING
from supplychain_kg.namespaces import DCTERMS, RDF, RDFS, SCHEMA, SKG, SKOS, XSD
from supplychain_kg.store import Store
from supplychain_kg.validate import Validator

__all__ = ["CHUNK_TRIPLES", "Claim", "ImportContext"]

_STRING = XSD_STRING
_RDF_TYPE = RDF + "type"
_SLUG = SKG + "slug"
_LABEL = RDFS + "label"
_ALT = SKOS + "altLabel"
_IDENT = DCTERMS + "identifier"
_COUNTRY = SKG + "country"
_CLAIM = SKG + "Claim"
_SUBJECT = SKG + "subject"
_RELATION = SKG + "relation"
_OBJECT = SKG + "object"
_STANCE = SKG + "stance"
_SOURCE = SKG + "source"
_QUOTE = SKG + "quote"
_ATTRIBUTION = SKG + "attribution"
_VALID_FROM = SKG + "validFrom"
_VALID_TO = SKG + "validTo"
_AMOUNT = SKG + "amount"
_CURRENCY = SKG + "currency"
_ROLE = SKG + "role"
_DATE = XSD + "date"
_DECIMAL_TYPE = XSD + "decimal"
CHUNK_TRIPLES = 400_000
"""Lines staged before they are handed over to be committed as one chunk."""


@dataclass
class Claim:
    """The evidence of one link, as an importer states it."""

    slug: str
    subject: str
    relation: str
    object: str
    source: str
    quote: str
    attribution: str
    literal: bool = False
    denied: bool = False
    valid_from: str | None = None
    valid_to: str | None = None
    amount: str | None = None
    currency: str | None = None
    role: str | None = None


class ImportContext(IdentityRegisters):
    """One import: the target store (for lookups), the writer, identity and slug registers."""

    def __init__(
        self,
        store: Store,
        base: str,
        kind: str,
        progress: Progress | None = None,
        commit: Commit | None = None,
        *,
        validator: Validator | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.limits = limits or Limits()
        """How deep the input may nest, how long a value may be (ingest/guards)."""
        self.on_commit: list[Callable[[], None]] = []
        self.base = base
        self.staging = store.staging()
        self.pipeline: ChunkPipeline | None = None
        if commit is None:
            self.out = Writer(self._parse)
        else:
            self.pipeline = ChunkPipeline(store, commit, self._landed)
            self.out = Writer(self.pipeline.write)
        self._chunk_start = 0
        self._chunks = 0  # chunks handed over
        self.report = ImportReport(kind)
        self.strict = False
        """Whether a value to drop or repair is an error (``--strict``) instead of reported."""
        self.retract: list[str] = []
        """N-Triples lines to remove from the store when the import is written (the marks
        and stand-in labels of stubs this import describes in place)."""
        self.progress = progress
        facts = StoreFacts(store)
        if validator is None:
            from supplychain_kg.validate import load_validator

            validator = load_validator()
        # every description is checked as it is staged; the checks are what is relied on for
        # an import written in several chunks (each single-chunk import is validated again by
        # the SPARQL validator, from its staging store)
        super().__init__(store, RecordChecker(validator, facts))
        self._started = time.perf_counter()
        self._last_say = self._started

    def _parse(self, data: bytes) -> None:
        self.staging.parse_into(data, NQUADS)

    def _landed(self, triples: int) -> None:
        self.report.triples += triples

    # -- writing ---------------------------------------------------------------------------

    def entity(
        self,
        iri: str,
        slug: str | None,
        types: Iterable[str],
        names: list[str],
        identifiers: Iterable[str] = (),
        *,
        new: bool,
        countries: Iterable[str] = (),
        extra: Iterable[tuple[str, Value]] = (),
        counted: bool = True,
    ) -> None:
        """Describe an entity: a new one fully; a known one only with what it lacks here
        (further identifiers and names as aliases), so that re-importing changes nothing.
        ``extra``: further (predicate, value) pairs of a new entity; ``counted``: whether a
        new one counts as a new entity in the report (not a stub described in place)."""
        pairs: list[tuple[str, Value]] = []
        if new:
            pairs += [(_RDF_TYPE, cls) for cls in types]
            if slug is not None:
                pairs.append((_SLUG, (slug, _STRING)))
            if names:
                first = names[0]
                pairs.append((_LABEL, (first, _STRING)))
                pairs += [(_ALT, (a, _STRING)) for a in names[1:] if a != first]
            if counted and not self.described(iri):
                self.report.entities += 1
            self._names[iri] = set(names)
            pairs += [(_COUNTRY, c) for c in countries]
            pairs += extra
        else:
            have = self._names_of(iri)
            if have is None:
                self.prefetch_names([iri])
                have = self._names[iri]
            for alias in names:
                if alias not in have:
                    pairs.append((_ALT, (alias, _STRING)))
                    have.add(alias)
        known, written, stored = self.known, self._written, self._store_ids
        for ident in identifiers:
            if new or stored.get(ident) != iri:  # else the store gives it this one already
                pairs.append((_IDENT, (ident, _STRING)))
            known.setdefault(ident, iri)
            written.put(hash(ident), 1)
        self.typed.add(iri)
        if pairs:
            self._write(iri, pairs)

    def value_issue(
        self,
        field: str,
        found: object,
        expected: str,
        where: tuple[str, int],
        kept: str | None,
        *,
        path: str | None = None,
    ) -> None:
        """A value of ``field`` (``Ownership.startDate``) that is dropped (``kept`` None) or
        repaired (to ``kept``): counted in the report, or with ``strict`` a ParseError naming
        the file, line, field (``path`` in the record, else ``field``), the value and what
        was expected."""
        issue = self.report.values.get(field)
        if issue is not None and not self.strict:  # counted; the first one is the example
            if kept is None:
                issue.dropped += 1
            else:
                issue.repaired += 1
            return
        file, line = where
        shown = repr(found)
        shown = shown if len(shown) <= 80 else shown[:79] + "…"
        if self.strict:
            raise ParseError(
                f"field '{path or field}': expected {expected}, found {shown} (--strict refuses any "
                "value that would be dropped or repaired)",
                path=file,
                line=line,
            )
        outcome = "dropped" if kept is None else f"kept {kept!r}"
        example = f"{file}:{line}: {shown}: expected {expected}; {outcome}"
        self.report.value_issue(field, kept is not None, example)

    def _write(
        self,
        subject: str,
        pairs: list[tuple[str, Value]],
        direct: tuple[str, str, str] | None = None,
    ) -> None:
        """Stage one resource's description (checked by the record checker)."""
        s = f"<{subject}> <"
        # a plain string that needs no escaping (most values) is written here; others by lit
        lines = [
            f"{s}{p}> <{v}> .\n"
            if v.__class__ is str
            else f'{s}{p}> "{v[0]}" .\n'
            if v[1] == _STRING and not NEEDS_ESCAPE.search(v[0])
            else f"{s}{p}> {lit(v[0], v[1])} .\n"
            for p, v in pairs
        ]
        if direct is not None:
            lines.append(f"<{direct[0]}> <{direct[1]}> <{direct[2]}> .\n")
        self.out.block("".join(lines), len(lines))
        self.checker.describe(subject, pairs, direct)

    def claim(self, c: Claim) -> None:
        """Write a claim node (under ``<base>claim/``) and, when asserted, its direct triple."""
        stance = "Denied" if c.denied else "Asserted"
        pairs: list[tuple[str, Value]] = [
            (_RDF_TYPE, _CLAIM),
            (_SLUG, (c.slug, _STRING)),
            (_SUBJECT, c.subject),
            (_RELATION, c.relation),
            (_OBJECT, (c.object, _STRING) if c.literal else c.object),
            (_STANCE, SKG + stance),
            (_SOURCE, c.source),
            (_QUOTE, (c.quote, _STRING)),
            (_ATTRIBUTION, (c.attribution, _STRING)),
        ]
        if c.valid_from:
            pairs.append((_VALID_FROM, (c.valid_from, _DATE)))
        if c.valid_to:
            pairs.append((_VALID_TO, (c.valid_to, _DATE)))
        if c.amount:
            pairs.append((_AMOUNT, (c.amount, _DECIMAL_TYPE)))
        if c.currency:
            pairs.append((_CURRENCY, (c.currency, _STRING)))
        if c.role:
            pairs.append((_ROLE, (c.role, _STRING)))
        direct = None if c.denied or c.literal else (c.subject, c.relation, c.object)
        self._write(f"{self.base}claim/{c.slug}", pairs, direct)
        self.report.claims += 1

    def source(
        self,
        iri: str,
        slug: str,
        title: str,
        publisher: str,
        *,
        date: str | None = None,
        url: str | None = None,
        file: str | None = None,
    ) -> None:
        pairs: list[tuple[str, Value]] = [
            (_RDF_TYPE, SKG + "SourceDocument"),
            (_SLUG, (slug, _STRING)),
            (DCTERMS + "title", (title, _STRING)),
            (DCTERMS + "publisher", publisher),
        ]
        if date:
            kind = {4: "gYear", 7: "gYearMonth"}.get(len(date), "date")
            pairs.append((DCTERMS + "date", (date, XSD + kind)))
        if url:
            pairs.append((SCHEMA + "url", url))
        if file:
            pairs.append((SKG + "sourceFile", (file, _STRING)))
        self._write(iri, pairs)
        self.typed.add(iri)

    # -- chunks ----------------------------------------------------------------------------

    def maybe_commit(self, *, final: bool = False) -> None:
        """With a ``commit`` callback (a store that can roll back a group of writes), hand
        the staged data over once it holds ``CHUNK_TRIPLES`` lines (or at the end) to be
        committed in the background (see :mod:`.chunks`), so that memory stays flat however
        large the input and staging goes on while the engine writes.

        An import written in several chunks is validated here, as it is staged (by the
        record checker, :mod:`.checks`), and its chunks are bulk-loaded as they are; one that
        fits a single chunk is validated from its staging store by the SPARQL validator."""
        # the first chunks are smaller (a quarter, a half), so that the background starts
        # early and is not left idle while the importer stages a full chunk
        size = CHUNK_TRIPLES >> max(0, 2 - self._chunks)
        if self.pipeline is None or (not final and self.out.lines - self._chunk_start < size):
            return
        several = not final or self._chunks > 0
        if several:
            self.checker.flush()
            self._raise_violations()
        self.out.flush()
        lines = self.out.lines - self._chunk_start
        if several:  # written as they are: no staging store counts them
            self.report.triples += lines
        self._chunk_start = self.out.lines
        self._chunks += 1
        self.pipeline.hand_over(validated=several, lines=lines)
        self.start_chunk()
        for hook in self.on_commit:
            hook()

    def finish(self) -> None:
        """Write what is left: parse it into ``staging`` (no ``commit``), or commit the last
        chunk and wait until every chunk has landed."""
        if self.pipeline is None:
            self.out.flush()
            return
        several = self._chunks > 0
        self.maybe_commit(final=True)
        self.pipeline.wait()
        if several:  # what was left for the end: values described later, shared subjects
            started = time.perf_counter()
            checker = self.checker
            checker.finish(self.store)
            self._raise_violations()
            if self.progress is not None:
                self.progress(
                    f"validated {self.report.triples:,} triples as they were staged "
                    f"({len(checker.types):,} resources; {checker.rechecks:,} described "
                    f"again, checked in the store in {time.perf_counter() - started:.1f} s)"
                )

    def _raise_violations(self) -> None:
        checker = self.checker
        if checker.violations:
            if checker.dropped:
                checker.violations.append(
                    Violation(
                        checker.violations[-1].focus,
                        None,
                        "more",
                        f"{checker.dropped:,} further violations were not listed",
                    )
                )
            raise ValidationError(checker.violations)

    def close(self) -> None:
        """Stop the background commits (waiting for the one in flight; raises its error)."""
        self.checker.close()
        if self.pipeline is not None:
            self.pipeline.close()

    # -- progress --------------------------------------------------------------------------

    def tick(self, records: int = 1, *, force: bool = False) -> None:
        self.report.records += records
        if self.progress is None:
            return
        now = time.perf_counter()
        if force or now - self._last_say >= 2.0:
            self._last_say = now
            elapsed = now - self._started
            rate = self.report.records / elapsed if elapsed > 0 else 0.0
            self.progress(
                f"read {self.report.records:,} records: {self.report.entities:,} entities, "
                f"{self.report.claims:,} claims staged ({rate:,.0f} records/s)"
            )
