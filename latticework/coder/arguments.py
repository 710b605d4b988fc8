"""Stage 4, arguments: who does what to whom, read from the dependency parse around one trigger.

A trigger's slots are its syntactic dependents (subject, object, prepositional phrases; for event
nouns also possessives and compounds), extended where English leaves them implicit: conjoined and
controlled verbs share their subject ("agreed to hold", "met ... and signed"), relative clauses take
their antecedent, participles and passives swap agent and patient, and an event noun takes the subject
of the verb that carries it ("X held talks with Y"). Each slot's noun phrases are turned into actor
codes through the mentions inside them, or through the document memory for pronouns and phrases such
as "the two countries" or "his counterpart".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from spacy.tokens import Token

from latticework.actors import Mention

# dependents that stay inside a noun phrase (its modifiers, conjuncts, appositions)
NP_DEPS = {"compound", "amod", "poss", "conj", "cc", "appos", "nmod", "det", "nummod", "quantmod", "npadvmod",
           "punct", "case", "flat", "predet", "preconj", "nn", "dep"}
CLAUSE_DEPS = {"ccomp", "advcl", "relcl", "parataxis", "csubj", "xcomp", "acl", "conj", "pcomp"}
SUBJ = ("nsubj", "csubj", "expl")
PLACE_HEADS = {"capital", "coast", "waters", "region", "territory", "island", "islands", "province", "city",
               "border", "borders", "sea", "strait", "peninsula", "airspace", "soil", "port", "base", "vicinity",
               "north", "south", "east", "west", "outskirts", "zone"}
SPEAKER_I = {"i", "me", "my", "mine", "myself"}
SPEAKER_WE = {"we", "us", "our", "ours", "ourselves"}
ADDRESSEE = {"you", "your", "yours"}
THEY = {"they", "them", "their", "theirs", "themselves"}
IT = {"it", "its"}
PERSON_PRON = {"he", "him", "his", "she", "her", "hers"}
DOCUMENT_HEADS = {"agreement", "treaty", "pact", "accord", "deal", "memorandum", "arrangement", "protocol", "mou",
                  "convention"}
PERSON_HEADS = {"counterpart", "minister", "leader", "official", "delegation", "president", "secretary", "chief",
                "representative", "envoy", "diplomat", "commander", "general", "admiral", "each"}
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "both": 2, "2": 2, "3": 3, "4": 4}


def is_verbal(t: Token) -> bool:
    return t.pos_ in ("VERB", "AUX") or (t.tag_.startswith("VB"))


def pobjs(prep: Token) -> list[Token]:
    """Objects of a preposition, including conjoined ones ("with A and B") and "to join X"."""
    out = [c for c in prep.children if c.dep_ in ("pobj", "pcomp")]
    return out


def phrase(head: Token) -> list[Token]:
    """The noun phrase headed by `head`: modifiers, conjuncts, appositions and its of-phrases."""
    out = [head]
    stack = [head]
    while stack:
        t = stack.pop()
        for c in t.children:
            take = c.dep_ in NP_DEPS and not (c.dep_ == "conj" and is_verbal(c))
            if c.dep_ == "prep" and c.lower_ == "of" and t.lower_ not in PLACE_HEADS:
                take = True
            if c.dep_ == "prep" and (c.lower_ in ("including", "like") or (
                    c.lower_ == "as" and any(x.lower_ == "such" for x in c.children))):
                take = True  # "partners such as A, B and C", "states including A and B"
            if c.dep_ == "prep" and c.lower_ == "from" and t.lemma_.lower() in PERSON_HEADS:
                take = True  # "counterparts from the Philippines and Indonesia"
            if c.dep_ == "prep" and t.lemma_.lower() in DOCUMENT_HEADS and (
                    (c.lower_ == "between" and t.dep_ in ("nsubj", "nsubjpass", "dobj"))
                    or (c.lower_ == "with" and t.dep_ in ("nsubj", "nsubjpass"))):
                take = True  # "the agreement between A and B came into effect": a document names its parties
            if c.dep_ == "pobj" and t.dep_ == "prep":  # the object of a preposition the phrase took
                take = True
            if take:
                out.append(c)
                stack.append(c)
    return sorted(out, key=lambda x: x.i)


def subject_of(v: Token, depth: int = 0) -> tuple[list[Token], bool]:
    """Subject heads of a verb, inherited through control, coordination and participles.

    The flag says the subject is a patient (a passive subject or the noun a participle modifies)."""
    if depth > 6:
        return [], False
    subj = [c for c in v.children if c.dep_ in SUBJ]
    if subj:
        if any(s.lower_ in ("which", "who", "that") for s in subj) and v.dep_ == "relcl":
            return [v.head], False
        return subj, False
    passive = [c for c in v.children if c.dep_ == "nsubjpass"]
    if passive:
        if any(s.lower_ in ("which", "who", "that") for s in passive) and v.dep_ == "relcl":
            return [v.head], True
        return passive, True
    h = v.head
    if v.dep_ == "xcomp":
        obj = [c for c in h.children if c.dep_ in ("dobj", "dative")]
        if obj and h.lemma_ in ("urge", "ask", "invite", "call", "allow", "help", "encourage", "press", "push",
                                "enable", "tell", "permit", "persuade", "convince", "force", "want", "expect"):
            return obj, False
        return subject_of(h, depth + 1)
    if v.dep_ == "conj" and is_verbal(h):
        return subject_of(h, depth + 1)
    if v.dep_ in ("advcl", "ccomp") and is_verbal(h) and v.tag_ in ("VBG", "VB", "VBN"):
        return subject_of(h, depth + 1)
    if v.dep_ == "acl" and v.tag_ in ("VBN", "VBD") and h.pos_ in ("NOUN", "PROPN"):  # (VBD: a mis-tagged participle)
        return [h], True  # "a consignment of drones delivered to Togo": a passive participle's noun is its patient
    if v.dep_ in ("xcomp", "acl") and not is_verbal(h) and any(c.dep_ == "poss" for c in h.children):
        return [c for c in h.children if c.dep_ == "poss"], False  # "India's decision to procure"
    if v.dep_ in ("pcomp", "xcomp", "acl", "advcl") and not is_verbal(h):
        # "looking forward to host you", "an honour to meet you": climb to the clause that has a subject
        g = h
        for _ in range(3):
            if is_verbal(g):
                return subject_of(g, depth + 1)
            if g.head.i == g.i:
                break
            g = g.head
        return [], False
    if v.dep_ == "pcomp":
        g = h.head
        if h.lower_ in ("for", "of") and g.pos_ in ("PROPN", "NOUN") and g.dep_ == "dobj":
            return [g], False  # "condemned Pyongyang for supplying": the prepositional phrase hangs on the object
        if h.lower_ in ("for", "of") and is_verbal(g) and any(c.dep_ == "dobj" for c in g.children):
            return [c for c in g.children if c.dep_ == "dobj"], False  # "condemned X for supplying", "thanked X for"
        if is_verbal(g):
            return subject_of(g, depth + 1)
        return [], False
    if v.dep_ == "relcl":
        return [h], False
    if v.dep_ == "acl":
        return [h], v.tag_ == "VBN"
    if v.dep_ == "ROOT":
        # "In December Norway and Sweden signed", "in Vientiane, the ministers met": the parser hung the
        # subject on a preposition or an apposition just before the verb
        j = v.i - 1
        while j >= 0 and v.doc[j].pos_ in ("ADV", "AUX", "PART"):
            j -= 1
        if j >= 0 and v.doc[j].pos_ in ("PROPN", "NOUN") and v.doc[j].dep_ in ("pobj", "appos", "conj", "npadvmod"):
            x = v.doc[j]
            while x.dep_ == "conj" and x.pos_ == "PROPN" and x.head.pos_ == "PROPN" and x.head.i != x.i:
                x = x.head  # "Norway and Sweden": the first conjunct heads the list
            return [x], False
    return [], False


@dataclass
class Slots:
    """Noun-phrase heads per slot name (subj, obj, poss, mod, dative and prepositions)."""

    heads: dict[str, list[Token]] = field(default_factory=lambda: defaultdict(list))
    governor: Token | None = None  # the verb that carries an event noun

    def add(self, slot: str, toks: list[Token]) -> None:
        for t in toks:
            if t not in self.heads[slot]:
                self.heads[slot].append(t)


def _verb_slots(v: Token, s: Slots, *, as_carrier: bool) -> None:
    subj, patient = subject_of(v)
    if patient and not as_carrier:
        s.add("obj", subj)
    else:
        s.add("subj", subj)
    for c in v.children:
        if c.dep_ == "dobj" and not as_carrier:
            s.add("obj", [c])
        elif c.dep_ == "dobj":
            s.add("carrier_obj", [c])
        elif c.dep_ in ("attr", "oprd") and not as_carrier:
            s.add("obj", [c])
        elif c.dep_ == "dative":
            s.add("dative", pobjs(c) if c.pos_ == "ADP" else [c])
        elif c.dep_ == "agent":
            s.add("subj" if not as_carrier else "by", pobjs(c))
        elif c.dep_ == "prep":
            s.add(c.lower_, pobjs(c))
            for g in pobjs(c):  # "met with A in Tokyo": a second preposition hangs on the object
                for cc in g.children:
                    if cc.dep_ == "prep" and cc.lower_ in ("in", "at"):
                        s.add(cc.lower_, pobjs(cc))
    if not as_carrier and v.dep_ == "relcl" and not s.heads.get("obj") and s.heads.get("subj") and \
            v.head.i not in {h.i for h in s.heads["subj"]}:
        s.add("obj", [v.head])  # "the agreement that the two leaders signed"
    if not as_carrier:
        for o in list(s.heads.get("obj", [])):
            for c in o.children:
                if c.dep_ == "prep" and c.lower_ in ("with", "between", "among", "to", "from", "for", "by"):
                    s.add(c.lower_, pobjs(c))


def _noun_slots(n: Token, s: Slots) -> None:
    for c in n.children:
        if c.dep_ == "relcl" and c.lemma_ in ("include", "involve", "bring", "feature", "see"):
            s.add("include", [x for x in c.children if x.dep_ == "dobj"])  # "..., which will include A and B"
        if c.dep_ == "relcl" and c.lemma_ in ("take", "participate", "join"):
            s.add("include", [x for x in c.children if x.dep_ == "nsubj"])  # "..., in which A's forces took part"
        if c.dep_ == "prep" and c.lower_ == "of":
            for g in pobjs(c):  # "the shipment of missiles for Russia": the recipient hangs on the thing
                for cc in g.children:
                    if cc.dep_ == "prep" and cc.lower_ in ("to", "for", "from"):
                        s.add(cc.lower_, pobjs(cc))
        if c.dep_ == "poss":
            s.add("poss", [c])
        elif c.dep_ in ("compound", "amod", "nmod", "nummod"):
            s.add("mod", [c])
        elif c.dep_ == "prep":
            s.add(c.lower_, pobjs(c))
        elif c.dep_ == "acl":
            for cc in c.children:
                if cc.dep_ == "agent":
                    s.add("by", pobjs(cc))
                elif cc.dep_ == "prep":
                    s.add(cc.lower_, pobjs(cc))


def slots_for(t: Token, scene_preps: set[str], carries=lambda v: True) -> Slots:
    """Slots of a trigger token; an event noun also takes what its carrying verb says.

    `carries(verb)` says whether a verb lends its subject to the noun: a light verb does ("held talks"),
    a verb naming an event of its own does not ("condemned China's missile launch")."""
    s = Slots()
    if is_verbal(t):
        _verb_slots(t, s, as_carrier=False)
        return s
    while t.dep_ == "compound" and t.head.i != t.i and (t.head.pos_ == "PROPN" or t.head.lemma_ in (
            "plan", "programme", "program", "project", "deal", "initiative", "effort", "scheme")):
        t = t.head  # "Exercise Southern Katipo", "a jet development plan with the UK": the head carries the phrase
    _noun_slots(t, s)
    head = t
    while head.dep_ == "conj" and not is_verbal(head.head):
        head = head.head  # "talks and exercises with X": the first conjunct carries the phrase
        _noun_slots(head, s)
    g = head.head
    if head.dep_ in ("dobj", "nsubjpass", "attr", "oprd") and is_verbal(g):
        s.governor = g
        if carries(g):
            _verb_slots(g, s, as_carrier=True)
            if not any(c.dep_ == "auxpass" for c in g.children) and any(
                    h.pos_ == "PROPN" for h in s.heads.get("by", [])):
                s.heads.pop("subj", None)  # "it triggered a rival drill by China": China's drill, not the subject's
    elif head.dep_ == "pobj" and g.dep_ == "prep" and is_verbal(g.head) and (
            g.lower_ in ("in", "on", "into", "to", "under", "as") or (g.lower_ == "for" and g.head.lemma_ in ("join",))):
        # "took part in the exercise", "agreed on a pact", "access under the 2014 agreement", "joined X for a drill";
        # not "protested over arms sales": the protester is not the seller
        s.governor = g.head  # "took part in the exercise", "agreed on a pact"
        if carries(g.head):
            _verb_slots(g.head, s, as_carrier=True)
    elif head.dep_ == "pobj" and g.dep_ == "prep" and g.lower_ in scene_preps and is_verbal(g.head) and not (
            s.heads.get("poss") or s.heads.get("of") or s.heads.get("by")
            or any(h.text[:1].isupper() for h in s.heads.get("mod", []))):  # "a joint press conference" has no parties
        subj, _ = subject_of(g.head)  # "after talks with Orban, Stoltenberg said": the clause's subject took part
        s.add("subj", subj)
    elif head.dep_ in ("nsubj",) and is_verbal(g):
        s.governor = g  # "talks between A and B took place"; "the drills involved A and B"
        for c in g.children:
            if c.dep_ == "dobj" and g.lemma_ in ("involve", "include", "bring", "feature", "gather", "unite"):
                s.add("include", [c])
            elif c.dep_ == "prep" and c.lower_ in ("in", "at", "between", "with"):
                s.add(c.lower_, pobjs(c))
    return s


@dataclass(frozen=True)
class Resolved:
    """One noun phrase in a slot, as actors: codes, the mentions behind them, and places."""

    codes: tuple[str, ...]
    places: tuple[Mention, ...] = ()
    frameworks: tuple[str, ...] = ()
    pronoun: str | None = None  # which kind of reference supplied the codes, if not a name
    counterpart: bool = False


def mentions_in(tokens: list[Token], mentions: list[Mention]) -> list[Mention]:
    idx = {t.i for t in tokens}
    return [m for m in mentions if m.tok_start in idx or (m.tok_end - 1) in idx]
