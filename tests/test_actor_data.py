"""Validate the actor dictionaries in latticework/data/.

These files are edited by hand (by us and by users), so the checks here are what keeps a typo from
silently turning into a wrong actor code: column counts, known codes and kinds, real ISO dates, and
no surface string that could resolve to two different actors at the same time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pycountry
import pytest

DATA = Path(__file__).parents[1] / "latticework" / "data"

ALIAS_KINDS = {"name", "short", "abbrev", "demonym", "capital", "government", "military", "company"}
OFFICES = {
    "head_of_state",
    "head_of_government",
    "foreign_minister",
    "defence_minister",
    "chief_of_defence",
    "ambassador",
    "other",
}
MONONYMS = {"Akihito", "Naruhito", "Sugiono", "Willem-Alexander"}
ORG_KINDS = {"organisation", "grouping", "framework"}
STATE_CODES = {c.alpha_3 for c in pycountry.countries} | {"XKX"}
PERIOD = (dt.date(2015, 1, 1), dt.date(2026, 11, 1))

Row = dict[str, str]


def read_tsv(name: str, columns: list[str]) -> list[tuple[int, Row]]:
    """Parse one data file the way the documented format says: '#' comments, one header, tab-separated."""
    path = DATA / name
    text = path.read_bytes().decode("utf-8")  # raises on invalid UTF-8
    rows: list[tuple[int, Row]] = []
    header_seen = False
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if not header_seen:
            assert fields == columns, f"{name}:{lineno}: header {fields} != {columns}"
            header_seen = True
            continue
        assert len(fields) == len(columns), f"{name}:{lineno}: {len(fields)} fields, expected {len(columns)}"
        for f in fields:
            assert f == f.strip(), f"{name}:{lineno}: stray whitespace in {f!r}"
            assert "\r" not in f, f"{name}:{lineno}: carriage return"
        rows.append((lineno, dict(zip(columns, fields, strict=True))))
    assert header_seen, f"{name}: no header line"
    assert rows, f"{name}: no data rows"
    return rows


def parse_date(value: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pytest.fail(f"{where}: {value!r} is not an ISO date (YYYY-MM-DD)")


def split_values(value: str) -> list[str]:
    return [v for v in value.split("|") if v] if value else []


@pytest.fixture(scope="module")
def aliases() -> list[tuple[int, Row]]:
    return read_tsv("aliases.tsv", ["code", "kind", "alias"])


@pytest.fixture(scope="module")
def officials() -> list[tuple[int, Row]]:
    return read_tsv("officials.tsv", ["code", "office", "name", "aliases", "from", "to"])


@pytest.fixture(scope="module")
def organisations() -> list[tuple[int, Row]]:
    return read_tsv("organisations.tsv", ["code", "kind", "name", "aliases"])


@pytest.fixture(scope="module")
def memberships() -> list[tuple[int, Row]]:
    return read_tsv("memberships.tsv", ["group", "member", "from", "to"])


@pytest.fixture(scope="module")
def org_codes(organisations: list[tuple[int, Row]]) -> set[str]:
    return {r["code"] for _, r in organisations}


def alias_index(aliases: list[tuple[int, Row]]) -> dict[str, set[str]]:
    idx: dict[str, set[str]] = defaultdict(set)
    for _, r in aliases:
        idx[r["alias"]].add(r["code"])
    return idx


# ---------------------------------------------------------------- aliases.tsv


def test_alias_rows_are_well_formed(aliases: list[tuple[int, Row]]) -> None:
    for lineno, r in aliases:
        where = f"aliases.tsv:{lineno}"
        assert r["code"] in STATE_CODES, f"{where}: unknown state code {r['code']}"
        assert r["kind"] in ALIAS_KINDS, f"{where}: unknown kind {r['kind']}"
        assert r["alias"], f"{where}: empty alias"
        assert "|" not in r["alias"], f"{where}: one alias per row"
        assert not r["alias"].lower().startswith("the "), f"{where}: the matcher adds 'the ' itself"


def test_no_alias_maps_to_two_states(aliases: list[tuple[int, Row]]) -> None:
    clashes = {a: c for a, c in alias_index(aliases).items() if len(c) > 1}
    assert not clashes, f"aliases naming two states: {clashes}"


def test_aliases_agree_with_pycountry_names(aliases: list[tuple[int, Row]]) -> None:
    """The loader adds pycountry's names; an alias of ours must not point the same string elsewhere."""
    pyc: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            v = getattr(c, attr, None)
            if v:
                pyc[v] = c.alpha_3
    bad = [
        (a, codes, pyc[a]) for a, codes in alias_index(aliases).items() if a in pyc and pyc[a] not in codes
    ]
    assert not bad, f"aliases contradicting pycountry: {bad}"


