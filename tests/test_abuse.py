"""Raw-socket abuse against a real server: each attack ends in bounded time and memory, others keep being served.

One server for the module, with short limits so every attack ends fast: headers within 1 s, a body that
pauses 1 s or takes over 3 s in all is cut off, 200 parts at most, admin bodies of 64 KiB at most. Each
test checks what the attacker gets (an answer in the vendor's envelope where the README promises one, a
refusal or a closed connection elsewhere), how long it took, how far the server's peak memory rose, that a
normal client is served while the attack is on, and that nothing reached the log as a traceback.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import select
import socket
import struct
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psutil
import pytest
from support import (
    ADMIN,
    BOUNDARY,
    URL,
    FormPart,
    ServerProcess,
    body,
    content_type,
    image_bytes,
    image_part,
    meta_part,
)

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0
MAX_BODY_SECONDS = 3.0
MAX_PARTS = 200
MAX_ADMIN_BYTES = 65536
JOURNAL_SIZE = 6
MAX_META_BYTES = 1048576
# Timers fire on the server's loop; a loaded CI machine may add a little to each.
SLACK = 1.5
MIB = 1024 * 1024
# How far one attack may raise the server's peak memory: a few buffers, never the attack's size.
PEAK_BUDGET = 16 * MIB
IMAGE = image_bytes(seed=11)
GOOD = body([image_part("file_0", IMAGE, "photo.jpg"), meta_part(["object"], ["file_0"])])


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    args = ("--header-timeout", str(HEADER_TIMEOUT), "--body-timeout", str(BODY_TIMEOUT),
            "--max-body-seconds", str(MAX_BODY_SECONDS), "--max-parts", str(MAX_PARTS),
            "--max-admin-bytes", str(MAX_ADMIN_BYTES), "--journal-size", str(JOURNAL_SIZE))
    with ServerProcess(*args) as running:
        # The SHA-256 thread starts with the first part over 64 KiB: done here, with a few large parts, so
        # that the memory tests measure what an attack costs, not what warming up does.
        names = [f"file_{index}" for index in range(5)]
        warm = body([*(FormPart(name, b"\0" * 2**20, "warm.jpg") for name in names), meta_part(["object"], names)])
        assert httpx.post(running.url + URL, headers={"content-type": content_type()}, content=warm).status_code == 200
        yield running


# ---------------------------------------------------------------------------------------------- helpers


@dataclass
class Answer:
    """One HTTP response as it came over the wire."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def parse_answers(data: bytes) -> list[Answer]:
    """The HTTP responses in `data`, one after another (each with a Content-Length)."""
    found = []
    while data:
        head, separator, rest = data.partition(b"\r\n\r\n")
        assert separator, f"an incomplete answer: {data[:300]!r}"
        lines = head.decode("latin-1").split("\r\n")
        assert re.fullmatch(r"HTTP/1\.1 \d{3} .*", lines[0]), f"not an HTTP answer: {data[:300]!r}"
        fields = (line.partition(":") for line in lines[1:])
        headers = {name.strip().lower(): value.strip() for name, _, value in fields}
        length = int(headers.get("content-length", "0"))
        found.append(Answer(int(lines[0].split()[1]), headers, rest[:length]))
        data = rest[length:]
    return found


class Raw:
    """One raw TCP connection to the server, closed on exit; it records what the server sends."""

    def __init__(self, server: ServerProcess) -> None:
        self.sock = socket.create_connection(server.address, timeout=5)
        self.received = b""
        self.closed = False
        self.opened = time.monotonic()

    def __enter__(self) -> Raw:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, data: bytes) -> bool:
        """Send `data`; False when the server no longer takes it (closed or reset)."""
        try:
            self.sock.sendall(data)
        except OSError:
            self.poll()
            return False
        return True

    def poll(self, wait: float = 0) -> None:
        """Take what the server sent, waiting at most `wait` seconds for the first bytes."""
        while not self.closed and select.select([self.sock], [], [], wait)[0]:
            wait = 0
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                self.closed = True
            self.received += chunk

    def wait_closed(self, seconds: float) -> float:
        """Read until the server closes the connection or `seconds` pass; the time since it opened."""
        end = time.monotonic() + seconds
        while not self.closed and (left := end - time.monotonic()) > 0:
            self.poll(left)
        return time.monotonic() - self.opened

    def drip(self, data: bytes, step: int, interval: float, seconds: float,
             meanwhile: Callable[[], None] | None = None) -> None:
        """Send `data` `step` bytes every `interval` s, until sent, answered, closed, or `seconds` pass.

        `meanwhile` runs once, half a second in, while the connection is still open.
        """
        end = time.monotonic() + seconds
        offset = 0
        while offset < len(data) and not self.closed and not self.received and time.monotonic() < end:
            if not self.send(data[offset : offset + step]):
                break
            offset += step
            if meanwhile is not None and time.monotonic() - self.opened > 0.5:
                meanwhile()
                meanwhile = None
            self.poll(interval)


