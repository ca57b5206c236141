"""Tests for mockserver.detect.images: format recognition and streaming size reads for JPEG, PNG and TIFF."""

from __future__ import annotations

import functools
import io
import random
import struct
import tracemalloc
import zlib
from collections.abc import Callable

import pytest
from PIL import Image, features

from mockserver.detect.images import ImageInfo, ImageSniffer, sniff

CHUNK_SIZES = [1, 2, 3, 7, 4096, 65536, None]  # None: everything in one feed call
SERVER_CHUNK = 64 * 1024
SOF_MARKERS = [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF]
SOF_FIELDS_SIZE = 8  # Lf, P, Y, X, Nf after the marker
SHORT, LONG, LONG8, ASCII, RATIONAL = 3, 4, 16, 2, 5
WIDTH_TAG, LENGTH_TAG = 256, 257


# --- helpers ---


@functools.cache
def encode(fmt: str, size: tuple[int, int], mode: str = "RGB", **params: object) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, "white" if mode != "I;16B" else 7).save(buf, fmt, **params)
    return buf.getvalue()


def feed_in_chunks(data: bytes, chunk: int | None) -> ImageSniffer:
    sniffer = ImageSniffer()
    step = chunk or max(len(data), 1)
    for start in range(0, len(data), step):
        sniffer.feed(data[start : start + step])
    return sniffer


def pillow_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as im:
        return im.size


def jpeg_with_sof(
    data: bytes,
    *,
    marker: int | None = None,
    width: int | None = None,
    height: int | None = None,
    length: int | None = None,
    components: int | None = None,
) -> bytes:
    """Patch fields of the first frame header (located with the reference walker)."""
    at = header_end(data) - SOF_FIELDS_SIZE
    lf, p, y, x, nf = struct.unpack(">HBHHB", data[at : at + SOF_FIELDS_SIZE])
    fields = struct.pack(
        ">HBHHB",
        lf if length is None else length,
        p,
        y if height is None else height,
        x if width is None else width,
        nf if components is None else components,
    )
    prefix = data[: at - 1] + bytes([data[at - 1] if marker is None else marker])
    return prefix + fields + data[at + SOF_FIELDS_SIZE :]


def jpeg_insert_after_soi(data: bytes, extra: bytes) -> bytes:
    return data[:2] + extra + data[2:]


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_with_ihdr(data: bytes, width: int, height: int) -> bytes:
    ihdr = struct.pack(">II", width, height) + data[24:29]
    return data[:8] + png_chunk(b"IHDR", ihdr) + data[33:]


Entry = tuple[int, int, int, int]  # tag, type, count, value


def tiff_entries(width: int, height: int, size_type: int = SHORT, strip_offset: int = 0) -> list[Entry]:
    """A minimal grayscale, uncompressed, single-strip IFD that Pillow can open."""
    return [
        (WIDTH_TAG, size_type, 1, width),
        (LENGTH_TAG, size_type, 1, height),
        (258, SHORT, 1, 8),  # BitsPerSample
        (259, SHORT, 1, 1),  # Compression: none
        (262, SHORT, 1, 1),  # PhotometricInterpretation: black is zero
        (273, LONG, 1, strip_offset),  # StripOffsets
        (277, SHORT, 1, 1),  # SamplesPerPixel
        (278, LONG, 1, height),  # RowsPerStrip
        (279, LONG, 1, width * height),  # StripByteCounts
    ]


