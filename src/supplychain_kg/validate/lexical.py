"""The lexical forms of typed literals: ``"2011-02-30"^^xsd:date`` is no date, and is refused.

The shapes' ``sh:datatype`` only compares datatype IRIs, so an ill-formed value with the right
datatype would pass, and then compare as a string (``as_of`` filters, sorting). Each value of
``xsd:date``, ``xsd:dateTime``, ``xsd:gYear``, ``xsd:decimal``, ``xsd:integer`` and
``xsd:boolean`` is parsed in Python: its shape (XML Schema's lexical grammar) and then its
meaning (a day that exists in that month and year, an hour up to 24:00:00 only).

>>> lexical_problem("2011-02-30", XSD + "date")
'a date YYYY-MM-DD that exists (February 2011 has 28 days)'
>>> lexical_problem("2012-02-29", XSD + "date") is None
True
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from supplychain_kg.errors import Violation
from supplychain_kg.model import Literal, term_to_sparql
from supplychain_kg.namespaces import XSD
from supplychain_kg.store import Store
from supplychain_kg.validate.ontology import short_name

__all__ = ["LEXICAL_TYPES", "check_lexical_forms", "lexical_problem"]

_ZONE = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_YEAR = r"-?(?:[1-9]\d{3,}|0\d{3})"
_DATE = re.compile(rf"({_YEAR})-(\d\d)-(\d\d){_ZONE}")
_DATETIME = re.compile(rf"({_YEAR})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?{_ZONE}")
_GYEAR = re.compile(rf"{_YEAR}{_ZONE}")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_BOOLEAN = frozenset({"true", "false", "1", "0"})
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_DATE_T = XSD + "date"
_DATETIME_T = XSD + "dateTime"
_GYEAR_T = XSD + "gYear"
_DECIMAL_T = XSD + "decimal"
_INTEGER_T = XSD + "integer"
_BOOLEAN_T = XSD + "boolean"
LEXICAL_TYPES = frozenset({_DATE_T, _DATETIME_T, _GYEAR_T, _DECIMAL_T, _INTEGER_T, _BOOLEAN_T})
"""The datatypes whose lexical forms are checked."""

_EXPECTED = {
    _DATE_T: "a date YYYY-MM-DD that exists",
    _DATETIME_T: "a date and time YYYY-MM-DDThh:mm:ss (a time zone optional) that exists",
    _GYEAR_T: "a year YYYY",
    _DECIMAL_T: "a decimal number such as -12.50 (no exponent, no spaces)",
    _INTEGER_T: "a whole number such as 42 (no spaces)",
    _BOOLEAN_T: "true, false, 1 or 0",
}


def _day_problem(year: int, month: int, day: int) -> str | None:
    """Why (``year``, ``month``, ``day``) is no day of the proleptic Gregorian calendar."""
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}"
    # calendar.isleap holds for any integer year (year 0 is 1 BCE, a leap year in XSD 1.1)
    days = 29 if month == 2 and calendar.isleap(year) else _DAYS[month]
    if not 1 <= day <= days:
        return f"{calendar.month_name[month]} {year} has {days} days"
    return None


@lru_cache(maxsize=65536)
def lexical_problem(text: str, datatype: str) -> str | None:
    """What a value of ``datatype`` should look like, if ``text`` is not one (else None).
    Datatypes outside :data:`LEXICAL_TYPES` are not checked."""
    expected = _EXPECTED.get(datatype)
    if expected is None:
        return None
    problem: str | None = None
    if datatype in (_DATE_T, _DATETIME_T):
        match = (_DATE if datatype == _DATE_T else _DATETIME).fullmatch(text)
        if match is None:
            return expected
        year, month, day = (int(g) for g in match.group(1, 2, 3))
        problem = _day_problem(year, month, day)
        if problem is None and datatype == _DATETIME_T:
            problem = _time_problem(*match.group(4, 5, 6, 7))
    elif datatype == _GYEAR_T:
        return None if _GYEAR.fullmatch(text) else expected
    elif datatype == _DECIMAL_T:
        ok = _DECIMAL.fullmatch(text) is not None and _parses(Decimal, text)
        return None if ok else expected
    elif datatype == _INTEGER_T:
        return None if _INTEGER.fullmatch(text) and _parses(int, text) else expected
    else:
        return None if text in _BOOLEAN else expected
    return None if problem is None else f"{expected} ({problem})"


def _time_problem(hour: str, minute: str, second: str, fraction: str | None) -> str | None:
    h, m, s = int(hour), int(minute), int(second)
    if h == 24 and m == 0 and s == 0 and not (fraction or "").strip("0"):
        return None  # 24:00:00 is the end of the day
    if h > 23 or m > 59 or s > 59:
        return f"there is no time {hour}:{minute}:{second}"
    return None


def _parses(parse: type, text: str) -> bool:
    try:
        parse(text)
    except (InvalidOperation, ValueError):
        return False
    return True


def check_lexical_forms(data: Store) -> list[Violation]:
    """A violation for each literal of ``data`` whose lexical form its datatype refuses.

    The distinct values of the checked datatypes are read once and parsed in Python; only
    the subjects of the bad ones are then looked up."""
    types = ", ".join(f"<{t}>" for t in sorted(LEXICAL_TYPES))
    query = f"SELECT DISTINCT ?v WHERE {{ ?s ?p ?v FILTER(isLiteral(?v) && datatype(?v) IN ({types})) }}"
    bad: list[tuple[str, str, str]] = []
    for row in data.query(query).rows():
        term = row["v"]
        if not isinstance(term, Literal):
            continue
        datatype = term.datatype
        problem = lexical_problem(str(term.value), datatype)
        if problem is not None:
            bad.append((term_to_sparql(term), datatype, problem))
    return list(_violations(data, bad))


def _violations(data: Store, bad: list[tuple[str, str, str]]) -> Iterable[Violation]:
    for shown, datatype, problem in bad[:1000]:
        rows = data.query(f"SELECT ?s ?p WHERE {{ ?s ?p {shown} }} LIMIT 100").rows()
        for row in rows:
            yield Violation(
                focus=str(row["s"].value),
                path=short_name(str(row["p"].value)),
                rule="lexical-form",
                message=f"not a valid {short_name(datatype)}: expected {problem}",
                value=shown,
            )
