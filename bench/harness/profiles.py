"""The profiles: each starts a fresh server, checks one answer, loads it, and returns plain-dict records.

A fresh process per profile keeps each peak-RSS figure about that profile alone (Python and the JVM keep
memory they once used) and stops one profile's failure from spoiling the next.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import scaling
from .bodies import Body
from .load import HarnessError, measure_refusals, post_once, run_wrk, sequential_latencies, upload_sequentially
from .machine import DISTURBED_CORES, CpuAccount, tree_cpu, wait_for_quiet
from .servers import RssMonitor, RunningServer, ServerSpec

# Three faults of different kinds, all scoped to a session no request carries: they are consulted on every
# request and never fire, which is exactly the bookkeeping overhead the faults profile is after.
INACTIVE_FAULTS = [
    {"type": "envelope", "status": 500, "match": {"session": "nobody"}},
    {"type": "latency", "ms": 500, "match": {"session": "nobody"}},
    {"type": "image_error", "status": 2, "image": "file_0", "match": {"session": "nobody"}},
]


@dataclass
class Context:
    wrk: str
    script: Path
    bodies: dict[str, Body]
    work_dir: Path
    duration: float
    warmup: float
    large_requests: int
    refusal_samples: int
    scaling_repeats: int
    quiet_wait: float = 0.0
    retries: int = 0
    rounds: int = 1
    ci_requests: int = 200
    ci_warmup: int = 20
    phases: dict[str, float] = field(default_factory=dict)
    waits: list[float] = field(default_factory=list)

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Adds the block's wall time to `name`: the run reports where its own time went."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - started


def settle(ctx: Context) -> None:
    """Before each measurement: let other people's work on this machine finish first (bounded)."""
    if ctx.quiet_wait > 0:
        with ctx.phase("waiting for a quiet machine"):
            _, busy = wait_for_quiet(ctx.quiet_wait)
        ctx.waits.append(round(busy, 2))


