"""The run's figures as one Markdown report (tables, ratios against this run's baselines, issue 5's targets)."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from .machine import DISTURBED_CORES

MB = 1e6
RATIO_BASES = ("form", "discard", "wiremock", "mockoon")
# Both medians are well under a millisecond, where scheduler noise alone moves them by tens of percent; a
# server that read the declared body before refusing would be seconds apart. "The same": within either bound.
REJECTION_SAME_MS = 1.0
REJECTION_SAME_RATIO = 1.25
Target = tuple[str, str, bool | None]  # target, what was measured, met (None: not measured)


def _n(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".replace(",", " ")


def _size(count: int) -> str:
    return f"{count / 1e3:.1f} kB" if count < MB else f"{count / MB:.1f} MB"


def _one_line(text: str, limit: int = 400) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def find(results: dict[str, Any], server: str, profile: str) -> dict[str, Any] | None:
    return next((run for run in results["runs"] if run["server"] == server and run["profile"] == profile), None)


def figure(results: dict[str, Any], server: str, profile: str, key: str) -> float | None:
    """A figure of a run that succeeded; failed runs never feed a ratio."""
    run = find(results, server, profile)
    return run.get(key) if run and run["ok"] else None


def readiness(results: dict[str, Any], server: str) -> float | None:
    times = results["servers"].get(server, {}).get("readiness_s") or []
    return statistics.median(times) if times else None


def _ratio(mine: float | None, theirs: float | None) -> float | None:
    return mine / theirs if mine is not None and theirs else None


def ratios(results: dict[str, Any]) -> list[tuple[str, dict[str, float | None]]]:
    """mockserver ÷ each other server, per figure; the figure's name says which way is better."""
    rows: list[tuple[str, tuple[str, str]]] = [
        ("CI pattern, small, median ms (lower is better)", ("ci small", "p50_ms")),
        ("CI pattern, medium, median ms (lower is better)", ("ci medium", "p50_ms")),
        ("small req/s (higher is better)", ("small", "rps")),
        ("medium req/s (higher is better)", ("medium", "rps")),
        ("large s/request (lower is better)", ("large", "seconds_per_request")),
        ("large peak RSS (lower is better)", ("large", "peak_rss_bytes")),
    ]
    table = []
    for label, (profile, key) in rows:
        mine = figure(results, "mockserver", profile, key)
        table.append((label, {base: _ratio(mine, figure(results, base, profile, key)) for base in RATIO_BASES}))
    mine_ready = readiness(results, "mockserver")
    table.append(("readiness (lower is better)",
                  {base: _ratio(mine_ready, readiness(results, base)) for base in RATIO_BASES}))
    return table


def targets(results: dict[str, Any]) -> list[Target]:
    """Issues 5 and 14's targets: (target, what was measured, met?); None when a side was not measured."""
    def check(label: str, value: float | None, met: Callable[[float], bool], shown: str) -> Target:
        return (label, "not measured", None) if value is None else (label, shown, met(value))

    ci_small = _ratio(figure(results, "mockserver", "ci small", "p50_ms"),
                      figure(results, "form", "ci small", "p50_ms"))
    ci_medium = _ratio(figure(results, "mockserver", "ci medium", "p50_ms"),
                       figure(results, "form", "ci medium", "p50_ms"))
    small = _ratio(figure(results, "mockserver", "small", "rps"), figure(results, "form", "small", "rps"))
    medium = _ratio(figure(results, "mockserver", "medium", "rps"), figure(results, "form", "medium", "rps"))
    medium_wm = _ratio(figure(results, "mockserver", "medium", "rps"), figure(results, "wiremock", "medium", "rps"))
    large = _ratio(figure(results, "mockserver", "large", "seconds_per_request"),
                   figure(results, "discard", "large", "seconds_per_request"))
    mine = [run for run in results["runs"] if run["server"] == "mockserver" and "peak_rss_bytes" in run]
    rss = max((run["peak_rss_bytes"] for run in mine), default=None)
    ready = readiness(results, "mockserver")
    cost = overhead(results)
    rejection = find(results, "mockserver", "rejection")
    same = rejection.get("ratio_1GB_to_1MB") if rejection and rejection["ok"] else None
    gap = abs(rejection["median_ms_1GB_over"] - rejection["median_ms_1MB_over"]) if same is not None else 0.0
    return [
        check("CI pattern, small: median latency ≤ 1.05× form", ci_small, lambda value: value <= 1.05, _x(ci_small)),
        check("CI pattern, medium: median latency ≤ 1.10× form", ci_medium, lambda value: value <= 1.10,
              _x(ci_medium)),
        check("small req/s ≥ 0.85× form", small, lambda value: value >= 0.85, _x(small)),
        check("medium req/s ≥ 0.85× form", medium, lambda value: value >= 0.85, _x(medium)),
        check("medium ≥ 2.5× WireMock", medium_wm, lambda value: value >= 2.5, _x(medium_wm)),
        check("large time ≤ 2× discard", large, lambda value: value <= 2.0, _x(large)),
        check("peak RSS < 100 MB in every profile", rss, lambda value: value < 100 * MB,
              f"{_n(rss and rss / MB)} MB"),
        check("readiness median < 0.7 s", ready, lambda value: value < 0.7, f"{_n(ready, 3)} s"),
        check("3 inactive faults cost ≤ 5 % (same process)", cost["faults"], lambda value: value <= 0.05,
              f"{_n(_pct(cost['faults']), 1)} %"),
        check("faults + journal cost ≤ 5 % (vs journal off)", cost["faults_and_journal"],
              lambda value: value <= 0.05, f"{_n(_pct(cost['faults_and_journal']), 1)} %"),
        check(f"refusal 1 GB over = 1 MB over (within {REJECTION_SAME_MS:g} ms or {REJECTION_SAME_RATIO:g}×)", same,
              lambda value: gap <= REJECTION_SAME_MS or 1 / REJECTION_SAME_RATIO <= value <= REJECTION_SAME_RATIO,
              f"{_x(same)}, {gap:.2f} ms apart"),
    ]


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def overhead(results: dict[str, Any]) -> dict[str, float | None]:
    """Throughput lost to three inactive faults (same process) and to faults plus the journal."""
    plain = figure(results, "mockserver", "small (faults reference)", "rps")
    with_faults = figure(results, "mockserver", "small + 3 inactive faults", "rps")
    journal_off = figure(results, "mockserver", "small, journal off", "rps")
    return {
        "faults": 1 - with_faults / plain if with_faults and plain else None,
        "faults_and_journal": 1 - with_faults / journal_off if with_faults and journal_off else None,
    }


