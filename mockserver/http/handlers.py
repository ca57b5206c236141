"""The one place where errors become answers: each handler turns an exception into a response.

The app registers them with FastAPI (for the admin API and `/health`), and the detect route's handler
(`endpoint.py`) calls the same functions for its own errors, so an error has one answer whichever way the
request came in. They import no route and no admin module: the app hands `http_error` its routers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from ..detect.envelope import envelope_response
from ..errors import AdminRefusal, DetectError, MethodNotAllowed
from ..journal.store import Exchange
from ..runtime import runtime_of
from ..settings import Settings
from .context import context_of
from .paths import DETECT_PATH, route_path

logger = logging.getLogger("mockserver")

INTERNAL_ERROR = "Internal Server Error"
CLIENT_CLOSED = 499
METHOD_NOT_ALLOWED = 405


def _settings(request: Request) -> Settings:
    return runtime_of(request).settings


def _exchange(request: Request) -> Exchange | None:
    return context_of(request.scope).exchange


async def detect_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DetectError)
    context_of(request.scope).access = f"status={exc.status}"
    if (exchange := _exchange(request)) is not None:
        exchange.answered(exc.status, exc.text)
    headers = {"allow": "POST"} if isinstance(exc, MethodNotAllowed) else None
    # RequestGuard adds Connection: close when the body was not read whole.
    return envelope_response(exc.status, exc.text, http_status=_settings(request).http_status, headers=headers)


async def admin_refusal(request: Request, exc: Exception) -> Response:
    """An admin call the server refuses for a reason of its own (not its shape): `{"detail": text}`."""
    assert isinstance(exc, AdminRefusal)
    return JSONResponse({"detail": exc.text}, status_code=exc.status, headers=exc.headers)


async def client_disconnect(request: Request, exc: Exception) -> Response:
    context_of(request.scope).access = "client disconnected"
    return Response(status_code=CLIENT_CLOSED)


async def internal_error(request: Request, exc: Exception) -> Response:
    logger.error("unexpected error answering %s %s", request.method, request.url.path, exc_info=exc)
    if (exchange := _exchange(request)) is not None:
        exchange.answered(500, INTERNAL_ERROR)
    if route_path(request.scope) == DETECT_PATH:
        return envelope_response(500, INTERNAL_ERROR, http_status=_settings(request).http_status)
    return JSONResponse({"detail": INTERNAL_ERROR}, status_code=500)


def _readable(loc: tuple[int | str, ...]) -> list[int | str]:
    # pydantic names union members in locations ("tagged-union[EnvelopeFault,...]"): nobody wrote those.
    return [part for part in loc if not (isinstance(part, str) and "[" in part)]


async def invalid_request(request: Request, exc: Exception) -> Response:
    """422 for an admin call whose parameters or JSON do not fit: where, and why; never the input itself."""
    assert isinstance(exc, RequestValidationError)
    detail = [
        {
            "loc": _readable(tuple(error["loc"])),
            "msg": error["msg"].removeprefix("Value error, "),
            "type": error["type"],
        }
        for error in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def http_error(*routers: APIRouter) -> Callable[[Request, Exception], Awaitable[Response]]:
    """FastAPI's answer to an HTTP error, with a 405's Allow listing every method the path has in `routers`.

    The router answers 405 from the first route that matched the path only, so `Allow` missed the
    methods of the path's other routes.
    """
    routes: list[BaseRoute] = [route for router in routers for route in router.routes]

    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == METHOD_NOT_ALLOWED:
            allowed = {
                method
                for route in routes
                if (methods := getattr(route, "methods", None)) and route.matches(request.scope)[0] != Match.NONE
                for method in methods
            }
            headers = {key: value for key, value in (exc.headers or {}).items() if key.lower() != "allow"}
            exc.headers = {**headers, "allow": ", ".join(sorted(allowed))}
        return await http_exception_handler(request, exc)

    return handler
