"""The network report: one self-contained HTML page (or Markdown) that tests claims with numbers.

`analyse` computes everything from a list of event dicts (pure); `render_html` / `render_markdown`
only format it. Every claim carries the ids of its supporting events, and the page lists those events
with their quoted evidence, so a reader can go from a number down to the sentence behind it.
The HTML works offline: inline CSS and SVG, no scripts, no fonts or libraries from a CDN.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from latticework import claims as C
from latticework import network as N
from latticework.intervals import to_interval
from latticework.output import terminal_line, write_text

#: The claims' thresholds live in latticework.claims; this name is kept for callers of the report module.
HUB_MARGIN = C.HUB_MARGIN
BLOC_COLOURS = {"A": "#1f5fbf", "B": "#c8322d", "": "#8c8c8c"}


def _windows(since: str | None, until: str | None, events: Sequence[dict[str, Any]],
             months: int) -> list[tuple[str, str]]:
    """Adjacent windows of `months` months covering [since, until] (or the events' date range)."""
    if since is None or until is None:
        days = [b[0] for e in events if (b := to_interval(e.get("date") or e.get("published")))]
        if not days:
            return []
        since = since or f"{min(days):%Y-%m}"
        until = until or f"{max(days):%Y-%m}"
    lo, hi = to_interval(since), to_interval(until)
    if lo is None or hi is None:
        raise N.NetworkError(f"not a date: {since!r} or {until!r}")
    return N.month_windows(f"{lo[0]:%Y-%m}", f"{hi[1]:%Y-%m}", months, months) or [(f"{lo[0]:%Y-%m}", f"{hi[1]:%Y-%m}")]


def analyse(events: Sequence[dict[str, Any]], since: str | None = None, until: str | None = None,
            window_months: int = 3, seed: int = 0, actors: Sequence[str] | None = None,
            draws: int = C.DRAWS) -> dict[str, Any]:
    """Every number the report shows, plus the three claims (latticework.claims): each with its verdict,
    test against chance (`draws` null-model draws, seeded by `seed`), evidence minimums and supporting
    event ids."""
    events = list(events)
    net = N.build_network(events, since, until, actors)
    cen = N.centrality(net)
    com = N.communities(net, seed)
    bal = N.balance(net, anchor=cen[0]["actor"] if cen else None, seed=seed)
    blocs = bal["blocs"]
    wins = _windows(since, until, [net.events[k] for k in net.events], window_months)
    nets = [N.build_network(list(net.events.values()), s, u) for s, u in wins]
    series = [N.window_summary(w, seed) for w in nets]
    for row, w in zip(series, nets, strict=True):  # within/between-bloc weights use the whole period's blocs
        row["within_bloc_cooperation"] = round(sum(t.positive for t in w.ties.values()
                                                   if blocs.get(t.a) and blocs.get(t.a) == blocs.get(t.b)), 3)
        row["cross_bloc_hostility"] = round(sum(t.negative for t in w.ties.values()
                                                if blocs.get(t.a) and blocs.get(t.b) and blocs[t.a] != blocs[t.b]), 3)
    dyads = sorted(net.ties.values(), key=lambda t: (-abs(t.net), -t.count, t.a, t.b))
    hub = C.hub_claim(net, cen, draws, seed)
    blocs_claim = C.bloc_claim(net, bal, com, draws, seed)
    claims = [hub, blocs_claim, C.dilemma_claim(net, bal, series, nets, blocs_claim, draws, seed)]
    half = len(wins) // 2
    changes: dict[str, Any] = {"new": [], "strengthened": [], "grew_most": [], "soured": []}
    if half:
        early_events = [e for w in nets[:half] for e in w.events.values()]
        late_events = [e for w in nets[half:] for e in w.events.values()]
        changes = dict(N.tie_changes(N.build_network(early_events), N.build_network(late_events), top=10))
        changes["halves"] = [f"{wins[0][0]} – {wins[half - 1][1]}", f"{wins[half][0]} – {wins[-1][1]}"]
    cited = sorted({i for c in claims for i in c["event_ids"]} | {i for t in dyads[:15] for i in t.event_ids}
                   | {i for r in changes["grew_most"] + changes["soured"][:10] for i in r["event_ids"]})
    return {
        "since": since, "until": until, "network": net, "centrality": cen, "communities": com, "balance": bal,
        "series": series, "dyads": dyads[:15], "frameworks": N.framework_view(net), "claims": claims,
        "changes": changes,
        "cited": [i for i in cited if i in net.events], "layout": _layout(net, seed),
    }


def _num(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _test_row(t: dict[str, Any]) -> dict[str, str]:
    """A claim's test as one table row: what is tested, against which null model, and the outcome."""
    nl = t["null"]
    draws = str(t["draws"]) + (f" (of {t['draws_asked']}, scaled down for the graph's size)"
                               if t["draws"] < t["draws_asked"] and t["draws"] else "")
    side = "≥" if t["alternative"] == "greater" else "≤"
    return {"test": f"{t['name']}: {t['statistic']}", "null model": t["null_model"],
            "observed": _num(t["observed"]),
            "null mean ± sd": f"{_num(nl['mean'])} ± {_num(nl['sd'])}",
            "null 5 %–95 %": f"{_num(nl['q05'])} – {_num(nl['q95'])}", "draws": draws,
            "p-value": f"{t['p_value']:.3g} (P[null {side} observed])", "z": _num(t["z"]),
            "threshold": t.get("threshold") or f"p ≤ {t['alpha']:g}"}


def _layout(net: N.Network, seed: int) -> dict[str, tuple[float, float]]:
    """Node positions from igraph's Fruchterman–Reingold layout of the cooperation graph (seeded)."""
    g = net.positive_graph()
    if g.vcount() == 0:
        return {}
    N.set_seed(seed)
    lay = g.layout_fruchterman_reingold(weights="weight" if g.ecount() else None, niter=1000)
    xs, ys = [p[0] for p in lay.coords], [p[1] for p in lay.coords]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return {n: (60 + 680 * ((x - x0) / (x1 - x0) if x1 > x0 else 0.5), 50 + 460 * ((y - y0) / (y1 - y0) if y1 > y0 else 0.5))
            for n, x, y in zip(g.vs["name"], xs, ys, strict=True)}


# ------------------------------------------------------------------------------------------------ HTML

def _period(data: dict[str, Any]) -> str:
    if data["since"] and data["since"] == data["until"]:
        return str(data["since"])
    return f"{data['since'] or 'start'} – {data['until'] or 'end'}"


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _anchor(eid: str) -> str:
    return "ev-" + "".join(c if c.isalnum() else "-" for c in eid)


def _links(ids: Sequence[str]) -> str:
    return " ".join(f'<a href="#{_anchor(i)}">{_e(i)}</a>' for i in ids)


def _network_svg(data: dict[str, Any]) -> str:
    net, pos, blocs = data["network"], data["layout"], data["balance"]["blocs"]
    hub = {r["actor"]: r["hub_score"] for r in data["centrality"]}
    out = ['<svg id="network" viewBox="0 0 800 560" width="800" height="560" role="img" '
           'aria-label="Alliance network" xmlns="http://www.w3.org/2000/svg">',
           '<rect width="800" height="560" fill="#fbfbf8"/>']
    for t in sorted(net.ties.values(), key=lambda t: t.net):
        if t.a not in pos or t.b not in pos or t.net == 0:
            continue
        (x1, y1), (x2, y2) = pos[t.a], pos[t.b]
        neg = t.net < 0
        w = 1 + 1.5 * math.log1p(abs(t.net))
        dash = ' stroke-dasharray="6 4"' if neg else ""
        out.append(f'<line class="tie {"neg" if neg else "pos"}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
                   f'y2="{y2:.1f}" stroke="{"#d62728" if neg else "#6b8e6b"}" stroke-width="{w:.2f}"'
                   f'{dash} stroke-opacity="0.75">'
                   f'<title>{_e(t.a)}–{_e(t.b)}: net {t.net:g} ({t.count} links)</title></line>')
    for n, (x, y) in pos.items():
        r = 7 + 16 * hub.get(n, 0.0)
        col = BLOC_COLOURS[blocs.get(n, "")]
        out.append(f'<g class="actor" data-bloc="{_e(blocs.get(n, ""))}"><circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" '
                   f'fill="{col}" stroke="#fff" stroke-width="1.5"><title>{_e(n)}: hub score {hub.get(n, 0):.3f}'
                   f'</title></circle><text x="{x:.1f}" y="{y - r - 3:.1f}" text-anchor="middle" '
                   f'font-size="13" font-weight="600">{_e(n)}</text></g>')
    out.append('<g font-size="12"><circle cx="20" cy="540" r="6" fill="#1f5fbf"/><text x="30" y="544">bloc A</text>'
               '<circle cx="90" cy="540" r="6" fill="#c8322d"/><text x="100" y="544">bloc B</text>'
               '<line x1="160" y1="540" x2="190" y2="540" stroke="#6b8e6b" stroke-width="3"/>'
               '<text x="195" y="544">cooperation</text><line x1="280" y1="540" x2="310" y2="540" '
               'stroke="#d62728" stroke-width="3" stroke-dasharray="6 4"/><text x="315" y="544">hostility</text></g>')
    out.append("</svg>")
    return "\n".join(out)


def _line_svg(title: str, labels: Sequence[str], values: Sequence[float | None], colour: str) -> str:
    """A small line chart with labelled axes; None values leave gaps."""
    w, h, left, bottom = 360, 170, 44, 30
    vals = [v for v in values if v is not None]
    top = max(vals + [0.0]) or 1.0
    n = max(len(labels) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + (w - left - 10) * i / n, h - bottom - (h - bottom - 24) * v / top

    pts = [xy(i, v) for i, v in enumerate(values) if v is not None]
    out = [f'<svg class="chart" width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">',
           f'<text x="{left}" y="14" font-size="13" font-weight="600">{_e(title)}</text>',
           f'<line x1="{left}" y1="{h - bottom}" x2="{w - 10}" y2="{h - bottom}" stroke="#555"/>',
           f'<line x1="{left}" y1="24" x2="{left}" y2="{h - bottom}" stroke="#555"/>',
           f'<text x="{left - 4}" y="28" font-size="10" text-anchor="end">{top:g}</text>',
           f'<text x="{left - 4}" y="{h - bottom}" font-size="10" text-anchor="end">0</text>']
    if len(pts) > 1:
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                   + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
    for x, y in pts:
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
    for i, lab in enumerate(labels):
        if len(labels) <= 8 or i % max(1, len(labels) // 6) == 0:
            x = xy(i, 0)[0]
            out.append(f'<text x="{x:.1f}" y="{h - bottom + 14}" font-size="10" text-anchor="middle">{_e(lab)}</text>')
    out.append("</svg>")
    return "".join(out)


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:26px;margin-bottom:4px} h2{margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f2ee} .claim{border-left:5px solid #999;padding:6px 14px;margin:12px 0;background:#fafafa}
.claim.supported{border-color:#2b8a3e} .claim.not-supported{border-color:#c92a2a}
.claim.not-enough-evidence{border-color:#e8a33d} .claim table{font-size:13px}
.verdict{font-weight:700;text-transform:uppercase;font-size:12px;letter-spacing:.05em}
blockquote{margin:4px 0 4px 0;padding:2px 10px;border-left:3px solid #bbb;color:#333;font-style:italic}
.ev{margin:10px 0;padding:6px 10px;border:1px solid #eee} .ev:target{background:#fff7d6}
.charts{display:flex;flex-wrap:wrap;gap:18px} .muted{color:#777;font-size:13px} a{color:#1f5fbf}
"""


def render_html(data: dict[str, Any], title: str | None = None) -> str:
    """The report as one self-contained HTML page."""
    net: N.Network = data["network"]
    title = title or f"Alliance network report, {_period(data)}"
    p: list[str] = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                    f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
                    f"<h1>{_e(title)}</h1>",
                    f'<p class="muted">{len(net.events)} events, {len(net.nodes)} actors, {len(net.ties)} ties. '
                    "Cooperation counts positive (consult 1, agree/cooperate/aid 2, request 0.5), accusations −1 and "
                    "threats −2; measures as in docs/network.md.</p>",
                    '<h2 id="claims">Claims tested</h2>']
    for c in data["claims"]:
        cls = c["verdict"].replace(" ", "-")
        t = _test_row(c["test"])
        p.append(f'<div class="claim {cls}" id="claim-{c["id"]}"><div class="verdict">{_e(c["verdict"])}</div>'
                 f'<h3>{_e(c["title"])}</h3><p>{_e(c["text"])}</p>'
                 '<table class="test"><tr>' + "".join(f"<th>{_e(k)}</th>" for k in t) + "</tr><tr>"
                 + "".join(f"<td>{_e(v)}</td>" for v in t.values()) + "</tr></table>"
                 '<table class="minimums"><tr><th>evidence minimum</th><th>required</th><th>observed</th><th>met</th></tr>'
                 + "".join(f"<tr><td>{_e(m['name'])}</td><td>≥ {m['required']:g}</td><td>{m['observed']:g}</td>"
                           f"<td>{'yes' if m['met'] else 'no'}</td></tr>" for m in c["minimums"]) + "</table>"
                 f'<p class="muted">Supporting events: {_links(c["event_ids"]) or "none"}</p></div>')
    p.append('<h2 id="network-drawing">Network</h2>')
    p.append(_network_svg(data))
    p.append('<h2 id="hubs">Hub ranking</h2><table><tr><th>#</th><th>actor</th><th>hub score</th><th>strength</th>'
             "<th>betweenness</th><th>eigenvector</th><th>bloc</th><th>community</th></tr>")
    blocs, mem = data["balance"]["blocs"], data["communities"]["membership"]
    for r in data["centrality"][:20]:
        p.append(f"<tr><td>{r['rank']}</td><td>{_e(r['actor'])}</td><td>{r['hub_score']:.3f}</td>"
                 f"<td>{r['strength']:g}</td><td>{r['betweenness']:g}</td><td>{r['eigenvector']:.3f}</td>"
                 f"<td>{_e(blocs.get(r['actor'], ''))}</td><td>{mem.get(r['actor'], '')}</td></tr>")
    p.append("</table>")
    s = data["series"]
    labels = [r["since"] for r in s]
    p.append('<h2 id="series">Change over time</h2><div class="charts">')
    p.append(_line_svg("Events per window", labels, [r["events"] for r in s], "#444"))
    p.append(_line_svg("Cooperation within blocs", labels, [r["within_bloc_cooperation"] for r in s], "#2b8a3e"))
    p.append(_line_svg("Hostility across blocs", labels, [r["cross_bloc_hostility"] for r in s], "#c92a2a"))
    p.append(_line_svg("Leiden modularity", labels, [r["modularity"] for r in s], "#1f5fbf"))
    p.append(_line_svg("Share of balanced triads", labels, [r["balanced_share"] for r in s], "#7048e8"))
    p.append("</div><table><tr><th>window</th><th>events</th><th>top hub</th><th>modularity</th>"
             "<th>balanced share</th><th>frustration</th></tr>")
    for r in s:
        share = "—" if r["balanced_share"] is None else f"{r['balanced_share']:.2f}"
        p.append(f"<tr><td>{_e(r['since'])} – {_e(r['until'])}</td><td>{r['events']}</td><td>{_e(r['top_hub'] or '—')}"
                 f"</td><td>{r['modularity']:.3f}</td><td>{share}</td><td>{r['frustration']}</td></tr>")
    p.append("</table>")
    ch = data["changes"]
    if ch.get("halves"):
        p.append(f'<h3 id="ties-grew">Ties that grew most ({_e(ch["halves"][0])} → {_e(ch["halves"][1])})</h3>'
                 f'<p class="muted">{len(ch["new"])} new ties, {len(ch["strengthened"])} strengthened, '
                 f'{len(ch["soured"])} soured.</p><table><tr><th>dyad</th><th>net before</th><th>net after</th>'
                 "<th>Δ cooperation</th><th>Δ hostility</th><th>new</th><th>events</th></tr>")
        for r in ch["grew_most"] + ch["soured"][:5]:
            p.append(f"<tr><td>{_e(r['a'])}–{_e(r['b'])}</td><td>{r['before']:g}</td><td>{r['after']:g}</td>"
                     f"<td>{r['delta_positive']:+g}</td><td>{r['delta_negative']:+g}</td>"
                     f"<td>{'yes' if r['is_new'] else ''}</td><td>{_links(r['event_ids'])}</td></tr>")
        p.append("</table>")
    p.append('<h2 id="dyads">Top dyads</h2><table><tr><th>dyad</th><th>net</th><th>+</th><th>−</th>'
             "<th>types</th><th>frameworks</th><th>events</th></tr>")
    for t in data["dyads"]:
        types = ", ".join(f"{k}×{v}" for k, v in sorted(t.types.items()))
        p.append(f"<tr><td>{_e(t.a)}–{_e(t.b)}</td><td>{t.net:g}</td><td>{t.positive:g}</td><td>{t.negative:g}</td>"
                 f"<td>{_e(types)}</td><td>{_e(', '.join(sorted(t.frameworks)))}</td><td>{_links(t.event_ids)}</td></tr>")
    p.append('</table><h2 id="frameworks">Frameworks</h2><table><tr><th>framework</th><th>events</th><th>actors</th>'
             "<th>events cited</th></tr>")
    for f in data["frameworks"]:
        p.append(f"<tr><td>{_e(f['framework'])}</td><td>{f['events']}</td><td>{_e(', '.join(f['actors']))}</td>"
                 f"<td>{_links(f['event_ids'])}</td></tr>")
    p.append('</table><h2 id="evidence">Evidence</h2>')
    cited = list(dict.fromkeys(data["cited"] + [i for f in data["frameworks"] for i in f["event_ids"]]))
    for eid in cited:
        e = net.events[eid]
        parties = ", ".join(e.get("actors") or []) + (" → " + ", ".join(e["targets"]) if e.get("targets") else "")
        ev = e.get("evidence") or {}
        src = e.get("source") or "text"
        p.append(f'<div class="ev" id="{_anchor(eid)}"><b>{_e(e.get("type"))}</b>/{_e(e.get("mode") or "—")} '
                 f"{_e(parties)} · {_e(e.get('date') or 'undated')} · {_e(e.get('framework') or '')} "
                 f'<span class="muted">{_e(eid)} · {_e(e.get("doc_id") or "")} · {_e(src)}</span>'
                 f"<blockquote>“{_e(ev.get('text') or '')}”</blockquote></div>")
    p.append("</body></html>")
    return "\n".join(p) + "\n"


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|!~#"})


def _md(x: Any) -> str:
    """Stored text as inert Markdown: one line, no control characters, HTML escaped (an article's
    `<img onerror=…>` stays text), and the characters that make links, emphasis, code or table cells
    backslash-escaped."""
    return html.escape(terminal_line(x).translate(_MD_SPECIAL), quote=False)


def _md_links(ids: Sequence[str]) -> str:
    return ", ".join(f"[{_md(i)}](#{_anchor(i)})" for i in ids)


def render_markdown(data: dict[str, Any], title: str | None = None) -> str:
    """The same report as Markdown (no drawing; tables, claims and quoted evidence).

    Every value that comes from the events (ids, actor codes, evidence, claims that quote them) goes
    through `_md`, so the page shows stored text and never renders it as HTML or Markdown."""
    net: N.Network = data["network"]
    title = title or f"Alliance network report, {_period(data)}"
    out = [f"# {_md(title)}", "", f"{len(net.events)} events, {len(net.nodes)} actors, {len(net.ties)} ties.", "",
           "## Claims tested", ""]
    for c in data["claims"]:
        t = _test_row(c["test"])
        out += [f"### {_md(c['title'])} — {_md(c['verdict'])}", "", _md(c["text"]), "",
                "| " + " | ".join(_md(k) for k in t) + " |", "|" + "---|" * len(t),
                "| " + " | ".join(_md(v) for v in t.values()) + " |", "",
                "| evidence minimum | required | observed | met |", "|---|---|---|---|"]
        out += [f"| {_md(m['name'])} | ≥ {m['required']:g} | {m['observed']:g} | {'yes' if m['met'] else 'no'} |"
                for m in c["minimums"]]
        out += ["", "Supporting events: " + (_md_links(c["event_ids"]) or "none"), ""]
    out += ["## Hub ranking", "", "| # | actor | hub score | strength | betweenness | eigenvector | bloc |",
            "|---|---|---|---|---|---|---|"]
    blocs = data["balance"]["blocs"]
    for r in data["centrality"][:20]:
        out.append(f"| {r['rank']} | {_md(r['actor'])} | {r['hub_score']:.3f} | {r['strength']:g} "
                   f"| {r['betweenness']:g} | {r['eigenvector']:.3f} | {_md(blocs.get(r['actor'], ''))} |")
    out += ["", "## Change over time", "", "| window | events | top hub | modularity | balanced share | "
            "cooperation within blocs | hostility across blocs |", "|---|---|---|---|---|---|---|"]
    for r in data["series"]:
        share = "—" if r["balanced_share"] is None else f"{r['balanced_share']:.2f}"
        out.append(f"| {_md(r['since'])} – {_md(r['until'])} | {r['events']} | {_md(r['top_hub'] or '—')} "
                   f"| {r['modularity']:.3f} | {share} | {r['within_bloc_cooperation']:g} "
                   f"| {r['cross_bloc_hostility']:g} |")
    ch = data["changes"]
    if ch.get("halves"):
        out += ["", f"## Ties that grew most ({_md(ch['halves'][0])} → {_md(ch['halves'][1])})", "",
                f"{len(ch['new'])} new ties, {len(ch['strengthened'])} strengthened, {len(ch['soured'])} soured.", "",
                "| dyad | net before | net after | Δ cooperation | Δ hostility | events |", "|---|---|---|---|---|---|"]
        for r in ch["grew_most"] + ch["soured"][:5]:
            out.append(f"| {_md(r['a'])}–{_md(r['b'])} | {r['before']:g} | {r['after']:g} | "
                       f"{r['delta_positive']:+g} | {r['delta_negative']:+g} | {_md_links(r['event_ids'])} |")
    out += ["", "## Top dyads", "", "| dyad | net | + | − | events |", "|---|---|---|---|---|"]
    for t in data["dyads"]:
        out.append(f"| {_md(t.a)}–{_md(t.b)} | {t.net:g} | {t.positive:g} | {t.negative:g} | "
                   f"{_md_links(t.event_ids)} |")
    out += ["", "## Frameworks", ""]
    for f in data["frameworks"]:
        out.append(f"- **{_md(f['framework'])}**: {f['events']} events linking "
                   f"{_md(', '.join(map(str, f['actors'])))}")
    out += ["", "## Evidence", ""]
    for eid in data["cited"]:
        e = net.events[eid]
        ev = e.get("evidence") or {}
        out += [f'<a id="{_anchor(eid)}"></a>**{_md(eid)}** {_md(e.get("type"))}/{_md(e.get("mode") or "—")} '
                f"{_md(', '.join(map(str, e.get('actors') or [])))}"
                + (f" → {_md(', '.join(map(str, e['targets'])))}" if e.get("targets") else "")
                + f" · {_md(e.get('date') or 'undated')}",
                "", f"> {_md((ev.get('text') or '').strip())}", ""]
    return "\n".join(out) + "\n"


def write_report(events: Sequence[dict[str, Any]], out: str | Path, since: str | None = None,
                 until: str | None = None, window_months: int = 3, actors: Sequence[str] | None = None,
                 draws: int = C.DRAWS, seed: int = 0) -> dict[str, Any]:
    """Analyse and write `out` (.html/.htm → HTML, .md → Markdown); returns the analysis."""
    suffix = Path(out).suffix.lower()
    if suffix not in (".html", ".htm", ".md"):
        raise N.NetworkError(f"{out}: report file must end in .html or .md")
    data = analyse(events, since, until, window_months, seed=seed, actors=actors, draws=draws)
    text = render_markdown(data) if suffix == ".md" else render_html(data)
    write_text(out, text)
    return data
