"""latticework.intervals: EDTF values as day intervals, checked against the reference scorer."""

from __future__ import annotations

import importlib.util
import random
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from latticework.intervals import (
    SEASON_MONTHS,
    coarsest,
    compatible,
    is_after,
    month_end,
    precision,
    require_interval,
    to_interval,
)

REFERENCE = Path(__file__).parents[1] / ".." / "shared" / "tools" / "score_events.py"


@pytest.fixture(scope="module")
def scorer() -> ModuleType:
    if not REFERENCE.exists():
        pytest.skip("reference scorer not available")
    spec = importlib.util.spec_from_file_location("score_events", REFERENCE)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_years_months_days() -> None:
    assert to_interval("2024") == (date(2024, 1, 1), date(2024, 12, 31))
    assert to_interval("2024-07") == (date(2024, 7, 1), date(2024, 7, 31))
    assert to_interval("2024-04") == (date(2024, 4, 1), date(2024, 4, 30))
    assert to_interval("2024-12") == (date(2024, 12, 1), date(2024, 12, 31))
    assert to_interval("2024-07-28") == (date(2024, 7, 28), date(2024, 7, 28))
    assert [precision(v) for v in ("2024", "2024-07", "2024-22", "2024-07-28")] == ["year", "month", "season", "day"]


def test_leap_years() -> None:
    assert to_interval("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert to_interval("2023-02") == (date(2023, 2, 1), date(2023, 2, 28))
    assert require_interval("1900-02")[1] == date(1900, 2, 28)  # a century is not a leap year...
    assert require_interval("2000-02")[1] == date(2000, 2, 29)  # ... unless divisible by 400
    assert to_interval("2024-02-29") is not None and to_interval("2023-02-29") is None
    assert month_end(2023, 14) == date(2024, 2, 29)  # month 14 is the next February


def test_seasons_as_the_scorer_reads_them() -> None:
    assert to_interval("2024-21") == (date(2024, 3, 1), date(2024, 5, 31))
    assert to_interval("2024-22") == (date(2024, 6, 1), date(2024, 8, 31))
    assert to_interval("2024-23") == (date(2024, 9, 1), date(2024, 11, 30))
    assert to_interval("2024-24") == (date(2024, 12, 1), date(2025, 2, 28))  # winter runs into the next year
    assert to_interval("2023-24") == (date(2023, 12, 1), date(2024, 2, 29))  # ... a leap February
    assert set(SEASON_MONTHS) == {21, 22, 23, 24}
    assert to_interval("2024-25") is None and to_interval("2024-20") is None  # only 21..24 are seasons here


@pytest.mark.parametrize("value", [None, "", "summer", "2024-13", "2024-00", "2024-07-32", "2024-02-30",
                                   "28.07.2024", "2024-", "2024-07-", "July 2024", "-2024", "10000", 0, [2024]])
def test_invalid(value: object) -> None:
    assert to_interval(value) is None and precision(value) is None
    assert compatible(value, "2024") and compatible("1999-01-01", value)  # an unreadable date does not block
    assert not is_after(value, date(2000, 1, 1))  # type: ignore[arg-type]
    if isinstance(value, str):
        assert coarsest(value, "2024") is None
        with pytest.raises(ValueError):
            require_interval(value)


def test_timestamps_and_ranges_read_like_the_scorer() -> None:
    """The scorer reads the first two characters of the day piece: a timestamp is its day, and a
    range is read as its first day (nothing in the project writes ranges)."""
    assert to_interval("2024-07-28T09:30:00Z") == (date(2024, 7, 28), date(2024, 7, 28))
    assert to_interval("2024-07-28/2024-08-02") == (date(2024, 7, 28), date(2024, 7, 28))
    assert to_interval(" 2024-07 ") == (date(2024, 7, 1), date(2024, 7, 31))


def test_compatible_at_the_coarser_precision() -> None:
    assert compatible("2024", "2024-07-28") and not compatible("2023", "2024-07-28")
    assert compatible("2024-07", "2024-07-31") and not compatible("2024-07", "2024-08-01")
    assert compatible("2024-22", "2024-08") and not compatible("2024-22", "2024-09")
    assert compatible("2024-24", "2025-02-28") and not compatible("2024-24", "2025-03-01")
    assert compatible("2024-24", "2024-12") and not compatible("2024-24", "2024-11-30")
    assert compatible("2025", "2024-24")  # winter 2024 reaches into 2025
    assert not compatible("2024-07-27", "2024-07-28")
    assert compatible(None, "2024") and compatible("2024", None)


def test_coarsest() -> None:
    assert coarsest("2024-07-28", "2024-07-30") == "2024-07"
    assert coarsest("2024-07-28", "2024-08-02") == "2024"
    assert coarsest("2024-07", "2024-22") == "2024-22"
    assert coarsest("2025-01-15", "2024-24") == "2024-24"
    assert coarsest("2024", "2024-07-28") == "2024"
    assert coarsest("2024-07-28", "2024-07-28") == "2024-07-28"
    assert coarsest("2023-12-30", "2024-01-02") is None
    assert coarsest(None, "2024") is None


def test_is_after() -> None:
    anchor = date(2024, 8, 14)
    assert is_after("2024-08-15", anchor) and is_after("2024-09", anchor) and is_after("2024-23", anchor)
    assert not is_after("2024-08-14", anchor) and not is_after("2024", anchor) and not is_after("2024-22", anchor)
    assert not is_after("2030", None)


def _candidates(rng: random.Random) -> list[str]:
    values = [str(y) for y in (1, 999, 1900, 2000, 2023, 2024, 9999)]
    for _ in range(3000):
        y = rng.choice(["2024", "2023", "1900", "2000", "0000", "99999", "20x4", ""])
        m = rng.choice(["01", "02", "07", "12", "13", "00", "20", "21", "22", "23", "24", "25", "7", "x", ""])
        d = rng.choice(["01", "28", "29", "30", "31", "32", "00", "9", "15T10:00", "01/2024-02-01", "x", ""])
        shape = rng.randrange(4)
        values.append(y if shape == 0 else f"{y}-{m}" if shape == 1 else f"{y}-{m}-{d}" if shape == 2
                      else f"{y}-{m}-{d}-{rng.choice(['01', 'x'])}")
    return values


def test_agrees_with_the_reference_scorer(scorer: ModuleType) -> None:
    """Same interval as the scorer's own `interval` (which gives ordinals) for every value, valid or
    not, and the same agreement as its `dates_agree`."""
    rng = random.Random(7)
    values = _candidates(rng)
    for v in values:
        mine = to_interval(v)
        theirs = scorer.interval(v)
        assert (None if mine is None else (mine[0].toordinal(), mine[1].toordinal())) == theirs, v
    for _ in range(5000):
        a, b = rng.choice(values), rng.choice(values)
        assert compatible(a, b) == scorer.dates_agree(a, b), (a, b)


def test_agrees_with_the_scorer_on_corpus_dates(scorer: ModuleType) -> None:
    gold = Path(__file__).parents[1] / ".." / "shared" / "corpus" / "news-dev" / "gold.jsonl"
    if not gold.exists():
        pytest.skip("news-dev corpus not available")
    import json

    dates = {e.get("date") for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()
             for e in json.loads(line)["events"]}
    dates.discard(None)
    assert dates
    for v in dates:
        span = to_interval(v)
        assert span is not None and (span[0].toordinal(), span[1].toordinal()) == scorer.interval(v)
