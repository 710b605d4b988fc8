"""The JSON API's routes: events, documents, actors, windows, network, claims (docs/serve.md).

Each route checks its parameters the way the CLI does (latticework.filters, validate.date_option),
asks the Store, and sends a JSONData response. Reads need nothing; POST /api/documents needs the
token (security.require_token). Routes are plain `def`s: FastAPI runs them in its thread pool, so a
slow query holds one thread, never the event loop.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from latticework import filters
from latticework.serve import schemas, views
from latticework.serve.responses import JSONData
from latticework.serve.security import require_token
from latticework.store import Store, StoreError
from latticework.store import documents as docs_q
from latticework.validate import char_problem, date_option, shown_id

router = APIRouter(prefix="/api")

#: Longest accepted value of a free-text filter and of an id in a path.
MAX_FILTER = 500
MAX_ID = 1024
#: Most documents one POST may carry (the body limit applies too).
MAX_POST_DOCUMENTS = 1000
#: Most events a POST response lists.
MAX_POST_EVENTS = 1000

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.Error}, 404: {"model": schemas.Error}, 422: {"model": schemas.Error},
    503: {"model": schemas.Error}}


async def store_of(request: Request) -> Store:
    """The app's Store (route dependency; other routers, such as corrections, use it too). A coroutine,
    so FastAPI does not send it to a worker thread of its own."""
    return request.app.state.store  # type: ignore[no-any-return]


StoreDep = Annotated[Store, Depends(store_of)]


def bad(detail: str, status: int = 422) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


def _text_param(name: str, value: str | None, limit: int = MAX_FILTER) -> str | None:
    """A free-text parameter: no NUL or lone surrogate (PostgreSQL refuses them), at most `limit` characters."""
    if value is None:
        return None
    problem = char_problem(name, value)
    if problem:
        raise bad(problem)
    if len(value) > limit:
        raise bad(f"{name} is {len(value)} characters long, over the limit of {limit}")
    return value


def _date(name: str, value: str | None) -> str | None:
    try:
        return date_option(name, _text_param(name, value, 32))
    except ValueError as exc:
        raise bad(str(exc)) from None


def _checked(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except filters.FilterError as exc:
        raise bad(str(exc)) from None


class WriteMark:
    """documents.write_mark, read at most every `every` seconds per process: a page of events needs the
    mark for its cached total, and one more round trip per request costs a tenth of the server's time
    under load. A write through this server clears it at once (`clear`); one by another process is
    seen within `every` seconds."""

    def __init__(self, every: float = 0.5) -> None:
        self.every = every
        self._value: tuple | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def get(self, store: Store) -> tuple:
        now = time.monotonic()
        with self._lock:
            if self._value is not None and now - self._at < self.every:
                return self._value
        value = docs_q.write_mark(store)
        with self._lock:
            self._value, self._at = value, now
        return value

    def clear(self) -> None:
        with self._lock:
            self._value = None


class ViewCache:
    """The last few computed networks and claims, keyed by their parameters and the store's data_version
    (any ingest, recode or import changes it, so nothing stale is served). Thread-safe."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# ------------------------------------------------------------------------------------------- events

def event_filters(store: Store, counts: ViewCache, mark: tuple, *, actor: str | None, with_: str | None, type: str | None, mode: str | None,
                  framework: str | None, since: str | None, until: str | None, status: str | None,
                  source: str | None, text: str | None) -> dict[str, Any]:
    """The filters of Store.iter_events, checked as the CLI checks them (422 naming the parameter); the
    store's actor codes are kept in `counts` until the next write (`mark`, documents.write_mark)."""
    for name, value in (("actor", actor), ("with", with_), ("framework", framework), ("source", source),
                        ("text", text), ("type", type), ("mode", mode), ("status", status)):
        _text_param(name, value)
    type_ = _checked(filters.check_type, type)
    mode_ = _checked(filters.check_mode, mode, type_)
    status_ = _checked(filters.check_status, status)
    since_, until_ = _date("since", since), _date("until", until)
    if actor or with_:
        known = counts.get(("actors", mark), lambda: filters.known_actors(store))
        _checked(filters.check_actor_codes, known, {"actor": actor, "with": with_})
    return {"actor": actor.strip().upper() if actor else None, "with_": with_.strip().upper() if with_ else None,
            "type": type_, "mode": mode_, "framework": framework or None, "since": since_, "until": until_,
            "status": status_, "source": source or None, "text": text or None}


