"""No client name, NIK or address reaches a log file or a crash report, whatever the code path that logs."""

from __future__ import annotations

import csv
import logging
import sys
from pathlib import Path

from sqlalchemy import text

from atensi_desktop.cli import main
from atensi_desktop.log import format_exception_safe, scrub_text, setup_logging, shutdown_logging

NIK = "6306019912870042"
NIK_IN_TEXT = "630601991287"  # a NIK fragment too short for the digit mask: only quoting hides it
NAME = "Zubaidah Qoriwangsa"
ADDRESS = "Jalan Kelayan Lestari Tujuh"
SECRETS = (NIK, NAME, ADDRESS, "Zubaidah", "Qoriwangsa", "Kelayan", NIK_IN_TEXT)


def _all_log_text(*folders: Path) -> str:
    shutdown_logging()  # flush and close the files
    parts = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def _assert_clean(blob: str) -> None:
    for secret in SECRETS:
        assert secret not in blob, f"{secret!r} leaked"


def test_scrub_text_hides_parameters_quotes_and_numbers():
    raw = (f"(sqlite3.IntegrityError) NOT NULL constraint failed: client.sex\n"
           f"[SQL: INSERT INTO client (name, nik) VALUES (?, ?)]\n[parameters: ('{NAME}', '{NIK}')]\n"
           f"(Background on this error at: https://sqlalche.me/e/20/gkpj)")
    clean = scrub_text(raw)
    _assert_clean(clean)
    assert "INSERT INTO client (name, nik)" in clean and "NOT NULL constraint failed: client.sex" in clean


def test_logs_and_crash_reports_hold_no_personal_data(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    log_dir = home / "log"
    # 1. the command line: an import with bad rows (names, NIKs and addresses in the file)
    source = tmp_path / "klien.csv"
    with source.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["NIK", "Nama", "Jenis Kelamin", "Tanggal Lahir", "Alamat"])
        writer.writerow([NIK, NAME, "X", "31-02-1990", ADDRESS])
        writer.writerow([NIK[:-1], NAME, "P", "bukan tanggal", ADDRESS])
    assert main(["--data-dir", str(home), "client", "import", str(source)]) == 2

    # 2. a failing database operation with the NIK and name as bound parameters, logged as an unexpected error
    from atensi_desktop.app_context import open_app

    ctx = open_app(None, str(home))
    setup_logging(log_dir)
    log = logging.getLogger("atensi_desktop.test")
    try:
        with ctx.db.session() as s:
            s.execute(text("INSERT INTO client (id, name, nik, address) VALUES (:id, :name, :nik, :address)"),
                      {"id": b"x", "name": NAME, "nik": NIK, "address": ADDRESS})
    except Exception:
        log.exception("insert failed")
    try:
        {NAME: 1}[f"{NAME} {NIK_IN_TEXT}"]
    except KeyError:
        log.exception("lookup failed")
    from atensi_desktop.errors import UserError

    try:
        raise UserError(f"Klien {NAME} di {ADDRESS} sudah diarsipkan.")
    except UserError:
        log.exception("user error in a background task")
    ctx.close()

    # 3. a command that crashes with an exception carrying the values: the CLI's bug path logs it
    import atensi_desktop.cli as cli

    def crash(_args):
        raise ValueError(f"cannot parse {NAME!r} / {NIK} at '{ADDRESS}'")

    monkeypatch.setattr(cli, "cmd_nik", crash)
    assert main(["--data-dir", str(home), "nik", "6306014509900001"]) in (1, 2)

    # 4. the GUI's crash handler (the excepthook): its log entry and the report text it shows or prints
    shown: list[str] = []
    try:
        from ui.errors import BugReporter
    except ImportError:  # the engine-only run (PySide6 absent): parts 1-3 are still checked
        BugReporter = None  # noqa: N806
    if BugReporter is not None:
        setup_logging(log_dir)
        reporter = BugReporter(log_file=log_dir / "atensi.log",
                               show=lambda *_a, details, **_k: shown.append(details))
        try:
            raise RuntimeError(f"row for {NAME} ({NIK}) at {ADDRESS!r} failed")
        except RuntimeError:
            reporter(*sys.exc_info())
    captured = capsys.readouterr()
    blob = _all_log_text(log_dir) + captured.err + captured.out + "\n".join(shown)
    assert "insert failed" in blob and "lookup failed" in blob and "unexpected error in command" in blob
    assert BugReporter is None or "uncaught exception" in blob
    assert "IntegrityError" in blob or "StorageError" in blob
    _assert_clean(blob)


def test_safe_traceback_keeps_frames_and_types():
    def inner():
        raise LookupError(f"no client {NAME!r}")

    try:
        inner()
    except LookupError:
        report = format_exception_safe(*sys.exc_info())
    assert "LookupError" in report and "in inner" in report and NAME not in report
