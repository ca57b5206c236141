"""SPEC section 6: every fault kind, each way of setting one, scheduling, sessions, precedence."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from support import ADMIN, URL, FormPart, body, content_type, image_part, in_process, meta_part, post_detect

from mockserver import ConfigError, MockControl, MockServer, Settings
from mockserver.answers.compose import mode_results
from mockserver.detect.meta import MODES
from mockserver.errors import ScenarioError
from mockserver.faults.book import FaultBook, RequestFacts
from mockserver.faults.header import parse_header
from mockserver.faults.model import (
    FAULT_ADAPTER,
    MAX_MS,
    EnvelopeFault,
    GatewayFault,
    ImageFault,
    LatencyFault,
    ModeName,
    TransportFault,
)
from mockserver.faults.scenario import load_scenario

pytestmark = pytest.mark.anyio

NAMES = ["file_0", "file_1", "file_2", "file_3"]
FACTS = RequestFacts(None, "token", ("object",), tuple(NAMES))


def batch(names: list[str] = NAMES, modes: tuple[str, ...] = ("object", "scene")) -> list[FormPart]:
    return [*(image_part(name) for name in names), meta_part(modes, names)]


async def arm(client: httpx.AsyncClient, *faults: dict[str, Any], session: str | None = None) -> list[dict[str, Any]]:
    headers = {"x-mock-session": session} if session else {}
    response = await client.post("/__admin/faults", json=list(faults), headers=headers)
    assert response.status_code == 201, response.text
    armed: list[dict[str, Any]] = response.json()["faults"]
    return armed


def statuses(document: dict[str, Any], mode: str = "object") -> list[int]:
    return [entry["status"] for entry in document["body"][f"{mode}_labels"]]


# --- what: each kind -------------------------------------------------------------------------------


async def test_fault_envelope_error_any_status_and_text() -> None:
    async with in_process() as client:
        await arm(client, {"type": "envelope", "status": 403, "body": "authorization failed, provider: mr"})
        response = await post_detect(client)
    assert response.status_code == 403
    assert response.json() == {
        "status": 403, "body": "authorization failed, provider: mr", "htmlencoded": False, "last_modified": 0,
    }


async def test_fault_envelope_error_always_200() -> None:
    async with in_process(http_status="always_200") as client:
        response = await post_detect(client, headers={"x-mock-fault": "status=500"})
    assert response.status_code == 200
    assert response.json()["status"] == 500 and response.json()["body"] == "Internal Server Error"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"image": "file_2"}, [0, 0, 2, 0]),
        ({"position": 1}, [0, 2, 0, 0]),
        ({}, [2, 2, 2, 2]),
    ],
)
async def test_fault_image_error_targets(fault: dict[str, Any], expected: list[int]) -> None:
    async with in_process() as client:
        await arm(client, {"type": "image_error", "status": 2, **fault})
        document = (await post_detect(client, batch())).json()
    assert statuses(document) == statuses(document, "scene") == expected
    failed = [entry for entry in document["body"]["object_labels"] if entry["status"] == 2]
    assert all(entry == {"status": 2, "name": entry["name"], "error": "internal error: image crc mismatch"}
               for entry in failed)


ONLY_OBJECT2 = {"type": "image_error", "image": "file_1", "status": 1, "error": "model failed", "modes": ["object2"]}
ONLY_OBJECT2_HEADER = "image=file_1;status=1;error=model failed;modes=object2"


@pytest.mark.parametrize("way", ["scenario", "admin", "header"])
async def test_fault_image_error_limited_to_modes(way: str, tmp_path: Path) -> None:
    # The real service has failed an image in object2 while object succeeded: one image, one mode.
    scenario = tmp_path / "object2.json"
    scenario.write_text(json.dumps({"faults": [ONLY_OBJECT2]}))
    modes = ("object", "object2", "scene")
    async with in_process(scenario=scenario if way == "scenario" else None) as client:
        if way == "admin":
            await arm(client, ONLY_OBJECT2)
        headers = {"x-mock-fault": ONLY_OBJECT2_HEADER} if way == "header" else None
        found = (await post_detect(client, batch(modes=modes), headers=headers)).json()["body"]
    assert [entry["status"] for entry in mode_results(found, "object2", modes)] == [0, 1, 0, 0]
    assert mode_results(found, "object2", modes)[1] == {"status": 1, "name": "file_1", "error": "model failed"}
    assert [entry["status"] for entry in mode_results(found, "object", modes)] == [0, 0, 0, 0]
    assert [entry["status"] for entry in found["scene_labels"]] == [0, 0, 0, 0]


def test_fault_image_error_modes_first_covering_fault_wins() -> None:
    book = FaultBook([
        ImageFault(image="file_0", status=1, error="plates", modes=["car_number"]),
        ImageFault(image="file_0", status=2, error="everything"),
    ])
    errors = book.decide(RequestFacts(None, "t", ("car_number", "scene"), tuple(NAMES))).image_errors
    assert errors.error("file_0", "car_number") == (1, "plates")
    assert errors.error("file_0", "scene") == (2, "everything")
    assert errors.error("file_1", "scene") is None


def test_fault_image_error_modes_not_asked_keeps_turns() -> None:
    book = FaultBook([ImageFault(position=0, modes=["object2"], when={"times": 1})])
    assert not book.decide(RequestFacts(None, "t", ("object",), tuple(NAMES))).applied
    assert book.decide(RequestFacts(None, "t", ("object", "object2"), tuple(NAMES))).applied
    assert not book.decide(RequestFacts(None, "t", ("object2",), tuple(NAMES))).applied


def test_fault_mode_names_are_the_servers_modes() -> None:
    assert get_args(ModeName) == MODES


async def test_fault_image_error_random_share_is_seeded() -> None:
    names = [f"img_{index}" for index in range(40)]
    outcomes = []
    for _ in range(2):
        async with in_process() as client:
            await arm(client, {"type": "image_error", "status": 1, "error": "broken", "share": 0.3,
                               "when": {"seed": 5}})
            outcomes.append(statuses((await post_detect(client, batch(names, ("object",)))).json()))
    assert outcomes[0] == outcomes[1]
    assert 4 <= outcomes[0].count(1) <= 20 and outcomes[0].count(0) > 0


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_fault_gateway_html(status: int) -> None:
    async with in_process(http_status="always_200") as client:
        response = await post_detect(client, headers={"x-mock-fault": f"gateway={status}"})
    assert response.status_code == status  # a proxy knows nothing of the envelope setting
    assert response.headers["content-type"].startswith("text/html")
    assert f"<title>{status} " in response.text
    assert ("retry-after" in response.headers) == (status in (429, 503))


async def test_fault_latency_fixed_and_per_image() -> None:
    async with in_process() as client:
        await arm(client, {"type": "latency", "ms": 150})
        started = time.perf_counter()
        await post_detect(client)
        fixed = time.perf_counter() - started
        await client.delete("/__admin/faults", headers=ADMIN)
        await arm(client, {"type": "latency", "per_image_ms": 10})
        started = time.perf_counter()
        await post_detect(client, batch([f"f{index}" for index in range(30)], ("object",)))
        thirty = time.perf_counter() - started
    assert fixed >= 0.15
    assert thirty >= 0.3


def test_fault_latency_distributions_seeded() -> None:
    def delays(spec: dict[str, Any]) -> list[float]:
        book = FaultBook([FAULT_ADAPTER.validate_python(spec)])
        return [book.decide(FACTS).delay for _ in range(20)]

    uniform = {"type": "latency", "min_ms": 100, "max_ms": 300, "when": {"seed": 3}}
    lognormal = {"type": "latency", "median_ms": 200, "sigma": 0.8, "when": {"seed": 4}}
    assert delays(uniform) == delays(uniform)
    assert all(0.1 <= delay <= 0.3 for delay in delays(uniform)) and len(set(delays(uniform))) == 20
    assert delays(lognormal) == delays(lognormal) and min(delays(lognormal)) > 0
    assert delays({"type": "latency", "ms": 5, "per_image_ms": 1}) == [0.009] * 20


async def test_fault_malformed_json_in_process() -> None:
    async with in_process() as client:
        response = await post_detect(client, headers={"x-mock-fault": "transport=malformed_json"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        response.json()


async def test_fault_socket_transport_needs_socket_in_process() -> None:
    async with in_process() as client:
        with pytest.raises(ConnectionError, match="needs a real socket"):
            await post_detect(client, headers={"x-mock-fault": "transport=reset"})


# --- when: scheduling -------------------------------------------------------------------------------


def outcomes(spec: dict[str, Any], count: int = 12) -> list[bool]:
    book = FaultBook([FAULT_ADAPTER.validate_python({"type": "envelope", **spec})])
    return [book.decide(FACTS).action is not None for _ in range(count)]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({}, [True] * 6),
        ({"times": 2}, [True, True, False, False, False, False]),
        ({"after": 3}, [False, False, False, True, True, True]),
        ({"after": 2, "times": 1}, [False, False, True, False, False, False]),
    ],
)
def test_fault_schedule(when: dict[str, Any], expected: list[bool]) -> None:
    assert outcomes({"when": when}, 6) == expected


def test_fault_probability_seeded_sequence() -> None:
    first = outcomes({"when": {"probability": 0.5, "seed": 42}}, 200)
    assert first == outcomes({"when": {"probability": 0.5, "seed": 42}}, 200)
    assert first != outcomes({"when": {"probability": 0.5, "seed": 43}}, 200)
    assert 70 <= sum(first) <= 130
    assert not any(outcomes({"when": {"probability": 0.0}}, 50))


async def test_fault_times_counts_over_http() -> None:
    async with in_process() as client:
        await arm(client, {"type": "envelope", "status": 500, "when": {"times": 2}})
        results = [(await post_detect(client)).json()["status"] for _ in range(4)]
        listed = (await client.get("/__admin/faults")).json()["faults"][0]
    assert results == [500, 500, 200, 200]
    assert listed["fired"] == 2 and listed["seen"] == 4 and listed["exhausted"] is True


# --- to what: matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("match", "hits"),
    [
        ({"mode": "scene"}, [False, True]),
        ({"image": "special"}, [True, False]),
        ({"token": "abc"}, [True, False]),
    ],
)
async def test_fault_match(match: dict[str, Any], hits: list[bool]) -> None:
    async with in_process() as client:
        await arm(client, {"type": "envelope", "status": 500, "match": match})
        first = await post_detect(client, batch(["special"], ("object",)),
                                  url="/api/v1/objects/detect?oauth_provider=mr&oauth_token=abc")
        second = await post_detect(client, batch(["plain"], ("scene",)),
                                   url="/api/v1/objects/detect?oauth_provider=mr&oauth_token=xyz")
    assert [first.json()["status"] == 500, second.json()["status"] == 500] == hits


async def test_fault_after_checks_only() -> None:
    async with in_process() as client:
        response = await post_detect(client, batch(modes=("faces",)), headers={"x-mock-fault": "status=500"})
    assert response.json()["body"] == "unknown mode: faces"


# --- precedence -------------------------------------------------------------------------------------


async def test_fault_precedence_header_session_global() -> None:
    async with in_process() as client:
        await arm(client, {"type": "envelope", "status": 500, "body": "global"})
        await arm(client, {"type": "envelope", "status": 500, "body": "session"}, session="s1")
        header = await post_detect(client, headers={"x-mock-fault": "status=502;body=header",
                                                     "x-mock-session": "s1"})
        session = await post_detect(client, headers={"x-mock-session": "s1"})
        other = await post_detect(client, headers={"x-mock-session": "s2"})
        plain = await post_detect(client)
    assert [r.json()["body"] for r in (header, session, other, plain)] == ["header", "session", "global", "global"]


def test_fault_first_request_level_wins_shadowed_keeps_turns() -> None:
    first = FAULT_ADAPTER.validate_python({"type": "gateway", "status": 503, "when": {"times": 1}})
    second = FAULT_ADAPTER.validate_python({"type": "envelope", "status": 500, "when": {"times": 1}})
    book = FaultBook([first, second])
    actions = [type(book.decide(FACTS).action) for _ in range(3)]
    assert actions == [GatewayFault, EnvelopeFault, type(None)]


def test_fault_latency_adds_up_and_image_errors_yield_to_request_level() -> None:
    specs = [
        {"type": "latency", "ms": 10},
        {"type": "latency", "ms": 20},
        {"type": "image_error", "status": 2},
        {"type": "envelope", "status": 500, "when": {"times": 1}},
    ]
    book = FaultBook([FAULT_ADAPTER.validate_python(spec) for spec in specs])
    first, second = book.decide(FACTS), book.decide(FACTS)
    assert first.delay == pytest.approx(0.03) and first.image_errors == {} and first.action is not None
    assert second.action is None and set(second.image_errors) == set(NAMES)


# --- sessions ---------------------------------------------------------------------------------------


async def test_fault_sessions_isolated_under_concurrency() -> None:
    async with in_process() as client:
        for index in range(8):
            await arm(client, {"type": "envelope", "status": 500, "body": f"s{index}"}, session=f"s{index}")

        async def one(session: str | None) -> tuple[str | None, Any]:
            headers = {"x-mock-session": session} if session else {}
            return session, (await post_detect(client, headers=headers)).json()["body"]

        sessions = [f"s{index % 8}" for index in range(64)] + [None] * 16
        results = await asyncio.gather(*(one(session) for session in sessions))
        journal = (await client.get("/__admin/requests", params={"session": "s3"})).json()["requests"]
    for session, answer in results:
        assert answer == session if session else isinstance(answer, dict)
    assert len(journal) == 8 and all(entry["session"] == "s3" for entry in journal)


async def test_fault_session_clear_leaves_others() -> None:
    async with in_process() as client:
        await arm(client, {"type": "latency", "ms": 1}, session="a")
        await arm(client, {"type": "latency", "ms": 1}, session="b")
        assert (await client.delete("/__admin/faults", params={"session": "a"}, headers=ADMIN)).json() == {"deleted": 1}
        remaining = (await client.get("/__admin/faults")).json()["faults"]
    assert [fault["match"]["session"] for fault in remaining] == ["b"]


# --- the header -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("status=500", EnvelopeFault(type="envelope", status=500)),
        ("image=file_1;status=2", ImageFault(type="image_error", status=2, image="file_1")),
        ("status=403;body=no%2C thanks", EnvelopeFault(type="envelope", status=403, body="no, thanks")),
        ("position=0;status=1;error=bad", ImageFault(type="image_error", status=1, position=0, error="bad")),
        ("share=0.5;status=2;seed=7", ImageFault(type="image_error", status=2, share=0.5, when={"seed": 7})),
        ("status=2", ImageFault(type="image_error", status=2)),
        ("image=a;status=1;modes=object2|car_number",
         ImageFault(type="image_error", status=1, image="a", modes=["object2", "car_number"])),
        ("gateway=429;retry-after=5", GatewayFault(type="gateway", status=429, retry_after=5)),
        ("latency=300", LatencyFault(type="latency", ms=300)),
        ("latency=100..300;per-image=5", LatencyFault(type="latency", min_ms=100, max_ms=300, per_image_ms=5)),
        ("latency=lognormal:200:0.7", LatencyFault(type="latency", median_ms=200, sigma=0.7)),
        ("transport=dribble;chunk-bytes=8;interval=20",
         TransportFault(type="transport", action="dribble", chunk_bytes=8, interval_ms=20)),
        ("transport=truncate;keep-bytes=10", TransportFault(type="transport", action="truncate", keep_bytes=10)),
        ("status=500;mode=scene;probability=0.5", EnvelopeFault(type="envelope", status=500, match={"mode": "scene"},
                                                                when={"probability": 0.5})),
    ],
)
def test_fault_header_grammar(header: str, expected: Any) -> None:
    assert parse_header(header) == [expected]


def test_fault_header_several() -> None:
    assert [fault.type for fault in parse_header("latency=300, status=503")] == ["latency", "envelope"]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("", "empty"),
        ("status", "expected key=value, got 'status'"),
        ("colour=red", "unknown key 'colour'"),
        ("status=abc", "status must be a whole number, not 'abc'"),
        ("status=500;status=502", "status given twice"),
        ("mode=object", "say what should happen"),
        ("status=99", "status: Input should be greater than or equal to 200"),
        ("transport=explode", "action: Input should be"),
        ("gateway=500", "status: Input should be 429, 502, 503 or 504"),
        ("image=a;position=1;status=2", "choose one of image, position, share"),
        ("image=a;status=2;modes=faces", "modes.0: Input should be 'object'"),
        ("status=2;modes=", "modes.0: Input should be 'object'"),
        ("latency=100..", "latency must be a number, not ''"),
        ("latency=100;median-ms=5", "unknown key 'median-ms'"),
        ("status=500;probability=2", "when.probability: Input should be less than or equal to 1"),
        (",".join(["status=500"] * 9), "more than 8 faults"),
    ],
)
async def test_fault_header_malformed_answers_400(header: str, reason: str) -> None:
    async with in_process() as client:
        response = await post_detect(client, headers={"x-mock-fault": header})
    document = response.json()
    assert response.status_code == 400 and document["status"] == 400
    assert document["body"].startswith("invalid X-Mock-Fault header: ")
    assert reason in document["body"]


async def test_fault_header_lasts_one_request() -> None:
    async with in_process() as client:
        faulted = await post_detect(client, headers={"x-mock-fault": "status=500"})
        normal = await post_detect(client)
    assert (faulted.json()["status"], normal.json()["status"]) == (500, 200)


# --- the admin API ----------------------------------------------------------------------------------


async def test_fault_admin_create_list_get_delete_reset() -> None:
    async with in_process() as client:
        created = await arm(client, {"type": "envelope", "status": 500, "name": "boom"},
                            {"type": "latency", "ms": 1, "id": "slow"})
        assert [fault["id"] for fault in created] == ["fault-1", "slow"]
        single = await client.post("/__admin/faults", json={"type": "gateway", "status": 504})
        assert single.status_code == 201 and single.json()["faults"][0]["status"] == 504
        assert len((await client.get("/__admin/faults")).json()["faults"]) == 3
        assert (await client.get("/__admin/faults/slow")).json()["ms"] == 1
        assert (await client.delete("/__admin/faults/slow", headers=ADMIN)).status_code == 204
        assert (await client.get("/__admin/faults/slow")).status_code == 404
        assert (await client.delete("/__admin/faults/slow", headers=ADMIN)).status_code == 404
        await post_detect(client)
        assert (await client.post("/__admin/reset", headers=ADMIN)).json() == {"faults": 0, "requests": 0}
        assert (await client.get("/__admin/faults")).json() == {"faults": []}


async def test_fault_admin_replace_by_id() -> None:
    async with in_process() as client:
        await arm(client, {"type": "envelope", "status": 500, "id": "x"})
        await arm(client, {"type": "envelope", "status": 502, "id": "x"})
        faults = (await client.get("/__admin/faults")).json()["faults"]
    assert [(fault["id"], fault["status"]) for fault in faults] == [("x", 502)]


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "explode"},
        {"type": "envelope", "status": 99},
        {"type": "image_error", "status": 3},
        {"type": "latency", "min_ms": 5},
        {"type": "latency", "ms": 5, "median_ms": 5},
        {"type": "latency", "ms": "100"},
        {"type": "envelope", "status": "500"},
        {"type": "image_error", "image": None},
        {"type": "envelope", "when": {"times": -1}},
        {"type": "envelope", "when": {"probability": 1.5}},
        {"type": "envelope", "colour": "red"},
        [{"type": "envelope"}, {"type": "latency", "ms": -5}],
        "not an object",
    ],
)
async def test_fault_admin_rejects_bad_faults_and_changes_nothing(payload: Any) -> None:
    async with in_process() as client:
        response = await client.post("/__admin/faults", json=payload)
        listed = (await client.get("/__admin/faults")).json()["faults"]
    assert response.status_code == 422 and response.json()["detail"]
    assert listed == []


async def test_fault_admin_limit() -> None:
    async with in_process(max_faults=2) as client:
        await arm(client, {"type": "latency", "ms": 1})
        response = await client.post("/__admin/faults", json=[{"type": "latency", "ms": 1}] * 2)
        assert response.status_code == 409
        assert len((await client.get("/__admin/faults")).json()["faults"]) == 1


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}, {"x-admin-token": "wrong"}])
async def test_fault_admin_token_refuses_others(headers: dict[str, str]) -> None:
    async with in_process(admin_token="s3cret") as client:
        for method, path in [("GET", "/__admin/faults"), ("POST", "/__admin/reset"), ("GET", "/__admin/requests")]:
            response = await client.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path)
        assert (await client.get("/__admin/faults", headers={"authorization": "Bearer s3cret"})).status_code == 200
        assert (await client.get("/__admin/faults", headers={"x-admin-token": "s3cret"})).status_code == 200


@pytest.mark.parametrize(
    ("settings", "method", "path", "body", "status", "detail", "headers"),
    [
        ({"admin_token": "s3cret"}, "GET", "/__admin/faults", None, 401,
         "admin token required: send Authorization: Bearer <token>", {"www-authenticate": "Bearer"}),
        ({}, "GET", "/__admin/faults/nope", None, 404, "no fault 'nope'", {}),
        ({}, "DELETE", "/__admin/faults/nope", None, 404, "no fault 'nope'", {}),
        ({"max_faults": 1}, "POST", "/__admin/scenario", {"text": "- {type: latency, ms: 1}"}, 409,
         "at most 1 faults can be armed at once", {}),
        ({}, "POST", "/__admin/scenario", {"text": "- {type: nonsense}", "name": "s.yaml"}, 422, None, {}),
        ({}, "GET", "/__admin/console/nope.js", None, 404, "Not Found", {}),
    ],
)
async def test_fault_admin_refusals_answer_status_detail_and_headers(
    settings: dict[str, Any], method: str, path: str, body: Any, status: int, detail: str | None,
    headers: dict[str, str],
) -> None:
    async with in_process(**settings) as client:
        if status == 409:
            await arm(client, {"type": "latency", "ms": 1})
        response = await client.request(method, path, json=body, headers=ADMIN)
    assert response.status_code == status, response.text
    assert list(response.json()) == ["detail"]
    if detail is None:  # a broken scenario: its file name, place and reason
        assert response.json()["detail"].startswith("s.yaml"), response.text
    else:
        assert response.json()["detail"] == detail
    assert {key: response.headers.get(key) for key in headers} == headers


async def test_fault_admin_documented_in_openapi() -> None:
    async with in_process() as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/__admin/faults", "/__admin/faults/{fault_id}", "/__admin/reset", "/__admin/requests",
            "/__admin/requests/count", "/__admin/fixtures", "/__admin/fixtures/reload"} <= set(paths)
    assert "post" in paths["/__admin/faults"] and "delete" in paths["/__admin/faults"]


# --- issue 16: bounded latencies, several header lines, non-ASCII admin tokens -----------------------

HUGE_LATENCIES = [
    {"median_ms": 1e308, "sigma": 5},
    {"ms": 1e308},
    {"min_ms": 0, "max_ms": 1e308},
    {"median_ms": 100, "per_image_ms": 1e308},
]


@pytest.mark.parametrize("fields", HUGE_LATENCIES)
async def test_fault_latency_beyond_a_day_refused_by_admin(fields: dict[str, Any]) -> None:
    async with in_process() as client:
        response = await client.post("/__admin/faults", json={"type": "latency", **fields})
        assert response.status_code == 422, response.text
        assert "less than or equal to 86400000" in response.text
        assert (await client.get("/__admin/faults")).json()["faults"] == []


@pytest.mark.parametrize("header", ["latency=lognormal:1e308:5", "latency=1e308", "latency=0..1e308",
                                    "latency=1;per-image=1e308"])
async def test_fault_latency_beyond_a_day_refused_by_header(header: str) -> None:
    # A short --max-fault-seconds: were the fault armed, the request would end soon with 200 (or 500).
    async with in_process(max_fault_seconds=0.01) as client:
        response = await post_detect(client, headers={"x-mock-fault": header})
    assert response.status_code == 400, response.text
    assert "less than or equal to 86400000" in response.json()["body"]


def test_fault_latency_beyond_a_day_refused_by_scenario(tmp_path: Any) -> None:
    scenario = tmp_path / "huge.yaml"
    scenario.write_text("faults:\n  - type: latency\n    median_ms: 1.0e+308\n    sigma: 5\n")
    with pytest.raises(ScenarioError, match=r"huge\.yaml: faults\[0\]\.median_ms.*less than or equal to 86400000"):
        load_scenario(scenario)


def test_fault_latency_longest_lognormal_draws_never_overflow() -> None:
    """The largest median with the widest sigma: every draw is a number (it raised OverflowError)."""
    spec = FAULT_ADAPTER.validate_python({"type": "latency", "median_ms": MAX_MS, "sigma": 5, "per_image_ms": MAX_MS})
    book = FaultBook([spec])
    for _ in range(2000):
        assert book.decide(FACTS, []).delay >= 0


async def test_fault_header_several_lines_are_one_list() -> None:
    """Two X-Mock-Fault lines are one comma-joined value (RFC 9110): the second line's fault applies."""
    headers = [("content-type", content_type()), ("x-mock-fault", "latency=1"), ("x-mock-fault", "status=503")]
    async with in_process() as client:
        response = await client.post(URL, headers=headers, content=body([image_part(), meta_part()]))
        assert response.status_code == 503, response.text
        entry = (await client.get("/__admin/requests")).json()["requests"][-1]
    assert len(entry["faults"]) == 2


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
@pytest.mark.parametrize("header", ["authorization", "x-admin-token"])
async def test_fault_admin_token_non_ascii_sent_as_utf8_or_latin1(encoding: str, header: str) -> None:
    token = "sécret-ü"
    value = (f"Bearer {token}" if header == "authorization" else token).encode(encoding)
    async with in_process(admin_token=token) as client:
        assert (await client.get("/__admin/faults", headers={header: value})).status_code == 200
        wrong = (f"Bearer {token}x" if header == "authorization" else token + "x").encode(encoding)
        assert (await client.get("/__admin/faults", headers={header: wrong})).status_code == 401


async def test_fault_admin_token_beyond_latin1_sent_as_utf8() -> None:
    token = "jeton-€-密"
    async with in_process(admin_token=token) as client:
        headers = {"authorization": f"Bearer {token}".encode()}
        assert (await client.get("/__admin/faults", headers=headers)).status_code == 200
        # Its UTF-8 bytes read as Latin-1 text are another token.
        mangled = token.encode().decode("latin-1").encode()
        assert (await client.get("/__admin/faults", headers={"x-admin-token": mangled})).status_code == 401


@pytest.mark.parametrize("token", [" padded", "trailing ", "new\nline", "tab\tinside"])
def test_fault_admin_token_unsendable_refused_at_start(token: str) -> None:
    with pytest.raises(ConfigError, match="admin_token: .*spaces nor hold control characters"):
        Settings.build({"admin_token": token})


def test_fault_mockcontrol_non_ascii_token() -> None:
    """MockControl sends the token as UTF-8 (httpx refused a non-ASCII text header)."""
    token = "jeton-€"
    with MockServer(Settings(port=0, fixtures=None, admin_token=token)) as server:
        control = MockControl(server.url, admin_token=token)
        try:
            assert control.faults() == []
        finally:
            control.close()
