"""FollowTheMoney (FtM) entities -> entities and claims, with the dataset as the source.

Input: JSON lines (one entity a line, as Aleph and OpenSanctions export them) or a JSON array.
Two streaming passes: the first describes the node entities (companies, people, addresses...)
and spools the links (interval schemata such as Ownership, and entity-valued properties such as
``addressEntity``) to a temporary file; the second turns each link into a claim between its two
ends, which by then are known wherever they appear in the file. Memory stays flat: only FtM ids
whose entity was merged into another one (by identifier) are kept in a map.

Every claim's source is the dataset (``--dataset``, the entities' ``datasets`` field, or the
file name), its quote a compact JSON excerpt of the FtM entity that states it, and its
attribution the dataset's name. Schemata with no mapping are counted in the report.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from supplychain_kg.errors import ParseError
from supplychain_kg.ingest.context import Claim, ImportContext
from supplychain_kg.ingest.countries import Countries
from supplychain_kg.ingest.ftm_fields import (
    EDGE_SCHEMATA,
    NODE_SCHEMATA,
    PROPERTY_LINKS,
    check_entity,
    claim_values,
    entity_names,
    local,
    strong_ids,
)
from supplychain_kg.ingest.inputs import display_name, iter_json_records
from supplychain_kg.ingest.text import quote_json, slugify
from supplychain_kg.namespaces import SKG

__all__ = ["FtmOptions", "import_ftm"]

_BATCH = 5000


@dataclass(frozen=True)
class FtmOptions:
    """The dataset named as every claim's source (else each entity's own), and its publisher."""

    dataset: str | None = None
    publisher: str | None = None


class _FtmImport:
    """One FtM import: its two passes, and the sources, lists and merged ids met so far."""

    def __init__(self, ctx: ImportContext, options: FtmOptions) -> None:
        self.ctx = ctx
        self.options = options
        self.countries = Countries(ctx)
        self.seen: set[str] = set()  # FtM ids described in the chunk being staged
        self._seen_old: set[str] = set()  # ... and in the chunk being committed
        self.remap: dict[str, str] = {}
        self.sources: dict[str, tuple[str, str]] = {}
        self.lists: dict[str, str] = {}
        self._stems: dict[str, str] = {}

    # -- sources ---------------------------------------------------------------------------

    def source(self, dataset: str, file: str) -> tuple[str, str]:
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

    # -- pass 1: nodes ---------------------------------------------------------------------

    def nodes(self, source: Path | str, spool: IO[str]) -> None:
        """Pass 1: describe the node entities; link what can be linked already (both ends
        described before, or in the store) and spool the other links for pass 2."""
        name = display_name(source)
        report = self.ctx.report
        by_schema, unmapped = report.by_schema, report.unmapped
        batch: list[tuple[int, str, str, dict[str, list[str]], dict[str, Any]]] = []
        links: list[list[Any]] = []
        for line, record in iter_json_records(source, self.ctx.limits):
            ftm_id, schema, props = check_entity(name, line, record)
            by_schema[schema] = by_schema.get(schema, 0) + 1
            if schema in NODE_SCHEMATA:
                batch.append((line, ftm_id, schema, props, record))
                found = {k: v for k, v in props.items() if k in PROPERTY_LINKS and v}
                if found:
                    links.append([name, line, ftm_id, schema, found, record])
            elif schema in EDGE_SCHEMATA:
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

    def _nodes(self, batch: list[Any], file: str) -> None:
        ctx = self.ctx
        rows = [
            (
                ftm_id,
                schema,
                props,
                [f"ftm:{ftm_id}", *strong_ids(props)]
                if "wikidataId" in props or "leiCode" in props
                else [f"ftm:{ftm_id}"],
            )
            for _, ftm_id, schema, props, _ in batch
        ]
        stored = ctx.lookup_identifiers(i for row in rows for i in row[3])
        if stored:  # entities the store has: their names are read at once, not one by one
            ctx.prefetch_names(stored.values())
        names = {ftm_id: entity_names(schema, ftm_id, props) for ftm_id, schema, props, _ in rows}
        wanted = {i: slugify(n[0]) for i, n in names.items()}
        taken = ctx.existing_slugs(wanted.values())
        base, remap, seen = f"{ctx.base}ftm-", self.remap, self.seen
        for ftm_id, schema, props, idents in rows:
            default = base + local(ftm_id)
            iri = ctx.resolve(idents)
            new = iri is None
            if iri is None:
                iri = default
            elif iri != default:
                remap[ftm_id] = iri
            seen.add(ftm_id)
            slug = ctx.unique_slug(wanted[ftm_id], iri, taken) if new else None
            countries: list[str] = []
            if new and ("country" in props or "jurisdiction" in props):
                for code in props.get("country", []) + props.get("jurisdiction", []):
                    country = self.countries.iri(code)
                    if country and country not in countries:
                        countries.append(country)
            ctx.entity(
                iri,
                slug,
                [NODE_SCHEMATA[schema]],
                names[ftm_id],
                idents,
                new=new,
                countries=countries,
            )
        ctx.forget_batch()

    # -- pass 2: links ---------------------------------------------------------------------

    def links(self, spool: IO[str]) -> None:
        batch: list[list[Any]] = []
        for text in spool:
            batch.append(json.loads(text))
            if len(batch) >= _BATCH:
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
            for key in EDGE_SCHEMATA[schema][::2]:
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
        """Claims for link records; raises ParseError for an end that is not in ``ends``."""
        for file, line, ftm_id, schema, links, record in batch:
            src, attribution = self.source(self.dataset_of(record, file), file)
            props: dict[str, list[str]] = record.get("properties", {})
            quote = quote_json({"schema": schema, "id": ftm_id, "properties": props})
            if links:
                subject = self._end(ends, ftm_id, file, line, "id")
                for key, targets in links.items():
                    relation = PROPERTY_LINKS[key]
                    if relation == "issuedBy" and schema != "Contract":
                        continue
                    for n, target in enumerate(targets):
                        obj = self._end(ends, target, file, line, f"properties.{key}")
                        slug = f"ftm-{local(ftm_id)}-{slugify(key)}" + (f"-{n}" if n else "")
                        self.ctx.claim(
                            Claim(slug, subject, SKG + relation, obj, src, quote, attribution)
                        )
                continue
            self._edge(ends, (file, line), (ftm_id, schema, props), (src, quote, attribution))

    def _end(self, ends: dict[str, str], ftm_id: str, file: str, line: int, field: str) -> str:
        if ftm_id not in ends:
            raise ParseError(
                f"field '{field}': FtM entity {ftm_id!r} is neither in the input nor in the store",
                path=file,
                line=line,
            )
        return ends[ftm_id]

    def _edge(
        self,
        ends: dict[str, str],
        where: tuple[str, int],
        entity: tuple[str, str, dict[str, list[str]]],
        evidence: tuple[str, str, str],
    ) -> None:
        file, line = where
        ftm_id, schema, props = entity
        subj_prop, relation, obj_prop = EDGE_SCHEMATA[schema]
        subjects = props.get(subj_prop, [])
        if not subjects:
            raise ParseError(
                f"field 'properties.{subj_prop}': a {schema} needs it", path=file, line=line
            )
        if obj_prop:
            objects = [
                self._end(ends, o, file, line, f"properties.{obj_prop}")
                for o in props.get(obj_prop, [])
            ]
            if not objects:
                raise ParseError(
                    f"field 'properties.{obj_prop}': a {schema} needs it", path=file, line=line
                )
        else:
            objects = [self._list(props)]
        extra = claim_values(schema, props, file, line)
        src, quote, attribution = evidence
        pairs = [(s, o) for s in subjects for o in objects]
        for n, (s, o) in enumerate(pairs):
            subject = self._end(ends, s, file, line, f"properties.{subj_prop}")
            slug = f"ftm-{local(ftm_id)}" + (f"-{n}" if n else "")
            claim = Claim(slug, subject, SKG + relation, o, src, quote, attribution, **extra)
            self.ctx.claim(claim)

    def _list(self, props: dict[str, list[str]]) -> str:
        """The restriction list a Sanction names (by program, else authority)."""
        name = (props.get("program") or props.get("authority") or ["Sanctions list"])[0]
        if name in self.lists:
            return self.lists[name]
        ctx = self.ctx
        ident = f"sanctions-list:{slugify(name)}"
        iri = ctx.resolve([ident])
        if iri is None:
            iri = f"{ctx.base}list-{slugify(name)}"
            slug = ctx.unique_slug(slugify(name), iri, ctx.existing_slugs([slugify(name)]))
            ctx.entity(iri, slug, [SKG + "RestrictionList"], [name], [ident], new=True)
        self.lists[name] = iri
        return iri


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
        job.links(spool)
    ctx.out.flush()
    ctx.tick(0, force=True)
