"""Typed exports read back by the tools analysts use (pandas, pyarrow, DuckDB), PLOVER 0.8 checked
against a JSON Schema written from the manual, POLECAT without "None", and the CLI's value checks."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import duckdb
import jsonschema
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import latticework
from latticework import interchange as I
from latticework import ontology, tables
from latticework.cli import app
from latticework.output import write_rows
from latticework.store import Store

SCHEMA = json.loads((Path(latticework.__file__).parent / "data" / "plover-0.8.schema.json").read_text("utf-8"))
PLOVER = jsonschema.Draft202012Validator(SCHEMA)


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def _ev(eid: str, t: str, mode: str | None, actors: list[str], targets: list[str], day: str | None,
        text: str, **more: object) -> dict:
    ev = {"event_id": eid, "doc_id": f"doc-{eid}", "type": t, "mode": mode, "actors": actors, "targets": targets,
          "framework": None, "date": day, "status": "occurred", "hedged": False, "location": None,
          "evidence": {"text": text, "start": 10, "end": 10 + len(text)}, "confidence": 0.8}
    ev.update(more)
    return ev


EVENTS = [
    _ev("t-aid", "AID", "arms_transfer", ["USA"], ["PHL"], "2024-23", "The US delivered radars to Manila.",
        cameo="072", location={"name": "Manila", "country": "PHL"}, hedged=True),
    _ev("t-sign", "AGREE", "sign", ["KOR", "POL"], [], "2024-07-28", "Seoul and Warsaw signed a pact.",
        cameo="057", framework="K2", trigger="signed"),
    _ev("t-plan", "COOPERATE", "exercise", ["JPN", "PHL"], [], "2024-11", "They will drill in November.",
        status="planned"),
    _ev("t-visit", "CONSULT", "visit", ["JPN", "PHL"], [], "2024", "The Japanese minister visited Manila.",
        location={"name": "Manila", "country": "PHL"}),
    _ev("t-nato", "CONSULT", "meeting", ["NATO", "JPN"], [], None, "NATO and Japan held talks.",
        location={"name": "at sea", "country": None}),
    _ev("t-warn", "ACCUSE", "criticize", ["CHN"], ["PHL", "JPN"], "2024-03", "Beijing warned Manila and Tokyo."),
]


def _store(url: str) -> str:
    with Store(url) as store:
        store.add_events(EVENTS, source="testset")
    return url


@pytest.fixture
def db(tmp_path: Path) -> str:
    return _store(f"sqlite:///{tmp_path / 'e.db'}")


def _by_doc(rows: list[dict]) -> dict[str, dict]:
    return {r["doc_id"]: r for r in rows}


# ------------------------------------------------------------------------------------------ Parquet

def test_parquet_from_the_cli_has_typed_columns(db: str, tmp_path: Path) -> None:
    out = tmp_path / "e.parquet"
    res = run("events", "--db", db, "-f", "parquet", "-o", out)
    assert res.exit_code == 0, res.output
    t = pq.read_table(out)
    assert t.schema.equals(tables.event_schema(), check_metadata=False)
    s = t.schema
    assert s.field("actors").type == pa.list_(pa.string()) and pa.types.is_date32(s.field("date_lo").type)
    assert pa.types.is_struct(s.field("evidence").type) and s.field("n_sources").type == pa.int32()
    rows = _by_doc(t.to_pylist())
    assert len(rows) == len(EVENTS)
    aid = rows["doc-t-aid"]
    assert aid["actors"] == ["USA"] and aid["targets"] == ["PHL"] and aid["cameo"] == "072"
    assert (aid["date"], aid["date_lo"], aid["date_hi"], aid["date_precision"]) == \
        ("2024-23", date(2024, 9, 1), date(2024, 11, 30), "season")
    assert aid["location"] == {"name": "Manila", "country": "PHL"} and aid["hedged"] is True
    assert aid["evidence"] == {"text": "The US delivered radars to Manila.", "start": 10, "end": 44}
    assert rows["doc-t-sign"]["date_precision"] == "day" and rows["doc-t-plan"]["date_precision"] == "month"
    assert rows["doc-t-visit"]["date_precision"] == "year" and rows["doc-t-visit"]["date_hi"] == date(2024, 12, 31)
    undated = rows["doc-t-nato"]
    assert undated["date"] is None and undated["date_lo"] is None and undated["date_precision"] is None
    assert undated["framework"] is None and undated["location"] == {"name": "at sea", "country": None}
    assert json.loads(rows["doc-t-sign"]["extra"]) == {"trigger": "signed"} and aid["extra"] is None

    pf = out.as_posix()
    con = duckdb.connect()
    codes = sorted(r[0] for r in con.execute(f"SELECT unnest(actors) FROM '{pf}'").fetchall())
    assert codes == sorted(a for e in EVENTS for a in e["actors"])
    assert con.execute(f"SELECT typeof(date_lo), typeof(n_reports) FROM '{pf}' LIMIT 1").fetchone() == \
        ("DATE", "INTEGER")
    assert con.execute(f"SELECT evidence.text, location.country FROM '{pf}' WHERE cameo = '072'").fetchone() == \
        ("The US delivered radars to Manila.", "PHL")
    dyads = con.execute(f"SELECT count(*) FROM '{pf}' WHERE list_contains(targets, 'JPN')").fetchone()
    assert dyads == (1,)
    mid_october = con.execute(f"SELECT doc_id FROM '{pf}' WHERE date_lo <= DATE '2024-10-15' "
                              f"AND date_hi >= DATE '2024-10-15' ORDER BY doc_id").fetchall()
    assert mid_october == [("doc-t-aid",), ("doc-t-visit",)]  # the autumn, and the year

    df = pd.read_parquet(out)
    assert pd.api.types.is_datetime64_any_dtype(df["date_lo"]) or isinstance(df["date_lo"].dropna().iloc[0], date)
    assert df.loc[df.doc_id == "doc-t-aid", "cameo"].item() == "072"
    assert df.explode("actors")["actors"].value_counts()["PHL"] == 2


def test_parquet_is_written_in_row_groups_from_a_stream(tmp_path: Path) -> None:
    n = tables.BATCH_ROWS * 2 + 5
    consumed = []

    def events():
        for i in range(n):
            consumed.append(i)
            yield {"event_id": f"e{i}", "type": "CONSULT", "actors": ["JPN", "USA"], "date": "2024-05",
                   "status": "occurred", "n_reports": i % 7 or None}

    out = tmp_path / "big.parquet"
    assert tables.write_events_parquet(events(), out) == n and len(consumed) == n
    meta = pq.ParquetFile(out).metadata
    assert meta.num_rows == n and meta.num_row_groups == 3
    col = pq.read_table(out, columns=["n_reports"]).column("n_reports")
    assert col.null_count == len(range(0, n, 7)) and col.type == pa.int32()


# ------------------------------------------------------------------------------------------ Python API

def test_events_df_and_arrow_take_the_filters_of_iter_events(store_url: str) -> None:
    _store(store_url)
    t = latticework.events_arrow(store_url, actor="PHL")
    assert isinstance(t, pa.Table) and t.schema.equals(tables.event_schema())
    assert sorted(t.column("doc_id").to_pylist()) == ["doc-t-aid", "doc-t-plan", "doc-t-visit", "doc-t-warn"]
    with Store(store_url, create=False) as store:
        expected = sorted(e["doc_id"] for e in store.iter_events(type="CONSULT", since="2024-01-01"))
        df = latticework.events_df(store, type="CONSULT", since="2024-01-01")  # an open Store stays open
        assert sorted(df["doc_id"]) == expected == ["doc-t-visit"]
        assert store.count_events() == len(EVENTS)
    df = latticework.events_df(store_url, status="planned")
    assert df["doc_id"].tolist() == ["doc-t-plan"]
    assert df["date_lo"].dtype.kind == "M" and df["date_lo"].iloc[0] == pd.Timestamp("2024-11-01")
    assert str(df["n_reports"].dtype) == "Int32" and str(df["hedged"].dtype) == "boolean"
    assert list(df["actors"].iloc[0]) == ["JPN", "PHL"] and df["evidence"].iloc[0]["start"] == 10
    everything = latticework.events_df(store_url)
    assert everything.loc[everything.doc_id == "doc-t-aid", "cameo"].item() == "072"
    assert everything["framework"].isna().sum() == len(EVENTS) - 1  # nulls are missing values, not "None"
    assert len(latticework.events_df(store_url, text="MANILA", limit=1)) == 1
    with pytest.raises(TypeError):  # every keyword goes to Store.iter_events as it is
        latticework.events_arrow(store_url, no_such_filter=1)


def test_rows_the_dicts_may_lack_or_add(tmp_path: Path) -> None:
    rec = tables.event_record({"event_id": "x", "type": "AID", "actors": "USA;GBR", "cameo": "072",
                               "date": "2024-13", "n_sources": "3", "first_seen": "2024-02-03T10:00:00",
                               "published": date(2024, 2, 3)})
    assert rec["actors"] == ["USA", "GBR"] and rec["targets"] == [] and rec["n_sources"] == 3
    assert rec["date"] == "2024-13" and rec["date_lo"] is None and rec["date_precision"] is None
    assert rec["first_seen"] == date(2024, 2, 3) and rec["last_seen"] is None
    assert json.loads(rec["extra"]) == {"published": "2024-02-03"}
    assert tables.events_table([]).num_rows == 0


# ------------------------------------------------------------------------------------------ CSV

def test_csv_keeps_codes_as_text_and_nulls_empty(db: str, tmp_path: Path) -> None:
    out = tmp_path / "e.csv"
    res = run("events", "--db", db, "-f", "csv", "-o", out)
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "None" not in text and '"072"' in text
    with out.open(encoding="utf-8", newline="") as fh:
        rows = _by_doc(list(csv.DictReader(fh)))
    assert list(next(iter(rows.values()))) == [c[0] for c in tables.COLUMNS]
    assert rows["doc-t-warn"]["targets"] == "PHL;JPN" and rows["doc-t-nato"]["date"] == ""
    assert rows["doc-t-aid"]["date_lo"] == "2024-09-01" and rows["doc-t-aid"]["hedged"] == "true"
    assert json.loads(rows["doc-t-aid"]["evidence"])["text"] == "The US delivered radars to Manila."

    con = duckdb.connect()
    got = con.execute(f"SELECT cameo, framework, date_lo, hedged FROM read_csv('{out.as_posix()}') "
                      "WHERE doc_id = 'doc-t-aid'").fetchone()
    assert got == ("072", None, date(2024, 9, 1), True)  # quoted codes stay text; empty cells are NULL
    assert con.execute(f"SELECT count(*) FROM read_csv('{out.as_posix()}') WHERE framework IS NULL").fetchone() \
        == (len(EVENTS) - 1,)

    df = pd.read_csv(out, dtype=tables.CSV_DTYPES, parse_dates=["date_lo", "date_hi"])
    aid = df[df.doc_id == "doc-t-aid"].iloc[0]
    assert aid["cameo"] == "072" and aid["date_lo"] == pd.Timestamp("2024-09-01")
    assert df["framework"].isna().sum() == len(EVENTS) - 1 and df["n_reports"].dtype == "Int32"
    inferred = pd.read_csv(out)  # no dtypes: pandas infers every column itself
    assert inferred["hedged"].dtype == bool and inferred["framework"].isna().sum() == len(EVENTS) - 1
    assert not (inferred.astype(str) == "None").any().any()


def test_generic_rows_never_write_none(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    write_rows([{"a": None, "b": ["x", None, "y"], "c": {"k": None}}], "csv", out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows == [{"a": "", "b": "x;;y", "c": '{"k": null}'}]


# ------------------------------------------------------------------------------------------ PLOVER 0.8

def test_plover_schema_is_valid_and_strict_where_the_manual_is() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    ok = {"id": "PHOXv1-20160724-0042", "date": "2016-07-24", "actor": [{"code": "USA"}],
          "recipient": [{"code": "CAN"}], "event": ["CONSULT"]}  # the manual's simplest record
    PLOVER.validate(ok)
    for broken in ({k: v for k, v in ok.items() if k != "actor"}, {**ok, "date": "2016-07"},
                   {**ok, "event": ["DEMAND"]}, {**ok, "actor": [{"code": "NATO"}]},
                   {**ok, "context": ["militray"]}, {**ok, "quad_code": 5}):
        assert not PLOVER.is_valid(broken), broken


def test_plover_export_validates_and_round_trips(db: str, tmp_path: Path) -> None:
    out = tmp_path / "e.plover.jsonl"
    res = run("export", "-f", "plover", "-o", out, "--db", db)
    assert res.exit_code == 0, res.output
    assert "plover: event" in res.stderr and "no date and no publication date; skipped" in res.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    recs = {r["cite_info"]["citation"]: r for r in map(json.loads, lines)}
    assert len(recs) == len(EVENTS) - 1 and "doc-t-nato" not in recs  # PLOVER requires a date
    for rec in recs.values():
        PLOVER.validate(rec)
    assert recs["doc-t-sign"]["event"] == ["SUPPORT"] and recs["doc-t-sign"]["date"] == "2024-07-28"
    assert "enddate" not in recs["doc-t-sign"]
    assert (recs["doc-t-aid"]["date"], recs["doc-t-aid"]["enddate"]) == ("2024-09-01", "2024-11-30")
    assert recs["doc-t-aid"]["actor"] == [{"code": "USA"}] and recs["doc-t-aid"]["recipient"] == [{"code": "PHL"}]
    assert recs["doc-t-aid"]["quad_code"] == 2 and "military" in recs["doc-t-aid"]["context"]
    plan = recs["doc-t-plan"]  # future cooperation is AGREE in PLOVER, with the future context
    assert plan["event"] == ["AGREE"] and "future" in plan["context"]
    visit = recs["doc-t-visit"]  # the host is the party whose country the visit took place in
    assert visit["actor"] == [{"code": "JPN"}] and visit["recipient"] == [{"code": "PHL"}]
    assert visit["mode"] == ["visit"]
    assert recs["doc-t-warn"]["mode"] == ["disapprove"] and recs["doc-t-warn"]["event_scale"] == -2.0

    back = _by_doc(list(I.read_plover(out)))
    with Store(db, create=False) as store:
        stored = _by_doc(list(store.iter_events()))
    assert set(back) == set(stored) - {"doc-t-nato"}
    for doc, ev in stored.items():
        if doc not in back:
            continue
        for key in ("type", "mode", "actors", "targets", "date", "status", "hedged", "framework", "location",
                    "cameo", "source", "evidence"):
            assert back[doc][key] == ev[key], (doc, key)


def test_plover_records_of_other_producers() -> None:
    """No latticework block: the PLOVER fields alone, in the final and in the earlier 0.8 spelling."""
    visit = {"id": "v1", "date": "2021-03-04", "actor": [{"code": "JPN", "sector": "GOV"}],
             "recipient": [{"code": "IND"}], "event": ["CONSULT"], "mode": ["visit"], "context": ["diplomatic"]}
    ev = I.from_plover(visit)
    assert (ev["type"], ev["mode"], ev["actors"], ev["targets"]) == ("CONSULT", "visit", ["JPN"], ["IND"])
    talk = {**visit, "mode": [], "context": ["future"], "date": "2021-06-01", "enddate": "2021-08-31"}
    ev = I.from_plover(talk)
    assert ev["actors"] == ["IND", "JPN"] and ev["targets"] == [] and ev["status"] == "planned"
    assert ev["date"] == "2021-22"  # the summer, exactly
    early = {"id": "d1", "date": "2021-05-01", "enddate": "2021-05-31", "source": [{"code": "USA"}],
             "recipient": [{"code": "IGO", "entity_text": "NATO"}], "event": ["DEMAND"]}
    ev = I.from_plover(early)
    assert (ev["type"], ev["actors"], ev["targets"], ev["date"]) == ("REQUEST", ["USA"], ["NATO"], "2021-05")
    with pytest.raises(I.InterchangeError, match="outside the ontology"):
        I.from_plover({"id": "p", "date": "2021-01-01", "actor": [{"code": "FRA"}], "event": ["PROTEST"]})


def test_read_plover_reads_jsonl_and_arrays(tmp_path: Path) -> None:
    buf = io.StringIO()
    assert I.write_plover(EVENTS, buf) == len(EVENTS) - 1  # the undated event has no publication day either
    jl = tmp_path / "p.jsonl"
    protest = {"id": "p", "date": "2021-01-01", "actor": [{"code": "FRA"}], "event": ["PROTEST"]}
    jl.write_text(buf.getvalue() + json.dumps(protest) + "\n\n", encoding="utf-8")
    assert [e["event_id"] for e in I.read_plover(jl)] == [e["event_id"] for e in EVENTS if e["date"]]
    arr = tmp_path / "p.json"
    arr.write_text(json.dumps([json.loads(x) for x in buf.getvalue().splitlines()]), encoding="utf-8")
    assert len(list(I.read_plover(arr))) == len(EVENTS) - 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text(buf.getvalue().splitlines()[0] + "\n{oops\n", encoding="utf-8")
    with pytest.raises(I.InterchangeError, match=r"bad\.jsonl:2: not JSON"):
        list(I.read_plover(bad))
    undated = {**EVENTS[4], "published": "2024-02-03"}  # a text-coded event takes its document's day
    rec = I.to_plover(undated)
    assert rec["date"] == "2024-02-03" and I.from_plover(rec)["date"] is None
    PLOVER.validate(rec)
    assert rec["actor"] == [{"code": "IGO", "entity_text": "NATO", "identifier_text": "North Atlantic Treaty "
                             "Organization"}, {"code": "JPN"}] and "recipient" not in rec
    assert I.from_plover({k: v for k, v in rec.items() if k != "latticework"})["actors"] == ["JPN", "NATO"]
    skipped: list[str] = []
    I.write_plover([EVENTS[4]], io.StringIO(), on_problem=skipped.append)
    assert len(skipped) == 1 and "t-nato" in skipped[0]


def test_plover_crosswalk_names_are_plover_08_categories() -> None:
    categories = set(SCHEMA["properties"]["event"]["items"]["enum"])
    modes = set(SCHEMA["properties"]["mode"]["items"]["enum"])
    contexts = set(SCHEMA["properties"]["context"]["items"]["enum"])
    for e in ontology.ENTRIES:
        assert e.plover_type in categories, e
        assert not e.plover_mode or e.plover_mode in modes, e
        assert set(e.plover_contexts) <= contexts, e


# ------------------------------------------------------------------------------------------ POLECAT

def test_polecat_has_empty_fields_not_none(db: str) -> None:
    res = run("export", "-f", "polecat", "--db", db)
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(io.StringIO(res.stdout), delimiter="\t"))
    assert rows[0] == I.POLECAT_COLUMNS and all(len(r) == 40 for r in rows)
    assert not any(cell == "None" or "None;" in cell or cell.endswith(";None") for r in rows for cell in r)
    by_id = {r[0]: dict(zip(I.POLECAT_COLUMNS, r, strict=True)) for r in rows[1:]}
    aid = next(r for r in by_id.values() if r["Event Type"] == "AID")
    assert (aid["Event Mode"], aid["Actor COW"], aid["Recipient COW"]) == ("", "2", "840")
    assert aid["Placename"] == "Manila" and aid["Wikipedia Actor ID"] == "" and aid["Publication Date"] == ""
    nato = next(r for r in by_id.values() if r["Placename"] == "at sea")
    assert (nato["Event Date"], nato["Country"], nato["Actor COW"]) == ("", "", "")
    plan = next(r for r in by_id.values() if r["Event Type"] == "COOPERATE")
    assert plan["Contexts"] == "military;future"


# ------------------------------------------------------------------------------------------ CLI checks

@pytest.mark.parametrize(("args", "needle"), [
    (["--type", "AGRE"], "--type 'AGRE' is not an event type; valid: CONSULT, AGREE"),
    (["--mode", "exercize"], "--mode 'exercize' is not an event mode; valid: meeting, visit"),
    (["--type", "AGREE", "--mode", "exercise"], "--mode 'exercise' is not a mode of AGREE; valid: sign, form, pledge"),
    (["--status", "done"], "--status 'done' is not an event status; valid: occurred, planned"),
    (["--actor", "JAP"], "no actor 'JAP' in the database (--actor); known: JPN"),
    (["--actor", "JPN", "--with", "XYZ"], "no actor 'XYZ' in the database (--with); known: "),
    (["-f", "parquet"], "parquet output needs -o FILE"),
])
def test_events_refuses_values_that_select_nothing(db: str, args: list[str], needle: str) -> None:
    res = run("events", "--db", db, *args)
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"error: {needle}") and res.stderr.count("\n") == 1, res.stderr
    assert res.stdout == ""


def test_events_takes_valid_values_in_any_case(db: str) -> None:
    res = run("events", "--db", db, "--type", "agree", "--actor", "pol", "--status", "OCCURRED", "-f", "jsonl")
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["doc_id"] for x in res.stdout.splitlines()] == ["doc-t-sign"]
    res = run("events", "--db", db, "--type", "COOPERATE", "--mode", "Exercise", "-f", "jsonl")
    assert res.exit_code == 0 and res.stdout.count("\n") == 1


def test_actor_codes_are_checked_on_every_backend(store_url: str) -> None:
    _store(store_url)
    res = run("events", "--db", store_url, "--actor", "nato", "--with", "jpn", "-f", "jsonl")
    assert res.exit_code == 0 and [json.loads(x)["doc_id"] for x in res.stdout.splitlines()] == ["doc-t-nato"]
    res = run("events", "--db", store_url, "--with", "NAT")
    assert res.exit_code == 2 and res.stderr.startswith("error: no actor 'NAT' in the database (--with); known: NATO")


def test_the_actor_list_is_bounded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'many.db'}"
    states = ["AUS", "AUT", "BEL", "BRA", "CAN", "CHE", "CHL", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA",
              "GBR", "GRC", "HUN", "IND", "IRL", "ISL", "ITA", "JPN", "KOR", "LTU", "LVA", "NLD", "NOR", "POL"]
    with Store(url) as store:
        store.add_events([_ev(f"m{i}", "CONSULT", "meeting", [a, "USA"], [], "2024-01-01", "talks")
                          for i, a in enumerate(states)], source="testset")
    res = run("events", "--db", url, "--actor", "FRN")
    line = res.stderr.strip()
    assert res.exit_code == 2 and line.count("\n") == 0
    listed = line.split("known: ", 1)[1]
    assert listed.startswith("FRA") and listed.endswith("… and 9 more") and listed.count(",") == 19


@pytest.mark.parametrize("command", ["actors", "stats"])
def test_binary_formats_need_a_file_everywhere(db: str, command: str, tmp_path: Path) -> None:
    res = run(command, "--db", db, "-f", "parquet")
    assert res.exit_code == 2 and res.stderr == "error: parquet output needs -o FILE (it cannot go to a terminal)\n"
    out = tmp_path / f"{command}.parquet"
    assert run(command, "--db", db, "-f", "parquet", "-o", out).exit_code == 0
    assert pq.read_table(out).num_rows > 0


@pytest.mark.parametrize("command", [["network"], ["report", "-o", "r.html"]])
def test_network_commands_check_status(db: str, command: list[str], tmp_path: Path) -> None:
    args = [tmp_path / a if a.endswith(".html") else a for a in command]
    res = run(*args, "--status", "maybe", "--db", db)
    assert res.exit_code == 2
    assert res.stderr == "error: --status 'maybe' is not an event status; valid: occurred, planned\n"


# ------------------------------------------------------------------------------------------ docs

def test_the_examples_of_docs_exports_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    import re

    doc = (Path(__file__).parents[1] / "docs" / "exports.md").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _store("sqlite:///demo.db")
    for line in re.search(r"```console\n(.*?)```", doc, re.S).group(1).splitlines():  # type: ignore[union-attr]
        res = run(*line.removeprefix("$ latticework ").split())
        assert res.exit_code == 0, (line, res.output)
    sql = re.search(r"```sql\n(.*?)```", doc, re.S).group(1)  # type: ignore[union-attr]
    con = duckdb.connect()
    results = [con.execute(q).fetchall() for q in sql.split(";") if q.strip()]
    assert results[0][0] == ("JPN", 3) and len(results[1]) == 3
    exec(re.search(r"```python\n(.*?)```", doc, re.S).group(1), {})  # type: ignore[union-attr]  # noqa: S102
    printed = capsys.readouterr().out
    assert "date32[day] 1" in printed and "JPN" in printed
    for shown in re.search(r"```text\n(.*?)```", doc, re.S).group(1).splitlines():  # type: ignore[union-attr]
        args = ["--type", "AGRE"] if "--type" in shown else ["--actor", "JAP"]
        res = run("events", "--db", "demo.db", *args)
        assert res.exit_code == 2 and res.stderr.strip() == shown