def make_tiff(
    width: int,
    height: int,
    *,
    order: str = "<",
    big: bool = False,
    size_type: int = SHORT,
    ifd_at_end: bool = False,
    strip_size: int | None = None,
    entries: list[Entry] | None = None,
    ifd_offset: int | None = None,
    junk: bytes = b"\0" * 6,
) -> bytes:
    """Craft a TIFF/BigTIFF; `junk` fills the unused tail of inline value fields (readers must ignore it)."""
    field_size, head = (8, 16) if big else (4, 8)
    n = len(entries) if entries is not None else 9
    ifd_size = (8 + n * 20 + 8) if big else (2 + n * 12 + 4)
    strip = bytes(width * height if strip_size is None else strip_size)
    strip_offset, ifd_at = (head, head + len(strip)) if ifd_at_end else (head + ifd_size, head)
    entries = entries if entries is not None else tiff_entries(width, height, size_type, strip_offset)
    codes = {SHORT: "H", LONG: "I", LONG8: "Q", ASCII: "I", RATIONAL: "I"}
    parts = [struct.pack(order + ("Q" if big else "H"), len(entries))]
    for tag, kind, count, value in entries:
        packed = struct.pack(order + codes[kind], value)
        parts.append(struct.pack(order + ("HHQ" if big else "HHI"), tag, kind, count))
        parts.append(packed + junk[: field_size - len(packed)])
    parts.append(bytes(8 if big else 4))  # no next IFD
    ifd = b"".join(parts)
    magic = (b"II" if order == "<" else b"MM") + struct.pack(order + "H", 43 if big else 42)
    offset = ifd_at if ifd_offset is None else ifd_offset
    header = magic + (struct.pack(order + "HHQ", 8, 0, offset) if big else struct.pack(order + "I", offset))
    return header + (strip + ifd if ifd_at_end else ifd + strip)


def header_end(data: bytes) -> int:
    """Reference, random-access walker: index just past the last header byte the size depends on."""
    if data.startswith(b"\x89PNG"):
        return 24
    if data.startswith(b"\xff\xd8"):
        pos = 2
        while True:
            while data[pos + 1] == 0xFF:  # fill bytes
                pos += 1
            marker = data[pos + 1]
            if marker in SOF_MARKERS:
                return pos + 2 + SOF_FIELDS_SIZE
            standalone = marker == 0x01 or 0xD0 <= marker <= 0xD7
            pos += 2 if standalone else 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    order = "<" if data.startswith(b"II") else ">"
    big = struct.unpack_from(order + "H", data, 2)[0] == 43
    count_fmt, entry_size = ("Q", 20) if big else ("H", 12)
    ifd: int = struct.unpack_from(order + ("Q" if big else "I"), data, 8 if big else 4)[0]
    count: int = struct.unpack_from(order + count_fmt, data, ifd)[0]
    first = ifd + struct.calcsize(order + count_fmt)
    tags = [struct.unpack_from(order + "H", data, first + i * entry_size)[0] for i in range(count)]
    last = max(tags.index(WIDTH_TAG), tags.index(LENGTH_TAG))
    return first + entry_size * (last + 1)


# --- sample tables ---

Sample = tuple[str, Callable[[], bytes], ImageInfo]


def _jpeg(size: tuple[int, int], **params: object) -> Callable[[], bytes]:
    return lambda: encode("JPEG", size, **params)


