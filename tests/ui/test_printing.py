"""Printing at the report's own paper size and actual size: printed to a PDF file and read back with pypdf."""

from __future__ import annotations

import io

import pytest
from PySide6.QtCore import QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QLabel
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from atensi_desktop.errors import Cancelled, UserError
from atensi_desktop.progress import Progress
from ui.printing import (
    configure_printer,
    f4_page_size,
    open_pdf,
    page_format,
    pages_to_print,
    paper_page_size,
    print_dialog,
    print_pdf,
)

F4 = (215 * mm, 330 * mm)
MARK = (20 * mm, 30 * mm, 40 * mm, 25 * mm)  # x from left, y from top, width, height of a black box


def make_pdf(*sizes) -> bytes:
    """One page per size, each numbered, with a black box at MARK measured from the top-left corner."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=sizes[0], invariant=1)
    for number, size in enumerate(sizes, start=1):
        c.setPageSize(size)
        x, y, w, h = MARK
        c.setFillColorRGB(0, 0, 0)
        c.rect(x, size[1] - y - h, w, h, stroke=0, fill=1)
        c.setFont("Helvetica", 14)
        c.drawString(72, size[1] - 500, f"Halaman {number}")  # below the box's corner
        c.showPage()
    c.save()
    return buf.getvalue()


def pdf_printer(path, dpi: int | None = 150) -> QPrinter:
    """A printer writing a PDF file; 150 dpi keeps the tests quick (None: the high-resolution default)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    if dpi is not None:
        printer.setResolution(dpi)
    return printer


def page_sizes(path) -> list[tuple[float, float]]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return [(float(page.mediabox.width), float(page.mediabox.height)) for page in reader.pages]


def test_f4_is_215_by_330_mm_and_named_f4():
    size = f4_page_size()
    assert size.name() == "F4"
    assert size.size(QPageSize.Unit.Millimeter) == QSizeF(215, 330)
    assert paper_page_size("A4").id() == QPageSize.PageSizeId.A4
    assert paper_page_size("f4").name() == "F4"
    with pytest.raises(ValueError):
        paper_page_size("Letter")


@pytest.mark.parametrize(("points", "name", "landscape_"), [
    ((595.28, 841.89), "A4", False),
    ((841.89, 595.28), "A4", True),
    ((609.45, 935.43), "F4", False),
    ((935.43, 609.45), "F4", True),
])
def test_page_format_recognises_a4_and_f4_in_both_orientations(points, name, landscape_):
    fmt = page_format(QSizeF(*points))
    assert fmt.name == name
    assert (fmt.orientation == QPageLayout.Orientation.Landscape) is landscape_


def test_an_unknown_page_size_is_kept_exactly_not_rounded_to_a_standard_one():
    fmt = page_format(QSizeF(612, 1008))  # US legal
    size = fmt.page_size.size(QPageSize.Unit.Point)
    assert fmt.name != "A4" and fmt.name != "F4"
    assert abs(size.width() - 612) < 1 and abs(size.height() - 1008) < 1


@pytest.mark.parametrize(("paper", "expected"), [(A4, (595, 842)), (F4, (609, 935))])
def test_printing_to_pdf_keeps_the_paper_size_and_page_count(tmp_path, paper, expected):
    out = tmp_path / "out.pdf"
    assert print_pdf(make_pdf(paper, paper, paper), pdf_printer(out)) == 3
    sizes = page_sizes(out)
    assert len(sizes) == 3
    for width, height in sizes:
        assert abs(width - expected[0]) <= 1 and abs(height - expected[1]) <= 1


def _black_box(image) -> tuple[int, int, int, int]:
    """Bounding box (left, top, right, bottom) of the dark pixels of a rendered page."""
    xs, ys = [], []
    for y in range(0, image.height()):
        for x in range(0, image.width()):
            if image.pixelColor(x, y).lightness() < 80:
                xs.append(x)
                ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def test_pages_are_printed_at_actual_size_without_margins(tmp_path):
    """The black box lands at the same millimetres on the printed page as on the report (no scaling, no margin)."""
    from ui.printing import open_pdf as open_out

    out = tmp_path / "out.pdf"
    printer = pdf_printer(out, dpi=None)
    assert printer.resolution() >= 600
    print_pdf(make_pdf(F4), printer)
    printed, _buffer = open_out(out.read_bytes())
    points = printed.pagePointSize(0)
    image = printed.render(0, QSize(round(points.width()), round(points.height())))  # 1 px = 1 pt
    left, top, right, bottom = _black_box(image.copy(0, 0, 200, 200))
    x, y, w, h = MARK
    assert abs(left - x) <= 1.5 and abs(top - y) <= 1.5
    assert abs(right + 1 - (x + w)) <= 1.5 and abs(bottom + 1 - (y + h)) <= 1.5
    printed.close()


