"""uvicorn's httptools protocol, with what a mock under attack needs and ASGI cannot give.

- The connection's transport in each request's scope (`extensions["mockserver.transport"]`), so scripted
  transport faults can reset a connection or close it without an answer.
- A deadline for the request line and headers: uvicorn waits forever for a client that connects and
  sends nothing, or sends its headers a byte at a time (slowloris). Past `header_timeout` seconds the
  server answers 408 in the vendor's envelope and closes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .envelope import encode, envelope

TRANSPORT_EXTENSION = "mockserver.transport"
DEFAULT_HEADER_TIMEOUT = 10.0
REQUEST_TIMEOUT = 408


class TransportExposingProtocol(HttpToolsProtocol):
    """HttpToolsProtocol, plus the transport in the scope and a deadline for the headers."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        extensions: dict[str, Any] = dict(self.scope.get("extensions") or {})
        extensions[TRANSPORT_EXTENSION] = {"transport": self.transport}
        self.scope["extensions"] = extensions
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        super().on_headers_complete()

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        body = encode(envelope(REQUEST_TIMEOUT, f"request headers not received within {self.header_timeout:g} s"))
        self.transport.write(
            b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(body), body)
        )
        self.transport.close()


def protocol_class(header_timeout: float) -> type[TransportExposingProtocol]:
    """The protocol with this header deadline, for uvicorn's `http=` setting."""
    return type("MockProtocol", (TransportExposingProtocol,), {"header_timeout": header_timeout})


def transport_of(scope: Any) -> asyncio.Transport | None:
    """The request's connection, when served by TransportExposingProtocol (not in-process)."""
    extension = (scope.get("extensions") or {}).get(TRANSPORT_EXTENSION)
    if extension is None:
        return None
    transport: asyncio.Transport = extension["transport"]
    return transport
