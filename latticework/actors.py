"""Actor dictionaries: names, demonyms, capitals, bodies, officials, organisations and groupings.

Everything that changes over time lives in the TSV files under ``latticework/data/`` (see
docs/actors.md); country names and ISO codes themselves come from pycountry. This module loads
those files into one spaCy PhraseMatcher so that a whole document is scanned in one pass, and
answers date-dependent questions (who is a member of the QUAD on a given day, which office a
person held).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from importlib import resources
from pathlib import Path

import pycountry

DATA_DIR = Path(str(resources.files("latticework") / "data"))

# Words that, right before a bare surname, make it a reference to a known official.
TITLE_WORDS = {
    "President", "Minister", "Secretary", "Chancellor", "Premier", "Prime", "General", "Gen.", "Admiral",
    "Adm.", "Ambassador", "Mr", "Mr.", "Ms", "Ms.", "Mrs", "Mrs.", "Dr", "Dr.", "Defence", "Defense",
    "Foreign", "Vice", "Deputy", "Chief", "Commander", "King", "Crown", "Prince", "Emir", "Sheikh",
    "Sultan", "Leader", "Chairman", "Chair", "counterpart", "Counterpart", "Representative", "Lt.",
    "Colonel", "Col.", "Marshal", "Senator", "Spokesperson", "Spokesman", "Envoy",
}


@dataclass(frozen=True)
class Entry:
    """What one alias denotes."""

    code: str
    kind: str  # name|short|abbrev|demonym|capital|government|military|official|surname|organisation|grouping|framework|place
    office: str | None = None
    person: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    country: str | None = None  # places: the country the place is in (None at sea)


@dataclass
class Mention:
    """An actor (or place/framework) found in a document; offsets are characters in the document text."""

    start: int
    end: int
    text: str
    code: str
    kind: str
    tok_start: int = 0
    tok_end: int = 0
    person: str | None = None
    country: str | None = None
    role: str = "party"  # party | location | excluded | speaker
    members: tuple[str, ...] = ()
    title: str | None = None  # "minister", "president", ... when a title word precedes a person

    @property
    def is_place_like(self) -> bool:
        return self.kind in ("capital", "place")


def _date(value: str | None) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    parts = [int(p) for p in value.split("-")]
    while len(parts) < 3:
        parts.append(1)
    return date(*parts[:3])


def read_tsv(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a data file: tab-separated, '#' comments, first non-comment line is the header."""
    with open(path, encoding="utf-8", newline="") as fh:
        lines = (line for line in fh if line.strip() and not line.lstrip().startswith("#"))
        for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            yield {k.strip(): (v or "").strip() for k, v in row.items() if k}


