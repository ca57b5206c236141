"""A detect request taken in, row by row of the check table: who asks, for what, with which images."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from .auth import Credentials, TokenPolicy, authenticate, first_values
from .batch import Image, select_images
from .meta import Meta, MetaCheck
from .settings import Settings
from .upload import BodyStream, MultipartReader, Upload, boundary_of, check_declared_length, receive_upload


@dataclass(frozen=True, slots=True)
class Intake:
    """A request that passed every check."""

    credentials: Credentials
    meta: Meta
    images: list[Image]


async def take_in(request: Request, settings: Settings, tokens: TokenPolicy, upload: Upload) -> Intake:
    """Rows 1–18 in order; the first failure raises. `upload` fills up as the body streams in."""
    credentials = authenticate(first_values(request.query_params.multi_items()), tokens)
    boundary = boundary_of(request.headers.get("content-type"))
    check_declared_length(request.headers, settings.request_limit)
    body = BodyStream(
        request.stream(), settings.request_limit, idle=settings.body_timeout, total=settings.max_body_seconds
    )
    reader = MultipartReader(
        boundary,
        max_image_bytes=settings.max_image_bytes,
        max_meta_bytes=settings.max_meta_bytes,
        max_parts=settings.max_parts,
        upload=upload,
    )
    check = MetaCheck(max_images=settings.max_images, max_bytes=settings.max_meta_bytes)
    await receive_upload(body, reader, check.wanted)
    meta = check(upload.meta, over_limit=upload.meta_over_limit)
    images = select_images(meta, upload, max_image_bytes=settings.max_image_bytes)
    return Intake(credentials, meta, images)
