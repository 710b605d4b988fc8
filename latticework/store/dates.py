"""EDTF date → ISO day range, so --since/--until can compare dates of mixed precision."""

from __future__ import annotations

import calendar
import re
from functools import lru_cache

_EDTF = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
# EDTF level-1 seasons (21 spring … 24 winter), northern hemisphere months.
_SEASONS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 14)}


@lru_cache(maxsize=4096)  # the same few thousand dates recur across a corpus
def day_range(value: str | None) -> tuple[str, str] | None:
    """('YYYY-MM-DD', 'YYYY-MM-DD') covered by an EDTF string, or None when it is not a date."""
    if not value:
        return None
    m = _EDTF.match(value.strip())
    if not m:
        return None
    year = int(m.group(1))
    if year < 1 or year > 9998:
        return None
    if m.group(2) is None:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    month = int(m.group(2))
    if month in _SEASONS:
        first, last = _SEASONS[month]
        end_year, end_month = (year + 1, last - 12) if last > 12 else (year, last)
        end_day = calendar.monthrange(end_year, end_month)[1]
        return f"{year:04d}-{first:02d}-01", f"{end_year:04d}-{end_month:02d}-{end_day:02d}"
    if not 1 <= month <= 12:
        return None
    if m.group(3) is None:
        last_day = calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last_day:02d}"
    day = int(m.group(3))
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    iso = f"{year:04d}-{month:02d}-{day:02d}"
    return iso, iso
