"""SHA-256 on the worker thread: the same digests as hashlib, whatever the sizes and chunking."""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading

import pytest
from support import FormPart, body, in_process, meta_part, post_detect

from mockserver.digests import DEFAULT_BATCH_BYTES, DEFAULT_BUSY_BYTES, DEFAULT_INLINE_BYTES, Hashing, _shared_worker

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


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("piece", [1000, 65536, 10**7])
async def test_digest_in_loop_matches_hashlib(size: int, piece: int) -> None:
    hashing = Hashing()
    digest = hashing.digest()
    payload = data(size)
    for start in range(0, size, piece):
        digest.update(memoryview(payload)[start : start + piece])
    result = digest.finish()
    if not isinstance(result, str):
        result = await result
    assert result == hashlib.sha256(payload).hexdigest()
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
    digests = [hashing.digest() for _ in payloads]
    for start in range(0, 50_000, 3000):
        for digest, payload in zip(digests, payloads, strict=True):
            digest.update(payload[start : start + 3000])
    results = [digest.finish() for digest in digests]
    resolved = [result if isinstance(result, str) else await result for result in results]
    assert resolved == [hashlib.sha256(payload).hexdigest() for payload in payloads]


async def test_digest_drain_bounds_backlog() -> None:
    hashing = Hashing(batch_bytes=1024, max_backlog=4096)
    digest = hashing.digest()
    for _ in range(100):
        digest.update(b"x" * 1024)
    await hashing.drain()
    assert hashing.backlog == 0
    final = digest.finish()
    assert (final if isinstance(final, str) else await final) == hashlib.sha256(b"x" * 102_400).hexdigest()


@pytest.mark.parametrize("size", [DEFAULT_INLINE_BYTES + 1, 3 * DEFAULT_BATCH_BYTES + 7])
async def test_digest_journal_and_fixtures_see_worker_digests(size: int, tmp_path: object) -> None:
    payload = data(size, seed=3)
    parts = [FormPart("big", payload, "big.bin"), FormPart("small", data(100, seed=4), "s.bin"),
             meta_part(["object"], ["big", "small"])]
    async with in_process() as client:
        response = await post_detect(client, parts)
        entry = (await client.get("/__admin/requests")).json()["requests"][0]
    assert response.json()["status"] == 200
    digests = {part["name"]: part["sha256"] for part in entry["parts"]}
    assert digests["big"] == hashlib.sha256(payload).hexdigest()
    assert digests["small"] == hashlib.sha256(data(100, seed=4)).hexdigest()


async def test_digest_fixture_match_on_large_image(tmp_path: object) -> None:
    import json
    from pathlib import Path

    folder = Path(str(tmp_path))
    payload = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00" + data(900_000, seed=5)
    answers = {"*": {"status": 2, "error": "big"}}
    fixture = {"match": {"sha256": hashlib.sha256(payload).hexdigest()}, "answers": answers}
    (folder / "big.json").write_text(json.dumps(fixture))
    async with in_process(fixtures=folder, fixtures_poll=0) as client:
        content_parts = [FormPart("file_0", payload), meta_part(["scene"])]
        response = await client.post(
            "/api/v1/objects/detect?oauth_provider=mr&oauth_token=1",
            headers={"content-type": "multipart/form-data; boundary=----WebKitFormBoundaryfCqTBHeLZlsicvMp"},
            content=body(content_parts),
        )
    assert response.json()["body"]["scene_labels"][0] == {"status": 2, "name": "file_0", "error": "big"}


def test_digest_runs_in_a_thread_of_its_own() -> None:
    async def go() -> set[str]:
        digest = Hashing().digest()
        digest.update(b"y" * (DEFAULT_BATCH_BYTES + 1))
        result = digest.finish()
        assert not isinstance(result, str)
        await result
        return {thread.name for thread in __import__("threading").enumerate()}

    assert "mockserver-sha256" in asyncio.run(go())


@pytest.mark.parametrize("size", [DEFAULT_INLINE_BYTES + 1, 3 * DEFAULT_BATCH_BYTES + 7])
async def test_digest_busy_worker_part_hashed_on_loop(size: int) -> None:
    # A job holding the worker, as if other requests had queued more than busy_bytes.
    gate, worker, held = threading.Event(), _shared_worker(), DEFAULT_BUSY_BYTES + 1
    worker.put(gate.wait, held)
    try:
        hashing = Hashing()
        digest = hashing.digest()
        payload = data(size, seed=6)
        for start in range(0, size, 65536):
            digest.update(payload[start : start + 65536])
        result = digest.finish()
        assert isinstance(result, str), "the loop should not queue behind a busy worker"
        assert result == hashlib.sha256(payload).hexdigest()
        assert hashing.backlog == 0
    finally:
        gate.set()
        worker.done(held)


async def test_digest_part_handed_over_stays_with_worker_when_it_gets_busy() -> None:
    # Once a part's first batch is queued, later batches must follow it there (in order), busy or not.
    hashing = Hashing()
    digest = hashing.digest()
    payload = data(3 * DEFAULT_BATCH_BYTES, seed=7)
    digest.update(payload[:DEFAULT_BATCH_BYTES])
    gate, worker, held = threading.Event(), _shared_worker(), DEFAULT_BUSY_BYTES + 1
    worker.put(gate.wait, held)
    try:
        digest.update(payload[DEFAULT_BATCH_BYTES:])
        result = digest.finish()
        assert not isinstance(result, str)
    finally:
        gate.set()
        worker.done(held)
    assert await result == hashlib.sha256(payload).hexdigest()
