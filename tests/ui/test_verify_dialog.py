"""Periksa keaslian laporan: a saved report is "cocok", an edited copy "isi berubah", a stranger "tidak dikenal"."""

from __future__ import annotations

import io

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog
from reportlab.pdfgen import canvas

from ui.dialogs.verify_dialog import VerifyDialog

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")


@pytest.fixture
def issued(ctx, office, add_clients, tmp_path):
    """A Laporan Kasus saved the way the application issues one; returns (path, rendered)."""
    from atensi_desktop.reports.document import make_context
    from atensi_desktop.reports.registry import save_report
    from atensi_desktop.services.cases import open_case

    client = add_clients("Budi Santoso")[0]
    case = open_case(ctx.db, client.id)
    path = tmp_path / "laporan-kasus.pdf"
    rendered = save_report(ctx.db, make_context(ctx.db, "kasus", case_id=case.id, paper="F4"), path)
    return path, rendered


@pytest.fixture
def dialog(qtbot, ctx):
    widget = VerifyDialog(ctx)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_the_saved_report_is_cocok_with_title_date_and_office(dialog, issued):
    from atensi_desktop.reports.text import long_date

    path, rendered = issued
    result = dialog.check_file(path)
    assert result.status == "cocok"
    assert dialog.verdict.status == "cocok" and dialog.verdict.isVisible()
    assert dialog.verdict.heading.text() == "Cocok — laporan ini asli"
    detail = dialog.verdict.detail.text()
    assert f"Judul: {rendered.title}" in detail
    assert f"Tanggal dibuat: {long_date(result.report.issued_on)}" in detail
    assert "Kantor: Dinas Sosial Kabupaten Hulu Sungai Selatan" in detail
    assert rendered.code in detail and "kertas F4" in detail
    assert dialog.preview.isVisible() and dialog.preview.page_count == rendered.pages
    assert str(path) in dialog.file_label.text()


def test_an_edited_copy_is_isi_berubah(dialog, issued, tmp_path):
    path, rendered = issued
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=str(path))  # re-saved by another program, the metadata kept
    writer.pages[0].rotate(90)
    edited = tmp_path / "diubah.pdf"
    with edited.open("wb") as fh:
        writer.write(fh)
    result = dialog.check_file(edited)
    assert result.status == "isi_berubah"
    assert dialog.verdict.heading.text() == "Isi berubah — jangan dipakai"
    assert rendered.title in dialog.verdict.detail.text()


def test_a_pdf_this_database_did_not_make_is_tidak_dikenal(dialog, tmp_path):
    other = tmp_path / "lain.pdf"
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(72, 720, "Laporan dari tempat lain")
    c.showPage()
    c.save()
    other.write_bytes(buf.getvalue())
    result = dialog.check_file(other)
    assert result.status == "tidak_dikenal"
    assert dialog.verdict.heading.text() == "Tidak dikenal"
    assert "tidak dibuat oleh database ini" in dialog.verdict.detail.text()


def test_a_file_that_is_no_pdf_is_explained_not_crashed(dialog, tmp_path):
    text = tmp_path / "catatan.pdf"
    text.write_text("bukan pdf")
    assert dialog.check_file(text) is None
    assert dialog.verdict.status == "error"
    assert dialog.verdict.heading.text() == "Berkas ini tidak dapat diperiksa"
    assert "bukan PDF" in dialog.verdict.detail.text()
    assert dialog.preview.isHidden()


def test_a_typed_code_is_checked_and_a_wrong_one_is_not_found(qtbot, dialog, issued):
    _path, rendered = issued
    assert not dialog.code_button.isEnabled()
    qtbot.keyClicks(dialog.code_edit, rendered.code.lower())
    qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Return)
    assert dialog.result_value.status == "cocok"
    assert dialog.verdict.heading.text() == "Kode cocok dengan laporan yang tercatat"
    assert "Bandingkan judul" in dialog.verdict.detail.text()
    dialog.code_edit.setText("ZZZZ-ZZZZ")
    dialog.code_button.click()
    assert dialog.result_value.status == "tidak_dikenal"
    assert "Tidak ada laporan dengan kode ini" in dialog.verdict.detail.text()


def test_choosing_a_file_through_the_dialog(dialog, issued, monkeypatch):
    path, _rendered = issued
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))
    dialog.choose_button.click()
    assert dialog.result_value.status == "cocok"


def test_dropping_a_pdf_checks_it_and_other_drops_are_refused(dialog, issued, tmp_path):
    path, _rendered = issued
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "foto.jpg"))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(dialog, enter)
    assert not enter.isAccepted()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(dialog, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(dialog, drop)
    assert dialog.result_value is not None and dialog.result_value.status == "cocok"


def test_the_laporan_screen_opens_it_with_ctrl_shift_k(qtbot, ctx, office):
    from ui.change_bus import ChangeBus
    from ui.views.laporan import LaporanView

    view = LaporanView(ctx, ChangeBus())
    qtbot.addWidget(view)
    with qtbot.waitActive(view):
        view.show()
        view.activateWindow()
    qtbot.keyClick(view.kind_list, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert isinstance(view.verify_dialog, VerifyDialog)
    view.verify_dialog.reject()
    qtbot.waitUntil(lambda: view.verify_dialog is None)
