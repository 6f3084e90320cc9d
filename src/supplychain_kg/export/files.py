"""Export formats (media type, file extension) and atomic file output."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from supplychain_kg.errors import BadRequestError

__all__ = ["FORMATS", "ExportFormat", "atomic_output", "export_filename", "get_format"]


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name, media type, file extension and whether it is RDF."""

    name: str
    media_type: str
    extension: str
    rdf: bool = False


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("graphml", "application/graphml+xml", ".graphml"),
        ExportFormat("gexf", "application/gexf+xml", ".gexf"),
        ExportFormat("cyjs", "application/json", ".cyjs"),
        ExportFormat("csv", "application/zip", ".csv.zip"),
        ExportFormat("turtle", "text/turtle", ".ttl", rdf=True),
        ExportFormat("nquads", "application/n-quads", ".nq", rdf=True),
        ExportFormat("jsonld", "application/ld+json", ".jsonld", rdf=True),
    )
}


def get_format(name: str) -> ExportFormat:
    """The format called ``name``; raises BadRequestError naming the known formats."""
    try:
        return FORMATS[name]
    except KeyError:
        raise BadRequestError(
            f"unknown export format {name!r}; expected one of {', '.join(FORMATS)}"
        ) from None


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def export_filename(stem: str, fmt: ExportFormat) -> str:
    """A safe download file name: ``stem`` reduced to letters, digits, ``.``, ``_`` and ``-``.

    >>> export_filename("around hikvision (depth 2)", FORMATS["graphml"])
    'around-hikvision-depth-2.graphml'
    """
    safe = _UNSAFE.sub("-", stem).strip("-.")[:80] or "export"
    return safe + fmt.extension


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """Write to a hidden temporary file next to ``path``, renamed over it on success.

    On any failure the temporary file is removed and an existing ``path`` is left untouched,
    so a failed export never leaves a truncated file under the requested name. The new file
    gets the usual permissions (0666 less the umask).
    """
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise BadRequestError(f"cannot write {path}: the directory {directory} does not exist")
    if path.is_dir():
        raise BadRequestError(f"cannot write {path}: it is a directory; give a file name")
    tmp = directory / f".{path.name}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise BadRequestError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
