"""The access log's writer thread: every line, in order, written in batches; nothing lost at stop."""

from __future__ import annotations

import io
import logging
import os
import time

import pytest

from mockserver.http.accesslog import LineWriter, log_off_the_loop, printable


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


def test_linewriter_full_queue_drops_and_reports_the_count() -> None:
    stream = io.StringIO()
    writer = LineWriter([logging.StreamHandler(stream)], interval=60, max_pending=3)
    for number in range(5):
        writer.take(record(f"line {number}"))
    assert (len(writer.records), writer.dropped) == (3, 2)
    writer.start()
    writer.stop()
    lines = stream.getvalue().splitlines()
    assert lines[:3] == ["line 0", "line 1", "line 2"]
    assert lines[3:] == ["log: 2 lines dropped (2 in all): the log's output was not being read"]


def test_linewriter_stalled_pipe_never_blocks_the_caller_nor_grows() -> None:
    """A pipe nobody reads: `take` never waits, at most `max_pending` records wait, `stop` gives up in time."""
    reader, writer_end = os.pipe()
    stream = os.fdopen(writer_end, "w")
    try:
        writer = LineWriter([logging.StreamHandler(stream)], interval=0.01, max_pending=100)
        writer.start()
        started = time.monotonic()
        for number in range(20_000):
            writer.take(record(f"line {number} " + "x" * 1000))
        assert time.monotonic() - started < 5, "take() waited for the stalled pipe"
        assert len(writer.records) <= 100 and writer.dropped > 0
        started = time.monotonic()
        writer.stop(timeout=0.5)
        assert time.monotonic() - started < 3
    finally:
        os.close(reader)  # the blocked write fails now, and the thread ends
        writer._thread.join(5)
        stream.close()


def test_log_off_the_loop_routes_every_logger_and_restores() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    loggers = [logging.getLogger(name) for name in ("mockserver", "uvicorn")]
    before = [(each.handlers, each.propagate, each.level) for each in loggers]
    for each in loggers:
        each.handlers, each.propagate = [handler], False
        each.setLevel(logging.INFO)
    try:
        with log_off_the_loop(interval=60) as writer:
            logging.getLogger("uvicorn.error").warning("from uvicorn")
            logging.getLogger("mockserver.access").info("from the access log")
            logging.getLogger("asyncio").warning("from asyncio, through the root logger")
            assert stream.getvalue() == "" and len(writer.records) == 3
        assert stream.getvalue().splitlines() == ["from uvicorn", "from the access log",
                                                  "from asyncio, through the root logger"]
        assert [each.handlers for each in loggers] == [[handler], [handler]]
    finally:
        for each, (handlers, propagate, level) in zip(loggers, before, strict=True):
            each.handlers, each.propagate = handlers, propagate
            each.setLevel(level)
