"""What the pytest plugin's fixtures hand out: the servers of a session and a test's view of one.

Kept apart from `plugin.py` so that installing mockserver costs a pytest run nothing until a test asks
for a fixture: importing this module imports the server (FastAPI, uvicorn, pydantic, httpx).
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest

from ..admin.client import MockControl
from ..answers.compose import mode_results
from ..http.paths import DETECT_PATH
from ..http.server import MockServer
from ..settings import Settings
from .plugin import MARKER, TEST_TOKEN


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


def settings_for(node: pytest.Item) -> Settings:
    """The settings a test asks for: `MOCKSERVER_*` variables, then its markers; always a free port."""
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
