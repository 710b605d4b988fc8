"""The report's claims against chance: each verdict on a network built so that its answer is known."""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
import pytest

from latticework import claims as C
from latticework import network as N
from latticework import report as R


def ev(eid: str, t: str, actors: list[str] | tuple[str, ...], targets: list[str] | tuple[str, ...] = (),
       date: str = "2024-05-01") -> dict:
    return {"doc_id": "doc-" + eid, "event_id": eid, "type": t, "mode": None, "actors": list(actors),
            "targets": list(targets), "framework": None, "date": date, "status": "occurred", "hedged": False,
            "location": None, "evidence": {"text": f"event {eid}", "start": 0, "end": 8}, "confidence": 0.9}


def clear_hub() -> list[dict]:
    """HUB works with all 14 partners; the partners share only 8 ties among themselves."""
    rnd = random.Random(3)
    others = [f"P{i:02d}" for i in range(14)]
    out = [ev(f"h{i}", "COOPERATE" if i % 3 else "CONSULT", ["HUB", p]) for i, p in enumerate(others)]
    return out + [ev(f"x{i}", "CONSULT", rnd.sample(others, 2)) for i in range(8)]


def ring() -> list[dict]:
    """18 actors, each tied to its two neighbours on either side: everybody alike, nobody a hub."""
    n = [f"R{i:02d}" for i in range(18)]
    return [ev(f"r{i}-{k}", "CONSULT", [n[i], n[(i + k) % 18]]) for i in range(18) for k in (1, 2)]


def random_graph(seed: int = 5, n: int = 18, m: int = 34) -> list[dict]:
    rnd = random.Random(seed)
    actors = [f"G{i:02d}" for i in range(n)]
    pairs = rnd.sample(list(combinations(actors, 2)), m)
    return [ev(f"g{i}", rnd.choice(["CONSULT", "AGREE", "COOPERATE"]), p) for i, p in enumerate(pairs)]


WEST = ["USA", "JPN", "KOR", "AUS", "GBR", "FRA", "DEU", "PHL"]
EAST = ["CHN", "RUS", "PRK", "IRN", "BLR"]


def two_camps(seed: int = 1) -> list[dict]:
    """Two cooperative camps (60 % of the pairs inside each) and 12 accusations across, from many actors."""
    rnd = random.Random(seed)
    out = []
    for side in (WEST, EAST):
        pairs = list(combinations(side, 2))
        out += [ev(f"c{side[0]}{i}", "COOPERATE", p) for i, p in enumerate(rnd.sample(pairs, int(len(pairs) * 0.6)))]
    cross = rnd.sample([(a, b) for a in WEST for b in EAST], 12)
    return out + [ev(f"h{i}", "ACCUSE", [a], [b]) for i, (a, b) in enumerate(cross)]


def shuffled_signs(events: list[dict], seed: int = 3) -> list[dict]:
    """The same ties with the hostile and cooperative events' kinds shuffled among them."""
    rnd = random.Random(seed)
    kinds = ["ACCUSE" if e["type"] == "ACCUSE" else "COOPERATE" for e in events]
    rnd.shuffle(kinds)
    out = []
    for e, k in zip(events, kinds, strict=True):
        parties = e["actors"] + e["targets"]
        out.append(ev(e["event_id"], k, parties[:1], parties[1:]) if k == "ACCUSE" else ev(e["event_id"], k, parties))
    return out


def demo_like() -> list[dict]:
    """The demo corpus's shape: one cooperative cluster, two accusations of China and Turkey's criticism of
    Stockholm; China and Sweden met once, so the best split puts the two of them in bloc B."""
    cluster = ["USA", "JPN", "KOR", "AUS", "GBR", "FRA", "DEU", "ITA", "TUR", "POL", "CAN", "PHL"]
    rnd = random.Random(4)
    out = [ev(f"k{i}", "COOPERATE", p) for i, p in enumerate(rnd.sample(list(combinations(cluster, 2)), 30))]
    return out + [ev("t1", "ACCUSE", ["TUR"], ["SWE"]), ev("t2", "ACCUSE", ["JPN"], ["CHN"]),
                  ev("t3", "ACCUSE", ["USA"], ["CHN"]), ev("t4", "CONSULT", ["CHN", "SWE"])]


def claims(events: list[dict], window_months: int = 3, seed: int = 0) -> dict[str, dict]:
    return {c["id"]: c for c in R.analyse(events, "2024", "2024", window_months=window_months, seed=seed)["claims"]}


# ------------------------------------------------------------------------------------------ hub

def test_concentration_by_hand() -> None:
    # a star of four leaves: the hub holds 4 of the 8 strength units and every shortest path between leaves
    g = N.build_network([ev(f"s{i}", "CONSULT", ["H", x]) for i, x in enumerate("ABCD")]).positive_graph()
    assert C.concentration(g) == pytest.approx((4 / 8 + 1.0) / 2)


