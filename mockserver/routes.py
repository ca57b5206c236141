"""HTTP routes: parse the request, call the behaviour, serialise the answer. No decisions live here."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response

from . import __version__
from .answers import detect_body
from .auth import authenticate, first_values
from .batch import select_images
from .envelope import envelope_response
from .errors import MethodNotAllowed
from .meta import parse_meta, wanted_names
from .openapi import DETECT_OPENAPI, DETECT_RESPONSES, HEALTH_RESPONSES
from .runtime import Runtime
from .upload import BodyStream, MultipartReader, boundary_of, check_declared_length, receive_upload

DETECT_PATH = "/api/v1/objects/detect"
OTHER_METHODS = ["GET", "PUT", "PATCH", "DELETE", "HEAD"]

router = APIRouter()


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.post(
    DETECT_PATH,
    summary="Find objects in photos",
    tags=["detect"],
    openapi_extra=DETECT_OPENAPI,
    responses=DETECT_RESPONSES,
    response_class=Response,
)
async def detect(request: Request) -> Response:
    """The vendor's detect method: the check table in order, then one result per image and mode."""
    runtime = runtime_of(request)
    settings = runtime.settings
    authenticate(first_values(request.query_params.multi_items()), runtime.tokens)
    boundary = boundary_of(request.headers.get("content-type"))
    check_declared_length(request.headers, settings.request_limit)
    body = request.state.body = BodyStream(request.stream(), settings.request_limit)
    reader = MultipartReader(
        boundary,
        max_image_bytes=settings.max_image_bytes,
        max_meta_bytes=settings.max_meta_bytes,
        max_parts=settings.max_parts,
    )
    max_images, max_meta = settings.max_images, settings.max_meta_bytes
    upload = await receive_upload(body, reader, partial(wanted_names, max_images=max_images, max_bytes=max_meta))
    meta = parse_meta(upload.meta, over_limit=upload.meta_over_limit, max_images=max_images, max_bytes=max_meta)
    images = select_images(meta, upload, max_image_bytes=settings.max_image_bytes)
    request.state.access = f"images={len(images)} modes={','.join(meta.modes)}"
    result = detect_body(
        images, meta.modes, runtime.fixtures.current, shuffle=settings.result_order == "shuffle"
    )
    return envelope_response(200, result, http_status=settings.http_status)


@router.api_route(DETECT_PATH, methods=OTHER_METHODS, include_in_schema=False)
async def detect_other_methods(request: Request) -> Response:
    raise MethodNotAllowed(request.method)


@router.get("/health", tags=["server"], summary="Readiness for CI wait loops", responses=HEALTH_RESPONSES)
async def health(request: Request) -> dict[str, Any]:
    """200 once the app is ready: fixtures loaded."""
    fixtures = runtime_of(request).fixtures.current
    return {"status": "ok", "version": __version__, "fixtures": len(fixtures)}
