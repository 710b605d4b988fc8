"""The network, report, export and import commands against a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import igraph as ig
from typer.testing import CliRunner

from latticework import network as N
from latticework.cli import app

SHARED = Path(__file__).parents[1] / ".." / "shared"
DCAD = SHARED / "data" / "dcad" / "DCAD-v1.0-main.csv"
ICEWS = SHARED / "data" / "icews" / "events.2018.sample.tab"
POLECAT = Path(__file__).parent / "data" / "polecat_sample.tsv"
SEEDS = SHARED / "corpus" / "seeds.jsonl"


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_import_network_report_export(store_url: str, tmp_path: Path) -> None:
    for kind, path in (("dcad", DCAD), ("polecat", POLECAT), ("icews", ICEWS)):
        res = run("import", kind, path, "--db", store_url)
        assert res.exit_code == 0, res.output
        assert f"{kind} events" in res.output
    res = run("network", "--since", "2000", "--until", "2010", "--region", "East Asia", "-f", "json",
              "--db", store_url)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    ids = {n["id"] for n in data["nodes"]}
    assert ids <= set(N.region_actors("East Asia")) and {"JPN", "KOR", "CHN"} <= ids
    from latticework.store import Store  # the ties carry event ids; each event here is a DCAD agreement

    with Store(store_url) as store:
        assert all((store.get_event(link["event_ids"][0]) or {}).get("source") == "dcad" for link in data["links"])

    out = tmp_path / "net.graphml"
    assert run("network", "--since", "2023", "--until", "2023", "-f", "graphml", "-o", out, "--db", store_url) \
        .exit_code == 0
    g = ig.Graph.Read_GraphML(str(out))
    assert set(g.vs["name"]) == {"JPN", "PHL", "AUS", "USA", "UKR", "CHN", "GBR", "ITA", "PRK", "KOR", "RUS"}
    assert g.vs["id"] == g.vs["name"] and dict(zip(g.vs["name"], g.vs["label"], strict=True))["PHL"] == "Philippines"
    assert min(g.es["weight"]) > 0 and min(g.es["net"]) < 0  # non-negative weight, signed value beside it

    dyn = tmp_path / "net-dynamic.gexf"
    res = run("network", "--since", "2000", "--until", "2010", "-f", "gexf-dynamic", "--window", "24", "--step", "12",
              "-o", dyn, "--db", store_url)
    assert res.exit_code == 0, res.output
    import networkx as nx

    G = nx.read_gexf(dyn)
    assert G.graph["mode"] == "dynamic" and G.number_of_edges() > 0
    assert all(d["spells"] and d["weight"] >= 0 for _, _, d in G.edges(data=True))
    assert all(d["spells"] for _, d in G.nodes(data=True))

    html = tmp_path / "r.html"
    res = run("report", "-o", html, "--since", "2023", "--until", "2023", "--source", "polecat", "--db", store_url)
    assert res.exit_code == 0, res.output
    page = html.read_text(encoding="utf-8")
    assert "Hub ranking" in page and "POLECAT pc-0005" in page  # its quoted evidence (ids are event-level now)

    plover = tmp_path / "e.json"
    assert run("export", "-f", "plover", "-o", plover, "--source", "polecat", "--db", store_url).exit_code == 0
    recs = [json.loads(x) for x in plover.read_text(encoding="utf-8").splitlines()]  # PLOVER 0.8: JSONL
    # records are events (cluster ids); the imported report each one came from is kept in its latticework block
    assert len(recs) == 8 and {r["latticework"]["report_id"] for r in recs} >= {"polecat:pc-0001", "polecat:pc-0010"}
    gd = tmp_path / "e.tsv"
    assert run("export", "-f", "gdelt", "-o", gd, "--since", "2018-06", "--until", "2018-06",
               "--db", store_url).exit_code == 0
    assert len(gd.read_text(encoding="utf-8").splitlines()[1].split("\t")) == 61


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    res = run("import", "gdelt", POLECAT, "--db", db)
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        f"error: {POLECAT}:1: expected 61 tab-separated GDELT 2.0 columns, found 40"]
    res = run("network", "--since", "yesterday", "--db", db)
    assert res.exit_code == 2 and "Traceback" not in res.output and "'yesterday' is not a date" in res.output
    res = run("report", "-o", tmp_path / "r.pdf", "--db", db)
    assert res.exit_code == 2 and "must end in .html or .md" in res.output


def test_seeds_report_2024(tmp_path: Path) -> None:
    """The end goal: the seeds, coded by the real coder, put Japan at the hub of a Western bloc."""
    db = f"sqlite:///{tmp_path / 'seeds.db'}"
    assert run("ingest", SEEDS, "--db", db, "--quiet").exit_code == 0
    md = tmp_path / "seeds.md"
    res = run("report", "-o", md, "--since", "2024", "--until", "2024", "--db", db)
    assert res.exit_code == 0, res.output
    text = md.read_text(encoding="utf-8")
    assert "### JPN is the hub — supported" in text
    # every claim states its test, the null distribution, the p-value and its evidence minimums
    assert text.count("| test | null model | observed | null mean ± sd | null 5 %–95 % | draws | p-value | z | "
                      "threshold |") == 3
    assert text.count("| evidence minimum | required | observed | met |") == 3
    verdicts = [ln.split(" — ")[-1] for ln in text.splitlines() if ln.startswith("### ")][:3]
    assert len(verdicts) == 3 and set(verdicts) <= {"supported", "not supported", "not enough evidence"}
    assert "supported: JPN is the hub (p = " in res.output  # the verdict lines on stderr carry the p-value
    from latticework.store import Store

    with Store(db) as store:
        net = N.build_network(N.load_events(store, "2024", "2024"), "2024", "2024")
    assert N.centrality(net)[0]["actor"] == "JPN"
    for a, b in [("JPN", "USA"), ("JPN", "KOR"), ("KOR", "USA"), ("GBR", "JPN"), ("ITA", "JPN"), ("GBR", "ITA"),
                 ("DEU", "JPN"), ("ESP", "JPN"), ("AUS", "JPN"), ("JPN", "NZL")]:
        assert net.ties[(a, b)].net > 0, (a, b)
    assert net.ties[("CHN", "JPN")].net < 0
    blocs = N.balance(net, anchor="JPN")["blocs"]
    assert blocs["JPN"] == "A" and all(blocs.get(x) == "B" for x in ("CHN", "RUS", "PRK"))
    res = run("network", "--since", "2024", "--until", "2024", "--status", "occurred", "-f", "json", "--db", db)
    occurred = json.loads(res.stdout)
    ids = {i for link in occurred["links"] for i in link["event_ids"]}
    assert ids and all(net.events[i]["status"] == "occurred" for i in ids)
    assert occurred["graph"]["events"] < len(net.events)  # the planned ones are left out
    for eid in net.ties[("CHN", "JPN")].event_ids:  # the seed sentences behind the hostile tie are quoted
        assert "> " + net.events[eid]["evidence"]["text"].strip() in text