@dataclass
class ActorDictionary:
    """All aliases → entries, plus dated memberships of organisations and groupings."""

    aliases: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    members: dict[str, list[tuple[str, date | None, date | None]]] = field(default_factory=lambda: defaultdict(list))
    kinds: dict[str, str] = field(default_factory=dict)  # org/grouping/framework code -> kind
    names: dict[str, str] = field(default_factory=dict)  # code -> display name

    @classmethod
    def load(cls, data_dir: Path | None = None, extra_dirs: Iterable[Path] = ()) -> ActorDictionary:
        """Load pycountry names and every data file; files in `extra_dirs` extend (and may override) them."""
        self = cls()
        for c in pycountry.countries:
            code = c.alpha_3
            self.names.setdefault(code, getattr(c, "common_name", None) or c.name)
            for attr in ("name", "common_name", "official_name"):
                name = getattr(c, attr, None)
                if name and "," not in name and "(" not in name:
                    self.add(name, Entry(code, "name"))
        self.names["XKX"] = "Kosovo"
        self._load_subdivisions()
        for d in [data_dir or DATA_DIR, *extra_dirs]:
            self._load_dir(Path(d))
        return self

    def _load_subdivisions(self) -> None:
        """States, provinces and prefectures from pycountry as places ("Hokkaido" is in Japan).

        They only ever locate an event; common words and given names among them are left out."""
        by_alpha2 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
        for sub in pycountry.subdivisions:
            if sub.type not in _SUBDIVISION_TYPES:
                continue
            name = re.sub(r"\s*\(.*?\)", "", sub.name).strip()
            if "," in name or len(name) < 5 or name in _SUBDIVISION_STOP or name in self.aliases:
                continue
            country = by_alpha2.get(sub.country_code)
            if country:
                self.add(name, Entry(country, "place", country=country))
                folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
                if folded != name and len(folded) >= 5 and folded not in self.aliases:
                    self.add(folded, Entry(country, "place", country=country))  # "Rājasthān" is written "Rajasthan"

    def add(self, alias: str, entry: Entry) -> None:
        alias = alias.strip()
        if alias and entry not in self.aliases[alias]:
            self.aliases[alias].append(entry)

    def _load_dir(self, d: Path) -> None:
        if (d / "aliases.tsv").exists():
            for r in read_tsv(d / "aliases.tsv"):
                self.add(r["alias"], Entry(r["code"], r.get("kind") or "name"))
        if (d / "organisations.tsv").exists():
            for r in read_tsv(d / "organisations.tsv"):
                code, kind = r["code"], r.get("kind") or "organisation"
                self.kinds[code] = kind
                self.names.setdefault(code, r.get("name") or code)
                for a in [code, r.get("name", ""), *r.get("aliases", "").split("|")]:
                    if a.strip():
                        self.add(a, Entry(code, kind))
        if (d / "memberships.tsv").exists():
            for r in read_tsv(d / "memberships.tsv"):
                self.members[r["group"]].append((r["member"], _date(r.get("from")), _date(r.get("to"))))
        if (d / "officials.tsv").exists():
            for r in read_tsv(d / "officials.tsv"):
                e = Entry(r["code"], "official", office=r.get("office") or None, person=r["name"],
                          valid_from=_date(r.get("from")), valid_to=_date(r.get("to")))
                names = [r["name"], *[a for a in r.get("aliases", "").split("|") if a.strip()]]
                primary = [p for p in r["name"].split() if p.rstrip(".") not in _SUFFIXES]
                patronymic = any(p.lower() in ("bin", "bint", "ibn", "ben") for p in r["name"].split())
                family = primary[0] if r["code"] in _FAMILY_NAME_FIRST else primary[-1]  # "Xi Jinping", "Yoon Suk Yeol"
                surnames = {family} if len(primary) >= 2 and not patronymic else set()  # "bin Salman" is a father
                for n in names:
                    self.add(n, e)
                    parts = [p for p in n.split() if p.rstrip(".") not in _SUFFIXES]
                    if len(parts) >= 2 and parts == primary[::-1]:
                        surnames.add(parts[-1] if parts[0] == primary[-1] else parts[0])  # family name first
                leader = e.office in ("head_of_state", "head_of_government")
                for surname in surnames:
                    if (len(surname) > 2 or leader and len(surname) == 2) and surname[0].isupper():
                        self.add(surname, Entry(r["code"], "surname", office=e.office, person=r["name"],
                                                valid_from=e.valid_from, valid_to=e.valid_to))
        if (d / "ignore.tsv").exists():
            for r in read_tsv(d / "ignore.tsv"):
                self.add(r["phrase"], Entry("", "ignore"))
        if (d / "places.tsv").exists():
            for r in read_tsv(d / "places.tsv"):
                country = r.get("country") or None
                for a in [r["name"], *r.get("aliases", "").split("|")]:
                    if a.strip():
                        self.add(a, Entry(country or "", "place", country=country))

    # -- questions -------------------------------------------------------------------------

    def members_at(self, group: str, when: date | None) -> list[str]:
        """Member states of an organisation, grouping or framework on a given day (all ever, if undated)."""
        out = []
        for member, start, end in self.members.get(group, []):
            if when is None or ((start is None or start <= when) and (end is None or when <= end)):
                out.append(member)
        if not out and when is not None:  # a date before the grouping existed: its founding members
            firsts = sorted((s or date.min) for _, s, _ in self.members.get(group, []))
            if firsts:
                out = [m for m, s, _ in self.members[group] if (s or date.min) == firsts[0]]
        return sorted(set(out))

    def resolve(self, alias: str, when: date | None) -> Entry | None:
        """Pick the entry for an alias at a date: offices valid then beat others; states beat places."""
        entries = self.aliases.get(alias)
        if not entries:
            return None
        if len(entries) == 1:
            return entries[0]

        def rank(e: Entry) -> tuple:
            valid = when is not None and (e.valid_from is None or e.valid_from <= when) and (
                e.valid_to is None or when <= e.valid_to)
            latest = e.valid_from or date.min
            return (valid, e.kind not in ("surname", "place"), latest)

        return max(entries, key=rank)

    @cached_property
    def pattern_texts(self) -> list[str]:
        return sorted(self.aliases)

    def is_org(self, code: str) -> bool:
        return self.kinds.get(code) == "organisation"


_SUBDIVISION_TYPES = {"State", "Province", "Prefecture", "Region", "Oblast", "Autonomous republic", "Governorate",
                      "Emirate", "Territory", "Autonomous region", "Republic", "Island", "Federal district"}
# subdivision names that are also common words, given names or actors' names in news text
_SUBDIVISION_STOP = {"Antique", "Aurora", "Victoria", "Georgia", "Washington", "Central", "Capital", "Northern",
                     "Southern", "Eastern", "Western", "North", "South", "Centre", "Center", "Santa", "Colon",
                     "Bolivar", "Alexandria", "Florida", "Independence", "Liberty", "Union", "Unity", "Lakes",
                     "Upper", "Lower", "Coast", "Islands", "National", "Federal", "Amazonas", "Sucre", "Salta",
                     "Guard", "Jordan", "Chad", "Niger", "Mexico", "Panama", "Kosovo", "Taiwan", "Palestine",
                     "Crimea", "Donetsk", "Luhansk"}
_FAMILY_NAME_FIRST = {"CHN", "TWN", "KOR", "PRK", "VNM", "KHM", "HKG", "MAC", "MNG"}
# too common to stand alone for a leader: a title or the full name is needed
COMMON_SURNAMES = {"Kim", "Lee", "Park", "Choi", "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao",
                   "Wu", "Zhou", "Nguyen", "Tran", "Le", "Pham", "Khan", "Singh", "Ali", "Ahmed", "Mohammed",
                   "Smith", "Jones", "Johnson", "Brown", "Lin"}
_SUFFIXES = {"Jr", "Sr", "II", "III", "IV", "bin", "al", "ibn"}
