"""The project's own lint and type checks run with the suite, so CI cannot skip them."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / ".ci" / "constraints.txt"


def pinned(tool: str) -> str:
    """The tool's version in the tested set (.ci/constraints.txt)."""
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        name, _, pin = line.partition("==")
        if name.strip().lower() == tool:
            return pin.strip()
    raise AssertionError(f"{tool} is not pinned in {CONSTRAINTS}")


def check(*command: str) -> None:
    tool = command[0]
    assert version(tool) == pinned(tool), (
        f"{tool} {version(tool)} is installed, the tested set has {pinned(tool)}: "
        "pip install -c .ci/constraints.txt -e '.[test]'"
    )
    result = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_style_ruff() -> None:
    check("ruff", "check", "mockserver", "tests", "fixtures")


def test_style_mypy_strict() -> None:
    check("mypy")
