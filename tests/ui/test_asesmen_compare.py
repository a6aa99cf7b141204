"""Re-asesmen side by side: the score change on top, the changed answers marked (not by colour alone), the
"Hanya yang berubah" filter and the search, all usable from the keyboard."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui import asesmen_data as data
from ui.dialogs import asesmen_compare
from ui.dialogs.asesmen_compare import CompareModel, open_compare

SHOTS = os.environ.get("ATENSI_SHOTS")
pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")


@pytest.fixture
def story(ctx, office):
    return data.two_asesmen(ctx)


def _open(qtbot, ctx, current_id, previous_id=None):
    dialog = open_compare(None, ctx, current_id, previous_id)
    assert dialog is not None
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    return dialog


def _cells(dialog, column):
    model = dialog.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_changed_answers_and_the_barthel_change_side_by_side(qtbot, ctx, story):
    dialog = _open(qtbot, ctx, story.second)  # paired by the engine with the asesmen it follows
    assert [label.text() for label in dialog.score_labels] == [
        "Indeks Barthel: 12 → 15 (+3) — Ketergantungan ringan"]
    assert dialog.changed_only.isChecked()
    rows = {r.label: r for r in dialog.visible_rows()}
    assert set(rows) == {"Tanggal asesmen", "Makan", "Berpindah dari tempat tidur ke kursi",
                         "Berjalan di permukaan datar", "Kebutuhan klien", "Yang paling mendesak", "Kesimpulan asesmen"}
    assert (rows["Makan"].old_value, rows["Makan"].new_value) == ("Perlu bantuan memotong atau mengambil", "Mandiri")
    assert (rows["Tanggal asesmen"].old_value, rows["Tanggal asesmen"].new_value) == ("06-01-2026", "07-04-2026")
    assert rows["Kebutuhan klien"].new_value == "Pemeriksaan dan obat, Dukungan dan bimbingan untuk keluarga"
    # each change carries a mark and words for a screen reader, besides its background
    model = dialog.model
    assert set(_cells(dialog, CompareModel.MARK)) == {"≠"}
    assert model.index(0, CompareModel.MARK).data(Qt.ItemDataRole.AccessibleTextRole) == "berubah"
    assert model.index(0, CompareModel.NEW).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.headerData(CompareModel.OLD, Qt.Orientation.Horizontal) == "Sebelumnya (08-01-2026)"
    assert model.headerData(CompareModel.NEW, Qt.Orientation.Horizontal) == "Sekarang (09-04-2026)"
    assert dialog.count_label.text() == "7 dari 15 jawaban berubah · 7 ditampilkan"
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "asesmen-compare.png"))

    dialog.changed_only.setChecked(False)  # every answered question, the unchanged ones unmarked
    rows = {r.label: r for r in dialog.visible_rows()}
    assert len(rows) == 15
    assert rows["Mandi"].old_value == rows["Mandi"].new_value == "Perlu bantuan"
    mandi = [r.label for r in dialog.visible_rows()].index("Mandi")
    assert model.index(mandi, CompareModel.MARK).data() == ""
    assert model.index(mandi, CompareModel.MARK).data(Qt.ItemDataRole.AccessibleTextRole) == "sama"
    assert model.index(mandi, CompareModel.NEW).data(Qt.ItemDataRole.BackgroundRole) is None
    # a section's name is written on its first row only (the tooltip keeps it)
    makan = [r.label for r in dialog.visible_rows()].index("Makan")
    assert model.index(makan, CompareModel.SECTION).data().startswith("Klaster lanjut usia")
    assert model.index(mandi, CompareModel.SECTION).data() == ""
    assert model.index(mandi, CompareModel.SECTION).data(Qt.ItemDataRole.ToolTipRole).startswith("Klaster lanjut")


def test_search_filter_and_keyboard(qtbot, ctx, story):
    dialog = _open(qtbot, ctx, story.second)
    assert QApplication.focusWidget() is dialog.table
    qtbot.keyClick(dialog, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is dialog.search_edit
    qtbot.keyClicks(dialog.search_edit, "makan")
    # the question, the needs and the conclusions that mention it (in either asesmen)
    assert [r.label for r in dialog.visible_rows()] == ["Makan", "Kebutuhan klien", "Yang paling mendesak",
                                                        "Kesimpulan asesmen"]
    qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is dialog.table
    assert dialog.table.currentIndex().row() == 0
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    assert dialog.table.currentIndex().row() == 1
    dialog.search_edit.setText("toilet")  # unchanged: hidden while only changes are shown
    assert dialog.model.rowCount() == 0
    assert "Hapus centang Hanya yang berubah" not in dialog.empty_label.text()
    # Alt+H: the filter off; the unchanged answer that matches appears
    qtbot.keyClick(dialog, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not dialog.changed_only.isChecked(), timeout=2000)
    assert [(r.label, r.old_value, r.new_value) for r in dialog.visible_rows()] == [
        ("Memakai toilet", "Perlu sedikit bantuan", "Perlu sedikit bantuan")]
    dialog.search_edit.setText("tidak ada kata ini")
    assert dialog.model.rowCount() == 0
    assert dialog.empty_label.isVisibleTo(dialog) and not dialog.table.isVisibleTo(dialog)
    assert "Tidak ada pertanyaan atau jawaban yang cocok" in dialog.empty_label.text()
    qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)


def test_answers_given_or_emptied_and_a_client_without_scores(qtbot, ctx, office):
    client_id = data.older_client(ctx, "Ahmad Fauzi")  # no cluster with a score
    first = data.finished_asesmen(ctx, client_id, {
        "identitas": {"tanggal_asesmen": "2026-01-06", "sumber_rujukan": "datang_sendiri"},
        "kebutuhan": {"kebutuhan": ["makan"], "paling_mendesak": "Makan"}}, started=dt.date(2026, 1, 6))
    second = data.finished_asesmen(ctx, client_id, {
        "identitas": {"tanggal_asesmen": "2026-01-06", "sumber_rujukan": "datang_sendiri", "tempat_asesmen": "rumah"},
        "kebutuhan": {"kebutuhan": ["makan"]}}, started=dt.date(2026, 3, 2))
    dialog = _open(qtbot, ctx, second)  # the re-asesmen is paired with the asesmen it follows
    marks = {r.label: m for r, m in zip(dialog.visible_rows(), _cells(dialog, CompareModel.MARK), strict=True)}
    assert marks == {"Tempat asesmen": "+", "Yang paling mendesak": "−"}
    assert dialog.score_labels == []
    assert dialog.findChild(type(dialog.count_label), "noScores").text() == \
        "Tidak ada skor yang dinilai di kedua asesmen ini."
    assert dialog.previous.id == first


def test_nothing_to_compare_is_explained(qtbot, ctx, office, monkeypatch):
    client_id = data.older_client(ctx)
    only = data.finished_asesmen(ctx, client_id, data.first_answers(), started=data.FIRST_DAY)
    shown = []
    monkeypatch.setattr(asesmen_compare, "show_error", lambda parent, exc: shown.append(exc.message))
    assert open_compare(None, ctx, only) is None
    assert shown == ["Belum ada asesmen sebelumnya yang selesai untuk dibandingkan."]
