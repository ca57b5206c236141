"""The admin API under `/__admin/`: arm and disarm faults, read the journal, reload fixtures, reset.

With `--admin-token`, every admin call needs `Authorization: Bearer <token>` (or `X-Admin-Token`).
A fault posted with an `X-Mock-Session` header and no `match.session` is scoped to that session.
Before any route, `access.AdminGuard` refuses (403) calls not addressed to this server, CORS preflights,
and state changes without a JSON content type or an `X-Mock-Admin` header (SPEC section 8).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from ..detect.envelope import encode
from ..errors import AdminTokenRequired, FixtureError, NoSuchFault, ReloadFailed, UnprovenStateChange
from ..faults.model import Fault
from ..journal.entries import RequestList
from ..journal.store import Query as JournalQuery
from ..journal.store import Record, session_of
from ..runtime import runtime_of
from .access import ADMIN_HEADER, unproven_state_change

PREFIX = "/__admin"
MAX_WAIT_SECONDS = 30
MAX_LIMIT = 100_000
LISTING_BATCH = 50


def token_matches(given: str, expected: str) -> bool:
    """Whether a header's token is `expected`, in constant time.

    Header values reach the app as Latin-1 text of the bytes sent. Clients send a non-ASCII token as
    UTF-8 (curl, httpx, Go) or as Latin-1 (browsers, Python's http.client, for the characters it has):
    both forms of the configured token are accepted.
    """
    sent = given.encode("latin-1", "replace")
    as_utf8 = hmac.compare_digest(sent, expected.encode("utf-8"))
    try:
        as_latin1 = hmac.compare_digest(sent, expected.encode("latin-1"))
    except UnicodeEncodeError:
        as_latin1 = False
    return as_utf8 or as_latin1


def require_admin(request: Request) -> None:
    """Refuse callers without the admin token, when one is configured."""
    expected = runtime_of(request).settings.admin_token
    if expected is None:
        return
    given = request.headers.get("x-admin-token")
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        given = authorization[len("bearer ") :].strip()
    if given is None or not token_matches(given, expected):
        raise AdminTokenRequired


def require_proof(request: Request) -> None:
    """Refuse a state change a web page could send cross-origin without a preflight (SPEC section 8)."""
    reason = unproven_state_change(request.method, request.scope["headers"])
    if reason is not None:
        raise UnprovenStateChange(reason)


class Detail(BaseModel):
    """An admin API error: what went wrong."""

    detail: str


def _documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Detail, "description": ADMIN_ERRORS[code]} for code in codes}


ADMIN_ERRORS = {
    400: "The body is not JSON.",
    401: "An admin token is configured (--admin-token) and this call did not send it.",
    403: "Not addressed to this server (Host), a CORS preflight, or a state change without a JSON content "
    "type or an X-Mock-Admin header.",
    404: "No such fault.",
    408: "The body did not arrive in time.",
    409: "Arming these faults would pass --max-faults.",
    413: "The body is larger than --max-admin-bytes.",
}
router = APIRouter(
    prefix=PREFIX,
    tags=["admin"],
    # The token first: with one configured, a call without it gets the clearer 401.
    dependencies=[Depends(require_admin), Depends(require_proof)],
    responses=_documented(401, 403, 408, 413),
)
# Documented, not read as a parameter: `require_proof` checks it (or a JSON content type).
STATE_CHANGE: dict[str, Any] = {
    "parameters": [
        {
            "name": ADMIN_HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "description": "Any value; proves the call does not come from a web page on another origin "
            "(not needed with Content-Type: application/json).",
        }
    ]
}


def _scoped(fault: Fault, session: str | None) -> Fault:
    if session is None or fault.match.session is not None:
        return fault
    return fault.model_copy(update={"match": fault.match.model_copy(update={"session": session})})


@router.post(
    "/faults", status_code=201, summary="Arm one fault or a list of faults", responses=_documented(400, 409)
)
async def add_faults(
    request: Request, faults: Annotated[Fault | list[Fault], Body(description="A fault, or a list of them.")]
) -> dict[str, Any]:
    book = runtime_of(request).faults
    session = session_of(request.scope)
    specs = [_scoped(fault, session) for fault in (faults if isinstance(faults, list) else [faults])]
    # All or nothing: a list that would not fit arms none of its faults (TooManyFaults, 409).
    return {"faults": [armed.describe() for armed in book.add_all(specs)]}


@router.get("/faults", summary="List armed faults, with their counters")
async def list_faults(request: Request, session: str | None = None) -> dict[str, Any]:
    return {"faults": [armed.describe() for armed in runtime_of(request).faults.listing(session)]}


@router.get("/faults/{fault_id}", summary="One armed fault", responses=_documented(404))
async def get_fault(request: Request, fault_id: str) -> dict[str, Any]:
    armed = runtime_of(request).faults.get(fault_id)
    if armed is None:
        raise NoSuchFault(fault_id)
    return armed.describe()


@router.delete(
    "/faults/{fault_id}", status_code=204, summary="Disarm one fault", responses=_documented(404),
    openapi_extra=STATE_CHANGE,
)
async def delete_fault(request: Request, fault_id: str) -> Response:
    if not runtime_of(request).faults.remove(fault_id):
        raise NoSuchFault(fault_id)
    return Response(status_code=204)


@router.delete("/faults", summary="Disarm every fault (or a session's)", openapi_extra=STATE_CHANGE)
async def clear_faults(request: Request, session: str | None = None) -> dict[str, int]:
    return {"deleted": runtime_of(request).faults.clear(session)}


@router.post(
    "/reset",
    summary="Back to the start: scenario faults with fresh counters, empty journal",
    openapi_extra=STATE_CHANGE,
)
async def reset(request: Request) -> dict[str, int]:
    runtime = runtime_of(request)
    runtime.reset()
    return {"faults": len(runtime.faults), "requests": len(runtime.journal)}


def journal_query(
    session: Annotated[str | None, Query(description="Only this X-Mock-Session.")] = None,
    status: Annotated[int | None, Query(description="Only this envelope status.")] = None,
    mode: Annotated[str | None, Query(description="Only requests asking for this mode.")] = None,
    image: Annotated[str | None, Query(description="Only requests with an image, part or file of this name.")] = None,
    since: Annotated[int, Query(ge=0, description="Only entries with a larger id.")] = 0,
    http_status: Annotated[
        int | None, Query(description="Only this HTTP status (a gateway fault's page has no envelope status).")
    ] = None,
) -> JournalQuery:
    return JournalQuery(session, status, mode, image, since, http_status)


async def _listing(entries: list[Record]) -> AsyncIterator[bytes]:
    # One entry at a time: a listing never holds every parsed meta at once, and others get turns.
    yield b'{"requests":['
    for index, entry in enumerate(entries):
        yield (b"," if index else b"") + encode(entry.document())
        if index % LISTING_BATCH == LISTING_BATCH - 1:
            await asyncio.sleep(0)
    yield b"]}"


@router.get(
    "/requests",
    summary="The journal, newest last; can wait for an entry to arrive",
    response_model=RequestList,
    response_class=StreamingResponse,
)
async def list_requests(
    request: Request,
    query: Annotated[JournalQuery, Depends(journal_query)],
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT, description="Only the last N.")] = None,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS, description="Seconds to wait for a match.")] = 0,
    count: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many matches to wait for.")] = 1,
) -> StreamingResponse:
    journal = runtime_of(request).journal
    entries = await journal.wait(query, count, wait) if wait else journal.select(query)
    return StreamingResponse(_listing(entries[-limit:] if limit else entries), media_type="application/json")


@router.get("/requests/count", summary="How many journal entries match")
async def count_requests(request: Request, query: Annotated[JournalQuery, Depends(journal_query)]) -> dict[str, int]:
    return {"count": len(runtime_of(request).journal.select(query))}


@router.delete("/requests", summary="Clear the journal (or a session's entries)", openapi_extra=STATE_CHANGE)
async def clear_requests(request: Request, session: str | None = None) -> dict[str, int]:
    return {"deleted": runtime_of(request).journal.clear(session)}


@router.get("/fixtures", summary="The fixtures in use")
async def list_fixtures(request: Request) -> dict[str, Any]:
    store = runtime_of(request).fixtures
    return {
        "folder": store.current.folder,
        "count": len(store.current),
        "last_error": store.last_error,
        "fixtures": [
            {"path": fixture.path, "match": fixture.kind, "key": fixture.key, "description": fixture.description,
             "modes": sorted(fixture.answers), "request_error": fixture.request_error is not None}
            for fixture in store.current.fixtures
        ],
    }


@router.post(
    "/fixtures/reload",
    summary="Load the fixtures folder again; a broken file keeps the old set",
    responses={422: {"model": Detail, "description": "A fixture is broken: file, place and reason."}},
    openapi_extra=STATE_CHANGE,
)
async def reload_fixtures(request: Request) -> dict[str, Any]:
    store = runtime_of(request).fixtures
    try:
        fixtures = store.reload()
    except FixtureError as exc:
        raise ReloadFailed(exc) from None
    return {"count": len(fixtures), "folder": fixtures.folder}
