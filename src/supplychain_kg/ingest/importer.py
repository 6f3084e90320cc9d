"""Run one import (CSV sheets, FtM entities or OCDS releases) into a staging store."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from supplychain_kg.config import Settings
from supplychain_kg.errors import BadRequestError
from supplychain_kg.ingest.chunks import Commit
from supplychain_kg.ingest.context import ImportContext
from supplychain_kg.ingest.guards import Limits
from supplychain_kg.ingest.inputs import expand_inputs
from supplychain_kg.ingest.rdf import Progress
from supplychain_kg.ingest.report import ImportReport
from supplychain_kg.store import Store
from supplychain_kg.validate import Validator

__all__ = ["IMPORT_KINDS", "ImportOptions", "stage_import"]

IMPORT_KINDS = ("csv", "ftm", "ocds")
_DEFAULTS = Settings()
_GC_YOUNG = 200_000  # allocations between the collector's passes over young objects
_SUFFIXES = {
    "csv": (".csv", ".tsv", ".txt"),
    "ftm": (".json", ".jsonl", ".ijson", ".ndjson", ".ftm"),
    "ocds": (".json", ".jsonl", ".ndjson"),
}


@dataclass(frozen=True)
class ImportOptions:
    """Per-import settings: the dataset (FtM) and the publisher (FtM; OCDS releases whose
    package and release name none) named as the source; what to do with links to entities
    outside the input (FtM: ``stub``, ``skip`` or ``error``); and whether a value that would
    be dropped or repaired is an error (``strict``) instead of counted in the report."""

    dataset: str | None = None
    publisher: str | None = None
    missing: str = "stub"
    strict: bool = False


def stage_import(
    store: Store,
    base: str,
    kind: str,
    paths: Iterable[Path | str],
    *,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
    commit: Commit | None = None,
    validator: Validator | None = None,
    max_nesting: int = _DEFAULTS.max_nesting,
    max_literal_bytes: int = _DEFAULTS.max_literal_bytes,
) -> tuple[Store, ImportReport]:
    """Read every input into a new staging store (nothing is written to ``store``).

    With ``commit``, staged data is handed to it in chunks as it grows, each committed in a
    background thread while the next one is staged (see ``ImportContext.maybe_commit``), and
    the last one before this returns: the store returned is then empty. A failed commit is
    raised here (after the chunk in flight, if any, has finished). Each resource staged is
    checked against ``validator``'s shapes as it is staged (the packaged ones by default).
    Input may nest ``max_nesting`` deep (JSON) and hold values of ``max_literal_bytes`` (UTF-8)
    at most (ingest/guards).

    The report counts what was dropped or repaired, the stubs made and the N-Triples lines
    to retract (``ctx.retract``: the marks of stubs described in place) are returned in
    ``report.retract``, for the caller to remove when it writes the import.

    Raises BadRequestError for an unknown kind or missing file, ParseError for bad input
    (naming the file, the line or row, and the field or column; also for bytes that are not
    UTF-8 and input past the limits).
    """
    if kind not in IMPORT_KINDS:
        raise BadRequestError(
            f"unknown import kind {kind!r}; expected one of {', '.join(IMPORT_KINDS)}"
        )
    sources = expand_inputs(paths, _SUFFIXES[kind])
    options = options or ImportOptions()
    limits = Limits(max_nesting, max_literal_bytes)
    ctx = ImportContext(store, base, kind, progress, commit, validator=validator, limits=limits)
    ctx.strict = options.strict
    # The collector's full passes, dozens in a large import, would each walk every object
    # alive before it (the vocabulary's rdflib graphs, the server's caches): 10% of a million
    # FtM entities' import. Frozen, those are left out until the import ends. The import's
    # own objects (a batch of records, a chunk's registers) outlive the young generation's
    # 700 allocations and were promoted, then walked again by the older generations' passes
    # (a quarter of the FtM import's Python time at 100,000 entities): the young generation is
    # made large enough for a batch. Refcounting frees what the import drops all the same;
    # the collector is only needed for cycles, which the import hardly makes.
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(_GC_YOUNG, *thresholds[1:])
    try:
        _run(ctx, kind, sources, options)
        ctx.finish()
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        ctx.close()
    ctx.report.triples += len(ctx.staging)
    ctx.report.retract = ctx.retract
    return ctx.staging, ctx.report


def _run(ctx: ImportContext, kind: str, sources: list[Path | str], options: ImportOptions) -> None:
    if kind == "ftm":
        from supplychain_kg.ingest.ftm import FtmOptions, import_ftm

        import_ftm(ctx, sources, FtmOptions(options.dataset, options.publisher, options.missing))
    elif kind == "ocds":
        from supplychain_kg.ingest.ocds import import_ocds

        import_ocds(ctx, sources, options.publisher)
    else:
        from supplychain_kg.ingest.csvsheet import import_csv

        import_csv(ctx, sources)
