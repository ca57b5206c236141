"""Issue 6: the detect endpoint attacked with generated input (hypothesis), in-process.

Whatever arrives, the answer is the vendor's envelope: a JSON object with exactly `status`, `body`,
`htmlencoded` (false) and `last_modified` (0), the HTTP status mirroring the envelope's, a refusal's text
one of the check table's (README "The checks", SPEC section 2), a success's body one `<mode>_labels` list
per mode with one well-formed entry per meta image, and the server still healthy afterwards (`/health`,
and the journal still listable with one entry per request).

Four generators: random `meta` documents (wrong types, deep nesting, huge strings, invalid UTF-8, unicode
and lone-surrogate names, duplicate keys, too many images); random multipart shapes (boundaries missing,
inside data, truncated bodies, no parts, thousands of parts, odd part headers, LF line endings, garbage
around the body); random image bytes (truncated or absurd headers, zero and one byte); and well-formed
requests that must always succeed. The settings are derandomized so CI runs the same examples every time.
"""

from __future__ import annotations

import gc
import json
import random
import re
import struct
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, event, example, given, note, settings
from hypothesis import strategies as st
from support import BOUNDARY, URL, FormPart, body, content_type, image_bytes, image_part, in_process, meta_part

from mockserver.answers.compose import body_modes, mode_results, result_key

pytestmark = pytest.mark.anyio

MODES = ("object", "object2", "scene", "car_number", "multiobject", "pedestrian", "selfie")
MAX_IMAGES = 100  # the defaults the fuzzed app runs with (README "Settings")
MAX_META_BYTES = 1024 * 1024
MAX_PARTS = 1000
MAX_DEPTH = 32
UNKNOWN_TYPE = "The memory contains data of an unknown image type"
ECHO_LIMIT = 128

# Only this module's tests use these settings: no profile is registered or loaded globally.
# No shrinking: a failure is reported as generated (derandomized, so a rerun repeats it), within the time budget;
# the minimal reproductions are the regression tests at the end of this file.
FUZZ = settings(
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)

# Every refusal the detect endpoint may give, from the check table: (envelope status, full-text pattern).
# `value` is a client-sent value echoed back, cut at 128 characters with an ellipsis.
ROWS: list[tuple[int, re.Pattern[str]]] = [
    (status, re.compile(pattern, re.DOTALL))
    for status, pattern in [
        (400, r"empty oauth_provider"),
        (400, r"empty oauth_token"),
        (403, r"unsupported oauth_provider: (?P<value>.*)"),
        (403, r"authorization failed, provider: .*, token: .{0,6}…, reason: Access Token invalid"),
        (400, r"request is not multipart/form-data"),
        (400, r"request body too large: limit \d+ bytes"),
        (400, r"malformed multipart body: .+"),
        (400, r"empty meta"),
        (400, r"invalid meta: .+"),
        (400, r"empty mode"),
        (400, r"unknown mode: (?P<value>.*)"),
        (400, r"empty images"),
        (400, r"too many images: \d+, max \d+"),
        (400, r"empty image name"),
        (400, r"duplicate image name: (?P<value>.*)"),
        (400, r"could not get image by name (?P<value>.*): http: no such file"),
        (400, r"empty image"),
        (400, r"image (?P<value>.*) is too large: \d+ bytes, max \d+"),
    ]
]


# --- oracles ---------------------------------------------------------------------------------------------


def scrub(text: str) -> str:
    """A name as the vendor's Go decoder sees it (README "Decisions"): lone surrogates become U+FFFD."""
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


def echo(value: str) -> str:
    return value if len(value) <= ECHO_LIMIT else value[:ECHO_LIMIT] + "…"


def assert_refusal(status: int, text: Any) -> None:
    """`text` is one of the check table's texts, with the status of its row."""
    assert isinstance(text, str), text
    rows = [(row_status, match) for row_status, pattern in ROWS if (match := pattern.fullmatch(text))]
    assert rows, f"not a documented refusal: {text[:300]!r}"
    assert status in {row_status for row_status, _ in rows}, (status, text[:300])
    for _, match in rows:
        value = match.groupdict().get("value")
        if value is not None:
            assert len(value) <= ECHO_LIMIT or (len(value) == ECHO_LIMIT + 1 and value.endswith("…")), len(value)


def assert_label(mode: str, label: Any, size: tuple[int, int] | None) -> None:
    assert isinstance(label, dict)
    assert isinstance(label["eng"], str) and isinstance(label["rus"], str)
    prob = label["prob"]
    assert isinstance(prob, int | float) and 0 <= prob <= 1 and round(prob, 4) == prob, prob
    if mode == "scene":
        assert "coord" not in label
        return
    coord = label["coord"]
    assert isinstance(coord, list) and len(coord) == 4 and all(type(value) is int for value in coord), coord
    left, top, right, bottom = coord
    assert 0 <= left < right and 0 <= top < bottom, coord
    if size is not None:
        width, height = size
        assert right <= width and bottom <= height, (coord, size)
    if mode == "car_number":
        assert [entry["type"] for entry in label["types_prob"]] == ["ru", "cis", "eu"]


def assert_result(mode: str, result: Any, size: tuple[int, int] | None) -> None:
    """One per-image entry of `<mode>_labels` (SPEC section 4)."""
    assert isinstance(result, dict)
    assert result["status"] in (0, 1, 2), result
    if result["status"] != 0:
        assert set(result) == {"status", "name", "error"}, result
        assert isinstance(result["error"], str) and result["error"]
        return
    if mode == "selfie":
        assert set(result) == {"status", "name", "prob", "is_selfie"}, result
        assert 0 <= result["prob"] <= 1 and isinstance(result["is_selfie"], bool)
        return
    allowed = {"status", "name", "labels"} | ({"count_by_density"} if mode == "pedestrian" else set())
    assert set(result) <= allowed, result
    if mode == "pedestrian":
        assert type(result["count_by_density"]) is int and result["count_by_density"] >= 0
    if "labels" in result:
        # SPEC section 4: `labels` is left out when nothing was found, so when present it is not empty.
        assert isinstance(result["labels"], list) and result["labels"], result
        for label in result["labels"]:
            assert_label(mode, label, size)


