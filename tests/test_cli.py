"""The command line: flag over MOCKSERVER_* variable over default, clear start-up errors, a real start."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import URL, ServerProcess, body, content_type, image_part, meta_part

from mockserver import ConfigError, Settings
from mockserver.cli import load_settings, parser

PRECEDENCE = [
    # (flags, environment, setting, expected)
    ([], {}, "port", 8080),
    ([], {}, "host", "127.0.0.1"),
    ([], {}, "max_images", 100),
    ([], {}, "max_image_bytes", 4194304),
    ([], {}, "http_status", "mirror"),
    ([], {}, "tokens", frozenset()),
    ([], {"MOCKSERVER_PORT": "9000"}, "port", 9000),
    (["--port", "9100"], {"MOCKSERVER_PORT": "9000"}, "port", 9100),
    ([], {"MOCKSERVER_MAX_IMAGES": "7"}, "max_images", 7),
    (["--max-image-bytes", "10"], {}, "max_image_bytes", 10),
    ([], {"MOCKSERVER_TOKENS": "a, b,,c"}, "tokens", frozenset({"a", "b", "c"})),
    (["--tokens", "x"], {"MOCKSERVER_TOKENS": "a,b"}, "tokens", frozenset({"x"})),
    ([], {"MOCKSERVER_HTTP_STATUS": "always_200"}, "http_status", "always_200"),
    (["--http-status", "mirror"], {"MOCKSERVER_HTTP_STATUS": "always_200"}, "http_status", "mirror"),
    ([], {"MOCKSERVER_FIXTURES": ""}, "fixtures", None),
    (["--fixtures", "/tmp"], {"MOCKSERVER_FIXTURES": "/srv"}, "fixtures", Path("/tmp")),
    ([], {"MOCKSERVER_LOG_LEVEL": "debug"}, "log_level", "debug"),
    ([], {"MOCKSERVER_TOKENS_FILE": "/etc/tokens"}, "tokens_file", Path("/etc/tokens")),
    ([], {"MOCKSERVER_HOST": "0.0.0.0"}, "host", "0.0.0.0"),
    ([], {}, "result_order", "parts"),
    (["--result-order", "shuffle"], {"MOCKSERVER_RESULT_ORDER": "meta"}, "result_order", "shuffle"),
    ([], {}, "object2_key", "object_labels"),
    ([], {"MOCKSERVER_OBJECT2_KEY": "object2_labels"}, "object2_key", "object2_labels"),
    (["--object2-key", "object_labels"], {"MOCKSERVER_OBJECT2_KEY": "object2_labels"}, "object2_key", "object_labels"),
]


@pytest.mark.parametrize(("flags", "environ", "name", "expected"), PRECEDENCE)
def test_cli_flag_over_env_over_default(flags: list[str], environ: dict[str, str], name: str, expected: Any) -> None:
    assert getattr(load_settings(flags, environ), name) == expected


def test_cli_every_setting_has_flag_and_env() -> None:
    help_text = parser().format_help()
    for name in Settings.model_fields:
        assert "--" + name.replace("_", "-") in help_text
        assert "MOCKSERVER_" + name.upper() in help_text.replace("\n", "").replace(" ", "")


@pytest.mark.parametrize(
    ("flags", "environ", "message"),
    [
        (["--port", "http"], {}, "port"),
        ([], {"MOCKSERVER_MAX_IMAGES": "0"}, "max_images"),
        ([], {"MOCKSERVER_HTTP_STATUS": "sometimes"}, "http_status"),
    ],
)
def test_cli_bad_value_names_setting(flags: list[str], environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(flags, environ)


def test_cli_bad_choice_exits() -> None:
    with pytest.raises(SystemExit):
        load_settings(["--http-status", "sometimes"], {})


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mockserver", *args], capture_output=True, text=True, timeout=30)


def test_cli_help_and_version() -> None:
    assert "--max-image-bytes" in run("--help").stdout
    assert run("--version").stdout.startswith("mockserver ")


def test_cli_broken_fixture_stops_start(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(json.dumps({"match": {"name": "a"}, "answers": {"object": {"status": 7}}}))
    result = run("--fixtures", str(tmp_path), "--port", "0")
    assert result.returncode == 2
    assert f"mockserver: error: {tmp_path / 'bad.json'}: answers.object.status: " in result.stderr


def test_cli_missing_tokens_file_stops_start(tmp_path: Path) -> None:
    result = run("--tokens-file", str(tmp_path / "none.txt"), "--port", "0")
    assert result.returncode == 2 and "tokens file" in result.stderr


def test_cli_tokens_file_and_env_serve(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("# accepted tokens\nfrom-file\n\n")
    with ServerProcess("--tokens-file", str(tokens), env={"MOCKSERVER_TOKENS": "from-env"}) as server:
        with httpx.Client(base_url=server.url) as client:
            content = body([image_part(), meta_part()])
            headers = {"content-type": content_type()}
            results = {
                token: client.post(f"{URL.split('?')[0]}?oauth_provider=mr&oauth_token={token}", headers=headers,
                                   content=content).json()["status"]
                for token in ("from-file", "from-env", "someone-else")
            }
    assert results == {"from-file": 200, "from-env": 200, "someone-else": 403}


def test_cli_env_settings_reach_server() -> None:
    with ServerProcess(env={"MOCKSERVER_HTTP_STATUS": "always_200"}) as server:
        response = httpx.post(server.url + URL, headers={"content-type": "text/plain"}, content=b"x")
    assert response.status_code == 200 and response.json()["status"] == 400


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_cli_stop_signal_clean_exit(stop: signal.Signals) -> None:
    """Ctrl+C stops the server as SIGTERM does: exit status 0, no traceback (it printed two and died by SIGINT)."""
    with ServerProcess() as server:
        server.process.send_signal(stop)
        assert server.process.wait(15) == 0
        server.collector.join(5)
    log = "".join(server.lines)
    assert "Traceback" not in log and "KeyboardInterrupt" not in log, log
    assert "Finished server process" in log
