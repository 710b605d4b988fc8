"""latticework: defence-cooperation reporting → coded, sourced events → an alliance network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__version__ = "0.1.0"
__all__ = ["__version__", "events_arrow", "events_df"]


def events_df(db_url_or_store: Any = None, **filters: Any) -> pd.DataFrame:
    """Stored events as a pandas DataFrame with the typed columns of latticework.tables.

    `db_url_or_store`: a Store, a database URL or SQLite path, or None ($LATTICEWORK_DB or
    ./latticework.db). `filters` are those of `Store.iter_events` (actor, with_, type, mode,
    framework, since, until, status, source, text, limit, ...)."""
    from latticework.tables import events_df as frame

    return frame(db_url_or_store, **filters)


def events_arrow(db_url_or_store: Any = None, **filters: Any) -> pa.Table:
    """Stored events as a pyarrow Table of `latticework.tables.event_schema()`; arguments as `events_df`."""
    from latticework.tables import events_arrow as table

    return table(db_url_or_store, **filters)
