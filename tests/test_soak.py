"""Load, soak and shutdown on a real socket: many clients at once get exactly their own answers.

32 clients, each with its own `X-Mock-Session` and its own session-scoped faults, send a mix of good,
bad, header-faulted and large requests for a bounded time. Every answer must be the one its request
deserves (status, text, per-image statuses, names in order), every journal entry must be the request's
own, and the server's memory must come back near where it started. Then: SIGTERM finishes answers in
flight and exits 0, and the server listens on loopback unless told otherwise.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import json
import random
import signal
import socket
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
from PIL import Image
from support import URL, FormPart, ServerProcess, body, content_type, image_bytes, image_part, meta_part

from mockserver.answers.compose import body_modes, mode_results, result_key
from mockserver.detect.meta import MODES

CLIENTS = 32
SOAK_SECONDS = 12.0
MAX_REQUESTS_PER_CLIENT = 150
JOURNAL_SIZE = 200
LARGE_IMAGES = 20
MIB = 1024 * 1024
# What the run may leave behind once it settles: the journal's bound (200 entries of at most 21 parts and a
# small meta, about 12 KiB each: under 3 MiB), plus what the allocator keeps of 32 connections' buffers and
# of 20 MiB uploads' chunks after they are freed. Measured: 4.6-6.6 MiB over 4100-4800 requests on 2 cores; 16 MiB
# leaves room for a slower machine, while a leak of 4 KiB per request, or of one 1 MiB image per large
# request, would exceed it.
RSS_ALLOWANCE = 16 * MIB
SETTLE_SECONDS = 5.0
CRC_MISMATCH = "internal error: image crc mismatch"
INTERNAL = "Internal Server Error"
GOOD_MODES = ("object", "object2", "scene", "car_number", "multiobject", "selfie")


def padded_jpeg(size: int) -> bytes:
    """A real JPEG padded after its end marker to `size` bytes (a 1 MiB photo, cheaply)."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 200)).save(buffer, "JPEG", quality=70)
    data = buffer.getvalue()
    return data + b"\x00" * (size - len(data))


POOL: list[bytes] = [
    image_bytes("jpeg", (64, 48), seed=1),
    image_bytes("png", (80, 60), seed=2),
    image_bytes("tiff", (40, 40), seed=3),
    image_bytes("jpeg", (120, 90), seed=4),
    image_bytes("png", (33, 77), seed=5),
    image_bytes("jpeg", (200, 150), seed=6),
    b"not an image at all",
]
LARGE = len(POOL)
POOL.append(padded_jpeg(MIB))
# Each pool image's answer per mode, without its name: what the rules say for those bytes.
Reference = list[dict[str, dict[str, Any]]]


@dataclass
class Planned:
    """One request of the mix and the exact answer it must get."""

    kind: str
    headers: dict[str, str]
    content: bytes
    status: int
    answer: Any
    meta: Any = None
    parts: list[tuple[str, bytes]] = field(default_factory=list)
    faults: set[str] = field(default_factory=set)


@dataclass
class Session:
    """A client's session: its id and the ids of the faults it armed for itself alone."""

    name: str
    image_fault: str = ""
    envelope_fault: str = ""
    fired: Counter[str] = field(default_factory=Counter)


def reference(server: ServerProcess) -> Reference:
    """Each pool image's answer in every mode (without status and name), asked one image at a time."""
    answers: list[dict[str, dict[str, Any]]] = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for data in POOL:
            content = body([image_part("ref", data, "ref.bin"), meta_part(MODES, ["ref"])])
            response = client.post(URL, headers={"content-type": content_type(), "x-mock-session": "reference"},
                                   content=content)
            assert response.status_code == 200, response.text
            document = response.json()["body"]
            entries = {mode: mode_results(document, mode, MODES)[0] for mode in MODES}
            answers.append({mode: {k: v for k, v in e.items() if k != "name"} for mode, e in entries.items()})
    return answers


def envelope(status: int, text: Any) -> dict[str, Any]:
    return {"status": status, "body": text, "htmlencoded": False, "last_modified": 0}


