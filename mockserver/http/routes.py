"""HTTP routes: parse the request, call the behaviour, serialise the answer. No decisions live here.

`detect` is served by `endpoint.DetectEndpoint` (past FastAPI, which never sees the detect path; the
endpoint answers its other methods with 405) and described in `/openapi.json` by `openapi.py`; the router has `/health`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response

from .. import __version__
from ..answers.compose import detect_body
from ..detect.auth import parse_query
from ..detect.envelope import envelope_response
from ..detect.intake import take_in
from ..detect.upload import Upload
from ..errors import ScriptedError
from ..faults.book import RequestFacts
from ..faults.header import HEADER, parse_header
from ..faults.model import EnvelopeFault, GatewayFault, TransportFault
from ..faults.outcomes import TransportResponse, gateway_response
from ..journal.store import Exchange
from ..runtime import Runtime
from .openapi import HEALTH_RESPONSES

DETECT_PATH = "/api/v1/objects/detect"

router = APIRouter()


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def detect(request: Request) -> Response:
    """The vendor's detect method: the check table in order, then faults, fixtures and rules answer."""
    runtime = runtime_of(request)
    settings = runtime.settings
    exchange: Exchange = request.state.exchange
    header_faults = parse_header(request.headers.get(HEADER))
    exchange.query = parse_query(request.scope["query_string"])
    exchange.upload = Upload()
    intake = await take_in(request, exchange.query, settings, runtime.tokens, exchange.upload)
    meta, images = intake.meta, intake.images
    exchange.asked = (meta.modes, meta.names)
    request.state.access = f"images={len(images)} modes={','.join(meta.modes)}"
    facts = RequestFacts(exchange.session, intake.credentials.token, meta.modes, meta.names)
    decision = runtime.faults.decide(facts, header_faults)
    exchange.faults = decision.applied
    if decision.applied:
        request.state.access += " faults=" + ",".join(armed.id for armed in decision.applied)
    if decision.delay:
        await asyncio.sleep(min(decision.delay, settings.max_fault_seconds))
    action = decision.action
    if isinstance(action, EnvelopeFault):
        raise ScriptedError(action.status, action.body)
    if isinstance(action, GatewayFault):
        return gateway_response(action)
    body = detect_body(
        images,
        meta.modes,
        runtime.fixtures.current,
        image_errors=decision.image_errors,
        order=settings.result_order,
        object2_key=settings.object2_key,
    )
    exchange.answered(200)
    answer = envelope_response(200, body, http_status=settings.http_status)
    if isinstance(action, TransportFault):
        return TransportResponse(action, answer, max_seconds=settings.max_fault_seconds)
    return answer


@router.get("/health", tags=["server"], summary="Readiness for CI wait loops", responses=HEALTH_RESPONSES)
async def health(request: Request) -> dict[str, Any]:
    """200 once the app is ready: fixtures loaded."""
    fixtures = runtime_of(request).fixtures.current
    return {"status": "ok", "version": __version__, "fixtures": len(fixtures)}
