"""read_documents: every input format, and every kind of bad input as a named, one-line problem."""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc
from pathlib import Path

from latticework.ingest import Document, InputProblem, looks_english, normalise_published, read_documents

EN = "Japan and Australia signed a defence pact in Canberra on 5 May 2024. The two ministers also agreed to hold joint exercises next year."
EN2 = "The navy of Indonesia held talks with its counterpart from India about the security of the sea lanes in the region."
DE = ("Die Bundesregierung hat am Montag beschlossen, die Verteidigungsausgaben im nächsten Jahr deutlich zu "
      "erhöhen, wie ein Sprecher des Ministeriums mitteilte. Außerdem sollen neue Fregatten gekauft werden. "
      "Die Marine soll bis zum Ende des Jahrzehnts deutlich wachsen, und die Luftwaffe erhält weitere "
      "Transportflugzeuge für ihre Einsätze im Ausland.")
FR = ("Le gouvernement français a annoncé mardi une nouvelle coopération militaire avec le Japon, selon un "
      "communiqué publié par le ministère des Armées. Les deux pays organiseront des manœuvres communes. "
      "La marine nationale enverra une frégate dans la région pendant plusieurs mois, et les deux "
      "ministres se retrouveront à Tokyo avant la fin de cette année.")
JA = "日本とオーストラリアは五月五日にキャンベラで防衛協定に署名した。両国の国防相は来年共同訓練を行うことで合意した。"


def _jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def _split(items: list[Document | InputProblem]) -> tuple[list[Document], list[InputProblem]]:
    docs = [i for i in items if isinstance(i, Document)]
    probs = [i for i in items if isinstance(i, InputProblem)]
    return docs, probs


def test_jsonl_fields_origin_and_extra(tmp_path: Path) -> None:
    f = _jsonl(tmp_path / "a.jsonl", [
        {"id": "d1", "text": EN, "published": "2024-05-06", "title": "Pact", "source": "Wire", "url": "http://x",
         "language": "en", "desk": "asia"},
        {"id": "d2", "text": EN2},
    ])
    docs, probs = _split(list(read_documents([f], published="2024-01-01")))
    assert probs == []
    assert [d.id for d in docs] == ["d1", "d2"]
    assert docs[0].published == "2024-05-06" and docs[0].title == "Pact" and docs[0].extra == {"desk": "asia"}
    assert docs[0].origin == f"{f}:1" and docs[1].origin == f"{f}:2"
    assert docs[1].published == "2024-01-01"  # the anchor fills in documents without a date


def test_each_bad_line_is_a_problem_and_the_stream_goes_on(tmp_path: Path) -> None:
    f = tmp_path / "bad.jsonl"
    lines = [
        json.dumps({"id": "ok1", "text": EN}).encode(),
        json.dumps({"id": "empty", "text": "   \n "}).encode(),
        json.dumps({"text": EN}).encode(),
        b'{"id": "broken", "text": ',
        json.dumps({"id": "latin1", "text": "x"}).encode().replace(b'"x"', b'"caf\xe9 ' + EN.encode() + b'"'),
        json.dumps({"id": "de", "text": DE}).encode(),
        json.dumps({"id": "tagged", "text": EN, "language": "fr"}).encode(),
        json.dumps({"id": "ok1", "text": EN2}).encode(),
        json.dumps(["not", "an", "object"]).encode(),
        json.dumps({"id": "ok2", "text": EN2}).encode(),
        b'{"id": "sur", "text": "Japan \\ud83d and Korea met."}',
        json.dumps({"id": "emoji", "text": "Japan \U0001F600 and Korea met."}).encode(),
    ]
    f.write_bytes(b"\n".join(lines) + b"\n")
    docs, probs = _split(list(read_documents([f])))
    assert [d.id for d in docs] == ["ok1", "ok2", "emoji"]
    msgs = {p.where: p.message for p in probs}
    assert len(probs) == 9
    assert "surrogate" in msgs[f"{f}:11 (id sur)"]
    assert "empty text" in msgs[f"{f}:2 (id empty)"]
    assert 'no "id"' in msgs[f"{f}:3"]
    assert "malformed JSON" in msgs[f"{f}:4"]
    assert "invalid UTF-8" in msgs[f"{f}:5"] and "0xe9" in msgs[f"{f}:5"]
    assert "English" in msgs[f"{f}:6 (id de)"]
    assert "'fr'" in msgs[f"{f}:7 (id tagged)"]
    assert "duplicate id 'ok1'" in msgs[f"{f}:8 (id ok1)"]
    assert "JSON object" in msgs[f"{f}:9"]
    for p in probs:  # one line each, naming the file
        assert "\n" not in str(p) and str(f) in str(p)


