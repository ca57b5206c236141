"""The server on a real socket in a thread of this process: for test suites and scripts.

    with MockServer(Settings(fixtures=None)) as server:
        httpx.get(server.url + "/health")

Port 0 (the default here) picks a free port; `url` has the real one. The protocol is mockserver's own, so
transport faults (reset, close, truncate) really happen on the socket.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from ..app import create_app
from ..errors import ServerNotStarted
from ..settings import Settings
from .protocol import GracefulServer, listening_port, protocol_class

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
POLL = 0.01


def uvicorn_config(app: ASGIApp, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """How mockserver runs under uvicorn, wherever it runs (the command, a thread): its own protocol with
    the header limits, no access log or Server header of uvicorn's, no proxy headers (a local mock has no
    proxy in front: a layer less), the graceful-shutdown timeout. `overrides`: other uvicorn settings."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=protocol_class(settings.header_timeout, settings.max_header_bytes),
        log_level=settings.log_level,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=settings.shutdown_timeout,
        **overrides,
    )


class MockServer:
    """uvicorn serving `create_app(settings)` in a daemon thread."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings if settings is not None else Settings(port=0)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:40123`."""
        host = self.settings.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def start(self) -> MockServer:
        """Build the app (raising ConfigError for broken files), serve it, return once it answers."""
        # log_config=None: a thread of someone else's process leaves their logging as it is.
        app = create_app(self.settings)
        config = uvicorn_config(app, self.settings, log_config=None)
        self._server = server = GracefulServer(config, before_shutdown=app.state.runtime.stopping.set)
        self._thread = threading.Thread(target=server.run, name="mockserver", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ServerNotStarted(f"mockserver did not start on {self.settings.host}:{self.settings.port}")
            time.sleep(POLL)
        self.port = listening_port(server)
        return self

    def stop(self) -> None:
        """Ask uvicorn to finish and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)
        self._server = self._thread = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
