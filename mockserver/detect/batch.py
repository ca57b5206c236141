"""The images a request asks for, matched to their parts: rows 16–18 of the check table."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import EmptyImage, ImageTooLarge, MissingImage
from .images import ImageInfo
from .meta import Meta
from .upload import Part, Upload


@dataclass(frozen=True, slots=True)
class Image:
    """One image to answer: meta's name, and what its part turned out to hold."""

    name: str
    position: int
    part: Part

    @property
    def sha256(self) -> str:
        assert self.part.sha256 is not None  # parts within the limit are always hashed
        return self.part.sha256

    @property
    def info(self) -> ImageInfo | None:
        return self.part.image

    @property
    def filename(self) -> str | None:
        return self.part.filename


def select_images(meta: Meta, upload: Upload, *, max_image_bytes: int) -> list[Image]:
    """Each of meta's names with its part; rows 16, 17 and 18 each run over every name, in that order."""
    parts = [upload.image(name) for name in meta.names]
    for name, part in zip(meta.names, parts, strict=True):
        if part is None:
            raise MissingImage(name)
    found = [part for part in parts if part is not None]
    for part in found:
        if part.size == 0:
            raise EmptyImage()
    for part in found:
        if part.over_limit:
            raise ImageTooLarge(part.name, part.size, max_image_bytes)
    return [Image(name, position, part) for position, (name, part) in enumerate(zip(meta.names, found, strict=True))]
