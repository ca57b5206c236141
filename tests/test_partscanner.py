"""The part scanner against python-multipart, its oracle: the same parts, bytes and errors for any body and chunking.

`PartScanner` takes plain bodies itself and hands anything unusual to python-multipart; a client must not be
able to tell. Each test feeds one body to both, the scanner cut into random chunks, and compares what they
report: every part's headers and bytes, in order, whether the closing delimiter was read, and the error
(its text without the chunk offset python-multipart puts in it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState

from mockserver.detect.partscanner import FAST_HEADER_BYTES, PartScanner

BOUNDARY = b"----WebKitFormBoundaryfCqTBHeLZlsicvMp"
MAX_HEADERS = 3
MAX_HEADER_BYTES = 80
OFFSET = re.compile(r"( at \d+| \(\d+\)| at index \d+)$")

EXAMPLES = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)


class Recorder:
    """A sink that writes down what it is told; data runs merged, so chunking cannot show."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def part_begin(self) -> None:
        self.events.append(("begin",))

    def headers_finished(self, headers: list[tuple[bytes, bytes]]) -> None:
        self.events.append(("headers", tuple(headers)))

    def part_data(self, data: bytes, start: int, end: int) -> None:
        assert end > start, "empty data reported"
        piece = bytes(data[start:end])
        if self.events and self.events[-1][0] == "data":
            self.events[-1] = ("data", self.events[-1][1] + piece)
        else:
            self.events.append(("data", piece))

    def part_end(self) -> None:
        self.events.append(("end",))


def reference(body: bytes, cuts: Sequence[int] = ()) -> tuple[list[tuple[Any, ...]], bool, str | None]:
    """python-multipart alone, fed the body cut at `cuts`: (events, ended, error)."""
    recorder = Recorder()
    field, value = bytearray(), bytearray()
    headers: list[tuple[bytes, bytes]] = []

    def header_end() -> None:
        headers.append((bytes(field), bytes(value)))
        field.clear()
        value.clear()

    def headers_finished() -> None:
        recorder.headers_finished(list(headers))
        headers.clear()

    parser = MultipartParser(
        BOUNDARY,
        {
            "on_part_begin": recorder.part_begin,
            "on_header_field": lambda data, start, end: field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: value.extend(data[start:end]),
            "on_header_end": header_end,
            "on_headers_finished": headers_finished,
            "on_part_data": recorder.part_data,
            "on_part_end": recorder.part_end,
        },
        max_header_count=MAX_HEADERS,
        max_header_size=MAX_HEADER_BYTES,
    )
    try:
        for piece in pieces(body, cuts):
            parser.write(piece)
    except MultipartParseError as error:
        return recorder.events, False, OFFSET.sub("", str(error))
    return recorder.events, parser.state == MultipartState.END, None


def pieces(body: bytes, cuts: Sequence[int]) -> list[bytes]:
    edges = [0, *sorted({cut % (len(body) + 1) for cut in cuts}), len(body)]
    return [body[start:end] for start, end in zip(edges, edges[1:], strict=False) if end > start]


def scanned(body: bytes, cuts: list[int]) -> tuple[list[tuple[Any, ...]], bool, str | None, PartScanner]:
    recorder = Recorder()
    scanner = PartScanner(BOUNDARY, recorder, max_header_count=MAX_HEADERS, max_header_size=MAX_HEADER_BYTES)
    try:
        for piece in pieces(body, cuts):
            scanner.write(piece)
    except MultipartParseError as error:
        return recorder.events, False, OFFSET.sub("", str(error)), scanner
    return recorder.events, scanner.ended, None, scanner


def assert_same(body: bytes, cuts: list[int]) -> PartScanner:
    """The scanner reports what python-multipart does fed the body whole, or fed the same chunks: python-multipart
    itself is not always chunking-blind (a field both too long and with a bad character is refused for whichever
    it meets first; line ends before the first delimiter are skipped only within the chunk that has them)."""
    events, ended, error, scanner = scanned(body, cuts)
    whole = reference(body)
    if (events, ended, error) != whole:
        assert (events, ended, error) == reference(body, cuts), (body, cuts, whole)
    return scanner


def part(headers: bytes, data: bytes) -> bytes:
    return b"--" + BOUNDARY + b"\r\n" + headers + b"\r\n" + data + b"\r\n"


