"""From one sentence's tokens, actor mentions and triggers to ontology events.

The approach is deliberately shallow (no parser), so it runs at tokenizer speed:

1. a sentence is cut into clauses where each side has its own trigger (", and ...", "; ",
   ", which ...", "then ...", a parenthesis with its own verb);
2. in a clause, the actor mentions before the first trigger are its subject, and every mention
   after a trigger belongs to the nearest trigger before it ("development with the UK and Italy,
   exercises with ..., coordination with the US");
3. adjacent triggers of one type are one frame; frames are then filtered by the ontology's rules
   (rule 3 "agreed to do Z", rule 4 arms contracts, speech acts, scene-setting nouns, negation);
4. each frame becomes an event: parties, direction, date, status, hedging, location, framework.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from spacy.matcher import PhraseMatcher

from latticework.actors import ActorDictionary, Mention, read_tsv
from latticework.nlp import Sent as Span

_DESIGNATOR = re.compile(r"^[a-z]{1,3}-\d{1,3}[a-z]{0,2}s?$")

LOCATION_PREPS = {"in", "at", "near", "off", "outside", "inside", "aboard", "over", "around", "across", "along",
                  "beyond", "into", "within", "throughout"}
CONTRA_WORDS = {"against", "deter", "deterring", "deterrence", "counter", "countering", "containing", "contain",
                "targeting", "targetting", "amid", "amidst", "towards", "toward", "confront", "confronting",
                "versus", "vs", "vs.", "counterbalance", "threats", "threat"}
NON_ACTOR_HEADS = {"crisis", "war", "conflict", "issue", "question", "problem", "territory", "territories", "waters",
                   "airspace", "border", "borders", "soil", "coast", "peninsula", "economy", "market", "people",
                   "public", "language", "culture", "history", "front", "frontline", "island", "islands", "sea",
                   "invasion", "aggression", "threat", "side"}
COMPASS = {"southern", "northern", "eastern", "western", "central", "northeastern", "northwestern", "southeastern",
           "southwestern", "north-eastern", "north-western", "south-eastern", "south-western", "occupied", "mainland"}
VENUE_NOUNS = {"summit", "conference", "meeting", "talks", "forum", "format", "process", "declaration", "dialogue",
               "communique", "communiqué", "ministerial", "gathering", "security"}
SUBORDINATORS = {"after", "before", "when", "whereas", "because", "since", "although", "though", "whose", "which",
                 "who", "whom", "making", "while", "until", "unless", "despite", "once", "where"}
ORG_DESCRIPTOR_NEXT = {"countries", "member", "members", "nations", "allies", "partners", "states", "capitals"}
REPORTING = {"said", "says", "say", "stated", "states", "announced", "announces", "told", "noted", "notes",
             "added", "declared", "declares", "claimed", "claims", "writes", "wrote", "reported", "reports",
             "argued", "argues", "insisted", "stressed", "believes", "believed", "thinks", "explained", "suggests"}
FUTURE = re.compile(
    r"\b(will|shall|'ll|going to|plans? to|planned to|planning to|intends? to|intended to|intending to|aims? to|"
    r"aiming to|set to|scheduled|expected to|is to|are to|to be held|upcoming|would|should|prepares? to|"
    r"preparing to|envisages?|forthcoming|next (week|month|year)|later this|is due to|are due to|"
    r"due to (hold|sign|visit|meet))\b", re.I)
FUTURE_DATE = re.compile(r"\b(will|shall|'ll|going to|plans? to|planning to|scheduled|upcoming|next|is due to|are due to)\b",
                         re.I)
HEDGES = re.compile(
    r"\b(allegedly|alleged|reportedly|reported(ly)?|purportedly|apparently|rumou?red|unconfirmed|possibly|"
    r"could|might|may have|is said to|are said to|is believed to|are believed to|sources said|sources say|"
    r"according to (media|sources|reports|officials|intelligence|people)|media (reports?|writes?|say|said)|"
    r"intelligence (says?|said|claims?|reports?)|claimed|is thought to|denied|denies|deny|"
    r"sources\b[^.;]{0,60}\b(said|say|says|told)|people familiar with|familiar with the (matter|talks|plans?))\b", re.I)
NEGATION = {"not", "n't", "never", "no", "neither", "nor", "without", "refused", "refuses", "declined",
            "declines", "cancelled", "canceled", "failed", "halted", "suspended", "rejected", "rejects"}
DETERMINERS = {"a", "an", "the", "this", "that", "in"}
VERB_ONLY = {"sign", "host", "launch", "transit", "station", "order", "form", "meet", "found", "deliver", "provide",
             "confirm", "promise", "agree", "pledge", "protest", "request", "ask", "invite", "commit", "rotate",
             "send", "buy", "test", "fire", "join", "become", "lead", "start", "begin", "move", "position"}
ANAPHORIC = {"these", "this", "those", "such", "same", "said", "that"}
SCENE = {"during", "at", "after", "following", "ahead", "before", "sidelines", "on", "in", "amid", "throughout"}
DESCRIPTIVE = {"covers", "cover", "covering", "covered", "includes", "include", "including", "included",
               "envisages", "envisage", "foresees", "foresee", "concerning", "regarding", "entails", "involves",
               "involve", "involving", "governs", "governing", "allows", "allow", "allowing", "enables", "enable",
               "facilitates", "facilitate", "facilitating", "regulates", "streamline", "streamlines"}
MODIFIED_HEADS = {"instructors", "instructor", "sergeant", "sergeants", "ground", "grounds", "area", "areas", "site",
                  "sites", "schedule", "season", "manual", "team", "teams", "hall", "range", "zone", "zones", "venue",
                  "calendar", "room", "centre", "center", "table", "format", "host", "hosts", "organisers",
                  "partner", "partners", "status"}
TOPIC = {"discuss", "discussed", "discussing", "discusses", "about", "regarding", "concerning", "review", "reviewed"}
TREND = re.compile(r"\b(started to increase|have increased|has increased|intensified|have intensified|have grown|"
                   r"has grown|are growing|is growing|proliferat\w*|on the rise|more and more|increasingly|"
                   r"have started to|has started to|tend to|tends to|usually|often|regularly|traditionally)\b", re.I)
LIST_GAP = {",", "and", "or", "&", "/", "-", "–", "the", "'s", "’s", "both", "as", "well", "of", "'", "’", "(", ")",
            "its", "their", "his", "her", "all", "together", "with"}
BOUNDARY_AFTER_COMMA = {"and", "but", "while", "whereas", "then", "which", "where", "who", "when", "as", "after",
                        "before", "although", "though", "whilst", "yet", "thus", "so"}
RELATIVE = {"which", "who", "where"}
PASSIVE_AUX = {"was", "were", "is", "are", "been", "be", "being", "got", "get"}


@dataclass(frozen=True)
class TriggerDef:
    type: str
    mode: str
    cameo: str
    flags: frozenset[str]
    needs: tuple[str, ...]


@dataclass
class Trigger:
    d: TriggerDef
    start: int  # token index in the paragraph doc
    end: int
    text: str

    @property
    def type(self) -> str:
        return self.d.type


@dataclass
class Lexicon:
    """The trigger lexicon (data/triggers.tsv) compiled into a PhraseMatcher over lower-cased tokens."""

    defs: list[TriggerDef]
    phrases: list[list[str]]
    classes: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> Lexicon:
        path = path or Path(str(resources.files("latticework") / "data" / "triggers.tsv"))
        defs, phrases = [], []
        classes: dict[str, set[str]] = {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("# CLASS\t"):
                    _, name, words = line.rstrip("\n").split("\t")
                    classes[name] = {w.strip().lower() for w in words.split("|") if w.strip()}
        for row in read_tsv(path):
            flags = frozenset(f.strip() for f in row.get("flags", "").split(",") if f.strip())
            needs = tuple(f[6:] for f in flags if f.startswith("needs="))
            defs.append(TriggerDef(row["type"], row["mode"], row["cameo"], flags, needs))
            phrases.append([p.strip() for p in row["phrases"].split("|") if p.strip()])
        return cls(defs, phrases, classes)

    def matcher(self, vocab) -> PhraseMatcher:  # type: ignore[no-untyped-def]
        from latticework.nlp import get_nlp

        m = PhraseMatcher(vocab, attr="LOWER")
        nlp = get_nlp()
        for i, ps in enumerate(self.phrases):
            m.add(str(i), [nlp.make_doc(p) for p in ps])
        return m

    def has_class(self, name: str, lower_tokens: Sequence[str], lower_text: str) -> bool:
        words = self.classes.get(name, set())
        if any(t in words for t in lower_tokens):
            return True
        if name == "weapon" and any(_DESIGNATOR.match(t) for t in lower_tokens):
            return True  # model designators: "MQ-9B", "F-16s", "S-400", "J-10C"
        return any(" " in w and w in lower_text for w in words)


@dataclass
class Clause:
    start: int  # token indices (paragraph doc)
    end: int
    relative: bool = False
    triggers: list[Trigger] = field(default_factory=list)


@dataclass
class Frame:
    type: str
    mode: str
    cameo: str
    triggers: list[Trigger]
    attached: list[Mention] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    planned: bool = False
    confidence: float = 0.85

    @property
    def start(self) -> int:
        return self.triggers[0].start

    @property
    def end(self) -> int:
        return self.triggers[-1].end


def mention_codes(m: Mention) -> tuple[str, ...]:
    return m.members if m.members else ((m.code,) if m.code else ())


def _prev_words(sent: Span, tok: int, n: int) -> list[str]:
    doc = sent.doc
    lo = max(sent.start, tok - n)
    return [t.lower_ for t in doc[lo:tok]]


def assign_roles(sent: Span, mentions: list[Mention], dictionary: ActorDictionary) -> None:
    """Mark mentions that are places (locations), descriptors or opponents, not parties."""
    doc = sent.doc
    prev_loc_end = -10
    for i, m in enumerate(mentions):
        if m.kind in ("framework",):
            m.role = "framework"
            continue
        if m.kind == "anaphor":
            continue
        nxt = doc[m.tok_end].text if m.tok_end < sent.end else ""
        possessive = nxt in ("'s", "’s", "'")
        before = _prev_words(sent, m.tok_start, 3)
        # skip articles between the preposition and the name
        k = m.tok_start - 1
        while k >= sent.start and doc[k].lower_ in ("the", "a"):
            k -= 1
        prep = doc[k].lower_ if k >= sent.start else ""
        nxt_low = doc[m.tok_end + 1].text[:1].islower() if m.tok_end + 1 < sent.end else False
        if m.kind == "place" and nxt == "-" and nxt_low:
            m.role = "modifier"  # "Virginia-class submarines", "Tokyo-based"
        elif m.kind == "place":
            m.role = "location"
        elif possessive:
            m.role = "party"
        elif prep in LOCATION_PREPS and m.kind in ("capital", "name", "short", "abbrev", "place") or (
                prep in ("at", "in") and m.kind == "government"):  # "at the Pentagon", "in the Kremlin"
            m.role = "location"
        elif before and before[-1] in COMPASS and m.kind in ("name", "short"):
            m.role = "location"  # "southern Italy", "eastern Ukraine"
        elif before[-2:] == ["capital", "of"] or before[-3:-1] == ["capital", "of"]:
            m.role = "location"
        elif m.kind in ("capital", "place") and nxt.lower() in VENUE_NOUNS:
            m.role = "location"  # "the Vilnius summit", "the Shangri-La Dialogue"
        elif prep == "at" and m.kind in ("organisation", "grouping"):
            m.role = "scene"  # "signed at the Pacific Islands Forum"
        elif any(w in ("sidelines", "margins", "sideline", "margin") for w in _prev_words(sent, m.tok_start, 4)):
            m.role = "scene"  # "on the sidelines of the G7 summit"
        elif m.is_place_like and m.tok_start - prev_loc_end <= 2:
            m.role = "location"  # "in the capital of Laos, Vientiane"
        elif i > 0 and mentions[i - 1].role == "location" and m.tok_start == mentions[i - 1].tok_end and (
                m.kind != "demonym"):
            m.role = "location"  # "at the Washington NATO Summit"
        if m.role == "location":
            prev_loc_end = m.tok_end
        if m.role == "party" and m.kind == "organisation" and nxt.lower() in ORG_DESCRIPTOR_NEXT:
            m.role = "descriptor"  # "the EU countries Germany and France"
        nxt2 = doc[m.tok_end + 1].lower_ if m.tok_end + 1 < sent.end else ""
        if m.role == "party" and m.kind == "demonym" and nxt.lower() in NON_ACTOR_HEADS and nxt2 not in (
                "guard", "guards", "forces", "command", "minister", "ministry"):
            m.role = "descriptor"  # "the Ukrainian crisis", "Japanese waters"
        if m.role == "party":
            back = [t.lower_ for t in doc[max(sent.start, m.tok_start - 8):m.tok_start]]
            if any(w in CONTRA_WORDS for w in back) or (i > 0 and mentions[i - 1].role == "contra" and all(
                    t.lower_ in LIST_GAP for t in doc[mentions[i - 1].tok_end:m.tok_start])):
                m.role = "contra"  # "aimed at deterring China, Russia and the DPRK"
        if m.role == "party" and m.kind in ("demonym",) and nxt.lower() in ("media", "press", "newspapers",
                                                                            "newspaper", "outlets", "reports",
                                                                            "experts", "analysts", "sources"):
            m.role = "source"


def split_clauses(sent: Span, triggers: list[Trigger]) -> list[Clause]:
    """Cut a sentence where both sides carry a trigger of their own."""
    doc = sent.doc
    cands: list[tuple[int, bool]] = []  # (token index where the new clause starts, relative?)
    for t in sent:
        i = t.i
        nxt = doc[i + 1].lower_ if i + 1 < sent.end else ""
        if t.text in (";", "(", ")") or t.text == ":" and i > sent.start:
            cands.append((i + 1 if t.text != "(" else i, False))
        elif t.text == "," and nxt in BOUNDARY_AFTER_COMMA:
            cands.append((i + 1, nxt in RELATIVE))
        elif t.text == "," and nxt == "at" and i + 2 < sent.end and doc[i + 2].lower_ == "which":
            cands.append((i + 1, True))
        elif t.lower_ in ("then", "next", "later", "subsequently") and doc[i - 1].text not in (",",) and i > sent.start:
            cands.append((i, False))
        elif t.lower_ in ("after", "before", "when", "since", "until", "because", "whereas") and i > sent.start \
                and doc[i - 1].text != ",":
            cands.append((i, False))  # "..., their second meeting in two months after Xi hosted Putin"
        elif t.lower_ == "and" and nxt in ("then", "next", "later", "subsequently", "also"):
            cands.append((i, False))
        elif t.lower_ == "and" and any(tr.start == i + 1 and "noun" not in tr.d.flags for tr in triggers):
            cands.append((i, False))
    clauses: list[Clause] = []
    start = sent.start
    rel = False
    for pos, is_rel in sorted(set(cands)):
        if pos <= start or pos >= sent.end:
            continue
        left = [tr for tr in triggers if start <= tr.start < pos]
        right = [tr for tr in triggers if pos <= tr.start < sent.end]
        hard = doc[pos - 1].text == ";" and doc[pos].lower_ not in ("with", "and", "to", "in", "on")
        if (left and right) or (hard and (left or right)):
            clauses.append(Clause(start, pos, rel))
            start, rel = pos, is_rel
    clauses.append(Clause(start, sent.end, rel))
    for c in clauses:
        c.triggers = [tr for tr in triggers if c.start <= tr.start < c.end]
    return clauses


def _has_date_word(sent: Span) -> bool:
    return bool(re.search(r"\b(1[89]|20)\d\d\b|January|February|March|April|May|June|July|August|September|"
                          r"October|November|December", sent.text))


def filter_triggers(sent: Span, triggers: list[Trigger], lex: Lexicon) -> list[Trigger]:
    """Drop negated, anaphoric, descriptive or unsupported triggers; keep the longest of overlaps."""
    doc = sent.doc

    def supported(tr: Trigger) -> bool:
        """Classes a trigger needs ("sent" needs troops or ships) must be near it, not anywhere."""
        if not tr.d.needs:
            return True
        window = doc[max(sent.start, tr.start - 8):min(sent.end, tr.end + 10)]
        toks, text = [t.lower_ for t in window], window.text.lower()
        return all(lex.has_class(n, toks, text) for n in tr.d.needs)

    lower_text = sent.text.lower()
    lower_toks = [t.lower_ for t in sent]
    civil_only = lex.has_class("civil", lower_toks, lower_text) and not lex.has_class("security", lower_toks, lower_text)
    if civil_only:
        return []  # "signed a free trade deal": outside defence and security
    # longest match wins; ties keep the earlier definition
    # on equal spans the more specific definition (one with needs=) wins: "pledged tanks" is a transfer
    triggers = sorted((t for t in triggers if supported(t)), key=lambda t: (t.start, -(t.end - t.start), -len(t.d.needs)))
    kept: list[Trigger] = []
    for tr in triggers:
        if kept and tr.start < kept[-1].end:
            continue
        kept.append(tr)
    out = []
    for tr in kept:
        prev = _prev_words(sent, tr.start, 4)
        prev1 = prev[-1] if prev else ""
        if any(w in NEGATION for w in prev[-3:]):
            continue
        if "pledge" in tr.d.flags and prev1 in PASSIVE_AUX:
            continue  # "after the package was agreed": no one pledges anything here
        if tr.text.lower() in VERB_ONLY and prev1 in DETERMINERS:
            continue  # "a sign of", "the host", "in order to"
        nxt = doc[tr.end].lower_ if tr.end < sent.end else ""
        if "nocomplement" in tr.d.flags and nxt in ("for", "on", "to", "up", "off", "out", "in"):
            continue  # "a call for restraint" is not a phone call
        if "noun" in tr.d.flags and nxt in MODIFIED_HEADS:
            continue  # "drill instructors", "summit venue": the trigger word only modifies a noun
        if "noun" in tr.d.flags and prev1 in ANAPHORIC and not (prev1 == "such" and _has_date_word(sent)):
            continue  # "these talks", "such exercises" refer back ("the first such meeting, in 2023" does not)
        back = _prev_words(sent, tr.start, 14)
        if ";" in back:
            back = back[len(back) - back[::-1].index(";"):]
        if any(w in DESCRIPTIVE for w in back) or ("noun" in tr.d.flags and any(w in TOPIC for w in back[-8:])):
            continue  # "the document covers consultations, information sharing and exercises"
        if tr.text.lower() in ("threat", "threats") and prev1 in ("to", "of"):
            pass
        _ = doc
        out.append(tr)
    return out


def build_frames(clause: Clause) -> list[Frame]:
    """Triggers of one type (and mode) in a clause are one frame: "opened the exercise ... with drills held"."""
    frames: list[Frame] = []
    for tr in clause.triggers:
        same = next((f for f in frames if f.type == tr.type and (
            f.mode == tr.d.mode or tr.type == "CONSULT" or ("noun" in f.flags and tr.type != "COOPERATE"))), None)
        adjacent = frames and frames[-1] is same
        if same is not None and (adjacent or tr.start - same.end <= 40):
            same.triggers.append(tr)
            if "noun" in same.flags and "noun" not in tr.d.flags:
                same.mode, same.cameo = tr.d.mode, tr.d.cameo  # a verb names the mode better than a noun
            same.flags |= set(tr.d.flags)
            continue
        frames.append(Frame(tr.type, tr.d.mode, tr.d.cameo, [tr], flags=set(tr.d.flags)))
    return frames


def drop_scene_frames(sent: Span, clause: Clause, frames: list[Frame]) -> list[Frame]:
    """Scene-setting nouns ("during the talks, they agreed ...") are not events when the clause has another."""
    doc = sent.doc
    if len(frames) < 2:
        return frames

    def scene(f: Frame) -> bool:
        """"during the talks" refers back; "after talks with Orban" is a meeting of its own."""
        if not all("context" in t.d.flags for t in f.triggers):
            return False  # "held talks" is an event even beside "their second meeting"
        prev = [t.lower_ for t in doc[max(clause.start, f.start - 8):f.start]]
        where = max((i for i, w in enumerate(prev) if w in SCENE), default=None)
        if "context" not in f.flags or where is None:
            return False
        return any(w in ("the", "these", "this", "those", "their", "its", "his", "her", "'s", "’s") for w in prev[where + 1:])

    rest = [f for f in frames if not scene(f)]
    return rest or frames


def select_frames(sent: Span, clause: Clause, frames: list[Frame], dates_in_clause: list) -> list[Frame]:
    """Apply the ontology's rules that decide which frames of a clause are events of their own."""
    doc = sent.doc
    if not frames:
        return frames
    # speech acts: what is said inside them is not an event of its own (but "invited X to join them" is a meeting)
    speech = [f for f in frames if "speech" in f.flags]
    over = [f for f in frames if "over_request" in f.flags]
    if over:
        for f in frames:
            if f.type == "REQUEST":
                over[0].attached[:0] = f.attached
        frames = [f for f in frames if f.type != "REQUEST"]
    elif speech:
        # "Modi's visit to Moscow drew criticism from Kyiv": the visit stands; what is said is absorbed
        kept = [f for f in frames if "speech" not in f.flags and "from_source" in speech[0].flags
                and f.start < speech[0].start]
        for f in frames:
            if "speech" not in f.flags and f not in kept:
                speech[0].attached.extend(f.attached)  # "treat F-16s supplied to Ukraine as targets"
        frames = kept + speech[:1] + [f for f in speech[1:] if f.type != speech[0].type]
    # rule 4: an arms contract is the transfer, not a separate signing
    if any(f.type == "AID" and f.attached for f in frames):
        frames = [f for f in frames if not (f.type == "AGREE" and f.mode in ("sign", "pledge"))]
    # rule 3: "X agreed to do Z"
    # a predicate negated before the trigger: "Hungary will not take part in a mission to coordinate deliveries"
    def negated(f: Frame) -> bool:
        words = [t.lower_ for t in doc[clause.start:f.start]]
        cut = max((i for i, w in enumerate(words) if w in (",", ";", "but", "yet", "although")), default=-1)
        words = words[cut + 1:]  # "X did not send troops, but it supplied drones"
        return any(w in ("not", "n't", "never", "refused", "declined", "failed", "rejected", "refuses", "declines")
                   and (i + 1 >= len(words) or words[i + 1] != "only") for i, w in enumerate(words))
    def hypothetical(f: Frame) -> bool:
        """"If Washington withdraws ...", "whether Seoul will deploy ..." are conditions, not events."""
        words = [t.lower_ for t in doc[max(sent.start, f.start - 12):f.start]]
        return any(w in ("if", "unless", "whether") for w in words)

    frames = [f for f in frames if not negated(f) and not hypothetical(f)]
    pledges = [f for f in frames if "pledge" in f.flags or (f.type == "AGREE" and f.mode == "sign")]
    if pledges:
        p = pledges[0]
        later = [f for f in frames if f.start > p.start and f is not p]
        after_p = [t.lower_ for t in doc[p.end:min(clause.end, p.end + 3)]]
        complement = p.triggers[-1].text.lower().split()[-1] in ("to", "on", "that") or bool(after_p) and after_p[0] in (
            "to", "on", "that", "upon", "towards", "toward", "their", "its", "the", "a", "an", "new", "closer")
        if "pledge" in p.flags and not complement:
            later = []  # "after the package was agreed, she toured three capitals": nothing agreed to do
        if "pledge" not in p.flags:  # a signing heads only what it directly covers ("a road map for stationing")
            later = [f for f in later if f.start - p.end <= 10 and not any(
                t.lower_ in SUBORDINATORS for t in doc[p.end:f.start])]
        if later:
            p_end_char = doc[p.end - 1].idx + len(doc[p.end - 1].text)
            own_time = any(d_start >= p_end_char for d_start, _ in dates_in_clause)
            if own_time:
                for f in later:
                    f.planned = True
                if "pledge" in p.flags:
                    frames = [f for f in frames if f is not p]
            else:
                for f in later:
                    p.attached.extend(f.attached)
                frames = [f for f in frames if f not in later]
    return frames


