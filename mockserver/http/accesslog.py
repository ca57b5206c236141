"""The log: one access-log line per answer (method, path, status sent, what was asked, milliseconds), and
the thread that writes every line the server logs, so that the event loop never waits for the output."""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import context_of

logger = logging.getLogger("mockserver.access")

# Records waiting for a stalled sink; past it they are dropped and counted (a few MiB at most, as paths
# are cut at MAX_LOGGED_PATH; 5 MiB measured with 16 KB paths).
DEFAULT_MAX_PENDING = 2048
# Seconds `stop()` waits for a sink to take the last lines.
STOP_TIMEOUT = 2.0
# Loggers whose records go through the writer thread: every line the server writes while it runs
# (the root logger takes what the others pass up: asyncio's, the multipart parser's, warnings).
ROUTED_LOGGERS = ("mockserver", "uvicorn", "")
# A path longer than this is shown cut, with `…`: a log line is for reading, and stays small.
MAX_LOGGED_PATH = 1024


class _Collect(logging.Handler):
    """Hands each record to the writer thread: the event loop only appends (a deque is thread-safe)."""

    def __init__(self, writer: LineWriter) -> None:
        super().__init__()
        self.writer = writer

    def handle(self, record: logging.LogRecord) -> bool:
        # No lock and no filters: `take` is one append, and filtering happens in the writer's handlers.
        self.writer.take(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - `handle` never calls it
        self.writer.take(record)


class LineWriter:
    """Formats and writes log records on a thread, a batch every `interval` seconds.

    One line per request is the busiest logging the server does. On the event loop it cost a tenth of
    a small request; handed to a thread one record at a time, every line woke the thread and passed the
    GIL back and forth. Here the loop appends records to a deque, and the thread wakes `interval`
    seconds apart, formats what came, and writes it with one write per stream. Lines keep their order;
    `stop()` writes what is left.

    A sink that stops reading (stderr on a pipe nobody reads) must not stop the server nor fill its
    memory: only this thread ever waits on the stream (it writes to the file descriptor itself, holding
    no lock that logging's exit or another thread would wait for), at most `max_pending` records wait
    for it, and the records past that are dropped and counted (`dropped`). Once the stream takes lines
    again the count is written as a warning line, and so it is at `stop()`.
    """

    def __init__(
        self, handlers: list[logging.Handler], *, interval: float = 0.05, max_pending: int = DEFAULT_MAX_PENDING
    ) -> None:
        self.handlers = handlers
        self.interval = interval
        self.max_pending = max_pending
        self.records: collections.deque[logging.LogRecord] = collections.deque()
        self.dropped = 0
        self._reported = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mockserver-log", daemon=True)

    def take(self, record: logging.LogRecord) -> None:
        """Queue `record` for the thread, or drop and count it when the sink has stalled. Never waits."""
        if len(self.records) >= self.max_pending:
            self.dropped += 1
        else:
            self.records.append(record)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Write what is left; a sink that takes nothing for `timeout` seconds keeps it."""
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self.flush()
        self.flush()

    def flush(self) -> None:
        """Write every record collected so far, then the count of records dropped since the last report."""
        batch: list[logging.LogRecord] = []
        while self.records:
            batch.append(self.records.popleft())
        dropped = self.dropped - self._reported
        if dropped:
            self._reported += dropped
            batch.append(self._drop_report(dropped))
        if not batch:
            return
        for handler in self.handlers:
            chosen = [record for record in batch if record.levelno >= handler.level and handler.filter(record)]
            if not chosen:
                continue
            if type(handler) is logging.StreamHandler:
                # One write for the batch, not a write and a flush per line (what `emit` does).
                self._write(handler, chosen)
            else:
                for record in chosen:
                    handler.handle(record)

    def _drop_report(self, dropped: int) -> logging.LogRecord:
        text = f"log: {dropped} lines dropped ({self.dropped} in all): the log's output was not being read"
        return logging.LogRecord("mockserver", logging.WARNING, __file__, 0, text, None, None)

    @staticmethod
    def _write(handler: logging.StreamHandler[Any], records: list[logging.LogRecord]) -> None:
        lines = []
        for record in records:
            try:
                lines.append(handler.format(record) + handler.terminator)
            except Exception:
                handler.handleError(record)
        text = "".join(lines)
        stream = handler.stream
        try:
            descriptor = stream.fileno()
        except (AttributeError, OSError, ValueError):
            descriptor = -1
        try:
            if descriptor < 0:
                with handler.lock or contextlib.nullcontext():
                    stream.write(text)
                    handler.flush()
                return
            # Past the stream object and its locks: a blocked write then holds up this thread only.
            data = memoryview(text.encode(getattr(stream, "encoding", None) or "utf-8", "backslashreplace"))
            while data:
                data = data[os.write(descriptor, data) :]
        except Exception:
            handler.handleError(records[-1])

@contextlib.contextmanager
def log_off_the_loop(*, interval: float = 0.05, max_pending: int = DEFAULT_MAX_PENDING) -> Iterator[LineWriter]:
    """While in the block, the server's log (mockserver's, uvicorn's and the root logger) is written by a thread.

    Enter after logging is configured: the records go to the handlers those loggers have at that moment
    (one set: mockserver's configuration gives them the same), through a `LineWriter`. On exit the
    loggers get their handlers back and the writer writes what is left.
    """
    routed = [logging.getLogger(name) for name in ROUTED_LOGGERS]
    saved = [(routed_logger, routed_logger.handlers, routed_logger.propagate) for routed_logger in [*routed, logger]]
    handlers = list(dict.fromkeys(handler for routed_logger in routed for handler in routed_logger.handlers))
    writer = LineWriter(handlers, interval=interval, max_pending=max_pending)
    collect = _Collect(writer)
    for routed_logger in routed:
        routed_logger.handlers = [collect]
    logger.handlers, logger.propagate = [collect], False
    writer.start()
    try:
        yield writer
    finally:
        for routed_logger, handlers_before, propagate_before in saved:
            routed_logger.handlers, routed_logger.propagate = handlers_before, propagate_before
        writer.stop()


def printable(text: str) -> str:
    """A client-chosen text as a log may show it: control characters escaped, so no forged log lines."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def log_answer(
    client: tuple[str, int] | None, method: str, path: str, status: int, ms: float, details: str = ""
) -> None:
    """One access-log line: who asked, what, the status sent (`-`: none), what was asked, milliseconds."""
    if not logger.isEnabledFor(logging.INFO):
        return
    host, port = client or ("-", 0)
    if len(path) > MAX_LOGGED_PATH:
        path = path[:MAX_LOGGED_PATH] + "…"
    logger.info(
        '%s:%s "%s %s" %s %s%.1fms', host, port, method, printable(path), status or "-",
        f"{details} " if details else "", ms,
    )


class AccessLog:
    """ASGI middleware; routes add their own details as `context_of(scope).access` (a short text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        context = context_of(scope)

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            details = context.access
            elapsed = (time.perf_counter() - started) * 1000
            log_answer(scope.get("client"), scope["method"], scope["path"], status, elapsed, details)
