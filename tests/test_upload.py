"""The streamed multipart body: part shapes and orders, hashing, limits, and refusing early."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from support import DETECT, QUERY, URL, FormPart, body, content_type, image_bytes, image_part, in_process, meta_part

from mockserver.detect.upload import MultipartReader
from mockserver.errors import MalformedMultipart

pytestmark = pytest.mark.anyio

JPEG = image_bytes("jpeg", (40, 30), seed=1)
PNG = image_bytes("png", (20, 10), seed=2)


def read_all(content: bytes, chunk: int, **limits: int) -> MultipartReader:
    reader = MultipartReader(
        b"----WebKitFormBoundaryfCqTBHeLZlsicvMp",
        max_image_bytes=limits.get("max_image_bytes", 1 << 20),
        max_meta_bytes=limits.get("max_meta_bytes", 1 << 20),
        max_parts=limits.get("max_parts", 100),
    )
    for start in range(0, len(content), chunk):
        reader.feed(content[start : start + chunk])
    reader.close()
    return reader


async def detect(content: bytes, **settings: object) -> httpx.Response:
    async with in_process(**settings) as client:
        return await client.post(URL, headers={"content-type": content_type()}, content=content)


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 4096, 1 << 20])
def test_upload_parts_same_in_any_chunking(chunk: int) -> None:
    content = body([image_part("a", JPEG, "a.jpg"), meta_part(names=["a", "b"]), image_part("b", PNG, None)])
    upload = read_all(content, chunk).upload
    assert [(part.name, part.filename, part.size) for part in upload.parts] == [
        ("a", "a.jpg", len(JPEG)),
        ("meta", None, upload.parts[1].size),
        ("b", None, len(PNG)),
    ]
    assert upload.parts[0].sha256 == hashlib.sha256(JPEG).hexdigest()
    assert upload.parts[2].sha256 == hashlib.sha256(PNG).hexdigest()
    assert upload.parts[0].image is not None and upload.parts[0].image.width == 40
    assert upload.parts[2].image is not None and upload.parts[2].image.height == 10
    assert upload.meta is not None and json.loads(upload.meta)["images"] == [{"name": "a"}, {"name": "b"}]


def test_upload_over_limit_part_stops_hashing() -> None:
    upload = read_all(body([image_part("a", b"x" * 300), meta_part(names=["a"])]), 64, max_image_bytes=100).upload
    part = upload.parts[0]
    assert part.over_limit and part.sha256 is None and part.size == 300


def test_upload_too_many_parts_refused() -> None:
    with pytest.raises(MalformedMultipart, match="more than 3 parts"):
        read_all(body([image_part(str(i)) for i in range(4)]), 1 << 20, max_parts=3)


def test_upload_meta_over_limit_flagged() -> None:
    upload = read_all(body([meta_part(names=["x" * 500])]), 1 << 20, max_meta_bytes=100).upload
    assert upload.meta_over_limit


def test_upload_duplicate_part_first_wins() -> None:
    upload = read_all(body([image_part("a", JPEG), image_part("a", PNG)]), 1 << 20).upload
    first = upload.image("a")
    assert first is upload.parts[0] and len(upload.parts) == 2


@pytest.mark.parametrize(
    "parts",
    [
        pytest.param([FormPart("file_0", JPEG), meta_part()], id="no-filename"),
        pytest.param([FormPart("file_0", JPEG, ""), meta_part()], id="empty-filename"),
        pytest.param([meta_part(), FormPart("file_0", JPEG, "photo.jpg", "image/jpeg")], id="meta-first"),
        pytest.param([FormPart("file_0", JPEG, "x.png", "text/plain"), meta_part()], id="misleading-type"),
        pytest.param([FormPart("file_0", JPEG), FormPart("meta", meta_part().data, "meta.json", "application/json")],
                     id="meta-with-filename"),
        pytest.param([FormPart("junk", b"zzz", "junk.txt"), FormPart("file_0", JPEG), meta_part()], id="unlisted-part"),
    ],
)
async def test_upload_shapes_accepted(parts: list[FormPart]) -> None:
    response = await detect(body(parts))
    document = response.json()
    assert document["status"] == 200
    entry = document["body"]["object_labels"][0]
    assert entry["name"] == "file_0" and entry["status"] == 0


async def test_upload_meta_first_and_last_answer_alike() -> None:
    images = [image_part("a", JPEG), image_part("b", PNG)]
    meta = meta_part(["object", "scene", "selfie"], ["a", "b"])
    first = await detect(body([meta, *images]))
    last = await detect(body([*images, meta]))
    middle = await detect(body([images[0], meta, images[1]]))
    assert first.content == last.content == middle.content


async def test_upload_unicode_names_match() -> None:
    name = "фото №1 🙂"
    response = await detect(body([FormPart(name, JPEG, "снимок.jpg"), meta_part(names=[name])]))
    assert response.json()["body"]["object_labels"][0]["name"] == name


async def test_upload_duplicate_part_answers_first() -> None:
    good_first = await detect(body([image_part("file_0", JPEG), image_part("file_0", b"junk"), meta_part()]))
    bad_first = await detect(body([image_part("file_0", b"junk"), image_part("file_0", JPEG), meta_part()]))
    assert good_first.json()["body"]["object_labels"][0]["status"] == 0
    assert bad_first.json()["body"]["object_labels"][0]["status"] == 1


async def test_upload_second_meta_part_ignored() -> None:
    second = FormPart("meta", b"not json")
    response = await detect(body([image_part(), meta_part(), second]))
    assert response.json()["status"] == 200


class Counting:
    """A request body that records how much of it the server pulled."""

    def __init__(self, content: bytes, chunk: int = 64 * 1024) -> None:
        self.content = content
        self.chunk = chunk
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.content), self.chunk):
            self.sent = start + self.chunk
            yield self.content[start : start + self.chunk]


async def post_counting(stream: Counting, headers: dict[str, str], **settings: object) -> httpx.Response:
    async with in_process(**settings) as client:
        return await client.post(URL, headers={"content-type": content_type(), **headers}, content=stream)


async def test_upload_declared_length_refused_before_reading() -> None:
    stream = Counting(body([meta_part(), image_part(data=b"x" * 100_000)]))
    response = await post_counting(stream, {"content-length": str(len(stream.content))}, max_request_bytes=50_000)
    assert response.json()["body"] == "request body too large: limit 50000 bytes"
    assert stream.sent == 0
    assert response.headers["connection"] == "close"


async def test_upload_chunked_refused_once_limit_crossed() -> None:
    stream = Counting(body([meta_part(), image_part(data=b"x" * 1_000_000)]), chunk=10_000)
    response = await post_counting(stream, {}, max_request_bytes=50_000)
    assert response.json()["body"] == "request body too large: limit 50000 bytes"
    assert stream.sent <= 60_000
    assert response.headers["connection"] == "close"


async def test_upload_wanted_oversized_part_refused_before_rest() -> None:
    big = image_part("file_0", b"x" * 300_000)
    rest = [image_part(f"other_{i}", b"y" * 100_000) for i in range(20)]
    stream = Counting(body([meta_part(), big, *rest]), chunk=10_000)
    response = await post_counting(stream, {}, max_image_bytes=200_000)
    # Refused the moment it passed the limit: the size given is what had arrived by then.
    match = re.fullmatch(r"image file_0 is too large: (\d+) bytes, max 200000", response.json()["body"])
    assert match is not None and 200_000 < int(match.group(1)) <= 210_000
    assert stream.sent < 220_000
    assert response.headers["connection"] == "close"


async def test_upload_oversized_part_refused_once_meta_arrives() -> None:
    big = image_part("file_0", b"x" * 300_000)
    rest = [image_part(f"other_{i}", b"y" * 100_000) for i in range(20)]
    stream = Counting(body([big, meta_part(), *rest]), chunk=10_000)
    response = await post_counting(stream, {}, max_image_bytes=200_000)
    assert response.json()["body"] == "image file_0 is too large: 300000 bytes, max 200000"
    assert stream.sent < 400_000


async def test_upload_error_after_whole_body_keeps_connection() -> None:
    response = await detect(body([image_part(), meta_part(["faces"])]))
    assert response.json()["body"] == "unknown mode: faces"
    assert "connection" not in response.headers


@pytest.mark.parametrize("meta_first", [True, False])
async def test_upload_request_leaves_no_reference_cycles(meta_first: bool) -> None:
    """A served request is freed by reference counting: nothing is left for the cycle collector to find
    (each request's leftovers made its passes longer; see bench/README.md)."""
    import gc

    from starlette.types import Message

    from mockserver import Settings, create_app

    app = create_app(Settings(fixtures=None))
    images = [image_part("file_0", image_bytes("jpeg")), image_part("file_1", image_bytes("png"))]
    meta = meta_part(["object", "scene"], ["file_0", "file_1"])
    payload = body([meta, *images] if meta_first else [*images, meta])
    headers = [(b"content-type", content_type().encode()), (b"content-length", str(len(payload)).encode())]

    async def serve_one() -> int:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": DETECT, "raw_path": DETECT.encode(), "root_path": "",
                 "query_string": QUERY[1:].encode(), "headers": headers, "client": ("127.0.0.1", 1),
                 "server": ("127.0.0.1", 8080)}
        messages = [{"type": "http.request", "body": payload, "more_body": False}]
        statuses = []

        async def receive() -> Message:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)
        return statuses[0]

    assert await serve_one() == 200  # warm: caches, lazy imports
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(20):
            assert await serve_one() == 200
        gc.collect()
        left = [type(item).__name__ for item in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []


@pytest.mark.anyio
async def test_upload_digests_hashed_off_the_loop_when_crowded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests in flight together hash their large chunks on a worker thread: the same digests as hashlib."""
    import asyncio
    import threading

    from mockserver.detect.upload import Hashing

    threads: set[int] = set()
    run = Hashing.run

    def recorded(self: Hashing) -> None:
        threads.add(threading.get_ident())
        run(self)

    monkeypatch.setattr(Hashing, "run", recorded)
    images = [image_bytes(size=(64, 48), seed=seed) + bytes(300 * 1024) for seed in range(4)]

    async def chunks(content: bytes) -> AsyncIterator[bytes]:
        for start in range(0, len(content), 64 * 1024):
            await asyncio.sleep(0)  # let the other requests' bodies arrive meanwhile
            yield content[start : start + 64 * 1024]

    async def post(data: bytes) -> httpx.Response:
        content = body([meta_part(), image_part("file_0", data)])
        return await client.post(URL, headers={"content-type": content_type()}, content=chunks(content))

    async with in_process() as client:
        answers = await asyncio.gather(*(post(data) for data in images))
        entries = (await client.get("/__admin/requests")).json()["requests"]
    assert [answer.status_code for answer in answers] == [200] * 4
    digests = {entry["parts"][1]["sha256"] for entry in entries}
    assert digests == {hashlib.sha256(data).hexdigest() for data in images}
    assert threads - {threading.get_ident()}  # some hashing ran on another thread
