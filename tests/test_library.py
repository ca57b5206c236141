"""mockserver as a library inside someone else's process: cancellation, import cost, the admin client."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send
from support import URL, body, content_type, image_part, meta_part

import mockserver
from mockserver import Settings, create_app
from mockserver.admin import client as client_module
from mockserver.admin.api import MAX_WAIT_SECONDS
from mockserver.admin.client import WAIT_STEP, MockControl
from mockserver.errors import AdminError, MockServerError, TooManyFaults, TransportUnavailable, WaitTimedOut
from mockserver.faults.book import FaultBook
from mockserver.faults.model import EnvelopeFault
from mockserver.http.connection import CONNECTION_EXTENSION, Connection
from mockserver.http.guard import RequestGuard
from mockserver.http.server import MockServer
from mockserver.journal.entries import JournalEntry

CLIENT_TIMEOUT = 0.3

pytestmark = pytest.mark.anyio


async def test_guard_client_timeout_raises_in_client() -> None:
    """An in-process client that gives up gets its own TimeoutError, not a made-up 503 from the server."""
    transport = httpx.ASGITransport(app=create_app(Settings(fixtures=None)))
    upload = body([meta_part(), image_part()])
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(CLIENT_TIMEOUT):
                await client.post(
                    URL, content=upload, headers={"content-type": content_type(), "x-mock-fault": "latency=10000"}
                )


async def _cancelled_through_guard(scope: Scope) -> tuple[list[Message], BaseException | None]:
    """Run a request that never ends through the guard, cancel it, and see what was sent and raised."""
    sent: list[Message] = []
    entered = asyncio.Event()

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        entered.set()
        await asyncio.sleep(3600)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    guard = RequestGuard(endless, detect_path="/detect", always_200=False, max_bytes=100, idle=10, total=10)
    task = asyncio.create_task(guard(scope, receive, send))
    await entered.wait()
    connection = (scope.get("extensions") or {}).get(CONNECTION_EXTENSION)
    if connection is not None:
        connection.shutting_down = True
    task.cancel()
    try:
        await task
    except BaseException as exc:  # noqa: BLE001 - the point is which one, if any
        return sent, exc
    return sent, None


def _scope(extensions: dict[str, object]) -> Scope:
    return {"type": "http", "path": "/detect", "method": "POST", "headers": [], "extensions": extensions}


async def test_guard_shutdown_cancellation_answers_503_quietly() -> None:
    """Cancelled by the server's own shutdown (mockserver's protocol says so): 503 envelope, no exception."""
    connection = Connection(transport=None)  # type: ignore[arg-type]
    sent, raised = await _cancelled_through_guard(_scope({CONNECTION_EXTENSION: connection}))
    assert raised is None
    assert sent[0]["status"] == 503
    assert b"server shutting down" in sent[1]["body"]


async def test_guard_other_cancellation_propagates() -> None:
    """Cancelled by anyone else (no shutdown under way): the CancelledError goes on, nothing is answered."""
    sent, raised = await _cancelled_through_guard(_scope({}))
    assert isinstance(raised, asyncio.CancelledError)
    assert sent == []


def test_package_public_names_resolve_lazily() -> None:
    """`import mockserver` is cheap, yet every name of `__all__` is there, and `import *` gives them all."""
    namespace: dict[str, object] = {}
    exec("from mockserver import *", namespace)
    for name in mockserver.__all__:
        assert getattr(mockserver, name) is namespace[name]
        assert name in dir(mockserver)
    with pytest.raises(AttributeError):
        mockserver.NoSuchName  # noqa: B018


DETECT_BODY = (
    b'--b\r\nContent-Disposition: form-data; name="file_0"\r\n\r\nxx\r\n'
    b'--b\r\nContent-Disposition: form-data; name="meta"\r\n\r\n'
    b'{"mode": ["object"], "images": [{"name": "file_0"}]}\r\n--b--\r\n'
)


def _detect_later(url: str, delay: float) -> threading.Timer:
    def send() -> None:
        httpx.post(url + URL, headers={"content-type": "multipart/form-data; boundary=b"}, content=DETECT_BODY)

    timer = threading.Timer(delay, send)
    timer.start()
    return timer


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(Settings(fixtures=None, port=0)) as running:
        yield running


@pytest.fixture
def control(server: MockServer) -> Iterator[MockControl]:
    with MockControl(server.url) as control:
        control.reset()
        yield control


@pytest.mark.parametrize("method", ["requests", "request_count", "wait_for_requests"])
def test_control_misspelt_filter_raises(control: MockControl, method: str) -> None:
    """A filter the journal does not have is a mistake in the test, not a filter that matches everything."""
    with pytest.raises(TypeError, match="imgae"):
        getattr(control, method)(imgae="file_0")


def test_control_filters_reach_the_server(server: MockServer, control: MockControl) -> None:
    _detect_later(server.url, 0).join()
    assert control.request_count(image="file_0", status=200, mode="object") == 1
    assert control.request_count(image="file_9") == 0
    assert control.requests(mode="scene") == []
    assert len(control.requests(limit=1, since=0)) == 1


def test_control_wait_longer_than_server_cap(server: MockServer, control: MockControl) -> None:
    """A wait past the server's cap on one call (30 s) works: the client waits in several calls."""
    assert MAX_WAIT_SECONDS + 1 > WAIT_STEP
    timer = _detect_later(server.url, 0.3)
    (entry,) = control.wait_for_requests(count=1, timeout=MAX_WAIT_SECONDS + 1, image="file_0")
    timer.join()
    assert entry.status == 200