def test_clear_hub_is_supported() -> None:
    hub = claims(clear_hub())["hub"]
    assert hub["title"] == "HUB is the hub" and hub["verdict"] == C.SUPPORTED
    t = hub["test"]
    assert t["p_value"] <= C.ALPHA and t["observed"] > t["null"]["q95"] and t["draws"] == C.DRAWS
    assert all(m["met"] for m in hub["minimums"]) and hub["numbers"]["margin"] >= C.HUB_MARGIN


@pytest.mark.parametrize("events", [ring(), random_graph()], ids=["ring", "random"])
def test_no_hub_in_a_star_free_graph(events: list[dict]) -> None:
    hub = claims(events)["hub"]
    assert all(m["met"] for m in hub["minimums"])  # enough evidence: the test itself says no
    assert hub["verdict"] == C.NOT_SUPPORTED and hub["test"]["p_value"] > C.ALPHA


def test_too_few_ties_is_not_enough_evidence() -> None:
    hub = claims([ev("a", "CONSULT", ["A", "B"]), ev("b", "CONSULT", ["A", "C"]), ev("c", "AGREE", ["A", "D"])])["hub"]
    assert hub["verdict"] == C.NOT_ENOUGH
    unmet = {m["name"] for m in hub["minimums"] if not m["met"]}
    assert unmet == {"actors with a cooperative tie", "cooperative ties"}
    assert "Not enough evidence" in hub["text"]
    empty = claims([ev("m", "MOBILIZE", ["A"])])["hub"]
    assert empty["verdict"] == C.NOT_ENOUGH and empty["test"]["draws"] == 0


