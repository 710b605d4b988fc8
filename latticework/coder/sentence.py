"""One parsed sentence to candidate events: triggers (stage 3), slots resolved to actors, attributes."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from spacy.tokens import Doc, Token

from latticework.actors import TITLE_WORDS, ActorDictionary, Mention
from latticework.coder.arguments import (
    ADDRESSEE,
    IT,
    NUMBERS,
    PERSON_PRON,
    SPEAKER_I,
    SPEAKER_WE,
    THEY,
    Slots,
    is_verbal,
    mentions_in,
    phrase,
    slots_for,
    subject_of,
)
from latticework.coder.assemble import Candidate
from latticework.coder.attributes import (
    LOCATION_PREPS,
    attach_dates,
    date_of,
    date_token_map,
    governors,
    is_hedged,
    is_negated,
    is_planned,
    location_of,
)
from latticework.coder.mentions import Memory, codes_of
from latticework.coder.rules import Entry, Frame, Rules
from latticework.dates import DateMention

_QUESTION = re.compile(r"^\W*([^:?]{0,80}:\s*)?(did|does|do|will|would|could|can|should|is|are|was|were|has|have|"
                       r"had|shall|may|might)\b[^?]*\?\s*$", re.I)
PLACE_KINDS = ("place", "capital")


@dataclass
class Trigger:
    token: Token
    entry: Entry
    frame: Frame
    end: int  # one past the last token of the phrase


def find_triggers(doc: Doc, rules: Rules, mention_tokens: set[int]) -> list[Trigger]:
    """Lexicon lemmas (and phrases of lemmas) in the parse, with the part of speech they need."""
    out: list[Trigger] = []
    lemmas = [t.lemma_.lower() for t in doc]
    lowers = [t.lower_ for t in doc]
    for t in doc:
        if t.i in mention_tokens:
            continue
        for key in {lemmas[t.i], lowers[t.i]}:
            for e in rules.entries.get(key, ()):
                n = len(e.lemmas)
                if n > 1 and not all(j < len(doc) and e.lemmas[k] in (lemmas[j], lowers[j])
                                     for k, j in enumerate(range(t.i, t.i + n))):
                    continue
                span = doc[t.i:t.i + n]
                head = span.root
                verbal = is_verbal(head)
                if e.pos == "VERB" and not verbal or e.pos == "NOUN" and verbal:
                    continue
                if e.pos == "NOUN" and head.pos_ not in ("NOUN", "PROPN", "X", "NUM"):
                    continue
                xc = [c for c in head.children if c.dep_ in ("xcomp", "oprd")]  # "called X to ...", "calling X Y"
                if e.xcomp is not None and (e.xcomp is False and xc or e.xcomp is not False and not xc):
                    continue
                if isinstance(e.xcomp, frozenset) and not any(c.lemma_.lower() in e.xcomp for c in xc):
                    continue
                if e.nothead and head.dep_ == "pobj" and head.head.lower_ == e.nothead:
                    continue
                if e.carrier is not None and not (head.head.i != head.i and head.head.lemma_.lower() in e.carrier):
                    continue
                if e.prt and not any(c.dep_ == "prt" and c.lower_ == e.prt for c in head.children):
                    continue
                frame = rules.frames.get(e.frame)
                if frame is None or any(o.token.i == head.i and o.frame.name == frame.name for o in out):
                    continue
                out.append(Trigger(head, e, frame, t.i + n))
    # a row whose condition on the infinitive matched ("invited X to join") beats the lemma's plain row
    def conditioned(tr: Trigger) -> bool:
        return isinstance(tr.entry.xcomp, frozenset) or tr.entry.carrier is not None

    specific = {tr.token.i for tr in out if conditioned(tr)}
    return [tr for tr in out if tr.token.i not in specific or conditioned(tr)]


def _conj_heads(slots: Slots) -> list[Token]:
    """The object or with-phrase and its conjuncts ("meeting A in Berlin, B in Paris and C in Brussels")."""
    out: list[Token] = []
    for h in slots.heads.get("obj", []) + slots.heads.get("with", []):
        out.append(h)
        out += [x for x in h.subtree if x.dep_ == "conj" and not is_verbal(x)]
    return out


def _conditional(t: Token, govs: list[Token]) -> bool:
    """ "If Ottawa leaves NORAD, Canada would need to rearm": an event under a condition is not reported."""
    for v in [t, *govs]:
        if v.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in v.children):
            return True
        if any(c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in ("if", "unless") for m in c.children)
               for c in v.children) and any(c.lower_ in ("would", "could", "might") for c in v.children):
            return True
    return False


def _clause_tokens(t: Token) -> list[Token]:
    """The trigger's clause: its dependents, minus other clauses and location phrases."""
    out = []
    root = t
    if not is_verbal(t) and t.head.i != t.i and is_verbal(t.head) and t.dep_ in ("dobj", "nsubjpass", "nsubj"):
        root = t.head
    stack = [root]
    while stack:
        x = stack.pop()
        out.append(x)
        for c in x.children:
            if c.dep_ in ("relcl", "ccomp", "advcl", "parataxis", "acl") or (c.dep_ == "conj" and is_verbal(c)):
                continue
            if c.dep_ == "prep" and c.lower_ in ("in", "at", "near", "off", "against", "on", "during", "amid"):
                continue
            stack.append(c)
    return out


