"""Spreadsheets (CSV) -> entities and claims.

Two kinds of sheet, told apart by their header (templates in ``graph/templates/``):

* entities: ``id, name, type, aliases, country, identifiers`` (``id`` is the entity's slug;
  ``type`` a class of the vocabulary such as ``Company``; ``aliases`` and ``identifiers``
  separated by ``|``; identifiers as ``scheme:value``, e.g. ``wikidata:Q160120``);
* relationships: ``subject, relation, object, stance, quote, attributed_to, source_title,
  source_publisher, source_url, source_date, valid_from, valid_to`` (optional ``amount`` and
  ``currency``). Subject and object are ids from an entities sheet or the store; relation a
  relation of the vocabulary such as ``ownerOf``; stance ``asserted`` (default) or ``denied``.
  A source is found by its title in the store, or created (then ``source_publisher``, an id or
  a name, is needed).

Entity sheets are read before relationship sheets. Files may come from a spreadsheet program:
UTF-8 with or without a byte order mark, comma, semicolon or tab separated (sniffed from the
header). Column names are matched without regard to case, spaces or underscores. A byte that
is not UTF-8, or a cell longer than ``SKG_MAX_LITERAL_BYTES``, is refused naming its line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from supplychain_kg.errors import ParseError
from supplychain_kg.ingest.context import Claim, ImportContext
from supplychain_kg.ingest.countries import Countries
from supplychain_kg.ingest.guards import Limits
from supplychain_kg.ingest.guards.limits import refuse_long, utf8_size
from supplychain_kg.ingest.inputs import check_utf8, display_name, open_text
from supplychain_kg.ingest.text import is_decimal, slugify
from supplychain_kg.model import Literal, term_to_sparql
from supplychain_kg.namespaces import DCTERMS, RDF, SCHEMA, SKG, XSD
from supplychain_kg.validate import lexical_problem, load_ontology

__all__ = ["ENTITY_COLUMNS", "RELATIONSHIP_COLUMNS", "import_csv"]

ENTITY_COLUMNS = ("id", "name", "type", "aliases", "country", "identifiers")
RELATIONSHIP_COLUMNS = (
    "subject",
    "relation",
    "object",
    "stance",
    "quote",
    "attributed_to",
    "source_title",
    "source_publisher",
    "source_url",
    "source_date",
    "valid_from",
    "valid_to",
    "amount",
    "currency",
)
_ENTITY_REQUIRED = ("id", "name", "type")
_REL_REQUIRED = ("subject", "relation", "object", "quote", "attributed_to", "source_title")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PARTIAL_DAY = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

Row = tuple[int, dict[str, str]]


def _column(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


class _Sheet:
    """A CSV file: its header, and rows as (row number, column -> value)."""

    def __init__(self, source: Path | str, limits: Limits) -> None:
        self.source = source
        self.name = display_name(source)
        self.limits = limits
        self.stdin: io.StringIO | None = None
        with open_text(source) as handle:
            if str(source) == "-":
                self.stdin = io.StringIO(handle.read())
                first = self.stdin.readline()
            else:
                first = handle.readline()
        check_utf8(first, self.name, 1)
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        self.delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
        self.header = [_column(c) for c in next(csv.reader([first], delimiter=self.delimiter), [])]
        if "relation" in self.header:
            self.kind = "relationships"
        elif "type" in self.header and "name" in self.header:
            self.kind = "entities"
        else:
            raise ParseError(
                "the header is neither an entities sheet (id, name, type, ...) nor a "
                f"relationships sheet (subject, relation, object, ...); found {self.header}",
                path=self.name,
                line=1,
            )
        required = _REL_REQUIRED if self.kind == "relationships" else _ENTITY_REQUIRED
        missing = [c for c in required if c not in self.header]
        if missing:
            raise ParseError(
                f"missing required column(s) {', '.join(missing)} in the {self.kind} sheet",
                path=self.name,
                line=1,
            )

    def rows(self) -> Iterator[Row]:
        if self.stdin is not None:
            yield from self._rows(self.stdin)
            return
        with open_text(self.source) as handle:
            handle.readline()
            yield from self._rows(handle)

    def _lines(self, handle: IO[str]) -> Iterable[str]:
        """The lines after the header, each checked to be UTF-8."""
        name = self.name
        for number, line in enumerate(handle, start=2):
            check_utf8(line, name, number)
            yield line

    def _rows(self, handle: IO[str]) -> Iterator[Row]:
        # the csv module's own bound on a cell (in characters; process-wide, 128 Ki by
        # default) is set to the literal limit; the bytes are checked below
        limit = self.limits.max_literal_bytes
        csv.field_size_limit(limit)
        reader = csv.reader(self._lines(handle), delimiter=self.delimiter)
        row_number = 1
        try:
            for cells in reader:
                row_number += 1
                if not any(c.strip() for c in cells):
                    continue
                if sum(map(len, cells)) * 4 > limit:
                    self._long_cells(cells, row_number)
                if len(cells) > len(self.header):
                    raise ParseError(
                        f"row {row_number} has {len(cells)} cells, the header {len(self.header)}",
                        path=self.name,
                        line=row_number,
                    )
                yield (
                    row_number,
                    {
                        h: cells[i].strip() if i < len(cells) else ""
                        for i, h in enumerate(self.header)
                    },
                )
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):  # reader.line_num: where it ends
                at = (reader.line_num + 1, 1)
                raise refuse_long(self.name, at, "a cell", None, limit) from None
            raise ParseError(str(exc), path=self.name, line=row_number) from None

    def _long_cells(self, cells: list[str], row: int) -> None:
        limit = self.limits.max_literal_bytes
        for i, cell in enumerate(cells):
            if len(cell) * 4 > limit and (size := utf8_size(cell)) > limit:
                column = self.header[i] if i < len(self.header) else str(i + 1)
                raise self.error(
                    row,
                    column,
                    f"a value of {size:,} bytes is longer than the {limit:,} "
                    "bytes allowed; the limit is set by SKG_MAX_LITERAL_BYTES",
                )

    def error(self, row: int, column: str, message: str) -> ParseError:
        return ParseError(f"row {row}, column '{column}': {message}", path=self.name, line=row)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


class _CsvImport:
    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.countries = Countries(ctx)
        onto = load_ontology()
        entity_classes = onto.closure(SKG + "Entity") - {SKG + "Entity"}
        self.classes = {c.removeprefix(SKG).lower(): c for c in entity_classes if c.startswith(SKG)}
        self.claimed = {r.removeprefix(SKG).lower(): r for r in onto.claimed_relations}
        self.literal = {r.removeprefix(SKG).lower(): r for r in onto.literal_relations}
        self.ids: dict[str, str] = {}  # id in a sheet (or the store) -> IRI
        self.rows_of: dict[str, int] = {}
        self.sources: dict[tuple[str, str, str], tuple[str, bool]] = {}

    # -- references ------------------------------------------------------------------------

    def ref(self, value: str) -> str | None:
        """The IRI of an entity id from a sheet or the store (None if unknown)."""
        if value not in self.ids:
            found = self.ctx.existing_slugs([value]).get(value)
            if found is None:
                return None
            self.ids[value] = found
        return self.ids[value]

    # -- entities --------------------------------------------------------------------------

    def entity(self, sheet: _Sheet, row: int, cells: dict[str, str]) -> None:
        ctx = self.ctx
        slug, name, kind = cells["id"], cells["name"], cells["type"]
        if not _SLUG.match(slug):
            raise sheet.error(row, "id", f"{slug!r} is not an id (lowercase letters, digits, -)")
        if slug in self.rows_of:
            raise sheet.error(row, "id", f"{slug!r} is already used in row {self.rows_of[slug]}")
        if not name:
            raise sheet.error(row, "name", "an entity needs a name")
        cls = self.classes.get(kind.removeprefix("skg:").lower())
        if cls is None:
            known = ", ".join(sorted(c.removeprefix(SKG) for c in self.classes.values()))
            raise sheet.error(row, "type", f"unknown type {kind!r}; expected one of {known}")
        idents = _split(cells.get("identifiers", ""))
        for ident in idents:
            if ":" not in ident.strip(":"):
                raise sheet.error(row, "identifiers", f"{ident!r} is not scheme:value")
        names = [name, *_split(cells.get("aliases", ""))]
        iri = ctx.resolve(idents) if idents else None
        iri = iri or self.ref(slug)
        new = iri is None
        iri = iri or f"{ctx.base}{slug}"
        self.rows_of[slug] = row
        self.ids[slug] = iri
        countries: list[str] = []
        if new and cells.get("country"):
            country = self.ref(cells["country"]) or self.countries.iri(cells["country"])
            if country is None:
                raise sheet.error(
                    row, "country", f"{cells['country']!r} is neither an id nor an ISO country"
                )
            countries.append(country)
        if new:
            ctx.unique_slug(slug, iri, {})
        ctx.entity(iri, slug if new else None, [cls], names, idents, new=new, countries=countries)

    # -- relationships ---------------------------------------------------------------------

    def relationship(self, sheet: _Sheet, row: int, cells: dict[str, str]) -> None:
        for column in _REL_REQUIRED:
            if not cells.get(column):
                raise sheet.error(row, column, "a value is needed")
        rel_name = cells["relation"].removeprefix("skg:").lower()
        literal = rel_name in self.literal
        relation = self.literal.get(rel_name) or self.claimed.get(rel_name)
        if relation is None:
            known = ", ".join(sorted(r.removeprefix(SKG) for r in self.claimed.values()))
            raise sheet.error(
                row, "relation", f"unknown relation {cells['relation']!r}; expected one of {known}"
            )
        subject = self._entity(sheet, row, "subject", cells["subject"])
        obj = cells["object"] if literal else self._entity(sheet, row, "object", cells["object"])
        stance = (cells.get("stance") or "asserted").lower()
        if stance not in ("asserted", "denied"):
            raise sheet.error(row, "stance", f"{stance!r}: expected asserted or denied")
        dates = {}
        for column in ("valid_from", "valid_to", "source_date"):
            value = cells.get(column, "")
            pattern = _PARTIAL_DAY if column == "source_date" else _DAY
            if value and not pattern.match(value):
                expected = (
                    "YYYY, YYYY-MM or YYYY-MM-DD" if column == "source_date" else "YYYY-MM-DD"
                )
                raise sheet.error(row, column, f"{value!r} is not a date ({expected})")
            problem = lexical_problem(value, XSD + "date") if len(value) == 10 else None
            if problem is None and len(value) == 7 and not 1 <= int(value[5:]) <= 12:
                problem = "a month YYYY-MM that exists"
            if problem is not None:
                raise sheet.error(row, column, f"{value!r} is not a date: expected {problem}")
            dates[column] = value or None
        amount = cells.get("amount", "")
        if amount and not is_decimal(amount):
            raise sheet.error(row, "amount", f"{amount!r} is not a number")
        currency = cells.get("currency", "").upper()
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            raise sheet.error(row, "currency", f"{currency!r} is not an ISO 4217 code")
        source, existing = self._source(sheet, row, cells, dates["source_date"])
        quote = cells["quote"]
        key = "\x1f".join((subject, relation, obj, stance, source, quote))
        slug = "csv-" + hashlib.sha1(key.encode()).hexdigest()[:16]
        claim = Claim(
            slug,
            subject,
            relation,
            obj,
            source,
            quote,
            cells["attributed_to"],
            literal=literal,
            denied=stance == "denied",
            valid_from=dates["valid_from"],
            valid_to=dates["valid_to"],
            amount=amount or None,
            currency=currency or None,
        )
        if not (existing and self._claim_exists(claim)):
            self.ctx.claim(claim)

    def _entity(self, sheet: _Sheet, row: int, column: str, value: str) -> str:
        iri = self.ref(value)
        if iri is None:
            raise sheet.error(
                row, column, f"no entity with id {value!r} in the entities sheets or the store"
            )
        return iri

    def _source(
        self, sheet: _Sheet, row: int, cells: dict[str, str], date: str | None
    ) -> tuple[str, bool]:
        """(source IRI, whether it is already in the store), found by title or created."""
        ctx = self.ctx
        title = cells["source_title"]
        url = cells.get("source_url", "")
        key = (title, date or "", url)
        if key in self.sources:
            return self.sources[key]
        narrow = ""
        if date:
            narrow += f" ?s <{DCTERMS}date> ?d . FILTER(STR(?d) = {term_to_sparql(Literal(date))})"
        if url:
            narrow += f" ?s <{SCHEMA}url> ?u . FILTER(STR(?u) = {term_to_sparql(Literal(url))})"
        query = (
            f"SELECT ?s WHERE {{ ?s a <{SKG}SourceDocument> ; <{DCTERMS}title> ?t . "
            f"FILTER(STR(?t) = {term_to_sparql(Literal(title))}){narrow} }} LIMIT 1"
        )
        for found in ctx.store.query(query).rows():
            self.sources[key] = (str(found["s"].value), True)
            return self.sources[key]
        if url and not re.match(r"^https?://\S+$", url):
            raise sheet.error(row, "source_url", f"{url!r} is not an http(s) URL")
        publisher = cells.get("source_publisher", "")
        if not publisher:
            raise sheet.error(
                row,
                "source_publisher",
                f"the store has no source titled {title!r}; name its publisher to create it",
            )
        pub = self.ref(publisher) or self.ref(slugify(publisher))
        if pub is None:
            pub = f"{ctx.base}{slugify(publisher)}"
            ctx.unique_slug(slugify(publisher), pub, {})
            ctx.entity(pub, slugify(publisher), [SKG + "Organization"], [publisher], new=True)
            self.ids[slugify(publisher)] = pub
        wanted = slugify(title)
        # told apart by title, date and URL: two titles with one slug are two sources
        this = f"{ctx.base}source/{wanted}#" + hashlib.sha1("\x1f".join(key).encode()).hexdigest()
        slug = ctx.unique_slug(wanted, this, ctx.existing_slugs([wanted]))
        iri = f"{ctx.base}source/{slug}"
        ctx.slugs[slug] = iri
        ctx.source(iri, slug, title, pub, date=date, url=url or None)
        self.sources[key] = (iri, False)
        return self.sources[key]

    def _claim_exists(self, c: Claim) -> bool:
        """Whether the store has a claim with the same subject, relation, object, stance,
        source and quote (e.g. the seed's own claim, re-imported from a sheet)."""
        o = c.object
        obj = f"?o . FILTER(STR(?o) = {term_to_sparql(Literal(o))})" if c.literal else f"<{o}> ."
        stance = "Denied" if c.denied else "Asserted"
        query = (
            f"ASK {{ ?c <{RDF}type> <{SKG}Claim> ; <{SKG}subject> <{c.subject}> ; "
            f"<{SKG}relation> <{c.relation}> ; <{SKG}stance> <{SKG}{stance}> ; "
            f"<{SKG}source> <{c.source}> ; <{SKG}quote> ?q ; <{SKG}object> {obj} "
            f"FILTER(STR(?q) = {term_to_sparql(Literal(c.quote))}) }}"
        )
        return self.ctx.store.query(query).boolean


def import_csv(ctx: ImportContext, sources: list[Path | str]) -> None:
    """Stage every CSV sheet of ``sources`` into ``ctx``: entity sheets first."""
    sheets = [_Sheet(s, ctx.limits) for s in sources]
    job = _CsvImport(ctx)
    for kind in ("entities", "relationships"):
        for sheet in sheets:
            if sheet.kind != kind:
                continue
            for row, cells in sheet.rows():
                if kind == "entities":
                    job.entity(sheet, row, cells)
                else:
                    job.relationship(sheet, row, cells)
                ctx.tick()
                ctx.maybe_commit()
            ctx.report.files += 1
    ctx.tick(0, force=True)
