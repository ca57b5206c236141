"""How a fired request-level fault answers: a gateway page, or a connection that misbehaves.

Envelope faults need nothing here: they raise `ScriptedError` and the app's one error handler answers.
Transport faults act on the socket (see `protocol.py`); in-process (httpx's ASGITransport) the ones that
need a socket raise `TransportUnavailable` instead, which reaches the test's client as an exception.
"""

from __future__ import annotations

import asyncio
import socket
import struct

from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from ..errors import TransportUnavailable
from ..http.connection import transport_of
from .model import GatewayFault, TransportFault

LINGER_RESET = struct.pack("ii", 1, 0)


def gateway_response(fault: GatewayFault) -> Response:
    """A proxy's error page: real HTTP status, HTML, never an envelope."""
    seconds = fault.retry_seconds
    headers = {"retry-after": str(seconds)} if seconds is not None else None
    return HTMLResponse(fault.page, status_code=fault.status, headers=headers)


class TransportResponse(Response):
    """The answer `answer` would have been, delivered badly."""

    def __init__(self, fault: TransportFault, answer: Response, *, max_seconds: float) -> None:
        super().__init__()
        self.fault = fault
        self.answer = answer
        self.max_seconds = max_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        action = self.fault.action
        if action == "malformed_json":
            body = bytes(self.answer.body)
            await self._send(send, body[: len(body) // 2] + b"\x00<", more=False)
            return
        if action == "dribble":
            await self._dribble(send, receive)
            return
        transport = transport_of(scope)
        if action == "hang":
            await self._hang(receive, transport)
            return
        if transport is None:
            raise TransportUnavailable(f"transport fault {action!r} needs a real socket, not an in-process app")
        if action == "truncate":
            body = bytes(self.answer.body)
            keep = len(body) // 2 if self.fault.keep_bytes is None else min(self.fault.keep_bytes, len(body) - 1)
            await self._start(send, len(body))
            await send({"type": "http.response.body", "body": body[: max(0, keep)], "more_body": True})
            await asyncio.sleep(0)
            transport.close()
        elif action == "close":
            transport.close()
        else:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            transport.abort()
        await self._until_gone(receive)

    async def _start(self, send: Send, length: int) -> None:
        headers = [
            (name, value) for name, value in self.answer.raw_headers if name not in (b"content-length", b"connection")
        ]
        headers.append((b"content-length", str(length).encode()))
        await send({"type": "http.response.start", "status": self.answer.status_code, "headers": headers})

    async def _send(self, send: Send, body: bytes, *, more: bool) -> None:
        await self._start(send, len(body))
        await send({"type": "http.response.body", "body": body, "more_body": more})

    async def _dribble(self, send: Send, receive: Receive) -> None:
        # The answer stops when the client leaves (each pause also listens for its disconnect), and takes
        # at most max_seconds: past that the rest goes at once, as a latency fault is cut there. Else
        # every client that gave up on a slow answer would keep a task for chunks × interval.
        body, step = bytes(self.answer.body), self.fault.chunk_bytes
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_seconds
        gone = asyncio.ensure_future(self._until_gone(receive))
        try:
            await self._start(send, len(body))
            for start in range(0, len(body), step):
                if loop.time() >= deadline:
                    await send({"type": "http.response.body", "body": body[start:], "more_body": False})
                    return
                last = start + step >= len(body)
                await send({"type": "http.response.body", "body": body[start : start + step], "more_body": not last})
                if last:
                    return
                pause = min(self.fault.interval_ms / 1000, deadline - loop.time())
                done, _ = await asyncio.wait({gone}, timeout=max(0.0, pause))
                if done:
                    return
        finally:
            gone.cancel()

    async def _hang(self, receive: Receive, transport: asyncio.Transport | None) -> None:
        # Nothing is sent: the client waits until it gives up, or the server's bound runs out.
        try:
            await asyncio.wait_for(self._until_gone(receive), self.max_seconds)
        except TimeoutError:
            if transport is None:
                raise TransportUnavailable(f"hung for {self.max_seconds} s with no socket to close") from None
            transport.close()
            await self._until_gone(receive)

    @staticmethod
    async def _until_gone(receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