def test_every_un_member_state_has_aliases(aliases: list[tuple[int, Row]]) -> None:
    """Coverage: a sovereign state missing here would only be found by its pycountry name."""
    covered = {r["code"] for _, r in aliases}
    territories = {
        "ABW", "AIA", "ALA", "ASM", "ATA", "ATF", "BES", "BLM", "BMU", "BVT", "CCK", "COK", "CUW", "CXR", "CYM",
        "ESH", "FLK", "FRO", "GGY", "GIB", "GLP", "GRL", "GUF", "GUM", "HKG", "HMD", "IMN", "IOT", "JEY", "MAC",
        "MAF", "MNP", "MSR", "MTQ", "MYT", "NCL", "NFK", "NIU", "PCN", "PRI", "PYF", "REU", "SGS", "SHN", "SJM",
        "SPM", "SXM", "TCA", "TKL", "UMI", "VGB", "VIR", "WLF",
    }  # fmt: skip
    # Monaco, Liechtenstein, San Marino, Nauru, Dominica and Jamaica have aliases too; this checks all states.
    missing = sorted(STATE_CODES - territories - covered)
    assert not missing, f"states without any alias: {missing}"


@pytest.mark.parametrize(
    ("alias", "code"),
    [
        ("South Korea", "KOR"), ("North Korea", "PRK"), ("Russia", "RUS"), ("Britain", "GBR"), ("UK", "GBR"),
        ("U.K.", "GBR"), ("US", "USA"), ("U.S.", "USA"), ("USA", "USA"), ("America", "USA"), ("Iran", "IRN"),
        ("Syria", "SYR"), ("Vietnam", "VNM"), ("Laos", "LAO"), ("Türkiye", "TUR"), ("Turkey", "TUR"),
        ("Czechia", "CZE"), ("Ivory Coast", "CIV"), ("Burma", "MMR"), ("Myanmar", "MMR"), ("Taiwan", "TWN"),
        ("ROK", "KOR"), ("DPRK", "PRK"), ("PRC", "CHN"), ("UAE", "ARE"), ("KSA", "SAU"), ("Kosovo", "XKX"),
        ("Japanese", "JPN"), ("South Korean", "KOR"), ("North Korean", "PRK"), ("American", "USA"),
        ("British", "GBR"), ("Emirati", "ARE"), ("Saudi", "SAU"), ("Filipino", "PHL"), ("Philippine", "PHL"),
        ("Dutch", "NLD"), ("Czech", "CZE"), ("Tokyo", "JPN"), ("Washington", "USA"), ("Seoul", "KOR"),
        ("Pyongyang", "PRK"), ("Beijing", "CHN"), ("Moscow", "RUS"), ("London", "GBR"), ("Paris", "FRA"),
        ("Berlin", "DEU"), ("Canberra", "AUS"), ("Kyiv", "UKR"), ("Kiev", "UKR"), ("New Delhi", "IND"),
        ("Delhi", "IND"), ("Manila", "PHL"), ("Taipei", "TWN"), ("Hanoi", "VNM"), ("Ankara", "TUR"),
        ("Tehran", "IRN"), ("Riyadh", "SAU"), ("Kremlin", "RUS"), ("White House", "USA"), ("Pentagon", "USA"),
        ("Downing Street", "GBR"), ("Whitehall", "GBR"), ("Élysée", "FRA"), ("Blue House", "KOR"),
        ("Yongsan", "KOR"), ("Zhongnanhai", "CHN"), ("Self-Defense Forces", "JPN"), ("Self Defence Forces", "JPN"),
        ("JSDF", "JPN"), ("SDF", "JPN"), ("PLA", "CHN"), ("People's Liberation Army", "CHN"),
        ("PLA Navy", "CHN"), ("Bundeswehr", "DEU"), ("Luftwaffe", "DEU"), ("Royal Navy", "GBR"), ("RAF", "GBR"),
        ("Royal Air Force", "GBR"), ("IDF", "ISR"), ("Tsahal", "ISR"), ("INDOPACOM", "USA"),
        ("Indo-Pacific Command", "USA"), ("US Forces Japan", "USA"), ("USFK", "USA"), ("IRGC", "IRN"),
        ("Rosoboronexport", "RUS"), ("Rostec", "RUS"), ("Chad", None), ("Georgian", "GEO"),
    ],
)  # fmt: skip
def test_brief_examples_resolve(aliases: list[tuple[int, Row]], alias: str, code: str | None) -> None:
    idx = alias_index(aliases)
    if code is None:  # pycountry's own name: we must not add a second meaning
        assert alias not in idx or len(idx[alias]) == 1
    else:
        assert idx.get(alias) == {code}, f"{alias!r} -> {idx.get(alias)}, expected {code}"


