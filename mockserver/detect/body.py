"""The request body as it arrives: counted against the limit (row 6) and the clock."""

from __future__ import annotations

import asyncio
import contextlib
import math
import weakref
from collections.abc import Iterator, Mapping

from starlette.requests import ClientDisconnect
from starlette.types import Receive

from ..errors import BodyTimeout, BodyTooLarge


def check_declared_length(headers: Mapping[str, str], limit: int) -> None:
    """Row 6, before any byte is read: a Content-Length over the limit is refused at once."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)


class _Watchdog:
    """One timer per event loop for every body in flight, armed for the earliest moment one may expire.

    A timer per request (arming and cancelling one) cost as much as a tenth of a small request. Here a
    request only joins and leaves a dict; the timer is moved only when a newcomer may expire before the
    moment it is set for (never, while every request has the same settings). When it fires, bodies past
    their time are expired, and it is set again for the next one.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.bodies: dict[BodyStream, asyncio.Task[object]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._when = math.inf

    def watch(self, body: BodyStream, task: asyncio.Task[object]) -> None:
        self.bodies[body] = task
        due = body.due()
        if due < self._when:
            self._arm(due)

    def forget(self, body: BodyStream) -> None:
        self.bodies.pop(body, None)

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._when = when
        self._timer = self.loop.call_at(when, self._check)

    def _check(self) -> None:
        self._timer, self._when = None, math.inf
        now, upcoming = self.loop.time(), math.inf
        for body, task in list(self.bodies.items()):
            reason = body.overdue(now)
            if reason is None:
                upcoming = min(upcoming, body.due())
            else:
                del self.bodies[body]
                body.expire(task, reason)
        if upcoming < math.inf:
            self._arm(upcoming)


_watchdogs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Watchdog] = weakref.WeakKeyDictionary()


def _watchdog(loop: asyncio.AbstractEventLoop) -> _Watchdog:
    watchdog = _watchdogs.get(loop)
    if watchdog is None:
        watchdog = _watchdogs[loop] = _Watchdog(loop)
    return watchdog


class BodyStream:
    """The request body's chunks, counted against the limit (row 6) and the clock.

    Reads the ASGI `receive` channel itself: a class, not an async generator (each of those costs a
    registration with the event loop, a tenth of a small request's parsing). `async for` gives the
    non-empty chunks; a client gone mid-body raises ClientDisconnect.

    A client that stops sending (`idle` seconds without a chunk) or sends too slowly to finish within
    `total` seconds gets BodyTimeout: a stalled upload must not hold the server forever. The loop's one
    watchdog (not a timeout around every chunk, a fifth of the cost of a large upload) cancels the
    waiting task when the time is up, and `guard` turns that into BodyTimeout. Iterate inside `guard()`,
    which also takes the body off the watchdog however the iteration ends.
    """

    def __init__(self, receive: Receive, limit: int, *, idle: float, total: float) -> None:
        self._receive = receive
        self.limit = limit
        self.idle = idle
        self.total = total
        self.received = 0
        self._complete = False
        self._expired: str | None = None
        self._watchdog: _Watchdog | None = None
        # Looked up once: each `asyncio.get_running_loop()` asks the kernel for the process id.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last = self._deadline = 0.0

    def __aiter__(self) -> BodyStream:
        return self

    async def __anext__(self) -> bytes:
        if self._watchdog is None and not self._complete:
            self._watch()
        while not self._complete:
            message = await self._receive()
            if message["type"] == "http.request":
                self._complete = not message.get("more_body", False)
                chunk: bytes = message.get("body", b"")
                if chunk:
                    if self._loop is not None:  # set by `_watch`, before the first chunk
                        self._last = self._loop.time()
                    self.received += len(chunk)
                    if self.received > self.limit:
                        raise BodyTooLarge(self.limit)
                    return chunk
            elif message["type"] == "http.disconnect":
                raise ClientDisconnect()
        self._stop()
        raise StopAsyncIteration

    @property
    def crowded(self) -> bool:
        """Whether other bodies are being received on this event loop now."""
        return self._watchdog is not None and len(self._watchdog.bodies) > 1

    def due(self) -> float:
        """When this body expires unless a chunk arrives first (loop time)."""
        return min(self._last + self.idle, self._deadline)

    def overdue(self, now: float) -> str | None:
        """Why this body has run out of time at `now`, or None."""
        if now >= self._deadline:
            return f"not complete after {self.total:g} s"
        if now - self._last >= self.idle:
            return f"no data for {self.idle:g} s"
        return None

    def expire(self, task: asyncio.Task[object], reason: str) -> None:
        self._expired = reason
        task.cancel()

    def _watch(self) -> None:
        self._loop = loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        self._last = loop.time()
        self._deadline = self._last + self.total
        self._watchdog = _watchdog(loop)
        self._watchdog.watch(self, task)

    def _stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.forget(self)

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