def _clause_words(t: Token, slots: Slots) -> set[str]:
    """Lemmas and forms of the trigger's own phrase: its dependents, minus other clauses."""
    words: set[str] = set()
    stack = [t]
    seen = set()
    while stack:
        x = stack.pop()
        if x.i in seen:
            continue
        seen.add(x.i)
        words.add(x.lemma_.lower())
        words.add(x.lower_)
        for c in x.children:
            if c.dep_ in ("relcl", "ccomp", "parataxis") or (c.dep_ == "conj" and is_verbal(c)):
                continue
            if c.dep_ == "advcl" and c.tag_ != "VBG":
                continue  # "..., covering 1,000 tanks" describes what was signed; "after X met Y" does not
            stack.append(c)
    for ts in slots.heads.values():
        for h in ts:
            for x in h.subtree:
                words.add(x.lemma_.lower())
                words.add(x.lower_)
    if slots.governor is not None:
        g = slots.governor
        words.add(g.lemma_.lower())
        for c in g.children:
            if c.dep_ in ("dobj", "advmod", "prep", "npadvmod"):
                for x in c.subtree:
                    words.add(x.lemma_.lower())
                    words.add(x.lower_)
    words |= {w[:-1] for w in words if len(w) > 3 and w.endswith("s")}  # "Gripens", "K2s": a plural name
    # two-word class members ("air defence")
    ordered = [x for x in t.doc]
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.i in seen or b.i in seen:
            words.add(f"{a.lower_} {b.lower_}")
    return words


