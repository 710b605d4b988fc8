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


def export_events() -> list[dict]:
    """JPN–USA cooperate (CONSULT 1 + AID 2), JPN accuses CHN (hostility only), CHN and KOR consult but
    CHN threatens KOR (net −1), a Quad meeting links four."""
    return numbered([ev("CONSULT", ["JPN", "USA"]), ev("ACCUSE", ["JPN"], ["CHN"]), ev("AID", ["USA"], ["JPN"]),
                     ev("CONSULT", ["CHN", "KOR"]), ev("THREATEN", ["CHN"], ["KOR"]),
                     ev("CONSULT", ["JPN", "USA", "AUS", "IND"], framework="QUAD")])


def test_exports_open_in_readers(tmp_path: Path) -> None:
    import networkx as nx

    net = N.build_network(export_events())
    ties = {(t.a, t.b): t for t in net.ties.values()}
    names = {"JPN": "Japan", "USA": "United States", "CHN": "China", "KOR": "South Korea", "AUS": "Australia",
             "IND": "India"}
    for fmt in ("graphml", "gexf"):
        N.export_network(net, fmt, tmp_path / f"n.{fmt}")
    readers = {"graphml (networkx)": nx.read_graphml(tmp_path / "n.graphml"),
               "gexf (networkx)": nx.read_gexf(tmp_path / "n.gexf")}
    for what, G in readers.items():
        assert set(G.nodes) == set(names), what  # node ids are the actor codes, not n0, n1, …
        assert G.number_of_edges() == len(ties), what
        for a, b, d in G.edges(data=True):
            t = ties[(min(a, b), max(a, b))]
            assert d["weight"] >= 0, what  # cooperation strength, never the signed value
            assert d["weight"] == (t.positive if t.positive > 0 else N.GEPHI_MIN_WEIGHT), what
            assert d["net"] == pytest.approx(t.net) and d["positive"] == t.positive and d["sign"] == t.sign, what
            for ty in ("CONSULT", "AID", "ACCUSE", "THREATEN"):  # one count per type present…
                assert d[f"n_{ty}"] == t.types.get(ty, 0), what
            assert "n_AGREE" not in d and "n_REQUEST" not in d, what  # …and none for types absent
    gml = readers["graphml (networkx)"]
    assert {n: d["label"] for n, d in gml.nodes(data=True)} == names
    assert gml.nodes["JPN"]["name"] == "JPN" and gml.nodes["JPN"]["hub_rank"] == 1
    gx = readers["gexf (networkx)"]
    assert {n: d["actor_name"] for n, d in gx.nodes(data=True)} == names and gx.nodes["KOR"]["label"] == "KOR"
    cj = gml.edges["CHN", "JPN"]
    assert cj["net"] == -1 and cj["positive"] == 0 and cj["weight"] == N.GEPHI_MIN_WEIGHT
    assert gml.edges["CHN", "KOR"]["net"] == -1 and gml.edges["CHN", "KOR"]["weight"] == 1

    g = ig.Graph.Read_GraphML(str(tmp_path / "n.graphml"))
    assert sorted(g.vs["name"]) == sorted(names) and g.vs["id"] == g.vs["name"] and g.ecount() == len(ties)
    assert dict(zip(g.vs["name"], g.vs["label"], strict=True)) == names
    assert min(g.es["weight"]) > 0 and all(isinstance(x, float) for x in g.es["net"])
    e = g.es[g.get_eid(g.vs.find(name="JPN").index, g.vs.find(name="USA").index)]
    assert e["weight"] == 4.0 and e["net"] == 4.0 and e["directed"] == "USA>JPN AID:1" and e["frameworks"] == "QUAD"
    root = ET.parse(tmp_path / "n.gexf").getroot()
    ns = {"g": "http://gexf.net/1.3"}
    assert len(root.findall(".//g:node", ns)) == 6 and len(root.findall(".//g:edge", ns)) == len(ties)
    assert all(float(x.get("weight")) > 0 for x in root.findall(".//g:edge", ns))

    data = json.loads(N.export_network(net, "json", None) or "")
    assert {n["id"]: n["label"] for n in data["nodes"]} == names
    neg = [link for link in data["links"] if link["sign"] < 0]
    assert {(x["source"], x["target"]) for x in neg} == {("CHN", "JPN"), ("CHN", "KOR")}
    assert min(link["weight"] for link in data["links"]) == 0  # JSON keeps the exact cooperation strength
    text = N.export_network(net, "csv", None) or ""
    assert text.splitlines()[0].startswith("source,target,weight,net,positive,negative,sign,count,n_CONSULT")
    assert len(text.splitlines()) == len(ties) + 1
    with pytest.raises(N.NetworkError, match="gexf-dynamic"):
        N.export_network(net, "dot", None)


def test_actor_labels() -> None:
    assert N.actor_label("KOR") == "South Korea" and N.actor_label("PRK") == "North Korea"
    assert N.actor_label("RUS") == "Russia" and N.actor_label("GBR") == "United Kingdom"
    assert N.actor_label("NATO") == "North Atlantic Treaty Organization"
    assert N.actor_label("XKX") == "Kosovo" and N.actor_label("W0") == "W0"


