"""The client form: keyboard entry, inline checks in the engine's words, edits, drafts, duplicates, size."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from atensi_desktop.errors import StorageError, ValidationError
from atensi_desktop.services.clients import count_clients, get_client
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.services.wilayah import load_demo_region
from ui.dialogs import client_form
from ui.dialogs.client_form import ClientFormDialog

NIK_FEMALE = "6306014509900001"  # Kab. Hulu Sungai Selatan, perempuan, lahir 05-09-1990
HAMALAU = "63.06.01.2001"


@pytest.fixture
def region(ctx):
    """The demo region loaded and the office in Kabupaten Hulu Sungai Selatan (63.06)."""
    load_demo_region(ctx.db)
    setup_installation(ctx.db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan",
                                           office_type="dinas_sosial", code="DSHSS", wilayah_code="63.06"),
                       WorkerInput(name="Siti Rahmah"))


@pytest.fixture
def open_form(qtbot, ctx, monkeypatch):
    """open_form(client_id=None, discard=True): the form shown and active; qtbot closes it afterwards."""
    def make(client_id=None, *, discard: bool = True, track: bool = True) -> ClientFormDialog:
        dialog = ClientFormDialog(ctx, client_id=client_id)
        if discard:
            monkeypatch.setattr(dialog, "confirm_discard", lambda: True)
        if track:
            qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        return dialog

    return make


def _tab(qtbot, _dialog=None) -> None:
    """Tab as Qt routes it: to the widget that has the focus."""
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)


def _type_in(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


# Typing in a region box opens its completer, which the offscreen platform can neither raise nor let grab keys.
@pytest.mark.qt_log_ignore(r"^This plugin does not support (raise\(\)|grabbing the keyboard)$")
def test_a_new_client_typed_with_the_keyboard_is_saved(qtbot, ctx, region, open_form):
    dialog = open_form()
    assert dialog.windowTitle() == "Klien baru"
    assert dialog.wilayah_picker.code() == "63.06"  # the office's kab/kota
    assert dialog.name_edit.hasFocus()
    qtbot.keyClicks(dialog.name_edit, "Siti Aminah")
    _tab(qtbot)
    qtbot.keyClicks(QApplication.focusWidget(), "Aminah")  # alias
    _tab(qtbot)
    assert dialog.nik_edit.hasFocus()
    qtbot.keyClicks(dialog.nik_edit, NIK_FEMALE)
    _tab(qtbot)
    assert dialog.fill_from_nik_button.hasFocus()
    qtbot.keyClick(dialog.fill_from_nik_button, Qt.Key.Key_Space)
    assert dialog.sex_combo.currentData() == "P"
    assert not dialog.fill_from_nik_button.isEnabled()  # nothing left to fill: the focus moves on
    assert dialog.sex_combo.hasFocus()
    _tab(qtbot)
    qtbot.keyClicks(dialog.birth_place_edit, "Kandangan")
    dialog.religion_combo.setFocus()
    qtbot.keyClicks(dialog.religion_combo, "Islam")
    _type_in(qtbot, dialog.phone_edit, "0812 3456 7890")
    _type_in(qtbot, dialog.address_edit, "Jl. Aluh Idut RT 02")
    _tab(qtbot)
    assert dialog.wilayah_picker.combos[0].hasFocus()  # Tab leaves the address, it does not insert a tab
    _tab(qtbot)
    _tab(qtbot)
    kecamatan, desa = dialog.wilayah_picker.combos[2:]
    assert kecamatan.hasFocus()
    for combo, typed in ((kecamatan, "sungai raya"), (desa, "hamal")):
        qtbot.keyClicks(combo.lineEdit(), typed)
        qtbot.keyClick(QApplication.activePopupWidget() or combo, Qt.Key.Key_Return)
    assert dialog.wilayah_picker.code() == HAMALAU
    assert not dialog.busy  # Enter in a region box chooses the region, it does not save the form
    _type_in(qtbot, dialog.ppks_list.search_edit, "lanjut usia")
    qtbot.keyClick(dialog.ppks_list.search_edit, Qt.Key.Key_Return)  # the only match is ticked
    assert not dialog.busy  # that Enter did not save the form
    assert dialog.ppks_list.codes() == ["lanjut_usia_telantar"]
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.keyClick(dialog.phone_edit, Qt.Key.Key_Return)
    saved = dialog.saved_client
    assert saved is not None
    values = get_client(ctx.db, saved.id).values
    assert values["name"] == "Siti Aminah" and values["alias"] == "Aminah"
    assert values["nik"] == NIK_FEMALE
    assert values["sex"] == "P" and values["birth_date"] == dt.date(1990, 9, 5)
    assert values["birth_place"] == "Kandangan" and values["religion"] == "islam"
    assert values["phone"] == "0812 3456 7890" and values["address"] == "Jl. Aluh Idut RT 02"
    assert values["wilayah_code"] == HAMALAU
    assert values["ppks_categories"] == ["lanjut_usia_telantar"]
    assert saved.display_id.startswith("DSHSS-")
    assert not dialog.draft_path.exists()


def test_an_empty_name_is_refused_inline_and_focused(qtbot, ctx, open_form):
    dialog = open_form()
    qtbot.keyClicks(dialog.phone_edit, "0812")
    dialog.save()
    assert dialog.isVisible()
    assert dialog.problem("name") == "Nama wajib diisi (paling sedikit 2 huruf)."
    assert dialog.name_edit.property("invalid") is True
    assert dialog.name_edit.hasFocus()
    assert dialog.phone_edit.text() == "0812"  # typed data kept
    qtbot.keyClicks(dialog.name_edit, "Bu")
    assert dialog.problem("name") == ""  # editing the field clears its problem
    assert count_clients(ctx.db) == 0


def test_a_bad_nik_is_explained_live_and_inline_when_leaving_the_field(qtbot, open_form):
    dialog = open_form()
    assert dialog.nik_check_label.text() == "Jenis kelamin dan tanggal lahir bisa diisi dari NIK."
    _type_in(qtbot, dialog.nik_edit, "63060145")
    assert dialog.nik_check_label.text() == "NIK harus 16 angka; yang diisi 8 angka."
    assert dialog.problem("nik") == ""  # not red while typing
    _tab(qtbot)
    assert dialog.problem("nik") == "NIK harus 16 angka; yang diisi 8 angka."
    assert dialog.nik_edit.property("invalid") is True
    assert not dialog.nik_check_label.isVisible()  # said once, in red
    assert dialog.problem("name") == ""  # a field left empty without typing is judged on save
    dialog.nik_edit.setFocus()
    qtbot.keyClicks(dialog.nik_edit, "09900001")
    assert dialog.problem("nik") == ""
    assert dialog.nik_check_label.text() == "NIK sah · Perempuan · lahir 5 September 1990"


def test_nik_and_birth_date_that_disagree_are_named_under_the_date(qtbot, open_form):
    dialog = open_form()
    _type_in(qtbot, dialog.nik_edit, NIK_FEMALE)
    dialog.birth_known_check.setFocus()
    qtbot.keyClick(dialog.birth_known_check, Qt.Key.Key_Space)
    assert dialog.birth_date_edit.hasFocus()
    qtbot.keyClicks(dialog.birth_date_edit, "06091990")
    assert dialog.birth_date_edit.date() == QDate(1990, 9, 6)
    _tab(qtbot)
    _tab(qtbot)  # past "perkiraan": the date field is left
    assert dialog.problem("birth_date") == (
        "Tanggal lahir di NIK (05-09-1990) tidak sama dengan tanggal lahir (06-09-1990).")
    dialog.sex_combo.setFocus()
    qtbot.keyClicks(dialog.sex_combo, "L")
    _tab(qtbot)
    assert dialog.problem("sex") == "Jenis kelamin di NIK (perempuan) tidak sama dengan jenis kelamin yang diisi."


def test_fill_from_nik_fills_only_empty_sex_and_birth_date(qtbot, open_form):
    dialog = open_form()
    assert not dialog.fill_from_nik_button.isEnabled()
    _type_in(qtbot, dialog.nik_edit, NIK_FEMALE)
    assert dialog.nik_check_label.text() == "NIK sah · Perempuan · lahir 5 September 1990"
    assert dialog.fill_from_nik_button.isEnabled()
    assert not dialog.birth_known_check.isChecked()
    assert dialog.birth_date_edit.text().strip() == ""  # no date: shown blank
    qtbot.mouseClick(dialog.fill_from_nik_button, Qt.MouseButton.LeftButton)
    assert dialog.sex_combo.currentData() == "P"
    assert dialog.birth_known_check.isChecked()
    assert dialog.values()["birth_date"] == dt.date(1990, 9, 5)
    assert dialog.birth_date_edit.text() == "05-09-1990"
    assert not dialog.fill_from_nik_button.isEnabled()  # nothing left to fill


def test_an_unknown_nik_region_is_a_warning_that_does_not_block(qtbot, ctx, open_form):
    dialog = open_form()
    _type_in(qtbot, dialog.name_edit, "Budi Santoso")
    _type_in(qtbot, dialog.nik_edit, "9906010509900001")
    assert dialog.nik_check_label.text().startswith("NIK sah · Laki-laki · lahir 5 September 1990\n")
    assert "Kode wilayah 99 di NIK tidak ada dalam daftar wilayah" in dialog.nik_check_label.text()
    assert "#8a5300" in dialog.nik_check_label.styleSheet()  # amber, not red
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save()
    assert dialog.saved_client.values["nik"] == "9906010509900001"


def test_editing_sends_only_the_changed_fields(qtbot, ctx, region, open_form, add_clients, monkeypatch):
    (client,) = add_clients("Budi Santoso", nik="6306010509900001", birth_date=dt.date(1990, 9, 5),
                            birth_date_estimated=False, religion="islam", wilayah_code=HAMALAU,
                            ppks_categories=["pengemis", "gelandangan"], dtsen_desil=3, address="Jl. Lama")
    before = get_client(ctx.db, client.id).values
    sent = []
    real_update = client_form.update_client
    monkeypatch.setattr(client_form, "update_client",
                        lambda db, cid, changes: sent.append(dict(changes)) or real_update(db, cid, changes))
    dialog = open_form(client.id)
    assert dialog.windowTitle() == "Ubah data klien"
    assert dialog.name_edit.text() == "Budi Santoso"
    assert dialog.wilayah_picker.code() == HAMALAU
    assert dialog.ppks_list.codes() == ["gelandangan", "pengemis"]  # the reference list's order
    assert dialog.desil_combo.currentData() == 3
    assert not dialog.dirty
    _type_in(qtbot, dialog.phone_edit, "0811 222 333")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.keyClick(dialog.phone_edit, Qt.Key.Key_Return)
    assert sent == [{"phone": "0811 222 333"}]
    after = get_client(ctx.db, client.id).values
    assert {k for k in after if after[k] != before[k]} == {"phone"}


def test_saving_an_unchanged_edit_writes_nothing(qtbot, ctx, open_form, add_clients, monkeypatch):
    (client,) = add_clients("Budi Santoso")
    monkeypatch.setattr(client_form, "update_client", lambda *a: pytest.fail("nothing to update"))
    dialog = open_form(client.id)
    with qtbot.waitSignal(dialog.accepted):
        dialog.save()
    assert dialog.saved_client is None


def test_escape_with_changes_asks_before_discarding(qtbot, ctx, open_form, monkeypatch):
    dialog = open_form(discard=False)
    qtbot.keyClicks(dialog.name_edit, "Budi")
    asked = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[1:3]) or answer[0])
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert asked == [("Buang perubahan?", "Data yang sudah diketik belum disimpan dan akan hilang.")]
    assert dialog.isVisible() and dialog.name_edit.text() == "Budi"
    answer[0] = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert len(asked) == 2
    assert not dialog.draft_path.exists()
    assert count_clients(ctx.db) == 0


def test_escape_without_changes_closes_without_asking(qtbot, open_form):
    dialog = open_form(discard=False)  # the conftest fails the test on any message box
    qtbot.keyClicks(dialog.name_edit, "Bu")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Backspace)  # typed and taken back: nothing changed
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_a_draft_survives_a_crash_and_is_restored(qtbot, ctx, open_form, monkeypatch):
    dialog = open_form(track=False)
    qtbot.keyClicks(dialog.name_edit, "Siti Aminah")
    _type_in(qtbot, dialog.nik_edit, NIK_FEMALE)
    dialog.fill_from_nik()
    draft = dialog.draft_path
    assert draft == ctx.paths.drafts / "klien-baru.json"
    qtbot.waitUntil(draft.exists, timeout=5000)  # written 1 s after the last change
    document = json.loads(draft.read_text(encoding="utf-8"))
    assert document["changes"]["name"] == "Siti Aminah"
    assert document["changes"]["birth_date"] == "1990-09-05"
    shiboken6.delete(dialog)  # the "crash": gone without saving or asking
    assert draft.exists()

    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.Yes)
    again = open_form()
    qtbot.waitUntil(lambda: again.name_edit.text() == "Siti Aminah")
    assert asked[0].startswith("Ada draf yang belum disimpan dari ") and asked[0].endswith(". Pulihkan?")
    assert again.nik_edit.text() == NIK_FEMALE
    assert again.sex_combo.currentData() == "P"
    assert again.values()["birth_date"] == dt.date(1990, 9, 5)
    assert again.dirty
    with qtbot.waitSignal(again.accepted, timeout=5000):
        again.save()
    assert not draft.exists()  # saved: the draft is gone


def test_declining_the_draft_discards_it(qtbot, ctx, open_form, monkeypatch, add_clients):
    (client,) = add_clients("Budi Santoso")
    draft = ctx.paths.drafts / f"klien-{client.id}.json"
    draft.parent.mkdir(parents=True, exist_ok=True)
    draft.write_text(json.dumps({"format": 1, "saved_at": "2026-03-05T14:05:00+08:00",
                                 "changes": {"phone": "0812"}}), encoding="utf-8")
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.No)
    dialog = open_form(client.id)
    qtbot.waitUntil(lambda: not draft.exists())
    assert dialog.phone_edit.text() == ""
    assert not dialog.dirty


def test_a_likely_duplicate_is_shown_before_a_new_client_is_saved(qtbot, ctx, region, open_form, add_clients):
    (existing,) = add_clients("Budi Santoso", birth_date=dt.date(1990, 9, 5), wilayah_code=HAMALAU)
    dialog = open_form()
    qtbot.keyClicks(dialog.name_edit, "Budi Santosa")
    dialog.sex_combo.setCurrentIndex(dialog.sex_combo.findData("L"))
    dialog.birth_known_check.setChecked(True)
    dialog.birth_date_edit.setDate(QDate(1990, 9, 5))
    dialog.wilayah_picker.set_code(HAMALAU)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.pages.currentWidget() is dialog.duplicate_panel, timeout=5000)
    assert count_clients(ctx.db) == 1  # nothing saved yet
    panel = dialog.duplicate_panel
    assert len(panel.open_buttons) == 1
    assert panel.open_buttons[0].hasFocus()
    card = panel.open_buttons[0].parentWidget()
    assert card.title_label.text() == f"Budi Santoso  ·  {existing.display_id}"
    assert card.detail_label.text().startswith("lahir 05-09-1990  ·  Hamalau\nNama ")
    assert "tanggal lahir sama" in card.detail_label.text() and "desa sama" in card.detail_label.text()
    qtbot.keyClick(panel.open_buttons[0], Qt.Key.Key_Escape)  # Esc goes back to the form
    assert dialog.pages.currentWidget() is dialog.scroll and dialog.isVisible()
    dialog.save()
    qtbot.waitUntil(lambda: dialog.pages.currentWidget() is dialog.duplicate_panel, timeout=5000)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(panel.save_anyway_button, Qt.MouseButton.LeftButton)
    assert count_clients(ctx.db) == 2
    assert dialog.saved_client.values["name"] == "Budi Santosa"


def test_open_this_client_closes_the_form_without_saving(qtbot, ctx, open_form, add_clients):
    (existing,) = add_clients("Siti Aminah", sex="P", nik=NIK_FEMALE)
    dialog = open_form()
    qtbot.keyClicks(dialog.name_edit, "Sitti Aminah")
    _type_in(qtbot, dialog.nik_edit, NIK_FEMALE)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.pages.currentWidget() is dialog.duplicate_panel, timeout=5000)
    card = dialog.duplicate_panel.open_buttons[0].parentWidget()
    assert card.detail_label.text().startswith("NIK sama")
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog.duplicate_panel.open_buttons[0], Qt.Key.Key_Space)
    assert dialog.open_client_id == existing.id
    assert dialog.saved_client is None
    assert count_clients(ctx.db) == 1


def test_engine_problems_on_save_appear_under_their_field(qtbot, ctx, open_form, monkeypatch):
    def refuse(db, values, *, check_duplicates, **_files):
        raise ValidationError({"phone": "Nomor telepon tidak sah.", "household_id": "KK tidak ditemukan."})

    monkeypatch.setattr(client_form, "save_new_client", refuse)
    dialog = open_form()
    qtbot.keyClicks(dialog.name_edit, "Budi Santoso")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.problem("phone") == "Nomor telepon tidak sah.", timeout=5000)
    assert dialog.general_error.text() == "KK tidak ditemukan."
    assert dialog.phone_edit.hasFocus()
    assert dialog.isVisible() and dialog.save_button.isEnabled()


def test_a_storage_error_is_shown_in_the_error_dialog(qtbot, ctx, open_form, monkeypatch):
    def refuse(db, values, *, check_duplicates, **_files):
        raise StorageError("Database terkunci.", hint="Tutup aplikasi lain yang memakai database ini.")

    shown = []
    monkeypatch.setattr(client_form, "save_new_client", refuse)
    monkeypatch.setattr(client_form, "show_error", lambda parent, exc, **kw: shown.append(exc))
    dialog = open_form()
    qtbot.keyClicks(dialog.name_edit, "Budi Santoso")
    dialog.save()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert isinstance(shown[0], StorageError)
    assert dialog.isVisible() and dialog.name_edit.text() == "Budi Santoso"


def test_the_form_fits_a_1366x768_screen(qtbot, ctx, region, open_form):
    dialog = open_form()
    assert dialog.width() <= 1366 and dialog.height() <= 768 - 40
    assert dialog.scroll.verticalScrollBar().maximum() == 0  # everything visible without scrolling
    assert dialog.scroll.horizontalScrollBar().maximum() == 0
    dialog.save()  # every problem shown
    assert dialog.width() <= 1366 and dialog.height() <= 768 - 40
    assert dialog.scroll.horizontalScrollBar().maximum() == 0


# --- the Klien screen opens the form ------------------------------------------------------------------------

@pytest.fixture
def klien(qtbot, ctx):
    from ui.change_bus import ChangeBus
    from ui.views.klien import KlienView

    view = KlienView(ctx, ChangeBus())
    qtbot.addWidget(view)
    view.setMinimumSize(800, 500)  # explicit, like MainWindow: offscreen Qt warns when a shown minimum changes
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: view.isActiveWindow() and not view.busy)
    return view


def _form_of(qtbot, view, monkeypatch) -> ClientFormDialog:
    qtbot.waitUntil(lambda: view.form is not None and view.form.isVisible())
    monkeypatch.setattr(view.form, "confirm_discard", lambda: True)
    return view.form


def test_ctrl_n_opens_a_new_form_and_saving_refreshes_the_list(qtbot, ctx, klien, monkeypatch):
    assert klien.new_button.text() == "Klien baru"
    assert "Ctrl+N" in klien.new_button.toolTip()
    qtbot.keyClick(klien.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = _form_of(qtbot, klien, monkeypatch)
    assert form.client_id is None and form.isModal()
    qtbot.keyClicks(form.name_edit, "Rina Marlina")
    with qtbot.waitSignal(klien.bus.clients_changed, timeout=5000):
        qtbot.keyClick(form.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: klien.model.rowCount() == 1 and klien.model.index(0, 1).data() == "Rina Marlina")
    assert klien.form is None


def test_enter_or_double_click_on_a_row_opens_that_client(qtbot, ctx, klien, add_clients, monkeypatch):
    clients = add_clients("Ahmad Fauzi", "Budi Santoso")
    klien.bus.clients_changed.emit()
    qtbot.waitUntil(lambda: klien.model.rowCount() == 2)
    klien.table.setFocus()
    klien.table.setCurrentIndex(klien.model.index(1, 1))
    qtbot.keyClick(klien.table, Qt.Key.Key_Return)
    form = _form_of(qtbot, klien, monkeypatch)
    assert form.client_id == clients[1].id and form.name_edit.text() == "Budi Santoso"
    with qtbot.waitSignal(form.finished):
        form.reject()
    assert klien.form is None
    center = klien.table.visualRect(klien.model.index(0, 1)).center()
    qtbot.mouseClick(klien.table.viewport(), Qt.MouseButton.LeftButton, pos=center)  # a double click: a click,
    qtbot.mouseDClick(klien.table.viewport(), Qt.MouseButton.LeftButton, pos=center)  # then the second press
    form = _form_of(qtbot, klien, monkeypatch)
    assert form.client_id == clients[0].id


def test_open_this_client_from_the_duplicate_panel_opens_its_form(qtbot, ctx, klien, add_clients, monkeypatch):
    (existing,) = add_clients("Siti Aminah", sex="P", nik=NIK_FEMALE)
    klien.new_client()
    form = _form_of(qtbot, klien, monkeypatch)
    qtbot.keyClicks(form.name_edit, "Siti Aminah")
    _type_in(qtbot, form.nik_edit, NIK_FEMALE)
    form.save()
    qtbot.waitUntil(lambda: form.pages.currentWidget() is form.duplicate_panel, timeout=5000)
    qtbot.mouseClick(form.duplicate_panel.open_buttons[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: klien.form is not None and klien.form is not form and klien.form.isVisible())
    monkeypatch.setattr(klien.form, "confirm_discard", lambda: True)
    assert klien.form.client_id == existing.id
    assert count_clients(ctx.db) == 1


def test_ppks_categories_are_found_by_abbreviation_and_ticked_with_the_keyboard(qtbot, open_form):
    dialog = open_form()
    checklist = dialog.ppks_list
    _type_in(qtbot, checklist.search_edit, "abt")  # Anak Balita Telantar
    visible = [checklist.list.item(i).text() for i in range(checklist.list.count())
               if not checklist.list.isRowHidden(i)]
    assert visible == ["Anak Balita Telantar"]
    qtbot.keyClick(checklist.search_edit, Qt.Key.Key_Down)
    assert checklist.list.hasFocus() and checklist.list.currentRow() == 0
    qtbot.keyClick(checklist.list, Qt.Key.Key_Space)
    assert checklist.codes() == ["anak_balita_telantar"]
    assert checklist.summary_label.text() == "Dipilih: Anak Balita Telantar"
    assert dialog.values()["ppks_categories"] == ["anak_balita_telantar"]
    assert dialog.dirty


# --- pre-filled values (a new member of a household) ---------------------------------------------------------

@pytest.fixture
def household(ctx):
    """A household (KK) stored as the household screen would store it."""
    from atensi_desktop.db.models import Household

    with ctx.db.session() as s:
        row = Household(no_kk="6306010101090001", address="Jl. Aluh Idut RT 02", wilayah_code=HAMALAU)
        s.add(row)
        s.flush()
        return row.id


def test_a_prefilled_form_shows_the_values_and_saves_the_household(qtbot, ctx, region, household, monkeypatch):
    dialog = ClientFormDialog(ctx, initial={"household_id": str(household), "relation_to_head": "anak",
                                            "address": "Jl. Aluh Idut RT 02", "wilayah_code": HAMALAU})
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.relation_combo.currentData() == "anak"
    assert dialog.address_edit.toPlainText() == "Jl. Aluh Idut RT 02"
    assert dialog.wilayah_picker.code() == HAMALAU  # not replaced by the office's kab/kota
    assert not dialog.dirty and dialog.changes() == {}
    assert dialog.draft_path.name == f"klien-baru-kk-{household}.json"
    qtbot.keyClicks(dialog.name_edit, "Ahmad Fauzi")
    assert dialog.dirty and dialog.changes() == {"name": "Ahmad Fauzi"}
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save()
    values = get_client(ctx.db, dialog.saved_client.id).values
    assert values["household_id"] == household and values["relation_to_head"] == "anak"
    assert values["wilayah_code"] == HAMALAU and values["address"] == "Jl. Aluh Idut RT 02"


def test_closing_an_untouched_prefilled_form_does_not_ask(qtbot, ctx, household):
    dialog = ClientFormDialog(ctx, initial={"household_id": household, "relation_to_head": "istri"})
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.rejected, timeout=2000):  # no question (a message box would fail the test)
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Escape)
    assert count_clients(ctx.db) == 0


def test_prefilled_keys_must_be_fields_of_the_form(ctx):
    with pytest.raises(ValueError, match="no_kk"):
        ClientFormDialog(ctx, initial={"no_kk": "6306010101090001"})


def test_prefilled_values_are_ignored_when_editing_a_client(qtbot, ctx, add_clients):
    [budi] = add_clients("Budi Santoso")
    dialog = ClientFormDialog(ctx, client_id=budi.id, initial={"relation_to_head": "anak"})
    qtbot.addWidget(dialog)
    assert dialog.relation_combo.currentData() is None and not dialog.dirty
