"""SPEC section 7: the journal records every detect request, bounded, filtered, waited on."""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import time

import httpx
import pytest
from support import ADMIN, DETECT, FormPart, image_bytes, image_part, in_process, meta_part, post_detect

from mockserver import MockControl, Settings, create_app
from mockserver.http.server import MockServer
from mockserver.journal.store import Exchange

pytestmark = pytest.mark.anyio


async def test_journal_entry_fields() -> None:
    data = image_bytes(seed=3)
    parts = [
        image_part("file_0", data, "photo.jpg"),
        FormPart("extra", b"xyz", None, "text/plain"),
        meta_part(["object", "scene"], ["file_0"], client="web"),
    ]
    async with in_process() as client:
        await post_detect(client, parts, url=f"{DETECT}?oauth_provider=mr&oauth_token=secret-token-123&x=1",
                          headers={"x-mock-session": "run-7"})
        (entry,) = (await client.get("/__admin/requests")).json()["requests"]
    assert entry["session"] == "run-7"
    assert entry["query"] == {"oauth_provider": "mr", "oauth_token": "secret…", "x": "1"}
    assert entry["meta"] == {"mode": ["object", "scene"], "images": [{"name": "file_0"}], "client": "web"}
    assert entry["parts"][0] == {
        "name": "file_0", "filename": "photo.jpg", "content_type": "image/jpeg", "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(), "complete": True,
    }
    assert entry["parts"][1]["name"] == "extra" and entry["parts"][1]["size"] == 3
    assert entry["parts"][2]["name"] == "meta"
    assert (entry["status"], entry["http_status"], entry["body"], entry["faults"]) == (200, 200, None, [])
    assert entry["duration_ms"] > 0 and entry["time"].endswith("+00:00")
    assert "secret-token" not in str(entry)


async def test_journal_records_refusals_and_faults() -> None:
    async with in_process() as client:
        await post_detect(client, url=DETECT)
        await post_detect(client, [image_part(), FormPart("meta", b"{oops")])
        await client.post("/__admin/faults", json={"type": "gateway", "status": 502, "name": "proxy"})
        await post_detect(client)
        entries = (await client.get("/__admin/requests")).json()["requests"]
    assert [(entry["status"], entry["http_status"]) for entry in entries] == [(400, 400), (400, 400), (None, 502)]
    assert entries[0]["body"] == "empty oauth_provider" and entries[0]["parts"] == []
    assert entries[1]["meta"] is None and entries[1]["meta_unparsed"] == "{oops"
    assert entries[2]["faults"] == [{"id": "fault-1", "type": "gateway", "name": "proxy"}]


async def test_journal_bounded_oldest_dropped() -> None:
    async with in_process(journal_size=3) as client:
        for index in range(5):
            await post_detect(client, [image_part(f"n{index}"), meta_part(names=[f"n{index}"])])
        entries = (await client.get("/__admin/requests")).json()["requests"]
    assert [entry["id"] for entry in entries] == [3, 4, 5]
    assert [entry["meta"]["images"][0]["name"] for entry in entries] == ["n2", "n3", "n4"]


async def test_journal_filters_limit_count_clear() -> None:
    async with in_process() as client:
        await post_detect(client, [image_part("a"), meta_part(["object"], ["a"])], headers={"x-mock-session": "s1"})
        await post_detect(client, [image_part("b"), meta_part(["scene"], ["b"])], headers={"x-mock-session": "s2"})
        await post_detect(client, [image_part("c"), meta_part(["faces"], ["c"])], headers={"x-mock-session": "s1"})

        async def ids(**params: object) -> list[int]:
            found = (await client.get("/__admin/requests", params=params)).json()["requests"]
            return [entry["id"] for entry in found]

        assert await ids(session="s1") == [1, 3]
        assert await ids(status=400) == [3]
        assert await ids(mode="scene") == [2]
        assert await ids(image="a") == [1]
        assert await ids(limit=2) == [2, 3]
        assert await ids(since=1) == [2, 3]
        count = await client.get("/__admin/requests/count", params={"session": "s1", "status": 200})
        assert count.json() == {"count": 1}
        cleared = await client.delete("/__admin/requests", params={"session": "s1"}, headers=ADMIN)
        assert cleared.json() == {"deleted": 2}
        assert await ids() == [2]
        assert (await client.delete("/__admin/requests", headers=ADMIN)).json() == {"deleted": 1}
        assert await ids() == []


async def test_journal_wait_returns_when_entry_arrives() -> None:
    async with in_process() as client:
        async def later() -> None:
            await asyncio.sleep(0.2)
            await post_detect(client, headers={"x-mock-session": "waited"})

        started = time.perf_counter()
        sender = asyncio.create_task(later())
        response = await client.get("/__admin/requests", params={"session": "waited", "wait": 5})
        elapsed = time.perf_counter() - started
        await sender
    assert [entry["session"] for entry in response.json()["requests"]] == ["waited"]
    assert 0.2 <= elapsed < 4


async def test_journal_wait_gives_up_after_wait() -> None:
    async with in_process() as client:
        started = time.perf_counter()
        response = await client.get("/__admin/requests", params={"session": "nobody", "wait": 0.3})
    assert response.json() == {"requests": []}
    assert time.perf_counter() - started >= 0.3


@pytest.mark.parametrize("params", [{"wait": -1}, {"wait": 31}, {"limit": 0}, {"count": 0}, {"status": "x"}])
async def test_journal_bad_query_422(params: dict[str, object]) -> None:
    async with in_process() as client:
        assert (await client.get("/__admin/requests", params=params)).status_code == 422


