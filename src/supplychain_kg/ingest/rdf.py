"""Staging RDF files: format by extension, checked (ingest/guards), parsed with Oxigraph."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from supplychain_kg.config import Settings
from supplychain_kg.errors import BadRequestError, ParseError
from supplychain_kg.ingest.guards import check_rdf_input
from supplychain_kg.store import Store

__all__ = [
    "RDF_EXTENSIONS",
    "Progress",
    "check_line_files",
    "expand_paths",
    "media_type_for",
    "stage_files",
]

Progress = Callable[[str], None]
_DEFAULTS = Settings()

RDF_EXTENSIONS: dict[str, str] = {
    ".ttl": "text/turtle",
    ".turtle": "text/turtle",
    ".nt": "application/n-triples",
    ".ntriples": "application/n-triples",
    ".nq": "application/n-quads",
    ".nquads": "application/n-quads",
    ".trig": "application/trig",
    ".rdf": "application/rdf+xml",
    ".owl": "application/rdf+xml",
    ".xml": "application/rdf+xml",
    ".jsonld": "application/ld+json",
    ".json-ld": "application/ld+json",
    ".n3": "text/n3",
}


def media_type_for(path: Path) -> str:
    """The RDF media type for a file name, by extension.

    >>> media_type_for(Path("seed.ttl"))
    'text/turtle'
    """
    media_type = RDF_EXTENSIONS.get(path.suffix.lower())
    if media_type is None:
        known = ", ".join(sorted(RDF_EXTENSIONS))
        raise BadRequestError(
            f"{path}: unknown RDF file extension {path.suffix!r}; expected {known}"
        )
    return media_type


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield the files named, and the RDF files inside named directories (sorted)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix.lower() in RDF_EXTENSIONS)
        elif path.is_file():
            yield path
        else:
            raise BadRequestError(f"{path}: no such file or directory")


def stage_files(
    store: Store,
    paths: Iterable[Path],
    *,
    progress: Progress | None = None,
    rewrite: Callable[[bytes], bytes] | None = None,
    max_nesting: int = _DEFAULTS.max_nesting,
    max_literal_bytes: int = _DEFAULTS.max_literal_bytes,
    blank_prefix: str | None = None,
    checked: bool = False,
) -> tuple[Store, list[tuple[Path, str]]]:
    """Check and parse every file into a new staging store; return it and the (path, media
    type) list. ``blank_prefix``: name blank nodes under it (Store.parse_into). ``checked``:
    the files already passed :func:`check_line_files` (they are not scanned again).

    ``rewrite`` may transform a file's bytes first (used to put the seed under another base
    IRI). Each file is checked before it is parsed (:func:`.guards.check_rdf_input`: nesting
    up to ``max_nesting``, literals up to ``max_literal_bytes``, no XML entities). Raises
    ParseError naming the file, line and column of the first refusal or syntax error.
    """
    staging = store.staging()
    files: list[tuple[Path, str]] = []
    for path in expand_paths(paths):
        media_type = media_type_for(path)
        started = time.perf_counter()
        before = len(staging)
        source: Path | bytes = path if rewrite is None else rewrite(path.read_bytes())
        if not checked or rewrite is not None:
            check_rdf_input(
                source,
                media_type,
                name=str(path),
                max_nesting=max_nesting,
                max_literal_bytes=max_literal_bytes,
            )
        _parse(staging, source, media_type, path, blank_prefix)
        files.append((path, media_type))
        if progress:
            added = len(staging) - before
            elapsed = time.perf_counter() - started
            rate = added / elapsed if elapsed > 0 else 0.0
            progress(f"parsed {path}: {added:,} triples in {elapsed:.1f} s ({rate:,.0f}/s)")
    if not files:
        raise BadRequestError("no RDF files found in the paths given")
    return staging, files


_LINE_SYNTAXES = frozenset(("application/n-triples", "application/n-quads"))


def check_line_files(
    paths: Iterable[Path],
    *,
    max_nesting: int = _DEFAULTS.max_nesting,
    max_literal_bytes: int = _DEFAULTS.max_literal_bytes,
) -> list[tuple[Path, str]] | None:
    """The (path, media type) of every file, checked as :func:`stage_files` checks them, if
    all are N-Triples or N-Quads without a blank node: such files may be bulk-loaded as they
    are, before they are parsed into a staging store (``skg load`` writes while it parses
    and validates). None, with nothing read, if a file has another syntax; None if one holds
    ``_:`` (the only blank-node syntax of these formats; inside a literal it is a blank
    node's label no more, but the file takes the usual way). Raises as :func:`stage_files`.
    """
    files = [(path, media_type_for(path)) for path in expand_paths(paths)]
    if not files:
        raise BadRequestError("no RDF files found in the paths given")
    if any(media_type not in _LINE_SYNTAXES for _, media_type in files):
        return None
    blank = False
    for path, media_type in files:
        blank |= check_rdf_input(
            path,
            media_type,
            name=str(path),
            max_nesting=max_nesting,
            max_literal_bytes=max_literal_bytes,
        )
    return None if blank else files


def _parse(
    staging: Store, source: Path | bytes, media_type: str, path: Path, blank_prefix: str | None
) -> None:
    try:
        staging.parse_into(
            source, media_type, base_iri=path.resolve().as_uri(), blank_prefix=blank_prefix
        )
    except MemoryError as exc:  # the engine's lexer refuses a token past its 16 MiB buffer
        raise ParseError(f"too large for the parser: {exc}", path=str(path)) from exc
    except ParseError as exc:
        if "LoadDocumentCallback" not in exc.detail:
            raise
        raise ParseError(
            "a remote JSON-LD @context is never fetched; put the context in the document",
            path=exc.path,
            line=exc.line,
            column=exc.column,
        ) from exc
