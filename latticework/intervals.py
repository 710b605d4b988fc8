"""EDTF date values <-> day intervals: the only place in the project that reads an EDTF string.

The ontology's `date` field (ONTOLOGY.md) uses a small EDTF subset:

=============  ==========  ===============================================================
value          precision   days it covers
=============  ==========  ===============================================================
``2024``       year        1 January to 31 December
``2024-07``    month       the whole month (February follows the leap-year rule)
``2024-21``    season      spring: March to May
``2024-22``    season      summer: June to August
``2024-23``    season      autumn: September to November
``2024-24``    season      winter: December 2024 to the end of February 2025
``2024-07-28`` day         that day
=============  ==========  ===============================================================

Seasons are northern-hemisphere and winter runs into the next year, exactly as in the reference
scorer (``/work/shared/tools/score_events.py``, function ``interval``). The parser is deliberately
the scorer's: the value is split on ``-``; one piece is a year, two pieces a month or season, three
or more a day whose number is the first two characters of the third piece (so a timestamp such as
``2024-07-28T09:00Z`` is its day, and ``2024-07-28/2024-08-02`` is read as its first day, as the
scorer reads it). Anything the scorer cannot read (``2024-13``, ``summer``, ``""``) is invalid here
too, so `compatible` gives exactly the scorer's date agreement. Nothing in the project writes EDTF
ranges; code that produces dates only emits the four forms in the table.

Two dates are `compatible` when they agree at the coarser of their precisions, i.e. when their
intervals overlap (``2024-22`` and ``2024-08-15`` agree, ``2024-22`` and ``2024-09`` do not); an
absent or invalid date agrees with everything, because the scorer then does not score the date.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Literal

__all__ = [
    "PRECISIONS",
    "SEASON_MONTHS",
    "SEASON_NAMES",
    "Precision",
    "coarsest",
    "compatible",
    "is_after",
    "month_end",
    "precision",
    "require_interval",
    "to_interval",
]

Precision = Literal["day", "month", "season", "year"]
#: Precisions from finest to coarsest.
PRECISIONS: tuple[Precision, ...] = ("day", "month", "season", "year")

#: EDTF season code -> (first month, last month); a last month above 12 lies in the next year.
SEASON_MONTHS: dict[int, tuple[int, int]] = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 14)}
SEASON_NAMES: dict[int, str] = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}


def month_end(year: int, month: int) -> date:
    """Last day of a month; `month` may run past 12 into the following year (14 = next February)."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    if month == 12:
        return date(year, 12, 31)
    return date.fromordinal(date(year, month + 1, 1).toordinal() - 1)


@lru_cache(maxsize=65536)  # a corpus repeats a few thousand distinct dates many times
def _parse(value: str) -> tuple[date, date, Precision] | None:
    pieces = value.split("-")
    try:
        year = int(pieces[0])
        if len(pieces) == 1:
            return date(year, 1, 1), date(year, 12, 31), "year"
        month = int(pieces[1])
        if len(pieces) == 2:
            if month in SEASON_MONTHS:
                first, last = SEASON_MONTHS[month]
                return date(year, first, 1), month_end(year, last), "season"
            return date(year, month, 1), month_end(year, month), "month"
        day = date(year, month, int(pieces[2][:2]))
    except ValueError:  # not a number, or no such year/month/day
        return None
    return day, day, "day"


def to_interval(edtf: object) -> tuple[date, date] | None:
    """(first day, last day) an EDTF value covers, or None when it is absent or not a date."""
    if not edtf:
        return None
    parsed = _parse(str(edtf))
    return None if parsed is None else (parsed[0], parsed[1])


def require_interval(edtf: str) -> tuple[date, date]:
    """`to_interval` for values that must be dates: raises ValueError instead of returning None."""
    span = to_interval(edtf)
    if span is None:
        raise ValueError(f"not an EDTF date this project uses: {edtf!r}")
    return span


def precision(edtf: object) -> Precision | None:
    """'day', 'month', 'season' or 'year'; None when the value is absent or not a date."""
    if not edtf:
        return None
    parsed = _parse(str(edtf))
    return None if parsed is None else parsed[2]


def compatible(a: object, b: object) -> bool:
    """Whether two dates agree at the coarser of their precisions (their intervals overlap).

    An absent or invalid date is compatible with anything, as in the reference scorer."""
    ia, ib = to_interval(a), to_interval(b)
    if ia is None or ib is None:
        return True
    return ia[0] <= ib[1] and ib[0] <= ia[1]


def coarsest(a: str | None, b: str | None) -> str | None:
    """The most precise EDTF value covering both dates, or None.

    When one value contains the other it is the answer (a season holding a month, a year holding a
    day); otherwise the common month, else the common year. None when either side is absent or
    invalid, or when the two lie in different years. Used to turn a span ("July 30 to August 2",
    a week) into something EDTF can say.
    """
    if a is None or b is None:
        return None
    ia, ib = to_interval(a), to_interval(b)
    if ia is None or ib is None:
        return None
    if a == b:
        return a
    lo, hi = min(ia[0], ib[0]), max(ia[1], ib[1])
    for cand, (c0, c1) in ((a, ia), (b, ib)):
        if c0 <= lo and c1 >= hi:
            return cand
    if (lo.year, lo.month) == (hi.year, hi.month):
        return f"{lo.year:04d}-{lo.month:02d}"
    if lo.year == hi.year:
        return f"{lo.year:04d}"
    return None


def is_after(edtf: str | None, anchor: date | None) -> bool:
    """True when the whole period starts after the anchor day (a plan, when a sentence is about it).

    False when there is no anchor or the value is not a date."""
    if anchor is None:
        return False
    span = to_interval(edtf)
    return span is not None and span[0] > anchor
