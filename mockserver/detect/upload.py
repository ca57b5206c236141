"""The request body as a stream of multipart parts: rows 5–7 of the check table, and what each part holds.

The body is never read whole. A `PartScanner` (python-multipart for anything unusual) is fed chunk by
chunk as they arrive; each part's bytes are shown to an `ImageSniffer` and owed to its SHA-256 as they pass
(`hashing_owed`: the caller hashes each chunk's share before the next, on the event loop or a worker
thread), then dropped, so a 100 × 4 MiB request costs a few kilobytes of state. Only the `meta` part is kept, up to
`max_meta_bytes`. A part larger than `max_image_bytes` stops being hashed at once; whether that is an
error depends on `meta` (row 18), which `intake.receive_upload` decides as parts complete. Row 6 (the size
and the clock of the body itself) is `body.py`'s.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from ..errors import MalformedMultipart, NotMultipart
from .images import ImageInfo, ImageSniffer
from .memo import cached_when_short
from .partscanner import PartScanner

if TYPE_CHECKING:
    from _hashlib import HASH

META_PART = "meta"
MULTIPART_FORM = b"multipart/form-data"
# python-multipart refuses longer boundaries when the parser is built; RFC 2046 allows only 70.
MAX_BOUNDARY_BYTES = 256
# One header line of a part (Content-Disposition with a long filename is the largest in practice).
MAX_PART_HEADER_BYTES = 8 * 1024
MAX_PART_HEADERS = 16
# Text before the first boundary is allowed (RFC 2046); a body that is all preamble is not multipart.
MAX_PREAMBLE_BYTES = 64 * 1024
# python-multipart's messages end with a position inside the chunk it was given: meaningless to a client.
_CHUNK_POSITION = re.compile(r"( at \d+| \(\d+\))$")


CACHED_HEADER_CHARS = 200


def _options(value: str | bytes) -> tuple[bytes, dict[bytes, bytes]]:
    """python-multipart's `parse_options_header` (as the base of a cache: the result is shared, read it only)."""
    return parse_options_header(value)


_parse_options = cached_when_short(_options, max_len=CACHED_HEADER_CHARS)


def _disposition(value: bytes) -> tuple[str, str | None]:
    """A part's name and filename from its Content-Disposition."""
    _, params = _parse_options(value)
    filename = params.get(b"filename")
    return _text(params.get(b"name", b"")), None if filename is None else _text(filename)


def boundary_of(content_type: str | None) -> bytes:
    """Row 5: the boundary of a `multipart/form-data` body, or NotMultipart."""
    media_type, params = _parse_options(content_type or "")
    boundary = params.get(b"boundary", b"")
    if media_type.lower() != MULTIPART_FORM or not boundary:  # python-multipart 0.0.27 keeps the case sent
        raise NotMultipart()
    if len(boundary) > MAX_BOUNDARY_BYTES:
        raise MalformedMultipart(f"boundary longer than {MAX_BOUNDARY_BYTES} bytes")
    return boundary


def _reason(exc: MultipartParseError) -> str:
    """The parser's reason, without its position: that counts from the start of a chunk (sometimes of a
    header), so the same body split differently would get a different text."""
    return _CHUNK_POSITION.sub("", str(exc))


def _text(raw: bytes) -> str:
    # Browsers send non-ASCII names as raw UTF-8; python-multipart hands them over as latin-1.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass(slots=True, eq=False)
class Part:
    """One part as received: its headers, size, digest and image header, never its bytes."""

    index: int
    name: str
    filename: str | None
    content_type: str | None
    size: int = 0
    sha256: str | None = None
    image: ImageInfo | None = None
    over_limit: bool = False
    complete: bool = False


class Hashing:
    """SHA-256 work for the parts of some chunks: bytes to add to a part's hash, then its digest, in order."""

    __slots__ = ("work",)

    def __init__(self, work: list[tuple[HASH, bytes | memoryview | Part]]) -> None:
        self.work = work

    def run(self) -> None:
        """Do it (on any thread: hashlib lets go of the GIL for all but small pieces)."""
        for digest, item in self.work:
            if isinstance(item, Part):
                item.sha256 = digest.hexdigest()
            else:
                digest.update(item)


@dataclass(slots=True)
class Upload:
    """Every part of a body that ended with its closing boundary, and the bytes of `meta`."""

    parts: list[Part] = field(default_factory=list)
    meta_part: Part | None = None
    meta: bytes | None = None
    meta_over_limit: bool = False
    # The vendor (Go's FormFile) takes the first part of a name; later namesakes are only journalled.
    by_name: dict[str, Part] = field(default_factory=dict)

    def image(self, name: str) -> Part | None:
        """The part that answers for meta's image `name`."""
        return self.by_name.get(name)


