"""Debian's Firefox ESR for the browser tests, driven over WebDriver BiDi with nothing but the standard library.

Playwright's own Firefox is a patched build fetched from its CDN (not a package registry), and its
`moz-firefox` channel for a stock Firefox asks for BiDi commands Firefox ESR does not have yet
(`emulation.setMediaFeaturesOverride`); geckodriver is not packaged by Debian. Firefox speaks WebDriver
BiDi itself (`--remote-debugging-port`), so a small WebSocket client is enough to open a page, run
scripts in it, press keys, set files on an input and take a screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browser import debian_browser

CANDIDATES = ("/usr/bin/firefox-esr", "firefox-esr", "firefox")
LISTENING = re.compile(rb"WebDriver BiDi listening on (ws://[\d.]+:(\d+))")
START_SECONDS = 60
CALL_SECONDS = 30
ENTER = "\ue007"
TAB = "\ue004"


def firefox() -> str:
    """The path of a Firefox binary, installing Debian's firefox-esr when it is missing and we may."""
    return debian_browser(CANDIDATES, "firefox-esr")


class WebSocket:
    """The client side of RFC 6455, text frames only: what a BiDi session needs."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self.sock = socket.create_connection((host, port), timeout=CALL_SECONDS)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("Firefox closed the WebSocket handshake")
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"Firefox refused the WebSocket: {head[:200]!r}")

    def _exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("Firefox closed the WebSocket")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        size = len(payload)
        head = bytes([0x80 | opcode])
        if size < 126:
            head += bytes([0x80 | size])
        elif size < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", size)
        self.sock.sendall(head + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload)))

    def send(self, text: str) -> None:
        self._frame(0x1, text.encode())

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self._exactly(2)
            size = second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", self._exactly(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", self._exactly(8))
            payload = self._exactly(size)
            opcode = first & 0x0F
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("Firefox closed the WebSocket")
            message += payload
            if first & 0x80:
                return message.decode()

    def close(self) -> None:
        self.sock.close()


class Page:
    """One tab of a BiDi session: navigate, evaluate, wait, press keys, set files, take screenshots."""

    def __init__(self, socket_: WebSocket) -> None:
        self.ws = socket_
        self.next_id = 0
        self.errors: list[str] = []
        self.call("session.new", {"capabilities": {}})
        self.call("session.subscribe", {"events": ["log.entryAdded"]})
        self.context = self.call("browsingContext.getTree", {})["contexts"][0]["context"]

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        mine = self.next_id
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("type") == "event":
                entry = message["params"]
                if message["method"] == "log.entryAdded" and entry.get("level") == "error":
                    self.errors.append(str(entry.get("text")))
                continue
            if message.get("id") == mine:
                if message.get("type") == "error":
                    raise RuntimeError(f"{method}: {message.get('error')}: {message.get('message')}")
                result: dict[str, Any] = message["result"]
                return result

    def goto(self, url: str, width: int = 1440, height: int = 1000) -> None:
        self.call(
            "browsingContext.setViewport", {"context": self.context, "viewport": {"width": width, "height": height}}
        )
        self.call("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def remote(self, expression: str) -> dict[str, Any]:
        """The BiDi remote value of an expression (a promise is awaited)."""
        result = self.call(
            "script.evaluate", {"expression": expression, "target": {"context": self.context}, "awaitPromise": True}
        )
        if result.get("type") == "exception":
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
        value: dict[str, Any] = result["result"]
        return value

    def evaluate(self, expression: str) -> Any:
        """An expression's value; strings, numbers and booleans come back as Python values."""
        return self.remote(expression).get("value")

    def wait_for(self, expression: str, seconds: float = 15) -> Any:
        """Poll until the expression is truthy; its last value in the failure message."""
        deadline = time.monotonic() + seconds
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"after {seconds} s, still falsy: {expression} -> {value!r}")
            time.sleep(0.1)

    def press(self, key: str) -> None:
        """A key pressed and released, as the keyboard sends it to the focused element."""
        actions = [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        self.call(
            "input.performActions",
            {"context": self.context, "actions": [{"type": "key", "id": "keyboard", "actions": actions}]},
        )

    def set_files(self, selector: str, paths: list[str]) -> None:
        node = self.remote(f"document.querySelector({json.dumps(selector)})")
        self.call(
            "input.setFiles", {"context": self.context, "element": {"sharedId": node["sharedId"]}, "files": paths}
        )

    def screenshot(self, path: Path) -> None:
        shot = self.call("browsingContext.captureScreenshot", {"context": self.context, "origin": "document"})
        path.write_bytes(base64.b64decode(shot["data"]))


def _bidi_port(process: subprocess.Popen[bytes]) -> int:
    """The port Firefox's BiDi server listens on, read from its stderr, which is then drained for good."""
    seen: list[bytes] = []
    found = threading.Event()

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:  # until Firefox exits; a full pipe would block it
            if not found.is_set():
                seen.append(line)
                if LISTENING.search(line):
                    found.set()

    threading.Thread(target=drain, daemon=True).start()
    if not found.wait(START_SECONDS):
        pytest.fail(f"Firefox did not start its BiDi server: {b''.join(seen)[-2000:].decode(errors='replace')}")
    match = LISTENING.search(seen[-1])
    assert match is not None
    return int(match.group(2))


@contextmanager
def firefox_page() -> Iterator[Page]:
    """Headless Firefox in a fresh profile, and its first tab; both gone afterwards."""
    executable = firefox()
    with tempfile.TemporaryDirectory(prefix="mockserver-firefox-") as profile:
        process = subprocess.Popen(
            [executable, "--headless", "--no-remote", "--profile", profile, "--remote-debugging-port", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "MOZ_CRASHREPORTER_DISABLE": "1"},
        )
        try:
            port = _bidi_port(process)
            ws = WebSocket("127.0.0.1", port, "/session")
            try:
                page = Page(ws)
                yield page
                page.call("session.end", {})
            finally:
                ws.close()
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
            if process.stderr is not None:
                process.stderr.close()
