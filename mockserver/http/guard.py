"""RequestGuard: what every request gets, whichever route answers it.

- An answer sent before the request's body was read whole carries `Connection: close`, so the server
  never reads and discards the rest of an upload it did not want (uvicorn would keep the connection).
- Outside the detect endpoint (which enforces its own, with the vendor's texts), bodies are bounded:
  over `max_bytes` → 413; no data for `idle` seconds, or not complete after `total` → 408; the app then
  sees the client as gone.
- A body whose chunked framing broke (see `connection.framing_error`) is answered 400 at once: on the
  detect endpoint row 7's envelope (raised from `receive`, so the endpoint answers and journals it),
  elsewhere `{"detail": ...}`.
- A request still running when the server shuts down (past the graceful timeout) is answered 503 and
  ends quietly, instead of uvicorn's plain-text 500 and a traceback per request. Any other cancellation
  (an in-process client's own timeout, a task group giving up) propagates untouched: it is the
  caller's, and swallowing it would turn their timeout into a fake answer.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..detect.envelope import encode, envelope
from ..errors import MalformedMultipart
from .connection import framing_error, server_shutting_down
from .paths import route_path

BAD_REQUEST = 400
TOO_LARGE = 413
TIMED_OUT = 408
SHUTTING_DOWN = 503
NO_BODY = {"type": "http.disconnect"}


def _expects_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False


class RequestGuard:
    """ASGI middleware, outermost: connection hygiene, body bounds outside `detect_path`, quiet shutdown."""

    def __init__(
        self, app: ASGIApp, *, detect_path: str, always_200: bool, max_bytes: int, idle: float, total: float
    ) -> None:
        self.app = app
        self.detect_path = detect_path
        self.always_200 = always_200
        self.max_bytes = max_bytes
        self.idle = idle
        self.total = total

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detect = route_path(scope) == self.detect_path
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.total
        complete = not _expects_body(scope)
        received = 0
        started = refused = False

        async def refuse(status: int, text: str) -> None:
            nonlocal refused
            refused = True
            if not started:
                await self._answer(send, status, text, detect=detect)

        async def guarded_receive() -> Message:
            nonlocal complete, received
            if refused:
                return NO_BODY
            if detect or complete:
                message = await receive()
            else:
                idle_end = loop.time() + self.idle
                try:
                    async with asyncio.timeout_at(min(idle_end, deadline)):
                        message = await receive()
                except TimeoutError:
                    if idle_end < deadline:
                        await refuse(TIMED_OUT, f"request body timed out: no data for {self.idle:g} s")
                    else:
                        await refuse(TIMED_OUT, f"request body timed out: not complete after {self.total:g} s")
                    return NO_BODY
            if message["type"] == "http.request" and (broken := framing_error(scope)) is not None:
                if detect:
                    raise MalformedMultipart(broken)
                await refuse(BAD_REQUEST, f"malformed request body: {broken}")
                return NO_BODY
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = complete or not message.get("more_body", False)
                if not detect and received > self.max_bytes:
                    await refuse(TOO_LARGE, f"request body larger than {self.max_bytes} bytes")
                    return NO_BODY
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return
            if message["type"] == "http.response.start":
                started = True
                if not complete and not any(name == b"connection" for name, _ in message.get("headers", [])):
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        if not detect:
            for name, value in scope["headers"]:
                if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                    await refuse(TOO_LARGE, f"request body larger than {self.max_bytes} bytes")
                    return
        try:
            await self.app(scope, guarded_receive, guarded_send)
        except asyncio.CancelledError:
            if not server_shutting_down(scope):
                raise
            # The server cancelled what outlived its graceful timeout: answer if we still can, end quietly.
            if not started:
                await self._answer(send, SHUTTING_DOWN, "server shutting down", detect=detect)

    async def _answer(self, send: Send, status: int, text: str, *, detect: bool) -> None:
        body = encode(envelope(status, text)) if detect else json.dumps({"detail": text}).encode()
        if detect and self.always_200:
            status = 200
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
