"""Benchmark mockserver against its own stack (two bare FastAPI baselines) and its peers, in one run.

    .venv/bin/python bench/run.py                      # everything: ~10-15 minutes
    .venv/bin/python bench/run.py --quick              # no peers, short runs: ~1-2 minutes
    .venv/bin/python bench/run.py --profiles small --servers mockserver,form --duration 5
    .venv/bin/python bench/run.py --profiles ci --servers mockserver,form  # the CI pattern alone: ~1 minute

Writes <out>/latest.md, <out>/latest.json and, with the scaling profile, <out>/scaling.csv and .png.
Exit status 1 when a run of mockserver or a baseline failed (a crash, an answer that was not 2xx, a tool
missing); a peer's failure is reported but does not fail the run; slow figures never fail it.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness import bodies, profiles, report, servers
from harness.load import WRK_SCRIPT, HarnessError, ensure_wrk

ALL_PROFILES = ("ci", "small", "faults", "medium", "large", "rejection", "scaling")
ALL_SERVERS = ("mockserver", "form", "discard", "wiremock", "mockoon")
QUICK_SERVERS = ("mockserver", "form", "discard")
MOCKSERVER_ONLY = {"faults", "rejection", "scaling"}
PEERS = {"wiremock", "mockoon"}
RETRIED = {"small", "medium", "large", "faults"}
ROUNDED = ("small", "medium")  # throughput profiles: measured in rounds, the servers taking turns
TOGETHER = {"ci"}  # every server up side by side, taking turns in rounds (`profiles.ci_profile`)


def _names(allowed: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = sorted(set(names) - set(allowed))
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(unknown)}; choose from {', '.join(allowed)}")
        return names
    return parse


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    cli = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_argument("--quick", action="store_true",
                     help="short runs, fewer samples, no peers unless --servers names them")
    cli.add_argument("--duration", type=float, help="seconds per measured wrk run (default 10, quick 3)")
    cli.add_argument("--warmup", type=float, help="seconds of wrk before each measured run (default 2, quick 0)")
    cli.add_argument("--profiles", type=_names(ALL_PROFILES), default=list(ALL_PROFILES),
                     help=f"comma-separated, from {','.join(ALL_PROFILES)} (default: all)")
    cli.add_argument("--servers", type=_names(ALL_SERVERS),
                     help=f"comma-separated, from {','.join(ALL_SERVERS)} (default: all; quick: no peers)")
    cli.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results",
                     help="folder for latest.md, latest.json, scaling.csv, scaling.png (default bench/results)")
    cli.add_argument("--starts", type=int, help="starts per server for readiness (default 5, quick 3)")
    cli.add_argument("--large-requests", type=int, help="sequential requests of the large profile (default 3, quick 1)")
    cli.add_argument("--quiet-wait", type=float,
                     help="before each measurement, wait up to S s for the machine to be idle (default 20, quick 0)")
    cli.add_argument("--retries", type=int,
                     help="run a profile again, up to N times, while other processes disturbed it (default 1, quick 0)")
    cli.add_argument("--rounds", type=int,
                     help="rounds of the small and medium profiles, the servers taking turns; each figure is the "
                          "server's median round (default 3, quick 1)")
    cli.add_argument("--requests", type=int,
                     help="timed requests per server, body and round in the ci profile (default 200, quick 50)")
    cli.add_argument("--ab", type=Path, metavar="CHECKOUT", action="append", default=[],
                     help="also measure mockserver from another checkout of the project (server "
                          "`mockserver@<folder name>`), taking turns with the others: an A/B comparison of versions "
                          "in the same minutes; repeatable")
    cli.add_argument("--mockserver-arg", action="append", default=[], metavar="ARG",
                     help="extra argument for mockserver, repeatable (e.g. --mockserver-arg=--log-level=warning)")
    arguments = cli.parse_args(argv)
    quick = arguments.quick
    arguments.servers = arguments.servers or list(QUICK_SERVERS if quick else ALL_SERVERS)
    arguments.checkouts = {f"mockserver@{checkout.resolve().name}": checkout.resolve() for checkout in arguments.ab}
    at = arguments.servers.index("mockserver") + 1 if "mockserver" in arguments.servers else 0
    arguments.servers[at:at] = list(arguments.checkouts)
    arguments.duration = arguments.duration or (3.0 if quick else 10.0)
    arguments.warmup = arguments.warmup if arguments.warmup is not None else (0.0 if quick else 2.0)
    arguments.starts = arguments.starts or (3 if quick else 5)
    arguments.large_requests = arguments.large_requests or (1 if quick else 3)
    arguments.rounds = arguments.rounds or (1 if quick else 3)
    arguments.requests = arguments.requests or (50 if quick else 200)
    if arguments.retries is None:
        arguments.retries = 0 if quick else 1
    if arguments.quiet_wait is None:
        arguments.quiet_wait = 0.0 if quick else 20.0
    return arguments


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def summary(run: dict[str, Any]) -> str:
    if not run["ok"]:
        return f"FAILED: {run.get('error') or run.get('statuses')}"
    if run["kind"] == "wrk":
        return f"{run['rps']:.0f} req/s, p50 {run['p50_ms']:.2f} ms, p99 {run['p99_ms']:.2f} ms, " \
               f"RSS {run['peak_rss_bytes'] / 1e6:.0f} MB"
    if run["kind"] == "sequential":
        return f"{run['seconds_per_request']:.3f} s/request, RSS {run['peak_rss_bytes'] / 1e6:.0f} MB"
    if run["kind"] == "latency":
        return f"median {run['p50_ms']:.2f} ms, server CPU {run['cpu_ms']:.2f} ms per request"
    if run["kind"] == "rejection":
        return f"{run['median_ms_1MB_over']:.2f} ms vs {run['median_ms_1GB_over']:.2f} ms"
    return "done"


def profile_runs(ctx: profiles.Context, spec: servers.ServerSpec, profile: str,
                 arguments: argparse.Namespace) -> list[dict[str, Any]]:
    if profile in ("small", "medium"):
        return [profiles.wrk_profile(ctx, spec, profile)]
    if profile == "large":
        return [profiles.large_profile(ctx, spec)]
    if profile == "faults":
        journal_off = servers.mockserver_spec([*arguments.mockserver_arg, "--journal-size", "0"],
                                              name="mockserver-journal-off")
        return profiles.faults_profile(ctx, spec, journal_off)
    if profile == "rejection":
        return [profiles.rejection_profile(ctx, spec)]
    return [profiles.scaling_profile(ctx, spec, arguments.out)]


def server_spec(name: str, arguments: argparse.Namespace) -> servers.ServerSpec:
    if name in arguments.checkouts:
        return servers.mockserver_spec(list(arguments.mockserver_arg), name=name, checkout=arguments.checkouts[name])
    return (servers.mockserver_spec(list(arguments.mockserver_arg)) if name == "mockserver" else
            servers.peer_spec(name) if name in PEERS else servers.baseline_spec(name))


def measured(ctx: profiles.Context, spec: servers.ServerSpec, profile: str,
             arguments: argparse.Namespace) -> list[dict[str, Any]]:
    run = functools.partial(profile_runs, ctx, spec, profile, arguments)
    try:
        # Throughput figures are worth a rerun when someone else's work spoiled them; the others are not.
        return profiles.least_disturbed(ctx, run) if profile in RETRIED else run()
    except Exception as error:
        traceback.print_exc()
        return [{"server": spec.name, "profile": profile, "kind": "error", "ok": False, "error": repr(error)}]


def measure_server(ctx: profiles.Context, name: str, arguments: argparse.Namespace,
                   results: dict[str, Any]) -> None:
    """Readiness and every profile but the throughput ones (`measure_rounds`)."""
    spec = server_spec(name, arguments)
    entry: dict[str, Any] = {"kind": spec.kind, "command": spec.argv(0)}
    results["servers"][name] = entry
    try:
        entry["readiness_s"] = profiles.readiness(ctx, spec, arguments.starts)
        say(f"[{name}] ready in {sorted(entry['readiness_s'])} s")
    except Exception as error:
        results["runs"].append({"server": name, "profile": "readiness", "kind": "readiness", "ok": False,
                                "error": str(error)})
        say(f"[{name}] could not start: {error}")
        return
    for profile in arguments.profiles:
        if profile in ROUNDED or profile in TOGETHER or (profile in MOCKSERVER_ONLY and name != "mockserver"):
            continue
        runs = measured(ctx, spec, profile, arguments)
        for record in runs:
            say(f"[{name}] {record['profile']}: {summary(record)}")
        results["runs"].extend(runs)


def measure_rounds(ctx: profiles.Context, names: list[str], arguments: argparse.Namespace,
                   results: dict[str, Any]) -> None:
    """small and medium, in rounds: each round measures every server once, in an order that rotates from
    round to round, so a machine that slows down or speeds up during the run weighs on every server alike.
    A server's figure is its median round (`profiles.median_round`); every round is kept in `rounds`."""
    ready = [name for name in names if results["servers"].get(name, {}).get("readiness_s")]
    for profile in (profile for profile in ROUNDED if profile in arguments.profiles):
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in ready}
        for index in range(arguments.rounds):
            shift = index % len(ready) if ready else 0
            for name in ready[shift:] + ready[:shift]:
                for record in measured(ctx, server_spec(name, arguments), profile, arguments):
                    record["round"] = index + 1
                    say(f"[{name}] {profile}, round {index + 1}: {summary(record)}")
                    rounds[name].append(record)
        for records in rounds.values():
            results["rounds"].extend(records)
            results["runs"].append(profiles.median_round(records))


