"""`create_app(settings)`: the ASGI app, its routes, and the one place where errors become answers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

from . import __version__, admin
from .accesslog import AccessLog
from .envelope import envelope_response
from .errors import DetectError, FixtureError, MethodNotAllowed
from .journal import Exchange, JournalRecorder
from .limits import BodyLimit
from .openapi import complete
from .routes import DETECT_PATH, router
from .runtime import Runtime
from .settings import Settings
from .upload import BodyStream

logger = logging.getLogger("mockserver")

INTERNAL_ERROR = "Internal Server Error"
# What a page needs: POST with the mock's own headers (a preflight), and to read Retry-After and Allow.
CORS_METHODS = ["GET", "POST", "DELETE"]
CORS_HEADERS = ["Content-Type", "Authorization", "X-Mock-Fault", "X-Mock-Session", "X-Admin-Token"]
CORS_EXPOSED = ["Retry-After", "Allow", "Content-Length"]
CORS_MAX_AGE = 600
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


async def _detect_error(request: Request, exc: Exception) -> Response:
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


async def _client_disconnect(request: Request, exc: Exception) -> Response:
    request.state.access = "client disconnected"
    return Response(status_code=CLIENT_CLOSED)


async def _internal_error(request: Request, exc: Exception) -> Response:
    logger.error("unexpected error answering %s %s", request.method, request.url.path, exc_info=exc)
    if (exchange := _exchange(request)) is not None:
        exchange.answered(500, INTERNAL_ERROR)
    if request.url.path == DETECT_PATH:
        return envelope_response(500, INTERNAL_ERROR, http_status=_settings(request).http_status, close=True)
    return JSONResponse({"detail": INTERNAL_ERROR}, status_code=500)


async def _watch_fixtures(runtime: Runtime) -> None:
    """Reload the fixtures when their files change; a broken change keeps the old set and is logged."""
    while True:
        await asyncio.sleep(runtime.settings.fixtures_poll)
        try:
            if runtime.fixtures.reload_if_changed():
                logger.info("fixtures: reloaded, %d in use", len(runtime.fixtures.current))
        except FixtureError as exc:
            logger.error("fixtures: not reloaded, the old set stays: %s", exc)


def _lifespan(runtime: Runtime) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        watcher = None
        if runtime.settings.fixtures_poll and runtime.settings.fixtures is not None:
            watcher = asyncio.create_task(_watch_fixtures(runtime))
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: loads the fixtures and tokens now, so a broken file fails here, not mid-request.

    Raises `ConfigError` (a `FixtureError` for a broken fixture) when the settings cannot be served.
    """
    settings = settings if settings is not None else Settings()
    runtime = Runtime.build(settings)
    app = FastAPI(
        title="mockserver: Vision detect API emulator",
        version=__version__,
        description="A local emulator of the vendor's `POST /api/v1/objects/detect`.",
        lifespan=_lifespan(runtime),
    )
    app.state.runtime = runtime
    app.include_router(router)
    app.include_router(admin.router)
    app.add_exception_handler(DetectError, _detect_error)
    app.add_exception_handler(ClientDisconnect, _client_disconnect)
    app.add_exception_handler(Exception, _internal_error)
    app.add_middleware(JournalRecorder, journal=runtime.journal, path=DETECT_PATH)
    app.add_middleware(BodyLimit, prefix=admin.PREFIX, limit=settings.max_admin_bytes)
    if settings.cors_allowed:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allowed,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSED,
            max_age=CORS_MAX_AGE,
        )
    app.add_middleware(AccessLog)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(FastAPI.openapi(app), DETECT_PATH, max_images=settings.max_images)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    fixtures = runtime.fixtures.current
    logger.info("fixtures: %d loaded from %s", len(fixtures), fixtures.folder or "(none)")
    for fixture in fixtures.fixtures:
        logger.debug("fixture %s: %s %s %s", fixture.path, fixture.kind, fixture.key, fixture.description)
    return app