@dataclass
class SentenceContext:
    """What the coder knows when it reaches a sentence: anchor date, last parties, last lists."""

    anchor: date | None
    last_parties: list[str] = field(default_factory=list)
    last_list: list[str] = field(default_factory=list)
    last_state: str | None = None
    recent_states: list[str] = field(default_factory=list)
    persons_seen: set[str] = field(default_factory=set)
    last_person: str | None = None  # the state or organisation of the last official named
    last_by_title: dict[str, str] = field(default_factory=dict)  # "secretary" -> USA


COREF = re.compile(
    r"\b(the (two|three|four|five) (countries|nations|sides|governments|leaders|ministers|secretaries|allies|partners|"
    r"states|navies|militaries|parties|presidents|delegations)|"
    r"both (countries|sides|nations|parties|governments|leaders|allies|partners|secretaries|ministers|presidents)|"
    r"the parties|the sides|the allies|"
    r"these (two |three |four |five )?(countries|nations|actors|states|partners|allies|governments)|"
    r"the (trio|pair|duo|two|three)|the (foreign |defen[cs]e )?(ministers|leaders|delegations)|he|she|"
    r"the (foreign |defen[cs]e |prime )?(minister|secretary|president|chancellor|premier)|they|them|themselves|(his|her|their) counterparts?|the countries|"
    r"the (deal|pact|treaty|agreement|accord|drills|exercises?|manoeuvres|maneuvers|visit|trip|talks|summit|move|sale|"
    r"meeting|patrols?|partnership|alliance|plans?|decision|arrangement|initiative)|"
    r"(this|that|such a) (deal|pact|treaty|agreement|visit|move|sale|plan|decision))\b", re.I)