def plan(session: Session, index: int, kind: str, ref: Reference) -> Planned:
    """The request `kind` number `index` of `session`, and the answer it must get."""
    rng = random.Random(f"{session.name}:{index}")
    headers = {"content-type": content_type(), "x-mock-session": session.name}
    if kind == "large":
        picks = [LARGE] * LARGE_IMAGES
        modes = ["object"]
    else:
        picks = [rng.randrange(LARGE) for _ in range(rng.randint(1, 5))]
        modes = rng.sample(GOOD_MODES, rng.randint(1, 3))
    if kind == "fault_image" and len(picks) < 2:
        picks.append(rng.randrange(LARGE))
    if kind == "pedestrian":
        modes.append("pedestrian")
    names = [f"file_{position}" for position in range(len(picks))]
    parts = [(name, POOL[pick]) for name, pick in zip(names, picks, strict=True)]
    meta = {"mode": modes, "images": [{"name": name} for name in names], "client": session.name}
    if kind == "unknown_mode":
        meta["mode"] = [*modes, "faces"]
    if kind == "missing_part":
        parts = parts[:-1]
    meta_encoded = FormPart("meta", json.dumps(meta).encode())
    form = [image_part(name, data, f"{session.name}-{name}.bin") for name, data in parts]
    ordered = [meta_encoded, *form] if rng.random() < 0.5 else [*form, meta_encoded]
    content = body(ordered)
    journal_parts = [(part.name or "", part.data) for part in ordered]
    faults: set[str] = set()
    if kind == "not_multipart":
        headers["content-type"] = "application/json"
        return Planned(kind, headers, json.dumps(meta).encode(), 400,
                       envelope(400, "request is not multipart/form-data"), None, [])
    if kind == "unknown_mode":
        return Planned(kind, headers, content, 400, envelope(400, "unknown mode: faces"), meta, journal_parts)
    if kind == "missing_part":
        text = f"could not get image by name {names[-1]}: http: no such file"
        return Planned(kind, headers, content, 400, envelope(400, text), meta, journal_parts)
    if kind == "fault_500":
        headers["x-mock-fault"] = "status=500"
        return Planned(kind, headers, content, 500, envelope(500, INTERNAL), meta, journal_parts, {"header"})
    if kind == "pedestrian":
        text = f"{session.name} is busy"
        return Planned(kind, headers, content, 503, envelope(503, text), meta, journal_parts,
                       {session.envelope_fault})
    errors: dict[str, tuple[int, str]] = {}
    if kind == "fault_image":
        headers["x-mock-fault"] = "image=file_1;status=2"
        errors["file_1"] = (2, CRC_MISMATCH)
        faults.add("header")
    if kind == "fault_latency":
        headers["x-mock-fault"] = "latency=50"
        faults.add("header")
    if "file_2" in names:
        errors.setdefault("file_2", (1, f"{session.name} image fault"))
        faults.add(session.image_fault)
    answer: dict[str, list[dict[str, Any]]] = {}
    for mode in body_modes(modes):
        entries = []
        for name, pick in zip(names, picks, strict=True):
            if name in errors:
                status, error = errors[name]
                entries.append({"status": status, "name": name, "error": error})
            else:
                entries.append({"name": name, **ref[pick][mode]})
        answer.setdefault(result_key(mode), []).extend(entries)
    return Planned(kind, headers, content, 200, envelope(200, answer), meta, journal_parts, faults)


MIX = ("good", "unknown_mode", "fault_image", "good", "missing_part", "fault_500", "good", "not_multipart",
       "fault_latency", "pedestrian")


def kinds(client: int) -> Iterator[str]:
    """The client's mix: the common rotation from its own offset, and one large request for every other client."""
    position = client
    while True:
        yield MIX[position % len(MIX)]
        position += 1
        if client % 2 == 0 and position == client + 3:
            yield "large"


def arm(client: httpx.Client, session: Session) -> None:
    """The session's own faults, posted with its X-Mock-Session header (no match.session given)."""
    faults = [
        {"type": "image_error", "image": "file_2", "status": 1, "error": f"{session.name} image fault"},
        {"type": "envelope", "status": 503, "body": f"{session.name} is busy", "match": {"mode": "pedestrian"}},
    ]
    response = client.post("/__admin/faults", json=faults, headers={"x-mock-session": session.name})
    assert response.status_code == 201, response.text
    armed = response.json()["faults"]
    assert [fault["match"]["session"] for fault in armed] == [session.name, session.name]
    session.image_fault, session.envelope_fault = armed[0]["id"], armed[1]["id"]


