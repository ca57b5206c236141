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
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx
import pytest

from ..admin.client import MockControl
from ..answers.compose import mode_results
from ..app import create_app
from ..http.paths import DETECT_PATH
from ..http.server import MockServer
from ..settings import Settings

MARKER = "detect_mock"
TEST_TOKEN = "test-token"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**settings): settings of the mock detect server for this test or module, e.g. "
        "fixtures=path, http_status='always_200', max_images=10",
    )


class DetectMock(MockControl):
    """What a test gets: the server's addresses, an httpx client, its settings, and the admin helpers."""

    def __init__(self, server: MockServer) -> None:
        super().__init__(server.url, admin_token=server.settings.admin_token)
        self.server = server
        self.url = server.url
        self.settings = server.settings
        self.client = httpx.Client(base_url=server.url, timeout=60)
        # The modes each of detect()'s requests asked for, kept only as long as the response lives.
        self._asked: weakref.WeakKeyDictionary[httpx.Response, list[str]] = weakref.WeakKeyDictionary()

    def detect_url_for(self, provider: str = "mr", token: str = TEST_TOKEN) -> str:
        return f"{self.url}{DETECT_PATH}?oauth_provider={provider}&oauth_token={token}"

    @property
    def detect_url(self) -> str:
        """The endpoint with a valid query string (provider `mr`, token `test-token`)."""
        return self.detect_url_for()

    def detect(
        self,
        images: Mapping[str, bytes],
        modes: Sequence[str] = ("object",),
        *,
        headers: Mapping[str, str] | None = None,
        url: str | None = None,
    ) -> httpx.Response:
        """POST a well-formed request: one part per image (named by the mapping's keys) and meta."""
        meta = {"mode": list(modes), "images": [{"name": name} for name in images]}
        files: list[tuple[str, Any]] = [
            (name, (name, data, "application/octet-stream")) for name, data in images.items()
        ]
        files.append(("meta", (None, json.dumps(meta), "application/json")))
        response = self.client.post(url or self.detect_url, files=files, headers=dict(headers or {}))
        self._asked[response] = list(modes)
        return response

    def results(
        self, response: httpx.Response, mode: str, *, modes: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """One mode's per-image entries of a detect answer, wherever the server put them: `object2` answers
        under `object_labels` (after `object`'s entries when both were asked) unless the settings say
        `object2_key="object2_labels"`. Entries come in the order of the image parts.

        `modes` are the modes the request asked for; `detect()` remembers them for its own responses.
        A mode not asked has no entries, even where `object_labels` holds the other object mode's."""
        asked = modes if modes is not None else self._asked.get(response)
        return mode_results(response.json()["body"], mode, asked, object2_key=self.settings.object2_key)

    def close(self) -> None:
        self.client.close()
        super().close()


def _settings(node: pytest.Item) -> Settings:
    overrides: dict[str, Any] = {}
    # Closest marker last, so a test's marker beats its module's.
    for marker in reversed(list(node.iter_markers(MARKER))):
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes settings as keywords only")
        overrides.update(marker.kwargs)
    overrides.setdefault("host", "127.0.0.1")
    overrides["port"] = 0
    return Settings.from_env(os.environ, **overrides)


class ServerPool:
    """One running server per distinct settings, for the whole session."""

    def __init__(self) -> None:
        self._servers: dict[str, MockServer] = {}

    def get(self, settings: Settings) -> MockServer:
        key = settings.model_dump_json()
        if key not in self._servers:
            self._servers[key] = MockServer(settings).start()
        return self._servers[key]

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()


@pytest.fixture(scope="session")
def detect_mock_pool() -> Iterator[ServerPool]:
    """The session's servers (one per distinct settings)."""
    pool = ServerPool()
    yield pool
    pool.stop()


@pytest.fixture(scope="session")
def detect_mock_server(detect_mock_pool: ServerPool) -> MockServer:
    """The session's server with the default settings (and `MOCKSERVER_*` variables)."""
    return detect_mock_pool.get(Settings.from_env(os.environ, host="127.0.0.1", port=0))


@pytest.fixture
def detect_mock(request: pytest.FixtureRequest, detect_mock_pool: ServerPool) -> Iterator[DetectMock]:
    """A server for this test, reset first: no faults but its scenario's, an empty journal."""
    server = detect_mock_pool.get(_settings(request.node))
    mock = DetectMock(server)
    mock.reset()
    yield mock
    mock.close()


@pytest.fixture
def detect_mock_transport(request: pytest.FixtureRequest) -> httpx.ASGITransport:
    """An in-process app as an httpx transport: `httpx.AsyncClient(transport=..., base_url="http://mock")`."""
    return httpx.ASGITransport(app=create_app(_settings(request.node)))
