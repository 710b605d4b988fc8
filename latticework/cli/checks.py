"""Checks of command-line values before any work: a wrong value is one line on stderr and exit code 2.

A filter that names something that does not exist (`--type AGRE`, `--actor JAP`) would otherwise
select nothing and exit 0, which looks like "no such events" instead of "you mistyped". So every
value is checked against what it can be: types, modes and statuses against the ontology, actor codes
against the actors the store holds. Each error lists the valid values (at most `SHOWN` of them).
"""

from __future__ import annotations

import sys
from typing import Any

import typer

from latticework import filters
from latticework.filters import SHOWN, STATUSES, FilterError, known_actors  # noqa: F401  (names kept for callers)
from latticework.output import Format, terminal_line

#: Formats that are bytes, not text: never written to a terminal.
BINARY = frozenset({Format.parquet})


def fail(message: str) -> typer.Exit:
    """Print `error: message` as one inert line on stderr; returns the Exit(2) to raise."""
    print(terminal_line(f"error: {message}"), file=sys.stderr, flush=True)
    return typer.Exit(2)


# The checks themselves are latticework.filters (shared with the web API); here they become exit code 2.

def check_type(value: str | None) -> str | None:
    """--type: an ontology type, in any case (returned upper-case)."""
    try:
        return filters.check_type(value, "--type")
    except FilterError as exc:
        raise fail(str(exc)) from None


def check_status(value: str | None) -> str | None:
    """--status: occurred or planned, in any case (returned lower-case)."""
    try:
        return filters.check_status(value, "--status")
    except FilterError as exc:
        raise fail(str(exc)) from None


def check_mode(value: str | None, type_: str | None = None) -> str | None:
    """--mode: a mode of --type when that is given, else a mode of any type (returned lower-case)."""
    try:
        return filters.check_mode(value, type_, "--mode")
    except FilterError as exc:
        raise fail(str(exc)) from None


def check_any_mode(value: str | None) -> str | None:
    """--mode as a Typer callback: a mode of some type (`check_filters` then checks it against --type)."""
    return check_mode(value)


def check_actors(store: Any, **options: str | None) -> None:
    """--actor/--with (option name → value): each code must be one the store holds. The error lists
    the closest codes first, then the others in order, at most `SHOWN`."""
    try:
        filters.check_actors(store, {f"--{name}": value for name, value in options.items()})
    except FilterError as exc:
        raise fail(str(exc)) from None


def check_filters(store: Any, *, actor: str | None = None, with_: str | None = None, type: str | None = None,
                  mode: str | None = None) -> None:
    """The checks that need more than one option or the store: --mode against --type, actor codes."""
    check_mode(mode, type)
    check_actors(store, actor=actor, **{"with": with_})


def need_file(fmt: Format | str, output: str | None) -> None:
    """A binary format (parquet) goes to a file: without -o FILE it is one line and exit 2."""
    if Format(fmt) in BINARY and output is None:
        raise fail(f"{Format(fmt).value} output needs -o FILE (it cannot go to a terminal)")
