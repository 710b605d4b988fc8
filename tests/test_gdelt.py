"""GDELT and ICEWS imports on the real shared files: compressed and piped input, the defence filter and its
counts, the figures GDELT gives beyond the ontology, FIPS 10-4 geography, and ICEWS country names."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pycountry
import pytest
from typer.testing import CliRunner

from latticework import interchange as I
from latticework.cli import app

SHARED = Path(__file__).parents[1] / ".." / "shared"
GDELT = SHARED / "data" / "gdelt" / "20191024143000.export.CSV"
ICEWS = SHARED / "data" / "icews" / "events.2018.sample.tab"
REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def run(*args: object, stdin: bytes | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], input=stdin)


def gdelt_rows() -> list[dict[str, str]]:
    """The shared export as GDELT's codebook lays it out, read without the importer."""
    lines = [x for x in GDELT.read_text(encoding="utf-8").split("\n") if x.strip()]
    return [dict(zip(I.GDELT_COLUMNS, x.rstrip("\r").split("\t"), strict=True)) for x in lines]


def zipped(path: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(member, data)
    return path


# ------------------------------------------------------------------------------------------------ formats

def test_zip_gz_and_stdin_give_the_events_of_the_plain_file(tmp_path: Path) -> None:
    plain = list(I.read_gdelt(GDELT, defence_only=False))
    assert len(plain) > 100
    data = GDELT.read_bytes()
    gz = tmp_path / "20191024143000.export.CSV.gz"
    gz.write_bytes(gzip.compress(data))
    zp = zipped(tmp_path / "20191024143000.export.CSV.zip", "20191024143000.export.CSV", data)
    disguised = tmp_path / "20191024143000.export.CSV"  # a zip under the plain name: told by its first bytes
    disguised.write_bytes(zp.read_bytes())
    gz_named_txt = tmp_path / "export.txt"
    gz_named_txt.write_bytes(gz.read_bytes())
    for path in (gz, zp, disguised, gz_named_txt):
        assert list(I.read_gdelt(path, defence_only=False)) == plain, path.name

    # standard input through a real pipe, plain, gzip and zip (a zip is spooled to a temporary file)
    script = ("import json, sys; from latticework import interchange as I; "
              "json.dump(list(I.read_gdelt('-', defence_only=False)), sys.stdout)")
    expected = json.loads(json.dumps(plain))
    for source in (GDELT, gz, zp):
        with open(source, "rb") as fh:
            out = subprocess.run([sys.executable, "-c", script], stdin=fh, capture_output=True, env=ENV,
                                 check=True, timeout=120)
        assert json.loads(out.stdout) == expected, source.name


def test_import_command_reads_stdin_and_zip(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    res = run("import", "gdelt", "-", "--all", "--db", db, stdin=gzip.compress(GDELT.read_bytes()))
    assert res.exit_code == 0, res.output
    n = len(list(I.read_gdelt(GDELT, defence_only=False)))
    assert f"imported {n} gdelt events from {len(gdelt_rows())} rows" in res.output
    zp = zipped(tmp_path / "e.zip", "e.CSV", GDELT.read_bytes())
    res = run("import", "gdelt", zp, "--all", "--db", db)
    assert res.exit_code == 0 and f"imported {n} gdelt events" in res.output


def test_broken_archives_are_one_line_errors(tmp_path: Path) -> None:
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a.CSV", GDELT.read_bytes())
        z.writestr("b.CSV", GDELT.read_bytes())
    with pytest.raises(I.InterchangeError, match=r"two\.zip: a zip archive must hold exactly one data file, "
                                                 r"this one holds 2"):
        list(I.read_gdelt(two))
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(GDELT.read_bytes())[:50_000])
    with pytest.raises(I.InterchangeError, match=r"cut\.gz: damaged compressed data"):
        list(I.read_gdelt(cut, defence_only=False))
    res = run("import", "gdelt", two, "--db", f"sqlite:///{tmp_path / 's.db'}")
    assert res.exit_code == 2 and res.output.strip().splitlines() == [
        f"error: {two}: a zip archive must hold exactly one data file, this one holds 2"]


# ------------------------------------------------------------------------------------------------ defence filter

def test_every_row_is_kept_or_set_aside_for_a_reason() -> None:
    rows = gdelt_rows()
    report = I.ImportReport()
    events = list(I.read_gdelt(GDELT, report=report))
    assert report.rows == len(rows) == 2111
    assert report.kept == len(events) and report.kept + sum(report.set_aside.values()) == len(rows)
    assert set(report.set_aside) <= set(I.SET_ASIDE_REASONS) and not report.malformed
    table = I.cameo_table()
    assert report.set_aside[I.UNMAPPED] == sum(1 for r in rows if r["EventCode"] not in table)
    mapped = [r for r in rows if r["EventCode"] in table]
    military = [r for r in mapped if table[r["EventCode"]][2] or any(
        r[f"Actor{i}Type{k}Code"] in ("MIL", "SPY") for i in (1, 2) for k in (1, 2, 3))]
    assert report.set_aside[I.NOT_DEFENCE] == len(mapped) - len(military)
    # what was kept is in a defence context, by its code or by a military actor
    by_id = {r["GLOBALEVENTID"]: r for r in rows}
    for e in events:
        assert by_id[e["event_id"].removeprefix("gdelt:")] in military
    assert 0 < len(events) < len(military)  # the rest have no state actor or only one party
    assert report.set_aside[I.NO_ACTOR] + report.set_aside[I.ONE_PARTY] == len(military) - len(events)


def test_a_meeting_on_a_commodities_story_does_not_enter() -> None:
    commodity = [r for r in gdelt_rows() if r["EventCode"] == "036" and "commoditiesNews" in r["SOURCEURL"]]
    assert commodity and commodity[0]["Actor1Code"] == "CHNGOV"
    eid = f"gdelt:{commodity[0]['GLOBALEVENTID']}"
    kept = {e["event_id"] for e in I.read_gdelt(GDELT)}
    assert eid not in kept
    everything = {e["event_id"]: e for e in I.read_gdelt(GDELT, defence_only=False)}
    assert everything[eid]["type"] == "AGREE" and everything[eid]["actors"] == ["BRA", "CHN"]
    kinds = {(e["type"], e["cameo"]) for e in I.read_gdelt(GDELT)}
    assert ("AID", "072") in kinds and ("MOBILIZE", "154") in kinds
    assert "036" not in {c for _, c in kinds}  # no 036 row in this export has a military actor


def test_import_prints_the_summary_and_sets_the_exit_status(store_url: str, tmp_path: Path) -> None:
    res = run("import", "gdelt", GDELT, "--db", store_url)
    assert res.exit_code == 0, res.output
    report = I.ImportReport()
    n = len(list(I.read_gdelt(GDELT, report=report)))
    lines = res.output.strip().splitlines()
    assert lines[0] == f"imported {n} gdelt events from 2111 rows"
    assert lines[1:] == [f"set aside {report.set_aside[k]} rows: {text}" for k, text in I.SET_ASIDE_REASONS.items()
                         if report.set_aside[k]]
    assert any(line.endswith("not in a defence context (defence filter; --all keeps them)") for line in lines)
    counted = n + sum(int(x.split()[2]) for x in lines[1:])
    assert counted == 2111

    # malformed rows: the good rows are stored, each bad one named, the summary counts them, exit status 1
    rows = GDELT.read_text(encoding="utf-8").splitlines()
    rows[5] = "\t".join(rows[5].split("\t")[:30])
    k = next(i for i, r in enumerate(rows) if i > 5 and r.split("\t")[26] in I.cameo_table())
    cols = rows[k].split("\t")
    cols[1] = "2019-10-24"
    rows[k] = "\t".join(cols)
    bad = tmp_path / "bad.export.CSV"
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = run("import", "gdelt", bad, "--all", "--db", store_url)
    assert res.exit_code == 1, res.output
    lines = res.output.strip().splitlines()
    assert lines[:2] == [f"{bad}:6: expected 61 tab-separated GDELT 2.0 columns, found 30; skipped",
                         f"{bad}:{k + 1}: SQLDATE '2019-10-24' is not YYYYMMDD; skipped"]
    assert lines[2].startswith("imported ") and lines[-1] == "set aside 2 rows: malformed (each listed above)"
    assert sum(int(x.split()[1 if x.startswith("imported") else 2]) for x in lines[2:]) == 2111


def test_python_callers_get_the_counts(store_url: str) -> None:
    from latticework.store import Store

    report = I.ImportReport()
    with Store(store_url) as store:
        n = I.import_files(store, "gdelt", [GDELT], report=report)
        assert n == report.stored == report.kept > 0
        assert report.rows == report.kept + sum(report.set_aside.values())
        everything = I.ImportReport()
        assert I.import_files(store, "gdelt", [GDELT], defence_only=False, report=everything) > n
        assert I.NOT_DEFENCE not in everything.set_aside
        assert everything.set_aside[I.UNMAPPED] == report.set_aside[I.UNMAPPED]
    assert report.lines("gdelt")[0] == f"imported {n} gdelt events from 2111 rows"


# ------------------------------------------------------------------------------------------------ GDELT's own figures

def test_counts_goldstein_tone_and_action_geo_are_kept(store_url: str) -> None:
    from latticework.store import Store

    by_id = {r["GLOBALEVENTID"]: r for r in gdelt_rows()}
    events = list(I.read_gdelt(GDELT, defence_only=False))
    for e in events:
        r = by_id[e["event_id"].removeprefix("gdelt:")]
        assert e["gdelt_num_mentions"] == int(r["NumMentions"]) and e["gdelt_num_sources"] == int(r["NumSources"])
        assert e["gdelt_num_articles"] == int(r["NumArticles"])
        assert e["gdelt_goldstein"] == float(r["GoldsteinScale"]) and e["gdelt_avg_tone"] == float(r["AvgTone"])
        assert e["gdelt_source_url"] == r["SOURCEURL"] and e["gdelt_date_added"] == r["DATEADDED"] == "20191024143000"
        geo = e["gdelt_action_geo"]
        if r["ActionGeo_FullName"]:
            assert geo["name"] == r["ActionGeo_FullName"] == e["location"]["name"]
            assert geo["fips"] == r["ActionGeo_CountryCode"]
            assert geo["lat"] == float(r["ActionGeo_Lat"]) and geo["long"] == float(r["ActionGeo_Long"])
            assert geo["feature_id"] == r["ActionGeo_FeatureID"]
    assert len({e["gdelt_num_sources"] for e in events}) > 1
    sample = next(e for e in events if e["location"] and e["location"]["country"] == "USA")
    assert sample["gdelt_action_geo"]["fips"] == "US"

    with Store(store_url) as store:
        I.import_files(store, "gdelt", [GDELT], defence_only=False)
        stored = {e.get("report_id") or e["event_id"]: e for e in store.iter_events(source="gdelt")}
    read = {e["event_id"]: e for e in events}
    assert stored
    for eid, e in stored.items():
        for key in ("gdelt_num_sources", "gdelt_num_mentions", "gdelt_goldstein", "gdelt_avg_tone",
                    "gdelt_action_geo", "gdelt_source_url"):
            assert e[key] == read[eid][key], key
        assert e["location"] == read[eid]["location"]


# ------------------------------------------------------------------------------------------------ FIPS 10-4

def test_fips_table_is_well_formed() -> None:
    to_iso, to_fips = I.fips_table()
    assert len(to_iso) > 250
    known = {c.alpha_3 for c in pycountry.countries} | {"XKX", "ANT"}
    assert all(iso is None or iso in known for iso in to_iso.values())
    assert all(to_iso[f] == iso for iso, f in to_fips.items())  # the primary code reads back to its ISO3
    # the codes where FIPS and ISO differ most, and the ones GDELT users trip over
    for fips, iso in {"UK": "GBR", "GM": "DEU", "RS": "RUS", "CH": "CHN", "JA": "JPN", "KS": "KOR", "KN": "PRK",
                      "AS": "AUS", "AU": "AUT", "SF": "ZAF", "EZ": "CZE", "TW": "TWN", "RP": "PHL", "IZ": "IRQ",
                      "KV": "XKX", "RI": "SRB", "MJ": "MNE", "OD": "SSD", "GZ": "PSE", "WE": "PSE"}.items():
        assert I.fips_to_iso3(fips) == iso, fips
    assert I.fips_to_iso3("OS") is None and I.fips_to_iso3("PG") is None  # oceans, Spratly Islands
    assert I.iso3_to_fips("PSE") == "WE" and I.iso3_to_fips("DEU") == "GM" and I.iso3_to_fips("UMI") == ""


def test_fips_round_trip_through_export(tmp_path: Path) -> None:
    events = list(I.read_gdelt(GDELT, defence_only=False))
    rows = {r["GLOBALEVENTID"]: r for r in gdelt_rows()}
    located = [e for e in events if e["location"] and e["location"]["country"]]
    assert len(located) > 100
    for e in located:
        assert e["location"]["country"] == I.fips_to_iso3(rows[e["event_id"][6:]]["ActionGeo_CountryCode"])
    buf = io.StringIO()
    I.write_gdelt(events, buf)
    out = list(csv.DictReader(io.StringIO(buf.getvalue()), delimiter="\t", quoting=csv.QUOTE_NONE))
    by_event = {r["GLOBALEVENTID"]: r for r in out}
    for e in located:
        written, original = by_event[e["event_id"]], rows[e["event_id"][6:]]
        # FIPS in, ISO3 inside, the same FIPS out (GDELT's geography), ISO3 in the actor columns
        assert written["ActionGeo_CountryCode"] == original["ActionGeo_CountryCode"]
        assert written["ActionGeo_Lat"] == str(float(original["ActionGeo_Lat"]))
        assert written["NumSources"] == original["NumSources"] and written["AvgTone"] == str(float(original["AvgTone"]))
        a1 = e["actors"][0]
        assert written["Actor1Code"] == a1 and written["Actor1CountryCode"] == (a1 if len(a1) == 3 else "")
    path = tmp_path / "export.tsv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    back = {e["event_id"].removeprefix("gdelt:"): e for e in I.read_gdelt_table(path)}
    for e in located:
        assert back[e["event_id"]]["location"] == e["location"]
        assert back[e["event_id"]]["gdelt_goldstein"] == e["gdelt_goldstein"]

    made = [{"event_id": "t:1", "type": "CONSULT", "mode": "meeting", "actors": ["JPN", "PHL"], "targets": [],
             "date": "2024-07-08", "status": "occurred", "location": {"name": "Manila", "country": "PHL"}},
            {"event_id": "t:2", "type": "MOBILIZE", "mode": "deployment", "actors": ["CHN"], "targets": [],
             "date": "2024-07", "status": "occurred", "location": {"name": "South China Sea", "country": None}}]
    buf = io.StringIO()
    I.write_gdelt(made, buf)
    out = list(csv.DictReader(io.StringIO(buf.getvalue()), delimiter="\t"))
    assert [r["ActionGeo_CountryCode"] for r in out] == ["RP", ""]
    assert [r["Actor1CountryCode"] for r in out] == ["JPN", "CHN"]


# ------------------------------------------------------------------------------------------------ ICEWS

def test_every_icews_country_name_resolves() -> None:
    with open(ICEWS, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    names = {r[k] for r in rows for k in ("Source Country", "Target Country", "Country")} - {"", "NA"}
    assert len(names) > 150
    unresolved = sorted(n for n in names if I.iso3(n) is None)
    assert unresolved == []
    assert I.iso3("the former Yugoslav Republic of Macedonia") == "MKD" and I.iso3("Holy See") == "VAT"
    assert I.iso3("Moldova, Republic of") == "MDA" and I.iso3("Occupied Palestinian Territory") == "PSE"
    # spellings of the other ICEWS releases and of GeoNames, which the datasets share
    for name, code in {"Palestinian Territory, Occupied": "PSE", "Republic of Korea": "KOR", "Reunion": "REU",
                       "Curacao": "CUW", "Cote d`Ivoire": "CIV", "Côte d’Ivoire": "CIV", "Macau": "MAC",
                       "Trinidad & Tobago": "TTO", "St. Lucia": "LCA", "Serbia and Montenegro": "SRB",
                       "Congo": "COG", "Democratic Republic of Congo": "COD", "Russian Federation": "RUS"}.items():
        assert I.iso3(name) == code, name
    everything = list(I.read_icews(ICEWS, defence_only=False))
    parties = {c for e in everything for c in e["actors"] + e["targets"]}
    assert {"MKD", "GRC"} <= parties  # the Greece-Macedonia negotiations (046); Holy See rows are all 010/032/070
    assert any((e["location"] or {}).get("country") == "MKD" for e in everything)


def test_icews_filter_counts_every_row() -> None:
    with open(ICEWS, encoding="utf-8", newline="") as fh:
        n_rows = sum(1 for _ in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    report = I.ImportReport()
    events = list(I.read_icews(ICEWS, report=report))
    assert report.rows == n_rows == 3705 and report.kept == len(events)
    assert report.kept + sum(report.set_aside.values()) == n_rows and not report.malformed
    assert report.set_aside[I.NOT_DEFENCE] > 0 and events
    everything = I.ImportReport()
    assert len(list(I.read_icews(ICEWS, defence_only=False, report=everything))) > len(events)
    assert everything.set_aside[I.UNMAPPED] == report.set_aside[I.UNMAPPED]
    first = next(e for e in events if e["event_id"] == "icews:32889836")  # Bangladesh meets Vietnam's military
    assert first["icews_story_id"] == "47400351" and first["icews_intensity"] == 1.0


def test_cameo_codes_read_as_numbers_keep_their_meaning() -> None:
    assert I.ontology_of_cameo("57") == I.ontology_of_cameo("057") == ("AGREE", "sign")
    assert I.ontology_of_cameo("312") == ("AGREE", "pledge") and I.ontology_of_cameo("111") == ("ACCUSE", "criticize")
    assert I.ontology_of_cameo("0211") is None and I.ontology_of_cameo("190") is None  # economic appeal; fighting
    assert I.cameo_entry("072") == ("AID", "arms_transfer", True) and I.cameo_entry("036")[2] is False
