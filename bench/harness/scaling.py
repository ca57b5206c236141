"""Scaling: seconds per request against image count and against image size, to a CSV and a plot.

Requests go one at a time on one kept-alive connection, so each figure is the server's own cost for one
request of that shape with nothing queued behind it.
"""

from __future__ import annotations

import csv
import importlib
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from .bodies import KIB, MEDIUM, MIB, BodySpec, write_body
from .load import timed_posts

COUNTS = (1, 2, 5, 10, 20, 50, 100)
COUNT_IMAGE_BYTES = 200 * KIB
SIZES = (10 * KIB, 50 * KIB, 200 * KIB, 1 * MIB, 4 * MIB)
SIZE_COUNT = 5
MODES = MEDIUM.modes  # the medium profile's modes, so its point (10 × 200 KiB) lines up with that profile


def measure(port: int, directory: Path, repeats: int) -> list[dict[str, Any]]:
    points = [("count", count, COUNT_IMAGE_BYTES) for count in COUNTS]
    points += [("size", SIZE_COUNT, size) for size in SIZES]
    rows = []
    for sweep, count, size in points:
        body = write_body(BodySpec(f"scaling-{sweep}-{count}x{size}", count, size, MODES), directory)
        times = timed_posts(port, body.path.read_bytes(), repeats)
        body.path.unlink()
        median = statistics.median(times)
        rows.append({
            "sweep": sweep, "images": count, "image_bytes": size, "body_bytes": body.size, "requests": repeats,
            "median_s": round(median, 6), "min_s": round(min(times), 6), "max_s": round(max(times), 6),
            "mb_per_s": round(body.size / median / 1e6, 1),
        })
    return rows


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _matplotlib() -> Any:
    try:
        return importlib.import_module("matplotlib")
    except ImportError:
        # Only the plot needs it, so it is installed on first use rather than made a project dependency.
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "matplotlib"], check=True, timeout=600)
        importlib.invalidate_caches()
        return importlib.import_module("matplotlib")


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares `y = fixed + per_unit * x`, with R²: how well a straight line explains the cost."""
    slope, intercept = statistics.linear_regression(xs, ys)
    mean = statistics.fmean(ys)
    total = sum((y - mean) ** 2 for y in ys)
    residual = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    return intercept, slope, 1 - residual / total if total else 1.0


def plot(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    matplotlib = _matplotlib()
    matplotlib.use("Agg")
    pyplot = importlib.import_module("matplotlib.pyplot")
    figure, axes = pyplot.subplots(1, 2, figsize=(11, 4.5))
    panels = [  # sweep, x column, x divisor, x label, fit unit in x units, fit unit name
        ("count", "images", 1, f"images per request ({COUNT_IMAGE_BYTES // KIB} KiB each)", 1, "image"),
        ("size", "image_bytes", KIB, f"KiB per image ({SIZE_COUNT} images per request)", KIB, "MiB"),
    ]
    for axis, (sweep, key, divisor, label, unit, unit_name) in zip(axes, panels, strict=True):
        points = [row for row in rows if row["sweep"] == sweep]
        xs = [row[key] / divisor for row in points]
        ys = [row["median_s"] * 1e3 for row in points]
        fixed, per_unit, r2 = linear_fit(xs, ys)
        axis.plot(xs, ys, "o", label="measured (median)")
        curve = [min(xs) * (max(xs) / min(xs)) ** (step / 50) for step in range(51)]
        axis.plot(curve, [fixed + per_unit * x for x in curve], "-",
                  label=f"fit {fixed:.2f} ms + {per_unit * unit:.3g} ms/{unit_name} (R² {r2:.4f})")
        # On log axes a cost proportional to x is a line of slope 1: the guide through the largest point
        # shows the measured points joining it once the fixed cost no longer dominates.
        axis.plot(curve, [ys[-1] * x / xs[-1] for x in curve], ":", color="grey", label="∝ x (slope 1)")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel(label)
        axis.set_ylabel("ms per request")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f"{title}: fixed cost + a cost per image and per byte (linear fit, log axes)", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
