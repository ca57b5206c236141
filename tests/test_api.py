"""The public Python API is explicit and stable."""

from __future__ import annotations

import mockserver


def test_api_all_pinned() -> None:
    assert sorted(mockserver.__all__) == sorted(
        [
            "AdminError", "ArmedFault", "ConfigError", "DetectError", "FixtureError", "MockControl", "MockServer",
            "MockServerError", "ScenarioError", "Settings", "create_app", "__version__",
        ]
    )
    for name in mockserver.__all__:
        assert hasattr(mockserver, name)


def test_api_create_app_needs_no_arguments() -> None:
    app = mockserver.create_app()
    assert app.state.runtime.settings == mockserver.Settings()
