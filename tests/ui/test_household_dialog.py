"""The household window: members head first, join / move / leave / head / relation, new households, keyboard."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from atensi_desktop.services import households as hh
from atensi_desktop.services.clients import create_client, get_client
from atensi_desktop.services.wilayah import load_demo_region
from ui.change_bus import ChangeBus
from ui.dialogs import household as ui_household
from ui.dialogs.household import (
    ClientPickerDialog,
    HouseholdDialog,
    MembersModel,
    MoveDialog,
    MoveOptions,
    open_household,
)

KK = "6306011205100003"
KK2 = "6306021506150001"
HAMALAU = "63.06.01.2001"


@pytest.fixture
def family(ctx):
    load_demo_region(ctx.db)
    house = hh.create_household(ctx.db, {"no_kk": KK, "address": "Jl. Kamboja No. 5", "wilayah_code": HAMALAU})

    def add(name, sex, relation, born, **values):
        client = create_client(ctx.db, {"name": name, "sex": sex, "birth_date": born, **values})
        hh.add_member(ctx.db, house.id, client.id, relation)
        return client.id

    ids = {"child": add("Rina", "P", "anak", dt.date(2010, 5, 6), nik="6306014605100001"),
           "head": add("Ahmad Fauzi", "L", "kepala_keluarga", dt.date(1980, 1, 2)),
           "wife": add("Siti Aminah", "P", "istri", dt.date(1984, 3, 4))}
    ids["loner"] = create_client(ctx.db, {"name": "Rahmat Hidayat", "sex": "L"}).id
    ids["id"] = house.id
    return ids


@pytest.fixture
def bus():
    return ChangeBus()


@pytest.fixture
def errors(monkeypatch):
    """Errors the dialog shows, captured instead of a modal box."""
    shown = []
    monkeypatch.setattr(ui_household, "show_error", lambda _parent, exc, **_kw: shown.append(exc))
    return shown


@pytest.fixture
def show(qtbot, ctx, bus):
    def make(**kwargs) -> HouseholdDialog:
        dialog = HouseholdDialog(ctx, bus, **kwargs)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        return dialog

    return make


def _names(dialog):
    return [dialog.model.member(r).name for r in range(dialog.model.rowCount())]


def _select(dialog, name):
    row = _names(dialog).index(name)
    dialog.table.selectRow(row)
    return row


def _answer(monkeypatch, dialog, *, confirm=True, relation=None):
    asked = []
    monkeypatch.setattr(dialog, "confirm", lambda title, text: asked.append(text) or confirm)
    monkeypatch.setattr(dialog, "ask_relation", lambda title, text, **kw: asked.append(text) or relation)
    return asked


def test_members_model_passes_the_model_tester(qtmodeltester, ctx, family):
    model = MembersModel()
    model.set_members(hh.household_detail(ctx.db, family["id"]).members)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 3 and model.columnCount() == 6
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)]
    assert headers == ["Hubungan", "Nama", "ID", "NIK", "L/P", "Umur"]
    rina = model.index(2, MembersModel.NIK)
    assert rina.data() == "630601**********"
    assert model.index(2, MembersModel.RELATION).data() == "Anak"


def test_the_window_shows_the_household_head_first(show, family):
    dialog = show(household_id=family["id"])
    assert dialog.windowTitle() == f"Keluarga — No. KK {KK}"
    assert dialog.no_kk_edit.text() == KK and dialog.address_edit.text() == "Jl. Kamboja No. 5"
    assert dialog.wilayah_picker.code() == HAMALAU
    assert _names(dialog) == ["Ahmad Fauzi", "Siti Aminah", "Rina"]
    assert dialog.table.hasFocus() and dialog.current_member().name == "Ahmad Fauzi"
    assert not dialog.head_button.isEnabled()  # already the head
    assert not dialog.archive_button.isEnabled()  # has members
    _select(dialog, "Rina")
    assert dialog.head_button.isEnabled() and dialog.move_button.isEnabled()


def test_it_fits_a_1366x768_laptop(show, family):
    dialog = show(household_id=family["id"])
    assert dialog.width() <= 1366 and dialog.height() <= 768 - 40
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 768 - 40


def test_change_relation_with_the_keyboard(qtbot, monkeypatch, show, family, bus):
    dialog = show(household_id=family["id"])
    asked = _answer(monkeypatch, dialog, relation="famili_lain")
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)  # the third member: Rina
    with qtbot.waitSignal(bus.clients_changed):
        qtbot.keyClick(dialog, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # &Ubah hubungan
    assert asked == ["Hubungan Rina dengan kepala keluarga:"]
    assert get_client(dialog.ctx.db, family["child"]).values["relation_to_head"] == "famili_lain"
    assert dialog.current_member().name == "Rina" and dialog.status_label.text() == "Hubungan Rina diubah."


def test_a_second_head_is_refused_in_the_engines_words(monkeypatch, show, family, errors):
    dialog = show(household_id=family["id"])
    _answer(monkeypatch, dialog, relation="kepala_keluarga")
    _select(dialog, "Siti Aminah")
    dialog.change_relation()
    assert len(errors) == 1 and "sudah punya kepala keluarga: Ahmad Fauzi" in errors[0].message
    assert get_client(dialog.ctx.db, family["wife"]).values["relation_to_head"] == "istri"


def test_make_head_asks_the_old_heads_new_relation(monkeypatch, show, family, bus, qtbot):
    dialog = show(household_id=family["id"])
    asked = _answer(monkeypatch, dialog, relation="suami")
    _select(dialog, "Siti Aminah")
    with qtbot.waitSignal(bus.clients_changed):
        dialog.make_head()
    assert asked == ["Siti Aminah menjadi kepala keluarga. Apa hubungan Ahmad Fauzi dengan Siti Aminah?"]
    assert _names(dialog)[:2] == ["Siti Aminah", "Ahmad Fauzi"]
    assert dialog.detail.head.name == "Siti Aminah"
    assert dialog.detail.members[1].relation == "suami"


def test_remove_asks_first_and_keeps_the_client(monkeypatch, show, family, bus, qtbot):
    dialog = show(household_id=family["id"])
    asked = _answer(monkeypatch, dialog, confirm=False)
    _select(dialog, "Rina")
    dialog.remove_member()
    assert len(asked) == 1 and "Data kliennya tetap tersimpan" in asked[0]
    assert len(_names(dialog)) == 3  # said no: nothing changed
    _answer(monkeypatch, dialog, confirm=True)
    with qtbot.waitSignal(bus.clients_changed):
        dialog.remove_member()
    assert _names(dialog) == ["Ahmad Fauzi", "Siti Aminah"]
    rina = get_client(dialog.ctx.db, family["child"])
    assert rina.values["household_id"] is None and not rina.archived


def test_move_to_another_household_is_confirmed(monkeypatch, show, family, ctx):
    other = hh.create_household(ctx.db, {"no_kk": KK2})
    dialog = show(household_id=family["id"])
    _select(dialog, "Rina")
    monkeypatch.setattr(dialog, "ask_move", lambda member: MoveOptions(KK2, "kepala_keluarga", False, other.id))
    asked = _answer(monkeypatch, dialog, confirm=False)
    dialog.move_member()
    assert asked == [f"Pindahkan Rina dari KK {KK} ke KK {KK2}?"]
    assert hh.household_of_client(ctx.db, family["child"]) == family["id"]
    _answer(monkeypatch, dialog, confirm=True)
    dialog.move_member()
    assert hh.household_of_client(ctx.db, family["child"]) == other.id
    assert _names(dialog) == ["Ahmad Fauzi", "Siti Aminah"]
    assert dialog.status_label.text() == f"Rina dipindahkan ke KK {KK2}."


def test_moving_the_head_away_says_the_household_needs_a_new_head(monkeypatch, show, family, ctx):
    dialog = show(household_id=family["id"])
    _select(dialog, "Ahmad Fauzi")
    monkeypatch.setattr(dialog, "ask_move", lambda member: MoveOptions(KK2, "kepala_keluarga", True, None))
    asked = _answer(monkeypatch, dialog, confirm=True)
    dialog.move_member()
    assert asked[0].endswith("Keluarga baru dengan No. KK itu akan dibuat.")
    assert hh.find_household(ctx.db, KK2).head_name == "Ahmad Fauzi"
    assert "tanpa kepala keluarga" in dialog.status_label.text()
    assert "belum punya kepala keluarga" in dialog.notice_label.text()


def test_the_move_dialog_looks_the_no_kk_up_as_typed(qtbot, ctx, family):
    hh.create_household(ctx.db, {"no_kk": KK2})
    member = hh.household_detail(ctx.db, family["id"]).members[2]
    dialog = MoveDialog(ctx, member, current_id=family["id"])
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.no_kk_edit, "6306 0215")
    assert not dialog.ok_button.isEnabled() and "16 angka" in dialog.found_label.text()
    qtbot.keyClicks(dialog.no_kk_edit, " 0615 0001")
    assert dialog.found_label.text() == "Ditemukan keluarga tanpa kepala keluarga (0 anggota)."
    assert dialog.ok_button.isEnabled() and not dialog.create_check.isEnabled()
    dialog.no_kk_edit.setText("6306-0112-0510-0003")
    assert dialog.found_label.text() == "Ini keluarganya sekarang. Ketik No. KK keluarga lain."
    assert not dialog.ok_button.isEnabled()
    dialog.no_kk_edit.setText("6306031506150002")
    assert dialog.create_check.isEnabled() and not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.create_check, Qt.Key.Key_Space)
    assert dialog.ok_button.isEnabled()
    assert dialog.options() == MoveOptions("6306031506150002", "anak", True, None)
    dialog.no_kk_edit.setText(KK2)
    hh.move_member(ctx.db, family["head"], to_no_kk=KK2)
    dialog.look_up()
    assert dialog.found_label.text() == "Ditemukan keluarga dengan kepala keluarga Ahmad Fauzi (1 anggota)."


def test_add_a_registered_client_by_searching(qtbot, monkeypatch, show, family, ctx, bus):
    dialog = show(household_id=family["id"])

    failures = []

    def drive_picker():
        picker = QApplication.activeModalWidget()
        try:
            steps(picker)
        except Exception as exc:  # noqa: BLE001 - reported below; the modal picker must not stay open
            failures.append(exc)
            picker.reject()

    def steps(picker):
        assert isinstance(picker, ClientPickerDialog)
        qtbot.waitUntil(picker.search_edit.hasFocus, timeout=2000)  # the search box has the focus when shown
        assert picker.relation.currentData() == "anak"  # the household has a head
        qtbot.keyClicks(picker.search_edit, "rahmat")
        picker.search()  # what the typing timer does
        assert picker.results.count() == 1 and picker.results.item(0).text().startswith("Rahmat Hidayat (")
        qtbot.keyClick(picker.search_edit, Qt.Key.Key_Down)
        assert picker.results.hasFocus()
        picker.relation.setCurrentIndex(picker.relation.findData("famili_lain"))
        qtbot.keyClick(picker.results, Qt.Key.Key_Return)

    QTimer.singleShot(0, drive_picker)
    with qtbot.waitSignal(bus.clients_changed, raising=False) as added:
        dialog.add_existing()
    assert failures == [] and added.signal_triggered
    assert _names(dialog)[-1] == "Rahmat Hidayat"
    assert dialog.current_member().relation == "famili_lain"


def test_the_picker_leaves_out_members_already_in_the_household(qtbot, ctx, family):
    picker = ClientPickerDialog(ctx, exclude={family["child"]}, has_head=False)
    qtbot.addWidget(picker)
    assert picker.relation.currentData() == "kepala_keluarga"
    picker.search_edit.setText("rina")
    picker.search()
    assert picker.results.count() == 0
    assert picker.status_label.text() == "Tidak ada klien yang cocok. Periksa ejaan atau cari dengan NIK."
    assert not picker.ok_button.isEnabled()


def test_a_registered_client_from_another_household_is_moved_after_asking(monkeypatch, show, family, ctx, qtbot):
    other = hh.create_household(ctx.db, {"no_kk": KK2})
    hh.add_member(ctx.db, other.id, family["loner"], "kepala_keluarga")
    picker = ClientPickerDialog(ctx, exclude=set(), has_head=True)
    qtbot.addWidget(picker)
    picker.search_edit.setText("rahmat")
    picker.search()
    assert picker.results.item(0).text().endswith(f" · sudah di KK {KK2}")
    assert picker.results.item(0).text().split("\n")[1].startswith("tanpa NIK · tanggal lahir kosong")
    dialog = show(household_id=family["id"])
    monkeypatch.setattr(dialog, "pick_client", lambda: ui_household.PickedClient(family["loner"], "Rahmat Hidayat",
                                                                                 "famili_lain"))
    asked = _answer(monkeypatch, dialog, confirm=False)
    dialog.add_existing()
    assert asked == [f"Rahmat Hidayat sudah tercatat di KK {KK2}. Pindahkan ke KK {KK}?"]
    assert hh.household_of_client(ctx.db, family["loner"]) == other.id
    _answer(monkeypatch, dialog, confirm=True)
    dialog.add_existing()
    assert hh.household_of_client(ctx.db, family["loner"]) == family["id"]
    assert dialog.current_member().name == "Rahmat Hidayat" and dialog.current_member().relation == "famili_lain"


class _FakeForm(QDialog):
    """Stands in for the client form: 'saves' a client when accepted."""

    def __init__(self, ctx, values):
        super().__init__()
        self.saved_client = None
        self._ctx, self._values = ctx, values

    def open(self):
        self.saved_client = create_client(self._ctx.db, self._values)
        QTimer.singleShot(0, self.accept)


def test_a_new_member_from_the_client_form_joins_the_household(qtbot, monkeypatch, show, family, ctx, bus):
    dialog = show(household_id=family["id"])
    made = []

    def fake(initial):
        made.append(dict(initial))
        return _FakeForm(ctx, {"name": "Budi", "sex": "L", "relation_to_head": initial["relation_to_head"]})

    monkeypatch.setattr(dialog, "make_client_form", fake)
    with qtbot.waitSignal(bus.clients_changed):
        dialog.add_new_member()
    assert made == [{"relation_to_head": "anak", "address": "Jl. Kamboja No. 5", "wilayah_code": HAMALAU}]
    qtbot.waitUntil(lambda: "Budi" in _names(dialog))
    assert dialog.current_member().name == "Budi" and dialog.current_member().relation == "anak"


def test_the_client_form_is_opened_for_a_new_client(qtbot, show, family, monkeypatch):
    dialog = show(household_id=family["id"])
    form = dialog.make_client_form({"relation_to_head": "anak", "address": "Jl. Kamboja No. 5",
                                    "wilayah_code": HAMALAU})
    qtbot.addWidget(form)
    assert form.client_id is None and form.windowTitle() == "Klien baru"
    from ui.dialogs.client_form import ClientFormDialog

    if "initial" in inspect.signature(ClientFormDialog).parameters:
        values = form.values()
        assert (values["relation_to_head"], values["address"], values["wilayah_code"]) == (
            "anak", "Jl. Kamboja No. 5", HAMALAU)


def test_a_client_without_a_household_gets_one(qtbot, ctx, bus, family, monkeypatch):
    dialog = open_household(None, ctx, bus, client_id=family["loner"])
    qtbot.addWidget(dialog)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    assert dialog.windowTitle() == "Keluarga baru"
    assert "Rahmat Hidayat belum tercatat di keluarga mana pun" in dialog.notice_label.text()
    assert not dialog.new_member_button.isEnabled() and not dialog.existing_button.isEnabled()
    assert dialog.relation_for_client.currentData() == "kepala_keluarga"
    dialog.no_kk_edit.setText("6306 0215 0615")
    dialog.save_fields()
    assert dialog.no_kk_error.text() == ("Nomor KK harus 16 angka; yang diisi 12 angka. Salin ke-16 angka dari "
                                         "Kartu Keluarga.")
    dialog.no_kk_edit.setText("6306 0215 0615 0001")
    dialog.address_edit.setText("Jl. Melati 2")
    with qtbot.waitSignal(bus.clients_changed):
        dialog.save_fields()
    assert dialog.no_kk_error.isHidden()
    assert _names(dialog) == ["Rahmat Hidayat"] and dialog.detail.head.name == "Rahmat Hidayat"
    assert hh.find_household(ctx.db, KK2).address == "Jl. Melati 2"
    assert dialog.new_member_button.isEnabled()


def test_a_no_kk_already_recorded_offers_that_household(qtbot, ctx, bus, family, monkeypatch):
    dialog = open_household(None, ctx, bus, client_id=family["loner"])
    qtbot.addWidget(dialog)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    asked = _answer(monkeypatch, dialog, confirm=True)
    dialog.relation_for_client.setCurrentIndex(dialog.relation_for_client.findData("famili_lain"))
    dialog.no_kk_edit.setText(KK)
    dialog.save_fields()
    assert asked == ["Buka keluarga dengan No. KK itu dan tambahkan Rahmat Hidayat ke sana?"]
    assert dialog.household_id == family["id"]
    assert _names(dialog)[-1] == "Rahmat Hidayat" and dialog.detail.members[-1].relation == "famili_lain"


def test_open_household_by_client_and_an_unknown_id(qtbot, ctx, bus, family, errors):
    dialog = open_household(None, ctx, bus, client_id=family["child"])
    assert dialog.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    qtbot.addWidget(dialog)
    assert dialog.household_id == family["id"] and dialog.isVisible() and dialog.isModal()
    dialog.close()
    from atensi_desktop.sync.ids import uuid7

    assert open_household(None, ctx, bus, household_id=uuid7()) is None
    assert errors[0].message == "Keluarga tidak ditemukan."


def test_edit_no_kk_and_archive_an_empty_household(monkeypatch, show, family, ctx, qtbot, bus):
    dialog = show(household_id=family["id"])
    dialog.address_edit.setText("Jl. Kamboja No. 7")
    assert dialog.dirty
    dialog.save_fields()
    assert hh.household_detail(ctx.db, family["id"]).address == "Jl. Kamboja No. 7" and not dialog.dirty
    _answer(monkeypatch, dialog, confirm=True)
    for _ in range(3):
        dialog.table.selectRow(0)
        dialog.remove_member()
    assert dialog.model.rowCount() == 0 and dialog.archive_button.isEnabled()
    with qtbot.waitSignal(bus.clients_changed):
        dialog.archive_or_restore()
    assert dialog.detail.archived and not dialog.new_member_button.isEnabled()
    assert not dialog.no_kk_edit.isEnabled()
    assert dialog.archive_button.text() == "P&ulihkan keluarga"
    dialog.archive_or_restore()
    assert not dialog.detail.archived


def test_closing_with_unsaved_fields_asks(monkeypatch, show, family):
    dialog = show(household_id=family["id"])
    dialog.address_edit.setText("Jl. Baru")
    asked = _answer(monkeypatch, dialog, confirm=False)
    dialog.reject()
    assert dialog.isVisible() and asked == ["Data keluarga yang diubah belum disimpan. Tutup tanpa menyimpan?"]
    _answer(monkeypatch, dialog, confirm=True)
    dialog.reject()
    assert not dialog.isVisible()


def test_every_action_has_a_mnemonic_and_an_accessible_table(show, family):
    dialog = show(household_id=family["id"])
    buttons = [dialog.new_member_button, dialog.existing_button, dialog.move_button, dialog.remove_button,
               dialog.head_button, dialog.relation_button, dialog.save_button, dialog.archive_button]
    keys = [b.text()[b.text().index("&") + 1].lower() for b in buttons]
    assert len(set(keys)) == len(keys)
    assert dialog.table.accessibleName() == "Anggota keluarga"
