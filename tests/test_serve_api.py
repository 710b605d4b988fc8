"""The web API of `latticework serve`, in process (FastAPI's TestClient over the ASGI app) on SQLite and
PostgreSQL: every endpoint, filters, pages, errors, the token, the security headers, inert stored text;
and once as a real `latticework serve` process on a loopback port."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from latticework.coder import Coder
from latticework.ingest import Document
from latticework.serve import create_app
from latticework.serve.app import _Failsafe
from latticework.serve.security import Guard
from latticework.store import Store

with warnings.catch_warnings():  # Starlette now suggests httpx2; the pinned httpx works the same
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "test-token-7f3a9c1e5b2d4680"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "http://127.0.0.1"

DOCS = [
    ("d1", "wire", "2024-03-05", "Japan and Australia held defence talks in Tokyo on 3 March 2024."),
    ("d2", "paper", "2024-07-01", "Australia and India held a joint naval exercise in the Bay of Bengal in June 2024."),
    ("d3", "paper", "2024-03-06", "Defence ministers of Japan and Australia held talks in Tokyo on 3 March 2024, "
                                  "officials said."),
    ("d4", "wire", "2024-04-05", "China criticised Japan over its military activities near Okinawa on 4 April 2024."),
    ("d5", "wire", "2024-07-02", "The weather in Canberra was mild on Tuesday."),
    ("d6", "ministry", "2025-02-10", "The United States and the Philippines will hold a joint military exercise "
                                     "in April 2025."),
    ("d7", "wire", "2024-09-10", "India agreed to supply patrol boats to Vietnam, officials said on 9 September 2024."),
]
GDELT = [{"event_id": "gdelt-1", "type": "CONSULT", "actors": ["USA"], "targets": ["JPN"], "date": "2024-05-02",
          "status": "occurred", "evidence": {"text": "US and Japanese officials met."}}]
XSS_TITLE = "<script>alert('title')</script>"
XSS_TEXT = ("France and Germany signed a defence agreement in Paris on 5 May 2024. "
            "<img src=x onerror=alert(1)> <script>document.cookie</script> \"quoted\" & done.")


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


@pytest.fixture
def db(store_url: str, coder: Coder) -> str:
    """A store of seven coded documents (six reports, five events: d1 and d3 report the same talks) and
    one imported GDELT event."""
    with Store(store_url) as store:
        store.ingest([Document(id=i, source=s, published=p, text=t, origin=f"test:{i}") for i, s, p, t in DOCS],
                     coder, progress=False)
        store.add_events(GDELT, source="gdelt")
    return store_url


@pytest.fixture
def client(db: str, coder: Coder) -> Iterator[TestClient]:
    with TestClient(create_app(db, token=TOKEN, coder=coder), base_url=BASE) as c:
        yield c


def _events(client: TestClient, **params: object) -> dict:
    r = client.get("/api/events", params=params)
    assert r.status_code == 200, r.text
    return r.json()


# ------------------------------------------------------------------------------------------- events

def test_event_list_every_filter(client: TestClient) -> None:
    every = _events(client)
    assert every["total"] == 6 and len(every["items"]) == 6 and every["limit"] == 100 and every["offset"] == 0
    dates = [e["date"] for e in every["items"]]
    assert dates[0] == "2024-03-03" and dates[-1] == "2025-04"  # oldest first
    talks = next(e for e in every["items"] if e["doc_id"] in ("d1", "d3"))
    assert talks["n_reports"] == 2 and talks["n_sources"] == 2 and talks["report_id"] != talks["event_id"]

    def ids(**params: object) -> set[str]:
        return {e["doc_id"] or e["report_id"] for e in _events(client, **params)["items"]}

    assert ids(actor="jpn") in ({"d1", "d4", "gdelt-1"}, {"d3", "d4", "gdelt-1"})  # d1 and d3: one event
    assert ids(actor="JPN", **{"with": "CHN"}) == {"d4"}
    assert ids(type="cooperate") == {"d2", "d6"}
    assert ids(type="COOPERATE", mode="exercise", status="planned") == {"d6"}
    assert ids(since="2024-09", until="2024-12") == {"d7"}
    assert ids(source="gdelt") == {"gdelt-1"}
    assert len(ids(source="text")) == 5
    assert ids(source="ministry") == {"d6"}  # a document source
    assert ids(text="PATROL BOATS") == {"d7"}
    assert _events(client, min_sources=2)["total"] == 1
    assert _events(client, framework="QUAD")["total"] == 0
    reports = _events(client, reports="true")
    assert reports["total"] == 7 and {e["doc_id"] for e in reports["items"]} >= {"d1", "d3"}
    assert _events(client, reports=True, actor="AUS", type="CONSULT")["total"] == 2


def test_event_list_pages(client: TestClient) -> None:
    every = [e["event_id"] for e in _events(client)["items"]]
    paged = []
    for offset in range(0, 8, 2):
        page = _events(client, limit=2, offset=offset)
        assert page["total"] == 6 and page["limit"] == 2 and page["offset"] == offset
        paged += [e["event_id"] for e in page["items"]]
    assert paged == every
    beyond = _events(client, offset=50)
    assert beyond == {"total": 6, "limit": 100, "offset": 50, "items": []}
    filtered = _events(client, type="COOPERATE", limit=1, offset=1)
    assert filtered["total"] == 2 and len(filtered["items"]) == 1


@pytest.mark.parametrize(("params", "needle"), [
    ({"type": "AGRE"}, "type 'AGRE' is not an event type; valid: CONSULT, AGREE"),
    ({"mode": "parade"}, "mode 'parade' is not an event mode"),
    ({"type": "CONSULT", "mode": "exercise"}, "mode 'exercise' is not a mode of CONSULT"),
    ({"status": "maybe"}, "status 'maybe' is not an event status; valid: occurred, planned"),
    ({"actor": "JAP"}, "no actor 'JAP' in the database (actor); known: JPN"),
    ({"actor": "JPN", "with": "XYZ"}, "no actor 'XYZ' in the database (with)"),
    ({"since": "2024-13"}, "since '2024-13' is not a date"),
    ({"until": "last year"}, "until 'last year' is not a date"),
    ({"limit": 0}, "limit: Input should be greater than or equal to 1"),
    ({"limit": 1001}, "limit: Input should be less than or equal to 1000"),
    ({"offset": -1}, "offset: Input should be greater than or equal to 0"),
    ({"min_sources": "two"}, "min_sources: Input should be a valid integer"),
    ({"text": "a\x00b"}, "text holds a NUL character"),
    ({"text": "x" * 501}, "text is 501 characters long, over the limit of 500"),
])
def test_event_filters_are_checked(client: TestClient, params: dict, needle: str) -> None:
    r = client.get("/api/events", params=params)
    assert r.status_code == 422 and r.headers["content-type"] == "application/json"
    detail = r.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and needle in detail, detail


def test_event_detail_with_context(client: TestClient, db: str) -> None:
    talks = next(e for e in _events(client)["items"] if e["type"] == "CONSULT" and e["source"] == "text")
    r = client.get(f"/api/events/{talks['event_id']}")
    assert r.status_code == 200
    ev = r.json()
    assert ev["event_id"] == talks["event_id"] and len(ev["reports"]) == 2
    assert {x["doc_id"] for x in ev["reports"]} == {"d1", "d3"}
    doc_text = dict((i, t) for i, _, _, t in DOCS)[ev["doc_id"]]
    ctx, evd = ev["context"], ev["evidence"]
    assert ctx["evidence"] == doc_text[evd["start"]:evd["end"]] == evd["text"]
    assert ctx["before"] + ctx["evidence"] + ctx["after"] == doc_text  # short text: nothing cut
    assert "text" not in ev["document"] and ev["document"]["id"] == ev["doc_id"]
    # a unique prefix, a report id, and the context cut to a few characters
    assert client.get(f"/api/events/{talks['event_id'][:9]}").json()["event_id"] == talks["event_id"]
    rep = client.get(f"/api/events/{ev['reports'][1]['report_id']}").json()
    assert rep["event_id"] == ev["reports"][1]["report_id"] and rep["cluster_id"] == talks["event_id"]
    d4 = next(e for e in _events(client, type="ACCUSE")["items"])
    short = client.get(f"/api/events/{d4['event_id']}", params={"context": 0}).json()["context"]
    assert short["before"] == "" and short["evidence"] and short["after"] in ("", "…")
    # a dataset event has no document, so no context
    g = client.get("/api/events/gdelt-1").json()
    assert g["source"] == "gdelt" and g["context"] is None and g.get("document") is None


def test_event_detail_errors(client: TestClient) -> None:
    r = client.get("/api/events/no-such-event")
    assert r.status_code == 404 and r.json() == {"detail": "no event or report 'no-such-event' in the database"}
    r = client.get("/api/events/E")  # every event id starts with E
    assert r.status_code == 400 and "ambiguous" in r.json()["detail"]
    assert client.get("/api/events/").status_code == 404
    assert client.get("/api/events/x", params={"context": 5001}).status_code == 422


# ------------------------------------------------------------------------------------------- documents

def test_documents_list_and_detail(client: TestClient) -> None:
    page = client.get("/api/documents").json()
    assert page["total"] == 7 and [d["id"] for d in page["items"]] == [f"d{i}" for i in range(1, 8)]
    assert set(page["items"][0]) == {"id", "title", "source", "url", "published", "n_reports"}
    assert {d["id"]: d["n_reports"] for d in page["items"]}["d5"] == 0
    assert client.get("/api/documents", params={"source": "wire"}).json()["total"] == 4
    second = client.get("/api/documents", params={"limit": 3, "offset": 3}).json()
    assert [d["id"] for d in second["items"]] == ["d4", "d5", "d6"] and second["total"] == 7
    assert client.get("/api/documents", params={"limit": 1001}).status_code == 422

    doc = client.get("/api/documents/d4").json()
    assert doc["text"] == DOCS[3][3] and doc["source"] == "wire" and doc["n_reports"] == 1
    rep = doc["reports"][0]
    assert doc["text"][rep["evidence"]["start"]:rep["evidence"]["end"]] == rep["evidence"]["text"]
    assert client.get(f"/api/events/{rep['event_id']}").json()["report_id"] == rep["report_id"]
    r = client.get("/api/documents/nope")
    assert r.status_code == 404 and r.json()["detail"] == "no document 'nope' in the database"


# ------------------------------------------------------------------------------------------- actors, windows, network, claims

def test_actors_and_windows(client: TestClient) -> None:
    actors = client.get("/api/actors").json()
    by = {a["code"]: a for a in actors}
    assert {"JPN", "AUS", "CHN", "IND", "VNM", "USA", "PHL"} <= set(by)
    assert by["JPN"]["name"] == "Japan" and by["AUS"]["events"] == 2 and "JPN" in by["AUS"]["with"]

    assert client.get("/api/windows").json() == [{"since": "2024-03", "until": "2025-02"},
                                                 {"since": "2025-03", "until": "2026-02"}]
    quarters = client.get("/api/windows", params={"months": 3, "step": 3, "since": "2024-01",
                                                  "until": "2024-12"}).json()
    assert [w["since"] for w in quarters] == ["2024-01", "2024-04", "2024-07", "2024-10"]
    assert quarters[-1]["until"] == "2024-12"
    rolling = client.get("/api/windows", params={"months": 12, "step": 6}).json()
    assert [w["since"] for w in rolling] == ["2024-03", "2024-09", "2025-03"]
    assert client.get("/api/windows", params={"months": 0}).status_code == 422


def test_network(client: TestClient) -> None:
    net = client.get("/api/network").json()
    nodes = {n["id"]: n for n in net["nodes"]}
    assert set(nodes) == {"JPN", "AUS", "CHN", "IND", "VNM", "USA", "PHL"}
    for n in nodes.values():
        assert 0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 and n["bloc"] in ("A", "B", "")
        assert isinstance(n["degree"], int) and 0 <= n["centrality"] <= 1 and n["label"]
    assert nodes["JPN"]["label"] == "Japan" and nodes["AUS"]["degree"] == 2
    links = {(x["source"], x["target"]): x for x in net["links"]}
    assert links[("CHN", "JPN")]["sign"] == -1 and links[("CHN", "JPN")]["weight"] == 0
    assert links[("CHN", "JPN")]["net"] < 0 and links[("CHN", "JPN")]["types"] == {"ACCUSE": 1}
    assert all(x["weight"] >= 0 for x in net["links"])
    for x in net["links"]:
        for eid in x["event_ids"]:
            assert client.get(f"/api/events/{eid}").status_code == 200
    assert client.get("/api/network").json() == net  # same layout every time (seeded)

    window = client.get("/api/network", params={"since": "2024-01", "until": "2024-06"}).json()
    assert window["since"] == "2024-01" and {n["id"] for n in window["nodes"]} == {"JPN", "AUS", "CHN", "IND", "USA"}
    assert {n["id"] for n in client.get("/api/network", params={"status": "planned"}).json()["nodes"]} == {
        "IND", "VNM", "USA", "PHL"}
    assert {n["id"] for n in client.get("/api/network", params={"source": "gdelt"}).json()["nodes"]} == {"USA", "JPN"}
    r = client.get("/api/network", params={"region": "Atlantis"})
    assert r.status_code == 422 and "unknown region 'Atlantis'" in r.json()["detail"]
    assert client.get("/api/network", params={"since": "soon"}).status_code == 422


def test_claims(client: TestClient) -> None:
    data = client.get("/api/claims").json()
    claims = {c["id"]: c for c in data["claims"]}
    assert set(claims) == {"hub", "blocs", "dilemma"}
    for c in claims.values():
        assert c["verdict"] in ("supported", "not supported", "not enough evidence")
        assert 0 < c["test"]["p_value"] <= 1 and isinstance(c["numbers"], dict) and c["text"]
        assert [x["event_id"] for x in c["citations"]] == c["event_ids"]
    cited = claims["hub"]["citations"]
    assert cited and all(x["evidence"] for x in cited)
    top = next(n["id"] for n in client.get("/api/network").json()["nodes"] if n["hub_rank"] == 1)
    assert claims["hub"]["numbers"]["hub"] == top  # the claims and the network agree on the hub
    assert client.get("/api/claims", params={"until": "2024-02"}).json()["claims"][0]["verdict"] == "not enough evidence"


# ------------------------------------------------------------------------------------------- writes

def test_post_documents_needs_the_token(client: TestClient) -> None:
    doc = {"id": "n1", "text": "Japan and India held defence talks in New Delhi on 2 October 2024.",
           "published": "2024-10-03", "source": "wire"}
    r = client.post("/api/documents", json=doc)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer" and "Bearer" in r.json()["detail"]
    r = client.post("/api/documents", json=doc, headers={"Authorization": "Bearer wrong-token"})
    assert r.status_code == 401 and r.json() == {"detail": "wrong token"}
    r = client.post("/api/documents", json=doc, headers={"Authorization": f"Basic {TOKEN}"})
    assert r.status_code == 401
    assert client.get("/api/documents/n1").status_code == 404

    r = client.post("/api/documents", json=doc, headers=AUTH)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["new"] == 1 and out["reports"] == 1 and out["documents"] == ["n1"] and out["problems"] == []
    assert out["summary"].startswith("1 new, 0 updated, 0 unchanged documents")
    [ev] = out["events"]
    assert ev["type"] == "CONSULT" and set(ev["actors"]) == {"IND", "JPN"} and ev["context"]["evidence"]
    found = _events(client, actor="IND", **{"with": "JPN"})
    assert [e["event_id"] for e in found["items"]] == [ev["event_id"]]
    assert client.get("/api/documents/n1").json()["reports"][0]["event_id"] == ev["event_id"]
    assert client.get("/api/network").json()["nodes"]  # the cache saw the new data
    assert any(x["source"] == "IND" and x["target"] == "JPN" for x in client.get("/api/network").json()["links"])

    again = client.post("/api/documents", json=[doc], headers=AUTH).json()
    assert again["new"] == 0 and again["unchanged"] == 1 and [e["event_id"] for e in again["events"]] == [ev["event_id"]]


@pytest.mark.parametrize(("body", "status", "needle"), [
    (b"{not json", 400, "the body is not JSON"),
    (b"[]", 422, "the body holds no documents"),
    (b"42", 422, "the document is not a JSON object"),
    (json.dumps({"text": "x"}).encode(), 422, "the document has no \"id\""),
    (json.dumps([{"id": "ok", "text": "Japan and Australia held talks."}, {"id": "b"}]).encode(), 422,
     "document 2 (id b) has no \"text\""),
    (json.dumps({"id": "n", "text": "t", "title": 5}).encode(), 422, "\"title\" must be a string or null"),
    (json.dumps({"id": "fr", "text": "Le Japon et l'Australie ont tenu des pourparlers à Tokyo.", "language": "fr"})
     .encode(), 422, "the document (id fr): language 'fr' is not English; nothing was stored"),
    (json.dumps({"id": "e", "text": "   "}).encode(), 422, "empty text"),
    (json.dumps({"id": "p", "text": "Japan and Australia held talks.", "published": "someday"}).encode(), 422,
     "published 'someday' is not a date"),
    (json.dumps([{"id": "a", "text": "Japan and Australia held talks."},
                 {"id": "a", "text": "Japan and India held talks."}]).encode(), 422, "duplicate id 'a'"),
])
def test_post_documents_checks_the_body(client: TestClient, body: bytes, status: int, needle: str) -> None:
    r = client.post("/api/documents", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == status and needle in r.json()["detail"], r.text
    assert client.get("/api/documents").json()["total"] == 7  # nothing stored, not even the good ones


def test_post_documents_wants_json(client: TestClient) -> None:
    r = client.post("/api/documents", content=b"id=1&text=hello", headers={**AUTH, "Content-Type":
                                                                           "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and "application/json" in r.json()["detail"]


def test_read_only_without_a_token(db: str, coder: Coder) -> None:
    with TestClient(create_app(db, token=None, coder=coder), base_url=BASE) as c:
        assert _events(c)["total"] == 6
        r = c.post("/api/documents", json={"id": "n", "text": "Japan and India held talks."}, headers=AUTH)
        assert r.status_code == 403 and "read-only" in r.json()["detail"] and "LATTICEWORK_TOKEN" in r.json()["detail"]
        assert c.post("/api/documents", json={"id": "n", "text": "t"}).status_code == 403
    with TestClient(create_app(db, token="", coder=coder), base_url=BASE) as c:  # an empty token is no token
        assert c.post("/api/documents", json={"id": "n", "text": "t"}, headers={"Authorization": "Bearer "}).status_code == 403


def test_request_body_limit(db: str, coder: Coder) -> None:
    with TestClient(create_app(db, token=TOKEN, coder=coder, max_body=2000), base_url=BASE) as c:
        big = json.dumps({"id": "big", "text": "Japan and Australia held talks. " * 100})
        r = c.post("/api/documents", content=big, headers={**AUTH, "Content-Type": "application/json"})
        assert r.status_code == 413 and r.json()["detail"] == "request body over the limit of 0.00190735 MB"
        assert r.headers["x-content-type-options"] == "nosniff"

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts the bytes as they come
            for _ in range(10):
                yield b" " * 500

        r = c.post("/api/documents", content=chunks(), headers={**AUTH, "Content-Type": "application/json"})
        assert r.status_code == 413
        # the limit holds before the token check, and a body under it goes through
        assert c.post("/api/documents", content=big, headers={"Content-Type": "application/json"}).status_code == 413
        small = {"id": "s", "text": "Japan and India held defence talks in New Delhi on 2 October 2024."}
        assert c.post("/api/documents", json=small, headers=AUTH).json()["new"] == 1
        assert c.post("/api/documents", content=(json.dumps(small).encode() for _ in range(1)),
                      headers={**AUTH, "Content-Type": "application/json"}).json()["unchanged"] == 1


# ------------------------------------------------------------------------------------------- security

def test_xss_payloads_stay_inert_json(client: TestClient) -> None:
    doc = {"id": "x<script>1", "title": XSS_TITLE, "text": XSS_TEXT, "published": "2024-05-06",
           "source": "<b onmouseover=alert(2)>outlet</b>"}
    r = client.post("/api/documents", json=doc, headers=AUTH)
    assert r.status_code == 200, r.text
    [ev] = r.json()["events"]
    for path, params in (("/api/documents/x%3Cscript%3E1", None), ("/api/documents", None),
                         (f"/api/events/{ev['event_id']}", None), ("/api/events", {"reports": "true"}),
                         ("/api/events", {"source": doc["source"]})):
        r = client.get(path, params=params)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.headers["x-content-type-options"] == "nosniff"
        raw = r.content.decode("utf-8")
        assert "<" not in raw and ">" not in raw and "\\u003cscript\\u003e" in raw.lower()  # escaped in the bytes
    stored = client.get("/api/documents/x%3Cscript%3E1").json()
    assert stored["title"] == XSS_TITLE and stored["text"] == XSS_TEXT and stored["source"] == doc["source"]
    detail = client.get(f"/api/events/{ev['event_id']}").json()
    assert detail["document"]["title"] == XSS_TITLE
    assert "onerror=alert(1)" in detail["context"]["after"]  # the payload, as plain characters
    assert _events(client, source=doc["source"])["total"] == 1


def test_security_headers_on_every_response(client: TestClient) -> None:
    responses = [client.get("/api/events"), client.get("/api/events/none"), client.get("/api/events?type=X"),
                 client.post("/api/documents", json={}), client.get("/"), client.get("/openapi.json"),
                 client.get("/nope"), client.options("/api/events", headers={
                     "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}),
                 client.get("/api/events", headers={"Origin": "https://evil.example"})]
    for r in responses:
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self';" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-frame-options"] == "DENY"
        assert not any(h.startswith("access-control-") for h in r.headers)  # CORS stays off
        if r.status_code >= 400:
            assert r.headers["content-type"] == "application/json" and isinstance(r.json()["detail"], str)
    docs = client.get("/docs")
    policy = docs.headers["content-security-policy"]
    assert docs.status_code == 200 and "'sha256-" in policy and "script-src 'self' https://cdn.jsdelivr.net" in policy
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src and "unsafe-inline" not in script_src.group(1)
    spec = client.get("/openapi.json").json()
    assert {"/api/events", "/api/events/{event_id}", "/api/documents", "/api/documents/{doc_id}", "/api/actors",
            "/api/windows", "/api/network", "/api/claims"} <= set(spec["paths"])
    assert "post" in spec["paths"]["/api/documents"]


def test_unknown_host_is_refused(client: TestClient) -> None:
    r = client.get("/api/events", headers={"Host": "attacker.example"})
    assert r.status_code == 400 and "attacker.example" in r.json()["detail"]
    assert client.get("/api/events", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/api/events", headers={"Host": "[::1]:8000"}).status_code == 200


def test_errors_are_one_line_json_never_tracebacks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    Store(url).close()
    with TestClient(create_app(url), base_url=BASE) as c:
        with sa.create_engine(url).begin() as conn:  # the database loses a table under the running server
            conn.exec_driver_sql("ALTER TABLE actors RENAME TO gone")
        r = c.get("/api/actors")
        assert r.status_code == 503 and r.headers["content-type"] == "application/json"
        assert "no such table: actors" in r.json()["detail"] and "Traceback" not in r.text
    # an unexpected exception inside the app: a JSON 500 through the same guard, the details only in the log

    async def boom(scope: dict, receive: object, send: object) -> None:
        raise RuntimeError("secret internals")

    bare = TestClient(Guard(_Failsafe(boom)), base_url=BASE)  # type: ignore[arg-type]  (no lifespan: not entered)
    r = bare.get("/api/x")
    assert r.status_code == 500 and "secret" not in r.text and r.json()["detail"].startswith("internal server error")
    assert r.headers["x-content-type-options"] == "nosniff" and "content-security-policy" in r.headers


def test_a_missing_database_fails_at_start(tmp_path: Path) -> None:
    from latticework.store import StoreError

    with pytest.raises(StoreError, match="no database at"):
        create_app(f"sqlite:///{tmp_path / 'none.db'}")  # read-only: it would not create one
    create_app(f"sqlite:///{tmp_path / 'new.db'}", token=TOKEN).state.store.close()
    assert (tmp_path / "new.db").exists()


# ------------------------------------------------------------------------------------------- the real server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_latticework_serve_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    with Store(url) as store:
        store.add_events(GDELT, source="gdelt")
    port = _free_port()
    exe = Path(sys.executable).with_name("latticework")
    env = {k: v for k, v in os.environ.items() if k != "LATTICEWORK_TOKEN"}
    proc = subprocess.Popen([str(exe), "serve", "--db", url, "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline, r = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/events", timeout=5)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        assert r is not None, proc.communicate(timeout=5)[1].decode()[-2000:]
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.json()["total"] == 1 and r.json()["items"][0]["report_id"] == "gdelt-1"
        assert "content-security-policy" in r.headers and "server" not in r.headers
        w = httpx.post(f"http://127.0.0.1:{port}/api/documents", json={"id": "a", "text": "t"}, timeout=5)
        assert w.status_code == 403  # no LATTICEWORK_TOKEN: read-only
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert b"read-only" in err


def test_postgresql_sessions_plan_serially(store_url: str) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL setting")
    app = create_app(store_url, token=TOKEN)
    with app.state.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar() == "0"
    app.state.store.close()


def test_postgresql_connection_lost_costs_one_request(db: str, coder: Coder) -> None:
    if not db.startswith("postgresql"):
        pytest.skip("a PostgreSQL connection")
    with TestClient(create_app(db, token=TOKEN, coder=coder), base_url=BASE) as c:
        assert c.get("/api/events").status_code == 200
        engine = c.app.state.store.engine  # type: ignore[attr-defined]
        with engine.connect() as conn:  # the one pooled connection the requests use
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        admin = sa.create_engine(db)
        with admin.begin() as conn:  # as if the server restarted: that session ends under the pool
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        admin.dispose()
        first = c.get("/api/actors")
        assert first.status_code in (200, 503) and first.headers["content-type"] == "application/json"
        assert c.get("/api/actors").status_code == 200 and c.get("/api/events").json()["total"] == 6
