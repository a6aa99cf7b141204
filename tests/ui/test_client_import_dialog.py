"""The import wizard: a file with broken rows imports nothing until they are excluded; cancel saves nothing."""

from __future__ import annotations

import os
import threading

import pytest
from PySide6.QtCore import Qt

from atensi_desktop.services import client_import as ci
from atensi_desktop.services.clients import count_clients
from ui.change_bus import ChangeBus
from ui.dialogs.client_import import STEP_CHECK, STEP_FILE, STEP_MAPPING, STEP_SAVE, ClientImportDialog

CSV = """Nama,NIK,Jenis Kelamin,Tanggal Lahir,Alamat
Budi Santoso,6306010101900001,L,01-01-1990,Jl. Mawar 1
Siti Aminah,6306014202850002,P,02-02-1985,Jl. Melati 2
Ahmad Fauzi,6306011503700003,L,15-03-1970,Jl. Kenanga 3
Rina Wati,630601420285,P,02-02-1985,Jl. Anggrek 4
Joko Susilo,6306010101900004,L,05-06-1991,Jl. Dahlia 5
"""
SHOTS = os.environ.get("ATENSI_SHOTS")  # a folder: save a picture of every step there


@pytest.fixture
def dialog(qtbot, ctx):
    bus = ChangeBus()
    dlg = ClientImportDialog(ctx, bus)
    dlg.bus_ref = bus  # keep the bus alive with the dialog
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "klien.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def shot(dlg, name):
    if SHOTS:
        dlg.grab().save(os.path.join(SHOTS, f"import_{name}.png"))


def to_check_step(qtbot, dlg, path):
    assert dlg.step() == STEP_FILE
    assert not dlg.next_button.isEnabled()
    dlg.path_edit.setText(str(path))
    shot(dlg, "1_file")
    qtbot.mouseClick(dlg.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.step() == STEP_MAPPING and not dlg.is_busy())
    shot(dlg, "2_mapping")
    qtbot.mouseClick(dlg.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.step() == STEP_CHECK and not dlg.is_busy())


def problem_lines(dlg):
    table = dlg.problem_table
    return [tuple(table.item(r, c).text() for c in range(1, 5)) for r in range(table.rowCount())]


def test_broken_rows_block_until_excluded_then_three_clients_are_imported(qtbot, dialog, csv_file, ctx):
    to_check_step(qtbot, dialog, csv_file)
    # the mapping was guessed from the titles
    assert dialog.mapping() == {"Nama": "name", "NIK": "nik", "Jenis Kelamin": "sex",
                                "Tanggal Lahir": "birth_date", "Alamat": "address"}
    lines = problem_lines(dialog)
    assert [(row, where) for row, where, _text, _msg in lines] == [("5", "NIK"),
                                                                   ("6", "Tanggal lahir")]
    assert lines[0][2] == "630601420285" and "16 angka" in lines[0][3]
    assert "05-06-1991" in lines[1][2]
    assert "5 baris data: 3 siap diimpor, 2 bermasalah" in dialog.summary_label.text()
    assert not dialog.import_button.isEnabled()
    assert dialog.blocking_label.isVisible() and dialog.blocking_label.text().startswith("2 baris")
    shot(dialog, "3_check")

    # excluding one row by its checkbox is not enough
    dialog.problem_table.item(0, 0).setCheckState(Qt.CheckState.Checked)
    assert dialog.excluded_rows() == {5}
    assert not dialog.import_button.isEnabled()
    assert dialog.blocking_label.text().startswith("1 baris")
    qtbot.mouseClick(dialog.exclude_all_button, Qt.MouseButton.LeftButton)
    assert dialog.excluded_rows() == {5, 6}
    assert dialog.import_button.isEnabled() and not dialog.blocking_label.isVisible()
    shot(dialog, "3_check_excluded")

    assert count_clients(ctx.db) == 0
    with qtbot.waitSignal(dialog.bus_ref.clients_changed, timeout=10_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy())
    assert dialog.step() == STEP_SAVE
    assert dialog.save_status.text() == "3 klien diimpor (0 keluarga baru)."
    assert count_clients(ctx.db) == 3
    assert not dialog.back_button.isVisible() and dialog.done_button.isVisible()
    assert not dialog.close_button.isVisible()
    shot(dialog, "4_done")


