"""Cold start to a shown, painted main window vs a bare PySide6 QMainWindow doing the same, same run."""

from __future__ import annotations

import os
import sys
import tempfile

from bench.common import median, print_table, timed_run, write_json

BARE = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication(sys.argv)
w = QMainWindow(); w.setCentralWidget(QLabel("x")); w.resize(1366, 768); w.show()
app.processEvents()
w.grab().save(sys.argv[1])
"""


def run(repeats: int = 5) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        env["ATENSI_HOME"] = tmp
        env.pop("ATENSI_DB", None)
        app_cmd = [sys.executable, "-m", "atensi_desktop", "--screenshot", f"{tmp}/app.png"]
        timed_run(app_cmd, env=env)  # first run creates the database: not a cold *start* measurement
        bare = [timed_run([sys.executable, "-c", BARE, f"{tmp}/bare.png"], env=env) for _ in range(repeats)]
        app = [timed_run(app_cmd, env=env) for _ in range(repeats)]
    result = {"repeats": repeats, "bare_qmainwindow_s": median(bare), "atensi_main_window_s": median(app)}
    result["ratio"] = result["atensi_main_window_s"] / result["bare_qmainwindow_s"]
    print_table("Startup: process start -> main window shown and painted (median)", [
        ("bare PySide6 QMainWindow", f"{result['bare_qmainwindow_s'] * 1000:.0f} ms"),
        ("ATENSI Desktop main window", f"{result['atensi_main_window_s'] * 1000:.0f} ms"),
        ("ratio", f"{result['ratio']:.2f}x"),
    ])
    write_json("startup", result)
    return result
