"""Interchange with the field's event data: PLOVER JSON, POLECAT TSV, GDELT 2.0, ICEWS and DCAD.

Exports follow the crosswalk in ONTOLOGY.md (type/mode → PLOVER 0.7 and CAMEO). Imports keep only
codes that map onto the ontology (defence-relevant CAMEO/PLOVER categories) and give every event a
`source` and an id prefixed by that source, so imported events never pass for text-coded ones.
Readers raise InterchangeError with "FILE:LINE: problem" for malformed input. Given `on_problem`, the
dataset readers instead pass each malformed row (or one the store could not hold, by the checks of
latticework.validate) to it as one "FILE:LINE: problem; skipped" line and read on, so one bad row never
costs the rows around it; a file that is not the dataset at all (its header) still raises.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import pycountry

from latticework import ontology
from latticework.intervals import to_interval
from latticework.output import csv_cell
from latticework.validate import event_problem

DATA = Path(__file__).parent / "data"


class InterchangeError(ValueError):
    """Malformed input file; the message names the file and line."""


OnProblem = Callable[[str], None] | None
"""Where a reader reports a row it skips; None makes the first such row raise InterchangeError."""


def _skip(on_problem: OnProblem, message: str) -> None:
    """Report a bad row (`FILE:LINE: problem`) and go on, or raise when there is no one to report to."""
    if on_problem is None:
        raise InterchangeError(message)
    on_problem(f"{message}; skipped")


def _checked(e: dict[str, Any] | None, where: str, on_problem: OnProblem) -> dict[str, Any] | None:
    """`e` when every store can hold it (latticework.validate), else None after reporting it."""
    if e is None:
        return None
    bad = event_problem(e, e.get("source"))
    if bad:
        _skip(on_problem, f"{where}: {bad}")
        return None
    return e


# ------------------------------------------------------------------------------------------------ crosswalk

def cameo_of(e: dict[str, Any]) -> str:
    """Closest CAMEO code (ontology table); an event's own `cameo` wins when it has one."""
    if e.get("cameo"):
        return str(e["cameo"])
    return ontology.cameo_code(e.get("type"), e.get("mode"))


def plover_of(e: dict[str, Any]) -> tuple[str, str, list[str]]:
    """(PLOVER event type, PLOVER mode, contexts): signing and forming go under SUPPORT, pledges under AGREE."""
    return ontology.plover(e.get("type"), e.get("mode"))


def ontology_of_cameo(code: str) -> tuple[str, str | None] | None:
    """(type, mode) for a CAMEO event code, or None when the code is outside the ontology."""
    c = code.strip()
    if c.startswith("04"):
        return "CONSULT", {"041": "call", "042": "visit"}.get(c[:3], "meeting")
    if c.startswith("057"):
        return "AGREE", "sign"
    if c.startswith("0312") or c.startswith("036"):
        return "AGREE", "pledge"
    if c.startswith("062"):
        return "COOPERATE", None
    if c.startswith("072"):
        return "AID", "arms_transfer"
    if c.startswith("15"):
        return "MOBILIZE", {"154": "deployment", "153": "deployment"}.get(c[:3], "show_of_force")
    if c.startswith("111") or c.startswith("112"):
        return "ACCUSE", "criticize"
    if c.startswith("138"):
        return "THREATEN", "military"
    if c.startswith("02"):
        return "REQUEST", "propose" if c.startswith("021") else None
    return None


def ontology_of_plover(ptype: str, pmode: str, contexts: str) -> tuple[str, str | None] | None:
    """(type, mode) for a PLOVER event; AID counts only in a military context (arms, not disaster relief)."""
    p = ptype.strip().upper()
    t = ontology.PLOVER_TO_TYPE.get(p)
    if t is None:
        return None
    mode = (pmode or "").strip().lower()
    if t == "AID":
        return ("AID", "arms_transfer") if "military" in contexts.lower() or mode == "military" else None
    if t == "CONSULT":
        return t, {"visit": "visit", "phone": "call"}.get(mode, "meeting")
    if t == "AGREE":
        return t, "sign" if p == "SUPPORT" else "pledge"
    if t == "MOBILIZE":
        return t, {"troops": "deployment", "weapons": "show_of_force"}.get(mode)
    return t, {"REQUEST": "propose", "ACCUSE": "criticize", "THREATEN": "military"}.get(t)