class MultipartReader:
    """Feed body chunks; collects `Upload` and reports each part as it completes."""

    def __init__(
        self,
        boundary: bytes,
        *,
        max_image_bytes: int,
        max_meta_bytes: int,
        max_parts: int,
        upload: Upload | None = None,
    ) -> None:
        self.upload = Upload() if upload is None else upload
        self.max_image_bytes = max_image_bytes
        self._max_meta_bytes = max_meta_bytes
        self._max_parts = max_parts
        self._part: Part | None = None
        self._meta: bytearray | None = None
        self._digest: HASH | None = None
        # Hashing owed for the chunks fed so far: bytes to add to a part's hash, or a part whose hash is done.
        self._owed: list[tuple[HASH, bytes | memoryview | Part]] = []
        self._owed_bytes = 0
        self._sniffer: ImageSniffer | None = None
        self._news: list[Part] = []
        self._delimiter = b"--" + boundary
        self._carry: bytes | None = b""
        self._received = 0
        self._scanner = PartScanner(
            boundary, self, max_header_count=MAX_PART_HEADERS, max_header_size=MAX_PART_HEADER_BYTES
        )

    def feed(self, chunk: bytes) -> list[Part]:
        """Parse one chunk; returns the parts that ended, or went over the image limit, inside it."""
        self._news = []
        self._received += len(chunk)
        if self._carry is not None:
            # Still in the preamble (RFC 2046 allows text before the first boundary): look for it.
            data = self._carry + chunk
            found = self._first_delimiter(data)
            if found < 0:
                self._carry = data[-len(self._delimiter) :]
                if self._received > MAX_PREAMBLE_BYTES:
                    raise MalformedMultipart(f"no boundary in the first {MAX_PREAMBLE_BYTES} bytes")
                return self._news
            chunk, self._carry = data[found:], None
        try:
            self._scanner.write(chunk)
        except MultipartParseError as exc:
            raise MalformedMultipart(_reason(exc)) from None
        return self._news

    def _first_delimiter(self, data: bytes) -> int:
        if data.startswith(self._delimiter):
            return 0
        line = data.find(b"\n" + self._delimiter)
        return line + 1 if line >= 0 else -1

    def hashing_owed(self) -> tuple[Hashing, int]:
        """The hashing owed for the chunks fed so far, and how many bytes it is; it is the caller's from now.

        Run it (`Hashing.run`) before the next `feed`: each part's bytes are hashed in the order they came.
        """
        owed, size = Hashing(self._owed), self._owed_bytes
        self._owed, self._owed_bytes = [], 0
        return owed, size

    def collect(self) -> None:
        """Called once the body is read (or given up on): drops the parser's callbacks, bound methods of this
        reader and so a reference cycle, so the request's parts are freed as soon as it ends instead of
        waiting for the cycle collector."""
        self._digest = None
        self._scanner.close()

    def close(self) -> Upload:
        """The body has ended: it must have ended with the closing boundary (row 7)."""
        self.hashing_owed()[0].run()
        if self._carry is not None and self._received:
            raise MalformedMultipart("the boundary of the Content-Type never appears in the body")
        if not self._scanner.ended:
            raise MalformedMultipart("body ends before the closing boundary")
        return self.upload

    # --- the scanner's sink (`partscanner.PartSink`) ---

    def part_begin(self) -> None:
        if len(self.upload.parts) >= self._max_parts:
            raise MalformedMultipart(f"more than {self._max_parts} parts")

    def headers_finished(self, headers: list[tuple[bytes, bytes]]) -> None:
        name, filename, content_type = "", None, None
        for header, value in headers:
            header = header.lower()
            if header == b"content-disposition":
                name, filename = _disposition(value)
            elif header == b"content-type":
                content_type = _text(value).strip()
        part = Part(len(self.upload.parts), name, filename, content_type)
        self.upload.parts.append(part)
        self._part = part
        self._digest = hashlib.sha256()
        if name == META_PART and self.upload.meta_part is None:
            self.upload.meta_part = part
            self._meta, self._sniffer = bytearray(), None
        else:
            self._meta, self._sniffer = None, ImageSniffer()
            self.upload.by_name.setdefault(name, part)

    def part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        assert part is not None  # the parser sends headers_finished before any data
        chunk = data if start == 0 and end == len(data) else memoryview(data)[start:end]
        part.size += end - start
        if self._meta is not None:
            if part.size <= self._max_meta_bytes:
                self._meta += chunk
            else:
                self.upload.meta_over_limit = True
        elif part.size > self.max_image_bytes:
            if not part.over_limit:
                part.over_limit, self._digest, self._sniffer = True, None, None
                self._news.append(part)
            return
        if self._digest is not None:
            self._owed.append((self._digest, chunk))
            self._owed_bytes += end - start
        if self._sniffer is not None and not self._sniffer.done:
            self._sniffer.feed(chunk)

    def part_end(self) -> None:
        part = self._part
        assert part is not None
        if self._digest is not None:
            self._owed.append((self._digest, part))
        if self._sniffer is not None:
            part.image = self._sniffer.result()
        if self._meta is not None:
            self.upload.meta = bytes(self._meta)
        part.complete = True
        self._part, self._digest, self._sniffer, self._meta = None, None, None, None
        self._news.append(part)
