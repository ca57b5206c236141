"""`create_app(settings)`: the ASGI app: routes, middleware, error handlers, the fixture watcher."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect
from starlette.routing import Route
from starlette.types import ASGIApp

from . import __version__
from .admin import api as admin
from .admin import console, events, scenarios
from .admin.access import AdminAccess, AdminGuard
from .errors import AdminRefusal, DetectError, FixtureError
from .http import handlers
from .http.accesslog import AccessLog
from .http.cors import PageCORS
from .http.docs import add_docs
from .http.endpoint import DetectEndpoint
from .http.guard import RequestGuard
from .http.openapi import complete
from .http.paths import DETECT_PATH
from .http.routes import router
from .runtime import Runtime
from .settings import Settings

logger = logging.getLogger("mockserver")

# What a page needs from the detect endpoint: POST with the mock's own headers (a preflight), and to read
# Retry-After and Allow. CORS is the detect endpoint's only: the admin API never answers other origins.
CORS_METHODS = ["POST"]
CORS_HEADERS = ["Content-Type", "Authorization", "X-Mock-Fault", "X-Mock-Session"]
CORS_EXPOSED = ["Retry-After", "Allow", "Content-Length"]
CORS_MAX_AGE = 600


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


def _outer_layers(settings: Settings) -> list[Middleware]:
    """What every request passes through, outermost first."""
    return [
        # Outermost, so that every answer is logged with the status sent, the guard's own too.
        Middleware(AccessLog),
        Middleware(
            RequestGuard,
            detect_path=DETECT_PATH,
            always_200=settings.http_status == "always_200",
            max_bytes=settings.max_admin_bytes,
            idle=settings.body_timeout,
            total=settings.max_body_seconds,
        ),
    ]


def _detect_layers(settings: Settings) -> list[Middleware]:
    """The detect endpoint's own layer inside the outer ones: CORS, for pages on other origins."""
    if not settings.cors_allowed:
        return []
    return [
        Middleware(
            PageCORS,
            allow_origins=settings.cors_allowed,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSED,
            max_age=CORS_MAX_AGE,
        )
    ]


def _app_layers(settings: Settings) -> list[Middleware]:
    """Every other path's layer inside the outer ones: the admin API's guard (SPEC section 8; the admin
    router checks the state-change rule itself, `api.require_admin`)."""
    access = AdminAccess(settings.host, settings.admin_host_names)
    return [Middleware(AdminGuard, access=access)]


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
        docs_url=None,  # add_docs: pages whose scripts and fonts this server serves itself
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.include_router(router)
    app.include_router(admin.router)
    add_docs(app)
    app.include_router(events.router)
    app.include_router(scenarios.router)
    if settings.console:
        app.include_router(console.router)
    app.add_exception_handler(DetectError, handlers.detect_error)
    app.add_exception_handler(AdminRefusal, handlers.admin_refusal)
    app.add_exception_handler(RequestValidationError, handlers.invalid_request)
    app.add_exception_handler(StarletteHTTPException, handlers.http_error(router, admin.router))
    app.add_exception_handler(ClientDisconnect, handlers.client_disconnect)
    app.add_exception_handler(Exception, handlers.internal_error)
    for cls, args, kwargs in reversed([*_outer_layers(settings), *_app_layers(settings)]):
        app.add_middleware(cls, *args, **kwargs)
    # Detect is an ordinary route (any method: the endpoint answers 405 to all but POST), behind its own layer.
    detect: ASGIApp = DetectEndpoint()
    for cls, args, kwargs in reversed(_detect_layers(settings)):
        detect = cls(detect, *args, **kwargs)
    # First of the app's routes: matching it past the docs pages and the included routers cost a quarter of
    # a small request (in-process 0.163 against 0.122 ms, bench/README.md).
    app.router.routes.insert(0, Route(DETECT_PATH, detect, include_in_schema=False))

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
