"""SPEC section 2: every row of the check table, its exact text and status, and their order."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from support import (
    BOUNDARY,
    DETECT,
    URL,
    FormPart,
    body,
    content_type,
    image_bytes,
    image_part,
    in_process,
    meta_part,
    request,
)

from mockserver import Settings

pytestmark = pytest.mark.anyio

GOOD_HEADERS, GOOD_BODY = request()
IMAGE = image_bytes()


def raw_meta(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return body([image_part(), FormPart("meta", data)])


@dataclass
class Case:
    id: str
    status: int
    text: str
    url: str = URL
    headers: dict[str, str] = field(default_factory=lambda: dict(GOOD_HEADERS))
    content: bytes = GOOD_BODY
    settings: dict[str, Any] = field(default_factory=dict)
    prefix: bool = False  # the text is a prefix: the rest is the parser's own reason


CASES = [
    Case("1-no-provider", 400, "empty oauth_provider", url=DETECT + "?oauth_token=123"),
    Case("1-empty-provider", 400, "empty oauth_provider", url=DETECT + "?oauth_provider=&oauth_token=123"),
    Case("1-no-query", 400, "empty oauth_provider", url=DETECT),
    Case("2-no-token", 400, "empty oauth_token", url=DETECT + "?oauth_provider=mr"),
    Case("2-empty-token", 400, "empty oauth_token", url=DETECT + "?oauth_provider=mcs&oauth_token="),
    Case("3-unknown-provider", 403, "unsupported oauth_provider: vk", url=DETECT + "?oauth_provider=vk&oauth_token=1"),
    Case(
        "4-token-refused",
        403,
        "authorization failed, provider: mr, token: abcdef…, reason: Access Token invalid",
        url=DETECT + "?oauth_provider=mr&oauth_token=abcdefghij",
        settings={"tokens": "good-token"},
    ),
    Case("5-json-body", 400, "request is not multipart/form-data", headers={"content-type": "application/json"}),
    Case("5-no-content-type", 400, "request is not multipart/form-data", headers={}),
    Case("5-no-boundary", 400, "request is not multipart/form-data", headers={"content-type": "multipart/form-data"}),
    Case("5-urlencoded", 400, "request is not multipart/form-data",
         headers={"content-type": "application/x-www-form-urlencoded"}),
    Case("6-too-large", 400, "request body too large: limit 1000 bytes", settings={"max_request_bytes": 1000}),
    Case("7-truncated", 400, "malformed multipart body: body ends before the closing boundary",
         content=body([image_part(), meta_part()], closed=False)),
    Case("7-empty-body", 400, "malformed multipart body: body ends before the closing boundary", content=b""),
    Case("7-wrong-boundary", 400, "malformed multipart body: ", prefix=True,
         content=body([image_part(), meta_part()], boundary="other-boundary")),
    Case("7-garbage", 400, "malformed multipart body: ", prefix=True, content=b"--" + BOUNDARY.encode() + b"xx\r\n"),
    Case("8-no-meta", 400, "empty meta", content=body([image_part()])),
    Case("8-no-parts", 400, "empty meta", content=body([])),
    Case("8-empty-meta", 400, "empty meta", content=raw_meta("")),
    Case("9-not-json", 400, "invalid meta: Expecting value: line 1 column 1 (char 0)", content=raw_meta("mode=object")),
    Case("9-array", 400, "invalid meta: not a JSON object but list", content=raw_meta("[1, 2]")),
    Case("9-not-utf8", 400, "invalid meta: not valid UTF-8 at byte 10", content=raw_meta(b'{"mode": "\xff"}')),
    Case("9-too-deep", 400, "invalid meta: nested deeper than 32 levels",
         content=raw_meta('{"x": ' + "[" * 40 + "]" * 40 + "}")),
    Case("9-too-large", 400, "invalid meta: larger than 100 bytes", content=raw_meta(json.dumps({"x": "y" * 200})),
         settings={"max_meta_bytes": 100}),
    Case("10-no-mode", 400, "empty mode", content=raw_meta('{"images": [{"name": "file_0"}]}')),
    Case("10-mode-string", 400, "empty mode", content=raw_meta('{"mode": "object", "images": [{"name": "file_0"}]}')),
    Case("10-mode-empty", 400, "empty mode", content=raw_meta('{"mode": [], "images": [{"name": "file_0"}]}')),
    Case("10-mode-number", 400, "empty mode", content=raw_meta('{"mode": [1], "images": [{"name": "file_0"}]}')),
    Case("11-unknown-mode", 400, "unknown mode: faces", content=body([image_part(), meta_part(["object", "faces"])])),
    Case("11-mode-case", 400, "unknown mode: Object", content=body([image_part(), meta_part(["Object"])])),
    Case("12-no-images", 400, "empty images", content=raw_meta('{"mode": ["object"]}')),
    Case("12-images-empty", 400, "empty images", content=raw_meta('{"mode": ["object"], "images": []}')),
    Case("12-images-object", 400, "empty images", content=raw_meta('{"mode": ["object"], "images": {"name": "a"}}')),
    Case("13-too-many", 400, "too many images: 101, max 100",
         content=body([meta_part(names=[f"file_{i}" for i in range(101)])])),
    Case("14-empty-name", 400, "empty image name", content=body([image_part(), meta_part(names=[""])])),
    Case("14-no-name", 400, "empty image name", content=raw_meta('{"mode": ["object"], "images": [{}]}')),
    Case("14-string-entry", 400, "empty image name", content=raw_meta('{"mode": ["object"], "images": ["file_0"]}')),
    Case("14-number-name", 400, "empty image name", content=raw_meta('{"mode": ["object"], "images": [{"name": 5}]}')),
    Case("15-duplicate", 400, "duplicate image name: file_0",
         content=body([image_part(), meta_part(names=["file_0", "file_0"])])),
    Case("16-missing-part", 400, "could not get image by name file_1: http: no such file",
         content=body([image_part(), meta_part(names=["file_0", "file_1"])])),
    Case("17-empty-part", 400, "empty image", content=body([image_part(data=b""), meta_part()])),
    Case("18-too-large", 400, "image file_0 is too large: 2000 bytes, max 1000",
         content=body([image_part(data=b"x" * 2000), meta_part()]), settings={"max_image_bytes": 1000}),
    Case("18-meta-first", 400, "image file_0 is too large: 2000 bytes, max 1000",
         content=body([meta_part(), image_part(data=b"x" * 2000)]), settings={"max_image_bytes": 1000}),
]

ORDER_CASES = [
    # Each pairs two failures; the earlier row of the table answers.
    Case("1-before-5", 400, "empty oauth_provider", url=DETECT, headers={"content-type": "text/plain"}),
    Case("3-before-2", 400, "empty oauth_token", url=DETECT + "?oauth_provider=vk"),
    Case("4-before-5", 403, "authorization failed, provider: MR, token: wrong…, reason: Access Token invalid",
         url=DETECT + "?oauth_provider=MR&oauth_token=wrong", headers={}, settings={"tokens": "right"}),
    Case("5-before-6", 400, "request is not multipart/form-data", headers={"content-type": "text/plain"},
         settings={"max_request_bytes": 10}),
    Case("6-before-7", 400, "request body too large: limit 10 bytes", content=b"garbage" * 10,
         settings={"max_request_bytes": 10}),
    Case("7-before-8", 400, "malformed multipart body: body ends before the closing boundary",
         content=body([image_part()], closed=False)),
    Case("7-before-11", 400, "malformed multipart body: body ends before the closing boundary",
         content=body([image_part(), meta_part(["faces"])], closed=False)),
    Case("10-before-12", 400, "empty mode", content=raw_meta("{}")),
    Case("11-before-12", 400, "unknown mode: faces", content=raw_meta('{"mode": ["faces"]}')),
    Case("13-before-14", 400, "too many images: 3, max 2",
         content=raw_meta('{"mode": ["scene"], "images": [{}, {}, {}]}'), settings={"max_images": 2}),
    Case("14-before-15", 400, "empty image name",
         content=raw_meta('{"mode": ["scene"], "images": [{"name": "a"}, {"name": "a"}, {"name": ""}]}')),
    Case("15-before-16", 400, "duplicate image name: a",
         content=raw_meta('{"mode": ["scene"], "images": [{"name": "a"}, {"name": "a"}]}')),
    Case("16-before-17", 400, "could not get image by name b: http: no such file",
         content=body([image_part("a", b""), meta_part(names=["a", "b"])])),
    Case("17-before-18", 400, "empty image",
         content=body([image_part("a", b"x" * 50), image_part("b", b""), meta_part(names=["a", "b"])]),
         settings={"max_image_bytes": 10}),
    Case("meta-error-before-18", 400, "unknown mode: faces",
         content=body([image_part("a", b"x" * 50), meta_part(["faces"], names=["a"])]),
         settings={"max_image_bytes": 10}),
]


async def post(case: Case, **settings: Any) -> httpx.Response:
    async with in_process(**{**case.settings, **settings}) as client:
        return await client.post(case.url, headers=case.headers, content=case.content)


def assert_envelope(response: httpx.Response, case: Case) -> None:
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert set(document) == {"status", "body", "htmlencoded", "last_modified"}
    assert document["status"] == case.status
    assert document["htmlencoded"] is False and document["last_modified"] == 0
    if case.prefix:
        assert document["body"].startswith(case.text) and len(document["body"]) > len(case.text)
    else:
        assert document["body"] == case.text


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_check_table_row(case: Case) -> None:
    response = await post(case)
    assert response.status_code == case.status
    assert_envelope(response, case)


@pytest.mark.parametrize("case", ORDER_CASES, ids=lambda case: case.id)
async def test_check_table_earlier_row_wins(case: Case) -> None:
    response = await post(case)
    assert_envelope(response, case)


@pytest.mark.parametrize("case", CASES[:6] + CASES[-3:], ids=lambda case: case.id)
async def test_check_always_200_keeps_envelope(case: Case) -> None:
    response = await post(case, http_status="always_200")
    assert response.status_code == 200
    assert_envelope(response, case)


@pytest.mark.parametrize("provider", ["mr", "Mr", "MR", "mcs", "MCS", "Mcs"])
async def test_check_provider_case_insensitive(provider: str) -> None:
    response = await post(Case("ok", 200, "", url=f"{DETECT}?oauth_provider={provider}&oauth_token=t"))
    assert response.status_code == 200 and response.json()["status"] == 200


@pytest.mark.parametrize("media_type", ["multipart/form-data", "Multipart/Form-Data", "MULTIPART/FORM-DATA"])
async def test_check_media_type_case_insensitive(media_type: str) -> None:
    """RFC 9110: media types are case-insensitive (python-multipart 0.0.27 hands the type over as sent)."""
    kind, _, options = GOOD_HEADERS["content-type"].partition(";")
    assert kind == "multipart/form-data"
    response = await post(Case("ok", 200, "", headers={"content-type": f"{media_type};{options}"}))
    assert response.status_code == 200 and response.json()["status"] == 200


@pytest.mark.parametrize("token", ["good-token", "other"])
async def test_check_configured_token_accepted(token: str) -> None:
    case = Case("ok", 200, "", url=f"{URL.split('?')[0]}?oauth_provider=mr&oauth_token={token}")
    response = await post(case, tokens="good-token, other")
    assert response.json()["status"] == 200


async def test_check_first_query_value_wins() -> None:
    case = Case("ok", 200, "", url=DETECT + "?oauth_provider=mr&oauth_provider=vk&oauth_token=1")
    assert (await post(case)).json()["status"] == 200


async def test_check_chunked_body_counted_against_limit() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        content = body([meta_part(), image_part(data=b"x" * 5000)])
        for start in range(0, len(content), 100):
            yield content[start : start + 100]

    async with in_process(max_request_bytes=1000) as client:
        response = await client.post(URL, headers={"content-type": content_type()}, content=chunks())
    assert response.json() == {
        "status": 400, "body": "request body too large: limit 1000 bytes", "htmlencoded": False, "last_modified": 0,
    }


async def test_check_unlisted_oversized_part_ignored() -> None:
    content = body([image_part(), FormPart("extra", b"x" * 5000, "big.bin"), meta_part()])
    response = await post(Case("ok", 200, "", content=content), max_image_bytes=4000)
    assert response.json()["status"] == 200


async def test_check_default_request_limit_from_image_limits() -> None:
    settings = Settings(fixtures=None, max_images=3, max_image_bytes=1000)
    assert settings.request_limit == 3 * 1000 + 1024 * 1024


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_check_other_methods_get_envelope(method: str) -> None:
    async with in_process() as client:
        response = await client.request(method, URL)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["body"] == f"method not allowed: {method}; use POST"


async def test_check_long_values_cut_in_errors() -> None:
    provider = "p" * 5000
    response = await post(Case("x", 403, "", url=f"{DETECT}?oauth_provider={provider}&oauth_token=1"))
    assert response.json()["body"] == "unsupported oauth_provider: " + "p" * 128 + "…"


@pytest.mark.parametrize(
    "raw",
    [b"", b"oauth_provider=mr&oauth_token=123", b"a=1&a=2&b", b"x=%41+b&y=&=z", b"t=%FF%fe&u=\xe9", b"a;b=c&&d=e",
     b"k=" + b"v" * 600],
)
def test_checks_query_parsed_as_starlette_does(raw: bytes) -> None:
    from starlette.datastructures import QueryParams

    from mockserver.detect.auth import parse_query

    assert list(parse_query(raw)) == QueryParams(raw).multi_items()
    assert parse_query(raw) == parse_query(raw)  # cached or not, the same