def assert_success(
    detect_body: Any,
    modes: Sequence[str] | None,
    names: Sequence[str] | None,
    sizes: Mapping[str, tuple[int, int] | None] | None = None,
) -> None:
    """A 200's body: one key per mode in the vendor's order (object2 under object_labels), one entry per meta
    image in every mode, in the same order in each (the parts' order, which the callers do not all know)."""
    assert isinstance(detect_body, dict) and detect_body
    keys = list(detect_body)
    assert all(key.endswith("_labels") and key.removesuffix("_labels") in MODES for key in keys), keys
    if modes is not None:
        assert keys == list(dict.fromkeys(result_key(mode) for mode in body_modes(modes)))
        asked = body_modes(modes)
    else:
        asked = [key.removesuffix("_labels") for key in keys]
        objects = [result.get("name") for result in detect_body.get("object_labels", [])]
        if len(set(objects)) < len(objects):
            asked.append("object2")
    per_mode = {mode: mode_results(detect_body, mode, modes) for mode in asked}
    listed = [[result.get("name") for result in results] for results in per_mode.values()]
    assert all(names_in_mode == listed[0] for names_in_mode in listed), listed
    if names is not None:
        assert sorted(listed[0]) == sorted(names)
    for mode, results in per_mode.items():
        for result in results:
            assert_result(mode, result, (sizes or {}).get(result["name"]))


def assert_envelope(response: httpx.Response) -> dict[str, Any]:
    """The vendor's envelope, whatever the request: exact keys, mirrored status, a documented body."""
    assert response.headers.get("content-type") == "application/json", (response.status_code, response.text[:300])
    document = response.json()
    assert isinstance(document, dict) and set(document) == {"status", "body", "htmlencoded", "last_modified"}, (
        response.text[:300]
    )
    assert document["htmlencoded"] is False and document["last_modified"] == 0
    assert type(document["status"]) is int and document["status"] in (200, 400, 403), response.text[:300]
    assert response.status_code == document["status"]
    if document["status"] != 200:
        assert_refusal(document["status"], document["body"])
    else:
        assert_success(document["body"], None, None)
    return document


async def assert_still_healthy(client: httpx.AsyncClient, requests: int) -> None:
    """The app answers `/health`, and its journal still lists one entry per detect request."""
    health = await client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    journal = await client.get("/__admin/requests")
    assert journal.status_code == 200, journal.text[:300]
    assert len(journal.json()["requests"]) == requests


async def chunked(data: bytes, cuts: Sequence[int]) -> AsyncIterator[bytes]:
    """The body in pieces (sent without Content-Length, like a chunked upload)."""
    start = 0
    for cut in sorted(set(cuts)):
        if start < cut < len(data):
            yield data[start:cut]
            start = cut
    yield data[start:]


# --- images ----------------------------------------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    fields = struct.pack(">II", width, height) + bytes([8, 2, 0, 0, 0])
    chunk = b"IHDR" + fields
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))


def jpeg_header(width: int, height: int, app_bytes: int = 0) -> bytes:
    app = b"\xff\xe1" + struct.pack(">H", app_bytes + 2) + b"\x00" * app_bytes if app_bytes else b""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00"
    return b"\xff\xd8" + app + sof + b"\xff\xda"


def tiff_header(width: int, height: int, big_endian: bool, long_values: bool) -> bytes:
    order = ">" if big_endian else "<"
    kind, code = (4, "I") if long_values else (3, "H")

    def entry(tag: int, value: int) -> bytes:
        packed = struct.pack(order + code, value).ljust(4, b"\x00")
        return struct.pack(order + "HHI", tag, kind, 1) + packed

    ifd = struct.pack(order + "H", 2) + entry(256, width) + entry(257, height) + struct.pack(order + "I", 0)
    return (b"MM" if big_endian else b"II") + struct.pack(order + "HI", 42, 8) + ifd


def bigtiff_header(width: int, height: int) -> bytes:
    entries = struct.pack("<HHQQ", 256, 16, 1, width) + struct.pack("<HHQQ", 257, 16, 1, height)
    return b"II" + struct.pack("<HHHQ", 43, 8, 0, 16) + struct.pack("<Q", 2) + entries + struct.pack("<Q", 0)


@dataclass(frozen=True)
class Picture:
    """Bytes to upload, and what the server must make of them: a size (readable), None (not), or unknown."""

    data: bytes
    size: tuple[int, int] | None
    known: bool = True
    label: str = ""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def __repr__(self) -> str:
        return f"Picture({self.label or len(self.data)}: {self.data[:80]!r}, size={self.size}, known={self.known})"


POOL = [
    Picture(image_bytes(fmt, size, seed), size, label=f"{fmt}{size}")
    for fmt, size, seed in [
        ("jpeg", (64, 48), 1),
        ("png", (1, 1), 2),
        ("tiff", (31, 7), 3),
        ("jpeg", (3, 250), 4),
        ("png", (120, 90), 5),
        ("tiff", (2, 2), 6),
    ]
]

dims = st.integers(0, 2**32 - 1) | st.sampled_from([0, 1, 2, 65535, 65536, 2**31 - 1, 2**31, 2**32 - 1])
jpeg_dims = st.integers(0, 65535) | st.sampled_from([0, 1, 65535])