PLAIN = (
    part(b'Content-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n', b'{"mode":["object"]}')
    + part(b'Content-Disposition: form-data; name="file_0"; filename="a.jpg"\r\n', b"\xff\xd8" + bytes(range(256)) * 40)
    + part(b"", b"")
    + b"--" + BOUNDARY + b"--\r\n"
)

# Pieces that meet the parser's every state: delimiters whole and broken, line ends, header lines good and bad.
FRAGMENTS = [
    b"--" + BOUNDARY, b"\r\n--" + BOUNDARY, b"\r\n--" + BOUNDARY[:10], b"\r\n", b"\r", b"\n", b"--", b"-", b" ", b"\t",
    b"Content-Disposition: form-data; name=\"a\"", b"content-type:  image/jpeg", b"X_Y: z", b"X:", b":v", b"a b: c",
    b"Name" * 25 + b": v", b"payload", b"\x00\xff", b"\r\n\r\n", BOUNDARY,
]
fragments = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=6)), max_size=40).map(b"".join)
cut_points = st.lists(st.integers(0, 2**16), max_size=8)


@EXAMPLES
@given(body=fragments, cuts=cut_points)
def test_partscanner_fragments_same_as_python_multipart(body: bytes, cuts: list[int]) -> None:
    assert_same(body, cuts)


@EXAMPLES
@given(
    body=st.builds(lambda prefix, suffix: b"--" + BOUNDARY + b"\r\n" + prefix + suffix, fragments, fragments),
    cuts=cut_points,
)
def test_partscanner_after_first_delimiter_same_as_python_multipart(body: bytes, cuts: list[int]) -> None:
    assert_same(body, cuts)


@EXAMPLES
@given(at=st.integers(0, len(PLAIN)), insert=st.sampled_from(FRAGMENTS), cuts=cut_points, drop=st.integers(0, 3))
def test_partscanner_damaged_plain_body_same_as_python_multipart(at: int, insert: bytes, cuts: list[int],
                                                                 drop: int) -> None:
    assert_same(PLAIN[:at] + insert + PLAIN[at + drop :], cuts)


@pytest.mark.parametrize("chunk", [1, 2, 7, 41, 42, 43, 44, 4096, len(PLAIN)])
def test_partscanner_plain_body_stays_on_fast_path(chunk: int) -> None:
    scanner = assert_same(PLAIN, list(range(chunk, len(PLAIN), chunk)))
    assert scanner.ended and not scanner.delegated


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(PLAIN.replace(b"\r\nContent-Type", b"\r\nContent_Type"), id="header-name-char"),
        pytest.param(PLAIN.replace(b'"meta"\r\n', b'"meta"\r\nA: 1\r\nB: 2\r\nC: 3\r\n'), id="too-many-headers"),
        pytest.param(PLAIN.replace(b"json", b"json" + b"x" * MAX_HEADER_BYTES), id="header-too-long"),
        pytest.param(PLAIN.replace(b"\r\n--" + BOUNDARY + b"\r\n", b"\r\n--" + BOUNDARY + b" \t\r\n", 1), id="padding"),
        pytest.param(PLAIN.replace(b"--\r\n", b"-\r\n"), id="one-hyphen-close"),
        pytest.param(b"\r\n" + PLAIN, id="leading-line-end"),
        pytest.param(b"--" + BOUNDARY + b"--\r\n", id="no-parts"),
        pytest.param(part(b"X: " + b"y" * FAST_HEADER_BYTES, b"z"), id="long-header-block"),
    ],
)
@pytest.mark.parametrize("chunk", [1, 3, 64, 1 << 20])
def test_partscanner_unusual_body_same_as_python_multipart(body: bytes, chunk: int) -> None:
    scanner = assert_same(body, list(range(chunk, len(body), chunk)))
    assert scanner.delegated


def test_partscanner_epilogue_ignored() -> None:
    scanner = assert_same(PLAIN + b"epilogue --" + BOUNDARY + b"\r\n", [len(PLAIN) + 3])
    assert scanner.ended and not scanner.delegated


def test_partscanner_boundary_with_line_end_left_to_python_multipart() -> None:
    recorder = Recorder()
    scanner = PartScanner(b"a\rb", recorder, max_header_count=MAX_HEADERS, max_header_size=MAX_HEADER_BYTES)
    assert scanner.delegated
