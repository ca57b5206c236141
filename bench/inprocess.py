"""CPU and wall time per detect request, in-process: the ASGI app called directly, no sockets, no other client.

    .venv/bin/python bench/inprocess.py                                  # mockserver and form, small and medium
    .venv/bin/python bench/inprocess.py --ab ../other-checkout --rounds 5  # A/B: this checkout against another

On a shared, noisy machine the wrk and CI-pattern figures move by tens of percent from one minute to the next;
the CPU time a request costs the process (every thread, user + system) moves far less, so this is what decides
whether a change pays. Each round runs every app once, in a fresh interpreter, in an order that rotates; the
figure is the median round's median. The body reaches the app in 64 KiB chunks, as uvicorn hands it over.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CHUNK = 64 * 1024
APPS = ("mockserver", "form")

# Run in a fresh interpreter per app and round; prints one JSON line.
DRIVER = r"""
import asyncio, json, statistics, sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
app_name, body_path, content_type, path, requests, warmup, chunk = sys.argv[3:10]
requests, warmup, chunk = int(requests), int(warmup), int(chunk)
if app_name == "form":
    sys.path.insert(0, sys.argv[2] + "/baselines")
    from form_app import app
else:
    from mockserver import create_app
    from mockserver.settings import Settings
    app = create_app(Settings(fixtures=None))
body = open(body_path, "rb").read()
route, _, query = path.partition("?")
scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
         "path": route, "raw_path": route.encode(), "query_string": query.encode(), "root_path": "",
         "headers": [(b"host", b"127.0.0.1"), (b"content-type", content_type.encode()),
                     (b"content-length", str(len(body)).encode())],
         "client": ("127.0.0.1", 1234), "server": ("127.0.0.1", 80)}
chunks = [body[i:i + chunk] for i in range(0, len(body), chunk)]

async def one():
    queue = list(chunks)
    status = []
    async def receive():
        if queue:
            data = queue.pop(0)
            return {"type": "http.request", "body": data, "more_body": bool(queue)}
        await asyncio.sleep(3600)
    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])
    await app(dict(scope), receive, send)
    return status[0]

async def main():
    walls, cpus = [], []
    for index in range(warmup + requests):
        wall, cpu = time.perf_counter(), time.process_time()
        status = await one()
        if status != 200:
            raise SystemExit(f"answered {status}")
        if index >= warmup:
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    print(json.dumps({"wall_ms": statistics.median(walls) * 1e3, "cpu_ms": sum(cpus) / len(cpus) * 1e3}))

try:
    import uvloop
    uvloop.run(main())
except ImportError:
    asyncio.run(main())
"""


def measure(checkout: Path, app: str, body: Path, requests: int, warmup: int) -> dict[str, float]:
    sys.path.insert(0, str(BENCH))
    from harness.bodies import CONTENT_TYPE, DETECT_PATH

    command = [sys.executable, "-c", DRIVER, str(checkout), str(BENCH), app, str(body), CONTENT_TYPE, DETECT_PATH,
               str(requests), str(warmup), str(CHUNK)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, cwd=checkout, env=env, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{app} at {checkout} failed: {done.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> int:
    cli = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_argument("--ab", type=Path, metavar="CHECKOUT", action="append", default=[],
                     help="also run mockserver from another checkout (repeatable)")
    cli.add_argument("--rounds", type=int, default=3)
    cli.add_argument("--requests", type=int, default=300, help="timed requests per app, body and round")
    cli.add_argument("--bodies", default="small,medium")
    arguments = cli.parse_args()
    sys.path.insert(0, str(BENCH))
    from harness.bodies import MEDIUM, SMALL, write_bodies

    specs = [spec for spec in (SMALL, MEDIUM) if spec.name in arguments.bodies.split(",")]
    apps: list[tuple[str, Path, str]] = [("mockserver", ROOT, "mockserver"), ("form", ROOT, "form")]
    for checkout in reversed(arguments.ab):
        apps.insert(1, (f"mockserver@{checkout.name}", checkout.resolve(), "mockserver"))
    figures: dict[tuple[str, str], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        bodies = write_bodies(specs, Path(scratch))
        for index in range(arguments.rounds):
            shift = index % len(apps)
            for label, checkout, app in apps[shift:] + apps[:shift]:
                for name, body in bodies.items():
                    result = measure(checkout, app, body.path, arguments.requests, max(5, arguments.requests // 10))
                    figures.setdefault((label, name), []).append(result)
                    print(f"round {index + 1} {label} {name}: wall {result['wall_ms']:.3f} ms, "
                          f"CPU {result['cpu_ms']:.3f} ms", file=sys.stderr, flush=True)
    print("| app | body | median wall ms | CPU ms / request | every round's CPU ms |")
    print("|---|---|--:|--:|--:|")
    summary: dict[str, Any] = {}
    for (label, name), rounds in figures.items():
        cpu = sorted(rounds, key=lambda figure: figure["cpu_ms"])[(len(rounds) - 1) // 2]
        wall = statistics.median(figure["wall_ms"] for figure in rounds)
        summary[f"{label} {name}"] = {"wall_ms": wall, "cpu_ms": cpu["cpu_ms"], "rounds": rounds}
        print(f"| {label} | {name} | {wall:.3f} | {cpu['cpu_ms']:.3f} | "
              + ", ".join(f"{figure['cpu_ms']:.3f}" for figure in rounds) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
