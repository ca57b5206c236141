"""`GET /__admin/events`: a server-sent event stream that says when the journal or the faults changed.

Each event is one line of JSON, `{"requests": <newest journal id>, "clears": <journal clears>,
"faults": <fault book version>}`, sent at once and then whenever one of them moves (at most every
`COALESCE_SECONDS`, so a load test does not flood a watching page). The console reads it and fetches
what is new from the admin API; fault counters move with requests, so a new request means new counters.
The stream ends after `STREAM_SECONDS` (an `EventSource` or the console reconnects), and within
`POLL_SECONDS` of the server starting to shut down, so an open console never holds up a stop.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from ..runtime import Runtime, runtime_of
from . import api

STREAM_SECONDS = 60
# Faults armed or disarmed are seen within this (the journal wakes the stream at once).
POLL_SECONDS = 0.5
COALESCE_SECONDS = 0.1
KEEPALIVE_SECONDS = 15
RETRY_MS = 1000

router = APIRouter(prefix=api.PREFIX, tags=["admin"], dependencies=api.router.dependencies)


def state_of(runtime: Runtime) -> dict[str, int]:
    """What a watcher compares: the newest journal id, the journal's clears, the fault book's version."""
    return {"requests": runtime.journal.last_id, "clears": runtime.journal.clears, "faults": runtime.faults.version}


async def changes(runtime: Runtime, *, seconds: float = STREAM_SECONDS) -> AsyncIterator[bytes]:
    """The event stream's bytes: the state now, then each time it changes, until `seconds` pass."""
    yield f"retry: {RETRY_MS}\n\n".encode()
    deadline = time.monotonic() + seconds
    last: dict[str, int] | None = None
    quiet_since = time.monotonic()
    while (left := deadline - time.monotonic()) > 0 and not runtime.stopping.is_set():
        state = state_of(runtime)
        if state != last:
            last = state
            quiet_since = time.monotonic()
            yield f"event: state\ndata: {json.dumps(state)}\n\n".encode()
            await asyncio.sleep(COALESCE_SECONDS)
            continue
        if time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
            # A comment line: proxies and the client's reader see the stream is alive.
            quiet_since = time.monotonic()
            yield b": keep-alive\n\n"
        await runtime.journal.change(state["requests"], state["clears"], min(POLL_SECONDS, left))


@router.get("/events", include_in_schema=False)
async def events(request: Request) -> StreamingResponse:
    """The change stream (text/event-stream); see the module's docstring."""
    return StreamingResponse(
        changes(runtime_of(request)),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )
