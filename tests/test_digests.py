"""SHA-256 on the loop and in the hashing process: the same digests as hashlib, whatever the sizes, chunking and load.

Where a test needs the process in a given state (busy, stopped, dead) it gets one of its own, with
SIGSTOP/SIGCONT/SIGKILL sent to the real child: the shared process of the test session stays untouched.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import os
import random
import signal
import sys
import time
from collections.abc import Callable, Iterator

import httpx
import psutil
import pytest
from support import BOUNDARY, URL, FormPart, ServerProcess, body, content_type, in_process, meta_part, post_detect

from mockserver import digests
from mockserver.digests import DEFAULT_BATCH_BYTES, DEFAULT_INLINE_BYTES, Hashing
from mockserver.errors import HashingFailed
from mockserver.hashprocess import HashProcess, shared_process

pytestmark = pytest.mark.anyio
# Where there is no memfd (macOS, Windows) there is no hashing process: every part is hashed on the loop,
# which the other tests cover.
needs_process = pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="no hashing process without memfd")

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
def own_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[HashProcess]:
    """A hashing process for this test alone, used by every Hashing while the test runs."""
    if not hasattr(os, "memfd_create"):
        pytest.skip("no hashing process without memfd")
    process = HashProcess(ring_bytes=256 * 1024)
    poll_until(lambda: process.ready, timeout=10)
    monkeypatch.setattr(digests, "shared_process", lambda: process if process.alive else None)
    try:
        yield process
    finally:
        if process.alive:
            os.kill(process.pid, signal.SIGCONT)
        process.close()


def poll_until(condition: Callable[[], object], timeout: float = 5) -> None:
    """Wait, blocking, until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


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


@needs_process
async def test_digest_runs_in_a_process_of_its_own() -> None:
    await wait_until(lambda: shared_process() is not None)  # started by the first call, ready soon after
    digest = Hashing().digest()
    digest.update(b"y" * (DEFAULT_BATCH_BYTES + 1))
    result = digest.finish()
    assert not isinstance(result, str)
    assert await result == hashlib.sha256(b"y" * (DEFAULT_BATCH_BYTES + 1)).hexdigest()
    process = shared_process()
    assert process is not None and process.pid != os.getpid()
    child = psutil.Process(process.pid)
    assert child.ppid() == os.getpid()
    assert any(argument.endswith("hashchild.py") for argument in child.cmdline())


@pytest.mark.parametrize("pieces", [[300_000], [100_000] * 5 + [7], [4096] * 200])
async def test_digest_small_ring_cuts_and_queues_batches(own_process: HashProcess, pieces: list[int]) -> None:
    # A 256 KiB ring: batches over half of it are cut, and wait for room in order. Parts that find
    # batches waiting are hashed on the loop (the process is behind); the first always goes to the process.
    hashing = Hashing(batch_bytes=64 * 1024, busy_bytes=1 << 40)
    payloads = [data(sum(pieces), seed) for seed in range(3)]
    parts = [hashing.digest() for _ in payloads]
    start = 0
    for size in pieces:
        for digest, payload in zip(parts, payloads, strict=True):
            digest.update(memoryview(payload)[start : start + size])
        start += size
    results = [digest.finish() for digest in parts]
    assert not isinstance(results[0], str)
    resolved = [await result_of(result) for result in results]
    assert resolved == [hashlib.sha256(payload).hexdigest() for payload in payloads]
    assert hashing.backlog == 0 and not own_process.busy(0)


async def test_digest_busy_process_part_hashed_on_loop(own_process: HashProcess) -> None:
    hashing = Hashing(busy_bytes=64 * 1024)
    os.kill(own_process.pid, signal.SIGSTOP)  # it holds what it has: busy, as under other requests' load
    filler, filler_data = hashing.digest(), data(100_000, seed=1)
    filler.update(filler_data)
    pending = filler.finish()
    assert not isinstance(pending, str) and own_process.busy(hashing.busy_bytes)
    payload = data(DEFAULT_INLINE_BYTES + 1, seed=2)
    digest = hashing.digest()
    digest.update(payload)
    result = digest.finish()
    assert isinstance(result, str), "the loop should not queue behind a busy process"
    assert result == hashlib.sha256(payload).hexdigest()
    os.kill(own_process.pid, signal.SIGCONT)
    assert await pending == hashlib.sha256(filler_data).hexdigest()


async def test_digest_part_begun_here_stays_here_when_the_process_frees_up(own_process: HashProcess) -> None:
    # The process cannot take over a SHA-256 begun on the loop: a part's place is chosen once.
    hashing = Hashing(batch_bytes=64 * 1024, busy_bytes=64 * 1024)
    os.kill(own_process.pid, signal.SIGSTOP)
    filler = hashing.digest()
    filler.update(data(100_000, seed=1))
    pending = filler.finish()
    payload = data(300_000, seed=2)
    digest = hashing.digest()
    digest.update(payload[:65536])  # the process is busy: this batch is hashed here
    os.kill(own_process.pid, signal.SIGCONT)
    await result_of(pending)
    await wait_until(lambda: not own_process.busy(0))
    digest.update(payload[65536:])
    assert digest.finish() == hashlib.sha256(payload).hexdigest()


async def test_digest_part_handed_over_stays_with_process_when_it_gets_busy(own_process: HashProcess) -> None:
    # Once a part's first batch is in the ring, later batches must follow it there (in order), busy or not.
    hashing = Hashing(batch_bytes=64 * 1024, busy_bytes=64 * 1024)
    payload = data(500_000, seed=7)
    digest = hashing.digest()
    digest.update(payload[:65536])
    os.kill(own_process.pid, signal.SIGSTOP)
    other = hashing.digest()
    other.update(data(100_000, seed=8))
    other_result = other.finish()
    assert own_process.busy(hashing.busy_bytes)
    digest.update(payload[65536:])
    result = digest.finish()
    assert not isinstance(result, str)
    os.kill(own_process.pid, signal.SIGCONT)
    assert await result == hashlib.sha256(payload).hexdigest()
    assert await result_of(other_result) == hashlib.sha256(data(100_000, seed=8)).hexdigest()


async def test_digest_process_death_fails_its_parts_then_hashes_here(own_process: HashProcess) -> None:
    hashing = Hashing()
    os.kill(own_process.pid, signal.SIGSTOP)
    digest = hashing.digest()
    digest.update(data(200_000, seed=3))
    lost = digest.finish()
    assert not isinstance(lost, str)
    os.kill(own_process.pid, signal.SIGKILL)
    with pytest.raises(HashingFailed):
        await asyncio.wait_for(lost, 5)
    assert not own_process.alive and hashing.backlog == 0
    after = hashing.digest()
    after.update(data(200_000, seed=4))
    assert after.finish() == hashlib.sha256(data(200_000, seed=4)).hexdigest()


async def test_digest_process_death_gives_back_pipes_and_ring(own_process: HashProcess) -> None:
    before = psutil.Process().num_fds()
    os.kill(own_process.pid, signal.SIGKILL)
    await wait_until(lambda: not own_process.alive)
    assert psutil.Process().num_fds() <= before - 3  # two pipes and the ring's descriptor


async def test_digest_request_given_up_leaves_nothing_for_a_dying_process(own_process: HashProcess) -> None:
    """A request that ends early (a client gone mid-body) while its parts wait in the process: when the
    process then dies, no failure is left unread on a future nobody awaits."""
    import gc

    from mockserver.upload import MultipartReader

    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: unhandled.append(context))
    os.kill(own_process.pid, signal.SIGSTOP)
    payload = body([FormPart("file_0", data(200_000, seed=11), "a.jpg"), meta_part(["object"])])
    reader = MultipartReader(BOUNDARY.encode(), max_image_bytes=1 << 30, max_meta_bytes=1 << 20, max_parts=10)
    reader.feed(payload[: len(payload) - 100])  # the image part is complete and handed over; meta is not
    assert own_process.busy(0)
    reader.collect()  # what the request does when it gives up on the body
    os.kill(own_process.pid, signal.SIGKILL)
    await wait_until(lambda: not own_process.alive)
    for _ in range(5):
        await asyncio.sleep(0.01)
    del reader
    gc.collect()
    await asyncio.sleep(0.01)
    assert unhandled == []


def test_digest_many_batches_never_block_the_loop(own_process: HashProcess) -> None:
    """More batches than the pipes hold, with the process stopped: the loop never blocks on a full pipe."""
    hashing = Hashing(inline_bytes=0, busy_bytes=1 << 40)

    async def submit_all() -> int:
        handed = 0
        for seed in range(5000):
            digest = hashing.digest()
            digest.update(data(3, seed))
            handed += not isinstance(digest.finish(), str)
        return handed

    os.kill(own_process.pid, signal.SIGSTOP)
    with concurrent.futures.ThreadPoolExecutor(1) as worker:
        try:
            handed = worker.submit(asyncio.run, submit_all()).result(timeout=10)
        finally:
            os.kill(own_process.pid, signal.SIGCONT)
    assert handed > 1000  # as many as the pipes hold; then parts found the process busy and stayed here
    poll_until(lambda: not own_process.busy(0) and not own_process.parts_open, timeout=10)


async def test_digest_abandoned_parts_are_dropped_by_the_process(own_process: HashProcess) -> None:
    hashing = Hashing(batch_bytes=4096, busy_bytes=1 << 40)
    for seed in range(50):
        digest = hashing.digest()
        digest.update(data(5000, seed))  # its first batch is in the process
        digest.abandon()
    await wait_until(lambda: not own_process.busy(0) and own_process.parts_open == 0)


