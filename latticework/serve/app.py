"""The web application behind `latticework serve`: a FastAPI app over one Store.

`create_app` is a library call (tests and other programs build the app the same way); the CLI only
builds it and runs uvicorn. See docs/serve.md for the API and the security model.

Routers: the API's own (latticework.serve.api), then any optional module of OPTIONAL_ROUTERS that
exists (latticework/serve/corrections.py defines `router`, an APIRouter whose writes depend on
`security.require_token` and whose reads may use `api.store_of`; it is included before the
workbench page), then the workbench page (latticework/serve/static/) at `/`.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from latticework.protocols import EventCoder
from latticework.serve import api
from latticework.serve.responses import JSONData, error
from latticework.serve.security import LOOPBACK_HOSTS, MAX_BODY, Guard, WriteRefused, docs_policy
from latticework.store import Store, StoreError

log = logging.getLogger("latticework.serve")

#: Modules whose `router` is included when the module exists (in this order, after the API's own).
OPTIONAL_ROUTERS = ("latticework.serve.corrections",)
#: The workbench page's files (HTML, JS, CSS), served at `/`.
STATIC = Path(__file__).parent / "static"


def _one_line(exc: RequestValidationError) -> str:
    """FastAPI's list of validation errors as one line: `limit: Input should be less than or equal to 1000`."""
    parts = []
    for err in exc.errors()[:3]:
        loc = [str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body", "header")]
        parts.append(f"{'.'.join(loc) or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def create_app(db_url: str | None = None, token: str | None = None, *, max_body: int = MAX_BODY,
               allowed_hosts: Iterable[str] = LOOPBACK_HOSTS, coder: EventCoder | None = None,
               data_dirs: Sequence[str] = (), static_dir: str | Path | None = None) -> FastAPI:
    """The app over the store at `db_url` (default $LATTICEWORK_DB or ./latticework.db).

    `token`: the bearer token writes need; None or empty makes the server read-only (writes get 403).
    `max_body`: largest request body in bytes (413 beyond). `allowed_hosts`: names the Host header may
    carry (default the loopback names; "*" for any). `coder`: the coder POST /api/documents uses
    (default: the real coder with the shipped dictionaries plus `data_dirs`, built on first use).
    The store is opened here, so a missing or unreachable database fails now, as a StoreError; a
    server with a token may create a new SQLite file, a read-only one may not."""
    store = Store(db_url, create=bool(token))
    if store.dialect == "postgresql":
        _server_engine(store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    app = FastAPI(title="latticework", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="Coded defence-cooperation events, their evidence and the alliance network "
                              "(docs/serve.md). Writes need `Authorization: Bearer <token>`.")
    app.state.store = store
    app.state.token = token or None
    app.state.coder = coder
    app.state.data_dirs = list(data_dirs)
    app.state.write_lock = threading.Lock()
    app.state.cache = api.ViewCache()  # networks and claims
    app.state.counts = api.ViewCache(512)  # totals of event filters
    app.state.mark = api.WriteMark()  # what the totals are cached on

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONData:
        return error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONData:
        return error(422, _one_line(exc))

    @app.exception_handler(WriteRefused)
    async def _refused(_request: Request, exc: WriteRefused) -> JSONData:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error(exc.status, exc.detail, headers)

    @app.exception_handler(StoreError)
    async def _store_error(_request: Request, exc: StoreError) -> JSONData:
        return error(503, str(exc))

    app.include_router(api.router)
    for name in OPTIONAL_ROUTERS:
        if importlib.util.find_spec(name) is not None:
            app.include_router(importlib.import_module(name).router)

    docs_html_bytes = bytes(get_swagger_ui_html(openapi_url="/openapi.json", title="latticework API").body)
    docs_html = docs_html_bytes.decode("utf-8")

    @app.get("/docs", include_in_schema=False)
    async def _docs() -> Any:
        from starlette.responses import HTMLResponse

        return HTMLResponse(docs_html)

    static = Path(static_dir) if static_dir is not None else STATIC
    if (static / "index.html").is_file():
        from starlette.staticfiles import StaticFiles

        app.mount("/", StaticFiles(directory=static, html=True), name="workbench")
    else:
        @app.get("/", include_in_schema=False)
        async def _no_page() -> JSONData:
            return error(404, "the workbench page is not installed here; the API is under /api, described at /docs")

    # the last added is the outermost: Guard sees every request first and every response last
    app.add_middleware(_Failsafe)
    app.add_middleware(Guard, max_body=max_body, allowed_hosts=allowed_hosts,
                       policies={"/docs": docs_policy(docs_html)})
    return app


def _server_engine(store: Store) -> None:
    """The server's PostgreSQL engine: no ping before each use of a pooled connection, and sessions that
    plan without parallel workers. Both measured with bench/bench_serve.py at 100k documents.

    - A ping is one more round trip per query group; without it the server answers ~28 % more requests
      per second. A connection that died (the database restarted) still fails only once: SQLAlchemy
      then drops every pooled connection, that request is a 503, the next ones reconnect.
    - A page query reads a few hundred rows; a parallel plan starts worker processes that, on a small
      machine serving many requests at once, cost more than they save (a page of one actor's events:
      95 ms with parallel workers, 34 ms without; every other filter gains too)."""
    import sqlalchemy as sa

    old = store.engine
    engine = sa.create_engine(store.url, pool_pre_ping=False)

    @sa.event.listens_for(engine, "connect")
    def _no_parallel(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET max_parallel_workers_per_gather = 0")
        dbapi_conn.commit()

    store.engine = engine
    old.dispose()


class _Failsafe:
    """Innermost-but-one ASGI layer: an unexpected exception becomes a JSON 500 (logged with its traceback
    here, never sent), so the response still passes through Guard and carries its headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:  # noqa: BLE001 - the boundary: the client gets one line, the log gets the traceback
            log.exception("error in %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await error(500, "internal server error (the server's log has the details)")(scope, receive, send)
