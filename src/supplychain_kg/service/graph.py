"""Use cases shared by the CLI and the HTTP API: open, seed, load, validate, query, look up.

Nothing here imports FastAPI or an engine: the store is reached through the Store protocol.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypedDict

from supplychain_kg.config import Settings, graph_dir
from supplychain_kg.errors import InvalidParameterError, SkgError, StoreError, ValidationError
from supplychain_kg.export import ExportRequest, atomic_output, not_a_graph_query, run_export
from supplychain_kg.ingest import (
    ImportOptions,
    ImportReport,
    Progress,
    check_rdf_input,
    stage_files,
    stage_import,
)
from supplychain_kg.model import IRI, BNode, Quad, term_to_python
from supplychain_kg.namespaces import DEFAULT_BASE, RDF, SKG, sparql_prefixes
from supplychain_kg.paths import (
    MAX_DEPTH,
    Match,
    NameIndex,
    Projection,
    aliases_and_identifiers,
    build_projection,
    claim_ends,
    fetch_claims,
    fetch_entities,
    local_id,
    neighbourhood_answer,
    parse_options,
    path_answer,
    staged_impure,
    staged_subjects,
    touched_entities,
)
from supplychain_kg.sparql import (
    Checked,
    GuardLimits,
    check,
    data_blocks,
    network_isolation,
    query_form,
)
from supplychain_kg.store import QueryResult, Store, open_store
from supplychain_kg.validate import Ontology, Validator, check_write, load_ontology, load_validator

if TYPE_CHECKING:
    from supplychain_kg.sparql import SparqlService

__all__ = [
    "KnowledgeGraph",
    "LoadReport",
    "ValidationReport",
    "backup_store",
    "restore_store",
    "seed_files",
]

Touched = tuple[set[str], set[str], set[str]]
"""What a write touched: (subjects, entities, relations given a non-IRI end)."""


def seed_files() -> list[Path]:
    """The files of the embedded default graph: the vocabulary, then the seed data."""
    root = graph_dir()
    return [root / "ontology.ttl", *sorted((root / "data").glob("*.ttl"))]


def _store_dir(settings: Settings, doing: str) -> Path:
    directory = settings.resolved_store_dir()
    if directory is None:
        raise StoreError(f"an in-memory store (--memory) cannot be {doing}; use --store DIR")
    return directory


def backup_store(settings: Settings, target: Path, *, wait: float = 60.0) -> dict[str, Any]:
    """Back up the configured on-disk store into the new directory ``target`` and return the
    backup's manifest. Works while another process (``skg serve``) holds the store: a write
    running there is waited for, up to ``wait`` seconds (see ``store/backup.py``)."""
    from supplychain_kg.store import backup_store as backup

    return backup(_store_dir(settings, "backed up"), target, wait=wait)


def restore_store(settings: Settings, source: Path) -> dict[str, Any]:
    """Replace the configured on-disk store by the backup at ``source`` (made by
    :func:`backup_store`); return its manifest. Refused (StoreLockedError) while the store is
    open anywhere; a process killed meanwhile leaves the old store or the restored one."""
    from supplychain_kg.store import restore_store as restore

    return restore(_store_dir(settings, "restored"), source)


@dataclass(frozen=True)
class LoadReport:
    """What a load did."""

    files: int
    parsed: int
    added: int
    total: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "parsed": self.parsed,
            "added": self.added,
            "total": self.total,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class ValidationReport:
    """What a validation found (no violations: the data may be loaded)."""

    files: int
    triples: int
    violations: list[Any]

    @property
    def ok(self) -> bool:
        return not self.violations


class InputLimits(TypedDict):
    """The bounds every file and body read is checked against (ingest/guards)."""

    max_nesting: int
    max_literal_bytes: int


class _RefusedWriteError(Exception):
    """A write broke a rule (its violations); undone by the block it leaves."""

    def __init__(self, violations: list[Any]) -> None:
        self.violations = violations
        super().__init__(f"{len(violations)} violations")


def _quiet(_: str) -> None:
    return None


def _in_graph(quads: Iterable[Quad], graph: str | None) -> Iterator[Quad]:
    """The triples of ``quads`` placed in ``graph`` (None: the default graph)."""
    name = IRI(graph) if graph is not None else None
    for quad in quads:
        yield Quad(quad.subject, quad.predicate, quad.object, name)


def _batches(items: Iterable[Quad], size: int) -> Iterator[list[Quad]]:
    batch: list[Quad] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _capped(relations: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    if limit is None or len(relations) <= limit:
        return relations
    order = {"denied": 0, "disputed": 1}
    return sorted(relations, key=lambda r: order.get(r["stance"], 2))[:limit]


class KnowledgeGraph:
    """The graph service: one store plus the vocabulary, the validator and caches."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.ontology: Ontology = load_ontology()
        self.validator: Validator = load_validator()
        self._index: NameIndex | None = None
        self._lock = threading.RLock()
        """The write lock (``writing``)."""
        self._index_lock = threading.Lock()
        self._projection_lock = threading.Lock()
        """Held while the name index or the projection is built: reads and writes go on (a
        cache built while a write landed is labelled with the older revision, so it is
        rebuilt on next use)."""

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, settings: Settings, *, progress: Progress | None = None) -> KnowledgeGraph:
        """Open the configured store; seed it from ``graph/`` if it is new.

        A store is new until its notes (``Store.read_metadata``) say whether it was seeded:
        a store made with ``settings.seed`` off is noted as not seeded and never seeded
        later, and a store emptied by its user is never seeded again. A store that has data
        but no such note (made before the note existed) counts as seeded. Opening takes the
        same time whatever the store's size (nothing is counted).
        """
        store = open_store(settings.resolved_store_dir())
        try:
            kg = cls(settings, store)
            notes = store.read_metadata()
            if "seeded" not in notes:
                if not store.is_empty():
                    store.write_metadata({**notes, "seeded": "unknown (made before this note)"})
                elif settings.seed:
                    kg.seed(progress=progress)
                else:
                    store.write_metadata({**notes, "seeded": False})
        except BaseException:
            store.close()
            raise
        return kg

    def close(self) -> None:
        service = getattr(self, "_sparql", None)
        if service is not None:
            service.close()
        self.store.close()

    def backup(self, target: Path) -> dict[str, Any]:
        """Back up the store this graph holds open (for a server-side endpoint) into the new
        directory ``target``, with every write held off meanwhile; return the manifest."""
        from supplychain_kg.store import backup_open_store

        directory = _store_dir(self.settings, "backed up")
        with self.writing():
            return backup_open_store(self.store, directory, target)

    def seed(self, *, progress: Progress | None = None) -> LoadReport:
        """Load the embedded default graph (vocabulary and seed data) under the configured
        base, and note in the store that it was seeded (and when)."""
        base = self.settings.base_iri
        rewrite = None
        if base != DEFAULT_BASE:
            old, new = DEFAULT_BASE.encode(), base.encode()

            def rewrite(data: bytes) -> bytes:
                return data.replace(old, new)

        if progress:
            progress("seeding the store from the embedded graph/ (first use)")
        report = self._load(seed_files(), progress=progress, rewrite=rewrite)
        self.store.write_metadata({**self.store.read_metadata(), "seeded": _now()})
        return report

    # -- loading ---------------------------------------------------------------------------

    def load(self, paths: Iterable[Path], *, progress: Progress | None = None) -> LoadReport:
        """Parse, validate, then write every file in one transaction (all or nothing).

        Raises ParseError (file, line, column) or ValidationError (every violation); in both
        cases the store is unchanged.
        """
        return self._load(list(paths), progress=progress)

    def _load(
        self, paths: list[Path], *, progress: Progress | None, rewrite: Any = None
    ) -> LoadReport:
        say = progress or _quiet
        started = time.perf_counter()
        staging, files = stage_files(
            self.store, paths, progress=progress, rewrite=rewrite, **self._input_limits()
        )
        reparse: list[tuple[Path, str]] | None = files if rewrite is None else None
        if staging.has_blank_nodes():  # parsed again, naming them (the same file, the same IRIs)
            staging, files = self._stage_named(paths, rewrite)
            say("named the blank nodes with stable IRIs")
            reparse = None
        parsed = len(staging)
        say(f"validating and writing {parsed:,} triples")
        with self.writing():
            before = self.store.revision
            added = self.store.absorb(staging, files=reparse, check=self._checker(staging, say))
            self._after_write(staging, before)
        total = len(self.store)
        elapsed = time.perf_counter() - started
        say(
            f"loaded {len(files)} file(s): {added:,} new triples "
            f"({total:,} in the store) in {elapsed:.1f} s"
        )
        return LoadReport(len(files), parsed, added, total, elapsed)

    def _checker(self, staging: Store, say: Progress) -> Callable[[], None]:
        """Validation of staged data, prepared against the store as it is now."""
        run = self.validator.prepare(staging, self.store)

        def check() -> None:
            started = time.perf_counter()
            violations = run()
            if violations:
                raise ValidationError(violations)
            say(f"validated {len(staging):,} triples in {time.perf_counter() - started:.1f} s")

        return check

    def validate_files(
        self, paths: Iterable[Path], *, progress: Progress | None = None
    ) -> ValidationReport:
        """Parse and validate without writing anything (in the light of the store's content)."""
        given = list(paths)
        staging, files = stage_files(self.store, given, progress=progress, **self._input_limits())
        if staging.has_blank_nodes():
            staging, files = self._stage_named(given, None)
        violations = self.validator.validate(staging, self.store)
        return ValidationReport(len(files), len(staging), violations)

    def _stage_named(
        self, paths: list[Path], rewrite: Callable[[bytes], bytes] | None
    ) -> tuple[Store, list[tuple[Path, str]]]:
        """The files staged again with their blank nodes named (genid IRIs)."""
        return stage_files(
            self.store,
            paths,
            rewrite=rewrite,
            blank_prefix=self.settings.base_iri + ".well-known/genid/",
            **self._input_limits(),
        )

    def _input_limits(self) -> InputLimits:
        """The bounds every file and body read is checked against (ingest/guards)."""
        return {
            "max_nesting": self.settings.max_nesting,
            "max_literal_bytes": self.settings.max_literal_bytes,
        }

    def check_input(self, data: bytes, media_type: str, *, name: str) -> None:
        """Check an RDF document before it is parsed (nesting, literal sizes, no XML
        entities): ParseError naming ``name``, the line and the column."""
        check_rdf_input(data, media_type, name=name, **self._input_limits())

    def write_staged(self, staging: Store, *, progress: Progress | None = None) -> int:
        """Validate then write a staging store built by an importer (all or nothing)."""
        say = progress or _quiet
        with self.writing():
            before = self.store.revision
            added = self.store.absorb(staging, check=self._checker(staging, say))
            self._after_write(staging, before)
        return added

    # -- querying --------------------------------------------------------------------------

    def guard(self, text: str, *, update: bool = False) -> Checked:
        """The query guard (query_guard.check) for a text run in this process."""
        limits = GuardLimits.from_settings(self.settings, update=update)
        return check(text, limits, update=update, isolated=bool(network_isolation()))

    def query(self, sparql: str, *, with_prefixes: bool = False) -> QueryResult:
        """Run a user's SPARQL query (after the query guard); ``with_prefixes`` declares the
        vocabulary prefixes first."""
        text = sparql_prefixes(self.settings.base_iri) + sparql if with_prefixes else sparql
        self.guard(text)
        return self.store.query(text)

    def stats(self) -> dict[str, Any]:
        """Entities by type, claims by stance, source documents and triple count."""
        entity_types = sorted(self.ontology.closure(f"{SKG}Entity"))
        values = " ".join(f"<{t}>" for t in entity_types)
        by_type = {
            str(r["type"].value).removeprefix(SKG): int(str(r["n"].value))
            for r in self.store.query(
                f"SELECT ?type (COUNT(DISTINCT ?x) AS ?n) WHERE {{ VALUES ?type {{ {values} }} "
                f"?x <{RDF}type> ?type }} GROUP BY ?type ORDER BY DESC(?n)"
            ).rows()
        }
        entities = self._count(
            f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ VALUES ?type {{ {values} }} ?x <{RDF}type> ?type }}"
        )
        by_stance = {
            str(r["stance"].value).removeprefix(SKG).lower(): int(str(r["n"].value))
            for r in self.store.query(
                f"SELECT ?stance (COUNT(?c) AS ?n) WHERE {{ ?c a <{SKG}Claim> ; <{SKG}stance> ?stance }} "
                "GROUP BY ?stance ORDER BY ?stance"
            ).rows()
        }
        sources = [
            {
                "id": str(r["slug"].value) if "slug" in r else local_id(str(r["s"].value)),
                "title": str(r["title"].value) if "title" in r else "",
                "claims": int(str(r["n"].value)),
            }
            for r in self.store.query(
                f"""SELECT ?s ?slug ?title (COUNT(?c) AS ?n) WHERE {{ ?s a <{SKG}SourceDocument> .
                    OPTIONAL {{ ?s <{SKG}slug> ?slug }} OPTIONAL {{ ?s <http://purl.org/dc/terms/title> ?title }}
                    OPTIONAL {{ ?c <{SKG}source> ?s }} }} GROUP BY ?s ?slug ?title ORDER BY DESC(?n) ?slug"""
            ).rows()
        ]
        return {
            "triples": len(self.store),
            "entities": entities,
            "entities_by_type": by_type,
            "claims": sum(by_stance.values()),
            "claims_by_stance": by_stance,
            "sources": sources,
        }

    def _count(self, query: str) -> int:
        for row in self.store.query(query).rows():
            value = term_to_python(row.get("n"))
            return int(value) if isinstance(value, int | float) else 0
        return 0

    # -- entities --------------------------------------------------------------------------

    def index(self) -> NameIndex:
        """The name index, rebuilt when the store has changed."""
        current = self._index
        if current is not None and current.revision == self.store.revision:
            return current
        with self._index_lock:
            current = self._index
            if current is None or current.revision != self.store.revision:
                current = NameIndex(self.store, self.ontology.closure(f"{SKG}Entity"))
                self._index = current
            return current

    def search(self, text: str, *, type_: str | None = None, limit: int = 20) -> list[Match]:
        return self.index().search(text, type_=type_, limit=limit)

    def resolve(self, reference: str) -> str:
        """An entity IRI for an id, IRI or name (see NameIndex.resolve)."""
        return self.index().resolve(reference)

    def show(self, reference: str, *, limit: int | None = None) -> dict[str, Any]:
        """Everything about one entity: names, types, identifiers and every claim in and out.

        ``limit`` caps the relations listed (denied and disputed ones first, so no denial is
        cut before an assertion); ``relations_total`` always gives the full count.
        """
        iri = self.resolve(reference)
        attrs = aliases_and_identifiers(self.store, iri)
        claims = fetch_claims(self.store, about=[iri])
        others = {c.subject for c in claims.values()} | {
            c.object.value for c in claims.values() if isinstance(c.object, IRI)
        }
        summaries = fetch_entities(self.store, others | {iri})
        relations: dict[tuple[str, str, str], dict[str, Any]] = {}
        values: list[dict[str, Any]] = []
        for claim in sorted(claims.values(), key=lambda c: (c.relation, c.id)):
            rel = claim.relation.removeprefix(SKG)
            if not isinstance(claim.object, IRI):
                values.append(
                    {
                        "relation": rel,
                        "subject": summaries[claim.subject].to_json(),
                        "value": term_to_python(claim.object),
                        "claim": claim.to_json(),
                    }
                )
                continue
            outgoing = claim.subject == iri
            other = claim.object.value if outgoing else claim.subject
            key = ("out" if outgoing else "in", rel, other)
            entry = relations.setdefault(
                key,
                {
                    "direction": key[0],
                    "relation": rel,
                    "relation_label": self.ontology.labels.get(claim.relation, rel),
                    "other": summaries[other].to_json(),
                    "claims": [],
                },
            )
            entry["claims"].append(claim.to_json())
        for entry in relations.values():
            stances = {c["stance"] for c in entry["claims"]}
            entry["stance"] = (
                "disputed"
                if len(stances) > 1
                else "denied"
                if stances == {"denied"}
                else "asserted"
            )
        head = summaries[iri]
        return {
            **head.to_json(),
            "labels": attrs.get("labels", []),
            "aliases": attrs.get("aliases", []),
            "identifiers": attrs.get("identifiers", []),
            "country": [local_id(c) for c in attrs.get("country", [])],
            "comments": attrs.get("comments", []),
            "attributes": {
                k: v
                for k, v in attrs.items()
                if k in ("role", "member_type", "min_count", "max_count")
            },
            "relations": _capped(list(relations.values()), limit),
            "relations_total": len(relations),
            "values": values,
        }

    # -- SPARQL endpoint -------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold everything a write needs: no query worker has the store open (they reopen it
        afterwards) and the write lock. Writes made while serving should go through this. The
        name index and the path projection know the store revision they were made for: a
        write that does not patch them (``_after_write``) makes them rebuild on next use."""
        service: SparqlService | None = getattr(self, "_sparql", None)
        workers = service.runner.exclusive() if service is not None else contextlib.nullcontext()
        with workers, self._lock:
            yield

    @property
    def claimed_relations(self) -> frozenset[str]:
        """The vocabulary's claimed relations (the ones paths walk)."""
        return self.ontology.claimed_relations

    def sparql_service(self) -> SparqlService:
        """The SPARQL endpoint's use cases on this graph (one per graph, made on first use)."""
        from supplychain_kg.sparql import SparqlService

        made: SparqlService | None = getattr(self, "_sparql", None)
        if made is not None:  # no lock: a write holds it, and the event loop must not wait
            return made
        with self._lock:
            service: SparqlService | None = getattr(self, "_sparql", None)
            if service is None:
                service = SparqlService(self)
                self._sparql = service
            return service

    # -- paths and neighbours ---------------------------------------------------------------

    _projection: Projection | None = None
    PATCH_LIMIT = 200_000
    """Writes of at most this many triples patch the path projection; larger ones rebuild it."""

    def projection(self) -> Projection:
        """The path projection for the store's current revision (built or rebuilt if stale)."""
        current = self._projection
        if current is not None and current.revision == self.store.revision:
            return current
        with self._projection_lock:
            current = self._projection
            if current is None or current.revision != self.store.revision:
                current = build_projection(
                    self.store,
                    self.ontology.claimed_relations,
                    self.ontology.closure(f"{SKG}Entity"),
                )
                self._projection = current
            return current

    def _touched(self, staging: Store) -> Touched:
        """What a write of ``staging`` touches: the subjects whose names may change (for the
        name index), the entities whose edges may change and the relations it gives a
        non-IRI end (for the projection)."""
        relations = self.ontology.claimed_relations
        return (
            staged_subjects(staging),
            touched_entities(staging, relations),
            staged_impure(staging, relations),
        )

    def _after_write(
        self, staging: Store | None, before: int, extra: AbstractSet[str] = frozenset()
    ) -> None:
        """After a write of ``staging`` (None: a write whose triples are not known), bring the
        name index and the path projection up to date where the write was small (patched in
        place), else drop them (rebuilt on next use). ``before``: the store's revision before
        the write; ``extra``: entities whose edges changed besides those the triples name."""
        if staging is None or len(staging) > self.PATCH_LIMIT:
            self._patch_caches(before, None)
        elif self._index is not None or self._projection is not None:
            subjects, touched, impure = self._touched(staging)
            self._patch_caches(before, (subjects, touched | extra, impure))

    def _patch_caches(self, before: int, touched: Touched | None) -> None:
        """Patch the name index and the projection made at revision ``before`` for the
        (subjects, entities, impure relations) ``touched``; None (or a cache of another
        revision): drop them."""
        index, projection = self._index, self._projection
        if index is not None:
            if touched is not None and index.revision == before:
                index.refresh(self.store, touched[0], self.store.revision)
            else:
                self._index = None
        if projection is not None:
            if touched is not None and projection.revision == before:
                projection.patch(self.store, touched[1], self.store.revision, touched[2])
            else:
                self._projection = None

    def run_update(self, text: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update on the store (atomic), then validate what it touched
        (write_check.py): a violation undoes it (ValidationError). When it is made only of
        ``INSERT DATA`` and ``DELETE DATA`` (the usual small edit), its triples are staged
        first: only the resources they name are validated, and the name index and the path
        projection are patched instead of rebuilt."""
        staging: Store | None = None
        blocks = data_blocks(text)
        if blocks is not None:
            staging = self.store.staging()
            try:
                for block in blocks:
                    staging.update(block, base_iri=base_iri)
            except SkgError:
                staging = None  # the update itself reports the problem
        with self.writing():
            before = self.store.revision
            ends: set[str] = set()  # the claims' ends before the write (for the projection)
            if staging is not None and self._projection is not None:
                ends = claim_ends(self.store, staged_subjects(staging))
            try:
                self._validated(lambda: self.store.update(text, base_iri=base_iri), staging)
            except BaseException:
                if self.store.revision != before:  # written, then undone
                    self._patch_caches(before, None)
                raise
            if self.store.revision != before + 1:  # undone, then written again
                staging = None
            self._after_write(staging, before, ends)

    def write_graph(self, graph: str | None, data: Store, *, replace: bool) -> None:
        """Graph Store write: put the triples of ``data`` into ``graph`` (None: the default
        graph), replacing what it held if ``replace``; validated as an update is, all or
        nothing."""
        named = self.store.staging()
        if graph is not None or not replace:
            named.add_quads(_in_graph(data.quads(), graph))
        if replace and graph is not None:  # what the graph held is named too
            named.add_quads(self._graph_quads(graph))
        target = "DEFAULT" if graph is None else f"GRAPH <{graph}>"
        with self.writing():
            before = self.store.revision

            def apply() -> None:
                if replace:
                    self.store.update(f"DROP SILENT {target}")
                for batch in _batches(_in_graph(data.quads(), graph), 50_000):
                    self.store.add_quads(batch)

            try:
                self._validated(apply, None if graph is None and replace else named)
            except BaseException:
                if self.store.revision != before:  # written, then undone
                    self._patch_caches(before, None)
                raise
            self._after_write(None if replace else named, before)

    def _graph_quads(self, graph: str) -> Iterator[Quad]:
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        for s, p, o in self.store.query(query).triples():
            if isinstance(s, IRI | BNode) and isinstance(p, IRI):
                yield Quad(s, p, o, IRI(graph))

    def _validated(self, apply: Callable[[], None], named: Store | None) -> None:
        """Make a write (``apply``) and keep it only if it adds no violation of the shapes or
        the model's rules (write_check.py; ``named``: the quads it names, None if not known).

        A violation undoes the write; then, in the rare store that already broke a rule
        (written before writes were validated), the same resources are checked as they were:
        if the write added nothing new, it is made again and kept. Else ValidationError with
        the new violations."""
        try:
            with self.store.undoable():
                apply()
                found = check_write(self.validator, self.store, named)
                if found:
                    raise _RefusedWriteError(found)
        except _RefusedWriteError as refused:
            had = set(check_write(self.validator, self.store, named))
            new = [v for v in refused.violations if v not in had]
            if new:
                raise ValidationError(new) from None
            with self.store.undoable():
                apply()

    def paths(
        self, source: str, target: str, *, timeout: float | None = None, **options: Any
    ) -> dict[str, Any]:
        """Up to ``k`` shortest paths with their evidence (options: see relations.parse_options).

        Raises UnknownEntityError / AmbiguousEntityError for SOURCE or TARGET,
        InvalidParameterError for a bad option and QueryTimeoutError past ``timeout`` seconds.
        """
        parsed = parse_options(self.ontology, timeout=timeout, **options)
        start, end = self.resolve(source), self.resolve(target)
        return path_answer(
            self.store,
            projection=self.projection(),
            source=start,
            target=end,
            options=parsed,
            labels=self.ontology.labels,
        )

    def neighbors(
        self,
        reference: str,
        *,
        depth: int = 1,
        limit: int = 50,
        timeout: float | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Entities within ``depth`` hops (at most ``limit`` new ones per entity), with claims."""
        parsed = parse_options(self.ontology, timeout=timeout, **options)
        if not 1 <= depth <= MAX_DEPTH:
            raise InvalidParameterError(
                "depth", f"{depth} is out of range; expected 1 to {MAX_DEPTH}"
            )
        if not 1 <= limit <= 1000:
            raise InvalidParameterError("limit", f"{limit} is out of range; expected 1 to 1000")
        iri = self.resolve(reference)
        return neighbourhood_answer(
            self.store,
            projection=self.projection(),
            entity=iri,
            options=parsed,
            depth=depth,
            limit=limit,
            labels=self.ontology.labels,
        )

    # -- export --------------------------------------------------------------------------

    def export(
        self, request: ExportRequest, output: IO[bytes], *, timeout: float | None = None
    ) -> tuple[int, int] | None:
        """Write an export into ``output`` (see supplychain_kg.export.run.run_export).

        ``around`` may be an id, IRI or name; a CONSTRUCT query may use the usual prefixes.
        Returns (nodes, edges) for graph formats, None for RDF.
        """
        resolved = self.resolve_export(request, timeout=timeout)
        if resolved.construct and resolved.answer is None:
            resolved = replace(resolved, answer=self._construct(resolved, timeout))
        return run_export(self.store, self.ontology, resolved, output, timeout=timeout)

    def _construct(self, request: ExportRequest, timeout: float | None) -> bytes:
        """Run an export's CONSTRUCT query under the query guard: through the SPARQL endpoint's
        runner when serving (a worker process, stopped at the time limit, capped), else in this
        process. Returns N-Triples, or the export's own format if it is an RDF one."""
        assert request.construct is not None
        fmt = request.check()
        media_type = fmt.media_type if fmt.rdf else "application/n-triples"
        form = query_form(request.construct)
        if form is not None and form != "graph":
            raise not_a_graph_query("select" if form == "select" else form)
        service: SparqlService | None = getattr(self, "_sparql", None)
        if service is not None:
            from supplychain_kg.sparql import QueryRequest

            answer = service.query(QueryRequest(request.construct, None, media_type))
            return answer.body
        self.guard(request.construct)
        result = self.store.query(request.construct)
        if result.kind != "graph":
            raise not_a_graph_query(result.kind)
        return result.serialize(media_type) or b""

    def export_to_file(
        self, request: ExportRequest, path: Path, *, timeout: float | None = None
    ) -> tuple[int, int] | None:
        """Export into ``path`` atomically: a failed export leaves no file (and an existing
        file untouched)."""
        with atomic_output(path) as out:
            return self.export(request, out, timeout=timeout)

    def resolve_export(
        self, request: ExportRequest, *, timeout: float | None = None
    ) -> ExportRequest:
        """The request with ``around`` resolved to an IRI (labelled with the entity id), a
        path query answered, and the vocabulary prefixes declared before a CONSTRUCT query."""
        if request.path_query is not None:
            params = dict(request.path_query)
            source, target = str(params.pop("source")), str(params.pop("target"))
            options = {"relation": request.relations, "direction": request.direction, **params}
            answer = self.paths(source, target, timeout=timeout, **options)
            ends = f"{answer['source']['id']}-{answer['target']['id']}"
            request = replace(request, path_query=None, relations=(), paths=answer, label=ends)
        if request.construct and not request.extra.get("prefixed"):
            query = sparql_prefixes(self.settings.base_iri) + request.construct
            request = replace(request, construct=query, extra={**request.extra, "prefixed": True})
        if not request.around or request.label:
            return request
        iri = self.resolve(request.around)
        entry = self.index().entry(iri)
        return replace(request, around=iri, label=entry.id if entry else local_id(iri))

    # -- importers (CSV, FtM, OCDS) ----------------------------------------------------------

    def import_files(
        self,
        kind: str,
        paths: Iterable[Path | str],
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        options: ImportOptions | None = None,
    ) -> ImportReport:
        """Import CSV sheets, FtM entities or OCDS releases: read, validate, write, all or
        nothing. On a store that can roll back a group of writes (on disk), large imports are
        written in chunks under one checkpoint, so memory stays flat: each resource is checked
        as it is staged (ingest/checks.py), and what that leaves for the end is checked before
        the import is kept.
        ``dry_run`` reads and validates without writing. Raises ParseError (file, line or
        row, field) or ValidationError; in both cases the store is unchanged."""
        say = progress or _quiet
        started = time.perf_counter()
        added = 0
        staged = 0
        touched: Touched | None = (set(), set(), set())
        size: int | None = None  # the store's size before chunks written as they are

        def commit(
            staging: Store | None, files: Sequence[tuple[Path, str]] | None = None, lines: int = 0
        ) -> None:
            nonlocal added, staged, touched, size  # one chunk at a time (in a background thread)
            if staging is None:  # validated while staged: written as it is, counted at the end
                assert files is not None
                say(f"writing {lines:,} triples (validated as they were staged)")
                touched = None  # caches (re)built on next use
                if size is None:
                    size = len(self.store) - added
                self.store.absorb_files(files)
                return
            say(f"validating and writing {len(staging):,} triples")
            staged += len(staging)
            cached = self._index is not None or self._projection is not None
            if touched is not None and cached and staged <= self.PATCH_LIMIT:
                subjects, entities, impure = self._touched(staging)
                touched = (touched[0] | subjects, touched[1] | entities, touched[2] | impure)
            else:  # too big to patch, or nothing to patch: caches (re)built on next use
                touched = None
            added += self.store.absorb(staging, files=files, check=self._checker(staging, say))

        with self.writing():
            before = self.store.revision
            try:
                with self.store.transaction() as chunked:
                    use_chunks = chunked and not dry_run
                    staging, report = stage_import(
                        self.store,
                        self.settings.base_iri,
                        kind,
                        paths,
                        options=options,
                        progress=progress,
                        commit=commit if use_chunks else None,
                        validator=self.validator,
                        **self._input_limits(),
                    )
                    if dry_run:
                        self._checker(staging, say)()
                    elif not use_chunks:  # chunks were all committed by stage_import
                        commit(staging)
            except BaseException:
                self._patch_caches(before, None)
                raise
            if not dry_run:
                self._patch_caches(before, touched)
            if size is not None:
                added = len(self.store) - size
        report.added = added
        report.dry_run = dry_run
        report.seconds = time.perf_counter() - started
        return report

    # -- explorer --------------------------------------------------------------------------

    def explorer_config(self) -> dict[str, Any]:
        """How the explorer page draws each entity type, and the relations it can filter by."""
        from supplychain_kg.service.explorer import explorer_config

        return explorer_config(self.ontology)

    def explorer_entity(
        self,
        reference: str,
        *,
        limit: int = 60,
        timeout: float | None = None,
        show_all: int | None = None,
    ) -> dict[str, Any]:
        """The evidence panel's card: ``show`` for most entities; for a hub (more than
        ``show_all`` claims, default explorer.SHOW_ALL) its first ``limit`` neighbours' links,
        every denial involving it, and the counts."""
        from supplychain_kg.service.explorer import SHOW_ALL, claim_count, hub_card

        iri = self.resolve(reference)
        claims = claim_count(self.store, iri)
        if claims <= (SHOW_ALL if show_all is None else show_all):
            return {**self.show(iri), "capped": None}
        answer = self.neighbors(iri, limit=limit, timeout=timeout, include_disputed=True)
        return hub_card(self.store, answer, claims)
