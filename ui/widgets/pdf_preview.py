"""A PDF preview: QPdfView with "Halaman n dari N", zoom in/out, fit width, and Cetak… / Simpan PDF… buttons."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QMargins, QPointF, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.errors import UserError
from ui.i18n import tr
from ui.widgets.common import make_label

ZOOM_STEPS = (0.25, 0.33, 0.5, 0.67, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0)
PAGE_SPACING = 12
DOCUMENT_MARGIN = 8


class PdfPreview(QWidget):
    """Shows one PDF (bytes or a file) page after page under an optional heading (`set_heading`); emits
    `print_requested` / `save_requested` for its buttons and Ctrl+P / Ctrl+S (anywhere in the window while the
    preview is shown), so the owner decides how to print and where to save.

    Keyboard (anywhere inside the preview): PgDn/PgUp next/previous page, Home/End first/last page,
    Ctrl++ / Ctrl+- zoom, Ctrl+0 fit width."""

    print_requested = Signal()
    save_requested = Signal()
    page_changed = Signal(int)  # 0-based
    loaded = Signal(int)  # number of pages

    def __init__(self, parent: QWidget | None = None, *, actions: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("pdfPreview")
        self.document = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self._data = b""
        self.source_path: Path | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        heading_row = QHBoxLayout()
        heading_row.setSpacing(8)
        heading_text = QVBoxLayout()
        heading_text.setSpacing(2)
        self.title_label = make_label("", "subtitle", wrap=True)
        self.title_label.setObjectName("previewTitle")
        self.facts_label = make_label("", "muted", wrap=True, selectable=True)
        self.facts_label.setObjectName("previewFacts")
        heading_text.addWidget(self.title_label)
        heading_text.addWidget(self.facts_label)
        heading_row.addLayout(heading_text, 1)
        bar = QHBoxLayout()
        bar.setSpacing(6)
        page_label = QLabel(tr("Hala&man"))
        self.page_spin = QSpinBox()
        self.page_spin.setObjectName("pageSpin")
        self.page_spin.setAccessibleName(tr("Nomor halaman"))
        self.page_spin.setRange(1, 1)
        self.page_spin.setKeyboardTracking(False)
        page_label.setBuddy(self.page_spin)
        self.page_count_label = make_label(tr("dari {count}").format(count=0), "muted")
        self.page_count_label.setObjectName("pageCount")
        self.previous_button = self._tool("‹", tr("Halaman sebelumnya (PgUp)"), self.previous_page)
        self.next_button = self._tool("›", tr("Halaman berikutnya (PgDn)"), self.next_page)
        self.zoom_out_button = self._tool("−", tr("Perkecil (Ctrl+-)"), self.zoom_out)
        self.zoom_label = make_label("", "muted")
        self.zoom_label.setObjectName("zoomLabel")
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("400%") + 8)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_in_button = self._tool("+", tr("Perbesar (Ctrl++)"), self.zoom_in)
        self.fit_button = QPushButton(tr("&Lebar halaman"))
        self.fit_button.setObjectName("fitWidthButton")
        self.fit_button.setToolTip(tr("Sesuaikan lebar halaman dengan jendela (Ctrl+0)"))
        self.fit_button.setCheckable(True)
        self.fit_button.setAutoDefault(False)
        self.fit_button.clicked.connect(self.fit_width)
        for widget in (page_label, self.page_spin, self.page_count_label, self.previous_button, self.next_button):
            bar.addWidget(widget)
        bar.addSpacing(14)
        for widget in (self.zoom_out_button, self.zoom_label, self.zoom_in_button, self.fit_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        self.print_button = QPushButton(tr("&Cetak…"))
        self.print_button.setObjectName("printButton")
        self.print_button.setToolTip(tr("Cetak laporan dengan ukuran kertas aslinya (Ctrl+P)"))
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self._ask_print)
        self.save_button = QPushButton(tr("&Simpan PDF…"))
        self.save_button.setObjectName("savePdfButton")
        self.save_button.setToolTip(tr("Simpan laporan sebagai berkas PDF (Ctrl+S)"))
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self._ask_save)
        if actions:
            heading_row.addWidget(self.print_button, 0, Qt.AlignmentFlag.AlignTop)
            heading_row.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        else:
            self.print_button.hide()
            self.save_button.hide()
        layout.addLayout(heading_row)
        layout.addLayout(bar)
        self.set_heading("", "")

        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setAccessibleName(tr("Pratinjau laporan"))
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(PAGE_SPACING)
        self.view.setDocumentMargins(QMargins(DOCUMENT_MARGIN, DOCUMENT_MARGIN, DOCUMENT_MARGIN, DOCUMENT_MARGIN))
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view.setStyleSheet("QPdfView { background: #e3e7ec; border: 1px solid #dde3ea; }")
        layout.addWidget(self.view, 1)

        self.page_spin.valueChanged.connect(lambda value: self.go_to(value - 1))
        self.view.pageNavigator().currentPageChanged.connect(self._page_shown)
        self.view.zoomFactorChanged.connect(lambda _f: self._update_zoom())
        self.view.zoomModeChanged.connect(lambda _m: self._update_zoom())
        self._shortcut(QKeySequence(Qt.Key.Key_PageDown), self.next_page)
        self._shortcut(QKeySequence(Qt.Key.Key_PageUp), self.previous_page)
        self._shortcut(QKeySequence("Ctrl+Home"), self.first_page)
        self._shortcut(QKeySequence("Ctrl+End"), self.last_page)
        for keys in _distinct(QKeySequence.StandardKey.ZoomIn, "Ctrl++", "Ctrl+="):
            self._shortcut(keys, self.zoom_in)
        for keys in _distinct(QKeySequence.StandardKey.ZoomOut, "Ctrl+-"):
            self._shortcut(keys, self.zoom_out)
        self._shortcut(QKeySequence("Ctrl+0"), self.fit_width)
        if actions:  # anywhere in the window while the preview shows
            for keys, slot in ((QKeySequence.StandardKey.Print, self._ask_print),
                               (QKeySequence.StandardKey.Save, self._ask_save)):
                QShortcut(QKeySequence(keys), self, slot).setContext(Qt.ShortcutContext.WindowShortcut)
        self.view.viewport().installEventFilter(self)
        self._update_controls()

    def set_heading(self, title: str, facts: str = "") -> None:
        """The line above the toolbar: the document's title and a muted line of facts (both may be empty)."""
        self.title_label.setText(title)
        self.title_label.setVisible(bool(title))
        self.facts_label.setText(facts)
        self.facts_label.setVisible(bool(facts))

    def _ask_print(self) -> None:
        if self.page_count:
            self.print_requested.emit()

    def _ask_save(self) -> None:
        if self.page_count:
            self.save_requested.emit()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._update_zoom()  # fit-width zoom follows the viewport
        return super().eventFilter(watched, event)

    def _tool(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setMinimumWidth(28)
        button.clicked.connect(slot)
        return button

    def _shortcut(self, keys: QKeySequence, slot) -> QShortcut:
        shortcut = QShortcut(keys, self, slot)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        return shortcut

    # --- loading -----------------------------------------------------------------------------------------

    def load_bytes(self, data: bytes, *, name: str = "") -> int:
        """Show a PDF held in memory; returns the page count. UserError when it is not a readable PDF."""
        self._close_buffer()
        self.source_path = None
        self._data = bytes(data)
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(self._data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        return self._after_load(name)

    def load_file(self, path: str | Path) -> int:
        """Show a PDF file; returns the page count. UserError when the file cannot be read as a PDF."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UserError(tr("Berkas {name} tidak dapat dibaca.").format(name=path.name),
                            hint=str(exc.strerror or exc)) from exc
        count = self.load_bytes(data, name=path.name)
        self.source_path = path
        return count

    def clear(self) -> None:
        self.document.close()
        self._close_buffer()
        self._data = b""
        self.source_path = None
        self._update_controls()

    def _close_buffer(self) -> None:
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None

    def _after_load(self, name: str) -> int:
        if self.document.status() != QPdfDocument.Status.Ready or self.document.pageCount() < 1:
            error = self.document.error()
            self.clear()
            what = name or tr("Data ini")
            if error == QPdfDocument.Error.IncorrectPassword:
                raise UserError(tr("{name} dilindungi kata sandi.").format(name=what),
                                hint=tr("Buka kuncinya dahulu, lalu coba lagi."))
            raise UserError(tr("{name} bukan berkas PDF yang dapat dibaca.").format(name=what),
                            hint=tr("Pilih berkas PDF laporan yang utuh."))
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.pageNavigator().clear()
        self.view.pageNavigator().jump(0, QPointF(), 0)
        self._update_controls()
        self.loaded.emit(self.page_count)
        return self.page_count

    @property
    def data(self) -> bytes:
        """The bytes of the PDF shown (empty when nothing is loaded)."""
        return self._data

    @property
    def page_count(self) -> int:
        return self.document.pageCount() if self.document.status() == QPdfDocument.Status.Ready else 0

    @property
    def current_page(self) -> int:
        """The page at the top of the view, 0-based."""
        return self.view.pageNavigator().currentPage()

    # --- navigation --------------------------------------------------------------------------------------

    @Slot(int)
    def go_to(self, page: int) -> None:
        if not self.page_count:
            return
        page = max(0, min(page, self.page_count - 1))
        if page != self.current_page:
            self.view.pageNavigator().jump(page, QPointF(), 0)
        self._page_shown(page)

    @Slot()
    def next_page(self) -> None:
        self.go_to(self.current_page + 1)

    @Slot()
    def previous_page(self) -> None:
        self.go_to(self.current_page - 1)

    @Slot()
    def first_page(self) -> None:
        self.go_to(0)

    @Slot()
    def last_page(self) -> None:
        self.go_to(self.page_count - 1)

    @Slot(int)
    def _page_shown(self, page: int) -> None:
        if self.page_spin.value() != page + 1:
            self.page_spin.blockSignals(True)
            self.page_spin.setValue(page + 1)
            self.page_spin.blockSignals(False)
        self.previous_button.setEnabled(page > 0)
        self.next_button.setEnabled(page < self.page_count - 1)
        self.page_changed.emit(page)

    # --- zoom --------------------------------------------------------------------------------------------

    def effective_zoom(self) -> float:
        """The zoom in use: the set factor, or in fit-width mode the factor the view computes for the page."""
        if self.view.zoomMode() != QPdfView.ZoomMode.FitToWidth or not self.page_count:
            return self.view.zoomFactor()
        dpi = self.view.screen().logicalDotsPerInch() if self.view.screen() else 96.0
        widest = max(self.document.pagePointSize(page).width() for page in range(self.page_count))
        page_px = widest * dpi / 72.0
        usable = self.view.viewport().width() - 2 * DOCUMENT_MARGIN
        return max(0.05, usable / page_px) if page_px else 1.0

    @Slot()
    def zoom_in(self) -> None:
        current = self.effective_zoom()
        self.set_zoom(next((step for step in ZOOM_STEPS if step > current + 0.005), ZOOM_STEPS[-1]))

    @Slot()
    def zoom_out(self) -> None:
        current = self.effective_zoom()
        self.set_zoom(next((step for step in reversed(ZOOM_STEPS) if step < current - 0.005), ZOOM_STEPS[0]))

    def set_zoom(self, factor: float) -> None:
        page = self.current_page
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(ZOOM_STEPS[0], min(factor, ZOOM_STEPS[-1])))
        self.go_to(page)
        self._update_zoom()

    @Slot()
    def fit_width(self) -> None:
        page = self.current_page
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.go_to(page)
        self._update_zoom()

    def _update_zoom(self) -> None:
        fit = self.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
        self.fit_button.setChecked(fit)
        self.zoom_label.setText(f"{round(self.effective_zoom() * 100)}%" if self.page_count else "")
        self.zoom_in_button.setEnabled(bool(self.page_count) and self.effective_zoom() < ZOOM_STEPS[-1] - 0.005)
        self.zoom_out_button.setEnabled(bool(self.page_count) and self.effective_zoom() > ZOOM_STEPS[0] + 0.005)

    # --- state -------------------------------------------------------------------------------------------

    def _update_controls(self) -> None:
        count = self.page_count
        self.page_spin.blockSignals(True)
        self.page_spin.setRange(1, max(1, count))
        self.page_spin.setValue(1)
        self.page_spin.blockSignals(False)
        self.page_count_label.setText(tr("dari {count}").format(count=count))
        for widget in (self.page_spin, self.fit_button, self.print_button, self.save_button):
            widget.setEnabled(bool(count))
        self.previous_button.setEnabled(False)
        self.next_button.setEnabled(count > 1)
        self._update_zoom()


def _distinct(standard: QKeySequence.StandardKey, *extra: str) -> list[QKeySequence]:
    """The platform's keys for `standard` plus `extra`, each once (two shortcuts on one key would cancel
    each other out as ambiguous)."""
    seen: dict[str, QKeySequence] = {}
    for keys in [*QKeySequence.keyBindings(standard), *(QKeySequence(text) for text in extra)]:
        if not keys.isEmpty():
            seen.setdefault(keys.toString(), keys)
    return list(seen.values())
