"""Periksa keaslian laporan: a PDF file (chosen or dropped) or a typed verification code → the engine's verify →
a plain verdict (cocok / isi berubah / tidak dikenal) with the report's title, date and office."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from ui.errors import show_bug
from ui.i18n import tr
from ui.widgets.common import make_label
from ui.widgets.pdf_preview import PdfPreview

NARROW_SIZE = (560, 520)  # without the preview
WIDE_SIZE = (1040, 640)  # with the checked file shown beside the verdict (fits 1366 × 768)
# verdict -> (frame colour, border colour, heading colour)
COLOURS = {
    "cocok": ("#e8f5ec", "#8cc9a0", "#1e6b3a"),
    "isi_berubah": ("#fdecea", "#e6a19b", "#9f1d14"),
    "tidak_dikenal": ("#fff6e0", "#e5c26b", "#7a5300"),
    "error": ("#f1f4f7", "#dde3ea", "#1d2b36"),
}


def _local_pdf(event: QDragEnterEvent | QDropEvent) -> Path | None:
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(".pdf"):
            return Path(url.toLocalFile())
    return None


class VerdictCard(QFrame):
    """A coloured panel: heading (the verdict) and the report's particulars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(6)
        self.heading = make_label("", None, wrap=True)
        self.heading.setObjectName("verdictHeading")
        self.detail = make_label("", None, wrap=True, selectable=True)
        self.detail.setObjectName("verdictDetail")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.heading)
        layout.addWidget(self.detail)
        self.status = ""

    def show_verdict(self, status: str, heading: str, detail: str) -> None:
        background, border, ink = COLOURS.get(status, COLOURS["error"])
        self.status = status
        self.setStyleSheet(f"QFrame#verdictCard {{ background: {background}; border: 1px solid {border}; "
                           f"border-radius: 8px; }} QFrame#verdictCard QLabel {{ background: transparent; }}"
                           f"QLabel#verdictHeading {{ color: {ink}; font-size: 13pt; font-weight: bold; }}")
        self.heading.setText(heading)
        self.detail.setText(detail)
        self.show()