def check_journal(client: httpx.Client, session: Session, planned: Planned, since: int) -> int:
    """The session's next journal entry is this request, as sent and as answered; returns its id."""
    response = client.get("/__admin/requests", params={"session": session.name, "since": since, "wait": 5})
    entries = response.json()["requests"]
    assert len(entries) == 1, f"{session.name}: expected one new entry, got {entries}"
    (entry,) = entries
    assert entry["session"] == session.name
    assert entry["status"] == planned.status and entry["http_status"] == planned.status
    assert entry["body"] == (None if planned.status == 200 else planned.answer["body"])
    assert entry["meta"] == planned.meta
    assert [(part["name"], part["size"], part["sha256"]) for part in entry["parts"]] == [
        (name, len(data), hashlib.sha256(data).hexdigest()) for name, data in planned.parts
    ]
    applied = {fault["id"] for fault in entry["faults"]}
    assert applied == planned.faults, f"{session.name}: faults {applied}, expected {planned.faults}"
    for fault_id in applied & {session.image_fault, session.envelope_fault}:
        session.fired[fault_id] += 1
    since_id: int = entry["id"]
    return since_id


def run_client(server: ServerProcess, number: int, ref: Reference, deadline: float) -> Counter[str]:
    """One client of the soak: arms its faults, then sends its mix until the deadline; checks every answer."""
    session = Session(f"soak-{number:02d}")
    done: Counter[str] = Counter()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        arm(client, session)
        since = 0
        for index, kind in enumerate(kinds(number)):
            if index >= MAX_REQUESTS_PER_CLIENT or time.monotonic() > deadline:
                break
            planned = plan(session, index, kind, ref)
            response = client.post(URL, headers=planned.headers, content=planned.content)
            assert response.status_code == planned.status, f"{session.name} {kind}: {response.text[:300]}"
            assert response.headers["content-type"] == "application/json"
            assert response.json() == planned.answer, f"{session.name} {kind}: {response.text[:300]}"
            since = check_journal(client, session, planned, since)
            done[kind] += 1
        listed = client.get("/__admin/faults", params={"session": session.name}).json()["faults"]
        assert {fault["id"]: fault["fired"] for fault in listed} == {
            session.image_fault: session.fired[session.image_fault],
            session.envelope_fault: session.fired[session.envelope_fault],
        }
    return done


def rss(server: ServerProcess) -> int:
    memory: int = psutil.Process(server.process.pid).memory_info().rss
    return memory


def test_soak_32_clients_each_get_their_own_answers() -> None:
    with ServerProcess("--journal-size", str(JOURNAL_SIZE)) as server:
        ref = reference(server)
        # Warm-up: one of each kind, so the baseline includes what the first requests allocate for good.
        warm = Session("warm-up")
        with httpx.Client(base_url=server.url, timeout=30) as client:
            arm(client, warm)
            for index, kind in enumerate((*MIX, "large", "large")):
                planned = plan(warm, index, kind, ref)
                response = client.post(URL, headers=planned.headers, content=planned.content)
                assert response.json() == planned.answer
        before = rss(server)
        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(run_client, server, number, ref, started + SOAK_SECONDS)
                       for number in range(CLIENTS)]
            totals: Counter[str] = Counter()
            for future in futures:
                totals.update(future.result())
        elapsed = time.monotonic() - started
        after = rss(server)
        settle_end = time.monotonic() + SETTLE_SECONDS
        while after - before > RSS_ALLOWANCE and time.monotonic() < settle_end:
            time.sleep(0.25)
            after = rss(server)
        assert httpx.get(server.url + "/health").status_code == 200
        time.sleep(0.2)
        lines = list(server.lines)
    count = sum(totals.values())
    print(f"soak: {count} requests by {CLIENTS} clients in {elapsed:.1f} s ({count / elapsed:.0f}/s) {dict(totals)}; "
          f"server RSS {before / MIB:.1f} → {after / MIB:.1f} MiB (allowance {RSS_ALLOWANCE / MIB:.0f} MiB)")
    assert not [line for line in lines if "Traceback" in line or line.startswith("ERROR")]
    assert totals["large"] == CLIENTS // 2
    assert all(totals[kind] >= CLIENTS for kind in MIX if kind != "good")
    assert after - before <= RSS_ALLOWANCE


