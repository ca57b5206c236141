"""The pytest plugin, tested the way its users meet it: throwaway test files run by pytester."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from mockserver import Settings
from mockserver.admin.client import AdminError, MockControl
from mockserver.faults.model import EnvelopeFault, ImageFault, When
from mockserver.http.server import MockServer

STREET = Path(__file__).resolve().parent.parent / "fixtures" / "images" / "street.jpg"


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_user=textwrap.dedent(source))
    return pytester.runpytest_subprocess("-p", "mockserver", "-W", "error", *args)


def test_plugin_fixture_serves_a_user_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        f"""
        from pathlib import Path

        def test_detect(detect_mock):
            image = Path({str(STREET)!r}).read_bytes()
            response = detect_mock.detect({{"file_0": image}}, ["car_number"])
            plates = [label["eng"] for label in response.json()["body"]["car_number_labels"][0]["labels"]]
            assert "C606KY777" in plates
            assert detect_mock.url.startswith("http://127.0.0.1:")
            assert detect_mock.client.get("/health").json()["status"] == "ok"
            (entry,) = detect_mock.requests()
            assert entry.parts[0].name == "file_0" and entry.status == 200
        """,
    )
    result.assert_outcomes(passed=1)


def test_plugin_results_finds_each_modes_entries(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        f"""
        import pytest
        from pathlib import Path

        IMAGES = {{"file_0": Path({str(STREET)!r}).read_bytes(), "file_1": b"placeholder"}}

        def test_shared_key(detect_mock):
            both = detect_mock.detect(IMAGES, ["object2", "object", "scene"])
            assert list(both.json()["body"]) == ["object_labels", "scene_labels"]
            for mode in ("object", "object2", "scene"):
                assert [entry["name"] for entry in detect_mock.results(both, mode)] == ["file_0", "file_1"]
            alone = detect_mock.detect(IMAGES, ["object2"])
            assert detect_mock.results(alone, "object2") == detect_mock.results(both, "object2")
            assert detect_mock.results(alone, "object2") != detect_mock.results(both, "object")
            assert detect_mock.results(alone, "object") == []
            assert detect_mock.results(alone, "object", modes=["object"]) == alone.json()["body"]["object_labels"]

        @pytest.mark.detect_mock(object2_key="object2_labels")
        def test_own_key(detect_mock):
            both = detect_mock.detect(IMAGES, ["object2", "object"])
            assert list(both.json()["body"]) == ["object_labels", "object2_labels"]
            assert detect_mock.results(both, "object2") == both.json()["body"]["object2_labels"]
        """,
    )
    result.assert_outcomes(passed=2)


def test_plugin_faults_do_not_leak_between_tests(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from mockserver.faults.model import EnvelopeFault, When

        def test_first(detect_mock):
            armed = detect_mock.add_fault(EnvelopeFault(status=500, when=When(times=5)))
            assert armed.fault.status == 500 and armed.fired == 0
            assert detect_mock.detect({"file_0": b"x"}).json()["status"] == 500

        def test_second(detect_mock):
            assert detect_mock.faults() == []
            assert detect_mock.requests() == []
            assert detect_mock.detect({"file_0": b"x"}).json()["status"] == 200

        def test_same_server(detect_mock, detect_mock_server):
            assert detect_mock.url == detect_mock_server.url
        """,
    )
    result.assert_outcomes(passed=3)


