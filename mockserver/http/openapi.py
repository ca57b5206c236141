"""How `/openapi.json` and `/docs` describe the detect endpoint.

The route is a plain Starlette route to an ASGI app, not a FastAPI path operation (`endpoint.py` says why),
and reads its query and body by hand (the check table's order and texts are the vendor's, not a
framework's): FastAPI could not infer them anyway. The parameters, the multipart body and the envelope
are written out here, from the same models and constants that the server itself uses.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic.json_schema import models_json_schema

from ..answers.models import ErrorEnvelope, SuccessEnvelope
from ..detect.meta import MODES

PROVIDER_PATTERN = "^([mM][rR]|[mM][cC][sS])$"
META_EXAMPLE = {"mode": ["object", "scene", "car_number"], "images": [{"name": "file_0"}, {"name": "file_1"}]}

DETECT_DESCRIPTION = """\
Finds objects, scenes, plates, people and selfies in a batch of images (100 by default).

The body is `multipart/form-data`: one part named `meta` (JSON, any Content-Type, with or without a
filename) and one part per image, named as in `meta.images` (JPEG, PNG or TIFF, up to 4 MiB each;
the format is read from the bytes). Parts may come in any order; parts that `meta` does not list are
ignored.

A processed request answers one key per requested mode, in the vendor's fixed order (`object_labels`,
`multiobject_labels`, `scene_labels`, `car_number_labels`, `pedestrian_labels`, `selfie_labels`), each
with one entry per image in the order the image parts came in the body (setting `result_order`).
`object2` answers under `object_labels`, after the `object` entries when both are asked (setting
`object2_key=object2_labels` gives it its own key). `labels` is left out when nothing was found; a
foreign plate has `rus` ""; `types_prob` types are `ru`, `cis`, `eu`.

Every answer is the vendor's envelope. Request checks run in a fixed order and the first failure
answers with status 400 or 403 and a short text in `body` (see the project's README). The HTTP status
mirrors the envelope's status, unless the server runs with `http_status=always_200`, when every
envelope arrives with HTTP 200. An answer sent before the body was read whole carries
`Connection: close`.
"""

DETECT_OPENAPI: dict[str, Any] = {
    "tags": ["detect"],
    "summary": "Find objects in photos",
    "operationId": "objectsDetect",
    "description": DETECT_DESCRIPTION,
    "parameters": [
        {
            "name": "oauth_provider",
            "in": "query",
            "required": True,
            "description": "OAuth2 provider: `mr` or `mcs`, in any case.",
            "schema": {"type": "string", "pattern": PROVIDER_PATTERN, "examples": ["mcs"]},
        },
        {
            "name": "oauth_token",
            "in": "query",
            "required": True,
            "description": "OAuth2 access token. Any non-empty token is accepted unless tokens are configured.",
            "schema": {"type": "string", "minLength": 1, "examples": ["123"]},
        },
    ],
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["meta"],
                    "properties": {
                        "meta": {
                            "type": "object",
                            "description": "What to look for, and the names of the image parts.",
                            "required": ["mode", "images"],
                            "properties": {
                                "mode": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {"type": "string", "enum": list(MODES)},
                                },
                                "images": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["name"],
                                        "properties": {"name": {"type": "string", "minLength": 1}},
                                    },
                                },
                            },
                            "examples": [META_EXAMPLE],
                        }
                    },
                    "additionalProperties": {
                        "type": "string",
                        "format": "binary",
                        "description": "An image part, named as in meta.images.",
                    },
                },
                "encoding": {"meta": {"contentType": "application/json"}},
            }
        },
    },
}

COMPONENTS = "#/components/schemas/"
_SUCCESS = {"$ref": COMPONENTS + SuccessEnvelope.__name__}
_ERROR = {"$ref": COMPONENTS + ErrorEnvelope.__name__}
DETECT_RESPONSES: dict[str, tuple[str, dict[str, Any]]] = {
    "200": (
        "Processed (envelope status 200), or, with http_status=always_200, any envelope.",
        {"oneOf": [_SUCCESS, _ERROR]},
    ),
    "400": ("Request refused: the envelope's `body` says why.", _ERROR),
    "403": ("Unsupported provider or refused token.", _ERROR),
    "405": ("Only POST is allowed.", _ERROR),
    "408": ("The request's headers or body did not arrive in time.", _ERROR),
    "500": ("Internal Server Error (from a fixture, a scripted fault, or a bug).", _ERROR),
}

HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Ready.",
        "content": {
            "application/json": {"example": {"status": "ok", "version": "0.1.0", "fixtures": 5}}
        },
    }
}


def complete(schema: dict[str, Any], path: str, *, max_images: int) -> dict[str, Any]:
    """Add the detect operation, its shapes, and what depends on the settings, to FastAPI's schema."""
    operation = copy.deepcopy(DETECT_OPENAPI)
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    body["properties"]["meta"]["properties"]["images"]["maxItems"] = max_images
    operation["responses"] = {
        code: {"description": text, "content": {"application/json": {"schema": shape}}}
        for code, (text, shape) in DETECT_RESPONSES.items()
    }
    schema["paths"].setdefault(path, {})["post"] = operation
    _, definitions = models_json_schema(
        [(SuccessEnvelope, "serialization"), (ErrorEnvelope, "serialization")],
        ref_template=COMPONENTS + "{model}",
    )
    schema.setdefault("components", {}).setdefault("schemas", {}).update(definitions["$defs"])
    return schema
