"""HTTP content negotiation: ``Accept`` headers with q-values (RFC 9110, section 12.5.1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["MediaRange", "choose", "parse_accept"]


@dataclass(frozen=True, slots=True)
class MediaRange:
    """One entry of an Accept header: ``type/subtype`` (either may be ``*``) and its q-value."""

    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """How precisely this range names ``media_type`` (-1: it does not match)."""
        main, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; an empty or missing header accepts anything.

    >>> parse_accept("text/turtle;q=0.5, */*;q=0.1")[0]
    MediaRange(type='text', subtype='turtle', q=0.5)
    """
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges: list[MediaRange] = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        kind = fields[0].lower()
        if "/" not in kind:
            if kind == "*":
                kind = "*/*"
            else:
                continue
        main, _, sub = kind.partition("/")
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main, sub or "*", q))
    return ranges


def _quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    best, quality = -1, 0.0
    for media_range in ranges:
        level = media_range.specificity(media_type)
        if level > best:
            best, quality = level, media_range.q
    return quality if best >= 0 else 0.0


def choose(
    header: str | None,
    offered: Sequence[str],
    aliases: Mapping[str, str] | None = None,
) -> str | None:
    """The offered media type the client prefers (ties: the server's order), or None.

    ``aliases`` maps other names a client may ask for (``application/json``) to an offered
    type; the offered type is returned.

    >>> choose("text/csv;q=0.9, application/sparql-results+xml", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"])
    'application/sparql-results+xml'
    """
    ranges = parse_accept(header)
    best: tuple[float, int] | None = None
    chosen: str | None = None
    names = [(m, m) for m in offered] + [(a, m) for a, m in (aliases or {}).items()]
    for order, (name, media_type) in enumerate(names):
        quality = _quality(ranges, name)
        if quality <= 0:
            continue
        key = (quality, -order)
        if best is None or key > best:
            best, chosen = key, media_type
    return chosen
