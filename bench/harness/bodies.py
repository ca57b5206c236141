"""Request bodies for the detect endpoint, written once per run to files that every client reads.

Images are real JPEG headers (Pillow when it is installed, else a hand-made SOI/SOF0/EOI frame that the
server's sniffer accepts) padded after EOI to the exact size wanted: the server reads width and height from
the header and hashes every byte, so padding costs it exactly what a real photo of that size would.
"""

from __future__ import annotations

import functools
import io
import json
import random
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

KIB = 1024
MIB = 1024 * KIB
BOUNDARY = "----mockserverBench7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
DETECT_PATH = "/api/v1/objects/detect?oauth_provider=mr&oauth_token=123"
ALL_MODES = ("object", "object2", "scene", "car_number", "multiobject", "pedestrian", "selfie")


@dataclass(frozen=True)
class BodySpec:
    """`count` images of `image_bytes` each, asking for `modes`."""

    name: str
    count: int
    image_bytes: int
    modes: tuple[str, ...]


@dataclass(frozen=True)
class Body:
    spec: BodySpec
    path: Path
    size: int


SMALL = BodySpec("small", 2, 2 * KIB, ("object",))
MEDIUM = BodySpec("medium", 10, 200 * KIB, ("object", "scene", "car_number"))
LARGE = BodySpec("large", 100, 4 * MIB, ALL_MODES)


@functools.cache
def _padding(size: int) -> bytes:
    # Random rather than zeros: a multipart parser scanning for the boundary behaves as on real
    # entropy-coded JPEG data. Seeded, so every run sends the same bytes and gets the same answers.
    return random.Random(20240605).randbytes(size)


def _crafted_jpeg(seed: int, width: int, height: int) -> bytes:
    comment = f"bench image {seed}".encode()
    com = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + com + sof0 + b"\xff\xd9"


def _pillow_jpeg(seed: int, width: int, height: int) -> bytes | None:
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        return None
    rng = random.Random(seed)
    picture = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(picture)
    for _ in range(4):
        x, y = rng.randrange(width), rng.randrange(height)
        box = (x, y, min(width, x + rng.randrange(1, width)), min(height, y + rng.randrange(1, height)))
        draw.rectangle(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def jpeg_image(seed: int, size: int) -> bytes:
    """A JPEG of exactly `size` bytes whose header differs per `seed`, so every image hashes apart."""
    width, height = (32, 24) if size < 8 * KIB else (320, 240)
    header = _pillow_jpeg(seed, width, height) or _crafted_jpeg(seed, width, height)
    if len(header) > size:
        header = _crafted_jpeg(seed, width, height)
    if len(header) > size:
        raise ValueError(f"cannot make a JPEG as small as {size} bytes")
    return header + _padding(size)[: size - len(header)]


def _part_head(name: str, filename: str | None = None, content_type: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return (head + "\r\n").encode()


def write_body(spec: BodySpec, directory: Path) -> Body:
    """Stream the body to `directory/<name>.body`: meta first (as clients that know their batch send it)."""
    names = [f"file_{index}" for index in range(spec.count)]
    meta = json.dumps({"mode": list(spec.modes), "images": [{"name": name} for name in names]}).encode()
    path = directory / f"{spec.name}.body"
    with path.open("wb") as out:
        out.write(_part_head("meta") + meta + b"\r\n")
        for index, name in enumerate(names):
            out.write(_part_head(name, f"{name}.jpg", "image/jpeg"))
            out.write(jpeg_image(index, spec.image_bytes))
            out.write(b"\r\n")
        out.write(f"--{BOUNDARY}--\r\n".encode())
    return Body(spec, path, path.stat().st_size)


def write_bodies(specs: Sequence[BodySpec], directory: Path) -> dict[str, Body]:
    directory.mkdir(parents=True, exist_ok=True)
    return {spec.name: write_body(spec, directory) for spec in specs}
