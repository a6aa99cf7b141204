"""Shared helpers for benchmarks: timing, result tables and JSON output in bench/results/."""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def timed_run(cmd: Sequence[str], *, env: dict | None = None, cwd: str | None = None) -> float:
    """Wall time of one subprocess run, in seconds; a failing command aborts the benchmark."""
    started = time.perf_counter()
    proc = subprocess.run(list(cmd), env=env, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return took


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def print_table(title: str, rows: Sequence[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}\n" + "-" * (width + 24))
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")


def write_json(name: str, data: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    data = {"benchmark": name, "python": sys.version.split()[0], "machine": platform.machine(),
            "cpus": __import__("os").cpu_count(), "at": time.strftime("%Y-%m-%dT%H:%M:%S"), **data}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2))
    print(f"\nJSON: {path}")
    return path
