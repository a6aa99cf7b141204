"""Petugas & Kantor: the worker and office lists, their forms with the engine's inline checks, deactivation."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from atensi_desktop.services.office import OfficeInput, WorkerInput, create_office, installation_office
from atensi_desktop.services.workers import (
    WorkerQuery,
    create_worker,
    deactivate_worker,
    get_worker,
    list_workers,
)
from ui.change_bus import ChangeBus
from ui.dialogs.office_form import OfficeFormDialog
from ui.dialogs.worker_form import WorkerFormDialog
from ui.views.petugas import PetugasView


@pytest.fixture
def workers(ctx, office):
    """Siti Rahmah (from set-up) plus three more, one at another office; Rina has two live cases."""
    from atensi_desktop.db.models import ClientCase
    from atensi_desktop.services.clients import create_client

    panti = create_office(ctx.db, OfficeInput(name="Panti Sosial Tresna Werdha Budi Sejahtera", office_type="panti"))
    rina = create_worker(ctx.db, WorkerInput(name="Rina Kartika, S.Tr.Sos.", nip="198609262015052001",
                                             position="Pekerja Sosial Ahli Pertama", phone="0812 3456 7890"))
    create_worker(ctx.db, WorkerInput(name="Ahmad Fauzi", worker_type="tksk"))
    create_worker(ctx.db, WorkerInput(name="Budi Santoso", worker_type="tks", office_id=panti.id))
    for number in (1, 2):
        client = create_client(ctx.db, {"name": f"Klien Nomor {number}", "sex": "L"})
        with ctx.db.session() as s:
            s.add(ClientCase(display_id=f"K-{number}", client_id=client.id, stage="asesmen", worker_id=rina.id,
                             opened_on=dt.date(2026, 1, 5)))
    return {"rina": rina, "panti": panti}


@pytest.fixture
def view(qtbot, ctx, office):
    bus = ChangeBus()
    widget = PetugasView(ctx, bus)
    widget.setMinimumSize(900, 600)  # explicit, like MainWindow: offscreen Qt warns when a shown window's minimum changes
    widget.resize(1150, 700)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _names(view) -> list[str]:
    return [view.worker_model.index(r, 0).data() for r in range(view.worker_model.rowCount())]


def _select(view, name: str) -> None:
    row = _names(view).index(name)
    view.worker_table.setFocus()
    view.worker_table.selectRow(row)


def test_models_pass_the_model_tester(qtmodeltester, view, workers):
    view.reload()
    assert view.worker_model.rowCount() == 4 and view.office_model.rowCount() == 2
    qtmodeltester.check(view.worker_model)
    qtmodeltester.check(view.office_model)


def test_worker_table_shows_the_columns_and_live_cases(view, workers):
    view.reload()
    assert _names(view) == ["Ahmad Fauzi", "Budi Santoso", "Rina Kartika, S.Tr.Sos.", "Siti Rahmah"]
    headers = [view.worker_model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)]
    assert headers == ["Nama", "Jenis", "NIP", "Jabatan", "No. HP", "Kasus aktif", "Status"]
    rina = [view.worker_model.index(2, c).data() for c in range(7)]
    assert rina == ["Rina Kartika, S.Tr.Sos.", "Pekerja Sosial", "19860926 201505 2 001",
                    "Pekerja Sosial Ahli Pertama", "0812 3456 7890", "2", "aktif"]
    assert view.worker_model.index(0, 1).data() == "TKSK"  # the full label is the tooltip
    assert view.worker_model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole).startswith("Tenaga Kesejahteraan")
    assert view.count_label.text() == "4 petugas aktif"


def test_search_and_filters(qtbot, view, workers):
    view.reload()
    qtbot.keyClicks(view.search_edit, "rina")
    qtbot.waitUntil(lambda: _names(view) == ["Rina Kartika, S.Tr.Sos."])
    view.search_edit.clear()
    qtbot.keyClicks(view.search_edit, "zzz")
    qtbot.keyClick(view.search_edit, Qt.Key.Key_Return)
    assert _names(view) == []
    assert view.worker_pages.currentWidget() is view.worker_empty
    assert "zzz" in view.worker_empty.text()
    view.search_edit.clear()
    view.reload_workers()
    assert view.office_filter.isVisibleTo(view)  # two offices: the office filter is offered
    view.office_filter.setCurrentIndex(view.office_filter.findData(str(workers["panti"].id)))
    assert _names(view) == ["Budi Santoso"]


def test_new_worker_form_shows_engine_problems_inline_then_saves(qtbot, ctx, view):
    emitted: list[bool] = []
    view.bus.office_changed.connect(lambda: emitted.append(True))
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = view.form
    assert isinstance(form, WorkerFormDialog) and form.isVisible()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    qtbot.keyClicks(form.name_edit, "Ri")
    qtbot.keyClicks(form.nip_edit, "1986092620150520")
    assert form.nip_line.text() == "NIP harus 18 angka; yang diisi 16 angka."
    qtbot.keyClicks(form.phone_edit, "telepon")
    form.save()
    assert form.isVisible()
    assert form.problem("name").startswith("Nama pendamping wajib diisi")
    assert form.problem("nip") == "NIP harus 18 angka; yang diisi 16 angka."
    assert form.problem("phone").startswith("Nomor telepon tidak sah")
    assert form.name_edit.hasFocus() and form.name_edit.property("invalid") is True
    qtbot.keyClicks(form.name_edit, "na Kartika")
    assert form.problem("name") == ""  # editing clears the field's problem
    qtbot.keyClicks(form.nip_edit, "01")
    assert form.nip_line.text().startswith("NIP sah · lahir 26 September 1986 · perempuan")
    form.phone_edit.clear()
    qtbot.keyClicks(form.phone_edit, "0812 3456 7890")
    with qtbot.waitSignal(form.finished):
        qtbot.keyClick(form.phone_edit, Qt.Key.Key_Return)
    assert view.form is None
    assert _names(view) == ["Rina Kartika", "Siti Rahmah"]
    saved = [w for w in list_workers(ctx.db) if w.name == "Rina Kartika"][0]
    assert (saved.nip, saved.phone, saved.office_id) == ("198609262015052001", "0812 3456 7890",
                                                         installation_office(ctx.db).id)
    assert view.selected_worker().id == saved.id  # the new worker is selected
    assert emitted == [True]


def test_leaving_a_field_checks_it(qtbot, view):
    form = view.new_worker()
    qtbot.keyClicks(form.email_edit, "rina.example.com")
    form.name_edit.setFocus()
    form.email_edit.editingFinished.emit()
    assert form.problem("email").startswith("Alamat e-mail tidak sah")
    assert form.problem("name") == ""  # not visited yet: judged on save
    form.reject = lambda: None


def test_enter_on_a_row_edits_and_unchanged_close_does_not_ask(qtbot, ctx, view, workers, monkeypatch):
    view.reload()
    _select(view, "Rina Kartika, S.Tr.Sos.")
    qtbot.keyClick(view.worker_table, Qt.Key.Key_Return)
    form = view.form
    assert isinstance(form, WorkerFormDialog)
    assert form.windowTitle() == "Ubah data petugas"
    assert form.name_edit.text() == "Rina Kartika, S.Tr.Sos." and form.nip_edit.text() == "19860926 201505 2 001"
    monkeypatch.setattr(form, "confirm_discard", lambda: pytest.fail("nothing changed: no question"))
    with qtbot.waitSignal(form.finished):
        qtbot.keyClick(form, Qt.Key.Key_Escape)


def test_closing_with_changes_asks_first(qtbot, ctx, view, workers, monkeypatch):
    view.reload()
    form = view.edit_worker(workers["rina"].id)
    answers = [False, True]
    monkeypatch.setattr(form, "confirm_discard", lambda: answers.pop(0))
    qtbot.keyClicks(form.rank_edit, "Penata Muda (III/a)")
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert form.isVisible() and answers == [True]  # kept open
    with qtbot.waitSignal(form.finished):
        qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert get_worker(ctx.db, workers["rina"].id).rank is None  # nothing saved


def test_edit_saves_and_a_taken_nip_is_shown_under_the_field(qtbot, ctx, view, workers):
    view.reload()
    form = view.edit_worker([w.id for w in list_workers(ctx.db) if w.name == "Ahmad Fauzi"][0])
    qtbot.keyClicks(form.nip_edit, "198609262015052001")
    form.save()
    assert form.problem("nip").startswith("NIP ini sudah tercatat untuk Rina Kartika")
    form.nip_edit.clear()
    qtbot.keyClicks(form.position_edit, "TKSK Kecamatan Kandangan")
    with qtbot.waitSignal(form.finished):
        form.save()
    assert form.result() == QDialog.DialogCode.Accepted
    row = _names(view).index("Ahmad Fauzi")
    assert view.worker_model.index(row, 3).data() == "TKSK Kecamatan Kandangan"


def test_deactivate_asks_names_live_cases_and_keeps_the_worker(qtbot, ctx, view, workers, monkeypatch):
    view.reload()
    asked: list[str] = []
    answers = [False, True, True]

    def confirm(title, text):
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(view, "confirm", confirm)
    _select(view, "Rina Kartika, S.Tr.Sos.")
    assert view.toggle_worker_button.text() == "&Nonaktifkan…"
    qtbot.mouseClick(view.toggle_worker_button, Qt.MouseButton.LeftButton)
    assert "masih mendampingi 2 kasus aktif" in asked[0]
    assert get_worker(ctx.db, workers["rina"].id).active  # "Tidak": nothing changed
    qtbot.mouseClick(view.toggle_worker_button, Qt.MouseButton.LeftButton)
    assert not get_worker(ctx.db, workers["rina"].id).active
    assert view.status_combo.currentData() == "all"  # still in sight, marked
    row = _names(view).index("Rina Kartika, S.Tr.Sos.")
    assert view.worker_model.index(row, 6).data() == "tidak aktif"
    assert view.count_label.text() == "3 petugas aktif · 1 tidak aktif"
    assert view.toggle_worker_button.text() == "&Aktifkan kembali…"
    assert [w.name for w in list_workers(ctx.db, WorkerQuery(status="inactive"))] == ["Rina Kartika, S.Tr.Sos."]
    qtbot.mouseClick(view.toggle_worker_button, Qt.MouseButton.LeftButton)
    assert get_worker(ctx.db, workers["rina"].id).active


def test_office_tab_marks_this_office_and_adds_another(qtbot, ctx, view, workers):
    view.tabs.setCurrentIndex(1)
    view.reload()
    rows = [(view.office_model.index(r, 0).data(), view.office_model.index(r, 6).data())
            for r in range(view.office_model.rowCount())]
    assert rows == [("Dinas Sosial Kabupaten Hulu Sungai Selatan", "kantor ini"),
                    ("Panti Sosial Tresna Werdha Budi Sejahtera", "")]
    assert view.office_model.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert view.office_model.index(1, 5).data() == "1"  # Budi works there
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # on this tab: a new office
    form = view.form
    assert isinstance(form, OfficeFormDialog)
    qtbot.keyClicks(form.name_edit, "LKS Anak Harapan Kandangan")
    assert form.code_edit.text() == "LAHK" and form.type_combo.currentData() == "lks"
    qtbot.keyClicks(form.email_edit, "bukan-email")
    form.save()
    assert form.problem("email").startswith("Alamat e-mail tidak sah")
    form.email_edit.clear()
    form.wilayah_picker.set_code("63")
    form.letterhead_edit.setPlainText("YAYASAN ANAK HARAPAN\n\n  LKS ANAK HARAPAN  ")
    with qtbot.waitSignal(form.finished):
        form.save()
    names = [view.office_model.index(r, 0).data() for r in range(view.office_model.rowCount())]
    assert names == ["Dinas Sosial Kabupaten Hulu Sungai Selatan", "LKS Anak Harapan Kandangan",
                     "Panti Sosial Tresna Werdha Budi Sejahtera"]
    assert view.office_model.index(1, 3).data() == "Kalimantan Selatan"
    assert installation_office(ctx.db).name == "Dinas Sosial Kabupaten Hulu Sungai Selatan"
    assert view.office_filter.count() == 4  # "Semua kantor" and the three offices


def test_another_office_is_archived_after_asking_and_restored(qtbot, ctx, view, workers, monkeypatch):
    from atensi_desktop.services.office import list_offices

    view.tabs.setCurrentIndex(1)
    view.reload()
    asked: list[str] = []
    monkeypatch.setattr(view, "confirm", lambda title, text: asked.append(text) or True)
    errors: list[str] = []
    monkeypatch.setattr("ui.views.petugas.show_error", lambda parent, exc: errors.append(exc.message))
    view.office_table.setFocus()
    view.office_table.selectRow(0)  # this office: never archived
    assert not view.archive_office_button.isEnabled()
    view.office_table.selectRow(1)
    assert view.archive_office_button.isEnabled() and view.archive_office_button.text() == "A&rsipkan…"
    qtbot.mouseClick(view.archive_office_button, Qt.MouseButton.LeftButton)
    assert errors == ["Panti Sosial Tresna Werdha Budi Sejahtera masih punya 1 petugas aktif."]  # Budi works there
    assert asked and "bisa dipulihkan" in asked[0]
    budi = next(w for w in list_workers(ctx.db, WorkerQuery(status="all")) if w.name == "Budi Santoso")
    deactivate_worker(ctx.db, budi.id)
    view.reload()
    view.office_table.selectRow(1)
    qtbot.mouseClick(view.archive_office_button, Qt.MouseButton.LeftButton)
    assert view.office_model.rowCount() == 1 and view.office_filter.count() == 2
    assert [o.archived for o in list_offices(ctx.db, include_archived=True)] == [False, True]
    view.show_archived_offices.setChecked(True)
    assert view.office_model.index(1, 6).data() == "diarsipkan"
    assert view.office_model.index(1, 0).data(Qt.ItemDataRole.ForegroundRole) is not None  # greyed
    view.office_table.selectRow(1)
    assert view.archive_office_button.text() == "Pu&lihkan" and not view.edit_office_button.isEnabled()
    qtbot.mouseClick(view.archive_office_button, Qt.MouseButton.LeftButton)
    assert [o.archived for o in list_offices(ctx.db, include_archived=True)] == [False, False]
    assert view.office_model.index(1, 6).data() == "" and len(asked) == 2  # restoring does not ask


def test_editing_this_office_from_the_list_keeps_the_rest(qtbot, ctx, view, workers):
    view.tabs.setCurrentIndex(1)
    view.reload()
    view.office_table.setFocus()
    view.office_table.selectRow(0)
    qtbot.keyClick(view.office_table, Qt.Key.Key_Return)
    form = view.form
    assert form.windowTitle() == "Ubah identitas kantor ini"
    assert form.code_edit.text() == "DSHSS"
    qtbot.keyClick(form.name_edit, Qt.Key.Key_End)
    qtbot.keyClicks(form.name_edit, " Baru")
    assert form.code_edit.text() == "DSHSS"  # an existing code is never re-suggested
    qtbot.keyClicks(form.head_nip_edit, "19700101 199503 1 001")
    with qtbot.waitSignal(form.finished):
        form.save()
    saved = installation_office(ctx.db)
    assert saved.name.endswith(" Baru") and saved.head_nip == "197001011995031001" and saved.city == "Kandangan"


def test_a_taken_office_code_is_shown_under_the_code(qtbot, ctx, view, workers):
    form = view.new_office()
    qtbot.keyClicks(form.name_edit, "Panti Lain")
    form.code_edit.setText("DSHSS")
    form.save()
    assert form.problem("code").startswith("Kode DSHSS sudah dipakai oleh Dinas Sosial")
    form.confirm_discard = lambda: True


def test_forms_fit_a_1366_by_768_laptop(qtbot, view, workers):
    for form in (view.new_worker(), ):
        form.save()  # every problem shown: at its tallest
        assert form.width() <= 1366 - 40 and form.height() <= 768 - 80
        form.confirm_discard = lambda: True
        form.reject()
    form = view.new_office()
    form.email_edit.setText("x")
    form.save()
    assert form.width() <= 1366 - 40 and form.height() <= 768 - 80
    form.confirm_discard = lambda: True
    form.reject()


def test_tab_order_of_the_worker_form(view):
    form = view.new_worker()
    order = [form.name_edit, form.type_combo, form.office_combo, form.nip_edit, form.rank_edit, form.position_edit,
             form.phone_edit, form.email_edit, form.certificate_edit, form.str_edit, form.sipps_edit]
    chain, widget = [], form.name_edit
    for _ in range(400):
        if widget in order and widget not in chain:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == order
    form.reject()
