"""The project's own lint and type checks run with the suite, so CI cannot skip them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def check(*command: str) -> None:
    result = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_style_ruff() -> None:
    check("ruff", "check", "mockserver", "tests", "fixtures")


def test_style_mypy_strict() -> None:
    check("mypy")
