"""PDF reports: a ~20-page Laporan Kasus lengkap against a bare ReportLab document with the same tables, and the
Rekapitulasi SPM over the cached 1,000,000-client demo database.

Targets (issue 6): the 20-page case report in ≤ 1.5× the time of a bare ReportLab document with the same tables,
built in the same run; the SPM recap over 1M clients ≤ 5 s.

Case report: a new SQLite database with the scenario of tests/core/test_case_reports.py (a lansia client with an
asesmen, a plan, a referral, notes, a terminated case) and `--services` extra service entries, so the `kasus`
report runs to about 20 A4 pages. Timed: `registry.build_report` whole (data read through the services, layout,
fonts, QR, rendering; not recorded in report_issued), median of `--repeats`. Baseline: the same report's story
flattened to what a bare ReportLab document would hold — every table's cells as plain Paragraphs in a
`Table(repeatRows=1)` with a grid, every other paragraph as it is — built with `SimpleDocTemplate` and the
standard Helvetica font in the same run.

SPM recap: a copy of the cached 1M demo database (`bench.registry.demo_database`), the `spm` report for the
demo's year through `registry.build_report`; baseline: the SQL statements it ran, replayed with the plain
`sqlite3` module on the same file.

`python -m bench reports [--services N] [--repeats N] [--spm-size N | --no-spm]`
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import print_table, write_json

REPO = Path(__file__).resolve().parents[1]


def _bare_story(story: list) -> list:
    """The story as a bare document would hold it: tables of plain paragraphs, other flowables' text as is."""
    from reportlab.lib import colors
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    sheet = getSampleStyleSheet()
    cell = sheet["BodyText"].clone("cell", fontSize=8, leading=10)
    out: list = []

    def text_of(value) -> str:
        if isinstance(value, Paragraph):
            return value.getPlainText()
        if isinstance(value, (list, tuple)):
            return " ".join(text_of(v) for v in value)
        if isinstance(value, str):
            return value
        return "" if value is None else str(value)

    def walk(items) -> None:
        for f in items:
            if isinstance(f, Table):
                rows = [[Paragraph(text_of(c), cell) for c in row] for row in f._cellvalues]
                if rows:
                    t = Table(rows, repeatRows=1, colWidths=f._colWidths)
                    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                                           ("VALIGN", (0, 0), (-1, -1), "TOP")]))
                    out.append(t)
            elif isinstance(f, Paragraph):
                out.append(Paragraph(f.getPlainText(), sheet["BodyText"]))
            elif hasattr(f, "_content"):  # KeepTogether and friends
                walk(f._content)
            elif hasattr(f, "_flowables"):
                walk(f._flowables)
            else:
                out.append(Spacer(1, 6))

    walk(story)
    return out


def run_case_report(services: int, repeats: int) -> dict:
    sys.path.insert(0, str(REPO))
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from atensi_desktop.db.bootstrap import open_database
    from atensi_desktop.paths import resolve_paths
    from atensi_desktop.reports import registry
    from tests.core.test_case_reports import build_scenario, ctx_for

    registry.load_all()
    with tempfile.TemporaryDirectory() as tmp:
        paths = resolve_paths(Path(tmp) / "home").ensure()
        db = open_database(paths.default_db_url, paths)
        try:
            started = time.perf_counter()
            ids = build_scenario(db, extra_services=services)
            setup_s = time.perf_counter() - started
            ctx = ctx_for(db, "kasus", ids)
            kind = registry.get_kind("kasus")
            registry.build_report(db, ctx)  # warm-up: fonts registered, modules imported
            app_times, pages = [], 0
            for _ in range(repeats):
                t0 = time.perf_counter()
                rendered = registry.build_report(db, ctx)
                app_times.append(time.perf_counter() - t0)
                pages = rendered.pages
            render_times = []
            for _ in range(repeats):
                story, title, meta = kind.build(db, ctx)
                t0 = time.perf_counter()
                registry.render(ctx, story, title=title, meta=meta)
                render_times.append(time.perf_counter() - t0)
            bare_times, bare_pages = [], 0
            for _ in range(repeats):
                story, _title, _meta = kind.build(db, ctx)
                bare = _bare_story(story)
                buf = io.BytesIO()
                doc = SimpleDocTemplate(buf, pagesize=A4)
                t0 = time.perf_counter()
                doc.build(bare)
                bare_times.append(time.perf_counter() - t0)
                bare_pages = doc.page
        finally:
            db.dispose()
    app, bare, render_only = (statistics.median(x) for x in (app_times, bare_times, render_times))
    return {"services": services, "setup_s": setup_s, "pages": pages, "bare_pages": bare_pages,
            "app_ms": app * 1000, "render_only_ms": render_only * 1000, "bare_ms": bare * 1000,
            "ratio": app / bare, "render_ratio": render_only / bare}


