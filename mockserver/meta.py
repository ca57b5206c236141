"""The `meta` part: rows 8–15 of the check table, and the modes the server knows."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import (
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

# The page's five, and the two that the vendor's OpenAPI adds and real clients send.
MODES = ("object", "object2", "scene", "car_number", "multiobject", "pedestrian", "selfie")
# Real meta is three levels deep; unknown keys are allowed, but not a JSON bomb.
DEFAULT_MAX_DEPTH = 32
# JSON may carry lone UTF-16 surrogates (the escape \ud800 alone); they cannot be written back as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(text: str) -> str:
    """A JSON string as the vendor's Go decoder sees it: lone surrogates become U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class Meta:
    """A valid meta: the modes asked for (each once, first-seen order) and the image names, in order."""

    modes: tuple[str, ...]
    names: tuple[str, ...]
    document: dict[str, Any]


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
    return depth


def parse_document(raw: bytes | None, *, max_bytes: int, over_limit: bool = False,
                   max_depth: int = DEFAULT_MAX_DEPTH) -> dict[str, Any]:
    """Rows 8–9: meta is present, not empty, and a JSON object."""
    if not raw and not over_limit:
        raise EmptyMeta()
    if over_limit:
        raise InvalidMeta(f"larger than {max_bytes} bytes")
    assert raw is not None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidMeta(f"not valid UTF-8 at byte {exc.start}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidMeta(str(exc)) from None
    except RecursionError:
        raise InvalidMeta(f"nested deeper than {max_depth} levels") from None
    if not isinstance(document, dict):
        raise InvalidMeta(f"not a JSON object but {type(document).__name__}")
    if _depth(document) > max_depth:
        raise InvalidMeta(f"nested deeper than {max_depth} levels")
    return document


def check_modes(document: dict[str, Any]) -> tuple[str, ...]:
    """Rows 10–11: a non-empty list of known modes; repeats are answered once."""
    modes = document.get("mode")
    if not isinstance(modes, list) or not modes or not all(isinstance(mode, str) for mode in modes):
        raise EmptyMode()
    for mode in modes:
        if mode not in MODES:
            raise UnknownMode(scrub(mode))
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
    for name in map(scrub, texts):
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


def wanted_names(raw: bytes, *, max_images: int, max_bytes: int) -> frozenset[str] | None:
    """The image names a valid meta asks for, or None if meta fails a check (its error comes later)."""
    try:
        return frozenset(parse_meta(raw, max_images=max_images, max_bytes=max_bytes).names)
    except DetectError:
        return None
