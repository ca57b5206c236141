"""A detect request taken in, row by row of the check table: who asks, for what, with which images."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request

from ..errors import EmptyImage, ImageTooLarge
from ..settings import Settings
from .auth import Credentials, TokenPolicy, authenticate, first_values, parse_query
from .batch import Image, select_images
from .body import BodyStream, check_declared_length
from .meta import Meta, MetaCheck
from .upload import MultipartReader, Upload, boundary_of

# Below this much hashing for one chunk, handing it to a thread costs more than it frees the event loop.
OFFLOAD_HASH_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Intake:
    """A request that passed every check."""

    credentials: Credentials
    meta: Meta
    images: list[Image]


class Witness(Protocol):
    """Whoever records detect requests (the journal's `Exchange`), told what the pipeline read as it reads it.

    It sees the query and the upload as soon as they exist, so that a request refused half-way is still
    recorded with what it sent; `asked` is set once meta passed its checks (modes, image names).
    """

    query: Sequence[tuple[str, str]]
    upload: Upload | None
    asked: tuple[tuple[str, ...], tuple[str, ...]] | None


async def take_in(request: Request, settings: Settings, tokens: TokenPolicy, witness: Witness | None = None) -> Intake:
    """Rows 1–18 in order; the first failure raises. `witness`, if any, follows what was read."""
    query = parse_query(request.scope["query_string"])
    upload = Upload()
    if witness is not None:
        witness.query, witness.upload = query, upload
    credentials = authenticate(first_values(query), tokens)
    boundary = boundary_of(request.headers.get("content-type"))
    check_declared_length(request.headers, settings.request_limit)
    body = BodyStream(
        request.receive, settings.request_limit, idle=settings.body_timeout, total=settings.max_body_seconds
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
    if witness is not None:
        witness.asked = (meta.modes, meta.names)
    images = select_images(meta, upload, max_image_bytes=settings.max_image_bytes)
    return Intake(credentials, meta, images)


async def receive_upload(
    body: BodyStream,
    reader: MultipartReader,
    wanted: Callable[[bytes], Collection[str] | None],
) -> Upload:
    """Read the whole body into `reader`, refusing a wanted over-limit image as soon as it is known.

    `wanted(meta)` gives the image names a valid meta asks for, or None when meta is not valid (then
    its error must wait for the end of the body: a malformed body, row 7, comes first). An image part
    is refused the moment it passes the limit if meta came before it, or when meta arrives if after.
    """
    upload = reader.upload
    names: Collection[str] | None = None
    oversized: set[str] = set()
    try:
        with body.guard():
            async for chunk in body:
                for part in reader.feed(chunk):
                    if part is upload.meta_part:
                        if part.complete and upload.meta is not None and not upload.meta_over_limit:
                            names = wanted(upload.meta)
                    elif part.over_limit and upload.image(part.name) is part:
                        oversized.add(part.name)
                    if names is not None and not oversized.isdisjoint(names):
                        _refuse_early(upload, names, reader.max_image_bytes)
                owed, size = reader.hashing_owed()
                if size >= OFFLOAD_HASH_BYTES and body.crowded:
                    # Other requests are in flight: hashing on a worker thread lets the event loop parse theirs
                    # on the other core meanwhile. Alone, the hand-over only adds latency (bench/README.md).
                    await asyncio.get_running_loop().run_in_executor(None, owed.run)
                else:
                    owed.run()
    finally:
        reader.hashing_owed()[0].run()  # refused mid-chunk: the parts that had ended still get their digest
        reader.collect()
    return reader.close()


def _refuse_early(upload: Upload, names: Collection[str], max_image_bytes: int) -> None:
    """Rows 17–18 over the wanted parts read so far; row 16 would need the rest of the body.

    A part refused while still arriving is named with the bytes received so far (over the limit).
    """
    seen = [part for name in names if (part := upload.image(name)) is not None]
    if any(part.complete and part.size == 0 for part in seen):
        raise EmptyImage()
    big = next(part for part in seen if part.over_limit)
    raise ImageTooLarge(big.name, big.size, max_image_bytes)