# ------------------------------------------------------------------------------------------------ actors

_IGO = {"NAT": "NATO", "EEC": "EU", "EUR": "EU", "UNO": "UN", "ASN": "ASEAN", "AFR": "AU"}
_NAME_ALIASES = {
    "south korea": "KOR", "north korea": "PRK", "taiwan": "TWN", "russia": "RUS", "iran": "IRN", "syria": "SYR",
    "vietnam": "VNM", "laos": "LAO", "bolivia": "BOL", "venezuela": "VEN", "tanzania": "TZA", "moldova": "MDA",
    "czech republic": "CZE", "macedonia": "MKD", "ivory coast": "CIV", "cote d'ivoire": "CIV", "kosovo": "XKX",
    "occupied palestinian territory": "PSE", "palestine": "PSE", "democratic republic of congo": "COD",
    "congo, democratic republic of": "COD", "congo": "COG", "republic of congo": "COG", "burma": "MMR",
    "swaziland": "SWZ", "turkey": "TUR", "united states": "USA", "united kingdom": "GBR", "brunei": "BRN",
    "cape verde": "CPV", "micronesia": "FSM", "vatican city": "VAT", "east timor": "TLS", "gambia": "GMB",
    "bahamas": "BHS", "european union": "EU", "united nations": "UN",
}


@lru_cache(maxsize=4096)
def iso3(value: str) -> str | None:
    """ISO alpha-3 for a 3-letter code or a country name; None when it is not a state we know."""
    v = (value or "").strip()
    if not v or v.lower() in ("none", "na", "null"):
        return None
    if v.lower() in _NAME_ALIASES:
        return _NAME_ALIASES[v.lower()]
    if len(v) == 3 and v.isalpha():
        c = pycountry.countries.get(alpha_3=v.upper())
        return c.alpha_3 if c else None
    try:
        return pycountry.countries.lookup(v).alpha_3
    except LookupError:
        return None


def _gdelt_actor(code: str, country: str) -> str | None:
    if country:
        return iso3(country)
    if code.startswith("IGO"):
        for key, org in _IGO.items():
            if key in code[3:]:
                return org
    return None


