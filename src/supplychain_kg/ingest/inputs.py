"""Reading importer input: files, folders and standard input; JSON lines and JSON arrays.

Text is read as UTF-8 with undecodable bytes kept as escapes (``surrogateescape``), so that a
byte that is not UTF-8 is reported with its line and column (:func:`check_utf8`) instead of
ending the import in a UnicodeDecodeError. JSON is checked by
:class:`~supplychain_kg.ingest.guards.JsonScanner` before ``json`` parses it (nesting, string
length).
"""

from __future__ import annotations

import io
import itertools
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from supplychain_kg.errors import BadRequestError, ParseError
from supplychain_kg.ingest.guards import JsonScanner, Limits

__all__ = [
    "check_utf8",
    "display_name",
    "expand_inputs",
    "iter_json_records",
    "loads",
    "open_text",
    "scan_json_text",
]

_UNDECODABLE = re.compile("[\udc80-\udcff]")
_BOMS = {b"\xff\xfe": "UTF-16 (little-endian)", b"\xfe\xff": "UTF-16 (big-endian)"}
_STEP = 1 << 16


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
    """Open a file (or ``-``: standard input) as UTF-8 text, a byte order mark skipped;
    bytes that are not UTF-8 are kept as escapes for :func:`check_utf8` to report."""
    if str(source) == "-":
        return io.TextIOWrapper(
            sys.stdin.buffer, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
    return open(source, encoding="utf-8-sig", errors="surrogateescape", newline="")


def check_utf8(text: str, name: str, line: int) -> None:
    """Refuse text read by :func:`open_text` that held bytes that are not UTF-8; ``line`` is
    the line ``text`` starts on. Raises ParseError naming the line, column and byte.

    >>> check_utf8("ok\\nno \\udce9\\n", "a.csv", 1)
    Traceback (most recent call last):
    ...
    supplychain_kg.errors.ParseError: a.csv:2:4: not UTF-8 text: the byte 0xe9 ...
    """
    match = _UNDECODABLE.search(text)
    if match is None:
        return
    index = match.start()
    start = text[:2].encode("utf-8", "surrogateescape") if index == 0 and line == 1 else b""
    encoding = _BOMS.get(start)
    if encoding is not None:
        message = f"this is {encoding} text, not UTF-8; save the file as UTF-8"
    else:
        byte = ord(match.group()) - 0xDC00
        message = (
            f"not UTF-8 text: the byte 0x{byte:02x} is not part of a UTF-8 character "
            "(another encoding, such as Latin-1 or Windows-1252?); save the file as UTF-8"
        )
    raise ParseError(
        message,
        path=name,
        line=line + text.count("\n", 0, index),
        column=index - text.rfind("\n", 0, index),
    )


def scan_json_text(text: str, scanner: JsonScanner) -> None:
    """Check a whole JSON text (read by :func:`open_text`): UTF-8, nesting, string length."""
    check_utf8(text, scanner.name, 1)
    start, line = 0, 1
    while start < len(text):
        end = text.find("\n", start + _STEP)
        end = len(text) if end < 0 else end + 1
        piece = text[start:end]
        scanner.block(piece, line)
        line += piece.count("\n")
        start = end


def display_name(source: Path | str) -> str:
    return "<stdin>" if str(source) == "-" else str(source)


def iter_json_records(
    source: Path | str, limits: Limits | None = None
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value)`` for each JSON value of a JSON-lines file or a JSON array file,
    streaming (an array is decoded item by item). Raises ParseError with file, line, column
    (also for bytes that are not UTF-8, and past ``limits``: nesting, string length)."""
    name = display_name(source)
    limits = limits or Limits()
    with open_text(source) as handle:
        first = ""
        head: list[str] = []
        for line in handle:
            head.append(line)
            if line.strip():
                first = line.lstrip()[0]
                break
        if first == "[":
            yield from _iter_array(name, itertools.chain(head, handle), limits)
            return
        scanner = JsonScanner(name, limits, carry=False)
        # a line that cannot break a limit need not be scanned: no deeper than it has
        # brackets, no string longer (in UTF-8 bytes) than four times its characters
        short = limits.max_literal_bytes // 4
        deep = limits.max_nesting
        for number, line in enumerate(itertools.chain(head, handle), start=1):
            if not line.strip():
                continue
            check_utf8(line, name, number)
            if len(line) > short or line.count("[") + line.count("{") > deep:
                scanner.block(line, number)
            yield number, loads(line.rstrip("\r\n"), name, number)


def loads(text: str, name: str, line: int) -> Any:
    """``json.loads``, its errors as ParseError (``line``: where ``text`` starts)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"not valid JSON: {exc.msg}", path=name, line=line + exc.lineno - 1, column=exc.colno
        ) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ParseError(f"not valid JSON: {exc}", path=name, line=line) from None
    except RecursionError:  # SKG_MAX_NESTING set above what Python's parser can take
        raise ParseError(
            "nested too deeply for the JSON parser; lower SKG_MAX_NESTING", path=name, line=line
        ) from None


def _iter_array(name: str, lines: Iterable[str], limits: Limits) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    scanner = JsonScanner(name, limits)
    read = 1  # the line the next chunk read starts on
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
            except RecursionError:
                raise ParseError(
                    "nested too deeply for the JSON parser; lower SKG_MAX_NESTING",
                    path=name,
                    line=line,
                ) from None
            except json.JSONDecodeError as exc:
                if exhausted or len(buffer) > 64_000_000:
                    raise ParseError(
                        f"not valid JSON: {exc.msg}",
                        path=name,
                        line=line + exc.lineno - 1,
                        column=exc.colno,
                    ) from None
            except ValueError as exc:  # e.g. an integer of more than 4,300 digits
                raise ParseError(f"not valid JSON: {exc}", path=name, line=line) from None
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
        check_utf8(chunk, name, read)
        scanner.block(chunk, read)
        read += chunk.count("\n")
        buffer += chunk
