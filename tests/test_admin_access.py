"""SPEC section 8: the admin API answers this machine's tools, never a web page on another origin."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from support import ADMIN, URL, ServerProcess, in_process, post_detect

from mockserver.admin.access import AdminAccess, host_name, is_json, unproven_state_change

pytestmark = pytest.mark.anyio

EVIL = "https://evil.example"


@pytest.mark.parametrize(
    ("value", "name"),
    [("localhost", "localhost"), ("LocalHost:8080", "localhost"), ("[::1]:8080", "::1"), ("[::1]", "::1"),
     ("127.0.0.1:9", "127.0.0.1"), ("localhost.", "localhost"), ("mockserver:8080", "mockserver"), ("", "")],
)
def test_admin_access_host_name(value: str, name: str) -> None:
    assert host_name(value) == name


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost", True), ("localhost:8080", True), ("app.localhost:3000", True), ("127.0.0.1:8080", True),
        ("127.0.0.2", True), ("[::1]:8080", True), ("10.1.2.3:8080", True), ("mockserver:8080", True),
        ("MockServer.", True), ("arrived.example:80", True), (None, True),
        ("attacker.example", False), ("attacker.example:8080", False), ("localhost.attacker.example", False),
        ("127.0.0.1.nip.io:8080", False), ("[::2]:8080", False), ("10.1.2.4", False), ("mockserver2", False),
    ],
)
def test_admin_access_host_table(host: str | None, allowed: bool) -> None:
    """Loopback, the bound address (10.1.2.3 here), `--admin-hosts` and the arrival address; nothing else."""
    access = AdminAccess("10.1.2.3", ["mockserver", " "])
    assert access.host_allowed(host, arrived_at="arrived.example") is allowed


def test_admin_access_wildcard_bind_and_any_host() -> None:
    assert not AdminAccess("0.0.0.0").host_allowed("0.0.0.0:8080")
    assert AdminAccess("0.0.0.0").host_allowed("172.17.0.2:8080", arrived_at="172.17.0.2")
    assert AdminAccess("0.0.0.0", ["*"]).host_allowed("attacker.example")


@pytest.mark.parametrize(
    ("content_type", "json"),
    [("application/json", True), ("Application/JSON; charset=utf-8", True), ("application/merge-patch+json", True),
     ("text/plain", False), ("application/x-www-form-urlencoded", False), ("multipart/form-data; boundary=x", False),
     ("text/json", False), ("application/jsonp", False)],
)
def test_admin_access_json_content_types(content_type: str, json: bool) -> None:
    assert is_json(content_type) is json


@pytest.mark.parametrize(
    ("method", "headers", "refused"),
    [
        ("GET", [], False),
        ("POST", [], True),
        ("POST", [(b"content-type", b"text/plain")], True),
        ("POST", [(b"content-type", b"application/x-www-form-urlencoded")], True),
        ("POST", [(b"content-type", b"application/json")], False),
        ("POST", [(b"x-mock-admin", b"")], False),
        ("DELETE", [], True),
        ("DELETE", [(b"x-admin-token", b"t")], False),
        ("PUT", [(b"authorization", b"Bearer t")], False),
        ("PATCH", [(b"content-type", b"text/plain")], True),
        ("OPTIONS", [], False),
        ("TRACE", [], False),
    ],
)
def test_admin_access_state_change_table(method: str, headers: list[tuple[bytes, bytes]], refused: bool) -> None:
    assert (unproven_state_change(method, [(b"host", b"localhost:8080"), *headers]) is not None) is refused


def test_admin_access_preflight_and_host_table() -> None:
    access = AdminAccess()
    preflight = [(b"origin", b"https://evil.example"), (b"access-control-request-method", b"POST")]
    assert access.refusal("OPTIONS", [(b"host", b"localhost"), *preflight]) is not None
    assert access.refusal("OPTIONS", [(b"host", b"localhost")]) is None
    assert access.refusal("POST", [(b"host", b"localhost"), (b"content-type", b"text/plain")]) is None
    assert access.refusal("GET", [(b"host", b"attacker.example")]) is not None


async def arm_and_record(client: httpx.AsyncClient) -> None:
    fault = {"type": "envelope", "status": 503, "id": "kept", "match": {"session": "nobody"}}
    assert (await client.post("/__admin/faults", json=fault)).status_code == 201
    await post_detect(client)


async def unchanged(client: httpx.AsyncClient) -> bool:
    faults = (await client.get("/__admin/faults")).json()["faults"]
    count = (await client.get("/__admin/requests/count")).json()["count"]
    return [fault["id"] for fault in faults] == ["kept"] and count == 1


SIMPLE_CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/__admin/reset", {"content": b"x", "headers": {"content-type": "text/plain"}}),
    ("POST", "/__admin/reset", {}),
    ("POST", "/__admin/reset", {"data": {"a": "1"}}),
    ("POST", "/__admin/fixtures/reload", {"content": b"x", "headers": {"content-type": "text/plain"}}),
    ("POST", "/__admin/faults", {"content": b'{"type": "transport", "action": "hang"}',
                                 "headers": {"content-type": "text/plain"}}),
    ("POST", "/__admin/faults", {"files": {"f": ("f", b'{"type": "transport", "action": "hang"}')}}),
    ("DELETE", "/__admin/faults", {}),
    ("DELETE", "/__admin/faults/kept", {}),
    ("DELETE", "/__admin/requests", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), SIMPLE_CALLS)
@pytest.mark.parametrize("cors_origins", ["*", "http://good.example"])
async def test_admin_access_state_change_needs_json_or_header(
    method: str, path: str, kwargs: dict[str, Any], cors_origins: str
) -> None:
    """What a page can send cross-origin without a preflight changes nothing: 403, and the reason."""
    async with in_process(cors_origins=cors_origins) as client:
        await arm_and_record(client)
        response = await client.request(method, path, **kwargs)
        assert response.status_code == 403, response.text
        assert "Content-Type: application/json or an X-Mock-Admin header" in response.json()["detail"]
        assert not [name for name in response.headers if name.startswith("access-control-")]
        assert await unchanged(client)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [("POST", "/__admin/reset", 200), ("POST", "/__admin/fixtures/reload", 200), ("DELETE", "/__admin/faults", 200),
     ("DELETE", "/__admin/faults/kept", 204), ("DELETE", "/__admin/requests", 200)],
)
@pytest.mark.parametrize("proof", [{"content-type": "application/json"}, ADMIN], ids=["json", "header"])
async def test_admin_access_state_change_with_json_or_header(
    method: str, path: str, expected: int, proof: dict[str, str]
) -> None:
    async with in_process() as client:
        await arm_and_record(client)
        assert (await client.request(method, path, headers=proof)).status_code == expected


@pytest.mark.parametrize("cors_origins", ["*", EVIL, "none"])
@pytest.mark.parametrize("path", ["/__admin/faults", "/__admin/reset", "/__admin/requests"])
async def test_admin_access_preflight_refused(path: str, cors_origins: str) -> None:
    """Issue 16: a preflight from evil.example to /__admin/faults was allowed (`Access-Control-Allow-Origin: *`)."""
    headers = {"origin": EVIL, "access-control-request-method": "POST",
               "access-control-request-headers": "content-type, x-mock-admin"}
    async with in_process(cors_origins=cors_origins) as client:
        response = await client.options(path, headers=headers)
    assert response.status_code == 403
    assert response.json() == {"detail": "the admin API does not answer pages on other origins (no CORS)"}
    assert not [name for name in response.headers if name.startswith("access-control-")]


async def test_admin_access_detect_keeps_cors_preflight() -> None:
    headers = {"origin": EVIL, "access-control-request-method": "POST",
               "access-control-request-headers": "x-mock-fault"}
    async with in_process() as client:
        response = await client.options(URL, headers=headers)
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("settings", "host", "status"),
    [
        ({}, "attacker.example", 403),
        ({}, "attacker.example:8080", 403),
        ({}, "localhost:8080", 200),
        ({}, "127.0.0.1:8080", 200),
        ({"admin_hosts": "mockserver, mock.internal"}, "mockserver:8080", 200),
        ({"admin_hosts": "mockserver, mock.internal"}, "mock.internal", 200),
        ({"admin_hosts": "mockserver"}, "attacker.example", 403),
        ({"admin_hosts": "*"}, "attacker.example", 200),
        ({"host": "192.168.7.7"}, "192.168.7.7:8080", 200),
    ],
)
async def test_admin_access_host_refused_unless_this_server(settings: dict[str, Any], host: str, status: int) -> None:
    """DNS rebinding: a page on attacker.example resolved to 127.0.0.1 still says `Host: attacker.example`."""
    async with in_process(**settings) as client:
        for method, path in [("GET", "/__admin/requests"), ("POST", "/__admin/reset")]:
            response = await client.request(method, path, headers={"host": host, **ADMIN})
            assert response.status_code == status, (method, response.text)
            if status == 403:
                assert response.json()["detail"].startswith("the admin API answers only requests addressed to this")
        # The detect endpoint answers whatever the Host: pages and proxies call it by any name.
        assert (await post_detect(client, headers={"host": host})).status_code == 200


@pytest.mark.parametrize("method", ["PATCH", "PUT", "TRACE"])
async def test_admin_access_method_no_route_has_is_405(method: str) -> None:
    """The state-change rule is the routes': a method no admin route has keeps its 405 (RFC 9110)."""
    async with in_process() as client:
        response = await client.request(method, "/__admin/requests")
    assert response.status_code == 405


