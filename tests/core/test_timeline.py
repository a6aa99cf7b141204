"""The case timeline: every kind of event of a case (or a client) in one list, newest first, with titles,
worker names and the record to open; filtered by kind, cut by limit; a fixed number of queries however
many events there are."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from atensi_desktop.db.models import (
    CaseStageChange,
    Client,
    ClientCase,
    InterventionPlan,
    ServiceEntry,
    Worker,
)
from atensi_desktop.db.models.casework import CaseNote, CaseTask, Referral, ReferralEvent
from atensi_desktop.errors import NotFoundError
from atensi_desktop.services import assessments, casenotes, referrals, tasks
from atensi_desktop.services import timeline as svc
from atensi_desktop.services.clients import create_client
from atensi_desktop.sync.versioning import bulk_insert

TODAY = dt.date(2026, 3, 10)


def _worker(s, name):
    worker = Worker(name=name, worker_type="pekerja_sosial", active=True)
    s.add(worker)
    s.flush()
    return worker.id


@pytest.fixture
def story(db):
    """A case with one event of every kind on distinct days, plus records outside the case."""
    client = create_client(db, {"name": "Siti Aminah", "sex": "P"}).id
    with db.session() as s:
        rahma, yusuf = _worker(s, "Rahmawati"), _worker(s, "Yusuf")
        case = ClientCase(display_id="K-1", client_id=client, stage="pelaksanaan_intervensi", worker_id=rahma,
                          opened_on=dt.date(2026, 1, 2))
        s.add(case)
        s.flush()
        s.add_all([
            CaseStageChange(case_id=case.id, from_stage=None, to_stage="pendekatan_awal",
                            changed_on=dt.date(2026, 1, 2), worker_id=rahma),
            CaseStageChange(case_id=case.id, from_stage="pendekatan_awal", to_stage="asesmen",
                            changed_on=dt.date(2026, 1, 5), worker_id=rahma, note="Keluarga setuju"),
        ])
        original = ServiceEntry(client_id=client, case_id=case.id, service_kind="atensi",
                                service_code="kebutuhan_hidup_layak", subitem_code="permakanan",
                                date_from=dt.date(2026, 2, 2), date_until=dt.date(2026, 2, 4), quantity=3, unit="hari",
                                value_rp=150000, provider_worker_id=yusuf)
        s.add(original)
        s.flush()
        s.add(ServiceEntry(client_id=client, case_id=case.id, entry_type="koreksi", service_kind="atensi",
                           service_code="kebutuhan_hidup_layak", subitem_code="permakanan",
                           date_from=dt.date(2026, 2, 3), date_until=dt.date(2026, 2, 4), quantity=2, unit="hari",
                           value_rp=100000, provider_worker_id=yusuf, amends_id=original.id,
                           reason="Salah tanggal mulai"))
        plan = InterventionPlan(client_id=client, case_id=case.id, status="disetujui",
                                approved_on=dt.date(2026, 1, 20), approved_by=rahma)
        draft = InterventionPlan(client_id=client, case_id=case.id, status="draf")
        s.add_all([plan, draft])
        s.flush()
        ids = {"client": client, "case": case.id, "rahma": rahma, "yusuf": yusuf, "original": original.id,
               "plan": plan.id}
    a = assessments.start_assessment(db, client, form_id="atensi_umum", form_version="1", case_id=ids["case"],
                                     worker_id=rahma, started_on=dt.date(2026, 1, 6))
    assessments.finish(db, a.id, worker_id=yusuf, finished_on=dt.date(2026, 1, 12))
    ref = referrals.create_referral(db, client, {"case_id": ids["case"], "direction": "keluar",
                                                 "counterpart_kind": "rumah_sakit",
                                                 "counterpart_name": "RSJ Sambang Lihum",
                                                 "reason": "Pemeriksaan kejiwaan", "sent_on": dt.date(2026, 2, 10),
                                                 "worker_id": rahma}, today=TODAY)
    referrals.change_status(db, ref.id, "diterima", on=dt.date(2026, 2, 12), worker_id=yusuf, today=TODAY)
    note = casenotes.add_note(db, client, "Kunjungan rumah: klien tinggal dengan nenek.", case_id=ids["case"],
                              written_on=dt.date(2026, 1, 3), worker_id=rahma, today=TODAY)
    casenotes.update_note(db, note.id, {"text": "Kunjungan rumah: klien tinggal dengan nenek dan paman."},
                          today=TODAY)
    conf = casenotes.add_conference(db, client, text="Pembahasan rujukan", participants="Peksos, psikolog",
                                    decisions="Rujuk ke RSJ", case_id=ids["case"], written_on=dt.date(2026, 2, 8),
                                    worker_id=yusuf, today=TODAY)
    task = tasks.add_task(db, client, {"title": "Antar ke RSJ", "due_on": dt.date(2026, 2, 10),
                                       "case_id": ids["case"]}, today=dt.date(2026, 2, 1))
    tasks.complete_task(db, task.id, done_on=dt.date(2026, 2, 11), worker_id=yusuf, today=TODAY)
    loose = casenotes.add_note(db, client, "Catatan tanpa kasus", written_on=dt.date(2026, 3, 1), today=TODAY)
    ids.update(assessment=a.id, referral=ref.id, note=note.id, conference=conf.id, task=task.id, loose=loose.id)
    return ids


def test_a_case_timeline_has_every_kind_of_event_newest_first(db, story):
    events = svc.case_timeline(db, case_id=story["case"])
    task_made = next(e for e in events if e.title == "Tugas dibuat: Antar ke RSJ")
    dated = [e for e in events if e is not task_made]  # a task's making is dated by when it was written down
    assert [(e.when, e.kind, e.title, e.worker_name) for e in dated] == [
        (dt.date(2026, 2, 12), "rujukan", "Rujukan ke RSJ Sambang Lihum diterima", "Yusuf"),
        (dt.date(2026, 2, 11), "tugas", "Tugas selesai: Antar ke RSJ", "Yusuf"),
        (dt.date(2026, 2, 10), "rujukan", "Rujukan dikirim ke RSJ Sambang Lihum", "Rahmawati"),
        (dt.date(2026, 2, 8), "konferensi_kasus", "Konferensi kasus", "Yusuf"),
        (dt.date(2026, 2, 3), "layanan", "Koreksi layanan: Dukungan Pemenuhan Kebutuhan Hidup Layak: Permakanan",
         "Yusuf"),
        (dt.date(2026, 2, 2), "layanan", "Layanan: Dukungan Pemenuhan Kebutuhan Hidup Layak: Permakanan", "Yusuf"),
        (dt.date(2026, 1, 20), "rencana_intervensi", "Rencana intervensi disetujui", "Rahmawati"),
        (dt.date(2026, 1, 12), "asesmen", "Asesmen awal selesai", "Yusuf"),
        (dt.date(2026, 1, 6), "asesmen", "Asesmen awal dimulai", "Rahmawati"),
        (dt.date(2026, 1, 5), "tahap", "Tahap kasus: Pendekatan Awal \u2192 Asesmen", "Rahmawati"),
        (dt.date(2026, 1, 3), "catatan", "Catatan kasus", "Rahmawati"),
        (dt.date(2026, 1, 2), "tahap", "Kasus dibuka: Pendekatan Awal", "Rahmawati"),
    ]
    assert task_made.when == task_made.at.astimezone().date() and task_made.detail == "Jatuh tempo 10-02-2026"
    assert task_made.worker_name == "Rahmawati"  # the case's worker was made responsible
    by_title = {e.title: e for e in dated}
    original = by_title["Layanan: Dukungan Pemenuhan Kebutuhan Hidup Layak: Permakanan"]
    assert (original.mark, original.mark_label, original.ref_table, original.ref_id) == (
        "dikoreksi", "dikoreksi", "service_entry", story["original"])
    assert original.detail == "02-02-2026 s.d. 04-02-2026 \u00b7 3 hari \u00b7 Rp150.000"
    assert "alasan: Salah tanggal mulai" in by_title[
        "Koreksi layanan: Dukungan Pemenuhan Kebutuhan Hidup Layak: Permakanan"].detail
    note = by_title["Catatan kasus"]
    assert (note.mark, note.detail, note.ref_table, note.ref_id) == (
        "diubah", "Kunjungan rumah: klien tinggal dengan nenek dan paman.", "case_note", story["note"])
    assert by_title["Konferensi kasus"].detail == "Keputusan: Rujuk ke RSJ"
    assert by_title["Rujukan dikirim ke RSJ Sambang Lihum"].detail == "Pemeriksaan kejiwaan"
    assert {(e.ref_table, e.ref_id) for e in events if e.kind == "rujukan"} == {("referral", story["referral"])}
    assert by_title["Rencana intervensi disetujui"].ref_id == story["plan"]
    assert by_title["Tahap kasus: Pendekatan Awal \u2192 Asesmen"].detail == "Keluarga setuju"
    assert {e.case_id for e in events} == {story["case"]} and {e.client_id for e in events} == {story["client"]}
    assert all(e.kind_label for e in events)


def test_kinds_filter_and_limit(db, story):
    full = svc.case_timeline(db, case_id=story["case"])
    only = svc.case_timeline(db, case_id=story["case"], kinds={"rujukan", "catatan"})
    assert [e.title for e in only] == [e.title for e in full if e.kind in ("rujukan", "catatan")]
    assert [e.kind for e in svc.case_timeline(db, case_id=story["case"], kinds=["konferensi_kasus"])] == [
        "konferensi_kasus"]
    for n in (1, 3, 7, 20):
        assert svc.case_timeline(db, case_id=story["case"], limit=n) == full[:n]
    with pytest.raises(ValueError, match="unknown timeline kinds"):
        svc.case_timeline(db, case_id=story["case"], kinds={"layanan", "gosip"})
    with pytest.raises(ValueError):
        svc.case_timeline(db)
    with pytest.raises(NotFoundError):
        svc.case_timeline(db, case_id=story["client"])
    with pytest.raises(NotFoundError):
        svc.case_timeline(db, client_id=story["case"])
    assert [k for k, _label in svc.kinds()] == list(svc.KINDS)


def test_a_limit_keeps_a_recent_second_event_of_an_old_record(db, story):
    old = assessments.start_assessment(db, story["client"], form_id="atensi_umum", form_version="1",
                                       case_id=story["case"], kind="lanjutan", started_on=dt.date(2025, 6, 1))
    assessments.finish(db, old.id, finished_on=dt.date(2026, 3, 5))
    full = svc.case_timeline(db, case_id=story["case"], kinds={"asesmen"})
    assert [(e.when, e.title) for e in full] == [
        (dt.date(2026, 3, 5), "Asesmen lanjutan (re-asesmen) selesai"),
        (dt.date(2026, 1, 12), "Asesmen awal selesai"),
        (dt.date(2026, 1, 6), "Asesmen awal dimulai"),
        (dt.date(2025, 6, 1), "Asesmen lanjutan (re-asesmen) dimulai"),
    ]
    for n in (1, 2, 3):
        assert svc.case_timeline(db, case_id=story["case"], kinds={"asesmen"}, limit=n) == full[:n]


def test_a_client_timeline_adds_records_outside_the_case_and_of_merged_clients(db, story):
    in_case = svc.case_timeline(db, case_id=story["case"])
    client_events = svc.case_timeline(db, client_id=story["client"])
    assert len(client_events) == len(in_case) + 1
    dated = set(svc.KINDS) - {"tugas"}  # a task's making is dated by the computer's clock
    latest = svc.case_timeline(db, client_id=story["client"], kinds=dated)[0]
    assert latest.ref_id == story["loose"] and latest.case_id is None

    twin = create_client(db, {"name": "Siti Aminah", "sex": "P"}).id
    twin_note = casenotes.add_note(db, twin, "Dicatat sebelum digabung", written_on=dt.date(2026, 3, 2), today=TODAY)
    with db.session() as s:
        s.get(Client, twin).merged_into = story["client"]
    merged = svc.case_timeline(db, client_id=story["client"], kinds=dated)
    assert merged[0].ref_id == twin_note.id and merged[0].client_id == twin
    assert len(svc.case_timeline(db, client_id=story["client"])) == len(client_events) + 1
    assert svc.case_timeline(db, case_id=story["case"]) == in_case


def test_archived_records_and_other_cases_stay_out(db, story):
    before = svc.case_timeline(db, case_id=story["case"])
    other = create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    casenotes.add_note(db, other, "Klien lain", today=TODAY)
    casenotes.archive_note(db, story["conference"])
    referrals.archive_referral(db, story["referral"])
    tasks.archive_task(db, story["task"])
    after = svc.case_timeline(db, case_id=story["case"])
    gone = {story["conference"], story["referral"], story["task"]}
    assert [e for e in before if e.ref_id not in gone] == after
    assert len(before) - len(after) == 5  # a conference, two referral statuses, a task made and done


def _count_statements(db, fn):
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, len(seen)


def _bulk_case(db, client, workers, n):
    """A case with about `n` events spread over every kind, written with bulk_insert (as demo data is)."""
    start = dt.date(2024, 1, 1)
    with db.session() as s:
        [case] = bulk_insert(s, ClientCase, [{"display_id": f"B-{n}", "client_id": client, "stage": "asesmen",
                                              "opened_on": start}])
        per = n // 6
        day = [start + dt.timedelta(days=i % 700) for i in range(per)]
        worker = [workers[i % len(workers)] for i in range(per)]
        bulk_insert(s, CaseStageChange, [{"case_id": case, "from_stage": "asesmen", "to_stage": "asesmen",
                                          "changed_on": day[i], "worker_id": worker[i]} for i in range(per)])
        bulk_insert(s, ServiceEntry, [{"client_id": client, "case_id": case, "entry_type": "baru",
                                       "service_kind": "spm", "service_code": "permakanan", "date_from": day[i],
                                       "provider_worker_id": worker[i]} for i in range(per)])
        refs = bulk_insert(s, Referral, [{"client_id": client, "case_id": case, "direction": "keluar",
                                          "counterpart_kind": "lks", "counterpart_name": f"LKS {i}", "reason": "Alasan",
                                          "status": "dikirim", "sent_on": day[i], "worker_id": worker[i]}
                                         for i in range(per)])
        bulk_insert(s, ReferralEvent, [{"referral_id": r, "status": "dikirim", "changed_on": day[i],
                                        "worker_id": worker[i]} for i, r in enumerate(refs)])
        bulk_insert(s, CaseNote, [{"client_id": client, "case_id": case, "kind": "catatan", "written_on": day[i],
                                   "worker_id": worker[i], "text": f"Catatan {i}"} for i in range(per)])
        bulk_insert(s, CaseTask, [{"client_id": client, "case_id": case, "kind": "tugas", "title": f"Tugas {i}",
                                   "due_on": day[i], "done_on": day[i], "worker_id": worker[i]} for i in range(per)])
    return case


def test_the_number_of_queries_does_not_grow_with_the_events(db):
    client = create_client(db, {"name": "Siti Aminah", "sex": "P"}).id
    with db.session() as s:
        workers = [_worker(s, f"Petugas {i}") for i in range(12)]
    small = _bulk_case(db, client, workers, 24)
    large = _bulk_case(db, client, workers, 2000)
    few, few_queries = _count_statements(db, lambda: svc.case_timeline(db, case_id=small))
    many, many_queries = _count_statements(db, lambda: svc.case_timeline(db, case_id=large))
    assert len(few) == 24 and len(many) == 333 * 6  # a task gives two events: made and done
    assert many_queries == few_queries
    assert {e.worker_name for e in many} == {f"Petugas {i}" for i in range(12)}
    assert [e.when for e in many] == sorted((e.when for e in many), reverse=True)