@router.get("/events", response_model=schemas.EventPage, responses=_ERRORS, summary="List events or reports")
def list_events(
    request: Request,
    store: StoreDep,
    actor: Annotated[str | None, Query(description="Events in which this actor code takes part.")] = None,
    with_: Annotated[str | None, Query(alias="with", description="…and this second actor (a dyad).")] = None,
    type: Annotated[str | None, Query(description="Event type, e.g. CONSULT.")] = None,
    mode: Annotated[str | None, Query(description="Event mode, e.g. exercise.")] = None,
    framework: Annotated[str | None, Query(description="Framework code, e.g. QUAD.")] = None,
    since: Annotated[str | None, Query(description="On or after this date (YYYY[-MM[-DD]]).")] = None,
    until: Annotated[str | None, Query(description="On or before this date (YYYY[-MM[-DD]]).")] = None,
    status: Annotated[str | None, Query(description="occurred or planned.")] = None,
    source: Annotated[str | None, Query(description="text, a dataset (gdelt, icews…) or a document source.")] = None,
    text: Annotated[str | None, Query(description="Words to find in the evidence (case-insensitive).")] = None,
    reports: Annotated[bool, Query(description="One item per coded report, not per event.")] = False,
    min_sources: Annotated[int | None, Query(ge=1, description="Events reported by at least N sources.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Items per page.")] = 100,
    offset: Annotated[int, Query(ge=0, description="Items to skip (pages: offset = k × limit).")] = 0,
) -> JSONData:
    """Events matching every filter, oldest first, one page at a time; `total` counts all the matches."""
    mark = request.app.state.mark.get(store)
    f = event_filters(store, request.app.state.counts, mark, actor=actor, with_=with_, type=type, mode=mode, framework=framework, since=since,
                      until=until, status=status, source=source, text=text)
    f.update(reports=reports, min_sources=min_sources)
    total = _total(request, store, f, mark)
    items = list(store.iter_events(**f, limit=limit, offset=offset)) if offset < total else []
    return JSONData({"total": total, "limit": limit, "offset": offset, "items": items})


def _total(request: Request, store: Store, f: dict[str, Any], mark: tuple) -> int:
    """count_events(**f), cached until the next write (documents.write_mark): counting every match of a
    broad filter is the costly part of a page at 100k documents, and paging through one filter asks
    for the same count again and again."""
    key = ("total", tuple(sorted(f.items())), mark)
    return int(request.app.state.counts.get(key, lambda: store.count_events(**f)))


def _path_id(kind: str, value: str) -> str:
    if not value.strip():
        raise bad(f"no {kind} id given", 404)
    return _text_param(f"{kind} id", value, MAX_ID) or ""


def event_detail(store: Store, event_id: str, context: int = views.CONTEXT) -> dict | None:
    """get_event plus `context` (the evidence in its document's text), the document without its text."""
    try:
        ev = store.get_event(event_id)
    except StoreError as exc:
        if str(exc).startswith("id prefix"):  # resolve_id's one-line "id prefix … is ambiguous: …"
            raise bad(str(exc), 400) from None
        raise
    if ev is None:
        return None
    doc = ev.get("document")
    evidence = ev.get("evidence") or {}
    ev["context"] = views.evidence_context(doc.get("text") if doc else None, evidence.get("start"),
                                           evidence.get("end"), context)
    if doc:
        ev["document"] = {k: v for k, v in doc.items() if k != "text"}
    return ev


@router.get("/events/{event_id:path}", response_model=schemas.EventDetail, responses=_ERRORS,
            summary="One event or report")
def get_event(store: StoreDep, event_id: str,
              context: Annotated[int, Query(ge=0, le=views.MAX_CONTEXT,
                                            description="Characters of text on each side of the evidence.")]
              = views.CONTEXT) -> JSONData:
    """An event (or a report) by id or unique id prefix, with its reports, evidence and the evidence in
    context. 404 when nothing has that id, 400 when a prefix fits several."""
    ev = event_detail(store, _path_id("event", event_id), context)
    if ev is None:
        raise bad(f"no event or report {event_id[:200]!r} in the database", 404)
    return JSONData(ev)


# ------------------------------------------------------------------------------------------- documents