@st.composite
def pictures(draw: st.DrawFn) -> Picture:
    """Random image bytes, each with what the server must conclude about them."""
    kind = draw(
        st.sampled_from(["real", "truncated", "png", "jpeg", "tiff", "bigtiff", "one", "random", "signature", "tail"])
    )
    if kind == "real":
        return draw(st.sampled_from(POOL))
    if kind == "truncated":
        picture = draw(st.sampled_from(POOL))
        cut = draw(st.integers(1, len(picture.data) - 1))
        # The header may or may not have survived; if it did, the size is the original's.
        return Picture(picture.data[:cut], picture.size, known=False, label=f"{picture.label}[:{cut}]")
    if kind == "png":
        width, height = draw(dims), draw(dims)
        valid = 0 < width <= 2**31 - 1 and 0 < height <= 2**31 - 1
        return Picture(png_header(width, height), (width, height) if valid else None, label=f"png {width}x{height}")
    if kind == "jpeg":
        width, height = draw(jpeg_dims), draw(jpeg_dims)
        app = draw(st.sampled_from([0, 0, 14, 65533]))
        valid = width > 0 and height > 0
        size = (width, height) if valid else None
        return Picture(jpeg_header(width, height, app), size, label=f"jpeg {width}x{height}")
    if kind == "tiff":
        long_values = draw(st.booleans())
        top = 2**32 - 1 if long_values else 2**16 - 1
        width, height = draw(st.integers(0, top)), draw(st.integers(0, top))
        data = tiff_header(width, height, draw(st.booleans()), long_values)
        valid = width > 0 and height > 0
        return Picture(data, (width, height) if valid else None, label=f"tiff {width}x{height}")
    if kind == "bigtiff":
        width, height = draw(st.integers(1, 2**64 - 1)), draw(st.integers(1, 2**64 - 1))
        return Picture(bigtiff_header(width, height), (width, height), label=f"bigtiff {width}x{height}")
    if kind == "one":
        return Picture(draw(st.binary(min_size=1, max_size=1)), None, label="one byte")
    if kind == "signature":
        head = draw(st.sampled_from([b"\xff\xd8", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*", b"II+\x00"]))
        return Picture(head + draw(st.binary(max_size=64)), None, known=False, label="signature+random")
    if kind == "tail":
        picture = draw(st.sampled_from(POOL))
        return Picture(picture.data + draw(st.binary(min_size=1, max_size=64)), picture.size, label="real+tail")
    return Picture(draw(st.binary(min_size=2, max_size=300)), None, known=False, label="random")


# --- meta ------------------------------------------------------------------------------------------------

SURROGATES = ["\ud800", "\udfff", "a\udc00b", "\ud83d", "\ude00x"]
ODD_NAMES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "😀",
    "\u202eevil.jpg",  # right-to-left override
    "שלום",  # right-to-left script
    "e\u0301\u0301\u0301",  # combining marks
    "\ufffd",
    "meta",
    "../../etc/passwd",
    "C:\\boot.ini",
    'quote"d',
    "line\r\nbreak",
    "x" * 200,
    "file_0",
    "file_0 ",
    "FILE_0",
]


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of `choices`, each drawn with its weight (percent): most input must reach the later rows."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(lambda index: table[index])


names = weighted(
    (50, st.sampled_from(["file_0", "file_1", "file_2", "a", "b"])),
    (20, st.text(min_size=1, max_size=12)),
    (5, st.text(max_size=12)),
    (15, st.sampled_from(ODD_NAMES + SURROGATES)),
    (10, st.text(st.characters(codec="utf-8"), min_size=1, max_size=6).map(lambda text: text + "\ud800")),
)
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=10,
)
valid_modes = st.lists(st.sampled_from(MODES), min_size=1, max_size=5)
odd_modes = ["Object", "OBJECT", "object ", "faces", "", "\x00", "😀", "x" * 300, *SURROGATES]
mode_values = weighted(
    (75, valid_modes),
    (15, st.lists(st.sampled_from(MODES) | st.sampled_from(odd_modes) | st.text(max_size=6), min_size=1, max_size=4)),
    (10, json_values),
)
image_entries = st.one_of(
    names.map(lambda name: {"name": name}),
    st.fixed_dictionaries({"name": names}, optional={"extra": json_values, "filename": st.text(max_size=5)}),
    json_values,
)
valid_images = st.lists(names.map(lambda name: {"name": name}), min_size=1, max_size=4)
image_lists = weighted(
    (70, valid_images),
    (15, st.lists(image_entries, min_size=1, max_size=5)),
    (5, st.integers(MAX_IMAGES - 1, MAX_IMAGES + 3).map(lambda count: [{"name": f"img_{i}"} for i in range(count)])),
    (10, json_values),
)


def raw(value: Any, ascii_only: bool) -> str:
    """JSON text of `value`; with `ascii_only`, lone surrogates come out as `\\ud800` escapes."""
    return json.dumps(value, ensure_ascii=ascii_only)


@dataclass
class MetaCase:
    """The bytes of a `meta` part and what a strict JSON reader (RFC 8259, as Go's) makes of them."""

    data: bytes
    flavour: str
    document: Any = None
    parse_error: bool = False

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def __repr__(self) -> str:
        shown = self.data if len(self.data) <= 600 else self.data[:600] + b"..."
        return f"MetaCase({self.flavour}, {len(self.data)} bytes: {shown!r})"


def strict_json(text: str) -> Any:
    """RFC 8259 JSON, as the vendor's Go decoder reads it: no NaN or Infinity; numbers of any length."""

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=constant, parse_int=Decimal, parse_float=Decimal)


def depth(value: Any) -> int:
    """How many arrays and objects are nested in `value` (the document itself is level 1; scalars add none)."""
    levels, level = 0, [value] if isinstance(value, dict | list) else []
    while level:
        levels += 1
        children = (child for item in level for child in (item.values() if isinstance(item, dict) else item))
        level = [child for child in children if isinstance(child, dict | list)]
    return levels