def test_dynamic_gexf_spells(tmp_path: Path) -> None:
    import networkx as nx

    events = numbered([ev("CONSULT", ["JPN", "USA"], date="2024-01-10"), ev("AID", ["USA"], ["JPN"], date="2024-02-03"),
                       ev("ACCUSE", ["JPN"], ["CHN"], date="2024-02-20"), ev("CONSULT", ["JPN", "KOR"], date="2024-06-05"),
                       ev("COOPERATE", ["JPN", "USA"], date="2024-06-25")])
    net = N.build_network(events, "2024-01", "2024-06")
    out = tmp_path / "d.gexf"
    N.export_network(net, "gexf-dynamic", out, window=2, step=1)  # windows Jan–Feb, Feb–Mar, …, May–Jun
    root = ET.parse(out).getroot()
    ns = {"g": "http://gexf.net/1.3"}
    graph = root.find("g:graph", ns)
    assert graph is not None and graph.get("mode") == "dynamic" and graph.get("timeformat") == "date"
    assert (graph.get("start"), graph.get("end")) == ("2024-01-01", "2024-06-30")
    assert {a.get("mode") for a in graph.findall("g:attributes", ns)} == {"static", "dynamic"}
    edges = {(e.get("source"), e.get("target")): e for e in graph.findall(".//g:edge", ns)}
    assert set(edges) == {("CHN", "JPN"), ("JPN", "USA"), ("JPN", "KOR")}
    for e in edges.values():
        assert e.find("g:spells", ns) is not None and e.get("weight") is None  # the weight is per window

    def spells(el: ET.Element) -> list[tuple[str | None, str | None]]:
        return [(s.get("start"), s.get("end")) for s in el.findall("g:spells/g:spell", ns)]

    # slices: Jan–Feb (the first window whole), then one month each: Mar, Apr, May, Jun
    assert spells(edges[("JPN", "USA")]) == [("2024-01-01", "2024-03-31"), ("2024-06-01", "2024-06-30")]
    assert spells(edges[("CHN", "JPN")]) == [("2024-01-01", "2024-03-31")]  # no event of the pair after March
    assert spells(edges[("JPN", "KOR")]) == [("2024-06-01", "2024-06-30")]
    nodes = {n.get("id"): n for n in graph.findall(".//g:node", ns)}
    assert spells(nodes["KOR"]) == [("2024-06-01", "2024-06-30")]
    assert spells(nodes["JPN"]) == [("2024-01-01", "2024-03-31"), ("2024-06-01", "2024-06-30")]
    weights = [(a.get("value"), a.get("start")) for a in edges[("JPN", "USA")].findall("g:attvalues/g:attvalue", ns)
               if a.get("for") == "weight"]
    assert weights == [("3.0", "2024-01-01"), ("2.0", "2024-03-01"), ("2.0", "2024-06-01")]

    G = nx.read_gexf(out)
    assert G.graph["mode"] == "dynamic"
    ju = G.edges["JPN", "USA"]
    assert ju["spells"] == [("2024-01-01", "2024-03-31"), ("2024-06-01", "2024-06-30")]
    assert ju["net"] == [(3.0, "2024-01-01", "2024-02-29"), (2.0, "2024-03-01", "2024-03-31"),
                         (2.0, "2024-06-01", "2024-06-30")]
    assert all(v >= 0 for _, _, d in G.edges(data=True) for v in [d["weight"]])
    assert G.edges["CHN", "JPN"]["net"] == [(-1.0, "2024-01-01", "2024-02-29"), (-1.0, "2024-03-01", "2024-03-31")]
    assert G.nodes["JPN"]["actor_name"] == "Japan" and G.nodes["JPN"]["strength"][0] == (3.0, "2024-01-01",
                                                                                           "2024-02-29")
    # every window's values match that window's own network
    for (s, u), (lo, hi) in zip(N.month_windows("2024-01", "2024-06", 2, 1), N._slices(
            N.month_windows("2024-01", "2024-06", 2, 1)), strict=True):
        w = N.build_network(events, s, u)
        for (a, b), t in w.ties.items():
            assert (t.net, str(lo), str(hi)) in G.edges[a, b]["net"]
    one = ET.fromstring(N.export_network(net, "gexf-dynamic", None, window=12) or "")  # shorter than a window
    assert [(s.get("start"), s.get("end")) for s in one.iter("{http://gexf.net/1.3}spell")][:1] == [
        ("2024-01-01", "2024-06-30")]


def test_balance_tie_broken_by_weight() -> None:
    # CHN either frustrates its light tie to KOR (+1) or its heavy hostile tie to JPN (−2): both cost one
    # edge, so the lighter frustrated weight decides and CHN goes to the other bloc.
    events = numbered([ev("AGREE", ["JPN", "KOR"]), ev("CONSULT", ["CHN", "KOR"]), ev("CONSULT", ["CHN", "JPN"]),
                       ev("ACCUSE", ["JPN"], ["CHN"]), ev("THREATEN", ["CHN"], ["JPN"])])
    bal = N.balance(N.build_network(events), anchor="JPN")
    assert bal["frustration"] == 1 and bal["triads"] == 1 and bal["balanced_share"] == 0
    assert bal["blocs"] == {"JPN": "A", "KOR": "A", "CHN": "B"}
