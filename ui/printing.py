"""Printing a PDF at its own paper size and actual size: A4 or F4 (215 × 330 mm) exactly, no scaling, no margins.

Each page is rendered with QPdfDocument.render at the printer's resolution (capped, in horizontal bands so a
600 dpi page never needs one 140 MB image) and painted onto the whole sheet with zero margins."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRect, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import QBoxLayout, QLabel, QWidget

from atensi_desktop.errors import UserError
from atensi_desktop.progress import Progress
from ui.i18n import tr

MM_PER_POINT = 25.4 / 72.0
SIZE_TOLERANCE_PT = 2.0  # a page within 2 pt of A4 or F4 is that paper
MAX_RENDER_DPI = 600  # enough for text on any office printer; the driver scales nothing (actual size)
BAND_BYTES = 32 * 1024 * 1024  # at most this much image memory per rendered band


def f4_page_size() -> QPageSize:
    """F4 / Folio as Indonesian offices use it: 215 × 330 mm, named "F4", never rounded to a standard size."""
    return QPageSize(QSizeF(215, 330), QPageSize.Unit.Millimeter, "F4", QPageSize.SizeMatchPolicy.ExactMatch)


def paper_page_size(paper: str) -> QPageSize:
    """The QPageSize of a report paper name ("A4" or "F4")."""
    if paper.upper() == "F4":
        return f4_page_size()
    if paper.upper() == "A4":
        return QPageSize(QPageSize.PageSizeId.A4)
    raise ValueError(f"unknown paper {paper!r}")


@dataclass(frozen=True)
class PageFormat:
    """The paper of one PDF page: its QPageSize (portrait) and orientation."""

    page_size: QPageSize
    orientation: QPageLayout.Orientation

    @property
    def name(self) -> str:
        return self.page_size.name()


def page_format(points: QSizeF) -> PageFormat:
    """A4, F4 or a custom size matching a page of `points` (width × height in PostScript points)."""
    width, height = points.width(), points.height()
    landscape = width > height
    short, long_ = (height, width) if landscape else (width, height)
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    for candidate in (QPageSize(QPageSize.PageSizeId.A4), f4_page_size()):
        size = candidate.size(QPageSize.Unit.Point)
        if abs(size.width() - short) <= SIZE_TOLERANCE_PT and abs(size.height() - long_) <= SIZE_TOLERANCE_PT:
            return PageFormat(candidate, orientation)
    custom = QPageSize(QSizeF(short * MM_PER_POINT, long_ * MM_PER_POINT), QPageSize.Unit.Millimeter,
                       f"{round(short * MM_PER_POINT)} × {round(long_ * MM_PER_POINT)} mm",
                       QPageSize.SizeMatchPolicy.ExactMatch)
    return PageFormat(custom, orientation)


def document_format(document: QPdfDocument) -> PageFormat:
    """The paper of the document's first page (reports use one paper throughout)."""
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        raise UserError(tr("Tidak ada laporan untuk dicetak."), hint=tr("Buat laporan dahulu, lalu cetak."))
    return page_format(document.pagePointSize(0))


