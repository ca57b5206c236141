"""On a real socket: early refusals close the connection, and a 100 × 4 MiB batch stays small in memory."""

from __future__ import annotations

import io
import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from support import BOUNDARY, QUERY, URL, ServerProcess, body, content_type, image_part, meta_part

from mockserver.answers.compose import mode_results
from mockserver.detect.meta import MODES

FOUR_MIB = 4 * 1024 * 1024
COUNT = 100
MEMORY_BUDGET = 50 * 1024 * 1024


def padded_jpeg(index: int, size: int = FOUR_MIB) -> bytes:
    """A real 640×480 JPEG, numbered in a comment segment (distinct bytes), padded after EOI to `size`."""
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (index % 256, 90, 160)).save(buffer, "JPEG", quality=70)
    data = buffer.getvalue()
    comment = f"image {index}".encode()
    numbered = data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]
    return numbered + b"\x00" * (size - len(numbered))


def large_request() -> tuple[int, Iterator[bytes]]:
    names = [f"file_{index}" for index in range(COUNT)]
    meta = meta_part(MODES, names).encode(BOUNDARY)
    head = [image_part(name, b"", "").encode(BOUNDARY)[:-2] for name in names]  # headers, without the data's CRLF
    length = len(meta) + sum(len(h) + FOUR_MIB + 2 for h in head) + len(f"--{BOUNDARY}--\r\n")

    def chunks() -> Iterator[bytes]:
        yield meta
        for index, header in enumerate(head):
            yield header
            yield padded_jpeg(index)
            yield b"\r\n"
        yield f"--{BOUNDARY}--\r\n".encode()

    return length, chunks()


def test_server_large_batch_in_bounded_memory() -> None:
    with ServerProcess() as server, httpx.Client(base_url=server.url, timeout=120) as client:
        warm = client.post(URL, headers={"content-type": content_type()},
                           content=body([image_part(data=padded_jpeg(0, 10_000)), meta_part(MODES)]))
        assert warm.json()["status"] == 200
        before = server.peak_rss()
        length, chunks = large_request()
        started = time.perf_counter()
        response = client.post(
            URL, headers={"content-type": content_type(), "content-length": str(length)}, content=chunks
        )
        elapsed = time.perf_counter() - started
        after = server.peak_rss()
    document = response.json()
    assert response.status_code == 200 and document["status"] == 200
    for mode in MODES:
        entries = mode_results(document["body"], mode, MODES)
        assert [entry["name"] for entry in entries] == [f"file_{index}" for index in range(COUNT)]
        assert all(entry["status"] == 0 for entry in entries)
    print(f"100 × 4 MiB: {elapsed:.2f} s, server peak RSS {before / 2**20:.1f} → {after / 2**20:.1f} MiB")
    assert after - before < MEMORY_BUDGET


def raw_exchange(server: ServerProcess, head: bytes, payload: Iterator[bytes], wait: float = 10) -> tuple[bytes, int]:
    """Send `head`, then `payload` until the server answers and closes; returns (answer, bytes of payload sent)."""
    sock = socket.create_connection(server.address, timeout=wait)
    sock.sendall(head)
    sent, answer = 0, b""
    sock.setblocking(False)
    deadline = time.monotonic() + wait
    pending = b""
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
            continue
        except BlockingIOError:
            pass
        except ConnectionResetError:
            break
        try:
            if not pending:
                pending = next(payload, b"")
            if pending:
                count = sock.send(pending)
                sent, pending = sent + count, pending[count:]
            else:
                time.sleep(0.01)
        except BlockingIOError:
            time.sleep(0.001)
        except (BrokenPipeError, ConnectionResetError):
            break
    sock.close()
    return answer, sent


def zeros(total: int) -> Iterator[bytes]:
    chunk = b"\x00" * 65536
    for _ in range(total // len(chunk)):
        yield chunk


def test_server_declared_oversize_answered_and_closed_unread() -> None:
    declared = 10**9
    head = (
        f"POST {URL} HTTP/1.1\r\nHost: mock\r\nContent-Type: {content_type()}\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    with ServerProcess() as server:
        answer, sent = raw_exchange(server, head, zeros(declared))
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, payload = rest.partition(b"\r\n\r\n")
    assert status_line == b"HTTP/1.1 400 Bad Request"
    assert b"connection: close" in headers.lower()
    assert json.loads(payload)["body"] == "request body too large: limit 420478976 bytes"
    assert sent < 64 * 1024 * 1024  # the kernel's buffers, not the upload


def test_server_oversized_image_stops_the_upload() -> None:
    meta = meta_part(["object"], ["big"]).encode(BOUNDARY)
    part = image_part("big", b"", "big.jpg").encode(BOUNDARY)[:-2]
    total = 300 * 1024 * 1024

    def payload() -> Iterator[bytes]:
        yield meta + part
        yield from zeros(total)

    head = (
        f"POST {URL} HTTP/1.1\r\nHost: mock\r\nContent-Type: {content_type()}\r\n"
        f"Content-Length: {total + 10_000}\r\n\r\n"
    ).encode()
    with ServerProcess("--max-image-bytes", "1000000", "--max-request-bytes", "400000000") as server:
        answer, sent = raw_exchange(server, head, payload())
    assert b"connection: close" in answer.lower()
    assert b'"body":"image big is too large: ' in answer
    assert sent < 64 * 1024 * 1024


def test_server_keeps_connection_after_whole_body() -> None:
    with ServerProcess() as server, httpx.Client(base_url=server.url) as client:
        for _ in range(3):
            response = client.post(URL, headers={"content-type": content_type()},
                                   content=body([image_part(), meta_part(["faces"])]))
            assert response.json()["body"] == "unknown mode: faces"
            assert "connection" not in response.headers


@pytest.mark.parametrize("query", ["", QUERY])
def test_server_health_and_access_log(query: str) -> None:
    with ServerProcess() as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/health").json()["status"] == "ok"
        parts = [image_part(), image_part("file_1"), meta_part(["object", "scene"], ["file_0", "file_1"])]
        client.post(URL.split("?")[0] + query, headers={"content-type": content_type()}, content=body(parts))
        time.sleep(0.2)
    access = [line for line in server.lines if "/api/v1/objects/detect" in line]
    assert len(access) == 1
    if query:
        assert '"POST /api/v1/objects/detect" 200 images=2 modes=object,scene ' in access[0]
    else:
        assert '"POST /api/v1/objects/detect" 400 status=400 ' in access[0]
    assert access[0].rstrip().endswith("ms")
