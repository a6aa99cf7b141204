"""Duplicates on entry: a new client's typed data merged into the registered client, and the warning when
an edit gives a client a NIK another client has. Driven like a user would, with the keyboard where it counts."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from PIL import Image
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import func, select

from atensi_desktop.db.models import Version
from atensi_desktop.services import documents, duplicates
from atensi_desktop.services.clients import archive_client, count_clients, get_client
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.services.wilayah import load_demo_region
from ui.dialogs.client_form import ClientFormDialog
from ui.dialogs.merge_clients import MergeClientsDialog, MergeEntryDialog, merge_entry_with_files

NIK_FEMALE = "6306014509900001"  # perempuan, lahir 05-09-1990
NIK_MALE = "6306010509900001"  # laki-laki, lahir 05-09-1990
HAMALAU = "63.06.01.2001"
SHOTS = os.environ.get("ATENSI_SHOTS")  # a folder: save screenshots there


@pytest.fixture
def region(ctx):
    load_demo_region(ctx.db)
    setup_installation(ctx.db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan",
                                           office_type="dinas_sosial", code="DSHSS", wilayah_code="63.06"),
                       WorkerInput(name="Siti Rahmah"))


@pytest.fixture
def open_form(qtbot, ctx, monkeypatch):
    def make(client_id=None) -> ClientFormDialog:
        dialog = ClientFormDialog(ctx, client_id=client_id)
        monkeypatch.setattr(dialog, "confirm_discard", lambda: True)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        return dialog

    return make


def _versions(ctx, client_id) -> list[str]:
    with ctx.db.session() as s:
        return list(s.scalars(select(Version.col).where(Version.rid == client_id).order_by(Version.seq)))


def _version_count(ctx) -> int:
    with ctx.db.session() as s:
        return s.scalar(select(func.count()).select_from(Version))


def _type_in(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def _key(qtbot, key) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key)


def _shot(widget, name: str) -> None:
    if SHOTS:
        widget.grab().save(os.path.join(SHOTS, name))


@pytest.fixture
def siti(add_clients):
    (client,) = add_clients("Siti Aminah", sex="P", nik=NIK_FEMALE, birth_date=dt.date(1990, 9, 5),
                            phone="0812 1111 2222", address="Jl. Lama")
    return client


def _type_siti_again(qtbot, dialog) -> None:
    """The same woman typed again, with a spelling variant, a new phone and address and her religion."""
    qtbot.keyClicks(dialog.name_edit, "Sitti Aminah")
    _type_in(qtbot, dialog.nik_edit, NIK_FEMALE)
    dialog.fill_from_nik()
    _type_in(qtbot, dialog.phone_edit, "0852 7777 1234")
    _type_in(qtbot, dialog.address_edit, "Jl. Baru No. 3")
    dialog.religion_combo.setCurrentIndex(dialog.religion_combo.findData("islam"))


def _panel_shown(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: dialog.pages.currentWidget() is dialog.duplicate_panel, timeout=5000)


def _merge_dialog(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog.merge_dialog is not None and dialog.merge_dialog.isActiveWindow())
    return dialog.merge_dialog


def test_typed_values_are_merged_into_the_existing_client(qtbot, ctx, open_form, siti):
    before = _versions(ctx, siti.id)
    dialog = open_form()
    _type_siti_again(qtbot, dialog)
    dialog.save()
    _panel_shown(qtbot, dialog)
    panel = dialog.duplicate_panel
    assert [b.text() for b in panel.merge_buttons] == ["Gabungkan ke klien ini…"]
    qtbot.mouseClick(panel.merge_buttons[0], Qt.MouseButton.LeftButton)
    merge = _merge_dialog(qtbot, dialog)
    assert isinstance(merge, MergeEntryDialog)
    assert merge.existing.id == siti.id
    # only what differs is listed: not the NIK, sex or birth date typed alike
    assert list(merge.rows) == ["name", "religion", "phone", "address"]
    assert merge.rows["phone"].a_button.text() == "0812 1111 2222"
    assert merge.rows["phone"].b_button.text() == "0852 7777 1234"
    assert merge.rows["phone"].side() == "existing"  # the record's value by default
    assert merge.rows["religion"].side() == "entered"  # the record has none
    merge.rows["phone"].b_button.click()  # take the new phone number
    assert merge.take() == {"name": "existing", "religion": "entered", "phone": "entered", "address": "existing"}
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(merge.merge_button, Qt.MouseButton.LeftButton)
    assert dialog.saved_client is not None and dialog.saved_client.id == siti.id  # the list refreshes
    assert dialog.open_client_id is None  # nothing new to open
    assert count_clients(ctx.db) == 1  # no second record
    values = get_client(ctx.db, siti.id).values
    assert values["phone"] == "0852 7777 1234" and values["religion"] == "islam"
    assert values["name"] == "Siti Aminah" and values["address"] == "Jl. Lama"
    assert sorted(_versions(ctx, siti.id)[len(before):]) == ["phone", "religion"]  # ordinary edits
    assert not dialog.draft_path.exists()


def test_cancel_goes_back_to_the_panel_and_writes_nothing(qtbot, ctx, open_form, siti):
    dialog = open_form()
    _type_siti_again(qtbot, dialog)
    qtbot.waitUntil(dialog.draft_path.exists, timeout=5000)
    dialog.save()
    _panel_shown(qtbot, dialog)
    versions = _version_count(ctx)
    qtbot.mouseClick(dialog.duplicate_panel.merge_buttons[0], Qt.MouseButton.LeftButton)
    merge = _merge_dialog(qtbot, dialog)
    merge.choose("phone", "entered")
    with qtbot.waitSignal(merge.rejected):
        _key(qtbot, Qt.Key.Key_Escape)
    assert dialog.merge_dialog is None
    assert dialog.isVisible() and dialog.pages.currentWidget() is dialog.duplicate_panel
    # back where the user was (offscreen Qt activates no window after a modal one closes, so the
    # form's own focus widget is asked)
    assert dialog.focusWidget() is dialog.duplicate_panel.merge_buttons[0]
    assert _version_count(ctx) == versions and count_clients(ctx.db) == 1
    assert get_client(ctx.db, siti.id).values["phone"] == "0812 1111 2222"
    assert dialog.draft_path.exists()  # the typed data is still there
    assert dialog.saved_client is None


def test_the_whole_merge_with_the_keyboard_only(qtbot, ctx, open_form, siti):
    dialog = open_form()
    _type_siti_again(qtbot, dialog)
    dialog.phone_edit.setFocus()
    _key(qtbot, Qt.Key.Key_Return)  # save
    _panel_shown(qtbot, dialog)
    panel = dialog.duplicate_panel
    assert panel.open_buttons[0].hasFocus()
    _key(qtbot, Qt.Key.Key_Tab)
    assert panel.merge_buttons[0].hasFocus()  # the second button of the card is in the tab chain
    _key(qtbot, Qt.Key.Key_Tab)
    assert panel.back_button.hasFocus()
    _key(qtbot, Qt.Key.Key_Backtab)
    _key(qtbot, Qt.Key.Key_Space)
    merge = _merge_dialog(qtbot, dialog)
    assert merge.rows["name"].a_button.hasFocus()  # the first row's chosen value
    _key(qtbot, Qt.Key.Key_Right)  # the arrow keys move within a row: take the typed name
    assert merge.rows["name"].side() == "entered"
    _key(qtbot, Qt.Key.Key_Tab)  # Tab goes to the next row
    assert merge.rows["religion"].b_button.hasFocus()
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        _key(qtbot, Qt.Key.Key_Return)  # Gabungkan is the default button
    values = get_client(ctx.db, siti.id).values
    assert values["name"] == "Sitti Aminah" and values["religion"] == "islam"
    assert values["phone"] == "0812 1111 2222"
    assert count_clients(ctx.db) == 1


def test_same_nik_hits_come_first_and_say_so(qtbot, ctx, region, open_form, add_clients):
    (alike,) = add_clients("Siti Aminah", sex="P", birth_date=dt.date(1990, 9, 5), wilayah_code=HAMALAU)
    (same_nik,) = add_clients("Rahmah Wati", sex="P", nik=NIK_FEMALE)
    dialog = open_form()
    qtbot.keyClicks(dialog.name_edit, "Siti Aminah")
    _type_in(qtbot, dialog.nik_edit, NIK_FEMALE)
    dialog.fill_from_nik()
    dialog.wilayah_picker.set_code(HAMALAU)
    dialog.save()
    _panel_shown(qtbot, dialog)
    cards = [button.parentWidget() for button in dialog.duplicate_panel.open_buttons]
    assert [c.title_label.text().split("  ·  ")[1] for c in cards] == [same_nik.display_id, alike.display_id]
    assert cards[0].detail_label.text().startswith("NIK sama")
    assert "NIK sama" not in cards[1].detail_label.text()


def test_a_refusal_is_shown_in_the_merge_dialog(qtbot, ctx, open_form, siti):
    dialog = open_form()
    _type_siti_again(qtbot, dialog)
    dialog.save()
    _panel_shown(qtbot, dialog)
    qtbot.mouseClick(dialog.duplicate_panel.merge_buttons[0], Qt.MouseButton.LeftButton)
    merge = _merge_dialog(qtbot, dialog)
    archive_client(ctx.db, siti.id)  # archived meanwhile, by someone else
    merge.do_merge()
    qtbot.waitUntil(lambda: not merge.busy())
    assert merge.error_label.isVisible() and "sudah diarsipkan" in merge.error_label.text()
    assert merge.isVisible() and dialog.isVisible() and dialog.saved_client is None
    assert get_client(ctx.db, siti.id).values["phone"] == "0812 1111 2222"


def test_held_documents_go_to_the_existing_client_but_never_replace_its_photo(ctx, siti):
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(image, "PNG")
    documents.set_photo(ctx.db, ctx.paths.blobs, siti.id, image.getvalue())
    photo_before = documents.current_photo(ctx.db, siti.id)
    other = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(other, "PNG")
    files = [(documents.prepare_photo(other.getvalue(), file_name="baru.png"), documents.PHOTO, None),
             (documents.prepare_document(pdf, "ktp", file_name="ktp.pdf"), "ktp", "KTP baru")]
    client, failed = merge_entry_with_files(ctx.db, ctx.paths.blobs, siti.id, {"phone": "0813"},
                                            {"phone": "entered"}, files)
    assert failed == () and client.values["phone"] == "0813"
    assert documents.current_photo(ctx.db, siti.id) == photo_before  # her photo stays
    kept = [d for d in documents.list_documents(ctx.db, siti.id) if d.kind == "ktp"]
    assert [(d.file_name, d.note) for d in kept] == [("ktp.pdf", "KTP baru")]


def test_merging_from_the_klien_screen_refreshes_the_list_and_opens_nothing(qtbot, ctx, siti, monkeypatch):
    from ui.change_bus import ChangeBus
    from ui.views.klien import KlienView

    view = KlienView(ctx, ChangeBus())
    qtbot.addWidget(view)
    view.setMinimumSize(800, 500)
    view.resize(1100, 600)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: not view.busy)
    view.new_client()
    form = view.form
    monkeypatch.setattr(form, "confirm_discard", lambda: True)
    qtbot.waitUntil(form.isVisible)
    _type_siti_again(qtbot, form)
    form.save()
    _panel_shown(qtbot, form)
    qtbot.mouseClick(form.duplicate_panel.merge_buttons[0], Qt.MouseButton.LeftButton)
    merge = _merge_dialog(qtbot, form)
    with qtbot.waitSignal(view.bus.clients_changed, timeout=5000):
        qtbot.mouseClick(merge.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.form is None)
    qtbot.wait(50)
    assert view.form is None  # no form opened for the existing client
    assert count_clients(ctx.db) == 1
    assert get_client(ctx.db, siti.id).values["religion"] == "islam"


# --- editing: a NIK another client has ----------------------------------------------------------------------

@pytest.fixture
def two(add_clients):
    (budi,) = add_clients("Budi Santoso", nik=NIK_MALE, phone="0812 0000 1111")
    (other,) = add_clients("Budi Santosa")
    return budi, other


def _give_nik(qtbot, open_form, client_id):
    dialog = open_form(client_id)
    _type_in(qtbot, dialog.nik_edit, NIK_MALE)
    dialog.save()
    _panel_shown(qtbot, dialog)
    return dialog


def test_an_edit_to_a_nik_another_client_has_warns_before_saving(qtbot, ctx, open_form, two):
    budi, other = two
    dialog = _give_nik(qtbot, open_form, other.id)
    panel = dialog.duplicate_panel
    assert get_client(ctx.db, other.id).values["nik"] is None  # nothing saved yet
    assert panel.title_label.text() == "NIK ini sudah dipakai klien lain"
    assert [b.text() for b in panel.open_buttons] == ["Buka klien ini"]
    assert [b.text() for b in panel.merge_buttons] == ["Gabungkan…"]
    assert panel.save_anyway_button.text() == "Tetap simpan"
    card = panel.open_buttons[0].parentWidget()
    assert budi.display_id in card.title_label.text() and card.detail_label.text().startswith("NIK sama")
    _shot(dialog, "edit_same_nik.png")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(panel.save_anyway_button, Qt.MouseButton.LeftButton)
    assert get_client(ctx.db, other.id).values["nik"] == NIK_MALE


def test_an_edit_warning_can_merge_the_two_records(qtbot, ctx, open_form, two):
    budi, other = two
    dialog = _give_nik(qtbot, open_form, other.id)
    dialog.duplicate_panel.merge_buttons[0].setFocus()
    _key(qtbot, Qt.Key.Key_Space)
    merge = _merge_dialog(qtbot, dialog)
    assert isinstance(merge, MergeClientsDialog)
    assert (merge.a.id, merge.b.id) == (other.id, budi.id)  # this client is A, kept by default
    merge.choose("nik", "b")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(merge.merge_button, Qt.MouseButton.LeftButton)
    assert dialog.saved_client.id == other.id
    assert duplicates.resolve(ctx.db, budi.id) == other.id
    assert get_client(ctx.db, other.id).values["nik"] == NIK_MALE


def test_an_edit_warning_can_open_the_other_client(qtbot, ctx, open_form, two):
    budi, other = two
    dialog = _give_nik(qtbot, open_form, other.id)
    with qtbot.waitSignal(dialog.rejected):
        qtbot.mouseClick(dialog.duplicate_panel.open_buttons[0], Qt.MouseButton.LeftButton)
    assert dialog.open_client_id == budi.id
    assert get_client(ctx.db, other.id).values["nik"] is None


def test_an_edit_keeping_its_nik_or_marked_distinct_is_not_warned(qtbot, ctx, open_form, two):
    budi, other = two
    dialog = open_form(budi.id)
    _type_in(qtbot, dialog.phone_edit, "9")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save()
    duplicates.mark_distinct(ctx.db, budi.id, other.id)
    dialog = open_form(other.id)
    _type_in(qtbot, dialog.nik_edit, NIK_MALE)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save()
    assert get_client(ctx.db, other.id).values["nik"] == NIK_MALE


# --- how it looks at 1366×768 -------------------------------------------------------------------------------

def test_the_panel_and_the_merge_dialog_fit_a_laptop_screen(qtbot, ctx, region, open_form, add_clients):
    (siti,) = add_clients("Siti Aminah", sex="P", nik=NIK_FEMALE, birth_date=dt.date(1990, 9, 5),
                          wilayah_code=HAMALAU, phone="0812 1111 2222", address="Jl. Lama")
    add_clients("Siti Aminah", sex="P", birth_date=dt.date(1990, 9, 6), wilayah_code=HAMALAU)
    dialog = open_form()
    _type_siti_again(qtbot, dialog)
    dialog.wilayah_picker.set_code("63.06.01.2002")
    dialog.birth_known_check.setChecked(True)
    dialog.birth_date_edit.setDate(QDate(1990, 9, 5))
    dialog.save()
    _panel_shown(qtbot, dialog)
    panel = dialog.duplicate_panel
    assert len(panel.merge_buttons) == 2
    assert dialog.width() <= 1366 and dialog.height() <= 768 - 40
    for open_button, merge_button in zip(panel.open_buttons, panel.merge_buttons, strict=True):
        assert merge_button.isVisible() and merge_button.width() >= merge_button.sizeHint().width()
        assert open_button.width() == merge_button.width()
    _shot(dialog, "duplicate_panel.png")
    qtbot.mouseClick(panel.merge_buttons[0], Qt.MouseButton.LeftButton)
    merge = _merge_dialog(qtbot, dialog)
    assert merge.existing.id == siti.id
    assert merge.width() <= 1366 and merge.height() <= 768 - 40
    assert merge.scroll.verticalScrollBar().maximum() == 0  # every row visible
    assert merge.scroll.horizontalScrollBar().maximum() == 0
    _shot(merge, "merge_entry.png")
    merge.reject()
    assert merge.result() == QDialog.DialogCode.Rejected
