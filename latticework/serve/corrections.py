"""The API's corrections: POST /api/corrections (token) and GET /api/corrections.

Thin over Store.correct and Store.corrections (latticework/store/corrections.py has the rules): the
page's accept / reject / edit buttons and its "add event" on a selected span call the same one
function as `latticework correct`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from latticework.serve.api import StoreDep
from latticework.serve.responses import JSONData
from latticework.serve.security import require_token
from latticework.store import StoreError

router = APIRouter(prefix="/api", tags=["corrections"])


class CorrectionIn(BaseModel):
    """One correction. accept / reject / edit name `report_id` (a report or event id, or a unique
    prefix); edit and add give `event` (for add with `evidence`: {"start", "end"} in the document's
    text, or {"text"} as it stands there); add names `doc_id`."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["accept", "reject", "edit", "add"]
    report_id: str | None = Field(None, max_length=255)
    doc_id: str | None = Field(None, max_length=512)
    event: dict[str, Any] | None = None
    author: str | None = Field(None, max_length=255)
    note: str | None = Field(None, max_length=2000)


@router.post("/corrections", dependencies=[Depends(require_token)], summary="Correct a coded event",
             status_code=201)
async def post_correction(request: Request, store: StoreDep, body: CorrectionIn) -> JSONData:
    """Record the correction and apply it at once; it is applied again after every recode."""
    from starlette.concurrency import run_in_threadpool

    if body.event is not None and len(json.dumps(body.event)) > 20_000:
        raise HTTPException(413, "the event is too large")

    def go() -> dict:
        with request.app.state.write_lock:
            try:
                got = store.correct(body.action, report_id=body.report_id, doc_id=body.doc_id,
                                    event=body.event, author=body.author, note=body.note)
            except StoreError as exc:
                raise HTTPException(422, str(exc)) from None
        state = request.app.state
        for cache in (state.cache, state.counts, state.mark):  # networks, claims and totals changed
            cache.clear()
        return got

    return JSONData(await run_in_threadpool(go), status_code=201)


@router.get("/corrections", summary="Every correction")
def list_corrections(store: StoreDep, doc_id: str | None = Query(None, max_length=512),
                     state: Literal["applied", "orphaned"] | None = None) -> JSONData:
    """Oldest first; `orphaned` ones no longer find their span or report in the document's text."""
    return JSONData(store.corrections(doc_id=doc_id, state=state))