def test_ambiguous_strings_are_left_out(aliases: list[tuple[int, Row]]) -> None:
    idx = alias_index(aliases)
    for s in ("Congo", "Congolese", "Korean", "Brussels", "Indo", "IAF", "PAF", "AFP", "the United States"):
        assert s not in idx, f"{s!r} is ambiguous and should not be an alias"


# --------------------------------------------------------------- officials.tsv


def test_official_rows_are_well_formed(officials: list[tuple[int, Row]], org_codes: set[str]) -> None:
    for lineno, r in officials:
        where = f"officials.tsv:{lineno}"
        assert r["code"] in STATE_CODES | org_codes, f"{where}: unknown code {r['code']}"
        assert r["office"] in OFFICES, f"{where}: unknown office {r['office']}"
        assert r["name"], f"{where}: empty name"
        # A one-word name matches everywhere it occurs ("Philippe" inside any French name), so only true
        # mononyms are allowed; write "Philippe of Belgium" with the alias "King Philippe" instead.
        assert " " in r["name"] or r["name"] in MONONYMS, f"{where}: one-word name {r['name']!r}"
        start = parse_date(r["from"], where)
        if r["to"]:
            assert parse_date(r["to"], where) >= start, f"{where}: ends before it starts"
        for a in split_values(r["aliases"]):
            assert a != r["name"], f"{where}: alias repeats the name"
            words = r["name"].split()
            # A one-word alias may be a nickname ("Jokowi", "Lula") but not the first or last word of the
            # name: that is a bare surname (in either name order), which the matcher derives itself.
            assert " " in a or a not in (words[0], words[-1]), f"{where}: {a!r} is a bare surname"


def _spans(officials: list[tuple[int, Row]]) -> dict[str, list[tuple[str, dt.date, dt.date, int]]]:
    far = dt.date(9999, 12, 31)
    by_string: dict[str, list[tuple[str, dt.date, dt.date, int]]] = defaultdict(list)
    for lineno, r in officials:
        start = dt.date.fromisoformat(r["from"])
        end = dt.date.fromisoformat(r["to"]) if r["to"] else far
        for s in [r["name"], *split_values(r["aliases"])]:
            by_string[s].append((r["code"], start, end, lineno))
    return by_string


def test_no_official_name_means_two_actors_at_once(officials: list[tuple[int, Row]]) -> None:
    """A person may move (Rutte: NLD, then NATO), but never speak for two actors on the same day."""
    clashes = []
    for s, spans in _spans(officials).items():
        for i, (c1, s1, e1, l1) in enumerate(spans):
            for c2, s2, e2, l2 in spans[i + 1 :]:
                if c1 != c2 and s1 <= e2 and s2 <= e1:
                    clashes.append((s, c1, l1, c2, l2))
    assert not clashes, f"names resolving to two codes at once: {clashes}"


def test_official_names_do_not_collide_with_state_aliases(
    officials: list[tuple[int, Row]], aliases: list[tuple[int, Row]]
) -> None:
    idx = alias_index(aliases)
    bad = [(s, idx[s]) for s in _spans(officials) if s in idx]
    assert not bad, f"official names that are also state aliases: {bad}"


