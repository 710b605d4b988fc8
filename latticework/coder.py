"""The coder: one document in, a list of ontology events (dicts, see event.schema.json) out.

Stages, each in its own module: ``nlp`` (furniture removal, sentences), ``actors`` (who is
named), ``dates`` (when), ``events`` (clauses, triggers, frames). This module walks a document
sentence by sentence, keeps the little context that coreference needs ("the two countries"),
turns frames into events and removes duplicates (a lede that repeats the body).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from latticework import __version__
from latticework.actors import COMMON_SURNAMES, DATA_DIR, TITLE_WORDS, ActorDictionary, Mention
from latticework.dates import DateContext, DateMention, find_dates, is_after, to_interval
from latticework.events import (
    FUTURE,
    FUTURE_DATE,
    HEDGES,
    LAST_PARTIES,
    LIST_GAP,
    PASSIVE_AUX,
    PERSON_HEADS,
    REPORTING,
    SUBORDINATORS,
    TREND,
    Clause,
    Frame,
    Lexicon,
    SentenceContext,
    Trigger,
    assign_roles,
    build_frames,
    coref_mentions,
    drop_scene_frames,
    filter_triggers,
    mention_codes,
    select_frames,
    split_clauses,
)
from latticework.ingest import Document
from latticework.nlp import Sent as Span
from latticework.nlp import Toks, get_nlp, parse, sentences
from latticework.ontology import DIRECTED, SYMMETRIC

DATE_BARRIERS = {"after", "before", "since", "until", "although", "though", "because", "unless", "despite",
                 "whereas", "whose", "including", "like"}
# "Did Japan send troops?" asserts nothing; "What did the four agree in Hawaii?" presupposes the meeting
_YES_NO_QUESTION = re.compile(r"^\W*([^:?]{0,80}:\s*)?(did|does|do|will|would|could|can|should|is|are|was|were|has|have|had|"
                              r"shall|may|might)\b[^?]*\?\s*$", re.I)
_MAIN_CLAUSE_END = re.compile(r",\s*(?:under |in |at |by )?(?:which|who|where|whose)\b|;", re.I)
_COREF_HINT = re.compile(r"\b(they|them|parties|sides|both|two|these|counterpart)\b", re.I)
PLURAL_DEALS = r"\b(agreements|deals|pacts|accords|treaties|contracts|memoranda|mous|arrangements)\b"


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    m = re.match(r"(\d{4})(?:-(\d{2}))?", value)
    return date(int(m[1]), int(m[2] or 1), 1) if m else None


def _data_version(paths: Iterable[Path]) -> str:
    h = hashlib.sha1()
    for p in sorted(paths):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:8]


class Coder:
    """Holds the loaded dictionaries and lexicons; `code()` is a pure function of them and the document.

    `version` changes whenever the code or any data file changes, so stored events can be recoded.
    """

    def __init__(self, data_dirs: Iterable[Path | str] = ()) -> None:
        extra = [Path(d) for d in data_dirs]
        self.dictionary = ActorDictionary.load(extra_dirs=extra)
        self.lexicon = Lexicon.load()
        self.nlp = get_nlp()
        self.actor_matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        for alias in self.dictionary.pattern_texts:
            self.actor_matcher.add(alias, [self.nlp.make_doc(alias)])
        self.trigger_matcher = self.lexicon.matcher(self.nlp.vocab)
        files = [p for d in [DATA_DIR, *extra] for p in Path(d).glob("*.tsv")]
        self.version = f"{__version__}+{_data_version(files)}"

    # -- mentions -----------------------------------------------------------------------------

    def _mentions(self, doc: Doc, offset: int, when: date | None, ctx: SentenceContext) -> list[Mention]:
        vocab = self.nlp.vocab
        found = []
        for match_id, s, e in self.actor_matcher(doc):
            found.append((s, e, vocab.strings[match_id]))
        # longest, leftmost, non-overlapping
        found.sort(key=lambda x: (x[0], -(x[1] - x[0])))
        out: list[Mention] = []
        last_end = -1
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
                leader = entry.office in ("head_of_state", "head_of_government") and alias not in COMMON_SURNAMES \
                    and when is not None and (
                    entry.valid_from is None or entry.valid_from <= when) and (
                    entry.valid_to is None or when <= entry.valid_to)
                if prev not in TITLE_WORDS and entry.person not in ctx.persons_seen and not leader:
                    continue  # a bare surname counts for a sitting leader ("Putin"), else after a title
            span = doc[s:e]
            kind = entry.kind
            members: tuple[str, ...] = ()
            code = entry.code
            if kind == "grouping":
                members = tuple(self.dictionary.members_at(code, when))
            if kind in ("official", "surname") and entry.person:
                ctx.persons_seen.add(entry.person)
            if kind in ("official", "surname") and out and s - out[-1].tok_end <= 4 and out[-1].kind in (
                    "organisation", "name", "short", "abbrev", "demonym") and all(
                    t.text in TITLE_WORDS or t.text[:1].isupper() or t.lower_ in ("of", "the", "and", "for", "-")
                    for t in doc[out[-1].tok_end:s]):
                # "NATO Secretary General Mark Rutte", "Dutch Prime Minister ...": the title says whom they speak for
                code, members = out[-1].code, out[-1].members
            title = next((doc[k].lower_ for k in range(max(0, s - 3), s) if doc[k].lower_ in PERSON_HEADS), None) \
                if kind in ("official", "surname") else None
            out.append(Mention(offset + span.start_char, offset + span.end_char, span.text, code, kind, s, e,
                               person=entry.person, country=entry.country, members=members, title=title))
            last_end = e
        return out

    def _triggers(self, doc: Doc) -> list[Trigger]:
        out = []
        for match_id, s, e in self.trigger_matcher(doc):
            d = self.lexicon.defs[int(self.nlp.vocab.strings[match_id])]
            out.append(Trigger(d, s, e, doc[s:e].text))
        return out

    # -- the document ---------------------------------------------------------------------------

    def code(self, doc: Document) -> list[dict]:
        """All events of one document, in text order, duplicates removed."""
        anchor = _parse_date(doc.published)
        dctx = DateContext(anchor)
        sctx = SentenceContext(anchor)
        events: list[dict] = []
        for offset, ptext, pdoc in parse(doc.text):
            all_mentions = self._mentions(pdoc, offset, anchor, sctx)
            all_triggers = self._triggers(pdoc)
            _toks, sents = sentences(pdoc, ptext)
            for sent in sents:
                mentions = [m for m in all_mentions if sent.start <= m.tok_start < sent.end]
                triggers = [t for t in all_triggers if sent.start <= t.start < sent.end and not any(
                    m.tok_start <= t.start < m.tok_end for m in mentions)]
                stext = sent.text
                main_part = _MAIN_CLAUSE_END.split(stext, maxsplit=1)[0]  # "will" inside "under which ..." is not ours
                dates = [(d.start + sent.start_char, d) for d in find_dates(
                    stext, dctx, future_hint=bool(triggers and FUTURE_DATE.search(main_part)))]
                if triggers and (mentions or _COREF_HINT.search(stext)) and not _YES_NO_QUESTION.match(stext):
                    mentions = sorted(mentions + coref_mentions(sent, offset, sctx, mentions), key=lambda m: m.tok_start)
                    assign_roles(sent, mentions, self.dictionary)
                    events.extend(self._sentence_events(doc, sent, offset, mentions, triggers, dates, sctx, anchor))
                self._update_context(sctx, mentions)
        events = dedupe(events)
        for ev in events:
            ev.pop("_noun", None)
        return events

    def _update_context(self, ctx: SentenceContext, mentions: list[Mention]) -> None:
        people = [m for m in mentions if m.kind in ("official", "surname") and m.role == "party" and m.code]
        if people:
            ctx.last_person = people[-1].code
        for m in people:
            if m.title:
                ctx.last_by_title[m.title] = m.code
        states = [c for m in mentions if m.role == "party" for c in mention_codes(m) if not self.dictionary.kinds.get(c)]
        for c in states:
            if c in ctx.recent_states:
                ctx.recent_states.remove(c)
            ctx.recent_states.append(c)
        ctx.recent_states = ctx.recent_states[-8:]
        # the longest coordinated list of states in this sentence becomes "these countries"
        best: list[str] = []
        run: list[str] = []
        prev_end = None
        for m in mentions:
            if m.role != "party" or m.kind == "coref":
                continue
            codes = [c for c in mention_codes(m) if not self.dictionary.kinds.get(c)]
            if prev_end is not None and m.tok_start - prev_end <= 2:
                run.extend(c for c in codes if c not in run)
            else:
                run = list(codes)
            prev_end = m.tok_end
            if len(run) > len(best):
                best = list(run)
        if len(best) >= 2:
            ctx.last_list = best

    def _sentence_events(self, doc: Document, sent: Span, offset: int, mentions: list[Mention],
                         triggers: list[Trigger], dates: list[tuple[int, DateMention]], ctx: SentenceContext,
                         anchor: date | None) -> list[dict]:
        pdoc = sent.doc
        triggers = filter_triggers(sent, triggers, self.lexicon)
        if not triggers:
            return []
        clauses = split_clauses(sent, triggers)
        out: list[dict] = []
        prev_subject: list[Mention] = []
        prev_all: list[Mention] = []
        sentence_text = sent.text
        trend = bool(TREND.search(sentence_text))
        for ci, clause in enumerate(clauses):
            cm = [m for m in mentions if clause.start <= m.tok_start < clause.end]
            for m in cm:
                if m.person == LAST_PARTIES and ctx.last_parties:
                    m.members = tuple(ctx.last_parties)  # "..., where the two signed": the clause before counts
            orgs = [m for m in cm if m.kind in ("organisation", "grouping", "framework")]
            clause.triggers = [t for t in clause.triggers if not (
                t.type == "AGREE" and "unilateral" in t.d.flags
                and not any(-6 <= m.tok_start - t.end <= 5 for m in orgs))]  # joining needs what is joined
            frames = drop_scene_frames(sent, clause, build_frames(clause))
            # attach each mention after a trigger to the nearest trigger before it
            first = frames[0].start if frames else clause.end
            speaker: list[Mention] = []
            in_name = {i for m in cm for i in range(m.tok_start, m.tok_end)}
            rep = next((t.i for t in pdoc[clause.start:first] if t.lower_ in REPORTING and t.text.islower()
                        and t.i not in in_name), None)
            if rep is None and frames and frames[0].type == "AGREE" and frames[0].mode == "pledge" and \
                    frames[0].triggers[0].text.lower() in ("confirmed", "confirms", "affirmed") and \
                    frames[0].end < clause.end and pdoc[frames[0].end].lower_ == "that" and len(frames) > 1:
                # "the minister confirmed that Beijing had approached ...": a report, not a pledge
                rep = frames[0].start
                frames = frames[1:]
                first = frames[0].start
            acc = re.search(r"\baccording to\b", pdoc[clause.start:first].text, re.I)
            if acc:
                base_char = pdoc[clause.start].idx
                acc_tok = pdoc.char_span(base_char + acc.start(), base_char + acc.end())
                comma = next((t.i for t in pdoc[acc_tok.end if acc_tok else clause.start:first] if t.text == ","), None)
                if comma is not None:
                    speaker = [m for m in cm if m.tok_start < comma and m.role in ("party", "source")]
            elif rep is not None:
                speaker = [m for m in cm if m.tok_start < rep and m.role in ("party", "source")]
            pre = [m for m in cm if m.tok_start < first and m not in speaker and m.role in ("party", "contra")]
            for m in cm:
                if m.tok_start >= first and m.role in ("party", "contra", "descriptor"):
                    owner = max((f for f in frames if f.start <= m.tok_start),
                                key=lambda f: max(t.start for t in f.triggers if t.start <= m.tok_start), default=None)
                    if owner is None:
                        continue
                    later_own = any(t.start > m.tok_start for t in owner.triggers)  # "call in which A and B discussed"
                    gap = [t.lower_ for t in pdoc[owner.end:m.tok_start]]
                    # "the exercise, which will include Australian and Japanese forces": the noun's own participants
                    including = len(gap) < 12 and any(w in ("include", "includes", "included", "including", "involve",
                                                             "involves", "involved", "involving", "bring", "brings",
                                                             "brought", "feature", "features", "featured")
                                                       for w in gap)
                    if later_own or including or not any(w in SUBORDINATORS for w in gap):
                        owner.attached.append(m)
            c_start = pdoc[clause.start].idx
            c_end = pdoc[clause.end - 1].idx + len(pdoc[clause.end - 1].text)
            dates_in_clause = [(p, d) for p, d in dates if c_start <= p < c_end]
            frames = select_frames(sent, clause, frames, dates_in_clause)
            inherited = False
            if not pre and speaker and not any("speech" in f.flags for f in frames):
                pre = [m for m in speaker if m.role == "party"]  # "Russia said its fleet would hold drills with China"
            if not pre and ci > 0:
                passive = any(pdoc[f.start - 1].lower_ in PASSIVE_AUX for f in frames if f.start > 0)
                if not clause.relative or passive:
                    pre = prev_subject or prev_all
                    inherited = True
            attached_anywhere = {id(m) for f in frames for m in f.attached}
            for fi, f in enumerate(frames):
                f_pre = pre
                if fi > 0:
                    # a later frame with its own subject: "..., weeks after the US military sent warships"
                    prev_end = max(t.end for g in frames[:fi] for t in g.triggers if t.start < f.start) \
                        if any(t.start < f.start for g in frames[:fi] for t in g.triggers) else clause.start
                    local = [m for m in cm if prev_end <= m.tok_start < f.start and m.role == "party"
                             and id(m) not in attached_anywhere]
                    if local:
                        f_pre = local
                new = self._event(doc, sent, offset, clause, f, f_pre, speaker, cm, dates_in_clause, dates,
                                  ctx, anchor, inherited, trend, triggers)
                for ev in new:
                    if ev["type"] in SYMMETRIC and len(ev["actors"]) >= 2:
                        ctx.last_parties = ev["actors"]
                out.extend(new)
            if pre:
                prev_subject = pre
            prev_all = [m for m in cm if m.role == "party"] or prev_all
        return out

    def _event(self, doc: Document, sent: Span, offset: int, clause: Clause, f: Frame, pre: list[Mention],
               speaker: list[Mention], cm: list[Mention], dates_in_clause: list[tuple[int, DateMention]],
               sent_dates: list[tuple[int, DateMention]], ctx: SentenceContext, anchor: date | None,
               inherited: bool, trend: bool, sent_triggers: list[Trigger]) -> list[dict]:
        pdoc = sent.doc
        d = self.dictionary
        # -- date (resolved first: groupings expand to members at the event's date)
        def first_since(p: int, dm: DateMention) -> bool:
            """"the first visit since 2009": 2009 dates the previous visit, not this one."""
            return dm.relation == "since" and bool(re.search(r"\bfirst\b", sent.text[:max(0, p - sent.start_char)], re.I))

        fw_starts = {m.start - offset for m in cm if m.kind in ("framework", "organisation", "grouping")}
        sent_text_para = pdoc.text

        def names_a_framework(p: int, dm: DateMention) -> bool:
            """"the 2014 EDCA", "the 1953 Mutual Defense Treaty": a year inside a name."""
            end = p + (dm.end - dm.start)
            if dm.relation != "at":
                return False
            if any(0 <= fs - end <= 1 for fs in fw_starts):
                return True
            before, after = sent_text_para[max(0, p - 4):p].lower(), sent_text_para[end:end + 2]
            return before.endswith("the ") and after[:1] == " " and after[1:2].isupper() and not re.match(
                r"\s(January|February|March|April|May|June|July|August|September|October|November|December)",
                sent_text_para[end:end + 12])

        trig_char = pdoc[f.start].idx

        def other_clause(p: int) -> bool:
            """A date across a subordinator or inside "including ..." dates something else."""
            lo, hi = sorted((p, trig_char))
            span = pdoc.char_span(lo, hi)
            return span is not None and any(t.lower_ in DATE_BARRIERS for t in span)

        def dates_the_report(p: int) -> bool:
            """"..., the ministry said on Thursday": the date of the statement, not of the event."""
            before = pdoc.char_span(max(0, p - 30), p)
            words = [t.lower_ for t in before] if before is not None else []
            return any(w in REPORTING for w in words[-3:]) and f.type not in ("ACCUSE", "THREATEN", "REQUEST")

        cands = [(p, dm) for p, dm in dates_in_clause
                 if not first_since(p, dm) and not names_a_framework(p, dm) and not other_clause(p)
                 and not dates_the_report(p)]
        chosen: DateMention | None = None
        if cands:
            chosen = min(cands, key=lambda x: abs(x[0] - pdoc[f.start].idx))[1]
        else:
            first_trig = pdoc[min(t.start for t in sent_triggers)].idx if sent_triggers else pdoc[clause.start].idx
            # a relative clause ("..., where they signed ...") shares the time of the clause it hangs on
            horizon = pdoc[clause.start].idx if clause.relative else min(first_trig, pdoc[clause.start].idx)
            before = [dm for p, dm in sent_dates if p < horizon and not first_since(p, dm)]
            chosen = before[-1] if before else None
        edtf = chosen.edtf if chosen else None
        when = to_interval(edtf)[0] if edtf else anchor

        def codes_of(ms: Iterable[Mention]) -> list[str]:
            out: list[str] = []
            for m in ms:
                cs = m.members if m.kind != "grouping" else tuple(d.members_at(m.code, when))
                for c in (cs or ((m.code,) if m.code else ())):
                    if c and c not in out:
                        out.append(c)
            return out

        directed = f.type in DIRECTED
        pre = self._own_subject(pdoc, [m for m in pre if m.role == "party" or directed and m.role == "contra"], f.start)
        subject_group = self._subject_group(pdoc, [m for m in pre if m.role == "party"])
        pre_rest = [m for m in pre if m not in subject_group]
        attached = [m for m in f.attached if m.role == "party" or directed and m.role in ("contra", "descriptor")]
        actors: list[str]
        targets: list[str] = []
        etype, mode = f.type, f.mode
        location = None
        confidence = f.confidence
        trig_lower = " ".join(t.text.lower() for t in f.triggers)
        if "object" in f.flags and not any(0 <= m.tok_start - t.end <= 3 for m in attached for t in f.triggers):
            return []  # "received the minister" is a meeting; "welcomed progress" is not
        win = pdoc[max(clause.start, f.start - 8):min(clause.end, f.end + 12)]
        if not pre and not attached and etype in ("CONSULT", "COOPERATE") and dates_in_clause and ctx.last_parties \
                and any(dm.explicit for _, dm in dates_in_clause) and any(
                    t.lower_ in ("such", "another", "first", "second", "next", "previous", "last")
                    for t in pdoc[max(clause.start, f.start - 3):f.start]):
            pre = [Mention(0, 0, "", "", "coref", members=tuple(ctx.last_parties))]  # "the first such meeting, in 2023"
            confidence -= 0.2
        if etype == "AGREE" and mode == "sign" and self.lexicon.has_class(
                "weapon", [t.lower_ for t in win], win.text.lower()):
            # rule 4: an arms contract is the transfer; the buyer signs "with"/"from" the supplier
            frm = [m for m in [*pre_rest, *attached] if pdoc[m.tok_start - 1].lower_ in ("from", "with", "by")]
            sg = codes_of(subject_group)
            others = [c for c in codes_of(frm or [*pre_rest, *attached]) if c not in sg]
            if sg and others:
                etype, mode, f.cameo = "AID", "arms_transfer", "072"
                actors, targets = others, sg[:1]
        if etype == "AID" and f.type == "AGREE":
            pass  # a signed arms contract, directed above
        elif etype in SYMMETRIC:
            actors = codes_of([*pre, *attached])
            if not actors and f.attached == [] and not pre:
                return []
            if len(actors) == 1 and d.is_org(actors[0]) and etype in ("CONSULT", "COOPERATE"):
                pass  # a summit or exercise of one organisation is its members meeting
            elif etype == "COOPERATE" and mode == "exercise" and len(actors) == 1 and pdoc[f.start - 1].lower_ in (
                    "the", "this", "that", "its", "their"):
                return []  # "the exercise is not aimed at anyone": a back-reference, not a new drill
            elif etype == "COOPERATE" and mode == "exercise" and len(actors) == 1:
                joint = re.search(r"\b(joint|jointly|combined|bilateral|trilateral|multilateral|multinational|with|together)\b",
                                  pdoc[clause.start:clause.end].text)  # lower case: "Joint Sword" is a name
                if joint:
                    return []
                etype, mode, f.cameo = "MOBILIZE", "show_of_force", "150"
            elif "person_subject" in f.flags and not any(m.kind in ("official", "surname") for m in subject_group):
                return []  # "the minister arrived in Hanoi" is a visit; "the shipment arrived in Hanoi" is not
            elif etype == "CONSULT" and mode == "visit" and len(actors) == 1:
                dest = [m for m in cm if m.role == "location" and m.tok_start > f.start]
                extra = [c for c in codes_of(dest) if c not in actors and not d.kinds.get(c)]
                if not extra:
                    return []
                actors += extra[:1]
            elif len(actors) < 2:
                return []
            if etype == "AGREE" and "unilateral" in f.flags and not any(d.kinds.get(a) for a in actors) and not any(
                    m.kind in ("framework", "grouping") for m in cm):
                return []  # joining needs something to join: an organisation, grouping or framework
        elif etype == "MOBILIZE":
            actors = codes_of(subject_group or pre)
            if not actors:
                return []
        else:
            anaphors = [m for m in cm if m.role == "anaphor" and m.tok_start > f.start]
            if etype in ("ACCUSE", "THREATEN") and anaphors and not [m for m in attached if m.role == "party"]:
                attached = attached + anaphors[:1]  # "Beijing denounced the deal": its parties are the targets
            src = [m for m in attached if m.tok_start > 0 and pdoc[m.tok_start - 1].lower_ in ("from", "by")]
            if "from_source" in f.flags and src and subject_group:
                # "the decision drew criticism from Beijing": Beijing criticises the subject
                actors, targets = codes_of(src), [c for c in codes_of(subject_group) if c not in codes_of(src)]
                speaker = []
            elif etype in ("ACCUSE", "THREATEN", "REQUEST") and speaker:
                actors = codes_of([m for m in speaker if m.role == "party"])
                rest = [m for m in [*pre, *attached] if m not in speaker]
                targets = [c for c in codes_of(rest) if c not in actors]
                # "Tokyo's partnerships with Washington make it a target": the partner is not the target
                withs = {c for m in rest if m.tok_start > 0 and pdoc[m.tok_start - 1].lower_ == "with"
                         for c in mention_codes(m)}
                direct = [t for t in targets if t not in withs]
                if direct:
                    targets = direct[:1] if withs and (f.type == "THREATEN" or mode == "criticize") else direct
            elif etype == "AID":
                def after_word(ms: list[Mention], words: set[str]) -> list[Mention]:
                    """Mentions governed by one of `words`, with the list it heads ("from Denmark and Norway")."""
                    out: list[Mention] = []
                    for m in ms:
                        k = m.tok_start - 1
                        while k > 0 and pdoc[k].lower_ in ("the", "a"):
                            k -= 1
                        if pdoc[k].lower_ in words or (out and all(
                                t.lower_ in LIST_GAP for t in pdoc[out[-1].tok_end:m.tok_start])):
                            out.append(m)
                    return out

                frm = after_word([*pre_rest, *attached], {"from", "by"})
                to = after_word([*pre_rest, *attached], {"to", "for"})
                if "buyer" in f.flags:
                    targets = codes_of(subject_group)
                    actors = codes_of(frm or [m for m in attached])
                else:
                    actors = codes_of(subject_group)
                    targets = [c for c in codes_of(to or [*pre_rest, *attached]) if c not in actors]
            else:
                actors = codes_of(subject_group)
                targets = [c for c in codes_of([*pre_rest, *attached]) if c not in actors]
            if etype == "REQUEST" and "from_source" not in f.flags:
                near = [m for m in attached if 0 <= m.tok_start - f.triggers[0].end <= 3]
                targets = [c for c in codes_of(near) if c not in actors]  # "asked Berlin to", not "ask what"
            if not actors or not targets:
                return []
        if inherited:
            confidence -= 0.1
        if any(m.kind == "coref" for m in [*pre, *attached]):
            confidence -= 0.1
        if "weak" in f.flags:
            confidence -= 0.15
        if trend and "noun" in f.flags:
            return []  # "dialogues have started to increase": a trend, not an event
        # -- status, hedging
        content_start = max([clause.start, *[t.i + 1 for t in pdoc[clause.start:f.start] if t.lower_ in REPORTING or t.lower_ == "that"]])
        if f.type in ("ACCUSE", "THREATEN", "REQUEST"):  # a threat of future action is made now
            status_text = pdoc[max(content_start, f.start - 3):f.end].text
        else:
            status_text = pdoc[content_start:clause.end].text
        planned = f.planned or bool(FUTURE.search(status_text)) or bool(
            edtf and anchor and is_after(edtf, anchor)) or bool(chosen and chosen.relation == "by" and chosen.future)
        if chosen and chosen.relation in ("since",) and not f.planned:
            planned = False
        hedge_text = sent.text
        hedged = bool(HEDGES.search(hedge_text))
        acc = re.search(r"according to ([^,]+)", hedge_text, re.I)
        if acc and not hedged:
            span_codes = {c for m in cm if m.role in ("party", "source") and acc.start() <= m.start - offset - sent.start_char < acc.end() + 1
                          for c in mention_codes(m)}
            if not span_codes or not span_codes <= set(actors):
                hedged = True
        if any(m.role == "source" for m in speaker):
            hedged = True
        # -- location
        hosts = [m for m in pre if m.kind == "capital" and "host" in trig_lower]
        locs = hosts or [m for m in cm if m.role == "location"]
        if etype == "MOBILIZE" and mode == "deployment" and not re.search(
                r"\b(to|in|into|near|across|along|abroad|overseas|on|at|off|around|within)\b",
                pdoc[f.end:clause.end].text, re.I):
            return []  # "fielded by 2035" is not a deployment anywhere
        if etype == "MOBILIZE" and mode == "deployment":
            locs = [m for m in cm if m.tok_start > f.start and m.role in ("location", "party") and pdoc[m.tok_start - 1].lower_ in ("to", "in")] or locs
            actors = [a for a in actors if a not in codes_of(locs)] or actors
        if locs:
            lm = min(locs, key=lambda m: m.kind not in ("place", "capital"))  # the most specific place
            country = lm.country if lm.kind == "place" else (lm.code if lm.code and not d.kinds.get(lm.code) else None)
            location = {"name": lm.text, "country": country}
        # -- framework
        framework = None
        parties_set = set(actors + targets)
        fw = [m for m in cm if m.kind == "framework"] or [
            m for m in cm if m.kind == "grouping" and parties_set and (
                set(codes_of([m])) <= parties_set or parties_set <= set(codes_of([m])))]  # "... under AUKUS"
        if fw:  # the framework named nearest the trigger ("joined Japan and Britain in GCAP", not FCAS before)
            framework = min(fw, key=lambda m: min(abs(m.tok_start - t.start) + (0.5 if m.tok_start < t.start else 0)
                                                  for t in f.triggers)).code
        ev_start, ev_end = sent.start_char + offset, sent.end_char + offset
        text = doc.text[ev_start:ev_end]
        lead = len(text) - len(text.lstrip())
        text_s = text.strip()
        ev_start += lead
        ev_end = ev_start + len(text_s)
        base = {
            "doc_id": doc.id,
            "type": etype,
            "mode": mode,
            "framework": framework,
            "date": edtf,
            "status": "planned" if planned else "occurred",
            "hedged": hedged,
            "location": location,
            "evidence": {"text": text_s, "start": ev_start, "end": ev_end},
            "confidence": round(max(0.05, min(1.0, confidence)), 2),
            "cameo": f.cameo,
            "trigger": " … ".join(t.text for t in f.triggers),
            "_noun": "noun" in f.flags and all("noun" in t.d.flags for t in f.triggers),
        }
        # several separate bilateral deals listed together: one event per partner (rule 1)
        groups: list[tuple[list[str], list[str]]] = [(actors, targets)]
        after = pdoc[f.end:min(clause.end, f.end + 8)].text.lower()
        plural_deal = "split" in f.flags or re.search(PLURAL_DEALS, pdoc[f.start:f.end].text.lower() + " " + after)
        subj_codes = codes_of(subject_group)
        subj_end = subject_group[-1].tok_end if subject_group else f.start
        distributive = any(t.lower_ in ("each", "respectively", "separately") for t in pdoc[subj_end:min(f.end + 2, clause.end)])
        if etype in SYMMETRIC and distributive and len(subj_codes) >= 2 and [a for a in actors if a not in subj_codes]:
            others = [a for a in actors if a not in subj_codes]
            groups = [([s_, *others], []) for s_ in subj_codes]  # "the US and Japan each signed ... with Ukraine"
        elif etype == "AGREE" and mode == "sign" and plural_deal and subj_codes and len(actors) - len(subj_codes) >= 2:
            groups = [(subj_codes + [p], []) for p in actors if p not in subj_codes]
        elif etype == "AID" and (len(targets) > 1 or len(actors) > 1):
            groups = [([a], [t]) for a in actors for t in targets]  # one transfer per supplier and recipient
        if etype in SYMMETRIC and subj_codes and not distributive:
            split = self._per_partner(pdoc, clause, cm, attached, subj_codes, dates_in_clause, codes_of)
            if split:
                # "meeting Scholz in Berlin, Macron in Paris ...", "with Australia in 2022, with Britain in 2023":
                # one event per partner, each with its own place and date
                out = []
                for acts, where, when_ in split:
                    a_sorted = sorted(dict.fromkeys(acts))
                    key = f"{doc.id}|{ev_start}|{pdoc[f.start].idx + offset}|{etype}|{','.join(a_sorted)}|"
                    ev = {"event_id": hashlib.sha1(key.encode()).hexdigest()[:16], **base, "actors": a_sorted,
                          "targets": []}
                    if where:
                        ev["location"] = where
                    if when_:
                        ev["date"] = when_.edtf
                        ev["status"] = "planned" if (anchor and is_after(when_.edtf, anchor)) else base["status"]
                    out.append(ev)
                return out
        events = []
        for acts, tgts in groups:
            a_sorted = sorted(dict.fromkeys(acts))
            t_sorted = sorted(dict.fromkeys(t for t in tgts if t not in a_sorted))
            key = f"{doc.id}|{ev_start}|{pdoc[f.start].idx + offset}|{etype}|{','.join(a_sorted)}|{','.join(t_sorted)}"
            events.append({"event_id": hashlib.sha1(key.encode()).hexdigest()[:16], **base,
                           "actors": a_sorted, "targets": t_sorted})
        return events

    @staticmethod
    def _per_partner(pdoc: Toks, clause: Clause, cm: list[Mention], attached: list[Mention], subj: list[str],
                     dates: list[tuple[int, DateMention]], codes_of) -> list[tuple[list[str], dict | None, DateMention | None]]:  # type: ignore[no-untyped-def]
        """Partners listed each with their own place or date are separate events; else []."""
        partners = [m for m in attached if not set(mention_codes(m)) & set(subj)]
        rows = []
        for i, m in enumerate(partners):
            stop = partners[i + 1].tok_start if i + 1 < len(partners) else clause.end
            lo, hi = m.tok_end, stop
            loc = next((x for x in cm if x.role == "location" and lo <= x.tok_start < hi), None)
            when_ = next((dm for p, dm in dates if pdoc[lo].idx <= p < (pdoc[hi - 1].idx + 1 if hi > lo else 0)), None) \
                if hi > lo else None
            rows.append((m, loc, when_))
        own = sum(1 for _, loc, w in rows if loc or w)
        if len(rows) < 2 or own < 2:
            return []
        out: list[tuple[list[str], dict | None, DateMention | None]] = []
        for m, loc, w in rows:
            codes = [c for c in codes_of([m]) if c not in subj]
            if codes:
                where = {"name": loc.text, "country": loc.country if loc.kind == "place" else loc.code} if loc else None
                out.append((subj + codes, where, w))
        return out

    @staticmethod
    def _own_subject(pdoc: Toks, pre: list[Mention], trigger: int) -> list[Mention]:
        """Mentions before a trigger that belong to its own clause.

        "Poland spends more, and Germany has promised ..." (a new subject after ", and"), "Japan,
        which relies on the US, signed ..." (a relative clause inside the subject)."""
        if len(pre) < 2:
            return pre
        toks = pdoc[pre[0].tok_start:trigger]
        cut = None
        for k, t in enumerate(toks):
            nxt = toks[k + 1].lower_ if k + 1 < len(toks) else ""
            if t.text == ";" or (t.text == "," and nxt in ("and", "while", "but", "whereas", "yet", "whilst")) or \
                    t.lower_ in ("after", "before", "when", "since", "while", "whereas", "although"):
                if any(m.tok_start > t.i for m in pre):
                    cut = t.i
        if cut is not None:
            pre = [m for m in pre if m.tok_start > cut]
        outside = []
        for m in pre:
            back = pdoc[pre[0].tok_start:m.tok_start]
            commas = [t.i for t in back if t.text == ","]
            seg = [t.lower_ for t in back if not commas or t.i > commas[-1]]
            if not any(w in ("which", "who", "whose", "whom") for w in seg):
                outside.append(m)
        return outside or pre

    @staticmethod
    def _subject_group(pdoc: Toks, pre: list[Mention]) -> list[Mention]:
        """The first coordinated run of mentions ("Japan, South Korea and the US ...")."""
        if not pre:
            return []
        group = [pre[0]]
        for m in pre[1:]:
            gap = pdoc[group[-1].tok_end:m.tok_start]
            if all(t.lower_ in LIST_GAP or t.text in TITLE_WORDS or t.text[:1].isupper() for t in gap):
                group.append(m)
            else:
                break
        return group


