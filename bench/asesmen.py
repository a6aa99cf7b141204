"""Asesmen storage on the cached 1,000,000-client demo database: start, save a section, read back, finish.

Target (issue 4): saving a section ≤ 50 ms with 1M clients in the database. The cached database of
`bench.registry.demo_database(size, seed)` is copied to a temporary file in the cache folder (the cached
file is never written) and opened with the app's own `open_database`. For `assessments` random live
clients an asesmen is started and `sections` sections of ~20 answers each are saved through
`services.assessments.save_section` (each save a committed unit of work, as the wizard does at every
step), then every section is saved again with one answer changed (the worker going back a step), the
asesmen is read whole and finished. Every timing is wall time of the service call, committed.

`python -m bench.asesmen [--size N] [--assessments N]`
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import print_table, write_json

SECTIONS = ("identitas", "kesehatan", "psikologis", "sosial", "spiritual", "ekonomi", "pendidikan", "masalah",
            "kebutuhan", "potensi", "risiko", "kesimpulan")  # storage alone (no form): made-up sections
FORM_ID = "asesmen_umum"  # with the form checker: the shipped general form, every section
_WORDS = ("klien", "tinggal", "bersama", "anak", "sakit", "bekerja", "di", "rumah", "sawah", "pasar", "keluarga")


def _answers(rng: random.Random, section: str) -> dict:
    """About 20 answers of the kinds a form has: choices, yes/no, numbers, dates, free text, a table."""
    answers: dict = {}
    for i in range(16):
        kind = i % 4
        key = f"{section}_{i:02d}"
        if kind == 0:
            answers[key] = rng.choice(["ya", "tidak", "tidak_tahu"])
        elif kind == 1:
            answers[key] = rng.randint(0, 100)
        elif kind == 2:
            answers[key] = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        else:
            answers[key] = " ".join(rng.choice(_WORDS) for _ in range(12))
    answers["catatan"] = "Catatan pendamping: " + "kunjungan rumah, wawancara dengan keluarga. " * 3
    answers["anggota"] = [{"nama": f"Anggota {j}", "hubungan": "anak", "tahun_lahir": 1990 + j,
                           "meninggal": False} for j in range(rng.randint(0, 5))]
    return answers


def _codes(question) -> list[str]:
    from atensi_desktop.refdata import ref_list

    return [o.code for o in question.options] or (list(ref_list(question.ref).codes()) if question.ref else [])


def _value(rng: random.Random, question):  # noqa: C901 - one branch per question type
    """A plausible answer of the question's type (rules may still flag some: they are kept, as in use)."""
    kind = question.type
    if kind in ("text", "long_text"):
        return " ".join(rng.choice(_WORDS) for _ in range(4 if kind == "text" else 30)).capitalize()
    if kind == "number":
        low = int(question.min if question.min is not None else 0)
        high = int(question.max if question.max is not None else low + 100)
        return rng.randint(low, high)
    if kind == "date":
        return f"{rng.randint(2020, 2026)}-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
    if kind == "yes_no":
        return rng.choice(["ya", "tidak"])
    if kind == "scale":
        return rng.randint(int(question.min), int(question.max))
    if kind == "single_choice":
        return rng.choice(_codes(question))
    if kind == "multi_choice":
        codes = _codes(question)
        return rng.sample(codes, min(len(codes), rng.randint(1, 3)))
    if kind == "table":
        from atensi_desktop.forms.interpret import new_row_key

        keys = [new_row_key() for _ in range(max(question.min_rows, rng.randint(1, 5)))]
        return {"rows": {k: {c.id: _value(rng, c) for c in question.columns} for k in keys}, "order": keys}
    return None


def _form_answers(rng: random.Random, section) -> dict:
    """Every question of a section of the real form answered (hidden ones too: the wizard keeps them)."""
    return {q.id: _value(rng, q) for q in section.questions}


def _raw_saves(db_file: Path, rng: random.Random, form, sections: list[str], count: int = 300) -> list[float]:
    """The baseline of a save, in the same run on the same file: plain sqlite3 writing a section's answers
    JSON into an existing assessment_section row and committing (what a save must do at the least)."""
    import json

    con = sqlite3.connect(db_file)
    try:
        ids = [r[0] for r in con.execute("SELECT id FROM assessment_section ORDER BY rowid DESC LIMIT ?", (count,))]
        times = []
        for n, rid in enumerate(ids):
            section = sections[n % len(sections)]
            answers = _form_answers(rng, form.section(section)) if form is not None else _answers(rng, section)
            t0 = time.perf_counter()
            con.execute("UPDATE assessment_section SET answers = ? WHERE id = ?", (json.dumps(answers), rid))
            con.commit()
            times.append((time.perf_counter() - t0) * 1000)
        return times
    finally:
        con.close()