@router.get("/documents", response_model=schemas.DocumentPage, responses=_ERRORS, summary="List documents")
def list_documents(
    store: StoreDep,
    source: Annotated[str | None, Query(description="Only documents of this source (outlet).")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONData:
    """Documents in id order, one page at a time, each with the number of reports coded from it."""
    source = _text_param("source", source)
    total = docs_q.count_documents(store, source=source)
    items = docs_q.list_documents(store, limit=limit, offset=offset, source=source) if offset < total else []
    return JSONData({"total": total, "limit": limit, "offset": offset, "items": items})


@router.get("/documents/{doc_id:path}", response_model=schemas.Document, responses=_ERRORS,
            summary="One document with its reports")
def get_document(store: StoreDep, doc_id: str) -> JSONData:
    """The document's text and metadata and every report coded from it, with the evidence offsets to
    highlight and the event each report belongs to."""
    doc = docs_q.get_document(store, _path_id("document", doc_id))
    if doc is None:
        raise bad(f"no document {doc_id[:200]!r} in the database", 404)
    return JSONData(doc)


#: The request body of POST /api/documents, after shared/schema/document.schema.json.
DOCUMENT_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["id", "text"],
    "properties": {
        "id": {"type": "string", "minLength": 1}, "text": {"type": "string"},
        "published": {"type": ["string", "null"], "description": "ISO date; anchor for relative dates"},
        "title": {"type": ["string", "null"]}, "source": {"type": ["string", "null"]},
        "url": {"type": ["string", "null"]},
        "language": {"type": ["string", "null"], "description": "BCP 47 tag; English when absent"}},
}
_POST_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "oneOf": [DOCUMENT_SCHEMA, {"type": "array", "items": DOCUMENT_SCHEMA, "maxItems": MAX_POST_DOCUMENTS}]}}}}}
_OPTIONAL = ("published", "title", "source", "url", "language")


def parse_documents(body: Any) -> list[Any]:
    """The documents of a POST body (one object or a list), read by the same reader as `ingest`
    (latticework.ingest.read_documents: empty text, size, language, publication date, NUL, duplicate
    ids). Any problem is a 422 naming the document, and nothing is stored."""
    from latticework.ingest import InputProblem, read_documents

    many = isinstance(body, list)
    items = body if many else [body]
    if not items:
        raise bad("the body holds no documents")
    if len(items) > MAX_POST_DOCUMENTS:
        raise bad(f"{len(items)} documents in one request, over the limit of {MAX_POST_DOCUMENTS}")
    names = [f"document {i}" if many else "the document" for i in range(1, len(items) + 1)]
    for name, item in zip(names, items, strict=True):
        if not isinstance(item, dict):
            raise bad(f"{name} is not a JSON object")
        if not isinstance(item.get("id"), str) or not item["id"].strip():
            raise bad(f"{name} has no \"id\" (a non-empty string)")
        if not isinstance(item.get("text"), str):
            raise bad(f"{name} (id {shown_id(item['id'])}) has no \"text\" (a string)")
        for key in _OPTIONAL:
            if item.get(key) is not None and not isinstance(item[key], str):
                raise bad(f"{name} (id {shown_id(item['id'])}): \"{key}\" must be a string or null")
    lines = "\n".join(json.dumps(item, ensure_ascii=False) for item in items).encode("utf-8", "surrogatepass")
    out = []
    for n, doc in enumerate(read_documents(["-"], stdin=io.BytesIO(lines))):
        if isinstance(doc, InputProblem):
            where = doc.where
            if where.startswith("<stdin>:"):
                line = where.split(":", 1)[1].split(" ", 1)
                where = names[int(line[0]) - 1] + (" " + line[1] if len(line) > 1 else "")
            raise bad(f"{where}: {doc.message.removesuffix('; skipped')}; nothing was stored")
        doc.origin = f"POST /api/documents {names[n]}"
        out.append(doc)
    return out


def _coder(request: Request) -> Any:
    """The coder of this app, built on first use (loading spaCy takes seconds) and kept."""
    state = request.app.state
    if state.coder is None:
        from latticework.parallel import build_coder

        state.coder = build_coder(state.data_dirs)
    return state.coder


@router.post("/documents", response_model=schemas.IngestResult, openapi_extra=_POST_BODY,
             responses={**_ERRORS, 401: {"model": schemas.Error}, 403: {"model": schemas.Error},
                        413: {"model": schemas.Error}, 415: {"model": schemas.Error}},
             dependencies=[Depends(require_token)], summary="Code and store documents")
async def post_documents(request: Request, store: StoreDep) -> JSONData:
    """Code one document (a JSON object as in document.schema.json) or a list of them with the real
    coder and store them, like `latticework ingest`; a document already stored with the same content
    is left as it is. Returns the ingest summary and the events that hold reports of these documents.
    The whole body is checked first: one bad document is a 422 and nothing is stored."""
    from starlette.concurrency import run_in_threadpool

    raw = await request.body()  # read only once the token is checked (the dependency runs first)
    return JSONData(await run_in_threadpool(ingest_body, request, store, raw))


