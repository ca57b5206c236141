"""The hashing process: a child process that SHA-256-hashes byte ranges of a shared-memory ring.

`digests` decides which parts go here; this module moves their bytes and digests. The event loop copies a
batch into the ring (a tenth of the cost of hashing it) and writes one command (token, start, length,
final) to the child, `hashchild.py`, which has its own interpreter and so its own GIL. The child answers
each command in order; a reader thread frees the ring's room, sends batches that waited for it, and hands
digests back to the event loops waiting for them, one wake-up per loop per read.

    event loop ──copy──▶ ring (memfd, shared) ──▶ hashchild.py ──answers──▶ reader thread ──▶ futures
               └──────── commands pipe ───────────────▲

Batches enter the ring strictly in order (a part's batches must reach the child in order), and one over
half the ring is cut so that it always fits once the ring empties. There is one process per server
process, started on first use (`shared_process`) and used once it has said it is ready (until then, and
if it never does, parts are hashed on the event loop); it ends when the server's command pipe closes, at
exit or when the server dies. If it dies first, the batches it held fail (`HashingFailed`, a 500) and
`shared_process` gives None from then on: parts are hashed on the event loop.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import functools
import itertools
import logging
import mmap
import os
import subprocess
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import HashingFailed
from .hashchild import COMMAND, HELLO, RESULT

DEFAULT_RING_BYTES = 4 * 1024 * 1024

logger = logging.getLogger("mockserver")

# Called on the reader thread for each batch the process has hashed: its size, and the hex digest when the
# batch ended its part (None otherwise, and for every batch when the process has died: then `failed`).
Done = Callable[[int, str | None, bool], None]


class _Batch:
    __slots__ = ("token", "pieces", "size", "final", "done")

    def __init__(self, token: int, pieces: list[bytes | memoryview], size: int, final: bool, done: Done) -> None:
        self.token, self.pieces, self.size, self.final, self.done = token, pieces, size, final, done


class HashProcess:
    """One hashing process for the server's process, its ring, and the thread that reads its results."""

    def __init__(self, ring_bytes: int = DEFAULT_RING_BYTES) -> None:
        self.ring_bytes = ring_bytes
        self._lock = threading.Lock()
        self._tokens = itertools.count(1)
        self._head = self._tail = 0  # running counts of ring bytes written and freed
        self._sent: deque[_Batch] = deque()  # in the process, in order
        self._waiting: deque[_Batch] = deque()  # for room in the ring, in order
        self.alive = True
        self.ready = False  # until the child says so: parts are hashed on the event loop meanwhile
        self.parts_open = 0  # in the child, as of its last answer: begun and not yet ended or dropped
        ring_fd = os.memfd_create("mockserver-sha256", os.MFD_CLOEXEC)
        try:
            os.ftruncate(ring_fd, ring_bytes)
            self._ring = mmap.mmap(ring_fd, ring_bytes)
            commands_read, self._commands = os.pipe()
            self._results, results_write = os.pipe()
            # Commands sent and not yet answered are capped so that they, and their answers, always fit
            # the pipes: then neither side can block on a full pipe while the other waits for it.
            self._max_sent = max(1, min(_pipe_bytes(self._commands) // COMMAND.size,
                                        _pipe_bytes(self._results) // RESULT.size))
            child = [sys.executable, "-I", "-S", str(Path(__file__).with_name("hashchild.py"))]
            arguments = [str(ring_fd), str(ring_bytes), str(commands_read), str(results_write)]
            try:
                self._process = subprocess.Popen(
                    child + arguments, pass_fds=(ring_fd, commands_read, results_write), stdin=subprocess.DEVNULL
                )
            except BaseException:
                os.close(self._commands)
                os.close(self._results)
                self._ring.close()
                raise
            finally:
                os.close(commands_read)
                os.close(results_write)
        finally:
            os.close(ring_fd)
        self._view = memoryview(self._ring)
        threading.Thread(target=self._read_results, name="mockserver-sha256", daemon=True).start()
        os.register_at_fork(after_in_child=functools.partial(_forget, weakref.ref(self)))

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._process.pid

    def busy(self, busy_bytes: int) -> bool:
        """Whether more than `busy_bytes` are in the ring, or batches wait for room."""
        return self._head - self._tail > busy_bytes or bool(self._waiting)

    def token(self) -> int:
        """A new part's token, naming its SHA-256 in the child."""
        return next(self._tokens)

    def submit(self, token: int, pieces: list[bytes | memoryview], size: int, final: bool, done: Done) -> None:
        """Hash `pieces` into part `token`'s SHA-256, after every batch submitted before.

        `done(size, hexdigest, failed)` is called on the reader thread for each batch (a batch over half the
        ring is cut in batches that always fit it): the digest comes with the last batch of a final submission.
        """
        batches = [_Batch(token, pieces, size, final, done)]
        if size > self.ring_bytes // 2:
            runs = _cut(pieces, self.ring_bytes // 2)
            batches = [_Batch(token, run, run_size, False, done) for run, run_size in runs]
            batches[-1].final = final
        with self._lock:
            if self.alive:
                self._waiting.extend(batches)
                self._send_waiting()
            else:
                # Under the lock, as `_fail` calls it: one request's counters are never updated by two threads.
                done(size, None, True)

    def close(self) -> None:
        """End the process (it exits when its command pipe closes) and wait a moment for it."""
        with self._lock:
            if self._commands >= 0:
                os.close(self._commands)
                self._commands = -1
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _send_waiting(self) -> None:
        # Under the lock. Batches go in strictly in order: a part's batches must reach the process in order.
        while self._waiting and len(self._sent) < self._max_sent:
            batch = self._waiting[0]
            start = self._head
            offset = start % self.ring_bytes
            if offset + batch.size > self.ring_bytes:
                start += self.ring_bytes - offset  # ranges never wrap: skip the ring's end
                offset = 0
            if start + batch.size - self._tail > self.ring_bytes:
                return
            for piece in batch.pieces:
                end = offset + len(piece)
                self._view[offset:end] = piece
                offset = end
            try:
                os.write(self._commands, COMMAND.pack(batch.token, start, batch.size, batch.final))
            except OSError:
                return  # the process is gone: the reader thread sees its pipe close and fails what is left
            batch.pieces = []
            self._head = start + batch.size
            self._waiting.popleft()
            self._sent.append(batch)

    def _read_results(self) -> None:
        try:
            self._answer()
        except Exception as error:  # a reader that dies silently would leave every later part waiting
            logger.error("reading the SHA-256 process's answers: %r", error)
        finally:
            self._fail()

    def _answer(self) -> None:
        pending = b""
        while data := os.read(self._results, RESULT.size * 1024):
            pending += data
            whole = len(pending) - len(pending) % RESULT.size
            answered = []
            wrong = None
            with self._lock:
                for token, free_to, _final, parts_open, digest in RESULT.iter_unpack(pending[:whole]):
                    self.parts_open = parts_open
                    if token == HELLO:
                        self.ready = True
                        continue
                    expected = self._sent[0].token if self._sent else None
                    if token != expected:
                        wrong = f"an answer for part {token}, expected {expected}"
                        break
                    batch = self._sent.popleft()
                    self._tail = free_to
                    answered.append((batch, digest.hex() if batch.final else None))
                else:
                    self._send_waiting()
            pending = pending[whole:]
            with _handback.gathered():
                for batch, hexdigest in answered:
                    batch.done(batch.size, hexdigest, False)
            if wrong is not None:
                raise RuntimeError(wrong)

    def _fail(self) -> None:
        with self._lock:
            if not self.alive:
                return
            self.alive = False
            closed = self._commands < 0
            lost = [*self._sent, *self._waiting]
            self._sent.clear()
            self._waiting.clear()
            # Nothing is sent any more (`submit` checks `alive` under this lock): give back the pipes and ring.
            self._close_pipes()
            self._view.release()
            self._ring.close()
            with _handback.gathered():
                for batch in lost:
                    batch.done(batch.size, None, True)
        if not closed:
            try:
                status: int | str | None = self._process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                status = "still running"
            logger.error("the SHA-256 process ended (exit status %s): parts are hashed on the event loop from now on",
                         status)

    def forget(self) -> None:
        """In a forked child: close this process's copies of the pipes, so the hashing process sees the end
        of its commands when the server itself exits. The forked child starts a hashing process of its own."""
        self._close_pipes()
        self.alive = False

    def _close_pipes(self) -> None:
        for fd in (self._commands, self._results):
            if fd >= 0:
                os.close(fd)
        self._commands = self._results = -1


def _forget(process: weakref.ref[HashProcess]) -> None:
    alive = process()
    if alive is not None:
        alive.forget()


def _pipe_bytes(fd: int) -> int:
    """A pipe's capacity; the smallest Linux gives when the pipe size cannot be read."""
    try:
        return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
    except (AttributeError, OSError):
        return 4096


def _cut(pieces: list[bytes | memoryview], limit: int) -> list[tuple[list[bytes | memoryview], int]]:
    """`pieces` in runs of at most `limit` bytes, cut without copying."""
    runs: list[tuple[list[bytes | memoryview], int]] = []
    run: list[bytes | memoryview] = []
    room = limit
    for piece in pieces:
        view = memoryview(piece)
        while len(view):
            take = min(len(view), room)
            run.append(view[:take])
            view, room = view[take:], room - take
            if not room:
                runs.append((run, limit))
                run, room = [], limit
    if run:
        runs.append((run, limit - room))
    return runs


_process: HashProcess | None = None
# Whether this process has started `_process` (or tried to). Cleared in a forked child, which starts its own:
# a fork hook rather than comparing process ids, which costs a system call for every part.
_started = False
_process_lock = threading.Lock()


def _forked() -> None:
    global _process, _started
    _process, _started = None, False


def shared_process() -> HashProcess | None:
    """The hashing process, started on first use; None where there is none (then parts are hashed here).

    None too until the child has said it is ready (tens of milliseconds after the first call), so a child
    that cannot start never holds a part, and the event loop never waits for one to start.
    """
    global _process, _started
    if not _started:
        with _process_lock:
            if not _started:
                _process, _started = None, True
                os.register_at_fork(after_in_child=_forked)
                if hasattr(os, "memfd_create"):
                    try:
                        _process = HashProcess()
                    except Exception as error:  # no process is no failure: parts are hashed on the loop
                        logger.warning("no SHA-256 process (%r): parts are hashed on the event loop", error)
                    else:
                        atexit.register(_process.close)
    process = _process
    return process if process is not None and process.alive and process.ready else None


class _Handback(threading.local):
    """Results for event loops, gathered while the reader thread goes through one read of answers.

    Each `call_soon_threadsafe` wakes a loop; one per loop per read instead of one per part.
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
        pass  # the loop closed while the process hashed: nobody is waiting any more


def deliver(loop: asyncio.AbstractEventLoop, future: asyncio.Future[str], value: str | None) -> None:
    """Resolve `future` on its loop with `value`, or fail it with HashingFailed when `value` is None.

    Safe from any thread; on the reader thread, gathered with the other answers of the same read.
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
