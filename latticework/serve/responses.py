"""JSON responses: the one way the API sends data (stored text travels as JSON strings, never as markup).

`JSONData` serialises with the standard library directly (no per-field validation pass, which costs
more than the query on a page of 100 events), turns NaN and infinities into null (JSON has neither),
numpy scalars into numbers, dates into ISO strings, and writes `<`, `>` and `&` as \\u escapes, so a
body is inert even if something were to read it as HTML; parsing it gives back the exact strings.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

from starlette.responses import Response

_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                          "\u2029": "\\u2029"})


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    item = getattr(value, "item", None)  # numpy scalars (and 0-d arrays)
    if callable(item):
        return item()
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        return tolist()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def finite(value: Any) -> Any:
    """`value` with every NaN or infinite float replaced by None (in dicts and lists, recursively)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, str | bytes):
        try:
            return finite(value.item())
        except (TypeError, ValueError):
            return value
    return value


def dumps(content: Any) -> str:
    """Compact JSON of `content` (see the module docstring)."""
    try:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_default)
    except ValueError:  # a NaN or an infinity somewhere: rare, so only then walk the whole value
        text = json.dumps(finite(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                          default=_default)
    return text.translate(_ESCAPES)


class JSONData(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


def error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONData:
    """The API's error shape: {"detail": "one line"}."""
    return JSONData({"detail": " ".join(str(detail).split())}, status_code=status, headers=headers)
