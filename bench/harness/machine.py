"""Who else used the CPU during a measurement: on a shared 2-core machine that is the first suspect for an odd
figure, so every timed run reports the server's own CPU and everything else's.
"""

from __future__ import annotations

import resource
import time
from typing import Any

import psutil

from .servers import RunningServer

# CPU (in cores) used by processes that are neither the server, the load generator nor the harness, above
# which a run counts as disturbed: the server takes one core and wrk up to a third of the other, so more than
# this elsewhere starts to compete with them (and with caches), moving req/s by percents.
DISTURBED_CORES = 0.2


def _busy(times: Any) -> float:
    # Processes' own time only. Interrupt time (loopback traffic is mostly softirq) is charged to no process,
    # so it is reported apart rather than mistaken for someone else's load; steal is the hypervisor's.
    return float(times.user + times.nice + times.system)


def _interrupts(times: Any) -> float:
    return float(getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0))


def tree_cpu(server: RunningServer) -> float:
    """CPU seconds (user + system) used so far by the server and everything it started."""
    total = 0.0
    for process in server.tree():
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def _all_processes() -> dict[int, tuple[str, float]]:
    table = {}
    for process in psutil.process_iter(["name", "cpu_times"]):
        times = process.info["cpu_times"]
        if times is not None:
            table[process.pid] = (process.info["name"] or "?", times.user + times.system)
    return table


def _ours() -> set[int]:
    """This harness and everything it started (servers, wrk, npm): not "other" load."""
    me = psutil.Process()
    try:
        return {me.pid, *(child.pid for child in me.children(recursive=True))}
    except psutil.Error:
        return {me.pid}


def _rusage(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class CpuAccount:
    """CPU used during the block, in cores (CPU seconds per wall second): the server's, the load generator's and
    the harness's (this process and the children it reaped: wrk), and the rest of the machine's ("other")."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.figures: dict[str, float] = {}
        self.other_processes: list[str] = []

    def __enter__(self) -> CpuAccount:
        self._processes = _all_processes()
        self._start = (time.perf_counter(), psutil.cpu_times(), tree_cpu(self.server),
                       _rusage(resource.RUSAGE_SELF) + _rusage(resource.RUSAGE_CHILDREN))
        return self

    def __exit__(self, *_: object) -> None:
        wall0, machine0, server0, harness0 = self._start
        wall = time.perf_counter() - wall0
        machine = psutil.cpu_times()
        server = tree_cpu(self.server) - server0
        harness = _rusage(resource.RUSAGE_SELF) + _rusage(resource.RUSAGE_CHILDREN) - harness0
        other = max(0.0, _busy(machine) - _busy(machine0) - server - harness)
        steal = getattr(machine, "steal", 0.0) - getattr(machine0, "steal", 0.0)
        interrupts = _interrupts(machine) - _interrupts(machine0)
        self.figures = {name: round(value / wall, 3) if wall else 0.0 for name, value in
                        (("server_cores", server), ("client_cores", harness), ("other_cores", other),
                         ("interrupt_cores", interrupts), ("steal_cores", steal))}
        self.other_processes = self._top_others(wall)

    def _top_others(self, wall: float, count: int = 3) -> list[str]:
        """The busiest processes that are not ours ("pytest (1234): 0.61 cores"), to tell whose work disturbed
        a run (someone's test suite, or a kernel thread such as ksoftirqd doing our network work)."""
        ours = _ours()
        used = []
        for pid, (name, cpu) in _all_processes().items():
            if pid not in ours and wall:
                # A process born during the block counts from zero; one that died in it is lost to us.
                used.append(((cpu - self._processes.get(pid, (name, 0.0))[1]) / wall, name, pid))
        return [f"{name} ({pid}): {cores:.2f}" for cores, name, pid in sorted(used, reverse=True)[:count]
                if cores >= 0.02]


def wait_for_quiet(limit: float, threshold: float = 0.15, window: float = 0.5, needed: int = 2) -> tuple[float, float]:
    """Wait, at most `limit` seconds, until the whole machine has been nearly idle (under `threshold` cores busy)
    for `needed` windows in a row, so a measurement does not start in a pause of someone else's test run.

    Returns (seconds waited, cores busy in the last window). Our own server sits idle meanwhile.
    """
    started = time.perf_counter()
    quiet = 0
    while True:
        before = psutil.cpu_times()
        time.sleep(window)
        busy = (_busy(psutil.cpu_times()) - _busy(before)) / window
        quiet = quiet + 1 if busy < threshold else 0
        waited = time.perf_counter() - started
        if quiet >= needed or waited >= limit:
            return waited, busy
