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
import gzip
import io
import math
import re
import shutil
import sys
import tempfile
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
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


@lru_cache(maxsize=1)
def cameo_table() -> dict[str, tuple[str, str | None, bool]]:
    """CAMEO code -> (type, mode, defence by itself) for imports, from data/cameo_ontology.tsv (its header
    says what the columns mean). Raises ValueError naming the line when a row leaves the ontology."""
    path = DATA / "cameo_ontology.tsv"
    out: dict[str, tuple[str, str | None, bool]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("cameo\t"):
            continue
        cols = line.split("\t")
        if len(cols) != 4:
            raise ValueError(f"{path}:{n}: expected 4 tab-separated columns, got {len(cols)}")
        code, typ, mode, context = (c.strip() for c in cols)
        m = None if mode == "-" else mode
        if not ontology.is_known(typ, m) or context not in ("code", "actor") or not code.isdigit() or code in out:
            raise ValueError(f"{path}:{n}: {line!r} is not a new CAMEO code with an ontology type/mode and "
                             "context code or actor")
        out[code] = (typ, m, context == "code")
    return out


def _cameo(code: str) -> str:
    """A CAMEO code as the table spells it: one read as a number (57, 312) gets its leading zero back."""
    c = (code or "").strip()
    if c.isdigit() and c not in cameo_table() and (len(c) == 2 or (len(c) == 3 and int(c[:2]) > 20)):
        return "0" + c
    return c


def cameo_entry(code: str) -> tuple[str, str | None, bool] | None:
    """(type, mode, whether the code is defence-specific by itself) for a CAMEO event code, or None when
    the code is outside the ontology (data/cameo_ontology.tsv)."""
    return cameo_table().get(_cameo(code))


def ontology_of_cameo(code: str) -> tuple[str, str | None] | None:
    """(type, mode) for a CAMEO event code, or None when the code is outside the ontology."""
    hit = cameo_entry(code)
    return (hit[0], hit[1]) if hit else None


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


def _fold(name: str) -> str:
    """A country name for comparison: no case, accents or punctuation, '&' = 'and', 'St.' = 'Saint',
    no leading 'the'."""
    s = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower()
    s = re.sub(r"\bst\.?(?=\s)", "saint", s.replace("&", " and "))
    s = " ".join(re.sub(r"[\W_]+", " ", s).split())
    return s[4:] if s.startswith("the ") else s


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Folded country name -> code: pycountry's names, official and common names, overridden by the
    dataset spellings of data/country_names.tsv."""
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            if getattr(c, attr, None):
                out.setdefault(_fold(getattr(c, attr)), c.alpha_3)
    path = DATA / "country_names.tsv"
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("name\t"):
            continue
        cols = line.split("\t")
        if len(cols) != 2 or not cols[1].strip():
            raise ValueError(f"{path}:{n}: expected name<TAB>code")
        out[_fold(cols[0])] = cols[1].strip()
    return out


@lru_cache(maxsize=4096)
def iso3(value: str) -> str | None:
    """ISO alpha-3 (or an organisation's code) for a 3-letter code or a country name as the datasets spell
    it (data/country_names.tsv, then pycountry); None when it is not a state we know."""
    v = (value or "").strip()
    if not v or v.lower() in ("none", "na", "null"):
        return None
    hit = country_names().get(_fold(v))
    if hit:
        return hit
    if len(v) == 3 and v.isalpha():
        c = pycountry.countries.get(alpha_3=v.upper())
        return c.alpha_3 if c else None
    try:
        return pycountry.countries.lookup(v).alpha_3
    except LookupError:
        return None


def _igo(code: str, known: str = "") -> str | None:
    """The organisation of a GDELT actor without a country: its known-group code (NAT, EEC, UNO…) or a
    3-letter part of an IGO code (IGOEUREEC is the EU)."""
    if known in _IGO:
        return _IGO[known]
    if code.startswith("IGO"):
        parts = {code[i:i + 3] for i in range(3, len(code), 3)}
        for key, org in _IGO.items():
            if key in parts:
                return org
    return None


def _gdelt_actor(code: str, country: str, known: str = "") -> str | None:
    """The state (CAMEO country code, mostly ISO alpha-3) or organisation of one GDELT actor."""
    if country:
        return iso3(country)
    return _igo(code, known)


@lru_cache(maxsize=1)
def fips_table() -> tuple[dict[str, str | None], dict[str, str]]:
    """(FIPS 10-4 -> ISO alpha-3 or None, ISO alpha-3 -> the FIPS code an export writes), from
    data/fips_iso3.tsv (its header says what the columns mean)."""
    path = DATA / "fips_iso3.tsv"
    to_iso: dict[str, str | None] = {}
    to_fips: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("fips\t"):
            continue
        cols = line.split("\t")
        if len(cols) != 4 or len(cols[0]) != 2 or cols[0] in to_iso or cols[2] not in ("*", "-"):
            raise ValueError(f"{path}:{n}: expected a new FIPS code<TAB>iso3<TAB>*|-<TAB>name")
        fips, iso, primary = cols[0], None if cols[1] == "-" else cols[1], cols[2] == "*"
        to_iso[fips] = iso
        if primary and iso:
            if iso in to_fips:
                raise ValueError(f"{path}:{n}: a second primary FIPS code for {iso}")
            to_fips[iso] = fips
    return to_iso, to_fips


def fips_to_iso3(code: str) -> str | None:
    """ISO alpha-3 for a FIPS 10-4 country code (GDELT's geography columns); None for the open sea, disputed
    islands or a code we do not know."""
    return fips_table()[0].get((code or "").strip().upper())


def iso3_to_fips(code: str | None) -> str:
    """The FIPS 10-4 code GDELT would write for an ISO alpha-3 code; "" when there is none."""
    return fips_table()[1].get((code or "").strip().upper(), "")


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


STDIN = "-"
"""The path that stands for standard input."""


def _display(path: str | Path) -> str:
    return "<stdin>" if str(path) == STDIN else str(path)


class _Prefixed(io.RawIOBase):
    """A byte stream whose first bytes were read already (to tell its format) and are given back first."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._rest.read(len(view))
        view[:len(data)] = data
        return len(data)


def _read_head(raw: IO[bytes], size: int = 4) -> bytes:
    head = b""
    while len(head) < size:
        chunk = raw.read(size - len(head))
        if not chunk:
            break
        head += chunk
    return head


@contextmanager
def open_data(path: str | Path) -> Iterator[IO[str]]:
    """The text of a dataset file, read as it streams: plain, gzip-compressed, or a zip archive holding one
    file (the GDELT distribution format), told apart by their first bytes whatever the name says; `-` reads
    standard input the same way. UTF-8, a byte that is not UTF-8 becomes U+FFFD."""
    name = _display(path)
    with ExitStack() as stack:
        raw: IO[bytes]
        if str(path) == STDIN:
            if sys.stdin is None:  # started without a standard input at all
                raise InterchangeError(f"{name}: there is no standard input to read")
            stdin = getattr(sys.stdin, "buffer", None)
            if stdin is None:  # a text stream without bytes underneath (tests that swap sys.stdin)
                stdin = io.BytesIO(sys.stdin.read().encode("utf-8", "surrogateescape"))
            head = _read_head(stdin)
            raw = io.BufferedReader(_Prefixed(head, stdin))  # type: ignore[arg-type]
            seekable = False
        else:
            raw = stack.enter_context(open(path, "rb"))
            head = _read_head(raw)
            raw.seek(0)
            seekable = True
        if head[:2] == b"\x1f\x8b":
            raw = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))  # type: ignore[arg-type]
        elif head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            if not seekable:  # a zip's index is at its end: standard input goes to a temporary file first
                spool = stack.enter_context(tempfile.TemporaryFile())
                shutil.copyfileobj(raw, spool, 1 << 20)
                spool.seek(0)
                raw = spool  # type: ignore[assignment]
            try:
                archive = stack.enter_context(zipfile.ZipFile(raw))
            except zipfile.BadZipFile as exc:
                raise InterchangeError(f"{name}: not a readable zip archive ({exc})") from None
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise InterchangeError(f"{name}: a zip archive must hold exactly one data file, this one holds "
                                       f"{len(members)}")
            raw = stack.enter_context(archive.open(members[0]))
        compressed = head[:2] == b"\x1f\x8b" or head[:2] == b"PK"
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")  # type: ignore[arg-type]
        try:
            yield text
        except (EOFError, OSError, zipfile.BadZipFile) as exc:  # a truncated or damaged .gz / .zip
            if not compressed:
                raise
            raise InterchangeError(f"{name}: damaged compressed data ({exc})") from None


MALFORMED, UNMAPPED, NOT_DEFENCE, NO_ACTOR, ONE_PARTY = "malformed", "unmapped", "not_defence", "no_actor", "one_party"
SET_ASIDE_REASONS = {
    UNMAPPED: "CAMEO code outside the ontology",
    NOT_DEFENCE: "not in a defence context (defence filter; --all keeps them)",
    NO_ACTOR: "no state or organisation as actor",
    ONE_PARTY: "needs two different parties, has one",
    MALFORMED: "malformed (each listed above)",
}
"""Why an import sets a row aside, in the order the summary lists them."""


@dataclass
class ImportReport:
    """What an import read, kept and set aside, and why.

    `rows` counts data rows (not a header or blank lines) for the readers that count them (GDELT and ICEWS;
    for them `rows == kept + sum(set_aside.values())`); DCAD and POLECAT count only their malformed rows.
    `kept` is events read, `stored` what the store took (the same unless ids repeat)."""

    rows: int = 0
    kept: int = 0
    stored: int = 0
    set_aside: Counter[str] = field(default_factory=Counter)

    @property
    def malformed(self) -> int:
        return self.set_aside[MALFORMED]

    def lines(self, kind: str) -> list[str]:
        """The summary the import command prints: one line, then one per reason with rows set aside."""
        read = f" from {self.rows} rows" if self.rows else ""
        out = [f"imported {self.stored} {kind} events{read}"]
        out += [f"set aside {self.set_aside[k]} rows: {text}" for k, text in SET_ASIDE_REASONS.items()
                if self.set_aside[k]]
        return out


def _rows(path: str | Path, delimiter: str, header: bool, on_problem: OnProblem = None,
          report: ImportReport | None = None) -> Iterator[tuple[int, list[str] | dict[str, str]]]:
    """(line number, row) of a delimited file (see open_data); with a header, its field names come first as
    line 1, then dicts; without, lists of the non-blank lines."""
    with open_data(path) as fh:
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
                    if report is not None:
                        report.rows += 1
                        report.set_aside[MALFORMED] += 1
                    _skip(on_problem, f"{_display(path)}:{reader.line_num}: malformed row ({exc})")
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


GDELT_DEFENCE_TYPES = frozenset({"MIL", "SPY"})
"""GDELT actor type codes (Actor1Type1Code … Actor2Type3Code) that make a row a defence context."""


def _gdelt_defence(r: dict[str, str]) -> bool:
    """Whether a GDELT row has a military or security actor: type code MIL or SPY on either actor, or NATO."""
    for i in (1, 2):
        if any(r[f"Actor{i}Type{k}Code"] in GDELT_DEFENCE_TYPES for k in (1, 2, 3)):
            return True
        if _igo(r[f"Actor{i}Code"], r[f"Actor{i}KnownGroupCode"]) == "NATO":
            return True
    return False


def _number(value: str | None, kind: type[int] | type[float]) -> int | float | None:
    v = (value or "").strip()
    if not v:
        return None
    try:
        x = kind(v)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _gdelt_extras(r: dict[str, str]) -> dict[str, Any]:
    """What GDELT says about an event beyond the ontology's fields, kept as extra keys (the store keeps them
    in its `extra` column): report counts, Goldstein score, tone, the full ActionGeo, source URL and DATEADDED."""
    geo = {"type": _number(r["ActionGeo_Type"], int), "name": r["ActionGeo_FullName"] or None,
           "fips": r["ActionGeo_CountryCode"] or None, "country": fips_to_iso3(r["ActionGeo_CountryCode"]),
           "adm1": r["ActionGeo_ADM1Code"] or None, "adm2": r["ActionGeo_ADM2Code"] or None,
           "lat": _number(r["ActionGeo_Lat"], float), "long": _number(r["ActionGeo_Long"], float),
           "feature_id": r["ActionGeo_FeatureID"] or None}
    return {
        "gdelt_num_mentions": _number(r["NumMentions"], int), "gdelt_num_sources": _number(r["NumSources"], int),
        "gdelt_num_articles": _number(r["NumArticles"], int), "gdelt_goldstein": _number(r["GoldsteinScale"], float),
        "gdelt_avg_tone": _number(r["AvgTone"], float), "gdelt_quad_class": _number(r["QuadClass"], int),
        "gdelt_is_root_event": r["IsRootEvent"] == "1",
        "gdelt_action_geo": geo if geo["name"] or geo["fips"] else None,
        "gdelt_source_url": r["SOURCEURL"] or None, "gdelt_date_added": r["DATEADDED"] or None,
    }


def _gdelt_event(r: dict[str, str], where: str, on_problem: OnProblem, rep: ImportReport, defence_only: bool,
                 own: bool = False) -> dict[str, Any] | None:
    """The event of one GDELT row (a dict by GDELT_COLUMNS), or None after counting why it is set aside.
    `own`: a table written by write_gdelt, whose Actor1Code/Actor2Code are our actor codes."""
    hit = cameo_entry(r["EventCode"])
    if hit is None:
        rep.set_aside[UNMAPPED] += 1
        return None
    t, mode, by_code = hit
    if defence_only and not by_code and not _gdelt_defence(r):
        rep.set_aside[NOT_DEFENCE] += 1
        return None
    day = _iso_day(r["SQLDATE"]) if r["SQLDATE"] or not own else None
    if day is None and not own:
        rep.set_aside[MALFORMED] += 1
        _skip(on_problem, f"{where}: SQLDATE {r['SQLDATE']!r} is not YYYYMMDD")
        return None
    if own:
        a, b = r["Actor1Code"] or None, r["Actor2Code"] or None
    else:
        a = _gdelt_actor(r["Actor1Code"], r["Actor1CountryCode"], r["Actor1KnownGroupCode"])
        b = _gdelt_actor(r["Actor2Code"], r["Actor2CountryCode"], r["Actor2KnownGroupCode"])
    if a is None:
        rep.set_aside[NO_ACTOR] += 1
        return None
    if t not in ontology.UNILATERAL and (b is None or a == b):
        rep.set_aside[ONE_PARTY] += 1
        return None
    text = f"GDELT {r['GLOBALEVENTID']}: {r['Actor1Name']} [{r['EventCode']}] {r['Actor2Name']} {r['SOURCEURL']}"
    place, country = r["ActionGeo_FullName"] or None, fips_to_iso3(r["ActionGeo_CountryCode"])
    loc = {"name": place, "country": country} if place or country else None
    e = _build("gdelt", r["GLOBALEVENTID"], t, mode, a, b, day, (r["SOURCEURL"] if own else text).strip(), loc,
               _cameo(r["EventCode"]))
    assert e is not None  # both parties were checked above
    e.update(_gdelt_extras(r))
    e = _checked(e, where, on_problem)
    if e is None:
        rep.set_aside[MALFORMED] += 1
        return None
    rep.kept += 1
    return e


def read_gdelt(path: str | Path, on_problem: OnProblem = None, *, defence_only: bool = True,
               report: ImportReport | None = None) -> Iterator[dict[str, Any]]:
    """Events from a GDELT 2.0 event export (61 tab-separated columns, no header): a plain file, .gz, a .zip
    holding one export, or `-` for standard input (open_data). The first row stands for the header GDELT
    lacks: when it is malformed the file is not an export, and raises.

    Kept: rows whose CAMEO code maps onto the ontology (data/cameo_ontology.tsv) with a known state or
    organisation as actor (and a second one unless the type is unilateral); with `defence_only` (the default)
    only in a defence context: a code that is about armed force by itself, or a MIL/SPY/NATO actor. Each row
    set aside is counted by reason in `report` when one is given. Kept events carry GDELT's counts, Goldstein
    score, tone, ActionGeo, SOURCEURL and DATEADDED as `gdelt_*` keys, and `location` from ActionGeo with its
    FIPS country as ISO alpha-3."""
    rep = report if report is not None else ImportReport()
    name = _display(path)
    first = True
    for n, row in _rows(path, "\t", header=False):
        assert isinstance(row, list)
        rep.rows += 1
        if len(row) != 61:
            message = f"{name}:{n}: expected 61 tab-separated GDELT 2.0 columns, found {len(row)}"
            if first:
                raise InterchangeError(message)
            rep.set_aside[MALFORMED] += 1
            _skip(on_problem, message)
            continue
        first = False
        e = _gdelt_event(dict(zip(GDELT_COLUMNS, row, strict=True)), f"{name}:{n}", on_problem, rep, defence_only)
        if e:
            yield e


def _cell(value: Any) -> str:
    """One cell of a tab-separated table: no tab or line break inside, no formula (OWASP)."""
    text = "" if value is None else str(value)
    return str(csv_cell(text.replace("\t", " ").replace("\r", " ").replace("\n", " ")))


def _first(e: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if e.get(k) is not None:
            return e[k]
    return None


def write_gdelt(events: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """CAMEO-coded table with GDELT 2.0's 61 column names (header row first); one row per dyad.

    GDELT is dyadic: a symmetric event with three parties becomes three rows (ids `<event_id>/<k>`).
    Actor1/2CountryCode carry our ISO alpha-3 codes (GDELT's CAMEO country codes are ISO alpha-3);
    ActionGeo_CountryCode carries FIPS 10-4, as GDELT does (data/fips_iso3.tsv). An event imported from
    GDELT gets its own counts, Goldstein score, tone, ActionGeo, SOURCEURL and DATEADDED back; another
    gets its report/source/document counts where the store has them, else 1.
    """
    w = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, quotechar=None)
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
        loc = e.get("location") or {}
        geo = e.get("gdelt_action_geo") or {}
        for k, (a1, a2) in enumerate(dyads):
            r: dict[str, Any] = dict.fromkeys(GDELT_COLUMNS, "")
            r["GLOBALEVENTID"] = f"{e.get('event_id')}/{k}" if len(dyads) > 1 else str(e.get("event_id"))
            if first:
                r.update(SQLDATE=first.strftime("%Y%m%d"), MonthYear=first.strftime("%Y%m"), Year=str(first.year),
                         FractionDate=f"{first.year + (first.timetuple().tm_yday - 1) / 365:.4f}")
            r.update(Actor1Code=a1, Actor1Name=a1, Actor1CountryCode=a1 if len(a1) == 3 else "",
                     Actor2Code=a2, Actor2Name=a2, Actor2CountryCode=a2 if len(a2) == 3 else "",
                     IsRootEvent="0" if e.get("gdelt_is_root_event") is False else "1", EventCode=code,
                     EventBaseCode=code[:3], EventRootCode=code[:2], QuadClass=str(_quad(code)),
                     NumMentions=_first(e, "gdelt_num_mentions", "n_reports") or 1,
                     NumSources=_first(e, "gdelt_num_sources", "n_sources") or 1,
                     NumArticles=_first(e, "gdelt_num_articles", "n_documents") or 1,
                     GoldsteinScale=_first(e, "gdelt_goldstein"), AvgTone=_first(e, "gdelt_avg_tone"),
                     DATEADDED=_first(e, "gdelt_date_added"),
                     SOURCEURL=_first(e, "gdelt_source_url") or str(e.get("doc_id") or ""))
            if loc.get("name") or loc.get("country") or geo:
                r.update(ActionGeo_Type=geo.get("type"), ActionGeo_FullName=loc.get("name") or geo.get("name"),
                         ActionGeo_CountryCode=iso3_to_fips(loc.get("country")) or geo.get("fips"),
                         ActionGeo_ADM1Code=geo.get("adm1"), ActionGeo_ADM2Code=geo.get("adm2"),
                         ActionGeo_Lat=geo.get("lat"), ActionGeo_Long=geo.get("long"),
                         ActionGeo_FeatureID=geo.get("feature_id"))
            w.writerow([_cell(r[c]) for c in GDELT_COLUMNS])
            n += 1
    return n


def _quad(code: str) -> int:
    root = int(code[:2]) if code[:2].isdigit() else 1
    return 1 if root <= 5 else 2 if root <= 8 else 3 if root <= 13 else 4


def read_gdelt_table(path: str | Path, on_problem: OnProblem = None,
                     report: ImportReport | None = None) -> Iterator[dict[str, Any]]:
    """Our own GDELT-named table (with header) back into events: lets `write_gdelt` round-trip, FIPS
    geography back to ISO alpha-3 and the GDELT counts, scores and ActionGeo back to `gdelt_*` keys."""
    rep = report if report is not None else ImportReport()
    name = _display(path)
    for n, row in _rows(path, "\t", header=True, on_problem=on_problem, report=rep):
        if n == 1:
            missing = [c for c in GDELT_COLUMNS if c not in row]
            if missing:
                raise InterchangeError(f"{name}:1: not a GDELT-named table (missing {', '.join(missing[:3])})")
            continue
        assert isinstance(row, dict)
        rep.rows += 1
        if None in row or any(v is None for v in row.values()):
            rep.set_aside[MALFORMED] += 1
            _skip(on_problem, f"{name}:{n}: expected {len(GDELT_COLUMNS)} tab-separated columns")
            continue
        e = _gdelt_event(row, f"{name}:{n}", on_problem, rep, defence_only=False, own=True)
        if e:
            yield e


# ------------------------------------------------------------------------------------------------ ICEWS

ICEWS_REQUIRED = ("Event ID", "Event Date", "Source Country", "Event Text", "CAMEO Code", "Target Country")


ICEWS_DEFENCE_SECTORS = re.compile(r"military|armed forces|army|navy|naval|air force|marines|special forces|"
                                   r"coast guard|defen[cs]e|intelligence", re.IGNORECASE)
"""ICEWS sectors ("Source Sectors", "Target Sectors") that make a row a defence context: armed forces, defence
ministries and defence IGOs, intelligence services."""


def _icews_value(row: dict[str, Any], key: str) -> str:
    v = (row.get(key) or "").strip()
    return "" if v == "NA" else v


def read_icews(path: str | Path, on_problem: OnProblem = None, *, defence_only: bool = True,
               report: ImportReport | None = None) -> Iterator[dict[str, Any]]:
    """Events from an ICEWS event file (tab-separated, header row; countries given by name, resolved with
    data/country_names.tsv and pycountry); plain, .gz, .zip or `-` as read_gdelt. The same rules as GDELT
    decide what is kept, the defence context coming from an actor's sectors (ICEWS_DEFENCE_SECTORS)."""
    rep = report if report is not None else ImportReport()
    name = _display(path)
    columns = 0
    for n, row in _rows(path, "\t", header=True, on_problem=on_problem, report=rep):
        if n == 1:
            missing = [c for c in ICEWS_REQUIRED if c not in row]
            if missing:
                raise InterchangeError(f"{name}:1: not an ICEWS header (missing {', '.join(missing)})")
            columns = len(row)
            continue
        assert isinstance(row, dict)
        rep.rows += 1
        where = f"{name}:{n}"
        if None in row or any(v is None for v in row.values()):
            rep.set_aside[MALFORMED] += 1
            _skip(on_problem, f"{where}: expected {columns} tab-separated ICEWS columns")
            continue
        hit = cameo_entry(row["CAMEO Code"])
        if hit is None:
            rep.set_aside[UNMAPPED] += 1
            continue
        t, mode, by_code = hit
        if defence_only and not by_code and not ICEWS_DEFENCE_SECTORS.search(
                f"{row.get('Source Sectors') or ''},{row.get('Target Sectors') or ''}"):
            rep.set_aside[NOT_DEFENCE] += 1
            continue
        if not row["Event ID"]:
            rep.set_aside[MALFORMED] += 1
            _skip(on_problem, f"{where}: no Event ID")
            continue
        day = _iso_day(row["Event Date"], "%Y-%m-%d")
        if day is None:
            rep.set_aside[MALFORMED] += 1
            _skip(on_problem, f"{where}: Event Date {row['Event Date']!r} is not YYYY-MM-DD")
            continue
        a, b = iso3(row["Source Country"]), iso3(row["Target Country"])
        if a is None:
            rep.set_aside[NO_ACTOR] += 1
            continue
        if t not in ontology.UNILATERAL and (b is None or a == b):
            rep.set_aside[ONE_PARTY] += 1
            continue
        text = f"ICEWS {row['Event ID']}: {row.get('Source Name')} — {row.get('Event Text')} — {row.get('Target Name')}"
        city, country = _icews_value(row, "City") or None, iso3(row.get("Country") or "")
        loc = {"name": city, "country": country} if city or country else None
        e = _build("icews", row["Event ID"], t, mode, a, b, day, text, loc, _cameo(row["CAMEO Code"]))
        assert e is not None  # both parties were checked above
        e.update({"icews_intensity": _number(row.get("Intensity"), float),
                  "icews_story_id": _icews_value(row, "Story ID") or None,
                  "icews_sentence": _number(row.get("Sentence Number"), int),
                  "icews_publisher": _icews_value(row, "Publisher") or None})
        e = _checked(e, where, on_problem)
        if e is None:
            rep.set_aside[MALFORMED] += 1
            continue
        rep.kept += 1
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
    """POLECAT-style TSV: the official 40 columns; symmetric parties go into Actor and Recipient lists.

    A field with no value is empty (never the text "None"); an actor without a COW code leaves its
    place in the Actor COW list empty. A planned event carries PLOVER's `future` context; an undated
    one its publication day, when the event has one."""
    iso_to_cow = {iso: code for code, (_abbr, iso) in cow_table().items()}
    w = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
    w.writerow(POLECAT_COLUMNS)
    n = 0
    for e in events:
        ptype, pmode, contexts = plover_of(e)
        if e.get("status") == "planned":
            contexts = [*contexts, "future"]
        actors, targets = list(e.get("actors") or []), list(e.get("targets") or [])
        if not targets and len(actors) > 1:
            actors, targets = actors[:1], actors[1:]
        b = to_interval(e.get("date")) or to_interval(e.get("published"))
        loc = e.get("location") or {}
        r = dict.fromkeys(POLECAT_COLUMNS, "")
        r.update({
            "Event ID": str(e.get("event_id") or ""), "Event Date": b[0].isoformat() if b else "",
            "Event Type": ptype, "Event Mode": pmode, "Contexts": ";".join(contexts),
            "Quad Code": str(_quad(cameo_of(e) or "01")), "Actor Name": ";".join(actors),
            "Actor Country": ";".join(actors), "Actor COW": ";".join(iso_to_cow.get(a, "") for a in actors),
            "Recipient Name": ";".join(targets), "Recipient Country": ";".join(targets),
            "Recipient COW": ";".join(iso_to_cow.get(a, "") for a in targets),
            "Placename": loc.get("name") or "", "Country": loc.get("country") or "",
            "Source": str(e.get("source") or "latticework"), "Publication Date": str(e.get("published") or ""),
            "Language": "en", "Version": "latticework-export",
        })
        w.writerow([csv_cell(str(r[c]).replace("\t", " ").replace("\n", " ")) for c in POLECAT_COLUMNS])
        n += 1
    return n


# ------------------------------------------------------------------------------------------------ PLOVER JSON

def to_plover(e: dict[str, Any]) -> dict[str, Any]:
    """One event as a PLOVER 0.8 record (latticework.plover says which fields and why)."""
    from latticework import plover

    return plover.to_plover(e)


def from_plover(rec: dict[str, Any], where: str = "plover") -> dict[str, Any]:
    """An event from a PLOVER 0.8 record; its `latticework` block, when present, restores it exactly."""
    from latticework import plover

    return plover.from_plover(rec, where)


def write_plover(events: Iterable[dict[str, Any]], out: IO[str], on_problem: OnProblem = None) -> int:
    """PLOVER 0.8 records as JSONL, streamed; an event PLOVER cannot hold (no actor, no date at all) is
    left out and reported to `on_problem` (standard error when None). Returns the records written."""
    from latticework import plover

    return plover.write_plover(events, out, on_problem or _to_stderr)


def read_plover(path: str | Path) -> Iterator[dict[str, Any]]:
    """Events from a PLOVER JSONL file (or a JSON array of records); records outside the ontology are
    passed over."""
    from latticework import plover

    return plover.read_plover(path)


READERS = {"gdelt": read_gdelt, "icews": read_icews, "polecat": read_polecat, "dcad": read_dcad}
WRITERS = {"plover": write_plover, "polecat": write_polecat, "gdelt": write_gdelt}


def read_files(kind: str, paths: Iterable[str | Path], on_problem: OnProblem = None, *, defence_only: bool = True,
               report: ImportReport | None = None) -> Iterator[dict[str, Any]]:
    """Events from every file of one dataset kind (plain, .gz, .zip, or `-` for standard input); a missing
    file is a one-line error before anything is read. Bad rows go to `on_problem` (and are skipped) when it
    is given, else the first one raises. `defence_only` is the GDELT/ICEWS defence filter; `report`, when
    given, collects what was read and set aside (ImportReport)."""
    if kind not in READERS:
        raise InterchangeError(f"unknown dataset {kind!r} (gdelt, icews, polecat, dcad)")
    paths = list(paths)
    for p in paths:
        if str(p) != STDIN and not Path(p).is_file():
            raise InterchangeError(f"{p}: no such file")
    rep = report if report is not None else ImportReport()

    def counted(line: str) -> None:  # DCAD and POLECAT readers count nothing themselves
        rep.set_aside[MALFORMED] += 1
        assert on_problem is not None
        on_problem(line)

    for p in paths:
        if kind == "gdelt":
            yield from read_gdelt(p, on_problem, defence_only=defence_only, report=rep)
        elif kind == "icews":
            yield from read_icews(p, on_problem, defence_only=defence_only, report=rep)
        else:
            for e in READERS[kind](p, counted if on_problem is not None else None):
                rep.kept += 1
                yield e


def export_events(events: Iterable[dict[str, Any]], fmt: str, out: IO[str]) -> int:
    if fmt not in WRITERS:
        raise InterchangeError(f"unknown export format {fmt!r} (plover, polecat, gdelt)")
    return WRITERS[fmt](events, out)


def _to_stderr(line: str) -> None:
    print(line.encode("utf-8", "backslashreplace").decode("utf-8"), file=sys.stderr)


def import_files(store: Any, kind: str, paths: Iterable[str | Path], on_problem: OnProblem = None, *,
                 defence_only: bool = True, report: ImportReport | None = None) -> int:
    """Read dataset files and merge their events into the store under source=kind; returns the events stored.

    A malformed row is skipped and reported as one `FILE:LINE: problem; skipped` line, to `on_problem`
    or else to standard error; the rows around it are stored. `defence_only` (default) keeps only GDELT and
    ICEWS rows in a defence context; pass an ImportReport as `report` to learn how many rows were read,
    kept and set aside by reason (report.lines() is the import command's summary)."""
    rep = report if report is not None else ImportReport()
    events = read_files(kind, paths, on_problem or _to_stderr, defence_only=defence_only, report=rep)
    n = int(store.add_events(events, source=kind))
    rep.stored += n
    return n
