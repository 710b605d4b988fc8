"""The one check of input fields at the boundary, the same whatever database is behind the store.

SQLite stores almost anything; PostgreSQL refuses NUL characters in text, lone UTF-16 surrogates
cannot be encoded for either driver, and PostgreSQL enforces the `VARCHAR(n)` sizes that SQLite
ignores. If the check happened in the database, one bad value would abort the transaction of the
whole batch around it, and only on one of the two backends. So every reader (`ingest.read_documents`,
behind `code` and `ingest`, and the dataset readers behind `import`) runs these checks on each
document or event as it is read and turns a failure into a one-line problem naming the file and
line; the store runs them again on whatever reaches it by another way.

The sizes are those of latticework/store/models.py (the test suite compares them); lengths count
characters, as PostgreSQL's `VARCHAR(n)` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

#: Longest value, in characters, of each size-limited document field (documents table).
DOCUMENT_LIMITS = {"id": 512, "source": 255, "published": 32, "language": 16}

#: Longest value of each size-limited event field (events and event_participants tables); "origin" is
#: the dataset name an import stores its events under, "actor" each actor or target code.
EVENT_LIMITS = {"event_id": 255, "doc_id": 512, "type": 16, "mode": 32, "framework": 32, "date": 16,
                "status": 16, "cameo": 16, "location_country": 16, "origin": 32, "actor": 16}

_BAD = re.compile("[\x00\ud800-\udfff]")


def char_problem(name: str, value: str) -> str | None:
    """Why `value` cannot be stored as text on every backend (a NUL or an unpaired surrogate), or None."""
    if value.isascii():
        if "\x00" not in value:
            return None
    m = _BAD.search(value)
    if m is None:
        return None
    ch = m.group()
    if ch == "\x00":
        return f"{name} holds a NUL character (U+0000) at position {m.start() + 1}"
    return f"{name} holds an unpaired UTF-16 surrogate (U+{ord(ch):04X}) at position {m.start() + 1}"


def field_problem(name: str, value: object, limit: int | None = None) -> str | None:
    """The problem with one text field (None, or a string without bad characters within `limit`)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return f"{name} must be a string, got {type(value).__name__}"
    bad = char_problem(name, value)
    if bad:
        return bad
    if limit is not None and len(value) > limit:
        return f"{name} is {len(value)} characters long, over the limit of {limit}"
    return None


