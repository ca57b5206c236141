"""What the layers of one request tell each other, typed: one `RequestContext` per request.

Starlette's `request.state` is an untyped bag (`scope["state"]`); mockserver keeps a single typed object
in it instead, under `STATE_KEY`. The access log creates it before the app runs and reads it after; the
detect endpoint puts the journal's exchange in it; routes and error handlers add the access-log details.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..journal.store import Exchange

STATE_KEY = "mockserver"


@dataclass(slots=True)
class RequestContext:
    """One request, as the layers that handle it learn about it."""

    access: str = ""
    """Details for the access-log line, e.g. `images=2 modes=object`."""
    exchange: Exchange | None = None
    """The journal's record of a detect request; None for every other request."""


def context_of(scope: Any) -> RequestContext:
    """The request's context, created on first use (a request that skipped the access log gets one too)."""
    state: dict[str, Any] = scope.setdefault("state", {})
    context = state.get(STATE_KEY)
    if not isinstance(context, RequestContext):
        context = state[STATE_KEY] = RequestContext()
    return context
