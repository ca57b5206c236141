"""The benchmark harness (`bench/run.py`) still runs end to end: one smoke run with tiny durations.

Only that figures come out is checked, never their values: a slow machine must not fail the suite. No npm
peers are involved; the harness installs wrk itself when it is missing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ("mockserver", "form")


def test_bench_harness_smoke_run(tmp_path: Path) -> None:
    command = [
        sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--duration", "1", "--starts", "2", "--rounds", "2",
        "--profiles", "ci,small,rejection", "--requests", "5", "--servers", ",".join(SERVERS), "--out", str(tmp_path),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]

    table = (tmp_path / "latest.md").read_text(encoding="utf-8")
    results = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    runs = {(run["server"], run["profile"]): run for run in results["runs"]}
    number = r"[\d ]+(?:\.\d+)?"
    for server in SERVERS:
        small = runs[server, "small"]
        assert small["ok"] and small["requests"] > 0 and small["failures"] == 0
        assert small["rps"] > 0 and small["p50_ms"] > 0 and small["p99_ms"] > 0 and small["peak_rss_bytes"] > 0
        # two rounds, the servers taking turns; the figure is the lower of the two
        rounds = [run for run in results["rounds"] if run["server"] == server and run["profile"] == "small"]
        assert [run["round"] for run in rounds] == [1, 2] and small["rps"] == min(small["rounds_rps"])
        assert len(results["servers"][server]["readiness_s"]) == 2
        # req/s, p50, p99, no s/request, 0 failed, peak RSS, server CPU, other CPU
        row = rf"^\| {server} \| small \|( {number} \|){{3}} — \| 0 \|( {number} \|){{3}}$"
        assert re.search(row, table, re.M), table
        assert re.search(rf"^\| {server} \| {number} \| {number} \| {number} \| 2 \|$", table, re.M), table
    assert re.search(rf"^\| small req/s \(higher is better\) \| {number}× \|$", table, re.M), table

    for server in SERVERS:  # the CI pattern: one client, kept-alive, small and medium, two rounds
        for body in ("small", "medium"):
            ci = runs[server, f"ci {body}"]
            assert ci["ok"] and ci["p50_ms"] > 0 and ci["cpu_ms"] >= 0 and len(ci["rounds_p50_ms"]) == 2
            assert re.search(rf"^\| {server} \| ci {body} \| {number} \| {number} \| {number}, {number} \| no \|$",
                             table, re.M), table
    assert re.search(rf"^\| CI pattern, medium, median ms \(lower is better\) \| {number}× \|$", table, re.M), table
    assert re.search(r"^\| CI pattern, medium: median latency ≤ 1.10× form \| [\d.]+× \| (yes|\*\*no\*\*) \|$",
                     table, re.M), table

    rejection = runs["mockserver", "rejection"]
    assert rejection["ok"] and rejection["statuses"] == [400]
    assert rejection["median_ms_1MB_over"] > 0 and rejection["median_ms_1GB_over"] > 0
    assert "Rejection (limit" in table
    assert "Every round's req/s" in table and "in 2 rounds" in table
