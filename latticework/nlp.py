"""Text preparation: drop page furniture, then split what is left into sentences with spaCy.

Noise (share buttons, "also available in" lines, footnote markers, reference lists, author
biographies) is blanked out with spaces rather than cut, so that every character offset we
report still points into the document's original text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from spacy.attrs import IDX, LOWER, ORTH
from spacy.tokens import Doc

# A line that is only page furniture.
_FURNITURE = re.compile(
    r"^\s*(share|paylaş|tweet|print|email|e-mail|facebook|twitter|linkedin|whatsapp|telegram|copy link|"
    r"similar posts|related posts|related articles|read more|read also|see also|advertisement|subscribe.*|"
    r"follow us.*|tags?:.*|categories:.*|comments?|leave a comment|share( this)?( article| post)?:.*|"
    r"(this (post|article|page) is )?also available in:?.*|available in:.*|photo:.*|image:.*|source:.*)\s*$",
    re.I,
)
# The same phrases glued to the start of the first real sentence ("Similar PostsIn July ...").
_FURNITURE_PREFIX = re.compile(r"^\s*(similar posts|related posts|share this|paylaş|advertisement)", re.I)
# How a note or reference entry starts: "[3]", "[iv]", "^", "(a)", "12. ", "iv) ".
_REF_MARKER = re.compile(r"^\s*(\[\w{1,6}\]|\(\w{1,4}\)|\^|\d{1,3}[.)]\s|[ivxlc]{1,6}[.)]\s)", re.I)
# A bracketed footnote marker or a caret: these open a footnote list ("1. " and "(a)" may be a body list).
_NOTE_MARKER = re.compile(r"^\s*(\[\w{1,6}\]|\^)")
_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
# Cues that a line is a citation rather than prose.
_REF_CUE = re.compile(
    r"https?://|www\.|doi\.org|\bdoi:|\bisbn\b|access(ed)? (date|on)|retrieved (on|from)|last accessed|"
    r"available (at|online)|\bet al\.|\bibid\b|\bop\. cit\.|\bpp?\. ?\d|\bvol\. ?\d|\((19|20)\d\d[a-z]?\)|"
    r", (19|20)\d\d\.?\s*$", re.I)
_REFERENCE_HEADING = re.compile(
    r"^\s*(references|notes|endnotes|footnotes|sources|bibliography|works cited|further reading)\s*:?\s*$", re.I)
_BIO_CUES = re.compile(
    r"\b(graduated|graduate of|ph\.?d|master'?s degree|bachelor'?s|doctorate|thesis|research assistant|"
    r"is (currently )?(working|a (senior |research |non-resident )?(fellow|researcher|analyst|specialist|lecturer|professor|journalist|trainee))|"
    r"areas of (specialization|specialisation|expertise)|speaks .* fluently|holds a degree|his research|her research|"
    r"exclusively for|is the author of|joined .* in \d{4} as)\b", re.I)
_BIO_ROLE = re.compile(r"\b(trainee|fellow|analyst|researcher|professor|journalist|editor|specialist)\b", re.I)
# A reporting verb: a line that quotes someone is news, even when it names an analyst's degree.
_REPORTING = re.compile(r"\b(said|says|told|according to|stated|warned|announced)\b", re.I)
_FOOTNOTE_MARK = re.compile(r"\[(?:[ivxlcdm]{1,6}|\d{1,3}|[a-z])\]|\u00b9|\u00b2|\u00b3|[\u2070-\u2079]")
# A wire dateline opening a paragraph: "VILNIUS - ", "FASANO, Italy, June 14 (Agency) - ".
_DATELINE = re.compile(r"^\s*[A-Z][A-Z .'’-]{2,}(, [A-Z][\w .'’-]*){0,2}(, \w{3,9}\.? \d{1,2})?( \([^)]{1,60}\))?\s+[-–—]{1,2}\s+")
_TERMINAL = re.compile(r"[.!?…\"”’)\]]\s*$")
# A line that continues prose although it has no full stop: a lead-in ("... said:"), a list item ending "," or ";".
_CONTINUES = re.compile(r"[,;:]\s*$")
_BULLET = re.compile(r"^\s*[-–—•·▪*]\s+\S")
# A video or teaser list gives each item a duration line ("01:52").
_DURATION = re.compile(r"^\s*\d{1,2}:\d{2}(:\d{2})?\s*$")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# "Brussels, 17-18 October 2024", "Manila, July 8, 2024": where and when a meeting took place.
_PLACE_DATE = re.compile(
    rf"^\s*[A-Z][\w.'’ -]{{1,40}}, (\d{{1,2}}([-–]\d{{1,2}})? {_MONTH},? (19|20)\d\d|{_MONTH} \d{{1,2}}([-–]\d{{1,2}})?, (19|20)\d\d)\s*$",
    re.I)


def _is_reference(line: str, in_references: bool = False) -> bool:
    """A reference-list entry. Outside a reference section it needs a marker with a citation cue, or a
    URL with little else on the line; inside one, a marker alone, a cue alone, or a bare URL line will do."""
    marker = bool(_REF_MARKER.match(line))
    cue = bool(_REF_CUE.search(line))
    rest = len(_URL.sub(" ", line).split())
    if in_references:
        return cue or (marker and len(line.split()) <= 40) or (bool(_URL.search(line)) and rest < 12)
    if marker and cue:
        return True
    return bool(_URL.search(line)) and rest < 8


def _is_bio(stripped: str, words: list[str]) -> bool:
    """An author biography: several biography cues, or one cue and a role word, and nobody is quoted."""
    if _REPORTING.search(stripped):
        return False
    cues = len(_BIO_CUES.findall(stripped))
    return cues >= 2 or (cues == 1 and len(words) < 40 and bool(_BIO_ROLE.search(stripped)))


def _reads_as_text(stripped: str, words: list[str]) -> bool:
    """Whether a short line without a full stop is still part of the text rather than a heading or label:
    a lead-in or list item, a sentence-case clause, at least half its words in lower case (a headline that states something, or a paragraph cut
    without its full stop), or the place and date of what is reported."""
    if len(words) >= 3 and (_CONTINUES.search(stripped) or _BULLET.match(stripped)):
        return True
    if _PLACE_DATE.match(stripped):
        return True
    if "|" in stripped:
        return False  # a menu or a breadcrumb ("Oceania | Security")
    alpha = [w for w in words if any(c.isalpha() for c in w)]
    if len(alpha) < 5:
        return False
    lower = sum(1 for w in alpha if w.lstrip("\"'“‘(")[:1].islower())
    return lower / len(alpha) >= 0.5


@dataclass
class Paragraph:
    start: int  # offset of the paragraph in the document text
    text: str  # cleaned text, same length as the original slice


def _blank(s: str) -> str:
    return re.sub(r"[^\r\n]", " ", s)  # keep line ends as they are, so lines stay lines


def clean_text(text: str) -> str:
    """The document text with furniture, references and biographies replaced by spaces (same length).

    Only lines that are furniture, apparatus or biography are blanked; body text never is. A reference
    section (opened by a "Notes"/"References" heading or a footnote line such as "[1] ... http://...")
    lasts only while the following lines still look like references and ends at the first line that
    reads as prose, so a stray footnote in the middle of an article cannot swallow what follows it.
    """
    lines = text.splitlines(keepends=True)
    bodies = [line.rstrip("\r\n") for line in lines]
    nonempty = [k for k, b in enumerate(bodies) if b.strip()]
    # A video or teaser list: the line before a duration line ("01:52") is an item's title, and so is a
    # heading-like line after one; a sentence after one is not.
    teaser_before: set[int] = set()
    teaser_after: set[int] = set()
    for j, k in enumerate(nonempty):
        if _DURATION.match(bodies[k]):
            teaser_before.update(nonempty[max(0, j - 1):j + 1])
            teaser_after.update(nonempty[j + 1:j + 2])
    seen: set[str] = set()
    out: list[str] = []
    in_references = False
    dateline_done = False
    for k, line in enumerate(lines):
        body = bodies[k]
        stripped = body.strip()
        if not stripped:
            out.append(line)
            continue
        words = stripped.split()
        repeated = stripped in seen
        seen.add(stripped)
        drop = False
        if _REFERENCE_HEADING.match(stripped):
            in_references, drop = True, True
        elif in_references and _is_reference(stripped, in_references=True):
            drop = True
        else:
            in_references = False  # the first line that is not a reference ends the section
            if _FURNITURE.match(stripped) or k in teaser_before:
                drop = True
            elif _is_reference(stripped):
                drop = True
                in_references = bool(_NOTE_MARKER.match(stripped))  # a footnote list may follow
            elif _is_bio(stripped, words):
                drop = True
            elif len(words) <= 16 and not _TERMINAL.search(stripped):
                # headings, bylines, names, dates; not a short line that is part of the text, unless it
                # repeats an earlier line (a page title printed twice)
                drop = repeated or k in teaser_after or not _reads_as_text(stripped, words)
        if drop:
            out.append(_blank(line))
            continue
        m = _FURNITURE_PREFIX.match(body)
        if not m and not dateline_done:
            m = _DATELINE.match(body)
            dateline_done = True  # a wire dateline opens the first paragraph, not later ones ("NATO - ...")
        if m:
            body = " " * m.end() + body[m.end():]
        body = _FOOTNOTE_MARK.sub(lambda mm: " " * len(mm.group()), body)
        out.append(body + line[len(body):])
    cleaned = "".join(out)
    assert len(cleaned) == len(text)
    return cleaned


def paragraphs(text: str) -> Iterator[Paragraph]:
    """Non-empty paragraphs (lines) of the cleaned text, with their offsets."""
    cleaned = clean_text(text)
    pos = 0
    for line in cleaned.splitlines(keepends=True):
        if line.strip():
            yield Paragraph(pos, line.rstrip("\r\n"))
        pos += len(line)


class Tok(NamedTuple):
    """A token as plain Python values: reading spaCy tokens one by one from Python is the slow part."""

    i: int
    text: str
    lower_: str
    idx: int


class TokSlice(list):
    """A run of tokens that can give back its text."""

    def __init__(self, toks: list[Tok], para: str) -> None:
        super().__init__(toks)
        self.para = para

    @property
    def text(self) -> str:
        return self.para[self[0].idx:self[-1].idx + len(self[-1].text)] if self else ""

    @property
    def start(self) -> int:
        return self[0].i if self else 0

    @property
    def end(self) -> int:
        return self[-1].i + 1 if self else 0


class Toks:
    """The tokens of one paragraph, read out of spaCy once."""

    def __init__(self, doc: Doc, text: str | None = None) -> None:
        self.text = doc.text if text is None else text  # Doc.text rebuilds the string token by token
        arr = doc.to_array([ORTH, LOWER, IDX]).tolist() if len(doc) else []
        strings = doc.vocab.strings
        self.toks = [Tok(i, strings[o], strings[lo], idx) for i, (o, lo, idx) in enumerate(arr)]
        self._starts = [t.idx for t in self.toks]

    def __len__(self) -> int:
        return len(self.toks)

    def __getitem__(self, k):  # type: ignore[no-untyped-def]
        if isinstance(k, slice):
            return TokSlice(self.toks[k], self.text)
        return self.toks[k]

    def char_span(self, start: int, end: int, alignment_mode: str = "expand") -> TokSlice | None:
        """Tokens overlapping the characters [start, end) of the paragraph."""
        lo = max(0, bisect_right(self._starts, start) - 1)
        hi = bisect_left(self._starts, end)
        span = [t for t in self.toks[lo:hi] if t.idx + len(t.text) > start]
        return TokSlice(span, self.text) if span else None


@dataclass
class Sent:
    doc: Toks
    start: int
    end: int
    start_char: int
    end_char: int

    @property
    def text(self) -> str:
        return self.doc.text[self.start_char:self.end_char]

    def __iter__(self) -> Iterator[Tok]:
        return iter(self.doc.toks[self.start:self.end])


_SENT_PUNCT = {".", "!", "?", "…", "...", "?!", "!?", "。"}
_CLOSERS = {"”", '"', "’", "'", ")", "]", "»", ".", "!", "?", "…"}


def sentences(doc: Doc, text: str | None = None) -> tuple[Toks, list[Sent]]:
    """Sentences of a paragraph from the sentencizer's boundary flags, without spaCy Span objects."""
    toks = Toks(doc, text)
    if not len(toks):
        return toks, []
    starts = [0]
    ends_sentence = False
    for t in toks.toks:
        if ends_sentence and t.text not in _CLOSERS:
            starts.append(t.i)
            ends_sentence = False
        if t.text in _SENT_PUNCT:
            ends_sentence = True
    out = []
    for a, b in zip(starts, [*starts[1:], len(toks)], strict=True):
        last = toks.toks[b - 1]
        out.append(Sent(toks, a, b, toks.toks[a].idx, last.idx + len(last.text)))
    return toks, out