def envelope_of(answer: Answer) -> dict[str, Any]:
    """The vendor's envelope in `answer`: exactly its four keys, as JSON."""
    assert answer.headers.get("content-type") == "application/json", answer
    document: dict[str, Any] = answer.json()
    assert set(document) == {"status", "body", "htmlencoded", "last_modified"}, document
    assert document["htmlencoded"] is False and document["last_modified"] == 0
    assert answer.status == document["status"]
    return document


def assert_envelope(answer: Answer, status: int, text: str) -> None:
    document = envelope_of(answer)
    assert (document["status"], document["body"]) == (status, text)


def served(server: ServerProcess) -> float:
    """A normal detect request is answered in full, at once; returns how long it took."""
    with httpx.Client(base_url=server.url, timeout=5) as client:
        started = time.monotonic()
        response = client.post(URL, headers={"content-type": content_type(), "x-mock-session": "bystander"},
                               content=GOOD)
        elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert [entry["name"] for entry in response.json()["body"]["object_labels"]] == ["file_0"]
    assert elapsed < 1, f"a normal request took {elapsed:.2f} s during the attack"
    return elapsed


def healthy(server: ServerProcess) -> None:
    assert httpx.get(server.url + "/health", timeout=5).json()["status"] == "ok"


def log_since(server: ServerProcess, mark: int) -> list[str]:
    """The server's log lines from line `mark` on, once everything logged so far has arrived."""
    token = uuid.uuid4().hex
    httpx.get(f"{server.url}/__log-mark/{token}", timeout=5)
    end = time.monotonic() + 5
    while time.monotonic() < end:
        lines = server.lines[mark:]
        if any(token in line for line in lines):
            return [line for line in lines if token not in line]
        time.sleep(0.02)
    raise AssertionError("the log never showed the mark request")


def assert_clean_log(lines: list[str]) -> None:
    troubled = [line for line in lines if "Traceback" in line or line.startswith(("ERROR", "CRITICAL"))]
    assert not troubled, "".join(lines)


def reset_peak(server: ServerProcess) -> int:
    """Start a new peak-memory measurement (VmHWM back to the current RSS, any child's too)."""
    for process in [psutil.Process(server.process.pid), *psutil.Process(server.process.pid).children()]:
        Path(f"/proc/{process.pid}/clear_refs").write_text("5")
    return server.peak_rss()


def rss(server: ServerProcess) -> int:
    memory: int = psutil.Process(server.process.pid).memory_info().rss
    return memory


def journal(server: ServerProcess, session: str, wait: float = 3) -> list[dict[str, Any]]:
    response = httpx.get(f"{server.url}/__admin/requests", params={"session": session, "wait": wait}, timeout=10)
    entries: list[dict[str, Any]] = response.json()["requests"]
    return entries


def head(length: int, session: str, path: str = URL, extra: str = "") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: mock\r\nContent-Type: {content_type()}\r\nX-Mock-Session: {session}\r\n"
            f"Content-Length: {length}\r\n{extra}\r\n").encode()


def padded_upload(size: int) -> bytes:
    """A valid body: meta first, then one image padded to `size` bytes."""
    return body([meta_part(["object"], ["file_0"]), image_part("file_0", IMAGE + b"\x00" * (size - len(IMAGE)))])


# ------------------------------------------------------------------------------------ garbage, not HTTP


def client_hello() -> bytes:
    """A TLS 1.2/1.3 ClientHello with SNI `mock`, as a browser opens an https:// URL."""
    sni = b"mock"
    server_name = b"\x00" + struct.pack("!H", len(sni)) + sni
    extension = struct.pack("!HH", 0, len(server_name) + 2) + struct.pack("!H", len(server_name)) + server_name
    hello = (b"\x03\x03" + random.Random(1).randbytes(32) + b"\x00" + b"\x00\x04\x13\x01\x13\x02" + b"\x01\x00"
             + struct.pack("!H", len(extension)) + extension)
    handshake = b"\x01" + struct.pack("!I", len(hello))[1:] + hello
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake


GARBAGE = {
    "random bytes": random.Random(6).randbytes(4096),
    "TLS ClientHello": client_hello(),
    "HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00",
    "NUL bytes": b"\x00" * 1024,
}


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_refused_at_once(server: ServerProcess, garbage: bytes) -> None:
    mark = len(server.lines)
    with Raw(server) as raw:
        raw.send(garbage)
        elapsed = raw.wait_closed(HEADER_TIMEOUT + SLACK)
        assert raw.closed, "the connection is still open"
        answers = parse_answers(raw.received)
    assert elapsed < HEADER_TIMEOUT, f"took {elapsed:.2f} s: the header deadline, not the parser, ended it"
    assert [answer.status for answer in answers] in ([], [400])
    served(server)
    healthy(server)
    assert_clean_log(log_since(server, mark))


# ------------------------------------------------------------------------------------ oversized headers


