"""One access-log line per request: method, path, status, what was asked, milliseconds."""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import context_of

logger = logging.getLogger("mockserver.access")


class _Collect(logging.Handler):
    """Keeps each record for the writer thread: the event loop only appends (a deque is thread-safe)."""

    def __init__(self, records: collections.deque[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records

    def handle(self, record: logging.LogRecord) -> bool:
        # No lock and no filters: `emit` is one append, and filtering happens in the writer's handlers.
        self.records.append(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - `handle` never calls it
        self.records.append(record)


class LineWriter:
    """Formats and writes the access log's records on a thread, a batch every `interval` seconds.

    One line per request is the busiest logging the server does. On the event loop it cost a tenth of
    a small request; handed to a thread one record at a time, every line woke the thread and passed the
    GIL back and forth. Here the loop appends records to a deque, and the thread wakes `interval`
    seconds apart, formats what came, and writes it with one write and one flush per stream. Lines keep
    their order; `stop()` writes what is left.
    """

    def __init__(self, handlers: list[logging.Handler], *, interval: float = 0.05) -> None:
        self.handlers = handlers
        self.interval = interval
        self.records: collections.deque[logging.LogRecord] = collections.deque()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mockserver-access-log", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self.flush()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self.flush()

    def flush(self) -> None:
        """Write every record collected so far."""
        batch: list[logging.LogRecord] = []
        while self.records:
            batch.append(self.records.popleft())
        if not batch:
            return
        for handler in self.handlers:
            chosen = [record for record in batch if record.levelno >= handler.level and handler.filter(record)]
            if not chosen:
                continue
            if type(handler) is logging.StreamHandler:
                # One write and one flush for the batch, not one per line (what `emit` does).
                self._write(handler, chosen)
            else:
                for record in chosen:
                    handler.handle(record)

    @staticmethod
    def _write(handler: logging.StreamHandler[Any], records: list[logging.LogRecord]) -> None:
        lines = []
        for record in records:
            try:
                lines.append(handler.format(record) + handler.terminator)
            except Exception:
                handler.handleError(record)
        with handler.lock or contextlib.nullcontext():
            try:
                handler.stream.write("".join(lines))
                handler.flush()
            except Exception:
                handler.handleError(records[-1])


def log_off_the_loop(*, interval: float = 0.05) -> LineWriter:
    """Move the access log's formatting and writing to a thread; returns the writer to stop at exit.

    Call after logging is configured: the access log's records go to the handlers of the `mockserver`
    logger at that moment, through a `LineWriter`.
    """
    writer = LineWriter(list(logging.getLogger("mockserver").handlers), interval=interval)
    logger.handlers = [_Collect(writer.records)]
    logger.propagate = False
    writer.start()
    return writer


def printable(text: str) -> str:
    """A client-chosen text as a log may show it: control characters escaped, so no forged log lines."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


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
            if logger.isEnabledFor(logging.INFO):
                details = context.access
                elapsed = (time.perf_counter() - started) * 1000
                client = scope.get("client") or ("-", 0)
                logger.info(
                    '%s:%s "%s %s" %s %s%.1fms',
                    client[0],
                    client[1],
                    scope["method"],
                    printable(scope["path"]),
                    status or "-",
                    f"{details} " if details else "",
                    elapsed,
                )
