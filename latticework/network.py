"""The alliance network: graphs built from event dicts, and the measures the reports rest on.

Everything here is a pure function over lists of event dicts (ONTOLOGY.md), so it works the same on
text-coded events, on imported datasets and on hand-built test lists. igraph and leidenalg do the graph
work; this module only decides *what* the graph is (which events link whom, with which sign) and
combines their results. Formulas are in each docstring and in docs/network.md.
"""

from __future__ import annotations

import functools
import gc
import random
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

import igraph as ig
import leidenalg
import numpy as np

from latticework import ontology
from latticework.intervals import to_interval

#: Event types whose parties are ordered (actors → targets), and those that link all parties symmetrically
#: (from the ontology table; unilateral types make no tie).
DIRECTED_TYPES = tuple(t for t in ontology.TYPES if t in ontology.DIRECTED)
SYMMETRIC_TYPES = tuple(t for t in ontology.TYPES if t in ontology.SYMMETRIC)
#: Sign and size of one event's contribution to a tie. Cooperation is positive, hostility negative;
#: a signed agreement or joint exercise says more about alignment than a meeting does.
TYPE_WEIGHTS: dict[str, float] = {
    "CONSULT": 1.0, "AGREE": 2.0, "COOPERATE": 2.0, "AID": 2.0, "REQUEST": 0.5,
    "ACCUSE": -1.0, "THREATEN": -2.0,
}
_SYMMETRIC, _DIRECTED = ontology.SYMMETRIC, ontology.DIRECTED
#: Components up to this many actors get an exact frustration index (2^(n-1) bipartitions).
EXACT_FRUSTRATION_LIMIT = 18


class NetworkError(ValueError):
    """A bad window or date given by the user; the message is one line."""


#: Old name of intervals.to_interval, kept for callers outside the package: the first and last day an
#: EDTF date can mean (`2024`, `2024-07`, `2024-07-28`, season `2024-22`), or None.
date_bounds = to_interval