def ingest_body(request: Request, store: Store, raw: bytes) -> dict:
    """The work of POST /api/documents once the token is checked and the body read."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise bad("send the documents as JSON (Content-Type: application/json)", 415)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise bad(f"the body is not JSON: {str(exc)[:200]}", 400) from None
    docs = parse_documents(body)
    state = request.app.state
    with state.write_lock:  # one coding at a time: the coder is not shared between threads
        report = store.ingest(docs, coder=_coder(request), progress=False, inputs=["POST /api/documents"])
    state.cache.clear()
    state.counts.clear()
    state.mark.clear()
    ids = [d.id for d in docs]
    events = []
    for cid in docs_q.event_ids_of_documents(store, ids)[:MAX_POST_EVENTS]:
        ev = event_detail(store, cid)
        if ev is not None:
            events.append(ev)
    return {"summary": report.summary(), "new": report.new, "updated": report.updated,
            "unchanged": report.unchanged, "repaired": report.repaired, "reports": report.events,
            "problems": report.problems, "run_id": report.run_id, "documents": ids, "events": events}


# ------------------------------------------------------------------------------------------- actors, windows

@router.get("/actors", response_model=list[schemas.Actor], responses=_ERRORS, summary="Actors")
def actors(store: StoreDep) -> JSONData:
    """Every actor with its event count and the actors it most often shares events with (Store.actors)."""
    return JSONData(store.actors())


@router.get("/windows", response_model=list[schemas.Window], responses=_ERRORS, summary="Time windows")
def windows(
    store: StoreDep,
    months: Annotated[int, Query(ge=1, le=1200, description="Months per window.")] = 12,
    step: Annotated[int, Query(ge=1, le=1200, description="Months between window starts.")] = 12,
    since: Annotated[str | None, Query(description="First month (default: the first event's).")] = None,
    until: Annotated[str | None, Query(description="Last month (default: the last event's).")] = None,
) -> JSONData:
    """Windows of `months` months every `step` months covering the stored events' dates (or since–until);
    each is {"since": "YYYY-MM", "until": "YYYY-MM"}, the parameters /api/network and /api/claims take."""
    since, until = _date("since", since), _date("until", until)
    if since is None or until is None:
        lo, hi = docs_q.event_date_range(store)
        since, until = since or lo, until or hi
    return JSONData(views.windows(since, until, months, step)[:5000])


# ------------------------------------------------------------------------------------------- network, claims

def _window_params(since: str | None, until: str | None, region: str | None, source: str | None,
                   status: str | None) -> tuple[dict[str, Any], list[str] | None]:
    """The checked parameters of /api/network and /api/claims, and the actors of `region`."""
    from latticework.network import NetworkError, region_actors

    key = {"since": _date("since", since), "until": _date("until", until),
           "status": _checked(filters.check_status, _text_param("status", status)),
           "source": _text_param("source", source) or None, "region": _text_param("region", region) or None}
    actors_ = None
    if key["region"]:
        try:
            actors_ = region_actors(key["region"])
        except NetworkError as exc:
            raise bad(str(exc)) from None
    return key, actors_


def _window_view(request: Request, store: Store, name: str, params: tuple, view: Callable[..., dict]) -> JSONData:
    """`view(events, since, until, actors)` over the store's events of the window, from the cache when the
    same parameters were asked of the same data (see ViewCache)."""
    from latticework.network import NetworkError, load_events

    key, actors_ = _window_params(*params)

    def compute() -> dict:
        events = load_events(store, key["since"], key["until"], source=key["source"], status=key["status"])
        try:
            return view(events, key["since"], key["until"], actors_)
        except NetworkError as exc:
            raise bad(str(exc)) from None

    full = (name, tuple(sorted(key.items())), docs_q.data_version(store))
    return JSONData(request.app.state.cache.get(full, compute))


Since = Annotated[str | None, Query(description="Window start (YYYY[-MM[-DD]]).")]
Until = Annotated[str | None, Query(description="Window end, inclusive (YYYY[-MM[-DD]]).")]
Region = Annotated[str | None, Query(description="Only actors of these regions (comma-separated).")]
Source = Annotated[str | None, Query(description="Only events of this source (text, gdelt, icews, polecat, dcad).")]
Status = Annotated[str | None, Query(description="Only occurred or only planned events.")]


@router.get("/network", response_model=schemas.NetworkView, responses=_ERRORS, summary="The alliance network")
def network(request: Request, store: StoreDep, since: Since = None, until: Until = None, region: Region = None,
            source: Source = None, status: Status = None) -> JSONData:
    """The network of a window with every node measure and a layout computed on the server."""
    return _window_view(request, store, "network", (since, until, region, source, status), views.network_view)


@router.get("/claims", response_model=schemas.ClaimsView, responses=_ERRORS, summary="The report's claims")
def claims(request: Request, store: StoreDep, since: Since = None, until: Until = None, region: Region = None,
           source: Source = None, status: Status = None) -> JSONData:
    """The report's claims for a window, each with its verdict, its test against chance, its values
    (`numbers`) and its citations (the events behind it, with their evidence)."""
    return _window_view(request, store, "claims", (since, until, region, source, status), views.claims_view)
