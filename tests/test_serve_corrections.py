"""Corrections through the API, in-process (ASGI), on SQLite and PostgreSQL: token, apply, recode."""

from __future__ import annotations

from fastapi.testclient import TestClient

from latticework.ingest import Document
from latticework.serve.app import create_app
from latticework.store import Store
from latticework.store import models as m

TOKEN = "s3cret-token"
DOCS = [Document(id="n1", source="Wire", published="2024-07-08",
                 text="Japan and the Philippines signed a reciprocal access agreement in Manila on 8 July 2024. "
                      "Australia and Indonesia held defence talks in Jakarta on 9 July 2024.")]


def _client(url: str, token: str | None = TOKEN) -> TestClient:
    return TestClient(create_app(url, token=token), base_url="http://127.0.0.1")


def test_corrections_need_the_token_and_survive_recode(store_url: str) -> None:
    with Store(store_url) as store:
        store.ingest(DOCS, progress=False)
        reports = {r["type"]: r for r in store.iter_events(reports=True)}
    with _client(store_url, token=None) as ro:
        res = ro.post("/api/corrections", json={"action": "reject", "report_id": reports["AGREE"]["event_id"]})
        assert res.status_code == 403 and "read-only" in res.json()["detail"]
    with _client(store_url) as api:
        res = api.post("/api/corrections", json={"action": "reject", "report_id": reports["AGREE"]["event_id"]})
        assert res.status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        res = api.post("/api/corrections", headers=auth, json={"action": "edit", "report_id": "zzz",
                                                                "event": {"date": "2024-07-10"}})
        assert res.status_code == 422 and "no event or report" in res.json()["detail"]
        res = api.post("/api/corrections", headers=auth, json={"action": "edit",
                                                                "report_id": reports["CONSULT"]["event_id"],
                                                                "event": {"date": "2024-07-10"}, "author": "ana"})
        assert res.status_code == 201, res.text
        assert res.json()["state"] == "applied"
        res = api.post("/api/corrections", headers=auth, json={"action": "reject",
                                                                "report_id": reports["AGREE"]["event_id"]})
        assert res.status_code == 201
        res = api.post("/api/corrections", headers=auth, json={
            "action": "add", "doc_id": "n1", "event": {"type": "COOPERATE", "mode": "exercise",
                                                        "actors": ["AUS", "IDN"],
                                                        "evidence": {"text": "held defence talks in Jakarta"}}})
        assert res.status_code == 201, res.text
        res = api.post("/api/corrections", headers=auth, json={"action": "accept", "report_id": "x",
                                                                "sql": "drop table events"})
        assert res.status_code == 422  # unknown fields are refused
        listed = api.get("/api/corrections").json()
        assert [c["action"] for c in listed] == ["edit", "reject", "add"]

    with Store(store_url) as store:
        with store.engine.begin() as conn:
            conn.execute(m.documents.update().values(coder_version="older"))
        store.recode(progress=False)

    with _client(store_url) as api:
        items = api.get("/api/events", params={"reports": "true"}).json()["items"]
        by_type = {r["type"]: r for r in items}
        assert "AGREE" not in by_type
        assert by_type["CONSULT"]["date"] == "2024-07-10"
        assert by_type["CONSULT"].get("provenance") == "corrected"
        assert by_type["COOPERATE"].get("provenance") == "added"
        assert {c["state"] for c in api.get("/api/corrections").json()} == {"applied"}
