"""A multipart body split into parts as it streams: a fast path for what clients send, python-multipart for the rest.

Almost every body is plain: a delimiter line `--boundary CRLF`, a few `Name: value` header lines, a blank
line, the part's bytes up to `CRLF --boundary`, and so on to `CRLF --boundary--`. For those, `PartScanner`
finds each delimiter with one `bytes.find` over the chunk and reports the bytes between as ranges of it,
with no per-state steps or callback lookups in Python: most of its time is the `find` itself, and a
10 × 200 KiB upload costs the event loop a fifth less than through python-multipart (`bench/README.md`).

Anything else is python-multipart's to judge, so the server accepts and refuses exactly what it would,
with its reasons: odd header lines (a character outside `A–Z a–z -` in a name, a stray CR, too many or too
long), a delimiter followed by anything but CRLF or `--` (transport padding, a boundary that only starts
one), or a first delimiter line that is not `--boundary CRLF`. At that point the scanner hands the rest of
the body to a `MultipartParser` brought to the same place: fed, with its callbacks off, the few bytes
that put it at the start of a part's headers or inside a part's data, then fed the body from where the
fast path stopped. From then on it parses everything; the sink cannot tell which did the work.

    chunks ──▶ PartScanner ──fast path──────────────────────────▶ sink (part_begin, headers_finished,
                    └──unusual──▶ python-multipart MultipartParser ──▶   part_data, part_end)
"""

from __future__ import annotations

import enum
from typing import Protocol

from python_multipart.multipart import MultipartParser, MultipartState

CRLF = b"\r\n"
# Header names every python-multipart release accepts (older ones allow letters and hyphens only).
_NAME_CHARS = b"-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# A header block longer than this (real ones are a few hundred bytes) goes to python-multipart, which reads
# long ones as they stream; gathering them here would copy them once per chunk.
FAST_HEADER_BYTES = 4096


class PartSink(Protocol):
    """Where a scanner's parts go, in this order for each part (python-multipart's callbacks, gathered)."""

    def part_begin(self) -> None: ...

    def headers_finished(self, headers: list[tuple[bytes, bytes]]) -> None:
        """The part's header lines, names as sent (any case), values without their leading spaces."""

    def part_data(self, data: bytes, start: int, end: int) -> None:
        """`data[start:end]` is the part's next bytes (never empty)."""

    def part_end(self) -> None: ...


class _State(enum.Enum):
    FIRST = "first delimiter line"
    HEADERS = "part headers"
    DATA = "part data"
    END = "after the closing delimiter"


