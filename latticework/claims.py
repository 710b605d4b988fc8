"""The report's claims, each tested against chance and held to minimums of evidence.

A claim gets one of three verdicts:

* **not enough evidence** — one of its evidence minimums is not met (too few actors, ties, hostile
  ties, windows…), or the data cannot tell the pattern from chance at all; nothing is concluded;
* **supported** — the minimums are met and the observed statistic is beyond what the claim's null
  model produces by chance (one-sided permutation p-value ≤ ALPHA, plus any effect-size threshold);
* **not supported** — the minimums are met but the statistic is within chance.

Each test is a Monte-Carlo permutation test with a fixed seed (numpy's default generator), so the same
events give the same p-values. p = (1 + #{null draws at least as extreme}) / (1 + draws). The formulas
and thresholds are in docs/network.md; every constant below is the one the report prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import igraph as ig
import numpy as np

from latticework import network as N

SUPPORTED, NOT_SUPPORTED, NOT_ENOUGH = "supported", "not supported", "not enough evidence"

#: Significance level of every test (one-sided).
ALPHA = 0.05
#: Null-model draws per test (the report's `--draws`).
DRAWS = 500
#: The hub null model recomputes betweenness on every draw, O(n·m) each: draws are cut to
#: HUB_WORK_BUDGET / (n·m), but never below MIN_DRAWS (the report says when it scaled them down).
HUB_WORK_BUDGET = 5e7
MIN_DRAWS = 100

#: Hub claim: effect size (top hub score minus runner-up) and minimums.
HUB_MARGIN = 0.1
HUB_MIN_ACTORS = 5     # actors with at least one cooperative tie
HUB_MIN_TIES = 5       # cooperative ties
HUB_MIN_PARTNERS = 3   # cooperative partners of the top actor

#: Bloc claim minimums (on the two blocs of the frustration partition).
BLOC_MIN_SIZE = 3            # actors in each bloc
BLOC_MIN_INTERNAL_TIES = 2   # cooperative ties inside each bloc (the fewest that hold three actors together)
BLOC_MIN_HOSTILE_TIES = 3    # hostile ties (net < 0) between the blocs
BLOC_MIN_HOSTILE_ACTORS = 2  # distinct actors on each side of those hostile ties
#: Components up to this size get an exact frustration index inside the null model (2^(k-1) splits);
#: larger ones use the local search of network.balance from one all-ones, one spectral and two random starts.
NULL_EXACT_LIMIT = 12

#: Security-dilemma claim minimums.
DILEMMA_MIN_WINDOWS = 4   # windows of the series (two per half)
DILEMMA_MIN_EVENTS = 10   # cooperative events inside a bloc

_EPS = 1e-9


# ------------------------------------------------------------------------------------------ helpers

def minimum(name: str, observed: float, required: float) -> dict[str, Any]:
    """One evidence minimum: met when observed ≥ required."""
    return {"name": name, "observed": observed, "required": required, "met": observed >= required}


def _summary(null: np.ndarray) -> dict[str, float]:
    if len(null) == 0:
        return {"mean": float("nan"), "sd": float("nan"), "q05": float("nan"), "q50": float("nan"),
                "q95": float("nan")}
    q05, q50, q95 = np.quantile(null, [0.05, 0.5, 0.95])
    return {"mean": round(float(null.mean()), 6), "sd": round(float(null.std(ddof=1)) if len(null) > 1 else 0.0, 6),
            "q05": round(float(q05), 6), "q50": round(float(q50), 6), "q95": round(float(q95), 6)}


def _test(name: str, statistic: str, null_model: str, observed: float, null: np.ndarray, greater: bool,
          draws_asked: int) -> dict[str, Any]:
    """A one-sided permutation test's record: p = (1 + #{null at least as extreme}) / (1 + draws)."""
    extreme = (null >= observed - _EPS) if greater else (null <= observed + _EPS)
    p = (1 + int(extreme.sum())) / (1 + len(null)) if len(null) else 1.0
    summ = _summary(null)
    sd = summ["sd"]
    z = (observed - summ["mean"]) / sd if len(null) > 1 and sd > 0 else None
    return {"name": name, "statistic": statistic, "null_model": null_model, "observed": round(float(observed), 6),
            "alternative": "greater" if greater else "less", "draws": int(len(null)), "draws_asked": draws_asked,
            "threshold": f"p ≤ {ALPHA:g}",
            "null": summ, "p_value": round(p, 6), "z": None if z is None else round(float(z), 3), "alpha": ALPHA}


