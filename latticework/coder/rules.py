"""The coder's rules as data: frames, the trigger lexicon and word classes (latticework/data/*.tsv).

Nothing here knows English syntax; it only loads and answers look-ups, so that a new phenomenon is a
row in a file. The formats are documented in the files' header comments and in docs/coding.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from latticework.actors import DATA_DIR, read_tsv


@dataclass(frozen=True)
class Frame:
    name: str
    type: str
    mode: str
    cameo: str
    slots: dict[str, str]  # slot -> role (A, T, L, W)
    min_parties: int
    needs: str | None
    flags: frozenset[str]
    solo: str | None = None  # frame to use when only one party is found


@dataclass(frozen=True)
class Entry:
    """One lexicon row: a lemma (or phrase of lemmas) that can name an event of a frame."""

    lemmas: tuple[str, ...]
    pos: str
    frame: str
    needs: str | None
    obj: str | None
    prt: str | None
    xcomp: bool | frozenset[str] | None = None  # needs a to-infinitive (of these lemmas), or must have none
    slot: str | None = None  # a slot the trigger must fill ("was in Tokyo": be needs "in")
    carrier: frozenset[str] | None = None  # lemmas of the verb that must carry the noun ("drew criticism")
    objif: str | None = None  # if the verb has an object, it must be of this class ("met a target" is no meeting)
    nothead: str | None = None  # a preposition the noun must not be the object of ("in response to")


@dataclass
class Rules:
    frames: dict[str, Frame]
    entries: dict[str, list[Entry]]  # first lemma -> entries
    classes: dict[str, set[str]]
    forms: frozenset[str]  # surface forms for the cheap first pass
    files: list[Path] = field(default_factory=list)
    makers: dict[str, str] = field(default_factory=dict)  # weapon system -> the state whose industry makes it

    @classmethod
    def load(cls, dirs: Iterable[Path] = ()) -> Rules:
        """Shipped rules, extended by any lexicon.tsv / frames.tsv / wordclasses.tsv in `dirs`."""
        frames: dict[str, Frame] = {}
        entries: dict[str, list[Entry]] = defaultdict(list)
        classes: dict[str, set[str]] = defaultdict(set)
        forms: set[str] = set()
        files: list[Path] = []
        makers: dict[str, str] = {}
        for d in [DATA_DIR, *[Path(x) for x in dirs]]:
            if (d / "weapons.tsv").exists():
                files.append(d / "weapons.tsv")
                makers.update({r["name"].lower(): r["code"] for r in read_tsv(d / "weapons.tsv")})
            if (d / "frames.tsv").exists():
                files.append(d / "frames.tsv")
                for r in read_tsv(d / "frames.tsv"):
                    flags = {f for f in r["flags"].split(",") if f and f != "-"}
                    solo = next((f.split("=", 1)[1] for f in flags if f.startswith("solo=")), None)
                    slots = dict(s.split("=", 1) for s in r["slots"].split(",") if "=" in s)
                    frames[r["frame"]] = Frame(r["frame"], r["type"], r["mode"], r["cameo"], slots,
                                               int(r["min"]), None if r["needs"] in ("", "-") else r["needs"],
                                               frozenset(flags), solo)
            if (d / "wordclasses.tsv").exists():
                files.append(d / "wordclasses.tsv")
                for r in read_tsv(d / "wordclasses.tsv"):
                    classes[r["class"]].update(w.strip().lower() for w in r["words"].split("|") if w.strip())
            if (d / "lexicon.tsv").exists():
                files.append(d / "lexicon.tsv")
                for r in read_tsv(d / "lexicon.tsv"):
                    opts: dict[str, str] = dict((f.split("=", 1) + [""])[:2] for f in r["flags"].split(",")
                                                if f and f != "-")
                    lemmas = tuple(r["lemma"].lower().split())
                    xcomp: bool | frozenset[str] | None = None
                    if "xcomp" in opts:
                        xcomp = frozenset(opts["xcomp"].split("|")) if opts["xcomp"] else True
                    elif "noxcomp" in opts:
                        xcomp = False
                    e = Entry(lemmas, r["pos"].upper(), r["frame"], opts.get("needs"), opts.get("obj"),
                              opts.get("prt"), xcomp, opts.get("slot"),
                              frozenset(opts["carrier"].split("|")) if opts.get("carrier") else None,
                              opts.get("objif"), opts.get("nothead"))
                    entries[lemmas[0]].append(e)
                    forms.update(inflections(lemmas[0]))
                    forms.update(f.lower() for f in opts.get("forms", "").split("|") if f)
        return cls(frames, dict(entries), dict(classes), frozenset(forms), files, makers)

    def in_class(self, name: str, words: Iterable[str]) -> bool:
        """Whether any of `words` (lemmas or lower-cased forms, or 'a b' phrases) belongs to the class.

        "a+b" asks for a word of each class ("defence spending" needs a defence word and a growth word)."""
        words = set(words)
        return all(any(w in self.classes.get(n, set()) for w in words) for n in name.split("+"))


def inflections(lemma: str) -> set[str]:
    """Regular English inflections of a lemma, enough for the first pass to notice a candidate."""
    out = {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "d", lemma + "ing"}
    if lemma.endswith("e"):
        out |= {lemma[:-1] + "ing"}
    if lemma.endswith("y") and len(lemma) > 2 and lemma[-2] not in "aeiou":
        out |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    if len(lemma) > 2 and lemma[-1] not in "aeiouwxy" and lemma[-2] in "aeiou" and lemma[-3] not in "aeiou":
        out |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return out
