"""Asesmen storage and services: one register per section, concurrent workers, flagged answers kept,
finish refused while required answers are missing, re-asesmen links, archive keeps history."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.models import Assessment, AssessmentSection, ClientCase, Version, Worker
from atensi_desktop.db.models.assessment import section_row_id
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.services import assessments as svc
from atensi_desktop.services.clients import create_client

FORM = "atensi_umum"


class RuleChecker:
    """A small stand-in for the forms interpreter: `umur` must be a number 0-120; `nama` (identitas) and
    `kebutuhan` (kebutuhan) are required; the score `jumlah` counts the answers of a section."""

    REQUIRED = {"identitas": ("nama",), "kebutuhan": ("kebutuhan",)}

    def __init__(self) -> None:
        self.contexts: list[Mapping[str, Any]] = []

    def check_section(self, form_id, form_version, section_id, answers, context):
        self.contexts.append(context)
        problems = []
        umur = answers.get("umur")
        if umur is not None and not (isinstance(umur, int) and 0 <= umur <= 120):
            problems.append({"question": "umur", "message": "Umur harus angka 0 sampai 120."})
        missing = tuple(q for q in self.REQUIRED.get(section_id, ()) if not answers.get(q))
        return svc.SectionCheck(problems=tuple(problems), missing_required=missing,
                                scores={"jumlah": len(answers)})

    def review(self, form_id, form_version, sections, context):
        return [svc.MissingAnswer(sid, q, q.title()) for sid, qs in self.REQUIRED.items()
                for q in qs if not (sections.get(sid) or {}).get(q)]


def _versions(db, rid=None, *, since_seq=0):
    with db.session() as s:
        q = select(Version).where(Version.seq > since_seq)
        if rid is not None:
            q = q.where(Version.rid == rid)
        return list(s.scalars(q.order_by(Version.seq)))


def _last_seq(db) -> int:
    rows = _versions(db)
    return rows[-1].seq if rows else 0


def _worker(db, name: str):
    with db.session() as s:
        worker = Worker(name=name, worker_type="pekerja_sosial", active=True)
        s.add(worker)
        s.flush()
        return worker.id


@pytest.fixture
def client_id(db):
    return create_client(db, {"name": "Siti Aminah", "sex": "P", "birth_date": dt.date(1950, 5, 1)}).id


def test_saving_a_section_writes_one_version_of_its_answers(db, client_id):
    worker = _worker(db, "Rahmawati")
    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1", worker_id=worker)
    assert (a.kind, a.status, a.previous_assessment_id) == ("awal", "draf", None)
    svc.save_section(db, a.id, "kesehatan", {"kondisi": "sehat"}, worker_id=worker)
    rid = section_row_id(a.id, "kesehatan")
    first = _versions(db, rid)
    assert {v.col for v in first} >= {"assessment_id", "section_id", "answers", "filled_by_worker_id"}
    # derived check results are not registers
    assert not {v.col for v in first} & {"check_result", "problems_count", "completed"}

    before = _last_seq(db)
    saved = svc.save_section(db, a.id, "kesehatan", {"kondisi": "sakit", "obat": ["paracetamol"]},
                             worker_id=worker)
    new = _versions(db, since_seq=before)
    assert [(v.tbl, v.rid, v.col) for v in new] == [("assessment_section", rid, "answers")]
    assert json.loads(new[0].val) == {"kondisi": "sakit", "obat": ["paracetamol"]}
    assert json.loads(new[0].parents) == [[first[0].hlc, first[0].site]]
    assert saved.answers == {"kondisi": "sakit", "obat": ["paracetamol"]}

    before = _last_seq(db)  # the same answers again (the wizard saves at every step): nothing new
    svc.save_section(db, a.id, "kesehatan", {"obat": ["paracetamol"], "kondisi": "sakit"}, worker_id=worker)
    assert _versions(db, since_seq=before) == []
    with db.session() as s:  # still one row for the section
        assert len(list(s.scalars(select(AssessmentSection).where(AssessmentSection.assessment_id == a.id)))) == 1


def test_a_save_is_committed_at_once_and_read_back_by_another_connection(db, paths, client_id):
    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1")
    svc.save_section(db, a.id, "identitas", {"nama": "Siti Aminah", "tanggal": dt.date(2026, 3, 5)})
    other = open_database(db.url.render_as_string(hide_password=False), paths)
    try:
        got = svc.get_assessment(other, a.id)
    finally:
        other.dispose()
    assert got.sections["identitas"].answers == {"nama": "Siti Aminah", "tanggal": "2026-03-05"}
    assert got.status == "draf"


def test_two_workers_saving_different_sections_at_once_are_both_kept(db, client_id):
    ana, budi = _worker(db, "Ana"), _worker(db, "Budi")
    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1")
    before = _last_seq(db)
    both_read = threading.Barrier(2, timeout=20)

    class WaitingChecker(svc.NoChecks):
        """Both saves have read the asesmen before either writes (the checker runs between the two)."""

        def check_section(self, *args):
            both_read.wait()
            return super().check_section(*args)

    errors: list[BaseException] = []

    def save(section: str, answers: dict, worker) -> None:
        try:
            svc.save_section(db, a.id, section, answers, worker_id=worker, checker=WaitingChecker())
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=save, args=("psikologis", {"emosi": "cemas"}, ana)),
               threading.Thread(target=save, args=("ekonomi", {"penghasilan": 500000}, budi))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    got = svc.get_assessment(db, a.id)
    assert got.sections["psikologis"].answers == {"emosi": "cemas"}
    assert got.sections["ekonomi"].answers == {"penghasilan": 500000}
    assert (got.sections["psikologis"].filled_by_name, got.sections["ekonomi"].filled_by_name) == ("Ana", "Budi")
    # the save's own answer names the worker too (the wizard shows it at once)
    again = svc.save_section(db, a.id, "psikologis", {"emosi": "tenang"}, worker_id=budi)
    assert (again.filled_by_name, again.filled_by_worker_id) == ("Budi", budi) and again.saved_at is not None
    # the two saves wrote disjoint registers, and none on the asesmen row itself
    new = _versions(db, since_seq=before)
    by_row = {}
    for v in new:
        by_row.setdefault(v.rid, set()).add(v.col)
    assert set(by_row) == {section_row_id(a.id, "psikologis"), section_row_id(a.id, "ekonomi")}
    assert a.id not in by_row


def test_the_same_section_started_by_two_sessions_lands_on_one_row(db, client_id):
    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1")
    gate = threading.Barrier(2, timeout=20)

    calls: list[str] = []

    class WaitingChecker(svc.NoChecks):
        """Both first attempts read "no row yet" before either inserts; the retry of the loser goes on."""

        def __init__(self) -> None:
            self.waited = False

        def check_section(self, *args):
            calls.append(args[2])
            if not self.waited:
                self.waited = True
                gate.wait()
            return super().check_section(*args)

    errors: list[BaseException] = []

    def save(value: str) -> None:
        try:
            svc.save_section(db, a.id, "spiritual", {"agama": value}, checker=WaitingChecker())
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=save, args=(v,)) for v in ("islam", "kristen")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with db.session() as s:
        rows = list(s.scalars(select(AssessmentSection).where(AssessmentSection.assessment_id == a.id)))
    assert len(rows) == 1 and rows[0].answers["agama"] in ("islam", "kristen")
    answers = [json.loads(v.val) for v in _versions(db, rows[0].id) if v.col == "answers"]
    assert sorted(x["agama"] for x in answers) == ["islam", "kristen"]  # both kept in the history
    # 3 when the second insert collided and was retried over the first row; 2 when the scheduler let the second
    # session read after the first committed (an update). The retry itself is forced in the next test.
    assert len(calls) in (2, 3)


def test_a_section_row_made_by_another_session_meanwhile_is_saved_over(db, client_id, monkeypatch):
    """Deterministic: between our read ("no row yet") and our insert, another session inserts the row."""
    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1")
    real = svc._save_section
    attempts: list[int] = []

    def racing(*args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            real(*args[:2], "spiritual", {"agama": "islam"}, *args[4:], **kwargs)  # the other session wins
            raise IntegrityError("INSERT INTO assessment_section", {}, Exception("UNIQUE constraint failed"))
        return real(*args, **kwargs)

    monkeypatch.setattr(svc, "_save_section", racing)
    saved = svc.save_section(db, a.id, "spiritual", {"agama": "kristen"})
    assert len(attempts) == 2 and saved.answers == {"agama": "kristen"}
    with db.session() as s:
        rows = list(s.scalars(select(AssessmentSection).where(AssessmentSection.assessment_id == a.id)))
    assert len(rows) == 1 and rows[0].answers == {"agama": "kristen"}
    answers = [json.loads(v.val) for v in _versions(db, rows[0].id) if v.col == "answers"]
    assert [x["agama"] for x in answers] == ["islam", "kristen"]


def test_answers_that_break_a_rule_are_kept_and_flagged(db, client_id):
    checker = RuleChecker()
    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1", started_on=dt.date(2026, 5, 2))
    saved = svc.save_section(db, a.id, "identitas", {"nama": "Siti", "umur": 400}, checker=checker)
    assert saved.answers == {"nama": "Siti", "umur": 400}
    assert saved.problems == ({"question": "umur", "message": "Umur harus angka 0 sampai 120."},)
    assert saved.completed and saved.scores == {"jumlah": 2}
    got = svc.get_assessment(db, a.id).sections["identitas"]
    assert got.answers["umur"] == 400 and len(got.problems) == 1
    assert [s.problems for s in svc.list_assessments(db, client_id)] == [1]
    # the checker saw the client's facts (age on the asesmen date)
    assert checker.contexts[-1]["age"] == 76 and checker.contexts[-1]["sex"] == "P"
    # fixing the answer clears the flag
    fixed = svc.save_section(db, a.id, "identitas", {"nama": "Siti", "umur": 76}, checker=checker)
    assert fixed.problems == () and svc.list_assessments(db, client_id)[0].problems == 0
    # a section with a required answer left empty is saved but not complete
    part = svc.save_section(db, a.id, "kebutuhan", {"catatan": "nanti"}, checker=checker)
    assert not part.completed and part.missing_required == ("kebutuhan",)


def test_a_failing_checker_never_loses_the_answers(db, client_id):
    class Broken(svc.NoChecks):
        def check_section(self, *args):
            raise ZeroDivisionError("bad form")

    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1")
    saved = svc.save_section(db, a.id, "identitas", {"nama": "Siti"}, checker=Broken())
    assert saved.answers == {"nama": "Siti"} and len(saved.problems) == 1
    assert svc.get_assessment(db, a.id).sections["identitas"].answers == {"nama": "Siti"}


def test_answers_json_cannot_hold_are_refused_before_anything_is_written(db, client_id):
    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1")
    before = _last_seq(db)
    with pytest.raises(TypeError):
        svc.save_section(db, a.id, "identitas", {"foto": object()})
    with pytest.raises(ValidationError):
        svc.save_section(db, a.id, "", {"nama": "x"})
    assert _versions(db, since_seq=before) == []


def test_finish_is_refused_while_required_answers_are_missing(db, client_id):
    checker = RuleChecker()
    worker = _worker(db, "Rahmawati")
    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1")
    svc.save_section(db, a.id, "identitas", {"umur": 70}, checker=checker)
    with pytest.raises(svc.IncompleteAssessmentError) as refused:
        svc.finish(db, a.id, worker_id=worker, checker=checker)
    assert [(m.section_id, m.question_id) for m in refused.value.missing] == [
        ("identitas", "nama"), ("kebutuhan", "kebutuhan")]
    assert "2 jawaban wajib" in refused.value.message
    assert svc.get_assessment(db, a.id).status == "draf"
    assert svc.review(db, a.id, checker=checker) == refused.value.missing

    svc.save_section(db, a.id, "identitas", {"nama": "Siti", "umur": 70}, checker=checker)
    svc.save_section(db, a.id, "kebutuhan", {"kebutuhan": ["permakanan"]}, checker=checker)
    done = svc.finish(db, a.id, worker_id=worker, checker=checker, finished_on=dt.date(2026, 6, 1))
    assert (done.status, done.finished_on, done.finished_by) == ("selesai", dt.date(2026, 6, 1), worker)

    # finished = read-only
    with pytest.raises(UserError, match="sudah selesai"):
        svc.save_section(db, a.id, "identitas", {"nama": "Lain"})
    assert svc.get_assessment(db, a.id).sections["identitas"].answers["nama"] == "Siti"

    # reopening needs a reason and is recorded
    with pytest.raises(ValidationError):
        svc.reopen(db, a.id, reason=" ", worker_id=worker)
    again = svc.reopen(db, a.id, reason="Umur salah tulis", worker_id=worker, reopened_on=dt.date(2026, 6, 3))
    assert (again.status, again.reopened_by, again.reopen_reason, again.reopened_on) == (
        "draf", worker, "Umur salah tulis", dt.date(2026, 6, 3))
    statuses = [json.loads(v.val) for v in _versions(db, a.id) if v.col == "status"]
    assert statuses == ["draf", "selesai", "draf"]
    svc.save_section(db, a.id, "identitas", {"nama": "Siti", "umur": 71}, checker=checker)


def test_a_re_assessment_links_the_previous_finished_one(db, client_id):
    first = svc.start_assessment(db, client_id, form_id=FORM, form_version="1", started_on=dt.date(2026, 1, 5))
    svc.save_section(db, first.id, "identitas", {"nama": "Siti", "umur": 75})
    with pytest.raises(ValidationError):  # nothing finished yet: a lanjutan has nothing to follow
        svc.start_assessment(db, client_id, form_id="cluster_lansia", form_version="1", kind="lanjutan")
    with pytest.raises(svc.DraftExistsError) as busy:
        svc.start_assessment(db, client_id, form_id=FORM, form_version="1")
    assert busy.value.assessment_id == first.id
    svc.finish(db, first.id, finished_on=dt.date(2026, 1, 20))
    assert svc.previous_for(db, client_id).id == first.id

    second = svc.start_assessment(db, client_id, form_id=FORM, form_version="2", started_on=dt.date(2026, 7, 1))
    assert (second.kind, second.previous_assessment_id, second.form_version) == ("lanjutan", first.id, "2")
    svc.save_section(db, second.id, "identitas", {"nama": "Siti", "umur": 76})
    before, now = svc.comparison_pair(db, second.id)
    assert before.id == first.id and before.sections["identitas"].answers["umur"] == 75
    assert now.sections["identitas"].answers["umur"] == 76
    assert [x.id for x in svc.list_assessments(db, client_id)] == [second.id, first.id]
    assert svc.list_assessments(db, client_id)[0].kind_label.startswith("Asesmen lanjutan")


def test_start_checks_the_client_and_the_case(db, client_id):
    other = create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    with db.session() as s:
        case = ClientCase(display_id="K-1", client_id=other, stage="asesmen", opened_on=dt.date(2026, 1, 1))
        s.add(case)
        s.flush()
        case_id = case.id
    with pytest.raises(ValidationError) as wrong:
        svc.start_assessment(db, client_id, form_id=FORM, form_version="1", case_id=case_id)
    assert "case_id" in wrong.value.problems
    ok = svc.start_assessment(db, other, form_id=FORM, form_version="1", case_id=case_id)
    assert ok.case_id == case_id
    with pytest.raises(ValidationError):
        svc.start_assessment(db, client_id, form_id="", form_version="1")
    with pytest.raises(NotFoundError):
        svc.start_assessment(db, other.__class__(int=1), form_id=FORM, form_version="1")


def test_archiving_hides_an_assessment_and_keeps_its_history(db, client_id):
    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1")
    svc.save_section(db, a.id, "identitas", {"nama": "Siti"})
    svc.finish(db, a.id)
    svc.archive(db, a.id)
    assert svc.list_assessments(db, client_id) == []
    assert svc.previous_for(db, client_id) is None  # an archived asesmen is no basis for a re-asesmen
    kept = svc.get_assessment(db, a.id)
    assert kept.archived and kept.sections["identitas"].answers == {"nama": "Siti"}
    assert [x.archived for x in svc.list_assessments(db, client_id, include_archived=True)] == [True]
    assert [json.loads(v.val) for v in _versions(db, a.id) if v.col == "deleted"] == [True]
    with pytest.raises(NotFoundError):
        svc.save_section(db, a.id, "identitas", {"nama": "x"})
    # a new asesmen after archiving starts as awal again
    fresh = svc.start_assessment(db, client_id, form_id=FORM, form_version="1")
    assert fresh.kind == "awal"
    svc.restore(db, a.id)
    assert {x.id for x in svc.list_assessments(db, client_id)} == {a.id, fresh.id}
    with db.session() as s:
        assert s.get(Assessment, a.id).deleted is False


def test_cli_lists_a_clients_assessments(db, client_id, capsys):
    from atensi_desktop.cli import main

    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1", started_on=dt.date(2026, 3, 5))
    svc.save_section(db, a.id, "identitas", {"nama": "Siti", "umur": 400}, checker=RuleChecker())
    url = db.url.render_as_string(hide_password=False)
    capsys.readouterr()
    assert main(["--db", url, "asesmen", "list", str(client_id), "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["id"], row["kind"], row["status"], row["sections_saved"], row["problems"], row["started_on"]) == (
        str(a.id), "awal", "draf", 1, 1, "2026-03-05")
    assert main(["--db", url, "asesmen", "list", str(client_id)]) == 0
    line = capsys.readouterr().out.strip().split("\t")
    assert line[:3] == [str(a.id), "Asesmen awal", "Draf"] and line[4] == "05-03-2026"
    other = create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    assert main(["--db", url, "asesmen", "list", str(other)]) == 0
    assert capsys.readouterr().out.strip() == "Klien ini belum punya asesmen."
    assert main(["--db", url, "asesmen", "list", "TIDAK-ADA"]) == 2


def test_checker_results_of_other_shapes_are_stored_as_plain_json(db, client_id):
    """The forms engine may return its own dataclasses and named tuples: they are stored as JSON."""
    from dataclasses import dataclass as dataclass_
    from typing import NamedTuple

    @dataclass_(frozen=True)
    class Problem:
        question_id: str
        message: str
        when: dt.date

    class Missing(NamedTuple):
        section_id: str
        question_id: str
        label: str

    @dataclass_(frozen=True)
    class Check:
        problems: tuple
        missing_required: tuple
        scores: dict

    class Shaped:
        def check_section(self, form_id, form_version, section_id, answers, context):
            return Check((Problem("tgl", "Tanggal di masa depan.", dt.date(2030, 1, 1)), "teks saja"), ("nama",),
                         {"barthel": 85})

        def review(self, form_id, form_version, sections, context):
            return [Missing("identitas", "nama", "Nama"), {"section_id": "adl", "question_id": "makan"}]

    a = svc.start_assessment(db, client_id, form_id=FORM, form_version="1")
    saved = svc.save_section(db, a.id, "identitas", {"tgl": "2030-01-01"}, checker=Shaped())
    assert saved.problems == ({"question_id": "tgl", "message": "Tanggal di masa depan.", "when": "2030-01-01"},
                              {"message": "teks saja"})
    assert saved.scores == {"barthel": 85} and saved.missing_required == ("nama",) and not saved.completed
    assert svc.review(db, a.id, checker=Shaped()) == (svc.MissingAnswer("identitas", "nama", "Nama"),
                                                      svc.MissingAnswer("adl", "makan", ""))


def test_reopening_is_refused_while_the_client_has_another_draft_of_the_form(db):
    client = create_client(db, {"name": "Sarinah", "sex": "P"}).id
    first = svc.start_assessment(db, client, form_id="x", form_version="1", started_on=dt.date(2026, 1, 5))
    svc.save_section(db, first.id, "s", {"q": 1})
    svc.finish(db, first.id)
    draft = svc.start_assessment(db, client, form_id="x", form_version="1", started_on=dt.date(2026, 3, 1))
    with pytest.raises(svc.DraftExistsError) as refused:
        svc.reopen(db, first.id, reason="Tanggal lahir salah tulis")
    assert refused.value.assessment_id == draft.id
    assert "01-03-2026" in str(refused.value)
    assert svc.get_assessment(db, first.id).finished  # left as it was
    svc.archive(db, draft.id)
    assert svc.reopen(db, first.id, reason="Tanggal lahir salah tulis").status == svc.STATUS_DRAFT
