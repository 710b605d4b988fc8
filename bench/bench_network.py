"""Benchmark: the network layer on 1M synthetic events, 200 actors, 120 monthly windows.

For each window it builds the network and computes every measure (centrality and hub ranking,
Leiden communities and modularity, structural balance with frustration and two blocs, framework
view), then times igraph/leidenalg's own bare calls on the same graphs (graph construction,
strength, betweenness, eigenvector centrality, Leiden + modularity, triangle listing) and prints the
ratio: the overhead of latticework's layer. Target: the whole series in under a minute.

Then it times the report's three claims (latticework.claims: hub concentration against G(n, m), bloc
balance against shuffled signs, the cooperation trend against random timing, each with its default
draws) on the largest monthly window, the bench's graph of 200 actors and ~4,900 ties: what they add
to a report on a graph of that size. Target: a few seconds.

    .venv/bin/python bench/bench_network.py [--events 1000000] [--actors 200] [--months 120] [--claims-only]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import warnings
from collections import defaultdict
from typing import Any

import igraph as ig
import leidenalg
import numpy as np

from latticework import claims as C
from latticework import network as N

FRAMEWORKS = ["QUAD", "IP4", "TSCF", "GCAP", "AUKUS", "RAA", None, None, None, None]


def synthetic(n_events: int, n_actors: int, months: int, seed: int = 0) -> list[dict[str, Any]]:
    """Two blocs of actors with heavy-tailed activity: cooperation within blocs, hostility across."""
    rng = random.Random(seed)
    actors = [f"A{i:03d}" for i in range(n_actors)]
    half = n_actors // 2
    blocs = [actors[:half], actors[half:]]
    weights = [[1.0 / (k + 1) ** 0.8 for k in range(len(b))] for b in blocs]
    out = []
    for i in range(n_events):
        m = rng.randrange(months)
        date = f"{2010 + m // 12:04d}-{m % 12 + 1:02d}-{rng.randint(1, 28):02d}"
        side = rng.randrange(2)
        r = rng.random()
        if r < 0.70:
            t = rng.choice(("CONSULT", "AGREE", "COOPERATE"))
            parties = sorted(set(rng.choices(blocs[side], weights[side], k=rng.choice((2, 2, 3)))))
            if len(parties) < 2:
                continue
            actors_, targets = parties, []
        elif r < 0.80:
            t = "AID"
            a, b = rng.choices(blocs[side], weights[side], k=2)
            if a == b:
                continue
            actors_, targets = [a], [b]
        elif r < 0.95:
            t = rng.choice(("ACCUSE", "THREATEN"))
            actors_ = rng.choices(blocs[side], weights[side], k=1)
            targets = rng.choices(blocs[1 - side], weights[1 - side], k=1)
        else:
            t, actors_, targets = "MOBILIZE", rng.choices(blocs[side], weights[side], k=1), []
        out.append({"doc_id": f"d{i // 10}", "event_id": f"e{i}", "type": t, "mode": None, "actors": actors_,
                    "targets": targets, "framework": rng.choice(FRAMEWORKS) if t in ("AGREE", "COOPERATE") else None,
                    "date": date, "status": "occurred", "hedged": False, "location": None,
                    "evidence": {"text": "", "start": 0, "end": 0}, "confidence": 1.0})
    return out


def ours(events: list[dict[str, Any]], month: str) -> tuple[float, float, N.Network]:
    """Build one window and compute every measure; returns wall and CPU seconds and the network."""
    t0, c0 = time.perf_counter(), time.process_time()
    net = N.build_network(events, month, month)
    N.centrality(net)
    N.communities(net)
    N.balance(net)
    N.framework_view(net)
    return time.perf_counter() - t0, time.process_time() - c0, net


def bare(net: N.Network) -> tuple[float, float]:
    """igraph's own calls on the same positive and signed edge lists (prepared outside the timing)."""
    idx = {n: i for i, n in enumerate(net.nodes)}
    pos = [(idx[t.a], idx[t.b]) for t in net.ties.values() if t.positive > 0]
    w = [t.positive for t in net.ties.values() if t.positive > 0]
    signed = [(idx[t.a], idx[t.b]) for t in net.ties.values() if t.sign != 0]
    t0, c0 = time.perf_counter(), time.process_time()
    g = ig.Graph(n=len(net.nodes), edges=pos)
    g.es["weight"] = w
    g.strength(weights="weight")
    g.betweenness(weights=[1 / x for x in w])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g.eigenvector_centrality(weights="weight")
    part = leidenalg.find_partition(g, leidenalg.ModularityVertexPartition, weights="weight", seed=0)
    g.modularity(part.membership, weights="weight")
    ig.Graph(n=len(net.nodes), edges=signed).list_triangles()
    return time.perf_counter() - t0, time.process_time() - c0


