"""Reading importer input: files, folders and standard input; JSON lines and JSON arrays."""

from __future__ import annotations

import io
import itertools
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import BadRequestError, ParseError

__all__ = ["display_name", "expand_inputs", "iter_json_records", "open_text"]


def expand_inputs(paths: Iterable[Path | str], suffixes: tuple[str, ...]) -> list[Path | str]:
    """Files named, files with ``suffixes`` inside named folders (sorted), and ``-`` (stdin)."""
    out: list[Path | str] = []
    for given in paths:
        if str(given) == "-":
            out.append("-")
            continue
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
            )
            if not found:
                raise BadRequestError(f"{path}: no {'/'.join(suffixes)} files in this folder")
            out += found
        elif path.is_file():
            out.append(path)
        else:
            raise BadRequestError(f"{path}: no such file or directory")
    if not out:
        raise BadRequestError("no input files given")
    return out


def open_text(source: Path | str) -> IO[str]:
    """Open a file (or ``-``: standard input) as UTF-8 text, a byte order mark skipped."""
    if str(source) == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    return open(source, encoding="utf-8-sig", newline="")


def display_name(source: Path | str) -> str:
    return "<stdin>" if str(source) == "-" else str(source)


def iter_json_records(source: Path | str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value)`` for each JSON value of a JSON-lines file or a JSON array file,
    streaming (an array is decoded item by item). Raises ParseError with file, line, column."""
    name = display_name(source)
    with open_text(source) as handle:
        first = ""
        head: list[str] = []
        for line in handle:
            head.append(line)
            if line.strip():
                first = line.lstrip()[0]
                break
        if first == "[":
            yield from _iter_array(name, itertools.chain(head, handle))
            return
        for number, line in enumerate(itertools.chain(head, handle), start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line.rstrip("\r\n"))
            except json.JSONDecodeError as exc:
                raise ParseError(
                    f"not valid JSON: {exc.msg}", path=name, line=number, column=exc.colno
                ) from None


def _iter_array(name: str, lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    buffer = ""
    line = 1  # line of buffer[0]
    started = False
    source = iter(lines)
    exhausted = False
    while True:
        stripped = buffer.lstrip()
        line += buffer[: len(buffer) - len(stripped)].count("\n")
        buffer = stripped
        if not started and buffer.startswith("["):
            buffer, started = buffer[1:], True
            continue
        if buffer.startswith(","):
            buffer = buffer[1:]
            continue
        if buffer.startswith("]"):
            return
        if buffer:
            try:
                value, end = decoder.raw_decode(buffer)
            except json.JSONDecodeError as exc:
                if exhausted or len(buffer) > 64_000_000:
                    raise ParseError(
                        f"not valid JSON: {exc.msg}",
                        path=name,
                        line=line + exc.lineno - 1,
                        column=exc.colno,
                    ) from None
            else:
                if end < len(buffer) or exhausted:
                    yield line, value
                    line += buffer[:end].count("\n")
                    buffer = buffer[end:]
                    continue
        if exhausted:
            raise ParseError("the JSON array is not closed with ]", path=name, line=line)
        chunk = "".join(itertools.islice(source, 2000))
        if not chunk:
            exhausted = True
        buffer += chunk
