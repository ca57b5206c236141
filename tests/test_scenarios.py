"""Scenario files: checked at start-up, armed at start, restored by reset; the shipped examples work."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from support import ADMIN, URL, ServerProcess, body, content_type, image_part, in_process, meta_part, post_detect

from mockserver import ConfigError, Settings, create_app
from mockserver.faults.scenario import load_scenario

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenarios"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda path: path.stem)
def test_scenario_examples_valid(path: Path) -> None:
    assert load_scenario(path)


def test_scenario_examples_shipped() -> None:
    assert {path.stem for path in EXAMPLES.glob("*.yaml")} == {
        "flaky-network", "bad-batch", "slow-service", "outage-recovers",
    }


async def test_scenario_outage_recovers_then_reset_rearms() -> None:
    async with in_process(scenario=EXAMPLES / "outage-recovers.yaml") as client:
        codes = [(await post_detect(client)).status_code for _ in range(7)]
        await client.post("/__admin/reset", headers=ADMIN)
        again = [(await post_detect(client)).status_code for _ in range(2)]
    assert codes == [503, 503, 503, 500, 500, 200, 200]
    assert again == [503, 503]


async def test_scenario_bad_batch() -> None:
    names = [f"f{index}" for index in range(20)]
    async with in_process(scenario=EXAMPLES / "bad-batch.yaml") as client:
        response = await post_detect(client, [*(image_part(n) for n in names), meta_part(["car_number"], names)])
    entries = response.json()["body"]["car_number_labels"]
    assert entries[0]["status"] == 1
    assert any(entry["status"] == 2 for entry in entries) and any(entry["status"] == 0 for entry in entries)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("faults: [{type: envelope, status: 99}]", "faults[0].status: Input should be greater than or equal to 200"),
        ("- {type: latency, ms: 5}\n- {type: boom}", "faults[1]: Input tag 'boom'"),
        ("faults: {type: envelope}", "faults: expected a list of faults"),
        ("fault: []", "unknown keys ['fault']"),
        ("faults: [", "line 1 column 10: not YAML or JSON"),
        ('{"faults": [{"type": "envelope", "when": {"times": 0}}]}', "faults[0].when.times"),
        ("42", "expected a list of faults"),
    ],
)
def test_scenario_broken_stops_start(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        create_app(Settings(fixtures=None, scenario=path))
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_scenario_cli_broken_exits(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "s.yaml"
    path.write_text("- {type: nonsense}")
    result = subprocess.run([sys.executable, "-m", "mockserver", "--scenario", str(path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and f"mockserver: error: {path}: faults[0]" in result.stderr


def test_scenario_seeded_probability_same_in_two_processes(tmp_path: Path) -> None:
    path = tmp_path / "coin.yaml"
    path.write_text("- {type: envelope, status: 500, when: {probability: 0.5, seed: 99}}\n")
    runs = []
    for _ in range(2):
        with ServerProcess("--scenario", str(path)) as server, httpx.Client(base_url=server.url) as client:
            content = body([image_part(), meta_part()])
            runs.append([client.post(URL, headers={"content-type": content_type()}, content=content).json()["status"]
                         for _ in range(30)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500}


DEEP_FLOW = "faults: " + "[" * 100_000 + "]" * 100_000
DEEP_BLOCK = "faults:\n" + "".join(" " * level + "-\n" for level in range(1, 2000))
TOO_MANY = "faults:\n" + "- {type: latency, ms: 1}\n" * 1001


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (DEEP_FLOW, ": line 1 column 40: nested deeper than 32 levels"),
        (DEEP_BLOCK, ": line 33 column 33: nested deeper than 32 levels"),
        (TOO_MANY, ": faults: 1001 faults, but at most 1000 can be armed at once (--max-faults)"),
    ],
    ids=["deep-flow", "deep-block", "too-many"],
)
def test_scenario_cli_hostile_file_exits_2(tmp_path: Path, text: str, message: str) -> None:
    """A hostile file is a broken file: `file: place: reason` and exit 2, never a traceback."""
    import subprocess
    import sys

    path = tmp_path / "s.yaml"
    path.write_text(text)
    result = subprocess.run([sys.executable, "-m", "mockserver", "--scenario", str(path), "--fixtures", ""],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip() == f"mockserver: error: {path}{message}"


def test_scenario_max_faults_setting_bounds_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("- {type: latency, ms: 1}\n" * 3)
    with pytest.raises(ConfigError, match="3 faults, but at most 2 can be armed"):
        create_app(Settings(fixtures=None, scenario=path, max_faults=2))
    assert len(load_scenario(path, max_faults=3)) == 3
