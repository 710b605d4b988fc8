"""Date expressions in English news prose → EDTF strings (ONTOLOGY.md, `date` field and rule 5).

The coder calls `find_dates` once per sentence, in document order, with one `DateContext` per
document, so partial dates ("on the 23rd", "in March") can be resolved against the dates the
text has already named and against the publication date (the *anchor*).

Everything is one precompiled regular expression (one pass per sentence) plus a little
arithmetic; no parser, no model, because this runs on every sentence of every document.
EDTF subset produced: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` and seasons ``YYYY-21``..``YYYY-24``
(spring, summer, autumn, winter; winter YYYY runs from December YYYY to February YYYY+1,
as in the reference scorer). Anything coarser than a month that is not a season (weeks that
straddle two months, quarters, halves, "mid-2025") is coarsened to the enclosing month or year,
because EDTF level 0/1 has no week or quarter and the scorer compares intervals.
See docs/dates.md for the full list of what is recognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from latticework.intervals import SEASON_MONTHS, coarsest, is_after
from latticework.intervals import require_interval as to_interval

__all__ = [
    "DateContext",
    "DateMention",
    "coarsest",
    "find_dates",
    "is_after",
    "to_interval",
]

MIN_YEAR, MAX_YEAR = 1900, 2100

SEASON_CODES = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}


@dataclass
class DateMention:
    """One date expression found in a sentence, already resolved to EDTF."""

    start: int  # character offsets into the string passed to find_dates
    end: int
    edtf: str
    relation: str  # "at" | "since" | "by" | "until" | "from": what the preposition before it says
    future: bool  # the expression points after the anchor (publication date)
    explicit: bool  # carries its own year in the text


class DateContext:
    """Per-document memory: the anchor plus the last explicit year and month-of-year seen so far."""

    def __init__(self, anchor: date | None) -> None:
        self.anchor = anchor
        self.year: int | None = None  # last explicit year mentioned
        self.month: int | None = None  # last month-of-year mentioned (with or without year)
        # year of the last mention that named a month *and* a year: "on July 28" follows it, not a
        # bare "in 2014" that happens to sit in between (history paragraphs are common in analysis)
        self.month_year: int | None = None
        self.last_day: date | None = None


# --------------------------------------------------------------------------- the one regex

def _ci(pattern: str) -> str:
    return f"(?i:{pattern})"


_MONTH_FULL = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTH = rf"(?:(?:{_MONTH_FULL})|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)(?![\w])"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_YEAR = r"(?:19\d\d|20\d\d|2100)"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_WD_PREFIX = rf"(?:{_WEEKDAY},?\s+(?:{_ci('the')}\s+)?)?"
_DASH = r"\s*(?:-|–|—|/|to|through)\s*"
_SEASON = _ci(r"spring|summer|autumn|fall|winter")
_MOD = _ci(
    r"(?:the\s+)?(?:very\s+)?(?:end|beginning|start|middle|close|turn|first\s+half|second\s+half"
    r"|latter\s+half|latter\s+part|early\s+part|(?:first|second|third|fourth|final|last)\s+quarter)"
    r"\s+of\s+|early[\s-]+|late[\s-]+|mid[\s-]*|end-|year-end\s+"
)
_REL_UNIT = _ci(r"weekend|week|month|year")
_FISCAL = _ci(r"fiscal(?:\s+year)?")
_REL_Q = _ci(r"(?:earlier|later)\s+this|this|last|next|past|coming|previous|following|same")
_THE_Q = _ci(r"the(?:\s+same|\s+following|\s+next|\s+previous)?|that")
_YEAREND = _ci(r"year[-\s]end")
_DAY_WORD = _ci(r"yesterday|today|tonight|tomorrow|this\s+morning|this\s+evening|last\s+night")
_NUMBER = _ci("|".join(sorted(NUMBER_WORDS, key=len, reverse=True)))
_AFTER_MOD = r"(?:(?<=[Mm]id-)|(?<=[Ee]nd-)|(?<=[Ee]arly-)|(?<=[Ll]ate-)|(?<=[A-Za-z]{3}-)|(?<![\w\-.,$€£¥#/+]))"

_PATTERN = rf"""
\b(?P<mod>{_MOD})?
\b(?:
  (?P<iso>(?<![\w./])(?P<iso_y>{_YEAR})(?P<iso_s>[-/])(?P<iso_m>0[1-9]|1[0-2])(?P=iso_s)(?P<iso_d>0[1-9]|[12]\d|3[01])(?!\d))
| (?P<num>(?<![\w.,/])(?P<num_a>\d{{1,2}})(?P<num_s>[./])(?P<num_b>\d{{1,2}})(?P=num_s)(?P<num_y>{_YEAR})(?!\d))
| (?P<mdy>{_WD_PREFIX}(?P<mdy_m>{_MONTH})\s+(?P<mdy_d>{_DAY})(?:{_DASH}(?P<mdy_d2>{_DAY}))?(?![\w])
     (?:,?\s+(?:{_ci('of')}\s+)?(?P<mdy_y>{_YEAR}))?(?![\d,.]\d|\w|%))
| (?P<dmy>{_WD_PREFIX}(?:{_ci('the')}\s+)?(?<![\w\-.,])(?P<dmy_d>{_DAY})(?:{_DASH}(?P<dmy_d2>{_DAY}))?
     \s+(?:{_ci('of')}\s+)?(?P<dmy_m>{_MONTH})(?:,?\s+(?P<dmy_y>{_YEAR}))?(?![\d,.]\d|\w))
| (?P<my>(?P<my_m>{_MONTH})(?:\s*(?:-|–|/|{_ci('and|to')})\s*(?P<my_m2>{_MONTH}))?,?\s+(?:{_ci('of')}\s+)?(?P<my_y>{_YEAR})(?![\d%]|s\b))
| (?P<season>(?:{_ci('the')}\s+)?(?:(?P<s_rel>{_ci('this|last|next|past|coming|previous|following')})\s+)?
     (?P<s_name>{_SEASON})(?![\w])(?:,?\s+(?:{_ci('of')}\s+)?(?P<s_y>{_YEAR})(?!\d))?)
| (?P<q>(?<![\w\-])(?P<q_k>Q[1-4]|[1-4]Q|H[12]|[12]H)(?:\s*|-)(?P<q_y>{_YEAR})?(?![\w]))
| (?P<fy>(?:FY\s?|{_FISCAL}\s+)(?P<fy_y>{_YEAR}|'?\d\d)(?![\w]))
| (?P<rel>(?P<rel_q>{_REL_Q})\s+(?P<rel_u>{_REL_UNIT})(?![\w]))
| (?P<the>(?P<the_q>{_THE_Q})\s+(?P<the_u>{_ci('year|month|day|weekend')})(?![\w]))
| (?P<yearend>{_YEAREND}(?![\w]))
| (?P<day_word>{_DAY_WORD}(?![\w]))
| (?P<ago>(?P<ago_n>{_NUMBER}|\d{{1,2}})\s+(?P<ago_u>{_ci('day|week|month|year')})s?\s+{_ci('ago')}(?![\w]))
| (?P<yr>{_AFTER_MOD}(?P<yr_a>{_YEAR})(?:\s*(?:-|–|—|/)\s*(?P<yr_b>{_YEAR}|\d\d))?(?![\w%]|[.,]\d|-\w))
| (?P<wd>(?:(?P<wd_rel>{_ci('last|next|this|past|coming')})\s+)?(?P<wd_d>{_WEEKDAY})(?![\w]))
| (?P<da>{_ci('the')}\s+(?P<da_d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)(?![\w\-]))
| (?P<ma>(?:(?P<ma_rel>{_ci('last|next|this')})\s+)?(?P<ma_m>{_MONTH_FULL})(?![\w]))
)
"""
_RX = re.compile(_PATTERN, re.VERBOSE)

# Every expression above contains one of these; sentences are scanned for them first (one cheap
# pass over the lower-cased text) and the full pattern is tried only at the few word starts just
# before each one that can begin an expression.
_TRIGGER_WORDS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|spring|summer|autumn|"
    "fall|winter|tomorrow|tonight|morning|evening|night|day|week|month|year|ago"
)
_TRIGGER_LOWER = re.compile(r"(?=[0-9adefjmnostwy])(?:\d+|" + _TRIGGER_WORDS + ")")
_TRIGGER_ANY = re.compile(r"(?i:\d+|" + _TRIGGER_WORDS + ")")
_WORD = re.compile(r"\b\w+")
_LOOKBACK = 48  # longest text a match can have before its trigger ("the very second half of the year")
# lower-cased first words an expression can start with (besides digits)
_STARTERS = frozenset(
    "the very end beginning start middle close turn first second third fourth final last latter early "
    "late mid year this next past coming previous following same that earlier later fiscal yesterday "
    "today tonight tomorrow spring summer autumn fall winter".split()
) | frozenset(NUMBER_WORDS) | frozenset(MONTHS) | frozenset(WEEKDAYS)

_STARTER_PREFIXES = frozenset({"fy", "q1", "q2", "q3", "q4", "h1", "h2"})


def _matches(text: str) -> list[re.Match[str]]:
    """Same matches as `_RX.finditer(text)`, several times faster on ordinary prose."""
    lower = text.lower()
    if len(lower) == len(text):
        triggers = _TRIGGER_LOWER.finditer(lower)
    else:  # a few characters change length when lower-cased; keep offsets exact
        triggers = _TRIGGER_ANY.finditer(text)
        lower = text
    found: list[re.Match[str]] = []
    pos = 0
    for t in triggers:
        ts = t.start()
        if ts < pos:
            continue
        for w in _WORD.finditer(lower, max(pos, ts - _LOOKBACK)):
            if w.start() > ts:
                break
            word = w.group()
            if not (word[0].isdigit() or word in _STARTERS or word[:2] in _STARTER_PREFIXES):
                continue
            m = _RX.match(text, w.start())
            if m is not None and m.end() > ts:
                found.append(m)
                pos = m.end()
                break
    return found


_ALTS = ("iso", "num", "mdy", "dmy", "my", "season", "q", "fy", "rel", "the", "yearend",
         "day_word", "ago", "yr", "wd", "da", "ma")

# preposition right before the expression → relation
_PREP_RX = re.compile(
    r"(?i)\b(ever\s+since|since|no\s+later\s+than|not\s+later\s+than|ahead\s+of|by|before|up\s+to|until|till|"
    r"through|to|as\s+of|as\s+from|starting(?:\s+(?:in|on|from))?|beginning(?:\s+(?:in|on))?|effective|from|"
    r"between|in|on|at|during|over|throughout|after|of|for)\s+$"
)
_RELATION = {
    "since": "since", "ever since": "since",
    "by": "by", "before": "by", "no later than": "by", "not later than": "by", "ahead of": "by",
    "until": "until", "till": "until", "through": "until", "to": "until", "up to": "until",
    "from": "from", "as of": "from", "as from": "from", "effective": "from", "between": "from",
}
# prepositions that make a bare month, season or "the 23rd" a date rather than a name or ordinal
_DATE_PREPS = {"since", "ever since", "by", "before", "until", "till", "through", "to", "from", "as of",
               "in", "on", "during", "over", "throughout", "after", "between", "no later than",
               "not later than", "ahead of", "up to", "effective", "as from"}
# a bare number in year range is not a year after these words (or currency signs)
_NOT_YEAR_BEFORE = re.compile(
    r"(?i)(?:\b(?:resolutions?|no|nos|number|numbers|page|pages|pp?|article|art|section|sec|chapter|ch|"
    r"flight|route|type|model|block|batch|hull|item|paragraph|para|footnote|note|table|figure|fig|vol|"
    r"volume|issue|part|code|index|id|ref|room|unit|platform|tail|serial|isbn|doi)\.?|[$€£¥#])\s*$"
)
_NOT_YEAR_AFTER = re.compile(
    r"(?i)\s*(?:\]|percent\b|per\s+cent\b|billion\b|million\b|thousand\b|bn\b|mn\b|troops\b|soldiers\b|"
    r"personnel\b|people\b|men\b|sailors\b|marines\b|officers\b|servicemen\b|members\b|km\b|kilometers\b|"
    r"kilometres\b|miles\b|nautical\b|tons\b|tonnes\b|metres\b|meters\b|feet\b|ft\b|units\b|missiles\b|"
    r"rounds\b|shells\b|aircraft\b|jets\b|planes\b|tanks\b|vehicles\b|ships\b|vessels\b|dollars\b|euros\b|"
    r"yen\b|won\b|yuan\b|rubles\b|roubles\b|pounds\b|hours\b|days\b|weeks\b|months\b|years\b|times\b|"
    r"drones\b|satellites\b|warheads\b|sorties\b|cases\b|hectares\b|square\b|kg\b|kilograms\b)"
)
# words that may follow "on the 23rd" (anything else lowercase — "generation", "anniversary" — is an ordinal)
_DA_FOLLOW_OK = re.compile(
    r"\s*(?:$|[^\w\s]|(?:and|or|when|in|at|to|with|the|of|as|after|before|while|a|an|where|that|this|"
    r"they|he|she|it|we|both|his|her|their|its|for|by|but)\b|[A-Z])"
)
_LATE_MOD = re.compile(r"(?i)end|close|second|latter|late|fourth")
_FUTURE_Q = {"next", "coming", "following", "later this"}


def _preposition(text: str, start: int) -> str | None:
    m = _PREP_RX.search(text, max(0, start - 24), start)
    return re.sub(r"\s+", " ", m.group(1).lower()) if m else None


def _relation(prep: str | None) -> str:
    if prep is None:
        return "at"
    if prep.startswith(("starting", "beginning")):
        return "from"
    return _RELATION.get(prep, "at")


def _month_num(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def _day_num(word: str) -> int:
    return int(re.sub(r"\D", "", word))


def _valid_day(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _month_add(y: int, m: int, k: int) -> tuple[int, int]:
    idx = y * 12 + (m - 1) + k
    return idx // 12, idx % 12 + 1


# --------------------------------------------------------------------------- helpers (public)
# EDTF <-> interval arithmetic lives in latticework.intervals; these names are re-exported so that
# `from latticework.dates import to_interval, coarsest, is_after` keeps working. Here `to_interval`
# is the raising variant: the dates this module builds are always valid, so a bad one is a bug.


def _edtf_day(d: date) -> str:
    return d.isoformat()


# --------------------------------------------------------------------------- resolution

def _year_for_month(ctx: DateContext, month: int, future_hint: bool) -> int | None:
    """Year for a month named without one: the text's last month-bearing year, else the anchor's."""
    if ctx.month_year is not None:
        recent = (ctx.anchor is not None and ctx.month_year < ctx.anchor.year and not future_hint
                  and 0 <= ctx.anchor.month - month <= 6)
        if not recent:
            if ctx.anchor is not None and not future_hint and ctx.month_year == ctx.anchor.year \
                    and month > ctx.anchor.month + 1:
                return ctx.month_year - 1  # "in December" in a March article, past tense: last December
            return ctx.month_year
        # news reports recent events: "on 17 June" in a July 2024 article is this June, even after an
        # aside about "April 2023"
    if ctx.anchor is not None:
        y = ctx.anchor.year
        # a past-tense "in November" in a February article is last November; a month only a little
        # ahead ("in August" written in July) stays this year and comes out as future
        if not future_hint and month - ctx.anchor.month > 2:
            y -= 1
        elif future_hint and month < ctx.anchor.month:
            y += 1
        return y
    return ctx.year


def _season_instance(anchor: date, code: int, which: str | None) -> int:
    """Year of this/last/next <season> relative to the anchor."""
    # season index relative to a continuous month count; winter Y = Dec Y .. Feb Y+1
    first, last = SEASON_MONTHS[code]
    a = anchor.year * 12 + anchor.month - 1

    def span(y: int) -> tuple[int, int]:
        return y * 12 + first - 1, y * 12 + last - 1

    # the instance the anchor is in, or the next one to come
    y = anchor.year - 1
    while span(y)[1] < a:
        y += 1
    current_contains = span(y)[0] <= a
    if which in ("last", "past", "previous"):
        return y - 1
    if which in ("next", "coming", "following"):
        return y + 1 if current_contains else y
    return y  # "this summer": the one we are in or about to enter


def _weekday_date(anchor: date, wd: int, rel: str | None, future_hint: bool) -> date:
    if rel == "next" or rel == "coming" or (rel is None and future_hint) or (rel == "this" and future_hint):
        delta = (wd - anchor.weekday()) % 7 or 7
        return anchor + timedelta(days=delta)
    delta = (anchor.weekday() - wd) % 7
    if rel in ("last", "past") and delta == 0:
        delta = 7
    return anchor - timedelta(days=delta)


def _weekend_edtf(anchor: date, which: str) -> str | None:
    """The weekend before the anchor ("last"), the one it is in or just ended ("this"), or the next."""
    saturday = anchor - timedelta(days=(anchor.weekday() - 5) % 7)  # latest Saturday on or before
    if which == "next" or (which == "this" and anchor.weekday() < 5):
        saturday = anchor + timedelta(days=(5 - anchor.weekday()) % 7 or 7)
    elif which == "last" and anchor.weekday() >= 5:
        saturday -= timedelta(days=7)
    return coarsest(_edtf_day(saturday), _edtf_day(saturday + timedelta(days=1)))


def _week_edtf(monday: date) -> str | None:
    """A week as EDTF: its month, else its year; None across New Year (no safe single value)."""
    return coarsest(_edtf_day(monday), _edtf_day(monday + timedelta(days=6)))


def find_dates(text: str, ctx: DateContext, *, future_hint: bool = False) -> list[DateMention]:
    """All date expressions in `text`, in order, resolved to EDTF; updates `ctx` as it reads.

    `future_hint`: the caller believes the sentence is about the future (will, plan to …); it
    decides which way an ambiguous "on Monday" or "in March" points from the anchor.
    """
    out: list[DateMention] = []
    anchor = ctx.anchor
    for m in _matches(text):
        kind = next(k for k in _ALTS if m.group(k) is not None)
        mod = m.group("mod")
        start, end = m.start(), m.end()
        prep = _preposition(text, start)
        relation = _relation(prep)
        explicit = False
        lexical_future = False
        edtfs: list[str] = []

        if kind == "iso":
            y, mo, d = int(m["iso_y"]), int(m["iso_m"]), int(m["iso_d"])
            if not _valid_day(y, mo, d):
                continue
            edtfs = [f"{y:04d}-{mo:02d}-{d:02d}"]
            explicit = True
            ctx.year, ctx.month, ctx.month_year = y, mo, y
        elif kind == "num":
            a, b, y = int(m["num_a"]), int(m["num_b"]), int(m["num_y"])
            d, mo = (b, a) if (b > 12 and a <= 12 and m["num_s"] == "/") else (a, b)
            if not _valid_day(y, mo, d):
                continue
            edtfs = [f"{y:04d}-{mo:02d}-{d:02d}"]
            explicit = True
            ctx.year, ctx.month, ctx.month_year = y, mo, y
        elif kind in ("mdy", "dmy"):
            mo = _month_num(m[f"{kind}_m"])
            d = _day_num(m[f"{kind}_d"])
            d2 = _day_num(m[f"{kind}_d2"]) if m[f"{kind}_d2"] else None
            ys = m[f"{kind}_y"]
            if ys:
                y = int(ys)
                explicit = True
                ctx.year = y
            else:
                ry = _year_for_month(ctx, mo, future_hint)
                if ry is None:
                    continue
                y = ry
                if ctx.month_year is None and anchor is not None:
                    # a day/month pair ahead of the anchor by more than a few weeks is last year's,
                    # unless the sentence talks about the future
                    cand = date(y, mo, d) if _valid_day(y, mo, d) else None
                    if cand and not future_hint and (cand - anchor).days > 60 and y == anchor.year:
                        y -= 1
                    elif cand and future_hint and cand < anchor and y == anchor.year:
                        y += 1
            if not _valid_day(y, mo, d) or (d2 is not None and (d2 <= d or not _valid_day(y, mo, d2))):
                continue
            edtfs = [f"{y:04d}-{mo:02d}-{d:02d}"]
            if d2 is not None:  # "July 26-28": a multi-day span is said at month precision
                edtfs = [f"{y:04d}-{mo:02d}"]
            ctx.month, ctx.month_year = mo, y
        elif kind == "my":
            y = int(m["my_y"])
            mo = _month_num(m["my_m"])
            if m["my_m2"]:
                mo2 = _month_num(m["my_m2"])
                # "June-July 2023", "from March to May 2024": one mention covering the span, said
                # at the precision that holds both ends (the year, or a season that contains them)
                edtfs = [coarsest(f"{y:04d}-{mo:02d}", f"{y:04d}-{mo2:02d}") or f"{y:04d}"]
                mo = mo2
                if relation == "from":
                    relation = "at"
            else:
                edtfs = [f"{y:04d}-{mo:02d}"]
            explicit = True
            ctx.year, ctx.month, ctx.month_year = y, mo, y
        elif kind == "season":
            code = SEASON_CODES[m["s_name"].lower()]
            which = m["s_rel"].lower() if m["s_rel"] else None
            if m["s_y"]:
                y = int(m["s_y"])
                explicit = True
                ctx.year = y
            elif which is not None:
                if anchor is None:
                    continue
                y = _season_instance(anchor, code, which)
                lexical_future = which in _FUTURE_Q
            else:
                # bare "in summer" / "in the fall": needs a preposition, resolves like a month
                if prep not in _DATE_PREPS and not mod:
                    continue
                ry = ctx.month_year
                if ry is None and anchor is None:
                    ry = ctx.year
                if ry is None and anchor is not None:
                    if future_hint:  # the one in progress or the next to come
                        ry = _season_instance(anchor, code, None)
                    else:  # the latest one that had begun by the anchor
                        ry = anchor.year - (SEASON_MONTHS[code][0] > anchor.month)
                if ry is None:
                    continue
                y = ry
            edtfs = [f"{y:04d}-{code}"]
        elif kind == "q":
            ys = m["q_y"]
            if ys:
                y = int(ys)
                explicit = True
                ctx.year = y
            elif anchor is not None:
                y = anchor.year
            else:
                continue
            edtfs = [f"{y:04d}"]
        elif kind == "fy":
            ys = m["fy_y"].lstrip("'")
            y = int(ys) if len(ys) == 4 else 2000 + int(ys)
            edtfs = [f"{y:04d}"]
            explicit = True
            ctx.year = y
        elif kind == "rel":
            q = re.sub(r"\s+", " ", m["rel_q"].lower())
            unit = m["rel_u"].lower()
            if anchor is None:
                continue
            if q == "past" and unit != "week":
                continue  # "over the past year" is a duration, not last year
            if unit == "weekend":
                if q not in ("last", "this", "next", "past", "coming"):
                    continue
                wk = _weekend_edtf(anchor, "this" if q == "this" else "next" if q in ("next", "coming") else "last")
                if wk is None:
                    continue
                edtfs = [wk]
                lexical_future = q in _FUTURE_Q or (q == "this" and anchor.weekday() < 5)
                for edtf in edtfs:
                    out.append(DateMention(start, end, edtf, relation, lexical_future or is_after(edtf, anchor),
                                           explicit))
                continue
            step = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1, "following": 1}.get(q, 0)
            if q in ("previous", "following", "same") and unit == "year" and ctx.year is not None:
                edtfs = [f"{ctx.year + step:04d}"]
            elif unit == "year":
                edtfs = [f"{anchor.year + step:04d}"]
            elif unit == "month":
                y, mo = _month_add(anchor.year, anchor.month, step)
                edtfs = [f"{y:04d}-{mo:02d}"]
            else:
                monday = anchor - timedelta(days=anchor.weekday()) + timedelta(days=7 * step)
                week = _week_edtf(monday)
                if week is None:
                    continue
                edtfs = [week]
            lexical_future = q in _FUTURE_Q
        elif kind == "the":
            q = re.sub(r"\s+", " ", m["the_q"].lower())
            unit = m["the_u"].lower()
            if unit == "day":
                # "the next day", "that day": one step from the last day-precise date the text gave
                if ctx.last_day is None:
                    continue
                day_step = {"the following": 1, "the next": 1, "the previous": -1, "that": 0, "the same": 0}.get(q)
                if day_step is None:
                    continue
                edtfs = [_edtf_day(ctx.last_day + timedelta(days=day_step))]
            elif unit == "weekend":
                if anchor is None or q != "the" or prep not in ("over", "at", "during", "on", "by"):
                    continue
                week = _weekend_edtf(anchor, "next" if future_hint else "last")
                if week is None:
                    continue
                edtfs = [week]
            elif q in ("that", "the same"):
                if unit == "year" and ctx.year is not None:
                    edtfs = [f"{ctx.year:04d}"]
                elif unit == "month" and ctx.month is not None and ctx.month_year is not None:
                    edtfs = [f"{ctx.month_year:04d}-{ctx.month:02d}"]
                else:
                    continue
            elif q in ("the following", "the next", "the previous"):
                if unit != "year":
                    continue
                step = -1 if q == "the previous" else 1
                base = ctx.year if ctx.year is not None else (anchor.year if anchor else None)
                if base is None:
                    continue
                edtfs = [f"{base + step:04d}"]
            else:  # plain "the year" / "the month": only inside "the end of the year", "later in the year"
                if not mod and prep not in ("in",):
                    continue
                if not mod and not re.search(r"(?i)\b(?:later|earlier)\s+in\s+$", text[max(0, start - 20):start]):
                    continue
                if anchor is not None:
                    edtfs = [f"{anchor.year:04d}" if unit == "year" else f"{anchor.year:04d}-{anchor.month:02d}"]
                elif ctx.year is not None and unit == "year":
                    edtfs = [f"{ctx.year:04d}"]
                else:
                    continue
                lexical_future = bool(mod and re.search(r"(?i)end|close|second|latter|last|fourth", mod)) or \
                    bool(re.search(r"(?i)later\s+in\s+$", text[max(0, start - 20):start]))
        elif kind == "yearend":
            if anchor is None:
                continue
            edtfs = [f"{anchor.year:04d}"]
            lexical_future = True
        elif kind == "day_word":
            if anchor is None:
                continue
            w = m["day_word"].lower()
            d0 = anchor - timedelta(days=1) if w in ("yesterday", "last night") else \
                anchor + timedelta(days=1) if w == "tomorrow" else anchor
            edtfs = [_edtf_day(d0)]
            lexical_future = w == "tomorrow"
        elif kind == "ago":
            if anchor is None:
                continue
            n_s = m["ago_n"].lower()
            n = int(n_s) if n_s.isdigit() else NUMBER_WORDS[n_s]
            unit = m["ago_u"].lower()
            if unit == "day":
                edtfs = [_edtf_day(anchor - timedelta(days=n))]
            elif unit == "week":
                monday = anchor - timedelta(days=anchor.weekday()) - timedelta(days=7 * n)
                week = _week_edtf(monday)
                if week is None:
                    continue
                edtfs = [week]
            elif unit == "month":
                y, mo = _month_add(anchor.year, anchor.month, -n)
                edtfs = [f"{y:04d}-{mo:02d}"]
            else:
                edtfs = [f"{anchor.year - n:04d}"]
        elif kind == "yr":
            if _NOT_YEAR_BEFORE.search(text, max(0, start - 16), start) and not mod:
                continue
            if _NOT_YEAR_AFTER.match(text, end):
                continue
            if start > 0 and text[start - 1] == "[":
                continue
            ya = int(m["yr_a"])
            edtfs = [f"{ya:04d}"]
            explicit = True
            yb_s = m["yr_b"]
            last = ya
            if yb_s:
                yb = int(yb_s) if len(yb_s) == 4 else (ya // 100) * 100 + int(yb_s)
                sep = text[m.end("yr_a"):m.start("yr_b")].strip()
                if len(yb_s) == 2 and sep == "-" and not (ya < yb) and 1 <= int(yb_s) <= 12:
                    # "2024-07": ISO year-month
                    edtfs = [f"{ya:04d}-{yb_s}"]
                    ctx.month, ctx.month_year = int(yb_s), ya
                elif not (ya < yb <= MAX_YEAR):
                    # "2019/18": not a year range; keep only the first year
                    end = m.start("yr_a") + 4
                else:
                    out.append(DateMention(start, m.start("yr_a") + 4, edtfs[0],
                                           "from" if relation == "at" else relation,
                                           is_after(edtfs[0], anchor), True))
                    edtfs = [f"{yb:04d}"]
                    start = m.start("yr_b")
                    relation = "until"
                    last = yb
            ctx.year = last
        elif kind == "wd":
            if anchor is None:
                continue
            rel_w = m["wd_rel"].lower() if m["wd_rel"] else None
            d0 = _weekday_date(anchor, WEEKDAYS[m["wd_d"].lower()], rel_w, future_hint)
            edtfs = [_edtf_day(d0)]
            lexical_future = rel_w in ("next", "coming")
        elif kind == "da":
            if prep not in ("on", "by", "until", "till", "since", "from", "before", "after", "to", "of"):
                continue
            if not _DA_FOLLOW_OK.match(text, end):
                continue
            d = int(m["da_d"])
            if ctx.month is not None and ctx.month_year is not None:
                y, mo = ctx.month_year, ctx.month
            elif anchor is not None:
                y, mo = anchor.year, anchor.month
                if d > anchor.day and not future_hint:
                    y, mo = _month_add(y, mo, -1)
                elif d < anchor.day and future_hint:
                    y, mo = _month_add(y, mo, 1)
            else:
                continue
            if not _valid_day(y, mo, d):
                continue
            edtfs = [f"{y:04d}-{mo:02d}-{d:02d}"]
        elif kind == "ma":
            mo = _month_num(m["ma_m"])
            rel_w = m["ma_rel"].lower() if m["ma_rel"] else None
            if rel_w is None and prep not in _DATE_PREPS and not mod:
                continue
            if m["ma_m"] == "May" and rel_w is None and prep not in _DATE_PREPS:
                continue
            if rel_w is not None:
                if anchor is None:
                    continue
                if rel_w == "this":
                    y = anchor.year
                elif rel_w == "last":
                    y = anchor.year if mo < anchor.month else anchor.year - 1
                else:
                    y = anchor.year if mo > anchor.month else anchor.year + 1
                    lexical_future = True
            else:
                ry = _year_for_month(ctx, mo, future_hint)
                if ry is None:
                    continue
                y = ry
            edtfs = [f"{y:04d}-{mo:02d}"]
            ctx.month, ctx.month_year = mo, y

        if mod and kind in ("yr", "rel") and anchor is not None and edtfs == [f"{anchor.year:04d}"] \
                and _LATE_MOD.search(mod):
            # "at the end of 2024" / "late this year" written in 2024: the part meant is still to come
            lexical_future = True
        for edtf in edtfs:
            if not MIN_YEAR <= int(edtf[:4]) <= MAX_YEAR:
                continue  # "next year" in a 2100 article, "two years ago" in 1900
            future = lexical_future or is_after(edtf, anchor)
            out.append(DateMention(start, end, edtf, relation, future, explicit))
            if len(edtf) == 10:
                ctx.last_day = date.fromisoformat(edtf)
    _link_ranges(text, out)
    return _merge_qualified(text, out)


def _merge_qualified(text: str, found: list[DateMention]) -> list[DateMention]:
    """"May last year", "Monday of last week": a date followed by the period that places it is one date.

    A month without its own year takes the year that follows it; a day followed by its week or month
    keeps the day. The coarser mention is dropped."""
    out: list[DateMention] = []
    for m in found:
        prev = out[-1] if out else None
        gap = text[prev.end:m.start].strip().lower() if prev else None
        if prev is not None and gap in ("", ",", "of") and len(m.edtf) < len(prev.edtf):
            if len(prev.edtf) == 7 and len(m.edtf) == 4 and not prev.explicit:
                prev.edtf = f"{m.edtf}{prev.edtf[4:]}"
                prev.future = m.future
            prev.end = m.end
            continue
        out.append(m)
    return out


_RANGE_GAP = re.compile(r"(?i)\s*(?:-|–|—|to|through|until|till|and)\s*$")


def _link_ranges(text: str, found: list[DateMention]) -> None:
    """"from 2019 to 2021", "between March and May": the second end of a range is an `until`."""
    for a, b in zip(found, found[1:], strict=False):
        gap = text[a.end:b.start]
        if not _RANGE_GAP.match(gap) or b.relation not in ("at", "until"):
            continue
        if "and" in gap.lower() and a.relation != "from":
            continue  # "in 2019 and 2021" is two dates, not a range
        if a.relation == "at" and "and" not in gap.lower():
            a.relation = "from"
        b.relation = "until"
