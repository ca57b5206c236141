"""`python -m mockserver.healthcheck`: the image's HEALTHCHECK. Exits 0 when the server answers `/health`, else 1.

It asks the address and port the server was started with, in the server's own order: the flags of the
container's `mockserver` (`docker run IMAGE mockserver --port 9000` is checked on 9000), then
`MOCKSERVER_HOST` / `MOCKSERVER_PORT`, then the defaults. The flags are read from process 1's command line,
the image's `CMD` (or the init that runs it, `docker run --init`); outside a container there are none.
It prints one line and never a traceback: while the server starts, "not answering yet" is an expected
answer, not an error. It imports nothing but the standard library itself.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

# The server's defaults (settings.Settings; tests/test_healthcheck.py keeps them equal).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
TIMEOUT = 2.0
# A server listening on every address is asked on loopback.
ANY_ADDRESS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1"}


def mockserver_arguments(words: Sequence[str]) -> list[str] | None:
    """The arguments after the program, if `words` (a command line) runs mockserver's command."""
    if not words:
        return None
    if Path(words[0]).name == "mockserver":
        return list(words[1:])
    if Path(words[0]).name.startswith("python") and len(words) >= 2:
        if Path(words[1]).name == "mockserver":  # the console script, run by its #! line
            return list(words[2:])
        if list(words[1:3]) == ["-m", "mockserver"]:
            return list(words[3:])
    return None


def server_arguments(proc: Path = Path("/proc")) -> list[str] | None:
    """The flags of the container's mockserver, from process 1's command line; None if it runs no mockserver.

    Process 1 is the image's `CMD`, or an init (`docker run --init`: `docker-init -- mockserver …`, tini,
    dumb-init) whose own command line holds the server's. Other processes are never looked at: outside a
    container they are other people's.
    """
    try:
        words = [word.decode(errors="replace") for word in (proc / "1" / "cmdline").read_bytes().split(b"\0") if word]
    except OSError:
        return None
    for start in range(len(words)):
        arguments = mockserver_arguments(words[start:])
        if arguments is not None:
            return arguments
    return None


def health_url(arguments: Sequence[str], environ: Mapping[str, str]) -> str:
    """The `/health` URL of a server started with these flags in this environment."""
    flags = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    flags.add_argument("--host")
    flags.add_argument("--port")
    try:
        known, _ = flags.parse_known_args(list(arguments))
    except argparse.ArgumentError:  # flags the server would refuse too: it is not running with them
        known = argparse.Namespace(host=None, port=None)
    host = known.host if known.host is not None else environ.get("MOCKSERVER_HOST", DEFAULT_HOST)
    port = known.port if known.port is not None else environ.get("MOCKSERVER_PORT", str(DEFAULT_PORT))
    host = ANY_ADDRESS.get(host.strip(), host.strip().strip("[]"))
    return f"http://[{host}]:{port}/health" if ":" in host else f"http://{host}:{port}/health"


def check(url: str) -> tuple[bool, str]:
    """Whether `url` answers 200, and one line saying so."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except urllib.error.URLError as exc:
        return False, f"unhealthy: {url}: {exc.reason}"
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return False, f"unhealthy: {url}: {exc or type(exc).__name__}"
    if status != 200:
        return False, f"unhealthy: {url} answered {status}"
    return True, f"healthy: {url}"


def main(environ: Mapping[str, str] | None = None, proc: Path = Path("/proc")) -> int:
    url = health_url(server_arguments(proc) or [], os.environ if environ is None else environ)
    healthy, line = check(url)
    print(line)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