LAST_PARTIES = "<last parties>"  # marks a mention to re-resolve as the sentence's own events appear
EVENT_NOUNS = {"deal", "pact", "treaty", "agreement", "accord", "plan", "plans", "decision", "arrangement", "initiative", "drills", "exercise", "exercises", "manoeuvres",
               "maneuvers", "visit", "trip", "talks", "summit", "move", "sale", "meeting", "patrol", "patrols",
               "partnership", "alliance"}
EVENT_ANAPHORA = re.compile(r"^(the|this|that|such a) ", re.I)
PERSON_HEADS = {"minister", "secretary", "president", "chancellor", "premier"}
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "both": 2, "pair": 2, "duo": 2, "trio": 3}


def coref_mentions(sent: Span, offset: int, ctx: SentenceContext, mentions: list[Mention]) -> list[Mention]:
    """Mentions for "the parties", "the two countries", "they", "his counterpart" resolved from context."""
    out: list[Mention] = []
    text = sent.text
    base = sent.start_char
    for m in COREF.finditer(text):
        phrase = m.group(0).lower()
        cstart, cend = base + m.start(), base + m.end()
        span = sent.doc.char_span(cstart, cend, alignment_mode="expand")
        if span is None:
            continue
        words = phrase.split()
        n = next((NUMBERS[w] for w in words if w in NUMBERS), None)
        following = [t.lower_ for t in sent.doc[span.end:min(sent.end, span.end + 1)]]
        if following and following[0] in ("of", "from") and words[-1] in ("ministers", "leaders", "delegations"):
            continue  # "the defence ministers of the UK and Italy" names its own sides
        codes: list[str] = []
        if phrase in ("he", "she") or (words[0] == "the" and words[-1] in PERSON_HEADS):
            # "He met President Marcos": the last person named, as the state they speak for
            if not ctx.last_person or any(mm.tok_end <= span.start and mm.role == "party" for mm in mentions):
                continue
            if span.end < sent.end and sent.doc[span.end].lower_ == "of":
                continue  # "the president of Finland" names its own side
            codes = [ctx.last_by_title.get(words[-1], "") if words[0] == "the" else ctx.last_person]
            if not codes[0]:
                continue
        elif "counterpart" in phrase:
            # named right after? then the name itself is the mention
            if any(mm.tok_start >= span.end and mm.tok_start - span.end <= 1 and mm.kind in ("official", "surname")
                   for mm in mentions):
                continue
            # the subject is the nearest named side before "his counterpart"; the counterpart is another side
            before = [mm for mm in mentions if mm.tok_end <= span.start and mm.kind != "coref" and mm.code]
            subj = set(mention_codes(before[-1])) if before else set()
            earlier = [c for mm in before for c in mention_codes(mm)]
            other = next((s for s in [*reversed(earlier), *reversed(ctx.recent_states)] if s not in subj), None)
            codes = [other] if other else []
        elif EVENT_ANAPHORA.match(phrase) and words[-1] in EVENT_NOUNS:
            codes = ctx.last_parties  # "Beijing denounced the deal": aimed at the deal's parties
            if codes:
                out.append(Mention(cstart + offset, cend + offset, m.group(0), "", "anaphor", span.start, span.end,
                                   person=LAST_PARTIES, members=tuple(codes), role="anaphor"))
            continue
        elif words[0] in ("these",) or phrase == "the countries":
            codes = ctx.last_list if (n is None or len(ctx.last_list) == n) else []
        elif phrase in ("they", "them", "themselves"):
            # the sides of the last event, refreshed clause by clause ("met ..., where they signed ...")
            codes = ctx.last_parties or ctx.last_list
            out.append(Mention(cstart + offset, cend + offset, m.group(0), "", "coref", span.start, span.end,
                               members=tuple(codes), person=LAST_PARTIES if ctx.last_parties or not codes else None))
            continue
        else:
            cands = [ctx.last_parties, ctx.last_list]
            codes = next((c for c in cands if c and (n is None or len(c) == n)), [])
            uses_last = bool(ctx.last_parties) and codes == ctx.last_parties
            if not codes:
                continue
            out.append(Mention(cstart + offset, cend + offset, m.group(0), "", "coref", span.start, span.end,
                               members=tuple(codes), person=LAST_PARTIES if uses_last else None))
            continue
        if not codes:
            continue
        out.append(Mention(cstart + offset, cend + offset, m.group(0), "", "coref", span.start, span.end,
                           members=tuple(codes)))
    return out
