"""The detect endpoint's shortcut past FastAPI's router, for the request every client sends.

FastAPI's routing, dependency solving and exception middleware cost about a quarter of a small
request's time, and the detect endpoint uses none of them: it reads its query and body by hand. This
middleware sits inside the app's own middleware (access log, CORS, journal) and answers
`POST /api/v1/objects/detect` itself; errors go through the same handlers the app registers.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from . import handlers
from .errors import DetectError
from .routes import DETECT_PATH, detect


class DetectShortcut:
    """ASGI middleware: POST to the detect path is answered here; anything else goes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != DETECT_PATH:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive, send)
        try:
            response = await detect(request)
        except DetectError as exc:
            response = await handlers.detect_error(request, exc)
        except ClientDisconnect as exc:
            response = await handlers.client_disconnect(request, exc)
        except Exception as exc:  # every failure must still answer with an envelope
            response = await handlers.internal_error(request, exc)
        await response(scope, receive, send)