def test_unreadable_file_shows_the_engine_message_inline(qtbot, dialog, tmp_path):
    dialog.path_edit.setText(str(tmp_path / "tidak-ada.csv"))
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy() and dialog.file_error.isVisible())
    assert dialog.step() == STEP_FILE
    assert "tidak ditemukan" in dialog.file_error.text()


def test_a_name_column_is_required(qtbot, dialog, csv_file):
    dialog.path_edit.setText(str(csv_file))
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.step() == STEP_MAPPING and not dialog.is_busy())
    dialog.mapping_combos["Nama"].setCurrentIndex(0)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert dialog.step() == STEP_MAPPING and not dialog.is_busy()
    assert "Nama" in dialog.mapping_error.text() and dialog.mapping_error.isVisible()


def test_browse_fills_the_path_and_reads(qtbot, dialog, csv_file, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(csv_file), ""))
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.step() == STEP_MAPPING and not dialog.is_busy())
    assert dialog.path_edit.text() == str(csv_file)
    assert "5 baris data" in dialog.file_info.text()


def test_cancel_during_import_saves_nothing(qtbot, dialog, csv_file, ctx, monkeypatch):
    real_commit = ci.commit
    started, go_on = threading.Event(), threading.Event()

    def slow_commit(db, pv, *, exclude_rows=frozenset(), progress=None):
        started.set()
        go_on.wait(10)  # until the test has pressed Batal
        return real_commit(db, pv, exclude_rows=exclude_rows, progress=progress)

    monkeypatch.setattr(ci, "commit", slow_commit)
    to_check_step(qtbot, dialog, csv_file)
    qtbot.mouseClick(dialog.exclude_all_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.is_busy() and dialog.busy_row.isVisible()
    assert not dialog.close_button.isEnabled()
    qtbot.waitUntil(started.is_set)
    shot(dialog, "4_saving")
    qtbot.mouseClick(dialog.cancel_task_button, Qt.MouseButton.LeftButton)
    go_on.set()
    qtbot.waitUntil(lambda: not dialog.is_busy())
    assert dialog.save_status.text() == "Dibatalkan; tidak ada yang disimpan."
    assert count_clients(ctx.db) == 0
    assert dialog.back_button.isVisible() and dialog.back_button.isEnabled()
    shot(dialog, "4_cancelled")


def test_cancel_during_check_goes_back_to_the_mapping(qtbot, dialog, csv_file, monkeypatch):
    real_preview = ci.preview
    started, go_on = threading.Event(), threading.Event()

    def slow_preview(db, table, mapping, **kwargs):
        started.set()
        go_on.wait(10)
        return real_preview(db, table, mapping, **kwargs)

    monkeypatch.setattr(ci, "preview", slow_preview)
    dialog.path_edit.setText(str(csv_file))
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.step() == STEP_MAPPING and not dialog.is_busy())
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(started.is_set)
    qtbot.mouseClick(dialog.cancel_task_button, Qt.MouseButton.LeftButton)
    go_on.set()
    qtbot.waitUntil(lambda: not dialog.is_busy())
    assert dialog.step() == STEP_MAPPING
    assert "dibatalkan" in dialog.mapping_error.text()


def test_keyboard_only_enter_moves_through_the_steps(qtbot, dialog, csv_file):
    qtbot.keyClicks(dialog.path_edit, str(csv_file))
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.step() == STEP_MAPPING and not dialog.is_busy())
    qtbot.keyClick(dialog.mapping_combos["Nama"], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.step() == STEP_CHECK and not dialog.is_busy())
    assert dialog.import_button.isDefault() and not dialog.import_button.isEnabled()
    # Space on the focused checkbox cell excludes that row
    dialog.problem_table.setCurrentCell(0, 0)
    qtbot.keyClick(dialog.problem_table, Qt.Key.Key_Space)
    assert dialog.excluded_rows() == {5}
