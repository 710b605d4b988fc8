"""Checks of event filter values, shared by the CLI (latticework.cli.checks) and the web API (latticework.serve).

A filter that names something that does not exist (`type=AGRE`, `actor=JAP`) would otherwise select
nothing, which looks like "no such events" instead of "you mistyped". Each check raises FilterError
with one line that names the filter as its caller spells it (`--type` on the command line, `type` in
a query string) and lists the valid values (at most `SHOWN` actor codes). Nothing here prints or exits.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from latticework import ontology

#: The event statuses of ONTOLOGY.md ("Fields of an event").
STATUSES = ("occurred", "planned")
#: Most actor codes an error lists.
SHOWN = 20


class FilterError(ValueError):
    """A filter value that cannot match anything; the message is one line."""


def listed(values: Sequence[str], limit: int | None = None) -> str:
    """`a, b, c … and N more` (the first `limit` values, all when None)."""
    shown = list(values) if limit is None else list(values)[:limit]
    more = len(values) - len(shown)
    return ", ".join(shown) + (f" … and {more} more" if more > 0 else "")


def check_type(value: str | None, name: str = "type") -> str | None:
    """An ontology type, in any case (returned upper-case)."""
    if value is None:
        return None
    if value.strip().upper() not in ontology.TYPES:
        raise FilterError(f"{name} {value!r} is not an event type; valid: {listed(list(ontology.TYPES))}")
    return value.strip().upper()


def check_status(value: str | None, name: str = "status") -> str | None:
    """occurred or planned, in any case (returned lower-case)."""
    if value is None:
        return None
    if value.strip().lower() not in STATUSES:
        raise FilterError(f"{name} {value!r} is not an event status; valid: {listed(list(STATUSES))}")
    return value.strip().lower()


def all_modes() -> list[str]:
    """Every mode of every type, in the ontology's order, once each."""
    return list(dict.fromkeys(m for t in ontology.TYPES for m in ontology.MODES[t]))


def check_mode(value: str | None, type_: str | None = None, name: str = "mode") -> str | None:
    """A mode of `type_` when that is given, else a mode of any type (returned lower-case)."""
    if value is None:
        return None
    mode = value.strip().lower()
    if type_ is not None and type_.upper() in ontology.MODES:
        valid = list(ontology.MODES[type_.upper()])
        if mode not in valid:
            raise FilterError(f"{name} {value!r} is not a mode of {type_.upper()}; valid: {listed(valid)}")
        return mode
    every = all_modes()
    if mode not in every:
        raise FilterError(f"{name} {value!r} is not an event mode; valid: {listed(every)}")
    return mode


def known_actors(store: Any) -> list[str]:
    """Every actor code the store's actors table holds, sorted."""
    import sqlalchemy as sa

    from latticework.store import models as m

    with store.engine.connect() as conn:
        return sorted(str(c) for c in conn.scalars(sa.select(m.actors.c.code)))


def check_actor_codes(known: Sequence[str], given: dict[str, str | None]) -> None:
    """Each value of `given` (filter name → actor code) must be one of `known`. The error lists the
    closest codes first, then the others in order, at most SHOWN."""
    have = set(known)
    for name, value in given.items():
        if not value:
            continue
        code = value.strip().upper()
        if code in have:
            continue
        close = difflib.get_close_matches(code, list(known), n=5, cutoff=0.5)
        order = close + [c for c in known if c not in close]
        shown = listed(order, SHOWN) if order else "none (the database holds no events)"
        raise FilterError(f"no actor {value!r} in the database ({name}); known: {shown}")


def check_actors(store: Any, given: dict[str, str | None]) -> None:
    """check_actor_codes against the actors `store` holds (read only when some code is given)."""
    if any(given.values()):
        check_actor_codes(known_actors(store), given)
