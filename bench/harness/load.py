"""Load generators: wrk for throughput, a streaming Python client for huge bodies, raw sockets for refusals.

Everything here talks to 127.0.0.1 only and is bounded: wrk by its duration, the others by a request count
and a per-request timeout.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bodies import CONTENT_TYPE, DETECT_PATH, Body


class HarnessError(RuntimeError):
    """The harness itself cannot go on (a tool missing, a server that never came up)."""


# Each wrk thread has its own Lua state: `response()` counts statuses per thread, `done()` (run once, in the
# main state) gathers them through the thread handles kept by `setup()` and prints exact figures as JSON,
# so nothing is parsed from wrk's rounded, unit-suffixed text.
WRK_SCRIPT = r"""
local body_file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = body_file:read("*a")
body_file:close()
wrk.path = os.getenv("BENCH_PATH")
wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE")

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do merged[status] = (merged[status] or 0) + count end
  end
  local parts = {}
  for status, count in pairs(merged) do table.insert(parts, string.format('"%d":%d', status, count)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"mean_us":%.1f,"max_us":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d},"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ",")))
end
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    statuses: dict[str, int]
    socket_errors: dict[str, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failures(self) -> int:
        """Answers that were not 2xx, plus connections wrk lost or timed out."""
        bad = sum(count for status, count in self.statuses.items() if not status.startswith("2"))
        return bad + sum(count for kind, count in self.socket_errors.items() if kind != "status")


def ensure_wrk() -> str:
    """The path of `wrk`, installed from Debian's package when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise HarnessError("wrk is not installed: run `sudo apt-get install -y wrk` (Debian/Ubuntu) and retry")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        # A fresh container often has no package lists yet; fetch them once and try again.
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=300)
        result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise HarnessError(f"could not install wrk with apt-get: {result.stderr.strip()[-500:]}")
    found = shutil.which("wrk")
    if not found:
        raise HarnessError("apt-get installed wrk but it is not on PATH")
    return found


def run_wrk(wrk: str, script: Path, port: int, body: Body, duration: float, threads: int = 2,
            connections: int = 16) -> WrkResult:
    env = {**os.environ, "BENCH_BODY": str(body.path), "BENCH_PATH": DETECT_PATH, "BENCH_CONTENT_TYPE": CONTENT_TYPE}
    seconds = max(1, round(duration))
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency",
               "-s", str(script), f"http://127.0.0.1:{port}/"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 90)
    line = next((row for row in result.stdout.splitlines() if row.startswith("BENCH_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise HarnessError(f"wrk failed ({result.returncode}): {(result.stderr or result.stdout).strip()[-500:]}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    return WrkResult(
        requests=data["requests"], seconds=data["duration_us"] / 1e6, p50_ms=data["p50_us"] / 1e3,
        p90_ms=data["p90_us"] / 1e3, p99_ms=data["p99_us"] / 1e3, mean_ms=data["mean_us"] / 1e3,
        statuses=data["statuses"], socket_errors=data["errors"],
    )


def post_once(port: int, body: bytes, timeout: float = 60) -> tuple[int, bytes]:
    """One detect request on a fresh connection: the probe that checks answers before any load."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", DETECT_PATH, body=body, headers={"Content-Type": CONTENT_TYPE})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _chunks(path: Path, size: int = 1024 * 1024) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(size):
            yield chunk


@dataclass
class SequentialResult:
    seconds: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    problem: str = ""  # what the first failed request got back

    @property
    def failures(self) -> int:
        return sum(1 for status in self.statuses if not 200 <= status < 300)


def _plain(text: str, limit: int = 300) -> str:
    """An error page as one short line of text (WireMock's are HTML)."""
    return " ".join(re.sub(r"<[^>]*>", " ", text).split())[:limit]


def upload_sequentially(port: int, body: Body, count: int, timeout: float = 300) -> SequentialResult:
    """`count` requests one after another, each streaming the body from disk (never held in memory)."""
    import httpx

    result = SequentialResult()
    headers = {"Content-Type": CONTENT_TYPE, "Content-Length": str(body.size)}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=timeout) as client:
        for _ in range(count):
            started = time.perf_counter()
            try:
                response = client.post(DETECT_PATH, content=_chunks(body.path), headers=headers)
                status, problem = response.status_code, f"HTTP {response.status_code}: {_plain(response.text)}"
            except httpx.HTTPError as error:
                status, problem = 0, f"no answer ({error!r})"  # dropped mid-upload or timed out: status 0
            if not 200 <= status < 300 and not result.problem:
                result.problem = problem
            result.seconds.append(time.perf_counter() - started)
            result.statuses.append(status)
    return result


