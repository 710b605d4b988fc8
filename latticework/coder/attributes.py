"""Stage 5, attributes: each a small function over the trigger and the verbs that govern it.

Date (the date expression whose parse path reaches this trigger first), status (future auxiliaries,
governing verbs of intention, dates after publication), negation, hedging, location and framework.
"""

from __future__ import annotations

from datetime import date

from spacy.tokens import Doc, Token

from latticework.actors import Mention
from latticework.coder.arguments import is_verbal
from latticework.coder.rules import Rules
from latticework.dates import DateMention, is_after

FUTURE_AUX = {"will", "shall", "'ll", "wo", "would"}
FUTURE_ADJ = {"coming", "upcoming", "planned", "proposed", "future", "forthcoming", "next", "scheduled", "prospective"}
DATE_BARRIERS = {"after", "before", "since", "until", "following", "despite", "including", "like", "ahead"}
LOCATION_PREPS = ("in", "at", "near", "off", "aboard", "inside", "outside", "on")


def governors(t: Token, limit: int = 4) -> list[Token]:
    """The verbs above a trigger within its sentence, nearest first, up through control and complements."""
    out: list[Token] = []
    cur = t
    for _ in range(limit):
        if cur.dep_ in ("ROOT",) or cur.head.i == cur.i:
            break
        if cur.dep_ not in ("xcomp", "ccomp", "dobj", "pobj", "prep", "conj", "advcl", "pcomp", "nsubjpass",
                            "acl", "attr", "oprd", "nsubj", "appos", "compound", "relcl"):
            break
        if cur.dep_ == "relcl":
            break
        cur = cur.head
        if is_verbal(cur):
            out.append(cur)
    return out


def _own_aux(v: Token) -> set[str]:
    return {c.lower_ for c in v.children if c.dep_ in ("aux", "auxpass")}


def is_planned(t: Token, govs: list[Token], when: str | None, anchor: date | None, rules: Rules) -> bool:
    """Reported as to come: "will sign", "plans to hold", "the upcoming summit", "next month"."""
    future = rules.classes.get("future", set())
    carrier = [t, *govs[:1]] if not is_verbal(t) else [t]
    for v in carrier:
        aux = _own_aux(v)
        if aux & FUTURE_AUX or ("to" in aux and {"be"} <= {c.lemma_ for c in v.children if c.dep_ == "auxpass"}):
            return True
        if any(c.dep_ == "amod" and c.lower_ in FUTURE_ADJ for c in v.children):
            return True
    if t.dep_ == "acl" and t.head.lemma_.lower() in ("plan", "intention", "bid", "proposal", "offer", "ambition"):
        return True  # "Manila's plan to buy missiles"
    scene = not is_verbal(t) and t.dep_ == "pobj" and t.head.lower_ in rules.classes.get("scene", set())
    prev = t
    for g in ([] if scene else govs):  # "agreed to deepen ties during talks": the talks themselves took place
        # "plans to hold", "agreed to hold", "is set to sign": the event sits under a verb of intention
        if prev.dep_ in ("xcomp", "ccomp") or (not is_verbal(prev) and prev.head.i == g.i and prev.dep_ in ("dobj",)):
            if g.lemma_.lower() in future and g.lemma_.lower() not in ("say", "confirm"):
                if prev.dep_ == "xcomp" or g.lemma_.lower() in ("plan", "schedule", "expect", "intend", "propose"):
                    return True
            if _own_aux(g) & FUTURE_AUX and prev.dep_ == "xcomp":
                return True
        prev = g
    if when and anchor and is_after(when, anchor):
        return True
    return False


def is_negated(t: Token, govs: list[Token], rules: Rules) -> bool:
    """Said not to happen: "did not sign", "refused to join", "no talks", "without meeting"."""
    negators = rules.classes.get("negator", set())
    if any(c.dep_ == "neg" for c in t.children) or any(c.dep_ == "det" and c.lower_ == "no" for c in t.children):
        return True
    if not is_verbal(t) and govs and any(c.dep_ == "neg" for c in govs[0].children) and (
            t.dep_ == "dobj" or (t.dep_ == "pobj" and t.head.head.i == govs[0].i)):
        return True  # "did not sign the deal", "will not take part in the exercises"
    prev = t.head if t.dep_ == "pcomp" else t  # "refrained from joining": the preposition's verb
    for g in govs[:2]:
        if prev.dep_ in ("xcomp", "dobj", "pcomp", "prep") and (g.lemma_.lower() in negators) \
                and g.lemma_.lower() != "deny":
            return True
        if prev.dep_ == "xcomp" and any(c.dep_ == "neg" for c in g.children):
            return True
        prev = g
    if t.dep_ == "pcomp" and t.head.lower_ == "without":
        return True
    if not is_verbal(t) and t.dep_ in ("nsubj", "nsubjpass") and is_verbal(t.head):
        v = t.head  # "the talks never took place", "the exercise was called off"
        if any(c.dep_ == "neg" for c in v.children) or v.lemma_.lower() in negators or (
                v.lemma_.lower() == "call" and any(c.dep_ == "prt" and c.lower_ == "off" for c in v.children)):
            return True
    for a in list(t.ancestors)[:4]:  # "has no plans to buy", "no intention of joining"
        if not is_verbal(a) and any(c.dep_ == "det" and c.lower_ == "no" for c in a.children):
            return True
    return False


