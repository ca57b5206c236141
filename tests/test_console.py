"""The console's server side: answers kept in the journal, the change stream, scenario upload, the page."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from support import DETECT, image_part, in_process, meta_part, post_detect

from mockserver import Settings, create_app
from mockserver.admin.events import changes
from mockserver.journal.store import ENTRY_OVERHEAD, Exchange, Journal

pytestmark = pytest.mark.anyio


async def _journal(client: httpx.AsyncClient) -> list[dict[str, object]]:
    response = await client.get("/__admin/requests")
    requests: list[dict[str, object]] = response.json()["requests"]
    return requests


@pytest.mark.parametrize(
    ("headers", "http_status"),
    [({}, 200), ({"x-mock-fault": "status=500"}, 500), ({"x-mock-fault": "gateway=503"}, 503)],
)
async def test_console_journal_keeps_answer_as_sent(headers: dict[str, str], http_status: int) -> None:
    async with in_process() as client:
        answer = await post_detect(client, headers=headers)
        (entry,) = await _journal(client)
    assert answer.status_code == http_status
    assert entry["answer"] == answer.text
    assert entry["answer_size"] == len(answer.content) and entry["answer_cut"] is False


async def test_console_journal_counts_failed_images_of_a_200_answer() -> None:
    parts = [meta_part(("object", "scene"), ("file_0", "file_1")), image_part("file_0"), image_part("file_1")]
    async with in_process(journal_answer_bytes=20) as client:
        answer = await post_detect(client, parts, headers={"x-mock-fault": "image=file_1;status=2;error=broken"})
        (entry,) = await _journal(client)
    assert answer.json()["status"] == 200 and entry["status"] == 200 and entry["answer_cut"] is True
    # Known from the body as built, not parsed from the (here cut) stored answer.
    assert entry["image_failures_total"] == 2
    assert entry["image_failures"] == [
        {"mode": "object", "image": "file_1", "status": 2, "error": "broken"},
        {"mode": "scene", "image": "file_1", "status": 2, "error": "broken"},
    ]


async def test_console_journal_no_failed_images_when_all_answered() -> None:
    async with in_process() as client:
        await post_detect(client)
        await post_detect(client, headers={"x-mock-fault": "status=500"})
        entries = await _journal(client)
    assert [(entry["image_failures"], entry["image_failures_total"]) for entry in entries] == [([], 0), ([], 0)]


async def test_console_journal_answer_cut_at_setting() -> None:
    async with in_process(journal_answer_bytes=20) as client:
        answer = await post_detect(client)
        (entry,) = await _journal(client)
    assert entry["answer"] == answer.content[:20].decode()
    assert entry["answer_size"] == len(answer.content) > 20 and entry["answer_cut"] is True


async def test_console_journal_no_answer_when_request_refused_before_body() -> None:
    async with in_process() as client:
        answer = await client.get(DETECT)
        (entry,) = await _journal(client)
    assert answer.status_code == 405 and entry["answer"] == answer.text


def test_console_journal_keeps_what_a_transport_fault_let_out() -> None:
    from support import URL, body, content_type, image_part, meta_part

    from mockserver.http.server import MockServer

    content = body([image_part(), meta_part()])
    with MockServer(Settings(port=0, fixtures=None)) as mock, httpx.Client(base_url=mock.url, timeout=10) as client:
        headers = {"content-type": content_type()}
        cut = client.post(URL, content=content, headers={**headers, "x-mock-fault": "transport=malformed_json"})
        with pytest.raises(httpx.TransportError):
            client.post(URL, content=content, headers={**headers, "x-mock-fault": "transport=reset"})
        malformed, reset = client.get("/__admin/requests").json()["requests"]
    assert malformed["answer"] == cut.content.decode("utf-8", "replace")
    assert malformed["answer_size"] == len(cut.content)
    assert reset["answer"] is None and reset["http_status"] is None and reset["answer_size"] == 0


def test_console_journal_answers_count_against_memory_bound() -> None:
    journal = Journal(size=1000, max_bytes=50_000, max_answer_bytes=8_000)
    for _ in range(20):
        exchange = Exchange()
        exchange.answer = b"x" * 20_000
        journal.record(exchange, 200, 0.001)
    assert 0 < len(journal) <= 6  # each entry holds its answer's first 8000 bytes
    assert journal._bytes <= 50_000 and journal._bytes == sum(len(blob) + ENTRY_OVERHEAD for blob in journal._records)
    (entry, *_) = [record.document() for record in journal]
    assert len(entry["answer"]) == 8_000 and entry["answer_size"] == 20_000 and entry["answer_cut"]


def test_console_journal_answer_sent_in_pieces_is_joined() -> None:
    journal = Journal()
    exchange = Exchange()
    exchange.answer = b"never sent whole"
    exchange.sent(b'{"status":')
    exchange.sent(b"")
    journal.record(exchange, 200, 0.001)
    (record,) = journal
    assert record.document()["answer"] == '{"status":' and record.document()["answer_size"] == 10


async def _next_state(stream: object) -> dict[str, int]:
    while True:
        chunk = await asyncio.wait_for(stream.__anext__(), 10)  # type: ignore[attr-defined]
        text = chunk.decode()
        if text.startswith("event: state"):
            data: dict[str, int] = json.loads(text.split("data: ", 1)[1])
            return data


async def test_console_events_report_requests_faults_and_clears() -> None:
    app = create_app(Settings(fixtures=None))
    runtime = app.state.runtime
    stream = changes(runtime, seconds=30)
    assert (await stream.__anext__()).startswith(b"retry: ")
    first = await _next_state(stream)
    assert first == {"requests": 0, "clears": 0, "faults": runtime.faults.version}
    waiting = asyncio.ensure_future(_next_state(stream))
    await asyncio.sleep(0.05)
    runtime.journal.record(Exchange(), 200, 0.001)
    assert (await waiting)["requests"] == 1
    runtime.faults.add_all([])
    assert (await _next_state(stream))["faults"] == first["faults"] + 1
    runtime.journal.clear()
    assert (await _next_state(stream))["clears"] == 1
    await stream.aclose()  # type: ignore[attr-defined]


async def test_console_events_stream_ends_after_its_time() -> None:
    app = create_app(Settings(fixtures=None))
    chunks = [chunk async for chunk in changes(app.state.runtime, seconds=0.3)]
    assert chunks[0].startswith(b"retry: ") and sum(chunk.startswith(b"event: state") for chunk in chunks) == 1


def test_console_events_served_over_a_socket() -> None:
    from mockserver.http.server import MockServer

    with MockServer(Settings(port=0, fixtures=None)) as mock, httpx.Client(base_url=mock.url, timeout=10) as client:
        with client.stream("GET", "/__admin/events") as events:
            assert events.headers["content-type"].startswith("text/event-stream")
            lines = events.iter_lines()
            states = (json.loads(line[len("data: "):]) for line in lines if line.startswith("data: "))
            assert next(states)["requests"] == 0
            client.post("/__admin/faults", json={"type": "latency", "ms": 1})
            assert next(states)["faults"] > 0


def test_console_events_end_when_server_stops() -> None:
    """An open console must not hold a stop for the whole graceful timeout."""
    import threading
    import time

    from mockserver.http.server import MockServer

    mock = MockServer(Settings(port=0, fixtures=None, shutdown_timeout=20)).start()
    opened = threading.Event()
    ended: list[bool] = []

    def watch() -> None:
        with httpx.Client(timeout=60) as client, client.stream("GET", mock.url + "/__admin/events") as events:
            for line in events.iter_lines():
                if line.startswith("data: "):
                    opened.set()
            ended.append(True)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    assert opened.wait(10)
    started = time.monotonic()
    mock.stop()
    thread.join(10)
    assert ended == [True] and time.monotonic() - started < 10


async def test_console_events_need_the_admin_token() -> None:
    async with in_process(admin_token="s3cret") as client:
        response = await client.get("/__admin/events")
    assert response.status_code == 401


SCENARIO = """
description: two faults
faults:
  - {type: gateway, status: 503, when: {times: 3}}
  - {type: latency, ms: 5}
