"""Source text made into the graph's values: slugs (ids), full dates, decimals, and a compact
JSON excerpt of a structured record to quote as evidence."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any

__all__ = ["full_date", "is_decimal", "quote_json", "slugify"]

_DATE_TEXT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")
_PLAIN_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, limit: int = 60) -> str:
    """A slug (lowercase ASCII letters, digits, hyphens) for a name; never empty.

    >>> slugify("Frau Dr. Irene Nierstenhöfer")
    'frau-dr-irene-nierstenhofer'
    """
    if len(text) <= limit and _PLAIN_SLUG.match(text):
        return text
    # ASCII text is its own NFKD form: only other text is decomposed (accents dropped)
    ascii_text = (
        text
        if text.isascii()
        else unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    )
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:limit].strip("-")
    return slug or "x" + hashlib.sha1(text.encode()).hexdigest()[:8]


def full_date(value: str | None) -> str | None:
    """The YYYY-MM-DD part of a date or timestamp; None for partial dates ('2011', '2011-12').

    >>> full_date("2010-05-10T09:30:00Z")
    '2010-05-10'
    """
    if not value or not isinstance(value, str):
        return None
    match = _DATE_TEXT.match(value.strip())
    return match.group(1) if match else None


def is_decimal(value: str) -> bool:
    """Whether ``value`` (spaces aside) is a plain decimal number (``-12.5``, ``.5``, ``3.``)."""
    return bool(_DECIMAL.match(value.strip()))


def quote_json(data: Any, limit: int = 600) -> str:
    """A compact JSON excerpt of a structured record, used as a claim's quote."""
    text = json.dumps(data, ensure_ascii=False, separators=(", ", ": "), sort_keys=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
