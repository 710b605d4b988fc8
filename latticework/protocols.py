"""Light interfaces that modules can name in type hints without importing the heavy parts.

`latticework.coder` loads spaCy; the store, the CLI's store commands and the parallel pool only need
to know what a coder *looks like*, so they hint with `EventCoder` and import the coder lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from latticework.ingest import Document


@runtime_checkable
class EventCoder(Protocol):
    """Anything that codes one document into event dicts and names the version that did it.

    `latticework.coder.Coder` is one; tests use stand-ins. `code` must be deterministic: the same
    document gives the same events in the same order (parallel coding relies on it)."""

    version: str

    def code(self, doc: Document) -> list[dict]: ...
