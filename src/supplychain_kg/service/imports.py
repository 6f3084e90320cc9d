"""Imports of CSV sheets, FollowTheMoney entities and OCDS releases: read, validate, write,
all or nothing; large imports on disk are written in chunks under one checkpoint."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from supplychain_kg.ingest import ImportOptions, ImportReport, Progress, stage_import
from supplychain_kg.service.loading import LoadingUseCases, quiet
from supplychain_kg.service.state import Touched
from supplychain_kg.store import Store

__all__ = ["ImportUseCases"]


class ImportUseCases(LoadingUseCases):
    """Imports (validated as a load is: ``LoadingUseCases._checker``)."""

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
        say = progress or quiet
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
                    if report.retract and not dry_run:  # stubs described in place
                        self.store.update("DELETE DATA {\n" + "\n".join(report.retract) + "\n}")
                        touched = None
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
