"""The coder: one document in, a list of ontology events (dicts, see event.schema.json) out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from latticework.ingest import Document


class Coder:
    """Holds the loaded dictionaries and lexicons; `code()` is pure given them."""

    def __init__(self) -> None:
        self.version = "0.0-stub"

    def code(self, doc: Document) -> list[dict]:
        return []


def code_documents(docs: Iterable[Document], coder: Coder | None = None) -> Iterator[tuple[Document, list[dict]]]:
    coder = coder or Coder()
    for doc in docs:
        yield doc, coder.code(doc)