@dataclass
class SentenceCoder:
    """Everything needed to code one sentence; `code` is a pure function of its arguments."""

    rules: Rules
    dictionary: ActorDictionary

    def resolve(self, head: Token, mentions: list[Mention], memory: Memory, exclude: set[str]) -> tuple[
            list[str], list[Mention], list[str], bool]:
        """Codes of one noun phrase; places; frameworks; whether it is a back-reference."""
        toks = phrase(head)
        ms = mentions_in(toks, mentions)
        codes: list[str] = []
        places: list[Mention] = []
        frameworks: list[str] = []
        nonagent = self.rules.classes.get("nonagent", set())
        for m in ms:
            if m.kind == "place" or (m.kind == "capital" and head.lower_ in ("capital", "city")):
                places.append(m)
                continue
            if m.kind in ("demonym", "capital") and head.doc[m.tok_end - 1].head.lemma_.lower() in nonagent:
                continue  # "the Ukrainian crisis", "Russian arms production": a topic, not a party
            if m.kind in ("grouping", "framework"):
                frameworks.append(m.code)
            codes.extend(codes_of(m, self.dictionary))
        low = {t.lower_ for t in toks}
        ref = False
        if not codes:
            group = self.rules.classes.get("group_noun", set())
            n = next((NUMBERS[t.lower_] for t in toks if t.lower_ in NUMBERS), None)
            if low & SPEAKER_WE and memory.speaker:
                codes = [memory.speaker]
                if n and n >= 2 and memory.addressee:
                    codes.append(memory.addressee)
                elif n and n >= 2:
                    codes += [c for c in reversed(memory.recent) if c != memory.speaker][: n - 1]
                ref = True
            elif low & SPEAKER_I and memory.speaker:
                codes, ref = [memory.speaker], True
            elif low & ADDRESSEE and memory.addressee:
                codes, ref = [memory.addressee], True
            elif head.lemma_.lower() in self.rules.classes.get("counterpart", set()) or low & {"counterpart",
                                                                                                "counterparts"}:
                other = [c for c in reversed(memory.recent) if c not in exclude]
                codes, ref = other[:1], True
            elif low & THEY and len(memory.sentence_subject) >= 2 and any(x.tag_ == "PRP$" for x in toks):
                codes, ref = list(memory.sentence_subject), True  # "the US and Japan ... their treaty"
            elif memory.last_group and (head.lemma_.lower() in group or head.lemma_.lower() in ("actor", "member")) and \
                    low & {"these", "those", "its", "the"} and head.tag_ == "NNS" and not low & {"two", "both"}:
                codes, ref = list(memory.last_group), True  # "these actors" after "the IP4"
            elif memory.last_list and head.lemma_.lower() in group and head.tag_ == "NNS" and low & {"these", "those"} \
                    and not n:
                codes, ref = list(memory.last_list), True  # "... prompting Niger, Burkina Faso and Mali. These countries"
            elif head.lemma_.lower() in group and head.tag_ == "NN" and low & {"the", "this"} and not n:
                # "the government", "the country": one state, the subject the text is about
                cand = [c for c in memory.last_subject if c not in exclude] if len(memory.last_subject) == 1 else []
                codes, ref = (cand or [c for c in reversed(memory.recent) if c not in exclude])[:1], True
            elif low & THEY or (head.lemma_.lower() in group and (n or low & {"the", "both", "these", "all"})):
                k = n or max(2, len(memory.last_parties))
                base = list(memory.last_parties) or list(reversed(memory.recent))[:k][::-1]
                codes, ref = base[:k] if n else base, True
                if not codes:
                    codes = list(reversed(memory.recent))[:k]
            elif low & (IT | THEY | PERSON_PRON) and head.dep_ in ("nsubj", "nsubjpass") and head.head.dep_ == "ccomp" \
                    and self._reporter(head.head.head, mentions):
                codes, ref = self._reporter(head.head.head, mentions), True  # "X announced it would send"
            elif head.lower_ == "it" and head.dep_ == "nsubj" and head.head.lemma_ == "be":
                codes = []  # "it is an honour to ...": no one
            elif head.lower_ == "its" and any(m.tok_end <= head.i and m.kind not in PLACE_KINDS
                                              and codes_of(m, self.dictionary) for m in mentions):
                near = max((m for m in mentions if m.tok_end <= head.i and m.kind not in PLACE_KINDS
                            and codes_of(m, self.dictionary)), key=lambda m: m.tok_end)
                codes, ref = list(codes_of(near, self.dictionary))[:1], True  # "Pyongyang's acts, such as its test"
            elif low & IT and head.tag_ == "PRP" or (head.lower_ in ("it", "its")):
                cand = [c for c in memory.last_subject if c not in exclude] if len(memory.last_subject) == 1 else []
                cand += [c for c in reversed(memory.recent) if c not in exclude]
                codes, ref = cand[:1], True
            elif any(t.lower_ in ("such", "these", "those") and t.head.i == head.i for t in toks) and memory.last_parties \
                    and head.lemma_.lower() in self.rules.classes.get("event_ref", set()):
                codes, ref = [c for c in memory.last_parties if c not in exclude], True  # "against such actions"
            elif head.lemma_.lower() in self.rules.classes.get("person", set()) and low & {"the", "this"} \
                    and (memory.titled(head.lemma_.lower()) or memory.last_person) and not n:
                title = memory.titled(head.lemma_.lower())  # "the secretary also visited": the last Secretary named
                codes, ref = [title or memory.last_person or ""], True
            elif low & PERSON_PRON and (memory.last_person or any(m.kind in ("official", "surname") for m in mentions)
                                        or memory.persons):
                # "..., where he attended": the nearest person named before the pronoun, else the last one
                before = [(m.tok_end, m.code) for m in mentions if m.kind in ("official", "surname")
                          and m.tok_end <= head.i]
                before += [(x.i + 1, c) for x in head.doc[:head.i] if x.pos_ == "PROPN"
                           and (c := memory.person_code(x.text))]
                pick = max(before)[1] if before else memory.last_person
                codes, ref = ([pick] if pick else []), True
            elif head.pos_ == "PROPN":
                c = memory.person_code(head.text)
                if c:
                    codes = [c]
        return list(dict.fromkeys(codes)), places, frameworks, ref

    def code(self, doc: Doc, offset: int, mentions: list[Mention], memory: Memory, dates: list[DateMention],
             anchor: date | None) -> tuple[list[Candidate], Memory]:
        if _QUESTION.match(doc.text):
            return [], memory
        words = {t.lemma_.lower() for t in doc} | {t.lower_ for t in doc}
        civil = self.rules.in_class("civil", words) and not self.rules.in_class("security", words)
        mention_tokens = {i for m in mentions for i in range(m.tok_start, m.tok_end)}
        memory = self._learn_people(doc, mentions, memory)
        # a named agreement ("the 2014 Enhanced Defense Cooperation Agreement") still names a document
        named_docs = {m.tok_end - 1 for m in mentions if m.kind == "framework"}
        triggers = find_triggers(doc, self.rules, mention_tokens - named_docs)
        memory = replace(memory, sentence_subject=tuple(self._sentence_subject(doc, mentions)))
        trigger_ids = {tr.token.i for tr in triggers}
        attached, free = attach_dates(doc, dates, trigger_ids)
        date_tokens = date_token_map(doc, dates)
        scene = self.rules.classes.get("scene", set())
        out: list[Candidate] = []
        for tr in triggers:
            c = self._candidate(doc, offset, tr, mentions, memory, attached, free, anchor, scene, mention_tokens,
                                trigger_ids, date_tokens)
            if c is not None and not (civil and c.frame.type in ("CONSULT", "AGREE", "COOPERATE")):
                out.append(c)
                if len(set(c.actors) | set(c.targets)) >= 2:  # "such actions" later in the sentence
                    memory = replace(memory, last_parties=tuple(sorted(set(c.actors) | set(c.targets))))
        out = self._combine(out, triggers)
        if out:
            last = out[-1]
            memory = replace(memory, last_parties=tuple(sorted(set(last.actors) | set(last.targets))),
                             last_event=(last.frame.type, tuple(last.actors), tuple(last.targets)))
        subject = self._sentence_subject(doc, mentions)
        if subject:
            memory = replace(memory, last_subject=tuple(subject))
        return out, memory

    def remember_people(self, doc: Doc, mentions: list[Mention], memory: Memory) -> Memory:
        """After a sentence (parsed or not): the last person named, and people by title ("the secretary")."""
        people = [m for m in mentions if m.kind in ("official", "surname")]
        if people:  # "he" in the next sentence; within this one, the people named before it
            memory = replace(memory, last_person=people[-1].code)
        person_words = self.rules.classes.get("person", set())
        titles = [(doc[k].lower_, m.code) for m in people for k in range(max(0, m.tok_start - 3), m.tok_start)
                  if doc[k].lower_ in person_words]
        if titles:
            memory = replace(memory, titles=tuple([*memory.titles, *titles][-20:]))
        return memory

    def _reporter(self, v: Token, mentions: list[Mention]) -> list[str]:
        """Codes of the subject of a reporting verb ("X said", "X announced")."""
        if v.lemma_.lower() not in self.rules.classes.get("report", set()):
            return []
        for c in v.children:
            if c.dep_ == "nsubj":
                return [x for m in mentions_in(phrase(c), mentions) if m.kind not in PLACE_KINDS
                        for x in codes_of(m, self.dictionary)]
        return []

    def _sentence_subject(self, doc: Doc, mentions: list[Mention]) -> list[str]:
        """Codes of the main clause's subject: what "it" and "its" refer to in the next sentence."""
        for t in doc:
            if t.dep_ in ("nsubj", "nsubjpass") and t.head.dep_ == "ROOT":
                codes = [c for m in mentions_in(phrase(t), mentions) if m.kind not in PLACE_KINDS
                         for c in codes_of(m, self.dictionary)]
                if codes:
                    return list(dict.fromkeys(codes))
        return []

    def _learn_people(self, doc: Doc, mentions: list[Mention], memory: Memory) -> Memory:
        """People named with a title and a state ("Defence Minister X of Y", "Y's minister X") for later."""
        persons = list(memory.persons)
        by_tok = {i: m for m in mentions for i in range(m.tok_start, m.tok_end)}
        for t in doc:
            if t.pos_ != "PROPN" or t.i in by_tok or t.dep_ == "compound":
                continue
            toks = phrase(t)
            if not any(x.text in TITLE_WORDS or x.lower_ in ("minister", "president", "secretary") for x in toks):
                continue
            codes = [c for m in mentions_in(toks, mentions) if m.kind not in PLACE_KINDS
                     for c in codes_of(m, self.dictionary)]
            if len(set(codes)) == 1:
                persons.append((t.text, codes[0]))
                last = t.text.split()[-1]
                persons.append((last, codes[0]))
        return replace(memory, persons=tuple(persons[-40:]))

    def _candidate(self, doc: Doc, offset: int, tr: Trigger, mentions: list[Mention], memory: Memory,
                   attached: dict, free: list, anchor: date | None, scene: set[str],
                   mention_tokens: set[int], trigger_ids: set[int],
                   date_tokens: dict[int, DateMention]) -> Candidate | None:
        t, frame = tr.token, tr.frame
        light = self.rules.classes.get("light", set())
        slots = slots_for(t, scene, lambda v: v.lemma_.lower() in light or not self.rules.entries.get(v.lemma_.lower()))
        words = _clause_words(t, slots)
        if tr.entry.slot and not slots.heads.get(tr.entry.slot):
            return None
        if tr.entry.slot and any(h.lower_ in ("which", "that", "whom") for h in slots.heads.get(tr.entry.slot, [])):
            return None  # "an exercise in which Japan took part": the participants join that exercise
        needs = tr.entry.needs or frame.needs
        needs = None if needs == "-" else needs  # "needs=-" in the lexicon: this lemma needs nothing
        if needs and not self.rules.in_class(needs, words) and not (
                needs == "org" and any(m.kind in ("grouping", "framework", "organisation")
                                       for h in [x for hs in slots.heads.values() for x in hs]
                                       for m in mentions_in(phrase(h), mentions))):
            return None
        if tr.entry.obj and is_verbal(t):
            objs = slots.heads.get("obj", []) + slots.heads.get("dative", [])
            obj_toks = [x for h in objs for x in phrase(h)]
            obj_words = {x.lemma_.lower() for x in obj_toks} | {
                f"{a.lemma_.lower()} {b.lemma_.lower()}" for a, b in zip(obj_toks, obj_toks[1:], strict=False)}
            has_actor = any(mentions_in(phrase(h), mentions) for h in objs)
            if not (self.rules.in_class(tr.entry.obj, obj_words) or (tr.entry.obj == "person" and has_actor)):
                return None
        if tr.entry.objif and is_verbal(t) and slots.heads.get("obj"):
            objs = slots.heads["obj"]
            obj_words = {x.lemma_.lower() for h in objs for x in phrase(h)}
            if not (self.rules.in_class(tr.entry.objif, obj_words) or any(mentions_in(phrase(h), mentions) for h in objs)
                    or any(h.pos_ in ("PROPN", "PRON") for h in objs)):
                return None
        if "person" in frame.flags:
            subj_words = {x.lemma_.lower() for h in slots.heads.get("subj", []) for x in phrase(h)}
            subj_person = any(m.kind in ("official", "surname") for h in slots.heads.get("subj", [])
                              for m in mentions_in(phrase(h), mentions))
            if not (subj_person or self.rules.in_class("person", subj_words)):
                return None
        govs = governors(t)
        if is_negated(t, govs, self.rules) or _conditional(t, govs):
            return None
        scope = self.rules.classes.get("scope", set())
        if any(g.lemma_.lower() in scope and g.dep_ == "relcl" for g in govs[:2]) or (
                t.dep_ in ("xcomp", "ccomp") and t.head.lemma_.lower() in scope and t.head.dep_ == "relcl"):
            return None  # "an agreement that allows their troops to train": what a document allows
        if not is_verbal(t) and slots.governor is None and any(
                c.dep_ == "det" and c.lower_ in ("the", "this", "these", "those", "such", "that") for c in t.children) \
                and not any(slots.heads.get(k) for k in ("poss", "mod", "with", "between", "among", "of", "by")):
            return None  # "the talks", "such exercises": a reference back to an event, not a new one
        actors: list[str] = []
        targets: list[str] = []
        things: list[str] = []
        places: list[Mention] = []
        frameworks: list[str] = []
        partners: list[list[str]] = []
        refs = 0
        order = sorted(slots.heads, key=lambda s: s != "subj")  # the subject first: "his counterpart" needs it
        for slot in order:
            role = frame.slots.get(slot)
            for h in slots.heads[slot]:
                exclude = set(actors)
                codes, pl, fw, ref = self.resolve(h, mentions, memory, exclude)
                frameworks += fw
                if slot in LOCATION_PREPS and role not in ("A", "T"):
                    sub = [m for m in mentions_in(list(h.subtree), mentions) if m.kind in PLACE_KINDS]
                    for named in (pl, sub, mentions_in(phrase(h), mentions)):
                        # "at the Baltic port of Gdynia": a place that only modifies the head is not the place
                        kept = [m for m in named if m.kind != "organisation"
                                and not (m.tok_end < len(doc) and doc[m.tok_end - 1].dep_ == "compound")]
                        if kept:
                            places += kept
                            break
                    continue
                if role is None or not codes:
                    continue
                refs += ref
                if role == "O":
                    role, codes = "A", [c for c in codes if self.dictionary.kinds.get(c)]
                if role == "A":
                    actors += codes
                    if slot in ("with", "obj") and len(codes) >= 1:
                        partners += self._conjuncts(h, mentions)
                elif role == "T":
                    targets += codes
                elif role == "W":
                    recipients = [m for m in mentions_in(phrase(h), mentions) if m.kind in ("name", "short", "abbrev",
                                                                                          "government", "capital")]
                    if frame.type == "AID" and recipients and h.dep_ in ("dobj", "dative") and slots.heads.get("with"):
                        targets += codes  # "provide Ukraine with an aid package": the object receives
                    else:
                        things += codes
                elif role == "L":
                    places += [m for m in mentions_in(phrase(h), mentions)]
        if "dest" in frame.flags:
            # "the first K2 tanks arrived at Gdynia": equipment arriving is a delivery to the place's country,
            # unless what arrived are forces ("US troops arrived in Poland" is a deployment)
            subj_words = {x.lemma_.lower() for k in ("subj", "obj") for h in slots.heads.get(k, []) for x in phrase(h)}
            if self.rules.in_class("forces", subj_words):
                return None
            if not targets:
                dest = location_of([p for p in places if p.kind in ("place", "capital", "name", "short")])
                if dest and dest["country"] and dest["country"] not in actors:
                    targets.append(dest["country"])
        with_codes = {c for g in partners for c in g}
        if frame.type in ("CONSULT", "AGREE", "COOPERATE") and len(partners) >= 2 and set(actors) <= with_codes \
                and slots.heads.get("with"):
            # "treaties signed with Tuvalu and Nauru": partners of a side the clause leaves unnamed, not of each
            # other; the side is the nearest other actor named before it in the sentence
            before = [c for m in mentions if m.tok_end <= t.i and m.kind not in PLACE_KINDS
                      for c in codes_of(m, self.dictionary) if c not in with_codes]
            side = before[-1:]
            if side:
                actors = side + actors
                refs += 1
        if "absorb" in frame.flags and not targets:
            for x in [c for c in t.children if c.dep_ == "xcomp"]:  # "applied to join NATO"
                for h in [c for c in x.children if c.dep_ in ("dobj", "attr")]:
                    targets += [c for c in self.resolve(h, mentions, memory, set(actors))[0] if c not in actors]
        if frame.type in ("ACCUSE", "THREATEN", "REQUEST") and not targets:
            # "threatened military intervention in Niger": the target sits deeper in the object
            for h in slots.heads.get("obj", []):
                for x in h.subtree:
                    for m in mentions_in([x], mentions):
                        if m.kind not in ("place",):
                            targets += [c for c in codes_of(m, self.dictionary) if c not in actors]
        if frame.type in ("CONSULT", "AGREE", "COOPERATE") and len(set(actors)) == 1 and t.dep_ in (
                "advcl", "conj", "xcomp") and is_verbal(t.head) and not any(c.dep_ == "mark" for c in t.children) and any(
                self.rules.frames[e.frame].type in ("CONSULT", "AGREE", "COOPERATE")
                for e in self.rules.entries.get(t.head.lemma_.lower(), ())):
            # "met X in Manila, pledging to work together": the head event's partners are this one's too
            head_slots = slots_for(t.head, scene)
            for slot in ("obj", "with", "dative"):
                for h in head_slots.heads.get(slot, []):
                    actors += self.resolve(h, mentions, memory, set(actors))[0]
        if frame.type == "AID" and not actors:
            # "a contract for 12 Rafale fighters from France": the supplier may hang under the thing
            sources = ("from", "with") if frame.name == "signfor" else ("from",)
            for x in t.subtree:
                if x.dep_ == "prep" and x.lower_ in sources and not _in_clause_below(x, t):
                    for h in x.children:
                        actors += [c for c in self.resolve(h, mentions, memory, set(targets))[0] if c not in targets]
        if frame.type == "AID" and not targets:
            # "the first shipment of missiles for Russia": the recipient may hang anywhere in the phrase
            roots = [t] + ([slots.governor] if slots.governor is not None else [])
            for r in roots:
                for x in r.subtree:
                    if x.dep_ == "prep" and x.lower_ in ("to", "for") and x.head.dep_ not in ("relcl", "advcl"):
                        for h in x.children:
                            targets += [c for c in self.resolve(h, mentions, memory, set(actors))[0]
                                        if c not in actors]
        if frame.type in ("CONSULT", "AGREE", "COOPERATE") and len(set(actors)) < 2 and any(
                c.dep_ == "auxpass" for c in t.children):
            # "agreements were signed during a visit ... by A and B": the agent may hang lower down
            for x in t.subtree:
                if x.dep_ in ("agent", "prep") and x.lower_ == "by":
                    for h in x.children:
                        actors += self.resolve(h, mentions, memory, set(actors))[0]
        if frame.type in ("CONSULT", "AGREE", "COOPERATE") and len(set(actors)) == 1 and frame.min_parties >= 2 \
                and is_verbal(t):
            # an agentless passive or a loose attachment: the other parties named in the trigger's clause
            nonagent = self.rules.classes.get("nonagent", set())
            for x in _clause_tokens(t):
                for m in mentions_in([x], mentions):
                    if m.kind in ("place", "capital") or (m.kind == "demonym" and x.head.lemma_.lower() in nonagent):
                        continue
                    actors += [c for c in codes_of(m, self.dictionary)]
            refs += 1
            in_sentence = {c for m in mentions for c in codes_of(m, self.dictionary) if m.kind not in PLACE_KINDS
                           and not (m.tok_start > 0 and doc[m.tok_start].head.lower_ in LOCATION_PREPS)}
            if len(set(actors)) == 1 and actors[0] in memory.last_parties and len(memory.last_parties) == 2 \
                    and in_sentence <= set(actors):
                actors = list(memory.last_parties)  # the pair the paragraph is about
        partner_places: list[dict | None] = []
        objects = [c for c in t.children if c.dep_ == "dobj" or (c.dep_ == "conj" and c.pos_ == "PROPN")] \
            if is_verbal(t) and frame.type in ("CONSULT", "AGREE", "COOPERATE") else []
        if len(objects) >= 2:
            # "meeting Scholz in Berlin, Macron in Paris and Rutte in Brussels": the parser lays the list flat
            found = [(o, self.resolve(o, mentions, memory, set(actors))[0]) for o in objects]
            found = [(o, g) for o, g in found if g]
            if len(found) >= 2:
                partners = [g for _, g in found]
                actors += [c for g in partners for c in g]
                preps = [c for c in t.children if c.dep_ == "prep" and c.lower_ in ("in", "at")]
                for o, _ in found:  # each object's own place: the first "in/at" after it
                    after = [p for p in preps if p.i > o.i]
                    pm = [m for m in (mentions_in(list(after[0].subtree), mentions) if after else [])
                          if m.kind in (*PLACE_KINDS, "name", "short")]
                    partner_places.append(location_of(pm[:1]) if pm else None)
        pairs = self._pair_list(t, mentions) if not is_verbal(t) and frame.type in ("CONSULT", "AGREE", "COOPERATE") \
            else []
        if pairs:
            actors = list(dict.fromkeys(c for g in pairs for c in g))
        if frame.type in ("ACCUSE", "THREATEN") and not is_verbal(t) and t.dep_ == "pobj" and t.head.lower_ == "as" \
                and is_verbal(t.head.head):
            # "treat X as legitimate targets", "named China as a threat": the object is designated, the
            # subject of the verb designates (through a participle the parser hung the phrase on)
            v = t.head.head
            obj = [v.head] if v.dep_ == "acl" else [c for c in v.children if c.dep_ == "dobj"]
            if v.dep_ == "acl" and is_verbal(v.head.head):
                v = v.head.head
            for h in obj:
                targets += [c for c in self.resolve(h, mentions, memory, set(actors))[0] if c not in actors]
            if not actors:
                for h in subject_of(v)[0]:
                    actors += self.resolve(h, mentions, memory, set(targets))[0]
        if frame.type in ("ACCUSE", "THREATEN") and not targets and memory.last_parties:
            # "Washington condemned the treaty": a definite event or document refers to the last event
            refs_back = self.rules.classes.get("document", set()) | self.rules.classes.get("event_ref", set())
            for h in slots.heads.get("obj", []) + slots.heads.get("against", []):
                if h.lemma_.lower() in refs_back and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that")
                                                          for c in h.children):
                    targets += [c for c in memory.last_parties if c not in actors]
        if "reported" in frame.flags:
            # "the leader claimed that Guyana breached the agreement": the claim accuses, its maker acts
            actors = []
            for g in governors(t):
                if g.lemma_.lower() in self.rules.classes.get("report", set()):
                    for h in subject_of(g)[0]:
                        actors += [c for c in self.resolve(h, mentions, memory, set(targets))[0] if c not in targets]
                    break
        if frame.type == "AID" and not targets and t.dep_ == "pcomp" and t.head.lower_ == "by" and is_verbal(t.head.head):
            for h in [c for c in t.head.head.children if c.dep_ == "dobj"]:  # "strengthening Manila's coast guard by
                targets += [c for c in self.resolve(h, mentions, memory, set(actors))[0] if c not in actors]  # providing"
        if frame.type == "AID" and not actors and not things and any(c.dep_ == "auxpass" for c in t.children):
            for g in governors(t):  # "launchers had been handed over to Ukraine, she said": the speaker's state
                if g.lemma_.lower() in self.rules.classes.get("report", set()):
                    for h in [c for c in g.children if c.dep_ == "nsubj"]:
                        actors += [c for c in self.resolve(h, mentions, memory, set(targets))[0] if c not in targets]
                    break
        if frame.type == "AID" and not actors and not things:
            # "will buy 17 Gripen fighter jets": the system names its maker (data/weapons.tsv)
            thing_words = words | {x.lemma_.lower() for k, r in frame.slots.items() if r == "W"
                                   for h in slots.heads.get(k, []) for x in phrase(h)}
            makers = {self.rules.makers[w] for w in thing_words if w in self.rules.makers}
            actors += [c for c in sorted(makers) if c not in targets][:1] if len(makers) == 1 else []
        if frame.type == "AID" and not actors and things:
            actors = things  # "Turkish drones delivered to Togo": the maker's state supplies
        back = any(d.dep_ == "det" and d.lower_ in ("these", "those", "such") for k, r in frame.slots.items()
                   if r == "W" for h in slots.heads.get(k, []) for x in phrase(h) for d in x.children)
        if frame.type == "AID" and not actors and targets and (back or t.lemma_.lower() in self.rules.classes.get(
                "clientele", set())) and memory.last_event and memory.last_event[0] == "AID" and memory.last_event[1]:
            # "Other customers have included A and B", "Niger acquired six of these drones": the customers of
            # the supplier of the last transfer
            actors = [c for c in memory.last_event[1] if c not in targets]
            refs += 1
        if not actors and not targets and not is_verbal(t) and memory.last_event and \
                memory.last_event[0] == frame.type and (attached.get(t.i) or any(
                    attached.get(c.i) for c in t.children)) and not self.dictionary.kinds.get(memory.last_event[1][0]
                                                                                       if memory.last_event[1] else ""):
            # "Executive contracts followed in August": a dated event noun with no parties of its own goes on
            # with the last event of its type
            actors, targets = list(memory.last_event[1]), list(memory.last_event[2])
            refs += 1
        actors = list(dict.fromkeys(actors))
        targets = [x for x in dict.fromkeys(targets) if x not in actors]
        parties = set(actors) | set(targets)
        if frame.solo and len(parties) == 1 and not self.dictionary.is_org(next(iter(parties))):
            joint = {"joint", "combined", "bilateral", "trilateral", "multilateral", "multinational", "allied"}
            own = [c for slot in ("poss", "by", "subj", "mod") for h in slots.heads.get(slot, [])
                   if h.pos_ != "PRON" for c in self.resolve(h, mentions, memory, set())[0]]
            if any(x.lower_ in joint for x in phrase(t)) or not own or slots.heads.get("with"):
                return None  # a joint drill whose partner the text does not name here
            frame = self.rules.frames[frame.solo]
        lone_org = len(parties) == 1 and frame.type in ("CONSULT", "COOPERATE") and self.dictionary.is_org(
            next(iter(parties)))
        if len(parties) < frame.min_parties and not lone_org:
            return None  # (a NATO summit, an ASEAN exercise: one organisation is enough)
        if "target_needed" in frame.flags and not targets:
            return None
        if frame.type in ("AID",) and not targets:
            return None
        if frame.type != "AID" and not actors:
            return None  # only a purchase may leave its other side unnamed
        others = {i for i in trigger_ids if i != t.i and t.doc[i].lemma_.lower() not in light}
        dm = date_of(t, attached, free, govs, others, date_tokens)
        if "dated" in frame.flags and not (attached.get(t.i) or any(
                c.like_num and len(c.text) == 4 for c in t.children)):
            return None  # "the agreement" is an event only with a date of its own ("the 2014 agreement")
        when = dm.edtf if dm else None
        if dm is not None and dm.relation in ("since", "until"):
            when = None
        planned = is_planned(t, govs, when, anchor, self.rules)
        actor_toks = mention_tokens
        hedged = is_hedged(doc, t, govs, self.rules, actor_toks)
        location = location_of([p for p in places if p.kind in ("place", "capital", "name", "short", "government")])
        if location is None:
            for g in govs[:1]:
                for c in g.children:
                    if c.dep_ == "prep" and c.lower_ in ("in", "at"):
                        pm = [m for h in c.children for m in mentions_in(phrase(h), mentions)]
                        location = location_of([m for m in pm if m.kind in ("place", "capital", "name", "short")])
        if location is None:  # "met the minister in Singapore", "signed ... here in Suva": a place on a participant
            heads = [h for slot in ("obj", "with", "to", "dative", "subj") for h in slots.heads.get(slot, [])]
            for h in heads + [t]:
                near = phrase(h) if h.i != t.i else []
                for x in [*near, *[c for c in h.children if c.dep_ == "advmod"]]:
                    for c in x.children:
                        if c.dep_ == "prep" and c.lower_ in ("in", "at") and location is None:
                                pm = [m for g in c.children for m in mentions_in(list(g.subtree), mentions)]
                                location = location_of([m for m in pm if m.kind in ("place", "capital", "name",
                                                                                       "short")])
        if location is None and frame.mode == "visit":  # "visited Abuja", "was in Papua New Guinea": where to
            for slot in ("to", "obj", "in"):
                for h in slots.heads.get(slot, []):
                    pm = [m for m in mentions_in(phrase(h), mentions) if m.kind in (*PLACE_KINDS, "name", "short")
                          and not self.dictionary.kinds.get(m.code)]
                    if pm and location is None:
                        location = location_of(pm)
        framework = frameworks[0] if frameworks else None
        people = tuple(sorted({m.person or m.text for h in [x for hs in slots.heads.values() for x in hs]
                               for m in mentions_in(phrase(h), mentions) if m.kind in ("official", "surname")}
                              | {x.text for hs in slots.heads.values() for h in hs for x in phrase(h)
                                 if x.pos_ == "PROPN" and x.i not in mention_tokens and x.dep_ != "compound"
                                 and x.i not in date_tokens and x.lower_ not in self.rules.makers}))
        again = any(c.dep_ == "advmod" and c.lower_ in ("also", "separately", "additionally", "later", "then")
                    for v in [t, *govs[:1]] for c in v.children)
        start = offset
        conf = 0.85 - 0.1 * refs - (0.1 if not is_verbal(t) else 0)
        return Candidate(t.i, doc[t.i:tr.end].text, offset + t.idx, frame, actors, targets, when,
                         bool(dm and dm in attached.get(t.i, [])), "planned" if planned else "occurred", hedged,
                         location, framework, (start, start + len(doc.text), doc.text),
                         carrier=slots.governor.i if slots.governor is not None else None,
                         plural=t.tag_ in ("NNS", "NNPS") or any(
                             (h.tag_ in ("NNS", "NNPS") or h.lower_.endswith("s")) and (h.lemma_.lower() in self.rules.classes.get("document", set())
                                                           or h.lower_.rstrip("s") in self.rules.classes.get("document",
                                                                                                      set()))
                             for h in slots.heads.get("obj", [])),
                         partners=pairs or partners, pairwise=bool(pairs), noun=not is_verbal(t),
                         people=people, again=again, partner_places=partner_places,
                         refers_back=any(h.lemma_.lower() in self.rules.classes.get("document", set()) and any(
                             c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in h.children)
                             for h in slots.heads.get("obj", []) if is_verbal(t)),
                         subject_codes=[c for h in slots.heads.get("subj", [])
                                        for c in self.resolve(h, mentions, memory, set())[0]]
                         if any(x.lower_ == "each" and x.dep_ in ("advmod", "appos", "det", "npadvmod")
                                for x in [*t.children, *[y for h in slots.heads.get("subj", []) for y in h.children]])
                         else [],
                         past=(t if is_verbal(t) else (slots.governor or t)).tag_ == "VBD",
                         confidence=max(0.3, conf),
                         distributive=len(objects) >= 2 or len([h for h in _conj_heads(slots) if any(
                             c.dep_ == "prep" and c.lower_ in ("in", "at") for c in h.children)]) >= 2 or any(
                             x.lower_ in ("each", "respectively", "separately", "separate", "bilateral")
                                          for h in slots.heads.get("with", []) + slots.heads.get("obj", []) + [t]
                                          for x in [h, *h.children]))

    def _pair_list(self, t: Token, mentions: list[Mention]) -> list[list[str]]:
        """ "the Japan-ROK, the Japan-China and the Japan-Laos meetings": one complete pair per conjunct."""
        first = t
        while first.dep_ == "conj" and first.head.i != first.i:
            first = first.head
        chain = [first] + [x for x in first.subtree if x.dep_ == "conj" and not is_verbal(x)]
        groups = []
        for h in chain:
            own = [x for x in h.children if x.dep_ in ("compound", "amod")] + [h]
            ms = [m for m in mentions if any(m.tok_start <= x.i < m.tok_end for x in own)]
            codes = list(dict.fromkeys(c for m in ms for c in codes_of(m, self.dictionary)))
            if len(codes) >= 2:
                groups.append(codes)
        return groups if len(groups) >= 2 else []

    def _conjuncts(self, h: Token, mentions: list[Mention]) -> list[list[str]]:
        """Conjoined partners in one slot ("with A, B and C"), each as its own group of codes."""
        toks = phrase(h)
        top = next((x for x in toks if any(c.dep_ == "conj" for c in x.children)), h)
        heads = [top]  # "each of his counterparts from A, B and C": the list may sit deeper in the phrase
        for x in top.subtree:
            if x.dep_ == "conj" and x.head in heads:
                heads.append(x)
        if len(heads) < 2:
            return []
        groups = []
        for x in heads:
            ms = [m for m in mentions if m.tok_start <= x.i < m.tok_end or (x.i in {c.i for c in x.children
                                                                                       if c.dep_ == "compound"})]
            if not ms:
                ms = [m for m in mentions if x.left_edge.i <= m.tok_start and m.tok_end - 1 <= x.i]
            codes = [c for m in ms for c in codes_of(m, self.dictionary)]
            if codes:
                groups.append(codes)
        return groups if len(groups) >= 2 else []

    def _combine(self, cands: list[Candidate], triggers: list[Trigger]) -> list[Candidate]:
        """Rules across triggers of one sentence: carried nouns, rule 3 and rule 4."""
        by_i: dict[int, Candidate] = {}
        for c in cands:
            by_i.setdefault(c.trigger_i, c)
        doc_tokens = {tr.token.i: tr.token for tr in triggers}
        drop: set[int] = set()  # ids of dropped candidates
        for c in cands:
            tok = doc_tokens[c.trigger_i]
            # an event noun carried by a trigger verb of the same type is that verb's event
            if c.noun and c.carrier is not None and c.carrier in by_i and c.carrier != c.trigger_i:
                v = by_i[c.carrier]
                light = self.rules.classes.get("light", set())
                if v.frame.type != c.frame.type and doc_tokens[v.trigger_i].lemma_.lower() in light \
                        and "pledge" not in v.frame.flags and (v.frame.type != "AGREE" or (
                            v.frame.mode == "form" and c.frame.type in ("CONSULT", "COOPERATE"))):
                    # "joined the exercises", "took part in the drills", "joined a NATO session": the noun is
                    # the event, not a joining of the organisation
                    drop.add(id(v))
                    c.date = c.date or v.date
                    continue
                if v.frame.type == c.frame.type:
                    v.actors = list(dict.fromkeys(v.actors + c.actors))
                    v.targets = list(dict.fromkeys(v.targets + c.targets))
                    v.date = v.date or c.date
                    v.plural = v.plural or c.plural
                    v.partners = v.partners or c.partners
                    v.location = v.location or c.location
                    drop.add(id(c))
                    continue
            if is_verbal(tok) and tok.dep_ == "xcomp" and tok.head.i in by_i and "absorb" in by_i[tok.head.i].frame.flags:
                drop.add(id(c))  # "applied to join NATO": the joining is what is asked for, not an event
                continue
            # rule 3: a pledge governing an act through its complement ("agreed to hold", "agreed that ...")
            act = tok if is_verbal(tok) or c.carrier is None else tok.doc[c.carrier]
            while act.dep_ == "conj" and is_verbal(act.head):
                act = act.head  # "agreed to resume visits, hold talks and exercises"
            for g in governors(tok):
                p = by_i.get(g.i)
                if p is None or "pledge" not in p.frame.flags or p.trigger_i == c.trigger_i:
                    continue
                if not (act.dep_ in ("xcomp", "ccomp") and act.head.i == g.i):
                    break
                if (c.own_date and c.date) or c.frame.type in ("AID", "MOBILIZE"):
                    c.status = "planned" if c.frame.type != "AID" or c.own_date else c.status
                    drop.add(id(p))  # "agreed to buy jets": the purchase is the event
                else:
                    drop.add(id(c))
                    p.actors = list(dict.fromkeys(p.actors + c.actors + c.targets))
                break
        # "agreed to ... during talks in Hanoi on Monday": what is agreed at an event shares its date
        for c in cands:
            if c.date is None and id(c) not in drop:
                inner = [n for n in cands if n is not c and n.noun and n.date and doc_tokens[n.trigger_i].i in
                         {x.i for x in doc_tokens[c.trigger_i].subtree} and doc_tokens[n.trigger_i].dep_ == "pobj"
                         and doc_tokens[n.trigger_i].head.lower_ in self.rules.classes.get("scene", set())]
                if inner:
                    c.date = inner[0].date
        # one verb, two readings: forces sent are a deployment, not a transfer ("sent a patrol vessel to")
        # ... but equipment delivered on arrival is a transfer ("the first tanks arrived in Poland")
        delivered = {c.trigger_i for c in cands if "dest" in c.frame.flags}
        drop |= {id(c) for c in cands if c.frame.mode == "deployment" and c.trigger_i in delivered}
        deployed = {c.trigger_i for c in cands if c.frame.mode == "deployment" and c.trigger_i not in delivered}
        drop |= {id(c) for c in cands if c.frame.type == "AID" and c.trigger_i in deployed}
        # rule 4: an arms contract is a transfer, not a signing: the same verb read as a purchase wins,
        # and so does a transfer named inside what was signed
        aid = [c for c in cands if c.frame.type == "AID" and id(c) not in drop]
        for c in cands:
            if c.frame.type == "AGREE" and c.frame.mode == "sign" and any(
                    a.trigger_i == c.trigger_i or doc_tokens[c.trigger_i].i in {x.i for x in
                                                                                  doc_tokens[a.trigger_i].ancestors}
                    or doc_tokens[a.trigger_i].i in {x.i for x in doc_tokens[c.trigger_i].subtree} for a in aid):
                drop.add(id(c))
        # the same frame twice on one pair in one sentence ("talks ... the meeting") is one event
        out: list[Candidate] = []
        for c in cands:
            if id(c) in drop:
                continue
            if any(o.frame.type == c.frame.type and o.frame.mode == c.frame.mode and set(o.actors) == set(c.actors)
                   and set(o.targets) == set(c.targets) and (o.date == c.date or not c.date) for o in out):
                continue
            out.append(c)
        return out


def _in_clause_below(x: Token, top: Token) -> bool:
    """Whether `x` sits in a relative, adverbial or complement clause below `top` ("Togo, which is struggling
    with fighters moving south from Burkina Faso": the "from" is not the supplier's)."""
    for a in x.ancestors:
        if a.i == top.i:
            return False
        if a.dep_ in ("relcl", "advcl", "ccomp"):
            return True
    return False