class VerifyDialog(QDialog):
    """Drop or choose a PDF, or type the code printed under the QR; the verdict is shown at once."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verifyDialog")
        self.setWindowTitle(tr("Periksa keaslian laporan"))
        self.setAcceptDrops(True)
        self.ctx = ctx
        self.result_value = None  # the engine's VerifyResult of the last check
        outer = QHBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 14)
        outer.setSpacing(16)
        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(make_label(tr("Periksa keaslian laporan"), "subtitle"))
        left.addWidget(make_label(tr(
            "Apakah berkas laporan ini dibuat oleh database ini, dan isinya tidak berubah sejak dibuat? "
            "Pilih berkas PDF-nya atau seret ke jendela ini. Untuk laporan tercetak, ketik kode verifikasi "
            "yang tertulis di bawah kode QR."), "muted", wrap=True))

        self.drop_zone = QFrame()
        self.drop_zone.setObjectName("dropZone")
        self.drop_zone.setStyleSheet("QFrame#dropZone { border: 2px dashed #b8c4d0; border-radius: 8px; "
                                     "background: #ffffff; } QFrame#dropZone QLabel { border: none; }")
        zone = QVBoxLayout(self.drop_zone)
        zone.setContentsMargins(16, 14, 16, 14)
        zone.setSpacing(8)
        zone_label = make_label(tr("Seret berkas PDF laporan ke sini"), "muted")
        zone_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        zone.addWidget(zone_label)
        self.choose_button = QPushButton(tr("&Pilih berkas PDF…"))
        self.choose_button.setObjectName("chooseFileButton")
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose_file)
        zone.addWidget(self.choose_button, 0, Qt.AlignmentFlag.AlignCenter)
        self.file_label = make_label("", "muted", wrap=True, selectable=True)
        self.file_label.setObjectName("checkedFile")
        self.file_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.file_label.hide()
        zone.addWidget(self.file_label)
        left.addWidget(self.drop_zone)

        code_row = QHBoxLayout()
        code_label = QLabel(tr("Kode &verifikasi"))
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("codeEdit")
        self.code_edit.setPlaceholderText(tr("mis. 7K3M-Q9XA"))
        self.code_edit.setMaxLength(40)
        code_label.setBuddy(self.code_edit)
        self.code_button = QPushButton(tr("Periksa &kode"))
        self.code_button.setObjectName("checkCodeButton")
        self.code_button.setAutoDefault(False)
        self.code_button.setEnabled(False)
        self.code_button.clicked.connect(self.check_code)
        self.code_edit.textChanged.connect(lambda text: self.code_button.setEnabled(bool(text.strip())))
        self.code_edit.returnPressed.connect(self.check_code)
        code_row.addWidget(code_label)
        code_row.addWidget(self.code_edit, 1)
        code_row.addWidget(self.code_button)
        left.addLayout(code_row)

        self.verdict = VerdictCard()
        self.verdict.hide()
        left.addWidget(self.verdict)
        left.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("&Tutup"))
        buttons.rejected.connect(self.reject)
        left.addWidget(buttons)
        outer.addLayout(left, 1)

        self.preview = PdfPreview(actions=False)
        self.preview.setObjectName("verifyPreview")
        self.preview.setMinimumWidth(380)
        self.preview.hide()
        outer.addWidget(self.preview, 1)
        self.resize(*NARROW_SIZE)
        self.choose_button.setFocus()

    # --- input -------------------------------------------------------------------------------------------

    @Slot()
    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, tr("Pilih laporan PDF"), "", tr("Dokumen PDF (*.pdf)"))
        if path:
            self.check_file(Path(path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_pdf(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _local_pdf(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.check_file(path)

    # --- checks ------------------------------------------------------------------------------------------

    def check_file(self, path: Path) -> object | None:
        """Verify a PDF file and show the verdict (and the file beside it)."""
        from atensi_desktop.reports.verification import verify_file

        self.file_label.setText(str(path))
        self.file_label.show()
        try:
            result = verify_file(self.ctx.db, path)
        except AtensiError as exc:
            self.result_value = None
            self._hide_preview()
            self.verdict.show_verdict("error", tr("Berkas ini tidak dapat diperiksa"),
                                      f"{exc.message}\n{exc.hint or ''}".strip())
            return None
        except Exception as exc:
            show_bug(self, exc, log_file=self.ctx.paths.logs / "atensi.log")
            return None
        self._show_result(result, from_file=True)
        try:
            self.preview.load_file(path)
        except AtensiError:
            self._hide_preview()
        else:
            self._show_preview()
        return result

    @Slot()
    def check_code(self) -> object | None:
        """Verify a typed code (a printout): proves it was issued here; title, date and office to compare."""
        from atensi_desktop.reports.verification import verify_code

        code = self.code_edit.text().strip()
        if not code:
            return None
        self.file_label.hide()
        self._hide_preview()
        try:
            result = verify_code(self.ctx.db, code)
        except AtensiError as exc:
            self.verdict.show_verdict("error", tr("Kode ini tidak dapat diperiksa"),
                                      f"{exc.message}\n{exc.hint or ''}".strip())
            return None
        self._show_result(result, from_file=False)
        return result

    def _show_result(self, result, *, from_file: bool) -> None:
        self.result_value = result
        report = result.report
        if result.status == "cocok" and report is not None:
            heading = tr("Cocok — laporan ini asli") if from_file else tr("Kode cocok dengan laporan yang tercatat")
            lines = [self.particulars(report)]
            if from_file:
                lines.append(tr("Isi berkas sama persis dengan laporan yang dibuat."))
            else:
                lines.append(tr("Bandingkan judul, tanggal dan kantor di atas dengan kertasnya. Isi kertas "
                                "tidak dapat diperiksa dari kodenya saja."))
        elif result.status == "isi_berubah" and report is not None:
            heading = tr("Isi berubah — jangan dipakai")
            lines = [tr("Berkas ini mengaku sebagai laporan berikut, tetapi isinya tidak sama dengan yang dibuat:"),
                     self.particulars(report),
                     tr("Mungkin berkas ini diubah atau disimpan ulang oleh program lain. Minta salinan baru dari "
                        "kantor pembuatnya.")]
        else:
            heading = tr("Tidak dikenal")
            lines = [tr("Laporan ini tidak dibuat oleh database ini: mungkin dari kantor lain, dari database "
                        "lain, atau bukan laporan ATENSI Desktop.") if from_file else
                     tr("Tidak ada laporan dengan kode ini di database ini. Periksa kembali kodenya; huruf O dan "
                        "angka 0, serta I, L dan 1, dianggap sama.")]
        self.verdict.show_verdict(result.status, heading, "\n\n".join(lines))

    @staticmethod
    def particulars(report) -> str:
        """Title, date, office, and the report's own details, one per line."""
        from atensi_desktop.reports.redaction import level_label
        from atensi_desktop.reports.text import long_date

        lines = [
            tr("Judul: {title}").format(title=report.title),
            tr("Tanggal dibuat: {date}").format(date=long_date(report.issued_on)),
            tr("Kantor: {office}").format(office=report.office_name or tr("tidak diketahui")),
        ]
        if report.letter_number:
            lines.append(tr("Nomor surat: {number}").format(number=report.letter_number))
        try:
            level = level_label(report.redaction)
        except KeyError:
            level = report.redaction
        lines.append(tr("Kode {code} · {pages} halaman · kertas {paper} · {level}").format(
            code=report.code, pages=report.pages, paper=report.paper, level=level))
        return "\n".join(lines)

    def _show_preview(self) -> None:
        if self.preview.isHidden():
            self.preview.show()
            self.resize(max(self.width(), WIDE_SIZE[0]), max(self.height(), WIDE_SIZE[1]))

    def _hide_preview(self) -> None:
        self.preview.clear()
        if not self.preview.isHidden():
            self.preview.hide()
            self.resize(NARROW_SIZE[0], self.height())
