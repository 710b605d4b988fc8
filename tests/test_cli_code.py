"""`latticework code` end to end, as a user runs it (a real subprocess: exit codes, stderr, files)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import jsonschema

SHARED = Path(__file__).parents[1] / ".." / "shared"
SEEDS = SHARED / "corpus" / "seeds.jsonl"
EVENT_SCHEMA = json.loads((SHARED / "schema" / "event.schema.json").read_text(encoding="utf-8"))

EN = "Japan and Australia signed a defence pact in Canberra on 5 May 2024. The two ministers also agreed to hold joint exercises next year."
EN2 = "The navy of Indonesia held talks with its counterpart from India about the security of the sea lanes in the region."
ES = ("El ministerio de defensa anunció que las fuerzas armadas participarán en unas maniobras conjuntas con "
      "Japón durante el verano, según fuentes oficiales consultadas por este periódico. La armada enviará "
      "dos fragatas a la región durante varios meses y los ministros se reunirán en Madrid antes de "
      "que termine este año.")


def _code(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    cmd = [sys.executable, "-c", "from latticework.cli import main; main()", "code", *args]
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=600)


def _events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _check_events(events: list[dict], texts: dict[str, str]) -> None:
    for e in events:
        jsonschema.validate(e, EVENT_SCHEMA)
        ev = e["evidence"]
        assert texts[e["doc_id"]][ev["start"]:ev["end"]] == ev["text"]


def test_codes_the_seeds_into_schema_valid_events(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    res = _code(str(SEEDS), "-o", str(out))
    assert res.returncode == 0, res.stderr
    texts = {d["id"]: d["text"] for d in map(json.loads, SEEDS.read_text(encoding="utf-8").splitlines())}
    _check_events(_events(out), texts)
    assert b"coded 2 documents" in res.stderr and b"0 problem(s)" in res.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["events.jsonl"]  # the temporary file was renamed


def _bad_inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(b"\n".join([
        json.dumps({"id": "good1", "text": EN, "published": "2024-05-06"}).encode(),
        json.dumps({"id": "empty", "text": ""}).encode(),
        b'{"id": "cut", "text": "Japan and',
        json.dumps({"id": "es", "text": ES}).encode(),
        json.dumps({"id": "bytes", "text": "BYTES " + EN}).encode().replace(b"BYTES", b"\xc3\x28"),
        json.dumps({"title": "no id", "text": EN}).encode(),
        json.dumps({"id": "good2", "text": EN2, "published": "2024-05-06"}).encode(),
    ]) + b"\n")
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"%PDF-1.7\n\x00\x01\x02binary stream\x00" * 50)
    note = tmp_path / "note.txt"
    note.write_text(EN2, encoding="utf-8")
    return corpus, binary, note


def test_bad_input_is_reported_one_line_each_and_the_run_goes_on(tmp_path: Path) -> None:
    corpus, binary, note = _bad_inputs(tmp_path)
    out = tmp_path / "out.jsonl"
    res = _code(str(corpus), str(binary), str(note), "-o", str(out), "--published", "2024-05-06")
    assert res.returncode == 1
    err = res.stderr.decode()
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[:6] == [
        f"{corpus}:2 (id empty): empty text; skipped",
        f"{corpus}:3: malformed JSON at column 23 (Unterminated string starting); skipped",
        f"{corpus}:4 (id es): text does not look like English; skipped",
        f"{corpus}:5: invalid UTF-8 (byte 0xc3); skipped",
        f"{corpus}:6: document has no \"id\"; skipped",
        f"{binary}: binary file (NUL bytes), not text; skipped",
    ]
    assert lines[6] == f"coded 3 documents: {len(_events(out))} events to {out}; 6 problem(s)"
    texts = {"good1": EN, "good2": EN2, "note": EN2}
    _check_events(_events(out), texts)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.jsonl", "note.txt", "out.jsonl", "scan.txt"]


def test_strict_stops_at_the_first_problem_and_keeps_the_old_output(tmp_path: Path) -> None:
    corpus, _, _ = _bad_inputs(tmp_path)
    out = tmp_path / "out.jsonl"
    out.write_text("previous run\n", encoding="utf-8")
    res = _code(str(corpus), "-o", str(out), "--strict", "--quiet")
    assert res.returncode == 1
    assert res.stderr.decode().strip().splitlines() == [f"{corpus}:2 (id empty): empty text; skipped"]
    assert out.read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.jsonl", "note.txt", "out.jsonl", "scan.txt"]  # no temp file


def test_stdin_text_to_stdout_and_gz_directory(tmp_path: Path) -> None:
    res = _code("-", "--published", "2024-05-06", "--quiet", stdin=EN.encode())
    assert res.returncode == 0 and res.stderr == b""
    _check_events([json.loads(x) for x in res.stdout.decode().splitlines()], {"stdin": EN})
    d = tmp_path / "docs"
    d.mkdir()
    with gzip.open(d / "a.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "gz1", "text": EN, "published": "2024-05-06"}) + "\n")
    (d / "b.txt").write_text(EN2, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    res = _code(str(d), "-o", str(out))
    assert res.returncode == 0 and b"coded 2 documents" in res.stderr
    _check_events(_events(out), {"gz1": EN, "b": EN2})


def test_bad_options_and_paths_are_one_line_errors(tmp_path: Path) -> None:
    res = _code(str(SEEDS), "--published", "last tuesday")
    assert res.returncode == 2 and b"not an ISO date" in res.stderr and b"Traceback" not in res.stderr
    res = _code(str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.jsonl"), "--quiet")
    assert res.returncode == 1
    assert res.stderr.decode().strip() == f"{tmp_path / 'missing.jsonl'}: no such file or directory"
    assert (tmp_path / "o.jsonl").read_text() == ""  # an empty run still leaves a valid (empty) file
    res = _code(str(SEEDS), "-o", str(tmp_path / "no-such-dir" / "o.jsonl"))
    assert res.returncode == 2 and b"Traceback" not in res.stderr
    assert res.stderr.decode().strip() == f"error: {tmp_path / 'no-such-dir' / 'o.jsonl'}: cannot write here (No such file or directory)"


def test_an_obvious_sentence_gives_its_event() -> None:
    """End to end through stdin: the real coder finds the signing, with both parties."""
    sentence = "Japan and Australia signed a defence pact in Canberra on 5 May 2024."
    res = _code("-", "--published", "2024-05-06", "--quiet", stdin=sentence.encode())
    assert res.returncode == 0, res.stderr
    events = [json.loads(x) for x in res.stdout.decode().splitlines()]
    _check_events(events, {"stdin": sentence})
    signed = [e for e in events if e["type"] == "AGREE" and set(e["actors"]) == {"AUS", "JPN"}]
    assert signed and signed[0]["date"] == "2024-05-05"


def test_extra_dictionary_folder_extends_the_actors(tmp_path: Path) -> None:
    """A user adds an alias in their own folder and the coder uses it, without touching the package."""
    import subprocess
    import sys

    extra = tmp_path / "mydict"
    extra.mkdir()
    (extra / "aliases.tsv").write_text("code\tkind\talias\nNZL\tgovernment\tBeehive\n", encoding="utf-8")
    docs = tmp_path / "d.jsonl"
    docs.write_text('{"id": "x", "text": "The Beehive and Canberra held talks on 3 May 2024.", '
                    '"published": "2024-05-05"}\n', encoding="utf-8")
    cli = str(Path(sys.executable).parent / "latticework")
    plain = subprocess.run([cli, "code", str(docs), "-q"], capture_output=True, text=True, check=True)
    extended = subprocess.run([cli, "code", str(docs), "-q", "--data", str(extra)], capture_output=True, text=True,
                              check=True)
    assert plain.stdout.strip() == ""
    ev = json.loads(extended.stdout.splitlines()[0])
    assert set(ev["actors"]) == {"NZL", "AUS"}
