"""pytest plugin (entry point `pytest11: mockserver`): the mock server for your client's tests.

    def test_client_retries(detect_mock):
        detect_mock.add_fault(EnvelopeFault(status=500, when=When(times=1)))
        result = my_client.detect(detect_mock.detect_url, [open("cat.jpg", "rb").read()])
        assert result.ok
        assert len(detect_mock.requests()) == 2

Fixtures:
- `detect_mock` (each test): a clean server (faults and journal reset before the test) with its `url`,
  `detect_url`, a ready `client` (httpx.Client), the `settings`, typed helpers (`MockControl`), `detect()`
  and `results(response, mode)` (one mode's entries, wherever the body keeps them).
- `detect_mock_server` (the session): the running `MockServer` with default settings.
- `detect_mock_transport` (each test): an `httpx.ASGITransport` of a fresh in-process app, for clients
  built on httpx that can take a transport.

Settings come from `MOCKSERVER_*` environment variables, then `@pytest.mark.detect_mock(**settings)` on
the test or module (`pytestmark`); the port is always a free one. One server runs per distinct settings,
started when first needed and stopped when the session ends.

Loading the plugin imports pytest only; the server (FastAPI, uvicorn, pydantic, httpx) is imported when a
test first asks for one of these fixtures, so an installed mockserver does not slow every pytest run.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from ..http.server import MockServer
    from .mock import DetectMock, ServerPool

MARKER = "detect_mock"
TEST_TOKEN = "test-token"
# Names this module used to define itself, kept importable from here.
_MOVED = {"DetectMock", "ServerPool"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        return getattr(importlib.import_module(".mock", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**settings): settings of the mock detect server for this test or module, e.g. "
        "fixtures=path, http_status='always_200', max_images=10",
    )


@pytest.fixture(scope="session")
def detect_mock_pool() -> Iterator[ServerPool]:
    """The session's servers (one per distinct settings)."""
    from .mock import ServerPool

    pool = ServerPool()
    yield pool
    pool.stop()


@pytest.fixture(scope="session")
def detect_mock_server(detect_mock_pool: ServerPool) -> MockServer:
    """The session's server with the default settings (and `MOCKSERVER_*` variables)."""
    from ..settings import Settings

    return detect_mock_pool.get(Settings.from_env(os.environ, host="127.0.0.1", port=0))


@pytest.fixture
def detect_mock(request: pytest.FixtureRequest, detect_mock_pool: ServerPool) -> Iterator[DetectMock]:
    """A server for this test, reset first: no faults but its scenario's, an empty journal."""
    from .mock import DetectMock, settings_for

    server = detect_mock_pool.get(settings_for(request.node))
    mock = DetectMock(server)
    mock.reset()
    yield mock
    mock.close()


@pytest.fixture
def detect_mock_transport(request: pytest.FixtureRequest) -> httpx.ASGITransport:
    """An in-process app as an httpx transport: `httpx.AsyncClient(transport=..., base_url="http://mock")`."""
    import httpx

    from ..app import create_app
    from .mock import settings_for

    return httpx.ASGITransport(app=create_app(settings_for(request.node)))
