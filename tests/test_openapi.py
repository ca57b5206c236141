"""/openapi.json and /docs describe the detect endpoint as it really behaves."""

from __future__ import annotations

import re

import httpx
import pytest

from mockserver import Settings, create_app
from mockserver.detect.meta import MODES

pytestmark = pytest.mark.anyio


async def test_openapi_describes_detect(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/objects/detect"]["post"]
    params = {param["name"]: param for param in operation["parameters"]}
    assert set(params) == {"oauth_provider", "oauth_token"}
    assert all(param["in"] == "query" and param["required"] for param in params.values())
    form = operation["requestBody"]["content"]["multipart/form-data"]
    meta = form["schema"]["properties"]["meta"]
    assert meta["properties"]["mode"]["items"]["enum"] == list(MODES)
    assert meta["properties"]["images"]["maxItems"] == 100
    assert form["schema"]["additionalProperties"]["format"] == "binary"
    assert form["encoding"]["meta"]["contentType"] == "application/json"
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"oneOf": [{"$ref": "#/components/schemas/SuccessEnvelope"},
                            {"$ref": "#/components/schemas/ErrorEnvelope"}]}
    for code in ("400", "403", "405", "500"):
        schema = operation["responses"][code]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}
    schemas = document["components"]["schemas"]
    body = schemas["DetectBody"]["properties"]
    assert set(body) == {f"{mode}_labels" for mode in MODES}
    assert set(schemas["SuccessEnvelope"]["properties"]) == {"status", "body", "htmlencoded", "last_modified"}
    assert "count_by_density" in schemas["PedestrianResult"]["properties"]
    assert {"prob", "is_selfie"} <= set(schemas["SelfieResult"]["properties"])
    assert "types_prob" in schemas["CarNumberLabel"]["properties"]


async def test_openapi_follows_settings() -> None:
    app = create_app(Settings(fixtures=None, max_images=7))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock") as client:
        document = (await client.get("/openapi.json")).json()
    meta = document["paths"]["/api/v1/objects/detect"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert meta["schema"]["properties"]["meta"]["properties"]["images"]["maxItems"] == 7


async def test_openapi_docs_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200 and "swagger" in response.text.lower()
    assert "/openapi.json" in response.text


async def test_openapi_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.json() == {"status": "ok", "version": "0.1.0", "fixtures": 0}


async def test_openapi_answer_fields_never_null(client: httpx.AsyncClient) -> None:
    # The server leaves a field out rather than send null (types_prob of older answers, count_by_density and
    # error where they do not apply): a client generated from the document must not expect null there.
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    shapes = [name for name in schemas if name.endswith(("Label", "Result")) or name == "PlateType"]
    assert {"CarNumberLabel", "PedestrianResult", "SelfieResult"} <= set(shapes)
    for name in shapes:
        for field, schema in schemas[name]["properties"].items():
            assert {"type": "null"} not in schema.get("anyOf", []), f"{name}.{field}"
            assert "default" not in schema or schema["default"] is not None, f"{name}.{field}"


@pytest.mark.parametrize(
    ("shape", "required"),
    [
        ("SuccessEnvelope", {"status", "body", "htmlencoded", "last_modified"}),
        ("ErrorEnvelope", {"status", "body", "htmlencoded", "last_modified"}),
        ("DetectBody", set()),
        ("ObjectResult", {"status", "name"}),  # labels: left out when nothing was found
        ("PedestrianResult", {"status", "name"}),  # count_by_density: not on an error entry
        ("SelfieResult", {"status", "name"}),
        ("ObjectLabel", {"eng", "rus", "eng_categories", "rus_categories", "prob", "coord"}),
        ("SceneLabel", {"eng", "rus", "eng_categories", "rus_categories", "prob"}),
        ("PedestrianLabel", {"eng", "rus", "prob", "coord"}),
        ("CarNumberLabel", {"eng", "rus", "prob", "coord"}),  # types_prob: absent in older answers
    ],
)
async def test_openapi_requires_what_is_always_sent(client: httpx.AsyncClient, shape: str, required: set[str]) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    assert set(schemas[shape].get("required", [])) == required


# Any reference to another host: a scheme, or a scheme-relative `//host`.
OTHER_HOST = re.compile(r"(?:[a-z][a-z0-9+.-]*:)?//", re.I)
REFERENCES = re.compile(r"""(?:src|href|spec-url)=["']([^"']+)["']|url: *["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
@pytest.mark.parametrize("root_path", ["", "/mock"])
async def test_openapi_docs_pages_load_nothing_from_other_hosts(page: str, root_path: str) -> None:
    app = create_app(Settings(fixtures=None))
    transport = httpx.ASGITransport(app=app, root_path=root_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        # As uvicorn serves it with --root-path: the path as the client sent it, the prefix included.
        response = await client.get(root_path + page)
        assert response.status_code == 200
        assert not OTHER_HOST.search(response.text), response.text
        # What the pages' scripts may fetch: nothing from another host (ReDoc would show Redocly's logo).
        assert response.headers["content-security-policy"].startswith("default-src 'self';")
        references = [first or second for first, second in REFERENCES.findall(response.text)]
        assert len(references) >= 3 and f"{root_path}/openapi.json" in references, references
        for reference in references:
            assert reference.startswith(root_path + "/"), reference
            asset = await client.get(reference)
            assert asset.status_code == 200 and asset.content, reference
