"""The one place where errors become answers: each handler turns an exception into a response.

The app registers them with FastAPI (for the admin API and the detect path's other methods), and the
detect endpoint's shortcut (`endpoint.py`) calls the same functions, so an error has one answer whichever
way the request came in.
"""

from __future__ import annotations

import logging

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from .envelope import envelope_response
from .errors import DetectError, MethodNotAllowed
from .journal import Exchange
from .routes import DETECT_PATH
from .runtime import Runtime
from .settings import Settings
from .upload import BodyStream

logger = logging.getLogger("mockserver")

INTERNAL_ERROR = "Internal Server Error"
CLIENT_CLOSED = 499


def _body_complete(request: Request) -> bool:
    body = getattr(request.state, "body", None)
    return isinstance(body, BodyStream) and body.complete


def _settings(request: Request) -> Settings:
    runtime: Runtime = request.app.state.runtime
    return runtime.settings


def _exchange(request: Request) -> Exchange | None:
    exchange = getattr(request.state, "exchange", None)
    return exchange if isinstance(exchange, Exchange) else None


async def detect_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DetectError)
    request.state.access = f"status={exc.status}"
    if (exchange := _exchange(request)) is not None:
        exchange.answered(exc.status, exc.text)
    headers = {"allow": "POST"} if isinstance(exc, MethodNotAllowed) else None
    # Unread upload left on a kept-alive connection would have to be read and thrown away: close it.
    return envelope_response(
        exc.status,
        exc.text,
        http_status=_settings(request).http_status,
        close=not _body_complete(request),
        headers=headers,
    )


async def client_disconnect(request: Request, exc: Exception) -> Response:
    request.state.access = "client disconnected"
    return Response(status_code=CLIENT_CLOSED)


async def internal_error(request: Request, exc: Exception) -> Response:
    logger.error("unexpected error answering %s %s", request.method, request.url.path, exc_info=exc)
    if (exchange := _exchange(request)) is not None:
        exchange.answered(500, INTERNAL_ERROR)
    if request.url.path == DETECT_PATH:
        return envelope_response(500, INTERNAL_ERROR, http_status=_settings(request).http_status, close=True)
    return JSONResponse({"detail": INTERNAL_ERROR}, status_code=500)
