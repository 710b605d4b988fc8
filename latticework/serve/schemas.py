"""Shapes of the API's responses, for its OpenAPI description (/openapi.json, /docs).

The routes send their data as JSONData directly (latticework.serve.responses), so these models
document the contract without a validation pass on every response; docs/serve.md says the same in
prose. Every model allows fields beyond those named (an event's extra coder fields, a claim's
numbers), so the contract can grow without breaking a client.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Error(BaseModel):
    detail: str = Field(description="One line saying what was wrong.")


class Evidence(_Open):
    text: str | None = None
    start: int | None = Field(None, description="Character offset of the evidence in the document text.")
    end: int | None = None


class _EventFields(_Open):
    doc_id: str | None = None
    type: str
    mode: str | None = None
    actors: list[str] = []
    targets: list[str] = []
    framework: str | None = None
    date: str | None = Field(None, description="EDTF date (YYYY, YYYY-MM, YYYY-MM-DD).")
    status: str
    hedged: bool = False
    location: dict[str, Any] | None = None
    evidence: Evidence | None = None
    confidence: float | None = None
    cameo: str | None = None
    source: str = Field(description="'text' for coded reports, else the dataset (gdelt, icews, …).")
    n_reports: int | None = None
    n_documents: int | None = None
    n_stories: int | None = None
    n_sources: int | None = None
    first_seen: str | None = None
    last_seen: str | None = None


class Event(_EventFields):
    event_id: str = Field(description="The event's id (a cluster of reports), or the report's with reports=true.")
    report_id: str | None = Field(None, description="At the event level: the representative report.")


class EventPage(BaseModel):
    total: int = Field(description="How many events (or reports) match the filters.")
    limit: int
    offset: int
    items: list[Event]


class Context(BaseModel):
    before: str = Field(description="Text before the evidence, starting with … when cut.")
    evidence: str
    after: str = Field(description="Text after the evidence, ending with … when cut.")


class ReportRef(_Open):
    report_id: str
    doc_id: str | None = None
    source: str | None = None
    published: str | None = None
    date: str | None = None
    evidence: str | None = None


class EventDetail(Event):
    reports: list[ReportRef] | None = Field(None, description="Every report of the event (event ids only).")
    context: Context | None = Field(None, description="The evidence in its document's text; null without one.")
    document: dict[str, Any] | None = Field(None, description="The document's metadata (its text is at "
                                                              "/api/documents/{id}).")


class DocumentRow(BaseModel):
    id: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    n_reports: int


class DocumentPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[DocumentRow]


class Report(_EventFields):
    report_id: str
    event_id: str | None = Field(None, description="The event (cluster) this report belongs to.")


class Document(_Open):
    id: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    version: int
    text: str
    n_reports: int
    reports: list[Report] = Field(description="Reports coded from the text, in the order of their evidence.")


class IngestResult(BaseModel):
    summary: str
    new: int
    updated: int
    unchanged: int
    repaired: int
    reports: int = Field(description="Reports stored from these documents.")
    problems: list[str]
    run_id: int | None
    documents: list[str] = Field(description="The ids of the documents received, in order.")
    events: list[EventDetail] = Field(description="The events that hold a report of these documents.")


class Actor(_Open):
    code: str
    name: str | None = None
    kind: str
    events: int
    partners: int
    with_: str = Field("", alias="with", description="Top partners, e.g. 'USA (12), AUS (7)'.")


class Window(BaseModel):
    since: str
    until: str


class Node(_Open):
    id: str
    label: str
    x: float = Field(description="Layout position in [0, 1].")
    y: float
    bloc: str = Field(description="'A' (the top hub's side), 'B', or '' outside the main component.")
    degree: int
    centrality: float = Field(description="Hub score in [0, 1].")


class Link(_Open):
    source: str
    target: str
    weight: float = Field(description="Cooperation w⁺ (never negative).")
    net: float = Field(description="w⁺ − w⁻, signed.")
    sign: int
    types: dict[str, int]
    event_ids: list[str]


class NetworkView(_Open):
    since: str | None
    until: str | None
    nodes: list[Node]
    links: list[Link]


class Citation(_Open):
    event_id: str
    evidence: str | None


class Claim(_Open):
    id: str
    title: str
    verdict: str = Field(description="supported, not supported, or not enough evidence.")
    text: str
    numbers: dict[str, Any] = Field(description="The claim's values.")
    test: dict[str, Any] = Field(description="The test against chance: statistic, null model, p-value…")
    event_ids: list[str]
    citations: list[Citation]


class ClaimsView(_Open):
    since: str | None
    until: str | None
    claims: list[Claim]
