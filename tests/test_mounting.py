"""The app served from below a prefix: mounted in another ASGI app, or behind a proxy that sets `root_path`.

Detect is an ordinary route, so it is found wherever the app is served from, with every check-table answer,
the 405 envelope for other methods, `Connection: close` on an answer sent before the body was read, and its
journal; and FastAPI describes it in `/openapi.json`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from support import DETECT, QUERY, post_detect

from mockserver import Settings, create_app

pytestmark = pytest.mark.anyio

PREFIX = "/mock"


@pytest.fixture(params=["mounted", "root_path"])
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests go to PREFIX + the app's own paths, either way the app can be served there."""
    app = create_app(Settings(fixtures=None))
    if request.param == "mounted":
        transport = httpx.ASGITransport(app=Starlette(routes=[Mount(PREFIX, app=app)]))
    else:  # as uvicorn --root-path serves it: ASGI's path is the full one, root_path the part above the app
        transport = httpx.ASGITransport(app=app, root_path=PREFIX)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client


async def test_mounting_detect_answers(client: httpx.AsyncClient) -> None:
    response = await post_detect(client, url=PREFIX + DETECT + QUERY)
    assert response.status_code == 200
    document = response.json()
    assert document["status"] == 200 and [result["name"] for result in document["body"]["object_labels"]] == [
        "file_0"
    ]
    entries = (await client.get(PREFIX + "/__admin/requests")).json()["requests"]
    assert [entry["status"] for entry in entries] == [200]


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ("?oauth_provider=mr", 400, "empty oauth_token"),
        ("?oauth_provider=xx&oauth_token=1", 403, "unsupported oauth_provider: xx"),
    ],
)
async def test_mounting_check_table_answers(client: httpx.AsyncClient, query: str, status: int, text: str) -> None:
    response = await post_detect(client, url=PREFIX + DETECT + query)
    assert response.status_code == status
    assert response.json()["status"] == status and text in response.json()["body"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PROPFIND"])
async def test_mounting_other_methods_get_envelope(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, PREFIX + DETECT + QUERY)
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert response.json() == {"status": 405, "body": f"method not allowed: {method}; use POST",
                               "htmlencoded": False, "last_modified": 0}


async def test_mounting_early_answer_closes_connection(client: httpx.AsyncClient) -> None:
    # Refused on the query (row 2) before the body is read: the server will not read the rest of it.
    response = await post_detect(client, url=PREFIX + DETECT + "?oauth_provider=mr")
    assert response.json() == {"status": 400, "body": "empty oauth_token", "htmlencoded": False, "last_modified": 0}
    assert response.headers["connection"] == "close"


async def test_mounting_health_and_openapi(client: httpx.AsyncClient) -> None:
    assert (await client.get(PREFIX + "/health")).json()["status"] == "ok"
    document = (await client.get(PREFIX + "/openapi.json")).json()
    assert document["paths"][DETECT]["post"]["operationId"] == "objectsDetect"
    assert document["servers"] == [{"url": PREFIX}]


async def test_mounting_admin_guard_still_applies(client: httpx.AsyncClient) -> None:
    # A page whose DNS name turned to this machine (rebinding) says so in Host: the admin API refuses it,
    # wherever the app is served from.
    response = await client.get(PREFIX + "/__admin/requests", headers={"host": "attacker.example"})
    assert response.status_code == 403 and "attacker.example" in response.json()["detail"]
