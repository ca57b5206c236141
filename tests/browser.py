"""Debian's browsers for the browser tests: found, or installed by apt-get (CI runs as root)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
# Without these, chromium at start-up reaches for Google's services, which this closed network refuses.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def debian_browser(candidates: tuple[str, ...], package: str) -> str:
    """The path of the first of `candidates` on PATH, installing Debian's `package` when none is and we may."""
    path = _found(candidates)
    if path is not None:
        return path
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.fail(f"the browser tests need Debian's package '{package}' (apt-get install {package})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True, timeout=600)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", package],
        check=True, env=env, capture_output=True, timeout=1200,
    )
    path = _found(candidates)
    if path is None:
        pytest.fail(f"apt-get installed {package}, but none of {candidates} is on PATH")
    return path


def _found(candidates: tuple[str, ...]) -> str | None:
    for candidate in candidates:
        path = shutil.which(candidate)
        if path:
            return path
    return None


def chromium() -> str:
    """The path of a chromium binary, installing Debian's package when it is missing and we may."""
    return debian_browser(CANDIDATES, "chromium")
