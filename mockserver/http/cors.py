"""CORS for pages on other origins calling the detect endpoint: Starlette's middleware where a page asks,
a cheap `Vary` elsewhere.

It wraps the detect endpoint only (`app._detect_layers`): the admin API never answers other origins
(SPEC section 8, `admin/access.py`), and nothing else a page needs lives on another path.

Starlette's `CORSMiddleware` parses every request's headers and rewrites every response's, even for
clients that send no `Origin` (CI jobs, scripts, load tests: most of this server's traffic), where
all it adds is `Vary: Origin`, so that caches keep page answers apart. That cost 6 % of a small
request. Here a request with an `Origin` header (or not HTTP) goes through Starlette's middleware; any
other gets the same `Vary: Origin` added in place.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ORIGIN = b"origin"
VARY = b"vary"


def add_vary_origin(message: Message) -> None:
    """What Starlette's CORS adds to an answer for a request without `Origin`: `Origin` in `Vary`."""
    headers: list[tuple[bytes, bytes]] = message.setdefault("headers", [])
    values = [value for name, value in headers if name.lower() == VARY]
    if values:
        headers[:] = [(name, value) for name, value in headers if name.lower() != VARY]
    headers.append((VARY, b", ".join([*values, b"Origin"])))


class PageCORS:
    """ASGI middleware: Starlette's CORS with these options, for requests that carry an `Origin`."""

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == ORIGIN for name, _ in scope["headers"]):
            await self.cors(scope, receive, send)
            return

        async def send_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_vary_origin(message)
            await send(message)

        await self.app(scope, receive, send_vary)
