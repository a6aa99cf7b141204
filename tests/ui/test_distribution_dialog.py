"""Penyaluran bantuan: every recipient judged by the single-entry rule, refusals shown with their reason and
removable, saving in the background with progress and Batal, all or nothing."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QWidget

from atensi_desktop.services import service_log as log
from atensi_desktop.services.cases import open_case
from atensi_desktop.services.distribution import list_distributions, receipt_rows
from ui.change_bus import ChangeBus
from ui.dialogs import distribution as dist_ui
from ui.dialogs.distribution import OK, REFUSED, UNCHECKED, WARNED, open_distribution

TODAY = dt.date.today()
NAMES = ("Budi Santoso", "Siti Aminah", "Ahmad Fauzi", "Rudi Hartono")


@pytest.fixture
def clients(ctx, office, add_clients):
    people = add_clients(*NAMES)
    cases = [open_case(ctx.db, c.id, opened_on=TODAY - dt.timedelta(days=90)) for c in people]
    # Siti already had six days of SPM permakanan in her case: three more would make nine
    log.add_entry(ctx.db, {"client_id": people[1].id, "case_id": cases[1].id, "service_kind": "spm",
                           "service_code": "permakanan", "date_from": TODAY - dt.timedelta(days=30),
                           "date_until": TODAY - dt.timedelta(days=25)})
    return people


@pytest.fixture
def parent(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def _fill(dialog, *, days: int = 3) -> None:
    dialog.title_edit.setText("Permakanan lansia tunggal, Padang Batung")
    dialog.picker.choose("spm", "permakanan")
    dialog.date_from.setDate(QDate(TODAY - dt.timedelta(days=days)))
    dialog.period_check.setChecked(True)
    dialog.date_until.setDate(QDate(TODAY - dt.timedelta(days=1)))
    dialog.quantity_edit.setText("6")
    dialog.unit_combo.setCurrentText("porsi")
    dialog.value_edit.setText("90.000")
    dialog.funding_combo.setCurrentIndex(dialog.funding_combo.findData("apbd"))
    dialog.location_edit.setText("Balai Desa Padang Batung")


def _checked(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.checking and dialog.model.count(UNCHECKED) == 0, timeout=10_000)


def _statuses(dialog) -> dict[str, str]:
    return {r.client.name: r.status for r in dialog.model.recipients}


def test_one_refused_recipient_is_shown_removed_then_all_are_saved(qtbot, parent, ctx, clients):
    bus = ChangeBus()
    dialog = open_distribution(parent, ctx, bus)
    _fill(dialog)
    dialog.add_clients([c.id for c in clients])
    _checked(qtbot, dialog)
    statuses = _statuses(dialog)
    assert statuses["Siti Aminah"] == REFUSED
    assert {statuses[n] for n in NAMES if n != "Siti Aminah"} <= {OK, WARNED}
    siti = next(i for i, r in enumerate(dialog.model.recipients) if r.client.name == "Siti Aminah")
    verdict = dialog.model.index(siti, 2).data()
    assert verdict.startswith("Ditolak:") and "7 hari" in verdict
    dialog.table.selectRow(siti)
    assert "Siti Aminah" in dialog.detail_label.text() and "Ditolak" in dialog.detail_label.text()
    assert "1 ditolak" in dialog.summary_label.text()
    assert dialog.remove_refused_button.isEnabled()
    qtbot.mouseClick(dialog.remove_refused_button, Qt.MouseButton.LeftButton)
    assert [r.client.name for r in dialog.model.recipients] == ["Budi Santoso", "Ahmad Fauzi", "Rudi Hartono"]
    with qtbot.waitSignal(bus.services_changed, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    (saved,) = list_distributions(ctx.db)
    assert saved.recipients == 3 and saved.title == "Permakanan lansia tunggal, Padang Batung"
    rows = receipt_rows(ctx.db, saved.id)
    assert sorted(r.name for r in rows) == ["Ahmad Fauzi", "Budi Santoso", "Rudi Hartono"]
    assert {r.value_rp for r in rows} == {90_000}


def test_saving_with_a_refused_recipient_writes_nothing_and_marks_it(qtbot, parent, ctx, clients):
    dialog = open_distribution(parent, ctx, ChangeBus())
    _fill(dialog)
    dialog.add_clients([c.id for c in clients])
    dialog.save()  # at once, before the background check has judged anyone
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10_000)
    assert dialog.isVisible() and dialog.result_value is None
    assert _statuses(dialog)["Siti Aminah"] == REFUSED
    assert "belum disimpan" in dialog.general_error.text()
    assert list_distributions(ctx.db) == []
    assert log.list_entries(ctx.db, clients[0].id) == []


def test_an_incomplete_event_is_named_at_its_fields(qtbot, parent, ctx, clients):
    dialog = open_distribution(parent, ctx, ChangeBus())
    dialog.add_clients([clients[0].id])
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10_000)
    assert dialog.isVisible()
    assert dialog.problems.problem("title")  # a name is required
    dialog.title_edit.setText("Bantuan sandang")
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10_000)
    assert "Pilih jenis layanan" in dialog.problems.problem("service_code")
    assert list_distributions(ctx.db) == []


def test_recipients_from_a_pasted_list(qtbot, parent, ctx, clients):
    dialog = open_distribution(parent, ctx, ChangeBus())
    text = f"{clients[0].display_id}\n{clients[2].display_id.lower()}, DSHSS-ZZZZZZ; halo"
    dialog.paste(dist_ui.split_tokens(text))
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    assert [r.client.name for r in dialog.model.recipients] == ["Budi Santoso", "Ahmad Fauzi"]
    notice = dialog.notice_label.text()
    assert "2 penerima ditambahkan" in notice and "DSHSS-ZZZZZZ" in notice and "halo" in notice
    dialog.paste([clients[0].display_id])  # already listed: not twice
    qtbot.waitUntil(lambda: not dialog.checking)
    assert dialog.model.rowCount() == 2
    dialog.table.selectRow(0)
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Delete)
    assert [r.client.name for r in dialog.model.recipients] == ["Ahmad Fauzi"]


def test_recipients_found_by_search_are_added_with_enter_which_never_saves(qtbot, parent, ctx, clients):
    dialog = open_distribution(parent, ctx, ChangeBus())
    _fill(dialog)
    search = dialog.search
    qtbot.keyClicks(search.search_edit, "udi")  # Budi and Rudi
    qtbot.keyClick(search.search_edit, Qt.Key.Key_Return)  # searches at once; two results: choose one
    assert search.results.count() == 2 and dialog.model.rowCount() == 0
    assert search.results.hasFocus() or not dialog.isActiveWindow()
    qtbot.keyClick(search.results, Qt.Key.Key_Down)
    second = search.results.currentItem().text().split(" (")[0]
    qtbot.keyClick(search.results, Qt.Key.Key_Return)
    assert [r.client.name for r in dialog.model.recipients] == [second]
    search.search_edit.clear()
    qtbot.keyClicks(search.search_edit, "ahmad")
    qtbot.waitUntil(lambda: search.results.count() == 1)
    qtbot.keyClick(search.search_edit, Qt.Key.Key_Return)  # the only result is taken
    assert [r.client.name for r in dialog.model.recipients] == [second, "Ahmad Fauzi"]
    assert not dialog.saving and dialog.isVisible() and list_distributions(ctx.db) == []


def test_batal_during_the_save_stops_it_and_writes_nothing(qtbot, parent, ctx, clients, monkeypatch):
    started = threading.Event()

    def slow(db, values, recipients, *, progress, today=None):
        """Stands in for a long save: waits for Batal, then stops as the engine does (Cancelled)."""
        progress.start(len(recipients), "Memeriksa penerima")
        started.set()
        deadline = time.monotonic() + 10
        while not progress.cancelled and time.monotonic() < deadline:
            time.sleep(0.005)
        progress.step()  # raises Cancelled
        raise AssertionError("Batal never reached the work")

    monkeypatch.setattr(dist_ui, "create_distribution", slow)
    dialog = open_distribution(parent, ctx, ChangeBus())
    _fill(dialog)
    dialog.add_clients([clients[0].id])
    dialog.save()
    qtbot.waitUntil(started.is_set)
    assert dialog.busy_row.isVisible() and not dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_task_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10_000)
    assert "tidak ada yang dicatat" in dialog.notice_label.text()
    assert dialog.isVisible() and dialog.save_button.isEnabled() and not dialog.busy_row.isVisible()
    assert list_distributions(ctx.db) == []
