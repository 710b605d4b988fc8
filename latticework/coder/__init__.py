"""The coder: one document in, ontology events out, by reading each candidate sentence's parse.

Stages, one module each, in the order the data goes through them:

* ``parse``      cheap first pass (tokenizer, sentences, trigger forms) and the spaCy parse of candidates
* ``mentions``   dictionary actors and the document's memory (recent actors, people, speakers)
* ``speakers``   who "I", "we" and "you" are
* ``sentence``   triggers from the lexicon, slots from the parse, attributes, rules across triggers
* ``arguments``  the syntax of slots: subjects, objects, prepositions, control, relative clauses
* ``attributes`` date, status, negation, hedging, location
* ``assemble``   events (one per partner where the text lists separate deals) and repeats merged

Rules live in ``latticework/data/frames.tsv``, ``lexicon.tsv`` and ``wordclasses.tsv``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from spacy.matcher import PhraseMatcher

from latticework import __version__
from latticework.actors import DATA_DIR, ActorDictionary
from latticework.coder.assemble import dedupe, to_events
from latticework.coder.mentions import Memory, MentionFinder, codes_of
from latticework.coder.parse import MODEL_LOCK, load_model, model_version, parse, select, split
from latticework.coder.rules import Rules
from latticework.coder.sentence import SentenceCoder
from latticework.coder.speakers import document_speaker, label_speaker, load_sources
from latticework.dates import DateContext, DateMention, find_dates
from latticework.ingest import Document

__all__ = ["Coder", "code_documents"]
_CAPS_MONTH = re.compile(r"\b(JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?|"
                         r"SEPT?(?:EMBER)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)\b")


def _date_text(text: str) -> str:
    """Month names in capitals ("APRIL 11 -", timelines and datelines) as the date reader expects them."""
    return _CAPS_MONTH.sub(lambda m: m.group(1).capitalize(), text)


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                          "dec"), 1)}
_ENTRY = re.compile(r"^\s*([A-Za-z]{3,9})\.? (\d{1,2})(?:\s*[-–]\s*(\d{1,2}))?\s+[-–—]\s+\S")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")


class Timeline:
    """Entries of a chronology ("FEB 13-14 - The Philippines accuses ..."): years run on from the year
    the list starts in ("key events since 2023"), and a month earlier than the last one starts a new year."""

    def __init__(self, anchor: date | None) -> None:
        self.year: int | None = None
        self.last_month = 0
        self.anchor = anchor
        self.start_year: int | None = None

    def note(self, text: str) -> None:
        if self.start_year is None and self.year is None:
            years = [int(y) for y in _YEAR.findall(text)]
            if years:
                self.start_year = years[0]

    def entry(self, text: str) -> str | None:
        m = _ENTRY.match(text)
        if not m or m.group(1)[:3].lower() not in _MONTHS:
            return None
        month = _MONTHS[m.group(1)[:3].lower()]
        if self.year is None:
            self.year = self.start_year or (self.anchor.year if self.anchor else None)
            if self.year is None:
                return None
        elif month < self.last_month:
            self.year += 1
        self.last_month = month
        if m.group(3):
            return f"{self.year}-{month:02d}"  # "13-14": a range inside the month
        return f"{self.year}-{month:02d}-{int(m.group(2)):02d}"


_MAIN_CLAUSE_END = re.compile(r",\s*(?:under |in |at |by )?(?:which|who|where|whose)\b|;", re.I)
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10}
_OFFSET = re.compile(r"\b(a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+(day|week)s?\s+"
                     r"(later|after(?:wards)?|earlier|before)\b", re.I)


def _offset_date(text: str, last_day: date | None) -> DateMention | None:
    """ "Three days later", "five days earlier": counted from the last day the text named."""
    m = _OFFSET.search(text)
    if not m or last_day is None:
        return None
    n = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS[m.group(1).lower()]
    days = n * (7 if m.group(2).lower() == "week" else 1)
    sign = -1 if m.group(3).lower() in ("earlier", "before") else 1
    d = last_day + timedelta(days=sign * days)
    edtf = d.isoformat() if m.group(2).lower() == "day" else d.isoformat()[:7]
    return DateMention(m.start(), m.end(), edtf, "at", False, False)


_DATELINE_END = re.compile(r"\s*(\(|[-–—]{1,2}\s|\(\s*[-–—])")
_FUTURE_HINT = re.compile(r"\b(will|shall|'ll|going to|plans? to|planning to|scheduled|upcoming|is due to|"
                          r"are due to|next (week|month|year|spring|summer|autumn|fall|winter))\b", re.I)


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    m = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        return None


def _data_version(paths: Iterable[Path]) -> str:
    h = hashlib.sha1()
    for p in sorted(paths):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:8]


class Coder:
    """Loads the model, dictionaries and rules once; `code()` is a pure function of them and a document.

    `version` changes with the code, any data file and the model, so stored events can be recoded.
    """

    def __init__(self, data_dirs: Iterable[Path | str] = ()) -> None:
        extra = [Path(d) for d in data_dirs]
        self.dictionary = ActorDictionary.load(extra_dirs=extra)
        self.rules = Rules.load(extra)
        self.sources = load_sources(extra)
        self.nlp = load_model()
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        for alias in self.dictionary.pattern_texts:
            self.matcher.add(alias, [self.nlp.make_doc(alias)])
        self.mentions = MentionFinder(self.dictionary, self.matcher)
        self.sentences = SentenceCoder(self.rules, self.dictionary)
        files = [p for d in [DATA_DIR, *extra] for p in Path(d).glob("*.tsv")]
        code_files = sorted(Path(__file__).parent.glob("*.py"))
        self.version = f"{__version__}+{_data_version(files + code_files)}+{model_version()}"

    def code(self, doc: Document) -> list[dict]:
        """All events of one document, in text order, repeats merged.

        The model's strings live in a memory zone per document, so memory stays flat on novel text; a zone
        is not safe across threads, and every coder of a process shares the model, so one document is coded at a
        time per process (threads wait; processes, as with --jobs, do not)."""
        with MODEL_LOCK, self.nlp.memory_zone():
            return self._code(doc)

    def _code(self, doc: Document) -> list[dict]:
        anchor = _parse_date(doc.published)
        sents = split(doc.text, self.nlp)
        tdocs = [s.tokens if s.tokens is not None else self.nlp.make_doc(s.text) for s in sents]
        has_actor = [bool(self.matcher(d)) for d in tdocs]
        chosen = select(sents, self.rules.forms, has_actor)
        parsed = {s.index: s.doc for s in parse(chosen, self.nlp)}
        memory = Memory(doc_speaker=document_speaker(doc.source, doc.url, self.nlp, self.matcher, self.dictionary,
                                                     self.rules, anchor, self.sources))
        memory = replace(memory, speaker=memory.doc_speaker)
        dctx = DateContext(anchor)
        events: list[dict] = []
        context_date = None  # the last date named in the paragraph, for events whose sentence has none
        timeline = Timeline(anchor)
        last_day: date | None = None  # the last day named, for "three days later"
        for s, tdoc in zip(sents, tdocs, strict=True):
            if s.first_in_paragraph:
                context_date = None
            if s.first_in_paragraph:
                code, is_label = label_speaker(s.text, self.nlp, self.matcher, self.dictionary,
                                               dict(memory.persons), anchor)
                if is_label:
                    speaker = code or None
                    before = memory.speaker or memory.doc_speaker
                    addressee = before if speaker and before != speaker else memory.addressee
                    if addressee is None and speaker and memory.doc_speaker != speaker:
                        addressee = memory.doc_speaker
                    memory = replace(memory, speaker=speaker, addressee=addressee)
            pdoc = parsed.get(s.index)
            mentions, memory = self.mentions.find(pdoc if pdoc is not None else tdoc, s.start, anchor, memory)
            if s.first_in_paragraph and memory.speaker:
                # "Minister Marles, thank you for ...": a person named and then a comma is who is spoken to
                toks = pdoc if pdoc is not None else tdoc
                colon = next((t.i for t in toks if t.text.endswith(":")), -1)
                hail = [m for m in mentions if m.kind in ("official", "surname") and colon < m.tok_start <= colon + 3
                        and m.tok_end < len(toks) and toks[m.tok_end].text == "," and m.code != memory.speaker]
                if hail:
                    memory = replace(memory, addressee=hail[0].code)
            main = _MAIN_CLAUSE_END.split(s.text, maxsplit=1)[0]  # "will" inside "under which ..." is not ours
            dates = find_dates(_date_text(s.text), dctx, future_hint=bool(_FUTURE_HINT.search(main)))
            shifted = _offset_date(s.text, last_day)
            if shifted is not None:
                dates = sorted([d for d in dates if not (d.start < shifted.end and shifted.start < d.end)]
                               + [shifted], key=lambda d: d.start)
            last_day = next((date.fromisoformat(d.edtf) for d in reversed(dates) if len(d.edtf) == 10
                             and d.edtf[4] == "-" and d.edtf[5:7] <= "12"), last_day)
            if s.first_in_paragraph:
                # "Caracas, December 29, 2023 ( – ...": a dateline gives the day of the report; what it reports
                # happened then or shortly before, so the event takes the month
                dates = [replace(d, edtf=d.edtf[:7]) if d.start < 40 and len(d.edtf) == 10
                         and _DATELINE_END.match(s.text, d.end) else d for d in dates]
            listed = timeline.entry(s.text)
            if listed and dates and dates[0].start < 12:
                dates[0] = replace(dates[0], edtf=listed)
            elif not listed:
                timeline.note(s.text)
            if pdoc is not None:
                cands, memory = self.sentences.code(pdoc, s.start, mentions, memory, dates, anchor)
                for c in cands:
                    if c.date is None and not dates and context_date is not None and c.status == "occurred" \
                            and c.past:
                        c.date = context_date
                    c.headline = s.index == 0 and not s.text.rstrip().endswith((".", "!", "?", "”", '"'))
                    for ev in to_events(doc.id, c):
                        ev["evidence"]["text"] = doc.text[ev["evidence"]["start"]:ev["evidence"]["end"]]
                        events.append(ev)
            explicit = [d for d in dates if d.relation not in ("since", "until")]
            if explicit:
                context_date = explicit[-1].edtf
            memory = self.sentences.remember_people(pdoc if pdoc is not None else tdoc, mentions, memory)
            codes = [c for m in mentions for c in codes_of(m, self.dictionary)]
            memory = memory.with_codes(codes)
            lists = _lists(mentions, pdoc if pdoc is not None else tdoc, self.dictionary)
            if lists:
                memory = replace(memory, last_list=lists[-1])
            groups = [m.members for m in mentions if m.kind == "grouping" and m.members]
            memory = replace(memory, last_group=groups[-1] if groups else ())
        return dedupe(events)


def _lists(mentions: list, doc, dictionary: ActorDictionary) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """Runs of state names joined only by commas and 'and'/'or': what "these countries" will mean."""
    out: list[tuple[str, ...]] = []
    run: list[str] = []
    last_end = -1
    for m in sorted(mentions, key=lambda m: m.tok_start):
        codes = [c for c in codes_of(m, dictionary) if m.kind not in ("place", "capital")]
        gap = [t.lower_ for t in doc[last_end:m.tok_start]] if last_end >= 0 else []
        if run and codes and all(w in (",", "and", "or", "the") for w in gap):
            run += codes
        else:
            if len(set(run)) >= 2:
                out.append(tuple(dict.fromkeys(run)))
            run = list(codes)
        last_end = m.tok_end
    if len(set(run)) >= 2:
        out.append(tuple(dict.fromkeys(run)))
    return out


def code_documents(docs: Iterable[Document], coder: Coder | None = None) -> Iterator[tuple[Document, list[dict]]]:
    """Stream (document, events) pairs; the coder is built once."""
    coder = coder or Coder()
    for doc in docs:
        yield doc, coder.code(doc)
