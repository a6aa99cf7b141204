"""Client registry search and list paging at 10k/100k/1M clients, against raw sqlite3 running the same SQL.

For each size a database made by `atensi-desktop init --demo N --seed S` (cached in bench/results/cache/,
keyed by size, seed and schema revision; a newer schema upgrades a copy of an older one, see
`demo_database`) is searched with ~50 queries drawn from its own clients:
(a) a part of a name, as typed (a whole word, or its first 3+ letters), and (b) a NIK prefix (6 to 16
digits), each through `services.clients.client_page(query, 0, 50)`. Every SQL statement the service
ran is recorded (the engine's before_cursor_execute event; the NIK fast path, which runs its statements on
a driver connection, reports them to the same listeners) and replayed with the plain `sqlite3` module on a
connection of its own to the same file: that is the baseline, measured in the same run. (c) opening the list: `count_clients` + the first page;
(d) "jump to the last row": the last page with `total` known. Timings are the median of 3 runs per query
after a warm-up run (the page cache is warm, as for a worker who searches all day).
"""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import RESULTS, write_json

CACHE = RESULTS / "cache"
OFFICE = ("--office", "Dinas Sosial Kabupaten Hulu Sungai Selatan", "--kode-wilayah", "63.06")
RUNS = 3


def demo_database(size: int, seed: int) -> Path:
    """The cached demo database for (size, seed, schema revision).

    When missing, a cached database of the same size and seed at an older schema revision is copied and
    brought to head by the app's own migrations (seconds, where `init --demo 1000000` takes 15-25 min);
    only when there is none is it made with `init --demo`. A lock file per (size, seed) makes a second
    process (another benchmark asking for the same size) wait for the first one's result instead of
    building it again.
    """
    from atensi_desktop.db.schema import HEAD_REVISION

    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / f"demo-{size}-seed{seed}-rev{HEAD_REVISION}.db"
    if target.exists():
        return target
    with open(CACHE / f"demo-{size}-seed{seed}.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another process building the {size:,}-client demo database ...", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _wait_for_unlocked_builders(size, seed)  # a build started before the lock existed
            if target.exists():  # made by the process we waited for
                return target
            older = _older_revision(size, seed, HEAD_REVISION)
            if older is not None:
                _upgrade_copy(older, target)
            else:
                _build(size, seed, target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def _wait_for_unlocked_builders(size: int, seed: int) -> None:
    """Wait while a process started by an older copy of this module (no lock) builds the same database."""
    wanted = {"--demo": str(size), "--seed": str(seed)}
    while True:
        busy = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                args = cmdline.read_bytes().decode(errors="replace").split("\0")
            except OSError:
                continue
            if any(a.startswith(f"sqlite:///{CACHE.resolve()}/build-") for a in args) and all(
                    flag in args[:-1] and args[args.index(flag) + 1] == value for flag, value in wanted.items()):
                busy.append(cmdline.parent.name)
        if not busy:
            return
        print(f"waiting for process {busy[0]} building this demo database ...", flush=True)
        time.sleep(30)


def _older_revision(size: int, seed: int, head: str) -> Path | None:
    """The newest cached database for (size, seed) made at a schema revision before `head`."""
    found = []
    for path in CACHE.glob(f"demo-{size}-seed{seed}-rev*.db"):
        rev = path.stem.rsplit("-rev", 1)[1]
        if rev.isdigit() and int(rev) < int(head):
            found.append((int(rev), path))
    return max(found)[1] if found else None


def _upgrade_copy(source: Path, target: Path) -> None:
    from atensi_desktop.db.engine import make_engine
    from atensi_desktop.db.schema import upgrade

    with tempfile.TemporaryDirectory(dir=CACHE, prefix="upgrade-") as tmp:
        db_file = Path(tmp) / "demo.db"
        print(f"{source.name} -> {target.name}: copied and upgraded by the app's migrations ...", flush=True)
        started = time.perf_counter()
        shutil.copyfile(source, db_file)
        engine = make_engine(f"sqlite:///{db_file}")
        try:
            upgrade(engine)  # no backup: the source file stays in the cache
        finally:
            engine.dispose()
        _checkpoint(db_file)
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
        os.replace(db_file, target)


def _build(size: int, seed: int, target: Path) -> None:
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="build-") as tmp:
        db_file = Path(tmp) / "demo.db"
        env = dict(os.environ, ATENSI_HOME=tmp)
        env.pop("ATENSI_DB", None)
        print(f"init --demo {size:,} --seed {seed} (cached in {target.name}) ...", flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "atensi_desktop", "--db", f"sqlite:///{db_file}", "init", *OFFICE,
                        "--demo", str(size), "--seed", str(seed)], env=env, check=True, capture_output=True)
        _checkpoint(db_file)
        print(f"  made in {time.perf_counter() - started:.0f} s", flush=True)
        os.replace(db_file, target)


