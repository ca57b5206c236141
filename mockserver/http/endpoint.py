"""The detect path's handler: the vendor's method answered, every request journalled once its answer is sent.

`DetectEndpoint` is the endpoint of an ordinary Starlette route (`routes.py`), so it is found wherever the
app is served from (a `Mount`, a `root_path`). It is an ASGI app rather than a FastAPI path operation:
it reads its query and body by hand (the check table's order and texts are the vendor's), so FastAPI's
per-request work (dependency solving, exit stacks) would do nothing for it and cost a quarter of a small
request (`bench/README.md`); `openapi.py` describes it instead. It turns its own errors into envelopes
with the app's handlers, and answers any method but POST with the 405 envelope.
"""

from __future__ import annotations

import asyncio
import time

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from ..answers.compose import detect_body, failed_entries
from ..detect.envelope import envelope_response
from ..detect.intake import take_in
from ..errors import DetectError, MethodNotAllowed, ScriptedError
from ..faults.book import RequestFacts
from ..faults.header import HEADER, parse_header
from ..faults.model import EnvelopeFault, GatewayFault, TransportFault
from ..faults.outcomes import TransportResponse, gateway_response
from ..journal.store import Exchange, session_of
from ..runtime import runtime_of
from . import handlers
from .context import context_of


async def detect(request: Request) -> Response:
    """The vendor's detect method: the check table in order, then faults, fixtures and rules answer."""
    runtime = runtime_of(request)
    settings = runtime.settings
    context = context_of(request.scope)
    exchange = context.exchange
    assert exchange is not None, "the detect endpoint opens the exchange"
    # Several header lines are one comma-joined value (RFC 9110, 5.3): each line's faults count.
    fault_lines = request.headers.getlist(HEADER)
    header_faults = parse_header(", ".join(fault_lines) if fault_lines else None)
    intake = await take_in(request, settings, runtime.tokens, witness=exchange)
    meta, images = intake.meta, intake.images
    context.access = f"images={len(images)} modes={','.join(meta.modes)}"
    facts = RequestFacts(exchange.session, intake.credentials.token, meta.modes, meta.names)
    decision = runtime.faults.decide(facts, header_faults)
    exchange.faults = decision.applied
    if decision.applied:
        context.access += " faults=" + ",".join(armed.id for armed in decision.applied)
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
    exchange.image_failures = failed_entries(body, meta.modes, object2_key=settings.object2_key)
    answer = envelope_response(200, body, http_status=settings.http_status)
    if isinstance(action, TransportFault):
        return TransportResponse(action, answer, max_seconds=settings.max_fault_seconds)
    return answer


class DetectEndpoint:
    """ASGI app for every request on the detect path: answered, then journalled however sending ends."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        exchange = Exchange(session=session_of(scope))
        context_of(scope).exchange = exchange
        request = Request(scope, receive, send)
        runtime = runtime_of(request)
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
            response = await _answer(request)
            if isinstance(response, TransportResponse):
                await response(scope, receive, watched)
            else:
                await response(scope, receive, send)
                http_status = response.status_code
                exchange.answer = bytes(response.body)  # the same object when it is bytes
        finally:
            runtime.journal.record(exchange, http_status, time.perf_counter() - started)


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
