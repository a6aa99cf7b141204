"""The Layanan screen: the log newest recorded first, paged through the engine, filtered, and its actions."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from atensi_desktop.services import service_log as log
from atensi_desktop.services.cases import open_case
from ui.change_bus import ChangeBus
from ui.dialogs.service_entry import CancelEntryDialog, ServiceEntryDialog
from ui.views.layanan import LayananView, period_range
from ui.widgets.client_search import ClientPickDialog

TODAY = dt.date.today()


@pytest.fixture
def people(ctx, office, add_clients):
    budi, siti = add_clients("Budi Santoso", "Siti Aminah")
    case = open_case(ctx.db, budi.id, opened_on=TODAY - dt.timedelta(days=400))
    return budi, siti, case


def _add(ctx, client_id, *, kind="spm", code="sandang", sub=None, day=TODAY, funding="apbd", value=None):
    return log.add_entry(ctx.db, {"client_id": client_id, "service_kind": kind, "service_code": code,
                                  "subitem_code": sub, "date_from": day, "funding_source": funding,
                                  "value_rp": value, "quantity": 1, "unit": "paket"})


def _view(qtbot, ctx, bus=None, page_size=None):
    view = LayananView(ctx, bus or ChangeBus())
    qtbot.addWidget(view)
    if page_size:
        view.model.page_size = page_size
    view.setMinimumSize(900, 560)  # explicit: a notice line appearing later does not resize the window
    view.resize(1150, 700)
    view.show()
    view.activated()
    qtbot.waitUntil(lambda: not view.busy)
    return view


def _column(view, column):
    model = view.model
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def test_lists_entries_newest_recorded_first(qtbot, ctx, people):
    budi, siti, _case = people
    _add(ctx, budi.id, value=200_000, day=TODAY - dt.timedelta(days=3))
    _add(ctx, siti.id, kind="atensi", code="bantuan_asistensi_sosial", sub="sembako_nutrisi", funding="apbn",
         value=1_500_000)
    view = _view(qtbot, ctx)
    assert _column(view, 1) == ["Siti Aminah", "Budi Santoso"]
    assert _column(view, 2) == ["ATENSI · Sembako/Nutrisi", "SPM · Sandang"]
    assert _column(view, 4) == ["1.500.000", "200.000"]
    assert _column(view, 5) == ["APBN", "APBD"]
    assert _column(view, 3) == ["1 paket", "1 paket"]
    assert "di luar rencana" in _column(view, 7)[0]
    assert view.count_label.text().startswith("2 layanan")


def test_pages_through_the_engine_as_the_list_scrolls(qtbot, ctx, people):
    budi, _siti, _case = people
    made = [_add(ctx, budi.id, day=TODAY - dt.timedelta(days=i % 300), value=i).id for i in range(90)]
    view = _view(qtbot, ctx, page_size=10)
    view.model.refresh()
    qtbot.waitUntil(lambda: not view.busy)
    # the view asks for pages until its rows fill the table, no more
    loaded = view.model.rowCount()
    assert 10 <= loaded < 90 and loaded % 10 == 0 and not view.model.exhausted
    assert "gulir" in view.count_label.text()
    while view.model.canFetchMore():
        before = view.model.rowCount()
        view.table.scrollToBottom()
        qtbot.waitUntil(lambda b=before: view.model.rowCount() > b or view.model.exhausted)
        qtbot.waitUntil(lambda: not view.busy)
    assert view.model.exhausted
    assert [row.id for row in view.model.rows] == list(reversed(made))  # each once, newest recorded first
    assert view.count_label.text().startswith("90 layanan")


def test_filters_by_period_kind_and_funding(qtbot, ctx, people):
    budi, siti, _case = people
    old = TODAY.replace(year=TODAY.year - 1, month=6, day=15)
    _add(ctx, budi.id, day=old)
    _add(ctx, siti.id, kind="rehab", code="bimbingan_fisik", funding="apbn")
    _add(ctx, budi.id, funding="lainnya")
    view = _view(qtbot, ctx)
    assert view.model.rowCount() == 3
    view.kind_combo.setCurrentIndex(view.kind_combo.findData("rehab"))
    qtbot.waitUntil(lambda: not view.busy)
    assert _column(view, 1) == ["Siti Aminah"]
    view.kind_combo.setCurrentIndex(0)
    view.funding_combo.setCurrentIndex(view.funding_combo.findData("lainnya"))
    qtbot.waitUntil(lambda: not view.busy)
    assert _column(view, 5) == ["Lainnya"]
    view.funding_combo.setCurrentIndex(0)
    view.period_combo.setCurrentIndex(view.period_combo.findData("last_year"))
    qtbot.waitUntil(lambda: not view.busy)
    assert _column(view, 0) == [old.strftime("%d-%m-%Y")]
    view.kind_combo.setCurrentIndex(view.kind_combo.findData("spm"))
    view.funding_combo.setCurrentIndex(view.funding_combo.findData("apbn"))
    qtbot.waitUntil(lambda: not view.busy)
    assert view.model.rowCount() == 0
    assert view.pages.currentWidget() is view.empty_label
    assert "saringan" in view.empty_label.text()


def test_period_ranges():
    day = dt.date(2026, 3, 15)
    assert period_range("this_month", day) == (dt.date(2026, 3, 1), day)
    assert period_range("last_month", day) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period_range("three_months", day) == (dt.date(2026, 1, 1), day)
    assert period_range("last_year", day) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert period_range("all", day) == (None, None)


def test_empty_log_says_how_to_start(qtbot, ctx, office):
    view = _view(qtbot, ctx)
    assert view.pages.currentWidget() is view.empty_label
    assert "Catat layanan" in view.empty_label.text() and "Ctrl+B" in view.empty_label.text()
    assert not view.correct_button.isEnabled()


def test_ctrl_n_picks_a_client_then_opens_the_entry_form(qtbot, ctx, people):
    budi, _siti, _case = people
    view = _view(qtbot, ctx)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    picker = view.findChild(ClientPickDialog)
    assert picker is not None and picker.isVisible()
    qtbot.keyClicks(picker.search.search_edit, "budi")
    qtbot.waitUntil(lambda: picker.search.results.count() == 1)
    qtbot.keyClick(picker.search.search_edit, Qt.Key.Key_Down)
    qtbot.keyClick(picker.search.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.findChild(ServiceEntryDialog) is not None)
    dialog = view.findChild(ServiceEntryDialog)
    assert dialog.client_id == budi.id and "Budi Santoso" in dialog.intro_label.text()
    qtbot.waitUntil(lambda: not dialog.checking)
    dialog.reject()


def test_correct_and_cancel_from_the_list(qtbot, ctx, people):
    budi, _siti, _case = people
    entry = _add(ctx, budi.id, value=100_000)
    bus = ChangeBus()
    view = _view(qtbot, ctx, bus)
    view.table.selectRow(0)
    assert view.correct_button.isEnabled() and view.cancel_button.isEnabled()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F2)
    dialog = view.findChild(ServiceEntryDialog)
    assert dialog is not None and dialog.original.id == entry.id
    qtbot.waitUntil(lambda: not dialog.checking)
    dialog.value_edit.setText("120.000")
    dialog.reason_edit.setText("Harga naik")
    with qtbot.waitSignal(bus.services_changed):
        dialog.save()
    qtbot.waitUntil(lambda: not view.busy and view.model.rowCount() == 1)
    assert _column(view, 4) == ["120.000"] and "koreksi" in _column(view, 7)[0]
    assert "Koreksi layanan" in view.notice_label.text()
    # the whole history on demand: the old entry struck through, not correctable
    view.history_check.setChecked(True)
    qtbot.waitUntil(lambda: not view.busy and view.model.rowCount() == 2)
    view.table.selectRow(1)
    assert not view.correct_button.isEnabled()
    view.history_check.setChecked(False)
    qtbot.waitUntil(lambda: not view.busy)
    view.table.selectRow(0)
    view.activateWindow()
    view.table.setFocus()
    qtbot.waitUntil(view.table.hasFocus)
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    cancel = view.findChild(CancelEntryDialog)
    assert cancel is not None
    cancel.reason_edit.setText("Tercatat dua kali")
    with qtbot.waitSignal(bus.services_changed):
        cancel.accept()
    qtbot.waitUntil(lambda: not view.busy)
    assert view.model.rowCount() == 0
    assert log.list_entries(ctx.db, budi.id) == []


def test_refreshes_when_services_change(qtbot, ctx, people):
    budi, _siti, _case = people
    bus = ChangeBus()
    view = _view(qtbot, ctx, bus)
    assert view.model.rowCount() == 0
    _add(ctx, budi.id)
    bus.services_changed.emit()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    QApplication.processEvents()


def test_shortcuts_in_the_main_window_reach_this_screen(qtbot, ctx, people):
    from ui.dialogs.distribution import DistributionDialog
    from ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.busy)
    view = window.show_view("layanan")
    qtbot.waitUntil(lambda: not view.busy)
    window.activateWindow()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    picker = view.findChild(ClientPickDialog)
    assert picker is not None and picker.isVisible()  # Ctrl+N here records a service, not a new client
    picker.reject()
    qtbot.waitUntil(lambda: not picker.isVisible())
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    dialog = view.findChild(DistributionDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.reject()  # nothing typed: closes without asking
    qtbot.waitUntil(lambda: not window.busy)
