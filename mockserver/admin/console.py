"""The web console: static files under `/__admin/console/`, and `GET /` leading there.

The page is plain HTML, CSS and JavaScript shipped in the package (`static/`), no build step and
nothing from the network; it calls the admin API from the same origin, by paths relative to its own
(so it works under a Mount or a proxy's root_path). The files themselves hold no
state, so they are served without the admin token: the page asks for the token and sends it on every
admin call. A strict Content-Security-Policy keeps the page to its own files and out of other sites'
frames (its buttons arm faults with one click).
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ..errors import NoSuchAsset
from ..http.paths import root_prefix
from .api import PREFIX

CONSOLE_PATH = f"{PREFIX}/console/"
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}

router = APIRouter(include_in_schema=False)


def asset(name: str) -> bytes:
    """One of the console's files, from the installed package."""
    return (resources.files(__package__) / "static" / name).read_bytes()


def _to_console(request: Request) -> RedirectResponse:
    # Below the app's own root: a Mount or a proxy's root_path puts the app under a prefix.
    return RedirectResponse(root_prefix(request.scope) + CONSOLE_PATH, status_code=307)


@router.get("/")
async def root(request: Request) -> RedirectResponse:
    return _to_console(request)


@router.get(CONSOLE_PATH.rstrip("/"))
async def console_bare(request: Request) -> RedirectResponse:
    return _to_console(request)


@router.get(CONSOLE_PATH)
async def console_page() -> Response:
    return await console_file("index.html")


@router.get(CONSOLE_PATH + "{name}")
async def console_file(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NoSuchAsset
    return Response(asset(name), media_type=media_type, headers=HEADERS)
