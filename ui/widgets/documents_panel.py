"""A client's documents in the client form: the list (kind, name, size, date) and add, open, copy, archive.

For a saved client every action is stored at once; for a client not saved yet the files are checked and
held (`staged`) and the form stores them right after it saves the client.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, UserError
from atensi_desktop.i18n import format_date_short
from atensi_desktop.paths import atomic_write_bytes
from atensi_desktop.services import documents
from atensi_desktop.services.documents import DocumentDTO, PreparedFile
from ui.errors import show_error
from ui.i18n import tr
from ui.style import ERROR
from ui.tasks import Task
from ui.widgets.common import make_label

DOCUMENT_FILTER = "*.pdf *.jpg *.jpeg *.png"
VISIBLE_ROWS = 3
_last_folder: list[str] = []
_open_folder: list[Path] = []  # private temp folder for "Buka", removed when the application exits


@dataclass(frozen=True)
class StagedDocument:
    """A checked document of a client not saved yet."""

    prepared: PreparedFile
    kind: str
    note: str | None

    @property
    def kind_label(self) -> str:
        return dict(documents.document_kinds()).get(self.kind, self.kind)


def guess_kind(file_name: str) -> str | None:
    """The kind a file name suggests ("scan_KTP.pdf" → ktp), or None."""
    words = "".join(ch if ch.isalnum() else " " for ch in PurePath(file_name).stem.casefold()).split()
    if "ktp" in words or "ktpel" in words:
        return "ktp"
    if "kk" in words or any(w.startswith("keluarga") for w in words):
        return "kk"
    if any(w.startswith(("setuju", "persetujuan", "consent")) for w in words):
        return "persetujuan"
    if any(w.startswith(("surat", "rujukan", "sktm", "keterangan")) for w in words):
        return "surat"
    return None


class AddDocumentDialog(QDialog):
    """Which kind of document the chosen file is, and an optional note."""

    def __init__(self, file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Tambah berkas"))
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 34)
        layout = QVBoxLayout(self)
        layout.addWidget(make_label(tr("Berkas: {name}").format(name=file_name), "strong", wrap=True))
        form = QFormLayout()
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("documentKind")
        for code, label in documents.document_kinds():
            self.kind_combo.addItem(label, code)
        guessed = guess_kind(file_name)
        self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(guessed), 0) if guessed else 0)
        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("documentNote")
        self.note_edit.setMaxLength(documents.NOTE_MAX)
        self.note_edit.setPlaceholderText(tr("mis. ditandatangani wali, halaman 1-2"))
        form.addRow(tr("&Jenis berkas"), self.kind_combo)
        form.addRow(tr("&Keterangan"), self.note_edit)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.kind_combo.setFocus()

    def choice(self) -> tuple[str, str | None]:
        return self.kind_combo.currentData(), self.note_edit.text().strip() or None


class DocumentsPanel(QWidget):
    """The list and its four actions; `changed` after anything was stored, staged or archived."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client_id: uuid.UUID | None = None
        self.rows: list[DocumentDTO | StagedDocument] = []
        self._task: Task | None = None
        self._done: Any = None
        self.setObjectName("documentsPanel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.tree = QTreeWidget()
        self.tree.setObjectName("documentList")
        self.tree.setAccessibleName(tr("Daftar berkas klien"))
        self.tree.setHeaderLabels([tr("Jenis"), tr("Nama berkas"), tr("Ukuran"), tr("Ditambahkan")])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        row_height = self.tree.fontMetrics().height() + 6
        self.tree.setFixedHeight(header.sizeHint().height() + row_height * VISIBLE_ROWS + 4)
        layout.addWidget(self.tree, 1)
        side = QVBoxLayout()  # two rows of two buttons, then the status line: as tall as the list
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(6)
        buttons = QGridLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(6)
        self.add_button = QPushButton(tr("Tambah berkas…"))
        self.add_button.setObjectName("addDocument")
        self.add_button.setToolTip(tr("Tambah scan KTP, KK, surat persetujuan atau surat lain (PDF, JPEG, PNG)"))
        self.open_button = QPushButton(tr("Buka"))
        self.open_button.setObjectName("openDocument")
        self.open_button.setToolTip(tr("Buka berkas dengan aplikasi bawaan komputer"))
        self.copy_button = QPushButton(tr("Simpan salinan…"))
        self.copy_button.setObjectName("copyDocument")
        self.archive_button = QPushButton(tr("Arsipkan"))
        self.archive_button.setObjectName("archiveDocument")
        self.archive_button.setToolTip(tr("Berkas dipindah ke arsip, tidak dihapus dari penyimpanan"))
        for i, button in enumerate((self.add_button, self.open_button, self.copy_button, self.archive_button)):
            button.setAutoDefault(False)
            buttons.addWidget(button, i // 2, i % 2)
        side.addLayout(buttons)
        self.archived_check = QCheckBox()  # its text, with the count, is set by _reload
        self.archived_check.setObjectName("showArchivedDocuments")
        self.archived_check.setToolTip(tr("Berkas yang diarsipkan tampil abu-abu dan bisa dipulihkan"))
        self.archived_check.toggled.connect(self._reload)
        self.archived_check.hide()  # shown only when this client has archived documents
        side.addWidget(self.archived_check)
        self.status_label = make_label("", "muted", wrap=True)
        self.status_label.setObjectName("documentsStatus")
        self.status_label.setFixedWidth(self.fontMetrics().horizontalAdvance("M") * 22)
        side.addWidget(self.status_label)
        side.addStretch(1)
        layout.addLayout(side)
        self.add_button.clicked.connect(self.add)
        self.open_button.clicked.connect(self.open_selected)
        self.copy_button.clicked.connect(self.save_copy)
        self.archive_button.clicked.connect(self.archive_selected)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemDoubleClicked.connect(lambda *_args: self.open_selected())
        self.tree.installEventFilter(self)
        self._refresh_view()

    # --- state -----------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None

    @property
    def staged(self) -> list[StagedDocument]:
        return [row for row in self.rows if isinstance(row, StagedDocument)]

    def set_client(self, client_id: uuid.UUID | None) -> None:
        """List this client's documents (None: a client not saved yet; files are held until saving)."""
        self.client_id = client_id
        self.rows = []
        self.archived_check.setEnabled(client_id is not None)
        self._reload()

    @Slot()
    def _reload(self) -> None:
        """Read the client's documents again (held files of a new client stay as they are)."""
        held = self.staged
        self.rows = list(held)
        archived = 0
        if self.client_id is not None:
            try:
                every = documents.list_documents(self.ctx.db, self.client_id, include_archived=True)
            except AtensiError as exc:
                self._say(exc.message, error=True)
            else:
                archived = sum(d.archived for d in every)
                self.rows += [d for d in every if self.archived_check.isChecked() or not d.archived]
        self.archived_check.setText(tr("Tampilkan yang diarsipkan ({count})").format(count=archived))
        self.archived_check.setVisible(archived > 0 or self.archived_check.isChecked())
        self._refresh_view()

    def selected(self) -> DocumentDTO | StagedDocument | None:
        item = self.tree.currentItem()
        if item is None or not item.isSelected():
            return None
        index = self.tree.indexOfTopLevelItem(item)
        return self.rows[index] if 0 <= index < len(self.rows) else None

    # --- actions ---------------------------------------------------------------------------------------

    @Slot()
    def add(self) -> None:
        path = self.ask_file()
        if not path:
            return
        _last_folder[:] = [str(Path(path).parent)]
        choice = self.ask_kind(Path(path).name)
        if choice is None:
            return
        kind, note = choice
        db, blobs, client_id, source = self.ctx.db, self.ctx.paths.blobs, self.client_id, Path(path)
        if client_id is not None:
            self._run(lambda _p: documents.add_document(db, blobs, client_id, source, kind, note), self._added,
                      tr("Menyimpan berkas…"))
        else:
            self._run(lambda _p: StagedDocument(documents.prepare_document(source, kind), kind, note),
                      self._added, tr("Memeriksa berkas…"))

    def ask_file(self) -> str:
        path, _filter = QFileDialog.getOpenFileName(
            self, tr("Pilih berkas"), _last_folder[0] if _last_folder else str(Path.home()),
            tr("PDF atau gambar ({patterns})").format(patterns=DOCUMENT_FILTER) + ";;" + tr("Semua berkas (*)"))
        return path

    def ask_kind(self, file_name: str) -> tuple[str, str | None] | None:
        """(kind, note) for the chosen file, or None when cancelled."""
        dialog = AddDocumentDialog(file_name, self)
        return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None

    @Slot(object)
    def _added(self, row: DocumentDTO | StagedDocument) -> None:
        self.rows.insert(0, row)
        self._refresh_view()
        self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self.changed.emit()

    @Slot()
    def open_selected(self) -> None:
        """Copy the document to a private temporary folder and open it with the computer's own viewer."""
        row = self.selected()
        if row is None or self._task is not None:
            return
        target = _open_dir() / uuid.uuid4().hex[:8] / _export_name(row)
        self._run(lambda _p: self._write(row, target), self._opened, tr("Membuka berkas…"))

    @Slot(object)
    def _opened(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self._say(tr("Tidak ada aplikasi untuk membuka berkas ini. Pakai “Simpan salinan…”."), error=True)

    @Slot()
    def save_copy(self) -> None:
        row = self.selected()
        if row is None or self._task is not None:
            return
        start = Path(_last_folder[0] if _last_folder else Path.home()) / _export_name(row)
        target = self.ask_save_path(str(start))
        if not target:
            return
        self._run(lambda _p: self._write(row, Path(target)), self._copied, tr("Menyimpan salinan…"))

    def ask_save_path(self, suggested: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(self, tr("Simpan salinan berkas"), suggested)
        return path

    @Slot(object)
    def _copied(self, path: Path) -> None:
        self._say(tr("Salinan disimpan: {path}").format(path=path))

    @Slot()
    def archive_selected(self) -> None:
        row = self.selected()
        if row is None or self._task is not None:
            return
        if isinstance(row, StagedDocument):
            self.rows.remove(row)
        elif row.archived:
            try:
                documents.restore_document(self.ctx.db, row.id)
            except AtensiError as exc:
                show_error(self, exc)
                return
            self._reload()
            self._say(tr("“{name}” dipulihkan.").format(name=row.file_name))
            self.changed.emit()
            return
        else:
            if not self.confirm_archive(row):
                return
            try:
                documents.archive_document(self.ctx.db, row.id)
            except AtensiError as exc:
                show_error(self, exc)
                return
            if self.archived_check.isChecked():
                self._reload()
                self.changed.emit()
                return
            self.rows.remove(row)
        self._refresh_view()
        self.changed.emit()

    def confirm_archive(self, row: DocumentDTO) -> bool:
        answer = QMessageBox.question(
            self, tr("Arsipkan berkas?"),
            tr("“{name}” dipindah ke arsip dan tidak tampil lagi di daftar. Isinya tetap tersimpan.").format(
                name=row.file_name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # --- background work -------------------------------------------------------------------------------

    def _write(self, row: DocumentDTO | StagedDocument, target: Path) -> Path:
        if isinstance(row, StagedDocument):
            atomic_write_bytes(target, row.prepared.data)
            return target
        return documents.export_document(self.ctx.db, self.ctx.paths.blobs, row.id, target)

    def _run(self, fn: Any, done: Any, message: str) -> None:
        self._say(message)
        self._done = done
        self._task = Task(fn)
        self._task.finished.connect(self._finished)  # a bound slot: dropped if the panel is deleted first
        self._task.failed.connect(self._failed)
        self._set_busy(True)
        self._task.start()

    @Slot(object)
    def _finished(self, result: Any) -> None:
        self._task = None
        self._set_busy(False)
        self._say("")
        self._done(result)

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        self._task = None
        self._set_busy(False)
        if isinstance(exc, UserError):
            self._say(f"{exc.message} {exc.hint or ''}".strip(), error=True)
        else:
            self._say("")
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    # --- showing ---------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter on a row opens it (and does not reach the dialog's Save button)."""
        if watched is self.tree and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.selected() is not None:
            self.open_selected()
            return True
        return super().eventFilter(watched, event)

    def _refresh_view(self) -> None:
        self.tree.clear()
        for row in self.rows:
            if isinstance(row, StagedDocument):
                cells = [row.kind_label, row.prepared.file_name, row.prepared.size_text, tr("belum disimpan")]
            else:
                cells = [row.kind_label, row.file_name, row.size_text,
                         format_date_short(row.added_at.astimezone().date())]
            if not isinstance(row, StagedDocument) and row.archived:
                cells[1] = tr("{name} (diarsipkan)").format(name=cells[1])
            item = QTreeWidgetItem(cells)
            if not isinstance(row, StagedDocument) and row.archived:
                for column in range(len(cells)):
                    item.setForeground(column, self.palette().color(QPalette.ColorGroup.Disabled,
                                                                    QPalette.ColorRole.Text))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(1, f"{cells[1]}\n{row.note}" if row.note else cells[1])
            self.tree.addTopLevelItem(item)
        self._update_buttons()
        if not self.rows and self.client_id is None:
            self._say(tr("Belum ada berkas. Yang ditambahkan di sini disimpan bersama data klien."))
        elif not self.rows:
            self._say(tr("Belum ada berkas. Tambahkan scan KTP, KK atau surat persetujuan."))
        elif self.staged:
            self._say(tr("Berkas disimpan bersama data klien."))
        else:
            self._say("")

    def _update_buttons(self) -> None:
        idle = self._task is None
        row = self.selected()
        self.add_button.setEnabled(idle)
        self.open_button.setEnabled(idle and row is not None)
        self.copy_button.setEnabled(idle and row is not None)
        self.archive_button.setEnabled(idle and row is not None)
        held = isinstance(row, StagedDocument)
        archived = not held and row is not None and row.archived
        if held:
            self.archive_button.setText(tr("Buang"))
            self.archive_button.setToolTip(tr("Berkas ini belum disimpan: buang dari daftar"))
        elif archived:
            self.archive_button.setText(tr("Pulihkan"))
            self.archive_button.setToolTip(tr("Kembalikan berkas ini ke daftar"))
        else:
            self.archive_button.setText(tr("Arsipkan"))
            self.archive_button.setToolTip(tr("Berkas dipindah ke arsip, tidak dihapus dari penyimpanan"))

    def _set_busy(self, busy: bool) -> None:
        self._update_buttons()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {ERROR};" if error else "")


def _export_name(row: DocumentDTO | StagedDocument) -> str:
    if isinstance(row, StagedDocument):
        return documents.export_name(row.prepared.file_name, row.prepared.media_type)
    return row.export_name


def _open_dir() -> Path:
    """One private (0700) temporary folder per run for documents opened in other applications."""
    if not _open_folder:
        folder = Path(tempfile.mkdtemp(prefix="atensi-buka-"))
        _open_folder.append(folder)
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return _open_folder[0]