@pytest.mark.parametrize("ending", ["over the limit", "body given up"])
async def test_digest_parts_a_request_drops_are_dropped_by_the_process(own_process: HashProcess, ending: str) -> None:
    from mockserver.upload import MultipartReader

    payload = body([FormPart("file_0", data(700_000, seed=12), "a.jpg"), meta_part(["object"])])
    limit = 600_000 if ending == "over the limit" else 1 << 30
    reader = MultipartReader(BOUNDARY.encode(), max_image_bytes=limit, max_meta_bytes=1 << 20, max_parts=10)
    end = len(payload) if ending == "over the limit" else 650_000
    for start in range(0, end, 65536):
        reader.feed(payload[start : min(start + 65536, end)])
    assert reader.hashing.queued > 0  # the part's first batches went to the process
    if ending == "over the limit":
        await reader.settle()
    else:
        reader.collect()
    await wait_until(lambda: not own_process.busy(0) and own_process.parts_open == 0)


def test_digest_handed_over_part_cannot_finish_without_loop(own_process: HashProcess) -> None:
    hashing = Hashing(batch_bytes=4096, busy_bytes=1 << 40)

    async def begin() -> digests.Digest:
        digest = hashing.digest()
        digest.update(data(5000))
        return digest

    digest = asyncio.run(begin())
    with pytest.raises(RuntimeError, match="event loop"):
        digest.finish()  # hashing only the rest here would give a wrong digest


def test_digest_forked_child_does_not_keep_the_process_alive(own_process: HashProcess) -> None:
    child = os.fork()
    if child == 0:  # holds copies of the command pipe unless they were closed at the fork
        time.sleep(5)
        os._exit(0)
    try:
        started = time.monotonic()
        own_process.close()  # the process ends when every copy of its command pipe is closed
        assert time.monotonic() - started < 1.5, "the forked child kept the hashing process waiting"
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


async def test_digest_process_death_answers_500_then_serves(own_process: HashProcess) -> None:
    image = data(150_000, seed=5)
    parts = [FormPart("file_0", image, "a.jpg"), meta_part(["object"])]
    async with in_process() as client:
        os.kill(own_process.pid, signal.SIGSTOP)
        request = asyncio.ensure_future(post_detect(client, parts))
        await wait_until(lambda: own_process.busy(0))
        os.kill(own_process.pid, signal.SIGKILL)
        response = await asyncio.wait_for(request, 10)
        assert response.status_code == 500
        envelope = {"status": 500, "body": "Internal Server Error", "htmlencoded": False, "last_modified": 0}
        assert response.json() == envelope
        again = await post_detect(client, parts)
        entries = {entry["status"]: entry for entry in (await client.get("/__admin/requests")).json()["requests"]}
    assert again.json()["status"] == 200
    assert entries[500]["body"] == "Internal Server Error"
    assert entries[500]["parts"][0]["sha256"] is None  # lost with the process: never misreported
    assert entries[200]["parts"][0]["sha256"] == hashlib.sha256(image).hexdigest()


@needs_process
async def test_digest_process_that_cannot_start_never_holds_a_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")  # starts, and exits without saying it is ready
    process = HashProcess(ring_bytes=256 * 1024)
    monkeypatch.setattr(digests, "shared_process", lambda: process if process.alive and process.ready else None)
    try:
        await wait_until(lambda: not process.alive)
        assert not process.ready
        digest = Hashing().digest()
        payload = data(3 * DEFAULT_BATCH_BYTES, seed=10)
        digest.update(payload)
        assert digest.finish() == hashlib.sha256(payload).hexdigest()
    finally:
        process.close()


@pytest.mark.parametrize("size", [DEFAULT_INLINE_BYTES + 1, 3 * DEFAULT_BATCH_BYTES + 7])
async def test_digest_journal_and_fixtures_see_process_digests(size: int) -> None:
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


@needs_process
@pytest.mark.parametrize("stop", ["terminate", "kill"])
def test_digest_process_ends_with_the_server(stop: str) -> None:
    """No hashing process is left behind, whether the server shuts down or is killed."""
    with ServerProcess() as server:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            parts = [FormPart("file_0", data(300_000, seed=9), "a.jpg"), meta_part(["object"])]
            assert client.post(URL, headers={"content-type": content_type()}, content=body(parts)).status_code == 200
        children = [child for child in psutil.Process(server.process.pid).children()
                    if any(argument.endswith("hashchild.py") for argument in child.cmdline())]
        assert len(children) == 1
        getattr(server.process, stop)()
        server.process.wait(10)
        gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive
