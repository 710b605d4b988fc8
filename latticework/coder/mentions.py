"""Stage 2, mentions: actors named in a sentence (dictionaries), plus the document's memory of them.

Dictionary names come from actors.py (dated offices, memberships, places). What this stage adds is
the memory coreference needs, kept in a `Memory` that each sentence returns a new copy of: the codes
seen most recently, the parties of the last event, people identified by their titles, and who is
speaking ("I", "we") and to whom ("you").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from latticework.actors import COMMON_SURNAMES, TITLE_WORDS, ActorDictionary, Mention

PERSON_KINDS = ("official", "surname")


@dataclass(frozen=True)
class Memory:
    """What earlier sentences of the document tell later ones."""

    recent: tuple[str, ...] = ()  # actor codes, most recent last
    last_parties: tuple[str, ...] = ()  # parties of the last coded event
    last_subject: tuple[str, ...] = ()
    sentence_subject: tuple[str, ...] = ()  # the current sentence's main subject
    last_group: tuple[str, ...] = ()
    titles: tuple[tuple[str, str], ...] = ()
    last_list: tuple[str, ...] = ()
    last_event: tuple[str, tuple[str, ...], tuple[str, ...]] | None = None  # (type, actors, targets) last coded  # the last list of states named together ("Niger, Burkina Faso and Mali")  # (title word, code): "the secretary" is the last Secretary named  # members of the grouping named in the previous sentence  # the last main-clause subject that named an actor
    last_person: str | None = None  # code of the last person named
    persons: tuple[tuple[str, str], ...] = ()  # (name, code) for people identified by title
    persons_seen: frozenset[str] = frozenset()  # dictionary people already named in full
    speaker: str | None = None  # "I" / "we"
    addressee: str | None = None  # "you"
    doc_speaker: str | None = None  # the government whose document this is

    def titled(self, title: str) -> str | None:
        return next((c for t, c in reversed(self.titles) if t == title), None)

    def person_code(self, name: str) -> str | None:
        return next((c for n, c in reversed(self.persons) if n == name), None)

    def with_codes(self, codes: list[str]) -> Memory:
        recent = [c for c in self.recent if c not in codes] + list(dict.fromkeys(codes))
        return replace(self, recent=tuple(recent[-12:]))


@dataclass
class MentionFinder:
    dictionary: ActorDictionary
    matcher: PhraseMatcher
    org_kinds: dict[str, str] = field(default_factory=dict)

    def find(self, doc: Doc, offset: int, when: date | None, memory: Memory) -> tuple[list[Mention], Memory]:
        """Longest, leftmost, non-overlapping dictionary mentions in `doc` (offsets into the document)."""
        strings = doc.vocab.strings
        found = sorted(((s, e, strings[m]) for m, s, e in self.matcher(doc)), key=lambda x: (x[0], -(x[1] - x[0])))
        out: list[Mention] = []
        last_end = -1
        seen = set(memory.persons_seen)
        for s, e, alias in found:
            if s < last_end:
                continue
            entry = self.dictionary.resolve(alias, when)
            if entry is None:
                continue
            if entry.kind == "ignore":
                last_end = e  # "Washington Post": a newspaper, not Washington
                continue
            if entry.kind == "surname":
                prev = doc[s - 1].text if s > 0 else ""
                sitting = (entry.office in ("head_of_state", "head_of_government") and alias not in COMMON_SURNAMES
                           and when is not None and (entry.valid_from is None or entry.valid_from <= when)
                           and (entry.valid_to is None or when <= entry.valid_to))
                if prev not in TITLE_WORDS and entry.person not in seen and not sitting:
                    continue  # a bare surname counts for a sitting leader ("Putin"), else after a title
            code: str = entry.code
            members: tuple[str, ...] = ()
            if entry.kind == "grouping":
                members = tuple(self.dictionary.members_at(code, when))
            if entry.kind in PERSON_KINDS and entry.person:
                seen.add(entry.person)
            if entry.kind in PERSON_KINDS and out and s - out[-1].tok_end <= 4 and out[-1].kind in (
                    "organisation", "name", "short", "abbrev", "demonym") and all(
                    t.text in TITLE_WORDS or t.text[:1].isupper() or t.lower_ in ("of", "the", "for", "-", "'s")
                    for t in doc[out[-1].tok_end:s]):
                # "NATO Secretary General Mark Rutte": the title says whom a person speaks for
                code, members = out[-1].code, out[-1].members
            span = doc[s:e]
            out.append(Mention(offset + span.start_char, offset + span.end_char, span.text, code, entry.kind, s, e,
                               person=entry.person, country=entry.country, members=members))
            last_end = e
        return out, replace(memory, persons_seen=frozenset(seen))


def codes_of(m: Mention, dictionary: ActorDictionary) -> tuple[str, ...]:
    """The actor codes a mention stands for: a grouping's members, a place none."""
    if m.kind in ("place",) or not m.code:
        return ()
    if m.kind == "grouping":
        return m.members
    if m.kind == "framework":
        return ()
    return (m.code,)
