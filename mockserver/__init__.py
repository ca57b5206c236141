"""mockserver: a local emulator of the vendor's Vision detect API (`POST /api/v1/objects/detect`).

Run it with `mockserver` (or `python -m mockserver`), in-process:

    from mockserver import Settings, create_app
    app = create_app(Settings(fixtures=None))          # an ASGI app, e.g. for httpx.ASGITransport

on a real socket in a thread of your process:

    with MockServer(Settings(fixtures=None, port=0)) as server:
        control = MockControl(server.url)               # arm faults, read the journal

or through the pytest plugin's `detect_mock` fixture.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .app import create_app  # noqa: E402
from .errors import ConfigError, DetectError, FixtureError, MockServerError, ScenarioError  # noqa: E402
from .settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from .admin.client import AdminError, ArmedFault, MockControl
    from .http.server import MockServer

# Imported when first used: the server itself never needs them, and the command starts faster without.
_LAZY = {
    "AdminError": "admin.client",
    "ArmedFault": "admin.client",
    "MockControl": "admin.client",
    "MockServer": "http.server",
}

__all__ = [
    "AdminError",
    "ArmedFault",
    "ConfigError",
    "DetectError",
    "FixtureError",
    "MockControl",
    "MockServer",
    "MockServerError",
    "ScenarioError",
    "Settings",
    "create_app",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