"""


async def test_console_scenario_upload_arms_its_faults() -> None:
    async with in_process() as client:
        response = await client.post("/__admin/scenario", json={"text": SCENARIO, "name": "outage.yaml"})
        listed = (await client.get("/__admin/faults")).json()["faults"]
    assert response.status_code == 201
    assert [fault["type"] for fault in response.json()["faults"]] == ["gateway", "latency"]
    assert [fault["id"] for fault in listed] == [fault["id"] for fault in response.json()["faults"]]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("faults: [{type: gateway, status: 500}]", "outage.yaml: faults[0].status: Input should be"),
        ("faults: [", "outage.yaml: line 1 column 10: not YAML or JSON"),
        ("{other: 1}", "outage.yaml: unknown keys ['other']"),
        ("[" * 100_000, "outage.yaml: line 1 column 33: nested deeper than 32 levels"),
    ],
    ids=["bad-field", "not-yaml", "unknown-key", "too-deep"],
)
async def test_console_scenario_upload_broken_arms_nothing(text: str, error: str) -> None:
    async with in_process() as client:
        response = await client.post("/__admin/scenario", json={"text": text, "name": "outage.yaml"})
        listed = (await client.get("/__admin/faults")).json()["faults"]
    assert response.status_code == 422 and response.json()["detail"].startswith(error), response.json()
    assert listed == []


async def test_console_scenario_upload_bounded_by_max_faults() -> None:
    """Two faults fit in --max-faults 2, but not beside one already armed: all or nothing."""
    async with in_process(max_faults=2) as client:
        await client.post("/__admin/faults", json={"type": "latency", "ms": 1})
        response = await client.post("/__admin/scenario", json={"text": SCENARIO})
        listed = (await client.get("/__admin/faults")).json()["faults"]
    assert response.status_code == 409 and len(listed) == 1


async def test_console_root_leads_to_page() -> None:
    async with in_process() as client:
        root = await client.get("/")
        page = await client.get(root.headers["location"])
        script = await client.get("/__admin/console/console.js")
        missing = await client.get("/__admin/console/../api.py")
    assert root.status_code == 307 and root.headers["location"] == "/__admin/console/"
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert '<script type="module" src="console.js">' in page.text
    assert script.headers["content-type"].startswith("text/javascript") and "new URL(" in script.text
    assert missing.status_code == 404


@pytest.mark.parametrize("served", ["mounted", "root_path"])
async def test_console_under_prefix_leads_to_page_with_relative_paths(served: str) -> None:
    """Mounted or behind a proxy's root_path, `/` leads to the page under the prefix, and the page names
    the admin API, detect and the docs relative to itself: an absolute `/__admin` would leave the prefix."""
    app = create_app(Settings(fixtures=None))
    if served == "mounted":
        transport = httpx.ASGITransport(app=Starlette(routes=[Mount("/mock", app=app)]))
    else:
        transport = httpx.ASGITransport(app=app, root_path="/mock")
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        root = await client.get("/mock/")
        bare = await client.get("/mock/__admin/console")
        page = await client.get(root.headers["location"])
        script = await client.get("/mock/__admin/console/console.js")
    assert root.status_code == 307 and root.headers["location"] == "/mock/__admin/console/"
    assert bare.headers["location"] == "/mock/__admin/console/"
    assert page.status_code == 200 and script.status_code == 200
    for text in (page.text, script.text):
        assert re.findall(r"""["'`(]/(?:__admin|api/|docs)""", text) == []


