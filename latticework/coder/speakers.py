"""Who "I" and "we" are: transcript speaker labels, quotations, and governments' own documents.

A government's readout or transcript (its source names a ministry, a minister or an official site)
speaks for that government; a label such as "Minister Marles:" or "Q:" sets the speaker of its
paragraph; inside a sentence, the subject of a reporting verb ("..., Kihara said") speaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher

from latticework.actors import DATA_DIR, ActorDictionary, read_tsv
from latticework.coder.mentions import codes_of
from latticework.coder.rules import Rules

_LABEL = re.compile(r"^\s*([A-Z][^:\n]{1,70}?)\s*:\s+\S")
def load_sources(dirs: Iterable[Path] = ()) -> dict[str, str]:
    """Web domains whose documents speak for a state (data/sources.tsv, extended by any in `dirs`)."""
    out: dict[str, str] = {}
    for d in [DATA_DIR, *dirs]:
        if (Path(d) / "sources.tsv").exists():
            out.update({r["domain"].lower(): r["code"] for r in read_tsv(Path(d) / "sources.tsv")})
    return out


def document_speaker(source: str | None, url: str | None, nlp: Language, matcher: PhraseMatcher,
                     dictionary: ActorDictionary, rules: Rules, when: date | None,
                     domains: dict[str, str]) -> str | None:
    """The government a document speaks for, if its source is that government itself."""
    host = re.sub(r"^https?://", "", url or "").split("/")[0].lower()
    for suffix, code in domains.items():
        if host == suffix or host.endswith("." + suffix):
            return code
    text = source or ""
    if not text:
        return None
    low = text.lower()
    if not any(re.search(rf"\b{re.escape(w)}\b", low) for w in rules.classes.get("gov_source", set())):
        if not re.search(r"\.gov\b|\bgov\.", low):
            return None
    doc = nlp.make_doc(text)
    for m_id, _s, _e in matcher(doc):
        entry = dictionary.resolve(nlp.vocab.strings[m_id], when)
        if entry and entry.kind not in ("place", "ignore", "surname"):
            return entry.code
    for suffix, code in domains.items():
        if suffix in low:
            return code
    return None


def label_speaker(text: str, nlp: Language, matcher: PhraseMatcher, dictionary: ActorDictionary,
                  persons: dict[str, str], when: date | None) -> tuple[str | None, bool]:
    """(code, is_label) for a paragraph that opens with "Speaker Name:"; questions ("Q:") have no code."""
    m = _LABEL.match(text)
    if not m or len(m.group(1).split()) > 9:
        return None, False
    label = m.group(1)
    if label.lower() in ("q", "question", "reporter", "journalist", "moderator", "host"):
        return None, True
    variants = [label, label.title()] if label.isupper() else [label]  # "KIHARA MINORU, JAPAN MINISTER:"
    hits = [(nlp.vocab.strings[m_id]) for v in variants for m_id, _s, _e in matcher(nlp.make_doc(v))]
    for alias in hits:
        entry = dictionary.resolve(alias, when)
        if entry is not None and entry.kind not in ("ignore", "place"):
            from latticework.actors import Mention
            codes = codes_of(Mention(0, 0, "", entry.code, entry.kind), dictionary)
            if codes:
                return codes[0], True
    for word in reversed(label.replace(",", " ").split()):
        for w in (word, word.title()):
            if w in persons:
                return persons[w], True
    return None, False  # a label we cannot place ("SUBJECTS:", "Note:") changes nobody
