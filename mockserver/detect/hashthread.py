"""The hashing thread: SHA-256 of the parts' bytes beside the event loop, which goes on parsing meanwhile.

`digests` decides which parts come here; this module hashes them and hands the digests back. hashlib lets
go of the GIL while it hashes a piece of 2 KiB or more, so the thread hashes on another core while the
event loop runs, and takes the GIL only between pieces and to hand digests back. The event loop pays one
queue put per batch and copies nothing: a batch is views of the chunks received, kept until hashed.

    event loop ──(token, pieces)──▶ queue ──▶ hashing thread ──digests──▶ futures, on their loops

This replaced a child process fed through a shared-memory ring: copying each batch into the ring, waking
the child through a pipe and reading its answers on a thread of the server cost the event loop about
30 µs per part, more than the GIL hand-overs a thread costs: the medium profile (10 × 200 KiB) went from
233 to 288 req/s in alternating runs of the two (`bench/README.md`).

There is one thread per server process, started on first use (`shared_hasher`); a forked child starts its
own. If it fails (an error while hashing), the batches it holds fail (`HashingFailed`, a 500) and
`shared_hasher` gives None from then on: parts are hashed on the event loop.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import hashlib
import itertools
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..errors import HashingFailed

if TYPE_CHECKING:
    from _hashlib import HASH

# Digests hashed one after another go back together, one wake-up per event loop, up to this many bytes.
GATHER_BYTES = 1024 * 1024

logger = logging.getLogger("mockserver")

# Called on the hashing thread for each batch: its size, and the hex digest when the batch ended its part
# (None otherwise, and for every batch once the thread has failed: then `failed`).
Done = Callable[[int, str | None, bool], None]


class _Batch:
    __slots__ = ("token", "pieces", "size", "final", "done")

    def __init__(self, token: int, pieces: list[bytes | memoryview], size: int, final: bool, done: Done) -> None:
        self.token, self.pieces, self.size, self.final, self.done = token, pieces, size, final, done


_STOP = _Batch(0, [], 0, False, lambda size, digest, failed: None)


class HashThread:
    """The server process's hashing thread and its queue of batches."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Batch] = queue.SimpleQueue()
        self._tokens = itertools.count(1)
        self._lock = threading.Lock()  # `submit` against `_fail`, and submitters on several event loops
        self._submitted = 0  # bytes, written under the lock
        self._hashed = 0  # bytes, written by the thread only
        self._open: dict[int, HASH] = {}  # parts begun and not ended, by token; the thread's own
        self.alive = True
        self._thread = threading.Thread(target=self._run, name="mockserver-sha256", daemon=True)
        self._thread.start()

    @property
    def parts_open(self) -> int:
        """Parts begun here and not yet ended or dropped."""
        return len(self._open)

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def busy(self, busy_bytes: int) -> bool:
        """Whether more than `busy_bytes` wait to be hashed."""
        return self._submitted - self._hashed > busy_bytes

    def token(self) -> int:
        """A new part's token, naming its SHA-256 here."""
        return next(self._tokens)

    def submit(self, token: int, pieces: list[bytes | memoryview], size: int, final: bool, done: Done) -> None:
        """Hash `pieces` into part `token`'s SHA-256, after every batch submitted before.

        `done(size, hexdigest, failed)` is called on the hashing thread: the digest comes with a final batch.
        The pieces must not change until then (chunks received are bytes: they cannot).
        """
        batch = _Batch(token, pieces, size, final, done)
        with self._lock:
            if self.alive:
                self._submitted += size
                self._queue.put(batch)
                return
        done(size, None, True)

    def close(self) -> None:
        """Stop the thread once it has hashed what it holds, waiting a moment for it."""
        self._queue.put(_STOP)
        self._thread.join(timeout=2)

    def _run(self) -> None:
        try:
            self._serve()
        except Exception as error:  # a thread that dies silently would leave every later part waiting
            logger.error("hashing: %r; parts are hashed on the event loop from now on", error)
            self._fail()

    def _serve(self) -> None:
        while (batch := self._queue.get()) is not _STOP:
            # What is already queued is hashed in the same round, its digests handed back together.
            with _handback.gathered():
                gathered = 0
                while True:
                    self._hash(batch)
                    gathered += batch.size
                    if gathered >= GATHER_BYTES:
                        break
                    try:
                        batch = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if batch is _STOP:
                        return  # leaving the block hands back what was gathered

    def _hash(self, batch: _Batch) -> None:
        try:
            work = self._open.get(batch.token)
            if work is None:
                work = self._open[batch.token] = hashlib.sha256()
            for piece in batch.pieces:
                work.update(piece)
            batch.pieces = []  # the chunks they are views of may go
            digest = self._open.pop(batch.token).hexdigest() if batch.final else None
        except BaseException:
            batch.done(batch.size, None, True)  # its request must not wait for it; the rest fail in `_fail`
            raise
        self._hashed += batch.size
        batch.done(batch.size, digest, False)

    def _fail(self) -> None:
        with self._lock:
            self.alive = False
            self._open.clear()
            lost = []
            while True:
                try:
                    lost.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            with _handback.gathered():
                for batch in lost:
                    if batch is not _STOP:
                        batch.done(batch.size, None, True)


_hasher: HashThread | None = None
# Whether this process has started `_hasher`. Cleared in a forked child, which has no thread and starts
# its own: a fork hook rather than comparing process ids, which costs a system call for every part.
_started = False
_hasher_lock = threading.Lock()


def _forked() -> None:
    global _hasher, _started
    _hasher, _started = None, False


def shared_hasher() -> HashThread | None:
    """The hashing thread, started on first use; None once it has failed (then parts are hashed here)."""
    global _hasher, _started
    if not _started:
        with _hasher_lock:
            if not _started:
                _hasher, _started = HashThread(), True
                os.register_at_fork(after_in_child=_forked)
                atexit.register(_hasher.close)
    hasher = _hasher
    return hasher if hasher is not None and hasher.alive else None


class _Handback(threading.local):
    """Results for event loops, gathered while the hashing thread goes through what is queued.

    Each `call_soon_threadsafe` wakes a loop; one per loop per round instead of one per part.
    """

    def __init__(self) -> None:
        self.gathering: dict[asyncio.AbstractEventLoop, list[Callable[[], None]]] | None = None

    @contextlib.contextmanager
    def gathered(self) -> Iterator[None]:
        """Results delivered inside the block reach their loops together, when it ends."""
        self.gathering = {}
        try:
            yield
        finally:
            gathered, self.gathering = self.gathering, None
            for loop, calls in gathered.items():
                _call_soon(loop, functools.partial(_run_all, calls))


_handback = _Handback()


def _run_all(calls: list[Callable[[], None]]) -> None:
    for call in calls:
        call()


def _call_soon(loop: asyncio.AbstractEventLoop, call: Callable[[], object]) -> None:
    try:
        loop.call_soon_threadsafe(call)
    except RuntimeError:
        pass  # the loop closed while the thread hashed: nobody is waiting any more


def deliver(loop: asyncio.AbstractEventLoop, future: asyncio.Future[str], value: str | None) -> None:
    """Resolve `future` on its loop with `value`, or fail it with HashingFailed when `value` is None.

    Safe from any thread; on the hashing thread, gathered with the other digests of the same round.
    """
    def resolve() -> None:
        if future.done():
            return
        if value is None:
            future.set_exception(HashingFailed())
        else:
            future.set_result(value)

    gathering = _handback.gathering
    if gathering is None:
        _call_soon(loop, resolve)
    else:
        gathering.setdefault(loop, []).append(resolve)
