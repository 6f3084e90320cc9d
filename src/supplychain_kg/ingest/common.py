"""What every importer shares: minting IRIs and slugs, identity by strong identifier, and a
fast writer that stages N-Quads.

Identity rule (the same for CSV, FtM and OCDS, and the seed graph): an entity's strong
identifiers are ``dcterms:identifier`` strings ``scheme:value``: ``wikidata:Q160120``,
``lei:529900T8BM49AURSDO55``, ``ftm:<FtM id>``, ``ocds-party:<ocid>/<party id>`` and
organisation register numbers in org-id.guide form ``<SCHEME>:<number>`` (``GB-COH:09506232``).
Before an importer mints an IRI it looks every identifier up, in the store and among the
entities of the same import; a match means the same entity (its IRI and slug are kept).

The writer formats N-Quads text and hands it to the staging store in batches
(``Store.parse_into``): on a million entities this is three times faster than building
:class:`~supplychain_kg.model.Quad` objects and calling ``add_quads``.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from supplychain_kg.errors import ValidationError, Violation
from supplychain_kg.ingest.checks import RecordChecker
from supplychain_kg.ingest.chunks import NQUADS, ChunkPipeline, Commit, Writer, lit
from supplychain_kg.ingest.descriptions import Value
from supplychain_kg.ingest.guards import Limits
from supplychain_kg.ingest.ledger import FingerprintTable
from supplychain_kg.ingest.rdf import Progress
from supplychain_kg.ingest.store_facts import StoreFacts, batches
from supplychain_kg.model import XSD_STRING
from supplychain_kg.namespaces import DCTERMS, RDF, RDFS, SCHEMA, SKG, SKOS, XSD
from supplychain_kg.store import Store
from supplychain_kg.validate import Validator

__all__ = [
    "ALT",
    "CHUNK_TRIPLES",
    "LABEL",
    "Claim",
    "ImportContext",
    "ImportReport",
    "Writer",
    "full_date",
    "is_decimal",
    "lit",
    "quote_json",
    "slugify",
]

LABEL = f"<{RDFS}label>"
ALT = f"<{SKOS}altLabel>"
IDENT = f"<{DCTERMS}identifier>"
SLUG = f"<{SKG}slug>"
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
_DATE_TEXT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")
_PLAIN_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def slugify(text: str, *, limit: int = 60) -> str:
    """A slug (lowercase ASCII letters, digits, hyphens) for a name; never empty.

    >>> slugify("Frau Dr. Irene Nierstenhöfer")
    'frau-dr-irene-nierstenhofer'
    """
    if len(text) <= limit and _PLAIN_SLUG.match(text):
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")
    return slug or "x" + hashlib.sha1(text.encode()).hexdigest()[:8]


def full_date(value: str | None) -> str | None:
    """The YYYY-MM-DD part of a date or timestamp; None for partial dates ('2011', '2011-12').

    >>> full_date("2010-05-10T09:30:00Z")
    '2010-05-10'
    """
    if not value or not isinstance(value, str):
        return None
    match = _DATE_TEXT.match(value.strip())
    return match.group(1) if match else None


def is_decimal(value: str) -> bool:
    return bool(_DECIMAL.match(value.strip()))


def quote_json(data: Any, limit: int = 600) -> str:
    """A compact JSON excerpt of a structured record, used as a claim's quote."""
    text = json.dumps(data, ensure_ascii=False, separators=(", ", ": "), sort_keys=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    kind: str
    files: int = 0
    records: int = 0
    entities: int = 0
    claims: int = 0
    triples: int = 0
    added: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    by_schema: dict[str, int] = field(default_factory=dict)
    unmapped: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "files": self.files,
            "records": self.records,
            "entities": self.entities,
            "claims": self.claims,
            "triples": self.triples,
            "added": self.added,
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
            "by_schema": dict(sorted(self.by_schema.items())),
            "unmapped": dict(sorted(self.unmapped.items())),
        }


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


