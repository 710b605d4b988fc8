"""EDTF date -> ISO day range for the store's `date_lo`/`date_hi` columns and --since/--until.

The interval itself comes from latticework.intervals (the project's one EDTF reader); this module
only formats it as ISO strings and applies the store's own limit on years.
"""

from __future__ import annotations

from latticework.intervals import to_interval


def day_range(value: str | None) -> tuple[str, str] | None:
    """('YYYY-MM-DD', 'YYYY-MM-DD') covered by an EDTF string, or None when it is not a date.

    A first day after the year 9998 is refused, as this function always did (the date columns
    and the query bounds built from them stay well inside what `datetime.date` can hold).
    """
    span = to_interval(value.strip() if isinstance(value, str) else value)
    if span is None or span[0].year > 9998:
        return None
    return span[0].isoformat(), span[1].isoformat()
