"""examples/python/smarty.py, the vendor's command-line client, run as a subprocess against a real server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import ADMIN, DETECT, ServerProcess

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "python" / "smarty.py"
TOKEN = "e50b000614a371ce99c01a80a4558d8ed93b313737363830"
IMAGES = ["fixtures/images/street.jpg", "fixtures/images/people.jpg", "fixtures/images/landscape.png"]
# A proxy from the environment would swallow requests to 127.0.0.1 and turn every test into a proxy test.
ENV = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess("--fixtures", str(ROOT / "fixtures")) as running:
        yield running


def detect_url(server: ServerProcess, provider: str = "mr") -> str:
    return f"{server.url}{DETECT}?oauth_provider={provider}&oauth_token={TOKEN}"


def smarty(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60
    )


def last_id(server: ServerProcess) -> int:
    entries = httpx.get(server.url + "/__admin/requests", params={"limit": 1}).json()["requests"]
    return int(entries[-1]["id"]) if entries else 0


def journal_since(server: ServerProcess, since: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = httpx.get(server.url + "/__admin/requests", params={"since": since}).json()[
        "requests"
    ]
    return entries


def test_smarty_one_image_vendor_flags(server: ServerProcess) -> None:
    result = smarty("-u", detect_url(server), "-p", IMAGES[0], "--meta", '{"mode":["scene"]}', "-v")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["status"] == 200
    [scene] = answer["body"]["scene_labels"]
    assert scene["name"] == "file_0"
    assert scene["labels"][0]["rus"] == "Улица"
    # Pretty-printed, and Russian left readable rather than \u-escaped.
    assert '\n  "status": 200' in result.stdout
    assert "Улица" in result.stdout


def test_smarty_several_images_answered_in_order(server: ServerProcess) -> None:
    since = last_id(server)
    args = [arg for path in IMAGES for arg in ("-p", path)]
    result = smarty("-u", detect_url(server), *args, "--meta", '{"mode":["object","car_number"]}')
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)["body"]
    assert [entry["name"] for entry in body["car_number_labels"]] == ["file_0", "file_1", "file_2"]
    assert [entry["name"] for entry in body["object_labels"]] == ["file_0", "file_1", "file_2"]
    assert "C606KY777" in [label["eng"] for label in body["car_number_labels"][0]["labels"]]

    [entry] = journal_since(server, since)
    assert entry["meta"] == {
        "mode": ["object", "car_number"],
        "images": [{"name": "file_0"}, {"name": "file_1"}, {"name": "file_2"}],
    }
    parts = [(part["name"], part["filename"], part["content_type"]) for part in entry["parts"]]
    assert parts == [
        ("file_0", "street.jpg", "image/jpeg"),
        ("file_1", "people.jpg", "image/jpeg"),
        ("file_2", "landscape.png", "image/png"),
        ("meta", None, "application/json"),
    ]
    assert [part["size"] for part in entry["parts"][:3]] == [(ROOT / path).stat().st_size for path in IMAGES]
    assert all(part["complete"] for part in entry["parts"])


def test_smarty_meta_images_replaced_by_part_names(server: ServerProcess) -> None:
    since = last_id(server)
    meta = '{"mode":["object"],"images":[{"name":"mine"},{"name":"other"}]}'
    result = smarty("-u", detect_url(server), "-p", IMAGES[2], "--meta", meta)
    assert result.returncode == 0, result.stdout + result.stderr
    [entry] = journal_since(server, since)
    assert entry["meta"]["images"] == [{"name": "file_0"}]


def test_smarty_default_meta_is_object(server: ServerProcess) -> None:
    result = smarty("--url", detect_url(server), "--path", IMAGES[1])
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout)["body"]) == ["object_labels"]


def test_smarty_verbose_shows_request_and_response(server: ServerProcess) -> None:
    result = smarty("-u", detect_url(server), "-p", IMAGES[0], "--meta", '{"mode":["scene"]}', "--verbose")
    assert result.returncode == 0, result.stderr
    err = result.stderr
    assert f"> POST {server.url}{DETECT}?oauth_provider=mr&oauth_token=e50b00…" in err
    assert TOKEN not in err
    assert "> Content-Type: multipart/form-data; boundary=" in err
    assert "> Content-Length: " in err
    assert "> part 'file_0' filename='street.jpg' content-type=image/jpeg size=46016" in err
    assert "> part 'meta' content-type=application/json" in err
    assert '> meta: {"mode": ["scene"], "images": [{"name": "file_0"}]}' in err
    assert "< HTTP 200 OK" in err
    assert "< content-type: application/json" in err.lower()
    assert err.index("> POST") < err.index("< HTTP 200")
    # The body alone on stdout, so `smarty.py -v ... | jq` still works.
    assert json.loads(result.stdout)["status"] == 200


def test_smarty_without_verbose_stderr_is_empty(server: ServerProcess) -> None:
    result = smarty("-u", detect_url(server), "-p", IMAGES[0])
    assert result.returncode == 0
    assert result.stderr == ""


def test_smarty_unknown_mode_exits_1(server: ServerProcess) -> None:
    result = smarty("-u", detect_url(server), "-p", IMAGES[0], "--meta", '{"mode":["faces"]}', "-v")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "status": 400,
        "body": "unknown mode: faces",
        "htmlencoded": False,
        "last_modified": 0,
    }
    assert "< HTTP 400" in result.stderr


def test_smarty_unsupported_provider_exits_1(server: ServerProcess) -> None:
    result = smarty("-u", detect_url(server, provider="xx"), "-p", IMAGES[0])
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["status"] == 403
    assert answer["body"] == "unsupported oauth_provider: xx"


def test_smarty_gateway_page_printed_raw_exits_1(server: ServerProcess) -> None:
    fault = {"type": "gateway", "status": 503, "when": {"times": 1}}
    httpx.post(server.url + "/__admin/faults", json=fault).raise_for_status()
    try:
        result = smarty("-u", detect_url(server), "-p", IMAGES[0])
    finally:
        httpx.delete(server.url + "/__admin/faults", headers=ADMIN).raise_for_status()
    assert result.returncode == 1
    assert "503" in result.stdout
    assert "<html>" in result.stdout


@pytest.mark.parametrize("meta", ["{", '{"mode":', "[1]", '"object"', "null"])
def test_smarty_bad_meta_exits_2(server: ServerProcess, meta: str) -> None:
    since = last_id(server)
    result = smarty("-u", detect_url(server), "-p", IMAGES[0], "--meta", meta)
    assert result.returncode == 2
    assert "--meta" in result.stderr
    assert result.stdout == ""
    assert journal_since(server, since) == []


def test_smarty_missing_image_exits_2(server: ServerProcess) -> None:
    since = last_id(server)
    result = smarty("-u", detect_url(server), "-p", IMAGES[0], "-p", "fixtures/images/missing.jpg")
    assert result.returncode == 2
    assert "fixtures/images/missing.jpg" in result.stderr
    assert result.stdout == ""
    assert journal_since(server, since) == []


@pytest.mark.parametrize(
    "args",
    [[], ["-u", "http://127.0.0.1:1/x"], ["-p", IMAGES[0]], ["-u", "127.0.0.1/x", "-p", IMAGES[0]]],
    ids=["no-flags", "no-path", "no-url", "no-scheme"],
)
def test_smarty_bad_flags_exit_2(args: list[str]) -> None:
    result = smarty(*args)
    assert result.returncode == 2
    assert "usage: smarty.py" in result.stderr


def test_smarty_refused_connection_exits_3() -> None:
    # Bound but not listening: the port stays ours, so nothing else can start answering on it mid-test.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        result = smarty("-u", f"http://127.0.0.1:{port}{DETECT}?oauth_provider=mr&oauth_token=1", "-p", IMAGES[0])
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "Connection refused" in result.stderr


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"type": "transport", "action": "reset"}, "reset"),
        ({"type": "latency", "ms": 3000}, "timed out"),
    ],
    ids=["reset", "timeout"],
)
def test_smarty_network_fault_exits_3(server: ServerProcess, fault: dict[str, Any], message: str) -> None:
    httpx.post(server.url + "/__admin/faults", json={**fault, "when": {"times": 1}}).raise_for_status()
    try:
        result = smarty("-u", detect_url(server), "-p", IMAGES[0], "--timeout", "0.5")
    finally:
        httpx.delete(server.url + "/__admin/faults", headers=ADMIN).raise_for_status()
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