async def test_admin_access_token_needed_for_everything() -> None:
    """With --admin-token, the token is the proof: no X-Mock-Admin needed, and nothing works without it."""
    async with in_process(admin_token="s3cret") as client:
        assert (await client.post("/__admin/reset", headers=ADMIN)).status_code == 401
        assert (await client.post("/__admin/reset")).status_code == 401
        assert (await client.post("/__admin/reset", headers={"x-admin-token": "s3cret"})).status_code == 200
        assert (await client.post("/__admin/reset", headers={"host": "attacker.example",
                                                              "x-admin-token": "s3cret"})).status_code == 403


def test_admin_access_real_socket_rebinding_and_admin_hosts() -> None:
    """On a real socket: Host is checked against loopback, the bound address and `--admin-hosts` (flag or env)."""
    with ServerProcess("--admin-hosts", "mockserver", env={"MOCKSERVER_ADMIN_HOSTS": "ignored"}) as server:
        port = server.url.rsplit(":", 1)[1]

        def status(host: str) -> int:
            return httpx.get(server.url + "/__admin/faults", headers={"host": host}).status_code

        assert status(f"attacker.example:{port}") == 403
        assert status(f"ignored:{port}") == 403
        assert status(f"mockserver:{port}") == 200
        assert status(f"127.0.0.1:{port}") == 200
        assert status(f"localhost:{port}") == 200
    with ServerProcess(env={"MOCKSERVER_ADMIN_HOSTS": "from-env"}) as server:
        assert httpx.get(server.url + "/__admin/faults", headers={"host": "from-env"}).status_code == 200
        assert httpx.get(server.url + "/__admin/faults", headers={"host": "other"}).status_code == 403


async def test_admin_access_refusal_echoes_host_cut() -> None:
    async with in_process() as client:
        response = await client.get("/__admin/faults", headers={"host": "a" * 5000 + ".example"})
    assert response.status_code == 403 and len(response.text) < 400