def _verdict(minimums: list[dict[str, Any]], ok: bool) -> str:
    if not all(m["met"] for m in minimums):
        return NOT_ENOUGH
    return SUPPORTED if ok else NOT_SUPPORTED


def _tie_events(net: N.Network, pairs: Sequence[tuple[str, str]], limit: int = 12) -> list[str]:
    out: list[str] = []
    for p in pairs:
        t = net.ties.get((min(p), max(p)))
        if t:
            out += [i for i in t.event_ids if i not in out]
    return out[:limit]


# ------------------------------------------------------------------------------------------ hub

def concentration(g: ig.Graph) -> float:
    """C = (s_top / Σ s + b_top / Σ b) / 2: the share of all cooperation strength and of all betweenness
    held by the top actor of the hub ranking (a term is 0 when its sum is 0). 1/2 … 1 for a star's hub;
    about 1/n for an actor of a regular graph."""
    s, b, _, h = N.hub_scores(g)
    if not h:
        return 0.0
    top = max(range(len(h)), key=lambda i: (h[i], s[i]))
    ss, sb = sum(s), sum(b)
    return ((s[top] / ss if ss else 0.0) + (b[top] / sb if sb else 0.0)) / 2


def hub_test(net: N.Network, draws: int = DRAWS, seed: int = 0) -> dict[str, Any]:
    """Is the cooperation concentrated on the top actor more than chance concentrates it?

    Statistic C (`concentration`) on G⁺. Null model: the same n⁺ actors (those with a cooperative tie)
    and the same m⁺ cooperative ties placed uniformly at random among the n⁺(n⁺−1)/2 pairs (G(n, m)),
    each random tie given one of the observed tie weights (shuffled); C is recomputed on every draw
    (the top actor of each draw is that draw's own). p = P(C_null ≥ C_obs). A degree-preserving
    rewiring would keep the hub's degree, hence its lead, by construction (a star has no other
    rewiring), so it cannot test whether there is a hub at all.
    """
    g = net.positive_graph()
    g = g.induced_subgraph([v.index for v in g.vs if v.degree() > 0])
    n, m = g.vcount(), g.ecount()
    model = "G(n, m) on the cooperating actors, observed tie weights shuffled"
    if m == 0 or n < 2:
        return _test("hub concentration", "C", model, 0.0, np.array([]), True, draws)
    observed = concentration(g)
    count = min(draws, max(MIN_DRAWS, int(HUB_WORK_BUDGET // (n * m)))) if draws > 0 else 0
    rng = np.random.default_rng(seed)
    iu, ju = np.triu_indices(n, 1)
    weights = np.array(g.es["weight"], dtype=float)
    null = np.empty(count)
    for r in range(count):
        pick = rng.choice(len(iu), size=m, replace=False)
        h = ig.Graph(n=n, edges=list(zip(iu[pick].tolist(), ju[pick].tolist(), strict=True)))
        h.es["weight"] = rng.permutation(weights).tolist()
        null[r] = concentration(h)
    return _test("hub concentration", "C = (s_top/Σs + b_top/Σb)/2", model, observed, null, True, draws)


def hub_claim(net: N.Network, cen: list[dict[str, Any]], draws: int = DRAWS, seed: int = 0) -> dict[str, Any]:
    """"X is the hub": supported when the minimums hold, the concentration test gives p ≤ ALPHA and X
    leads the runner-up's hub score by ≥ HUB_MARGIN (the ranking's top is not a near tie)."""
    coop = [t for t in net.ties.values() if t.positive > 0]
    actors = {a for t in coop for a in (t.a, t.b)}
    test = hub_test(net, draws, seed)
    test["threshold"] = f"p ≤ {ALPHA:g} and margin ≥ {HUB_MARGIN:g}"
    if not cen or not coop:
        mins = [minimum("actors with a cooperative tie", len(actors), HUB_MIN_ACTORS),
                minimum("cooperative ties", len(coop), HUB_MIN_TIES)]
        return {"id": "hub", "title": "No hub", "verdict": NOT_ENOUGH, "text": "The window holds no cooperative ties.",
                "numbers": {}, "event_ids": [], "test": test, "minimums": mins,
                "thresholds": {"alpha": ALPHA, "margin": HUB_MARGIN}}
    top = cen[0]
    second = cen[1] if len(cen) > 1 else {"actor": "—", "hub_score": 0.0, "strength": 0.0}
    margin = round(top["hub_score"] - second["hub_score"], 6)
    partners = sorted((t for t in coop if top["actor"] in (t.a, t.b)), key=lambda t: -t.positive)
    mins = [minimum("actors with a cooperative tie", len(actors), HUB_MIN_ACTORS),
            minimum("cooperative ties", len(coop), HUB_MIN_TIES),
            minimum(f"cooperative partners of {top['actor']}", len(partners), HUB_MIN_PARTNERS)]
    verdict = _verdict(mins, test["p_value"] <= ALPHA and margin >= HUB_MARGIN)
    text = (f"{top['actor']} is the hub: hub score {top['hub_score']:.3f} against {second['hub_score']:.3f} for "
            f"{second['actor']} (margin {margin:.3f}); cooperation strength {top['strength']:g} over "
            f"{len(partners)} partners, betweenness {top['betweenness']:g}. ")
    text += _explain(verdict, mins, test, f"a margin of at least {HUB_MARGIN:g}", margin >= HUB_MARGIN)
    return {"id": "hub", "title": f"{top['actor']} is the hub", "verdict": verdict, "text": text,
            "numbers": {"hub": top["actor"], "margin": margin, "runner_up": second["actor"]},
            "event_ids": _tie_events(net, [(t.a, t.b) for t in partners], 20), "test": test, "minimums": mins,
            "thresholds": {"alpha": ALPHA, "margin": HUB_MARGIN}}


def _explain(verdict: str, mins: list[dict[str, Any]], test: dict[str, Any], effect: str | None = None,
             effect_ok: bool = True, premise: str | None = None) -> str:
    """One sentence on why the verdict is what it is."""
    if verdict == NOT_ENOUGH:
        short = [f"{m['name']} {m['observed']:g} < {m['required']:g}" for m in mins if not m["met"]]
        return "Not enough evidence: " + "; ".join(short) + "."
    p = f"p = {test['p_value']:.3g} over {test['draws']} draws of the null model (threshold {ALPHA:g})"
    if verdict == SUPPORTED:
        return f"Beyond chance: {p}" + (f", with {effect}" if effect else "") + "."
    why = [p] if test["p_value"] > ALPHA else []
    if effect and not effect_ok:
        why.append(f"needs {effect}")
    if premise:
        why.append(premise)
    return "Within chance or short of a threshold: " + "; ".join(why) + "."


# ------------------------------------------------------------------------------------------ blocs

def _components(g: ig.Graph) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """(size, u, v, global edge ids) of every component of the signed graph that holds a cycle
    (a forest is balanced under any signs, so it cannot tell balance from chance)."""
    out = []
    for comp in g.connected_components():
        if len(comp) < 3:
            continue
        sub = g.induced_subgraph(comp)
        if sub.ecount() < sub.vcount():
            continue
        local = {v: i for i, v in enumerate(comp)}
        eids = np.array(g.es.select(_within=comp).indices, dtype=np.int64)
        ends = np.array([g.es[e].tuple for e in eids.tolist()], dtype=np.int64).reshape(-1, 2)
        u = np.array([local[a] for a in ends[:, 0].tolist()], dtype=np.int64)
        v = np.array([local[b] for b in ends[:, 1].tolist()], dtype=np.int64)
        out.append((len(comp), u, v, eids))
    return out


def _exact_many(k: int, u: np.ndarray, v: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Exact frustration (count of frustrated ties) of one component under each column of `signs`
    (ties × draws): min over bipartitions of cross·(pos − neg) + Σ neg."""
    xs = np.arange(1 << (k - 1), dtype=np.int64)
    sides = np.zeros((len(xs), k), dtype=bool)
    sides[:, 1:] = ((xs[:, None] >> np.arange(k - 1)) & 1).astype(bool)
    cross = (sides[:, u] != sides[:, v]).astype(np.float32)
    pos, neg = (signs > 0).astype(np.float32), (signs < 0).astype(np.float32)
    return (cross @ (pos - neg)).min(axis=0) + neg.sum(axis=0)


def _heuristic_one(k: int, u: np.ndarray, v: np.ndarray, sign: np.ndarray, rng: np.random.Generator) -> float:
    """Frustration by network's local search from an all-ones, a spectral and two random starts (an upper bound)."""
    S = np.zeros((k, k))
    S[u, v] = sign
    S[v, u] = sign
    starts = [np.ones(k), np.where(N._leading_vector(S, 50) >= 0, 1.0, -1.0)]
    starts += [rng.choice(np.array([-1.0, 1.0]), size=k) for _ in range(2)]
    best = float(len(sign))
    for s in starts:
        x = N._local_search(S, s)
        best = min(best, float((sign * x[u] * x[v] < 0).sum()))
    return best


def _frustration_draws(comps: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]], signs: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """Σ over components of the frustration of each column of `signs` (all signed ties × draws)."""
    total = np.zeros(signs.shape[1])
    for k, u, v, eids in comps:
        s = signs[eids]
        if k <= NULL_EXACT_LIMIT:
            total += _exact_many(k, u, v, s)
        else:
            total += np.array([_heuristic_one(k, u, v, s[:, r], rng) for r in range(s.shape[1])])
    return total


def bloc_balance_test(net: N.Network, draws: int = DRAWS, seed: int = 0) -> dict[str, Any]:
    """Are the signs arranged into two camps more than chance arranges them?

    Statistic L, the frustration index of the signed graph S (fewest ties whose sign must change to
    split it into two camps: friends inside, enemies across), summed over components with a cycle.
    Null model: the same ties (topology kept), the same number of hostile ties, signs shuffled among
    the ties uniformly. p = P(L_null ≤ L_obs). Also reported: the balance beyond chance
    1 − L_obs / mean(L_null), and p0 = share of shuffles with L = 0, the smallest p the data allow.
    """
    g = net.signed_graph()
    comps = _components(g)
    rng = np.random.default_rng(seed)
    signs = np.array(g.es["sign"] if g.ecount() else [], dtype=np.int8)
    if not comps or draws <= 0:
        test = _test("frustration", "L", "signs shuffled over the same ties", 0.0, np.array([]), False, draws)
        test.update({"p_zero": 1.0, "balance_beyond_chance": None})
        return test
    observed = float(_frustration_draws(comps, signs[:, None], rng)[0])
    shuffled = np.stack([rng.permutation(signs) for _ in range(draws)], axis=1)
    null = _frustration_draws(comps, shuffled, rng)
    test = _test("frustration", "L", "signs shuffled over the same ties (topology and number of hostile ties kept)",
                 observed, null, False, draws)
    mean = float(null.mean())
    test["p_zero"] = round(float((null <= _EPS).mean()), 6)
    test["balance_beyond_chance"] = round(1 - observed / mean, 6) if mean > 0 else None
    return test


def bloc_claim(net: N.Network, bal: dict[str, Any], com: dict[str, Any], draws: int = DRAWS,
               seed: int = 0) -> dict[str, Any]:
    """"Bloc politics": two blocs of BLOC_MIN_SIZE+ actors, each held together by cooperation, with
    BLOC_MIN_HOSTILE_TIES+ hostile ties between them from BLOC_MIN_HOSTILE_ACTORS+ actors on each side,
    and signs balanced beyond chance (frustration test, p ≤ ALPHA)."""
    blocs = bal["blocs"]
    a = sorted(k for k, v in blocs.items() if v == "A")
    b = sorted(k for k, v in blocs.items() if v == "B")
    cross_neg = [t for t in net.ties.values() if t.sign < 0 and blocs.get(t.a) and blocs.get(t.b)
                 and blocs[t.a] != blocs[t.b]]
    inside = {s: [t for t in net.ties.values() if t.positive > 0 and blocs.get(t.a) == blocs.get(t.b) == s]
              for s in ("A", "B")}
    hostile_actors = {s: {x for t in cross_neg for x in (t.a, t.b) if blocs[x] == s} for s in ("A", "B")}
    test = bloc_balance_test(net, draws, seed)
    mins = [minimum("actors in the smaller bloc", min(len(a), len(b)), BLOC_MIN_SIZE),
            minimum("cooperative ties inside the less cohesive bloc", min(len(inside["A"]), len(inside["B"])),
                    BLOC_MIN_INTERNAL_TIES),
            minimum("hostile ties between the blocs", len(cross_neg), BLOC_MIN_HOSTILE_TIES),
            minimum("hostile actors on the quieter side", min(len(hostile_actors["A"]), len(hostile_actors["B"])),
                    BLOC_MIN_HOSTILE_ACTORS),
            # the smallest p the shuffles allow: above ALPHA no arrangement of these signs could count as beyond chance
            minimum("share of shuffles that are unbalanced (1 − p0)", round(1 - test.get("p_zero", 1.0), 6),
                    1 - ALPHA)]
    verdict = _verdict(mins, test["p_value"] <= ALPHA)
    share = bal["balanced_share"]
    text = (f"Two blocs: A = {', '.join(a) or '—'}; B = {', '.join(b) or '—'}. "
            f"Balanced triads {bal['balanced_triads']}/{bal['triads']}"
            + (f" ({share:.0%})" if share is not None else "")
            + f"; frustration index {bal['frustration']}"
            + ("" if bal["frustration_exact"] else f" (heuristic; lower bound {bal['frustration_lower_bound']})")
            + f" of {bal['signed_ties']} signed ties; {len(cross_neg)} hostile ties run between the blocs; "
            f"Leiden modularity of cooperation {com['modularity']:.3f} over {len(com['communities'])} communities. ")
    text += _explain(verdict, mins, test)
    within = sorted(inside["A"], key=lambda t: -t.positive)[:3]
    return {"id": "blocs", "title": "Bloc politics", "verdict": verdict, "text": text,
            "numbers": {"bloc_a": a, "bloc_b": b, "balanced_share": share, "frustration": bal["frustration"],
                        "modularity": com["modularity"], "hostile_ties": len(cross_neg)},
            "event_ids": _tie_events(net, [(t.a, t.b) for t in cross_neg + within], 20), "test": test,
            "minimums": mins, "thresholds": {"alpha": ALPHA}}


# ------------------------------------------------------------------------------------------ security dilemma

def within_bloc_cooperation(e: dict[str, Any], blocs: dict[str, str]) -> float:
    """An event's cooperation inside a bloc: Σ over its ties between two actors of the same bloc of
    max(TYPE_WEIGHTS[type], 0) (what the series' within_bloc_cooperation adds up)."""
    w = max(N.TYPE_WEIGHTS.get(e.get("type") or "", 0.0), 0.0)
    if not w:
        return 0.0
    return w * sum(1 for s, o, _ in N.event_pairs(e) if blocs.get(s) and blocs.get(s) == blocs.get(o))


def trend_test(contrib: np.ndarray, late: np.ndarray, q_late: float, draws: int = DRAWS,
               seed: int = 0) -> dict[str, Any]:
    """Did within-bloc cooperation grow from the first half of the windows to the second beyond chance?

    Statistic D = C_late − C_early, the within-bloc cooperation of the later windows minus the earlier
    (`contrib` per event, `late` whether the event is in the later half). Null model: the same events
    with their windows drawn at random, each window alike, so an event is late with probability
    q_late = (later windows) / (all windows). p = P(D_null ≥ D_obs). The timing of reports is taken
    at face value: a corpus that samples some months more heavily can show growth that is coverage."""
    c = contrib[contrib != 0]
    observed = float(contrib[late].sum() - contrib[~late].sum())
    rng = np.random.default_rng(seed)
    null = np.empty(draws if len(contrib) else 0)
    for r in range(len(null)):
        flips = rng.random(len(c)) < q_late
        null[r] = float(c[flips].sum() - c[~flips].sum())
    return _test("cooperation trend", "D = C_late - C_early",
                 f"each event's window drawn at random (late with probability {q_late:.3g})", observed, null, True,
                 draws)


def dilemma_claim(net: N.Network, bal: dict[str, Any], series: list[dict[str, Any]], nets: list[N.Network],
                  blocs_claim: dict[str, Any], draws: int = DRAWS, seed: int = 0) -> dict[str, Any]:
    """"Security dilemma": blocs established (the bloc claim's minimums), hostility between them, and
    cooperation within the blocs rising from the first half of the windows to the second beyond
    chance (trend test, p ≤ ALPHA); supported only when the bloc claim is supported too."""
    blocs = bal["blocs"]
    coop = [r["within_bloc_cooperation"] for r in series]
    hostile = sum(r["cross_bloc_hostility"] for r in series)
    half = len(coop) // 2
    early, late_sum = sum(coop[:half]), sum(coop[half:])
    contrib, late = [], []
    for k, w in enumerate(nets):
        for e in w.events.values():
            contrib.append(within_bloc_cooperation(e, blocs))
            late.append(k >= half)
    c, lt = np.array(contrib, dtype=float), np.array(late, dtype=bool)
    test = trend_test(c, lt, (len(nets) - half) / len(nets) if nets else 0.5, draws, seed)
    test["threshold"] = f"p ≤ {ALPHA:g}, and the bloc claim supported"
    mins = [m for m in blocs_claim["minimums"] if m["name"] != "share of shuffles that are unbalanced (1 − p0)"]
    mins += [minimum("windows in the series", len(series), DILEMMA_MIN_WINDOWS),
             minimum("cooperative events inside a bloc", int((c > 0).sum()), DILEMMA_MIN_EVENTS)]
    blocs_ok = blocs_claim["verdict"] == SUPPORTED
    verdict = _verdict(mins, test["p_value"] <= ALPHA and blocs_ok)
    text = (f"Hostility across the blocs totals {hostile:g} (negative tie weight) while cooperation within blocs "
            f"went from {early:g} in the first half of the windows to {late_sum:g} in the second "
            f"(per window: {', '.join(f'{x:g}' for x in coop)}). ")
    text += _explain(verdict, mins, test, premise=None if blocs_ok else "the blocs themselves are not beyond chance")
    cross = [(t.a, t.b) for t in net.ties.values() if t.sign < 0 and blocs.get(t.a) and blocs.get(t.b)
             and blocs[t.a] != blocs[t.b]]
    recent = nets[-1] if nets else net
    grow = [(t.a, t.b) for t in sorted(recent.ties.values(), key=lambda t: -t.positive)
            if blocs.get(t.a) and blocs.get(t.a) == blocs.get(t.b)][:3]
    first = _tie_events(net, cross, 10)
    return {"id": "dilemma", "title": "Security dilemma", "verdict": verdict, "text": text,
            "numbers": {"cross_bloc_hostility": hostile, "early": early, "late": late_sum},
            "event_ids": first + [i for i in _tie_events(recent, grow, 10) if i not in first], "test": test,
            "minimums": mins, "thresholds": {"alpha": ALPHA}}
