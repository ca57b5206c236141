"""The request body as it arrives: counted against the limit (row 6) and the clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping

from .errors import BodyTimeout, BodyTooLarge


def check_declared_length(headers: Mapping[str, str], limit: int) -> None:
    """Row 6, before any byte is read: a Content-Length over the limit is refused at once."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)


class BodyStream:
    """The request body's chunks, counted against the limit (row 6) and the clock.

    A client that stops sending (`idle` seconds without a chunk) or sends too slowly to finish within
    `total` seconds gets BodyTimeout: a stalled upload must not hold the server forever. One watchdog
    timer per request checks the clock, instead of a timeout around every chunk (a fifth of the cost of
    a large upload); when it fires it cancels the waiting task, and `guard` turns that into BodyTimeout.
    """

    def __init__(self, chunks: AsyncIterator[bytes], limit: int, *, idle: float, total: float) -> None:
        self._chunks = chunks
        self.limit = limit
        self.idle = idle
        self.total = total
        self.received = 0
        self._expired: str | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        deadline = loop.time() + self.total
        last = loop.time()
        timers: list[asyncio.TimerHandle] = []

        def watch() -> None:
            now = loop.time()
            if now >= deadline:
                self._expire(task, f"not complete after {self.total:g} s")
            elif now - last >= self.idle:
                self._expire(task, f"no data for {self.idle:g} s")
            else:
                timers[0] = loop.call_at(min(last + self.idle, deadline), watch)

        timers.append(loop.call_at(min(last + self.idle, deadline), watch))
        try:
            async for chunk in self._chunks:
                last = loop.time()
                self.received += len(chunk)
                if self.received > self.limit:
                    raise BodyTooLarge(self.limit)
                if chunk:
                    yield chunk
        finally:
            timers[0].cancel()

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
