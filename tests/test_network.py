"""Each network measure on a small graph whose answer is known by hand."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import igraph as ig
import pytest

from latticework import network as N


def ev(t: str, actors: list[str], targets: list[str] | None = None, date: str | None = "2024-05-01",
       framework: str | None = None, eid: str | None = None) -> dict:
    return {"doc_id": "d", "event_id": eid, "type": t, "mode": None, "actors": actors, "targets": targets or [],
            "framework": framework, "date": date, "status": "occurred", "hedged": False, "location": None,
            "evidence": {"text": "x", "start": 0, "end": 1}, "confidence": 1.0}


def numbered(events: list[dict]) -> list[dict]:
    for i, e in enumerate(events):
        e["event_id"] = e["event_id"] or f"e{i}"
    return events


def test_star_centrality_by_hand() -> None:
    net = N.build_network(numbered([ev("CONSULT", ["JPN", x]) for x in ("USA", "KOR", "AUS")]))
    rows = {r["actor"]: r for r in N.centrality(net)}
    assert rows["JPN"]["rank"] == 1
    assert rows["JPN"]["strength"] == 3 and rows["USA"]["strength"] == 1
    assert rows["JPN"]["betweenness"] == 3 and rows["KOR"]["betweenness"] == 0  # three leaf pairs pass JPN
    assert rows["JPN"]["eigenvector"] == 1.0
    assert rows["AUS"]["eigenvector"] == pytest.approx(1 / math.sqrt(3), abs=1e-5)
    assert rows["JPN"]["hub_score"] == 1.0
    assert rows["USA"]["hub_score"] == pytest.approx((1 / 3 + 0 + 1 / math.sqrt(3)) / 3, abs=1e-5)


def test_weights_make_strength_and_short_paths() -> None:
    # A–B agree (2), B–C consult (1), A–C consult twice (2): strengths 4, 3, 3.
    events = numbered([ev("AGREE", ["A", "B"]), ev("CONSULT", ["B", "C"]), ev("CONSULT", ["A", "C"]),
                       ev("CONSULT", ["C", "A"])])
    rows = {r["actor"]: r for r in N.centrality(N.build_network(events))}
    assert (rows["A"]["strength"], rows["B"]["strength"], rows["C"]["strength"]) == (4, 3, 3)
    # lengths 1/w: B–C direct 1.0 vs B–A–C 0.5+0.5 = 1.0 → two shortest paths, A on one: betweenness 0.5
    assert rows["A"]["betweenness"] == pytest.approx(0.5)


def test_leiden_two_triangles_modularity() -> None:
    tri = [("A", "B"), ("B", "C"), ("A", "C"), ("D", "E"), ("E", "F"), ("D", "F"), ("C", "D")]
    com = N.communities(N.build_network(numbered([ev("CONSULT", list(p)) for p in tri])))
    assert sorted(com["communities"]) == [["A", "B", "C"], ["D", "E", "F"]]
    assert com["modularity"] == pytest.approx(5 / 14, abs=1e-6)  # 2·(3/7 − (7/14)²)


def test_balance_k4_all_negative() -> None:
    pairs = [("A", "B"), ("A", "C"), ("A", "D"), ("B", "C"), ("B", "D"), ("C", "D")]
    bal = N.balance(N.build_network(numbered([ev("ACCUSE", [a], [b]) for a, b in pairs])))
    assert bal["triads"] == 4 and bal["balanced_triads"] == 0 and bal["balanced_share"] == 0
    assert bal["frustration"] == 2 and bal["frustration_exact"]  # best split 2|2 leaves one enemy pair each


def test_balance_enemy_of_enemy() -> None:
    events = numbered([ev("COOPERATE", ["JPN", "USA"]), ev("ACCUSE", ["JPN"], ["CHN"]),
                       ev("THREATEN", ["CHN"], ["USA"])])
    bal = N.balance(N.build_network(events), anchor="JPN")
    assert bal["balanced_share"] == 1.0 and bal["frustration"] == 0
    assert bal["blocs"] == {"JPN": "A", "USA": "A", "CHN": "B"}


def test_balance_large_component_heuristic_meets_bound() -> None:
    west = [f"W{i}" for i in range(10)]
    east = [f"E{i}" for i in range(10)]
    events = [ev("COOPERATE", [a, b]) for side in (west, east) for i, a in enumerate(side) for b in side[i + 1:]]
    events += [ev("ACCUSE", [a], [b]) for a in west for b in east if (a, b) != ("W0", "E0")]
    events.append(ev("CONSULT", ["W0", "E0"]))  # the one friendly cross-bloc tie
    bal = N.balance(N.build_network(numbered(events)), anchor="W3")
    assert bal["frustration"] == 1 and bal["frustration_lower_bound"] == 1 and bal["frustration_exact"]
    assert {a for a, b in bal["blocs"].items() if b == "A"} == set(west)


def test_directed_layers_and_signed_ties() -> None:
    events = numbered([ev("AID", ["USA"], ["UKR"]), ev("ACCUSE", ["CHN"], ["JPN"]),
                       ev("THREATEN", ["CHN"], ["JPN"]), ev("CONSULT", ["JPN", "CHN", "KOR"])])
    net = N.build_network(events)
    aid = net.layer_graph("AID")
    assert aid.is_directed() and [(aid.vs[e.source]["name"], aid.vs[e.target]["name"]) for e in aid.es] == \
        [("USA", "UKR")]
    tie = net.ties[("CHN", "JPN")]
    assert (tie.positive, tie.negative, tie.net, tie.sign) == (1.0, 3.0, -2.0, -1)
    assert len(net.ties) == 4  # USA–UKR, CHN–JPN, CHN–KOR, JPN–KOR
    strength = {r["actor"]: r["strength"] for r in N.centrality(net)}
    assert strength == {"USA": 2.0, "UKR": 2.0, "JPN": 2.0, "CHN": 2.0, "KOR": 2.0}


def test_windows_by_first_day() -> None:
    events = numbered([ev("CONSULT", ["A", "B"], date="2024"), ev("CONSULT", ["A", "C"], date="2024-22"),
                       ev("CONSULT", ["A", "D"], date=None)])
    assert set(N.build_network(events, "2024-01", "2024-03").nodes) == {"A", "B"}
    assert set(N.build_network(events, "2024-06", "2024-08").nodes) == {"A", "C"}
    assert len(N.build_network(events).events) == 3
    events[2]["published"] = "2024-07-30"
    assert "D" in N.build_network(events, "2024-07", "2024-07").nodes
    with pytest.raises(N.NetworkError, match="not a date"):
        N.build_network(events, "last year")
    assert N.month_windows("2024-01", "2024-12", 6, 3) == [("2024-01", "2024-06"), ("2024-04", "2024-09"),
                                                           ("2024-07", "2024-12")]


def test_tie_changes_and_series() -> None:
    events = numbered([ev("CONSULT", ["A", "B"], date="2023-03"), ev("COOPERATE", ["A", "B"], date="2024-03"),
                       ev("AGREE", ["A", "C"], date="2024-04"), ev("ACCUSE", ["A"], ["D"], date="2024-05")])
    before, after = N.build_network(events, "2023", "2023"), N.build_network(events, "2024", "2024")
    ch = N.tie_changes(before, after)
    assert [(r["a"], r["b"]) for r in ch["new"]] == [("A", "C"), ("A", "D")]
    assert [(r["a"], r["b"], r["delta_positive"]) for r in ch["strengthened"]] == [("A", "B", 1.0)]
    assert ch["grew_most"][0]["b"] == "C" and ch["soured"][0]["b"] == "D"
    rows = N.series(events, [("2023", "2023"), ("2024", "2024")])
    assert [r["events"] for r in rows] == [1, 3] and rows[1]["negative_weight"] == 1.0


def test_framework_view() -> None:
    events = numbered([ev("AGREE", ["JPN", "GBR", "ITA"], framework="GCAP"), ev("CONSULT", ["JPN", "AUS"],
                      framework="IP4"), ev("COOPERATE", ["GBR", "ITA"], framework="GCAP")])
    fw = N.framework_view(N.build_network(events))
    assert fw[0] == {"framework": "GCAP", "events": 2, "actors": ["GBR", "ITA", "JPN"], "ties": 3,
                     "event_ids": ["e0", "e2"]}
    assert fw[1]["framework"] == "IP4"


def test_region_filter() -> None:
    assert {"JPN", "KOR", "CHN", "PRK", "TWN"} <= set(N.region_actors("East Asia"))
    assert "USA" not in N.region_actors("east asia")
    with pytest.raises(N.NetworkError, match="unknown region 'Atlantis'"):
        N.region_actors("Atlantis")
    events = numbered([ev("CONSULT", ["JPN", "USA", "KOR"])])
    net = N.build_network(events, actors=N.region_actors("East Asia"))
    assert net.nodes == ["JPN", "KOR"] and list(net.ties) == [("JPN", "KOR")]


def test_exports_open_in_readers(tmp_path: Path) -> None:
    events = numbered([ev("CONSULT", ["JPN", "USA"]), ev("ACCUSE", ["JPN"], ["CHN"]), ev("AID", ["USA"], ["JPN"])])
    net = N.build_network(events)
    N.export_network(net, "graphml", tmp_path / "n.graphml")
    g = ig.Graph.Read_GraphML(str(tmp_path / "n.graphml"))
    assert sorted(g.vs["name"]) == ["CHN", "JPN", "USA"] and g.ecount() == 2
    e = g.es[g.get_eid(g.vs.find(name="JPN").index, g.vs.find(name="USA").index)]
    assert e["weight"] == 3.0 and e["directed"] == "USA>JPN AID:1"
    N.export_network(net, "gexf", tmp_path / "n.gexf")
    root = ET.parse(tmp_path / "n.gexf").getroot()
    ns = {"g": "http://gexf.net/1.3"}
    assert len(root.findall(".//g:node", ns)) == 3 and len(root.findall(".//g:edge", ns)) == 2
    data = json.loads(N.export_network(net, "json", None) or "")
    assert {n["id"] for n in data["nodes"]} == {"CHN", "JPN", "USA"}
    neg = [link for link in data["links"] if link["sign"] < 0]
    assert neg[0]["source"] == "CHN" and neg[0]["event_ids"] == ["e1"]
    text = N.export_network(net, "csv", None) or ""
    assert text.splitlines()[0].startswith("source,target,weight") and len(text.splitlines()) == 3
    with pytest.raises(N.NetworkError):
        N.export_network(net, "dot", None)


def test_balance_tie_broken_by_weight() -> None:
    # CHN either frustrates its light tie to KOR (+1) or its heavy hostile tie to JPN (−2): both cost one
    # edge, so the lighter frustrated weight decides and CHN goes to the other bloc.
    events = numbered([ev("AGREE", ["JPN", "KOR"]), ev("CONSULT", ["CHN", "KOR"]), ev("CONSULT", ["CHN", "JPN"]),
                       ev("ACCUSE", ["JPN"], ["CHN"]), ev("THREATEN", ["CHN"], ["JPN"])])
    bal = N.balance(N.build_network(events), anchor="JPN")
    assert bal["frustration"] == 1 and bal["triads"] == 1 and bal["balanced_share"] == 0
    assert bal["blocs"] == {"JPN": "A", "KOR": "A", "CHN": "B"}
