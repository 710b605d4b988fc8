"""One validation of input fields at the boundary (latticework/validate.py), issue 11 items 2, 3 and 11.

Each bad value must cost only its own document or row, with a one-line `file:line` problem, and be
judged the same way on SQLite and PostgreSQL (the `store_url` fixture runs both).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from latticework import interchange as I
from latticework import validate as V
from latticework.cli import app
from latticework.ingest import Document, InputProblem, read_documents
from latticework.store import Store, StoreError
from latticework.store import models as m

SHARED = Path(__file__).parents[1] / ".." / "shared"
GDELT = next(iter(sorted((SHARED / "data" / "gdelt").glob("*.export.CSV"))), None)
TEXT = "Japan and Australia held defence talks in Tokyo on 3 March 2024."


class OneEventCoder:
    """A stand-in coder: one AGREE event per document, no model to load."""

    version = "test-1"

    def code(self, doc: Document) -> list[dict]:
        return [{"event_id": "e-" + hashlib.sha1(doc.id.encode()).hexdigest()[:16], "doc_id": doc.id, "type": "AGREE",
                 "mode": "sign", "actors": ["JPN", "AUS"], "targets": [], "date": "2024-03-03",
                 "status": "occurred", "hedged": False, "evidence": {"text": doc.text[:20], "start": 0, "end": 20}}]


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def _doc_ids(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(sa.select(m.documents.c.id)))
    finally:
        engine.dispose()


def _event_ids(url: str, source: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(sa.select(m.events.c.event_id).where(m.events.c.origin == source)))
    finally:
        engine.dispose()


def _jsonl(path: Path, bad: dict) -> Path:
    """Five good documents with `bad` as the third line (JSON-escaped, as a real file would hold it)."""
    rows = [{"id": f"good{i}", "text": TEXT, "published": "2024-03-05"} for i in range(1, 6)]
    rows.insert(2, {"id": "bad", "text": TEXT, "published": "2024-03-05", **bad})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


GOOD = {f"good{i}" for i in range(1, 6)}

# (name, fields of the bad document, what the problem line must say)
BAD_FIELDS = [
    ("surrogate-title", {"title": "Talks \udc00 in Tokyo"}, "title holds an unpaired UTF-16 surrogate"),
    ("surrogate-source", {"source": "wire\udc00"}, "source holds an unpaired UTF-16 surrogate"),
    ("surrogate-url", {"url": "https://example.org/\udc00"}, "url holds an unpaired UTF-16 surrogate"),
    ("surrogate-id", {"id": "bad\udc00"}, "id holds an unpaired UTF-16 surrogate"),
    ("nul-text", {"text": TEXT + "\u0000 More."}, "text holds a NUL character"),
    ("nul-title", {"title": "a\u0000b"}, "title holds a NUL character"),
    ("long-id", {"id": "x" * 513}, "id is 513 characters long, over the limit of 512"),
    ("long-published", {"published": "2024-03-05T10:00:00.123456789012345678+02:00"},
     "published is 44 characters long, over the limit of 32"),
    ("long-language", {"language": "en-" + "x" * 14}, "language is 17 characters long, over the limit of 16"),
    ("long-source", {"source": "s" * 256}, "source is 256 characters long, over the limit of 255"),
    ("published-with-words", {"published": "2024-03-05 and then words"}, "is not a date"),
]


@pytest.mark.parametrize(("name", "bad", "says"), BAD_FIELDS, ids=[b[0] for b in BAD_FIELDS])
def test_a_bad_field_costs_only_its_document(store_url: str, tmp_path: Path, name: str, bad: dict,
                                             says: str) -> None:
    path = _jsonl(tmp_path / f"{name}.jsonl", bad)
    with Store(store_url) as store:
        report = store.ingest(read_documents(path, language_check=False), OneEventCoder(), progress=False)
        again = store.ingest(read_documents(path, language_check=False), OneEventCoder(), progress=False)
    assert _doc_ids(store_url) == GOOD  # the five good documents around the bad one are stored
    assert report.new == 5 and again.unchanged == 5  # and a rerun behaves the same
    assert len(report.problems) == 1 and again.problems == report.problems
    line = report.problems[0]
    assert line.startswith(f"{path}:3 (id ") and says in line and line.endswith("; skipped")
    assert "\n" not in line and line.encode("utf-8")  # one printable line


def test_ingest_command_stores_the_good_documents(store_url: str, tmp_path: Path) -> None:
    """The real command on both databases: exit 1 (a problem), no traceback, the problem as file:line."""
    path = _jsonl(tmp_path / "mixed.jsonl", {"title": "x\udc00", "source": "s" * 300})
    res = run("ingest", path, "--db", store_url, "--quiet", "--jobs", "1")
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and f"{path}:3 (id bad): title holds" in res.output
    assert _doc_ids(store_url) == GOOD


def test_store_checks_documents_that_bypass_the_reader(store_url: str) -> None:
    docs = [Document(id="a", text=TEXT, origin="api:1"),
            Document(id="b", text=TEXT, title="t\udcff", origin="api:2"),
            Document(id="c" * 600, text=TEXT, origin="api:3"),
            Document(id="d", text=TEXT, published="2024-03-05 or so", origin="api:4"),
            Document(id="e", text=TEXT + "\x00", origin="api:5"),
            Document(id="f", text=TEXT, published="5 March 2024", origin="api:6")]
    with Store(store_url) as store:
        report = store.ingest(docs, OneEventCoder(), progress=False)
    assert _doc_ids(store_url) == {"a", "f"}
    assert [p.split(" ")[0] for p in report.problems] == ["api:2", "api:3", "api:4", "api:5"]
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        assert conn.scalar(sa.select(m.documents.c.published).where(m.documents.c.id == "f")) == "2024-03-05"
    engine.dispose()


def test_add_events_refuses_what_a_backend_cannot_hold_the_same_way(store_url: str) -> None:
    good = {"event_id": "x:1", "type": "AGREE", "status": "occurred", "actors": ["JPN", "AUS"], "date": "2024"}
    with Store(store_url) as store:
        for bad in ({"event_id": "x:" + "9" * 300}, {"evidence": {"text": "a\x00b"}},
                    {"location": {"name": "T\udc00kyo"}}, {"actors": ["JPN", "A" * 20]}, {"date": "March 2024"}):
            with pytest.raises(StoreError) as exc:
                store.add_events([{**good, **bad}], source="x")
            assert "\n" not in str(exc.value) and str(exc.value).startswith("x event ")
        assert store.add_events([good], source="x") == 1


def test_limits_are_the_store_columns() -> None:
    docs = m.documents.c
    assert V.DOCUMENT_LIMITS == {k: docs[k].type.length for k in ("id", "source", "published", "language")}
    ev = m.events.c
    for key, limit in V.EVENT_LIMITS.items():
        column = m.participants.c.actor if key == "actor" else ev[key]
        assert column.type.length == limit, key


def test_published_must_be_a_date_as_a_whole() -> None:
    for ok, want in (("2024", "2024"), ("2024-03", "2024-03"), ("2024-03-05", "2024-03-05"),
                     ("2024-03-05T10:00:00Z", "2024-03-05T10:00:00Z"), ("2024-03-05 10:00", "2024-03-05 10:00"),
                     ("2024-03-05T10:00:00.5+02:00", "2024-03-05T10:00:00.5+02:00"),
                     ("5 March 2024", "2024-03-05"), ("Tue, 05 Mar 2024 10:00:00 GMT", "2024-03-05")):
        assert V.normalise_published(ok) == want, ok
    for bad in ("2024-03-05 and then words", "2024-03-05Tgarbage", "2024garbage", "2024-02-30", "2024-03-05T25:00",
                "last week"):
        assert V.normalise_published(bad) is None, bad


def test_default_published_is_checked_too(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    items = list(read_documents(tmp_path / "a.txt", published="2024-03-05 or so"))
    assert len(items) == 1 and isinstance(items[0], InputProblem) and "is not a date" in str(items[0])


# --- item 11: the smaller ones ----------------------------------------------------------------------

def test_raw_nul_byte_rejects_only_its_line(tmp_path: Path) -> None:
    path = tmp_path / "nul.jsonl"
    lines = [json.dumps({"id": f"d{i}", "text": TEXT}).encode() for i in range(1, 4)]
    lines[1] = lines[1].replace(b"Tokyo", b"To\x00kyo")
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = list(read_documents(path))
    assert [d.id for d in items if isinstance(d, Document)] == ["d1", "d3"]
    problems = [str(p) for p in items if isinstance(p, InputProblem)]
    assert len(problems) == 1 and problems[0].startswith(f"{path}:2: raw NUL byte at column ")
    # a real binary file under a .jsonl name is still refused as a whole
    (tmp_path / "blob.jsonl").write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4)
    [only] = list(read_documents(tmp_path / "blob.jsonl"))
    assert isinstance(only, InputProblem) and "binary file" in only.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("suffix", [".jsonl", ".txt", ".html"])
def test_utf16_files_are_named_as_such(tmp_path: Path, encoding: str, suffix: str) -> None:
    path = tmp_path / f"doc{suffix}"
    body = json.dumps({"id": "a", "text": TEXT}) + "\n" if suffix == ".jsonl" else TEXT
    path.write_bytes(body.encode(encoding))
    [only] = list(read_documents(path))
    assert isinstance(only, InputProblem)
    assert only.message.startswith("UTF-16 text: convert it to UTF-8") and "binary" not in only.message


def _html(charset_tag: str) -> bytes:
    para = ("\u201cJapan and Australia held defence talks in Tokyo on 3 March 2024,\u201d the ministry said, "
            "and the caf\u00e9 near the ministry was full of officials discussing the new agreement. ")
    return (f"<html><head>{charset_tag}<title>Talks</title></head><body><article><h1>Talks in Tokyo</h1>"
            f"<p>{para * 3}</p><p>{para * 2}</p></article></body></html>").encode("windows-1252")


@pytest.mark.parametrize("tag", ['<meta charset="windows-1252">', "<meta charset=iso-8859-1>",
                                 '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'])
def test_html_in_its_declared_charset(tmp_path: Path, tag: str) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(_html(tag))
    [doc] = list(read_documents(path))
    assert isinstance(doc, Document), str(doc)
    assert "\u201cJapan and Australia" in doc.text and "caf\u00e9" in doc.text


def test_html_without_a_declared_charset_stays_strict_utf8(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(_html(""))
    [only] = list(read_documents(path))
    assert isinstance(only, InputProblem) and "invalid UTF-8" in only.message


def _broken_gdelt(tmp_path: Path) -> tuple[Path, set[str], set[str]]:
    """A copy of the GDELT sample with three broken rows, each one that would have given an event;
    returns the path, the event ids of the clean file, and the ids the broken rows carried."""
    assert GDELT is not None, "no GDELT sample under ../shared/data/gdelt"
    rows = GDELT.read_text(encoding="utf-8", errors="replace").splitlines()
    ids = {e["event_id"] for e in I.read_gdelt(GDELT)}
    mapped = [i for i, r in enumerate(rows) if f"gdelt:{r.split(chr(9))[0]}" in ids and i > 0][:3]
    lost = {f"gdelt:{rows[i].split(chr(9))[0]}" for i in mapped}
    a, b, c = mapped
    rows[a] = "\t".join(rows[a].split("\t")[:40])  # truncated row
    cols = rows[b].split("\t")
    cols[1] = "2019-10-24"  # SQLDATE in the wrong format
    rows[b] = "\t".join(cols)
    cols = rows[c].split("\t")
    cols[0] = "9" * 300  # an id no store column holds
    rows[c] = "\t".join(cols)
    path = tmp_path / "broken.export.CSV"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, ids, lost


def test_malformed_gdelt_rows_are_skipped_and_the_rest_stored(store_url: str, tmp_path: Path) -> None:
    path, ids, lost = _broken_gdelt(tmp_path)
    problems: list[str] = []
    with Store(store_url) as store:
        n = I.import_files(store, "gdelt", [path], on_problem=problems.append)
    assert n == len(ids) - 3 and _event_ids(store_url, "gdelt") == ids - lost
    assert len(problems) == 3 and all(p.startswith(f"{path}:") and p.endswith("; skipped") for p in problems)
    assert "expected 61 tab-separated GDELT 2.0 columns, found 40" in problems[0]
    assert "SQLDATE '2019-10-24' is not YYYYMMDD" in problems[1]
    assert "event_id is 306 characters long, over the limit of 255" in problems[2]


def test_import_command_reports_bad_rows_and_goes_on(store_url: str, tmp_path: Path) -> None:
    path, ids, _ = _broken_gdelt(tmp_path)
    res = run("import", "gdelt", path, "--db", store_url)
    assert res.exit_code == 1, res.output  # the good rows are stored; malformed ones make the exit 1
    assert f"imported {len(ids) - 3} gdelt events" in res.output
    assert sum(1 for line in res.output.splitlines() if line.startswith(f"{path}:")) == 3
    # a file that is not a GDELT export at all still stops with one line
    other = tmp_path / "other.CSV"
    other.write_text("a\tb\tc\n", encoding="utf-8")
    res = run("import", "gdelt", other, "--db", store_url)
    assert res.exit_code == 2 and res.output.strip() == f"error: {other}:1: expected 61 tab-separated GDELT 2.0 " \
                                                        "columns, found 3"


def test_readers_without_a_problem_callback_still_raise(tmp_path: Path) -> None:
    path, _, _ = _broken_gdelt(tmp_path)
    with pytest.raises(I.InterchangeError, match=r"broken\.export\.CSV:\d+: expected 61"):
        list(I.read_gdelt(path))


@pytest.mark.parametrize("value", ["2023garbage", "2023-01-01garbage", "2023-04-04 and then words", "2023-13"])
@pytest.mark.parametrize("command", [["events"], ["network"], ["export", "-f", "plover"], ["report", "-o", "r.html"]])
@pytest.mark.parametrize("option", ["--since", "--until"])
def test_date_options_must_be_dates_as_a_whole(tmp_path: Path, command: list[str], option: str, value: str) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    args = [tmp_path / a if a.endswith(".html") else a for a in command]
    res = run(*args, option, value, "--db", db)
    assert res.exit_code == 2
    assert res.output.strip() == f"error: {option} {value!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)"


def test_date_options_still_take_dates(store_url: str) -> None:
    with Store(store_url) as store:
        store.add_events([{"event_id": "x:1", "type": "AGREE", "status": "occurred", "actors": ["JPN", "AUS"],
                           "date": "2023-04-04"}], source="x")
    for value in ("2023", "2023-04", "2023-04-04", " 2023 "):
        res = run("events", "--since", value, "--until", "2023-12-31", "-f", "jsonl", "--db", store_url)
        assert res.exit_code == 0, res.output
        assert "x:1" in res.stdout


def test_iter_events_checks_whole_dates_from_python_too(tmp_path: Path) -> None:
    from latticework.store import Store, StoreError

    with Store(f"sqlite:///{tmp_path}/d.db") as store:
        assert list(store.iter_events(since="2024", until="2024-07-28")) == []
        for bad in ("2024-07-28T10:00", "2024-07-28/2024-08-01", "July 2024", "2024-13"):
            try:
                list(store.iter_events(since=bad))
            except StoreError as exc:
                assert "--since" in str(exc) and "\n" not in str(exc)
            else:
                raise AssertionError(f"{bad!r} must be refused as a whole date")
