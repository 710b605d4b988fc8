"""Date finding and EDTF resolution (latticework.dates), from example sentences written for these tests."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from latticework.dates import DateContext, coarsest, find_dates, is_after, to_interval

SHARED = Path(__file__).parents[1] / ".." / "shared"
ANCHOR = date(2024, 8, 14)  # a Wednesday


def edtfs(text: str, anchor: date | None = ANCHOR, **kw: bool) -> list[str]:
    return [m.edtf for m in find_dates(text, DateContext(anchor), **kw)]


def one(text: str, anchor: date | None = ANCHOR, **kw: bool):
    found = find_dates(text, DateContext(anchor), **kw)
    assert len(found) == 1, (text, found)
    return found[0]


# --------------------------------------------------------------------------- explicit dates

@pytest.mark.parametrize("text", [
    "The pact was signed on 5 March 2023 in Manila.",
    "The pact was signed on 5th March 2023 in Manila.",
    "The pact was signed on the 5th of March, 2023 in Manila.",
    "The pact was signed on March 5, 2023 in Manila.",
    "The pact was signed on March 5th 2023 in Manila.",
    "The pact was signed on Sunday, March 5, 2023 in Manila.",
    "The pact was signed 2023-03-05 in Manila.",
    "The pact was signed 05.03.2023 in Manila.",
    "The pact was signed 5/3/2023 in Manila.",
    "The pact was signed on Mar. 5, 2023 in Manila.",
])
def test_full_dates_in_common_orders(text: str) -> None:
    m = one(text)
    assert m.edtf == "2023-03-05"
    assert m.explicit and not m.future and m.relation == "at"
    assert "5" in text[m.start:m.end] and "2023" in text[m.start:m.end]


def test_month_first_slash_date_when_day_cannot_be_a_month() -> None:
    assert edtfs("Filed 03/25/2023.") == ["2023-03-25"]


def test_impossible_calendar_dates_are_dropped() -> None:
    assert edtfs("on 31 April 2023 nothing happened") == []
    assert edtfs("ref 2023-02-30") == []


def test_iso_timestamp_keeps_the_day() -> None:
    assert edtfs("Posted 2024-07-28T09:15:00Z by the desk.") == ["2024-07-28"]


def test_month_and_year() -> None:
    m = one("Drills resumed in October 2022 after a pause.")
    assert (m.edtf, m.explicit, m.relation) == ("2022-10", True, "at")
    assert edtfs("talks planned for Sept. 2025") == ["2025-09"]
    assert edtfs("the plan unveiled in January of 2021") == ["2021-01"]


def test_iso_year_month() -> None:
    assert edtfs("report 2021-06 summary") == ["2021-06"]


def test_month_pair_with_year_is_coarsened() -> None:
    assert edtfs("exercises in June-July 2023") == ["2023"]
    assert edtfs("exercises in June and October 2023") == ["2023"]


def test_day_span_in_one_month_is_that_month() -> None:
    m = one("The drill ran July 8-12, 2024 off Okinawa.")
    assert m.edtf == "2024-07"
    assert edtfs("The drill ran 8–12 July 2024.") == ["2024-07"]


# --------------------------------------------------------------------------- partial dates and context

def test_month_day_takes_year_from_earlier_month_mention() -> None:
    ctx = DateContext(date(2025, 2, 1))
    assert [m.edtf for m in find_dates("In November 2023 the allies drafted a plan.", ctx)] == ["2023-11"]
    second = find_dates("On November 20, the ministers approved it.", ctx)
    assert [m.edtf for m in second] == ["2023-11-20"]
    assert not second[0].explicit
    assert ctx.year == 2023 and ctx.month == 11


def test_month_day_ignores_a_history_year_in_between() -> None:
    ctx = DateContext(date(2024, 8, 14))
    find_dates("In July 2024 the pace of talks quickened.", ctx)
    find_dates("Tokyo relaxed its export rules in 2014.", ctx)
    assert ctx.year == 2014
    assert [m.edtf for m in find_dates("Then, on July 26, envoys met in Vientiane.", ctx)] == ["2024-07-26"]


def test_month_day_without_any_context_uses_anchor_year() -> None:
    assert edtfs("On July 28, the ministers met.") == ["2024-07-28"]
    # far ahead of the anchor and not about the future → last year's
    assert edtfs("On December 3, the ministers met.", anchor=date(2024, 1, 20)) == ["2023-12-03"]
    assert edtfs("They will meet on December 3.", anchor=date(2024, 1, 20), future_hint=True) == ["2024-12-03"]
    assert edtfs("They will meet on January 5.", anchor=date(2024, 3, 20), future_hint=True) == ["2025-01-05"]


def test_month_day_a_few_days_ahead_is_future() -> None:
    m = one("Leaders gather on August 20 in Seoul.")
    assert m.edtf == "2024-08-20" and m.future


def test_day_alone_after_month_and_year() -> None:
    ctx = DateContext(date(2024, 8, 14))
    find_dates("In July 2024, the coalition widened.", ctx)
    m = find_dates("Thus, on the 23rd, the ministers spoke by phone.", ctx)
    assert [(x.edtf, x.explicit) for x in m] == [("2024-07-23", False)]


def test_day_alone_without_context_is_the_latest_such_day() -> None:
    assert edtfs("Thus, on the 23rd, envoys met.") == ["2024-07-23"]
    assert edtfs("Thus, on the 3rd, envoys met.") == ["2024-08-03"]
    assert edtfs("They will meet on the 3rd.", future_hint=True) == ["2024-09-03"]


@pytest.mark.parametrize("text", [
    "It was the 23rd time they met.",
    "on the 6th generation fighter programme",
    "on the 25th anniversary of the treaty",
    "in the 21st century",
])
def test_ordinals_that_are_not_days(text: str) -> None:
    assert edtfs(text) == []


def test_month_alone() -> None:
    ctx = DateContext(date(2024, 8, 14))
    m = find_dates("Patrols began in March.", ctx)
    assert [(x.edtf, x.explicit) for x in m] == [("2024-03", False)]
    assert edtfs("Patrols began in November.", anchor=date(2024, 2, 10)) == ["2023-11"]
    assert edtfs("Patrols will begin in November.", anchor=date(2024, 2, 10), future_hint=True) == ["2024-11"]
    assert edtfs("Patrols will begin in January.", anchor=date(2024, 10, 1), future_hint=True) == ["2025-01"]


def test_month_alone_follows_earlier_month_year() -> None:
    ctx = DateContext(date(2024, 8, 14))
    find_dates("The review opened in May 2019.", ctx)
    assert [m.edtf for m in find_dates("By September, it was done.", ctx)] == ["2019-09"]


@pytest.mark.parametrize("text", [
    "Theresa May spoke.",
    "The ministers may meet again.",
    "Troops march 20 km each day.",
    "April Ryan asked a question.",
    "They visited the Marine base.",
])
def test_month_words_that_are_not_dates(text: str) -> None:
    assert edtfs(text) == []


def test_last_and_next_month_names() -> None:
    assert edtfs("last March") == ["2024-03"]
    assert edtfs("last November") == ["2023-11"]
    m = one("next March")
    assert m.edtf == "2025-03" and m.future


# --------------------------------------------------------------------------- years

@pytest.mark.parametrize("text,edtf,relation,future", [
    ("The group was launched in 2017 by four states.", "2017", "at", False),
    ("Since 2022, they have attended every summit.", "2022", "since", False),
    ("The fighter should be in service by 2035.", "2035", "by", True),
    ("Cooperation will continue until 2030.", "2030", "until", True),
    ("Starting in 2026, rotations double.", "2026", "from", True),
    ("The 2015 guidelines were revised.", "2015", "at", False),
    ("The Vostok-2022 drills drew observers.", "2022", "at", False),
])
def test_years(text: str, edtf: str, relation: str, future: bool) -> None:
    m = one(text)
    assert (m.edtf, m.relation, m.future, m.explicit) == (edtf, relation, future, True)


def test_year_range_gives_two_mentions() -> None:
    found = find_dates("As of 2019-2020, European navies sent ships.", DateContext(ANCHOR))
    assert [(m.edtf, m.relation) for m in found] == [("2019", "from"), ("2020", "until")]
    found = find_dates("From 2019 to 2021 the talks stalled.", DateContext(ANCHOR))
    assert [(m.edtf, m.relation) for m in found] == [("2019", "from"), ("2021", "until")]
    found = find_dates("between 2016 and 2018", DateContext(ANCHOR))
    assert [(m.edtf, m.relation) for m in found] == [("2016", "from"), ("2018", "until")]
    found = find_dates("the 2024/25 budget", DateContext(ANCHOR))
    assert [m.edtf for m in found] == ["2024", "2025"]


def test_two_years_joined_by_and_are_not_a_range() -> None:
    found = find_dates("They met in 2018 and 2021.", DateContext(ANCHOR))
    assert [(m.edtf, m.relation) for m in found] == [("2018", "at"), ("2021", "at")]


def test_year_range_offsets_point_at_each_year() -> None:
    text = "As of 2019-2020, it grew."
    a, b = find_dates(text, DateContext(ANCHOR))
    assert text[a.start:a.end] == "2019" and text[b.start:b.end] == "2020"


@pytest.mark.parametrize("text", [
    "The PAC-3 batteries and F-35 jets arrived.",
    "The 2+2 format continued.",
    "a deal worth 3 billion dollars",
    "spending rose to 2% of GDP, up 0.9% on the year before",
    "a 6th generation fighter",
    "1,200 troops and 2000 soldiers deployed",
    "under Resolution 2231 and Resolution 2094",
    "Spending will rise in the next 5 years.",
    "They trained together for 10 years.",
    "See page 2019 of the report, pp. 2001-2010.",
    "during the Second World War",
    "costs of $2050 per unit",
    "the 1990s and the 2020s",
    "a claim in the text.[2019]",
    "in 1850 and in 2150",
    "order AEN20240728001851315 was logged",
])
def test_not_dates(text: str) -> None:
    assert edtfs(text) == []


def test_explicit_year_updates_context() -> None:
    ctx = DateContext(ANCHOR)
    find_dates("He graduated in 2014.", ctx)
    assert ctx.year == 2014
    assert [m.edtf for m in find_dates("In the same year, he joined the institute.", ctx)] == ["2014"]
    assert [m.edtf for m in find_dates("The following year he left.", ctx)] == ["2015"]


# --------------------------------------------------------------------------- seasons

def test_seasons() -> None:
    m = one("Joint drills are planned in the summer of 2024.")
    assert (m.edtf, m.explicit) == ("2024-22", True)
    assert edtfs("in spring 2025") == ["2025-21"]
    assert edtfs("the autumn of 2023") == ["2023-23"]
    assert edtfs("the fall 2023 round") == ["2023-23"]


def test_relative_seasons() -> None:
    m = one("This autumn, they plan to set up a new office.")
    assert (m.edtf, m.future, m.explicit) == ("2024-23", True, False)
    assert edtfs("last winter") == ["2023-24"]  # Dec 2023 – Feb 2024
    assert edtfs("last summer") == ["2023-22"]  # the anchor is inside summer 2024
    assert edtfs("last summer", anchor=date(2024, 10, 2)) == ["2024-22"]
    assert edtfs("next summer") == ["2025-22"]
    assert edtfs("this winter", anchor=date(2025, 1, 15)) == ["2024-24"]
    assert edtfs("They will fall back.") == []


# --------------------------------------------------------------------------- relative expressions

@pytest.mark.parametrize("text,edtf,future", [
    ("yesterday", "2024-08-13", False),
    ("today", "2024-08-14", False),
    ("tomorrow", "2024-08-15", True),
    ("last month", "2024-07", False),
    ("next month", "2024-09", True),
    ("this month", "2024-08", False),
    ("earlier this month", "2024-08", False),
    ("this year", "2024", False),
    ("next year", "2025", True),
    ("last year", "2023", False),
    ("later this year", "2024", True),
    ("earlier this year", "2024", False),
    ("at the end of 2024", "2024", True),
    ("by the end of the year", "2024", True),
    ("at the end of the year", "2024", True),
    ("by year-end", "2024", True),
    ("mid-2025", "2025", True),
    ("early 2025", "2025", True),
    ("late 2023", "2023", False),
    ("Q3 2024", "2024", False),
    ("the third quarter of 2024", "2024", False),
    ("the first half of next year", "2025", True),
    ("FY2025", "2025", True),
    ("two years ago", "2022", False),
    ("three days ago", "2024-08-11", False),
])
def test_relative(text: str, edtf: str, future: bool) -> None:
    m = one(f"It happens {text}, officials say.")
    assert (m.edtf, m.future) == (edtf, future)


def test_by_the_end_of_the_year_is_a_by_relation() -> None:
    assert one("They agreed to finish by the end of the year.").relation == "by"


def test_last_week_is_a_month_when_the_week_fits() -> None:
    # anchor Wed 14 Aug 2024: last week is Mon 5 – Sun 11 Aug
    assert edtfs("Talks took place last week.") == ["2024-08"]
    # anchor Wed 7 Aug 2024: last week is Mon 29 Jul – Sun 4 Aug, which straddles two months
    assert edtfs("Talks took place last week.", anchor=date(2024, 8, 7)) == ["2024"]
    # anchor Mon 6 Jan 2025: last week straddles two years
    assert edtfs("Talks took place last week.", anchor=date(2025, 1, 6)) == []


def test_weekdays() -> None:
    assert edtfs("On Monday, the envoys met.") == ["2024-08-12"]
    assert edtfs("On Wednesday, the envoys met.") == ["2024-08-14"]  # the anchor day itself
    assert edtfs("The envoys will meet on Monday.", future_hint=True) == ["2024-08-19"]
    assert edtfs("last Wednesday") == ["2024-08-07"]
    m = one("next Friday")
    assert m.edtf == "2024-08-16" and m.future
    assert edtfs("The ministry said Thursday that drills ended.") == ["2024-08-08"]


def test_relative_dates_need_an_anchor() -> None:
    assert edtfs("last week, yesterday, on Monday, next year", anchor=None) == []


def test_no_anchor_explicit_dates_still_work() -> None:
    ctx = DateContext(None)
    assert [m.edtf for m in find_dates("In July 2024 they met.", ctx)] == ["2024-07"]
    assert [m.edtf for m in find_dates("On the 23rd they met again.", ctx)] == ["2024-07-23"]
    m = find_dates("It ends in 2030.", ctx)[0]
    assert not m.future


def test_several_dates_in_text_order_with_offsets() -> None:
    text = "Envoys met on July 26 in Laos, and on July 28, ministers met in Tokyo; more talks follow next year."
    found = find_dates(text, DateContext(ANCHOR))
    assert [m.edtf for m in found] == ["2024-07-26", "2024-07-28", "2025"]
    assert [text[m.start:m.end] for m in found] == ["July 26", "July 28", "next year"]
    assert [m.start for m in found] == sorted(m.start for m in found)


def test_month_range_is_one_mention_covering_it() -> None:
    found = find_dates("from January to May 2024", DateContext(ANCHOR))
    assert [(m.edtf, m.relation) for m in found] == [("2024", "at")]
    found = find_dates("from March until June, 2024", DateContext(ANCHOR))
    assert [(m.edtf, m.relation) for m in found] == [("2024-03", "from"), ("2024-06", "until")]


# --------------------------------------------------------------------------- helpers

def test_to_interval() -> None:
    assert to_interval("2024") == (date(2024, 1, 1), date(2024, 12, 31))
    assert to_interval("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert to_interval("2024-07-28") == (date(2024, 7, 28), date(2024, 7, 28))
    assert to_interval("2024-22") == (date(2024, 6, 1), date(2024, 8, 31))
    assert to_interval("2024-24") == (date(2024, 12, 1), date(2025, 2, 28))
    with pytest.raises(ValueError, match="not an EDTF"):
        to_interval("2024-13")
    with pytest.raises(ValueError, match="not an EDTF"):
        to_interval("summer")


def test_coarsest() -> None:
    assert coarsest("2024-07-28", "2024-07-30") == "2024-07"
    assert coarsest("2024-07-28", "2024-08-02") == "2024"
    assert coarsest("2024-07", "2024-22") == "2024-22"
    assert coarsest("2024-07-28", "2024-07-28") == "2024-07-28"
    assert coarsest("2024", "2024-07-28") == "2024"
    assert coarsest("2023-12-30", "2024-01-02") is None
    assert coarsest(None, "2024") is None


def test_is_after() -> None:
    assert is_after("2024-09", ANCHOR)
    assert not is_after("2024", ANCHOR)
    assert not is_after("2024-08-14", ANCHOR)
    assert is_after("2024-08-15", ANCHOR)
    assert is_after("2024-23", ANCHOR)
    assert not is_after("2035", None)


def test_seed_gold_dates_are_reachable() -> None:
    """Every date in the shared gold file must be one this module can express and parse."""
    gold = SHARED / "gold" / "seeds.jsonl"
    seen = 0
    for line in gold.read_text(encoding="utf-8").splitlines():
        for ev in json.loads(line)["events"]:
            if ev.get("date"):
                lo, hi = to_interval(ev["date"])
                assert lo <= hi
                seen += 1
    assert seen > 10


def test_bare_season_follows_month_context_not_history_year() -> None:
    ctx = DateContext(date(2024, 10, 1))
    find_dates("The navy was founded in 1954.", ctx)
    assert [m.edtf for m in find_dates("Drills were held in the summer.", ctx)] == ["2024-22"]
    find_dates("Plans were drafted in June 2021.", ctx)
    assert [m.edtf for m in find_dates("Drills were held in the autumn.", ctx)] == ["2021-23"]


def test_trigger_prefilter_finds_exactly_what_the_full_scan_finds() -> None:
    """The fast path (scan for trigger words, try the pattern only near them) must not change results."""
    from latticework.dates import _RX, _matches

    texts = [line for line in Path(__file__).read_text(encoding="utf-8").splitlines() if line.strip()]
    corpus = SHARED / "corpus" / "seeds.jsonl"
    for line in corpus.read_text(encoding="utf-8").splitlines():
        texts.extend(json.loads(line)["text"].split("\n"))
    texts.append("İstanbul talks on 3 May 2022 and İzmir visits last March")  # lower() changes length
    assert len(texts) > 300
    for text in texts:
        assert [m.span() for m in _matches(text)] == [m.span() for m in _RX.finditer(text)], text


def test_bare_season_direction_follows_tense() -> None:
    assert edtfs("Drills were held in the winter.", anchor=date(2024, 10, 1)) == ["2023-24"]
    assert edtfs("Drills will be held in the winter.", anchor=date(2024, 10, 1), future_hint=True) == ["2024-24"]
    assert edtfs("Drills will be held in the spring.", anchor=date(2024, 10, 1), future_hint=True) == ["2025-21"]


def test_late_part_of_the_current_year_points_ahead() -> None:
    m = one("At the end of 2024, a new joint command will appear.")
    assert (m.edtf, m.future, m.explicit) == ("2024", True, True)
    assert one("late this year").future
    assert not one("early this year").future
    assert not one("at the end of 2023").future


def test_weekends() -> None:
    # anchor Wed 14 Aug 2024; the weekends around it are 10-11 Aug and 17-18 Aug (both in August)
    assert edtfs("Talks were held over the weekend.") == ["2024-08"]
    assert edtfs("Talks were held last weekend.", anchor=date(2024, 8, 26)) == ["2024-08"]  # 24-25 Aug
    assert edtfs("Talks were held last weekend.", anchor=date(2024, 9, 2)) == ["2024"]  # 31 Aug - 1 Sep
    m = one("They meet this weekend.")
    assert m.future
    assert one("They meet next weekend.").future
    assert not one("Talks were held last weekend.").future


def test_day_after_a_named_day() -> None:
    ctx = DateContext(ANCHOR)
    found = find_dates("On July 28 they met; the next day they flew home.", ctx)
    assert [m.edtf for m in found] == ["2024-07-28", "2024-07-29"]
    assert [m.edtf for m in find_dates("That day, a statement followed.", ctx)] == ["2024-07-29"]
    assert edtfs("The next day they flew home.") == []  # no day named before


def test_years_out_of_range_even_when_computed() -> None:
    assert edtfs("next year", anchor=date(2100, 6, 1)) == []
    assert edtfs("two years ago", anchor=date(1901, 6, 1)) == []


def test_random_token_soup_never_crashes_and_offsets_are_valid() -> None:
    import random

    toks = ("on in the of by since until from to and - – / , . 28 31 30 29 1 2 12 13 2024 2019 1900 2100 "
            "1899 24 07 Q3 H1 FY FY24 fiscal year month week weekend day days ago two a next last this that "
            "same following previous early late mid- end beginning first half quarter July May February Feb. "
            "Sept. Monday Sunday summer winter fall spring yesterday tomorrow 23rd 31st 2nd 6th as of between "
            "29.02.2023 2023-02-29 31/04/2024 2024-13-01 İ").split()
    rng = random.Random(7)
    produced = 0
    for i in range(4000):
        text = " ".join(rng.choice(toks) for _ in range(rng.randint(1, 9)))
        anchor = None if i % 7 == 0 else date(1990, 1, 1) + timedelta(days=rng.randint(0, 20000))
        for m in find_dates(text, DateContext(anchor), future_hint=bool(i % 2)):
            lo, hi = to_interval(m.edtf)
            assert lo <= hi and 1900 <= lo.year and hi.year <= 2101
            assert 0 <= m.start < m.end <= len(text)
            assert m.relation in {"at", "since", "by", "until", "from"}
            produced += 1
    assert produced > 1000
