"""The Klien list at a district's size: memory, first paint and "jump to the last row", each in a fresh process.

`python -m bench.registry_list --size 1000000 [--seed 1] [--repeats 5]`

(a) Memory: the whole application (main window, every screen, the Klien screen shown at 1366×768) on an
    empty database (an office, no clients) against the same on the `init --demo N` database (cached by
    `bench.registry.demo_database`) after the list is open and Ctrl+End has jumped to its last row.
    Resident set size (VmRSS) and its peak (VmHWM) of each process, read from /proc.
(b) First paint: from creating the Klien screen (and with it the list model) to its table having painted
    the first page (a synchronous repaint right after the model announces the rows); in a process of its
    own, so the first measurement is the one a worker sees after starting the application.
(c) Jump to the last row: Ctrl+End in the table, once the count is in, until the table has repainted the
    last rows; each on a fresh screen, so the last page is never cached.
The count (which the rows grow to while it runs) is reported as well. Targets from issue 3: first paint
≤ 200 ms and RSS ≤ the empty app's + 150 MB at 1,000,000 clients.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import print_table, write_json

OFFICE = ("--office", "Dinas Sosial Kabupaten Hulu Sungai Selatan", "--kode-wilayah", "63.06")
FIRST_PAINT_TARGET_MS = 200.0
RSS_BUDGET_MB = 150.0
VIEW_SIZE = (1366 - 210, 768 - 60)  # the Klien screen inside a 1366×768 window (navigation, status bar)


# --- the measuring child process ------------------------------------------------------------------------


def _proc_status_mb(field: str) -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(mode: str, db_file: str, home: str, repeats: int) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from atensi_desktop.app_context import open_app
    from ui import tasks
    from ui.i18n import install_translator
    from ui.style import apply_style

    app = QApplication([sys.argv[0]])
    apply_style(app)
    ctx = open_app(f"sqlite:///{db_file}", home)
    install_translator(app, ctx.settings.language)

    def wait_for(condition, timeout: float = 120.0) -> None:
        end = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > end:
                raise SystemExit("timed out")
            app.processEvents()
            time.sleep(0.0005)

    def jump_to_end(view) -> float:
        """Ctrl+End, then the table repainted (the rows on screen read): seconds."""
        wait_for(lambda: not view.model.loading)
        app.processEvents()
        table = view.table
        table.setFocus()
        started = time.perf_counter()
        QTest.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        table.viewport().repaint()
        took = time.perf_counter() - started
        assert table.currentIndex().row() == view.model.rowCount() - 1
        last = table.currentIndex().siblingAtColumn(1).data()
        assert last and last != "Memuat…", last
        return took

    result: dict[str, Any] = {}
    if mode == "rss":
        from ui.main_window import MainWindow

        result["rss_start_mb"] = _proc_status_mb("VmRSS")
        window = MainWindow(ctx)
        window.resize(1366, 768)
        view = window.show_view("klien")
        window.show()
        wait_for(lambda: not view.model.loading)
        if view.model.rowCount():
            jump_to_end(view)
        for _ in range(20):
            app.processEvents()
        tasks.wait_for_all()
        result.update(rows=view.model.rowCount(), rss_mb=_proc_status_mb("VmRSS"), hwm_mb=_proc_status_mb("VmHWM"))
    else:
        from ui.change_bus import ChangeBus
        from ui.views.klien import KlienView

        bus = ChangeBus()
        first, count, jumps = [], [], []

        def one_screen() -> None:
            shown: list[float] = []
            started = time.perf_counter()
            view = KlienView(ctx, bus)
            view.model.rows_shown.connect(lambda _rows: (view.table.viewport().repaint(),
                                                         shown.append(time.perf_counter())))
            view.resize(*VIEW_SIZE)
            view.show()
            wait_for(lambda: bool(shown))
            first.append(shown[0] - started)
            wait_for(lambda: not view.model.loading)
            count.append(time.perf_counter() - started)
            jumps.append(jump_to_end(view))
            result["rows"] = view.model.rowCount()
            view.close()
            view.deleteLater()
            tasks.wait_for_all()
            app.processEvents()

        for _ in range(repeats):
            one_screen()
        result.update(first_paint_s=first, count_s=count, jump_s=jumps)
    tasks.wait_for_all()
    ctx.close()
    return result


# --- the parent: databases, child runs, the table -------------------------------------------------------


def _empty_database(folder: Path) -> Path:
    db_file = folder / "empty.db"
    env = dict(os.environ, ATENSI_HOME=str(folder / "home-init"))
    env.pop("ATENSI_DB", None)
    subprocess.run([sys.executable, "-m", "atensi_desktop", "--db", f"sqlite:///{db_file}", "init", *OFFICE],
                   env=env, check=True, capture_output=True)
    return db_file


def _run_child(mode: str, db_file: Path, home: Path, repeats: int = 1) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("ATENSI_DB", None)
    proc = subprocess.run([sys.executable, "-m", "bench.registry_list", "--child", mode, "--db", str(db_file),
                           "--home", str(home), "--repeats", str(repeats)],
                          env=env, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child ({mode}) failed:\n{proc.stderr}")
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise SystemExit(f"benchmark child ({mode}) printed no result:\n{proc.stdout}\n{proc.stderr}")


def run(size: int, seed: int = 1, repeats: int = 5) -> dict[str, Any]:
    from bench.registry import demo_database

    demo = demo_database(size, seed)
    with tempfile.TemporaryDirectory(prefix="bench-list-") as tmp:
        folder = Path(tmp)
        empty = _empty_database(folder)
        (folder / "home-empty").mkdir()
        (folder / "home-demo").mkdir()
        (folder / "home-timing").mkdir()
        empty_rss = _run_child("rss", empty, folder / "home-empty")
        demo_rss = _run_child("rss", demo, folder / "home-demo")
        timing = _run_child("timing", demo, folder / "home-timing", repeats)

    first = [s * 1000 for s in timing["first_paint_s"]]
    jumps = [s * 1000 for s in timing["jump_s"]]
    counts = [s * 1000 for s in timing["count_s"]]
    delta = demo_rss["rss_mb"] - empty_rss["rss_mb"]
    result = {
        "size": size, "seed": seed, "repeats": repeats, "rows": timing["rows"],
        "rss_empty_app_mb": empty_rss["rss_mb"], "rss_list_open_mb": demo_rss["rss_mb"], "rss_delta_mb": delta,
        "rss_ratio": demo_rss["rss_mb"] / empty_rss["rss_mb"],
        "peak_rss_empty_app_mb": empty_rss["hwm_mb"], "peak_rss_list_open_mb": demo_rss["hwm_mb"],
        "rss_budget_mb": RSS_BUDGET_MB,
        "first_paint_first_ms": first[0], "first_paint_median_ms": statistics.median(first),
        "first_paint_target_ms": FIRST_PAINT_TARGET_MS,
        "count_in_first_ms": counts[0], "count_in_median_ms": statistics.median(counts),
        "jump_to_last_first_ms": jumps[0], "jump_to_last_median_ms": statistics.median(jumps),
    }
    print_table(f"Klien list at {size:,} clients (seed {seed}; {repeats} fresh screens)", [
        ("RSS, empty app (main window, 0 clients)", f"{empty_rss['rss_mb']:.1f} MB"),
        ("RSS, list open + Ctrl+End", f"{demo_rss['rss_mb']:.1f} MB  (+{delta:.1f} MB, "
                                       f"{delta / RSS_BUDGET_MB:.2f}x the 150 MB budget; "
                                       f"{result['rss_ratio']:.2f}x the empty app)"),
        ("peak RSS, empty app / list", f"{empty_rss['hwm_mb']:.1f} MB / {demo_rss['hwm_mb']:.1f} MB"),
        ("first page painted (first screen)", f"{first[0]:.1f} ms  ({first[0] / FIRST_PAINT_TARGET_MS:.2f}x "
                                              f"the 200 ms target)"),
        ("first page painted (median)", f"{result['first_paint_median_ms']:.1f} ms  "
                                        f"({result['first_paint_median_ms'] / FIRST_PAINT_TARGET_MS:.2f}x)"),
        ("count in, rows grown (median)", f"{result['count_in_median_ms']:.1f} ms"),
        ("Ctrl+End to last rows painted (first)", f"{jumps[0]:.1f} ms"),
        ("Ctrl+End to last rows painted (median)", f"{result['jump_to_last_median_ms']:.1f} ms  "
                                                   f"({result['jump_to_last_median_ms'] / result['first_paint_median_ms']:.2f}x "
                                                   f"the first paint)"),
    ])
    write_json(f"registry_list_{size}", result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.registry_list", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", choices=("rss", "timing"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print("RESULT " + json.dumps(_child(args.child, args.db, args.home, args.repeats)), flush=True)
        return 0
    run(args.size, seed=args.seed, repeats=args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
