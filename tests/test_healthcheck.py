"""The image's HEALTHCHECK (`python -m mockserver.healthcheck`): the server's own port, one line, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import ServerProcess, free_port

from mockserver import Settings
from mockserver import healthcheck as hc


def fake_proc(tmp_path: Path, processes: dict[int, tuple[int, list[str]]]) -> Path:
    """A /proc with these processes: pid -> (parent pid, command line)."""
    proc = tmp_path / "proc"
    for pid, (parent, words) in processes.items():
        (proc / str(pid)).mkdir(parents=True)
        (proc / str(pid) / "cmdline").write_bytes(b"".join(word.encode() + b"\0" for word in words))
        (proc / str(pid) / "stat").write_text(f"{pid} (some name) S {parent} {pid} {pid} 0 -1\n")
    return proc


SCRIPT = ["/usr/local/bin/python", "/usr/local/bin/mockserver"]


@pytest.mark.parametrize(
    ("processes", "environ", "url"),
    [
        # the image as built: the console script is process 1, its port from the image's ENV
        ({1: (0, SCRIPT)}, {"MOCKSERVER_PORT": "8080", "MOCKSERVER_HOST": "0.0.0.0"}, "http://127.0.0.1:8080/health"),
        # `docker run IMAGE mockserver --port 9000`: the flag beats the image's MOCKSERVER_PORT
        ({1: (0, [*SCRIPT, "--port", "9000"])}, {"MOCKSERVER_PORT": "8080"}, "http://127.0.0.1:9000/health"),
        ({1: (0, ["mockserver", "--port=9001", "--host", "::"])}, {}, "http://[::1]:9001/health"),
        ({1: (0, ["python3", "-m", "mockserver", "--fixtures", "/f", "--port", "9002"])}, {},
         "http://127.0.0.1:9002/health"),
        # `docker run --init`: the init is process 1, and its command line holds the server's
        ({1: (0, ["/sbin/docker-init", "--", "mockserver", "--port", "9003"]),
          7: (1, ["mockserver", "--port", "9003"])}, {}, "http://127.0.0.1:9003/health"),
        # not in a container: other people's servers, even ones left to process 1, are not this one
        ({1: (0, ["/sbin/init"]), 300: (299, ["mockserver", "--port", "1"]),
          4498: (1, ["python3", ".venv/bin/mockserver", "--port", "2"])}, {"MOCKSERVER_PORT": "9004"},
         "http://127.0.0.1:9004/health"),
        ({}, {}, "http://127.0.0.1:8080/health"),
        ({1: (0, [*SCRIPT, "--port"])}, {"MOCKSERVER_PORT": "9005"}, "http://127.0.0.1:9005/health"),
    ],
)  # fmt: skip
def test_healthcheck_url_follows_flags_then_environment_then_defaults(
    tmp_path: Path, processes: dict[int, tuple[int, list[str]]], environ: dict[str, str], url: str
) -> None:
    proc = fake_proc(tmp_path, processes)
    assert hc.health_url(hc.server_arguments(proc) or [], environ) == url


def test_healthcheck_defaults_are_the_servers() -> None:
    assert hc.DEFAULT_HOST == Settings.model_fields["host"].default
    assert hc.DEFAULT_PORT == Settings.model_fields["port"].default


def test_healthcheck_server_started_with_port_flag_is_healthy(tmp_path: Path) -> None:
    """The flags come from the real command line of a running server (MOCKSERVER_PORT says another port)."""
    port = free_port()
    with ServerProcess("--port", str(port), env={"MOCKSERVER_PORT": str(free_port())}) as server:
        proc = fake_proc(tmp_path, {})
        (proc / "1").mkdir(parents=True)
        (proc / "1" / "cmdline").write_bytes(Path(f"/proc/{server.process.pid}/cmdline").read_bytes())
        environ = {"MOCKSERVER_PORT": server.env["MOCKSERVER_PORT"]}
        assert hc.main(environ, proc) == 0


def test_healthcheck_nothing_listening_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    code = "import sys, pathlib, mockserver.healthcheck as hc; sys.exit(hc.main(proc=pathlib.Path(sys.argv[1])))"
    env = {**os.environ, "MOCKSERVER_PORT": str(free_port())}
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == ""
    (line,) = result.stdout.splitlines()
    assert line.startswith("unhealthy: http://127.0.0.1:") and "refused" in line.lower(), line