def send_held(server: ServerProcess, latency_ms: int) -> socket.socket:
    """A detect request held by `X-Mock-Fault: latency=…`, once the server has read it and is holding it.

    A session fault of no latency is armed beside it: its `seen` counter tells when the request got that far.
    """
    session = f"held-{latency_ms}"
    marker = {"type": "latency", "ms": 0, "name": "in flight"}
    assert httpx.post(server.url + "/__admin/faults", json=marker, headers={"x-mock-session": session}).is_success
    content = body([image_part(), meta_part(["object"])])
    head = (f"POST {URL} HTTP/1.1\r\nHost: mock\r\nContent-Type: {content_type()}\r\nX-Mock-Session: {session}\r\n"
            f"X-Mock-Fault: latency={latency_ms}\r\nContent-Length: {len(content)}\r\n\r\n").encode()
    sock = socket.create_connection(server.address, timeout=10)
    sock.sendall(head + content)
    end = time.monotonic() + 5
    while time.monotonic() < end:
        (fault,) = httpx.get(server.url + "/__admin/faults", params={"session": session}).json()["faults"]
        if fault["seen"]:
            return sock
        time.sleep(0.02)
    sock.close()
    raise AssertionError("the held request never reached its faults")


def read_to_end(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    return answer


def test_sigterm_finishes_answer_in_flight_and_exits_0() -> None:
    with ServerProcess("--shutdown-timeout", "5") as server:
        with send_held(server, 1500) as sock:
            signalled = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            answer = read_to_end(sock)
        answered = time.monotonic() - signalled
        code = server.process.wait(10)
        exited = time.monotonic() - signalled
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, payload = rest.partition(b"\r\n\r\n")
    print(f"SIGTERM: answer after {answered:.2f} s, exit {code} after {exited:.2f} s")
    assert status_line == b"HTTP/1.1 200 OK", answer
    document = json.loads(payload)
    assert document["status"] == 200 and [entry["name"] for entry in document["body"]["object_labels"]] == ["file_0"]
    assert answered > 1
    assert code == 0
    assert exited < 4
    assert not [line for line in server.lines if "Traceback" in line or line.startswith("ERROR")]


def test_sigterm_past_shutdown_timeout_exits_0_without_traceback() -> None:
    """An answer still held past --shutdown-timeout is cut off cleanly: exit 0, no traceback, no framework page."""
    with ServerProcess("--shutdown-timeout", "1") as server:
        with send_held(server, 10_000) as sock:
            signalled = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            answer = read_to_end(sock)
        code = server.process.wait(10)
        exited = time.monotonic() - signalled
    print(f"SIGTERM past the shutdown timeout: exit {code} after {exited:.2f} s, answer {answer[:80]!r}")
    assert code == 0
    assert exited < 3
    if answer:
        status_line, _, rest = answer.partition(b"\r\n")
        headers, _, payload = rest.partition(b"\r\n\r\n")
        assert b"content-type: application/json" in headers.lower(), answer
        assert set(json.loads(payload)) == {"status", "body", "htmlencoded", "last_modified"}
    # uvicorn itself says, once, that it cancelled what outlived the graceful timeout: that line is expected.
    traces = [
        line for line in server.lines
        if "Traceback" in line or (line.startswith("ERROR") and "timeout graceful shutdown exceeded" not in line)
    ]
    assert not traces, "".join(server.lines)


def local_addresses() -> list[str]:
    """This machine's addresses other than loopback and link-local."""
    found = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            ip = ipaddress.ip_address(address.address.split("%")[0])
            if not ip.is_loopback and not ip.is_link_local:
                found.append(str(ip))
    return found


def test_server_binds_loopback_by_default() -> None:
    server = ServerProcess()
    server.env.pop("MOCKSERVER_HOST", None)
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        port = server.address[1]
        listening = [conn.laddr for conn in psutil.Process(server.process.pid).net_connections(kind="inet")
                     if conn.status == psutil.CONN_LISTEN]
        reached = []
        for address in local_addresses():
            try:
                with socket.create_connection((address, port), timeout=2):
                    reached.append(address)
            except OSError:
                pass
    assert listening and all(ipaddress.ip_address(laddr.ip).is_loopback for laddr in listening), listening
    assert not reached, f"reachable on {reached}"