REQUIRED = (
    "USA CHN RUS JPN KOR PRK TWN GBR FRA DEU ITA ESP POL UKR AUS NZL IND PAK PHL IDN VNM TUR ISR IRN SAU ARE "
    "EGY CAN NLD SWE FIN NOR BRA"
).split()
# Offices that are legitimately absent or vacant for long stretches (documented in officials.tsv comments):
# North Korea's defence ministers before 2022 are not listed; the Emirati defence portfolio belongs to the
# vice-president, whom we list as head of government; Brazil's 2015 defence minister precedes our range.
KNOWN_GAPS = {("PRK", "defence_minister"), ("ARE", "defence_minister")}
MAX_GAP_DAYS = 70  # acting periods and vacancies (China had no defence minister for 65 days in 2023)


def _uncovered_runs(spans: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, int]]:
    """Longest stretches of days in PERIOD that no span covers."""
    runs: list[tuple[dt.date, int]] = []
    day, run_start, run = PERIOD[0], None, 0
    while day <= PERIOD[1]:
        if any(s <= day <= e for s, e in spans):
            if run:
                runs.append((run_start or day, run))
            run_start, run = None, 0
        else:
            run_start = run_start or day
            run += 1
        day += dt.timedelta(days=1)
    if run:
        runs.append((run_start or day, run))
    return runs


@pytest.mark.parametrize("code", REQUIRED)
def test_required_states_have_leaders_and_ministers_throughout(
    officials: list[tuple[int, Row]], code: str
) -> None:
    far = dt.date(9999, 12, 31)
    spans: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for _, r in officials:
        if r["code"] != code:
            continue
        span = (dt.date.fromisoformat(r["from"]), dt.date.fromisoformat(r["to"]) if r["to"] else far)
        office = "leader" if r["office"] in ("head_of_state", "head_of_government") else r["office"]
        spans[office].append(span)
    for office in ("leader", "foreign_minister", "defence_minister"):
        if (code, office) in KNOWN_GAPS:
            continue
        long_gaps = [g for g in _uncovered_runs(spans[office]) if g[1] > MAX_GAP_DAYS]
        assert not long_gaps, f"{code} {office}: uncovered stretches {long_gaps}"


def test_official_examples_resolve_by_date(officials: list[tuple[int, Row]]) -> None:
    def who(name: str, day: str) -> set[tuple[str, str]]:
        d = dt.date.fromisoformat(day)
        return {
            (r["code"], r["office"])
            for _, r in officials
            if name in [r["name"], *split_values(r["aliases"])]
            and dt.date.fromisoformat(r["from"]) <= d
            and (not r["to"] or d <= dt.date.fromisoformat(r["to"]))
        }

    assert who("Minoru Kihara", "2024-07-28") == {("JPN", "defence_minister")}
    assert who("Kihara Minoru", "2024-07-28") == {("JPN", "defence_minister")}
    assert who("Shin Wonsik", "2024-07-28") == {("KOR", "defence_minister")}
    assert who("Mark Rutte", "2023-07-11") == {("NLD", "head_of_government")}
    assert who("Mark Rutte", "2025-06-24") == {("NATO", "other")}
    assert who("Joe Biden", "2024-07-28") == {("USA", "head_of_state")}
    assert who("Joe Biden", "2025-07-28") == set()
    assert who("Volodymyr Zelenskyy", "2023-01-01") == {("UKR", "head_of_state")}


# ---------------------------------------------- organisations.tsv / memberships.tsv


def test_organisation_rows_are_well_formed(
    organisations: list[tuple[int, Row]], aliases: list[tuple[int, Row]]
) -> None:
    seen_codes: set[str] = set()
    owner: dict[str, str] = {}
    state_aliases = alias_index(aliases)
    for lineno, r in organisations:
        where = f"organisations.tsv:{lineno}"
        assert r["code"] not in seen_codes, f"{where}: duplicate code {r['code']}"
        assert r["code"] not in STATE_CODES, f"{where}: code {r['code']} is a country code"
        seen_codes.add(r["code"])
        assert r["kind"] in ORG_KINDS, f"{where}: unknown kind {r['kind']}"
        for s in [r["name"], *split_values(r["aliases"])]:
            assert not s.lower().startswith("the "), f"{where}: {s!r} starts with 'the '"
            assert owner.setdefault(s, r["code"]) == r["code"], f"{where}: {s!r} also names {owner[s]}"
            assert s not in state_aliases, f"{where}: {s!r} is also a state alias"