async def test_console_page_served_without_token_api_needs_it() -> None:
    """The page holds no state: it loads, then asks for the token the API wants."""
    async with in_process(admin_token="s3cret") as client:
        page = await client.get("/__admin/console/")
        faults = await client.get("/__admin/faults")
    assert page.status_code == 200 and faults.status_code == 401


@pytest.mark.parametrize("off", [{"console": False}, {"console": "false"}])
async def test_console_off(off: dict[str, object]) -> None:
    async with in_process(**off) as client:
        root = await client.get("/")
        page = await client.get("/__admin/console/")
    assert root.status_code == 404 and page.status_code == 404


def test_console_off_from_env_and_flag() -> None:
    from mockserver.cli import load_settings

    assert load_settings([], {"MOCKSERVER_CONSOLE": "false"}).console is False
    assert load_settings(["--console", "true"], {"MOCKSERVER_CONSOLE": "false"}).console is True
    assert load_settings([], {}).console is True


async def test_console_journal_image_filter_takes_a_filename() -> None:
    """The console's Image filter: a developer knows the file they uploaded, not the part name their code gave it."""
    async with in_process() as client:
        await post_detect(client, [image_part("file_0", filename="cat.jpg"), meta_part(["object"], ["file_0"])])
        await post_detect(client, [image_part("file_0", filename="dog.jpg"), meta_part(["object"], ["file_0"])])

        async def ids(image: str) -> list[int]:
            found = (await client.get("/__admin/requests", params={"image": image})).json()["requests"]
            return [entry["id"] for entry in found]

        assert await ids("dog.jpg") == [2]
        assert await ids("file_0") == [1, 2]
        assert await ids("bird.jpg") == []


async def test_console_journal_http_status_filter_finds_gateway_pages() -> None:
    """A gateway fault answers a proxy's page with no envelope: the console's HTTP filter finds it."""
    async with in_process() as client:
        await post_detect(client)
        await post_detect(client, headers={"x-mock-fault": "gateway=503"})
        await post_detect(client, headers={"x-mock-fault": "status=503"})

        async def ids(**params: object) -> list[int]:
            found = (await client.get("/__admin/requests", params=params)).json()["requests"]
            return [entry["id"] for entry in found]

        assert await ids(http_status=503) == [2, 3]
        assert await ids(status=503) == [3]
        assert await ids(http_status=503, status=503) == [3]
        assert await ids(http_status=200) == [1]
