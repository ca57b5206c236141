"""What arrives on the wire and what goes out: broken chunked framing, header and URL limits, and that
every answer, whoever sends it, has its access-log line with the status sent (issue 16, points 3, 4, 6, 10).

One server for the module on a real socket (the parser and the protocol matter here), with short body
timeouts so a missing fix shows as a 408 instead of the answer wanted.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psutil
import pytest
from support import URL, ServerProcess, body, content_type, free_port, image_part, meta_part

BODY_TIMEOUT = 1.0
MAX_ADMIN_BYTES = 4096
MIB = 1024 * 1024
DETECT_HEAD = (f"POST {URL} HTTP/1.1\r\nHost: mock\r\nContent-Type: {content_type()}\r\n"
               "Transfer-Encoding: chunked\r\n\r\n").encode()
ADMIN_HEAD = b"POST /__admin/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
# A good chunk, then a chunk-size line that is not hexadecimal.
BROKEN_CHUNKS = b"5\r\nhello\r\nZZ\r\nmore\r\n"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    args = ("--body-timeout", str(BODY_TIMEOUT), "--max-body-seconds", "5", "--max-admin-bytes", str(MAX_ADMIN_BYTES))
    with ServerProcess(*args) as running:
        yield running


def exchange(server: ServerProcess, data: bytes, *, stall: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send `data` on a new connection, read until the server closes (at most `stall` s): status, headers, body."""
    with socket.create_connection(server.address, timeout=stall) as sock:
        sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    head, _, payload = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert re.fullmatch(r"HTTP/1\.1 \d{3} .*", lines[0]), received[:300]
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, payload


def logged_statuses(server: ServerProcess, mark: int, path: str, count: int = 1) -> list[str]:
    """The statuses of the access-log lines for `path` logged since line `mark` (waits for `count` of them)."""
    pattern = re.compile(rf'"[A-Z-]+ {re.escape(path)}" (\S+) ')
    end = time.monotonic() + 5
    while True:
        found = [match.group(1) for line in server.lines[mark:] if (match := pattern.search(line))]
        if len(found) >= count or time.monotonic() > end:
            return found
        time.sleep(0.02)


