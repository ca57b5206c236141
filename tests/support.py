"""Builders shared by the tests: images of each format, multipart bodies of any shape, a client."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from PIL import Image, ImageDraw

from mockserver import Settings, create_app

DETECT = "/api/v1/objects/detect"
QUERY = "?oauth_provider=mr&oauth_token=123"
URL = DETECT + QUERY
BOUNDARY = "----WebKitFormBoundaryfCqTBHeLZlsicvMp"
# What an admin call that changes state sends when it has no JSON body (SPEC section 8; MockControl does).
ADMIN = {"X-Mock-Admin": "1"}
FORMATS = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF"}


def image_bytes(fmt: str = "jpeg", size: tuple[int, int] = (64, 48), seed: int = 0, **params: Any) -> bytes:
    """A small picture in `fmt`; different seeds give different bytes (and so different answers)."""
    picture = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 17) % 256))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, max(0, size[0] // 3), max(0, size[1] // 3)), fill=(seed % 256, 255 - seed % 256, 80))
    buffer = io.BytesIO()
    picture.save(buffer, FORMATS[fmt], **params)
    return buffer.getvalue()


@dataclass(frozen=True)
class FormPart:
    """One multipart part; `filename=None` sends no filename parameter at all."""

    name: str | None
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    def encode(self, boundary: str) -> bytes:
        disposition = "form-data"
        if self.name is not None:
            disposition += f'; name="{self.name}"'
        if self.filename is not None:
            disposition += f'; filename="{self.filename}"'
        headers = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if self.content_type is not None:
            headers += f"Content-Type: {self.content_type}\r\n"
        return headers.encode() + b"\r\n" + self.data + b"\r\n"


def meta_part(modes: Sequence[str] = ("object",), names: Iterable[str] = ("file_0",), **extra: Any) -> FormPart:
    document = {"mode": list(modes), "images": [{"name": name} for name in names], **extra}
    return FormPart("meta", json.dumps(document).encode())


def image_part(name: str = "file_0", data: bytes | None = None, filename: str | None = "") -> FormPart:
    return FormPart(name, image_bytes() if data is None else data, filename, "image/jpeg")


def body(parts: Iterable[FormPart], boundary: str = BOUNDARY, closed: bool = True) -> bytes:
    """A multipart body; `closed=False` leaves out the closing boundary (a truncated upload)."""
    encoded = b"".join(part.encode(boundary) for part in parts)
    return encoded + (f"--{boundary}--\r\n".encode() if closed else b"")


def content_type(boundary: str = BOUNDARY) -> str:
    return f"multipart/form-data; boundary={boundary}"


def request(
    modes: Sequence[str] = ("object",), images: dict[str, bytes] | None = None, *, meta_first: bool = False
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a well-formed detect request."""
    images = {"file_0": image_bytes()} if images is None else images
    parts = [image_part(name, data) for name, data in images.items()]
    meta = meta_part(modes, images)
    ordered = [meta, *parts] if meta_first else [*parts, meta]
    return {"content-type": content_type()}, body(ordered)


def free_port() -> int:
    """A port nothing listens on right now (for a process that must be told its port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServerProcess:
    """`python -m mockserver` on a free port, for tests where the real socket or process matters."""

    READY = re.compile(r"Uvicorn running on (http://\S+)")

    def __init__(self, *args: str, env: dict[str, str] | None = None, timeout: float = 20) -> None:
        self.args = ["--port", "0", "--fixtures", "", *args]
        self.env = {**os.environ, **(env or {})}
        self.timeout = timeout
        self.lines: list[str] = []
        self.url = ""

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", *self.args],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=self.env,
        )
        ready = threading.Event()

        def collect() -> None:
            assert self.process.stderr is not None
            for line in self.process.stderr:
                self.lines.append(line)
                if match := self.READY.search(line):
                    self.url = match.group(1)
                    ready.set()
            ready.set()

        self.collector = threading.Thread(target=collect, daemon=True)
        self.collector.start()
        if not ready.wait(self.timeout) or not self.url:
            self.__exit__()
            raise RuntimeError("server did not start:\n" + "".join(self.lines))
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.collector.join(5)
        assert self.process.stderr is not None
        self.process.stderr.close()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        return host, int(port)

    def peak_rss(self) -> int:
        """The server's peak resident memory so far (VmHWM), in bytes, with its children's (it starts none)."""
        total = 0
        for pid in [self.process.pid, *(child.pid for child in psutil.Process(self.process.pid).children())]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue  # a child that has just ended
            kib = re.search(r"VmHWM:\s+(\d+) kB", status)
            assert kib is not None
            total += int(kib.group(1)) * 1024
        return total


@contextlib.asynccontextmanager
async def in_process(**settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a fresh in-process app (rules only unless `fixtures` is given)."""
    app = create_app(Settings(**{"fixtures": None, **settings}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            yield client


async def post_detect(
    client: httpx.AsyncClient,
    parts: Sequence[FormPart] | None = None,
    headers: dict[str, str] | None = None,
    url: str = URL,
) -> httpx.Response:
    """POST a detect request (one image and meta by default)."""
    content = body(parts if parts is not None else [image_part(), meta_part()])
    return await client.post(url, headers={"content-type": content_type(), **(headers or {})}, content=content)
