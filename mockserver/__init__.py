"""mockserver: a local emulator of the vendor's Vision detect API (`POST /api/v1/objects/detect`).

Run it with `mockserver` (or `python -m mockserver`), or in-process:

    from mockserver import Settings, create_app
    app = create_app(Settings(fixtures=None))
"""

from __future__ import annotations

__version__ = "0.1.0"

from .app import create_app  # noqa: E402
from .errors import ConfigError, DetectError, FixtureError, MockServerError  # noqa: E402
from .settings import Settings  # noqa: E402

__all__ = [
    "ConfigError",
    "DetectError",
    "FixtureError",
    "MockServerError",
    "Settings",
    "create_app",
    "__version__",
]
