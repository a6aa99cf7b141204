"""The client's photo in the client form: shown or a placeholder; choose a file, paste, or archive it.

For a saved client a new photo is stored at once (downscaled off the GUI thread); for a client not saved yet
it is prepared and held (`staged`) until the form saves the client.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError, UserError
from atensi_desktop.services import documents
from atensi_desktop.services.documents import DocumentDTO, PreparedFile
from ui.errors import show_error
from ui.i18n import tr
from ui.style import ERROR, LINE, MUTED
from ui.tasks import Task
from ui.widgets.common import make_label

PHOTO_SIZE = QSize(96, 128)  # 3:4, a pasfoto's shape
IMAGE_FILTER = "*.jpg *.jpeg *.png *.webp *.bmp *.gif *.tif *.tiff"
_last_folder: list[str] = []  # where the last photo was chosen, for the next file dialog


class PhotoBox(QWidget):
    """Shows the client's live photo; "Pilih foto…", "Tempel" (from the clipboard), "Hapus foto" (archive)."""

    changed = Signal()  # a photo was stored, staged, archived or dropped
    failed = Signal(str)  # a photo was refused (the message is also shown under the buttons)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client_id: uuid.UUID | None = None
        self.current: DocumentDTO | None = None
        self.staged: PreparedFile | None = None
        self._task: Task | None = None
        self.setObjectName("photoBox")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.picture = QLabel()
        self.picture.setObjectName("photo")
        self.picture.setFixedSize(PHOTO_SIZE)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setWordWrap(True)
        self.picture.setStyleSheet(f"QLabel#photo {{ background: #eef2f6; border: 1px solid {LINE}; "
                                   f"border-radius: 4px; color: {MUTED}; }}")
        self.picture.setAccessibleName(tr("Foto klien"))
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(6)
        self.choose_button = QPushButton(tr("Pilih foto…"))
        self.choose_button.setObjectName("choosePhoto")
        self.choose_button.setToolTip(tr("Pilih berkas foto (JPEG, PNG); foto diperkecil dan data lokasinya dibuang"))
        self.paste_button = QPushButton(tr("Tempel"))
        self.paste_button.setObjectName("pastePhoto")
        self.paste_button.setToolTip(tr("Tempel foto yang sudah disalin (mis. dari penampil foto atau kamera)"))
        self.remove_button = QPushButton(tr("Hapus foto"))
        self.remove_button.setObjectName("removePhoto")
        self.remove_button.setToolTip(tr("Foto dipindah ke arsip, tidak dihapus dari penyimpanan"))
        for button in (self.choose_button, self.paste_button, self.remove_button):
            button.setAutoDefault(False)
            side.addWidget(button)
        self.status_label = make_label("", "muted", wrap=True)
        self.status_label.setObjectName("photoStatus")
        side.addWidget(self.status_label)
        side.addStretch(1)
        layout.addLayout(side, 1)
        self.choose_button.clicked.connect(self.choose)
        self.paste_button.clicked.connect(self.paste)
        self.remove_button.clicked.connect(self.remove)
        self._show(None)

    # --- state -----------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None

    def has_photo(self) -> bool:
        return self.current is not None or self.staged is not None

    def set_client(self, client_id: uuid.UUID | None) -> None:
        """Show this client's photo (None: a client not saved yet, whose photo is held until saving)."""
        self.client_id = client_id
        self.staged = None
        self.current = None
        data = None
        if client_id is not None:
            try:
                self.current = documents.current_photo(self.ctx.db, client_id)
                if self.current is not None:
                    data = documents.photo_bytes(self.ctx.db, self.ctx.paths.blobs, client_id)
            except AtensiError as exc:  # a damaged or missing blob: say so, the form still opens
                self._say(exc.message, error=True)
                self._show(None)
                return
        self._show(data)

    # --- actions ---------------------------------------------------------------------------------------

    @Slot()
    def choose(self) -> None:
        path = self.ask_file()
        if path:
            _last_folder[:] = [str(Path(path).parent)]
            self.take(Path(path))

    def ask_file(self) -> str:
        """The photo file the user picks ('' when cancelled)."""
        path, _filter = QFileDialog.getOpenFileName(
            self, tr("Pilih foto klien"), _last_folder[0] if _last_folder else str(Path.home()),
            tr("Gambar ({patterns})").format(patterns=IMAGE_FILTER) + ";;" + tr("Semua berkas (*)"))
        return path

    @Slot()
    def paste(self) -> None:
        """Take the picture on the clipboard (copied from a photo viewer, a browser, a phone link app)."""
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            self._say(tr("Papan klip tidak berisi gambar. Salin fotonya dulu, lalu tekan Tempel."), error=True)
            self.failed.emit(self.status_label.text())
            return
        self.take(_png_bytes(image), file_name="foto-tempel.png")

    def take(self, source: Path | bytes, *, file_name: str | None = None) -> None:
        """Make `source` the photo: stored at once for a saved client, held for a new one."""
        if self._task is not None:
            return
        db, blobs, client_id = self.ctx.db, self.ctx.paths.blobs, self.client_id
        if client_id is not None:
            def work(_progress):
                doc = documents.set_photo(db, blobs, client_id, source, file_name=file_name)
                return doc, documents.photo_bytes(db, blobs, client_id)
        else:
            def work(_progress):
                return documents.prepare_photo(source, file_name=file_name)
        self._set_busy(True)
        self._say(tr("Memproses foto…"))
        self._task = Task(work)
        self._task.finished.connect(self._taken)
        self._task.failed.connect(self._refused)
        self._task.start()

    @Slot(object)
    def _taken(self, result) -> None:
        self._task = None
        self._set_busy(False)
        if isinstance(result, PreparedFile):
            self.staged = result
            self._show(result.data)
        else:
            self.current, data = result
            self._show(data)
        self.changed.emit()

    @Slot(object)
    def _refused(self, exc: BaseException) -> None:
        self._task = None
        self._set_busy(False)
        if isinstance(exc, UserError):
            self._say(f"{exc.message} {exc.hint or ''}".strip(), error=True)
            self.failed.emit(exc.message)
        else:
            self._show_state_line()
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    @Slot()
    def remove(self) -> None:
        """Archive the live photo (kept in storage and history), or drop a photo not saved yet."""
        if self.staged is not None:
            self.staged = None
            self._show(None)
            self.changed.emit()
            return
        if self.current is None or not self.confirm_remove():
            return
        try:
            documents.archive_document(self.ctx.db, self.current.id)
        except AtensiError as exc:
            show_error(self, exc)
            return
        self.current = None
        self._show(None)
        self.changed.emit()

    def confirm_remove(self) -> bool:
        answer = QMessageBox.question(
            self, tr("Hapus foto?"),
            tr("Foto klien ini dipindah ke arsip dan tidak tampil lagi. Isinya tetap tersimpan."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # --- showing ---------------------------------------------------------------------------------------

    def _show(self, data: bytes | None) -> None:
        pixmap = QPixmap()
        if data and pixmap.loadFromData(data):
            self.picture.setPixmap(pixmap.scaled(PHOTO_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation))
            self.picture.setToolTip(tr("Foto klien"))
        else:
            self.picture.clear()
            self.picture.setText(tr("Belum ada foto"))
            self.picture.setToolTip("")
        self.remove_button.setEnabled(self.has_photo())
        self._show_state_line()

    def _show_state_line(self) -> None:
        if self.staged is not None:
            self._say(tr("Disimpan bersama data klien."))
        else:
            self._say("")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {ERROR};" if error else "")
        self.status_label.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        self.choose_button.setEnabled(not busy)
        self.paste_button.setEnabled(not busy)
        self.remove_button.setEnabled(not busy and self.has_photo())


def _png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())