def measure_ci(ctx: profiles.Context, names: list[str], arguments: argparse.Namespace,
               results: dict[str, Any]) -> None:
    """The CI pattern, every server that started taking part."""
    ready = [name for name in names if results["servers"].get(name, {}).get("readiness_s")]
    if "ci" not in arguments.profiles or not ready:
        return
    try:
        runs = profiles.ci_profile(ctx, [server_spec(name, arguments) for name in ready])
    except Exception as error:
        traceback.print_exc()
        runs = [{"server": name, "profile": "ci", "kind": "error", "ok": False, "error": repr(error)}
                for name in ready]
    for record in runs:
        say(f"[{record['server']}] {record['profile']}: {summary(record)}")
    results["runs"].extend(runs)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_args(argv)
    began = time.perf_counter()
    arguments.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"servers": {}, "runs": [], "rounds": [], "not_measured": {}}
    with tempfile.TemporaryDirectory(prefix="mockserver-bench-") as scratch:
        work = Path(scratch)
        wrk = ensure_wrk()
        script = work / "detect.lua"
        script.write_text(WRK_SCRIPT)
        ctx = profiles.Context(
            wrk=wrk, script=script, bodies={}, work_dir=work, duration=arguments.duration, warmup=arguments.warmup,
            large_requests=arguments.large_requests, refusal_samples=10 if arguments.quick else 30,
            scaling_repeats=2 if arguments.quick else 5, quiet_wait=arguments.quiet_wait,
            retries=arguments.retries, rounds=arguments.rounds, ci_requests=arguments.requests,
            ci_warmup=max(5, arguments.requests // 10),
        )
        wanted = {"small"} if {"small", "faults", "rejection"} & set(arguments.profiles) else set()
        wanted |= {"medium", "large"} & set(arguments.profiles)
        wanted |= {"small", "medium"} if "ci" in arguments.profiles else set()
        with ctx.phase("building bodies"):
            ctx.bodies = bodies.write_bodies([spec for spec in (bodies.SMALL, bodies.MEDIUM, bodies.LARGE)
                                              if spec.name in wanted], work / "bodies")
        peers = [name for name in arguments.servers if name in PEERS]
        if peers:
            with ctx.phase("peer install (npm)"):
                results["not_measured"].update(servers.ensure_peers(peers))
        for name in arguments.servers:
            if name in results["not_measured"]:
                say(f"[{name}] not measured: {results['not_measured'][name]}")
                continue
            measure_server(ctx, name, arguments, results)
        measured_names = [name for name in arguments.servers if name not in results["not_measured"]]
        measure_ci(ctx, measured_names, arguments, results)
        measure_rounds(ctx, measured_names, arguments, results)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.splitlines()
        results["meta"] = {
            "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "wrk": " ".join(version[0].split()[:2]) if version else "wrk", "duration_s": arguments.duration,
            "warmup_s": arguments.warmup, "rounds": arguments.rounds, "ci_requests": arguments.requests,
            "large_requests": arguments.large_requests,
            "quick": arguments.quick,
            "profiles": arguments.profiles, "body_bytes": {name: body.size for name, body in ctx.bodies.items()},
            "quiet_wait_s": arguments.quiet_wait, "retries": arguments.retries,
            "busy_cores_before_measurements": ctx.waits,
            "wall_s": time.perf_counter() - began, "harness_cpu_s": usage.ru_utime + usage.ru_stime,
        }
        results["phases"] = ctx.phases
    table = report.markdown(results)
    (arguments.out / "latest.md").write_text(table)
    (arguments.out / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(table)
    failed = [run for run in results["runs"] if not run["ok"]
              and results["servers"].get(run["server"], {}).get("kind") != "peer"]
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except HarnessError as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(2)
