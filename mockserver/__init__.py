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

if TYPE_CHECKING:
    from .admin.client import ArmedFault, MockControl
    from .app import create_app
    from .errors import AdminError, ConfigError, DetectError, FixtureError, MockServerError, ScenarioError
    from .http.server import MockServer
    from .settings import Settings

# Every public name is imported when first used: `import mockserver` (and so loading the pytest plugin)
# stays cheap, and the command imports only what it runs.
_LAZY = {
    "AdminError": "errors",
    "ArmedFault": "admin.client",
    "ConfigError": "errors",
    "DetectError": "errors",
    "FixtureError": "errors",
    "MockControl": "admin.client",
    "MockServer": "http.server",
    "MockServerError": "errors",
    "ScenarioError": "errors",
    "Settings": "settings",
    "create_app": "app",
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
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # once found, a plain attribute: later look-ups cost nothing
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