VALID: list[Sample] = [
    ("jpeg-1x1", _jpeg((1, 1)), ImageInfo("jpeg", 1, 1)),
    ("jpeg-17x5", _jpeg((17, 5)), ImageInfo("jpeg", 17, 5)),
    ("jpeg-640x480", _jpeg((640, 480)), ImageInfo("jpeg", 640, 480)),
    ("jpeg-4000x3000", _jpeg((4000, 3000)), ImageInfo("jpeg", 4000, 3000)),
    ("jpeg-progressive-17x5", _jpeg((17, 5), progressive=True), ImageInfo("jpeg", 17, 5)),
    ("jpeg-progressive-640x480", _jpeg((640, 480), progressive=True), ImageInfo("jpeg", 640, 480)),
    ("jpeg-grayscale", lambda: encode("JPEG", (33, 9), "L"), ImageInfo("jpeg", 33, 9)),
    ("jpeg-cmyk-adobe", lambda: encode("JPEG", (9, 33), "CMYK"), ImageInfo("jpeg", 9, 33)),
    ("jpeg-icc-200k", _jpeg((17, 5), icc_profile=b"x" * 200_000), ImageInfo("jpeg", 17, 5)),
    (
        "jpeg-exif-icc",
        _jpeg((640, 480), exif=b"Exif\0\0" + b"y" * 60_000, icc_profile=b"x" * 200_000),
        ImageInfo("jpeg", 640, 480),
    ),
    (
        "jpeg-crafted-65535x65535",
        lambda: jpeg_with_sof(encode("JPEG", (1, 1)), width=65535, height=65535),
        ImageInfo("jpeg", 65535, 65535),
    ),
    (
        "jpeg-fill-bytes-and-rst-marker",
        lambda: jpeg_insert_after_soi(encode("JPEG", (17, 5)), b"\xff\xff\xff\xd3" + b"\xff" * 300),
        ImageInfo("jpeg", 17, 5),
    ),
    ("png-1x1", lambda: encode("PNG", (1, 1)), ImageInfo("png", 1, 1)),
    ("png-17x5-palette", lambda: encode("PNG", (17, 5), "P"), ImageInfo("png", 17, 5)),
    ("png-640x480-rgba", lambda: encode("PNG", (640, 480), "RGBA"), ImageInfo("png", 640, 480)),
    ("png-4000x3000", lambda: encode("PNG", (4000, 3000)), ImageInfo("png", 4000, 3000)),
    (
        "png-crafted-max",
        lambda: png_with_ihdr(encode("PNG", (1, 1)), 2**31 - 1, 1),
        ImageInfo("png", 2**31 - 1, 1),
    ),
    ("tiff-le-1x1", lambda: encode("TIFF", (1, 1)), ImageInfo("tiff", 1, 1)),
    ("tiff-le-640x480", lambda: encode("TIFF", (640, 480)), ImageInfo("tiff", 640, 480)),
    ("tiff-be-17x5", lambda: encode("TIFF", (17, 5), "I;16B"), ImageInfo("tiff", 17, 5)),
    (
        "tiff-lzw-ifd-at-end",
        lambda: encode("TIFF", (640, 480), compression="tiff_lzw"),
        ImageInfo("tiff", 640, 480),
    ),
    ("bigtiff-le-17x5", lambda: encode("TIFF", (17, 5), big_tiff=True), ImageInfo("tiff", 17, 5)),
    ("tiff-crafted-le-short", lambda: make_tiff(17, 5, junk=b"\xab\xcd"), ImageInfo("tiff", 17, 5)),
    (
        "tiff-crafted-be-short",
        lambda: make_tiff(17, 5, order=">", junk=b"\xab\xcd"),
        ImageInfo("tiff", 17, 5),
    ),
    (
        "tiff-crafted-be-long",
        lambda: make_tiff(640, 480, order=">", size_type=LONG),
        ImageInfo("tiff", 640, 480),
    ),
    (
        "tiff-crafted-4000x3000",
        lambda: make_tiff(4000, 3000, size_type=LONG, strip_size=16),
        ImageInfo("tiff", 4000, 3000),
    ),
    (
        "tiff-crafted-be-ifd-after-90k",
        lambda: make_tiff(300, 300, order=">", ifd_at_end=True, junk=b"\xff" * 2),
        ImageInfo("tiff", 300, 300),
    ),
    (
        "bigtiff-crafted-be-short",
        lambda: make_tiff(17, 5, order=">", big=True, junk=b"\xee" * 6),
        ImageInfo("tiff", 17, 5),
    ),
    (
        "bigtiff-crafted-le-long8",
        lambda: make_tiff(640, 480, big=True, size_type=LONG8),
        ImageInfo("tiff", 640, 480),
    ),
    (
        "bigtiff-crafted-be-long8-ifd-at-end",
        lambda: make_tiff(
            4000, 3000, order=">", big=True, size_type=LONG8, ifd_at_end=True, strip_size=50_000
        ),
        ImageInfo("tiff", 4000, 3000),
    ),
]

# Pillow only recognises BigTIFF when byte 2 is 43, i.e. little-endian; big-endian BigTIFF is spec-valid.
PILLOW_UNREADABLE = {"bigtiff-crafted-be-short", "bigtiff-crafted-be-long8-ifd-at-end"}

_HEIC = struct.pack(">I", 24) + b"ftypheic" + bytes(4) + b"mif1heic" + bytes(64)