def _days_apart(a: str | None, b: str | None) -> int:
    """Days between two EDTF dates (0 when either is missing or they overlap)."""
    if not a or not b:
        return 0
    (a0, a1), (b0, b1) = to_interval(a), to_interval(b)
    if a0 <= b1 and b0 <= a1:
        return 0
    return min(abs((b0 - a1).days), abs((a0 - b1).days))


def _overlaps(ev: dict, other: dict) -> bool:
    a = set(ev["actors"]) | set(ev["targets"])
    b = set(other["actors"]) | set(other["targets"])
    return a < b or len(a & b) / len(a | b) >= 0.5


def dedupe(events: list[dict]) -> list[dict]:
    """Drop repeats: a lede restating the body, or a later back-reference without a date.

    Two events are the same when type and participants agree and their dates are equal or one is
    missing; the dated one is kept.
    """
    out: list[dict] = []
    by_key: dict[tuple, list[int]] = {}
    for ev in events:
        key = (ev["type"], tuple(ev["actors"]), tuple(ev["targets"]))
        idx = by_key.setdefault(key, [])
        if ev["type"] == "CONSULT":
            # a visit during which a meeting is reported is the meeting (ontology: visit "when no meeting is reported")
            near = next((i for i in idx if {out[i]["mode"], ev["mode"]} == {"visit", "meeting"}
                         and _days_apart(out[i]["date"], ev["date"]) <= 7), None)
            if near is not None:
                if ev["mode"] == "meeting":
                    out[near] = ev
                continue
        if ev["date"] is None and ev.get("_noun"):
            if any(o["type"] == ev["type"] and _overlaps(ev, o) for o in out):
                continue  # "participation in the exercises" refers back to an event already coded
        dup = next((i for i in idx if out[i]["date"] == ev["date"] or out[i]["date"] is None or ev["date"] is None), None)
        if dup is None:
            idx.append(len(out))
            out.append(ev)
        elif out[dup]["date"] is None and ev["date"] is not None:
            ev["confidence"] = max(ev["confidence"], out[dup]["confidence"])
            out[dup] = ev
        else:
            out[dup]["confidence"] = max(out[dup]["confidence"], ev["confidence"])
    return out


def code_documents(docs: Iterable[Document], coder: Coder | None = None) -> Iterator[tuple[Document, list[dict]]]:
    """Stream (document, events) pairs; the coder is built once."""
    coder = coder or Coder()
    for doc in docs:
        yield doc, coder.code(doc)
