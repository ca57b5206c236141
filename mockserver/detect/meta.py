"""The `meta` part: rows 8–15 of the check table, and the modes the server knows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import (
    DetectError,
    DuplicateImageName,
    EmptyImageName,
    EmptyImages,
    EmptyMeta,
    EmptyMode,
    InvalidMeta,
    TooManyImages,
    UnknownMode,
)
from .jsondoc import DEFAULT_MAX_DEPTH, JSONError, load

# The page's five, and the two that the vendor's OpenAPI adds and real clients send.
MODES = ("object", "object2", "scene", "car_number", "multiobject", "pedestrian", "selfie")
@dataclass(frozen=True, slots=True)
class Meta:
    """A valid meta: the modes asked for (each once, first-seen order) and the image names, in order."""

    modes: tuple[str, ...]
    names: tuple[str, ...]
    document: dict[str, Any]


def parse_document(raw: bytes | None, *, max_bytes: int, over_limit: bool = False,
                   max_depth: int = DEFAULT_MAX_DEPTH) -> dict[str, Any]:
    """Rows 8–9: meta is present, not empty, and a JSON object (decoded as Go does: `jsondoc`)."""
    if not raw and not over_limit:
        raise EmptyMeta()
    if over_limit:
        raise InvalidMeta(f"larger than {max_bytes} bytes")
    assert raw is not None
    try:
        document = load(raw, max_depth=max_depth)
    except JSONError as exc:
        raise InvalidMeta(str(exc)) from None
    if not isinstance(document, dict):
        raise InvalidMeta(f"not a JSON object but {type(document).__name__}")
    return document


def check_modes(document: dict[str, Any]) -> tuple[str, ...]:
    """Rows 10–11: a non-empty list of known modes; repeats are answered once."""
    modes = document.get("mode")
    if not isinstance(modes, list) or not modes or not all(isinstance(mode, str) for mode in modes):
        raise EmptyMode()
    for mode in modes:
        if mode not in MODES:
            raise UnknownMode(mode)
    return tuple(dict.fromkeys(modes))


def check_images(document: dict[str, Any], *, max_images: int) -> tuple[str, ...]:
    """Rows 12–15: a non-empty, bounded list of entries with distinct non-empty names."""
    images = document.get("images")
    if not isinstance(images, list) or not images:
        raise EmptyImages()
    if len(images) > max_images:
        raise TooManyImages(len(images), max_images)
    names = [entry.get("name") if isinstance(entry, dict) else None for entry in images]
    texts = [name for name in names if isinstance(name, str) and name]
    if len(texts) != len(names):
        raise EmptyImageName()
    unique: dict[str, None] = {}
    for name in texts:
        if name in unique:
            raise DuplicateImageName(name)
        unique[name] = None
    return tuple(unique)


def parse_meta(
    raw: bytes | None, *, max_images: int, max_bytes: int, over_limit: bool = False
) -> Meta:
    """Rows 8–15, in order: the first failure raises."""
    document = parse_document(raw, max_bytes=max_bytes, over_limit=over_limit)
    modes = check_modes(document)
    names = check_images(document, max_images=max_images)
    return Meta(modes, names, document)


class MetaCheck:
    """Rows 8–15 for one request's meta, worked out once though asked twice: as soon as the meta part
    arrives (which images are wanted, for an early refusal) and again at the end of the body."""

    def __init__(self, *, max_images: int, max_bytes: int) -> None:
        self.max_images = max_images
        self.max_bytes = max_bytes
        self._raw: bytes | None = None
        self._outcome: Meta | DetectError | None = None

    def __call__(self, raw: bytes | None, *, over_limit: bool = False) -> Meta:
        """The valid meta, or the first failing row's error."""
        if over_limit or raw is None or raw is not self._raw or self._outcome is None:
            try:
                self._outcome = parse_meta(raw, max_images=self.max_images, max_bytes=self.max_bytes,
                                           over_limit=over_limit)
            except DetectError as exc:
                self._outcome = exc
            self._raw = raw
        if isinstance(self._outcome, DetectError):
            raise self._outcome
        return self._outcome

    def wanted(self, raw: bytes) -> frozenset[str] | None:
        """The image names a valid meta asks for, or None if meta fails a check (its error comes later)."""
        try:
            return frozenset(self(raw).names)
        except DetectError:
            return None
