"""One access-log line per request: method, path, status, what was asked, milliseconds."""

from __future__ import annotations

import logging
import logging.handlers
import queue
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("mockserver.access")


class _RecordQueueHandler(logging.handlers.QueueHandler):
    """Queues the record as it is: formatting happens on the listener's thread, not the event loop's."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


def log_off_the_loop() -> logging.handlers.QueueListener:
    """Move the access log's formatting and writing to a thread; returns the listener to stop at exit.

    One line per request is the busiest logging the server does; on the event loop it cost a tenth of
    a small request. The lines keep their order (one queue, one thread). Call after logging is configured.
    """
    lines: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    handlers = logging.getLogger("mockserver").handlers
    logger.handlers = [_RecordQueueHandler(lines)]
    logger.propagate = False
    listener = logging.handlers.QueueListener(lines, *handlers, respect_handler_level=True)
    listener.start()
    return listener


def printable(text: str) -> str:
    """A client-chosen text as a log may show it: control characters escaped, so no forged log lines."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


class AccessLog:
    """ASGI middleware; routes add their own details as `request.state.access` (a short text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            if logger.isEnabledFor(logging.INFO):
                details = scope.get("state", {}).get("access", "")
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