def _checkpoint(db_file: Path) -> None:
    """Fold the WAL into the file, so that the cached database is one file that can be copied."""
    con = sqlite3.connect(db_file)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def _queries(db_file: Path, count: int, seed: int) -> tuple[list[str], list[str]]:
    """Name parts and NIK prefixes a worker could type, drawn from live clients of the database."""
    rng = random.Random(seed)
    con = sqlite3.connect(db_file)
    try:
        top = con.execute("SELECT max(rowid) FROM client").fetchone()[0]
        names: list[str] = []
        niks: list[str] = []
        while len(names) < count or len(niks) < count:
            row = con.execute("SELECT name, nik FROM client WHERE rowid = ? AND deleted = 0 AND merged_into IS NULL",
                              (rng.randint(1, top),)).fetchone()
            if row is None:
                continue
            name, nik = row
            if len(names) < count:
                word = rng.choice(name.split())
                names.append(word if rng.random() < 0.5 or len(word) <= 3 else word[:rng.randint(3, len(word))])
            if nik and len(niks) < count:
                niks.append(nik[:rng.randint(6, 16)])
        return names, niks
    finally:
        con.close()


class _Recorder:
    """Collects the statements (SQL and parameters as sent to the driver) a service call runs."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.statements: list[tuple[str, Any]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if self.on:
            self.statements.append((statement, parameters))

    def capture(self, call: Callable[[], Any]) -> list[tuple[str, Any]]:
        self.statements, self.on = [], True
        try:
            call()
        finally:
            self.on = False
        return self.statements


def _timed(call: Callable[[], Any]) -> float:
    best = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        best.append(time.perf_counter() - started)
    return statistics.median(best)


def _replay(con: sqlite3.Connection, statements: Sequence[tuple[str, Any]]) -> None:
    for sql, params in statements:
        con.execute(sql, params).fetchall()


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _series(name: str, calls: list[Callable[[], Any]], recorder: _Recorder, raw: sqlite3.Connection) -> dict:
    service, baseline = [], []
    for call in calls:
        statements = recorder.capture(call)  # also the warm-up run
        _replay(raw, statements)
        service.append(_timed(call))
        baseline.append(_timed(lambda st=statements: _replay(raw, st)))
    med, raw_med = statistics.median(service), statistics.median(baseline)
    return {"name": name, "queries": len(calls), "median_ms": med * 1000, "p95_ms": _p95(service) * 1000,
            "raw_median_ms": raw_med * 1000, "raw_p95_ms": _p95(baseline) * 1000,
            "ratio": med / raw_med if raw_med else None,
            "per_query_ratio_median": statistics.median(s / b for s, b in zip(service, baseline, strict=True) if b)}


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def measure(size: int, *, seed: int = 1, queries: int = 50) -> dict:
    from atensi_desktop.app_context import open_app
    from atensi_desktop.services.clients import ClientQuery, client_ids, client_page, count_clients

    db_file = demo_database(size, seed)
    names, niks = _queries(db_file, queries, seed)
    with tempfile.TemporaryDirectory(prefix="atensi-bench-registry-") as home:
        ctx = open_app(f"sqlite:///{db_file}", home, upgrade=False)
        raw = sqlite3.connect(db_file)
        try:
            db = ctx.db
            recorder = _Recorder(db.engine)
            total = count_clients(db)
            series = [
                _series("name part, first 50 rows",
                        [lambda q=q: client_page(db, ClientQuery(text=q), 0, 50) for q in names], recorder, raw),
                _series("NIK prefix, first 50 rows",
                        [lambda q=q: client_page(db, ClientQuery(text=q), 0, 50) for q in niks], recorder, raw),
                _series("open the list: count + first page",
                        [lambda: client_page(db, ClientQuery(), 0, 50, total=count_clients(db))], recorder, raw),
                _series("jump to the last row: last page",
                        [lambda: client_page(db, ClientQuery(), total - 50, 50, total=total)], recorder, raw),
                _series("jump to the middle: page at total/2",
                        [lambda: client_page(db, ClientQuery(), total // 2, 50, total=total)], recorder, raw),
            ]
            before = _rss_mb()
            started = time.perf_counter()
            ids = client_ids(db)
            ids_s = time.perf_counter() - started
            ids_mb = _rss_mb() - before
            assert len(ids) == total
            del ids
        finally:
            raw.close()
            ctx.close()
    return {"clients": size, "seed": seed, "db_bytes": db_file.stat().st_size, "live_clients": total,
            "sample_names": names[:10], "sample_niks": niks[:10], "series": series,
            "client_ids_s": ids_s, "client_ids_rss_mb": ids_mb}


def _table(results: list[dict]) -> None:
    print(f"\n{'clients':>9}  {'measure':<38} {'median':>9} {'p95':>9} {'raw sqlite3':>12} {'ratio':>6}")
    print("-" * 90)
    for r in results:
        for s in r["series"]:
            print(f"{r['clients']:>9,}  {s['name']:<38} {s['median_ms']:>7.2f}ms {s['p95_ms']:>7.2f}ms "
                  f"{s['raw_median_ms']:>10.2f}ms {s['ratio']:>5.2f}x")
        print(f"{r['clients']:>9,}  {'client_ids (every id, for the old model)':<38} "
              f"{r['client_ids_s'] * 1000:>7.0f}ms  (+{r['client_ids_rss_mb']:.0f} MB RSS)")
    print("\nTargets at 1,000,000: search median <= 30 ms and <= 2x the raw query.")


def run(sizes: Sequence[int] = (10_000, 100_000, 1_000_000), *, seed: int = 1, queries: int = 50) -> dict:
    results = []
    for size in sizes:
        results.append(measure(size, seed=seed, queries=queries))
        _table(results[-1:])
    print("\nAll sizes:")
    _table(results)
    data = {"sizes": list(sizes), "runs_per_query": RUNS, "results": results}
    write_json("registry", data)
    return data
