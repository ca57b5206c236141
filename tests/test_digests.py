"""SHA-256 on the loop and on the hashing thread: the same digests as hashlib, whatever the sizes, chunking and load.

Where a test needs the thread in a given state (held busy, failed) it gets one of its own: held by a batch
whose callback waits on an event, failed by a batch it cannot hash. The shared thread stays untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from support import BOUNDARY, URL, FormPart, body, content_type, in_process, meta_part, post_detect

from mockserver.detect import digests
from mockserver.detect.digests import DEFAULT_BATCH_BYTES, DEFAULT_INLINE_BYTES, Hashing
from mockserver.detect.hashthread import HashThread, shared_hasher
from mockserver.errors import HashingFailed

pytestmark = pytest.mark.anyio

SIZES = [
    1,
    DEFAULT_INLINE_BYTES - 1,
    DEFAULT_INLINE_BYTES,
    DEFAULT_INLINE_BYTES + 1,
    DEFAULT_BATCH_BYTES - 1,
    DEFAULT_BATCH_BYTES,
    DEFAULT_BATCH_BYTES + 1,
    3 * DEFAULT_BATCH_BYTES + 12345,
]


def data(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


async def result_of(result: str | asyncio.Future[str]) -> str:
    return result if isinstance(result, str) else await result


@pytest.fixture
def own_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[HashThread]:
    """A hashing thread for this test alone, used by every Hashing while the test runs."""
    hasher = HashThread()
    monkeypatch.setattr(digests, "shared_hasher", lambda: hasher if hasher.alive else None)
    try:
        yield hasher
    finally:
        hasher.close()


@contextlib.contextmanager
def held(hasher: HashThread) -> Iterator[None]:
    """The thread stopped (as under other requests' load) until the block ends: what it is given waits."""
    gate = threading.Event()
    hasher.submit(hasher.token(), [], 0, True, lambda size, digest, failed: gate.wait(10))
    try:
        yield
    finally:
        gate.set()


def break_(hasher: HashThread) -> None:
    """Make the thread fail at its next batch: one it cannot hash."""
    unhashable: list[bytes | memoryview] = [object()]  # type: ignore[list-item]
    hasher.submit(hasher.token(), unhashable, 1, True, lambda size, digest, failed: None)


async def wait_until(condition: Callable[[], object], timeout: float = 5) -> None:
    """Wait, letting the event loop run, until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.005)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("piece", [1000, 65536, 10**7])
async def test_digest_in_loop_matches_hashlib(size: int, piece: int) -> None:
    hashing = Hashing()
    digest = hashing.digest()
    payload = data(size)
    for start in range(0, size, piece):
        digest.update(memoryview(payload)[start : start + piece])
    assert await result_of(digest.finish()) == hashlib.sha256(payload).hexdigest()
    assert hashing.backlog == 0


@pytest.mark.parametrize("size", SIZES)
def test_digest_without_loop_hashes_here(size: int) -> None:
    digest = Hashing().digest()
    payload = data(size)
    for start in range(0, size, 65536):
        digest.update(payload[start : start + 65536])
    assert digest.finish() == hashlib.sha256(payload).hexdigest()


async def test_digest_many_parts_interleaved_keep_order() -> None:
    hashing = Hashing(batch_bytes=4096)
    payloads = [data(50_000, seed) for seed in range(6)]
    parts = [hashing.digest() for _ in payloads]
    for start in range(0, 50_000, 3000):
        for digest, payload in zip(parts, payloads, strict=True):
            digest.update(payload[start : start + 3000])
    resolved = [await result_of(digest.finish()) for digest in parts]
    assert resolved == [hashlib.sha256(payload).hexdigest() for payload in payloads]


async def test_digest_drain_bounds_backlog() -> None:
    hashing = Hashing(batch_bytes=1024, max_backlog=4096)
    digest = hashing.digest()
    for _ in range(100):
        digest.update(b"x" * 1024)
    await hashing.drain()
    assert hashing.backlog <= 3 * 4096 // 4
    assert await result_of(digest.finish()) == hashlib.sha256(b"x" * 102_400).hexdigest()


async def test_digest_runs_on_a_thread_of_its_own() -> None:
    seen: list[str] = []
    hashing = Hashing()
    digest = hashing.digest()
    digest.update(b"y" * (DEFAULT_BATCH_BYTES + 1))
    hasher = shared_hasher()
    assert hasher is not None and hasher.thread.is_alive()
    hasher.submit(hasher.token(), [], 0, True, lambda size, value, failed: seen.append(threading.current_thread().name))
    result = digest.finish()
    assert not isinstance(result, str)
    assert await result == hashlib.sha256(b"y" * (DEFAULT_BATCH_BYTES + 1)).hexdigest()
    await wait_until(lambda: seen)
    assert seen == ["mockserver-sha256"]


async def test_digest_busy_thread_part_hashed_on_loop(own_hasher: HashThread) -> None:
    hashing = Hashing(busy_bytes=64 * 1024)
    with held(own_hasher):
        filler, filler_data = hashing.digest(), data(100_000, seed=1)
        filler.update(filler_data)
        pending = filler.finish()
        assert not isinstance(pending, str) and own_hasher.busy(hashing.busy_bytes)
        payload = data(DEFAULT_INLINE_BYTES + 1, seed=2)
        digest = hashing.digest()
        digest.update(payload)
        result = digest.finish()
        assert isinstance(result, str), "the loop should not queue behind a busy thread"
        assert result == hashlib.sha256(payload).hexdigest()
    assert await pending == hashlib.sha256(filler_data).hexdigest()


async def test_digest_part_begun_here_stays_here_when_the_thread_frees_up(own_hasher: HashThread) -> None:
    # The thread cannot take over a SHA-256 begun on the loop: a part's place is chosen once.
    hashing = Hashing(batch_bytes=64 * 1024, busy_bytes=64 * 1024)
    payload = data(300_000, seed=2)
    digest = hashing.digest()
    with held(own_hasher):
        filler = hashing.digest()
        filler.update(data(100_000, seed=1))
        pending = filler.finish()
        digest.update(payload[:65536])  # the thread is busy: this batch is hashed here
    await result_of(pending)
    await wait_until(lambda: not own_hasher.busy(0))
    digest.update(payload[65536:])
    assert digest.finish() == hashlib.sha256(payload).hexdigest()


async def test_digest_part_handed_over_stays_with_thread_when_it_gets_busy(own_hasher: HashThread) -> None:
    # Once a part's first batch is queued, later batches must follow it there (in order), busy or not.
    hashing = Hashing(batch_bytes=64 * 1024, busy_bytes=64 * 1024)
    payload = data(500_000, seed=7)
    digest = hashing.digest()
    digest.update(payload[:65536])
    with held(own_hasher):
        other = hashing.digest()
        other.update(data(100_000, seed=8))
        other_result = other.finish()
        assert own_hasher.busy(hashing.busy_bytes)
        digest.update(payload[65536:])
        result = digest.finish()
        assert not isinstance(result, str)
    assert await result == hashlib.sha256(payload).hexdigest()
    assert await result_of(other_result) == hashlib.sha256(data(100_000, seed=8)).hexdigest()


async def test_digest_thread_failure_fails_its_parts_then_hashes_here(own_hasher: HashThread) -> None:
    hashing = Hashing()
    with held(own_hasher):
        break_(own_hasher)
        digest = hashing.digest()
        digest.update(data(200_000, seed=3))
        lost = digest.finish()
        assert not isinstance(lost, str)
    with pytest.raises(HashingFailed):
        await asyncio.wait_for(lost, 5)
    await wait_until(lambda: not own_hasher.thread.is_alive())
    assert not own_hasher.alive and hashing.backlog == 0
    after = hashing.digest()
    after.update(data(200_000, seed=4))
    assert after.finish() == hashlib.sha256(data(200_000, seed=4)).hexdigest()


async def test_digest_part_given_to_a_failed_thread_fails_at_once(own_hasher: HashThread) -> None:
    hashing = Hashing(batch_bytes=4096, busy_bytes=1 << 40)
    digest = hashing.digest()
    digest.update(data(5000, seed=1))  # its first batch is with the thread: the rest must follow it
    break_(own_hasher)
    await wait_until(lambda: not own_hasher.alive)
    with pytest.raises(HashingFailed):
        await asyncio.wait_for(result_of(digest.finish()), 5)
    assert hashing.backlog == 0


async def test_digest_request_given_up_leaves_nothing_for_a_failing_thread(own_hasher: HashThread) -> None:
    """A request that ends early (a client gone mid-body) while its parts wait in the thread: when the
    thread then fails, no failure is left unread on a future nobody awaits."""
    import gc

    from mockserver.detect.upload import MultipartReader

    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: unhandled.append(context))
    payload = body([FormPart("file_0", data(200_000, seed=11), "a.jpg"), meta_part(["object"])])
    reader = MultipartReader(BOUNDARY.encode(), max_image_bytes=1 << 30, max_meta_bytes=1 << 20, max_parts=10)
    with held(own_hasher):
        break_(own_hasher)
        reader.feed(payload[: len(payload) - 100])  # the image part is complete and handed over; meta is not
        assert own_hasher.busy(0)
        reader.collect()  # what the request does when it gives up on the body
    await wait_until(lambda: not own_hasher.alive)
    for _ in range(5):
        await asyncio.sleep(0.01)
    del reader
    gc.collect()
    await asyncio.sleep(0.01)
    assert unhandled == []


async def test_digest_many_batches_never_block_the_loop(own_hasher: HashThread) -> None:
    """Thousands of batches with the thread held: each is queued at once, and all are hashed after."""
    hashing = Hashing(inline_bytes=0, busy_bytes=1 << 40)
    with held(own_hasher):
        started = time.monotonic()
        results = []
        for seed in range(5000):
            digest = hashing.digest()
            digest.update(data(3, seed))
            results.append(digest.finish())
        assert time.monotonic() - started < 5
        assert all(not isinstance(result, str) for result in results)
    resolved = [await result_of(result) for result in results]
    assert resolved == [hashlib.sha256(data(3, seed)).hexdigest() for seed in range(5000)]
    assert not own_hasher.busy(0) and not own_hasher.parts_open


async def test_digest_abandoned_parts_are_dropped_by_the_thread(own_hasher: HashThread) -> None:
    hashing = Hashing(batch_bytes=4096, busy_bytes=1 << 40)
    for seed in range(50):
        digest = hashing.digest()
        digest.update(data(5000, seed))  # its first batch is with the thread
        digest.abandon()
    await wait_until(lambda: not own_hasher.busy(0) and own_hasher.parts_open == 0)


@pytest.mark.parametrize("ending", ["over the limit", "body given up"])
async def test_digest_parts_a_request_drops_are_dropped_by_the_thread(own_hasher: HashThread, ending: str) -> None:
    from mockserver.detect.upload import MultipartReader

    payload = body([FormPart("file_0", data(700_000, seed=12), "a.jpg"), meta_part(["object"])])
    limit = 600_000 if ending == "over the limit" else 1 << 30
    reader = MultipartReader(BOUNDARY.encode(), max_image_bytes=limit, max_meta_bytes=1 << 20, max_parts=10)
    end = len(payload) if ending == "over the limit" else 650_000
    for start in range(0, end, 65536):
        reader.feed(payload[start : min(start + 65536, end)])
    assert reader.hashing.queued > 0  # the part's first batches went to the thread
    if ending == "over the limit":
        await reader.settle()
    else:
        reader.collect()
    await wait_until(lambda: not own_hasher.busy(0) and own_hasher.parts_open == 0)


def test_digest_handed_over_part_cannot_finish_without_loop(own_hasher: HashThread) -> None:
    hashing = Hashing(batch_bytes=4096, busy_bytes=1 << 40)

    async def begin() -> digests.Digest:
        digest = hashing.digest()
        digest.update(data(5000))
        return digest

    digest = asyncio.run(begin())
    with pytest.raises(RuntimeError, match="event loop"):
        digest.finish()  # hashing only the rest here would give a wrong digest


def test_digest_forked_child_starts_a_thread_of_its_own() -> None:
    parent = shared_hasher()
    assert parent is not None
    child = os.fork()
    if child == 0:  # the parent's thread did not survive the fork: the child must not queue work for it
        try:
            own = shared_hasher()
            ok = own is not None and own is not parent and own.thread.is_alive()
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert shared_hasher() is parent


async def test_digest_thread_failure_answers_500_then_serves(own_hasher: HashThread) -> None:
    image = data(150_000, seed=5)
    parts = [FormPart("file_0", image, "a.jpg"), meta_part(["object"])]
    async with in_process() as client:
        with held(own_hasher):
            break_(own_hasher)
            request = asyncio.ensure_future(post_detect(client, parts))
            await wait_until(lambda: own_hasher.busy(1))
        response = await asyncio.wait_for(request, 10)
        assert response.status_code == 500
        envelope = {"status": 500, "body": "Internal Server Error", "htmlencoded": False, "last_modified": 0}
        assert response.json() == envelope
        again = await post_detect(client, parts)
        entries = {entry["status"]: entry for entry in (await client.get("/__admin/requests")).json()["requests"]}
    assert again.json()["status"] == 200
    assert entries[500]["body"] == "Internal Server Error"
    assert entries[500]["parts"][0]["sha256"] is None  # lost with the thread: never misreported
    assert entries[200]["parts"][0]["sha256"] == hashlib.sha256(image).hexdigest()


@pytest.mark.parametrize("size", [DEFAULT_INLINE_BYTES + 1, 3 * DEFAULT_BATCH_BYTES + 7])
async def test_digest_journal_and_fixtures_see_thread_digests(size: int) -> None:
    payload = data(size, seed=3)
    parts = [FormPart("big", payload, "big.bin"), FormPart("small", data(100, seed=4), "s.bin"),
             meta_part(["object"], ["big", "small"])]
    async with in_process() as client:
        response = await post_detect(client, parts)
        entry = (await client.get("/__admin/requests")).json()["requests"][0]
    assert response.json()["status"] == 200
    found = {part["name"]: part["sha256"] for part in entry["parts"]}
    assert found["big"] == hashlib.sha256(payload).hexdigest()
    assert found["small"] == hashlib.sha256(data(100, seed=4)).hexdigest()


async def test_digest_fixture_match_on_large_image(tmp_path: object) -> None:
    import json
    from pathlib import Path

    folder = Path(str(tmp_path))
    payload = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00" + data(900_000, seed=5)
    answers = {"*": {"status": 2, "error": "big"}}
    fixture = {"match": {"sha256": hashlib.sha256(payload).hexdigest()}, "answers": answers}
    (folder / "big.json").write_text(json.dumps(fixture))
    async with in_process(fixtures=folder, fixtures_poll=0) as client:
        response = await client.post(URL, headers={"content-type": content_type()},
                                     content=body([FormPart("file_0", payload), meta_part(["scene"])]))
    assert response.json()["body"]["scene_labels"][0] == {"status": 2, "name": "file_0", "error": "big"}