def is_hedged(doc: Doc, t: Token, govs: list[Token], rules: Rules, actor_tokens: set[int]) -> bool:
    """Qualified reports: "reportedly", "according to media", "sources said", modal "could", denials."""
    hedges = rules.classes.get("hedge", set())
    sources = rules.classes.get("hedge_source", set())
    for v in [t, *govs]:
        for c in v.children:
            if c.dep_ in ("advmod", "aux") and c.lower_ in hedges and c.lower_ not in ("likely",):
                return True
            if c.dep_ == "amod" and c.lower_ in ("alleged", "reported", "purported", "rumoured", "rumored"):
                return True
    for tok in doc:
        low = tok.lower_
        if low == "according" and tok.i + 2 < len(doc) and doc[tok.i + 1].lower_ == "to":
            words = {w.lemma_.lower() for w in doc[tok.i + 2:min(len(doc), tok.i + 7)]}
            if words & sources or any(w.pos_ == "PROPN" and w.i not in actor_tokens
                                      for w in doc[tok.i + 2:min(len(doc), tok.i + 5)]):
                return True
        if tok.lemma_.lower() in ("deny", "allege", "claim", "rumour", "rumor", "speculate") and is_verbal(tok):
            return True
        if tok.lemma_.lower() in rules.classes.get("report", set()) and is_verbal(tok):
            subj = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
            for s in subj:
                words = {w.lemma_.lower() for w in s.subtree}
                if words & sources and not (words & {"ministry", "minister", "government", "statement"}):
                    return True
    return False


def date_of(t: Token, attached: dict[int, list[DateMention]], free: list[DateMention],
            govs: list[Token], other_events: set[int] = frozenset(),  # type: ignore[assignment]
            date_tokens: dict[int, DateMention] | None = None) -> DateMention | None:
    """The trigger's own date, else the date of a verb above it, else a date of the whole sentence.

    A verb above that names another event keeps its date ("denounced on Thursday the drills of last week")."""
    for tok in [t, *govs]:
        if tok.i != t.i and tok.i in other_events:
            break
        own = attached.get(tok.i)
        if own:
            return own[0]
    for a in [t, *t.ancestors]:  # "met in Vilnius on 4 May, where they signed": the clause it hangs on
        if a.dep_ == "relcl" and any(c.lower_ in ("where", "when") for c in a.children):
            if date_tokens and a.head.i in date_tokens:
                return date_tokens[a.head.i]  # "on 4 May, when they signed"
            host = a.head.head if not is_verbal(a.head) else a.head
            if attached.get(host.i):
                return attached[host.i][0]
    return free[0] if free else None


def date_token_map(doc: Doc, dates: list[DateMention]) -> dict[int, DateMention]:
    """Token index -> the date expression it belongs to."""
    out: dict[int, DateMention] = {}
    for dm in dates:
        span = doc.char_span(dm.start, dm.end, alignment_mode="expand")
        if span is not None:
            out.update({t.i: dm for t in span})
    return out


def attach_dates(doc: Doc, dates: list[DateMention], trigger_ids: set[int]) -> tuple[dict[int, list[DateMention]],
                                                                                     list[DateMention]]:
    """Each date goes to the first trigger on its path to the root; dates reaching no trigger are free."""
    attached: dict[int, list[DateMention]] = {}
    free: list[DateMention] = []
    for dm in dates:
        span = doc.char_span(dm.start, dm.end, alignment_mode="expand")
        if span is None:
            continue
        cur = span.root
        hit = None
        subordinate = False
        for _ in range(12):
            if cur.i in trigger_ids:
                hit = cur
                break
            if is_verbal(cur):  # "agreed to hold an exercise in the summer": the carried noun's date
                carried = [c for c in cur.children if c.dep_ == "dobj" and c.i in trigger_ids and not is_verbal(c)]
                if carried:
                    hit = carried[0]
                    break
            if cur.head.i == cur.i:
                break
            if (cur.dep_ in ("relcl", "acl", "advcl") and is_verbal(cur)) or (
                    cur.dep_ == "prep" and cur.lower_ in DATE_BARRIERS):
                subordinate = True  # "a warship grounded in 1999", "a week after the elections on 9 May"
                break  # "a warship that Manila grounded in 1999": that clause's own date
            cur = cur.head
        if hit is None and not subordinate:
            # no trigger above: the date belongs to the first verb on its path ("and on July 28, talks ...
            # took place"), which hands it to the event nouns under it; a date under no verb is the sentence's
            verb = next((a for a in [span.root, *span.root.ancestors] if is_verbal(a)), None)
            if verb is None:
                free.append(dm)
            else:
                attached.setdefault(verb.i, []).append(dm)
        elif hit is not None:
            attached.setdefault(hit.i, []).append(dm)
    return attached, free


def location_of(places: list[Mention]) -> dict | None:
    """The first place named in a location phrase of the trigger or its carrier."""
    for m in places:
        country = (m.country or None) if m.kind == "place" else m.code
        return {"name": m.text, "country": country or None}
    return None
