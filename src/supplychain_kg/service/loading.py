"""Loading and validating RDF files: parse, name blank nodes, validate against the shapes and
the model's rules, then write in one transaction (all or nothing); the input bounds every file
and body read is checked against."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from supplychain_kg.errors import ParseError, ValidationError
from supplychain_kg.ingest import (
    Progress,
    check_line_files,
    check_rdf_input,
    expand_paths,
    stage_files,
)
from supplychain_kg.service.state import GraphState
from supplychain_kg.store import CheckedLoads, Store

__all__ = ["InputLimits", "LoadReport", "LoadingUseCases", "ValidationReport", "quiet"]


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


def quiet(_: str) -> None:
    """A progress callback that says nothing."""
    return None


class LoadingUseCases(GraphState):
    """Loading and validating files, and writing what an importer staged."""

    def load(self, paths: Iterable[Path], *, progress: Progress | None = None) -> LoadReport:
        """Parse, validate, then write every file in one transaction (all or nothing).

        Raises ParseError (file, line, column) or ValidationError (every violation); in both
        cases the store is unchanged.
        """
        return self._load(list(paths), progress=progress)

    def _load(
        self, paths: list[Path], *, progress: Progress | None, rewrite: Any = None
    ) -> LoadReport:
        say = progress or quiet
        started = time.perf_counter()
        stamps = _stamps(expand_paths(paths))  # before reading: see _unchanged
        store = self.store
        if rewrite is None and isinstance(store, CheckedLoads) and store.can_load_checked():
            lines = check_line_files(paths, **self._input_limits())
            if lines is not None:  # N-Triples or N-Quads without blank nodes, on disk
                return self._load_while_checking(lines, stamps, progress, started)
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
            with self.store.transaction() as rereads:  # on disk the files are read again
                check = self._checker(staging, say)
                added = self.store.absorb(staging, files=reparse, check=check)
                if rereads and reparse is not None:
                    _unchanged(stamps)
            self._after_write(staging, before)
        total = len(self.store)
        elapsed = time.perf_counter() - started
        say(
            f"loaded {len(files)} file(s): {added:,} new triples "
            f"({total:,} in the store) in {elapsed:.1f} s"
        )
        return LoadReport(len(files), parsed, added, total, elapsed)

    def _load_while_checking(
        self,
        files: list[tuple[Path, str]],
        stamps: dict[Path, Stamp],
        progress: Progress | None,
        started: float,
    ) -> LoadReport:
        """Load N-Triples or N-Quads files without blank nodes (checked by
        :func:`check_line_files`) on disk: the bulk write starts at once and the files are
        parsed into a staging store and validated meanwhile, against the store as it was
        before the write; if either fails, the write is undone (all or nothing, as
        :meth:`_load`). The write then costs little more than the bulk load alone."""
        say = progress or quiet
        store = self.store
        assert isinstance(store, CheckedLoads)
        staged: list[Store] = []

        def parse_and_validate(before: Store) -> Store:
            staging, _ = stage_files(
                self.store,
                [path for path, _ in files],
                progress=progress,
                checked=True,
                **self._input_limits(),
            )
            staged.append(staging)
            say(f"validating {len(staging):,} triples")
            self._checker(staging, say, context=before)()
            return staging

        say(f"writing {len(files)} file(s) while they are parsed and validated")
        with self.writing():
            before = self.store.revision
            with self.store.transaction():
                added = store.load_checked(files, parse_and_validate)
                _unchanged(stamps)  # the write and the parse each read the files
            self._after_write(staged[0], before)
        parsed, total = len(staged[0]), len(self.store)
        elapsed = time.perf_counter() - started
        say(
            f"loaded {len(files)} file(s): {added:,} new triples "
            f"({total:,} in the store) in {elapsed:.1f} s"
        )
        return LoadReport(len(files), parsed, added, total, elapsed)

    def _checker(
        self, staging: Store, say: Progress, *, context: Store | None = None
    ) -> Callable[[], None]:
        """Validation of staged data, prepared against ``context`` (the store as it is now,
        unless another view of it is given)."""
        run = self.validator.prepare(staging, self.store if context is None else context)

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
        say = progress or quiet
        with self.writing():
            before = self.store.revision
            added = self.store.absorb(staging, check=self._checker(staging, say))
            self._after_write(staging, before)
        return added


Stamp = tuple[int, int, int, int, int]


def _stamps(paths: Iterable[Path]) -> dict[Path, Stamp]:
    """What identifies each file's content without reading it again: device, inode, size,
    and the times of the last change of content and of status (the latter no user can set)."""
    out: dict[Path, Stamp] = {}
    for path in paths:
        st = path.stat()
        out[path] = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    return out


def _unchanged(stamps: dict[Path, Stamp]) -> None:
    """ParseError if a file changed since it was checked and staged: the bulk loader read it
    again, so what was written may not be what was validated (the write is then undone)."""
    for path, stamp in stamps.items():
        if _stamps([path])[path] != stamp:
            raise ParseError(
                "the file changed while it was being loaded; nothing was written, load it again",
                path=str(path),
            )
