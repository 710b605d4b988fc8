"""Reading documents: JSONL, .txt, .html, directories, .gz and standard input.

(Minimal version; see the issue "The event coder" for the full list of inputs and bad-input rules.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Document:
    id: str
    text: str
    published: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    language: str | None = None
    origin: str = ""  # where it came from, e.g. "corpus.jsonl:12", for messages
    extra: dict = field(default_factory=dict)


@dataclass
class InputProblem:
    """A document (or line) that could not be read; `where` names the file and line or id."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def read_documents(paths: list[str], published: str | None = None) -> Iterator[Document | InputProblem]:
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    d = json.loads(line)
                    yield Document(id=d["id"], text=d["text"], published=d.get("published"),
                                   title=d.get("title"), source=d.get("source"), url=d.get("url"),
                                   language=d.get("language"), origin=f"{path}:{n}")