def _wizard_open_ms(db_file: Path, home: Path, clients: list) -> list[float]:
    """The wizard screen itself on the same database: from constructing `AsesmenWizard` on a client's asesmen
    (a re-asesmen: these clients finished one in the run) to the first section painted at 1366x768 (offscreen Qt). The forms are loaded once before,
    as the app does at start-up."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from atensi_desktop.app_context import open_app
    from atensi_desktop.forms import shipped_forms
    from ui import tasks
    from ui.dialogs.asesmen_wizard import AsesmenWizard
    from ui.style import apply_style

    app = QApplication.instance() or QApplication([])
    apply_style(app)
    shipped_forms()
    ctx = open_app(f"sqlite:///{db_file}", home)
    times: list[float] = []
    try:
        for client_id in clients:
            t0 = time.perf_counter()
            wizard = AsesmenWizard(ctx, client_id)
            wizard.resize(1366, 768)
            wizard.show()
            app.processEvents()
            wizard.grab()
            times.append((time.perf_counter() - t0) * 1000)
            wizard.save_and_close()
            tasks.wait_for_all()
            app.processEvents()
            wizard.deleteLater()
            app.processEvents()
    finally:
        ctx.close()
    return times


def _open_form_ms(form_id: str) -> float:
    """What opening the wizard costs in the engine: read and check every form file (a fresh registry, not
    the cached one), then the visible sections and the review of an empty asesmen for an older client."""
    import datetime as dt

    from atensi_desktop.forms import load_forms
    from atensi_desktop.forms.interpret import make_context, review, visible_sections
    from atensi_desktop.resources import resource_path

    t0 = time.perf_counter()
    form = load_forms(resource_path("forms")).get(form_id)
    ctx = make_context(birth_date=dt.date(1950, 3, 4), sex="P", clusters=["lanjut_usia"])
    visible_sections(form, {}, ctx)
    review(form, {}, ctx)
    return (time.perf_counter() - t0) * 1000


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _summary(values: list[float]) -> dict:
    return {"n": len(values), "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(_pct(values, 0.95), 2), "p99_ms": round(_pct(values, 0.99), 2),
            "max_ms": round(max(values), 2), "over_50_ms": sum(1 for v in values if v > 50)}


def _random_clients(db_file: Path, count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    con = sqlite3.connect(db_file)
    try:
        top = con.execute("SELECT max(rowid) FROM client").fetchone()[0]
        found: list[bytes] = []
        while len(found) < count:
            row = con.execute("SELECT id FROM client WHERE rowid = ? AND deleted = 0 AND merged_into IS NULL",
                              (rng.randint(1, top),)).fetchone()
            if row is not None and row[0] not in found:
                found.append(row[0])
        clients = con.execute("SELECT count(*) FROM client").fetchone()[0]
    finally:
        con.close()
    print(f"{clients:,} clients in the database")
    return found


def run(size: int = 1_000_000, *, seed: int = 1, assessments: int = 100, checker=None) -> dict:
    """`checker`: a `services.assessments.SectionChecker` to save through (default: none, storage alone)."""
    import uuid

    from atensi_desktop.db.bootstrap import open_database
    from atensi_desktop.paths import resolve_paths
    from atensi_desktop.services import assessments as svc
    from bench.registry import CACHE, demo_database

    source = demo_database(size, seed)
    form = None
    if checker is not None:  # the real form: its sections and answers of its question types
        from atensi_desktop.forms import shipped_forms

        form = shipped_forms().get(FORM_ID)
    checker = checker if checker is not None else svc.NO_CHECKS
    sections = [s.id for s in form.sections] if form is not None else list(SECTIONS)
    open_ms = [_open_form_ms(FORM_ID) for _ in range(5)]
    rng = random.Random(seed)
    timings: dict[str, list[float]] = {"start": [], "save_first": [], "save_again": [], "save_same": [],
                                       "get_whole": [], "finish": []}
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="asesmen-") as tmp:
        db_file = Path(tmp) / "demo.db"
        started = time.perf_counter()
        shutil.copyfile(source, db_file)
        # Flush the copy to disk now: otherwise the first WAL checkpoint's fsync pays for writing the whole
        # freshly copied 4.6 GB file, a cost of this benchmark's copy that no office database has.
        fd = os.open(db_file, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        print(f"copied {source.name} in {time.perf_counter() - started:.0f} s")
        clients = [uuid.UUID(bytes=raw) for raw in _random_clients(db_file, assessments, seed)]
        db = open_database(f"sqlite:///{db_file}", resolve_paths(Path(tmp) / "home").ensure())
        try:
            # one warm-up asesmen (first statements compiled, page cache primed), not counted
            for n, client_id in enumerate([clients[0], *clients]):
                counted = n > 0
                t0 = time.perf_counter()
                a = svc.start_assessment(db, client_id, form_id=FORM_ID if form is not None else "atensi_umum",
                                         form_version=str(form.version) if form is not None else "1", kind="awal")
                t1 = time.perf_counter()
                saved: dict[str, dict] = {}
                for section in sections:
                    answers = _form_answers(rng, form.section(section)) if form is not None \
                        else _answers(rng, section)
                    s0 = time.perf_counter()
                    svc.save_section(db, a.id, section, answers, checker=checker)
                    if counted:
                        timings["save_first"].append((time.perf_counter() - s0) * 1000)
                    saved[section] = answers
                for section, answers in saved.items():
                    first = next(k for k, v in answers.items() if isinstance(v, str))
                    changed = dict(answers, **{first: answers[first] + " Diperbarui."})
                    s0 = time.perf_counter()
                    svc.save_section(db, a.id, section, changed, checker=checker)
                    if counted:
                        timings["save_again"].append((time.perf_counter() - s0) * 1000)
                    s0 = time.perf_counter()
                    svc.save_section(db, a.id, section, changed, checker=checker)  # "Berikutnya" without a change
                    if counted:
                        timings["save_same"].append((time.perf_counter() - s0) * 1000)
                g0 = time.perf_counter()
                whole = svc.get_assessment(db, a.id)
                g1 = time.perf_counter()
                assert len(whole.sections) == len(sections)
                try:
                    svc.finish(db, a.id)
                except svc.IncompleteAssessmentError as exc:  # a rule of the form left something unanswered
                    raise SystemExit(f"finish refused: {exc.missing[:3]}") from exc
                g2 = time.perf_counter()
                if counted:
                    timings["start"].append((t1 - t0) * 1000)
                    timings["get_whole"].append((g1 - g0) * 1000)
                    timings["finish"].append((g2 - g1) * 1000)
                else:
                    svc.archive(db, a.id)  # the warm-up asesmen leaves no trace in the client's list
        finally:
            db.dispose()
        baseline = _raw_saves(db_file, rng, form, sections)
        wizard_ms = _wizard_open_ms(db_file, Path(tmp) / "home-ui", clients[1:6]) if form is not None else []
    result = {"clients": size, "seed": seed, "assessments": assessments, "sections": len(sections),
              "form": FORM_ID if form is not None else None, "checker": type(checker).__name__,
              "target_save_ms": 50, "target_open_ms": 300, "open_form": _summary(open_ms),
              **{k: _summary(v) for k, v in timings.items()},
              "raw_update": _summary(baseline),
              **({"wizard_first_paint": _summary(wizard_ms)} if wizard_ms else {})}
    result["save_again_vs_raw"] = round(result["save_again"]["median_ms"] / result["raw_update"]["median_ms"], 2)
    rows = [(key, f"median {s['median_ms']:7.2f} ms   p95 {s['p95_ms']:7.2f} ms   p99 {s['p99_ms']:7.2f} ms   "
             f"max {s['max_ms']:7.2f} ms   >50 ms: {s['over_50_ms']}/{s['n']}")
            for key, s in result.items() if isinstance(s, dict)]
    rows.append(("save_again / raw_update", f"{result['save_again_vs_raw']:.2f}x  (raw: one sqlite3 UPDATE of "
                 "the answers JSON + COMMIT on the same file, no checks, no version)"))
    print_table(f"asesmen on {size:,} clients ({assessments} asesmen x {len(sections)} sections, "
                f"checker {type(checker).__name__}; open_form = load + check the form files, visible sections, "
                f"review: target <= 300 ms; saves: target <= 50 ms)", rows)
    write_json("asesmen", result)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.asesmen")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--assessments", type=int, default=100)
    parser.add_argument("--no-checker", action="store_true", help="storage alone, made-up sections")
    args = parser.parse_args()
    from atensi_desktop.forms.checker import FormChecker

    run(args.size, seed=args.seed, assessments=args.assessments,
        checker=None if args.no_checker else FormChecker())