def test_oversized_document_is_rejected_without_loading_it(tmp_path: Path) -> None:
    f = tmp_path / "big.jsonl"
    limit = 1_000_000
    with open(f, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "small", "text": EN}) + "\n")
        fh.write(json.dumps({"id": "mid", "text": "word " * (limit // 5 + 10)}) + "\n")  # text just over
        fh.write(json.dumps({"id": "huge", "text": "defence " * (3 * limit // 8)}) + "\n")  # line over 2x
        fh.write(json.dumps({"id": "after", "text": EN2}) + "\n")
    tracemalloc.start()
    items = list(read_documents([f], max_bytes=limit))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    docs, probs = _split(items)
    assert [d.id for d in docs] == ["small", "after"]
    assert [p.where for p in probs] == [f"{f}:2 (id mid)", f"{f}:3"]
    assert all("limit" in p.message for p in probs)
    assert peak < 8 * limit  # the 3 MB line was skipped in chunks, not decoded and parsed


def test_default_limit_rejects_a_20_mb_text_file(tmp_path: Path) -> None:
    f = tmp_path / "dump.txt"
    f.write_bytes(b"The ministers met again. " * (20 * 1024 * 1024 // 25 + 1))
    docs, probs = _split(list(read_documents([f])))
    assert docs == [] and len(probs) == 1 and "10.0 MB limit" in probs[0].message


def test_txt_html_gz_and_directory(tmp_path: Path) -> None:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "b-note.txt").write_text(EN, encoding="utf-8")
    (d / "sub" / "c.txt.gz").write_bytes(gzip.compress(EN2.encode()))
    _jsonl(d / "a.jsonl", [{"id": "j1", "text": EN2}])
    with gzip.open(d / "sub" / "z.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "z1", "text": EN}) + "\n")
    (d / "page.html").write_text(
        "<html><head><title>Pact in Canberra</title>"
        '<meta property="article:published_time" content="2024-05-06"></head><body>'
        "<nav>Home | World | Share on X</nav><article><h1>Pact in Canberra</h1>"
        f"<p>{EN}</p><p>{EN2}</p></article><footer>Copyright notice</footer></body></html>",
        encoding="utf-8")
    (d / "notes.md").write_text("ignored", encoding="utf-8")
    docs, probs = _split(list(read_documents([d], published="2024-06-01")))
    assert probs == []
    assert [x.id for x in docs] == ["j1", "b-note", "page", "c", "z1"]  # sorted paths
    by = {x.id: x for x in docs}
    assert by["b-note"].text == EN and by["b-note"].published == "2024-06-01"
    assert by["c"].text == EN2 and by["z1"].origin.endswith("z.jsonl.gz:1")
    assert by["page"].published == "2024-05-06" and by["page"].title == "Pact in Canberra"
    assert EN in by["page"].text and "Share on X" not in by["page"].text


def test_stdin_jsonl_and_plain_text() -> None:
    data = ("\n" + json.dumps({"id": "s1", "text": EN}) + "\n").encode()
    docs, probs = _split(list(read_documents(["-"], stdin=io.BytesIO(data))))
    assert probs == [] and [d.id for d in docs] == ["s1"]
    docs, probs = _split(list(read_documents(["-"], published="2024-05-07", stdin=io.BytesIO(EN.encode()))))
    assert probs == [] and docs[0].id == "stdin" and docs[0].text == EN and docs[0].published == "2024-05-07"


def test_binary_missing_and_corrupt_files(tmp_path: Path) -> None:
    binf = tmp_path / "image.txt"
    binf.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    badgz = tmp_path / "x.jsonl.gz"
    badgz.write_bytes(b"this is not gzip data at all")
    bad_txt = tmp_path / "t.txt"
    bad_txt.write_bytes(b"First line is fine.\nSecond line too.\nThird has \xff\xfe in it.\n")
    good = _jsonl(tmp_path / "good.jsonl", [{"id": "g", "text": EN}])
    items = list(read_documents([binf, tmp_path / "nope.jsonl", badgz, bad_txt, good]))
    docs, probs = _split(items)
    assert [d.id for d in docs] == ["g"]
    assert [p.where for p in probs] == [str(binf), str(tmp_path / "nope.jsonl"), str(badgz), f"{bad_txt}:3"]
    assert "binary" in probs[0].message and "no such file" in probs[1].message
    assert "cannot read" in probs[2].message and "invalid UTF-8" in probs[3].message


def test_language_check_can_be_switched_off(tmp_path: Path) -> None:
    f = _jsonl(tmp_path / "l.jsonl", [{"id": "fr", "text": FR}, {"id": "ja", "text": JA}])
    assert len(_split(list(read_documents([f])))[1]) == 2
    docs, probs = _split(list(read_documents([f], language_check=False)))
    assert probs == [] and [d.id for d in docs] == ["fr", "ja"]


def test_looks_english() -> None:
    assert looks_english(EN) and looks_english(EN2)
    assert not looks_english(DE) and not looks_english(FR) and not looks_english(JA)
    assert looks_english("NATO")  # too short to judge
    names = ("Participants: Australia, United States, Japan, Canada, France, Germany, India, Indonesia, "
             "New Zealand, Papua New Guinea, Philippines, Singapore, South Korea, Tonga, United Kingdom, "
             "Fiji, Netherlands, Norway, Peru, Chile, Brunei, Malaysia, Thailand, Vietnam, Mexico, Brazil.")
    assert looks_english(names)  # a list of names is not evidence of another language


def test_stream_is_lazy(tmp_path: Path) -> None:
    """The first document arrives before a broken tail is read: nothing is loaded up front."""
    f = tmp_path / "s.jsonl"
    f.write_bytes((json.dumps({"id": "first", "text": EN}) + "\n").encode() + b"{broken\n" * 3)
    it = read_documents([f])
    first = next(it)
    assert isinstance(first, Document) and first.id == "first"
    assert all(isinstance(x, InputProblem) for x in it)


def test_memory_stays_flat_on_a_large_jsonl(tmp_path: Path) -> None:
    """10k documents (~20 MB): traced memory while streaming is a small fraction of the file."""
    f = tmp_path / "large.jsonl.gz"
    with gzip.open(f, "wt", encoding="utf-8", compresslevel=1) as fh:
        for i in range(10_000):
            fh.write(json.dumps({"id": f"d{i}", "text": f"{EN} {EN2} " * 8 + f"({i})"}) + "\n")
    tracemalloc.start()
    count = 0
    samples = []
    for item in read_documents([f]):
        assert isinstance(item, Document)
        count += 1
        if count % 2_500 == 0:
            samples.append(tracemalloc.get_traced_memory()[0])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 10_000
    assert peak < 6 * 2**20  # the decompressed file is about 20 MB
    assert samples[-1] - samples[0] < 4 * 2**20  # only the set of seen ids grows


def test_published_dates_are_normalised_or_rejected(tmp_path: Path) -> None:
    assert normalise_published("2024-07-30T10:00:00Z") == "2024-07-30T10:00:00Z"
    assert normalise_published("30 July 2024") == "2024-07-30"
    assert normalise_published("Tue, 30 Jul 2024 10:00:00 GMT") == "2024-07-30"
    assert normalise_published("2024-02-30") is None and normalise_published("last week") is None
    f = _jsonl(tmp_path / "p.jsonl", [{"id": "a", "text": EN, "published": "July 30, 2024"},
                                      {"id": "b", "text": EN, "published": "soon"},
                                      {"id": "c", "text": EN, "published": ""}])
    docs, probs = _split(list(read_documents([f], published="2024-01-02")))
    assert [(d.id, d.published) for d in docs] == [("a", "2024-07-30"), ("c", "2024-01-02")]
    assert [str(p) for p in probs] == [f"{f}:2 (id b): published 'soon' is not a date; skipped"]
