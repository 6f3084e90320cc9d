"""The bounds every input check applies, where they come from, and how a refusal reads."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from itertools import accumulate, count

from supplychain_kg.config import Settings
from supplychain_kg.errors import ParseError

__all__ = ["Limits", "Position", "deepest", "refuse_long", "refuse_nesting", "utf8_size"]

_DEFAULTS = Settings()
_NOT_BRACKETS = re.compile(r"[^\[\](){}]++")
_STEPS = str.maketrans(
    {"[": "\x02", "(": "\x02", "{": "\x02", "]": "\x00", ")": "\x00", "}": "\x00"}
)


@dataclass(frozen=True)
class Limits:
    """How deep a file may nest and how long one literal (or IRI, or JSON string) may be.

    The defaults are the settings' (``SKG_MAX_NESTING``, ``SKG_MAX_LITERAL_BYTES``).
    """

    max_nesting: int = _DEFAULTS.max_nesting
    max_literal_bytes: int = _DEFAULTS.max_literal_bytes

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.max_nesting, settings.max_literal_bytes)


@dataclass(frozen=True)
class Position:
    """Where a scanner is: the file's name and the line the current text starts on."""

    name: str
    line: int = 1

    def at(self, text: str, index: int) -> tuple[int, int]:
        """(line, column), both 1-based, of ``text[index]`` when ``text`` starts a line."""
        line = self.line + text.count("\n", 0, index)
        column = index - text.rfind("\n", 0, index)
        return line, column


def deepest(skeleton: str) -> tuple[int, int]:
    """How deep the brackets of ``skeleton`` (text with its strings removed) nest at their
    deepest, and at the end, relative to the start; C-speed, for long texts.

    >>> deepest("[a, [b], {(c)}] [")
    (3, 1)
    """
    brackets = _NOT_BRACKETS.sub("", skeleton)
    if not brackets:
        return 0, 0
    steps = brackets.translate(_STEPS).encode("latin-1")  # 2 opens, 0 closes: depth = sum - n
    top = max(map(operator.sub, accumulate(steps), count(1)))
    return max(0, top), sum(steps) - len(steps)


def utf8_size(text: str) -> int:
    """The length of ``text`` in UTF-8 bytes (lone surrogates count 3 bytes, as escaped)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def refuse_nesting(name: str, at: tuple[int, int], limit: int) -> ParseError:
    """The error for a nesting deeper than ``limit`` at ``at`` (line, column)."""
    line, column = at
    return ParseError(
        f"nested deeper than {limit} levels; the limit is set by SKG_MAX_NESTING",
        path=name,
        line=line,
        column=column,
    )


def refuse_long(
    name: str, at: tuple[int, int], what: str, size: int | None, limit: int
) -> ParseError:
    """The error for ``what`` of ``size`` bytes at ``at`` (line, column); ``size`` None when
    the exact size is not known (the scan stopped when it passed ``limit``)."""
    line, column = at
    found = f"{what} of {size:,} bytes is" if size is not None else f"{what} is"
    return ParseError(
        f"{found} longer than the {limit:,} bytes allowed; the limit is set by "
        "SKG_MAX_LITERAL_BYTES",
        path=name,
        line=line,
        column=column,
    )
