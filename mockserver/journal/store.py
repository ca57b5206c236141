"""The journal: every detect request, as sent and as answered, newest last (SPEC section 7).

An entry holds the time, the session, the query (tokens cut to their first 6 characters), the parsed
`meta`, each part's name, filename, content type, size and SHA-256 (never the bytes), the envelope
status and text, the HTTP status, the answer as sent (its first `max_answer_bytes`), the faults applied
and the time taken. The journal keeps the last `size` entries within a byte budget that counts the kept
answers too (oldest dropped first); a test can wait on it instead of sleeping (`Journal.wait`: a parked
waiter costs a new entry one filter call, and reads the journal only when woken), the console on `change`.
Entries are compact: meta is kept as its bytes and parsed when listed, long names are cut, and each
entry is kept as one `marshal` blob (see `Journal`).
"""

from __future__ import annotations

import asyncio
import itertools
import marshal
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from starlette.types import Scope

from ..detect.auth import first_values
from ..detect.jsondoc import JSONError, load
from ..detect.memo import cached_when_short
from ..detect.upload import Upload
from ..errors import TokenRefused
from ..faults.book import Armed

SESSION_HEADER = b"x-mock-session"
SECRET_PARAMS = ("oauth_token",)
MAX_SESSION_CHARS = 200
META_PREVIEW = 200
# What one entry may hold, so a hostile request costs the journal little: names and query values are
# cut, only the first parts are listed, and only a small meta is read for the filters.
MAX_TEXT = 256
MAX_PARTS_KEPT = 256
MAX_QUERY_PARAMS = 32
MAX_SUMMARY_BYTES = 64 * 1024
MAX_SHOWN_META = 128 * 1024
# What the byte budget counts for an entry besides its blob's length: the bytes object's header and
# the deque's slot.
ENTRY_OVERHEAD = 48


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
    query: Sequence[tuple[str, str]] = ()
    upload: Upload | None = None
    # What a valid meta asked for, once the route knows it (saves the journal parsing meta again).
    asked: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    status: int | None = None
    text: str | None = None
    faults: list[Armed] = field(default_factory=list)
    # The answer's body as sent: one bytes object (the Response's own, not a copy) or the chunks a
    # transport fault let out; None when no body was sent.
    answer: bytes | None = None
    chunks: list[bytes] | None = None
    # The failed entries of a 200 answer as (mode, image, status, error): known when the body is built,
    # so the console need not parse a stored answer that may be cut.
    image_failures: tuple[tuple[str, str, int, str | None], ...] = ()

    def answered(self, status: int, text: str | None = None) -> None:
        self.status, self.text = status, text

    def sent(self, chunk: bytes) -> None:
        """Note a piece of the answer's body that went out (transport faults send theirs piecemeal)."""
        if self.chunks is None:
            self.chunks = []
        self.chunks.append(chunk)

    def sent_body(self) -> bytes | None:
        if self.chunks is not None:
            return b"".join(self.chunks)
        return self.answer


def _cut(text: str | None, limit: int = MAX_TEXT) -> str | None:
    return text if text is None or len(text) <= limit else text[:limit] + "…"


