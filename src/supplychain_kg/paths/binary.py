"""The binary sections of a file kept beside the store (``saved.py``): each one JSON, UTF-8
lines (joined by line breaks, which no IRI holds), or a little-endian int array, listed in
the file's first line by name, kind and size. Decoding one is a copy, never code run; the
CSR rows of the compact graph are checked before they are used (:func:`csr_rows`).
"""

from __future__ import annotations

import json
import sys
from array import array
from typing import Any

__all__ = ["csr_rows", "decode", "encode", "sections"]

_ARRAYS = {"i32": "i", "u16": "H"}


def encode(kind: str, value: Any) -> bytes:
    """A section's bytes: JSON, UTF-8 lines, or a little-endian int array."""
    if kind == "json":
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    if kind == "text":
        if any("\n" in line for line in value):  # never in an IRI; kept out all the same
            raise ValueError("a line of text holds a line break")
        return "\n".join(value).encode()
    if sys.byteorder == "big":
        value = array(value.typecode, value)
        value.byteswap()
    return bytes(value)


def decode(kind: str, data: memoryview) -> Any:
    if kind == "json":
        return json.loads(bytes(data))
    if kind == "text":
        return bytes(data).decode().split("\n") if len(data) else []
    typecode = _ARRAYS.get(kind)
    if typecode is None:
        raise ValueError(f"a section of unknown kind {kind!r}")
    found = array(typecode)
    if len(data) % found.itemsize:
        raise ValueError(f"a {kind} section of {len(data)} bytes")
    found.frombytes(data)
    if sys.byteorder == "big":
        found.byteswap()
    return found


def sections(found: tuple[dict[str, Any], bytes] | None) -> dict[str, Any] | None:
    """The sections of a file (its first line and body) as ``saved.save_projection`` writes
    them, decoded, by name; None for no file."""
    if found is None:
        return None
    head, data = found
    view = memoryview(data)
    body: dict[str, Any] = {}
    at = 0
    for name, kind, size in head["sections"]:
        if not isinstance(size, int) or size < 0 or at + size > len(data):
            raise ValueError(f"section {name!r} runs past the end of the file")
        body[str(name)] = decode(str(kind), view[at : at + size])
        at += size
    if at != len(data):
        raise ValueError("the file holds more than its sections")
    return body


def csr_rows(
    body: dict[str, Any], side: str, n: int, relations: int
) -> tuple[array[int], array[int], array[int]]:
    """One direction's CSR arrays, checked: every row inside the arrays, every neighbour a
    node, every code a known relation and stance."""
    start, others, codes = body[f"{side}_start"], body[f"{side}_other"], body[f"{side}_code"]
    if len(start) != n + 1 or start[0] != 0 or start[-1] != len(others):
        raise ValueError(f"the {side} rows do not match the nodes")
    if len(codes) != len(others):
        raise ValueError(f"the {side} codes do not match the edges")
    if others and (_negative(others) or max(others) >= n):
        raise ValueError(f"an {side} edge names no node")
    if not _known_codes(codes, relations):
        raise ValueError(f"an {side} edge has no known relation or stance")
    listed = start.tolist()
    if listed != sorted(listed):
        raise ValueError(f"the {side} rows are out of order")
    return start, others, codes


def _negative(values: array[int]) -> bool:
    """Whether any of the int32 ``values`` is negative (its sign bit, read a byte per value)."""
    raw = memoryview(values).cast("B")
    top = raw[3::4] if sys.byteorder == "little" else raw[0::4]
    return b"\x01" in bytes(top).translate(_SIGN)


_SIGN = bytes([0] * 128 + [1] * 128)


def _known_codes(codes: array[int], relations: int) -> bool:
    """Whether every code is relation * 4 + stance with a known relation and stance 0-2
    (one pass over the bytes when all codes fit in one, as they do for 64 relations)."""
    if 4 * relations > 256:
        return all(c >> 2 < relations and c & 3 != 3 for c in set(codes))
    raw = memoryview(codes).cast("B")
    low, high = (raw[0::2], raw[1::2]) if sys.byteorder == "little" else (raw[1::2], raw[0::2])
    if bytes(high).count(0) != len(high):
        return False
    bad = bytes(int(c >= 4 * relations or c & 3 == 3) for c in range(256))
    return b"\x01" not in bytes(low).translate(bad)