HEADER_BLOCKS = {
    "one 1 MB header": b"GET /health HTTP/1.1\r\nHost: mock\r\nX-Big: " + b"a" * MIB + b"\r\n\r\n",
    "1 MB of headers": b"GET /health HTTP/1.1\r\nHost: mock\r\n"
    + b"".join(b"X-Many-%06d: value\r\n" % index for index in range(MIB // 21)) + b"\r\n",
}


@pytest.mark.parametrize("block", HEADER_BLOCKS.values(), ids=HEADER_BLOCKS.keys())
def test_header_block_of_1mb_refused(server: ServerProcess, block: bytes) -> None:
    mark = len(server.lines)
    base = reset_peak(server)
    with Raw(server) as raw:
        if raw.send(block[: len(block) // 2]):
            served(server)
            raw.send(block[len(block) // 2 :])
        elapsed = raw.wait_closed(HEADER_TIMEOUT + SLACK)
        answers = parse_answers(raw.received)
    growth = server.peak_rss() - base
    print(f"1 MB header block: {[a.status for a in answers]} after {elapsed:.2f} s, peak +{growth / MIB:.1f} MiB")
    assert answers == [] or 400 <= answers[0].status < 500, f"answered {answers[0].status}: accepted whole"
    assert elapsed < HEADER_TIMEOUT + SLACK
    assert growth < PEAK_BUDGET
    served(server)
    healthy(server)
    assert_clean_log(log_since(server, mark))


@pytest.mark.parametrize("kind", ["one header", "many headers"])
def test_header_stream_memory_bounded(server: ServerProcess, kind: str) -> None:
    """Header bytes as fast as the socket takes them, for the whole header deadline: cut off, memory bounded."""
    chunk = b"a" * 65536 if kind == "one header" else b"X-Many: abcdefgh\r\n" * 3640
    start = b"GET /health HTTP/1.1\r\nHost: mock\r\n" + (b"X-Big: " if kind == "one header" else b"")
    base = reset_peak(server)
    sent = 0
    with Raw(server) as raw:
        raw.send(start)
        end = time.monotonic() + HEADER_TIMEOUT + SLACK
        while time.monotonic() < end and raw.send(chunk):
            sent += len(chunk)
        elapsed = raw.wait_closed(SLACK)
    growth = server.peak_rss() - base
    print(f"header stream ({kind}): {sent / 1024:.0f} KiB taken in {elapsed:.2f} s, peak +{growth / MIB:.1f} MiB")
    assert raw.closed and elapsed < HEADER_TIMEOUT + 2 * SLACK
    assert growth < PEAK_BUDGET, f"{sent / MIB:.0f} MiB of headers raised the peak by {growth / MIB:.0f} MiB"
    healthy(server)


# ------------------------------------------------------------------------------------------- slowloris


def test_slowloris_partial_headers_closed_with_408(server: ServerProcess) -> None:
    with Raw(server) as raw:
        raw.send(f"POST {URL} HTTP/1.1\r\nHost: mock\r\nContent-Type: multipart/form-".encode())
        served(server)
        elapsed = raw.wait_closed(HEADER_TIMEOUT + SLACK)
        assert raw.closed
        (answer,) = parse_answers(raw.received)
    assert_envelope(answer, 408, "request headers not received within 1 s")
    assert answer.headers["connection"] == "close"
    assert HEADER_TIMEOUT - 0.1 < elapsed < HEADER_TIMEOUT + SLACK


def test_slowloris_partial_headers_after_a_kept_alive_request_closed_with_408(server: ServerProcess) -> None:
    """The deadline holds for every request of a connection, not only its first."""
    with Raw(server) as raw:
        raw.send(head(len(GOOD), f"kept-{uuid.uuid4().hex[:8]}") + GOOD)
        raw.send(f"POST {URL} HTTP/1.1\r\nHost: mock\r\nContent-Type: multipart/form-".encode())
        served(server)
        elapsed = raw.wait_closed(HEADER_TIMEOUT + SLACK)
        assert raw.closed
        first, second = parse_answers(raw.received)
    assert first.status == 200
    assert_envelope(second, 408, "request headers not received within 1 s")
    assert elapsed < HEADER_TIMEOUT + SLACK


def test_slowloris_header_trickle_closed_with_408(server: ServerProcess) -> None:
    """A header byte every 100 ms never completes the block: the deadline counts from the first byte."""
    trickle = f"POST {URL} HTTP/1.1\r\nHost: mock\r\n".encode() + b"X-Slow: " + b"z" * 1000
    with Raw(server) as raw:
        raw.drip(trickle, 1, 0.1, HEADER_TIMEOUT + SLACK, meanwhile=lambda: served(server))
        elapsed = raw.wait_closed(HEADER_TIMEOUT + SLACK)
        assert raw.closed
        (answer,) = parse_answers(raw.received)
    assert_envelope(answer, 408, "request headers not received within 1 s")
    assert elapsed < HEADER_TIMEOUT + SLACK


def test_slowloris_headers_then_no_body_closed_with_408(server: ServerProcess) -> None:
    session = f"no-body-{uuid.uuid4().hex[:8]}"
    with Raw(server) as raw:
        raw.send(head(10_000, session))
        served(server)
        elapsed = raw.wait_closed(BODY_TIMEOUT + SLACK)
        assert raw.closed
        (answer,) = parse_answers(raw.received)
    assert_envelope(answer, 408, "request body timed out: no data for 1 s")
    assert answer.headers["connection"] == "close"
    assert elapsed < BODY_TIMEOUT + SLACK
    (entry,) = journal(server, session)
    assert (entry["status"], entry["http_status"]) == (408, 408)


ADMIN_HEAD = (b"POST /__admin/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Content-Length: 10000\r\n\r\n")
NOWHERE_HEAD = b"POST /nowhere HTTP/1.1\r\nHost: mock\r\nContent-Length: 1000000\r\n\r\n"
STALLED_ELSEWHERE = {
    "admin, no body": (ADMIN_HEAD, b""),
    "admin, part of the body": (ADMIN_HEAD + b'{"type": "envelope", ', b""),
    "unknown path, body trickled after the 404": (NOWHERE_HEAD, b"."),
}


@pytest.mark.parametrize(("start", "trickle"), STALLED_ELSEWHERE.values(), ids=STALLED_ELSEWHERE.keys())
def test_slowloris_body_outside_detect_closed(server: ServerProcess, start: bytes, trickle: bytes) -> None:
    """Outside the detect endpoint too, a body that stalls (or trickles a byte every 0.5 s) cannot hold a connection.

    The bound is the detect endpoint's: --body-timeout for a pause, --max-body-seconds in all.
    """
    bound = MAX_BODY_SECONDS + SLACK
    with Raw(server) as raw:
        raw.send(start)
        end = raw.opened + bound + SLACK
        while not raw.closed and time.monotonic() < end:
            if trickle and not raw.send(trickle):
                break
            raw.poll(0.5)
            if raw.received and not trickle:
                break
        served(server)
        elapsed = raw.wait_closed(max(0.0, end - time.monotonic()))
        answers = parse_answers(raw.received)
    print(f"stalled body: {[a.status for a in answers]}, closed={raw.closed} after {elapsed:.2f} s")
    assert raw.closed, f"still open after {elapsed:.1f} s (answers: {[a.status for a in answers]})"
    assert elapsed < bound
    assert all(answer.status >= 400 for answer in answers)
    healthy(server)


# ------------------------------------------------------------------------------------------ slow upload


def test_slow_upload_ended_by_max_body_seconds(server: ServerProcess) -> None:
    session = f"slow-{uuid.uuid4().hex[:8]}"
    payload = padded_upload(20_000)
    latencies: list[float] = []
    with Raw(server) as raw:
        raw.send(head(len(payload), session))
        raw.drip(payload, 100, 0.1, MAX_BODY_SECONDS + SLACK, meanwhile=lambda: latencies.append(served(server)))
        elapsed = raw.wait_closed(SLACK)
        assert raw.closed
        (answer,) = parse_answers(raw.received)
    print(f"1 KB/s upload: 408 after {elapsed:.2f} s; a normal request meanwhile took {latencies[0] * 1000:.0f} ms")
    assert_envelope(answer, 408, "request body timed out: not complete after 3 s")
    assert answer.headers["connection"] == "close"
    assert MAX_BODY_SECONDS - 0.1 < elapsed < MAX_BODY_SECONDS + SLACK
    assert latencies, "no normal request was made during the upload"
    (entry,) = journal(server, session)
    assert (entry["status"], entry["body"]) == (408, "request body timed out: not complete after 3 s")
    healthy(server)


def test_slow_upload_to_admin_ended_by_max_body_seconds(server: ServerProcess) -> None:
    before = httpx.get(server.url + "/__admin/faults").json()
    payload = b'{"type": "envelope", "name": "' + b"s" * 20_000 + b'"}'
    start = (b"POST /__admin/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: %d\r\n\r\n" % len(payload))
    with Raw(server) as raw:
        raw.send(start)
        raw.drip(payload, 100, 0.1, MAX_BODY_SECONDS + SLACK, meanwhile=lambda: served(server))
        elapsed = raw.wait_closed(SLACK)
        answers = parse_answers(raw.received)
    print(f"1 KB/s admin upload: {[a.status for a in answers]}, closed={raw.closed} after {elapsed:.2f} s")
    assert raw.closed and elapsed < MAX_BODY_SECONDS + SLACK, f"still taking the upload after {elapsed:.1f} s"
    assert all(answer.status >= 400 for answer in answers)
    assert httpx.get(server.url + "/__admin/faults").json() == before


# ------------------------------------------------------------------------------------ disconnect midway


@pytest.mark.parametrize("how", ["close", "reset"])
def test_disconnect_mid_body_journalled_no_traceback(server: ServerProcess, how: str) -> None:
    mark = len(server.lines)
    session = f"gone-{how}-{uuid.uuid4().hex[:8]}"
    payload = padded_upload(200_000)
    with Raw(server) as raw:
        raw.send(head(len(payload), session) + payload[: len(payload) // 2])
        raw.poll(0.3)
        if how == "reset":
            raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    served(server)
    (entry,) = journal(server, session)
    assert entry["http_status"] == 499 and entry["status"] is None
    assert entry["meta"] == {"mode": ["object"], "images": [{"name": "file_0"}]}
    assert [(part["name"], part["complete"]) for part in entry["parts"]] == [("meta", True), ("file_0", False)]
    healthy(server)
    assert_clean_log(log_since(server, mark))


# ---------------------------------------------------------------------------------- Content-Length lies


def test_content_length_shorter_cut_body_answered_in_envelope(server: ServerProcess) -> None:
    """The declared length stops before the closing boundary; the rest arrives as if a next request."""
    mark = len(server.lines)
    session = f"short-{uuid.uuid4().hex[:8]}"
    payload = body([image_part("file_0", IMAGE), meta_part(["object"], ["file_0"])])
    closing = f"--{BOUNDARY}--\r\n".encode()
    with Raw(server) as raw:
        raw.send(head(len(payload) - len(closing), session) + payload)
        elapsed = raw.wait_closed(HEADER_TIMEOUT + SLACK)
        assert raw.closed
        first, *rest = parse_answers(raw.received)
    assert_envelope(first, 400, "malformed multipart body: body ends before the closing boundary")
    assert all(400 <= answer.status < 500 for answer in rest), rest
    assert elapsed < HEADER_TIMEOUT + SLACK
    (entry,) = journal(server, session)
    assert entry["status"] == 400
    served(server)
    assert_clean_log(log_since(server, mark))


def test_content_length_shorter_junk_after_whole_body(server: ServerProcess) -> None:
    """A whole body, then bytes the length did not announce: the answer stands, the junk is refused."""
    mark = len(server.lines)
    session = f"junk-{uuid.uuid4().hex[:8]}"
    with Raw(server) as raw:
        raw.send(head(len(GOOD), session) + GOOD + b"\x16\x03\x01junk that is not a request\r\n\r\n")
        elapsed = raw.wait_closed(HEADER_TIMEOUT + SLACK)
        assert raw.closed
        first, *rest = parse_answers(raw.received)
    document = envelope_of(first)
    assert document["status"] == 200 and [e["name"] for e in document["body"]["object_labels"]] == ["file_0"]
    assert [answer.status for answer in rest] in ([], [400])
    assert elapsed < HEADER_TIMEOUT + SLACK
    served(server)
    assert_clean_log(log_since(server, mark))


def test_content_length_longer_then_close_journalled(server: ServerProcess) -> None:
    mark = len(server.lines)
    session = f"long-close-{uuid.uuid4().hex[:8]}"
    with Raw(server) as raw:
        raw.send(head(len(GOOD) + 1000, session) + GOOD)
        raw.poll(0.2)
        raw.sock.shutdown(socket.SHUT_WR)
        elapsed = raw.wait_closed(BODY_TIMEOUT + SLACK)
        assert raw.closed
    assert elapsed < BODY_TIMEOUT + SLACK
    (entry,) = journal(server, session)
    assert entry["status"] in (None, 400, 408)
    served(server)
    assert_clean_log(log_since(server, mark))


def test_content_length_longer_then_stall_408(server: ServerProcess) -> None:
    session = f"long-stall-{uuid.uuid4().hex[:8]}"
    with Raw(server) as raw:
        raw.send(head(len(GOOD) + 1000, session) + GOOD)
        served(server)
        elapsed = raw.wait_closed(BODY_TIMEOUT + SLACK)
        assert raw.closed
        (answer,) = parse_answers(raw.received)
    assert_envelope(answer, 408, "request body timed out: no data for 1 s")
    assert elapsed < BODY_TIMEOUT + SLACK


# ----------------------------------------------------------------------------------- parts and meta size


def exchange(server: ServerProcess, session: str, payload: bytes) -> tuple[Answer, float]:
    """Send a whole request (as much as the server takes), return its one answer and the time it took."""
    with Raw(server) as raw:
        raw.send(head(len(payload), session, extra="Connection: close\r\n") + payload)
        elapsed = raw.wait_closed(5)
        (answer,) = parse_answers(raw.received)
    return answer, elapsed


def test_parts_thousands_refused_memory_bounded(server: ServerProcess) -> None:
    payload = body([meta_part(["object"], ["file_0"]), *(FormPart(f"p{index}", b"x") for index in range(5000))])
    base = reset_peak(server)
    answer, elapsed = exchange(server, "many-parts", payload)
    growth = server.peak_rss() - base
    print(f"5000 parts: {answer.status} after {elapsed * 1000:.0f} ms, peak +{growth / MIB:.1f} MiB")
    assert_envelope(answer, 400, f"malformed multipart body: more than {MAX_PARTS} parts")
    assert elapsed < 2 and growth < PEAK_BUDGET
    served(server)


@pytest.mark.parametrize("meta_first", [True, False], ids=["meta first", "meta last"])
def test_meta_of_10mb_refused_memory_bounded(server: ServerProcess, meta_first: bool) -> None:
    meta = FormPart("meta", b'{"mode": ["object"], "images": [{"name": "file_0"}], "pad": "' + b"m" * 10**7 + b'"}')
    image = image_part("file_0", IMAGE)
    payload = body([meta, image] if meta_first else [image, meta])
    base = reset_peak(server)
    answer, elapsed = exchange(server, "big-meta", payload)
    growth = server.peak_rss() - base
    print(f"10 MB meta: {answer.status} after {elapsed * 1000:.0f} ms, peak +{growth / MIB:.1f} MiB")
    assert_envelope(answer, 400, f"invalid meta: larger than {MAX_META_BYTES} bytes")
    assert elapsed < 3 and growth < PEAK_BUDGET
    served(server)


def test_journal_of_large_metas_memory_bounded(server: ServerProcess) -> None:
    """A full journal of valid 1 MB metas costs about what their bytes do, not 20 times more."""
    pad = b"[]," * ((MAX_META_BYTES - 100) // 3)
    meta = FormPart("meta", b'{"mode": ["object"], "images": [{"name": "file_0"}], "x": [' + pad + b"[]]}")
    assert len(meta.data) <= MAX_META_BYTES
    payload = body([meta, image_part("file_0", IMAGE)])
    for _ in range(2):  # the first requests' allocations are not the journal's
        exchange(server, "warm-meta", GOOD)
    before = rss(server)
    for _ in range(JOURNAL_SIZE):
        answer, _ = exchange(server, "list-meta", payload)
        assert envelope_of(answer)["status"] == 200
    growth = rss(server) - before
    budget = JOURNAL_SIZE * 2 * MAX_META_BYTES + PEAK_BUDGET
    print(f"journal of {JOURNAL_SIZE} list-heavy 1 MB metas: RSS +{growth / MIB:.0f} MiB (budget {budget / MIB:.0f})")
    httpx.delete(server.url + "/__admin/requests", headers=ADMIN)
    assert growth < budget


# --------------------------------------------------------------------------------- names are data, not paths


MARK = "mockabuse"
FORGED = 'INFO:     127.0.0.1:1 "GET /forged" 200 0.1ms'
NAMES = {
    "traversal": f"../../../../../../tmp/{MARK}-traversal",
    "windows traversal": f"..\\..\\..\\{MARK}-windows",
    "encoded traversal": f"%2e%2e%2f%2e%2e%2f{MARK}-encoded",
    "absolute": f"/tmp/{MARK}-absolute",
    "NUL": f"{MARK}\x00nul",
    "encoded NUL": f"{MARK}%00nul",
    "100 KB": MARK + "x" * 100_000,
    "newline": f"{MARK}\n{FORGED}",
    "carriage return": f"{MARK}\r{FORGED}",
    "ANSI escapes": f"{MARK}\x1b[31mred\x1b[0m\x1b]0;title\x07",
}


def header_safe(text: str) -> bool:
    """Whether `text` can stand as it is in a multipart Content-Disposition parameter."""
    return not any(char in text for char in '\r\n"') and len(text) <= 4000


def header_value(text: str) -> str:
    """`text` as an HTTP header value: as it is when printable ASCII, else percent-encoded."""
    return text if all(" " <= char < "\x7f" for char in text) else quote(text, safe="")


def echoed(text: str) -> str:
    return text if len(text) <= 128 else text[:128] + "…"


def marked_entries(server: ServerProcess) -> set[str]:
    """Names containing the mark in the server's working folder and the temporary folders."""
    found = set()
    for folder in {Path(psutil.Process(server.process.pid).cwd()), Path(tempfile.gettempdir()), Path("/tmp")}:
        found |= {str(path) for path in folder.iterdir() if MARK in path.name}
    return found


def assert_log_escaped(lines: list[str]) -> None:
    for line in lines:
        assert "\x1b" not in line and "\x00" not in line and "\x07" not in line, f"raw control bytes: {line!r}"
        assert not line.startswith((FORGED, MARK)), f"a forged log line: {line!r}"
    assert_clean_log(lines)


@contextlib.contextmanager
def leaves_no_trace(server: ServerProcess) -> Iterator[None]:
    """No file named after the payload appears or is opened, and the log shows it only escaped."""
    mark = len(server.lines)
    existing = marked_entries(server)
    yield
    files = {item.path for item in psutil.Process(server.process.pid).open_files()}
    assert not [path for path in files if MARK in path]
    assert marked_entries(server) == existing
    assert_log_escaped(log_since(server, mark))


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_names_image_name_is_data(server: ServerProcess, name: str) -> None:
    """In meta, as the part's name and as its filename (when a multipart header can carry it as it is)."""
    session = f"names-{uuid.uuid4().hex[:8]}"
    safe = header_safe(name)
    part = image_part(name if safe else "file_0", IMAGE, name if safe else quote(name[:1000], safe=""))
    meta = FormPart("meta", json.dumps({"mode": ["object", "scene"], "images": [{"name": name}]}).encode())
    with leaves_no_trace(server), httpx.Client(base_url=server.url, timeout=10) as client:
        response = client.post(URL, headers={"content-type": content_type(), "x-mock-session": session},
                               content=body([part, meta]))
        document = response.json()
        if safe:
            assert response.status_code == 200, response.text
            assert [entry["name"] for entry in document["body"]["object_labels"]] == [name]
            assert [entry["name"] for entry in document["body"]["scene_labels"]] == [name]
        else:
            assert (response.status_code, document["body"]) == (
                400, f"could not get image by name {echoed(name)}: http: no such file")
        (entry,) = journal(server, session)
        assert entry["meta"]["images"] == [{"name": name}]
        if safe:
            assert (entry["parts"][0]["name"], entry["parts"][0]["filename"]) == (name, name)


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_names_session_id_is_data(server: ServerProcess, name: str) -> None:
    """As it is where a header can carry it, percent-encoded where not; journalled cut to 200 characters."""
    session = header_value(f"{uuid.uuid4().hex[:8]}{name}")
    with leaves_no_trace(server), httpx.Client(base_url=server.url, timeout=10) as client:
        response = client.post(URL, headers={"content-type": content_type(), "x-mock-session": session},
                               content=GOOD)
        assert response.status_code in (200, 431), response.text
        if response.status_code == 200:
            (entry,) = journal(server, session[:200])
            assert entry["session"] == session[:200]
            armed = client.post("/__admin/faults", json={"type": "latency", "ms": 1},
                                headers={"x-mock-session": session})
            assert armed.json()["faults"][0]["match"]["session"] == session[:200]
            cleared = client.delete("/__admin/faults", params={"session": session[:200]}, headers=ADMIN)
            assert cleared.json() == {"deleted": 1}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_names_fault_id_is_data(server: ServerProcess, name: str) -> None:
    """A fault's id is the client's choice; the journal keeps it, the access log must not replay it raw."""
    session = f"fault-id-{uuid.uuid4().hex[:8]}"
    with leaves_no_trace(server), httpx.Client(base_url=server.url, timeout=10) as client:
        armed = client.post("/__admin/faults", json={"id": name, "type": "latency", "ms": 1},
                            headers={"x-mock-session": session})
        assert armed.status_code in (201, 413, 422), armed.text
        if armed.status_code == 201:
            try:
                response = client.post(URL, headers={"content-type": content_type(), "x-mock-session": session},
                                       content=GOOD)
                assert response.status_code == 200
                (entry,) = journal(server, session)
                assert [fault["id"] for fault in entry["faults"]] == [name]
            finally:
                cleared = client.delete("/__admin/faults", params={"session": session}, headers=ADMIN)
                assert cleared.json() == {"deleted": 1}


# ------------------------------------------------------------------------------------ admin, bad input


ADMIN_CASES: dict[str, tuple[Any, set[int], str]] = {
    "invalid JSON": (b'{"type": "envelope",', {400, 422}, "JSON"),
    "not UTF-8": (b'\xff\xfe{"type": "envelope"}', {400, 422}, ""),
    "NaN (not JSON)": (b'{"type": "envelope", "when": {"probability": NaN}}', {400, 422}, ""),
    "Infinity (not JSON)": (b'{"type": "latency", "ms": Infinity}', {400, 422}, ""),
    "a JSON string": (b'"envelope"', {422}, ""),
    "unknown kind": ({"type": "explode"}, {422}, "explode"),
    "no kind": ({"status": 500}, {422}, "type"),
    "unknown field": ({"type": "envelope", "colour": "red"}, {422}, "colour"),
    "negative times": ({"type": "envelope", "when": {"times": -1}}, {422}, "times"),
    "zero times": ({"type": "envelope", "when": {"times": 0}}, {422}, "times"),
    "negative after": ({"type": "envelope", "when": {"after": -3}}, {422}, "after"),
    "negative position": ({"type": "image_error", "position": -1}, {422}, "position"),
    "negative latency": ({"type": "latency", "ms": -5}, {422}, "ms"),
    "probability above 1": ({"type": "envelope", "when": {"probability": 1.5}}, {422}, "probability"),
    "probability below 0": ({"type": "envelope", "when": {"probability": -0.1}}, {422}, "probability"),
    "share above 1": ({"type": "image_error", "share": 1.5}, {422}, "share"),
    "list with one bad": ([{"type": "envelope", "id": "must-not-arm"}, {"type": "explode"}], {422}, "explode"),
    "bad replacement": ({"id": "admin-baseline", "type": "envelope", "status": 42}, {422}, "status"),
    "deeply nested": (b"[" * 20_000 + b"]" * 20_000, {400, 422}, ""),
    "deeply nested field": (b'{"type": "envelope", "body": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", {400, 422}, ""),
}


@pytest.fixture
def admin_baseline(server: ServerProcess) -> Iterator[Any]:
    """One armed fault, so that "nothing changed" means something; the listing as it stands."""
    fault = {"id": "admin-baseline", "type": "envelope", "status": 503, "match": {"session": "admin-baseline"}}
    assert httpx.post(server.url + "/__admin/faults", json=fault).status_code == 201
    yield httpx.get(server.url + "/__admin/faults").json()
    httpx.delete(server.url + "/__admin/faults/admin-baseline", headers=ADMIN)


def disarm_all_but(server: ServerProcess, listing: Any) -> None:
    """Disarm whatever a refused post armed after all, so later tests get a server without it."""
    kept = {fault["id"] for fault in listing["faults"]}
    for fault in httpx.get(server.url + "/__admin/faults").json()["faults"]:
        if fault["id"] not in kept:
            httpx.delete(f"{server.url}/__admin/faults/{quote(fault['id'], safe='')}", headers=ADMIN)


@pytest.mark.parametrize(("payload", "statuses", "fragment"), ADMIN_CASES.values(), ids=ADMIN_CASES.keys())
def test_admin_bad_input_refused_nothing_changed(
    server: ServerProcess, admin_baseline: Any, payload: Any, statuses: set[int], fragment: str
) -> None:
    mark = len(server.lines)
    content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    try:
        response = httpx.post(server.url + "/__admin/faults", content=content,
                              headers={"content-type": "application/json"}, timeout=10)
        assert response.status_code in statuses, f"{response.status_code}: {response.text[:300]}"
        assert response.headers["content-type"] == "application/json"
        assert response.json()["detail"], response.text
        assert fragment in response.text, response.text[:300]
        assert httpx.get(server.url + "/__admin/faults").json() == admin_baseline
        assert_clean_log(log_since(server, mark))
    finally:
        disarm_all_but(server, admin_baseline)


@pytest.mark.parametrize("chunked", [False, True], ids=["Content-Length", "chunked"])
def test_admin_payload_over_limit_413(server: ServerProcess, admin_baseline: Any, chunked: bool) -> None:
    document = json.dumps({"type": "envelope", "name": "n", "body": "b" * (2 * MAX_ADMIN_BYTES)}).encode()

    def pieces() -> Iterator[bytes]:
        for start in range(0, len(document), 4096):
            yield document[start : start + 4096]

    try:
        response = httpx.post(server.url + "/__admin/faults", content=pieces() if chunked else document,
                              headers={"content-type": "application/json"}, timeout=10)
        assert response.status_code == 413, f"{response.status_code}: {response.text[:300]}"
        assert str(MAX_ADMIN_BYTES) in response.json()["detail"]
        assert httpx.get(server.url + "/__admin/faults").json() == admin_baseline
    finally:
        disarm_all_but(server, admin_baseline)


# ------------------------------------------------------------------------------------- tokens and secrets


ADMIN_TOKEN = "adm1n-t0ken-Zq8"
SECRET = "supersecrettoken"


def test_admin_token_refuses_others_secrets_cut() -> None:
    with ServerProcess("--admin-token", ADMIN_TOKEN, "--tokens", SECRET) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        calls = [("GET", "/__admin/faults"), ("POST", "/__admin/faults"), ("DELETE", "/__admin/faults"),
                 ("GET", "/__admin/requests"), ("GET", "/__admin/requests/count"), ("POST", "/__admin/reset"),
                 ("GET", "/__admin/fixtures"), ("POST", "/__admin/fixtures/reload"), ("DELETE", "/__admin/requests")]
        fault = {"type": "envelope", "status": 500}
        for method, path in calls:
            for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": f"Basic {ADMIN_TOKEN}"},
                            {"x-admin-token": ADMIN_TOKEN[:-1]}):
                response = client.request(method, path, headers=headers, json=fault if method == "POST" else None)
                assert response.status_code == 401, (method, path, headers, response.text)
        good = {"authorization": f"Bearer {ADMIN_TOKEN}"}
        assert client.get("/__admin/faults", headers=good).json() == {"faults": []}
        assert client.get("/__admin/faults", headers={"x-admin-token": ADMIN_TOKEN}).status_code == 200
        accepted = client.post(URL.replace("oauth_token=123", f"oauth_token={SECRET}"),
                               headers={"content-type": content_type()}, content=GOOD)
        refused = client.post(URL.replace("oauth_token=123", f"oauth_token={SECRET}-but-wrong"),
                              headers={"content-type": content_type()}, content=GOOD)
        assert accepted.status_code == 200
        assert refused.json()["body"] == (
            "authorization failed, provider: mr, token: supers…, reason: Access Token invalid")
        entries = client.get("/__admin/requests", headers=good).text
        log = "".join(log_since(server, 0))
    assert "supers…" in entries
    for text in (entries, log):
        assert SECRET[:7] not in text
        assert ADMIN_TOKEN[:7] not in text


@pytest.mark.parametrize(
    ("args", "warned"),
    [((), False), (("--host", "0.0.0.0"), True), (("--host", "0.0.0.0", "--admin-token", ADMIN_TOKEN), False)],
    ids=["loopback", "public without token", "public with token"],
)
def test_admin_token_warning_on_public_address(args: tuple[str, ...], warned: bool) -> None:
    with ServerProcess(*args) as server:
        lines = log_since(server, 0)
    warnings = [line for line in lines if line.startswith("WARNING") and "--admin-token" in line]
    assert bool(warnings) == warned, "".join(lines)
    assert not any(ADMIN_TOKEN[:7] in line for line in lines)