def _summary(raw: bytes | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The modes and image names a meta asks for, for the journal's filters; none if it is not small JSON."""
    if raw is None or len(raw) > MAX_SUMMARY_BYTES:
        return (), ()
    try:
        document = load(raw)
    except JSONError:
        return (), ()
    if not isinstance(document, dict):
        return (), ()
    modes = document.get("mode")
    images = document.get("images")
    return (
        tuple(mode for mode in modes if isinstance(mode, str)) if isinstance(modes, list) else (),
        tuple(item["name"] for item in images if isinstance(item, dict) and isinstance(item.get("name"), str))
        if isinstance(images, list)
        else (),
    )


PartRow = tuple[str, str | None, str | None, int, str | None, bool]


class Record(NamedTuple):
    """One journalled request, kept as it came (cheap to record); cut and parsed only when listed.

    Only strings, bytes, numbers and tuples of them, so that the journal can keep it as one `marshal`
    blob and rebuild it when read.
    """

    id: int
    started: float
    session: str | None
    query: tuple[tuple[str, str], ...]
    meta: bytes | None
    modes: tuple[str, ...]
    names: tuple[str, ...]
    parts: tuple[PartRow, ...]
    status: int | None
    text: str | None
    http_status: int | None
    faults: tuple[tuple[str, str, str], ...]
    duration_ms: float
    answer: bytes | None
    answer_size: int
    image_failures: tuple[tuple[str, str, int, str | None], ...]

    def document(self) -> dict[str, Any]:
        """The record as the admin API shows it (JournalEntry's shape)."""
        meta: Any = None
        unparsed: str | None = None
        if self.meta is not None:
            try:
                if len(self.meta) > MAX_SHOWN_META:
                    # Parsed JSON can take 30 times its text: a huge meta is shown by its start only.
                    raise JSONError("too large to show parsed")
                meta = load(self.meta)
            except JSONError:
                unparsed = self.meta[:META_PREVIEW].decode("utf-8", "replace")
        return {
            "id": self.id,
            "time": datetime.fromtimestamp(self.started, UTC).isoformat(timespec="milliseconds"),
            "session": self.session,
            "query": {_cut(key) or "": _cut(value) or "" for key, value in first_values(self.query).items()},
            "meta": meta,
            "meta_unparsed": unparsed,
            "parts": [
                {
                    "name": _cut(name),
                    "filename": _cut(filename),
                    "content_type": _cut(content_type),
                    "size": size,
                    "sha256": sha256,
                    "complete": complete,
                }
                for name, filename, content_type, size, sha256, complete in self.parts[:MAX_PARTS_KEPT]
            ],
            "parts_total": len(self.parts),
            "status": self.status,
            "body": self.text,
            "http_status": self.http_status,
            "faults": [{"id": fault_id, "type": kind, "name": name} for fault_id, kind, name in self.faults],
            "duration_ms": self.duration_ms,
            "answer": self.answer.decode("utf-8", "replace") if self.answer is not None else None,
            "answer_size": self.answer_size,
            "answer_cut": self.answer is not None and len(self.answer) < self.answer_size,
            "image_failures": [
                {"mode": mode, "image": _cut(image), "status": status, "error": _cut(error)}
                for mode, image, status, error in self.image_failures[:MAX_PARTS_KEPT]
            ],
            "image_failures_total": len(self.image_failures),
        }


@dataclass(frozen=True)
class Query:
    """Which entries to list, count or wait for."""

    session: str | None = None
    status: int | None = None
    mode: str | None = None
    image: str | None = None
    since: int = 0
    http_status: int | None = None

    def __call__(self, record: Record) -> bool:
        if record.id <= self.since:
            return False
        if self.session is not None and record.session != self.session:
            return False
        if self.status is not None and record.status != self.status:
            return False
        if self.http_status is not None and record.http_status != self.http_status:
            return False
        if self.mode is not None and self.mode not in record.modes:
            return False
        if self.image is not None and self.image not in record.names:
            # A part's name, or the filename the client gave it (what a developer knows of their upload).
            return any(self.image in (part[0], part[1]) for part in record.parts)
        return True


CACHED_QUERY_PARAMS = 8


def _journal_query(query: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The query as the journal keeps it: secrets cut, at most MAX_QUERY_PARAMS."""
    return tuple(
        (key, cut_secret(value) if key in SECRET_PARAMS else value) for key, value in query[:MAX_QUERY_PARAMS]
    )


_kept_query = cached_when_short(_journal_query, max_len=CACHED_QUERY_PARAMS)


def record_fields(
    entry_id: int, exchange: Exchange, http_status: int | None, elapsed: float, max_answer_bytes: int
) -> tuple[Any, ...]:
    """The Record of an exchange as a plain tuple, in the order of Record's fields; the answer cut."""
    upload = exchange.upload
    parts = upload.parts if upload is not None else []
    meta = upload.meta if upload is not None else None
    modes, names = exchange.asked if exchange.asked is not None else _summary(meta)
    kept = _kept_query(tuple(exchange.query))  # tuple() of the usual tuple is that tuple, not a copy
    rows = tuple((part.name, part.filename, part.content_type, part.size, part.sha256, part.complete) for part in parts)
    faults = tuple((armed.id, armed.spec.type, armed.spec.name) for armed in exchange.faults)
    answer = exchange.sent_body()
    size = len(answer) if answer is not None else 0
    # A whole slice of bytes is the same object: an answer within the bound is not copied.
    kept_answer = answer[:max_answer_bytes] if answer is not None else None
    return (entry_id, exchange.started, exchange.session, kept, meta, modes, names, rows, exchange.status,
            exchange.text, http_status, faults, round(elapsed * 1000, 3), kept_answer, size, exchange.image_failures)


def _load(blob: bytes) -> Record:
    return Record._make(marshal.loads(blob))


@dataclass(eq=False)
class _Waiter:
    """A caller of `Journal.wait`: its filter, how many more matches it needs, and what wakes it."""

    query: Query
    missing: int
    woken: asyncio.Future[None]


class Journal:
    """The last `size` entries, newest last, holding at most about `max_bytes`.

    Each entry is kept as one `marshal` blob of its Record's fields, rebuilt when listed. Kept as
    objects (a tuple of tuples and strings per entry), a thousand entries cost a small request 5 % of
    its time: the collector walks them, and each new entry pushes out an old one whose objects are cold
    in the cache. One bytes object per entry is neither walked nor scattered.
    """

    def __init__(self, size: int = 1000, max_bytes: int = 64 * 1024 * 1024, max_answer_bytes: int = 64 * 1024) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.max_answer_bytes = max_answer_bytes
        # What a watcher compares to see a change: the newest id ever given, and how many clears.
        self.last_id = 0
        self.clears = 0
        # Watchers of any change (the console's event stream), woken by a new entry or a clear.
        self._watchers: set[asyncio.Future[None]] = set()
        self._records: deque[bytes] = deque()
        self._bytes = 0
        self._ids = itertools.count(1)
        # Callers parked in `wait`, by the session they filter on (None: any): a new entry is shown only
        # to the waiters of its own session and the unfiltered ones, each told of it once, never woken
        # before its count is reached. (Waking every waiter on every entry, each to read the whole
        # journal again, cost a detect 1.9 s with 1000 waiters on a full journal.)
        self._waiters: dict[str | None, set[_Waiter]] = {}

    def record(self, exchange: Exchange, http_status: int | None, elapsed: float) -> None:
        self.last_id = next(self._ids)
        fields = record_fields(self.last_id, exchange, http_status, elapsed, self.max_answer_bytes)
        entry = marshal.dumps(fields)
        self._records.append(entry)
        self._bytes += len(entry) + ENTRY_OVERHEAD
        while self._records and (len(self._records) > self.size or self._bytes > self.max_bytes):
            self._bytes -= len(self._records.popleft()) + ENTRY_OVERHEAD
        if self._waiters:
            self._tell_waiters(Record._make(fields))
        if self._watchers:
            self._wake_watchers()

    def _tell_waiters(self, record: Record) -> None:
        for session in (None, record.session) if record.session is not None else (None,):
            for waiter in self._waiters.get(session, ()):
                if waiter.missing > 0 and waiter.query(record):
                    waiter.missing -= 1
                    if waiter.missing == 0 and not waiter.woken.done():
                        waiter.woken.set_result(None)

    def _wake_watchers(self) -> None:
        for watcher in self._watchers:
            if not watcher.done():
                watcher.set_result(None)

    @property
    def waiting(self) -> int:
        """How many callers are parked in `wait`."""
        return sum(len(waiters) for waiters in self._waiters.values())

    def select(self, query: Query, limit: int | None = None) -> list[Record]:
        found = [entry for entry in self if query(entry)]
        return found[-limit:] if limit else found

    def clear(self, session: str | None = None) -> int:
        kept = [blob for blob in self._records if session is not None and _load(blob).session != session]
        removed = len(self._records) - len(kept)
        self._records = deque(kept)
        self._bytes = sum(len(blob) + ENTRY_OVERHEAD for blob in kept)
        self.clears += 1
        self._wake_watchers()
        return removed

    async def wait(self, query: Query, count: int, timeout: float) -> list[Record]:
        """The matching entries once there are `count` of them, or whatever matches when `timeout` ends."""
        deadline = time.monotonic() + timeout
        loop = asyncio.get_running_loop()
        # Read the journal once now, then again only when enough new entries matched: entries dropped
        # or cleared meanwhile can leave fewer than counted, and then the caller parks again.
        while len(found := self.select(query)) < count and (left := deadline - time.monotonic()) > 0:
            waiter = _Waiter(query, count - len(found), loop.create_future())
            parked = self._waiters.setdefault(query.session, set())
            parked.add(waiter)
            try:
                await asyncio.wait_for(waiter.woken, left)
            except TimeoutError:
                return self.select(query)
            finally:
                parked.discard(waiter)
                if not parked and self._waiters.get(query.session) is parked:
                    del self._waiters[query.session]
        return found

    async def change(self, last_id: int, clears: int, timeout: float) -> None:
        """Return once an entry newer than `last_id` is recorded or the journal is cleared again (after
        `clears`), or when `timeout` ends; unlike `wait`, never reads the entries."""
        if self.last_id != last_id or self.clears != clears:
            return
        watcher = asyncio.get_running_loop().create_future()
        self._watchers.add(watcher)
        try:
            await asyncio.wait_for(watcher, timeout)
        except TimeoutError:
            pass
        finally:
            self._watchers.discard(watcher)

    def __iter__(self) -> Iterator[Record]:
        return map(_load, self._records)

    def __len__(self) -> int:
        return len(self._records)
