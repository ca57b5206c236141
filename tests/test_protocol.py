"""The HTTP protocol hands body chunks to the app intact and in order, however they arrive from the socket.

Driven directly, without a socket, so the test chooses how bytes arrive: one chunk per read, or many
reads before the app gets to run (which uvicorn joins), with flow control pausing the transport.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from mockserver.http.protocol import protocol_class

KIB = 1024


class FakeTransport(asyncio.Transport):
    """Collects what the server writes; counts how often reading was paused."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.pauses = 0
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        self.pauses += 1

    def resume_reading(self) -> None:
        pass


async def upload(pieces: list[bytes], *, reads_before_app: int) -> tuple[list[bytes], FakeTransport]:
    """Send one POST whose body is `pieces`, feeding `reads_before_app` reads between the app's turns."""
    received: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            received.append(message["body"])
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    config = Config(app, http=protocol_class(10.0, 64 * KIB), loop="asyncio", log_level="warning")
    config.load()
    protocol = config.http_protocol_class(  # type: ignore[call-arg]
        config=config, server_state=ServerState(), app_state={}, _loop=asyncio.get_running_loop()
    )
    transport = FakeTransport()
    protocol.connection_made(transport)
    length = sum(map(len, pieces))
    protocol.data_received(b"POST /upload HTTP/1.1\r\nhost: t\r\ncontent-length: %d\r\n\r\n" % length)
    for start in range(0, len(pieces), reads_before_app):
        for piece in pieces[start : start + reads_before_app]:
            protocol.data_received(piece)
        for _ in range(3):  # the app's task runs, takes what has arrived and waits again
            await asyncio.sleep(0)
    for _ in range(20):
        if transport.written:
            break
        await asyncio.sleep(0)
    protocol.connection_lost(None)
    return received, transport


@pytest.mark.parametrize(
    ("sizes", "reads_before_app"),
    [
        ([256 * KIB] * 4, 1),  # large reads, each given to the app on its own
        ([100 * KIB, 3, 200 * KIB, 1], 1),
        ([KIB] * 40, 8),  # small reads pile up before the app reads them
        ([KIB] * 40 + [128 * KIB, 5], 7),
        ([70 * KIB] * 5, 2),  # past the high-water mark while piling up
    ],
)
def test_protocol_body_chunks_intact_and_in_order(sizes: list[int], reads_before_app: int) -> None:
    pieces = [os.urandom(size) for size in sizes]
    received, transport = asyncio.run(upload(pieces, reads_before_app=reads_before_app))
    assert b"".join(received) == b"".join(pieces)
    assert transport.written.startswith(b"HTTP/1.1 200")
    if reads_before_app == 1:
        # Nothing piled up: each read reached the app as its own message.
        assert [chunk for chunk in received if chunk] == pieces
    else:
        assert len([chunk for chunk in received if chunk]) < len(pieces)


def test_protocol_large_read_pauses_transport() -> None:
    """A read past uvicorn's high-water mark still pauses the socket until the app has taken it."""
    pieces = [os.urandom(256 * KIB) for _ in range(2)]
    received, transport = asyncio.run(upload(pieces, reads_before_app=1))
    assert transport.pauses >= 2
    assert b"".join(received) == b"".join(pieces)
