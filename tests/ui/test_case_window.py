"""The case window: header, stage changes and terminasi through their dialogs, tasks (overdue said in words,
done, reopened, the bimbingan lanjut schedule), notes and case conferences, referrals along their allowed
moves (a refused move shows the engine's message and writes nothing), and the timeline with its kind filter."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from atensi_desktop.services import (
    assessments,
    casenotes,
    cases,
    intervention,
    referrals,
    service_log,
    tasks,
    timeline,
)
from atensi_desktop.services.office import WorkerInput
from atensi_desktop.services.workers import create_worker
from ui.change_bus import ChangeBus
from ui.dialogs import case_window
from ui.dialogs.case_forms import ReferralStatusDialog
from ui.dialogs.case_window import CaseWindow, TaskModel, TimelineModel, task_state

TODAY = dt.date.today()


@pytest.fixture
def rina(ctx, office):
    return create_worker(ctx.db, WorkerInput(name="Rina Kartika, S.Tr.Sos."))


@pytest.fixture
def case(ctx, office, rina, add_clients):
    [client] = add_clients("Siti Noer Djannah", sex="P", cluster="anak")
    return cases.open_case(ctx.db, client.id, worker_id=rina.id, approach="keluarga",
                           opened_on=TODAY - dt.timedelta(days=40))


@pytest.fixture
def window(qtbot, ctx, case):
    bus = ChangeBus()
    win = CaseWindow(ctx, bus, case.id)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _accept(qtbot, dialog: QDialog) -> None:
    """Press Simpan and wait for the window-modal form to close."""
    with qtbot.waitSignal(dialog.finished, timeout=3000):
        dialog.save_button.click()


def _discard(dialog: QDialog) -> None:
    """Close a form with typed data, answering "buang" to its question."""
    dialog.confirm_discard = lambda: True
    dialog.reject()


def _choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def _cells(model, row: int) -> list[str]:
    return [model.index(row, c).data() for c in range(model.columnCount())]


def _texts(model, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


# --- header and stages -----------------------------------------------------------------------------------

def test_header_names_the_client_case_stage_worker_and_dates(window, case):
    assert window.name_label.text() == "Siti Noer Djannah"
    ids = window.ids_label.text()
    assert case.display_id in ids and case.client_display_id in ids
    assert "Pendekatan: Berbasis Keluarga" in ids and "Klaster:" in ids
    stage = window.stage_label.text()
    assert "Pendekatan Awal" in stage and "Rina Kartika" in stage
    assert (TODAY - dt.timedelta(days=40)).strftime("%d-%m-%Y") in stage and "(40 hari)" in stage
    assert window.termination_label.isHidden()
    assert window.windowTitle() == f"Kasus {case.display_id} — Siti Noer Djannah"


def test_stage_change_through_the_dialog_writes_a_history_row(qtbot, ctx, window, case, rina):
    dialog = window.change_stage()
    assert dialog.stage_combo.currentData() == "asesmen"  # the next stage is offered first
    codes = [dialog.stage_combo.itemData(i) for i in range(dialog.stage_combo.count())]
    assert "terminasi" not in codes and "bimbingan_lanjut" not in codes and "pendekatan_awal" not in codes
    dialog.date_edit.setDate(TODAY - dt.timedelta(days=2))
    dialog.note_edit.setPlainText("Asesmen dimulai di rumah klien")
    _accept(qtbot, dialog)
    history = cases.stage_history(ctx.db, case.id)
    assert [(h.from_stage, h.to_stage) for h in history] == [(None, "pendekatan_awal"), ("pendekatan_awal", "asesmen")]
    assert history[-1].changed_on == TODAY - dt.timedelta(days=2)
    assert history[-1].worker_id == rina.id and history[-1].note == "Asesmen dimulai di rumah klien"
    assert "Asesmen" in window.stage_label.text() and "(2 hari)" in window.stage_label.text()
    assert window.notice_label.text() == "Tahap kasus sekarang Asesmen."
    assert window.timeline_model.index(0, 2).data() == "Tahap kasus: Pendekatan Awal \u2192 Asesmen"


def test_moving_back_asks_for_a_note_and_writes_nothing_without_it(qtbot, ctx, window, case):
    cases.change_stage(ctx.db, case.id, "asesmen", on=TODAY - dt.timedelta(days=5))
    window.reload()
    dialog = window.change_stage()
    _choose(dialog.stage_combo, "pendekatan_awal")
    assert dialog.note_label.text() == "&Catatan alasan *"
    assert "kembali ke tahap sebelumnya" in dialog.note_hint.text()
    dialog.save_button.click()
    assert dialog.isVisible()
    assert dialog.problem("note") == "Kasus kembali ke tahap sebelumnya; tulis catatan alasannya."
    assert len(cases.stage_history(ctx.db, case.id)) == 2
    dialog.note_edit.setPlainText("Klien pindah rumah; pendekatan diulang")
    _accept(qtbot, dialog)
    assert cases.get_case(ctx.db, case.id).stage == "pendekatan_awal"


def test_a_date_before_the_last_change_is_refused_inline(qtbot, ctx, window, case):
    cases.change_stage(ctx.db, case.id, "asesmen", on=TODAY - dt.timedelta(days=5))
    window.reload()
    dialog = window.change_stage()
    dialog.date_edit.setDate(TODAY - dt.timedelta(days=10))
    dialog.save_button.click()
    assert "sebelum perubahan tahap terakhir" in dialog.problem("on")
    assert cases.get_case(ctx.db, case.id).stage == "asesmen"
    _discard(dialog)


def test_terminasi_with_a_reason(qtbot, ctx, window, case):
    dialog = window.terminate()
    dialog.save_button.click()  # no reason chosen
    assert dialog.problem("reason") == "Pilih alasan terminasi dari daftar."
    _choose(dialog.reason_combo, "lainnya")
    dialog.save_button.click()  # "lainnya" needs a note
    assert dialog.problem("note") == "Alasan terminasi \u201clainnya\u201d: tulis alasannya di catatan."
    assert cases.get_case(ctx.db, case.id).closed_on is None
    _choose(dialog.reason_combo, "tujuan_tercapai")
    dialog.note_edit.setPlainText("Klien kembali bersekolah")
    _accept(qtbot, dialog)
    closed = cases.get_case(ctx.db, case.id)
    assert (closed.stage, closed.closed_on, closed.termination_reason) == ("terminasi", TODAY, "tujuan_tercapai")
    assert window.termination_label.isVisible()
    assert window.termination_label.text() == (
        f"Terminasi {TODAY:%d-%m-%Y}: Tujuan Intervensi Tercapai — Klien kembali bersekolah")
    assert not window.terminate_button.isEnabled()
    assert window.aftercare_button.isEnabled()
    # after terminasi the stage dialog offers bimbingan lanjut
    dialog = window.change_stage()
    assert dialog.stage_combo.findData("bimbingan_lanjut") >= 0
    dialog.reject()


# --- tasks -----------------------------------------------------------------------------------------------

def test_task_added_overdue_said_in_words_and_marked_done(qtbot, ctx, window, case, rina):
    late = tasks.add_task(ctx.db, case.client_id, {"case_id": case.id, "title": "Kunjungan rumah pertama",
                                                   "due_on": TODAY - dt.timedelta(days=3)})
    window.tabs.setCurrentIndex(1)
    dialog = window.new_task()
    dialog.save_button.click()
    assert dialog.problem("title") == "Tulis apa yang harus dikerjakan (paling sedikit 3 huruf)."
    dialog.title_edit.setText("Ambil akta kelahiran di Disdukcapil")
    dialog.due_edit.setDate(TODAY)
    _accept(qtbot, dialog)
    model: TaskModel = window.task_model
    assert _texts(model, 3) == ["Kunjungan rumah pertama", "Ambil akta kelahiran di Disdukcapil"]
    assert _cells(model, 0)[:3] == ["Terlambat 3 hari", (TODAY - dt.timedelta(days=3)).strftime("%d-%m-%Y"), "Tugas"]
    assert model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is not None  # not by colour alone
    assert model.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert _cells(model, 1)[0] == "Jatuh tempo hari ini"
    assert model.index(1, 0).data(Qt.ItemDataRole.DecorationRole) is None
    assert _cells(model, 1)[4] == "Rina Kartika, S.Tr.Sos."  # the case's worker by default
    assert window.task_summary.text() == "2 tugas terbuka · 1 terlambat"
    assert window.tabs.tabText(1) == "T&ugas (2)"
    # mark the overdue one done (Enter on the row does the same)
    window.task_table.selectRow(0)
    assert window.done_button.isEnabled() and not window.reopen_button.isEnabled()
    window.done_button.click()
    done = tasks.get_task(ctx.db, late.id)
    assert done.done_on == TODAY and done.done_by == rina.id
    assert _texts(model, 3) == ["Ambil akta kelahiran di Disdukcapil", "Kunjungan rumah pertama"]
    assert _cells(model, 1)[0] == f"Selesai {TODAY:%d-%m-%Y}"
    assert window.task_summary.text() == "1 tugas terbuka"
    window.show_done_check.setChecked(False)
    assert _texts(model, 3) == ["Ambil akta kelahiran di Disdukcapil"]
    window.show_done_check.setChecked(True)
    window.task_table.selectRow(1)
    window.reopen_button.click()
    assert tasks.get_task(ctx.db, late.id).done_on is None


def test_task_state_words():
    def task(due, done=None):
        return tasks.TaskDTO(id=None, client_id=None, case_id=None, kind="tugas", title="x", due_on=due, done_on=done,
                             done_by=None, worker_id=None, worker_name=None, note=None, archived=False)

    day = dt.date(2026, 3, 10)
    assert task_state(task(dt.date(2026, 3, 9)), day) == "Terlambat 1 hari"
    assert task_state(task(day), day) == "Jatuh tempo hari ini"
    assert task_state(task(dt.date(2026, 3, 11)), day) == "Terbuka"
    assert task_state(task(dt.date(2026, 3, 1), dt.date(2026, 3, 5)), day) == "Selesai 05-03-2026"


def test_bimbingan_lanjut_is_scheduled_after_terminasi(qtbot, ctx, window, case):
    assert not window.aftercare_button.isEnabled()
    assert window.schedule_aftercare() is None
    cases.terminate(ctx.db, case.id, "tujuan_tercapai", on=TODAY - dt.timedelta(days=1))
    window.reload()
    dialog = window.schedule_aftercare()
    dialog.start_edit.setDate(TODAY + dt.timedelta(days=30))
    dialog.every_spin.setValue(2)
    dialog.count_spin.setValue(3)
    _accept(qtbot, dialog)
    made = tasks.list_tasks(ctx.db, case_id=case.id)
    assert [t.kind for t in made] == ["bimbingan_lanjut"] * 3
    assert [t.due_on for t in made] == [TODAY + dt.timedelta(days=30),
                                        intervention.add_months(TODAY + dt.timedelta(days=30), 2),
                                        intervention.add_months(TODAY + dt.timedelta(days=30), 4)]
    assert window.task_model.rowCount() == 3
    assert "3 kunjungan bimbingan lanjut dijadwalkan" in window.notice_label.text()


# --- notes -----------------------------------------------------------------------------------------------

def test_notes_and_case_conferences_added_and_viewed(qtbot, ctx, window, case):
    window.tabs.setCurrentIndex(2)
    dialog = window.new_note()
    dialog.text_edit.setPlainText("Kunjungan rumah: klien tinggal bersama nenek.")
    _accept(qtbot, dialog)
    dialog = window.new_conference()
    dialog.text_edit.setPlainText("Pembahasan hasil asesmen")
    dialog.save_button.click()
    assert dialog.problem("participants") == "Tulis siapa saja peserta konferensi kasus."
    assert dialog.problem("decisions") == "Tulis keputusan konferensi kasus (paling sedikit 3 huruf)."
    dialog.participants_edit.setPlainText("Rina (peksos), Ahmad (TKSK), nenek klien")
    dialog.decisions_edit.setPlainText("Rujuk ke Dukcapil untuk akta kelahiran")
    _accept(qtbot, dialog)
    notes = casenotes.list_notes(ctx.db, case_id=case.id)
    assert sorted(n.kind for n in notes) == ["catatan", "konferensi_kasus"]
    assert window.note_model.rowCount() == 2
    row = window.note_model.row_of(next(n.id for n in notes if n.kind == "konferensi_kasus"))
    assert window.note_model.index(row, 2).data() == "Keputusan: Rujuk ke Dukcapil untuk akta kelahiran"
    window.note_table.selectRow(row)
    shown = window.note_view.toPlainText()
    assert "Rina (peksos), Ahmad (TKSK), nenek klien" in shown and "Pembahasan hasil asesmen" in shown


# --- referrals -------------------------------------------------------------------------------------------

def test_referral_created_and_moved_sent_accepted_completed(qtbot, ctx, window, case):
    window.tabs.setCurrentIndex(3)
    dialog = window.new_referral()
    dialog.save_button.click()
    assert dialog.problem("counterpart_kind") and dialog.problem("counterpart_name") and dialog.problem("reason")
    _choose(dialog.kind_combo, "dukcapil")
    dialog.name_edit.setText("Disdukcapil Kabupaten Hulu Sungai Selatan")
    dialog.reason_edit.setPlainText("Pembuatan akta kelahiran")
    dialog.date_edit.setDate(TODAY - dt.timedelta(days=6))
    _accept(qtbot, dialog)
    [made] = referrals.list_referrals(ctx.db, case_id=case.id)
    assert (made.status, made.direction, made.sent_on) == ("dikirim", "keluar", TODAY - dt.timedelta(days=6))
    assert _cells(window.referral_model, 0)[1:4] == [
        "Keluar", "Disdukcapil Kabupaten Hulu Sungai Selatan (Dukcapil)", "Dikirim"]
    for status, on in (("diterima", TODAY - dt.timedelta(days=4)), ("selesai", TODAY)):
        window.referral_table.selectRow(0)
        dialog = window.change_referral_status()
        codes = [dialog.status_combo.itemData(i) for i in range(dialog.status_combo.count())]
        assert status in codes and "dikirim" not in codes
        _choose(dialog.status_combo, status)
        dialog.date_edit.setDate(on)
        _accept(qtbot, dialog)
        assert referrals.get_referral(ctx.db, made.id).status == status
    events = referrals.get_referral(ctx.db, made.id).events
    assert [(e.status, e.changed_on) for e in events] == [
        ("dikirim", TODAY - dt.timedelta(days=6)), ("diterima", TODAY - dt.timedelta(days=4)), ("selesai", TODAY)]
    assert window.referral_model.index(0, 3).data() == "Selesai"
    window.referral_table.selectRow(0)
    assert not window.referral_status_button.isEnabled()
    assert window.change_referral_status() is None
    assert window.notice_label.text() == (
        "Rujukan yang sudah selesai tidak bisa diubah lagi; buat rujukan baru bila perlu.")
    assert "Diterima" in window.referral_view.toPlainText()


def test_a_refused_referral_move_shows_the_message_and_writes_nothing(qtbot, ctx, window, case):
    made = referrals.create_referral(ctx.db, case.client_id, {
        "case_id": case.id, "direction": "keluar", "counterpart_kind": "rumah_sakit",
        "counterpart_name": "RSUD Brigjend H. Hasan Basry", "reason": "Pemeriksaan kesehatan"})
    window.reload()
    window.tabs.setCurrentIndex(3)
    window.referral_table.selectRow(0)
    dialog: ReferralStatusDialog = window.change_referral_status()
    _choose(dialog.status_combo, "ditolak")
    dialog.save_button.click()  # ditolak needs the reason
    assert dialog.problem("note") == "Tulis alasan rujukan ditolak."
    assert referrals.get_referral(ctx.db, made.id).status == "dikirim"
    # meanwhile the referral was accepted and completed elsewhere: the move is no longer allowed
    referrals.change_status(ctx.db, made.id, "diterima")
    referrals.change_status(ctx.db, made.id, "selesai")
    dialog.choose("diterima")
    dialog.save_button.click()
    assert dialog.isVisible()
    assert dialog.problem("status") == (
        "Status rujukan tidak bisa diubah dari selesai menjadi diterima. Rujukan yang sudah selesai tidak bisa "
        "diubah lagi; buat rujukan baru bila perlu.")
    assert [e.status for e in referrals.get_referral(ctx.db, made.id).events] == ["dikirim", "diterima", "selesai"]
    _discard(dialog)


# --- the timeline ----------------------------------------------------------------------------------------

@pytest.fixture
def every_kind(ctx, case, rina):
    """One event of every kind in the case: stage, service, referral, note, conference, task, asesmen, plan."""
    db, client = ctx.db, case.client_id
    cases.change_stage(db, case.id, "asesmen", on=TODAY - dt.timedelta(days=30))
    a = assessments.start_assessment(db, client, form_id="atensi_umum", form_version="1", case_id=case.id,
                                     started_on=TODAY - dt.timedelta(days=29))
    assessments.save_section(db, a.id, "kebutuhan", {"kebutuhan_dasar": ["permakanan"]})
    assessments.finish(db, a.id)
    plan = intervention.draft_plan_from_assessment(db, a.id)
    intervention.approve_plan(db, plan.id, worker_id=rina.id, approved_on=TODAY - dt.timedelta(days=20))
    service_log.add_entry(db, {"client_id": client, "case_id": case.id, "service_kind": "atensi",
                               "service_code": "bantuan_asistensi_sosial", "subitem_code": "sembako_nutrisi",
                               "date_from": TODAY - dt.timedelta(days=15), "quantity": 1, "unit": "paket",
                               "value_rp": 250000, "funding_source": "apbd", "provider_worker_id": rina.id})
    referrals.create_referral(db, client, {"case_id": case.id, "direction": "keluar", "counterpart_kind": "puskesmas",
                                           "counterpart_name": "Puskesmas Kandangan", "reason": "Pemeriksaan gizi",
                                           "sent_on": TODAY - dt.timedelta(days=10)})
    casenotes.add_note(db, client, "Klien mulai ikut kegiatan kelompok", case_id=case.id,
                       written_on=TODAY - dt.timedelta(days=8))
    casenotes.add_conference(db, client, case_id=case.id, text="Kemajuan intervensi", participants="Rina, Ahmad",
                             decisions="Lanjutkan pendampingan", written_on=TODAY - dt.timedelta(days=5))
    tasks.add_task(db, client, {"case_id": case.id, "title": "Kunjungan rumah", "due_on": TODAY})


def test_the_timeline_shows_every_kind_newest_first_and_filters(qtbot, ctx, window, every_kind):
    window.reload()
    model: TimelineModel = window.timeline_model
    kinds = {model.index(r, 0).data(0x0101).kind for r in range(model.rowCount())}
    assert kinds == set(timeline.KINDS)
    days = [dt.datetime.strptime(d, "%d-%m-%Y").date() for d in _texts(model, 0)]
    assert days == sorted(days, reverse=True)
    assert window.timeline_count.text() == f"{model.rowCount()} peristiwa"
    total = model.rowCount()
    labels = {window.kind_combo.itemData(i): window.kind_combo.itemText(i) for i in range(window.kind_combo.count())}
    assert labels[""] == "Semua jenis" and labels["tahap"] == "Tahap kasus"
    for code in timeline.KINDS:
        _choose(window.kind_combo, code)
        assert model.rowCount() >= 1
        assert {model.index(r, 0).data(0x0101).kind for r in range(model.rowCount())} == {code}
        assert window.timeline_count.text() == f"{model.rowCount()} dari {total} peristiwa"
    _choose(window.kind_combo, "tahap")
    assert _texts(model, 2) == ["Tahap kasus: Pendekatan Awal \u2192 Asesmen", "Kasus dibuka: Pendekatan Awal"]
    _choose(window.kind_combo, "rencana_intervensi")
    assert _texts(model, 2) == ["Rencana intervensi disetujui"]
    _choose(window.kind_combo, "")
    assert model.rowCount() == total


def test_enter_on_a_timeline_event_opens_its_record(qtbot, ctx, window, every_kind):
    window.reload()
    _choose(window.kind_combo, "rujukan")
    window.timeline_table.setFocus()
    window.timeline_table.selectRow(0)
    qtbot.keyClick(window.timeline_table, Qt.Key.Key_Return)
    assert window.tabs.currentIndex() == 3
    assert window.selected_referral().counterpart_name == "Puskesmas Kandangan"
    window.tabs.setCurrentIndex(0)
    _choose(window.kind_combo, "konferensi_kasus")
    window.timeline_table.selectRow(0)
    window._event_activated(window.timeline_model.index(0, 0))
    assert window.tabs.currentIndex() == 2
    assert window.note_table.currentIndex().data(0x0101).kind == "konferensi_kasus"


def test_models_pass_the_model_tester(qtmodeltester, window, every_kind):
    window.reload()
    for tab in range(4):
        window.tabs.setCurrentIndex(tab)
    for model in (window.timeline_model, window.task_model, window.note_model, window.referral_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model)


def test_a_change_elsewhere_refreshes_the_window(qtbot, ctx, window, case):
    window.tabs.setCurrentIndex(2)
    casenotes.add_note(ctx.db, case.client_id, "Catatan dari layar lain", case_id=case.id)
    assert window.note_model.rowCount() == 0
    window.bus.cases_changed.emit()
    assert window.note_model.rowCount() == 1


def test_notes_and_referrals_are_read_when_their_tab_is_shown(qtbot, ctx, window, case):
    casenotes.add_note(ctx.db, case.client_id, "Catatan pertama", case_id=case.id)
    window.reload()
    assert window.note_model.rowCount() == 0 and window.timeline_model.rowCount() == 2
    window.tabs.setCurrentIndex(2)
    assert window.note_model.rowCount() == 1


def test_the_window_works_with_the_keyboard(qtbot, ctx, window, case):
    """Ctrl+T opens the stage dialog; Escape closes it untouched; the tab mnemonics switch tabs."""
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.form is not None and window.form.objectName() == "stageChangeDialog"
    qtbot.keyClick(window.form, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.form is None)
    assert len(cases.stage_history(ctx.db, case.id)) == 1
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.timeline_table, Qt.Key.Key_J, Qt.KeyboardModifier.AltModifier)
    assert window.tabs.currentIndex() == 3


def test_catat_layanan_opens_the_service_entry_dialog_for_this_case(qtbot, ctx, window, case):
    if not case_window.service_dialog_available():
        pytest.skip("the service-entry dialog is not part of this build")
    assert window.service_button.isEnabled()
    dialog = window.record_service()
    assert dialog is not None and dialog.objectName() == "serviceEntryDialog"
    assert dialog.client_id == case.client_id
    assert dialog.case_combo.currentData() == str(case.id)
    dialog.reject()
