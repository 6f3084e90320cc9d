"""FollowTheMoney (FtM) entities -> entities and claims, with the dataset as the source.

Input: JSON lines (one entity a line, as Aleph and OpenSanctions export them) or a JSON array.
The FtM model itself (schemata, inheritance, captions, value cleaning) is read through the
``followthemoney`` package (:mod:`.ftm_model`). Two streaming passes: the first describes the
node entities (companies, people, addresses...) and spools the links (interval schemata such as
Ownership, and entity-valued properties such as ``addressEntity``) to a temporary file; the
second turns each link into a claim between its two ends, which by then are known wherever
they appear in the file. Memory stays flat: only FtM ids whose entity was merged into another
one (by identifier) are kept in a map.

A link to an entity that neither the input nor the store describes is normal in a slice of a
published dataset. ``missing`` says what to do with it: ``stub`` (the default) makes a stub
entity with the FtM id, typed from the FtM range of the property that names it, labelled as
unresolved and marked with ``skg:unresolved`` (saying which link of which dataset, file and line
named it); ``skip`` leaves the link out; ``error`` refuses the input (file, line, field). An
import that later brings the entity describes the stub in place: same IRI, its stand-in label
and mark removed when the import is written.

Every claim's source is the dataset (``--dataset``, the entities' ``datasets`` field, or the
file name), its quote a compact JSON excerpt of the FtM entity that states it, and its
attribution the dataset's name. Dates, countries and amounts are cleaned by FtM's types; each
value dropped or repaired is counted per field (``ImportContext.value_issue``). A Sanction's
list is reconciled with ``graph/restriction-lists.csv`` (:mod:`.restriction_lists`).
Schemata with no mapping are counted in the report.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import IO, Any

from supplychain_kg.ingest.chunks import lit
from supplychain_kg.ingest.context import ImportContext
from supplychain_kg.ingest.countries import Countries
from supplychain_kg.ingest.ftm_links import MISSING_MODES, UNRESOLVED, FtmLinks, FtmOptions
from supplychain_kg.ingest.ftm_model import (
    Cleaner,
    SchemaPlan,
    caption_and_aliases,
    check_entity,
    local,
    plan,
    strong_ids,
)
from supplychain_kg.ingest.inputs import display_name, iter_json_records
from supplychain_kg.ingest.text import slugify
from supplychain_kg.model import XSD_STRING
from supplychain_kg.namespaces import RDF, RDFS

__all__ = ["MISSING_MODES", "FtmOptions", "import_ftm"]

_BATCH = 5000


class _FtmImport(FtmLinks):
    """One FtM import: its two passes (the links in :class:`.ftm_links.FtmLinks`)."""

    def __init__(self, ctx: ImportContext, options: FtmOptions) -> None:
        super().__init__(ctx, options)
        self.countries = Countries(ctx)

    # -- pass 1: nodes ---------------------------------------------------------------------

    def nodes(self, source: Path | str, spool: IO[str]) -> None:
        """Pass 1: describe the node entities; link what can be linked already (both ends
        described before, or in the store) and spool the other links for pass 2."""
        name = display_name(source)
        report = self.ctx.report
        by_schema, unmapped = report.by_schema, report.unmapped
        batch: list[tuple[int, str, SchemaPlan, dict[str, list[str]]]] = []
        links: list[list[Any]] = []
        for line, record in iter_json_records(source, self.ctx.limits):
            ftm_id, schema, props = check_entity(name, line, record)
            by_schema[schema] = by_schema.get(schema, 0) + 1
            p = plan(schema)
            if p.cls is not None:
                batch.append((line, ftm_id, p, props))
                found = {k: v for k in p.link_props if (v := props.get(k))}
                if found:
                    links.append([name, line, ftm_id, schema, found, record])
            elif p.edge is not None:
                links.append([name, line, ftm_id, schema, None, record])
            else:
                unmapped[schema] = unmapped.get(schema, 0) + 1
            if len(batch) >= _BATCH or len(links) >= _BATCH:
                self._nodes(batch, name)
                self._early_links(links, spool)
                self.ctx.maybe_commit()
                batch, links = [], []
            self.ctx.tick()
        self._nodes(batch, name)
        self._early_links(links, spool)

    def _early_links(self, batch: list[list[Any]], spool: IO[str]) -> None:
        ends = self._ends(batch)
        ready = []
        for item in batch:
            if all(i in ends for i in self._wanted(item)):
                ready.append(item)
            else:
                spool.write(json.dumps(item) + "\n")
        self._links(ready, ends)

    def forget(self) -> None:
        """When a chunk is handed over: the one before it has landed, and its entities are
        found in the store from now on."""
        self._seen_old, self.seen = self.seen, set()

    def _nodes(
        self, batch: list[tuple[int, str, SchemaPlan, dict[str, list[str]]]], file: str
    ) -> None:
        ctx = self.ctx
        rows = [
            (
                line,
                ftm_id,
                p,
                props,
                [f"ftm:{ftm_id}", *self._strong_ids(p, props, (file, line))]
                if p.strong and ("wikidataId" in props or "leiCode" in props)
                else [f"ftm:{ftm_id}"],
            )
            for line, ftm_id, p, props in batch
        ]
        stored = ctx.lookup_identifiers(i for row in rows for i in row[4])
        stubs: dict[str, dict[str, str]] = {}
        if stored:  # entities the store has: their names are read at once, not one by one
            ctx.prefetch_names(stored.values())
            stubs = self._stored_stubs(set(stored.values()))
        names = {row[1]: caption_and_aliases(row[2], row[1], row[3]) for row in rows}
        wanted = {i: slugify(n[0]) for i, n in names.items()}
        taken = ctx.existing_slugs(wanted.values())
        base, remap, seen = f"{ctx.base}ftm-", self.remap, self.seen
        for line, ftm_id, p, props, idents in rows:
            default = base + local(ftm_id)
            iri = ctx.resolve(idents)
            new = iri is None
            if iri is None:
                iri = default
            elif iri != default:
                remap[ftm_id] = iri
            seen.add(ftm_id)
            stub = stubs.pop(iri, None)
            slug = ctx.unique_slug(wanted[ftm_id], iri, taken) if new else None
            countries: list[str] = []
            if (new or stub is not None) and p.country_props:
                countries = self._countries(p, props, (file, line))
            assert p.cls is not None
            ctx.entity(
                iri,
                slug,
                [p.cls],
                names[ftm_id],
                idents,
                new=new or stub is not None,
                countries=countries,
                counted=stub is None,
            )
            if stub is not None:  # described in place: its stand-in label, mark and type go
                ctx.retract += [line for key, line in stub.items() if key != p.cls]
                ctx.report.stubs_filled += 1
        ctx.forget_batch()

    def _strong_ids(
        self, p: SchemaPlan, props: dict[str, list[str]], where: tuple[str, int]
    ) -> list[str]:
        """Wikidata and LEI identifiers (by which entities merge), each one FtM refuses or
        rewrites reported."""
        out = []
        for key, raw, ident in strong_ids(p, props):
            kept = ident.partition(":")[2] if ident else None
            if kept != raw.strip():
                expected = "an LEI (20 characters, check digits)" if key == "leiCode" else (
                    "a Wikidata id such as Q42"
                )  # fmt: skip
                path = f"properties.{key}"
                self.ctx.value_issue(f"{p.name}.{key}", raw, expected, where, kept, path=path)
            if ident is not None and ident not in out:
                out.append(ident)
        return out

    def _stored_stubs(self, iris: set[str]) -> dict[str, dict[str, str]]:
        """The stubs among ``iris`` (in the store): IRI -> the N-Triples lines of their
        stand-in label, mark and types, by predicate and value (removed once described)."""
        out: dict[str, dict[str, str]] = {}
        listed = sorted(iris)
        label, kind = f"<{RDFS}label>", f"<{RDF}type>"
        for start in range(0, len(listed), 1000):
            values = " ".join(f"<{i}>" for i in listed[start : start + 1000])
            query = (
                f"SELECT ?x ?mark ?label ?type WHERE {{ VALUES ?x {{ {values} }} "
                f"?x <{UNRESOLVED}> ?mark ; {label} ?label ; {kind} ?type }}"
            )
            for row in self.ctx.store.query(query).rows():
                iri = str(row["x"].value)
                lines = out.setdefault(iri, {})
                mark, name = (lit(str(row[k].value), XSD_STRING) for k in ("mark", "label"))
                lines["mark"] = f"<{iri}> <{UNRESOLVED}> {mark} ."
                lines["label"] = f"<{iri}> {label} {name} ."
                lines[str(row["type"].value)] = f"<{iri}> {kind} <{row['type'].value}> ."
        return out

    def _countries(
        self, p: SchemaPlan, props: dict[str, list[str]], where: tuple[str, int]
    ) -> list[str]:
        out: list[str] = []
        for key in p.country_props:
            for raw in props.get(key, ()):
                code, problem = self.clean.country(raw)
                if problem is not None:
                    self.ctx.value_issue(
                        f"{p.name}.{key}", raw, problem, where, code, path=f"properties.{key}"
                    )
                if code is None:
                    continue
                country = self.countries.iri(code, Cleaner.country_name(code))
                if country is None:
                    self.ctx.value_issue(
                        f"{p.name}.{key}",
                        raw,
                        "an ISO 3166-1 country",
                        where,
                        None,
                        path=f"properties.{key}",
                    )
                elif country not in out:
                    out.append(country)
        return out


def import_ftm(ctx: ImportContext, sources: list[Path | str], options: FtmOptions) -> None:
    """Stage every FtM file of ``sources`` into ``ctx`` (see the module docstring)."""
    job = _FtmImport(ctx, options)
    ctx.on_commit.append(job.forget)
    ctx.note_fresh_schemes(["ftm", "lei"])
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for source in sources:
            job.nodes(source, spool)
            ctx.report.files += 1
        spool.seek(0)
        job.links(spool, _BATCH)
    ctx.out.flush()
    ctx.tick(0, force=True)
