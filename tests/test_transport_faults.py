"""Transport faults really happen on the socket: what an httpx client sees from a real server."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from support import URL, ServerProcess, body, content_type, image_part, meta_part

CONTENT = body([image_part(), image_part("file_1"), meta_part(["object", "scene"], ["file_0", "file_1"])])


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess("--max-fault-seconds", "5") as running:
        yield running


def post(server: ServerProcess, fault: str, timeout: float = 5) -> httpx.Response:
    headers = {"content-type": content_type(), "x-mock-fault": fault}
    with httpx.Client(base_url=server.url, timeout=timeout) as client:
        return client.post(URL, headers=headers, content=CONTENT)


def healthy(server: ServerProcess) -> bool:
    return httpx.get(server.url + "/health").status_code == 200


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ("transport=reset", httpx.ReadError, "Connection reset by peer"),
        ("transport=close", httpx.RemoteProtocolError, "Server disconnected without sending a response"),
        ("transport=truncate", httpx.RemoteProtocolError, "peer closed connection without sending complete"),
        ("transport=truncate;keep-bytes=0", httpx.RemoteProtocolError, "received 0 bytes"),
    ],
)
def test_transport_fault_breaks_connection(server: ServerProcess, fault: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        post(server, fault)
    assert healthy(server)


def test_transport_fault_malformed_json(server: ServerProcess) -> None:
    response = post(server, "transport=malformed_json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_transport_fault_dribble_slow_but_whole(server: ServerProcess) -> None:
    started = time.perf_counter()
    response = post(server, "transport=dribble;chunk-bytes=256;interval=50")
    elapsed = time.perf_counter() - started
    chunks = -(-len(response.content) // 256)
    assert response.json()["status"] == 200
    assert elapsed >= (chunks - 1) * 0.05


def test_transport_fault_dribble_trips_read_timeout(server: ServerProcess) -> None:
    with pytest.raises(httpx.ReadTimeout):
        post(server, "transport=dribble;chunk-bytes=16;interval=600", timeout=0.3)
    assert healthy(server)


def test_transport_fault_hang_until_client_gives_up(server: ServerProcess) -> None:
    started = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        post(server, "transport=hang", timeout=0.5)
    assert 0.5 <= time.perf_counter() - started < 3
    assert healthy(server)


def test_transport_fault_hang_bounded_by_server(server: ServerProcess) -> None:
    # The server's own bound (--max-fault-seconds 5 here) ends a hang the client never gives up on.
    started = time.perf_counter()
    with pytest.raises(httpx.RemoteProtocolError):
        post(server, "transport=hang", timeout=30)
    assert 5 <= time.perf_counter() - started < 10


def test_transport_fault_journalled(server: ServerProcess) -> None:
    with pytest.raises(httpx.ReadError):
        post(server, "transport=reset;probability=1")
    entry = httpx.get(server.url + "/__admin/requests", params={"limit": 1}).json()["requests"][0]
    assert entry["faults"] == [{"id": "header", "type": "transport", "name": ""}]
    assert entry["http_status"] is None


def test_transport_fault_dribble_bounded_by_server(server: ServerProcess) -> None:
    # A minute a chunk; the server's bound (--max-fault-seconds 5 here) sends the rest at once.
    started = time.perf_counter()
    response = post(server, "transport=dribble;chunk-bytes=16;interval=60000", timeout=30)
    assert response.json()["status"] == 200
    assert 5 <= time.perf_counter() - started < 10


def test_transport_fault_dribble_stops_when_client_leaves(server: ServerProcess) -> None:
    """Clients that give up on a dribble end it: each is journalled at once, none keeps a task."""
    clients, session = 100, "dribble-leavers"
    head = (
        f"POST {URL} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type()}\r\n"
        f"Content-Length: {len(CONTENT)}\r\nX-Mock-Session: {session}\r\n"
        "X-Mock-Fault: transport=dribble;chunk-bytes=16;interval=60000\r\n\r\n"
    ).encode()
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    for _ in range(clients):
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(head + CONTENT)
            received = b""
            while b"\r\n\r\n" not in received:
                received += sock.recv(4096)
            assert received.startswith(b"HTTP/1.1 200 ")
    params: dict[str, str | int] = {"session": session, "count": clients, "wait": 10}
    entries = httpx.get(server.url + "/__admin/requests", params=params, timeout=20).json()["requests"]
    assert len(entries) == clients
    assert {entry["http_status"] for entry in entries} == {200}
    assert healthy(server)


def test_transport_fault_no_error_logged(server: ServerProcess) -> None:
    assert not [line for line in server.lines if "Traceback" in line or "ERROR" in line]
