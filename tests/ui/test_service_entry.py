"""Catat layanan: the engine's rule judges the form as it is filled; errors block the save, warnings do not;
corrections and cancellations are new entries that point to the original."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QWidget

from atensi_desktop.services import service_log as log
from atensi_desktop.services.cases import open_case
from ui.change_bus import ChangeBus
from ui.dialogs.service_entry import open_cancellation, open_correction, open_service_entry

TODAY = dt.date.today()


@pytest.fixture
def parent(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def client(ctx, office, add_clients):
    (budi,) = add_clients("Budi Santoso")
    case = open_case(ctx.db, budi.id, approach="keluarga", opened_on=TODAY - dt.timedelta(days=60))
    return budi, case


def _open(qtbot, parent, ctx, client_id, case_id=None, bus=None):
    dialog = open_service_entry(parent, ctx, bus or ChangeBus(), client_id, case_id)
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.checking)
    return dialog


def _wait_checked(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog.checking)  # the debounce timer started by the last change
    qtbot.waitUntil(lambda: not dialog.checking, timeout=5000)


def _pick(qtbot, dialog, text: str) -> None:
    """Type in the service search and take the first match with the Down key, as a keyboard user would."""
    dialog.picker.search_edit.setFocus()
    qtbot.keyClicks(dialog.picker.search_edit, text)
    qtbot.keyClick(dialog.picker.search_edit, Qt.Key.Key_Down)


def test_a_valid_entry_is_saved(qtbot, parent, ctx, client):
    budi, case = client
    bus = ChangeBus()
    dialog = _open(qtbot, parent, ctx, budi.id, bus=bus)
    assert dialog.selected_case().id == case.id  # the open case by default
    _pick(qtbot, dialog, "sembako")
    assert dialog.picker.chosen() == ("atensi", "bantuan_asistensi_sosial", "sembako_nutrisi")
    qtbot.keyClick(dialog.picker.tree, Qt.Key.Key_Return)  # Enter on the service moves on; it never saves
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.date_from.hasFocus() or not dialog.isActiveWindow()
    qtbot.keyClicks(dialog.quantity_edit, "2")
    dialog.unit_combo.setCurrentText("paket")
    qtbot.keyClicks(dialog.value_edit, "1500000")
    dialog.value_edit.editingFinished.emit()
    assert dialog.value_edit.text() == "1.500.000"
    dialog.funding_combo.setCurrentIndex(dialog.funding_combo.findData("apbd"))
    qtbot.keyClicks(dialog.location_edit, "Rumah klien")
    _wait_checked(qtbot, dialog)
    assert dialog.last_errors == {}
    with qtbot.waitSignal(bus.services_changed):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    (entry,) = log.list_entries(ctx.db, budi.id)
    assert (entry.service_kind, entry.service_code, entry.subitem_code) == (
        "atensi", "bantuan_asistensi_sosial", "sembako_nutrisi")
    assert (entry.quantity, entry.unit, entry.value_rp) == (2, "paket", 1_500_000)
    assert (entry.funding_source, entry.location, entry.case_id) == ("apbd", "Rumah klien", case.id)
    assert entry.date_from == TODAY and entry.date_until is None


def test_permakanan_for_eight_days_is_refused_inline_and_nothing_is_saved(qtbot, parent, ctx, client):
    budi, _case = client
    dialog = _open(qtbot, parent, ctx, budi.id)
    dialog.picker.choose("spm", "permakanan")
    dialog.date_from.setDate(QDate(TODAY - dt.timedelta(days=8)))
    dialog.period_check.setChecked(True)
    dialog.date_until.setDate(QDate(TODAY - dt.timedelta(days=1)))
    assert dialog.days_label.text() == "8 hari"
    _wait_checked(qtbot, dialog)
    message = dialog.problem("date_until")
    assert "Permakanan paling lama 7 hari" in message and "8 hari" in message
    assert dialog.findChild(QWidget, "error_date_until").isVisible()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "Permakanan paling lama 7 hari" in dialog.problem("date_until")
    assert log.list_entries(ctx.db, budi.id, effective_only=False) == []
    # seven days is allowed: the problem goes as soon as the rule agrees
    dialog.date_until.setDate(QDate(TODAY - dt.timedelta(days=2)))
    _wait_checked(qtbot, dialog)
    assert dialog.problem("date_until") == ""


def test_a_warning_is_shown_and_the_entry_is_saved_with_its_flag(qtbot, parent, ctx, client):
    budi, _case = client  # no approved intervention plan: any service is outside the plan
    dialog = _open(qtbot, parent, ctx, budi.id)
    _pick(qtbot, dialog, "dokumen kependudukan")
    assert dialog.picker.chosen() == ("spm", "fasilitasi_adminduk", None)
    _wait_checked(qtbot, dialog)
    assert dialog.last_errors == {}
    assert dialog.warning_box.isVisible()
    assert "di luar rencana" in dialog.warning_label.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    (entry,) = log.list_entries(ctx.db, budi.id)
    assert entry.outside_plan and entry.service_code == "fasilitasi_adminduk"


def test_an_entry_after_terminasi_is_warned_and_flagged(qtbot, parent, ctx, client):
    from atensi_desktop.services.cases import terminate

    budi, case = client
    terminate(ctx.db, case.id, "tujuan_tercapai", on=TODAY - dt.timedelta(days=5))
    dialog = _open(qtbot, parent, ctx, budi.id, case.id)
    assert "terminasi" in dialog.case_combo.currentText()
    dialog.picker.choose("spm", "bimbingan_sosial_keluarga")
    _wait_checked(qtbot, dialog)
    assert dialog.last_errors == {} and "sesudah terminasi" in dialog.warning_label.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    (entry,) = log.list_entries(ctx.db, budi.id)
    assert entry.after_termination and entry.case_id == case.id


def test_required_fields_are_named_on_save(qtbot, parent, ctx, client):
    budi, _case = client
    dialog = _open(qtbot, parent, ctx, budi.id)
    assert dialog.problem("service_code") == ""  # nothing touched yet: no red
    qtbot.keyClicks(dialog.quantity_edit, "3")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "Pilih jenis layanan" in dialog.problem("service_code")
    assert "satuan" in dialog.problem("unit")
    assert log.list_entries(ctx.db, budi.id, effective_only=False) == []


def test_a_correction_creates_an_amendment_with_its_reason(qtbot, parent, ctx, client):
    budi, case = client
    original = log.add_entry(ctx.db, {"client_id": budi.id, "case_id": case.id, "service_kind": "spm",
                                      "service_code": "sandang", "date_from": TODAY, "quantity": 1,
                                      "unit": "paket", "value_rp": 200_000, "funding_source": "apbd"})
    bus = ChangeBus()
    dialog = open_correction(parent, ctx, bus, original.id)
    qtbot.waitUntil(lambda: not dialog.checking)
    assert dialog.value_edit.text() == "200.000" and dialog.picker.chosen() == ("spm", "sandang", None)
    assert not dialog.warning_box.isVisible() or "catatan ganda" not in dialog.warning_label.text()
    dialog.value_edit.selectAll()
    qtbot.keyClicks(dialog.value_edit, "250.000")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "alasan" in dialog.problem("reason").lower()  # the reason is required
    qtbot.keyClicks(dialog.reason_edit, "Nilai salah ketik")
    with qtbot.waitSignal(bus.services_changed):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    first, fix = log.entry_history(ctx.db, original.id)
    assert first.id == original.id and first.superseded
    assert (fix.entry_type, fix.amends_id, fix.reason, fix.value_rp) == (
        "koreksi", original.id, "Nilai salah ketik", 250_000)
    assert [e.id for e in log.list_entries(ctx.db, budi.id)] == [fix.id]


def test_a_cancellation_needs_a_reason(qtbot, parent, ctx, client):
    budi, case = client
    entry = log.add_entry(ctx.db, {"client_id": budi.id, "case_id": case.id, "service_kind": "rehab",
                                   "service_code": "bimbingan_fisik", "date_from": TODAY})
    dialog = open_cancellation(parent, ctx, ChangeBus(), entry.id, client_name="Budi Santoso")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error_label.isVisible()
    qtbot.keyClicks(dialog.reason_edit, "Tercatat dua kali")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.saved is not None and dialog.saved.entry_type == "batal"
    assert log.list_entries(ctx.db, budi.id) == []


def test_proofs_are_stored_with_the_entry_and_other_files_refused(qtbot, parent, ctx, client, tmp_path):
    from PySide6.QtGui import QColor, QImage

    budi, _case = client
    photo = tmp_path / "kuitansi.png"
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    image.save(str(photo))
    text = tmp_path / "catatan.txt"
    text.write_text("bukan foto")
    dialog = _open(qtbot, parent, ctx, budi.id)
    dialog.picker.choose("atensi", "terapi", "terapi_psikososial")
    assert dialog.proofs.add_file(text) is not None
    assert "bukan PDF, JPEG atau PNG" in dialog.problem("proof")
    assert dialog.proofs.add_file(photo, "kuitansi") is None
    _wait_checked(qtbot, dialog)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    (entry,) = log.list_entries(ctx.db, budi.id)
    (proof,) = log.list_attachments(ctx.db, entry.id)
    assert (proof.kind, proof.file_name, proof.media_type) == ("kuitansi", "kuitansi.png", "image/png")