def envelope(payload: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(payload)
    assert set(document) == {"status", "body", "htmlencoded", "last_modified"}, document
    return document


# --------------------------------------------------------------------------------- broken chunked framing


def test_chunked_framing_broken_on_detect_answered_400_envelope(server: ServerProcess) -> None:
    """It got nothing until --body-timeout, then 408."""
    mark = len(server.lines)
    status, headers, payload = exchange(server, DETECT_HEAD + BROKEN_CHUNKS)
    assert status == 400 and headers["connection"] == "close"
    assert envelope(payload)["body"] == "malformed multipart body: malformed chunked encoding"
    assert logged_statuses(server, mark, "/api/v1/objects/detect") == ["400"]


def test_chunked_framing_broken_on_admin_answered_400(server: ServerProcess) -> None:
    """It got 408 after --body-timeout, logged as 400."""
    mark = len(server.lines)
    status, _, payload = exchange(server, ADMIN_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + BROKEN_CHUNKS)
    assert status == 400
    assert json.loads(payload) == {"detail": "malformed request body: malformed chunked encoding"}
    assert logged_statuses(server, mark, "/__admin/faults") == ["400"]
    assert httpx.get(server.url + "/__admin/faults").json()["faults"] == []


def test_chunked_body_with_trailer_fields_served(server: ServerProcess) -> None:
    """Trailer fields are part of the body, not headers: not counted against the header limit, not an error."""
    content = body([image_part(), meta_part()])
    chunks = b"%x\r\n%s\r\n0\r\nX-Trailer: " % (len(content), content) + b"t" * 70_000 + b"\r\n\r\n"
    head = DETECT_HEAD.replace(b"Host: mock\r\n", b"Host: mock\r\nConnection: close\r\n")
    status, _, payload = exchange(server, head + chunks)
    assert status == 200 and envelope(payload)["status"] == 200


# ------------------------------------------------------------------------------------ header and URL limits


@pytest.mark.parametrize("size", [70_000, 150_000])
def test_headers_over_limit_in_one_read_431(server: ServerProcess, size: int) -> None:
    """Headers that arrived in one read passed unchecked (200)."""
    mark = len(server.lines)
    status, _, payload = exchange(server, b"GET /health HTTP/1.1\r\nHost: mock\r\nX-Big: " + b"a" * size + b"\r\n\r\n")
    assert status == 431
    assert envelope(payload)["body"] == "request headers larger than 65536 bytes"
    assert logged_statuses(server, mark, "/health") == ["431"]


def test_url_over_limit_414(server: ServerProcess) -> None:
    """A query over about 65 KB got uvicorn's plain-text 400."""
    mark = len(server.lines)
    status, headers, payload = exchange(server, b"GET /health?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: mock\r\n\r\n")
    assert status == 414 and headers["content-type"] == "application/json"
    assert envelope(payload)["body"] == "request URL longer than 65535 bytes"
    assert logged_statuses(server, mark, "/health") == ["414"]


def test_url_over_parser_limit_414_with_larger_header_limit() -> None:
    """With --max-header-bytes above 64 KiB, a URL the parser cannot take still gets the envelope."""
    with ServerProcess("--max-header-bytes", str(MIB)) as running:
        status, _, payload = exchange(running, b"GET /health?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: mock\r\n\r\n")
        assert status == 414
        assert envelope(payload)["body"] == "request URL longer than 65535 bytes"
        headers = {f"x-h{index}": "v" * 1000 for index in range(100)}
        assert httpx.get(running.url + "/health", headers=headers, timeout=10).status_code == 200


# ------------------------------------------------------------------------- every answer in the access log


def test_access_log_admin_413_by_content_length(server: ServerProcess) -> None:
    """It had no line at all."""
    mark = len(server.lines)
    status, _, _ = exchange(server, ADMIN_HEAD + b"Content-Length: 99999999\r\n\r\n")
    assert status == 413
    assert logged_statuses(server, mark, "/__admin/faults") == ["413"]


def test_access_log_admin_413_chunked(server: ServerProcess) -> None:
    """It was logged as 400."""
    mark = len(server.lines)
    document = json.dumps({"type": "envelope", "body": "b" * (2 * MAX_ADMIN_BYTES)}).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in (document[:3000], document[3000:]))
    status, _, _ = exchange(server, ADMIN_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
    assert status == 413
    assert logged_statuses(server, mark, "/__admin/faults") == ["413"]


def test_access_log_admin_408(server: ServerProcess) -> None:
    """It was logged as 400."""
    mark = len(server.lines)
    status, _, _ = exchange(server, ADMIN_HEAD + b"Content-Length: 100\r\n\r\n{")
    assert status == 408
    assert logged_statuses(server, mark, "/__admin/faults") == ["408"]


def test_access_log_503_at_shutdown() -> None:
    """A request cut off past --shutdown-timeout was logged with status `-`."""
    with ServerProcess("--shutdown-timeout", "1") as running:
        content = body([image_part(), meta_part()])
        head = (f"POST {URL} HTTP/1.1\r\nHost: mock\r\nContent-Type: {content_type()}\r\n"
                f"X-Mock-Fault: latency=20000\r\nContent-Length: {len(content)}\r\n\r\n").encode()
        with socket.create_connection(running.address, timeout=10) as sock:
            sock.sendall(head + content)
            time.sleep(1)  # the request is held by its latency fault now
            running.process.send_signal(signal.SIGTERM)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert running.process.wait(10) == 0
        running.collector.join(5)
    assert answer.startswith(b"HTTP/1.1 503 "), answer[:200]
    pattern = re.compile(r'"POST /api/v1/objects/detect" (\S+)')
    statuses = [match.group(1) for line in running.lines if (match := pattern.search(line))]
    assert statuses == ["503"], "".join(running.lines)


# ------------------------------------------------------------------------------------- a stalled log sink


def test_log_on_unread_pipe_neither_blocks_nor_grows() -> None:
    """stderr on a pipe nobody reads: memory grew by every line, then uvicorn's first warning froze the server.

    Now at most a bounded number of lines wait, the rest are dropped and counted, and the count is
    logged once the output is read again.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", str(port), "--fixtures", ""],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    reader: threading.Thread | None = None
    try:
        end = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < end and process.poll() is None, "the server did not start"
                time.sleep(0.1)
        long_path = "/" + "p" * 16_000
        with httpx.Client(base_url=url, timeout=5) as client:
            for _ in range(200):  # the pipe is full after the first few lines
                client.get(long_path)
            before = psutil.Process(process.pid).memory_info().rss
            for _ in range(2000):
                assert client.get(long_path).status_code == 404
            grown = psutil.Process(process.pid).memory_info().rss - before
        # A request uvicorn itself warns about (it wrote that warning on the event loop, and blocked).
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"\x00garbage\r\n\r\n")
            sock.recv(1024)
        assert httpx.get(url + "/health", timeout=5).status_code == 200
        assert grown < 12 * MIB, f"memory grew by {grown / MIB:.1f} MiB"
        # Read the output again: the count of dropped lines arrives.
        log = bytearray()
        stderr = process.stderr
        assert stderr is not None

        def read() -> None:
            while chunk := stderr.read1(65536):
                log.extend(chunk)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        end = time.monotonic() + 10
        while b"lines dropped" not in log and time.monotonic() < end:
            httpx.get(url + "/health", timeout=5)
            time.sleep(0.1)
        assert re.search(rb"WARNING: +log: \d+ lines dropped", log), bytes(log[-2000:])
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if reader is not None:
            reader.join(5)
        assert process.stderr is not None
        process.stderr.close()
