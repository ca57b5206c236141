"""The journal: every detect request, as sent and as answered, newest last (SPEC section 7).

An entry holds the time, the session, the query (tokens cut to their first 6 characters), the parsed
`meta`, each part's name, filename, content type, size and SHA-256 (never the bytes), the envelope
status and text, the HTTP status, the faults applied and the time taken. The journal keeps the last
`size` entries; a test can wait on it instead of sleeping.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import first_values
from .errors import TokenRefused
from .faultbook import Armed
from .upload import Upload

SESSION_HEADER = b"x-mock-session"
SECRET_PARAMS = ("oauth_token",)
MAX_SESSION_CHARS = 200
META_PREVIEW = 200


def cut_secret(value: str) -> str:
    """A token as logs and the journal show it: its first characters only."""
    return value[: TokenRefused.TOKEN_PREFIX] + "…" if value else value


def session_of(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == SESSION_HEADER:
            session: str = value.decode("latin-1")
            return session[:MAX_SESSION_CHARS]
    return None


@dataclass
class Exchange:
    """One request while it is being answered; the route fills it in as it learns."""

    started: float = field(default_factory=time.time)
    session: str | None = None
    query: list[tuple[str, str]] = field(default_factory=list)
    upload: Upload | None = None
    status: int | None = None
    text: str | None = None
    faults: list[Armed] = field(default_factory=list)

    def answered(self, status: int, text: str | None = None) -> None:
        self.status, self.text = status, text


def _meta(upload: Upload | None) -> tuple[Any, str | None]:
    if upload is None or upload.meta is None:
        return None, None
    try:
        return json.loads(upload.meta), None
    except (ValueError, RecursionError):
        return None, upload.meta[:META_PREVIEW].decode("utf-8", "replace")


def _entry(entry_id: int, exchange: Exchange, http_status: int | None, elapsed: float) -> dict[str, Any]:
    meta, unparsed = _meta(exchange.upload)
    parts = exchange.upload.parts if exchange.upload is not None else []
    return {
        "id": entry_id,
        "time": datetime.fromtimestamp(exchange.started, UTC).isoformat(timespec="milliseconds"),
        "session": exchange.session,
        "query": {
            key: cut_secret(value) if key in SECRET_PARAMS else value
            for key, value in first_values(exchange.query).items()
        },
        "meta": meta,
        "meta_unparsed": unparsed,
        "parts": [
            {
                "name": part.name,
                "filename": part.filename,
                "content_type": part.content_type,
                "size": part.size,
                "sha256": part.sha256,
                "complete": part.complete,
            }
            for part in parts
        ],
        "status": exchange.status,
        "body": exchange.text,
        "http_status": http_status,
        "faults": [{"id": armed.id, "type": armed.spec.type, "name": armed.spec.name} for armed in exchange.faults],
        "duration_ms": round(elapsed * 1000, 3),
    }


class PartRecord(BaseModel):
    """One part of a journalled request: what it was, never its bytes."""

    name: str
    filename: str | None
    content_type: str | None
    size: int
    sha256: str | None = Field(description="None for a part over max_image_bytes (hashing stopped).")
    complete: bool = Field(description="False for a part the body ended (or was refused) in the middle of.")


class AppliedFault(BaseModel):
    id: str
    type: str
    name: str


class JournalEntry(BaseModel):
    """One journalled request (the admin API's shape, and what `MockControl.requests` returns)."""

    id: int
    time: str
    session: str | None
    query: dict[str, str]
    meta: Any = Field(description="The parsed meta document, or None when it was missing or not JSON.")
    meta_unparsed: str | None = Field(description="The start of a meta that was not JSON.")
    parts: list[PartRecord]
    status: int | None = Field(description="The envelope status; None when no envelope was sent.")
    body: str | None = Field(description="The envelope's error text, for refused or failed requests.")
    http_status: int | None = Field(description="None when no HTTP answer was sent (a transport fault).")
    faults: list[AppliedFault]
    duration_ms: float


class RequestList(BaseModel):
    requests: list[JournalEntry]


@dataclass(frozen=True)
class Query:
    """Which entries to list, count or wait for."""

    session: str | None = None
    status: int | None = None
    mode: str | None = None
    image: str | None = None
    since: int = 0

    def __call__(self, entry: dict[str, Any]) -> bool:
        if entry["id"] <= self.since:
            return False
        if self.session is not None and entry["session"] != self.session:
            return False
        if self.status is not None and entry["status"] != self.status:
            return False
        meta = entry["meta"] if isinstance(entry["meta"], dict) else {}
        if self.mode is not None and self.mode not in (meta.get("mode") or []):
            return False
        if self.image is not None:
            listed = [item.get("name") for item in meta.get("images") or [] if isinstance(item, dict)]
            if self.image not in listed and self.image not in (part["name"] for part in entry["parts"]):
                return False
        return True


class Journal:
    """The last `size` entries, newest last."""

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()

    def record(self, exchange: Exchange, http_status: int | None, elapsed: float) -> dict[str, Any]:
        entry = _entry(next(self._ids), exchange, http_status, elapsed)
        self._entries.append(entry)
        self._changed.set()
        self._changed = asyncio.Event()
        return entry

    def select(self, query: Query, limit: int | None = None) -> list[dict[str, Any]]:
        found = [entry for entry in self._entries if query(entry)]
        return found[-limit:] if limit else found

    def clear(self, session: str | None = None) -> int:
        kept = [entry for entry in self._entries if session is not None and entry["session"] != session]
        removed = len(self._entries) - len(kept)
        self._entries = deque(kept, maxlen=self.size)
        return removed

    async def wait(self, query: Query, count: int, timeout: float) -> list[dict[str, Any]]:
        """The matching entries once there are `count` of them, or whatever matches when `timeout` ends."""
        deadline = time.monotonic() + timeout
        while len(self.select(query)) < count and (left := deadline - time.monotonic()) > 0:
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                break
        return self.select(query)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class JournalRecorder:
    """ASGI middleware: journals every request to `path`, whatever answers it."""

    def __init__(self, app: ASGIApp, journal: Journal, path: str) -> None:
        self.app = app
        self.journal = journal
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        exchange = Exchange(session=session_of(scope))
        scope.setdefault("state", {})["exchange"] = exchange
        started = time.perf_counter()
        http_status: int | None = None

        async def send_status(message: Message) -> None:
            nonlocal http_status
            if message["type"] == "http.response.start":
                http_status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.journal.record(exchange, http_status, time.perf_counter() - started)
