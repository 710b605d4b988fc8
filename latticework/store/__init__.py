"""The store: documents, coded events, actors and runs in SQLite or PostgreSQL (see core.Store)."""

from latticework.store.core import (
    IngestReport,
    RecodeReport,
    Store,
    StoreError,
    content_hash,
    normalise_url,
)

__all__ = ["IngestReport", "RecodeReport", "Store", "StoreError", "content_hash", "normalise_url"]
