"""The links of a FollowTheMoney import (its second pass, and the links of the first that can
be made at once): claims between the two ends of an interval entity (Ownership, Sanction...) or
of an entity-valued property (``addressEntity``), with the dataset as source; a stub, a skipped
link or an error for an end outside the input and the store (``missing``, see :mod:`.ftm`);
the dates, amount and currency of each claim cleaned and each problem reported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from supplychain_kg.errors import BadRequestError, ParseError
from supplychain_kg.ingest.context import Claim, ImportContext
from supplychain_kg.ingest.ftm_model import (
    PROPERTY_LINKS,
    Cleaner,
    SchemaPlan,
    clean_amount,
    local,
    plan,
)
from supplychain_kg.ingest.restriction_lists import SanctionLists
from supplychain_kg.ingest.text import quote_json, slugify
from supplychain_kg.model import XSD_STRING
from supplychain_kg.namespaces import SKG

__all__ = ["MISSING_MODES", "UNRESOLVED", "FtmLinks", "FtmOptions"]

MISSING_MODES = ("stub", "skip", "error")
UNRESOLVED = SKG + "unresolved"


@dataclass(frozen=True)
class FtmOptions:
    """The dataset named as every claim's source (else each entity's own), its publisher,
    and what to do with links to entities outside the input (``missing``)."""

    dataset: str | None = None
    publisher: str | None = None
    missing: str = "stub"


def _stub_slug(ftm_id: str) -> str:
    return slugify(f"ftm-{local(ftm_id)}")


@dataclass(frozen=True)
class _Link:
    """A link record being turned into claims: where it is, its schema, its evidence."""

    file: str
    line: int
    ftm_id: str
    plan: SchemaPlan
    source: str
    quote: str
    attribution: str


class FtmLinks:
    """The state an FtM import shares between its passes (sources, merged ids, the ids
    described so far) and its links."""

    def __init__(self, ctx: ImportContext, options: FtmOptions) -> None:
        if options.missing not in MISSING_MODES:
            raise BadRequestError(
                f"--missing {options.missing!r}: expected one of {', '.join(MISSING_MODES)}"
            )
        self.ctx = ctx
        self.options = options
        self.clean = Cleaner()
        self.seen: set[str] = set()  # FtM ids described in the chunk being staged
        self._seen_old: set[str] = set()  # ... and in the chunk being committed
        self.remap: dict[str, str] = {}
        self.sources: dict[str, tuple[str, str]] = {}
        self.lists = SanctionLists(ctx)
        self._taken: dict[str, str] = {}  # ids of the store the batch's stubs may want
        self._stems: dict[str, str] = {}

    # -- sources ---------------------------------------------------------------------------

    def source(self, dataset: str) -> tuple[str, str]:
        """(source IRI, attribution) for a dataset, created on first use."""
        if dataset in self.sources:
            return self.sources[dataset]
        ctx = self.ctx
        publisher_name = self.options.publisher or dataset
        pub_iri = f"{ctx.base}ftm-publisher-{slugify(publisher_name)}"
        found = ctx.existing_slugs([slugify(publisher_name)]).get(slugify(publisher_name))
        if found:
            pub_iri = found
        elif not ctx.exists(pub_iri):
            slug = ctx.unique_slug(slugify(publisher_name), pub_iri, {})
            ctx.entity(pub_iri, slug, [SKG + "Organization"], [publisher_name], new=True)
        slug = f"ftm-{slugify(dataset)}"
        iri = f"{ctx.base}source/{slug}"
        title = f"{dataset} (FollowTheMoney dataset)"
        ctx.source(iri, slug, title, pub_iri)
        self.sources[dataset] = (iri, dataset)
        return self.sources[dataset]

    def dataset_of(self, record: dict[str, Any], file: str) -> str:
        if self.options.dataset:
            return self.options.dataset
        datasets = record.get("datasets")
        if isinstance(datasets, list) and datasets and isinstance(datasets[0], str):
            return datasets[0]
        stem = self._stems.get(file)
        if stem is None:
            stem = self._stems[file] = "stdin" if file == "<stdin>" else Path(file).stem
        return stem

    # -- pass 2: links ---------------------------------------------------------------------

    def links(self, spool: IO[str], size: int) -> None:
        """Pass 2: the links spooled by pass 1, ``size`` at a time."""
        batch: list[list[Any]] = []
        for text in spool:
            batch.append(json.loads(text))
            if len(batch) >= size:
                self._links(batch, self._ends(batch))
                self.ctx.maybe_commit()
                batch = []
        self._links(batch, self._ends(batch))

    @staticmethod
    def _wanted(item: list[Any]) -> Iterator[str]:
        """The FtM ids a link record names (its own, for a node's property links)."""
        _, _, ftm_id, schema, links, record = item
        props = record.get("properties", {})
        if links:
            yield ftm_id
            for key in links:
                yield from props.get(key, ())
        else:
            edge = plan(schema).edge
            assert edge is not None
            for key in (edge[0], edge[2]):
                if key:
                    yield from props.get(key, ())

    def _ends(self, batch: list[list[Any]]) -> dict[str, str]:
        """FtM id -> IRI for every end named in the batch that is known (described in this
        import, or in the store)."""
        wanted: set[str] = set()
        for item in batch:
            wanted.update(self._wanted(item))
        seen, old, remap = self.seen, self._seen_old, self.remap
        unknown = [i for i in wanted if i not in seen and i not in old and i not in remap]
        ctx = self.ctx
        base = ctx.base
        ends = {i: remap.get(i) or f"{base}ftm-{local(i)}" for i in wanted}
        # an id this import wrote is on the entity it was minted for (or merged into: remap)
        unknown = [i for i in unknown if not ctx.written_identifier(f"ftm:{i}")]
        if unknown and ctx.fresh_scheme("ftm"):
            for i in unknown:  # the store had no FtM id before the import: these are nowhere
                ends.pop(i)
            return ends
        if unknown and not ctx.confirm_identifiers({f"ftm:{i}": ends[i] for i in unknown}):
            stored = self.ctx.lookup_identifiers(f"ftm:{i}" for i in unknown)
            for i in unknown:
                if f"ftm:{i}" in stored:
                    ends[i] = stored[f"ftm:{i}"]
                else:
                    ends.pop(i)
        return ends

    def _links(self, batch: list[list[Any]], ends: dict[str, str]) -> None:
        """Claims for link records; an end that is not in ``ends`` is outside the input and
        the store (see ``missing``)."""
        if self.options.missing == "stub":  # the ids the batch's stubs would take, at once
            missing = {i for item in batch for i in self._wanted(item) if i not in ends}
            wanted = [_stub_slug(i) for i in missing]
            self._taken = self.ctx.existing_slugs(wanted) if wanted else {}
        for file, line, ftm_id, schema, links, record in batch:
            src, attribution = self.source(self.dataset_of(record, file))
            props: dict[str, list[str]] = record.get("properties", {})
            quote = quote_json({"schema": schema, "id": ftm_id, "properties": props})
            link = _Link(file, line, ftm_id, plan(schema), src, quote, attribution)
            if links:
                subject = self._end(ends, ftm_id, link, "")
                if subject is None:
                    continue
                for key, targets in links.items():
                    relation = PROPERTY_LINKS[key]
                    if relation == "issuedBy" and schema != "Contract":
                        continue
                    for n, target in enumerate(targets):
                        obj = self._end(ends, target, link, key)
                        if obj is None:
                            continue
                        slug = f"ftm-{local(ftm_id)}-{slugify(key)}" + (f"-{n}" if n else "")
                        self.ctx.claim(
                            Claim(slug, subject, SKG + relation, obj, src, quote, attribution)
                        )
                continue
            self._edge(ends, link, props)

    def _end(self, ends: dict[str, str], ftm_id: str, link: _Link, key: str) -> str | None:
        """The IRI of the entity ``key`` of ``link`` names (``""``: the link's own entity);
        for one outside the input and the store: a stub, None (skip) or a ParseError."""
        iri = ends.get(ftm_id)
        if iri is not None:
            return iri
        field = f"properties.{key}" if key else "id"
        mode = self.options.missing
        if mode == "error" or not key:
            raise ParseError(
                f"field '{field}': FtM entity {ftm_id!r} is neither in the input nor in the "
                "store (--missing=stub imports it as an unresolved stub, --missing=skip leaves "
                "the link out)",
                path=link.file,
                line=link.line,
            )
        if mode == "skip":
            self.ctx.report.skipped_links += 1
            return None
        iri = ends[ftm_id] = self._stub(ftm_id, link, key)
        return iri

    def _stub(self, ftm_id: str, link: _Link, key: str) -> str:
        """A stub for an entity a link names but no input describes (see the module doc)."""
        ctx = self.ctx
        cls, range_name = link.plan.range_class(key)
        iri = f"{ctx.base}ftm-{local(ftm_id)}"
        slug = ctx.unique_slug(_stub_slug(ftm_id), iri, self._taken)
        dataset = link.attribution
        mark = (
            f"named by {link.plan.name}.{key} of FtM entity {link.ftm_id} in dataset {dataset} "
            f"({link.file}, line {link.line}); not described by the import"
        )
        label = f"{ftm_id} (unresolved FtM {range_name})"
        ctx.entity(
            iri,
            slug,
            [cls],
            [label],
            [f"ftm:{ftm_id}"],
            new=True,
            extra=[(UNRESOLVED, (mark, XSD_STRING))],
            counted=False,
        )
        ctx.report.stubs += 1
        return iri

    def _edge(self, ends: dict[str, str], link: _Link, props: dict[str, list[str]]) -> None:
        p = link.plan
        assert p.edge is not None
        subj_prop, relation, obj_prop = p.edge
        subjects = props.get(subj_prop, [])
        where = (link.file, link.line)
        if not subjects:
            raise ParseError(
                f"field 'properties.{subj_prop}': a {p.name} needs it", path=where[0], line=where[1]
            )
        if obj_prop:
            found = [self._end(ends, o, link, obj_prop) for o in props.get(obj_prop, [])]
            if not found:
                raise ParseError(
                    f"field 'properties.{obj_prop}': a {p.name} needs it",
                    path=where[0],
                    line=where[1],
                )
            objects: list[str | None] = found
        else:
            objects = [self.lists.list_for(props.get("authority", ()), props.get("program", ()))]
        extra = self._claim_values(p, props, where)
        for i, s in enumerate(subjects):
            subject = self._end(ends, s, link, subj_prop)
            for j, o in enumerate(objects):
                if subject is None or o is None:
                    continue  # an end left out (--missing=skip); the others keep their slugs
                n = i * len(objects) + j
                slug = f"ftm-{local(link.ftm_id)}" + (f"-{n}" if n else "")
                self.ctx.claim(
                    Claim(
                        slug,
                        subject,
                        SKG + relation,
                        o,
                        link.source,
                        link.quote,
                        link.attribution,
                        **extra,
                    )
                )

    def _claim_values(
        self, p: SchemaPlan, props: dict[str, list[str]], where: tuple[str, int]
    ) -> dict[str, Any]:
        """Dates, amount, currency and role of a link, cleaned (each problem reported)."""
        days: dict[str, str] = {}
        for key in ("startDate", "endDate", "date", "listingDate"):
            for raw in props.get(key, ()):
                day, problem = self.clean.date(raw)
                if problem is not None:
                    self.ctx.value_issue(
                        f"{p.name}.{key}", raw, problem, where, day, path=f"properties.{key}"
                    )
                if day is not None:
                    days.setdefault(key, day)
                    break
        out: dict[str, Any] = {}
        start = days.get("startDate") or days.get("listingDate") or days.get("date")
        end = days.get("endDate") or days.get("date")
        if start:
            out["valid_from"] = start
        if end:
            out["valid_to"] = end
        for key, currency in (("amount", None), ("amountEur", "EUR"), ("amountUsd", "USD")):
            values = props.get(key)
            if not values:
                continue
            amount, problem = clean_amount(values[0])
            if problem is not None:
                self.ctx.value_issue(
                    f"{p.name}.{key}", values[0], problem, where, amount, path=f"properties.{key}"
                )
            if amount is None:
                continue
            out["amount"] = amount
            code = currency or (props.get("currency") or [""])[0].strip().upper()
            if len(code) == 3 and code.isascii() and code.isalpha():  # an ISO 4217 code
                out["currency"] = code
            elif code:
                raw = (props.get("currency") or [""])[0]
                self.ctx.value_issue(
                    f"{p.name}.currency",
                    raw,
                    "a currency code such as EUR",
                    where,
                    None,
                    path="properties.currency",
                )
            break
        if props.get("role"):
            out["role"] = props["role"][0]
        return out
