"""`/docs` (Swagger UI) and `/redoc`, with every script, style and icon served by this server.

FastAPI's own pages load Swagger UI and ReDoc from public CDNs, ReDoc's fonts from Google and the icon from
FastAPI's site: offline, where this server is meant to run, they stay blank. The files come from the
`fastapi-offline` package (MIT; it ships Swagger UI, ReDoc and the icon with their licences) and are
served under `/docs/assets/`. Swagger UI's validator badge, which asks an online validator about the
document, is off; ReDoc is told not to fetch Google's fonts. ReDoc's script still shows Redocly's logo
from Redocly's CDN in its side menu: the pages' Content-Security-Policy lets them load nothing from another
host, so the browser never asks (the logo's place stays empty). Paths follow the ASGI `root_path`, so the
pages work under a prefix too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .paths import root_prefix

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
ASSETS_PATH = "/docs/assets"
# Swagger UI's parameters: no validator badge (it would send the document's URL to validator.swagger.io).
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}
# This server only; inline script and styles (Swagger UI's start-up script, ReDoc's styled components),
# images as data: URLs, and ReDoc's search worker, which it starts from a blob: URL.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; font-src 'self'"
)


def assets_folder() -> Path:
    """fastapi-offline's `static/` folder: swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, favicon.png."""
    spec = importlib.util.find_spec("fastapi_offline")
    assert spec is not None and spec.origin is not None, "fastapi-offline is a dependency of mockserver"
    return Path(spec.origin).parent / "static"


def add_docs(app: FastAPI) -> None:
    """Serve `/docs`, `/redoc` and their assets on `app` (built with `docs_url=None, redoc_url=None`)."""
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(ASSETS_PATH, StaticFiles(directory=assets_folder()), name="docs-assets")

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = root_prefix(request.scope)
        return _offline(get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        ))

    async def redoc(request: Request) -> HTMLResponse:
        root = root_prefix(request.scope)
        return _offline(get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        ))

    app.add_api_route(DOCS_PATH, swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route(REDOC_PATH, redoc, methods=["GET"], include_in_schema=False)


def _offline(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page