async def test_journal_off_with_size_zero() -> None:
    async with in_process(journal_size=0) as client:
        await post_detect(client)
        assert (await client.get("/__admin/requests")).json() == {"requests": []}


@pytest.mark.parametrize(
    "query",
    [
        (("oauth_provider", "mr"), ("oauth_token", "secret-token-123")),  # short: its journal form is cached
        tuple((f"k{index}", "v") for index in range(20)) + (("oauth_token", "secret-token-123"),),
        [("oauth_token", "secret-token-123")],  # a list, as a caller may build by hand
    ],
    ids=["cached", "long", "list"],
)
def test_journal_record_secrets_cut_and_fields_in_order(query: object) -> None:
    from mockserver.journal.store import Exchange, Journal, Record, record_fields

    exchange = Exchange(session="s")
    exchange.query = query  # type: ignore[assignment]
    for _ in range(2):  # the second time from the cache, when cached
        record = Record._make(record_fields(7, exchange, 200, 0.0015, 1024))
        assert len(record_fields(7, exchange, 200, 0.0015, 1024)) == len(Record._fields)
        assert (record.id, record.session, record.http_status, record.duration_ms) == (7, "s", 200, 1.5)
        assert dict(record.query).get("oauth_token") in ("secret…", None)
        assert all("secret-token-123" not in value for _, value in record.query)
    journal = Journal()
    journal.record(exchange, 200, 0.0)
    assert [entry.session for entry in journal] == ["s"]


def test_journal_byte_budget_drops_oldest() -> None:
    from mockserver.detect.upload import Upload
    from mockserver.journal.store import ENTRY_OVERHEAD, Exchange, Journal

    journal = Journal(size=1000, max_bytes=50_000)
    for number in range(100):
        exchange = Exchange(session=f"s{number}")
        exchange.upload = Upload()
        exchange.upload.meta = b'{"mode":["object"],"pad":"' + b"x" * 2000 + b'"}'
        journal.record(exchange, 200, 0.0)
    kept = [entry.session for entry in journal]
    assert 15 <= len(kept) < 25, "about 50 kB of 2 kB entries"
    assert kept == [f"s{number}" for number in range(100 - len(kept), 100)], "the newest, in order"
    assert journal._bytes <= 50_000 and journal._bytes == sum(len(blob) + ENTRY_OVERHEAD for blob in journal._records)


async def test_journal_parked_waiters_cost_detect_and_health_little() -> None:
    """300 long-polls parked on a full journal: a detect and /health take about as long as with none.

    Relative, so a slow or busy machine does not matter: before, every entry woke every waiter to
    read the whole journal again (300 × 1000 entries per detect, a hundred times a detect's cost).
    """
    app = create_app(Settings(fixtures=None))
    journal = app.state.runtime.journal
    for _ in range(journal.size):
        journal.record(Exchange(session="filler"), 200, 0.001)
    rounds, parked = 15, 300

    async def medians(client: httpx.AsyncClient) -> tuple[float, float]:
        detects, healths = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            assert (await post_detect(client)).status_code == 200
            await settled()
            detects.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert (await client.get("/health")).status_code == 200
            await settled()
            healths.append(time.perf_counter() - started)
        return statistics.median(detects), statistics.median(healths)

    async def settled() -> None:
        # In-process, a request runs in the test's own task: let the loop run what the request woke
        # (on a real server that work delays the next request), and count it in this request's time.
        for _ in range(3):
            await asyncio.sleep(0)

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock", timeout=60) as client:
            await medians(client)  # warm-up
            alone = await medians(client)
            # Half wait for a session nobody uses, half for more entries than will ever come.
            filters = [{"session": "nobody"}, {"count": 100_000}]
            waiters = [
                asyncio.create_task(client.get("/__admin/requests", params={**filters[index % 2], "wait": 30}))
                for index in range(parked)
            ]
            while journal.waiting < parked:
                await asyncio.sleep(0.05)
            crowded = await medians(client)
            assert journal.waiting == parked
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
            again = await medians(client)
    baseline = (max(alone[0], again[0]), max(alone[1], again[1]))
    assert crowded[0] < 3 * baseline[0], (alone, crowded, again)
    assert crowded[1] < 3 * baseline[1], (alone, crowded, again)


async def test_journal_wait_counts_again_after_clear() -> None:
    """A waiter is woken when enough entries matched; if some were cleared meanwhile, it waits on."""
    from mockserver.journal.store import Journal, Query

    journal = Journal()
    waiting = asyncio.create_task(journal.wait(Query(session="s"), 2, 5))
    await asyncio.sleep(0)
    journal.record(Exchange(session="other"), 200, 0.0)
    journal.record(Exchange(session="s"), 200, 0.0)
    journal.clear()
    journal.record(Exchange(session="s"), 200, 0.0)
    await asyncio.sleep(0.05)
    assert not waiting.done() and journal.waiting == 1
    journal.record(Exchange(session="s"), 200, 0.0)
    found = await asyncio.wait_for(waiting, 5)
    assert [entry.id for entry in found] == [3, 4] and journal.waiting == 0


@pytest.mark.parametrize("session", ["plain", "a%2Fb", "100%25 sure", "x%00y"])
def test_journal_mock_control_finds_session_with_percent_escapes(session: str) -> None:
    """MockControl sends a session id as it is, `%` included (httpx before 0.28 left `%2F` unescaped)."""
    with MockServer(Settings(port=0, fixtures=None)) as server, MockControl(server.url, session=session) as control:
        httpx.post(server.url + DETECT, headers={"x-mock-session": session}, timeout=10)
        entries = control.requests()
        assert [entry.session for entry in entries] == [session]
        assert control.clear_faults() == 0
