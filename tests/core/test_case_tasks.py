"""Tasks and follow-ups: checked on entry, done and reopened; the "Hari ini" list (overdue, due today,
upcoming) per worker or for the office; the bimbingan lanjut schedule, only after terminasi."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from atensi_desktop.db.models import Client, ClientCase, Worker
from atensi_desktop.db.models.casework import CaseTask
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.services import cases
from atensi_desktop.services import tasks as svc
from atensi_desktop.services.clients import archive_client, create_client
from atensi_desktop.sync.ids import uuid7

TODAY = dt.date(2026, 3, 10)


def _worker(s, name):
    worker = Worker(name=name, worker_type="pekerja_sosial", active=True)
    s.add(worker)
    s.flush()
    return worker.id


@pytest.fixture
def setup(db):
    client = create_client(db, {"name": "Siti Aminah", "sex": "P"}).id
    other = create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    with db.session() as s:
        rahma, yusuf = _worker(s, "Rahmawati"), _worker(s, "Yusuf")
        case = ClientCase(display_id="K-1", client_id=client, stage="pelaksanaan_intervensi", worker_id=rahma,
                          opened_on=dt.date(2026, 1, 5))
        other_case = ClientCase(display_id="K-2", client_id=other, stage="asesmen", worker_id=yusuf,
                                opened_on=dt.date(2026, 1, 6))
        s.add_all([case, other_case])
        s.flush()
        return {"client": client, "other": other, "rahma": rahma, "yusuf": yusuf, "case": case.id,
                "other_case": other_case.id}


def _count(db):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(CaseTask))


def test_a_task_gets_the_cases_worker_unless_one_is_named(db, setup):
    task = svc.add_task(db, setup["client"], {"title": "Antar klien ke RSJ", "due_on": "12-03-2026",
                                              "case_id": setup["case"]}, today=TODAY)
    assert (task.kind, task.kind_label, task.due_on, task.worker_name, task.done) == (
        "tugas", "Tugas", dt.date(2026, 3, 12), "Rahmawati", False)
    follow = svc.add_task(db, setup["client"], {"title": "Telepon keluarga", "due_on": TODAY, "kind": "tindak_lanjut",
                                                "case_id": setup["case"], "worker_id": setup["yusuf"]}, today=TODAY)
    assert (follow.kind_label, follow.worker_name) == ("Tindak lanjut", "Yusuf")
    assert svc.add_task(db, setup["client"], {"title": "Tanpa kasus", "due_on": TODAY}, today=TODAY).worker_id is None


def test_bad_tasks_are_refused_and_nothing_is_written(db, setup):
    with pytest.raises(ValidationError) as err:
        svc.add_task(db, setup["client"], {"title": "x", "kind": "rapat"}, today=TODAY)
    assert set(err.value.problems) == {"title", "kind", "due_on"}
    with pytest.raises(ValidationError, match="tahunnya"):
        svc.add_task(db, setup["client"], {"title": "Kunjungan", "due_on": "12-03-2062"}, today=TODAY)
    with pytest.raises(ValidationError, match="tahunnya"):
        svc.add_task(db, setup["client"], {"title": "Kunjungan", "due_on": "12-03-2024"}, today=TODAY)
    with pytest.raises(ValidationError) as err:
        svc.add_task(db, setup["client"], {"title": "Kunjungan", "due_on": TODAY, "case_id": setup["other_case"]},
                     today=TODAY)
    assert set(err.value.problems) == {"case_id"}
    with pytest.raises(ValidationError) as err:
        svc.add_task(db, setup["client"], {"title": "Kunjungan", "due_on": TODAY, "worker_id": uuid7()}, today=TODAY)
    assert set(err.value.problems) == {"worker_id"}
    archive_client(db, setup["other"])
    with pytest.raises(UserError, match="diarsipkan"):
        svc.add_task(db, setup["other"], {"title": "Kunjungan", "due_on": TODAY}, today=TODAY)
    assert _count(db) == 0


def test_done_and_reopened(db, setup):
    task = svc.add_task(db, setup["client"], {"title": "Kunjungan rumah", "due_on": TODAY, "note": "bawa formulir"},
                        today=TODAY)
    with pytest.raises(ValidationError):
        svc.complete_task(db, task.id, done_on=dt.date(2026, 3, 11), today=TODAY)
    with pytest.raises(UserError, match="belum selesai"):
        svc.reopen_task(db, task.id)
    done = svc.complete_task(db, task.id, done_on="09-03-2026", worker_id=setup["yusuf"], note="Ibu klien ditemui",
                             today=TODAY)
    assert (done.done_on, done.done_by, done.note, done.done) == (dt.date(2026, 3, 9), setup["yusuf"],
                                                                  "Ibu klien ditemui", True)
    with pytest.raises(UserError, match="09-03-2026"):
        svc.complete_task(db, task.id, today=TODAY)
    opened = svc.reopen_task(db, task.id)
    assert (opened.done_on, opened.done_by) == (None, None)
    assert svc.complete_task(db, task.id, today=TODAY).done_on == TODAY


def test_an_old_overdue_task_can_be_edited_without_moving_its_date(db, setup):
    task = svc.add_task(db, setup["client"], {"title": "Urus KTP", "due_on": dt.date(2025, 6, 1)},
                        today=dt.date(2025, 5, 1))
    edited = svc.update_task(db, task.id, {"title": "Urus KTP di Dukcapil"}, today=TODAY)
    assert (edited.title, edited.due_on) == ("Urus KTP di Dukcapil", dt.date(2025, 6, 1))
    with pytest.raises(ValidationError, match="tahunnya"):
        svc.update_task(db, task.id, {"due_on": dt.date(2024, 1, 1)}, today=TODAY)
    assert svc.update_task(db, task.id, {"due_on": "20-03-2026"}, today=TODAY).due_on == dt.date(2026, 3, 20)


def test_hari_ini_lists_overdue_today_and_upcoming_open_tasks(db, setup):
    def add(title, due, worker, client="client", case=None):
        return svc.add_task(db, setup[client], {"title": title, "due_on": due, "worker_id": setup[worker],
                                                "case_id": setup[case] if case else None}, today=TODAY).id

    late_old = add("Laporan sosial", dt.date(2026, 2, 1), "rahma", case="case")
    late = add("Kunjungan rumah", dt.date(2026, 3, 9), "rahma")
    today_r = add("Antar ke puskesmas", TODAY, "rahma", case="case")
    today_y = add("Telepon sekolah", TODAY, "yusuf", client="other", case="other_case")
    soon = add("Konferensi kasus", dt.date(2026, 3, 13), "rahma")
    later = add("Evaluasi", dt.date(2026, 3, 20), "rahma")
    done = add("Sudah", dt.date(2026, 3, 1), "rahma")
    svc.complete_task(db, done, today=TODAY)
    gone = add("Dihapus", dt.date(2026, 3, 2), "rahma")
    svc.archive_task(db, gone)

    mine = svc.tasks_due(db, setup["rahma"], TODAY)
    assert [t.id for t in mine.overdue] == [late_old, late]
    assert [t.id for t in mine.due_today] == [today_r]
    assert mine.upcoming == () and mine.total == 3
    first = mine.overdue[0]
    assert (first.client_name, first.case_display_id, first.worker_name, first.days_overdue(TODAY)) == (
        "Siti Aminah", "K-1", "Rahmawati", 37)

    week = svc.tasks_due(db, setup["rahma"], TODAY, horizon_days=7)
    assert [t.id for t in week.upcoming] == [soon]
    assert (week.overdue_count, week.due_today_count, week.upcoming_count) == (2, 1, 1)
    assert later not in {t.id for t in week.upcoming}

    office = svc.tasks_due(db, today=TODAY)
    assert {t.id for t in office.due_today} == {today_r, today_y}
    assert [t.id for t in office.overdue] == [late_old, late]

    capped = svc.tasks_due(db, today=TODAY, horizon_days=30, limit=1)
    assert [len(capped.overdue), len(capped.due_today), len(capped.upcoming)] == [1, 1, 1]
    assert (capped.overdue_count, capped.due_today_count, capped.upcoming_count) == (2, 2, 2)


def test_hari_ini_leaves_out_tasks_of_archived_clients_and_cases(db, setup):
    svc.add_task(db, setup["other"], {"title": "Kunjungan", "due_on": TODAY, "case_id": setup["other_case"]},
                 today=TODAY)
    kept = svc.add_task(db, setup["client"], {"title": "Kunjungan", "due_on": TODAY, "case_id": setup["case"]},
                        today=TODAY)
    with db.session() as s:
        s.get(Client, setup["other"]).deleted = True
    assert [t.id for t in svc.tasks_due(db, today=TODAY).due_today] == [kept.id]
    with db.session() as s:
        s.get(ClientCase, setup["case"]).deleted = True
    assert svc.tasks_due(db, today=TODAY).total == 0


@pytest.mark.parametrize(("who", "index"), [("rahma", "ix_case_task_worker_id_done_on_due_on"),
                                             (None, "ix_case_task_done_on_due_on")])
def test_hari_ini_reads_the_open_tasks_through_an_index(db, setup, who, index):
    if db.dialect != "sqlite":
        pytest.skip("the query plan is read on SQLite")
    from sqlalchemy import event

    svc.add_task(db, setup["client"], {"title": "Kunjungan", "due_on": TODAY, "worker_id": setup["rahma"]},
                 today=TODAY)
    plans: list[str] = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if "FROM case_task" in statement and not statement.startswith("EXPLAIN"):
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plans.append(" | ".join(str(r[-1]) for r in rows))

    event.listen(db.engine, "before_cursor_execute", explain)
    try:
        svc.tasks_due(db, setup[who] if who else None, TODAY)
    finally:
        event.remove(db.engine, "before_cursor_execute", explain)
    assert len(plans) == 2  # the counts, then the one group that has tasks
    assert all(f"case_task USING INDEX {index}" in p for p in plans), plans


def test_aftercare_is_scheduled_only_after_terminasi(db, setup):
    with pytest.raises(UserError, match="belum diterminasi"):
        svc.schedule_aftercare(db, setup["case"], dt.date(2026, 3, 31), 1, 3, today=TODAY)
    assert _count(db) == 0
    cases.terminate(db, setup["case"], "tujuan_tercapai", on=dt.date(2026, 3, 1), today=TODAY)
    with pytest.raises(ValidationError, match="01-03-2026"):
        svc.schedule_aftercare(db, setup["case"], dt.date(2026, 2, 28), 1, 3, today=TODAY)
    with pytest.raises(ValidationError) as err:
        svc.schedule_aftercare(db, setup["case"], dt.date(2026, 3, 31), 0, 25, today=TODAY)
    assert set(err.value.problems) == {"every_months", "count"}

    visits = svc.schedule_aftercare(db, setup["case"], dt.date(2026, 3, 31), 1, 3, today=TODAY)
    assert [v.due_on for v in visits] == [dt.date(2026, 3, 31), dt.date(2026, 4, 30), dt.date(2026, 5, 31)]
    assert {(v.kind, v.worker_name, v.case_id, v.client_id) for v in visits} == {
        ("bimbingan_lanjut", "Rahmawati", setup["case"], setup["client"])}
    assert [v.title for v in visits] == [f"Bimbingan lanjut: kunjungan {i} dari 3" for i in (1, 2, 3)]
    with pytest.raises(UserError, match="3 kunjungan"):
        svc.schedule_aftercare(db, setup["case"], dt.date(2026, 6, 30), 3, 2, today=TODAY)
    assert _count(db) == 3
    for v in visits:
        svc.complete_task(db, v.id, today=TODAY)
    quarterly = svc.schedule_aftercare(db, setup["case"], "30-06-2026", 3, 2, setup["yusuf"], today=TODAY)
    assert [(v.due_on, v.worker_name) for v in quarterly] == [(dt.date(2026, 6, 30), "Yusuf"),
                                                              (dt.date(2026, 9, 30), "Yusuf")]
    assert [t.id for t in svc.list_tasks(db, case_id=setup["case"], include_done=False)] == [v.id for v in quarterly]


def test_a_case_in_stage_terminasi_without_a_closing_date_counts_as_terminated(db, setup):
    with db.session() as s:
        s.get(ClientCase, setup["other_case"]).stage = "terminasi"
    [visit] = svc.schedule_aftercare(db, setup["other_case"], TODAY, 6, 1, today=TODAY)
    assert visit.worker_name == "Yusuf"
    with pytest.raises(NotFoundError):
        svc.schedule_aftercare(db, uuid7(), TODAY, 6, 1, today=TODAY)


def test_task_lists_show_open_tasks_by_due_date_then_done_ones(db, setup):
    def add(title, due):
        return svc.add_task(db, setup["client"], {"title": title, "due_on": due, "case_id": setup["case"]},
                            today=TODAY).id

    b, a, c = (add("Tugas B", dt.date(2026, 3, 15)), add("Tugas A", dt.date(2026, 3, 12)),
               add("Tugas C", dt.date(2026, 3, 1)))
    svc.complete_task(db, c, done_on=dt.date(2026, 3, 2), today=TODAY)
    svc.complete_task(db, b, done_on=dt.date(2026, 3, 5), today=TODAY)
    assert [t.id for t in svc.list_tasks(db, client_id=setup["client"])] == [a, b, c]
    assert [t.id for t in svc.list_tasks(db, case_id=setup["case"], include_done=False)] == [a]
