"""What the API computes beyond a query: evidence in context, time windows, the network with a layout,
and the claims with their citations. Plain functions over the library, with no web framework in them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from latticework import network as N
from latticework.intervals import to_interval

#: Seed of the layout, the communities, the balance search and the claims' null models.
SEED = 0
#: Characters of document text on each side of the evidence, by default and at most.
CONTEXT = 400
MAX_CONTEXT = 5000
ELLIPSIS = "…"


def evidence_context(text: str | None, start: int | None, end: int | None,
                     context: int = CONTEXT) -> dict[str, str] | None:
    """{"before", "evidence", "after"}: the evidence span [start, end) of `text` and up to `context`
    characters on either side, with "…" where the text was cut; None when there is no text or the
    offsets do not fit it. Plain strings: the caller shows them as text, never as markup."""
    if text is None or start is None or end is None or not (0 <= start <= end <= len(text)):
        return None
    lo, hi = max(0, start - context), min(len(text), end + context)
    return {"before": (ELLIPSIS if lo > 0 else "") + text[lo:start], "evidence": text[start:end],
            "after": text[end:hi] + (ELLIPSIS if hi < len(text) else "")}


# ------------------------------------------------------------------------------------------- windows

def _months(d: date) -> int:
    return d.year * 12 + d.month - 1


def _ym(k: int) -> str:
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def windows(first: str | None, last: str | None, months: int = 12, step: int = 12) -> list[dict[str, str]]:
    """Windows of `months` months, one every `step` months, from the month of `first` until one covers
    the month of `last` (any EDTF precision; the last window may reach past it). Empty without dates."""
    if not first or not last:
        return []
    a, b = to_interval(first), to_interval(last)
    if a is None or b is None or b[1] < a[0]:
        return []
    start, end = _months(a[0]), _months(b[1])
    # network.month_windows keeps the windows that end by its `end`: ask for enough months past `last`
    span = N.month_windows(_ym(start), _ym(end + months - 1), months, step)
    return [{"since": s, "until": u} for s, u in span if s <= _ym(end)]


# ------------------------------------------------------------------------------------------- network

def layout(net: N.Network, seed: int = SEED) -> dict[str, tuple[float, float]]:
    """Node positions in [0, 1]², from igraph's Fruchterman–Reingold layout of the cooperation graph
    (weighted by cooperation, seeded, so the same network is drawn the same way)."""
    g = net.positive_graph()
    if g.vcount() == 0:
        return {}
    if g.vcount() == 1:
        return {g.vs["name"][0]: (0.5, 0.5)}
    N.set_seed(seed)
    lay = g.layout_fruchterman_reingold(weights="weight" if g.ecount() else None, niter=500)
    xs, ys = [p[0] for p in lay.coords], [p[1] for p in lay.coords]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)

    def scale(v: float, a: float, b: float) -> float:
        return round((v - a) / (b - a), 6) if b > a else 0.5

    return {n: (scale(x, x0, x1), scale(y, y0, y1)) for n, x, y in zip(g.vs["name"], xs, ys, strict=True)}


def network_view(events: Sequence[dict[str, Any]], since: str | None = None, until: str | None = None,
                 actors: Sequence[str] | None = None, seed: int = SEED) -> dict[str, Any]:
    """The network of a window as the workbench draws it.

    nodes: id (actor code), label, region, x, y (layout in [0, 1]), bloc ("A", "B" or "" outside the
    main component; "A" holds the top hub, as in the report's claims), community, degree (ties),
    strength, betweenness, eigenvector, centrality (= hub score, in [0, 1]) and hub_rank.
    links: one per pair of actors; weight = cooperation w⁺ (never negative), net = w⁺ − w⁻, sign,
    count, types {type: events}, frameworks, first and last dates, event_ids (the events behind it)."""
    net = N.build_network(events, since, until, actors)
    cen = {r["actor"]: r for r in N.centrality(net)}
    top = min(cen.values(), key=lambda r: r["rank"])["actor"] if cen else None
    com = N.communities(net, seed)
    bal = N.balance(net, anchor=top, seed=seed)
    pos = layout(net, seed)
    regions = N.load_regions()
    degree: dict[str, int] = {}
    for a, b in net.ties:
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
    nodes = []
    for n in net.nodes:
        c = cen.get(n, {})
        x, y = pos.get(n, (0.5, 0.5))
        nodes.append({"id": n, "label": N.actor_label(n), "region": regions.get(n, ""), "x": x, "y": y,
                      "bloc": bal["blocs"].get(n, ""), "community": com["membership"].get(n, -1),
                      "degree": degree.get(n, 0), "strength": c.get("strength", 0.0),
                      "betweenness": c.get("betweenness", 0.0), "eigenvector": c.get("eigenvector", 0.0),
                      "centrality": c.get("hub_score", 0.0), "hub_rank": c.get("rank")})
    links = [{"source": a, "target": b, "weight": round(t.positive, 6), "net": round(t.net, 6),
              "positive": round(t.positive, 6), "negative": round(t.negative, 6), "sign": t.sign,
              "count": t.count, "types": dict(t.types), "frameworks": dict(t.frameworks),
              "first": t.first, "last": t.last, "event_ids": list(t.event_ids)}
             for (a, b), t in sorted(net.ties.items())]
    return {"since": since, "until": until, "events": len(net.events), "nodes": nodes, "links": links,
            "modularity": com["modularity"], "communities": len(com["communities"]),
            "balanced_share": bal["balanced_share"], "frustration": bal["frustration"]}


# ------------------------------------------------------------------------------------------- claims

def claims_view(events: Sequence[dict[str, Any]], since: str | None = None, until: str | None = None,
                actors: Sequence[str] | None = None, window_months: int = 3, draws: int | None = None,
                seed: int = SEED) -> dict[str, Any]:
    """The report's claims (latticework.report.analyse → latticework.claims), each as the claims module
    gives it (id, title, verdict, text, numbers, test, minimums, thresholds, event_ids) plus
    `citations`: for each cited event id, the event's date, type, parties and evidence text."""
    from latticework import report

    kwargs: dict[str, Any] = {"window_months": window_months, "seed": seed, "actors": actors}
    if draws is not None:
        kwargs["draws"] = draws
    data = report.analyse(list(events), since, until, **kwargs)
    cited = data["network"].events
    out = []
    for claim in data["claims"]:
        c = dict(claim)
        c["citations"] = [_citation(eid, cited.get(eid)) for eid in c.get("event_ids") or []]
        out.append(c)
    return {"since": since, "until": until, "events": len(cited), "claims": out}


def _citation(event_id: str, ev: dict[str, Any] | None) -> dict[str, Any]:
    if ev is None:
        return {"event_id": event_id, "evidence": None}
    return {"event_id": event_id, "date": ev.get("date"), "type": ev.get("type"), "mode": ev.get("mode"),
            "actors": ev.get("actors") or [], "targets": ev.get("targets") or [], "doc_id": ev.get("doc_id"),
            "source": ev.get("source"), "n_sources": ev.get("n_sources"),
            "evidence": (ev.get("evidence") or {}).get("text")}
