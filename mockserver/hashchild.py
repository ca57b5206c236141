"""The hashing process: SHA-256 of the byte ranges the server writes into a shared ring.

Run by `hashprocess.HashProcess` as a script (`python -I -S hashchild.py RING_FD RING_BYTES COMMANDS_FD
RESULTS_FD`), never imported by the server: it needs only the standard library and starts in
milliseconds. It has its own interpreter and so its own GIL, so it hashes on the second core without
waiting for the server's event loop to let go of the GIL between parts, as a thread must.

Commands (`COMMAND`, from the server, in order): hash `length` bytes of the ring at position `start`
(a running count, taken modulo the ring's size; the range never wraps) into part `token`'s SHA-256;
`final` ends the part. Each command is answered in order (`RESULT`): the token, the running count up to
which the ring is free again, `final`, how many parts are open (begun, not ended), and for a final
command the digest. The first answer, token `HELLO`,
says the process is ready. The process ends when the server closes the command pipe (it exited, or is
shutting down).
"""

from __future__ import annotations

import hashlib
import mmap
import os
import signal
import struct
import sys

COMMAND = struct.Struct("<QQI?3x")  # token, start, length, final
RESULT = struct.Struct("<QQ?3xI32s")  # token, free up to, final, parts open, digest (zeros unless final)
HELLO = 0  # the token of the first answer, sent once the ring is mapped; parts' tokens start at 1
READ_BYTES = COMMAND.size * 2048
SEND_BYTES = 1024 * 1024


def write_all(fd: int, data: bytes | bytearray) -> None:
    """Write all of `data`: a pipe may take a large write in pieces."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def serve(ring: memoryview, commands: int, results: int) -> None:
    """Answer commands until the command pipe is closed."""
    size = len(ring)
    hashes: dict[int, hashlib._Hash] = {}
    pending = b""
    while True:
        data = os.read(commands, READ_BYTES)
        if not data:
            return
        pending += data
        whole = len(pending) - len(pending) % COMMAND.size
        answers = bytearray()
        unsent = 0
        for token, start, length, final in COMMAND.iter_unpack(pending[:whole]):
            work = hashes.get(token)
            if work is None:
                work = hashes[token] = hashlib.sha256()
            offset = start % size
            work.update(ring[offset : offset + length])
            digest = hashes.pop(token).digest() if final else b""
            answers += RESULT.pack(token, start + length, final, len(hashes), digest)
            unsent += length
            if unsent >= SEND_BYTES:
                # Answers go back together (each wakes the server's reader thread, which must take the
                # server's GIL), but not so late that the ring stays full or requests wait for long.
                write_all(results, answers)
                answers.clear()
                unsent = 0
        if answers:
            write_all(results, answers)
        pending = pending[whole:]


def main(argv: list[str]) -> int:
    # Ctrl-C in a terminal reaches the whole process group; the server decides when this process ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ring_fd, ring_bytes, commands, results = (int(value) for value in argv[1:5])
    with mmap.mmap(ring_fd, ring_bytes, access=mmap.ACCESS_READ) as ring:
        view = memoryview(ring)
        try:
            write_all(results, RESULT.pack(HELLO, 0, False, 0, b""))  # ready: the server may send parts now
            serve(view, commands, results)
        except BrokenPipeError:
            pass  # the server is gone: nobody to answer
        finally:
            view.release()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