def test_hub_draws_scale_down_on_big_graphs() -> None:
    rnd = random.Random(0)
    actors = [f"A{i:03d}" for i in range(120)]
    pairs = rnd.sample(list(combinations(actors, 2)), 1000)
    net = N.build_network([ev(f"e{i}", "CONSULT", p) for i, p in enumerate(pairs)])
    t = C.hub_test(net, draws=500)
    assert t["draws_asked"] == 500 and t["draws"] == int(C.HUB_WORK_BUDGET // (120 * 1000)) < 500
    assert t["draws"] >= C.MIN_DRAWS


# ------------------------------------------------------------------------------------------ blocs

def test_two_hostile_camps_are_blocs() -> None:
    blocs = claims(two_camps())["blocs"]
    assert blocs["verdict"] == C.SUPPORTED
    assert set(blocs["numbers"]["bloc_a"]) == set(WEST) and set(blocs["numbers"]["bloc_b"]) == set(EAST)
    t = blocs["test"]
    assert t["observed"] == 0 and t["null"]["mean"] > 3 and t["p_value"] <= C.ALPHA and t["alternative"] == "less"
    assert 0 < t["balance_beyond_chance"] <= 1 and t["p_zero"] <= C.ALPHA


def test_shuffled_signs_are_not_blocs() -> None:
    blocs = claims(shuffled_signs(two_camps()))["blocs"]
    assert all(m["met"] for m in blocs["minimums"])
    assert blocs["verdict"] == C.NOT_SUPPORTED and blocs["test"]["p_value"] > C.ALPHA


def test_demo_corpus_case_is_not_enough_evidence() -> None:
    """A cooperative cluster plus three accusations: China and Sweden make a 'bloc' only because Turkey
    criticised Stockholm. Balanced it is (the shuffles are not), but two actors and three hostile ties
    from one side's point of view are no bloc politics."""
    blocs = claims(demo_like())["blocs"]
    assert blocs["numbers"]["bloc_b"] == ["CHN", "SWE"] and blocs["numbers"]["hostile_ties"] == 3
    assert blocs["verdict"] == C.NOT_ENOUGH
    unmet = {m["name"] for m in blocs["minimums"] if not m["met"]}
    assert unmet == {"actors in the smaller bloc", "cooperative ties inside the less cohesive bloc"}
    assert claims(demo_like())["dilemma"]["verdict"] == C.NOT_ENOUGH


def test_frustration_null_exact_and_heuristic() -> None:
    k4 = [("A", "B"), ("A", "C"), ("A", "D"), ("B", "C"), ("B", "D"), ("C", "D")]
    net = N.build_network([ev(f"k{i}", "ACCUSE", [a], [b]) for i, (a, b) in enumerate(k4)])
    t = C.bloc_balance_test(net, draws=50)
    assert t["observed"] == 2 and t["null"]["mean"] == 2 and t["p_value"] == 1.0  # every shuffle is the same graph
    # two hostile cliques of ten with one friendly cross tie: 20 actors, beyond the exact limit
    west, east = [f"W{i}" for i in range(10)], [f"E{i}" for i in range(10)]
    events = [ev(f"c{a}{b}", "COOPERATE", [a, b]) for side in (west, east) for a, b in combinations(side, 2)]
    events += [ev(f"h{a}{b}", "ACCUSE", [a], [b]) for a in west for b in east if (a, b) != ("W0", "E0")]
    events.append(ev("f", "CONSULT", ["W0", "E0"]))
    t = C.bloc_balance_test(N.build_network(events), draws=40)
    assert 20 > C.NULL_EXACT_LIMIT and t["observed"] == 1 and t["null"]["q05"] > 10 and t["p_value"] == pytest.approx(1 / 41, abs=1e-6)


# ------------------------------------------------------------------------------------------ security dilemma

def dated(events: list[dict], dates: list[str]) -> list[dict]:
    return [{**e, "date": d} for e, d in zip(events, dates, strict=True)]


def camps_over_time(rising: bool) -> list[dict]:
    """The two camps over 2024: hostility in the first half; cooperation either mostly in the second
    half (rising) or spread over the year (flat)."""
    base = two_camps()
    coop = [e for e in base if e["type"] != "ACCUSE"]
    hostile = [e for e in base if e["type"] == "ACCUSE"]
    months = ["02", "05"] * 6
    out = dated(hostile, [f"2024-{m}-10" for m in months])
    if rising:
        return out + dated(coop, [f"2024-{'03' if i < 3 else ('08' if i % 2 else '11')}-15" for i in range(len(coop))])
    return out + dated(coop, [f"2024-{('02', '05', '08', '11')[i % 4]}-15" for i in range(len(coop))])


def test_security_dilemma_rising_cooperation_is_supported() -> None:
    cs = claims(camps_over_time(rising=True))
    assert cs["blocs"]["verdict"] == C.SUPPORTED
    d = cs["dilemma"]
    assert d["verdict"] == C.SUPPORTED and d["test"]["p_value"] <= C.ALPHA
    assert d["numbers"]["late"] > d["numbers"]["early"] and d["test"]["observed"] > d["test"]["null"]["q95"]


def test_security_dilemma_flat_cooperation_is_not_supported() -> None:
    d = claims(camps_over_time(rising=False))["dilemma"]
    assert all(m["met"] for m in d["minimums"])
    assert d["verdict"] == C.NOT_SUPPORTED and d["test"]["p_value"] > C.ALPHA


def test_security_dilemma_needs_windows() -> None:
    d = claims(camps_over_time(rising=True), window_months=6)["dilemma"]  # two half-year windows
    assert d["verdict"] == C.NOT_ENOUGH
    assert [m["name"] for m in d["minimums"] if not m["met"]] == ["windows in the series"]


def test_trend_test_by_hand() -> None:
    # four cooperative events, all late, and four without cooperation: D = 4. At random each cooperative
    # event is late with probability 1/2, D = 2·Binomial(4, 1/2) − 4, so P(D ≥ 4) = 1/16
    t = C.trend_test(np.array([0, 0, 0, 0, 1, 1, 1, 1.0]), np.array([False] * 4 + [True] * 4), 0.5, draws=4000,
                     seed=1)
    assert t["observed"] == 4 and t["null"]["mean"] == pytest.approx(0, abs=0.1)
    assert t["p_value"] == pytest.approx(1 / 16, abs=0.01)
    # three windows, two of them late: the null expects growth (q = 2/3), and D = 4 of four is less surprising
    t3 = C.trend_test(np.array([1, 1, 1, 1.0]), np.array([True] * 4), 2 / 3, draws=4000, seed=1)
    assert t3["null"]["mean"] == pytest.approx(4 * (2 * 2 / 3 - 1), abs=0.1)
    assert t3["p_value"] == pytest.approx((2 / 3) ** 4, abs=0.02)


# ------------------------------------------------------------------------------------------ the report

def test_claims_are_deterministic_with_the_seed() -> None:
    def ps(seed: int) -> list[float]:
        return [c["test"]["p_value"] for c in claims(camps_over_time(True), seed=seed).values()]

    assert ps(0) == ps(0) and ps(7) == ps(7)
    a, b = claims(random_graph(), seed=0)["hub"]["test"], claims(random_graph(), seed=1)["hub"]["test"]
    assert a["observed"] == b["observed"] and a["null"] != b["null"]  # another seed, other draws


def test_report_shows_each_test(tmp_path) -> None:
    out = tmp_path / "r.md"
    R.write_report(demo_like(), out, "2024", "2024", draws=200)
    md = out.read_text(encoding="utf-8")
    assert "### Bloc politics — not enough evidence" in md
    assert "| test | null model | observed | null mean ± sd | null 5 %–95 % | draws | p-value | z | threshold |" in md
    assert "| evidence minimum | required | observed | met |" in md
    assert "| actors in the smaller bloc | ≥ 3 | 2 | no |" in md
    assert "signs shuffled over the same ties" in md and "| 200 |" in md
    page = tmp_path / "r.html"
    R.write_report(two_camps(), page, "2024", "2024", draws=200)
    html = page.read_text(encoding="utf-8")
    assert 'class="claim supported" id="claim-blocs"' in html and '<table class="minimums">' in html
    assert "G(n, m) on the cooperating actors" in html and "p ≤ 0.05 and margin ≥ 0.1" in html
