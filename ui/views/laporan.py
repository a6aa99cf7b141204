"""Laporan: choose a report kind, say for whom and how (paper, redaction), build it in the background, preview it,
print it at its own paper size, save it; and check a printed or saved report ("Periksa keaslian laporan…")."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QRect, QSize, QStandardPaths, Qt, Slot
from PySide6.QtGui import QFont, QKeySequence, QPainter, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, UserError
from atensi_desktop.i18n import N_
from ui.change_bus import ChangeBus
from ui.errors import error_text, show_bug, show_error
from ui.i18n import tr
from ui.style import INK
from ui.tasks import Task
from ui.views.base import View
from ui.widgets.common import IconCard, make_card, make_label

if TYPE_CHECKING:  # QtPdf, QtPrintSupport and the dialog load when first used, not at start-up
    from PySide6.QtPrintSupport import QPrinter

    from ui.dialogs.report_dialog import ReportDialog, ReportRequest
    from ui.widgets.pdf_preview import PdfPreview

log = logging.getLogger(__name__)
KIND_ROLE = Qt.ItemDataRole.UserRole
EXPLANATION_ROLE = Qt.ItemDataRole.UserRole + 1
AVAILABLE_ROLE = Qt.ItemDataRole.UserRole + 2
PRINT_DIALOG_DELAY_MS = 400
LIST_WIDTH = 420


@dataclass(frozen=True)
class KindInfo:
    """How the Laporan screen presents a kind: its group, a title until the engine names it, one line on what
    it is, and the first words of its file name."""

    kind: str
    group: str
    title: str
    explanation: str
    file_word: str


KIND_INFO: tuple[KindInfo, ...] = (
    KindInfo("asesmen", N_("Per kasus"), N_("Laporan Hasil Asesmen"),
             N_("Asesmen terakhir seorang klien: genogram, ekomap."), "Laporan-Asesmen"),
    KindInfo("rencana", N_("Per kasus"), N_("Rencana Intervensi"),
             N_("Tujuan dan kegiatan rencana intervensi sebuah kasus."), "Rencana-Intervensi"),
    KindInfo("perkembangan", N_("Per kasus"), N_("Laporan Perkembangan"),
             N_("Layanan dibanding rencana, dan riwayat tahap kasus."), "Laporan-Perkembangan"),
    KindInfo("kasus", N_("Per kasus"), N_("Laporan Kasus"),
             N_("Seluruh kasus, dari identitas sampai terminasi."), "Laporan-Kasus"),
    KindInfo("rujukan", N_("Per kasus"), N_("Surat Rujukan"),
             N_("Surat bernomor untuk lembaga tujuan rujukan keluar."), "Surat-Rujukan"),
    KindInfo("terminasi", N_("Per kasus"), N_("Berita Acara Terminasi"),
             N_("Berita acara pengakhiran layanan sebuah kasus."), "Berita-Acara-Terminasi"),
    KindInfo("spm", N_("Rekap"), N_("Rekapitulasi SPM"),
             N_("Persentase PPKS yang mendapat rehabilitasi sosial dasar."), "Rekap-SPM"),
    KindInfo("bulanan", N_("Rekap"), N_("Laporan Bulanan"),
             N_("PPKS dan PSKS teridentifikasi, layanan dan rujukan."), "Laporan-Bulanan"),
    KindInfo("penerima", N_("Rekap"), N_("Daftar Penerima Bantuan"),
             N_("Penerima satu penyaluran bantuan, dengan kolom tanda tangan."), "Daftar-Penerima"),
    KindInfo("klien", N_("Rekap"), N_("Daftar Klien"),
             N_("Daftar klien dengan kategori, wilayah dan tahap kasus."), "Daftar-Klien"),
)
INFO_BY_KIND = {info.kind: info for info in KIND_INFO}
GROUPS = (N_("Per kasus"), N_("Rekap"))


def default_file_name(kind: str, subject_slug: str, today: dt.date) -> str:
    """'Laporan-Asesmen-DSHSS-7K2M9Q-2026-12-07.pdf'."""
    word = INFO_BY_KIND[kind].file_word if kind in INFO_BY_KIND else f"Laporan-{kind.capitalize()}"
    parts = [word, subject_slug, today.isoformat()]
    return "-".join(part for part in parts if part) + ".pdf"


def documents_folder() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder) if folder else Path.home()


@dataclass
class ShownReport:
    """The report in the preview: what was asked, what the engine produced, and whether it is on record."""

    request: ReportRequest
    title: str
    rendered: object  # reports.document.RenderedReport
    context: object  # reports.document.ReportContext
    recorded: bool = False

    @property
    def pdf(self) -> bytes:
        return self.rendered.pdf


def build_preview(db, request: ReportRequest, today: dt.date):
    """Build and render (not yet recorded as issued: a report is recorded when it is printed or saved)."""
    from atensi_desktop.reports.document import make_context
    from atensi_desktop.reports.registry import build_report

    context = make_context(db, request.kind, today=today, **request.context_values())
    return context, build_report(db, context)


def record_issued(db, shown: ShownReport) -> bool:
    """Issue the shown report (once): record it for verification, then the kind's own step (a letter writes its
    number back to the referral) — what registry.make_report does after rendering. Previews that are never
    printed or saved are not recorded, so they use up no letter number. True when the kind's step may have
    changed case records (the screens showing them should refresh)."""
    if shown.recorded:
        return False
    from atensi_desktop.reports.registry import issue_report

    changed = issue_report(db, shown.context, shown.rendered)
    shown.recorded = True
    return changed


class KindDelegate(QStyledItemDelegate):
    """A kind in two lines (title in bold, explanation in grey); group headings in small capitals."""

    PAD_X, PAD_Y, GAP = 12, 7, 1

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        kind = index.data(KIND_ROLE)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        painter.save()
        if kind is None:  # a group heading
            font = QFont(opt.font)
            font.setBold(True)
            font.setCapitalization(QFont.Capitalization.AllUppercase)
            font.setPointSizeF(font.pointSizeF() * 0.85)
            painter.setFont(font)
            painter.setPen(opt.palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(opt.rect.adjusted(self.PAD_X, 0, -self.PAD_X, -4),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, index.data())
            painter.restore()
            return
        opt.text = ""
        style = opt.widget.style() if opt.widget else QStyle()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, opt.widget)
        available = bool(index.data(AVAILABLE_ROLE))
        title_font = QFont(opt.font)
        title_font.setBold(True)
        rect = opt.rect.adjusted(self.PAD_X, self.PAD_Y, -self.PAD_X, -self.PAD_Y)
        painter.setFont(title_font)
        painter.setPen(Qt.GlobalColor.gray if not available else opt.palette.color(QPalette.ColorRole.Text))
        title_height = painter.fontMetrics().height()
        painter.drawText(QRect(rect.x(), rect.y(), rect.width(), title_height),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, index.data())
        painter.setFont(opt.font)
        painter.setPen(opt.palette.color(QPalette.ColorRole.PlaceholderText))
        detail = str(index.data(EXPLANATION_ROLE) or "")
        painter.drawText(QRect(rect.x(), rect.y() + title_height + self.GAP, self.text_width(opt.widget),
                               rect.height() - title_height - self.GAP),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap, detail)
        painter.restore()

    def text_width(self, widget: QWidget | None) -> int:
        """The wrapping width, the same whether the scroll bar shows or not (so heights never go stale)."""
        if widget is None:
            return LIST_WIDTH - 2 * self.PAD_X
        scroll = widget.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return max(120, widget.contentsRect().width() - scroll - 2 * self.PAD_X)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        metrics = option.fontMetrics
        width = self.text_width(option.widget)
        if index.data(KIND_ROLE) is None:
            return QSize(width, metrics.height() + 18)
        detail = metrics.boundingRect(QRect(0, 0, width, 1000), int(Qt.TextFlag.TextWordWrap),
                                      str(index.data(EXPLANATION_ROLE) or ""))
        return QSize(width, 2 * self.PAD_Y + metrics.height() + self.GAP + detail.height() + 2)


class LaporanView(View):
    """Report kinds on the left; on the right a guide, the progress of a build, or the preview."""

    name = "laporan"
    kinds_loaded = False

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, tr("Laporan"), parent)
        self.kinds: dict = {}  # kind -> registry.ReportKind, loaded when the screen is first shown
        self.shown: ShownReport | None = None
        self.paper = "A4"  # the last paper chosen, offered again
        self._build_task: Task | None = None
        self._generation = 0
        self._print_task: Task | None = None
        self.printer: QPrinter | None = None
        self.print_dialog = None
        self.progress_dialog: QProgressDialog | None = None
        self.verify_dialog = None
        self.report_dialog: ReportDialog | None = None

        self.verify_button = QPushButton(tr("Periksa &keaslian laporan…"))
        self.verify_button.setObjectName("verifyButton")
        self.verify_button.setToolTip(tr("Periksa apakah berkas PDF laporan dibuat oleh kantor ini dan isinya "
                                         "tidak berubah (Ctrl+Shift+K)"))
        self.verify_button.setAutoDefault(False)
        self.verify_button.clicked.connect(self.open_verify)
        self.header.addWidget(self.verify_button)

        row = QHBoxLayout()
        row.setSpacing(16)
        row.addLayout(self._kinds_column(), 0)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._guide_page())
        self.pages.addWidget(self._progress_page())
        self.pages.addWidget(self._preview_page())
        row.addWidget(self.pages, 1)
        self.body.addLayout(row, 1)
        self.notice_label = make_label("", "muted", wrap=True, selectable=True)
        self.notice_label.setObjectName("laporanNotice")
        self.notice_label.hide()
        self.body.addWidget(self.notice_label)

        QShortcut(QKeySequence("Ctrl+Shift+K"), self, self.open_verify)
        self.kind_list.itemActivated.connect(lambda _item: self.ask_for_report())
        self.kind_list.currentItemChanged.connect(lambda *_a: self._update_actions())
        self._fill_kinds()

    # --- layout ------------------------------------------------------------------------------------------

    def _kinds_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(8)
        label = QLabel(tr("&Jenis laporan"))
        label.setProperty("role", "strong")
        column.addWidget(label)
        self.kind_list = QListWidget()
        self.kind_list.setObjectName("reportKinds")
        self.kind_list.setAccessibleName(tr("Jenis laporan"))
        self.kind_list.setFixedWidth(LIST_WIDTH)
        self.kind_list.setItemDelegate(KindDelegate(self.kind_list))
        self.kind_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.kind_list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.kind_list.setResizeMode(QListView.ResizeMode.Adjust)  # heights follow the width (wrapped text)
        self.kind_list.setStyleSheet(
            "QListWidget#reportKinds { background: #ffffff; border: 1px solid #dde3ea; border-radius: 6px; }"
            "QListWidget#reportKinds::item:selected { background: #dce8f4; color: " + INK + "; }")
        label.setBuddy(self.kind_list)
        column.addWidget(self.kind_list, 1)
        self.make_button = QPushButton(tr("&Buat laporan…"))
        self.make_button.setObjectName("makeReportButton")
        self.make_button.setToolTip(tr("Pilih untuk siapa, kertas dan kerahasiaan, lalu susun laporannya (Enter)"))
        self.make_button.setAutoDefault(False)
        self.make_button.clicked.connect(self.ask_for_report)
        column.addWidget(self.make_button)
        return column

    def _guide_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.guide_card = IconCard(icon_name="laporan", icon_size=28, margins=20, line_spacing=6)
        self.guide_card.setObjectName("laporanGuide")
        self.guide_card.title_label.setText(tr("Pilih jenis laporan di sebelah kiri, lalu tekan Enter."))
        self.guide_card.detail_label.setText(tr(
            "Anda akan ditanya untuk kasus, klien atau periode mana, ukuran kertas (A4 atau F4) dan tingkat "
            "kerahasiaannya. Laporan disusun dan ditampilkan di sini sebelum dicetak atau disimpan sebagai PDF.\n\n"
            "Setiap laporan membawa kode verifikasi dan kode QR. Dengan “Periksa keaslian laporan…” "
            "Anda dapat memeriksa apakah sebuah berkas laporan benar dibuat di sini dan isinya tidak berubah."))
        layout.addWidget(self.guide_card)
        self.error_card = IconCard(icon_name="info", icon_size=28, margins=20, line_spacing=6)
        self.error_card.setObjectName("laporanError")
        self.error_card.title_label.setProperty("role", "error")
        self.error_card.hide()
        layout.addWidget(self.error_card)
        layout.addStretch(1)
        return page

    def _progress_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        card, inner = make_card(margins=20, spacing=10)
        self.progress_label = make_label("", "subtitle", wrap=True)
        self.progress_label.setObjectName("buildProgressLabel")
        inner.addWidget(self.progress_label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("buildProgress")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setTextVisible(False)
        inner.addWidget(self.progress_bar)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_build_button = QPushButton(tr("&Batal"))
        self.cancel_build_button.setObjectName("cancelBuildButton")
        self.cancel_build_button.clicked.connect(self.cancel_build)
        buttons.addWidget(self.cancel_build_button)
        inner.addLayout(buttons)
        layout.addWidget(card)
        layout.addStretch(1)
        return page

    def _preview_page(self) -> QWidget:
        page = QFrame()
        self.preview_layout = QVBoxLayout(page)
        self.preview_layout.setContentsMargins(0, 0, 0, 0)
        self.preview_layout.setSpacing(6)
        self._preview: PdfPreview | None = None
        return page

    @property
    def preview(self) -> PdfPreview:
        """The PDF preview, made on first use (QtPdf stays out of start-up)."""
        if self._preview is None:
            from ui.widgets.pdf_preview import PdfPreview

            self._preview = PdfPreview()
            self._preview.print_requested.connect(self.print_report)
            self._preview.save_requested.connect(self.save_report)
            self.preview_layout.addWidget(self._preview, 1)
        return self._preview

    def _fill_kinds(self) -> None:
        self.kind_list.clear()
        for group in GROUPS:
            heading = QListWidgetItem(tr(group))
            heading.setFlags(Qt.ItemFlag.NoItemFlags)
            self.kind_list.addItem(heading)
            for info in KIND_INFO:
                if info.group != group:
                    continue
                registered = self.kinds.get(info.kind)
                available = registered is not None or not self.kinds_loaded
                item = QListWidgetItem(registered.label if registered is not None else tr(info.title))
                item.setData(KIND_ROLE, info.kind)
                explanation = tr(info.explanation)
                if self.kinds_loaded and registered is None:
                    explanation = tr("Belum tersedia di versi ini.")
                item.setData(EXPLANATION_ROLE, explanation)
                item.setData(AVAILABLE_ROLE, available)
                item.setToolTip(explanation)
                self.kind_list.addItem(item)
        first = next((i for i in range(self.kind_list.count())
                      if self.kind_list.item(i).data(KIND_ROLE) is not None), -1)
        self.kind_list.setCurrentRow(first)
        self._update_actions()

    def activated(self) -> None:
        if not self.kinds_loaded:
            self.load_kinds()

    def load_kinds(self) -> None:
        """Ask the engine which kinds exist (imports ReportLab; done when the screen is first shown)."""
        current = self.current_kind()
        try:
            from atensi_desktop.reports.registry import load_all

            self.kinds = dict(load_all())
        except Exception as exc:  # the screen still opens; the guide says what is wrong
            log.exception("report kinds could not be loaded")
            self.kinds = {}
            self.show_error_card(tr("Jenis laporan tidak dapat dimuat."), str(exc))
        self.kinds_loaded = True
        self._fill_kinds()
        if current is not None:
            self.select_kind(current)

    # --- kinds -------------------------------------------------------------------------------------------

    def current_kind(self) -> str | None:
        item = self.kind_list.currentItem()
        return item.data(KIND_ROLE) if item is not None else None

    def select_kind(self, kind: str) -> None:
        for row in range(self.kind_list.count()):
            if self.kind_list.item(row).data(KIND_ROLE) == kind:
                self.kind_list.setCurrentRow(row)
                return
        raise KeyError(kind)

    def _update_actions(self) -> None:
        item = self.kind_list.currentItem()
        usable = item is not None and bool(item.data(AVAILABLE_ROLE)) and self._build_task is None
        self.make_button.setEnabled(usable)

    # --- building ----------------------------------------------------------------------------------------

    @Slot()
    def ask_for_report(self, *, filters=None) -> ReportDialog | None:
        """The dialog for the chosen kind; on OK the report is built. `filters`: the client list's (klien)."""
        kind = self.current_kind()
        if kind is None or self._build_task is not None:
            return None
        if not self.kinds_loaded:
            self.load_kinds()
        registered = self.kinds.get(kind)
        if registered is None:
            self.notice(tr("Laporan ini belum tersedia di versi ini."))
            return None
        if self.report_dialog is not None:  # one at a time: the one open gives way to the new request
            self.report_dialog.reject()
        from ui.dialogs.report_dialog import ReportDialog

        info = INFO_BY_KIND.get(kind)
        dialog = ReportDialog(self.ctx, kind=kind, title=registered.label, needs=registered.needs,
                              explanation=tr(info.explanation) if info else registered.description,
                              paper=self.paper, filters=filters if registered.needs == "list" else None,
                              parent=self)
        dialog.finished.connect(lambda result, d=dialog: self._dialog_done(d, result))
        self.report_dialog = dialog
        dialog.open()
        return dialog

    def print_client_list(self, query) -> ReportDialog | None:
        """The Klien screen's "Cetak daftar (PDF)…": Daftar Klien with the screen's filters (a ClientQuery);
        the dialog asks only for paper and redaction, then the preview shows the list here."""
        if self._build_task is not None:
            self.notice(tr("Tunggu sampai laporan yang sedang disusun selesai, atau batalkan dulu."))
            return None
        if not self.kinds_loaded:
            self.load_kinds()
        try:
            self.select_kind("klien")
        except KeyError:
            self.notice(tr("Laporan ini belum tersedia di versi ini."))
            return None
        return self.ask_for_report(filters=query)

    def _dialog_done(self, dialog: ReportDialog, result: int) -> None:
        request = dialog.request if result else None
        dialog.deleteLater()
        self.report_dialog = None
        if request is not None:
            self.paper = request.paper
            self.build(request)

    def build(self, request: ReportRequest, *, today: dt.date | None = None) -> Task:
        """Build `request` in the background; the preview shows it when done."""
        if self._build_task is not None:
            self._build_task.cancel()
        self._generation += 1
        generation = self._generation
        db, day = self.ctx.db, today or dt.date.today()
        task = Task(lambda _progress: (generation, build_preview(db, request, day)))
        title = self.kinds[request.kind].label if request.kind in self.kinds else request.kind
        self.progress_label.setText(tr("Menyusun {title} — {subject}…").format(title=title,
                                                                          subject=request.subject_label))
        self.pages.setCurrentIndex(1)
        self.cancel_build_button.setFocus()
        self.notice("")
        task.finished.connect(lambda value, r=request: self._built(r, value))
        task.failed.connect(lambda exc, g=generation: self._build_failed(g, exc))
        task.cancelled.connect(lambda g=generation: self._build_cancelled(g))
        self._build_task = task
        self._update_actions()
        return task.start()

    @property
    def busy(self) -> bool:
        return self._build_task is not None

    @Slot()
    def cancel_build(self) -> None:
        """Stop waiting for the report being built (its result, when it comes, is dropped)."""
        if self._build_task is None:
            return
        self._build_task.cancel()
        self._generation += 1
        self._build_task = None
        self.pages.setCurrentIndex(2 if self.shown is not None else 0)
        self.notice(tr("Penyusunan laporan dibatalkan."))
        self._update_actions()
        self.kind_list.setFocus()

    def _built(self, request: ReportRequest, value: tuple) -> None:
        generation, (context, rendered) = value
        if generation != self._generation:
            return  # cancelled or superseded
        self._build_task = None
        self._update_actions()
        try:
            self.preview.load_bytes(rendered.pdf, name=rendered.title)
        except AtensiError as exc:
            self.show_error_card(exc.message, exc.hint or "")
            return
        self.shown = ShownReport(request=request, title=rendered.title, rendered=rendered, context=context)
        self.error_card.hide()
        self.preview.set_heading(rendered.title, self.facts_line(self.shown))
        self.pages.setCurrentIndex(2)
        self.preview.view.setFocus()

    def facts_line(self, shown: ShownReport) -> str:
        from atensi_desktop.reports.redaction import level_label

        request, rendered = shown.request, shown.rendered
        parts = [request.subject_label, tr("kertas {paper}").format(paper=request.paper),
                 level_label(request.redaction), tr("{pages} halaman").format(pages=rendered.pages),
                 tr("kode verifikasi {code}").format(code=rendered.code)]
        if request.redaction == "mitra" and request.show_sensitive:
            parts.insert(3, tr("dengan rincian kesehatan dan pidana"))
        return " · ".join(part for part in parts if part)

    def _build_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._build_task = None
        self._update_actions()
        if isinstance(exc, AtensiError):
            self.show_error_card(exc.message, exc.hint or "")
        else:
            self.pages.setCurrentIndex(2 if self.shown is not None else 0)
            show_bug(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    def _build_cancelled(self, generation: int) -> None:
        if generation == self._generation:
            self._build_task = None
            self._update_actions()

    def show_error_card(self, message: str, hint: str) -> None:
        self.error_card.title_label.setText(message)
        self.error_card.detail_label.setText(hint)
        self.error_card.show()
        self.pages.setCurrentIndex(0)

    def notice(self, text: str) -> None:
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    # --- saving ------------------------------------------------------------------------------------------

    def default_file_name(self) -> str:
        assert self.shown is not None
        return default_file_name(self.shown.request.kind, self.shown.request.subject_slug,
                                 self.shown.context.today)

    @Slot()
    def save_report(self) -> None:
        if self.shown is None:
            return
        default = str(documents_folder() / self.default_file_name())
        path, _filter = QFileDialog.getSaveFileName(self, tr("Simpan laporan PDF"), default,
                                                    tr("Dokumen PDF (*.pdf)"))
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        """Record the report as issued and write it (temporary file + rename); True when saved."""
        from atensi_desktop.paths import atomic_write_bytes

        if self.shown is None:
            return False
        try:
            if record_issued(self.ctx.db, self.shown):
                self.bus.cases_changed.emit()
            atomic_write_bytes(path, self.shown.pdf)
        except AtensiError as exc:
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")
            return False
        except OSError as exc:
            show_error(self, UserError(tr("Laporan tidak dapat disimpan ke {path}.").format(path=path),
                                       hint=tr("{reason}. Pilih folder lain atau periksa izin menulisnya.").format(
                                           reason=exc.strerror or exc)))
            return False
        self.notice(tr("Laporan disimpan: {path}").format(path=path))
        return True

    # --- printing ----------------------------------------------------------------------------------------

    def _printer(self) -> QPrinter:
        if self.printer is None:
            from ui.printing import new_printer

            self.printer = new_printer()
        return self.printer

    @Slot()
    def print_report(self):
        """The print dialog (paper already the report's own); printing runs in the background when accepted."""
        if self.shown is None or self._print_task is not None:
            return None
        from PySide6.QtPrintSupport import QPrinter

        from ui.printing import print_dialog

        printer = self._printer()
        printer.setDocName(self.shown.title)
        if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
            printer.setOutputFileName(str(documents_folder() / self.default_file_name()))
        dialog = print_dialog(self, printer, self.preview.document)
        fmt_name = self.shown.request.paper
        dialog.setWindowTitle(tr("Cetak laporan — kertas {paper}, ukuran asli").format(paper=fmt_name))
        dialog.finished.connect(lambda result: self._print_dialog_done(result, printer))
        self.print_dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)  # QDialog.open(); QPrintDialog overloads open
        dialog.show()
        return dialog

    def _print_dialog_done(self, result: int, printer: QPrinter) -> None:
        dialog, self.print_dialog = self.print_dialog, None
        if dialog is not None:
            dialog.deleteLater()
        if result:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> Task | None:
        """Record the report as issued and print the chosen pages at actual size, with progress and Batal."""
        if self.shown is None or self._print_task is not None:
            return None
        from ui.printing import pages_to_print, print_pdf

        shown, db = self.shown, self.ctx.db
        pages = pages_to_print(printer, self.preview.page_count, self.preview.current_page)

        def work(progress):
            changed = record_issued(db, shown)
            return print_pdf(shown.pdf, printer, pages=pages, progress=progress), changed

        task = Task(work)
        dialog = QProgressDialog(tr("Menyiapkan halaman pertama…"), tr("Batal"), 0, len(pages), self)
        dialog.setObjectName("printProgress")
        dialog.setWindowTitle(tr("Mencetak laporan"))
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(PRINT_DIALOG_DELAY_MS)
        dialog.setMinimumWidth(380)
        dialog.canceled.connect(task.cancel)
        task.progressed.connect(self._print_progressed)
        task.finished.connect(lambda result: self._printed(result, printer))
        task.failed.connect(self._print_failed)
        task.cancelled.connect(self._print_cancelled)
        self._print_task, self.progress_dialog = task, dialog
        self.preview.print_button.setEnabled(False)
        dialog.setValue(0)
        return task.start()

    @property
    def printing(self) -> bool:
        return self._print_task is not None

    @Slot(int, int, str)
    def _print_progressed(self, done: int, total: int, message: str) -> None:
        if self.progress_dialog is not None and not self.progress_dialog.wasCanceled():
            self.progress_dialog.setMaximum(max(total, 1))
            self.progress_dialog.setValue(done)
            self.progress_dialog.setLabelText(message)

    def _print_over(self) -> None:
        self._print_task = None
        if self.progress_dialog is not None:
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        if self._preview is not None:
            self._preview.print_button.setEnabled(self.shown is not None)

    def _printed(self, result: tuple[int, bool], printer: QPrinter) -> None:
        from PySide6.QtPrintSupport import QPrinter

        count, changed = result
        self._print_over()
        if changed:
            self.bus.cases_changed.emit()
        where = printer.outputFileName() if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat \
            else printer.printerName()
        self.notice(tr("{count} halaman dikirim ke {where} pada kertas {paper}, ukuran asli.").format(
            count=count, where=where, paper=self.shown.request.paper if self.shown else ""))

    def _print_failed(self, exc: BaseException) -> None:
        self._print_over()
        if isinstance(exc, AtensiError):
            self.notice(error_text(exc))
        else:
            show_bug(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    def _print_cancelled(self) -> None:
        self._print_over()
        self.notice(tr("Pencetakan dibatalkan. Halaman yang sudah terkirim ke printer tetap tercetak."))

    # --- verification ------------------------------------------------------------------------------------

    @Slot()
    def open_verify(self):
        from ui.dialogs.verify_dialog import VerifyDialog

        if self.verify_dialog is not None:
            self.verify_dialog.raise_()
            self.verify_dialog.activateWindow()
            return self.verify_dialog
        dialog = VerifyDialog(self.ctx, parent=self)
        dialog.finished.connect(lambda _r, d=dialog: self._verify_closed(d))
        self.verify_dialog = dialog
        dialog.open()
        return dialog

    def _verify_closed(self, dialog) -> None:
        dialog.deleteLater()
        self.verify_dialog = None

