"""The Klien screen's "Cetak daftar (PDF)…" (Ctrl+P): the Laporan screen's Daftar Klien with the screen's
filters, previewed there; and the Laporan screen's own Daftar Klien without filters (helper "reportgaps")."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from atensi_desktop.services.clients import ClientQuery
from ui.dialogs.report_dialog import ReportDialog

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")


@pytest.fixture
def window(qtbot, ctx, office, add_clients):
    from ui.main_window import MainWindow

    add_clients("Budi Santoso", "Joko Susilo", sex="L")
    add_clients("Siti Aminah", "Sri Wahyuni", sex="P")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    klien = win.show_view("klien")
    qtbot.waitUntil(lambda: not klien.busy, timeout=5000)
    return win


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _filter_women(qtbot, klien) -> None:
    combo = klien.filters.combos["sex"]
    with qtbot.waitSignal(klien.model.loaded, timeout=5000):
        combo.setCurrentIndex(combo.findData("P"))
    assert klien.model.rowCount() == 2


def test_cetak_daftar_opens_the_laporan_dialog_with_the_screens_filters(qtbot, window):
    klien = window.views["klien"]
    _filter_women(qtbot, klien)
    qtbot.mouseClick(klien.print_button, Qt.MouseButton.LeftButton)
    laporan = window.views["laporan"]
    assert window.current_view() is laporan and laporan.current_kind() == "klien"
    dialog = laporan.report_dialog
    assert isinstance(dialog, ReportDialog) and dialog.isVisible()
    assert dialog.filters == klien.model.query and dialog.filters.sex == "P"
    assert "Jenis kelamin: Perempuan" in dialog.filters_label.text()
    assert dialog.ok_button.isEnabled()
    dialog.paper_radios["F4"].setChecked(True)
    dialog.accept()
    qtbot.waitUntil(lambda: laporan.shown is not None, timeout=10000)
    shown = laporan.shown
    assert shown.request.extra["filters"].sex == "P" and shown.request.paper == "F4"
    text = _text(shown.pdf)
    names = re.findall(r"DSHSS-\w{6} (\w+ \w+)", text)
    assert sorted(names) == ["Siti Aminah", "Sri Wahyuni"] and "Jumlah klien : 2" in text
    assert shown.rendered.meta["count"] == 2
    assert laporan.default_file_name().startswith("Daftar-Klien-tersaring-")


def test_ctrl_p_on_the_klien_screen_prints_the_list_and_the_search_text_counts(qtbot, window):
    klien = window.views["klien"]
    klien.search_edit.setText("budi")  # typed, not yet searched: the list to print is what was asked for
    klien.table.setFocus()
    qtbot.keyClick(klien.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    laporan = window.views["laporan"]
    assert window.current_view() is laporan
    dialog = laporan.report_dialog
    assert dialog is not None and dialog.filters.text == "budi"
    assert "Pencarian: budi" in dialog.filters_label.text()
    dialog.reject()
    # back on the Klien screen Ctrl+P is the list's again; on the Laporan screen it is not
    assert laporan.report_dialog is None
    qtbot.keyClick(laporan.kind_list, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert laporan.report_dialog is None


def test_the_laporan_screens_own_daftar_klien_needs_no_filters(qtbot, ctx, office):
    dialog = ReportDialog(ctx, kind="klien", title="Daftar Klien", needs="list")
    qtbot.addWidget(dialog)
    assert not dialog.subject_box.isHidden()
    assert dialog.all_radio.isChecked() and dialog.ok_button.isEnabled()
    request = dialog.build_request()
    assert request.context_values()["filters"] == ClientQuery() and request.subject_slug == "semua"
    assert "year" not in request.context_values()
    dialog.year_radio.setChecked(True)
    dialog.year_spin.setValue(2026)
    request = dialog.build_request()
    assert request.year == 2026 and "filters" not in request.context_values()
    dialog.range_radio.setChecked(True)
    dialog.from_edit.setDate(dialog.until_edit.date().addDays(1))
    assert not dialog.ok_button.isEnabled()
    dialog.done(QDialog.DialogCode.Rejected)