def _bound(value: str | None, end: bool) -> date | None:
    if value is None:
        return None
    b = to_interval(value)
    if b is None:
        raise NetworkError(f"not a date: {value!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    return b[1] if end else b[0]


def event_key(e: dict[str, Any], i: int = 0) -> str:
    """The id reports cite; imported and coded events normally carry `event_id`."""
    return str(e.get("event_id") or f"{e.get('doc_id', 'event')}#{i}")


def in_window(e: dict[str, Any], since: date | None, until: date | None) -> bool:
    """An event belongs to the window holding the first day its date can mean.

    Assigning by the start day keeps every event in exactly one of a series of adjacent windows
    (a year-precision date does not count once per month). An undated event is placed at its document's
    `published` date when the event dict carries one, else it only enters unbounded windows.
    """
    if since is None and until is None:
        return True
    b = to_interval(e.get("date") or e.get("published"))
    if b is None:
        return False
    return (since is None or b[0] >= since) and (until is None or b[0] <= until)


@dataclass(slots=True)
class Edge:
    """One tie of one layer: `symmetric` (unordered pair) or a directed type layer (source → target)."""

    source: str
    target: str
    layer: str
    count: int = 0
    weight: float = 0.0
    types: dict[str, int] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    frameworks: dict[str, int] = field(default_factory=dict)
    event_ids: list[str] = field(default_factory=list)
    first: str | None = None
    last: str | None = None
    first_day: date | None = None
    last_day: date | None = None

    @property
    def directed(self) -> bool:
        return self.layer != "symmetric"

    @property
    def weight_by_type(self) -> dict[str, float]:
        """Each type's share of the weight (every event of a type weighs the same)."""
        return {t: n * TYPE_WEIGHTS.get(t, 0.0) for t, n in self.types.items()}


@dataclass(slots=True)
class Tie:
    """All layers between two actors collapsed into one signed, undirected tie (what the measures use)."""

    a: str
    b: str
    count: int = 0
    positive: float = 0.0
    negative: float = 0.0  # stored as a positive magnitude
    types: dict[str, int] = field(default_factory=dict)
    frameworks: dict[str, int] = field(default_factory=dict)
    event_ids: list[str] = field(default_factory=list)
    first: str | None = None
    last: str | None = None

    @property
    def net(self) -> float:
        return self.positive - self.negative

    @property
    def sign(self) -> int:
        return (self.net > 0) - (self.net < 0)


@dataclass
class Network:
    """Actors, layered edges and collapsed ties for one window, plus the events behind them."""

    nodes: list[str]
    edges: list[Edge]
    ties: dict[tuple[str, str], Tie]
    events: dict[str, dict[str, Any]]
    since: str | None = None
    until: str | None = None

    def positive_graph(self) -> ig.Graph:
        """Undirected graph of cooperation: ties with positive weight, `weight` = summed positive weight."""
        idx = {n: i for i, n in enumerate(self.nodes)}
        pairs = [(idx[t.a], idx[t.b]) for t in self.ties.values() if t.positive > 0]
        w = [t.positive for t in self.ties.values() if t.positive > 0]
        g = ig.Graph(n=len(self.nodes), edges=pairs, directed=False)
        g.vs["name"] = self.nodes
        g.es["weight"] = w
        return g

    def signed_graph(self) -> ig.Graph:
        """Undirected graph of ties with non-zero net weight; `sign` = ±1, `weight` = net weight."""
        idx = {n: i for i, n in enumerate(self.nodes)}
        pairs, nets = [], []
        for t in self.ties.values():
            x = t.positive - t.negative
            if x != 0:
                pairs.append((idx[t.a], idx[t.b]))
                nets.append(x)
        g = ig.Graph(n=len(self.nodes), edges=pairs, directed=False)
        g.vs["name"] = self.nodes
        g.es["sign"] = [1 if x > 0 else -1 for x in nets]
        g.es["weight"] = nets
        return g

    def layer_graph(self, layer: str) -> ig.Graph:
        """Directed graph of one directed layer (AID, ACCUSE, THREATEN, REQUEST) with counts as weight."""
        idx = {n: i for i, n in enumerate(self.nodes)}
        es = [e for e in self.edges if e.layer == layer]
        g = ig.Graph(n=len(self.nodes), edges=[(idx[e.source], idx[e.target]) for e in es], directed=True)
        g.vs["name"] = self.nodes
        g.es["weight"] = [float(e.count) for e in es]
        return g


def event_pairs(e: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(source, target, layer) for every tie an event makes.

    Directed types link each actor to each target; symmetric types link every pair of parties;
    MOBILIZE and events with a single party make no tie (they still add their actors as nodes).
    """
    t = e.get("type")
    if t in _SYMMETRIC:
        parties = set(e.get("actors") or ())
        if e.get("targets"):
            parties.update(e["targets"])
        if len(parties) < 2:
            return []
        return [(a, b, "symmetric") for a, b in combinations(sorted(parties), 2)]
    if t in _DIRECTED:
        targets = list(dict.fromkeys(e.get("targets") or ()))
        return [(a, b, t) for a in dict.fromkeys(e.get("actors") or ()) for b in targets if a != b]
    return []


def build_network(events: Iterable[dict[str, Any]], since: str | None = None, until: str | None = None,
                  actors: Sequence[str] | None = None) -> Network:
    """The network of the events dated in [since, until] (inclusive, any EDTF precision).

    Edge weight = Σ TYPE_WEIGHTS[type] over the edge's events; a tie's positive and negative parts sum
    the positive and negative weights of all its layers in both directions. `actors`, when given,
    restricts the network to those actors (a region): other parties are dropped from each event.
    """
    lo, hi = _bound(since, end=False), _bound(until, end=True)
    keep = set(actors) if actors is not None else None
    edges: dict[tuple[str, str, str], Edge] = {}
    nodes: dict[str, None] = {}
    used: dict[str, dict[str, Any]] = {}
    gc_was_on = gc.isenabled()
    gc.disable()  # many small acyclic allocations: cyclic GC passes over big event lists cost more than the build
    try:
        for i, e in enumerate(events):
            if not in_window(e, lo, hi):
                continue
            if keep is not None:
                e = {**e, "actors": [a for a in e.get("actors") or [] if a in keep],
                     "targets": [a for a in e.get("targets") or [] if a in keep]}
                if not e["actors"] and not e["targets"]:
                    continue
            key = event_key(e, i)
            used[key] = e
            for a in e.get("actors") or ():
                nodes[a] = None
            for a in e.get("targets") or ():
                nodes[a] = None
            t = e.get("type") or ""
            w = TYPE_WEIGHTS.get(t, 0.0)
            d = e.get("date")
            b = to_interval(d) if d else None
            day = b[0] if b else None
            mode, fw = e.get("mode"), e.get("framework")
            for s, o, layer in event_pairs(e):
                ed = edges.get((s, o, layer))
                if ed is None:
                    ed = edges[(s, o, layer)] = Edge(s, o, layer)
                ed.count += 1
                ed.weight += w
                ed.types[t] = ed.types.get(t, 0) + 1
                if mode:
                    ed.modes[mode] = ed.modes.get(mode, 0) + 1
                if fw:
                    ed.frameworks[fw] = ed.frameworks.get(fw, 0) + 1
                ed.event_ids.append(key)
                if day is not None:
                    if ed.first_day is None or day < ed.first_day:
                        ed.first_day, ed.first = day, d
                    if ed.last_day is None or day > ed.last_day:
                        ed.last_day, ed.last = day, d
    finally:
        if gc_was_on:
            gc.enable()
    return Network(sorted(nodes), list(edges.values()), _collapse(edges.values()), used, since, until)


def _collapse(edges: Iterable[Edge]) -> dict[tuple[str, str], Tie]:
    """Merge the layers and directions of each pair into one Tie (an edge's events all share its sign)."""
    ties: dict[tuple[str, str], Tie] = {}
    days: dict[tuple[str, str], list[Any]] = {}
    merged: set[tuple[str, str]] = set()
    for ed in edges:
        pair = (ed.source, ed.target) if ed.source < ed.target else (ed.target, ed.source)
        tie = ties.get(pair)
        if tie is None:
            tie = ties[pair] = Tie(pair[0], pair[1])
            days[pair] = [None, None]
        else:
            merged.add(pair)
        tie.count += ed.count
        if ed.weight > 0:
            tie.positive += ed.weight
        else:
            tie.negative -= ed.weight
        for k, n in ed.types.items():
            tie.types[k] = tie.types.get(k, 0) + n
        for k, n in ed.frameworks.items():
            tie.frameworks[k] = tie.frameworks.get(k, 0) + n
        tie.event_ids.extend(ed.event_ids)
        dd = days[pair]
        if ed.first_day is not None and (dd[0] is None or ed.first_day < dd[0]):
            dd[0], tie.first = ed.first_day, ed.first
        if ed.last_day is not None and (dd[1] is None or ed.last_day > dd[1]):
            dd[1], tie.last = ed.last_day, ed.last
    for pair in merged:  # an event reaches a pair twice only through two edges of that pair
        ties[pair].event_ids = list(dict.fromkeys(ties[pair].event_ids))
    return ties



# --------------------------------------------------------------------------------------------- centrality

def hub_scores(g: ig.Graph) -> tuple[list[float], list[float], list[float], list[float]]:
    """(strength, betweenness, eigenvector, hub score) of every vertex of a graph weighted by `weight`.

    The one implementation behind `centrality` and the hub claim's null model (latticework.claims), so
    the observed hub score and the chance ones are computed alike; the formulas are in `centrality`."""
    n = g.vcount()
    if g.ecount() == 0:
        return [0.0] * n, [0.0] * n, [0.0] * n, [0.0] * n
    w = g.es["weight"]
    strength = g.strength(weights=w)
    between = g.betweenness(weights=[1.0 / x for x in w], directed=False)
    with warnings.catch_warnings():  # disconnected graphs: zeros outside the dominant component, by design
        warnings.simplefilter("ignore", RuntimeWarning)
        eig = [x if x > 0 else 0.0 for x in g.eigenvector_centrality(weights=w, scale=True)]  # no -0.0
    smax, bmax = max(strength) or 1.0, max(between) or 1.0
    hubs = [(strength[i] / smax + between[i] / bmax + eig[i]) / 3 for i in range(n)]
    return strength, between, eig, hubs


def centrality(net: Network) -> list[dict[str, Any]]:
    """Hub ranking over the cooperation (positive) graph G+, best first.

    - strength s_i = Σ_j w+_ij (weighted degree: summed positive tie weight);
    - betweenness b_i = Σ_{s≠i≠t} σ_st(i)/σ_st over shortest paths with edge length 1/w+
      (strong ties are short), for unordered pairs s, t;
    - eigenvector e_i: leading eigenvector of the weighted adjacency W+, scaled so max e = 1 (on a
      disconnected graph it is non-zero only on the component with the largest leading eigenvalue);
    - hub score h_i = (s_i/max s + b_i/max b + e_i) / 3, in [0, 1] (a term is 0 when its max is 0).
    """
    g = net.positive_graph()
    if g.vcount() == 0:
        return []
    strength, between, eig, hubs = hub_scores(g)
    rows = []
    for i, name in enumerate(g.vs["name"]):
        rows.append({"actor": name, "strength": round(strength[i], 6), "betweenness": round(between[i], 6),
                     "eigenvector": round(eig[i], 6), "hub_score": round(hubs[i], 6)})
    rows.sort(key=lambda r: (-r["hub_score"], -r["strength"], r["actor"]))
    for k, r in enumerate(rows, 1):
        r["rank"] = k
    return rows


# --------------------------------------------------------------------------------------------- communities

def communities(net: Network, seed: int = 0) -> dict[str, Any]:
    """Leiden communities of G+ maximising modularity, and that modularity.

    Q = (1/2m) Σ_ij [w_ij − s_i s_j / 2m] δ(c_i, c_j), with m = Σ w (total positive weight).
    Actors with no positive tie form their own singleton communities.
    """
    g = net.positive_graph()
    if g.ecount() == 0:
        return {"membership": {n: i for i, n in enumerate(g.vs["name"])}, "modularity": 0.0, "communities": []}
    part = leidenalg.find_partition(g, leidenalg.ModularityVertexPartition, weights="weight", seed=seed)
    membership = list(part.membership)
    q = g.modularity(membership, weights="weight")
    groups: dict[int, list[str]] = defaultdict(list)
    for name, c in zip(g.vs["name"], membership, strict=True):
        groups[c].append(name)
    order = sorted(groups.values(), key=lambda m: (-len(m), m))
    relabel = {n: k for k, members in enumerate(order) for n in members}
    return {"membership": relabel, "modularity": round(float(q), 6), "communities": [sorted(m) for m in order]}


# --------------------------------------------------------------------------------------------- balance

def _violations(sign: np.ndarray, u: np.ndarray, v: np.ndarray, sides: np.ndarray) -> np.ndarray:
    """Frustrated edges per bipartition row (positive across, or negative within), weighted by `cost`."""
    cross = sides[:, u] != sides[:, v]
    return (np.where(sign > 0, cross, ~cross) * np.abs(sign)).sum(axis=1)


def _exact_frustration(k: int, u: np.ndarray, v: np.ndarray, sign: np.ndarray) -> tuple[float, np.ndarray]:
    best, best_sides = float(np.abs(sign).sum()) + 1, np.zeros(k, dtype=bool)
    total = 1 << max(k - 1, 0)
    bits = np.arange(1, k, dtype=np.int64)
    for start in range(0, total, 1 << 15):
        xs = np.arange(start, min(total, start + (1 << 15)), dtype=np.int64)
        sides = np.zeros((len(xs), k), dtype=bool)
        if k > 1:
            sides[:, 1:] = ((xs[:, None] >> (bits - 1)) & 1).astype(bool)
        viol = _violations(sign, u, v, sides)
        j = int(viol.argmin())
        if viol[j] < best:
            best, best_sides = float(viol[j]), sides[j].copy()
    return best, best_sides


def _local_search(S: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Flip single actors while that lowers frustration; Δ for flipping i is x_i (S x)_i."""
    x = x.copy()
    sx = S @ x
    while True:
        gain = x * sx
        i = int(gain.argmin())
        if gain[i] >= 0:
            return x
        x[i] = -x[i]
        sx += 2 * x[i] * S[:, i]


def _leading_vector(S: np.ndarray, iterations: int = 100) -> np.ndarray:
    """Leading eigenvector of the signed adjacency by power iteration on S + cI (c makes it dominant)."""
    shift = float(np.abs(S).sum(axis=1).max()) + 1.0
    x = np.linspace(1.0, 2.0, len(S))
    for _ in range(iterations):
        x = S @ x + shift * x
        x /= np.linalg.norm(x)
    return x


def _heuristic_frustration(k: int, u: np.ndarray, v: np.ndarray, sign: np.ndarray,
                           seed: int) -> tuple[float, np.ndarray]:
    S = np.zeros((k, k), dtype=float)
    S[u, v] = sign
    S[v, u] = sign
    starts = [np.ones(k)]
    starts.append(np.where(_leading_vector(S) >= 0, 1.0, -1.0))
    rng = np.random.default_rng(seed)
    starts += [rng.choice(np.array([-1.0, 1.0]), size=k) for _ in range(6)]
    best, best_x = float(np.abs(sign).sum()) + 1, starts[0]
    for s in starts:
        x = _local_search(S, s)
        prod = S * np.outer(x, x)
        f = float(-prod[prod < 0].sum() / 2)
        if f < best:
            best, best_x = f, x
    return best, best_x < 0


def _triangle_lower_bound(S: np.ndarray, frustrated: list[tuple[int, int]]) -> int:
    """Edge-disjoint unbalanced triangles, packed greedily: each needs its own frustrated edge.

    Every unbalanced triangle holds at least one edge the found partition frustrates, so only the
    common neighbours of frustrated edges are searched.
    """
    n = len(S)
    used: set[int] = set()
    count = 0
    for a, b in frustrated:
        if min(a, b) * n + max(a, b) in used:
            continue
        ws = np.nonzero((S[a] != 0) & (S[b] != 0) & (S[a].astype(np.int64) * S[b] * S[a, b] < 0))[0]
        for c in ws.tolist():
            es = {min(a, b) * n + max(a, b), min(b, c) * n + max(b, c), min(a, c) * n + max(a, c)}
            if used.isdisjoint(es):
                used |= es
                count += 1
                break
    return count


def _triads(g: ig.Graph, S: np.ndarray) -> tuple[int, int]:
    """(triads, unbalanced triads): trace(|S|³)/6 counts triangles, trace(S³)/6 = balanced − unbalanced."""
    if g.vcount() <= 2000:
        A = np.abs(S).astype(float)
        Sf = S.astype(float)
        total = int(round(np.einsum("ij,ji->", A @ A, A) / 6))
        diff = int(round(np.einsum("ij,ji->", Sf @ Sf, Sf) / 6))
        return total, (total - diff) // 2
    tris = np.array(g.list_triangles(), dtype=np.int64).reshape(-1, 3)
    a, b, c = tris[:, 0], tris[:, 1], tris[:, 2]
    return len(tris), int(((S[a, b].astype(np.int64) * S[b, c] * S[a, c]) < 0).sum())


def balance(net: Network, anchor: str | None = None, seed: int = 0) -> dict[str, Any]:
    """Structural balance of the signed graph (sign of each tie's net weight) and the best two blocs.

    - triads: triangles of signed ties; a triad is balanced when the product of its signs is +;
      balanced_share = balanced / triads (1.0 means no tension: "the enemy of my enemy is my friend").
    - frustration index L = min over bipartitions (X, Y) of #(negative ties inside X or Y) +
      #(positive ties between X and Y): the fewest sign changes that make the graph balanced.
      Ties are broken by the frustrated |net weight|, so a light friendly tie gives way before a
      heavy hostile one.
      Exact (all 2^(n−1) bipartitions) for components of ≤ EXACT_FRUSTRATION_LIMIT actors; larger
      components use local search from spectral and random starts (an upper bound), and
      `frustration_lower_bound` counts edge-disjoint unbalanced triangles (each forces one change).
    - blocs: the minimising bipartition of the largest component; bloc "A" holds `anchor` (default:
      the actor with the greatest cooperation strength), "B" the other side; actors outside that
      component get no bloc.
    """
    g = net.signed_graph()
    names = g.vs["name"]
    signs = g.es["sign"] if g.ecount() else []
    S = np.zeros((g.vcount(), g.vcount()), dtype=np.int8)
    if g.ecount():
        ends = np.array(g.get_edgelist(), dtype=np.int64)
        S[ends[:, 0], ends[:, 1]] = signs
        S[ends[:, 1], ends[:, 0]] = signs
    n_tri, n_unbalanced = _triads(g, S)
    balanced = n_tri - n_unbalanced
    frustration, exact, side_of = 0, True, {}
    frustrated: list[tuple[int, int]] = []
    comps = [c for c in g.connected_components() if len(c) > 1]
    for comp in comps:
        sub = g.induced_subgraph(comp)
        uv = np.array(sub.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        u, v = uv[:, 0], uv[:, 1]
        # cost of frustrating an edge: 1 plus its share of |net weight| (< 1 in total), so the fewest
        # frustrated edges win and, among equally few, the lightest ones
        w = np.abs(np.array(sub.es["weight"], dtype=float))
        s = np.array(sub.es["sign"], dtype=float) * (1 + w / (w.sum() + 1))
        if len(comp) <= EXACT_FRUSTRATION_LIMIT:
            _, sides = _exact_frustration(len(comp), u, v, s)
        else:
            _, sides = _heuristic_frustration(len(comp), u, v, s, seed)
            exact = False
        cross = sides[u] != sides[v]
        bad = np.where(s > 0, cross, ~cross)
        frustration += int(bad.sum())
        frustrated += [(comp[i], comp[j]) for i, j in zip(u[bad].tolist(), v[bad].tolist(), strict=True)]
        for vid, side in zip(sub.vs["name"], sides, strict=True):
            side_of[vid] = bool(side)
    lower = frustration if exact else _triangle_lower_bound(S, frustrated)
    exact = exact or lower == frustration  # a heuristic value that meets the bound is optimal
    blocs: dict[str, str] = {}
    if comps:
        main = max(comps, key=len)
        members = [names[i] for i in main]
        if anchor not in members:  # default: the member with the greatest cooperation strength
            strength: dict[str, float] = defaultdict(float)
            for t in net.ties.values():
                strength[t.a] += t.positive
                strength[t.b] += t.positive
            anchor = max(members, key=lambda m: (strength[m], m))
        for m in members:
            blocs[m] = "A" if side_of[m] == side_of[anchor] else "B"
    return {
        "triads": n_tri, "balanced_triads": balanced,
        "balanced_share": round(balanced / n_tri, 6) if n_tri else None,
        "signed_ties": g.ecount(), "negative_ties": sum(1 for x in signs if x < 0),
        "frustration": frustration, "frustration_exact": exact, "frustration_lower_bound": lower,
        "blocs": blocs, "anchor": anchor,
    }


# --------------------------------------------------------------------------------------------- change

def month_windows(start: str, end: str, months: int = 12, step: int = 1) -> list[tuple[str, str]]:
    """Rolling windows of `months` months, advancing by `step` months, from start to end (YYYY-MM)."""
    lo, hi = _bound(start, end=False), _bound(end, end=True)
    assert lo is not None and hi is not None
    out = []
    y, m = lo.year, lo.month
    while True:
        ey, em = y + (m - 1 + months - 1) // 12, (m - 1 + months - 1) % 12 + 1
        if date(ey, em, 1) > hi:
            break
        out.append((f"{y:04d}-{m:02d}", f"{ey:04d}-{em:02d}"))
        y, m = y + (m - 1 + step) // 12, (m - 1 + step) % 12 + 1
    return out


def window_summary(net: Network, seed: int = 0) -> dict[str, Any]:
    """One row of the per-window series: size, top hub, modularity, balance."""
    cen = centrality(net)
    com = communities(net, seed)
    bal = balance(net, seed=seed)
    return {
        "since": net.since, "until": net.until, "events": len(net.events), "actors": len(net.nodes),
        "ties": len(net.ties), "positive_weight": round(sum(t.positive for t in net.ties.values()), 3),
        "negative_weight": round(sum(t.negative for t in net.ties.values()), 3),
        "top_hub": cen[0]["actor"] if cen else None, "top_hub_score": cen[0]["hub_score"] if cen else None,
        "modularity": com["modularity"], "communities": len(com["communities"]),
        "balanced_share": bal["balanced_share"], "frustration": bal["frustration"],
    }


def window_networks(events: Iterable[dict[str, Any]], windows: Sequence[tuple[str, str]],
                    actors: Sequence[str] | None = None) -> Iterator[Network]:
    """The network of each (since, until) window, one at a time (a long series never holds them all).

    Events are sorted by start day once and each window takes its slice by bisection, so a long
    series costs one pass over the events rather than one pass per window.
    """
    import bisect

    dated = []
    for e in events:
        b = to_interval(e.get("date") or e.get("published"))
        if b is not None:
            dated.append((b[0], e))
    dated.sort(key=lambda x: x[0])
    starts = [d for d, _ in dated]
    for s, u in windows:
        lo, hi = _bound(s, end=False), _bound(u, end=True)
        assert lo is not None and hi is not None
        chunk = [e for _, e in dated[bisect.bisect_left(starts, lo):bisect.bisect_right(starts, hi)]]
        yield build_network(chunk, s, u, actors)


def series(events: Sequence[dict[str, Any]], windows: Sequence[tuple[str, str]], seed: int = 0,
           actors: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """window_summary for each (since, until) window (networks from `window_networks`)."""
    return [window_summary(net, seed) for net in window_networks(events, windows, actors)]


def tie_changes(before: Network, after: Network, top: int = 10) -> dict[str, list[dict[str, Any]]]:
    """How cooperation moved between two windows.

    - new: ties present after but not before;
    - strengthened: ties whose positive weight grew (Δ = w+_after − w+_before > 0), largest first;
    - grew_most: the `top` dyads by Δ of positive weight, new ties included;
    - soured: dyads whose negative weight grew.
    """
    rows: list[dict[str, Any]] = []
    for key in set(before.ties) | set(after.ties):
        b, a = before.ties.get(key), after.ties.get(key)
        rows.append({
            "a": key[0], "b": key[1],
            "before": round(b.net, 3) if b else 0.0, "after": round(a.net, 3) if a else 0.0,
            "delta_positive": round((a.positive if a else 0.0) - (b.positive if b else 0.0), 3),
            "delta_negative": round((a.negative if a else 0.0) - (b.negative if b else 0.0), 3),
            "is_new": b is None and a is not None,
            "event_ids": a.event_ids if a else [],
        })
    rows.sort(key=lambda r: (-r["delta_positive"], r["a"], r["b"]))
    return {
        "new": [r for r in rows if r["is_new"]],
        "strengthened": [r for r in rows if not r["is_new"] and r["delta_positive"] > 0],
        "grew_most": [r for r in rows if r["delta_positive"] > 0][:top],
        "soured": sorted([r for r in rows if r["delta_negative"] > 0], key=lambda r: -r["delta_negative"]),
    }


# --------------------------------------------------------------------------------------------- frameworks

def framework_view(net: Network) -> list[dict[str, Any]]:
    """Which frameworks (QUAD, IP4, TSCF, GCAP, RAA, …) link which actors, by number of events."""
    acc: dict[str, dict[str, Any]] = {}
    for key, e in net.events.items():
        fw = e.get("framework")
        if not fw:
            continue
        r = acc.setdefault(fw, {"framework": fw, "events": 0, "actors": set(), "ties": set(), "event_ids": []})
        r["events"] += 1
        r["actors"] |= set(e.get("actors") or []) | set(e.get("targets") or [])
        r["ties"].update((s, o) if s < o else (o, s) for s, o, _ in event_pairs(e))
        r["event_ids"].append(key)
    rows = [{"framework": r["framework"], "events": r["events"], "actors": sorted(r["actors"]),
             "ties": len(r["ties"]), "event_ids": r["event_ids"]} for r in acc.values()]
    return sorted(rows, key=lambda r: (-r["events"], r["framework"]))


# --------------------------------------------------------------------------------------------- regions

def load_regions(path: str | Path | None = None) -> dict[str, str]:
    """Actor code → region, from latticework/data/regions.tsv (code<TAB>region, # comments)."""
    p = Path(path) if path else Path(__file__).parent / "data" / "regions.tsv"
    out = {}
    for line in p.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, region = line.split("\t")[:2]
            out[code.strip()] = region.strip()
    return out


def region_actors(region: str, regions: dict[str, str] | None = None) -> list[str]:
    """Actor codes of one or more comma-separated regions (case-insensitive); an unknown name is an error."""
    regions = regions or load_regions()
    known = {r.lower(): r for r in regions.values()}
    wanted = []
    for name in (x.strip() for x in region.split(",") if x.strip()):
        if name.lower() not in known:
            raise NetworkError(f"unknown region {name!r}; known: {', '.join(sorted(set(regions.values())))}")
        wanted.append(known[name.lower()])
    return sorted(c for c, r in regions.items() if r in wanted)


# --------------------------------------------------------------------------------------------- export

#: Gephi's importer deletes every edge whose weight is 0 (ImportContainerImpl.verify, "weight zero
#: ignored"), so in GEXF and GraphML a tie with no cooperation at all (hostility only) carries this
#: weight instead: it stays in the file, with its sign, and pulls nothing in ForceAtlas2 or modularity.
#: Its `positive` attribute keeps the exact 0; JSON and CSV write the exact value.
GEPHI_MIN_WEIGHT = 0.001
#: Display names for states whose ISO 3166 name reads badly on a drawing ("Korea, Republic of").
_NAME_OVERRIDES = {"RUS": "Russia", "COD": "DR Congo", "FSM": "Micronesia", "PSE": "Palestine", "VAT": "Holy See",
                   "BRN": "Brunei", "XKX": "Kosovo", "BES": "Caribbean Netherlands", "VGB": "British Virgin Islands",
                   "VIR": "US Virgin Islands", "SHN": "Saint Helena"}


@functools.cache
def _organisation_names() -> dict[str, str]:
    from latticework.actors import DATA_DIR, read_tsv

    path = DATA_DIR / "organisations.tsv"
    return {r["code"]: r.get("name") or r["code"] for r in read_tsv(path)} if path.exists() else {}


@functools.cache
def actor_label(code: str) -> str:
    """The name a graph tool shows for an actor code: the usual English name of a state (pycountry's
    common name, e.g. "South Korea", not "Korea, Republic of"), an organisation's name from
    data/organisations.tsv, else the code itself."""
    if code in _NAME_OVERRIDES:
        return _NAME_OVERRIDES[code]
    if code in _organisation_names():
        return _organisation_names()[code]
    if len(code) == 3 and code.isalpha() and code.isupper():
        import pycountry

        c = pycountry.countries.get(alpha_3=code)
        if c is not None:
            name = getattr(c, "common_name", None) or c.name
            if "," in name:
                name = getattr(c, "official_name", None) or name
            return str(name)
    return code


def node_table(net: Network, seed: int = 0) -> list[dict[str, Any]]:
    """One row per actor with every measure: what Gephi/D3 colour and size nodes by.

    `id` is the actor code, `label` its name (`actor_label`)."""
    regions = load_regions()
    cen = {r["actor"]: r for r in centrality(net)}
    com = communities(net, seed)["membership"]
    blocs = balance(net, seed=seed)["blocs"]
    return [{"id": n, "label": actor_label(n), "region": regions.get(n, ""), "strength": cen[n]["strength"],
             "betweenness": cen[n]["betweenness"], "eigenvector": cen[n]["eigenvector"],
             "hub_score": cen[n]["hub_score"], "hub_rank": cen[n]["rank"], "community": com.get(n, -1),
             "bloc": blocs.get(n, "")} for n in net.nodes]


def tie_types(ties: Iterable[Tie]) -> list[str]:
    """The event types present on these ties, in the ontology's order (then any others, sorted)."""
    seen = {t for tie in ties for t in tie.types}
    return [t for t in ontology.TYPES if t in seen] + sorted(seen - set(ontology.TYPES))


def tie_table(net: Network) -> list[dict[str, Any]]:
    """One row per collapsed tie.

    - `weight` = w⁺, the cooperation strength: Σ of the positive event weights on the tie (never negative);
    - `net` = w⁺ − w⁻, the signed value; `positive` = w⁺, `negative` = w⁻ (a magnitude), `sign` = sign(net);
    - `count` events, and `n_<TYPE>` events of each type, one column per type present in the network;
    - `directed`: its directed layers summarised as `JPN>PHL AID:2`.
    """
    types = tie_types(net.ties.values())
    directed: dict[tuple[str, str], list[str]] = defaultdict(list)
    for e in net.edges:
        if e.directed:
            directed[(min(e.source, e.target), max(e.source, e.target))].append(f"{e.source}>{e.target} {e.layer}:{e.count}")
    rows = []
    for (a, b), t in sorted(net.ties.items()):
        row: dict[str, Any] = {"source": a, "target": b, "weight": round(t.positive, 6), "net": round(t.net, 6),
                               "positive": t.positive, "negative": t.negative, "sign": t.sign, "count": t.count}
        for ty in types:
            row[f"n_{ty}"] = t.types.get(ty, 0)
        row.update({"directed": "; ".join(sorted(directed.get((a, b), []))),
                    "frameworks": ";".join(sorted(t.frameworks)), "first": t.first or "", "last": t.last or "",
                    "event_ids": ";".join(t.event_ids)})
        rows.append(row)
    return rows


def to_igraph(net: Network, seed: int = 0) -> ig.Graph:
    """The collapsed signed network as an igraph Graph with all node measures and tie attributes
    (vertex `name` = actor code, `label` = actor name)."""
    nodes, ties = node_table(net, seed), tie_table(net)
    idx = {r["id"]: i for i, r in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(idx[t["source"]], idx[t["target"]]) for t in ties], directed=False)
    for k in (nodes[0].keys() if nodes else []):
        g.vs["name" if k == "id" else k] = [r[k] for r in nodes]
    for k in (ties[0].keys() if ties else []):
        if k not in ("source", "target"):
            g.es[k] = [r[k] for r in ties]
    return g


def _attr(value: Any) -> str:
    """An XML attribute value, quoted: characters XML 1.0 forbids become escapes (output.xml_text)."""
    from xml.sax.saxutils import quoteattr

    from latticework.output import xml_text

    return quoteattr(xml_text(value))


def _text(value: Any) -> str:
    from xml.sax.saxutils import escape

    from latticework.output import xml_text

    return escape(xml_text(value))


def _xml_type(values: Iterable[Any], names: tuple[str, str, str]) -> str:
    """The narrowest of (integer, double, string) type names that holds every value of a column."""
    vals = list(values)
    if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return names[0]
    if vals and all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
        return names[1]
    return names[2]


def _num(v: Any) -> str:
    return repr(float(v)) if isinstance(v, float) else str(v)


def _gephi_weight(w: float) -> float:
    return round(w, 6) if w > 0 else GEPHI_MIN_WEIGHT


def _gexf(net: Network, seed: int) -> str:
    """Static GEXF 1.3 (igraph reads but does not write GEXF, so it is serialised here).

    Node `id` and `label` = actor code (short on a drawing), attribute `actor_name` = its name; edge
    `weight` = cooperation strength w⁺ (GEPHI_MIN_WEIGHT for a hostility-only tie), every other tie
    column (`net`, `positive`, `negative`, `sign`, `count`, `n_<TYPE>`, …) an edge attribute.
    Every value passes through output.xml_text, so the file stays well-formed."""
    nodes, ties = node_table(net, seed), tie_table(net)
    ncols = [k for k in (nodes[0] if nodes else {}) if k not in ("id", "label")]
    ecols = [k for k in (ties[0] if ties else {}) if k not in ("source", "target", "weight")]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<gexf xmlns="http://gexf.net/1.3" version="1.3">',
           '<graph mode="static" defaultedgetype="undirected">',
           '<attributes class="node">', '<attribute id="actor_name" title="actor_name" type="string"/>']
    types = ("integer", "double", "string")
    out += [f'<attribute id={_attr(k)} title={_attr(k)} type="{_xml_type((r[k] for r in nodes), types)}"/>'
            for k in ncols]
    out.append('</attributes><attributes class="edge">')
    out += [f'<attribute id={_attr(k)} title={_attr(k)} type="{_xml_type((t[k] for t in ties), types)}"/>'
            for k in ecols]
    out.append("</attributes><nodes>")
    for r in nodes:
        vals = f'<attvalue for="actor_name" value={_attr(r["label"])}/>' + "".join(
            f"<attvalue for={_attr(k)} value={_attr(r[k])}/>" for k in ncols)
        out.append(f"<node id={_attr(r['id'])} label={_attr(r['id'])}><attvalues>{vals}</attvalues></node>")
    out.append("</nodes><edges>")
    for i, t in enumerate(ties):
        vals = "".join(f"<attvalue for={_attr(k)} value={_attr(t[k])}/>" for k in ecols)
        out.append(f'<edge id="{i}" source={_attr(t["source"])} target={_attr(t["target"])} '
                   f'weight="{_num(_gephi_weight(t["positive"]))}"><attvalues>{vals}</attvalues></edge>')
    out.append("</edges></graph></gexf>")
    return "\n".join(out) + "\n"


def _graphml(net: Network, seed: int) -> str:
    """GraphML written here rather than by igraph, whose writer numbers the nodes `n0, n1, …`.

    Node `id` = actor code; data keys `name` (the code again, which igraph's reader turns into the
    vertex name) and `label` (the actor's name, what Gephi shows), then every measure; edge `weight` =
    cooperation strength w⁺ (GEPHI_MIN_WEIGHT for a hostility-only tie) and every tie column."""
    nodes, ties = node_table(net, seed), tie_table(net)
    ncols = ["name", "label"] + [k for k in (nodes[0] if nodes else {}) if k not in ("id", "label")]
    ecols = [k for k in (ties[0] if ties else {}) if k not in ("source", "target")]
    rows_n = [{"name": r["id"], **r} for r in nodes]
    rows_e = [{**t, "weight": _gephi_weight(t["positive"])} for t in ties]
    types = ("int", "double", "string")
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
           'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">']
    out += [f'<key id={_attr("v_" + k)} for="node" attr.name={_attr(k)} '
            f'attr.type="{_xml_type((r[k] for r in rows_n), types)}"/>' for k in ncols]
    out += [f'<key id={_attr("e_" + k)} for="edge" attr.name={_attr(k)} '
            f'attr.type="{_xml_type((t[k] for t in rows_e), types)}"/>' for k in ecols]
    out.append('<graph id="G" edgedefault="undirected">')
    for r in rows_n:
        data = "".join(f"<data key={_attr('v_' + k)}>{_text(r[k])}</data>" for k in ncols)
        out.append(f"<node id={_attr(r['id'])}>{data}</node>")
    for i, t in enumerate(rows_e):
        data = "".join(f"<data key={_attr('e_' + k)}>{_text(_num(t[k]))}</data>" for k in ecols)
        out.append(f'<edge id="e{i}" source={_attr(t["source"])} target={_attr(t["target"])}>{data}</edge>')
    out.append("</graph></graphml>")
    return "\n".join(out) + "\n"


def dynamic_windows(net: Network, months: int = 12, step: int = 1) -> list[tuple[str, str]]:
    """Rolling windows of `months` months every `step` months over the network's period (its since/until,
    else the months of its first and last events); one window for the whole period if it is shorter."""
    if months < 1 or step < 1:
        raise NetworkError("--window and --step must be at least 1 month")
    days = [b[0] for e in net.events.values() if (b := to_interval(e.get("date") or e.get("published")))]
    lo = _bound(net.since, end=False) if net.since else (min(days) if days else None)
    hi = _bound(net.until, end=True) if net.until else (max(days) if days else None)
    if lo is None or hi is None:
        return []
    start, end = f"{lo:%Y-%m}", f"{hi:%Y-%m}"
    return month_windows(start, end, months, step) or [(start, end)]


def _slices(windows: Sequence[tuple[str, str]]) -> list[tuple[date, date]]:
    """The stretch of time each window's values hold in a dynamic file: from the day after the previous
    window ends (or the window's own start, whichever is later) to the window's last day. Rolling
    windows thus tile the timeline without overlap: at a day t, Gephi shows the window ending with t's
    step (for `--window 12 --step 1`, the 12 months up to t's month); the first window covers its whole span."""
    out: list[tuple[date, date]] = []
    for s, u in windows:
        lo, hi = _bound(s, end=False), _bound(u, end=True)
        assert lo is not None and hi is not None
        if out and out[-1][1] >= lo:
            lo = out[-1][1] + timedelta(days=1)
        out.append((lo, hi))
    return out


def _runs(present: Sequence[int], slices: Sequence[tuple[date, date]]) -> list[tuple[date, date]]:
    """Spells: maximal runs of consecutive windows (by index) merged into one interval each."""
    spells: list[tuple[date, date]] = []
    prev = None
    for k in present:
        if prev is not None and k == prev + 1 and slices[k][0] == spells[-1][1] + timedelta(days=1):
            spells[-1] = (spells[-1][0], slices[k][1])
        else:
            spells.append(slices[k])
        prev = k
    return spells


def dynamic_gexf(net: Network, windows: Sequence[tuple[str, str]]) -> str:
    """A dynamic GEXF 1.3 (mode="dynamic", timeformat="date") of the network's events over `windows`.

    Each window's network is built from the events as `build_network` does; its values hold over the
    window's slice (see `_slices`). A node has a spell where it takes part in an event of a window, an
    edge where the tie exists in a window (no event of the pair in a window: no spell, no value).
    Dynamic attributes: edge `weight` (cooperation strength w⁺ of that window, GEPHI_MIN_WEIGHT for a
    hostility-only tie; declared the way Gephi writes dynamic weights), `net` (signed) and `count`
    (events); node `strength` (Σ w⁺ over its ties in that window). Static: node `actor_name`, `region`."""
    slices = _slices(windows)
    nets = list(window_networks(net.events.values(), windows)) if windows else []
    regions = load_regions()
    node_at: dict[str, list[int]] = defaultdict(list)
    node_val: dict[str, list[float]] = defaultdict(list)
    tie_at: dict[tuple[str, str], list[int]] = defaultdict(list)
    tie_val: dict[tuple[str, str], list[tuple[float, float, int]]] = defaultdict(list)
    for k, w in enumerate(nets):
        strength: dict[str, float] = defaultdict(float)
        for pair, t in w.ties.items():
            tie_at[pair].append(k)
            tie_val[pair].append((t.positive, t.net, t.count))
            strength[t.a] += t.positive
            strength[t.b] += t.positive
        for n in w.nodes:
            node_at[n].append(k)
            node_val[n].append(strength[n])
    span = f' start="{slices[0][0]}" end="{slices[-1][1]}"' if slices else ""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<gexf xmlns="http://gexf.net/1.3" version="1.3">',
           f'<graph mode="dynamic" defaultedgetype="undirected" timeformat="date" timerepresentation="interval"{span}>',
           '<attributes class="node" mode="static"><attribute id="actor_name" title="actor_name" type="string"/>'
           '<attribute id="region" title="region" type="string"/></attributes>',
           '<attributes class="node" mode="dynamic"><attribute id="strength" title="strength" type="double"/>'
           "</attributes>",
           '<attributes class="edge" mode="dynamic"><attribute id="weight" title="weight" type="double"/>'
           '<attribute id="net" title="net" type="double"/><attribute id="count" title="count" type="integer"/>'
           "</attributes><nodes>"]

    def spells(ks: list[int]) -> str:
        return "<spells>" + "".join(f'<spell start="{a}" end="{b}"/>' for a, b in _runs(ks, slices)) + "</spells>"

    for n in sorted(node_at):
        ks = node_at[n]
        vals = (f'<attvalue for="actor_name" value={_attr(actor_label(n))}/>'
                f'<attvalue for="region" value={_attr(regions.get(n, ""))}/>'
                + "".join(f'<attvalue for="strength" value="{_num(round(v, 6))}" start="{slices[k][0]}" '
                          f'end="{slices[k][1]}"/>' for k, v in zip(ks, node_val[n], strict=True)))
        out.append(f"<node id={_attr(n)} label={_attr(n)}><attvalues>{vals}</attvalues>{spells(ks)}</node>")
    out.append("</nodes><edges>")
    for i, pair in enumerate(sorted(tie_at)):
        ks = tie_at[pair]
        vals = "".join(
            f'<attvalue for="weight" value="{_num(_gephi_weight(pos))}" start="{slices[k][0]}" end="{slices[k][1]}"/>'
            f'<attvalue for="net" value="{_num(round(nt, 6))}" start="{slices[k][0]}" end="{slices[k][1]}"/>'
            f'<attvalue for="count" value="{c}" start="{slices[k][0]}" end="{slices[k][1]}"/>'
            for k, (pos, nt, c) in zip(ks, tie_val[pair], strict=True))
        out.append(f'<edge id="{i}" source={_attr(pair[0])} target={_attr(pair[1])}><attvalues>{vals}</attvalues>'
                   f"{spells(ks)}</edge>")
    out.append("</edges></graph></gexf>")
    return "\n".join(out) + "\n"


def node_link(net: Network, seed: int = 0) -> dict[str, Any]:
    """The node-link JSON D3 and cytoscape read: {"nodes": [{"id", "label"…}], "links": [{"source","target"…}]}."""
    ties = tie_table(net)
    for t in ties:
        t["event_ids"] = t["event_ids"].split(";") if t["event_ids"] else []
    return {"directed": False, "multigraph": False,
            "graph": {"since": net.since, "until": net.until, "events": len(net.events)},
            "nodes": node_table(net, seed), "links": ties}


#: Formats of export_network (and `latticework network --format`).
NETWORK_FORMATS = ("graphml", "gexf", "gexf-dynamic", "json", "csv")


def export_network(net: Network, fmt: str, out: str | Path | None, seed: int = 0, window: int = 12,
                   step: int = 1) -> str | None:
    """Write the network as graphml, gexf, gexf-dynamic (rolling windows of `window` months every
    `step` months), json (node-link) or csv (tie rows); return the text if out is None."""
    import json

    if fmt == "graphml":
        text = _graphml(net, seed)
    elif fmt == "gexf":
        text = _gexf(net, seed)
    elif fmt == "gexf-dynamic":
        text = dynamic_gexf(net, dynamic_windows(net, window, step))
    elif fmt == "json":
        text = json.dumps(node_link(net, seed), ensure_ascii=False, indent=1) + "\n"
    elif fmt == "csv":
        from latticework.output import write_rows

        rows = tie_table(net)
        if out is not None:
            write_rows(rows, "csv", out)
            return None
        import io
        import sys

        buf, old = io.StringIO(), sys.stdout
        sys.stdout = buf
        try:
            write_rows(rows, "csv", None)
        finally:
            sys.stdout = old
        text = buf.getvalue()
    else:
        raise NetworkError(f"unknown network format {fmt!r} ({', '.join(NETWORK_FORMATS)})")
    if out is None:
        return text
    from latticework.output import write_text

    write_text(out, text)
    return None


def set_seed(seed: int) -> None:
    """Make igraph layouts reproducible (igraph draws from Python's `random` once told to)."""
    ig.set_random_number_generator(random)
    random.seed(seed)


def load_events(store: Any, since: str | None = None, until: str | None = None, **filters: Any) -> list[dict[str, Any]]:
    """Events from a Store for a window, with `published` filled in for undated text-coded events.

    The store selects events whose date range overlaps the window (undated ones by their document's
    publication date); build_network then applies the start-day rule of `in_window`, which needs the
    publication date of undated events, so it is fetched here in one query.
    """
    import sqlalchemy as sa

    from latticework.store import models as m

    events = list(store.iter_events(since=since, until=until, **filters))
    docs = sorted({e["doc_id"] for e in events if not e.get("date") and e.get("doc_id")})
    if docs:
        with store.engine.connect() as conn:
            pub = dict(conn.execute(sa.select(m.documents.c.id, m.documents.c.published)
                                    .where(m.documents.c.id.in_(docs))).all())
        for e in events:
            if not e.get("date") and e.get("doc_id") in pub:
                e.setdefault("published", pub[e["doc_id"]])
    return events
