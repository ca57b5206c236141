"""What mockserver's own protocol tells the app about a request's connection, through the ASGI scope.

`protocol.TransportExposingProtocol` puts one `Connection` per connection in every request's scope
(`extensions["mockserver.connection"]`). Served any other way (in-process through httpx's ASGITransport,
or by another server) a request has none, and these functions say so; this module needs no server.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

CONNECTION_EXTENSION = "mockserver.connection"


@dataclass(eq=False, slots=True)
class Connection:
    """A client connection: its transport, whether the server has begun to shut down, and why the body of
    the request being read can no longer be read (its chunked framing broke; the connection then closes)."""

    transport: asyncio.Transport
    shutting_down: bool = False
    broken_framing: str | None = None


def connection_of(scope: Any) -> Connection | None:
    """The request's connection, when served by mockserver's protocol (not in-process)."""
    connection = (scope.get("extensions") or {}).get(CONNECTION_EXTENSION)
    return connection if isinstance(connection, Connection) else None


def transport_of(scope: Any) -> asyncio.Transport | None:
    """The request's transport, for transport faults; None in-process."""
    connection = connection_of(scope)
    return connection.transport if connection is not None else None


def server_shutting_down(scope: Any) -> bool:
    """Whether the server serving this request was asked to stop (only mockserver's protocol can say)."""
    connection = connection_of(scope)
    return connection is not None and connection.shutting_down


def framing_error(scope: Any) -> str | None:
    """Why the request's body can no longer be read (its chunked framing broke), or None."""
    connection = connection_of(scope)
    return connection.broken_framing if connection is not None else None