def timed_posts(port: int, body: bytes, count: int) -> list[float]:
    """Seconds per request for `count` sequential requests on one kept-alive connection, after one warm-up."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times = []
    try:
        for index in range(count + 1):
            started = time.perf_counter()
            connection.request("POST", DETECT_PATH, body=body, headers={"Content-Type": CONTENT_TYPE})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise HarnessError(f"scaling request answered HTTP {response.status}")
            if index:
                times.append(time.perf_counter() - started)
    finally:
        connection.close()
    return times


class KeptAliveClient:
    """One client on one kept-alive connection, sending requests one after another: what a CI test suite does.

    Each request is written with one `sendall` of bytes built once (no per-request client work beyond reading
    the answer), so what is timed is the server's turnaround plus the kernel's, alike for every server.
    """

    def __init__(self, port: int, body: bytes, timeout: float = 60) -> None:
        head = (f"POST {DETECT_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {CONTENT_TYPE}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self._request = head + body
        self._socket = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._pending = b""

    def post(self) -> int:
        """Send the request, read the whole answer (Content-Length framed); its status."""
        self._socket.sendall(self._request)
        data = self._pending
        while (end := data.find(b"\r\n\r\n")) < 0:
            data += self._read()
        head = data[:end].decode("latin-1").split("\r\n")
        length = next((int(line.split(":", 1)[1]) for line in head if line.lower().startswith("content-length:")),
                      None)
        if length is None:
            raise HarnessError(f"answer without Content-Length: {head[0]!r}")
        data = data[end + 4:]
        while len(data) < length:
            data += self._read()
        self._pending = data[length:]
        if any(line.lower() == "connection: close" for line in head):
            raise HarnessError(f"the server closed the kept-alive connection ({head[0]!r})")
        return int(head[0].split()[1])

    def _read(self) -> bytes:
        data = self._socket.recv(1 << 16)
        if not data:
            raise HarnessError("the server closed the connection")
        return data

    def close(self) -> None:
        self._socket.close()


def sequential_latencies(port: int, body: bytes, count: int, warmup: int) -> tuple[list[float], list[int]]:
    """Seconds per request for `count` requests one after another on one kept-alive connection, after `warmup`
    untimed ones; and every status seen."""
    client = KeptAliveClient(port, body)
    times: list[float] = []
    statuses: list[int] = []
    try:
        for index in range(warmup + count):
            started = time.perf_counter()
            statuses.append(client.post())
            if index >= warmup:
                times.append(time.perf_counter() - started)
    finally:
        client.close()
    return times, statuses


def refusal(port: int, declared: int, prefix: bytes, timeout: float = 10) -> tuple[float, int, bytes]:
    """Declare `declared` body bytes, start streaming, and time how long the server takes to answer.

    Only headers and the first bytes of the body are sent before waiting: a server that refuses on the
    declared length answers at once; one that reads the body first would sit until `timeout`.
    """
    head = (
        f"POST {DETECT_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {CONTENT_TYPE}\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        started = time.perf_counter()
        sock.sendall(head + prefix)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        elapsed = time.perf_counter() - started
        header, _, rest = received.partition(b"\r\n\r\n")
        match = re.match(rb"HTTP/1\.[01] (\d{3})", header)
        length = re.search(rb"(?im)^content-length:\s*(\d+)", header)
        while length and len(rest) < int(length.group(1)):
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    return elapsed, int(match.group(1)) if match else 0, rest


def measure_refusals(port: int, prefix: bytes, samples: int) -> dict[str, Any]:
    """Median time to refuse a body declared 1 MB and 1 GB over the server's own limit (read from its answer)."""
    _, status, text = refusal(port, 10**15, prefix)
    found = re.search(rb"limit (\d+) bytes", text)
    if status != 400 or not found:
        raise HarnessError(f"an oversized body was not refused with the limit in the answer: {status} {text[:200]!r}")
    limit = int(found.group(1))
    times: dict[str, list[float]] = {"1MB_over": [], "1GB_over": []}
    statuses: set[int] = set()
    pair = (("1MB_over", 10**6), ("1GB_over", 10**9))
    for index in range(samples):
        # Alternating which goes first (ABBA), so neither side always pays for a cold connection path.
        for key, over in pair if index % 2 == 0 else pair[::-1]:
            elapsed, status, _ = refusal(port, limit + over, prefix)
            times[key].append(elapsed)
            statuses.add(status)
    one_mb, one_gb = (statistics.median(times[key]) for key in ("1MB_over", "1GB_over"))
    return {
        "limit_bytes": limit, "samples": samples, "statuses": sorted(statuses),
        "median_ms_1MB_over": one_mb * 1e3, "median_ms_1GB_over": one_gb * 1e3,
        "ratio_1GB_to_1MB": one_gb / one_mb if one_mb else None,
        "all_ms": {key: [round(value * 1e3, 3) for value in values] for key, values in times.items()},
    }
