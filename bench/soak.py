"""`python -m bench soak [--examples 3000] [--seed N]`: the sync convergence property test, long.

Runs tests/core/test_sync_convergence.py (five installations, skewed clocks, random edits, merges, conflict
resolutions, one-case bundles and exchanges in random orders, then everyone imports everyone's full bundle and
the canonical dumps must be identical) with `--examples` Hypothesis examples instead of the 15 of the normal
test run, in a child process at low priority (`nice`), so it can run in the background for hours:

    nohup python -m bench soak --examples 3000 > soak.log 2>&1 &

Every finished example appends a line to a statistics file; progress (examples done, examples/s) is printed
every `--every` examples. At the end: examples passed, examples/s, failures (0, or 1 with Hypothesis's
counter-example and the command that reproduces it), the seed, and how often the interesting paths ran
(concurrent edits reported as conflicts, merges, refused deliveries, conflict resolutions, one-case
bundles). Results also go to bench/results/soak.json. Stopped early (Ctrl+C, or `kill PID` of the bench
process), it stops the test and reports the examples that passed until then.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import RESULTS, print_table, write_json

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/core/test_sync_convergence.py"


def _read_stats(path: Path) -> list[dict]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError):  # a line being written right now
            out.append(json.loads(line))
    return out


def _reporter(path: Path, started: float, every: int, stop: threading.Event) -> None:
    shown = 0
    while not stop.wait(10):
        done = len(_read_stats(path))
        if done >= shown + every:
            shown = done - done % every
            took = time.perf_counter() - started
            print(f"  {done:,} examples passed, {done / took:.2f} examples/s, {took / 60:.0f} min", flush=True)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run(examples: int = 3000, *, seed: int | None = None, every: int = 50, shrink: bool = True,
        steps: int | None = None) -> dict:
    seed = random.SystemRandom().randrange(1, 2**31) if seed is None else seed
    with tempfile.TemporaryDirectory(prefix="atensi-soak-") as tmp:
        stats_file = Path(tmp) / "stats.jsonl"
        env = dict(os.environ, ATENSI_CONVERGENCE_EXAMPLES=str(examples), ATENSI_CONVERGENCE_STATS=str(stats_file),
                   TMPDIR=tmp)
        if not shrink:
            env["ATENSI_CONVERGENCE_NO_SHRINK"] = "1"
        if steps:
            env["ATENSI_CONVERGENCE_STEPS"] = str(steps)
        cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "no:logging",
               f"--hypothesis-seed={seed}", "--hypothesis-show-statistics", TEST]
        print(f"soak: {examples:,} examples of {TEST}, seed {seed} (nice 10) ...", flush=True)
        started = time.perf_counter()
        stop = threading.Event()
        reporter = threading.Thread(target=_reporter, args=(stats_file, started, every, stop), daemon=True)
        reporter.start()
        log_file = Path(tmp) / "pytest.log"
        interrupted = False
        with open(log_file, "w+", encoding="utf-8") as log:
            proc = subprocess.Popen(["nice", "-n", "10", *cmd], cwd=ROOT, env=env, stdout=log,
                                    stderr=subprocess.STDOUT, text=True)
            previous = signal.signal(signal.SIGTERM, _interrupt)
            try:
                proc.wait()
            except KeyboardInterrupt:  # Ctrl+C or kill -TERM: stop and report what passed so far
                interrupted = True
                proc.terminate()
                proc.wait()
            finally:
                signal.signal(signal.SIGTERM, previous)
            log.seek(0)
            output = log.read()
        if proc.returncode != 0 and not interrupted:
            kept = RESULTS / "soak-failure.log"
            kept.write_text(output, encoding="utf-8")
        took = time.perf_counter() - started
        stop.set()
        stats = _read_stats(stats_file)
    passed = len(stats)
    failed = proc.returncode != 0 and not interrupted

    def share(key: str) -> float:
        return sum(1 for s in stats if s.get(key)) / passed if passed else 0.0

    result = {
        "examples_asked": examples, "interrupted": interrupted, "examples_passed": passed, "failures": 1 if failed else 0, "seed": seed,
        "seconds": took, "examples_per_s": passed / took if took else 0.0,
        "with_conflicts": share("conflicts"), "with_merges": share("merges"), "with_refused_imports": share("refused"),
        "with_resolutions": share("resolved"), "with_one_case_bundles": share("one_case"),
        "with_reimports": share("reimports"),
        "mean_steps": sum(s["steps"] for s in stats) / passed if passed else 0.0,
        "mean_versions": sum(s["versions"] for s in stats) / passed if passed else 0.0,
        "reproduce": f"ATENSI_CONVERGENCE_EXAMPLES={examples} python -m pytest {TEST} --hypothesis-seed={seed}",
    }
    print_table(f"sync convergence soak ({TEST})", [
        ("examples passed", f"{passed:,} of {examples:,} asked (target >= 3,000)"),
        ("failures", f"{result['failures']}" + ("  <- see the counter-example below" if failed else "")),
        ("seed", str(seed)),
        ("time", f"{took / 60:.1f} min, {result['examples_per_s']:.2f} examples/s"),
        ("examples with conflicts reported", f"{result['with_conflicts']:.0%}"),
        ("examples with merges", f"{result['with_merges']:.0%}"),
        ("examples with refused imports", f"{result['with_refused_imports']:.0%}"),
        ("examples with conflict resolutions", f"{result['with_resolutions']:.0%}"),
        ("examples with one-case bundles", f"{result['with_one_case_bundles']:.0%}"),
        ("examples with re-imports", f"{result['with_reimports']:.0%}"),
        ("mean steps / versions at the end", f"{result['mean_steps']:.1f} / {result['mean_versions']:.0f}"),
        ("stopped early", "yes (interrupted)" if interrupted else "no"),
        ("verdict", "PASS" if not failed and passed >= min(examples, 3000) else "MISS"),
    ])
    if failed:
        print("\n--- pytest output (last 120 lines) ---")
        print("\n".join(output.splitlines()[-120:]))
        print(f"\nfull pytest output: {RESULTS / 'soak-failure.log'}")
        print(f"reproduce: {result['reproduce']}")
    write_json("soak", result)
    return result
