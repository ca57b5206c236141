"""The vendor's envelope, one shape for every answer of the detect endpoint (SPEC section 1).

    {"status": <int>, "body": <object or string>, "htmlencoded": false, "last_modified": 0}

The HTTP status mirrors the envelope's by default; `http_status="always_200"` answers every envelope
with HTTP 200, as the vendor's page documents.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.responses import Response

from ..settings import HttpStatusMode

JSON = "application/json"
OK = 200


def envelope(status: int, body: Any) -> dict[str, Any]:
    return {"status": status, "body": body, "htmlencoded": False, "last_modified": 0}


def encode(document: Any) -> bytes:
    """Compact UTF-8 JSON; Cyrillic stays readable, as the vendor's Go encoder writes it.

    orjson writes the same bytes as the standard library here, fifteen times faster; a text orjson
    refuses (a lone surrogate in a hand-written fixture) falls back to the standard library.
    """
    try:
        return orjson.dumps(document)
    except TypeError:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


def envelope_response(
    status: int,
    body: Any,
    *,
    http_status: HttpStatusMode,
    headers: dict[str, str] | None = None,
) -> Response:
    """The envelope as an HTTP response, its status mirrored or 200."""
    code = status if http_status == "mirror" else OK
    return Response(encode(envelope(status, body)), status_code=code, media_type=JSON, headers=headers)