def shown(value: object, limit: int = 60) -> str:
    """A value for a message: repr (so NUL and surrogates are escaped, never printed), cut to `limit`."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        return repr(text[:limit]) + f"… ({len(text)} characters)"
    return repr(text)


def shown_id(value: object, limit: int = 80) -> str:
    """A document id for a message: as it is when printable and short, else as `shown` gives it."""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit and text.isprintable() else shown(text, 40)


# --- dates ---------------------------------------------------------------------------------------

_ISO = re.compile(
    r"(?P<date>\d{4}(?:-\d{2}(?:-\d{2})?)?)"
    r"(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?"
    r" ?(?:Z|UTC|GMT|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?)?"
)
_WRITTEN = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%Y/%m/%d", "%d.%m.%Y")


def _real_day(iso: str) -> bool:
    parts = [int(x) for x in iso.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def normalise_published(value: str) -> str | None:
    """A publication date as stored: an ISO date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optionally with a
    time and zone) kept as given, or an RFC 2822 or common written date turned into `YYYY-MM-DD`;
    None when the whole value is not a date. Trailing words ("2023-04-04 and then words") make it
    not a date: relative dates in the text hang on this value, so a doubtful one must not pass."""
    v = value.strip()
    m = _ISO.fullmatch(v)
    if m:
        return v if _real_day(m.group("date")) else None
    if v[:4].isdigit() and v[4:5] in ("-", ""):
        return None  # an ISO start followed by something else: not a written form either
    try:
        return parsedate_to_datetime(v).date().isoformat()  # RFC 2822, as in RSS feeds
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _WRITTEN:
        try:
            return datetime.strptime(v, fmt).date().isoformat()
        except ValueError:
            continue
    return None


_OPTION_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


def date_option(option: str, value: str | None) -> str | None:
    """A window bound given on the command line (`--since`, `--until`): YYYY, YYYY-MM (or an EDTF
    season, YYYY-21..24) or YYYY-MM-DD and nothing else; raises ValueError naming the option."""
    if value is None:
        return None
    from latticework.intervals import to_interval  # the project's one reader of such dates

    v = value.strip()
    span = to_interval(v) if _OPTION_DATE.fullmatch(v) else None
    if span is None or span[0].year > 9998:  # the store's own limit (store/dates.py)
        raise ValueError(f"{option} {value!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    return v


# --- documents -----------------------------------------------------------------------------------

_DOC_TEXT_FIELDS = ("id", "text", "title", "source", "url", "language")


def document_problem(doc: Any) -> str | None:
    """Check a Document's fields for every backend and normalise `published` in place (blank → None,
    written dates → ISO). Returns the first problem (without "; skipped"), or None when it can be stored."""
    for name in _DOC_TEXT_FIELDS:
        bad = field_problem(name, getattr(doc, name), DOCUMENT_LIMITS.get(name))
        if bad:
            return bad
    if not isinstance(doc.id, str) or not doc.id.strip():
        return "id is empty"
    published = doc.published
    if published is None:
        return None
    if not isinstance(published, str):
        return f"published must be a string, got {type(published).__name__}"
    if not published.strip():
        doc.published = None
        return None
    bad = char_problem("published", published)
    if bad:
        return bad
    iso = normalise_published(published)
    if iso is None:
        return f"published {shown(published)} is not a date"
    if len(iso) > DOCUMENT_LIMITS["published"]:
        return f"published is {len(iso)} characters long, over the limit of {DOCUMENT_LIMITS['published']}"
    doc.published = iso
    return None


def checked_documents(items: Iterable[Any]) -> Iterator[Any]:
    """`items` (documents and problems) with every document that fails `document_problem` replaced by
    an InputProblem: what the store applies to input that did not come through `read_documents`."""
    from latticework.ingest import Document, InputProblem

    for item in items:
        if isinstance(item, Document):
            bad = document_problem(item)
            if bad:
                item = InputProblem(f"{item.origin or 'document'} (id {shown_id(item.id)})", f"{bad}; skipped")
        yield item


# --- events --------------------------------------------------------------------------------------

def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string inside a JSON-like value (keys too), with where it sits."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                yield f"{path} key", k
            yield from _strings(v, f"{path}.{k}")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


def event_problem(ev: dict[str, Any], origin: str | None = None) -> str | None:
    """Why an event (as the readers and the coder produce it) cannot be stored on every backend, or None.
    `origin` is the dataset name it will be stored under, when it is an import."""
    for key, value in ev.items():
        for where, s in _strings(value, str(key)):
            bad = char_problem(where, s)
            if bad:
                return bad
    loc = ev.get("location") or {}
    sized: list[tuple[str, object]] = [(k, ev.get(k)) for k in
                                       ("event_id", "doc_id", "type", "mode", "framework", "date", "status", "cameo")]
    if isinstance(loc, dict):
        sized.append(("location_country", loc.get("country")))
    if origin is not None:
        sized.append(("origin", origin))
    for role in ("actors", "targets"):
        sized.extend((role, code) for code in ev.get(role) or ())
    for name, value in sized:
        if value is None:
            continue
        limit = EVENT_LIMITS["actor" if name in ("actors", "targets") else name]
        text = str(value)
        if len(text) > limit:
            return f"{name} is {len(text)} characters long, over the limit of {limit}"
    when = ev.get("date")
    if when is not None:
        from latticework.intervals import to_interval

        if not isinstance(when, str) or to_interval(when) is None:
            return f"date {shown(when)} is not an EDTF date (YYYY, YYYY-MM, YYYY-MM-DD or a season)"
    return None
