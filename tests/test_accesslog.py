"""The access log's writer thread: every line, in order, written in batches; nothing lost at stop."""

from __future__ import annotations

import io
import logging
import time

import pytest

from mockserver.http.accesslog import LineWriter, printable


def record(message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("mockserver.access", level, __file__, 1, message, None, None)


class Counting(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_linewriter_stop_writes_every_line_in_order() -> None:
    stream = Counting()
    writer = LineWriter([logging.StreamHandler(stream)], interval=60)
    writer.start()
    for number in range(500):
        writer.records.append(record(f"line {number}"))
    writer.stop()
    assert stream.getvalue().splitlines() == [f"line {number}" for number in range(500)]
    assert stream.writes == 1, "one batch, one write"


def test_linewriter_writes_while_running() -> None:
    stream = io.StringIO()
    writer = LineWriter([logging.StreamHandler(stream)], interval=0.01)
    writer.start()
    try:
        writer.records.append(record("early"))
        deadline = time.monotonic() + 5
        while "early" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stream.getvalue() == "early\n"
    finally:
        writer.stop()


def test_linewriter_respects_each_handlers_level_and_other_handler_types() -> None:
    stream, kept = io.StringIO(), []

    class Keep(logging.Handler):
        def emit(self, item: logging.LogRecord) -> None:
            kept.append(item.getMessage())

    quiet = logging.StreamHandler(stream)
    quiet.setLevel(logging.WARNING)
    writer = LineWriter([quiet, Keep()], interval=60)
    writer.start()
    writer.records.extend([record("info"), record("warn", logging.WARNING)])
    writer.stop()
    assert stream.getvalue() == "warn\n"
    assert kept == ["info", "warn"]


def test_linewriter_broken_stream_reports_and_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    class Broken(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError("disk full")

    writer = LineWriter([logging.StreamHandler(Broken())], interval=60)
    writer.start()
    writer.records.append(record("lost"))
    writer.stop()  # must not raise: logging reports its own failures on stderr
    assert "disk full" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "shown"),
    [("/api/v1/objects/detect", "/api/v1/objects/detect"), ("/a\nb", "/a\\nb"), ("/\x1b[31m", "/\\x1b[31m")],
)
def test_printable_escapes_control_characters(text: str, shown: str) -> None:
    assert printable(text) == shown