class PartScanner:
    """Feed it the body from its first delimiter (`--boundary`) on, in chunks of any size."""

    def __init__(self, boundary: bytes, sink: PartSink, *, max_header_count: int, max_header_size: int) -> None:
        self._boundary = boundary
        self._sink = sink
        self.max_header_count = max_header_count
        self.max_header_size = max_header_size
        self._delimiter = CRLF + b"--" + boundary
        self._state = _State.FIRST  # the fast path's; once python-multipart has taken over, `_parser` is set
        self._pending = b""  # bytes that could not be judged yet (a delimiter or header block cut by a chunk)
        self._scanned = 0  # of `_pending` in HEADERS: searched already for the blank line
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: list[tuple[bytes, bytes]] = []
        self._parser: MultipartParser | None = None
        if b"\r" in boundary or b"\n" in boundary:
            self._delegate(b"")  # the fast path's reasoning needs a delimiter whose only CR starts it

    @property
    def ended(self) -> bool:
        """Whether the closing delimiter has been read."""
        if self._parser is not None:
            return bool(self._parser.state == MultipartState.END)
        return self._state is _State.END

    @property
    def delegated(self) -> bool:
        """Whether python-multipart has taken over (for tests and the curious)."""
        return self._parser is not None

    def write(self, chunk: bytes) -> None:
        """Parse one chunk; python-multipart's `MultipartParseError` for a malformed body."""
        if self._parser is not None:
            self._parser.write(chunk)
            return
        if self._state is _State.END:
            return  # the epilogue: ignored, as RFC 2046 and python-multipart do
        data = self._pending + chunk if self._pending else chunk
        self._pending, position = b"", 0
        while position < len(data):
            if self._state is _State.DATA:
                position = self._data(data, position)
            elif self._state is _State.HEADERS:
                position = self._header_block(data, position)
            elif self._state is _State.FIRST:
                position = self._first(data, position)
            else:
                break  # END: the epilogue is ignored
            if self._parser is not None and position < len(data):
                self._parser.write(data[position:])
                break

    # --- the fast path: each returns where it stopped; `_pending` holds what it could not judge yet ---

    def _first(self, data: bytes, position: int) -> int:
        line = self._delimiter[2:] + CRLF
        if len(data) - position < len(line):
            if line.startswith(data[position:]):
                self._pending = data[position:]
                return len(data)
        elif data.startswith(line, position):
            self._sink.part_begin()
            self._state = _State.HEADERS
            return position + len(line)
        self._delegate(b"")  # python-multipart gives the reason, from the same first byte
        return position

    def _header_block(self, data: bytes, position: int) -> int:
        if data.startswith(CRLF, position):
            return self._headers_done([], position + len(CRLF))
        search_from = max(position, position + self._scanned - 3)
        blank = data.find(CRLF + CRLF, search_from, position + FAST_HEADER_BYTES)
        if blank >= 0:
            headers = self._plain_headers(data[position:blank].split(CRLF))
            if headers is None:
                return self._header_fallback(position)
            self._scanned = 0
            return self._headers_done(headers, blank + 2 * len(CRLF))
        # python-multipart refuses a bad line as soon as it sees it, not at the blank line: so must we.
        *lines, partial = data[position:].split(CRLF)
        if (len(data) - position >= FAST_HEADER_BYTES or self._plain_headers(lines) is None
                or not self._plain_start(partial, len(lines))):
            return self._header_fallback(position)
        self._pending, self._scanned = data[position:], len(data) - position
        return len(data)

    def _plain_headers(self, lines: list[bytes]) -> list[tuple[bytes, bytes]] | None:
        """`Name: value` lines as (name, value), or None if any line is one for python-multipart to judge."""
        if len(lines) > self.max_header_count:
            return None
        headers = []
        for line in lines:
            colon = line.find(b":")
            if (colon <= 0 or len(line) >= self.max_header_size or line[:colon].translate(None, _NAME_CHARS)
                    or b"\r" in line):
                return None
            headers.append((line[:colon], line[colon + 1 :].lstrip(b" ")))
        return headers

    def _plain_start(self, partial: bytes, complete: int) -> bool:
        """Whether `partial`, the start of header line number `complete`, can still become a plain one."""
        if partial in (b"", b"\r"):
            return True  # nothing yet, or the start of the blank line
        colon = partial.find(b":")
        name = partial if colon < 0 else partial[:colon]
        return (complete < self.max_header_count and colon != 0 and len(partial) < self.max_header_size
                and not name.translate(None, _NAME_CHARS) and b"\r" not in partial[:-1])

    def _headers_done(self, headers: list[tuple[bytes, bytes]], position: int) -> int:
        self._sink.headers_finished(headers)
        self._state = _State.DATA
        return position

    def _data(self, data: bytes, position: int) -> int:
        delimiter = self._delimiter
        found = data.find(delimiter, position)
        if found < 0:
            # The chunk may end inside a delimiter: its start is then the last CR (it holds no other).
            cut = data.rfind(b"\r", max(position, len(data) - len(delimiter) - 1))
            if cut < 0 or not delimiter.startswith(data[cut : cut + len(delimiter)]):
                cut = len(data)
            if cut > position:
                self._sink.part_data(data, position, cut)
            self._pending = data[cut:]
            return len(data)
        if found > position:
            self._sink.part_data(data, position, found)
        after = found + len(delimiter)
        if len(data) < after + 2:
            self._pending = data[found:]
            return len(data)
        follows = data[after : after + 2]
        if follows == CRLF:
            self._sink.part_end()
            self._sink.part_begin()
            self._state = _State.HEADERS
            return after + 2
        if follows == b"--":
            self._sink.part_end()
            self._state = _State.END
            return len(data)
        # Padding after the delimiter, or a longer line that merely starts like one: python-multipart's call.
        self._delegate(b"--" + self._boundary + CRLF + CRLF)
        return found

    def _header_fallback(self, position: int) -> int:
        self._scanned = 0
        self._delegate(b"--" + self._boundary + CRLF)
        return position

    # --- python-multipart, for the rest of the body ---

    def _delegate(self, lead_in: bytes) -> None:
        """Hand over to python-multipart, first brought (callbacks off) to where `lead_in` leaves it."""
        parser = MultipartParser(
            self._boundary,
            max_header_count=self.max_header_count,
            max_header_size=self.max_header_size,
        )
        parser.write(lead_in)
        parser.callbacks = {
            "on_part_begin": self._sink.part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._sink.part_data,
            "on_part_end": self._sink.part_end,
        }
        self._parser = parser

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers.append((bytes(self._header_field), bytes(self._header_value)))
        self._header_field.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        headers, self._headers = self._headers, []
        self._sink.headers_finished(headers)

    def close(self) -> None:
        """Drop the sink (bound methods of it would otherwise make a reference cycle with it)."""
        if self._parser is not None:
            self._parser.callbacks = {}
        self._sink = _NO_SINK


class _NoSink:
    def part_begin(self) -> None:
        pass

    def headers_finished(self, headers: list[tuple[bytes, bytes]]) -> None:
        pass

    def part_data(self, data: bytes, start: int, end: int) -> None:
        pass

    def part_end(self) -> None:
        pass


_NO_SINK = _NoSink()
