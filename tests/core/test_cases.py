"""Cases: opened at pendekatan awal, moved through the stages with an append-only history, terminated with a
reason, at most one open case per client; the case board counts per stage and worker."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from atensi_desktop.db.models import CaseStageChange, ClientCase, Version, Worker
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.services import cases as svc
from atensi_desktop.services.clients import archive_client, create_client

TODAY = dt.date(2026, 3, 31)
D = dt.date


def _worker(db, name: str):
    with db.session() as s:
        worker = Worker(name=name, worker_type="pekerja_sosial", active=True)
        s.add(worker)
        s.flush()
        return worker.id


@pytest.fixture
def people(db):
    return {
        "siti": create_client(db, {"name": "Siti Aminah", "sex": "P", "cluster": "lanjut_usia"}).id,
        "budi": create_client(db, {"name": "Budi Santoso", "sex": "L"}).id,
        "rina": _worker(db, "Rina Hartati"),
        "yusuf": _worker(db, "Yusuf Maulana"),
    }


def _open(db, people, **kw):
    args = {"approach": "keluarga", "worker_id": people["rina"], "opened_on": D(2026, 1, 5), "today": TODAY} | kw
    return svc.open_case(db, people["siti"], **args)


def test_opening_a_case_starts_at_pendekatan_awal_and_writes_the_first_history_row(db, people):
    case = _open(db, people, note="Rujukan dari desa")
    assert (case.stage, case.opened_on, case.closed_on, case.worker_id) == (
        "pendekatan_awal", D(2026, 1, 5), None, people["rina"])
    assert case.cluster == "lanjut_usia"  # the client's cluster by default
    assert case.client_name == "Siti Aminah" and case.worker_name == "Rina Hartati" and case.is_open
    assert case.display_id and case.stage_label == "Pendekatan Awal" and case.approach_label == "Berbasis Keluarga"
    [opening] = svc.stage_history(db, case.id)
    assert (opening.from_stage, opening.to_stage, opening.changed_on, opening.worker_name, opening.note) == (
        None, "pendekatan_awal", D(2026, 1, 5), "Rina Hartati", "Rujukan dari desa")
    assert svc.get_case(db, case.id) == case
    assert svc.open_case_of(db, people["siti"]) == case
    assert svc.find_by_display_id(db, case.display_id.lower()) == [case.id]


def test_a_second_open_case_for_the_same_client_is_refused(db, people):
    first = _open(db, people)
    with pytest.raises(UserError) as refused:
        _open(db, people, opened_on=D(2026, 2, 1))
    assert first.display_id in refused.value.message and "kasus terbuka" in refused.value.message
    with db.session() as s:
        assert s.query(ClientCase).count() == 1
    # another client may have a case at the same time; after terminasi a new case may be opened
    svc.open_case(db, people["budi"], today=TODAY)
    svc.terminate(db, first.id, "tujuan_tercapai", on=D(2026, 3, 1), today=TODAY)
    again = _open(db, people, opened_on=D(2026, 3, 2))
    assert again.id != first.id and again.is_open


def test_open_case_checks_its_values_and_the_client(db, people):
    with pytest.raises(ValidationError) as bad:
        svc.open_case(db, people["siti"], cluster="bukan", approach="x", opened_on=D(2026, 4, 1), today=TODAY)
    assert set(bad.value.problems) == {"cluster", "approach", "opened_on"}
    with pytest.raises(ValidationError):
        svc.open_case(db, people["siti"], worker_id=people["siti"], today=TODAY)  # not a worker
    archive_client(db, people["budi"])
    with pytest.raises(UserError, match="diarsipkan"):
        svc.open_case(db, people["budi"], today=TODAY)
    with db.session() as s:
        assert s.query(ClientCase).count() == 0 and s.query(CaseStageChange).count() == 0


def test_stages_move_forward_and_back_with_a_note_and_every_change_is_kept(db, people):
    case = _open(db, people)
    svc.change_stage(db, case.id, "asesmen", on=D(2026, 1, 10), worker_id=people["rina"], today=TODAY)
    svc.change_stage(db, case.id, "rencana_intervensi", on=D(2026, 1, 20), today=TODAY)
    with pytest.raises(ValidationError) as no_note:
        svc.change_stage(db, case.id, "asesmen", on=D(2026, 1, 25), today=TODAY)
    assert set(no_note.value.problems) == {"note"}
    back = svc.change_stage(db, case.id, "asesmen", on=D(2026, 1, 25), note="Data keluarga belum lengkap",
                            today=TODAY)
    assert back.stage == "asesmen"
    history = svc.stage_history(db, case.id)
    assert [(h.from_stage, h.to_stage) for h in history] == [
        (None, "pendekatan_awal"), ("pendekatan_awal", "asesmen"), ("asesmen", "rencana_intervensi"),
        ("rencana_intervensi", "asesmen")]
    assert history[-1].note == "Data keluarga belum lengkap"
    assert [h.changed_on for h in history] == sorted(h.changed_on for h in history)
    # the stage itself is a register: each change is a version of client_case.stage
    with db.session() as s:
        versions = s.scalars(select(Version.val).where(Version.tbl == "client_case", Version.rid == case.id,
                                                       Version.col == "stage")).all()
    assert sorted(versions) == sorted(['"pendekatan_awal"', '"asesmen"', '"rencana_intervensi"', '"asesmen"'])


def test_skipping_an_optional_stage_is_free_but_skipping_a_required_one_needs_a_note(db, people):
    case = _open(db, people)
    for stage, day in (("asesmen", 6), ("rencana_intervensi", 7), ("pelaksanaan_intervensi", 8),
                       ("monitoring_evaluasi", 9)):
        svc.change_stage(db, case.id, stage, on=D(2026, 1, day), today=TODAY)
    # resosialisasi is optional: from monitoring straight to terminasi, no note needed
    done = svc.terminate(db, case.id, "tujuan_tercapai", on=D(2026, 1, 10), today=TODAY)
    assert [h.from_stage for h in svc.stage_history(db, case.id)][-1] == "monitoring_evaluasi"
    assert done.stage == "terminasi" and svc.stage_history(db, case.id)[-1].note is None
    other = svc.open_case(db, people["budi"], opened_on=D(2026, 1, 5), today=TODAY)
    with pytest.raises(ValidationError) as skip:
        svc.change_stage(db, other.id, "pelaksanaan_intervensi", on=D(2026, 1, 6), today=TODAY)
    assert "Asesmen" in skip.value.problems["note"] and "Rencana Intervensi" in skip.value.problems["note"]
    moved = svc.change_stage(db, other.id, "pelaksanaan_intervensi", on=D(2026, 1, 6), today=TODAY,
                             note="Darurat: permakanan segera")
    assert moved.stage == "pelaksanaan_intervensi"


def test_stage_change_refusals(db, people):
    case = _open(db, people)
    with pytest.raises(ValidationError) as same:
        svc.change_stage(db, case.id, "pendekatan_awal", today=TODAY)
    assert "sudah pada tahap" in same.value.problems["to_stage"]
    with pytest.raises(ValidationError) as unknown:
        svc.change_stage(db, case.id, "selesai", today=TODAY)
    assert "to_stage" in unknown.value.problems
    with pytest.raises(ValidationError) as via_terminate:
        svc.change_stage(db, case.id, "terminasi", today=TODAY)
    assert "Terminasi" in via_terminate.value.problems["to_stage"]
    with pytest.raises(ValidationError) as follow_up:
        svc.change_stage(db, case.id, "bimbingan_lanjut", today=TODAY)
    assert "sesudah terminasi" in follow_up.value.problems["to_stage"]
    with pytest.raises(ValidationError) as future:
        svc.change_stage(db, case.id, "asesmen", on=D(2026, 4, 1), today=TODAY)
    assert "masa depan" in future.value.problems["on"]
    with pytest.raises(ValidationError) as before:
        svc.change_stage(db, case.id, "asesmen", on=D(2026, 1, 4), today=TODAY)
    assert "05-01-2026" in before.value.problems["on"]
    with pytest.raises(NotFoundError):
        svc.change_stage(db, people["siti"], "asesmen", today=TODAY)
    assert [h.to_stage for h in svc.stage_history(db, case.id)] == ["pendekatan_awal"]


def test_terminate_closes_the_case_with_its_reason_and_bimbingan_lanjut_may_follow(db, people):
    case = _open(db, people)
    svc.change_stage(db, case.id, "asesmen", on=D(2026, 1, 10), today=TODAY)
    with pytest.raises(ValidationError) as reason:
        svc.terminate(db, case.id, "bosan", on=D(2026, 2, 1), today=TODAY)
    assert "reason" in reason.value.problems
    with pytest.raises(ValidationError) as other:
        svc.terminate(db, case.id, "lainnya", on=D(2026, 2, 1), today=TODAY)
    assert "note" in other.value.problems
    done = svc.terminate(db, case.id, "pindah", on=D(2026, 2, 1), note="Pindah ke Banjarmasin",
                         worker_id=people["rina"], today=TODAY)
    assert (done.stage, done.closed_on, done.termination_reason, done.termination_note) == (
        "terminasi", D(2026, 2, 1), "pindah", "Pindah ke Banjarmasin")
    assert done.termination_reason_label == "Pindah Domisili" and not done.is_open
    with pytest.raises(UserError, match="sudah diterminasi"):
        svc.terminate(db, case.id, "pindah", on=D(2026, 2, 2), today=TODAY)
    follow = svc.change_stage(db, case.id, "bimbingan_lanjut", on=D(2026, 3, 1), today=TODAY)
    assert follow.stage == "bimbingan_lanjut" and follow.closed_on == D(2026, 2, 1)  # still closed
    assert [h.to_stage for h in svc.stage_history(db, case.id)][-2:] == ["terminasi", "bimbingan_lanjut"]
    assert svc.open_case_of(db, people["siti"]) is None


def test_moving_a_terminated_case_back_reopens_it_unless_another_case_is_open(db, people):
    case = _open(db, people)
    svc.terminate(db, case.id, "menolak_layanan", on=D(2026, 1, 20), today=TODAY)
    with pytest.raises(ValidationError) as needs_note:
        svc.change_stage(db, case.id, "pelaksanaan_intervensi", on=D(2026, 2, 1), today=TODAY)
    assert "note" in needs_note.value.problems
    reopened = svc.change_stage(db, case.id, "asesmen", on=D(2026, 2, 1), note="Klien kembali bersedia",
                                today=TODAY)
    assert reopened.is_open and reopened.termination_reason is None and reopened.stage == "asesmen"
    svc.terminate(db, case.id, "tujuan_tercapai", on=D(2026, 2, 10), today=TODAY)
    _open(db, people, opened_on=D(2026, 3, 1))
    with pytest.raises(UserError, match="kasus terbuka"):
        svc.change_stage(db, case.id, "asesmen", on=D(2026, 3, 2), note="Salah terminasi", today=TODAY)


def test_list_cases_filters_by_client_worker_and_stage(db, people):
    a = _open(db, people)
    b = svc.open_case(db, people["budi"], worker_id=people["yusuf"], opened_on=D(2026, 2, 1), today=TODAY)
    svc.change_stage(db, b.id, "asesmen", on=D(2026, 2, 2), today=TODAY)
    assert [c.id for c in svc.list_cases(db)] == [b.id, a.id]  # newest opened first
    assert [c.id for c in svc.list_cases(db, client_id=people["siti"])] == [a.id]
    assert [c.id for c in svc.list_cases(db, worker_id=people["yusuf"])] == [b.id]
    assert [c.id for c in svc.list_cases(db, stage="pendekatan_awal")] == [a.id]
    assert svc.list_cases(db, client_id=people["siti"], stage="asesmen") == []
    assert [c.id for c in svc.list_cases(db, limit=1)] == [b.id]
    svc.terminate(db, a.id, "tujuan_tercapai", on=D(2026, 3, 1), today=TODAY)
    assert [c.id for c in svc.list_cases(db, open_only=True)] == [b.id]


def test_the_case_board_counts_per_stage_and_worker(db, people):
    more = [create_client(db, {"name": f"Klien {i}"}).id for i in range(4)]
    cases = [svc.open_case(db, cid, worker_id=w, opened_on=D(2026, 1, 5), today=TODAY)
             for cid, w in zip(more, (people["rina"], people["rina"], people["yusuf"], None), strict=True)]
    svc.change_stage(db, cases[1].id, "asesmen", on=D(2026, 1, 6), today=TODAY)
    svc.terminate(db, cases[2].id, "pindah", on=D(2026, 1, 7), today=TODAY)
    board = svc.caseload_board(db)
    assert board.total == 4 and board.open_cases == 3
    assert board.by_stage["pendekatan_awal"] == 2 and board.by_stage["asesmen"] == 1
    assert board.by_stage["terminasi"] == 1 and board.by_stage["bimbingan_lanjut"] == 0
    assert list(board.by_stage)[:2] == ["pendekatan_awal", "asesmen"]  # every stage, in order
    assert board.by_worker[people["rina"]] == {"pendekatan_awal": 1, "asesmen": 1}
    assert board.by_worker[people["yusuf"]] == {"terminasi": 1}
    assert board.by_worker[None] == {"pendekatan_awal": 1}
    assert board.open_by_worker == {people["rina"]: 2, people["yusuf"]: 0, None: 1}
    assert board.worker_names[people["rina"]] == "Rina Hartati"
    mine = svc.caseload_board(db, worker_id=people["rina"])
    assert mine.total == 2 and set(mine.by_worker) == {people["rina"]}


def test_moves_back_is_the_rule_the_stage_change_and_its_form_share():
    assert svc.moves_back("pelaksanaan_intervensi", "asesmen", terminated=False)
    assert not svc.moves_back("asesmen", "pelaksanaan_intervensi", terminated=False)
    assert svc.moves_back("terminasi", "pelaksanaan_intervensi", terminated=True)  # reopening
    assert not svc.moves_back("terminasi", svc.FOLLOW_UP_STAGE, terminated=True)