def test_a_landscape_page_between_portrait_ones_keeps_its_orientation(tmp_path):
    out = tmp_path / "mixed.pdf"
    assert print_pdf(make_pdf(A4, landscape(A4), A4), pdf_printer(out)) == 3
    (w1, h1), (w2, h2), (w3, h3) = page_sizes(out)
    assert w1 < h1 and w2 > h2 and w3 < h3
    assert abs(w2 - 842) <= 1 and abs(h2 - 595) <= 1


def test_a_page_range_from_the_dialog_prints_only_those_pages(tmp_path):
    out = tmp_path / "range.pdf"
    printer = pdf_printer(out)
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 3)
    pages = pages_to_print(printer, 4)
    assert pages == [1, 2]
    assert print_pdf(make_pdf(A4, A4, A4, A4), printer, pages=pages) == 2
    assert len(page_sizes(out)) == 2


def test_current_page_and_reverse_order():
    printer = QPrinter()
    printer.setPrintRange(QPrinter.PrintRange.CurrentPage)
    assert pages_to_print(printer, 5, current_page=3) == [3]
    printer.setPrintRange(QPrinter.PrintRange.AllPages)
    printer.setPageOrder(QPrinter.PageOrder.LastPageFirst)
    assert pages_to_print(printer, 3) == [2, 1, 0]


def test_progress_counts_pages_and_cancel_stops(tmp_path):
    seen: list[tuple[int, int]] = []
    progress = Progress(on_update=lambda done, total, _m: seen.append((done, total)))
    print_pdf(make_pdf(A4, A4), pdf_printer(tmp_path / "a.pdf"), progress=progress)
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)
    cancelled = Progress()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        print_pdf(make_pdf(A4, A4), pdf_printer(tmp_path / "b.pdf"), progress=cancelled)


def test_bytes_that_are_no_pdf_are_refused_in_words():
    with pytest.raises(UserError) as err:
        print_pdf(b"bukan pdf", QPrinter())
    assert "PDF" in err.value.message


@pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")
def test_print_dialog_starts_on_the_reports_paper(qtbot, tmp_path):
    document, _buffer = open_pdf(make_pdf(F4, F4))
    printer = pdf_printer(tmp_path / "x.pdf")
    dialog = print_dialog(None, printer, document)
    qtbot.addWidget(dialog)
    assert printer.pageLayout().pageSize().name() == "F4"
    assert printer.pageLayout().margins(QPageLayout.Unit.Point).isNull()
    assert printer.fullPage()
    assert (dialog.minPage(), dialog.maxPage()) == (1, 2)
    note = dialog.findChild(QLabel, "paperNote")
    if note is not None:  # Qt's own dialog (Linux): the paper is said in words
        assert note.text().startswith("Kertas F4 (215 × 330 mm), ukuran asli")
    with qtbot.waitExposed(dialog):
        dialog.show()
    dialog.reject()
    document.close()


def test_configure_printer_refuses_an_empty_document():
    from PySide6.QtPdf import QPdfDocument

    with pytest.raises(UserError):
        configure_printer(QPrinter(), QPdfDocument())


def test_a_black_and_white_report_is_sent_in_grayscale_and_a_coloured_one_in_colour(tmp_path):
    from ui.printing import all_gray

    gray_doc, _b1 = open_pdf(make_pdf(A4))
    assert all_gray(gray_doc, [0])
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setFillColorRGB(0.8, 0.1, 0.1)
    c.rect(100, 600, 60, 60, stroke=0, fill=1)  # a coloured logo
    c.showPage()
    c.save()
    colour_doc, _b2 = open_pdf(buf.getvalue())
    assert not all_gray(colour_doc, [0])
    gray_printer = pdf_printer(tmp_path / "g.pdf")
    print_pdf(make_pdf(A4), gray_printer)
    assert gray_printer.colorMode() == QPrinter.ColorMode.GrayScale
    colour_printer = pdf_printer(tmp_path / "c.pdf")
    print_pdf(buf.getvalue(), colour_printer)
    assert colour_printer.colorMode() == QPrinter.ColorMode.Color
    gray_doc.close()
    colour_doc.close()
