"""Both ends of every dependency range hold: the pinned set (the rest of the suite) and the floors (here).

`test_floors_suite_passes` makes a fresh virtualenv, installs mockserver with every runtime dependency at its
declared floor (`.ci/floors.txt`), and runs a black-box part of the suite against it: the check table, the
modes, faults, the admin API and its client, the journal, the server on a real socket with its own protocol,
and the offline docs. The other tests keep the three lists (pyproject.toml, the floors, the pins) in step.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ROOT / ".ci" / "floors.txt"
CONSTRAINTS = ROOT / ".ci" / "constraints.txt"

# Black-box tests: each talks to the app over HTTP (in-process or on a socket), as a user's tests would.
FLOOR_SUBSET = [
    "tests/test_checks.py",
    "tests/test_modes.py",
    "tests/test_faults.py",
    "tests/test_api.py",
    "tests/test_journal.py",
    "tests/test_server.py",
    "tests/test_transport_faults.py",
    "tests/test_openapi.py",
]
# What the subset itself needs besides mockserver, at the tested versions.
TEST_TOOLS = ["pytest", "pillow", "psutil"]
# Generous: installing from the package index, then the subset, on a machine shared with other work. Only a
# hang should reach these.
PIP_TIMEOUT = 900.0
SUITE_TIMEOUT = 900.0


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


def pins(path: Path) -> dict[str, Version]:
    """`name==version` lines of a requirements file, by normalised name."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            found[normalise(requirement.name)] = Version(specifier.version)
    return found


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def floor(requirement: Requirement) -> Version:
    (lower,) = [spec for spec in requirement.specifier if spec.operator == ">="]
    return Version(lower.version)


def test_floors_every_dependency_has_floor_and_ceiling() -> None:
    for requirement in runtime_requirements():
        operators = sorted(spec.operator for spec in requirement.specifier)
        assert operators == ["<", ">="], f"{requirement}: a floor (>=) and a ceiling (<)"


def test_floors_file_pins_each_floor() -> None:
    floors = pins(FLOORS)
    declared = {normalise(requirement.name): floor(requirement) for requirement in runtime_requirements()}
    assert floors == declared


def test_floors_constraints_pin_each_dependency_inside_its_range() -> None:
    pinned = pins(CONSTRAINTS)
    for requirement in runtime_requirements():
        version = pinned[normalise(requirement.name)]
        assert requirement.specifier.contains(version), f"{requirement}: pinned {version}"


def test_floors_suite_passes(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=PIP_TIMEOUT)
    python = str(venv / "bin" / "python")
    tested = pins(CONSTRAINTS)
    tools = [f"{name}=={tested[name]}" for name in TEST_TOOLS]
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PYTEST", "MOCKSERVER_", "PIP_CONSTRAINT")) and name != "VIRTUAL_ENV"}  # fmt: skip
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "-c", str(FLOORS), "-e", str(ROOT), *tools],
        env=env, capture_output=True, text=True, timeout=PIP_TIMEOUT,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr

    freeze = subprocess.run([python, "-m", "pip", "freeze"], env=env, capture_output=True, text=True, check=True)
    lines = [line for line in freeze.stdout.splitlines() if "==" in line and not line.startswith("#")]
    installed = {normalise(name): Version(version) for name, _, version in (line.partition("==") for line in lines)}
    for name, version in pins(FLOORS).items():
        if name == "uvloop" and sys.platform == "win32":
            continue
        assert installed[name] == version, f"{name}: {installed.get(name)} installed, the floor is {version}"

    suite = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "pytest"),
         *FLOOR_SUBSET],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=SUITE_TIMEOUT,
    )  # fmt: skip
    summary = suite.stdout.strip().splitlines()[-1] if suite.stdout.strip() else ""
    assert suite.returncode == 0, suite.stdout[-6000:] + suite.stderr[-3000:]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 200, summary
    assert not re.search(r"failed|error|skipped", summary), summary