@lru_cache(maxsize=1)
def cow_table() -> dict[str, tuple[str, str]]:
    """COW state code → (COW abbreviation, ISO3), from data/cow_iso3.tsv."""
    out = {}
    for line in (DATA / "cow_iso3.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, abbr, iso = line.split("\t")
            out[code] = (abbr, iso)
    return out


def _build(source: str, eid: str, t: str, mode: str | None, a: str | None, b: str | None, day: str | None,
           text: str, location: dict[str, Any] | None = None, cameo: str | None = None) -> dict[str, Any] | None:
    """One ontology event from a dyadic record: symmetric types list both parties as actors."""
    if a is None:
        return None
    if t in ontology.UNILATERAL:
        actors, targets = [a], list[str]()
    elif b is None or a == b:
        return None
    elif t in ontology.SYMMETRIC:
        actors, targets = sorted({a, b}), []
    else:
        actors, targets = [a], [b]
    return {"doc_id": None, "event_id": f"{source}:{eid}", "type": t, "mode": mode, "actors": actors,
            "targets": targets, "framework": None, "date": day, "status": "occurred", "hedged": False,
            "location": location, "evidence": {"text": text, "start": 0, "end": len(text)}, "confidence": None,
            "cameo": cameo, "source": source}


# ------------------------------------------------------------------------------------------------ GDELT

GDELT_COLUMNS = (
    ["GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate"]
    + [f"Actor{i}{k}" for i in (1, 2) for k in ("Code", "Name", "CountryCode", "KnownGroupCode", "EthnicCode",
                                                   "Religion1Code", "Religion2Code", "Type1Code", "Type2Code",
                                                   "Type3Code")]
    + ["IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
       "NumMentions", "NumSources", "NumArticles", "AvgTone"]
    + [f"{g}_{k}" for g in ("Actor1Geo", "Actor2Geo", "ActionGeo") for k in ("Type", "FullName", "CountryCode",
                                                                             "ADM1Code", "ADM2Code", "Lat", "Long",
                                                                             "FeatureID")]
    + ["DATEADDED", "SOURCEURL"]
)
assert len(GDELT_COLUMNS) == 61


def _rows(path: str | Path, delimiter: str, header: bool,
          on_problem: OnProblem = None) -> Iterator[tuple[int, list[str] | dict[str, str]]]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        if header:
            reader: Any = csv.DictReader(fh, delimiter=delimiter)
            if delimiter == "\t":
                reader = csv.DictReader(fh, delimiter=delimiter, quoting=csv.QUOTE_NONE)
            yield 1, list(reader.fieldnames or [])
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:  # e.g. a field over the csv module's size limit; the reader goes on
                    _skip(on_problem, f"{path}:{reader.line_num}: malformed row ({exc})")
                    continue
                yield reader.line_num, row
        else:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    yield n, line.rstrip("\r\n").split(delimiter)


def _iso_day(value: str, fmt: str = "%Y%m%d") -> str | None:
    from datetime import datetime

    try:
        return datetime.strptime(value.strip()[:10], fmt).date().isoformat()
    except ValueError:
        return None


def read_gdelt(path: str | Path, on_problem: OnProblem = None) -> Iterator[dict[str, Any]]:
    """Events from a GDELT 2.0 event export (61 tab-separated columns, no header). The first row
    stands for the header GDELT lacks: when it is malformed the file is not an export, and raises."""
    first = True
    for n, row in _rows(path, "\t", header=False):
        assert isinstance(row, list)
        if len(row) != 61:
            message = f"{path}:{n}: expected 61 tab-separated GDELT 2.0 columns, found {len(row)}"
            if first:
                raise InterchangeError(message)
            _skip(on_problem, message)
            continue
        first = False
        r = dict(zip(GDELT_COLUMNS, row, strict=True))
        mapped = ontology_of_cameo(r["EventCode"])
        if mapped is None:
            continue
        day = _iso_day(r["SQLDATE"])
        if day is None:
            _skip(on_problem, f"{path}:{n}: SQLDATE {r['SQLDATE']!r} is not YYYYMMDD")
            continue
        a = _gdelt_actor(r["Actor1Code"], r["Actor1CountryCode"])
        b = _gdelt_actor(r["Actor2Code"], r["Actor2CountryCode"])
        text = f"GDELT {r['GLOBALEVENTID']}: {r['Actor1Name']} [{r['EventCode']}] {r['Actor2Name']} {r['SOURCEURL']}"
        loc = {"name": r["ActionGeo_FullName"], "country": None} if r["ActionGeo_FullName"] else None
        e = _build("gdelt", r["GLOBALEVENTID"], *mapped, a, b, day, text.strip(), loc, r["EventCode"])
        e = _checked(e, f"{path}:{n}", on_problem)
        if e:
            yield e


def write_gdelt(events: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """CAMEO-coded table with GDELT 2.0's 61 column names (header row first); one row per dyad.

    GDELT is dyadic: a symmetric event with three parties becomes three rows (ids `<event_id>/<k>`).
    Geography columns carry our ISO3 codes, not GDELT's FIPS codes.
    """
    w = csv.writer(out, delimiter="\t", lineterminator="\n")
    w.writerow(GDELT_COLUMNS)
    n = 0
    for e in events:
        code = cameo_of(e)
        b = to_interval(e.get("date"))
        first: date | None = b[0] if b else None
        actors, targets = list(e.get("actors") or []), list(e.get("targets") or [])
        if targets:
            dyads = [(a, t) for a in actors for t in targets]
        elif len(actors) > 1:
            dyads = [(x, y) for i, x in enumerate(actors) for y in actors[i + 1:]]
        else:
            dyads = [(a, "") for a in actors]
        for k, (a1, a2) in enumerate(dyads):
            r = dict.fromkeys(GDELT_COLUMNS, "")
            r["GLOBALEVENTID"] = f"{e.get('event_id')}/{k}" if len(dyads) > 1 else str(e.get("event_id"))
            if first:
                r.update(SQLDATE=first.strftime("%Y%m%d"), MonthYear=first.strftime("%Y%m"), Year=str(first.year),
                         FractionDate=f"{first.year + (first.timetuple().tm_yday - 1) / 365:.4f}")
            r.update(Actor1Code=a1, Actor1Name=a1, Actor1CountryCode=a1 if len(a1) == 3 else "",
                     Actor2Code=a2, Actor2Name=a2, Actor2CountryCode=a2 if len(a2) == 3 else "",
                     IsRootEvent="1", EventCode=code, EventBaseCode=code[:3], EventRootCode=code[:2],
                     QuadClass=str(_quad(code)), NumMentions="1", NumSources="1", NumArticles="1",
                     SOURCEURL=str(e.get("doc_id") or ""))
            loc = e.get("location") or {}
            if loc.get("name"):
                r.update(ActionGeo_FullName=loc["name"], ActionGeo_CountryCode=loc.get("country") or "")
            w.writerow([csv_cell(r[c]) for c in GDELT_COLUMNS])  # OWASP: no cell starts a formula
            n += 1
    return n


def _quad(code: str) -> int:
    root = int(code[:2]) if code[:2].isdigit() else 1
    return 1 if root <= 5 else 2 if root <= 8 else 3 if root <= 13 else 4


def read_gdelt_table(path: str | Path) -> Iterator[dict[str, Any]]:
    """Our own GDELT-named table (with header) back into events: lets `write_gdelt` round-trip."""
    for n, row in _rows(path, "\t", header=True):
        if n == 1:
            continue
        assert isinstance(row, dict)
        mapped = ontology_of_cameo(row.get("EventCode") or "")
        if mapped is None:
            continue
        day = _iso_day(row["SQLDATE"]) if row.get("SQLDATE") else None
        e = _build("gdelt", row["GLOBALEVENTID"], *mapped, row["Actor1Code"] or None, row["Actor2Code"] or None,
                   day, row.get("SOURCEURL") or "", None, row["EventCode"])
        if e:
            yield e


# ------------------------------------------------------------------------------------------------ ICEWS

ICEWS_REQUIRED = ("Event ID", "Event Date", "Source Country", "Event Text", "CAMEO Code", "Target Country")


def read_icews(path: str | Path, on_problem: OnProblem = None) -> Iterator[dict[str, Any]]:
    """Events from an ICEWS event file (tab-separated, header row; countries given by name)."""
    for n, row in _rows(path, "\t", header=True, on_problem=on_problem):
        if n == 1:
            missing = [c for c in ICEWS_REQUIRED if c not in row]
            if missing:
                raise InterchangeError(f"{path}:1: not an ICEWS header (missing {', '.join(missing)})")
            continue
        assert isinstance(row, dict)
        mapped = ontology_of_cameo(row.get("CAMEO Code") or "")
        if mapped is None:
            continue
        if not row.get("Event ID"):
            _skip(on_problem, f"{path}:{n}: no Event ID")
            continue
        day = _iso_day(row.get("Event Date") or "", "%Y-%m-%d")
        if day is None:
            _skip(on_problem, f"{path}:{n}: Event Date {row.get('Event Date')!r} is not YYYY-MM-DD")
            continue
        a, b = iso3(row.get("Source Country") or ""), iso3(row.get("Target Country") or "")
        text = f"ICEWS {row['Event ID']}: {row.get('Source Name')} — {row.get('Event Text')} — {row.get('Target Name')}"
        loc = {"name": row["City"], "country": iso3(row.get("Country") or "")} \
            if row.get("City") not in (None, "", "NA") else None
        e = _build("icews", row["Event ID"], *mapped, a, b, day, text, loc, row["CAMEO Code"])
        e = _checked(e, f"{path}:{n}", on_problem)
        if e:
            yield e


# ------------------------------------------------------------------------------------------------ DCAD

def read_dcad(path: str | Path, on_problem: OnProblem = None) -> Iterator[dict[str, Any]]:
    """Defense Cooperation Agreements (DCAD v1.0): each row one signed bilateral agreement, AGREE/sign."""
    cow = cow_table()
    for n, row in _rows(path, ",", header=True, on_problem=on_problem):
        if n == 1:
            if not {"ccode1", "ccode2", "signYear", "DCAid"} <= set(row):
                raise InterchangeError(f"{path}:1: not a DCAD header (needs ccode1, ccode2, signYear, DCAid)")
            continue
        assert isinstance(row, dict)
        parties = []
        for k in ("ccode1", "ccode2"):
            if row[k] not in cow:
                _skip(on_problem, f"{path}:{n}: unknown COW state code {row[k]!r} in {k}")
                break
            parties.append(cow[row[k]][1])
        if len(parties) < 2:
            continue
        y, m, d = row.get("signYear") or "", row.get("signMonth") or "", row.get("signDay") or ""
        if not y.isdigit():
            _skip(on_problem, f"{path}:{n}: signYear {y!r} is not a year")
            continue
        if not row.get("DCAid"):
            _skip(on_problem, f"{path}:{n}: no DCAid")
            continue
        day = y if not m.isdigit() else f"{y}-{int(m):02d}" if not d.isdigit() else f"{y}-{int(m):02d}-{int(d):02d}"
        text = (f"DCAD {row['DCAid']}: {row.get('type') or ''} defence cooperation agreement "
                f"({row.get('category1') or 'unspecified'}) between {row.get('cowName1')} and {row.get('cowName2')}")
        e = _build("dcad", row["DCAid"], "AGREE", "sign", parties[0], parties[1], day, text, None, "057")
        e = _checked(e, f"{path}:{n}", on_problem)
        if e:
            yield e


# ------------------------------------------------------------------------------------------------ POLECAT

POLECAT_COLUMNS = [
    "Event ID", "Event Date", "Event Type", "Event Mode", "Intensity", "Quad Code", "Contexts", "Actor Name",
    "Actor Country", "Actor COW", "Primary Actor Sector", "Actor Sectors", "Actor Title", "Actor Name Raw",
    "Wikipedia Actor ID", "Recipient Name", "Recipient Country", "Recipient COW", "Primary Recipient Sector",
    "Recipient Sectors", "Recipient Title", "Recipient Name Raw", "Wikipedia Recipient ID", "Placename", "City",
    "District", "Province", "Country", "Latitude", "Longitude", "GeoNames ID", "Raw Placename", "Feature Type",
    "Source", "Publication Date", "Story People", "Story Organizations", "Story Locations", "Language", "Version",
]
assert len(POLECAT_COLUMNS) == 40


def _codes(value: str) -> list[str]:
    return [c for c in (iso3(x) for x in (value or "").split(";")) if c]


def read_polecat(path: str | Path, on_problem: OnProblem = None) -> Iterator[dict[str, Any]]:
    """Events from a POLECAT TSV (40 columns, header row); countries are ISO3 lists separated by ';'."""
    for n, row in _rows(path, "\t", header=True, on_problem=on_problem):
        if n == 1:
            if list(row) != POLECAT_COLUMNS:
                raise InterchangeError(f"{path}:1: not the POLECAT 40-column header")
            continue
        assert isinstance(row, dict)
        if None in row or any(v is None for v in row.values()):
            _skip(on_problem, f"{path}:{n}: expected 40 tab-separated POLECAT columns")
            continue
        mapped = ontology_of_plover(row["Event Type"], row["Event Mode"], row["Contexts"])
        if mapped is None:
            continue
        day = _iso_day(row["Event Date"], "%Y-%m-%d")
        if day is None:
            _skip(on_problem, f"{path}:{n}: Event Date {row['Event Date']!r} is not YYYY-MM-DD")
            continue
        actors, targets = _codes(row["Actor Country"]), _codes(row["Recipient Country"])
        t, mode = mapped
        if t in ontology.SYMMETRIC:
            actors, targets = sorted(set(actors) | set(targets)), []
            if len(actors) < 2:
                continue
        elif t in ontology.UNILATERAL:
            targets = []
        elif not actors or not targets or set(actors) == set(targets):
            continue
        if not actors:
            continue
        loc = {"name": row["Placename"], "country": iso3(row["Country"])} \
            if row["Placename"] not in ("", "None") else None
        text = f"POLECAT {row['Event ID']}: {row['Actor Name']} {row['Event Type']} {row['Recipient Name']}".strip()
        e = _checked({"doc_id": None, "event_id": f"polecat:{row['Event ID']}", "type": t, "mode": mode,
                      "actors": actors, "targets": targets, "framework": None, "date": day, "status": "occurred",
                      "hedged": False, "location": loc, "evidence": {"text": text, "start": 0, "end": len(text)},
                      "confidence": None, "cameo": None, "source": "polecat"}, f"{path}:{n}", on_problem)
        if e:
            yield e


def write_polecat(events: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """POLECAT-style TSV: the official 40 columns; symmetric parties go into Actor and Recipient lists."""
    iso_to_cow = {iso: code for code, (_abbr, iso) in cow_table().items()}
    w = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
    w.writerow(POLECAT_COLUMNS)
    n = 0
    for e in events:
        ptype, pmode, contexts = plover_of(e)
        actors, targets = list(e.get("actors") or []), list(e.get("targets") or [])
        if not targets and len(actors) > 1:
            actors, targets = actors[:1], actors[1:]
        b = to_interval(e.get("date"))
        loc = e.get("location") or {}
        r = dict.fromkeys(POLECAT_COLUMNS, "None")
        r.update({
            "Event ID": str(e.get("event_id")), "Event Date": b[0].isoformat() if b else "None",
            "Event Type": ptype, "Event Mode": pmode or "None", "Contexts": ";".join(contexts) or "None",
            "Quad Code": str(_quad(cameo_of(e) or "01")), "Actor Name": ";".join(actors),
            "Actor Country": ";".join(actors), "Actor COW": ";".join(iso_to_cow.get(a, "None") for a in actors),
            "Recipient Name": ";".join(targets) or "None", "Recipient Country": ";".join(targets) or "None",
            "Recipient COW": ";".join(iso_to_cow.get(a, "None") for a in targets) or "None",
            "Placename": loc.get("name") or "None", "Country": loc.get("country") or "None",
            "Source": str(e.get("source") or "latticework"), "Publication Date": str(e.get("published") or "None"),
            "Language": "en", "Version": "latticework-export",
        })
        w.writerow([csv_cell(str(r[c]).replace("\t", " ").replace("\n", " ")) for c in POLECAT_COLUMNS])
        n += 1
    return n


# ------------------------------------------------------------------------------------------------ PLOVER JSON

def to_plover(e: dict[str, Any]) -> dict[str, Any]:
    """One event as a PLOVER 0.7 record (field names of the PLOVER/POLECAT JSON)."""
    ptype, pmode, contexts = plover_of(e)
    ev = e.get("evidence") or {}
    return {
        "id": e.get("event_id"), "date": e.get("date"), "event_type": ptype, "mode": pmode or None,
        "contexts": contexts, "actor": e.get("actors") or [], "recipient": e.get("targets") or [],
        "source_text": ev.get("text"), "story_id": e.get("doc_id"), "location": e.get("location"),
        "status": e.get("status"), "hedged": e.get("hedged", False), "cameo": cameo_of(e),
        "latticework": {"type": e.get("type"), "mode": e.get("mode"), "framework": e.get("framework"),
                        "source": e.get("source")},
    }


def from_plover(rec: dict[str, Any], where: str = "plover") -> dict[str, Any]:
    """Inverse of to_plover (the `latticework` block, when present, restores our exact type and mode)."""
    lw = rec.get("latticework") or {}
    if lw.get("type"):
        t, mode = lw["type"], lw.get("mode")
    else:
        mapped = ontology_of_plover(rec.get("event_type") or "", rec.get("mode") or "", ";".join(rec.get("contexts") or []))
        if mapped is None:
            raise InterchangeError(f"{where}: PLOVER event type {rec.get('event_type')!r} is outside the ontology")
        t, mode = mapped
    text = rec.get("source_text") or ""
    return {"doc_id": rec.get("story_id"), "event_id": rec.get("id"), "type": t, "mode": mode,
            "actors": rec.get("actor") or [], "targets": rec.get("recipient") or [], "framework": lw.get("framework"),
            "date": rec.get("date"), "status": rec.get("status") or "occurred", "hedged": bool(rec.get("hedged")),
            "location": rec.get("location"), "evidence": {"text": text, "start": 0, "end": len(text)},
            "confidence": None, "cameo": rec.get("cameo")}


def write_plover(events: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """A JSON array of PLOVER records."""
    recs = [to_plover(e) for e in events]
    json.dump(recs, out, ensure_ascii=False, indent=1)
    out.write("\n")
    return len(recs)


def read_plover(path: str | Path) -> Iterator[dict[str, Any]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InterchangeError(f"{path}:{exc.lineno}: not JSON ({exc.msg})") from None
    if not isinstance(data, list):
        raise InterchangeError(f"{path}:1: expected a JSON array of PLOVER records")
    for i, rec in enumerate(data):
        yield from_plover(rec, f"{path}: record {i + 1}")


READERS = {"gdelt": read_gdelt, "icews": read_icews, "polecat": read_polecat, "dcad": read_dcad}
WRITERS = {"plover": write_plover, "polecat": write_polecat, "gdelt": write_gdelt}


def read_files(kind: str, paths: Iterable[str | Path], on_problem: OnProblem = None) -> Iterator[dict[str, Any]]:
    """Events from every file of one dataset kind; a missing file is a one-line error. Bad rows go to
    `on_problem` (and are skipped) when it is given, else the first one raises."""
    if kind not in READERS:
        raise InterchangeError(f"unknown dataset {kind!r} (gdelt, icews, polecat, dcad)")
    for p in paths:
        if not Path(p).is_file():
            raise InterchangeError(f"{p}: no such file")
        yield from READERS[kind](p, on_problem)


def export_events(events: Iterable[dict[str, Any]], fmt: str, out: IO[str]) -> int:
    if fmt not in WRITERS:
        raise InterchangeError(f"unknown export format {fmt!r} (plover, polecat, gdelt)")
    return WRITERS[fmt](events, out)


def _to_stderr(line: str) -> None:
    print(line.encode("utf-8", "backslashreplace").decode("utf-8"), file=sys.stderr)


def import_files(store: Any, kind: str, paths: Iterable[str | Path], on_problem: OnProblem = None) -> int:
    """Read dataset files and merge their events into the store under source=kind.

    A malformed row is skipped and reported as one `FILE:LINE: problem; skipped` line, to `on_problem`
    or else to standard error; the rows around it are stored."""
    return int(store.add_events(read_files(kind, paths, on_problem or _to_stderr), source=kind))