def test_control_wait_spans_several_calls(
    server: MockServer, control: MockControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With short steps, a wait is several calls, and still finds what arrives after the first ended."""
    monkeypatch.setattr(client_module, "WAIT_STEP", 0.1)
    calls = 0
    entries = control._entries

    def counted(*args: Any, **kwargs: Any) -> list[JournalEntry]:
        nonlocal calls
        calls += 1
        return entries(*args, **kwargs)

    monkeypatch.setattr(control, "_entries", counted)
    timer = _detect_later(server.url, 0.5)
    (entry,) = control.wait_for_requests(count=1, timeout=MAX_WAIT_SECONDS)
    timer.join()
    assert calls >= 2
    with pytest.raises(AdminError, match="waited 0.3 s for 2"):
        control.wait_for_requests(count=2, timeout=0.3)


def _defined_exceptions() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(mockserver.__path__, "mockserver."):
        if info.name == "mockserver.__main__":
            continue
        module = importlib.import_module(info.name)
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == info.name
        ]
    return found


def test_errors_one_hierarchy() -> None:
    """Every exception mockserver defines is a MockServerError, and all of them live in `errors`."""
    defined = _defined_exceptions()
    assert AdminError in defined and TransportUnavailable in defined
    assert [error for error in defined if not issubclass(error, MockServerError)] == []
    assert {error.__module__ for error in defined} == {"mockserver.errors"}


def test_errors_keep_their_builtin_kinds() -> None:
    """Code that caught them by their old bases still does."""
    assert issubclass(AdminError, RuntimeError) and issubclass(WaitTimedOut, AdminError)
    assert issubclass(TransportUnavailable, ConnectionError)
    assert mockserver.AdminError is AdminError


def test_errors_fault_book_full_is_too_many_faults() -> None:
    """A full fault book raises an error of the hierarchy that knows its answer (409 and its text)."""
    book = FaultBook(max_faults=1)
    book.add(EnvelopeFault(status=500))
    with pytest.raises(TooManyFaults) as raised:
        book.add_all([EnvelopeFault(status=500)])
    assert (raised.value.status, raised.value.text) == (409, "at most 1 faults can be armed at once")
    assert len(book) == 1


def test_errors_admin_error_knows_status(control: MockControl) -> None:
    with pytest.raises(AdminError) as raised:
        control.remove_fault("nope")
    assert raised.value.status == 404 and raised.value.detail == "no fault 'nope'"
    with pytest.raises(WaitTimedOut) as waited:
        control.wait_for_requests(count=1, timeout=0)
    assert waited.value.seen == 0


async def test_intake_witness_sees_a_refused_request() -> None:
    """The pipeline shows a witness what it read even when a check refuses the request half-way."""
    from starlette.requests import Request

    from mockserver.detect.auth import TokenPolicy
    from mockserver.detect.intake import take_in
    from mockserver.errors import UnknownMode
    from mockserver.journal.store import Exchange

    upload = body([meta_part(modes=["nonsense"]), image_part()])
    chunks = [{"type": "http.request", "body": upload, "more_body": False}]

    async def receive() -> Message:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    scope = {
        "type": "http", "method": "POST", "path": "/", "query_string": b"oauth_provider=mr&oauth_token=t",
        "headers": [(b"content-type", content_type().encode())],
    }
    witness = Exchange()
    settings = Settings(fixtures=None)
    with pytest.raises(UnknownMode):
        await take_in(Request(scope, receive), settings, TokenPolicy.from_sources((), None), witness)
    assert list(witness.query) == [("oauth_provider", "mr"), ("oauth_token", "t")]
    assert witness.upload is not None and [part.name for part in witness.upload.parts] == ["meta", "file_0"]
    assert witness.asked is None


async def test_guard_server_shutdown_answers_503_through_protocol() -> None:
    """uvicorn's shutdown path end to end: the protocol is told to shut down, then its request's task is
    cancelled (past the graceful timeout); the client gets the 503 envelope, and nothing is raised."""
    from test_protocol import FakeTransport
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from mockserver.http.protocol import protocol_class

    app = create_app(Settings(fixtures=None))
    config = Config(app, http=protocol_class(10.0, 64 * 1024), loop="asyncio", log_level="warning", lifespan="off")
    config.load()
    state = ServerState()
    protocol = config.http_protocol_class(  # type: ignore[call-arg]
        config=config, server_state=state, app_state={}, _loop=asyncio.get_running_loop()
    )
    transport = FakeTransport()
    protocol.connection_made(transport)
    upload = body([meta_part(), image_part()])
    protocol.data_received(
        b"POST " + URL.encode() + b" HTTP/1.1\r\nhost: t\r\ncontent-type: " + content_type().encode()
        + b"\r\nx-mock-fault: latency=10000\r\ncontent-length: %d\r\n\r\n" % len(upload) + upload
    )
    for _ in range(200):  # until the request is held by its latency fault
        await asyncio.sleep(0.01)
        if state.tasks and not transport.written:
            break
    (task,) = state.tasks
    protocol.shutdown()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert not task.cancelled() and task.exception() is None
    status_line, _, rest = bytes(transport.written).partition(b"\r\n")
    assert status_line == b"HTTP/1.1 503 Service Unavailable"
    assert b'"body":"server shutting down"' in rest
    protocol.connection_lost(None)


async def test_handlers_unexpected_error_answers_by_kind_of_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug answers a detect request with the 500 envelope (and journals it), an admin call with JSON."""
    from mockserver.faults.book import FaultBook as Book
    from mockserver.http import endpoint

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(endpoint, "detect_body", broken)
    monkeypatch.setattr(Book, "listing", broken)
    transport = httpx.ASGITransport(app=create_app(Settings(fixtures=None)), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        upload = body([meta_part(), image_part()])
        detect = await client.post(URL, content=upload, headers={"content-type": content_type()})
        admin = await client.get("/__admin/faults")
        (entry,) = (await client.get("/__admin/requests")).json()["requests"]
    assert detect.status_code == 500
    assert detect.json() == {"status": 500, "body": "Internal Server Error", "htmlencoded": False, "last_modified": 0}
    assert entry["status"] == 500
    assert (admin.status_code, admin.json()) == (500, {"detail": "Internal Server Error"})