UNKNOWN: list[tuple[str, Callable[[], bytes]]] = [
    ("gif", lambda: encode("GIF", (17, 5))),
    ("bmp", lambda: encode("BMP", (17, 5))),
    ("webp", lambda: encode("WEBP", (17, 5)) if features.check("webp") else b"RIFF\0\0\0\0WEBPVP8 "),
    ("ppm", lambda: encode("PPM", (17, 5))),
    ("ico", lambda: encode("ICO", (16, 16))),
    ("heic", lambda: _HEIC),
    ("text", lambda: b"hello, this is not an image\n" * 10),
    ("svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
    ("random-1", lambda: b"\x00" + random.Random(1).randbytes(4000)),
    ("random-2", lambda: b"\x42" + random.Random(2).randbytes(70_000)),
    ("empty", lambda: b""),
    ("one-byte-ff", lambda: b"\xff"),
    ("one-byte-89", lambda: b"\x89"),
    ("one-byte-I", lambda: b"I"),
    ("jpeg-soi-only", lambda: b"\xff\xd8"),
    ("png-signature-only", lambda: b"\x89PNG\r\n\x1a\n"),
    ("tiff-header-only", lambda: b"II*\0\x08\0\0\0"),
]

JPEG_17x5 = functools.partial(encode, "JPEG", (17, 5))
PNG_17x5 = functools.partial(encode, "PNG", (17, 5))

JPEG_MALFORMED: list[tuple[str, Callable[[], bytes]]] = [
    (
        "sos-before-sof",
        lambda: jpeg_insert_after_soi(JPEG_17x5(), b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"),
    ),
    ("eoi-before-sof", lambda: jpeg_insert_after_soi(JPEG_17x5(), b"\xff\xd9")),
    ("second-soi", lambda: jpeg_insert_after_soi(JPEG_17x5(), b"\xff\xd8")),
    ("stuffed-zero-as-marker", lambda: jpeg_insert_after_soi(JPEG_17x5(), b"\xff\x00")),
    ("garbage-instead-of-marker", lambda: jpeg_insert_after_soi(JPEG_17x5(), b"\x12\x34")),
    ("segment-length-below-2", lambda: jpeg_insert_after_soi(JPEG_17x5(), b"\xff\xfe\x00\x01")),
    ("zero-height-dnl", lambda: jpeg_with_sof(JPEG_17x5(), height=0)),
    ("zero-width", lambda: jpeg_with_sof(JPEG_17x5(), width=0)),
    ("zero-components", lambda: jpeg_with_sof(JPEG_17x5(), components=0, length=8)),
    ("frame-length-inconsistent", lambda: jpeg_with_sof(JPEG_17x5(), length=12)),
]

PNG_MALFORMED: list[tuple[str, Callable[[], bytes]]] = [
    ("text-chunk-first", lambda: PNG_17x5()[:8] + png_chunk(b"tEXt", b"a\0b") + PNG_17x5()[8:]),
    (
        "ihdr-length-14",
        lambda: PNG_17x5()[:8] + png_chunk(b"IHDR", PNG_17x5()[16:29] + b"\0") + PNG_17x5()[33:],
    ),
    ("zero-width", lambda: png_with_ihdr(PNG_17x5(), 0, 5)),
    ("zero-height", lambda: png_with_ihdr(PNG_17x5(), 17, 0)),
    ("width-over-2^31", lambda: png_with_ihdr(PNG_17x5(), 2**31, 5)),
    ("signature-broken-by-newline-conversion", lambda: PNG_17x5().replace(b"\r\n", b"\n", 1)),
]

TIFF_MALFORMED: list[tuple[str, Callable[[], bytes]]] = [
    ("ifd-offset-into-header", lambda: make_tiff(17, 5, ifd_offset=4)),
    ("ifd-offset-zero", lambda: make_tiff(17, 5, ifd_offset=0)),
    ("bigtiff-ifd-offset-into-header", lambda: make_tiff(17, 5, big=True, ifd_offset=8)),
    ("ifd-offset-beyond-end", lambda: make_tiff(17, 5, ifd_offset=10_000)),
    ("bigtiff-ifd-offset-beyond-end", lambda: make_tiff(17, 5, order=">", big=True, ifd_offset=2**40)),
    ("missing-width", lambda: make_tiff(17, 5, entries=tiff_entries(17, 5)[1:])),
    ("missing-length", lambda: make_tiff(17, 5, entries=tiff_entries(17, 5)[::2])),
    ("zero-width", lambda: make_tiff(17, 5, entries=tiff_entries(0, 5))),
    ("zero-length-long", lambda: make_tiff(17, 5, entries=tiff_entries(17, 0, LONG))),
    ("width-type-ascii", lambda: make_tiff(17, 5, entries=tiff_entries(17, 5, ASCII))),
    ("width-type-rational", lambda: make_tiff(17, 5, order=">", entries=tiff_entries(17, 5, RATIONAL))),
    ("long8-in-classic-tiff", lambda: make_tiff(17, 5, entries=tiff_entries(17, 5, LONG8))),
    (
        "width-count-2",
        lambda: make_tiff(17, 5, entries=[(WIDTH_TAG, SHORT, 2, 17), *tiff_entries(17, 5)[1:]]),
    ),
    ("zero-entries", lambda: make_tiff(17, 5, entries=[])),
    ("version-44", lambda: b"II,\0" + make_tiff(17, 5)[4:]),
    ("mixed-byte-order", lambda: b"IM" + make_tiff(17, 5)[2:]),
    (
        "bigtiff-offset-size-4",
        lambda: make_tiff(17, 5, big=True)[:4] + b"\x04\0" + make_tiff(17, 5, big=True)[6:],
    ),
    (
        "bigtiff-reserved-nonzero",
        lambda: make_tiff(17, 5, big=True)[:6] + b"\x01\0" + make_tiff(17, 5, big=True)[8:],
    ),
]

INVALID = (
    UNKNOWN
    + [("jpeg-" + n, f) for n, f in JPEG_MALFORMED]
    + [("png-" + n, f) for n, f in PNG_MALFORMED]
    + [("tiff-" + n, f) for n, f in TIFF_MALFORMED]
)

# Inputs that may yet become valid with more bytes (or whose IFD never arrives) stay "not done".
_OPEN_ENDED = {
    "empty",
    "one-byte-ff",
    "one-byte-89",
    "one-byte-I",
    "jpeg-soi-only",
    "png-signature-only",
    "tiff-header-only",
    "tiff-ifd-offset-beyond-end",
    "tiff-bigtiff-ifd-offset-beyond-end",
}
DEFINITE = [row for row in INVALID if row[0] not in _OPEN_ENDED]


def _ids(table: list[tuple[str, Callable[[], bytes]]] | list[Sample]) -> list[str]:
    return [row[0] for row in table]


# --- valid images ---


@pytest.mark.parametrize(("name", "build", "expected"), VALID, ids=_ids(VALID))
def test_sniff_valid_image_matches_pillow(
    name: str, build: Callable[[], bytes], expected: ImageInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # crafted headers claim huge sizes
    data = build()
    assert sniff(data) == expected
    if name not in PILLOW_UNREADABLE:
        assert pillow_size(data) == (expected.width, expected.height)


@pytest.mark.parametrize("chunk", CHUNK_SIZES, ids=lambda c: f"chunk-{c or 'all'}")
@pytest.mark.parametrize(("name", "build", "expected"), VALID, ids=_ids(VALID))
def test_sniffer_valid_image_independent_of_chunk_size(
    name: str, build: Callable[[], bytes], expected: ImageInfo, chunk: int | None
) -> None:
    sniffer = feed_in_chunks(build(), chunk)
    assert sniffer.done
    assert sniffer.result() == expected


@pytest.mark.parametrize(("name", "build", "expected"), VALID, ids=_ids(VALID))
def test_sniffer_prefix_unknown_until_size_readable(
    name: str, build: Callable[[], bytes], expected: ImageInfo
) -> None:
    data = build()
    end = header_end(data)
    sniffer = ImageSniffer()
    for i in range(end):
        assert not sniffer.done, f"done after only {i} bytes"
        assert sniffer.result() is None
        sniffer.feed(data[i : i + 1])
    assert sniffer.done
    assert sniffer.result() == expected
    if end <= 4096:  # the whole-bytes entry point on every truncation, kept quadratic-cheap
        assert all(sniff(data[:n]) is None for n in range(end))


# --- unknown and malformed inputs ---


@pytest.mark.parametrize("chunk", CHUNK_SIZES, ids=lambda c: f"chunk-{c or 'all'}")
@pytest.mark.parametrize(("name", "build"), INVALID, ids=_ids(INVALID))
def test_sniffer_invalid_input_returns_none(name: str, build: Callable[[], bytes], chunk: int | None) -> None:
    data = build()
    assert feed_in_chunks(data, chunk).result() is None
    if chunk is None:
        assert sniff(data) is None


@pytest.mark.parametrize(("name", "build"), DEFINITE, ids=_ids(DEFINITE))
def test_sniffer_malformed_header_is_done(name: str, build: Callable[[], bytes]) -> None:
    # A definite "no" lets the server stop feeding the part instead of streaming it to the end.
    sniffer = ImageSniffer()
    sniffer.feed(build())
    assert sniffer.done
    assert sniffer.result() is None


def test_sniffer_tiff_ifd_beyond_end_is_not_done() -> None:
    sniffer = feed_in_chunks(make_tiff(17, 5, ifd_offset=10_000), SERVER_CHUNK)
    assert not sniffer.done
    assert sniffer.result() is None


# --- JPEG specifics ---


@pytest.mark.parametrize("marker", SOF_MARKERS, ids=lambda m: f"sof-{m:02x}")
def test_sniff_jpeg_any_sof_marker_reads_size(marker: int) -> None:
    data = jpeg_with_sof(encode("JPEG", (17, 5)), marker=marker, width=1234, height=567)
    assert sniff(data) == ImageInfo("jpeg", 1234, 567)


@pytest.mark.parametrize("marker", [0x01, *range(0xD0, 0xD8)], ids=lambda m: f"standalone-{m:02x}")
def test_sniff_jpeg_standalone_marker_skipped(marker: int) -> None:
    # TEM and RSTn carry no length field; Pillow rejects TEM, so only the expected size is checked.
    data = jpeg_insert_after_soi(encode("JPEG", (17, 5)), bytes([0xFF, marker, 0xFF, 0xFF, marker]))
    assert sniff(data) == ImageInfo("jpeg", 17, 5)


@pytest.mark.parametrize("marker", [0xC4, 0xC8, 0xCC], ids=["dht", "jpg", "dac"])
def test_sniff_jpeg_non_sof_marker_in_sof_range_skipped(marker: int) -> None:
    # Payload shaped like a 1x1 frame header: reading it as a SOF would report the wrong size.
    decoy = bytes([0xFF, marker]) + struct.pack(">HBHHB", 11, 8, 1, 1, 1) + b"\x01\x11\x00"
    assert sniff(jpeg_insert_after_soi(encode("JPEG", (17, 5)), decoy)) == ImageInfo("jpeg", 17, 5)


@pytest.mark.parametrize("name", ["jpeg-icc-200k", "jpeg-exif-icc"])
def test_sniff_jpeg_frame_after_large_metadata(name: str) -> None:
    data = next(build for n, build, _ in VALID if n == name)()
    assert header_end(data) > 200_000
    assert feed_in_chunks(data, SERVER_CHUNK).result() is not None


def test_sniff_jpeg_long_fill_run_skipped() -> None:
    data = jpeg_insert_after_soi(encode("JPEG", (17, 5)), b"\xff\xfe\x00\x02" + b"\xff" * (4 << 20))
    sniffer = feed_in_chunks(data, SERVER_CHUNK)
    assert sniffer.result() == ImageInfo("jpeg", 17, 5)


# --- TIFF specifics ---


def test_sniff_tiff_pillow_lzw_keeps_ifd_after_strips() -> None:
    data = encode("TIFF", (640, 480), compression="tiff_lzw")
    (ifd,) = struct.unpack_from("<I", data, 4)
    assert ifd > len(data) // 2
    assert sniff(data) == ImageInfo("tiff", 640, 480)


@pytest.mark.parametrize("big", [False, True], ids=["tiff", "bigtiff"])
def test_sniffer_tiff_ifd_after_4mib_strip_data(big: bool) -> None:
    data = make_tiff(2048, 2048, big=big, size_type=LONG, ifd_at_end=True)
    sniffer = feed_in_chunks(data, SERVER_CHUNK)
    assert sniffer.result() == ImageInfo("tiff", 2048, 2048)
    assert pillow_size(data) == (2048, 2048)


@pytest.mark.parametrize("big", [False, True], ids=["tiff", "bigtiff"])
def test_sniff_tiff_65535_entries_sizes_last(big: bool) -> None:
    filler = [(60_000, SHORT, 1, 0)] * (65_535 - 2)
    entries = filler + [(LENGTH_TAG, LONG, 1, 480), (WIDTH_TAG, SHORT, 1, 640)]
    data = make_tiff(640, 480, big=big, entries=entries)
    assert feed_in_chunks(data, SERVER_CHUNK).result() == ImageInfo("tiff", 640, 480)


# --- streaming cost and state ---


@functools.cache
def noisy_4mib_jpeg() -> bytes:
    im = Image.frombytes("RGB", (2048, 2048), random.Random(7).randbytes(2048 * 2048 * 3))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=95)
    data = buf.getvalue()
    assert len(data) >= 4 << 20
    return data


def test_sniffer_done_right_after_frame_header_then_feed_is_noop() -> None:
    data = noisy_4mib_jpeg()
    end = header_end(data)
    sniffer = ImageSniffer()
    sniffer.feed(data[: end - 1])
    assert not sniffer.done
    sniffer.feed(data[end - 1 : end])
    assert sniffer.done
    # Once done, what follows is never looked at: even bytes that are not JPEG change nothing.
    sniffer.feed(b"\x00" * SERVER_CHUNK)
    assert sniffer.result() == ImageInfo("jpeg", 2048, 2048)


def test_sniffer_4mib_segment_skip_unbuffered() -> None:
    # The frame header sits behind ~4 MiB of ICC data split over many APP2 segments.
    data = encode("JPEG", (17, 5), icc_profile=b"x" * (4 << 20))
    view = memoryview(data)
    sniffer = ImageSniffer()
    tracemalloc.start()
    try:
        for start in range(0, len(data), SERVER_CHUNK):
            sniffer.feed(view[start : start + SERVER_CHUNK])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sniffer.result() == ImageInfo("jpeg", 17, 5)
    assert peak < 16 * 1024


def test_sniffer_feed_after_done_ignores_more_data() -> None:
    sniffer = ImageSniffer()
    sniffer.feed(encode("PNG", (17, 5)))
    sniffer.feed(b"\xff\xd8\xff\xc0garbage")
    assert sniffer.done
    assert sniffer.result() == ImageInfo("png", 17, 5)


def test_sniffer_empty_and_memoryview_chunks_accepted() -> None:
    data = encode("TIFF", (17, 5))
    sniffer = ImageSniffer()
    sniffer.feed(b"")
    sniffer.feed(memoryview(data)[:10])
    sniffer.feed(memoryview(b""))
    sniffer.feed(memoryview(bytearray(data[10:])))
    assert sniffer.result() == ImageInfo("tiff", 17, 5)


def test_sniffer_fresh_sniffer_is_not_done() -> None:
    sniffer = ImageSniffer()
    assert not sniffer.done
    assert sniffer.result() is None


@pytest.mark.parametrize(("name", "build", "expected"), VALID[::3], ids=_ids(VALID[::3]))
def test_sniff_mutated_header_never_raises(
    name: str, build: Callable[[], bytes], expected: ImageInfo
) -> None:
    data = build()[:400]
    rng = random.Random(name)
    for _ in range(150):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        whole = sniff(bytes(mutated))
        assert whole is None or isinstance(whole, ImageInfo)
        assert feed_in_chunks(bytes(mutated), 3).result() == whole