def _run_rows(results: dict[str, Any]) -> list[str]:
    lines = ["| server | profile | req/s | p50 ms | p99 ms | s / request | failed | peak RSS MB | server CPU | "
             "other CPU |", "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for run in results["runs"]:
        if run["kind"] not in ("wrk", "sequential"):
            continue
        failed = str(run.get("failures", 0)) if run["ok"] else f"**{run.get('failures', '?')} (FAILED)**"
        lines.append(
            f"| {run['server']} | {run['profile']} | {_n(run.get('rps'))} | {_n(run.get('p50_ms'), 2)} | "
            f"{_n(run.get('p99_ms'), 2)} | {_n(run.get('seconds_per_request'), 3)} | {failed} | "
            f"{_n(run['peak_rss_bytes'] / MB)} | {_n(run.get('server_cores'), 2)} | {_n(run.get('other_cores'), 2)} |"
        )
    return lines


def _ci_rows(results: dict[str, Any]) -> list[str]:
    runs = [run for run in results["runs"] if run["kind"] == "latency"]
    if not runs:
        return []
    meta = results["meta"]
    lines = ["", f"CI pattern: one client, one kept-alive connection, each request sent when the last was answered; "
             f"every server up side by side, taking turns in {meta['rounds']} round(s), {meta['ci_requests']} timed "
             "requests per body each turn after a few untimed ones; the figure is the median round's median.", "",
             "| server | profile | median ms | server CPU ms / request | every round's median ms | failed |",
             "|---|---|--:|--:|--:|---|"]
    for run in runs:
        lines.append(f"| {run['server']} | {run['profile']} | {_n(run['p50_ms'], 2)} | {_n(run['cpu_ms'], 2)} | "
                     + ", ".join(_n(value, 2) for value in run["rounds_p50_ms"]) + " | "
                     + ("no" if run["ok"] else "**FAILED**") + " |")
    return lines


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    lines = [
        f"Run of {meta['started']} on {meta['cpus']} CPUs, Python {meta['python']}, {meta['wrk']}; "
        f"wrk -t2 -c16 -d{meta['duration_s']:g}s after a {meta['warmup_s']:g} s warm-up"
        + (f", small and medium in {meta['rounds']} rounds (servers taking turns, each figure its server's median "
           "round)" if meta.get("rounds", 1) > 1 else "")
        + "; large: "
        f"{meta['large_requests']} sequential requests; bodies: "
        + ", ".join(f"{name} {_size(size)}" for name, size in meta["body_bytes"].items())
        + (f"; each measurement waited up to {meta['quiet_wait_s']:g} s for an idle machine." if meta["quiet_wait_s"]
           else "; no wait for an idle machine."),
        "",
        *_run_rows(results),
        *_ci_rows(results),
        "",
        "| server | readiness median s | min s | max s | starts |",
        "|---|--:|--:|--:|--:|",
    ]
    for name, server in results["servers"].items():
        times = server.get("readiness_s") or []
        if times:
            lines.append(f"| {name} | {_n(statistics.median(times), 3)} | {_n(min(times), 3)} | "
                         f"{_n(max(times), 3)} | {len(times)} |")
    present = [base for base in RATIO_BASES if any(run["server"] == base for run in results["runs"])]
    rows = [(label, row) for label, row in ratios(results) if any(row[base] is not None for base in present)]
    if rows:
        lines += ["", "Ratios, mockserver ÷ each server, this run:", "",
                  "| figure | " + " | ".join(f"÷ {base}" for base in present) + " |",
                  "|---|" + "--:|" * len(present)]
        lines += [f"| {label} | " + " | ".join(_x(row[base]) for base in present) + " |" for label, row in rows]
    lines += ["", "| target (issues 5, 14) | measured | met |", "|---|--:|---|"]
    for label, shown, good in targets(results):
        lines.append(f"| {label} | {shown} | {'—' if good is None else ('yes' if good else '**no**')} |")
    lines += _details(results)
    return "\n".join(lines) + "\n"


def _details(results: dict[str, Any]) -> list[str]:
    lines = []
    reference = figure(results, "mockserver", "small (faults reference)", "rps")
    with_faults = figure(results, "mockserver", "small + 3 inactive faults", "rps")
    if reference and with_faults:
        cost = overhead(results)
        lines += ["", f"Fault overhead: small on one process, {_n(reference)} req/s, then {_n(with_faults)} req/s "
                  f"with three inactive faults armed ({_n(_pct(cost['faults']), 1)} % lost); a second process with "
                  f"`--journal-size 0`: {_n(figure(results, 'mockserver', 'small, journal off', 'rps'))} req/s "
                  f"(faults + journal: {_n(_pct(cost['faults_and_journal']), 1)} % lost)."]
        plain = figure(results, "mockserver", "small", "rps")
        if plain:
            lines[-1] += (f" Noise floor: the plain small runs on two processes differ by "
                          f"{abs(plain - reference) / max(plain, reference) * 100:.1f} %.")
    rounded = [run for run in results["runs"] if len(run.get("rounds_rps", [])) > 1]
    if rounded:
        lines += ["", "Every round's req/s, in round order (the median is in the tables above): "
                  + "; ".join(f"{run['server']} {run['profile']} " + ", ".join(_n(rps) for rps in run["rounds_rps"])
                              for run in rounded) + "."]
    rejection = find(results, "mockserver", "rejection")
    if rejection and "median_ms_1MB_over" in rejection:
        lines += ["", f"Rejection (limit {_n(rejection['limit_bytes'])} bytes, {rejection['samples']} samples "
                  f"each, answered {rejection['statuses']}): declared 1 MB over "
                  f"{_n(rejection['median_ms_1MB_over'], 2)} ms, 1 GB over {_n(rejection['median_ms_1GB_over'], 2)} ms "
                  f"(median time to the answer's headers), ratio {_x(rejection['ratio_1GB_to_1MB'])}."]
    scaling = find(results, "mockserver", "scaling")
    if scaling and scaling.get("rows"):
        fits = scaling["fits"]
        lines += ["", f"Scaling (one request at a time, median of {scaling['rows'][0]['requests']}; "
                  "`scaling.csv`, `scaling.png`): "
                  f"{fits['count']['fixed_s'] * 1e3:.2f} ms + {fits['count']['per_unit_s'] * 1e3:.3f} ms per 200 KiB "
                  f"image (R² {fits['count']['r2']:.4f}); {fits['size']['fixed_s'] * 1e3:.2f} ms + "
                  f"{fits['size']['per_unit_s'] * 2**20 * 1e3:.2f} ms per MiB of each of 5 images "
                  f"(R² {fits['size']['r2']:.4f}).", "",
                  "| sweep | images | KiB each | ms / request | MB/s |", "|---|--:|--:|--:|--:|"]
        for row in scaling["rows"]:
            lines.append(f"| {row['sweep']} | {row['images']} | {_n(row['image_bytes'] / 1024)} | "
                         f"{_n(row['median_s'] * 1e3, 2)} | {_n(row['mb_per_s'])} |")
        if scaling.get("plot_error"):
            lines.append(f"\n{scaling['plot_error']}")
    disturbed = [run for run in results["runs"] if run.get("other_cores", 0) > DISTURBED_CORES]
    if disturbed:
        lines += ["", f"Disturbed (other processes on this machine used over {DISTURBED_CORES} of a core during "
                  "the run; rerun before trusting these): "
                  + "; ".join(f"{run['server']} / {run['profile']} ({run['other_cores']:.2f}: "
                              f"{', '.join(run.get('other_processes') or ['no single process'])})"
                              for run in disturbed) + "."]
    problems = [f"- {run['server']} / {run['profile']}: {_one_line(run['error'])}"
                for run in results["runs"] if run.get("error")]
    problems += [f"- {name}: not measured: {reason}" for name, reason in results["not_measured"].items()]
    if problems:
        lines += ["", "Failed or not measured:", "", *problems]
    phases = results["phases"]
    lines += ["", f"Harness time: {_n(results['meta']['wall_s'], 1)} s wall, of which "
              + ", ".join(f"{name} {value:.1f} s" for name, value in sorted(phases.items(), key=lambda kv: -kv[1]))
              + f"; the harness process itself used {results['meta']['harness_cpu_s']:.1f} s of CPU."]
    return lines
