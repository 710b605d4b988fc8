"""Checks of command-line values before any work: a wrong value is one line on stderr and exit code 2.

A filter that names something that does not exist (`--type AGRE`, `--actor JAP`) would otherwise
select nothing and exit 0, which looks like "no such events" instead of "you mistyped". So every
value is checked against what it can be: types, modes and statuses against the ontology, actor codes
against the actors the store holds. Each error lists the valid values (at most `SHOWN` of them).
"""

from __future__ import annotations

import difflib
import sys
from typing import Any

import typer

from latticework import ontology
from latticework.output import Format, terminal_line

#: The event statuses of ONTOLOGY.md ("Fields of an event").
STATUSES = ("occurred", "planned")
#: Formats that are bytes, not text: never written to a terminal.
BINARY = frozenset({Format.parquet})
#: Most actor codes an error lists.
SHOWN = 20


def fail(message: str) -> typer.Exit:
    """Print `error: message` as one inert line on stderr; returns the Exit(2) to raise."""
    print(terminal_line(f"error: {message}"), file=sys.stderr, flush=True)
    return typer.Exit(2)


def _listed(values: list[str], limit: int | None = None) -> str:
    shown = values if limit is None else values[:limit]
    more = len(values) - len(shown)
    return ", ".join(shown) + (f" … and {more} more" if more > 0 else "")


def check_type(value: str | None) -> str | None:
    """--type: an ontology type, in any case (returned upper-case)."""
    if value is None:
        return None
    if value.strip().upper() not in ontology.TYPES:
        raise fail(f"--type {value!r} is not an event type; valid: {_listed(list(ontology.TYPES))}")
    return value.strip().upper()


def check_status(value: str | None) -> str | None:
    """--status: occurred or planned, in any case (returned lower-case)."""
    if value is None:
        return None
    if value.strip().lower() not in STATUSES:
        raise fail(f"--status {value!r} is not an event status; valid: {_listed(list(STATUSES))}")
    return value.strip().lower()


def check_mode(value: str | None, type_: str | None = None) -> str | None:
    """--mode: a mode of --type when that is given, else a mode of any type (returned lower-case)."""
    if value is None:
        return None
    mode = value.strip().lower()
    if type_ is not None and type_.upper() in ontology.MODES:
        valid = list(ontology.MODES[type_.upper()])
        if mode not in valid:
            raise fail(f"--mode {value!r} is not a mode of {type_.upper()}; valid: {_listed(valid)}")
        return mode
    every = list(dict.fromkeys(m for t in ontology.TYPES for m in ontology.MODES[t]))
    if mode not in every:
        raise fail(f"--mode {value!r} is not an event mode; valid: {_listed(every)}")
    return mode


def check_any_mode(value: str | None) -> str | None:
    """--mode as a Typer callback: a mode of some type (`check_filters` then checks it against --type)."""
    return check_mode(value)


def known_actors(store: Any) -> list[str]:
    """Every actor code the store's actors table holds, sorted."""
    import sqlalchemy as sa

    from latticework.store import models as m

    with store.engine.connect() as conn:
        return sorted(str(c) for c in conn.scalars(sa.select(m.actors.c.code)))


def check_actors(store: Any, **options: str | None) -> None:
    """--actor/--with (option name → value): each code must be one the store holds. The error lists
    the closest codes first, then the others in order, at most `SHOWN`."""
    given = {name: value for name, value in options.items() if value}
    if not given:
        return
    known = known_actors(store)
    have = set(known)
    for name, value in given.items():
        code = value.strip().upper()
        if code in have:
            continue
        close = difflib.get_close_matches(code, known, n=5, cutoff=0.5)
        order = close + [c for c in known if c not in close]
        listed = _listed(order, SHOWN) if order else "none (the database holds no events)"
        raise fail(f"no actor {value!r} in the database (--{name}); known: {listed}")


def check_filters(store: Any, *, actor: str | None = None, with_: str | None = None, type: str | None = None,
                  mode: str | None = None) -> None:
    """The checks that need more than one option or the store: --mode against --type, actor codes."""
    check_mode(mode, type)
    check_actors(store, actor=actor, **{"with": with_})


def need_file(fmt: Format | str, output: str | None) -> None:
    """A binary format (parquet) goes to a file: without -o FILE it is one line and exit 2."""
    if Format(fmt) in BINARY and output is None:
        raise fail(f"{Format(fmt).value} output needs -o FILE (it cannot go to a terminal)")
