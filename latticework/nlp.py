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
from functools import lru_cache
from typing import NamedTuple

import spacy
from spacy.attrs import IDX, LOWER, ORTH
from spacy.language import Language
from spacy.tokens import Doc

# A line that is only page furniture.
_FURNITURE = re.compile(
    r"^\s*(share|paylaş|tweet|print|email|e-mail|facebook|twitter|linkedin|whatsapp|telegram|copy link|"
    r"similar posts|related posts|related articles|read more|read also|see also|advertisement|subscribe.*|"
    r"follow us.*|tags?:.*|categories:.*|comments?|leave a comment|share this( article| post)?:?|"
    r"(this (post|article|page) is )?also available in:?.*|available in:.*|photo:.*|image:.*|source:.*)\s*$",
    re.I,
)
# The same phrases glued to the start of the first real sentence ("Similar PostsIn July ...").
_FURNITURE_PREFIX = re.compile(r"^\s*(similar posts|related posts|share this|paylaş|advertisement)", re.I)
_REF_MARKER = re.compile(r"^\s*(\[\w{1,6}\]|\(\w{1,4}\)|\^|\d{1,3}[.)]\s|[ivxlc]{1,6}[.)]\s)", re.I)
_REF_CUE = re.compile(r"https?://|www\.|access(ed)? (date|on)|retrieved (on|from)|doi\.org|last accessed|“|\bet al\.", re.I)


def _is_reference(line: str) -> bool:
    """A reference-list entry: a footnote marker with a citation cue, or a short line with a URL."""
    if _REF_MARKER.match(line) and _REF_CUE.search(line):
        return True
    return bool(re.search(r"https?://|www\.", line)) and len(line.split()) < 40
_REFERENCE_HEADING = re.compile(r"^\s*(references|notes|endnotes|footnotes|sources|bibliography|works cited)\s*:?\s*$", re.I)
_BIO_CUES = re.compile(
    r"\b(graduated|graduate of|ph\.?d|master'?s degree|bachelor'?s|doctorate|thesis|research assistant|"
    r"is (currently )?(working|a (senior |research |non-resident )?(fellow|researcher|analyst|specialist|lecturer|professor|journalist|trainee))|"
    r"areas of (specialization|specialisation|expertise)|speaks .* fluently|holds a degree|his research|her research|"
    r"exclusively for|is the author of|joined .* in \d{4} as)\b", re.I)
_FOOTNOTE_MARK = re.compile(r"\[(?:[ivxlcdm]{1,6}|\d{1,3}|[a-z])\]|\u00b9|\u00b2|\u00b3|[\u2070-\u2079]")
# A wire dateline opening a paragraph: "VILNIUS - ", "FASANO, Italy, June 14 (Agency) - ".
_DATELINE = re.compile(r"^\s*[A-Z][A-Z .'’-]{2,}(, [A-Z][\w .'’-]*){0,2}(, \w{3,9}\.? \d{1,2})?( \([^)]{1,60}\))?\s+[-–—]{1,2}\s+")
_TERMINAL = re.compile(r"[.!?…\"”’)\]]\s*$")


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """A blank English pipeline (tokenizer only): fast, no model weights; sentences are cut by `sentences`."""
    return spacy.blank("en")


@dataclass
class Paragraph:
    start: int  # offset of the paragraph in the document text
    text: str  # cleaned text, same length as the original slice


def _blank(s: str) -> str:
    return re.sub(r"[^\n]", " ", s)


def clean_text(text: str) -> str:
    """The document text with furniture, references and biographies replaced by spaces (same length)."""
    out: list[str] = []
    in_references = False
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        stripped = body.strip()
        if not stripped:
            out.append(line)
            continue
        words = stripped.split()
        drop = False
        if _REFERENCE_HEADING.match(stripped):
            in_references, drop = True, True
        elif in_references:
            drop = True
        elif _FURNITURE.match(stripped):
            drop = True
        elif _is_reference(stripped):
            drop = True
            if re.match(r"^\s*(\[\w{1,6}\]|\^)", stripped):
                in_references = True  # a footnote list: everything after it is apparatus
        elif len(_BIO_CUES.findall(stripped)) >= 2 or (len(words) < 40 and _BIO_CUES.search(stripped)
                                                       and re.search(r"\b(trainee|fellow|analyst|researcher|professor|journalist|editor|specialist)\b", stripped, re.I)):
            drop = True
        elif len(words) <= 16 and not _TERMINAL.search(stripped):
            drop = True  # headings, bylines, names
        if drop:
            out.append(_blank(line))
            continue
        m = _FURNITURE_PREFIX.match(body) or _DATELINE.match(body)
        if m:
            body = " " * m.end() + body[m.end():]
        body = _FOOTNOTE_MARK.sub(lambda mm: " " * len(mm.group()), body)
        out.append(body + line[len(line.rstrip("\r\n")):])
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


def parse(text: str) -> Iterator[tuple[int, str, Doc]]:
    """(offset, cleaned paragraph text, spaCy Doc) per paragraph, tokenised."""
    paras = list(paragraphs(text))
    nlp = get_nlp()
    for para, doc in zip(paras, nlp.pipe(p.text for p in paras), strict=True):
        yield para.start, para.text, doc


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