class ImportContext:
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
        self.store = store
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
        self.progress = progress
        # Registers of what this import described and the store does not hold yet: the
        # current chunk's, and (``_old``) the chunk being committed in the background.
        self.known: dict[str, str] = {}  # identifier -> IRI, for this import
        self.slugs: dict[str, str] = {}  # slug -> IRI, minted in this import
        self.typed: set[str] = set()  # IRIs this import described
        self._names: dict[str, set[str]] = {}  # IRI -> its names (described or looked up)
        self._known_old: dict[str, str] = {}
        self._slugs_old: dict[str, str] = {}
        self._typed_old: set[str] = set()
        self._names_old: dict[str, set[str]] = {}
        self._store_ids: dict[str, str] = {}
        self._fresh: set[str] = set()  # identifier schemes the store had none of
        self._written = FingerprintTable(values="")  # every identifier this import wrote
        self.facts = StoreFacts(store)
        if validator is None:
            from supplychain_kg.validate import load_validator

            validator = load_validator()
        # every description is checked as it is staged; the checks are what is relied on for
        # an import written in several chunks (each single-chunk import is validated again by
        # the SPARQL validator, from its staging store)
        self.checker = RecordChecker(validator, self.facts)
        self._started = time.perf_counter()
        self._last_say = self._started

    def _parse(self, data: bytes) -> None:
        self.staging.parse_into(data, NQUADS)

    def _landed(self, triples: int) -> None:
        self.report.triples += triples

    # -- lookups in the store (batched) ----------------------------------------------------

    def note_fresh_schemes(self, schemes: Iterable[str]) -> None:
        """Before anything is written: note the identifier schemes (``ftm`` of ``ftm:...``)
        the store has no identifier of. Such an identifier is then in the store only if this
        import wrote it, and is not looked up there when it surely did not."""
        for scheme in schemes:
            ask = f"ASK {{ ?x {IDENT} ?id FILTER(STRSTARTS(STR(?id), {lit(scheme + ':')})) }}"
            if not self.store.query(ask).boolean:
                self._fresh.add(scheme)

    def lookup_identifiers(self, identifiers: Iterable[str]) -> dict[str, str]:
        """Map each identifier already in the store to its entity's IRI (one query per 1,000)."""
        identifiers = list(identifiers)
        stored, fresh, written = self._store_ids, self._fresh, self._written
        wanted = set()
        for ident in identifiers:
            if ident in stored:
                continue
            if fresh and ident.partition(":")[0] in fresh and hash(ident) not in written:
                stored[ident] = ""  # cannot be in the store
            else:
                wanted.add(ident)
        for chunk in batches(sorted(wanted)):
            values = " ".join(lit(i) for i in chunk)
            query = (
                f"SELECT ?id ?x WHERE {{ VALUES ?id {{ {values} }} ?x {IDENT} ?id . ?x {SLUG} [] }}"
            )
            for row in self.store.query(query).rows():
                self._store_ids.setdefault(str(row["id"].value), str(row["x"].value))
            for ident in chunk:
                self._store_ids.setdefault(ident, "")
        return {i: self._store_ids[i] for i in identifiers if self._store_ids.get(i)}

    def confirm_identifiers(self, expected: dict[str, str]) -> bool:
        """Whether the store gives each identifier of ``expected`` to the entity (with an id)
        it maps to: one count, no names read back (entities referred to again after their
        chunk was written are usually where they were minted)."""
        pairs = list(expected.items())
        for chunk in batches(pairs):
            values = " ".join(f"({lit(i)} <{x}>)" for i, x in chunk)
            query = (
                f"SELECT (COUNT(DISTINCT ?id) AS ?n) WHERE {{ VALUES (?id ?x) {{ {values} }} "
                f"?x {IDENT} ?id ; {SLUG} [] }}"
            )
            rows = list(self.store.query(query).rows())
            if not rows or int(str(rows[0]["n"].value)) != len(chunk):
                return False
        return True

    def fresh_scheme(self, scheme: str) -> bool:
        """Whether the store had no identifier of ``scheme`` when the import began (see
        :meth:`note_fresh_schemes`)."""
        return scheme in self._fresh

    def written_identifier(self, ident: str) -> bool:
        """Whether this import wrote ``ident`` (exact but for a 64-bit fingerprint)."""
        return hash(ident) in self._written

    def existing_slugs(self, slugs: Iterable[str]) -> dict[str, str]:
        """Map each slug the store used before this import to the IRI that uses it (ids this
        import gave are in its ledger, which :meth:`unique_slug` reads)."""
        owner = self.checker.slug_owner
        return self.facts.slug_owners([s for s in set(slugs) if owner(s) is None])

    def prefetch_names(self, iris: Iterable[str]) -> None:
        """Remember the labels and aliases the store has for ``iris`` (for :meth:`entity`)."""
        wanted = sorted({i for i in iris if self._names_of(i) is None})
        for chunk in batches(wanted):
            values = " ".join(f"<{i}>" for i in chunk)
            query = f"SELECT ?x ?name WHERE {{ VALUES ?x {{ {values} }} ?x {LABEL}|{ALT} ?name }}"
            for iri in chunk:
                self._names.setdefault(iri, set())
            for row in self.store.query(query).rows():
                self._names[str(row["x"].value)].add(str(row["name"].value))

    def _names_of(self, iri: str) -> set[str] | None:
        names = self._names.get(iri)
        if names is None:
            names = self._names_old.get(iri)
            if names is not None:
                self._names[iri] = names
        return names

    def forget_batch(self) -> None:
        """Drop per-batch caches (keeps memory flat on long imports)."""
        if len(self._store_ids) > 100_000:
            self._store_ids.clear()

    def slug_of(self, iri: str) -> str | None:
        for row in self.store.query(f"SELECT ?s WHERE {{ <{iri}> {SLUG} ?s }} LIMIT 1").rows():
            return str(row["s"].value)
        return None

    def described(self, iri: str) -> bool:
        """Whether this import described ``iri``."""
        return iri in self.typed or iri in self._typed_old or self.checker.described(iri)

    def exists(self, iri: str) -> bool:
        return self.described(iri) or self.store.query(f"ASK {{ <{iri}> {SLUG} [] }}").boolean

    # -- identity --------------------------------------------------------------------------

    def resolve(self, identifiers: list[str]) -> str | None:
        """The IRI of an entity already known by one of ``identifiers`` (this import first)."""
        known, old, stored = self.known, self._known_old, self._store_ids
        for ident in identifiers:
            iri = known.get(ident) or old.get(ident)
            if iri is not None:
                return iri
        for ident in identifiers:
            if ident not in stored:  # not looked up yet
                self.lookup_identifiers(identifiers)
                break
        for ident in identifiers:
            iri = stored.get(ident)
            if iri:
                return iri
        return None

    def unique_slug(self, wanted: str, iri: str, taken_in_store: dict[str, str]) -> str:
        """``wanted``, or ``wanted-<hash of iri>`` when another resource already uses it."""
        slug = wanted
        n = 6
        ledger = self.checker.slug_owner
        while True:
            other = self.slugs.get(slug) or self._slugs_old.get(slug)
            if other is None:
                mark = ledger(slug)  # given by this import in a chunk checked already
                if mark is not None:
                    other = iri if mark == hash(iri) else "another resource"
                else:
                    other = taken_in_store.get(slug)
            if other is None or other == iri:
                self.slugs[slug] = iri
                return slug
            slug = f"{wanted}-{hashlib.sha1(iri.encode()).hexdigest()[:n]}"
            n += 2

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
    ) -> None:
        """Describe an entity: a new one fully; a known one only with what it lacks here
        (further identifiers and names as aliases), so that re-importing changes nothing."""
        pairs: list[tuple[str, Value]] = []
        if new:
            pairs += [(_RDF_TYPE, cls) for cls in types]
            if slug is not None:
                pairs.append((_SLUG, (slug, _STRING)))
            if names:
                first = names[0]
                pairs.append((_LABEL, (first, _STRING)))
                pairs += [(_ALT, (a, _STRING)) for a in names[1:] if a != first]
            if not self.described(iri):
                self.report.entities += 1
            self._names[iri] = set(names)
            pairs += [(_COUNTRY, c) for c in countries]
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

    def _write(
        self,
        subject: str,
        pairs: list[tuple[str, Value]],
        direct: tuple[str, str, str] | None = None,
    ) -> None:
        """Stage one resource's description (checked by the record checker)."""
        s = f"<{subject}> <"
        lines = [
            f"{s}{p}> <{v}> .\n" if v.__class__ is str else f"{s}{p}> {lit(v[0], v[1])} .\n"
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
        # the chunk before this one has landed: the store answers for it from now on; the
        # registers keep this one's until it has landed too
        self._known_old, self.known = self.known, {}
        self._slugs_old, self.slugs = self.slugs, {}
        self._typed_old, self.typed = self.typed, set()
        self._names_old, self._names = self._names, {}
        self._store_ids.clear()
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
