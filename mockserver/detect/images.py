"""Recognise JPEG, PNG and TIFF uploads by their bytes and read the pixel size while they stream in.

The server never holds a whole image in memory, so :class:`ImageSniffer` is fed chunk after chunk and
keeps only what the header parser is waiting for.  Each format is a small state machine whose states
are expressed as "need N bytes -> handler", optionally preceded by "skip N bytes":

* the feed loop first counts down a pending skip (segments, strip data) by advancing an index, so a
  large skip costs one step per chunk rather than one per byte, and nothing skipped is stored;
* it then collects exactly N bytes (never more than an IFD entry, 20 bytes) into a small buffer and
  hands them to the handler, which validates them and installs the next state or the final answer.

JPEG walks the marker segments up to the first SOF (fill bytes are skipped with a regex scan, again
without copying); PNG checks the signature and the leading IHDR chunk; TIFF and BigTIFF skip forward to
the first IFD and read its entries one at a time until ImageWidth and ImageLength are both seen.  Any
violation makes the answer "unknown" (``None``) at once; running out of input before an answer also
means "unknown".  Nothing here raises on malformed input.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from typing import NamedTuple

# Format detection looks at this many leading bytes: enough to tell the three signatures apart.
SNIFF_SIZE = 2

# --- JPEG (ITU-T T.81, Annex B) ---
JPEG_SOI = b"\xff\xd8"
JPEG_MARKER_PREFIX = 0xFF
JPEG_STUFFED_ZERO = 0x00
JPEG_SOI_MARKER = 0xD8
JPEG_EOI = 0xD9
JPEG_SOS = 0xDA
JPEG_TEM = 0x01
JPEG_RST0 = 0xD0
JPEG_RST7 = 0xD7
# C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frame headers.
JPEG_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
JPEG_LENGTH_SIZE = 2  # the segment length counts its own two bytes
JPEG_SOF_FIELDS = struct.Struct(">HBHHB")  # Lf, precision, height (Y), width (X), component count
JPEG_SOF_COMPONENT_SIZE = 3
# Scan data or the image's end before any frame header leaves no size to report; a second SOI or a
# stuffed zero (only legal inside scan data) means the stream is not a well-formed JPEG.
_JPEG_NO_FRAME = frozenset({JPEG_SOS, JPEG_EOI, JPEG_SOI_MARKER, JPEG_STUFFED_ZERO})
# Fill bytes may precede any marker; find where a run of them ends without touching each byte in Python.
_JPEG_NOT_FILL = re.compile(rb"[^\xff]")

# --- PNG (ISO/IEC 15948) ---
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHUNK_HEADER = struct.Struct(">I4s")  # length, type
PNG_IHDR = b"IHDR"
PNG_IHDR_LENGTH = 13
PNG_SIZE_FIELDS = struct.Struct(">II")
PNG_MAX_DIMENSION = 2**31 - 1

# --- TIFF 6.0 and BigTIFF ---
TIFF_LITTLE_ENDIAN = b"II"
TIFF_BIG_ENDIAN = b"MM"
TIFF_VERSION_SIZE = 2
TIFF_VERSION = 42
BIGTIFF_VERSION = 43
TIFF_HEADER_SIZE = 8
BIGTIFF_HEADER_SIZE = 16
BIGTIFF_HEADER_FIELDS = "HH"  # offset byte size, reserved
BIGTIFF_OFFSET_SIZE = 8
BIGTIFF_RESERVED = 0
TIFF_TAG_IMAGE_WIDTH = 256
TIFF_TAG_IMAGE_LENGTH = 257
TIFF_TYPE_SHORT = 3
TIFF_TYPE_LONG = 4
TIFF_TYPE_LONG8 = 16
_TIFF_TYPE_CODES = {TIFF_TYPE_SHORT: "H", TIFF_TYPE_LONG: "I", TIFF_TYPE_LONG8: "Q"}


class _TiffLayout(NamedTuple):
    """Field formats (without byte order) that differ between classic TIFF and BigTIFF."""

    header_size: int
    offset: str  # first IFD offset
    entry_count: str
    entry: str  # tag, type, count, value field (a value that fits sits left-justified in the field)


_TIFF_LAYOUT = _TiffLayout(TIFF_HEADER_SIZE, "I", "H", "HHI4s")
_BIGTIFF_LAYOUT = _TiffLayout(BIGTIFF_HEADER_SIZE, "Q", "Q", "HHQ8s")

_Handler = Callable[[bytes], None]


def _done(block: bytes) -> None:
    """The handler once the answer is known: `feed` returns before calling any."""


class _Inconclusive:
    """The chunk ended before the header said anything."""


_INCONCLUSIVE = _Inconclusive()


def _jpeg_walk(view: memoryview) -> ImageInfo | None | _Inconclusive:
    """The state machine's JPEG answer for a chunk that starts the file, or _INCONCLUSIVE if it ends first.

    The same rules as the handlers below, without their per-byte bookkeeping.
    """
    pos, end = len(JPEG_SOI), len(view)
    while True:
        if pos >= end:
            return _INCONCLUSIVE
        if view[pos] != JPEG_MARKER_PREFIX:
            return None
        while pos < end and view[pos] == JPEG_MARKER_PREFIX:
            pos += 1
        if pos >= end:
            return _INCONCLUSIVE
        marker = view[pos]
        pos += 1
        if marker in JPEG_SOF_MARKERS:
            if pos + JPEG_SOF_FIELDS.size > end:
                return _INCONCLUSIVE
            length, _precision, height, width, components = JPEG_SOF_FIELDS.unpack_from(view, pos)
            consistent = components > 0 and length == JPEG_SOF_FIELDS.size + JPEG_SOF_COMPONENT_SIZE * components
            return ImageInfo("jpeg", width, height) if consistent and width and height else None
        if marker == JPEG_TEM or JPEG_RST0 <= marker <= JPEG_RST7:
            continue
        if marker in _JPEG_NO_FRAME:
            return None
        if pos + JPEG_LENGTH_SIZE > end:
            return _INCONCLUSIVE
        length = int.from_bytes(view[pos : pos + JPEG_LENGTH_SIZE], "big")
        if length < JPEG_LENGTH_SIZE:
            return None
        pos += length


class ImageInfo(NamedTuple):
    """Recognised image: ``format`` is ``"jpeg"``, ``"png"`` or ``"tiff"``; sizes are in pixels (> 0)."""

    format: str
    width: int
    height: int


class ImageSniffer:
    """Feed an image's bytes as they arrive; ask for the result after the last chunk.

    Memory use is bounded by the largest single read (20 bytes) whatever the input, and once
    :attr:`done` is true further :meth:`feed` calls return immediately.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._need = SNIFF_SIZE
        self._handler: _Handler = self._sniff_signature
        self._skip = 0
        self._skip_fill = False
        self._done = False
        self._result: ImageInfo | None = None
        # TIFF byte order and layout are known only after the header; the two sizes may come in any order.
        self._order = "<"
        self._layout = _TIFF_LAYOUT
        self._entries_left = 0
        self._tiff_width: int | None = None
        self._tiff_height: int | None = None

    @property
    def done(self) -> bool:
        """True once the answer is known (found, or definitely unknown): the caller may stop feeding."""
        return self._done

    def result(self) -> ImageInfo | None:
        """The recognised image, or ``None`` for an unknown type, a bad header or input that ended early."""
        return self._result

    def feed(self, data: bytes | memoryview) -> None:
        """Consume the next chunk (any size, including empty); a no-op once :attr:`done` is true."""
        if self._done:
            return
        view = memoryview(data)
        if view.ndim != 1 or view.itemsize != 1 or not view.c_contiguous:
            view = memoryview(view.tobytes())
        if self._handler == self._sniff_signature and not self._buf and view[:SNIFF_SIZE] == JPEG_SOI:
            # Most JPEG headers arrive whole in the first chunk: walk them in one go.
            found = _jpeg_walk(view)
            if not isinstance(found, _Inconclusive):
                self._finish(found)
                return
        pos, end = 0, len(view)
        while pos < end and not self._done:
            if self._skip:
                step = min(self._skip, end - pos)
                self._skip -= step
                pos += step
            elif self._skip_fill:
                match = _JPEG_NOT_FILL.search(view, pos)
                if match is None:
                    pos = end
                else:
                    pos = match.start()
                    self._skip_fill = False
            else:
                take = min(self._need - len(self._buf), end - pos)
                self._buf += view[pos : pos + take]
                pos += take
                if len(self._buf) == self._need:
                    block = bytes(self._buf)
                    self._buf.clear()
                    self._handler(block)

    # --- state machine plumbing ---

    def _expect(self, need: int, handler: _Handler, skip: int = 0) -> None:
        self._need, self._handler, self._skip = need, handler, skip

    def _finish(self, info: ImageInfo | None) -> None:
        self._result, self._done = info, True
        # A bound method kept in self is a reference cycle: drop it, so the sniffer is freed by reference
        # counting when its request ends, not by the cycle collector (whose passes it would lengthen).
        self._handler = _done

    def _sniff_signature(self, block: bytes) -> None:
        if block == JPEG_SOI:
            self._expect(1, self._jpeg_marker_start)
        elif block == PNG_SIGNATURE[:SNIFF_SIZE]:
            self._expect(len(PNG_SIGNATURE) - SNIFF_SIZE, self._png_signature)
        elif block in (TIFF_LITTLE_ENDIAN, TIFF_BIG_ENDIAN):
            self._order = "<" if block == TIFF_LITTLE_ENDIAN else ">"
            self._expect(TIFF_VERSION_SIZE, self._tiff_version)
        else:
            self._finish(None)

    # --- JPEG ---

    def _jpeg_marker_start(self, block: bytes) -> None:
        # Entropy-coded data only follows SOS, so before the frame header anything else is corrupt.
        if block[0] != JPEG_MARKER_PREFIX:
            self._finish(None)
            return
        self._skip_fill = True
        self._expect(1, self._jpeg_marker)

    def _jpeg_marker(self, block: bytes) -> None:
        marker = block[0]
        if marker in JPEG_SOF_MARKERS:
            self._expect(JPEG_SOF_FIELDS.size, self._jpeg_frame)
        elif marker == JPEG_TEM or JPEG_RST0 <= marker <= JPEG_RST7:
            self._expect(1, self._jpeg_marker_start)
        elif marker in _JPEG_NO_FRAME:
            self._finish(None)
        else:
            self._expect(JPEG_LENGTH_SIZE, self._jpeg_segment_length)

    def _jpeg_segment_length(self, block: bytes) -> None:
        length = int.from_bytes(block, "big")
        if length < JPEG_LENGTH_SIZE:
            self._finish(None)
        else:
            self._expect(1, self._jpeg_marker_start, skip=length - JPEG_LENGTH_SIZE)

    def _jpeg_frame(self, block: bytes) -> None:
        length, _precision, height, width, components = JPEG_SOF_FIELDS.unpack(block)
        consistent = components > 0 and length == JPEG_SOF_FIELDS.size + JPEG_SOF_COMPONENT_SIZE * components
        # Height 0 defers the size to a DNL marker after the first scan, which streaming cannot wait for.
        self._finish(ImageInfo("jpeg", width, height) if consistent and width and height else None)

    # --- PNG ---

    def _png_signature(self, block: bytes) -> None:
        if block != PNG_SIGNATURE[SNIFF_SIZE:]:
            self._finish(None)
        else:
            self._expect(PNG_CHUNK_HEADER.size, self._png_first_chunk)

    def _png_first_chunk(self, block: bytes) -> None:
        length, chunk_type = PNG_CHUNK_HEADER.unpack(block)
        if chunk_type != PNG_IHDR or length != PNG_IHDR_LENGTH:
            self._finish(None)
        else:
            self._expect(PNG_SIZE_FIELDS.size, self._png_size)

    def _png_size(self, block: bytes) -> None:
        width, height = PNG_SIZE_FIELDS.unpack(block)
        valid = 0 < width <= PNG_MAX_DIMENSION and 0 < height <= PNG_MAX_DIMENSION
        self._finish(ImageInfo("png", width, height) if valid else None)

    # --- TIFF / BigTIFF ---

    def _tiff_version(self, block: bytes) -> None:
        (version,) = struct.unpack(self._order + "H", block)
        if version == TIFF_VERSION:
            self._expect(struct.calcsize(self._order + self._layout.offset), self._tiff_ifd_offset)
        elif version == BIGTIFF_VERSION:
            self._layout = _BIGTIFF_LAYOUT
            self._expect(struct.calcsize(self._order + BIGTIFF_HEADER_FIELDS), self._bigtiff_header)
        else:
            self._finish(None)

    def _bigtiff_header(self, block: bytes) -> None:
        offset_size, reserved = struct.unpack(self._order + BIGTIFF_HEADER_FIELDS, block)
        if offset_size != BIGTIFF_OFFSET_SIZE or reserved != BIGTIFF_RESERVED:
            self._finish(None)
        else:
            self._expect(BIGTIFF_OFFSET_SIZE, self._tiff_ifd_offset)

    def _tiff_ifd_offset(self, block: bytes) -> None:
        (offset,) = struct.unpack(self._order + self._layout.offset, block)
        header_size = self._layout.header_size
        # Only forward skips are possible while streaming, and an offset into the header is corrupt anyway.
        # An offset past the end simply never arrives, leaving the result unknown.
        if offset < header_size:
            self._finish(None)
        else:
            count_size = struct.calcsize(self._order + self._layout.entry_count)
            self._expect(count_size, self._tiff_entry_count, skip=offset - header_size)

    def _tiff_entry_count(self, block: bytes) -> None:
        (self._entries_left,) = struct.unpack(self._order + self._layout.entry_count, block)
        if self._entries_left == 0:
            self._finish(None)
        else:
            self._expect(struct.calcsize(self._order + self._layout.entry), self._tiff_entry)

    def _tiff_entry(self, block: bytes) -> None:
        tag, value_type, count, field = struct.unpack(self._order + self._layout.entry, block)
        self._entries_left -= 1
        if tag in (TIFF_TAG_IMAGE_WIDTH, TIFF_TAG_IMAGE_LENGTH):
            code = _TIFF_TYPE_CODES.get(value_type)
            # LONG8 exists only in BigTIFF; a size needs exactly one value, stored inline.
            if code is None or (value_type == TIFF_TYPE_LONG8 and self._layout is _TIFF_LAYOUT) or count != 1:
                self._finish(None)
                return
            (value,) = struct.unpack_from(self._order + code, field)
            if value == 0:
                self._finish(None)
                return
            if tag == TIFF_TAG_IMAGE_WIDTH and self._tiff_width is None:
                self._tiff_width = value
            elif tag == TIFF_TAG_IMAGE_LENGTH and self._tiff_height is None:
                self._tiff_height = value
        if self._tiff_width is not None and self._tiff_height is not None:
            self._finish(ImageInfo("tiff", self._tiff_width, self._tiff_height))
        elif self._entries_left == 0:
            self._finish(None)
        else:
            self._expect(len(block), self._tiff_entry)


def sniff(data: bytes) -> ImageInfo | None:
    """Whole-bytes convenience for :class:`ImageSniffer`: recognise ``data`` and read its size."""
    sniffer = ImageSniffer()
    sniffer.feed(data)
    return sniffer.result()