def least_disturbed(ctx: Context, profile: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Run a whole profile (fresh server included) again while other processes disturbed it, up to
    `ctx.retries` times, and keep the attempt the rest of the machine disturbed least."""
    best: tuple[float, list[dict[str, Any]]] | None = None
    for attempt in range(1, ctx.retries + 2):
        records = profile()
        worst = max((record.get("other_cores", 0.0) for record in records), default=0.0)
        for record in records:
            record["attempt"] = attempt
        if best is None or worst < best[0]:
            best = (worst, records)
        if worst <= DISTURBED_CORES:
            break
    assert best is not None
    return best[1]


def start(ctx: Context, spec: ServerSpec) -> RunningServer:
    with ctx.phase("server starts for profiles"):
        return RunningServer(spec, ctx.work_dir)


def readiness(ctx: Context, spec: ServerSpec, starts: int) -> list[float]:
    times = []
    settle(ctx)
    with ctx.phase("readiness starts"):
        for _ in range(starts):
            with RunningServer(spec, ctx.work_dir) as server:
                times.append(server.readiness)
    return times


def probe(server: RunningServer, body: Body) -> str:
    """One request before the load: a wrong answer is reported as such, never timed as a success."""
    status, answer = post_once(server.port, body.path.read_bytes())
    if not 200 <= status < 300:
        return f"probe answered HTTP {status}: {answer[:200]!r}"
    if server.spec.kind == "mockserver":
        document = json.loads(answer)
        first = body.spec.modes[0]
        # object2 answers under object_labels, after object's entries when both are asked (README).
        key = "object_labels" if first == "object2" else f"{first}_labels"
        shared = first in ("object", "object2") and {"object", "object2"} <= set(body.spec.modes)
        results = document.get("body", {}).get(key, [])
        if document.get("status") != 200 or len(results) != body.spec.count * (2 if shared else 1):
            return f"probe got an unexpected envelope: {answer[:200]!r}"
    return ""


def _wrk_record(ctx: Context, server: RunningServer, body: Body, label: str) -> dict[str, Any]:
    with RssMonitor(server) as rss, CpuAccount(server) as cpu, ctx.phase("wrk, measured"):
        result = run_wrk(ctx.wrk, ctx.script, server.port, body, ctx.duration)
    return {
        "server": server.spec.name, "profile": label, "kind": "wrk", "ok": result.failures == 0 and server.alive(),
        "rps": result.rps, "p50_ms": result.p50_ms, "p90_ms": result.p90_ms, "p99_ms": result.p99_ms,
        "mean_ms": result.mean_ms, "requests": result.requests, "seconds": result.seconds,
        "statuses": result.statuses, "socket_errors": result.socket_errors, "failures": result.failures,
        "peak_rss_bytes": rss.peak, "sampled_rss_bytes": rss.sampled_peak, "hwm_rss_bytes": rss.hwm_peak,
        **cpu.figures, "other_processes": cpu.other_processes,
    }


def _warm(ctx: Context, server: RunningServer, body: Body) -> None:
    settle(ctx)
    if ctx.warmup > 0:
        with ctx.phase("wrk, warm-up"):
            run_wrk(ctx.wrk, ctx.script, server.port, body, ctx.warmup)


def wrk_profile(ctx: Context, spec: ServerSpec, name: str) -> dict[str, Any]:
    body = ctx.bodies[name]
    with start(ctx, spec) as server:
        problem = probe(server, body)
        _warm(ctx, server, body)
        record = _wrk_record(ctx, server, body, name)
    if problem:
        record.update(ok=False, error=problem)
    return record


def large_profile(ctx: Context, spec: ServerSpec) -> dict[str, Any]:
    body = ctx.bodies["large"]
    with start(ctx, spec) as server:
        settle(ctx)
        with RssMonitor(server) as rss, CpuAccount(server) as cpu, ctx.phase("large uploads"):
            result = upload_sequentially(server.port, body, ctx.large_requests)
        alive = server.alive()
    mean = sum(result.seconds) / len(result.seconds)
    record = {
        "server": spec.name, "profile": "large", "kind": "sequential", "ok": result.failures == 0 and alive,
        "seconds_per_request": mean, "times_s": result.seconds, "statuses": result.statuses,
        "failures": result.failures, "body_bytes": body.size, "mb_per_s": body.size / mean / 1e6,
        "peak_rss_bytes": rss.peak, "sampled_rss_bytes": rss.sampled_peak, "hwm_rss_bytes": rss.hwm_peak,
        **cpu.figures, "other_processes": cpu.other_processes,
    }
    if result.failures:
        record["error"] = f"statuses {result.statuses}; first failure: {result.problem}"
    return record


def _admin(port: int, method: str, path: str, document: Any = None) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        payload = None if document is None else json.dumps(document)
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = response.read()
        if response.status >= 300:
            raise HarnessError(f"{method} {path} answered {response.status}: {answer[:200]!r}")
        return json.loads(answer)
    finally:
        connection.close()


def median_round(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the median req/s (the lower one of two), with every round's; a failed round, if any
    (it must show)."""
    failed = [record for record in records if not record["ok"]]
    if failed:
        return failed[0]
    chosen = sorted(records, key=lambda record: record["rps"])[(len(records) - 1) // 2]
    return {**chosen, "rounds_rps": [record["rps"] for record in records]}


def faults_profile(ctx: Context, spec: ServerSpec, journal_off: ServerSpec) -> list[dict[str, Any]]:
    """small; small with three inactive faults armed on the same process; small on a second process with the
    journal off. The three take turns for `ctx.rounds` rounds, both processes up throughout, so the machine's
    drift lands on each alike; each figure is its median round."""
    body = ctx.bodies["small"]
    plain: list[dict[str, Any]] = []
    armed: list[dict[str, Any]] = []
    unjournalled: list[dict[str, Any]] = []
    with start(ctx, spec) as server, start(ctx, journal_off) as other:
        problem = probe(server, body) or probe(other, body)
        _warm(ctx, server, body)
        _warm(ctx, other, body)
        for _ in range(ctx.rounds):
            settle(ctx)
            plain.append(_wrk_record(ctx, server, body, "small (faults reference)"))
            _admin(server.port, "POST", "/__admin/faults", INACTIVE_FAULTS)
            settle(ctx)
            armed.append(_wrk_record(ctx, server, body, "small + 3 inactive faults"))
            fired = sum(fault["fired"] for fault in _admin(server.port, "GET", "/__admin/faults")["faults"])
            if fired:
                problem = problem or f"the 'inactive' faults fired {fired} times"
            _admin(server.port, "DELETE", "/__admin/faults")
            settle(ctx)
            unjournalled.append(_wrk_record(ctx, other, body, "small, journal off"))
    records = [median_round(plain), median_round(armed), median_round(unjournalled)]
    for record in records:
        record["server"] = spec.name
        if problem:
            record.update(ok=False, error=problem)
    return records


CI_BODIES = ("small", "medium")


def ci_profile(ctx: Context, specs: list[ServerSpec]) -> list[dict[str, Any]]:
    """The CI pattern: one client on one kept-alive connection, each request sent when the last is answered.

    Every server is up side by side throughout (each idle while another is measured); in each of `ctx.rounds`
    rounds each server takes its turn, in an order that rotates, and sends `ctx.ci_warmup` untimed then
    `ctx.ci_requests` timed requests of each body. A server's figure per body is its median round's median
    latency; its CPU per request (the whole process tree, user + system) is kept beside it.
    """
    latencies: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    problems: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        running = [stack.enter_context(start(ctx, spec)) for spec in specs]
        for server in running:
            problems[server.spec.name] = next(
                (problem for name in CI_BODIES if (problem := probe(server, ctx.bodies[name]))), "")
        for index in range(ctx.rounds):
            shift = index % len(running)
            for server in running[shift:] + running[:shift]:
                settle(ctx)
                for name in CI_BODIES:
                    with ctx.phase("CI pattern, measured"):
                        used = tree_cpu(server)
                        times, statuses = sequential_latencies(server.port, ctx.bodies[name].path.read_bytes(),
                                                               ctx.ci_requests, ctx.ci_warmup)
                        used = tree_cpu(server) - used
                    bad = sorted({status for status in statuses if not 200 <= status < 300})
                    if bad and not problems[server.spec.name]:
                        problems[server.spec.name] = f"{name}: answered {bad}"
                    latencies.setdefault((server.spec.name, name), []).append(statistics.median(times) * 1e3)
                    cpu.setdefault((server.spec.name, name), []).append(used / len(statuses) * 1e3)
        alive = {server.spec.name: server.alive() for server in running}
    records = []
    for (server_name, name), rounds in latencies.items():
        chosen = sorted(range(len(rounds)), key=rounds.__getitem__)[(len(rounds) - 1) // 2]
        problem = problems[server_name] or ("" if alive[server_name] else "the server died")
        records.append({
            "server": server_name, "profile": f"ci {name}", "kind": "latency", "ok": not problem,
            "p50_ms": rounds[chosen], "rounds_p50_ms": rounds, "cpu_ms": cpu[server_name, name][chosen],
            "rounds_cpu_ms": cpu[server_name, name], "requests": ctx.ci_requests, "warmup": ctx.ci_warmup,
            **({"error": problem} if problem else {}),
        })
    return records


def rejection_profile(ctx: Context, spec: ServerSpec) -> dict[str, Any]:
    prefix = ctx.bodies["small"].path.read_bytes()
    with start(ctx, spec) as server:
        settle(ctx)
        with ctx.phase("rejection"):
            figures = measure_refusals(server.port, prefix, ctx.refusal_samples)
    ok = figures["statuses"] == [400]
    return {"server": spec.name, "profile": "rejection", "kind": "rejection", "ok": ok, **figures,
            **({} if ok else {"error": f"answered {figures['statuses']}, expected 400"})}


def scaling_profile(ctx: Context, spec: ServerSpec, out: Path) -> dict[str, Any]:
    with start(ctx, spec) as server:
        settle(ctx)
        with ctx.phase("scaling"):
            rows = scaling.measure(server.port, ctx.work_dir, ctx.scaling_repeats)
    scaling.write_csv(rows, out / "scaling.csv")
    fits = {}
    for sweep, key in (("count", "images"), ("size", "image_bytes")):
        points = [row for row in rows if row["sweep"] == sweep]
        fixed, per_unit, r2 = scaling.linear_fit([float(row[key]) for row in points],
                                                 [row["median_s"] for row in points])
        fits[sweep] = {"fixed_s": fixed, "per_unit_s": per_unit, "r2": r2}
    record: dict[str, Any] = {"server": spec.name, "profile": "scaling", "kind": "scaling", "ok": True,
                              "rows": rows, "fits": fits}
    with ctx.phase("plot"):
        try:
            scaling.plot(rows, out / "scaling.png", f"{spec.name}: time per request")
            record["plot"] = "scaling.png"
        except Exception as error:  # the figures stand without their picture
            record["plot_error"] = f"plot not drawn: {error}"
    return record
