"""The furniture cleaner (`latticework.nlp.clean_text`) on real documents and on small made-up cases.

Cleaning may blank page furniture, reference lists and author biographies, but never body text: every
gold event note of the development set must come out unchanged at its offset, and each document keeps
most of its words. Real texts are read from ../shared at run time and never stored here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from latticework.nlp import clean_text, paragraphs

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
NEWS_DEV = SHARED / "corpus" / "news-dev"
SEEDS = SHARED / "corpus" / "seeds.jsonl"

# Each document keeps at least this share of its words. Measured with this cleaner: 28 of the 32 documents
# keep 0.91 or more (lowest nd-10, 0.910) and 23 keep 0.95 or more; what they lose are headings, bylines,
# date lines and captions. Documents whose pages carry a block of real furniture are named with their
# measured figure and a lower floor, so that a regression anywhere else still fails.
KEEP_FLOOR = 0.90
KNOWN_FURNITURE = {
    "nd-04": 0.85,  # weather widget (place / temperature / degree sign lines), section label, title repeated
    "nd-05": 0.72,  # a list of video teasers with their durations (0.747)
    "nd-22": 0.73,  # share bar printed twice and the title printed three times (0.760)
    "seed-ankasam-2024-07": 0.73,  # five footnote references with URLs and the author's biography (0.762)
}
POOLED_FLOOR = 0.92  # all words of all documents together (measured 0.94)


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _documents() -> list[dict]:
    if not (NEWS_DEV / "docs.jsonl").is_file() or not SEEDS.is_file():
        pytest.skip("../shared/corpus is not available")
    return _jsonl(NEWS_DEV / "docs.jsonl") + _jsonl(SEEDS)


def _kept(text: str) -> float:
    return len(clean_text(text).split()) / max(1, len(text.split()))


def test_gold_notes_survive_cleaning() -> None:
    docs = {d["id"]: d["text"] for d in _documents()}
    lost = []
    checked = 0
    for gold in _jsonl(NEWS_DEV / "gold.jsonl"):
        text = docs[gold["doc_id"]]
        cleaned = clean_text(text)
        for event in gold["events"]:
            note = event["note"]
            at = text.find(note)
            assert at >= 0, (gold["doc_id"], note)
            checked += 1
            if cleaned[at:at + len(note)] != note:
                lost.append((gold["doc_id"], note))
    assert checked > 150
    assert not lost, lost


@pytest.mark.parametrize("doc", _documents() if (NEWS_DEV / "docs.jsonl").is_file() and SEEDS.is_file() else [],
                         ids=lambda d: d["id"])
def test_each_document_keeps_its_words(doc: dict) -> None:
    cleaned = clean_text(doc["text"])
    assert len(cleaned) == len(doc["text"])
    kept = _kept(doc["text"])
    assert kept >= KNOWN_FURNITURE.get(doc["id"], KEEP_FLOOR), f"{doc['id']} keeps {kept:.3f} of its words"


def test_pooled_kept_words() -> None:
    docs = _documents()
    total = sum(len(d["text"].split()) for d in docs)
    kept = sum(len(clean_text(d["text"]).split()) for d in docs)
    assert kept / total >= POOLED_FLOOR, kept / total


# Made-up cases.

BODY_A = "The two defence ministers signed a logistics agreement in Oslo on Monday."
BODY_B = "They also agreed to hold a joint naval exercise in the Baltic next spring."


def test_footnote_line_in_the_middle_keeps_the_prose_after_it() -> None:
    text = "\n".join([BODY_A, "[1] Ministry statement, https://example.org/statement, accessed 3 May 2024.",
                      BODY_B, "A third paragraph follows with more reporting on the talks."])
    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    assert BODY_A in cleaned and BODY_B in cleaned
    assert "A third paragraph follows with more reporting on the talks." in cleaned
    assert "example.org" not in cleaned


def test_caret_footnote_in_the_middle_keeps_the_prose_after_it() -> None:
    text = "\n".join([BODY_A, "^ Smith et al. (2021), p. 4.", BODY_B])
    cleaned = clean_text(text)
    assert BODY_A in cleaned and BODY_B in cleaned
    assert "Smith" not in cleaned


@pytest.mark.parametrize("heading", ["Notes", "Sources", "References:", "Footnotes"])
def test_heading_in_the_middle_does_not_swallow_the_rest(heading: str) -> None:
    text = "\n".join([BODY_A, heading, BODY_B, "[2] Ibid."])
    cleaned = clean_text(text)
    assert BODY_A in cleaned and BODY_B in cleaned
    assert heading not in cleaned and "Ibid" not in cleaned


def test_reference_list_at_the_end_is_blanked() -> None:
    refs = ["Notes",
            "[1] Joint statement of the ministers, 4 March 2024.",
            "[2] \u201cA title of a report\u201d, Some Agency, https://example.com/report, (Accessed 2 May 2024).",
            "[3] Ibid.",
            "References",
            "Doe, J. (2023). A book about alliances. Exampleton: Example Press.",
            "Roe, R. et al. Sea power and its limits, pp. 12-30.",
            "https://www.example.net/another-source"]
    text = "\n".join([BODY_A, BODY_B, *refs]) + "\n"
    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    assert cleaned.startswith(BODY_A + "\n" + BODY_B + "\n")
    assert not cleaned[len(BODY_A) + len(BODY_B) + 2:].strip()


def test_reference_section_ends_at_the_first_prose_line() -> None:
    text = "\n".join(["References", "[1] https://example.org/a", "[2] https://example.org/b", BODY_B])
    cleaned = clean_text(text)
    assert BODY_B in cleaned and "example.org" not in cleaned


def test_offsets_are_preserved() -> None:
    text = ("Share\r\nWASHINGTON - " + BODY_A + "[3]\r\n\r\nNotes\n[3] https://example.org/x\n" + BODY_B
            + "\nPhoto: somebody\n")
    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    assert [k for k, c in enumerate(text) if c in "\r\n"] == [k for k, c in enumerate(cleaned) if c in "\r\n"]
    for para in paragraphs(text):
        body = para.text.strip()
        assert text[para.start:para.start + len(para.text)].strip().endswith(body) or body in text
    at = text.index(BODY_B)
    assert cleaned[at:at + len(BODY_B)] == BODY_B
    at = text.index(BODY_A)
    assert cleaned[at:at + len(BODY_A)] == BODY_A
    assert "WASHINGTON" not in cleaned and "Photo" not in cleaned and "[3]" not in cleaned


def test_short_text_lines_are_kept_and_headings_dropped() -> None:
    heading = "Ministers Meet In Oslo"
    lead_in = "The defence secretary said:"
    item = "- a logistics agreement, a training plan and a joint exercise;"
    headline = "Norway and Denmark sign a new defence pact"
    place_date = "Oslo, 4-5 March 2024"
    last = "Among the documents signed on Monday was a memorandum on training"  # cut without a full stop
    text = "\n".join([heading, headline, place_date, BODY_A, lead_in, item, "by Staff Writers", last])
    cleaned = clean_text(text)
    for kept in (headline, place_date, BODY_A, lead_in, item, last):
        assert kept in cleaned, kept
    for dropped in (heading, "Staff Writers"):
        assert dropped not in cleaned, dropped


def test_repeated_title_and_teaser_list_are_dropped() -> None:
    title = "Norway and Denmark sign a new defence pact"
    teaser = "Floods close roads in the north of the country"
    text = "\n".join([title, BODY_A, title, "Go to video", teaser, "01:40", BODY_B])
    cleaned = clean_text(text)
    assert cleaned.count(title) == 1 and teaser not in cleaned
    assert BODY_A in cleaned and BODY_B in cleaned


def test_dateline_only_opens_the_first_paragraph() -> None:
    text = "OSLO - " + BODY_A + "\nNATO - the alliance of 32 states - welcomed the agreement on Tuesday."
    cleaned = clean_text(text)
    assert not cleaned.startswith("OSLO")
    assert "NATO - the alliance of 32 states" in cleaned


def test_quoted_analyst_is_not_a_biography() -> None:
    line = ("Jane Roe, a senior fellow who graduated from a naval academy, said the agreement "
            "commits both navies to joint patrols.")
    bio = "Jane Roe is a senior fellow at an invented institute. Her PhD thesis was on naval alliances."
    cleaned = clean_text(line + "\n" + bio)
    assert line in cleaned and "thesis" not in cleaned


def test_numbered_body_paragraph_with_a_quotation_is_kept() -> None:
    line = "  1. The ministers welcomed the agreement on the \u201cjoint training plan\u201d for 2025."
    assert clean_text(line) == line
