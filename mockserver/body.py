"""The request body as it arrives: counted against the limit (row 6) and the clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Mapping

from starlette.requests import ClientDisconnect
from starlette.types import Receive

from .errors import BodyTimeout, BodyTooLarge


def check_declared_length(headers: Mapping[str, str], limit: int) -> None:
    """Row 6, before any byte is read: a Content-Length over the limit is refused at once."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)


class BodyStream:
    """The request body's chunks, counted against the limit (row 6) and the clock.

    Reads the ASGI `receive` channel itself: a class, not an async generator (each of those costs a
    registration with the event loop, a tenth of a small request's parsing). `async for` gives the
    non-empty chunks; a client gone mid-body raises ClientDisconnect.

    A client that stops sending (`idle` seconds without a chunk) or sends too slowly to finish within
    `total` seconds gets BodyTimeout: a stalled upload must not hold the server forever. One watchdog
    timer per request checks the clock, instead of a timeout around every chunk (a fifth of the cost of
    a large upload); when it fires it cancels the waiting task, and `guard` turns that into BodyTimeout.
    Iterate inside `guard()`, which also stops the watchdog however the iteration ends.
    """

    def __init__(self, receive: Receive, limit: int, *, idle: float, total: float) -> None:
        self._receive = receive
        self.limit = limit
        self.idle = idle
        self.total = total
        self.received = 0
        self._complete = False
        self._expired: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._last = self._deadline = 0.0

    def __aiter__(self) -> BodyStream:
        return self

    async def __anext__(self) -> bytes:
        if self._timer is None and not self._complete:
            self._watch(asyncio.get_running_loop())
        while not self._complete:
            message = await self._receive()
            if message["type"] == "http.request":
                self._complete = not message.get("more_body", False)
                chunk: bytes = message.get("body", b"")
                if chunk:
                    self._last = asyncio.get_running_loop().time()
                    self.received += len(chunk)
                    if self.received > self.limit:
                        raise BodyTooLarge(self.limit)
                    return chunk
            elif message["type"] == "http.disconnect":
                raise ClientDisconnect()
        self._stop()
        raise StopAsyncIteration

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._last = loop.time()
        self._deadline = self._last + self.total

        def watch() -> None:
            now = loop.time()
            if now >= self._deadline:
                self._expire(task, f"not complete after {self.total:g} s")
            elif now - self._last >= self.idle:
                self._expire(task, f"no data for {self.idle:g} s")
            else:
                self._timer = loop.call_at(min(self._last + self.idle, self._deadline), watch)

        self._timer = loop.call_at(min(self._last + self.idle, self._deadline), watch)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _expire(self, task: asyncio.Task[object], reason: str) -> None:
        self._expired = reason
        task.cancel()

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Turn the watchdog's cancellation into BodyTimeout; any other cancellation goes on."""
        try:
            yield
        except asyncio.CancelledError:
            if self._expired is None:
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            raise BodyTimeout(self._expired) from None
        finally:
            self._stop()
