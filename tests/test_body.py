"""BodyStream: chunks counted against the limit and the clock, one watchdog per event loop."""

from __future__ import annotations

import asyncio
import time

import pytest
from starlette.requests import ClientDisconnect
from starlette.types import Message

from mockserver.detect.body import BodyStream
from mockserver.errors import BodyTimeout, BodyTooLarge

pytestmark = pytest.mark.anyio


def channel(*messages: Message, pause: float = 0.0, then_wait: bool = True) -> object:
    """An ASGI receive: `messages` `pause` seconds apart, then (if `then_wait`) silence."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            if pause:
                await asyncio.sleep(pause)
            return queue.pop(0)
        if then_wait:
            await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    return receive


def chunk(data: bytes, more: bool = True) -> Message:
    return {"type": "http.request", "body": data, "more_body": more}


async def read(body: BodyStream) -> list[bytes]:
    with body.guard():
        return [piece async for piece in body]


async def test_body_gives_nonempty_chunks_in_order() -> None:
    body = BodyStream(channel(chunk(b"ab"), chunk(b""), chunk(b"c", more=False)), 10, idle=5, total=5)
    assert await read(body) == [b"ab", b"c"]
    assert body.received == 3


async def test_body_over_limit_raises() -> None:
    body = BodyStream(channel(chunk(b"x" * 6), chunk(b"x" * 6, more=False)), 10, idle=5, total=5)
    with pytest.raises(BodyTooLarge):
        await read(body)


async def test_body_disconnect_raises() -> None:
    body = BodyStream(channel(chunk(b"x"), then_wait=False), 10, idle=5, total=5)
    with pytest.raises(ClientDisconnect):
        await read(body)


async def test_body_idle_expires() -> None:
    body = BodyStream(channel(chunk(b"x")), 10, idle=0.1, total=5)
    started = time.monotonic()
    with pytest.raises(BodyTimeout, match="no data for 0.1 s"):
        await read(body)
    assert time.monotonic() - started < 2


async def test_body_steady_sender_outlives_idle_but_not_total() -> None:
    messages = [chunk(b"x") for _ in range(100)]
    body = BodyStream(channel(*messages, pause=0.03), 1000, idle=0.2, total=0.6)
    with pytest.raises(BodyTimeout, match="not complete after 0.6 s"):
        await read(body)
    assert body.received >= 10, "chunks 0.03 s apart never trip a 0.2 s idle limit"


async def test_body_watchdog_rearms_for_a_shorter_limit() -> None:
    # The loop's one timer is set for the patient body; a newcomer with a shorter limit must not wait for it.
    patient = asyncio.ensure_future(read(BodyStream(channel(chunk(b"x")), 10, idle=30, total=30)))
    await asyncio.sleep(0.01)
    started = time.monotonic()
    with pytest.raises(BodyTimeout):
        await read(BodyStream(channel(chunk(b"y")), 10, idle=0.1, total=30))
    assert time.monotonic() - started < 2
    assert not patient.done()
    patient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await patient


async def test_body_finished_bodies_leave_the_watchdog() -> None:
    from mockserver.detect.body import _watchdog

    for _ in range(50):
        await read(BodyStream(channel(chunk(b"x"), chunk(b"y", more=False)), 10, idle=5, total=5))
    assert not _watchdog(asyncio.get_running_loop()).bodies