@st.composite
def meta_cases(draw: st.DrawFn) -> MetaCase:
    flavour = draw(
        st.sampled_from(
            ["plain"] * 8
            + ["duplicate-keys", "deep", "huge", "bigint", "nan", "bad-utf8", "truncated", "bom", "not-object",
               "trailing", "empty", "whitespace"]
        )
    )
    ascii_only = draw(st.booleans())
    pairs: list[tuple[str, str]] = []
    if draw(st.integers(0, 19)):
        pairs.append(("mode", raw(draw(mode_values), ascii_only)))
    if draw(st.integers(0, 19)):
        pairs.append(("images", raw(draw(image_lists), ascii_only)))
    for key, value in draw(st.dictionaries(st.text(max_size=6), json_values, max_size=2)).items():
        if key not in ("mode", "images"):
            pairs.insert(draw(st.integers(0, len(pairs))), (key, raw(value, ascii_only)))
    if flavour == "duplicate-keys":
        key = draw(st.sampled_from(["mode", "images", "x"]))
        decoy = raw(draw(mode_values if key == "mode" else image_lists), ascii_only)
        pairs.insert(draw(st.integers(0, len(pairs))), (key, decoy))
    elif flavour == "deep":
        levels = draw(st.sampled_from([MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 5, 1000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"k":', "}")]))
        tail = closer * levels if draw(st.booleans()) else ""
        pairs.append(("deep", opener * levels + "0" + tail if opener != "[" else opener * levels + tail))
    elif flavour == "huge":
        size = draw(st.sampled_from([100_000, MAX_META_BYTES - 200, MAX_META_BYTES + 1]))
        pairs.append(("huge", raw("ж" * (size // 2) if draw(st.booleans()) else "x" * size, ascii_only)))
    elif flavour == "bigint":
        pairs.append(("n", draw(st.sampled_from(["-", ""])) + "1" * draw(st.sampled_from([4300, 4301, 5000, 20000]))))
    elif flavour == "nan":
        pairs.append(("x", draw(st.sampled_from(["NaN", "Infinity", "-Infinity"]))))
    text = "{" + ", ".join(f"{json.dumps(key, ensure_ascii=ascii_only)}: {value}" for key, value in pairs) + "}"
    data = text.encode("utf-8", "surrogatepass")
    if flavour == "bad-utf8":
        at = draw(st.integers(0, len(data)))
        bad = draw(st.sampled_from([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80"]))
        data = data[:at] + bad + data[at:]
    elif flavour == "truncated":
        data = data[: draw(st.integers(0, max(0, len(data) - 1)))]
    elif flavour == "bom":
        data = b"\xef\xbb\xbf" + data
    elif flavour == "not-object":
        data = raw(draw(json_values.filter(lambda value: not isinstance(value, dict))), True).encode()
    elif flavour == "trailing":
        data += draw(st.sampled_from([b" x", b"{}", b",", b"\x00"]))
    elif flavour == "empty":
        data = b""
    elif flavour == "whitespace":
        data = draw(st.sampled_from([b" ", b"\r\n", b"\t"])) + data + b" \n"
    case = MetaCase(data, flavour)
    try:
        case.document = strict_json(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        case.parse_error = True
    return case


def listed_names(document: Any) -> list[str]:
    """Meta's image names that a client could upload a part for (strings, as the server will see them)."""
    if not isinstance(document, dict) or not isinstance(document.get("images"), list):
        return []
    found = [entry.get("name") for entry in document["images"] if isinstance(entry, dict)]
    return list(dict.fromkeys(scrub(name) for name in found if isinstance(name, str) and name))


def sendable(name: str) -> bool:
    """A name a part header can carry in `name="…"` (no quote, backslash, CR or LF)."""
    return not re.search(r'["\\\r\n]', name)


def expected_refusal(case: MetaCase, parts: Mapping[str, bytes]) -> str | None:
    """Rows 8–17 for this meta and these image parts: the text (or its prefix, ending in ': '), None for 200."""
    data = case.data
    if not data:
        return "empty meta"
    if len(data) > MAX_META_BYTES:
        return f"invalid meta: larger than {MAX_META_BYTES} bytes"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"invalid meta: not valid UTF-8 at byte {exc.start}"
    document = case.document
    if case.parse_error or depth(document) > MAX_DEPTH:
        return "invalid meta: "
    if not isinstance(document, dict):
        return "invalid meta: "
    modes = document.get("mode")
    if not isinstance(modes, list) or not modes or not all(isinstance(mode, str) for mode in modes):
        return "empty mode"
    for mode in modes:
        if mode not in MODES:
            return f"unknown mode: {echo(scrub(mode))}"
    images = document.get("images")
    if not isinstance(images, list) or not images:
        return "empty images"
    if len(images) > MAX_IMAGES:
        return f"too many images: {len(images)}, max {MAX_IMAGES}"
    found = [entry.get("name") if isinstance(entry, dict) else None for entry in images]
    if not all(isinstance(name, str) and name for name in found):
        return "empty image name"
    seen: set[str] = set()
    for name in map(scrub, found):
        if name in seen:
            return f"duplicate image name: {echo(name)}"
        seen.add(name)
    for name in seen_in_order(found):
        if name not in parts:
            return f"could not get image by name {echo(name)}: http: no such file"
    if any(not parts[name] for name in seen):
        return "empty image"
    return None


def seen_in_order(found: Sequence[Any]) -> list[str]:
    return [scrub(name) for name in found]


# --- multipart shapes ------------------------------------------------------------------------------------

HEADER_STYLES = [
    "standard",
    "filename",
    "casing",
    "unquoted",
    "no-disposition",
    "no-name",
    "long-value",
    "too-long-value",
    "non-ascii-value",
    "latin1-value",
    "non-ascii-field",
    "no-colon",
    "many-headers",
    "empty-field",
    "space-before-colon",
]
# Styles a strict header parser refuses (some "many-headers" parts stay within the 16 allowed).
MALFORMED_STYLES = {
    "too-long-value", "non-ascii-field", "no-colon", "many-headers", "empty-field", "space-before-colon"
}


def part_headers(style: str, name: str, rnd: random.Random) -> list[bytes]:
    """A part's header lines in one of many odd styles (all with name `name` where a name is given)."""
    quoted = f'form-data; name="{name}"'.encode()
    if style == "filename":
        return [b'Content-Disposition: ' + quoted + b'; filename="../x.jpg"', b"Content-Type: image/jpeg"]
    if style == "casing":
        field_name = "".join(rnd.choice([c.upper(), c.lower()]) for c in "content-disposition")
        return [field_name.encode() + f': FORM-DATA; NAME="{name}"'.encode()]
    if style == "unquoted":
        return [f"Content-Disposition: form-data; name={name}".encode()]
    if style == "no-disposition":
        return [b"Content-Type: application/octet-stream"]
    if style == "no-name":
        return [b'Content-Disposition: form-data; filename="a.jpg"']
    if style == "long-value":
        return [b"Content-Disposition: " + quoted, b"X-Pad: " + b"a" * 8000]
    if style == "too-long-value":
        return [b"Content-Disposition: " + quoted, b"X-Pad: " + b"a" * 70_000]
    if style == "non-ascii-value":
        return [b"Content-Disposition: " + quoted, "X-Note: привет 😀".encode()]
    if style == "latin1-value":
        return [b"Content-Disposition: " + quoted, b"X-Note: caf\xe9 \x00\x7f"]
    if style == "non-ascii-field":
        return [b"Content-Disposition: " + quoted, "X-Ü: 1".encode()]
    if style == "no-colon":
        return [b"Content-Disposition: " + quoted, b"this line has no colon"]
    if style == "many-headers":
        return [b"Content-Disposition: " + quoted] + [f"X-H{i}: {i}".encode() for i in range(rnd.randint(14, 40))]
    if style == "empty-field":
        return [b"Content-Disposition: " + quoted, b": value"]
    if style == "space-before-colon":
        return [b"Content-Disposition : " + quoted]
    return [b"Content-Disposition: " + quoted]


@dataclass
class Shape:
    """A generated body, its Content-Type, and what is known in advance about the answer."""

    content: bytes
    content_type: bytes | None
    meta: dict[str, Any] | None
    sizes: dict[str, tuple[int, int] | None]
    expect_prefix: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, bytes]:
        return {"content-type": self.content_type} if self.content_type is not None else {}

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # hypothesis prints dataclasses field by field: keep the short form

    def __repr__(self) -> str:
        return f"Shape({len(self.content)} bytes: {self.content[:400]!r}…, notes={self.notes})"


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    rnd = random.Random(draw(st.integers(0, 2**16)))
    boundary = draw(
        st.sampled_from([BOUNDARY, "x", "b" * 70, "a'()+_,-./:=? b", "-" * 20, "Ю".encode().decode("latin-1")])
    )
    delimiter = b"--" + boundary.encode("latin-1")
    names_wanted = [f"file_{i}" for i in range(draw(st.integers(1, 3)))]
    meta_doc = {"mode": draw(valid_modes), "images": [{"name": name} for name in names_wanted]}
    sizes: dict[str, tuple[int, int] | None] = {}
    parts: list[tuple[list[bytes], bytes]] = []
    for name in names_wanted:
        if draw(st.integers(0, 5)):  # sometimes missing: row 16
            picture = draw(st.sampled_from(POOL))
            sizes[name] = picture.size
            parts.append(([b"Content-Disposition: " + f'form-data; name="{name}"'.encode()], picture.data))
    junk_names = st.text(max_size=8).filter(lambda name: name != "meta" and sendable(name))
    odd_headers = False
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):
        style = draw(st.sampled_from(HEADER_STYLES))
        odd_headers = odd_headers or style in MALFORMED_STYLES
        name = draw(junk_names | st.sampled_from(names_wanted))
        if name in names_wanted:
            style = "standard" if style in ("no-disposition", "no-name") else style
        parts.insert(draw(st.integers(0, len(parts))), (part_headers(style, name, rnd), draw(st.binary(max_size=40))))
    meta_headers = [b'Content-Disposition: form-data; name="meta"', b"Content-Type: application/json"]
    meta_bytes = json.dumps(meta_doc).encode()
    meta_at = draw(st.integers(0, len(parts)))
    parts.insert(meta_at, (meta_headers, meta_bytes))
    if draw(st.integers(0, 4)) == 0:  # a second meta part, which must be ignored
        decoy = json.dumps({"mode": ["scene"], "images": [{"name": "decoy"}]}).encode()
        parts.insert(draw(st.integers(meta_at + 1, len(parts))), (meta_headers, decoy))
    tiny = draw(st.sampled_from([0, 0, 0, 0, 10, MAX_PARTS - len(parts), MAX_PARTS + 1 - len(parts), 2000]))
    for _ in range(max(0, tiny)):
        parts.insert(rnd.randint(0, len(parts)), ([b'Content-Disposition: form-data; name="t"'], b""))
    if draw(st.integers(0, 9)) == 0:
        parts = []  # zero parts
    notes: list[str] = [f"boundary={boundary!r}", f"parts={len(parts)}"]
    inside = b""
    if draw(st.integers(0, 5)) == 0 and parts:  # the boundary inside a part's data
        index = rnd.randrange(len(parts))
        inside = draw(
            st.sampled_from([delimiter, b"\r\n" + delimiter, b"\r\n" + delimiter + b"--", b"\r\n" + delimiter + b"\r\n",
                             b"\r\n" + delimiter + b"x", b"\r" + delimiter, b"\n" + delimiter])
        )
        headers, data = parts[index]
        at = rnd.randint(0, len(data))
        parts[index] = (headers, data[:at] + inside + data[at:])
        notes.append(f"boundary inside part {index}: {inside!r}")
    content = b"".join(
        delimiter + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + data + b"\r\n" for headers, data in parts
    )
    close = delimiter + b"--"
    content += close + draw(st.sampled_from([b"\r\n", b"", b"\r\n\r\n"]))
    end_of_close = content.rfind(close) + len(close)
    order = ["lf", "preamble", "epilogue", "truncate"]
    mutations: list[str] = []
    swallowed = 0  # parts a preamble hides: one not ending a line glues the first delimiter to itself
    if draw(st.booleans()):
        mutations = sorted(draw(st.lists(st.sampled_from(order), min_size=1, max_size=2, unique=True)), key=order.index)
    for mutation in mutations:
        if mutation == "lf":
            content = content.replace(b"\r\n", b"\n")  # inside images too: their sizes are no longer known
            end_of_close = content.rfind(close) + len(close)
            sizes = {}
        elif mutation == "preamble":
            preamble = draw(st.sampled_from([b"garbage", b"preamble text\r\n", b"\r\n\r\n", b"\x00\xff"]))
            content, end_of_close = preamble + content, end_of_close + len(preamble)
            # RFC 2046: a delimiter starts a line, so the first part becomes more preamble (Go does the same).
            swallowed = int(bool(parts) and not preamble.endswith(b"\n"))
        elif mutation == "epilogue":
            content += draw(st.sampled_from([b"epilogue", b"\r\n" + delimiter + b"\r\n", b"\x00" * 10]))
        elif mutation == "truncate":
            content = content[: draw(st.integers(0, len(content)))]
    notes.append(f"mutations={mutations}")
    kind = draw(
        st.sampled_from(["standard"] * 12 + ["quoted", "upper", "charset"] * 2
                        + ["none", "no-boundary", "empty-boundary", "other-boundary", "mixed", "urlencoded", "json"])
    )
    header: bytes | None = {
        "standard": b"multipart/form-data; boundary=" + boundary.encode("latin-1"),
        "quoted": b'multipart/form-data; boundary="' + boundary.encode("latin-1") + b'"',
        "upper": b"Multipart/Form-Data; Boundary=" + boundary.encode("latin-1"),
        "charset": b"multipart/form-data; charset=utf-8; boundary=" + boundary.encode("latin-1"),
        "none": None,
        "no-boundary": b"multipart/form-data",
        "empty-boundary": b"multipart/form-data; boundary=",
        "other-boundary": b"multipart/form-data; boundary=zz" + boundary.encode("latin-1"),
        "mixed": b"multipart/mixed; boundary=" + boundary.encode("latin-1"),
        "urlencoded": b"application/x-www-form-urlencoded",
        "json": b"application/json",
    }[kind]
    if header is not None and kind in ("standard", "upper", "charset") and not re.fullmatch(r"[\w'+.-]+", boundary):
        # RFC 2046's boundary characters outside an HTTP token (space, parentheses, …) need quotes.
        header = header.replace(boundary.encode("latin-1"), b'"' + boundary.encode("latin-1") + b'"')
    notes.append(f"content-type={header!r}")
    shape = Shape(content, header, meta_doc if parts else None, sizes, notes=notes)
    if kind in ("none", "no-boundary", "empty-boundary", "mixed", "urlencoded", "json"):
        shape.expect_prefix = "request is not multipart/form-data"
    elif inside:
        pass  # a boundary inside data may end the body early: anything may follow
    elif "truncate" in mutations and len(content) < end_of_close:
        shape.expect_prefix = "malformed multipart body: "
    elif len(parts) - swallowed > MAX_PARTS:
        plain = not odd_headers and kind != "other-boundary" and not {"lf", "preamble"} & set(mutations)
        shape.expect_prefix = f"malformed multipart body: more than {MAX_PARTS} parts" if plain else "malformed"
    return shape


# --- the properties ---------------------------------------------------------------------------------------


gaps = weighted((80, st.none()), (20, st.integers(0, 5)))


@settings(FUZZ, max_examples=400)
@given(case=meta_cases(), missing=gaps, empty=gaps, meta_first=st.booleans())
async def test_fuzz_meta_answers_check_table(
    case: MetaCase, missing: int | None, empty: int | None, meta_first: bool
) -> None:
    """Any meta: the refusal its first failing row gives (8–17), or a 200 for exactly its images.

    Each name meta lists gets a part holding a real image, except the `missing`-th (no part: row 16), the
    `empty`-th (an empty part: row 17), and names no part header can carry (row 16).
    """
    note(f"meta: {case!r}")
    names_listed = listed_names(case.document)
    parts: dict[str, bytes] = {}
    sizes: dict[str, tuple[int, int] | None] = {}
    for index, name in enumerate(names_listed if len(names_listed) <= MAX_IMAGES else []):
        if not sendable(name) or index == missing:
            continue
        picture = POOL[index % len(POOL)]
        parts[name] = b"" if index == empty else picture.data
        sizes[name] = picture.size
    image_parts = [image_part(name, content) for name, content in parts.items()]
    meta_first = meta_first or "meta" in parts
    meta = FormPart("meta", case.data, None, "application/json")
    ordered = [meta, *image_parts] if meta_first else [*image_parts, meta]
    async with in_process() as client:
        response = await client.post(URL, headers={"content-type": content_type()}, content=body(ordered))
        document = assert_envelope(response)
        expected = expected_refusal(case, parts)
        event(f"meta {case.flavour}: {(expected or '200').split(':')[0]}")
        if expected is None:
            assert document["status"] == 200, document["body"]
            doc = case.document
            assert_success(document["body"], doc["mode"], [scrub(entry["name"]) for entry in doc["images"]], sizes)
        elif expected.endswith(": ") and not expected.startswith("could not"):
            assert document["status"] == 400 and document["body"].startswith(expected), (expected, document["body"])
        else:
            assert document["status"] == 400 and document["body"] == expected
        await assert_still_healthy(client, 1)


@settings(FUZZ, max_examples=300)
@given(shape=shapes())
async def test_fuzz_multipart_shapes_answer_envelope(shape: Shape) -> None:
    """Any multipart shape: an envelope with the row its shape calls for, and the server healthy after."""
    note(f"body: {shape!r}")
    async with in_process() as client:
        response = await client.post(URL, headers=shape.headers, content=shape.content)
        document = assert_envelope(response)
        event(f"answer: {document['status']} {str(document['body'])[:24]}")
        if shape.expect_prefix is not None:
            assert document["status"] == 400 and document["body"].startswith(shape.expect_prefix), (
                shape.expect_prefix, document["body"], shape.notes)
        if document["status"] == 200:
            assert shape.meta is not None, shape.notes
            names_wanted = [entry["name"] for entry in shape.meta["images"]]
            assert_success(document["body"], shape.meta["mode"], names_wanted, shape.sizes)
        await assert_still_healthy(client, 1)


@settings(FUZZ, max_examples=200)
@given(shape=shapes(), cuts=st.lists(st.integers(0, 2**20), min_size=1, max_size=6))
async def test_fuzz_multipart_shapes_same_answer_in_chunks(shape: Shape, cuts: list[int]) -> None:
    """README "Decisions": whatever the chunking, the order of the parts alone decides the answer, byte for byte."""
    pieces = [cut % (len(shape.content) + 1) for cut in cuts]
    note(f"body: {shape!r}, cut at {sorted(set(pieces))}")
    async with in_process() as client:
        whole = await client.post(URL, headers=shape.headers, content=shape.content)
        split = await client.post(URL, headers=shape.headers, content=chunked(shape.content, pieces))
        assert_envelope(split)
        assert (split.status_code, split.text) == (whole.status_code, whole.text), (sorted(set(pieces)), shape.notes)
        await assert_still_healthy(client, 2)


@settings(FUZZ, max_examples=300)
@given(images=st.lists(pictures(), min_size=1, max_size=4), modes=valid_modes, empty_at=st.integers(-6, 3))
@example(images=[Picture(png_header(2**31 - 1, 1), (2**31 - 1, 1))], modes=list(MODES), empty_at=-1)
@example(images=[Picture(jpeg_header(65535, 65535), (65535, 65535))], modes=list(MODES), empty_at=-1)
@example(images=[Picture(b"", None), Picture(b"\xff", None)], modes=["object"], empty_at=-1)
async def test_fuzz_image_bytes_answer_per_image(images: list[Picture], modes: list[str], empty_at: int) -> None:
    """Any image bytes: per-image status 0 (boxes inside the declared size) or 1 (unknown type); empty: row 17."""
    if 0 <= empty_at < len(images):
        images = [*images[:empty_at], Picture(b"", None), *images[empty_at + 1 :]]
    note(f"images: {images!r}, modes: {modes}")
    names_sent = [f"file_{index}" for index in range(len(images))]
    parts = [image_part(name, picture.data) for name, picture in zip(names_sent, images, strict=True)]
    async with in_process() as client:
        response = await post_parts(client, [*parts, meta_part(modes, names_sent)])
        document = assert_envelope(response)
        if any(not picture.data for picture in images):
            assert document["status"] == 400 and document["body"] == "empty image"
        else:
            assert document["status"] == 200, document["body"]
            sizes = {name: picture.size for name, picture in zip(names_sent, images, strict=True)}
            assert_success(document["body"], modes, names_sent, sizes)
            for mode in body_modes(modes):
                for result, picture in zip(mode_results(document["body"], mode, modes), images, strict=True):
                    assert result["status"] in (0, 1), result
                    if result["status"] == 1:
                        assert result["error"] == UNKNOWN_TYPE
                    if picture.known:
                        assert result["status"] == (0 if picture.size is not None else 1), (picture.label, result)
        await assert_still_healthy(client, 1)


async def post_parts(client: httpx.AsyncClient, parts: Sequence[FormPart]) -> httpx.Response:
    return await client.post(URL, headers={"content-type": content_type()}, content=body(parts))


good_names = st.text(
    st.characters(codec="utf-8", exclude_characters='"\\\r\n'), min_size=1, max_size=24
).filter(lambda name: name != "meta")


@st.composite
def good_images(draw: st.DrawFn) -> tuple[bytes, tuple[int, int]]:
    fmt = draw(st.sampled_from(["jpeg", "png", "tiff"]))
    size = (draw(st.integers(1, 320)), draw(st.integers(1, 320)))
    extra: dict[str, Any] = {}
    if fmt == "jpeg" and draw(st.booleans()):
        extra["progressive"] = True
    if fmt == "tiff":
        extra["compression"] = draw(st.sampled_from(["raw", "tiff_lzw", "tiff_deflate"]))
    return image_bytes(fmt, size, draw(st.integers(0, 255)), **extra), size


@settings(FUZZ, max_examples=100)
@given(
    batch=st.lists(st.tuples(good_names, good_images()), min_size=1, max_size=5, unique_by=lambda item: item[0]),
    modes=valid_modes,
    meta_at=st.integers(0, 5),
    filenames=st.booleans(),
)
async def test_fuzz_well_formed_request_succeeds(
    batch: list[tuple[str, tuple[bytes, tuple[int, int]]]], modes: list[str], meta_at: int, filenames: bool
) -> None:
    """Any valid names, 1–5 real images: 200, every image status 0, every box inside its image."""
    note(f"names: {[name for name, _ in batch]}, sizes: {[size for _, (_, size) in batch]}, modes: {modes}")
    names_sent = [name for name, _ in batch]
    parts = [image_part(name, data, "photo.bin" if filenames else None) for name, (data, _) in batch]
    parts.insert(min(meta_at, len(parts)), meta_part(modes, names_sent))
    async with in_process() as client:
        response = await post_parts(client, parts)
        document = assert_envelope(response)
        assert document["status"] == 200, document["body"]
        sizes = {name: size for name, (_, size) in batch}
        assert_success(document["body"], modes, names_sent, sizes)
        statuses = {result["status"] for results in document["body"].values() for result in results}
        assert statuses == {0}
        await assert_still_healthy(client, 1)


# --- regressions: minimal reproductions of what the fuzzers found ----------------------------------------

GOOD_META = b'{"mode": ["object"], "images": [{"name": "file_0"}]'


async def test_fuzz_meta_long_integer_is_json() -> None:
    """A 5000-digit number is valid JSON (RFC 8259): an unknown key holding one is ignored, not a 500."""
    meta = GOOD_META + b', "n": ' + b"1" * 5000 + b"}"
    async with in_process() as client:
        response = await post_parts(client, [image_part(), FormPart("meta", meta)])
        document = assert_envelope(response)
        assert document["status"] == 200, document["body"]
        assert_success(document["body"], ["object"], ["file_0"], {"file_0": (64, 48)})
        await assert_still_healthy(client, 1)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_fuzz_meta_nan_is_invalid_meta(constant: str) -> None:
    """NaN and Infinity are not JSON (RFC 8259; Go's decoder refuses them): row 9."""
    meta = GOOD_META + b', "x": ' + constant.encode() + b"}"
    async with in_process() as client:
        response = await post_parts(client, [image_part(), FormPart("meta", meta)])
        document = assert_envelope(response)
        assert document["status"] == 400 and document["body"].startswith("invalid meta: "), document["body"]


@pytest.mark.parametrize(
    ("levels", "innermost", "status"),
    [(MAX_DEPTH, b"", 200), (MAX_DEPTH, b"0", 200), (MAX_DEPTH + 1, b"", 400), (MAX_DEPTH + 1, b"0", 400)],
    ids=["32-empty", "32-scalar", "33-empty", "33-scalar"],
)
async def test_fuzz_meta_nesting_counts_containers(levels: int, innermost: bytes, status: int) -> None:
    """README row 9: meta nested over 32 levels is refused; 32 levels of arrays pass whatever the innermost holds.

    The object itself is level 1, so `"x"` below holds `levels - 1` nested arrays.
    """
    nested = b"[" * (levels - 1) + innermost + b"]" * (levels - 1)
    async with in_process() as client:
        response = await post_parts(client, [image_part(), FormPart("meta", GOOD_META + b', "x": ' + nested + b"}")])
        document = assert_envelope(response)
    assert document["status"] == status, document["body"]
    if status == 400:
        assert document["body"] == f"invalid meta: nested deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize(
    ("meta", "status"),
    [
        (GOOD_META + b', "x": "\\ud800"}', 200),
        (b'{"mode": ["object"], "images": [{"name": "file_0", "note": ["\\udfff"]}]}', 200),
        (GOOD_META + b', "\\ud800": 1}', 200),
        (GOOD_META + b', "x": "\xed\xa0\x80"}', 400),  # a surrogate as raw bytes: not UTF-8, refused (row 9)
    ],
    ids=["value", "nested-value", "key", "raw-bytes"],
)
async def test_fuzz_meta_lone_surrogate_keeps_journal_listable(meta: bytes, status: int) -> None:
    """A lone surrogate anywhere in meta becomes U+FFFD (README "Decisions"): the journal still lists the request."""
    async with in_process() as client:
        response = await post_parts(client, [image_part(), FormPart("meta", meta)])
        assert assert_envelope(response)["status"] == status
        listing = await client.get("/__admin/requests")
        assert listing.status_code == 200, listing.text[:300]
        assert len(listing.json()["requests"]) == 1


async def test_fuzz_meta_lone_surrogate_name_matches_replacement_part() -> None:
    """Meta's name `\\ud800` is `\ufffd` to the server: the part of that name answers, the journal lists it."""
    meta = b'{"mode": ["scene"], "images": [{"name": "\\ud800"}]}'
    async with in_process() as client:
        response = await post_parts(client, [image_part("\ufffd"), FormPart("meta", meta)])
        document = assert_envelope(response)
        assert [result["name"] for result in document["body"]["scene_labels"]] == ["\ufffd"]
        await assert_still_healthy(client, 1)


async def test_fuzz_multipart_preamble_ignored() -> None:
    """RFC 2046 section 5.1.1: text before the first boundary is a preamble, to be ignored (Go's reader does)."""
    content = b"This is a preamble.\r\n" + body([image_part(), meta_part()])
    async with in_process() as client:
        response = await client.post(URL, headers={"content-type": content_type()}, content=content)
        assert assert_envelope(response)["status"] == 200, response.text


@pytest.mark.parametrize("preamble", [b"\x00\xff", b"garbage"])
async def test_fuzz_multipart_preamble_without_line_end_swallows_first_part(preamble: bytes) -> None:
    """A delimiter starts a line: one glued to a preamble is preamble too, and its part with it (Go's reader
    agrees). Found by the shapes fuzzer: 1 001 parts behind such a preamble are 1 000, and accepted."""
    tiny = [FormPart("t", b"") for _ in range(MAX_PARTS - 2)]  # 1 + 998 + 2 = 1 001 parts sent
    content = preamble + body([FormPart("t", b""), *tiny, image_part(), meta_part()])
    async with in_process() as client:
        response = await client.post(URL, headers={"content-type": content_type()}, content=content)
        assert assert_envelope(response)["status"] == 200, response.text


@pytest.mark.parametrize("total", [MAX_PARTS, MAX_PARTS + 1], ids=["at-limit", "over-limit"])
async def test_fuzz_multipart_parts_up_to_limit_accepted(total: int) -> None:
    """Up to --max-parts parts in all (meta and the image included) are read; one more is row 7."""
    tiny = [FormPart("t", b"") for _ in range(total - 2)]
    async with in_process() as client:
        response = await post_parts(client, [*tiny, image_part(), meta_part()])
        document = assert_envelope(response)
    if total <= MAX_PARTS:
        assert document["status"] == 200, document["body"]
    else:
        assert document["body"] == f"malformed multipart body: more than {MAX_PARTS} parts"


@pytest.mark.parametrize("cut", [30, 60, 75])
async def test_fuzz_multipart_reason_same_in_chunks(cut: int) -> None:
    """A malformed part header gets the same text however the body was split (README "Decisions").

    The parser's reason carries an offset; it must not be the offset inside whichever chunk held the error.
    """
    content = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\nthis line has no colon\r\n\r\nxx\r\n'
        f"--{BOUNDARY}--\r\n"
    ).encode()
    async with in_process() as client:
        whole = await client.post(URL, headers={"content-type": content_type()}, content=content)
        split = await client.post(URL, headers={"content-type": content_type()}, content=chunked(content, [cut]))
    assert assert_envelope(whole)["body"].startswith("malformed multipart body: ")
    assert split.text == whole.text


async def test_fuzz_journal_memory_bounded_for_large_meta() -> None:
    """A journalled request holds about what it sent, not many times more (at most 4 × its 256 KiB meta).

    Meta `{"x": [{}, {}, …]}` parses into one Python dict per 3 bytes: a journal that kept the parsed document
    of each of its 1000 entries held ~24 MiB per 1 MiB request, and a few hundred requests exhausted a CI runner.
    """
    filler = b"[" + b"{}," * 85_000 + b"{}]"
    meta = GOOD_META + b', "x": ' + filler + b"}"
    requests = 3
    async with in_process() as client:
        await post_parts(client, [image_part(), meta_part()])  # warm up: imports, caches
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(requests):
                response = await post_parts(client, [image_part(), FormPart("meta", meta)])
                assert assert_envelope(response)["status"] == 200
                del response
            gc.collect()
            retained = (tracemalloc.get_traced_memory()[0] - before) / requests
        finally:
            tracemalloc.stop()
    assert retained < 4 * len(meta), f"{retained / 2**20:.1f} MiB retained per request of {len(meta) / 2**20:.1f} MiB"


async def test_fuzz_journal_listing_memory_bounded_for_large_meta() -> None:
    """Listing the journal costs about what it lists: at most 8 × its metas' bytes, however they inflate when parsed.

    With meta kept as bytes and parsed for each listing, 64 MiB of such metas (the journal's byte budget) made one
    `GET /__admin/requests` block the event loop for 7 s and take 1.8 GB.
    """
    filler = b"[" + b"{}," * 85_000 + b"{}]"
    meta = GOOD_META + b', "x": ' + filler + b"}"
    requests = 4
    async with in_process() as client:
        for _ in range(requests):
            assert assert_envelope(await post_parts(client, [image_part(), FormPart("meta", meta)]))["status"] == 200
        gc.collect()
        tracemalloc.start()
        try:
            listing = await client.get("/__admin/requests")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert listing.status_code == 200 and len(listing.json()["requests"]) == requests
    assert peak < 8 * requests * len(meta), f"{peak / 2**20:.1f} MiB to list {requests * len(meta) / 2**20:.1f} MiB"


def test_fuzz_oracle_headers_match_real_files() -> None:
    """The synthetic headers the fuzzer uploads are laid out as real encoders write them."""
    assert png_header(64, 48) == image_bytes("png", (64, 48))[:33]
    real_jpeg = image_bytes("jpeg", (300, 7))
    sof = real_jpeg.index(b"\xff\xc0")
    assert jpeg_header(300, 7)[2:11] == real_jpeg[sof : sof + 9]
    assert isinstance(strict_json("1" * 5000), Decimal)
