"""uvicorn's httptools protocol, letting the app reach its connection for scripted transport faults.

ASGI gives an app no way to reset a connection or close it without an answer; a mock server that
must show clients those failures needs the socket. This protocol puts the connection's asyncio
transport into each request's scope, under `extensions["mockserver.transport"]`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

TRANSPORT_EXTENSION = "mockserver.transport"


class TransportExposingProtocol(HttpToolsProtocol):
    """HttpToolsProtocol, plus the transport in the scope's extensions."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        extensions: dict[str, Any] = dict(self.scope.get("extensions") or {})
        extensions[TRANSPORT_EXTENSION] = {"transport": self.transport}
        self.scope["extensions"] = extensions


def transport_of(scope: Any) -> asyncio.Transport | None:
    """The request's connection, when served by TransportExposingProtocol (not in-process)."""
    extension = (scope.get("extensions") or {}).get(TRANSPORT_EXTENSION)
    if extension is None:
        return None
    transport: asyncio.Transport = extension["transport"]
    return transport
