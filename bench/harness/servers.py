"""The servers under test: how to start each one, when it is ready, how much memory it holds, how to stop it.

Every server runs in its own session (process group), so stopping it also stops what it spawned (the
WireMock npm wrapper is node running java) and nothing else.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from .load import HarnessError

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent
PEERS_DIR = BENCH / ".peers"
PEER_BIN = PEERS_DIR / "node_modules" / ".bin"
# Majors pinned: a new major may change flags or data-file formats under the stubs in bench/peers/.
PEER_PACKAGES = {"wiremock": "wiremock@^3", "mockoon": "@mockoon/cli@^9"}
PEER_EXECUTABLES = {"wiremock": "wiremock", "mockoon": "mockoon-cli"}


@dataclass(frozen=True)
class ServerSpec:
    name: str
    kind: str  # "mockserver", "baseline" or "peer": peers' failures are reported but do not fail the run
    argv: Callable[[int], list[str]]
    ready_timeout: float = 30.0
    cwd: Path = ROOT  # `python -m mockserver` imports the package of the folder it starts in


def mockserver_spec(extra: list[str], name: str = "mockserver", checkout: Path = ROOT) -> ServerSpec:
    """Rules only (no fixtures folder), everything else at its defaults: what a user gets from `mockserver`;
    from another `checkout` of the project for an A/B comparison."""
    base = [sys.executable, "-m", "mockserver", "--fixtures", ""]
    return ServerSpec(name, "mockserver", lambda port: [*base, "--port", str(port), *extra], cwd=checkout)


def baseline_spec(name: str) -> ServerSpec:
    script = BENCH / "baselines" / f"{name}_app.py"
    return ServerSpec(name, "baseline", lambda port: [sys.executable, str(script), "--port", str(port)])


def peer_spec(name: str) -> ServerSpec:
    executable = str(PEER_BIN / PEER_EXECUTABLES[name])
    if name == "wiremock":
        root = str(BENCH / "peers" / "wiremock")
        return ServerSpec(name, "peer", lambda port: [
            executable, "--port", str(port), "--bind-address", "127.0.0.1", "--root-dir", root, "--disable-banner",
        ], ready_timeout=60)
    data = str(BENCH / "peers" / "mockoon.json")
    # Mockoon refuses bodies over 100 MB by default; raised so the large profile (≈420 MB) is answered as in
    # issue 5's table. -X: log to stdout only, not to files under the home folder.
    return ServerSpec(name, "peer", lambda port: [
        executable, "start", "--data", data, "--port", str(port), "--disable-log-to-file",
        "--max-request-body-size", "1GB", "--disable-admin-api",
    ], ready_timeout=60)


def peers_missing_tools(name: str) -> str | None:
    """Why a peer cannot run on this machine, or None."""
    for tool in ("node", "npm", *(["java"] if name == "wiremock" else [])):
        if not shutil.which(tool):
            return f"`{tool}` is not installed"
    return None


def ensure_peers(names: list[str]) -> dict[str, str]:
    """Install the wanted peers under bench/.peers with npm; returns why each one that cannot run is skipped."""
    skipped = {name: reason for name in names if (reason := peers_missing_tools(name))}
    wanted = [name for name in names if name not in skipped and not (PEER_BIN / PEER_EXECUTABLES[name]).exists()]
    if wanted:
        command = ["npm", "install", "--prefix", str(PEERS_DIR), "--no-audit", "--no-fund", "--loglevel", "error",
                   *(PEER_PACKAGES[name] for name in wanted)]
        PEERS_DIR.mkdir(exist_ok=True)
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            for name in wanted:
                skipped[name] = f"npm install failed: {result.stderr.strip()[-300:]}"
    return skipped


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/health")
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        connection.close()


class RunningServer:
    """One started server; `readiness` is process start → first 200 from /health, in seconds."""

    def __init__(self, spec: ServerSpec, log_dir: Path) -> None:
        self.spec = spec
        self.port = free_port()
        self.argv = spec.argv(self.port)
        self.log_path = log_dir / f"{spec.name}-{self.port}.log"
        with self.log_path.open("wb") as log:
            started = time.perf_counter()
            # Server output goes to a file: a pipe nobody reads would fill and stall a chatty server.
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            cwd=spec.cwd, start_new_session=True)
        try:
            self.readiness = self._wait_ready(started)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, started: float) -> float:
        deadline = started + self.spec.ready_timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise HarnessError(f"{self.spec.name} exited with {self.process.returncode}: {self.log_tail()}")
            if _healthy(self.port):
                return time.perf_counter() - started
            time.sleep(0.005)
        raise HarnessError(f"{self.spec.name} not ready after {self.spec.ready_timeout} s: {self.log_tail()}")

    def log_tail(self, size: int = 600) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-size:].strip()
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout=15)
        # Children (java under node) may outlive their parent for a moment; the group is ours alone.
        self._signal(signal.SIGKILL)

    def _signal(self, number: int) -> None:
        try:
            os.killpg(self.process.pid, number)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _hwm_bytes(process: psutil.Process) -> int:
    try:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class RssMonitor:
    """Peak resident memory of a server's process tree while the block runs.

    Two views, the larger wins: the tree's summed RSS sampled every 20 ms, and the kernel's own high-water
    mark (VmHWM) of each process, reset at the start through /proc/PID/clear_refs so that a spike shorter
    than a sampling interval still counts and earlier profiles do not.
    """

    def __init__(self, server: RunningServer, interval: float = 0.02) -> None:
        self.server = server
        self.interval = interval
        self.sampled_peak = 0
        self.hwm_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = 0
            for process in self.server.tree():
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.sampled_peak = max(self.sampled_peak, total)
            self._stop.wait(self.interval)

    @property
    def peak(self) -> int:
        return max(self.sampled_peak, self.hwm_peak)

    def __enter__(self) -> RssMonitor:
        for process in self.server.tree():
            try:
                Path(f"/proc/{process.pid}/clear_refs").write_text("5")
            except OSError:
                pass  # not ours to reset (not root, or not Linux): the sampled peak still stands
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.hwm_peak = sum(_hwm_bytes(process) for process in self.server.tree())
