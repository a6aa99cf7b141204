"""The office set-up dialog: inline problems keep the typed data; a valid form is saved."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from atensi_desktop.services.office import installation_office, setup_installation
from ui.dialogs.setup import SetupDialog


@pytest.fixture
def dialog(qtbot, ctx, monkeypatch):
    dlg = SetupDialog(lambda office, worker: setup_installation(ctx.db, office, worker).office)
    monkeypatch.setattr(dlg, "confirm_discard", lambda: True)  # qtbot closes it after the test
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def test_empty_name_is_refused_inline(qtbot, ctx, dialog):
    qtbot.keyClicks(dialog.worker_name_edit, "Siti Rahmah")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.problem("name").startswith("Nama kantor wajib diisi")
    assert dialog.name_edit.property("invalid") is True
    assert dialog.worker_name_edit.text() == "Siti Rahmah"  # typed data kept
    assert dialog.name_edit.hasFocus()
    assert installation_office(ctx.db) is None


def test_problem_clears_when_the_field_is_edited(qtbot, dialog):
    dialog.save()
    assert dialog.problem("name")
    qtbot.keyClicks(dialog.name_edit, "L")
    assert dialog.problem("name") == ""
    assert not dialog.name_edit.property("invalid")


def test_several_office_problems_at_once(qtbot, dialog):
    qtbot.keyClicks(dialog.name_edit, "Panti Sosial Budi Luhur")
    qtbot.keyClicks(dialog.wilayah_edit, "99.zz")
    qtbot.keyClicks(dialog.email_edit, "bukan-email")
    dialog.save()
    assert dialog.problem("wilayah_code")
    assert dialog.problem("email").startswith("Alamat e-mail tidak sah")
    assert dialog.problem("name") == ""


def test_typing_the_name_suggests_type_and_code(qtbot, dialog):
    qtbot.keyClicks(dialog.name_edit, "Dinas Sosial Kabupaten Hulu Sungai Selatan")
    assert dialog.type_combo.currentData() == "dinas_sosial"
    assert dialog.code_edit.text() == "DSKHSS"
    dialog.code_edit.clear()
    qtbot.keyClicks(dialog.code_edit, "dshss")
    assert dialog.code_edit.text() == "DSHSS"
    qtbot.keyClicks(dialog.name_edit, " Baru")
    assert dialog.code_edit.text() == "DSHSS"  # typed by hand: no longer suggested


def test_valid_form_is_saved_and_enter_saves(qtbot, ctx, dialog):
    qtbot.keyClicks(dialog.name_edit, "Dinas Sosial Kabupaten Hulu Sungai Selatan")
    qtbot.keyClicks(dialog.city_edit, "Kandangan")
    assert dialog.city_preview.text().startswith("Tanggal surat: Kandangan, ")
    qtbot.keyClicks(dialog.worker_name_edit, "Siti Rahmah")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.worker_name_edit, Qt.Key.Key_Return)
    office = installation_office(ctx.db)
    assert office is not None
    assert office.name == "Dinas Sosial Kabupaten Hulu Sungai Selatan"
    assert office.office_type == "dinas_sosial"
    assert office.code == "DSKHSS"
    assert office.city == "Kandangan"
    assert dialog.saved_office == office


def test_escape_asks_before_discarding_typed_data(qtbot, dialog, monkeypatch):
    answers = [False, True]
    asked: list[bool] = []

    def confirm():
        asked.append(True)
        return answers.pop(0)

    monkeypatch.setattr(dialog, "confirm_discard", confirm)
    qtbot.keyClicks(dialog.name_edit, "Panti")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and len(asked) == 1
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert len(asked) == 2


def test_escape_on_an_untouched_form_closes_without_asking(qtbot, dialog, monkeypatch):
    monkeypatch.setattr(dialog, "confirm_discard", lambda: pytest.fail("should not ask"))
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_tab_order_follows_the_form(dialog):
    order = [dialog.name_edit, dialog.type_combo, dialog.code_edit, dialog.wilayah_edit, dialog.address_edit,
             dialog.city_edit, dialog.phone_edit, dialog.email_edit, dialog.worker_name_edit,
             dialog.worker_type_combo, dialog.worker_nip_edit]
    for current, following in zip(order, order[1:], strict=False):
        assert current.nextInFocusChain() is following or _next_focusable(current) is following


def _next_focusable(widget):
    candidate = widget.nextInFocusChain()
    while candidate is not widget and not (candidate.focusPolicy() & Qt.FocusPolicy.TabFocus):
        candidate = candidate.nextInFocusChain()
    return candidate


def test_fits_a_1366_by_768_screen(dialog):
    dialog.save()  # with problems shown, the dialog is at its tallest
    assert dialog.width() <= 1366 - 40
    assert dialog.height() <= 768 - 80


def test_editing_prefills_and_hides_the_worker(qtbot, ctx, office):
    from atensi_desktop.services.office import update_office

    dlg = SetupDialog(lambda data, _w: update_office(ctx.db, office.id, data), office=office, ask_worker=False)
    qtbot.addWidget(dlg)
    assert dlg.name_edit.text() == office.name
    assert dlg.code_edit.text() == "DSHSS"
    assert dlg.worker_input() is None
    assert not hasattr(dlg, "worker_name_edit")
    dlg.phone_edit.setText("(0517) 21000")
    dlg.save()
    assert installation_office(ctx.db).phone == "(0517) 21000"


def test_editing_keeps_office_fields_the_dialog_does_not_show(qtbot, ctx):
    from atensi_desktop.services.office import OfficeInput, setup_installation, update_office

    office = setup_installation(ctx.db, OfficeInput(
        name="Dinas Sosial Kabupaten Hulu Sungai Selatan", office_type="dinas_sosial",
        letterhead_lines=("PEMERINTAH KABUPATEN HULU SUNGAI SELATAN", "DINAS SOSIAL"),
        head_name="Drs. H. Ahmad", postal_code="71211")).office
    dlg = SetupDialog(lambda data, _w: update_office(ctx.db, office.id, data), office=office, ask_worker=False)
    qtbot.addWidget(dlg)
    dlg.phone_edit.setText("(0517) 21000")
    dlg.save()
    saved = installation_office(ctx.db)
    assert saved.phone == "(0517) 21000"
    assert (saved.head_name, saved.postal_code, saved.letterhead_lines) == (
        "Drs. H. Ahmad", "71211", office.letterhead_lines)
