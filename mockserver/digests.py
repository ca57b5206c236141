"""SHA-256 of the parts, computed on a worker thread while the event loop goes on reading and parsing.

Hashing is most of the work of a large upload, and hashlib lets go of the GIL while it hashes, so a second
core can hash while the first reads and parses. Handing work over has a price (and a thread that wants the
GIL back may wait for the other's switch interval), so it is done rarely: a part that ends within
`inline_bytes` is hashed at once (a small image never leaves the event loop); a larger one is handed over in
batches of `batch_bytes`, and at its end. One worker thread keeps every part's pieces in order.

Two bounds keep the event loop busy and memory flat however fast clients send:
- while the worker has more than `busy_bytes` queued (from all requests), a part not yet handed over is
  hashed on the event loop instead: the loop does useful work rather than queueing more and then waiting;
- a request that has more than `max_backlog` bytes waiting stops reading until the worker has caught up
  a little (a part already handed over must stay with the worker, to keep its pieces in order).
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _hashlib import HASH

KIB = 1024
DEFAULT_INLINE_BYTES = 64 * KIB
DEFAULT_BATCH_BYTES = 512 * KIB
DEFAULT_MAX_BACKLOG = 1536 * KIB
DEFAULT_BUSY_BYTES = 2048 * KIB

Job = Callable[[], None]


class _Worker:
    """One daemon thread running jobs in the order they were put."""

    def __init__(self) -> None:
        self._jobs: SimpleQueue[Job] = SimpleQueue()
        # Bytes queued and not yet hashed, from every request (and every event loop) of the process.
        self.backlog = 0
        self._count = threading.Lock()
        threading.Thread(target=self._run, name="mockserver-sha256", daemon=True).start()

    def put(self, job: Job, size: int) -> None:
        with self._count:
            self.backlog += size
        self._jobs.put(job)

    def done(self, size: int) -> None:
        with self._count:
            self.backlog -= size

    def _run(self) -> None:
        while True:
            self._jobs.get()()


_worker: _Worker | None = None
_worker_lock = threading.Lock()


def _shared_worker() -> _Worker:
    # One for the process, made on first use: per-part order needs one queue, and a two-core machine
    # (the usual CI runner) has one core to spare.
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = _Worker()
        return _worker


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _deliver(loop: asyncio.AbstractEventLoop, future: asyncio.Future[str], value: str) -> None:
    def resolve() -> None:
        if not future.done():
            future.set_result(value)

    try:
        loop.call_soon_threadsafe(resolve)
    except RuntimeError:
        pass  # the loop closed while the worker hashed: nobody is waiting any more


class Hashing:
    """One request's share of the worker: its digests, and how many of its bytes are still queued."""

    def __init__(
        self,
        *,
        inline_bytes: int = DEFAULT_INLINE_BYTES,
        batch_bytes: int = DEFAULT_BATCH_BYTES,
        max_backlog: int = DEFAULT_MAX_BACKLOG,
        busy_bytes: int = DEFAULT_BUSY_BYTES,
    ) -> None:
        self.inline_bytes = inline_bytes
        self.batch_bytes = batch_bytes
        self.max_backlog = max_backlog
        self.busy_bytes = busy_bytes
        self.queued = 0
        self.hashed = 0  # written by the worker thread only
        # Set by a request waiting for its backlog to halve; resolved by the worker when it has.
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[str]] | None = None

    @property
    def backlog(self) -> int:
        return self.queued - self.hashed

    def digest(self) -> Digest:
        return Digest(self)

    def worker_busy(self) -> bool:
        """Whether the worker has more than `busy_bytes` queued: then new parts are hashed where they are."""
        return _shared_worker().backlog > self.busy_bytes

    def hand_over(
        self, work: HASH, pieces: list[bytes | memoryview], size: int, finish: Callable[[str], None] | None = None
    ) -> None:
        self.queued += size
        worker = _shared_worker()

        def job() -> None:
            # One call per batch: the GIL is let go once for all of it, not once per piece.
            work.update(pieces[0] if len(pieces) == 1 else b"".join(pieces))
            self.hashed += size
            worker.done(size)
            if finish is not None:
                finish(work.hexdigest())
            waiter = self._waiter
            if waiter is not None and self.backlog <= self.max_backlog * 3 // 4:
                self._waiter = None
                _deliver(*waiter, "")

        worker.put(job, size)

    async def drain(self) -> None:
        """Wait until the worker has brought this request's backlog down to three quarters of `max_backlog`.

        Not to zero: the event loop goes on parsing while the worker still has work, so both keep busy.
        """
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[str] = loop.create_future()
        self._waiter = (loop, waiter)
        if self.backlog <= self.max_backlog * 3 // 4:  # the worker got there first
            self._waiter = None
            return
        await waiter


class Digest:
    """One part's SHA-256, fed piece by piece.

    Pieces are held until the part ends small (then hashed here, at once) or passes `batch_bytes` (then
    handed to the worker, as is every later batch). A part is hashed here whole, whatever its size,
    while the worker is busy with other parts when it would first be handed over.
    """

    __slots__ = ("_hash", "_hashing", "_pieces", "_size", "_handed")

    def __init__(self, hashing: Hashing) -> None:
        self._hash: HASH = hashlib.sha256()
        self._hashing = hashing
        self._pieces: list[bytes | memoryview] = []
        self._size = 0
        self._handed = False

    def update(self, data: bytes | memoryview) -> None:
        self._pieces.append(data)
        self._size += len(data)
        if self._size >= self._hashing.batch_bytes:
            if _running_loop() is None or (not self._handed and self._hashing.worker_busy()):
                # No event loop (a script, a unit test): nothing would wait in parallel. A busy worker:
                # the loop would soon wait for it; hashing now keeps it busy instead.
                self._here()
                return
            self._hashing.hand_over(self._hash, self._pieces, self._size)
            self._pieces, self._size, self._handed = [], 0, True

    def finish(self) -> str | asyncio.Future[str]:
        """The hex digest now, or a future of it when the worker hashes (some of) this part."""
        loop = _running_loop()
        here = not self._handed and (self._size <= self._hashing.inline_bytes or self._hashing.worker_busy())
        if loop is None or here:
            self._here()
            return self._hash.hexdigest()
        future: asyncio.Future[str] = loop.create_future()
        self._hashing.hand_over(
            self._hash, self._pieces, self._size, lambda digest: _deliver(loop, future, digest)
        )
        self._pieces, self._size = [], 0
        return future

    def _here(self) -> None:
        for piece in self._pieces:
            self._hash.update(piece)
        self._pieces, self._size = [], 0
