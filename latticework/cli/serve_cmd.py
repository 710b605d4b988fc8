"""`latticework serve`: build the web app (latticework.serve.create_app) and run it under uvicorn."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from latticework.cli.app import app

#: Hosts that only this machine can reach.
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command()
def serve(
    db: Annotated[str | None, typer.Option("--db", envvar="LATTICEWORK_DB",
                                           help="Database URL or SQLite file path (default ./latticework.db).")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on. The default is reachable from this machine "
                                           "only; anything else exposes the API to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")] = 8000,
    allow_host: Annotated[list[str], typer.Option(
        "--allow-host", help="A name the Host header may carry besides the loopback names and --host "
                             "(e.g. the machine's DNS name); repeatable; '*' allows any.")] = [],  # noqa: B006
    workers: Annotated[int, typer.Option(min=1, help="Server processes (each opens the store).")] = 1,
) -> None:
    """Serve the JSON API (/api, described at /docs) and the workbench page (/) over the store.

    Reads are open to whoever can reach the address. Writes (POST /api/documents) need the token in
    $LATTICEWORK_TOKEN, sent as `Authorization: Bearer <token>`; without it the server is read-only."""
    import uvicorn

    from latticework.store import StoreError

    token = os.environ.get("LATTICEWORK_TOKEN") or None
    hosts = list(_LOOPBACK) + ([host] if host not in ("0.0.0.0", "::") else []) + list(allow_host)
    if token is not None and len(token) < 16:
        print("warning: LATTICEWORK_TOKEN is shorter than 16 characters; a longer random one is safer",
              file=sys.stderr)
    if host not in _LOOPBACK:
        print(f"warning: listening on {host}: the API is reachable from the network"
              + ("" if token else " (read-only: no LATTICEWORK_TOKEN)"), file=sys.stderr)
    from latticework.serve import create_app

    try:
        web = create_app(db, token, allowed_hosts=hosts)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    mode = "read-write (token set)" if token else "read-only (set LATTICEWORK_TOKEN to accept writes)"
    print(f"latticework serve: {web.state.store.url.split('://')[0]} store, {mode}", file=sys.stderr)
    if workers > 1:
        # uvicorn's worker processes import the app by name: hand them the same settings via the environment
        os.environ["LATTICEWORK_SERVE_DB"] = web.state.store.url
        os.environ["LATTICEWORK_SERVE_HOSTS"] = "\n".join(hosts)
        web.state.store.close()
        uvicorn.run("latticework.cli.serve_cmd:worker_app", factory=True, host=host, port=port, workers=workers,
                    log_level="info", server_header=False, proxy_headers=False)
    else:
        uvicorn.run(web, host=host, port=port, log_level="info", server_header=False, proxy_headers=False)


def worker_app():  # type: ignore[no-untyped-def]
    """The app of one uvicorn worker process (`serve --workers N`), from the settings `serve` exported."""
    from latticework.serve import create_app

    hosts = os.environ.get("LATTICEWORK_SERVE_HOSTS", "").split("\n")
    return create_app(os.environ.get("LATTICEWORK_SERVE_DB"), os.environ.get("LATTICEWORK_TOKEN") or None,
                      allowed_hosts=[h for h in hosts if h])
