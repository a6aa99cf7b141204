"""The PDF preview: pages, "Halaman n dari N", keyboard paging, zoom and fit width, print/save requests."""

from __future__ import annotations

import io

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPdfWidgets import QPdfView
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from atensi_desktop.errors import UserError
from ui.widgets.pdf_preview import ZOOM_STEPS, PdfPreview

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")


def make_pdf(pages: int = 3) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for number in range(1, pages + 1):
        c.setFont("Helvetica", 24)
        c.drawString(72, 760, f"Halaman {number}")
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture
def preview(qtbot):
    widget = PdfPreview()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


def test_empty_preview_has_nothing_to_print_or_save(preview, qtbot):
    assert preview.page_count == 0
    assert not preview.print_button.isEnabled() and not preview.save_button.isEnabled()
    assert preview.page_count_label.text() == "dari 0"
    with qtbot.assertNotEmitted(preview.print_requested):
        qtbot.keyClick(preview.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)


def test_loads_bytes_and_shows_the_page_count(preview, qtbot):
    with qtbot.waitSignal(preview.loaded) as blocker:
        assert preview.load_bytes(make_pdf(3)) == 3
    assert blocker.args == [3]
    assert preview.page_count_label.text() == "dari 3"
    assert preview.page_spin.maximum() == 3 and preview.page_spin.value() == 1
    assert preview.data.startswith(b"%PDF")
    assert preview.print_button.isEnabled() and preview.save_button.isEnabled()
    assert preview.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
    assert not preview.previous_button.isEnabled() and preview.next_button.isEnabled()


def test_page_down_and_up_move_a_page_and_the_counter_follows(preview, qtbot):
    preview.load_bytes(make_pdf(3))
    preview.view.setFocus()
    qtbot.keyClick(preview.view, Qt.Key.Key_PageDown)
    assert preview.current_page == 1 and preview.page_spin.value() == 2
    qtbot.keyClick(preview.view, Qt.Key.Key_PageDown)
    qtbot.keyClick(preview.view, Qt.Key.Key_PageDown)  # already on the last page: stays
    assert preview.current_page == 2 and not preview.next_button.isEnabled()
    qtbot.keyClick(preview.view, Qt.Key.Key_PageUp)
    assert preview.current_page == 1
    qtbot.keyClick(preview.view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    assert preview.current_page == 0
    qtbot.keyClick(preview.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert preview.current_page == 2


def test_typing_a_page_number_jumps_there(preview):
    preview.load_bytes(make_pdf(4))
    preview.page_spin.setValue(3)
    assert preview.current_page == 2
    assert preview.view.verticalScrollBar().value() > 0


def test_zoom_in_and_out_step_from_the_fit_width_factor_and_ctrl_0_fits_again(preview, qtbot):
    preview.load_bytes(make_pdf(2))
    fit = preview.effective_zoom()
    assert 0.5 < fit < 2.0  # a 900 px wide preview of an A4 page
    assert preview.zoom_label.text() == f"{round(fit * 100)}%"
    preview.view.setFocus()
    qtbot.keyClick(preview.view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert preview.view.zoomMode() == QPdfView.ZoomMode.Custom
    bigger = preview.view.zoomFactor()
    assert bigger in ZOOM_STEPS and bigger > fit
    assert not preview.fit_button.isChecked()
    qtbot.keyClick(preview.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(preview.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert preview.view.zoomFactor() < bigger
    assert preview.zoom_label.text() == f"{round(preview.view.zoomFactor() * 100)}%"
    qtbot.keyClick(preview.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert preview.view.zoomMode() == QPdfView.ZoomMode.FitToWidth and preview.fit_button.isChecked()


def test_zoom_stops_at_the_ends(preview):
    preview.load_bytes(make_pdf(1))
    for _ in range(len(ZOOM_STEPS) + 2):
        preview.zoom_in()
    assert preview.view.zoomFactor() == ZOOM_STEPS[-1] and not preview.zoom_in_button.isEnabled()
    for _ in range(len(ZOOM_STEPS) + 2):
        preview.zoom_out()
    assert preview.view.zoomFactor() == ZOOM_STEPS[0] and not preview.zoom_out_button.isEnabled()


def test_fit_width_follows_the_window_width(preview, qtbot):
    preview.load_bytes(make_pdf(1))
    wide = preview.effective_zoom()
    preview.resize(600, 700)
    qtbot.waitUntil(lambda: preview.effective_zoom() < wide)
    assert preview.zoom_label.text() == f"{round(preview.effective_zoom() * 100)}%"


def test_ctrl_p_and_ctrl_s_ask_the_owner_to_print_and_save(preview, qtbot):
    preview.load_bytes(make_pdf(1))
    preview.view.setFocus()
    with qtbot.waitSignal(preview.print_requested, timeout=1000):
        qtbot.keyClick(preview.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(preview.save_requested, timeout=1000):
        qtbot.keyClick(preview.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(preview.print_requested, timeout=1000):
        preview.print_button.click()


def test_heading_shows_title_and_facts(preview):
    preview.set_heading("Laporan Kasus", "DSHSS-1 · kertas F4")
    assert preview.title_label.text() == "Laporan Kasus" and not preview.title_label.isHidden()
    preview.set_heading("")
    assert preview.title_label.isHidden() and preview.facts_label.isHidden()


def test_garbage_is_refused_in_words_and_the_preview_stays_empty(preview):
    preview.load_bytes(make_pdf(2))
    with pytest.raises(UserError) as err:
        preview.load_bytes(b"%PDF-1.4 this is not really a pdf", name="rusak.pdf")
    assert "rusak.pdf" in err.value.message
    assert preview.page_count == 0 and preview.data == b""
    assert not preview.print_button.isEnabled()


def test_load_file_and_a_missing_file(preview, tmp_path):
    path = tmp_path / "laporan.pdf"
    path.write_bytes(make_pdf(2))
    assert preview.load_file(path) == 2
    assert preview.source_path == path
    with pytest.raises(UserError) as err:
        preview.load_file(tmp_path / "tidak-ada.pdf")
    assert "tidak-ada.pdf" in err.value.message


def test_without_actions_there_are_no_print_and_save_buttons(qtbot):
    widget = PdfPreview(actions=False)
    qtbot.addWidget(widget)
    widget.show()
    widget.load_bytes(make_pdf(1))
    assert widget.print_button.isHidden() and widget.save_button.isHidden()
    with qtbot.assertNotEmitted(widget.print_requested):
        qtbot.keyClick(widget.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
