"""Everything that reaches into uvicorn: its httptools protocol, its server's exit and socket (the only module).

The protocol, with what a mock under attack needs and ASGI cannot give:

- The connection in each request's scope (`connection.Connection`), so scripted transport faults can
  reset a connection or close it without an answer, and the request guard knows a cancellation comes
  from the server shutting down (and not from an in-process client giving up).
- A deadline for the request line and headers: uvicorn waits forever for a client that connects and
  sends nothing, or sends its headers a byte at a time (slowloris). Past `header_timeout` seconds the
  server answers 408 in the vendor's envelope and closes.
- A size limit for them: past `max_header_bytes` the server answers 431 and closes, instead of
  collecting a megabyte of headers per connection; a URL past it (or past what the URL parser can take,
  `MAX_URL_BYTES`) gets 414. Counted as the bytes arrive (headers dribbled in) and as the parser reports
  each header (headers that came in one read).
- A body whose chunked framing breaks mid-way: uvicorn stops parsing and the app would wait for the rest
  until its body timeout. The connection is marked (`connection.framing_error(scope)`) and the app
  woken, so the request guard answers 400 at once.
- These refusals, made before any app code runs, get an access-log line like every other answer.
- Body chunks handed to the app as they came off the socket: uvicorn appends each one to a bytearray and
  copies that out again for `receive`, two copies of every body byte (two fifths of the server's time for
  a body it only reads). A chunk the app has not yet been given any of is now passed on as it is.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..detect.envelope import encode, envelope
from ..errors import HeadRefused
from .accesslog import log_answer
from .connection import CONNECTION_EXTENSION, Connection

DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_MAX_HEADER_BYTES = 64 * 1024
# httptools.parse_url keeps offsets and lengths in 16 bits: a longer URL cannot be parsed at all.
MAX_URL_BYTES = 65535
# Each header line's name and value, plus ": " and CRLF around them.
HEADER_LINE_OVERHEAD = 4
# Go's net/http text for it, as the vendor's server would see it.
BROKEN_FRAMING = "malformed chunked encoding"


class TransportExposingProtocol(HttpToolsProtocol):
    """HttpToolsProtocol, plus the transport in the scope, a deadline and a size limit for the headers."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    _header_timer: asyncio.TimerHandle | None = None
    _header_bytes = 0
    _parsed_bytes = 0
    _url_bytes = 0
    _in_headers = True
    _connection: Connection
    _refusal: tuple[int, str, str] | None = None
    _started = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._started = time.perf_counter()
        super().connection_made(transport)
        self._connection = Connection(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            # While headers are incomplete every byte received so far belongs to them.
            self._header_bytes += len(data)
        super().data_received(data)
        if not self._in_headers or self.transport.is_closing():
            return
        if self._header_bytes > self.max_header_bytes:
            self._refuse(431, "Request Header Fields Too Large", self._too_large_text())
        elif self._header_timer is None:
            # Headers begun and not complete in this packet: only now is a deadline worth a timer (most
            # requests arrive whole; a timer per request cost more than the rest of this class).
            self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        self._in_headers, self._header_bytes, self._parsed_bytes, self._url_bytes = True, 0, 0, 0
        self._started = time.perf_counter()
        super().on_message_begin()
        extensions: dict[str, Any] = dict(self.scope.get("extensions") or {})
        extensions[CONNECTION_EXTENSION] = self._connection
        self.scope["extensions"] = extensions

    def shutdown(self) -> None:
        # uvicorn calls this on every connection before it cancels what outlives the graceful timeout.
        self._connection.shutting_down = True
        super().shutdown()

    def on_url(self, url: bytes) -> None:
        # Headers that arrive in one read are parsed whole before `data_received` could count them.
        super().on_url(url)
        self._url_bytes += len(url)
        self._parsed_bytes += len(url)
        limit = min(self.max_header_bytes, MAX_URL_BYTES)
        if self._url_bytes > limit:
            self._stop(414, "URI Too Long", f"request URL longer than {limit} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        # Not a chunked body's trailer fields: those come while the request is served, and are body.
        if self._in_headers:
            self._parsed_bytes += len(name) + len(value) + HEADER_LINE_OVERHEAD
            if self._parsed_bytes > self.max_header_bytes:
                self._stop(431, "Request Header Fields Too Large", self._too_large_text())
        super().on_header(name, value)

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if (self.parser.should_upgrade() and self._should_upgrade()) or cycle.response_complete:
            return
        if not cycle.body:
            # `receive` gives `bytes(cycle.body)` and starts a new bytearray: bytes() of a bytes object is
            # that same object, so this chunk reaches the app without a copy.
            cycle.body = body  # type: ignore[assignment]
        elif isinstance(cycle.body, bytearray):
            cycle.body += body
        else:
            # Chunks that arrive before the app reads are joined, as uvicorn does.
            cycle.body = bytearray(cycle.body) + body
        if len(cycle.body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()
        cycle.message_event.set()

    def send_400_response(self, msg: str) -> None:
        refusal, self._refusal = self._refusal, None
        # Bytes that do not parse (or a request refused) while a request is being served: uvicorn answers
        # 400 at once and closes, losing that request's answer. Let the answer go out, then close.
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.keep_alive = False
            self._cancel_header_timer()
            if cycle.more_body:
                # Its own body is broken (chunked framing): no more of it will come. Tell the app now,
                # not after its body timeout.
                self._connection.broken_framing = BROKEN_FRAMING
                cycle.message_event.set()
            return
        if refusal is not None:
            # A parser callback refused the request (`_stop`): answer that, not uvicorn's plain 400.
            self._refuse(*refusal)
            return
        super().send_400_response(msg)

    def on_headers_complete(self) -> None:
        self._in_headers, self._url_bytes = False, 0
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
        if not self.transport.is_closing():
            self._refuse(408, "Request Timeout", f"request headers not received within {self.header_timeout:g} s")

    def _too_large_text(self) -> str:
        return f"request headers larger than {self.max_header_bytes} bytes"

    def _stop(self, status: int, reason: str, text: str) -> None:
        """Refuse from inside the parser: the error it raises reaches `send_400_response`."""
        self._refusal = (status, reason, text)
        raise HeadRefused(text)

    def _refuse(self, status: int, reason: str, text: str) -> None:
        """Answer in the vendor's envelope before any app saw the request, and close."""
        self._cancel_header_timer()
        body = encode(envelope(status, text))
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n%s" % (status, reason.encode(), len(body), body)
        )
        self.transport.close()
        # The request line, when it has begun (the parser knows the method once the URL starts).
        method = self.parser.get_method().decode("ascii", "replace") if self._url_bytes else "-"
        path = self.url.partition(b"?")[0].decode("latin-1") if self._url_bytes else "-"
        log_answer(self.client, method, path, status, (time.perf_counter() - self._started) * 1000)


def protocol_class(header_timeout: float, max_header_bytes: int) -> type[TransportExposingProtocol]:
    """The protocol with these header limits, for uvicorn's `http=` setting."""
    limits = {"header_timeout": header_timeout, "max_header_bytes": max_header_bytes}
    return type("MockProtocol", (TransportExposingProtocol,), limits)


class GracefulServer(uvicorn.Server):
    """uvicorn's server, but SIGTERM and SIGINT (Ctrl+C) are requests to stop, answered with exit status 0;
    `before_shutdown` is called when the stop begins.

    uvicorn finishes the answers in flight and then re-raises the signal: SIGTERM ends the process with
    143, which container runtimes and CI treat as a failure of a stop they asked for, and SIGINT meets
    asyncio's own handler, two KeyboardInterrupt tracebacks and death by the signal. A second Ctrl+C
    still stops at once, without waiting for the answers in flight (as uvicorn's does).
    """

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig not in (signal.SIGTERM, signal.SIGINT):
            super().handle_exit(sig, frame)
            return
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True

    def __init__(self, config: uvicorn.Config, *, before_shutdown: Callable[[], object] | None = None) -> None:
        super().__init__(config)
        self.before_shutdown = before_shutdown

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Answers that never end by themselves (the console's event stream) are told to end first, so
        # an open console does not hold the stop for the whole graceful timeout.
        if self.before_shutdown is not None:
            self.before_shutdown()
        await super().shutdown(sockets)


def listening_port(server: uvicorn.Server) -> int:
    """The port a started server listens on (port 0 lets the system choose)."""
    return int(server.servers[0].sockets[0].getsockname()[1])
