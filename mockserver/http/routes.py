"""HTTP routes: parse the request, call the behaviour, serialise the answer. No decisions live here.

Detect is an ordinary Starlette route to `endpoint.DetectEndpoint` (any method; all but POST get the 405
envelope), added by `app.create_app` behind its own layer (CORS) and described in `/openapi.json` by
`openapi.py`. This router has `/health`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from .. import __version__
from ..runtime import runtime_of
from .openapi import HEALTH_RESPONSES

router = APIRouter()


@router.get("/health", tags=["server"], summary="Readiness for CI wait loops", responses=HEALTH_RESPONSES)
async def health(request: Request) -> dict[str, Any]:
    """200 once the app is ready: fixtures loaded."""
    fixtures = runtime_of(request).fixtures.current
    return {"status": "ok", "version": __version__, "fixtures": len(fixtures)}