def claims_cost(net: N.Network) -> None:
    """Time the claims of a report on one window's network and say how many draws each test used."""
    t0 = time.perf_counter()
    cen = N.centrality(net)
    bal = N.balance(net, anchor=cen[0]["actor"] if cen else None)
    com = N.communities(net)
    t_measures = time.perf_counter() - t0
    rows = []
    t = time.perf_counter()
    hub = C.hub_claim(net, cen)
    rows.append(("hub", time.perf_counter() - t, hub))
    t = time.perf_counter()
    blocs = C.bloc_claim(net, bal, com)
    rows.append(("blocs", time.perf_counter() - t, blocs))
    t = time.perf_counter()
    # the trend test on this window's events, its first half of the month against the second
    contrib = np.array([C.within_bloc_cooperation(e, bal["blocs"]) for e in net.events.values()])
    late = np.array([(e.get("date") or "")[8:10] >= "15" for e in net.events.values()])
    trend = {"verdict": "(test only)", "test": C.trend_test(contrib, late, 0.5)}
    rows.append(("trend", time.perf_counter() - t, trend))
    print(f"claims on {net.since}: {len(net.nodes)} actors, {len(net.ties):,} ties, {len(net.events):,} events "
          f"(measures they need: {t_measures:.2f} s)")
    for name, sec, c in rows:
        test = c["test"]
        scaled = " (scaled down for the graph's size)" if test["draws"] < test["draws_asked"] else ""
        print(f"  {name:6s} {sec:6.2f} s  {test['draws']} draws{scaled}  p = {test['p_value']:.3g}  {c['verdict']}")
    total = sum(sec for _, sec, _ in rows)
    print(f"claims total: {total:.2f} s wall (target: a few seconds on this graph)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--actors", type=int, default=200)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--claims-only", action="store_true", help="Only time the claims on the largest window.")
    args = ap.parse_args()
    t0 = time.perf_counter()
    events = synthetic(args.events, args.actors, args.months)
    print(f"generated {len(events):,} events over {args.actors} actors in {time.perf_counter() - t0:.1f} s")
    gc.freeze()  # the million input dicts live for the whole run; keep the cyclic GC from rescanning them
    t1 = time.perf_counter()
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        by_month[e["date"][:7]].append(e)
    months = sorted(by_month)[: args.months]
    bucket = time.perf_counter() - t1
    biggest = max(months, key=lambda m: len(by_month[m]))
    if args.claims_only:
        claims_cost(N.build_network(by_month[biggest], biggest, biggest))
        return
    ours_t, ours_c, bare_t, bare_c, sizes = [], [], [], [], []
    for m in months:  # networks are dropped after each window, as a long series would do
        t, c, net = ours(by_month[m], m)
        bt, bc = bare(net)
        ours_t.append(t)
        ours_c.append(c)
        bare_t.append(bt)
        bare_c.append(bc)
        sizes.append((len(net.events), len(net.ties), len(net.nodes)))
    total = bucket + sum(ours_t)
    print(f"windows: {len(months)} monthly; mean {statistics.mean(x[0] for x in sizes):,.0f} events, "
          f"{statistics.mean(x[1] for x in sizes):,.0f} ties, {statistics.mean(x[2] for x in sizes):.0f} actors "
          "per window")
    print(f"latticework per window: wall mean {statistics.mean(ours_t) * 1000:.1f} ms (median "
          f"{statistics.median(ours_t) * 1000:.1f}, max {max(ours_t) * 1000:.1f}); CPU mean "
          f"{statistics.mean(ours_c) * 1000:.1f} ms")
    print(f"igraph bare per window: wall mean {statistics.mean(bare_t) * 1000:.1f} ms; CPU mean "
          f"{statistics.mean(bare_c) * 1000:.1f} ms")
    print(f"ratio latticework / igraph bare: wall {sum(ours_t) / sum(bare_t):.1f}x, CPU "
          f"{sum(ours_c) / sum(bare_c):.1f}x")
    print(f"whole series: wall {total:.1f} s (bucketing {bucket:.1f} s), CPU {bucket + sum(ours_c):.1f} s; "
          f"target 60 s: {'met' if total < 60 else 'missed'} (wall)")
    claims_cost(N.build_network(by_month[biggest], biggest, biggest))


if __name__ == "__main__":
    main()