def run_spm(size: int) -> dict | None:
    sys.path.insert(0, str(REPO))
    from sqlalchemy import event

    from atensi_desktop.db.bootstrap import open_database
    from atensi_desktop.paths import resolve_paths
    from atensi_desktop.reports import registry
    from atensi_desktop.reports.document import make_context
    from bench.registry import demo_database

    if "spm" not in registry.load_all():
        print("the spm report kind is not registered: SPM recap skipped")
        return None
    cached = demo_database(size, 1)
    with tempfile.TemporaryDirectory(dir=cached.parent) as tmp:
        copy = Path(tmp) / "atensi.db"
        shutil.copyfile(cached, copy)
        paths = resolve_paths(Path(tmp) / "home").ensure()
        db = open_database(f"sqlite:///{copy}", paths)
        statements: list[tuple[str, object]] = []
        try:
            with db.session() as s:
                year = s.execute(__import__("sqlalchemy").text(
                    "SELECT max(date_from) FROM service_entry")).scalar()
            year = int(str(year)[:4]) if year else dt.date.today().year
            ctx = make_context(db, "spm", year=year, today=dt.date(year, 12, 31))
            registry.build_report(db, ctx)  # warm: the page cache holds the indexes the query reads

            def record(_conn, _cursor, statement, parameters, _context, _many):
                statements.append((statement, parameters))

            event.listen(db.engine, "before_cursor_execute", record)
            t0 = time.perf_counter()
            rendered = registry.build_report(db, ctx)
            app_s = time.perf_counter() - t0
            event.remove(db.engine, "before_cursor_execute", record)
        finally:
            db.dispose()
        raw = sqlite3.connect(copy)
        t0 = time.perf_counter()
        for statement, parameters in statements:
            raw.execute(statement, parameters if isinstance(parameters, (tuple, list, dict)) else ()).fetchall()
        raw_s = time.perf_counter() - t0
        raw.close()
    return {"size": size, "year": year, "pages": rendered.pages, "app_s": app_s, "raw_sql_s": raw_s,
            "statements": len(statements), "ratio": app_s / raw_s if raw_s else None}


def run(services: int = 220, repeats: int = 5, spm_size: int | None = 1_000_000) -> None:
    case = run_case_report(services, repeats)
    rows = [
        (f"kasus report, {case['pages']} A4 pages ({case['services']} extra services), whole build",
         f"{case['app_ms']:.0f} ms"),
        ("   of which layout and rendering (story prebuilt)", f"{case['render_only_ms']:.0f} ms"),
        (f"bare ReportLab, same tables ({case['bare_pages']} pages)", f"{case['bare_ms']:.0f} ms"),
        ("ratio whole build / bare (target ≤ 1.5×)", f"{case['ratio']:.2f}×"),
        ("ratio rendering only / bare", f"{case['render_ratio']:.2f}×"),
    ]
    result = {"case_report": case}
    if spm_size:
        spm = run_spm(spm_size)
        if spm is not None:
            result["spm"] = spm
            rows += [(f"Rekapitulasi SPM {spm['year']} over {spm['size']:,} clients ({spm['pages']} pages)",
                      f"{spm['app_s']:.2f} s (target ≤ 5 s)"),
                     (f"   its {spm['statements']} SQL statements replayed with sqlite3", f"{spm['raw_sql_s']:.2f} s"),
                     ("   ratio", f"{spm['ratio']:.2f}×" if spm["ratio"] else "-")]
    print_table("PDF reports", rows)
    print(f"written: {write_json('reports', result)}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.reports")
    parser.add_argument("--services", type=int, default=220)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--spm-size", type=int, default=1_000_000)
    parser.add_argument("--no-spm", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    run(args.services, args.repeats, None if args.no_spm else args.spm_size)
