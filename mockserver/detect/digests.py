"""SHA-256 of the parts as they pass: which are hashed on the event loop, which by the hashing thread.

Hashing is most of the work of a large upload, and the event loop is the server's bottleneck: large parts
are hashed beside it by a thread (`hashthread`; hashlib lets go of the GIL while it hashes).

Per part, decided once:
- a part that ends within `inline_bytes` is hashed at once: a small image never leaves the event loop;
- a larger one goes to the thread in batches of `batch_bytes`, and at its end;
- while the thread has more than `busy_bytes` to hash, a part not yet handed over is hashed on the loop
  instead, whole: the loop does useful work rather than queueing more and then waiting.
A request with more than `max_backlog` bytes not yet hashed stops reading until the thread has caught
up a little. Without an event loop (a script, a unit test), or once the thread has failed, every part is
hashed where it arrives.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from .hashthread import HashThread, deliver, shared_hasher

if TYPE_CHECKING:
    from _hashlib import HASH

KIB = 1024
MIB = 1024 * KIB
DEFAULT_INLINE_BYTES = 64 * KIB
DEFAULT_BATCH_BYTES = 512 * KIB
DEFAULT_MAX_BACKLOG = 3 * MIB
DEFAULT_BUSY_BYTES = 3 * MIB

HERE: Literal["here"] = "here"  # a part hashed on the event loop


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Hashing:
    """One request's share of the hashing thread: its digests, and how many of its bytes are not hashed yet."""

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
        self._loop: asyncio.AbstractEventLoop | None | Literal[False] = False  # False: not looked up yet
        self.queued = 0
        self.hashed = 0  # written by the hashing thread (or under its lock, once it has failed)
        # Set by a request waiting for its backlog to shrink; resolved by the hashing thread when it has.
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[str]] | None = None

    @property
    def backlog(self) -> int:
        return self.queued - self.hashed

    def digest(self) -> Digest:
        return Digest(self)

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop this request runs on, or None (a script, a unit test); looked up once per request:
        each lookup asks the kernel for the process id."""
        if self._loop is False:
            self._loop = _running_loop()
        return self._loop

    def hasher(self) -> HashThread | None:
        """The hashing thread to hand a part to, or None to hash it here (no event loop, or it failed)."""
        return shared_hasher() if self.loop is not None else None

    def hand_over(
        self,
        hasher: HashThread,
        token: int,
        pieces: list[bytes | memoryview],
        size: int,
        finish: Callable[[str | None], None] | None = None,
    ) -> None:
        self.queued += size

        def done(hashed: int, hexdigest: str | None, failed: bool) -> None:
            self.hashed += hashed
            if finish is not None and (hexdigest is not None or failed):
                finish(hexdigest)
            waiter = self._waiter
            if waiter is not None and (self.backlog <= self.max_backlog * 3 // 4 or failed):
                self._waiter = None
                deliver(*waiter, "")

        hasher.submit(token, pieces, size, finish is not None, done)

    async def drain(self) -> None:
        """Wait until the thread has brought this request's backlog down to three quarters of `max_backlog`.

        Not to zero: the event loop goes on parsing while the thread still has work, so both keep busy.
        """
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[str] = loop.create_future()
        self._waiter = (loop, waiter)
        if self.backlog <= self.max_backlog * 3 // 4:  # the thread got there first
            self._waiter = None
            return
        await waiter


def _ignore(hashed: int, hexdigest: str | None, failed: bool) -> None:
    pass


class Digest:
    """One part's SHA-256, fed piece by piece.

    Pieces are held until the part ends small (then hashed here, at once) or passes `batch_bytes`. Then
    the part's place is chosen, once: the hashing thread (this batch and every later one go there), or
    here, whole, when there is none or it is busy with other parts.
    """

    __slots__ = ("_hash", "_hashing", "_pieces", "_size", "_place", "_token")

    def __init__(self, hashing: Hashing) -> None:
        self._hash: HASH = hashlib.sha256()
        self._hashing = hashing
        self._pieces: list[bytes | memoryview] = []
        self._size = 0
        # None until chosen; then the thread, or HERE. Never changed after.
        self._place: HashThread | Literal["here"] | None = None
        self._token = 0

    def update(self, data: bytes | memoryview) -> None:
        self._pieces.append(data)
        self._size += len(data)
        if self._size >= self._hashing.batch_bytes:
            hasher = self._hasher()
            if hasher is None:
                self._here()
                return
            self._hashing.hand_over(hasher, self._token, self._pieces, self._size)
            self._pieces, self._size = [], 0

    def finish(self) -> str | asyncio.Future[str]:
        """The hex digest now, or a future of it when the thread hashes (some of) this part."""
        if self._place is None and self._size <= self._hashing.inline_bytes:
            self._place = HERE
        hasher = self._hasher()
        loop = self._hashing.loop
        if hasher is None:
            self._here()
            return self._hash.hexdigest()
        if loop is None or not loop.is_running():
            # The thread holds the start of this part: hashing the rest here would give a wrong digest.
            raise RuntimeError("a part handed to the hashing thread must be finished on an event loop")
        future: asyncio.Future[str] = loop.create_future()
        self._hashing.hand_over(
            hasher, self._token, self._pieces, self._size, lambda digest: deliver(loop, future, digest)
        )
        self._pieces, self._size = [], 0
        return future

    def abandon(self) -> None:
        """The part will not be finished (over the limit, or the request ended): the thread, if it holds
        the start of it, is told to drop it."""
        if isinstance(self._place, HashThread):
            self._place.submit(self._token, [], 0, True, _ignore)
        self._place, self._pieces, self._size = HERE, [], 0

    def _hasher(self) -> HashThread | None:
        """Where this part is hashed: the thread, or None for here (chosen at the first call)."""
        if self._place is None:
            # No event loop (a script, a unit test): nothing would wait in parallel. A busy thread: the
            # loop would soon wait for it; hashing here keeps it busy instead.
            hasher = self._hashing.hasher()
            if hasher is None or hasher.busy(self._hashing.busy_bytes):
                self._place = HERE
            else:
                self._place, self._token = hasher, hasher.token()
        return self._place if isinstance(self._place, HashThread) else None

    def _here(self) -> None:
        for piece in self._pieces:
            self._hash.update(piece)
        self._pieces, self._size = [], 0
