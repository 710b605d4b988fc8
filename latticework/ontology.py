"""The event ontology as data: types, modes, their shape, and the PLOVER 0.7 / CAMEO crosswalk.

The table lives in ``data/ontology.tsv`` (its header says what each column means) and mirrors the
"Types and modes" table of ONTOLOGY.md. Every module that needs to know which types are symmetric,
which modes a type has, or what an event becomes in PLOVER or CAMEO asks this module.

Shapes: *symmetric* types (CONSULT, AGREE, COOPERATE) list every party as an actor; *directed*
types (AID, ACCUSE, THREATEN, REQUEST) go from actors to targets; *unilateral* types (MOBILIZE)
have actors only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

__all__ = [
    "CAMEO_CODES",
    "DIRECTED",
    "ENTRIES",
    "MODES",
    "ONTOLOGY_TSV",
    "PLOVER_TO_TYPE",
    "SYMMETRIC",
    "TYPES",
    "UNILATERAL",
    "Entry",
    "Shape",
    "cameo_code",
    "entry",
    "is_known",
    "load",
    "plover",
    "shape",
]

Shape = Literal["symmetric", "directed", "unilateral"]
_SHAPES: tuple[Shape, ...] = ("symmetric", "directed", "unilateral")
ONTOLOGY_TSV = Path(__file__).parent / "data" / "ontology.tsv"
_FALLBACK = "*"  # the mode column's marker for a type's fallback line


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the table: a type with one of its modes (mode None: the type's fallback line)."""

    type: str
    mode: str | None
    shape: Shape
    plover_type: str
    plover_mode: str  # "" when the PLOVER export has no mode
    plover_contexts: tuple[str, ...]
    cameo: tuple[str, ...]  # closest first


def _cell(value: str) -> str:
    return "" if value == "-" else value


def load(path: Path = ONTOLOGY_TSV) -> tuple[list[Entry], dict[str, Entry]]:
    """(the (type, mode) lines in file order, each type's fallback line). Raises ValueError naming
    the line when the file breaks its own rules."""
    entries: list[Entry] = []
    fallback: dict[str, Entry] = {}
    seen: set[tuple[str, str | None]] = set()
    shapes: dict[str, str] = {}  # type -> shape of its first line
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 7:
            raise ValueError(f"{path}:{n}: expected 7 tab-separated columns, got {len(cols)}")
        typ, mode, shp, ptype, pmode, contexts, cameo = (c.strip() for c in cols)
        if shp not in _SHAPES:
            raise ValueError(f"{path}:{n}: shape {shp!r} is not one of {', '.join(_SHAPES)}")
        if shapes.setdefault(typ, shp) != shp:
            raise ValueError(f"{path}:{n}: {typ} is {shapes[typ]} on an earlier line")
        key = (typ, None if mode == _FALLBACK else mode)
        if key in seen:
            raise ValueError(f"{path}:{n}: {typ}/{mode} listed twice")
        seen.add(key)
        codes = tuple(c.strip() for c in _cell(cameo).split(",") if c.strip())
        if not codes:
            raise ValueError(f"{path}:{n}: a line needs at least one CAMEO code")
        e = Entry(typ, key[1], cast(Shape, shp), ptype, _cell(pmode),
                  tuple(c for c in _cell(contexts).split(";") if c), codes)
        if e.mode is None:
            fallback[typ] = e
        else:
            entries.append(e)
    for typ in shapes:
        if typ not in fallback:
            raise ValueError(f"{path}: {typ} has no fallback line (mode {_FALLBACK})")
    return entries, fallback


_ENTRIES, _FALLBACKS = load()

#: Every (type, mode) line, in the order of ONTOLOGY.md.
ENTRIES: tuple[Entry, ...] = tuple(_ENTRIES)
_BY_KEY: dict[tuple[str, str], Entry] = {(e.type, e.mode or ""): e for e in ENTRIES}
#: Event types, in table order.
TYPES: tuple[str, ...] = tuple(dict.fromkeys(e.type for e in ENTRIES))
#: type -> its modes, in table order.
MODES: dict[str, tuple[str, ...]] = {t: tuple(e.mode or "" for e in ENTRIES if e.type == t) for t in TYPES}
_SHAPE_OF: dict[str, Shape] = {e.type: e.shape for e in ENTRIES}
SYMMETRIC: frozenset[str] = frozenset(t for t in TYPES if _SHAPE_OF[t] == "symmetric")
DIRECTED: frozenset[str] = frozenset(t for t in TYPES if _SHAPE_OF[t] == "directed")
UNILATERAL: frozenset[str] = frozenset(t for t in TYPES if _SHAPE_OF[t] == "unilateral")
#: (type, mode) -> every CAMEO code ONTOLOGY.md lists for it.
CAMEO_CODES: dict[tuple[str, str], tuple[str, ...]] = {(e.type, e.mode or ""): e.cameo for e in ENTRIES}
#: PLOVER event type of an import -> the project's type (PLOVER's SUPPORT is our AGREE).
PLOVER_TO_TYPE: dict[str, str] = {t: t for t in TYPES} | {e.plover_type: e.type for e in ENTRIES}


def is_known(type_: str | None, mode: str | None = None) -> bool:
    """Whether `type_` is an ontology type and `mode` (when given) one of its modes."""
    if type_ not in MODES:
        return False
    return mode is None or mode in MODES[type_]


def shape(type_: str | None) -> Shape | None:
    """'symmetric', 'directed' or 'unilateral'; None for a type outside the ontology."""
    return _SHAPE_OF.get(type_ or "")


def entry(type_: str | None, mode: str | None) -> Entry | None:
    """The line for (type, mode); the type's fallback line when the mode is null or unknown;
    None for a type outside the ontology."""
    return _BY_KEY.get((type_ or "", mode or "")) or _FALLBACKS.get(type_ or "")


def cameo_code(type_: str | None, mode: str | None) -> str:
    """The closest CAMEO code (what exports write); "" for a type outside the ontology."""
    e = entry(type_, mode)
    return e.cameo[0] if e else ""


def plover(type_: str | None, mode: str | None) -> tuple[str, str, list[str]]:
    """(PLOVER event type, PLOVER mode or "", contexts) of an export. A type outside the ontology
    is passed through as its own PLOVER type, with no mode and no contexts."""
    e = entry(type_, mode)
    if e is None:
        return type_ or "", "", []
    return e.plover_type, e.plover_mode, list(e.plover_contexts)