def _members(memberships: list[tuple[int, Row]], group: str, day: str) -> set[str]:
    d = dt.date.fromisoformat(day)
    return {
        r["member"]
        for _, r in memberships
        if r["group"] == group
        and (not r["from"] or dt.date.fromisoformat(r["from"]) <= d)
        and (not r["to"] or d <= dt.date.fromisoformat(r["to"]))
    }


def test_membership_rows_are_well_formed(
    memberships: list[tuple[int, Row]], organisations: list[tuple[int, Row]], org_codes: set[str]
) -> None:
    spans: dict[tuple[str, str], list[tuple[dt.date, dt.date, int]]] = defaultdict(list)
    for lineno, r in memberships:
        where = f"memberships.tsv:{lineno}"
        assert r["group"] in org_codes, f"{where}: group {r['group']} is not in organisations.tsv"
        assert r["member"] in STATE_CODES | org_codes, f"{where}: unknown member {r['member']}"
        start = parse_date(r["from"], where) if r["from"] else dt.date.min
        end = parse_date(r["to"], where) if r["to"] else dt.date.max
        assert start <= end, f"{where}: ends before it starts"
        for s, e, other in spans[(r["group"], r["member"])]:
            assert end < s or e < start, f"{where}: overlaps line {other}"
        spans[(r["group"], r["member"])].append((start, end, lineno))
    groupings = {r["code"] for _, r in organisations if r["kind"] == "grouping"}
    empty = sorted(g for g in groupings if not any(r["group"] == g for _, r in memberships))
    assert not empty, f"groupings without members cannot be expanded: {empty}"


def test_memberships_follow_history(memberships: list[tuple[int, Row]]) -> None:
    assert len(_members(memberships, "NATO", "2024-03-07")) == 32
    assert len(_members(memberships, "NATO", "2024-03-06")) == 31
    assert "FIN" in _members(memberships, "NATO", "2023-04-04")
    assert "FIN" not in _members(memberships, "NATO", "2023-04-03")
    assert "MNE" in _members(memberships, "NATO", "2017-06-05")
    assert "MKD" not in _members(memberships, "NATO", "2020-03-26")
    assert len(_members(memberships, "EU", "2020-01-31")) == 28
    assert len(_members(memberships, "EU", "2020-02-01")) == 27
    assert _members(memberships, "QUAD", "2024-07-28") == {"AUS", "IND", "JPN", "USA"}
    assert _members(memberships, "IP4", "2024-07-11") == {"AUS", "JPN", "KOR", "NZL"}
    assert _members(memberships, "IP4", "2021-06-14") == set()
    assert _members(memberships, "AUKUS", "2023-03-13") == {"AUS", "GBR", "USA"}
    assert _members(memberships, "TSCF", "2024-07-28") == {"JPN", "KOR", "USA"}
    assert _members(memberships, "GCAP", "2023-12-14") == {"GBR", "ITA", "JPN"}
    assert {"IRN", "ARE", "EGY", "ETH"} <= _members(memberships, "BRICS", "2024-10-22")
    assert "IRN" not in _members(memberships, "BRICS", "2023-08-22")
    assert "BLR" in _members(memberships, "SCO", "2024-07-04")
    assert "MLI" in _members(memberships, "ECOWAS", "2024-06-01")
    assert "MLI" not in _members(memberships, "ECOWAS", "2025-02-01")
    assert len(_members(memberships, "G7", "2023-05-19")) == 7
    assert "TLS" in _members(memberships, "ASEAN", "2025-11-01")
    assert "TLS" not in _members(memberships, "ASEAN", "2025-01-01")
    assert len(_members(memberships, "P5", "2020-01-01")) == 5
    assert "USA" in _members(memberships, "JCPOA", "2016-01-16")
    assert "USA" not in _members(memberships, "JCPOA", "2019-01-01")
    assert _members(memberships, "SQUAD", "2024-05-02") == {"AUS", "JPN", "PHL", "USA"}
