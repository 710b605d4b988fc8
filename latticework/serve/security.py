"""The server's security boundary: who may write, what every response says to the browser, what comes in.

- Writes need `Authorization: Bearer <token>`, compared in constant time (hmac.compare_digest). A
  server started without a token is read-only: every write is refused with 403.
- Every response carries a Content-Security-Policy that allows only the server's own scripts,
  styles, images and connections (no inline script, no eval, no plugins, no framing), plus
  X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer, X-Frame-Options: DENY and
  Cross-Origin-Opener-Policy / Cross-Origin-Resource-Policy: same-origin. Only /docs (Swagger UI,
  whose script and styles FastAPI loads from a CDN) gets a policy naming that CDN and the hash of its
  one inline script.
- A request body over the limit (default 5 MB) is refused with 413 before any route sees it, whether
  it announces its length or not.
- The Host header must name an allowed host (by default the loopback names), so a web page on
  another site cannot reach the API through DNS rebinding of its own name to 127.0.0.1.
- No CORS headers are ever sent: other origins' pages cannot read the API's responses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from latticework.serve.responses import error

#: The default limit on a request body, in bytes.
MAX_BODY = 5 * 1024 * 1024
#: Host names a server bound to loopback answers to (a port after them is allowed).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

#: The policy of every response but /docs.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: Headers every response carries.
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
SWAGGER_CDN = "https://cdn.jsdelivr.net"


class WriteRefused(Exception):
    """A write without the right credentials: `status` 401 (no or wrong token) or 403 (read-only server)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def docs_policy(html: str) -> str:
    """The CSP of the Swagger UI page: its CDN, and its inline scripts by their SHA-256 (no 'unsafe-inline')."""
    hashes = []
    for body in re.findall(r"<script>(.*?)</script>", html, flags=re.S):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        hashes.append(f"'sha256-{digest}'")
    return (f"default-src 'self'; script-src 'self' {SWAGGER_CDN} {' '.join(hashes)}; "
            f"style-src 'self' {SWAGGER_CDN} 'unsafe-inline'; img-src 'self' data: {SWAGGER_CDN} "
            "https://fastapi.tiangolo.com; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")


def check_token(configured: str | None, authorization: str | None) -> None:
    """Raise WriteRefused unless `authorization` is `Bearer <configured>`."""
    if not configured:
        raise WriteRefused(403, "this server is read-only: start `latticework serve` with LATTICEWORK_TOKEN set "
                                "to accept writes")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise WriteRefused(401, "this request writes: send the server's token as 'Authorization: Bearer <token>'")
    # header values arrive decoded as Latin-1: re-encoding gives back the bytes the client sent
    if not hmac.compare_digest(given.strip().encode("latin-1", "replace"), configured.encode("utf-8")):
        raise WriteRefused(401, "wrong token")


async def require_token(request: Request) -> None:
    """Route dependency of every write (`dependencies=[Depends(require_token)]`); a coroutine, so the
    check runs before anything else, without a worker thread."""
    check_token(request.app.state.token, request.headers.get("authorization"))


def _host_allowed(host: str, allowed: frozenset[str]) -> bool:
    if "*" in allowed:
        return True
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8000
        name = host[1:host.find("]")] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in allowed


class Guard:
    """ASGI middleware: Host check, request body limit, security headers on every response."""

    def __init__(self, app: ASGIApp, *, max_body: int = MAX_BODY, allowed_hosts: Iterable[str] = LOOPBACK_HOSTS,
                 policies: dict[str, str] | None = None) -> None:
        self.app = app
        self.max_body = max_body
        self.allowed = frozenset(h.lower() for h in allowed_hosts)
        self.policies = policies or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.policies.get(scope.get("path", ""), CSP)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"content-security-policy", b"access-control-allow-origin")]
                headers.append((b"content-security-policy", csp.encode("latin-1")))
                headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items()]
                if scope.get("path", "").startswith("/api/"):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
        if not _host_allowed(host, self.allowed):
            await error(400, f"host {host[:100]!r} is not served here (see --allow-host)")(scope, receive, send_secured)
            return

        length = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if length is not None:
            try:
                announced = int(length)
            except ValueError:
                await error(400, "Content-Length is not a number")(scope, receive, send_secured)
                return
            if announced > self.max_body:
                await self._too_large(scope, receive, send_secured)
                return
        chunked = any(k == b"transfer-encoding" for k, _ in scope.get("headers", []))
        if not chunked:
            await self.app(scope, receive, send_secured)
            return
        # A body of unannounced length: read it here, up to the limit, then hand it on.
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body:
                await self._too_large(scope, receive, send_secured)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_secured)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        mb = self.max_body / (1024 * 1024)
        await error(413, f"request body over the limit of {mb:g} MB")(scope, receive, send)