def test_plugin_marker_and_env_settings(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_MAX_IMAGES", "2")
    result = run(
        pytester,
        """
        import pytest

        pytestmark = pytest.mark.detect_mock(http_status="always_200")

        def test_module_marker(detect_mock):
            assert detect_mock.settings.http_status == "always_200"
            assert detect_mock.settings.max_images == 2
            response = detect_mock.detect({"a": b"x", "b": b"y", "c": b"z"})
            assert response.status_code == 200
            assert response.json()["body"] == "too many images: 3, max 2"

        @pytest.mark.detect_mock(http_status="mirror", fixtures="")
        def test_test_marker_wins(detect_mock):
            assert detect_mock.settings.http_status == "mirror" and detect_mock.settings.fixtures is None
            assert detect_mock.detect({"a": b"x", "b": b"y", "c": b"z"}).status_code == 400

        def test_default_server_differs(detect_mock, detect_mock_server):
            assert detect_mock.url != detect_mock_server.url
        """,
    )
    result.assert_outcomes(passed=3)


def test_plugin_in_process_transport(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import asyncio
        import httpx

        def test_transport(detect_mock_transport):
            async def go():
                async with httpx.AsyncClient(transport=detect_mock_transport, base_url="http://mock") as client:
                    return await client.get("/health")
            assert asyncio.run(go()).json()["status"] == "ok"
        """,
    )
    result.assert_outcomes(passed=1)


SERVER_MODULES = ("fastapi", "starlette", "uvicorn", "pydantic", "httpx", "mockserver.app", "mockserver.settings")


def test_plugin_loaded_imports_no_server(pytester: pytest.Pytester) -> None:
    """An installed plugin costs a run that uses none of its fixtures no server import (FastAPI, uvicorn...)."""
    result = run(
        pytester,
        f"""
        import sys

        def test_nothing_heavy_loaded():
            assert [name for name in {SERVER_MODULES!r} if name in sys.modules] == []
        """,
    )
    result.assert_outcomes(passed=1)


def test_plugin_import_alone_imports_no_server() -> None:
    """Importing the plugin module (what pytest does at start-up) and the package stays cheap."""
    probe = (
        "import sys, mockserver, mockserver.testing.plugin; "
        f"print([name for name in {SERVER_MODULES!r} if name in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"


def test_plugin_old_names_still_importable() -> None:
    from mockserver.testing import plugin
    from mockserver.testing.mock import DetectMock, ServerPool

    assert plugin.DetectMock is DetectMock and plugin.ServerPool is ServerPool


def test_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user="def test_needs(detect_mock):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:mockserver")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'detect_mock' not found*"])


def test_plugin_registered_by_entry_point() -> None:
    from importlib.metadata import entry_points

    (plugin,) = [point for point in entry_points(group="pytest11") if point.name == "mockserver"]
    assert plugin.value == "mockserver.testing.plugin"


def test_plugin_marker_rejects_positional(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.detect_mock("always_200")
        def test_bad(detect_mock):
            pass
        """,
    )
    result.assert_outcomes(errors=1)


def test_control_typed_helpers_against_thread_server() -> None:
    with MockServer(Settings(fixtures=None, port=0)) as server, MockControl(server.url, session="s1") as control:
        armed = control.add_fault(ImageFault(image="file_0", status=1, error="bad", when=When(times=1)))
        assert armed.fault.match.session == "s1"
        headers = {"x-mock-session": "s1", "content-type": "multipart/form-data; boundary=b"}
        body = (
            b'--b\r\nContent-Disposition: form-data; name="file_0"\r\n\r\nxx\r\n'
            b'--b\r\nContent-Disposition: form-data; name="meta"\r\n\r\n'
            b'{"mode": ["object"], "images": [{"name": "file_0"}]}\r\n--b--\r\n'
        )
        answer = httpx.post(server.url + "/api/v1/objects/detect?oauth_provider=mr&oauth_token=t",
                            headers=headers, content=body).json()
        assert answer["body"]["object_labels"][0] == {"status": 1, "name": "file_0", "error": "bad"}
        (entry,) = control.wait_for_requests(count=1, timeout=2)
        assert entry.session == "s1" and entry.faults[0].id == armed.id
        assert control.faults()[0].fired == 1 and control.faults()[0].exhausted
        assert control.request_count() == 1
        with pytest.raises(AdminError, match="waited"):
            control.wait_for_requests(count=2, timeout=0.2)
        with pytest.raises(AdminError, match="422"):
            control.add_fault({"type": "nonsense"})
        control.add_fault(EnvelopeFault(status=503))
        assert control.clear_faults() == 2
        assert control.clear_requests() == 1


def test_control_admin_token() -> None:
    with MockServer(Settings(fixtures=None, port=0, admin_token="t0k")) as server:
        with MockControl(server.url) as anonymous, pytest.raises(AdminError, match="401"):
            anonymous.faults()
        with MockControl(server.url, admin_token="t0k") as admin:
            assert admin.faults() == []
