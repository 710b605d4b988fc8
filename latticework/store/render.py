"""Terminal rendering for `show` and flattening for `stats` (kept out of the CLI so it stays thin)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from latticework.output import terminal_text as _t


def evidence_in_context(text: str, start: int | None, end: int | None, context: int = 400,
                        markers: bool = False) -> Text | None:
    """The document text around [start, end) with the evidence highlighted; None if offsets don't fit.

    `markers` also brackets the evidence with »…« so the highlight survives plain-text output. The text
    is stored, hence untrusted: control characters are replaced and it is never read as Rich markup."""
    if start is None or end is None or not (0 <= start <= end <= len(text)):
        return None
    lo, hi = max(0, start - context), min(len(text), end + context)
    out = Text()
    if lo > 0:
        out.append("…")
    out.append(_t(text[lo:start]))
    out.append(_t(f"»{text[start:end]}«" if markers else text[start:end]), style="bold black on yellow")
    out.append(_t(text[end:hi]))
    if hi < len(text):
        out.append("…")
    return out


def render_event(ev: dict, *, context: int = 400, console: Console | None = None) -> None:
    """Print the event's fields, its evidence in context and its document's metadata.

    Every stored value goes to Rich as a Text with control characters replaced, so `[/bold]`,
    `[link=…]` or an escape sequence in an article is shown as written, never acted on."""
    console = console or Console()
    fields = Table(show_header=False, box=None)
    fields.add_column(style="bold")
    fields.add_column()
    loc = ev.get("location") or {}
    for key, value in (("event", ev["event_id"]), ("type", f"{ev['type']} / {ev.get('mode') or '-'}"),
                       ("actors", ", ".join(ev.get("actors") or []) or "-"),
                       ("targets", ", ".join(ev.get("targets") or []) or "-"),
                       ("framework", ev.get("framework") or "-"), ("date", ev.get("date") or "-"),
                       ("status", ev.get("status")), ("hedged", "yes" if ev.get("hedged") else "no"),
                       ("location", ", ".join(str(v) for v in (loc.get("name"), loc.get("country")) if v) or "-"),
                       ("confidence", "-" if ev.get("confidence") is None else f"{ev['confidence']:.2f}"),
                       ("cameo", ev.get("cameo") or "-"), ("source", ev.get("source")),
                       ("coder", ev.get("coder_version") or "-")):
        fields.add_row(key, Text(_t(value)))
    console.print(Panel(fields, title="event"))
    if ev.get("reports"):
        counts = ", ".join(f"{ev.get(k)} {k[2:]}" for k in ("n_reports", "n_documents", "n_stories", "n_sources"))
        reports = Table("report", "source", "published", "evidence", box=None, title=_t(counts))
        for r in ev["reports"]:
            reports.add_row(*(Text(_t(r.get(k) or "-")) for k in ("report_id", "source", "published")),
                            Text(_t(r.get("evidence") or "")))
        console.print(Panel(reports, title="reports of this event"))
    evidence = ev.get("evidence") or {}
    doc = ev.get("document")
    shown = None
    if doc and doc.get("text"):
        shown = evidence_in_context(doc["text"], evidence.get("start"), evidence.get("end"), context,
                                    markers=not console.is_terminal)
    if shown is None and evidence.get("text"):
        shown = Text(_t(evidence["text"]), style="bold black on yellow")
    if shown is not None:
        console.print(Panel(shown, title="evidence in context"))
    if doc:
        meta = Table(show_header=False, box=None)
        meta.add_column(style="bold")
        meta.add_column()
        for key in ("id", "title", "source", "url", "published", "language", "version", "ingested_at"):
            meta.add_row(key, Text("-" if doc.get(key) is None else _t(doc[key])))
        console.print(Panel(meta, title="document"))
    else:
        console.print(Text(_t(f"document {ev.get('doc_id')!r} is not stored (event from {ev.get('source')})")))


def stats_rows(stats: dict[str, Any]) -> list[dict]:
    """Flatten Store.stats() into (group, key, count) rows that every output format can carry."""
    rows: list[dict] = [{"group": "total", "key": k, "count": stats[k]}
                        for k in ("documents", "stories", "events", "reports", "actors", "runs")]
    for group, name in (("by_type", "type"), ("by_month", "month"), ("by_actor", "actor"),
                        ("by_source", "source"), ("by_document_source", "document source"),
                        ("coder_versions", "coder version")):
        rows.extend({"group": name, "key": k if k is not None else "(none)", "count": n} for k, n in stats[group])
    last = stats.get("last_run")
    if last:
        rows.append({"group": "last run", "key": f"#{last['id']} {last['command']} {last['status']} "
                     f"{last['started_at']}", "count": last["n_new"] + last["n_updated"]})
    return rows
