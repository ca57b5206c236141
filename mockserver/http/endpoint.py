"""The detect endpoint's path, served past FastAPI, and journalled where it is answered.

`app.MockApp` hands every request for the detect path here, inside the outer layers (request guard,
access log, CORS): POST goes to `detect`, any other method gets the 405 envelope; errors go through the
same handlers the app registers for the admin API; every request is recorded in the journal once its
answer is sent.
"""

from __future__ import annotations

import time

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from ..errors import DetectError, MethodNotAllowed
from ..faults.outcomes import TransportResponse
from ..journal.store import Exchange, Journal, session_of
from . import handlers
from .routes import detect


class DetectEndpoint:
    """ASGI app for the detect path's HTTP requests: answered and journalled here."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        exchange = Exchange(session=session_of(scope))
        scope.setdefault("state", {})["exchange"] = exchange
        request = Request(scope, receive, send)
        http_status: int | None = None

        async def watched(message: Message) -> None:
            # Only a misbehaving connection needs watching: did it send a status line at all?
            nonlocal http_status
            if message["type"] == "http.response.start":
                http_status = message["status"]
            elif message["type"] == "http.response.body":
                exchange.sent(message.get("body", b""))
            await send(message)

        try:
            response = await self._answer(request)
            if isinstance(response, TransportResponse):
                await response(scope, receive, watched)
            else:
                await response(scope, receive, send)
                http_status = response.status_code
                exchange.answer = bytes(response.body)  # the same object when it is bytes
        finally:
            self.journal.record(exchange, http_status, time.perf_counter() - started)

    @staticmethod
    async def _answer(request: Request) -> Response:
        try:
            if request.method != "POST":
                raise MethodNotAllowed(request.method)
            return await detect(request)
        except DetectError as exc:
            return await handlers.detect_error(request, exc)
        except ClientDisconnect as exc:
            return await handlers.client_disconnect(request, exc)
        except Exception as exc:  # every failure must still answer with an envelope
            return await handlers.internal_error(request, exc)