def configure_printer(printer: QPrinter, document: QPdfDocument, *, title: str = "") -> PageFormat:
    """Paper exactly as the report's, the whole sheet usable (no margins), Qt never scaling to fit."""
    fmt = document_format(document)
    printer.setFullPage(True)
    layout = QPageLayout(fmt.page_size, fmt.orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    layout.setMode(QPageLayout.Mode.FullPageMode)
    printer.setPageLayout(layout)
    printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    if title:
        printer.setDocName(title)
    printer.setCreator("ATENSI Desktop")
    return fmt


def _set_page(printer: QPrinter, fmt: PageFormat) -> None:
    layout = QPageLayout(fmt.page_size, fmt.orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    layout.setMode(QPageLayout.Mode.FullPageMode)
    printer.setPageLayout(layout)


def pages_to_print(printer: QPrinter, count: int, current_page: int = 0) -> list[int]:
    """0-based page numbers the print dialog asked for (all, a range, or the current page), in print order."""
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first = max(1, printer.fromPage())
        last = min(count, printer.toPage() or count)
        pages = list(range(first - 1, last))
    elif printer.printRange() == QPrinter.PrintRange.CurrentPage:
        pages = [max(0, min(current_page, count - 1))]
    else:
        pages = list(range(count))
    if printer.pageOrder() == QPrinter.PageOrder.LastPageFirst:
        pages.reverse()
    return pages


def render_dpi(printer: QPrinter) -> int:
    return max(72, min(printer.resolution(), MAX_RENDER_DPI))


def open_pdf(data: bytes) -> tuple[QPdfDocument, QBuffer]:
    """A QPdfDocument over bytes (loaded synchronously; keep the buffer alive as long as the document)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        raise UserError(tr("Laporan ini bukan PDF yang dapat dibaca."), hint=tr("Buat laporan lagi, lalu cetak."))
    return document, buffer


def print_pdf(data: bytes, printer: QPrinter, *, pages: list[int] | None = None,
              progress: Progress | None = None) -> int:
    """Print PDF bytes; safe to run off the GUI thread (it opens its own QPdfDocument; Qt allows painting on a
    QPrinter from another thread). Returns the number of pages printed; Cancelled when `progress` is cancelled."""
    document, buffer = open_pdf(data)
    try:
        return print_document(document, printer, pages=pages, progress=progress)
    finally:
        document.close()
        buffer.close()


def print_document(document: QPdfDocument, printer: QPrinter, *, pages: list[int] | None = None,
                   progress: Progress | None = None) -> int:
    """Paint the pages onto `printer` at actual size; returns the number printed.

    `progress.step()` runs before each page and raises Cancelled after `progress.cancel()` (what a printer has
    received stays printed; a PDF file being written is left incomplete, so print files to a temporary name)."""
    configure_printer(printer, document, title=printer.docName())
    wanted = list(range(document.pageCount())) if pages is None else pages
    if not wanted:
        return 0
    dpi = render_dpi(printer)
    _set_page(printer, page_format(document.pagePointSize(wanted[0])))
    if printer.colorMode() == QPrinter.ColorMode.Color and all_gray(document, wanted):
        printer.setColorMode(QPrinter.ColorMode.GrayScale)  # the same sheets, half the data to send
    if progress is not None:
        progress.start(len(wanted), tr("Menyiapkan halaman pertama…"))
    painter = QPainter()
    if not painter.begin(printer):
        raise UserError(tr("Printer tidak dapat dipakai."),
                        hint=tr("Periksa apakah printer menyala dan tersambung, lalu coba lagi."))
    painter.setRenderHint(QPainter.RenderHint.LosslessImageRendering, True)  # no JPEG blur on text (PDF output)
    try:
        for done, page in enumerate(wanted):
            if progress is not None:
                progress.check()
            if done:
                _set_page(printer, page_format(document.pagePointSize(page)))
                printer.newPage()
            _paint_page(painter, printer, document, page, dpi)
            if progress is not None:
                progress.step(message=tr("Halaman {done} dari {total} terkirim").format(done=done + 1,
                                                                                      total=len(wanted)))
    finally:
        painter.end()
    return len(wanted)


def all_gray(document: QPdfDocument, pages: list[int], dpi: int = 24) -> bool:
    """True when the pages have no colour at all (checked on small renderings; a colour logo shows up)."""
    for page in pages:
        points = document.pagePointSize(page)
        small = document.render(page, QSize(max(1, round(points.width() * dpi / 72)),
                                            max(1, round(points.height() * dpi / 72))))
        if not small.isNull() and not small.allGray():
            return False
    return True


def _paint_page(painter: QPainter, printer: QPrinter, document: QPdfDocument, page: int, dpi: int) -> None:
    """Render one page in bands at `dpi`, on white, and draw it over the whole sheet (no margins)."""
    points = document.pagePointSize(page)
    target = printer.pageLayout().fullRectPixels(printer.resolution())
    pixels = QSize(round(points.width() * dpi / 72.0), round(points.height() * dpi / 72.0))
    band_rows = max(64, BAND_BYTES // max(1, pixels.width() * 4))
    scale_x = target.width() / pixels.width()
    scale_y = target.height() / pixels.height()
    top = 0
    while top < pixels.height():
        rows = min(band_rows, pixels.height() - top)
        options = QPdfDocumentRenderOptions()
        options.setScaledSize(pixels)
        options.setScaledClipRect(QRect(0, top, pixels.width(), rows))
        rendered = document.render(page, QSize(pixels.width(), rows), options)
        if rendered.isNull():
            raise UserError(tr("Halaman {page} tidak dapat disiapkan untuk dicetak.").format(page=page + 1),
                            hint=tr("Memori komputer mungkin tidak cukup. Tutup aplikasi lain, lalu coba lagi."))
        band = QImage(rendered.size(), QImage.Format.Format_RGB32)
        band.fill(Qt.GlobalColor.white)
        band_painter = QPainter(band)
        band_painter.drawImage(0, 0, rendered)
        band_painter.end()
        painter.drawImage(QRectF(target.x(), target.y() + top * scale_y, pixels.width() * scale_x, rows * scale_y),
                          band)
        top += rows


def print_dialog(parent: QWidget | None, printer: QPrinter, document: QPdfDocument) -> QPrintDialog:
    """The system print dialog, with page ranges and the current page allowed; the report's paper already set
    (print_document sets it again: a report laid out on F4 is never squeezed onto another sheet)."""
    configure_printer(printer, document, title=printer.docName())
    printer.setFromTo(1, document.pageCount())
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(tr("Cetak laporan"))
    dialog.setMinMax(1, document.pageCount())
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, True)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCollateCopies, True)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, True)
    layout = dialog.layout()
    if isinstance(layout, QBoxLayout):  # Qt's own dialog (Linux); Windows and macOS show the system's
        note = QLabel(paper_note(document_format(document)))
        note.setObjectName("paperNote")
        note.setWordWrap(True)
        note.setProperty("role", "strong")
        layout.insertWidget(0, note)
    return dialog


def paper_note(fmt: PageFormat) -> str:
    """'Kertas F4 (215 × 330 mm), ukuran asli: …' for the print dialog."""
    size = fmt.page_size.size(QPageSize.Unit.Millimeter)
    return tr("Kertas {paper} ({width} × {height} mm), ukuran asli, tidak diperkecil. Pasang kertas {paper} "
              "di printer.").format(paper=fmt.name, width=round(size.width()), height=round(size.height()))


def new_printer() -> QPrinter:
    """A high-resolution printer object (the default printer, or PDF output when there is none)."""
    return QPrinter(QPrinter.PrinterMode.HighResolution)
