"""Cadangan data: the list of backups, "Buat cadangan sekarang", "Pulihkan…", the recovery key, the folder.

Engine work (atensi_desktop.backup) runs in background Tasks with a progress bar; a restore asks first, says
what will be replaced, and closes the application afterwards (the database must be opened again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop import backup
from atensi_desktop.app_context import AppContext
from atensi_desktop.blobstore import human_size
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import format_number
from atensi_desktop.progress import Progress
from atensi_desktop.settings import save_settings
from ui.errors import error_text, show_bug
from ui.i18n import tr
from ui.tasks import Task
from ui.widgets.common import make_label

log = logging.getLogger(__name__)
BACKUP_FILTER = "atensi-cadangan (*.age)"


def _kind_label(kind: str) -> str:
    return tr("Otomatis") if kind == backup.KIND_AUTO else tr("Manual")


class BackupRestoreDialog(QDialog):
    """Make, list and restore encrypted backups of this installation."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *,
                 on_restored: Callable[[backup.RestoreResult], None] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.on_restored = on_restored or self._close_application
        self.task: Task | None = None
        self.setWindowTitle(tr("Cadangan data"))
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(make_label(tr("Cadangan data"), "title"))
        layout.addWidget(make_label(tr(
            "Cadangan berisi database dan berkas dokumen klien, dienkripsi. Cadangan otomatis dibuat sekali "
            "sehari saat aplikasi dibuka atau ditutup; 7 cadangan harian dan 4 mingguan disimpan."), wrap=True))
        folder_row = QHBoxLayout()
        self.folder_label = make_label("", "muted", wrap=True, selectable=True)
        folder_row.addWidget(self.folder_label, 1)
        self.folder_button = QPushButton(tr("Ganti &folder…"))
        self.folder_button.clicked.connect(self.choose_folder)
        folder_row.addWidget(self.folder_button)
        layout.addLayout(folder_row)
        self.recovery_note = make_label("", "error", wrap=True)
        layout.addWidget(self.recovery_note)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([tr("Tanggal"), tr("Jenis"), tr("Ukuran"), tr("Nama berkas")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName(tr("Daftar cadangan"))
        header = self.table.horizontalHeader()
        for col in range(3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())
        layout.addWidget(self.table, 1)
        self.empty_label = make_label(tr("Belum ada cadangan di folder ini."), "muted")
        layout.addWidget(self.empty_label)

        self.status_label = make_label("", wrap=True, selectable=True)
        self.status_label.setObjectName("backupStatus")
        self.error_label = make_label("", "error", wrap=True, selectable=True)
        self.error_label.hide()
        self.progress_bar = QProgressBar()
        self.progress_bar.hide()
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.progress_bar)

        buttons = QHBoxLayout()
        self.create_button = QPushButton(tr("&Buat cadangan sekarang"))
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create_now)
        self.restore_button = QPushButton(tr("&Pulihkan…"))
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button = QPushButton(tr("Pulihkan dari &file lain…"))
        self.restore_file_button.clicked.connect(self.restore_from_file)
        self.recovery_button = QPushButton(tr("Simpan &kunci pemulihan…"))
        self.recovery_button.clicked.connect(self.export_recovery_key)
        self.close_button = QPushButton(tr("&Tutup"))
        self.close_button.clicked.connect(self.reject)
        for button in (self.create_button, self.restore_button, self.restore_file_button, self.recovery_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.refresh)
        self.refresh()
        self.resize(880, 560)

    # --- state ---------------------------------------------------------------------------------------

    @property
    def folder(self) -> Path:
        return backup.backup_folder(self.ctx.paths, self.ctx.settings)

    @property
    def busy(self) -> bool:
        return self.task is not None

    @Slot()
    def refresh(self) -> None:
        self.folder_label.setText(tr("Folder cadangan: {folder}").format(folder=self.folder))
        exported = backup.recovery_key_exported(self.ctx.db)
        self.recovery_note.setText("" if exported else tr(
            "Kunci pemulihan belum disimpan. Bila laptop ini rusak atau hilang, cadangan hanya bisa dibuka "
            "dengan kunci itu: simpan sekarang ke flashdisk dan simpan di luar kantor."))
        self.recovery_note.setVisible(not exported)
        self.backups = backup.list_backups(self.folder)
        self.table.setRowCount(len(self.backups))
        for row, item in enumerate(self.backups):
            cells = (item.created.strftime("%d-%m-%Y %H:%M"), _kind_label(item.kind), human_size(item.size),
                     item.path.name)
            for col, value in enumerate(cells):
                cell = QTableWidgetItem(value)
                if col == 2:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, cell)
        self.empty_label.setVisible(not self.backups)
        if self.backups:
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> backup.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        idle = not self.busy
        for button in (self.create_button, self.restore_file_button, self.recovery_button, self.folder_button):
            button.setEnabled(idle)
        self.restore_button.setEnabled(idle and self.selected() is not None)

    # --- background work -----------------------------------------------------------------------------

    def _run(self, fn: Callable[[Progress], Any], done: Callable[[Any], None], *,
             on_error: Callable[[BaseException], None] | None = None) -> Task:
        self.error_label.hide()
        task = Task(fn)
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        task.progressed.connect(self._progressed)
        task.finished.connect(lambda result: self._ended(done, result))
        task.failed.connect(on_error or self._failed)
        task.cancelled.connect(lambda: self._ended(None, None))
        self.task = task
        self._update_buttons()
        return task.start()

    @Slot(int, int, str)
    def _progressed(self, done: int, total: int, message: str) -> None:
        if total:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
        if message:
            self.status_label.setText(message)

    def _ended(self, done: Callable[[Any], None] | None, result: Any) -> None:
        self.task = None
        self.progress_bar.hide()
        self._update_buttons()
        if done is not None:
            done(result)

    def _failed(self, exc: BaseException) -> None:
        self._ended(None, None)
        self.status_label.clear()
        if not isinstance(exc, AtensiError):
            show_bug(self, exc)
            return
        self.error_label.setText(error_text(exc))
        self.error_label.show()

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    # --- actions -------------------------------------------------------------------------------------

    @Slot()
    def create_now(self) -> None:
        if self.busy:
            return
        folder = self.folder
        self.status_label.setText(tr("Membuat cadangan…"))

        def work(progress: Progress) -> backup.BackupResult:
            return backup.create_backup(self.ctx.db, self.ctx.paths, folder=folder, progress=progress)

        def done(result: backup.BackupResult) -> None:
            self.refresh()
            self.status_label.setText(tr("Cadangan dibuat: {name} ({size}, {n} berkas dokumen).").format(
                name=result.path.name, size=human_size(result.size), n=format_number(result.blobs)))

        self._run(work, done)

    @Slot()
    def restore_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None and not self.busy:
            self.restore(chosen.path, created=chosen.created.strftime("%d-%m-%Y %H:%M"))

    @Slot()
    def restore_from_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, tr("Pilih file cadangan"), str(self.folder),
                                                    BACKUP_FILTER)
        if name:
            self.restore(Path(name), created=Path(name).name)

    def confirm_restore(self, created: str) -> bool:
        """Ask before replacing the database (tests replace this method)."""
        box = QMessageBox(QMessageBox.Icon.Warning, tr("Pulihkan cadangan"), tr(
            "Ganti seluruh data dengan cadangan {created}?").format(created=created), parent=self)
        box.setInformativeText(tr(
            "Semua perubahan sesudah cadangan itu dibuat akan hilang dari database ini. Database sekarang "
            "disimpan dulu sebagai salinan pengaman di {folder}. Sesudah pemulihan aplikasi ditutup; buka "
            "kembali untuk melanjutkan.").format(folder=self.ctx.paths.backups))
        go = box.addButton(tr("&Pulihkan"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(tr("&Batal"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is go

    def ask_recovery_key(self) -> Any | None:
        """For a backup made on another computer: the recovery key file and its passphrase."""
        name, _filter = QFileDialog.getOpenFileName(self, tr("Pilih file kunci pemulihan"), str(Path.home()),
                                                    tr("Kunci pemulihan (*.age)"))
        if not name:
            return None
        phrase, ok = QInputDialog.getText(self, tr("Kunci pemulihan"), tr("Frasa sandi kunci pemulihan:"),
                                          QLineEdit.EchoMode.Password)
        return backup.read_recovery_key(name, phrase) if ok and phrase else None

    def restore(self, path: Path, *, created: str, recovery: Any | None = None) -> None:
        """Check the backup (in the background), ask, then restore (in the background)."""
        if self.busy:
            return
        self.status_label.setText(tr("Memeriksa cadangan…"))
        self._run(lambda _progress: backup.verify_backup(self.ctx.db, path, recovery=recovery),
                  lambda _manifest: self._confirm_and_restore(path, created, recovery),
                  on_error=lambda exc: self._verify_failed(exc, path, created, recovery))

    def _verify_failed(self, exc: BaseException, path: Path, created: str, recovery: Any | None) -> None:
        self._ended(None, None)
        if recovery is None and isinstance(exc, backup.BackupKeyMissing):
            try:
                recovery = self.ask_recovery_key()
            except AtensiError as again:
                self._failed(again)
                return
            if recovery is not None:
                self.restore(path, created=created, recovery=recovery)
                return
        self._failed(exc)

    def _confirm_and_restore(self, path: Path, created: str, recovery: Any | None) -> None:
        if not self.confirm_restore(created):
            self.status_label.setText(tr("Pemulihan dibatalkan; tidak ada yang diubah."))
            return
        self.status_label.setText(tr("Memulihkan cadangan…"))

        def work(progress: Progress) -> backup.RestoreResult:
            return backup.restore_backup(self.ctx.db, self.ctx.paths, path, recovery=recovery, progress=progress)

        def done(result: backup.RestoreResult) -> None:
            self.status_label.setText(tr(
                "Cadangan dipulihkan. Database sebelumnya disimpan di {path}. Aplikasi akan ditutup; buka kembali "
                "untuk melanjutkan.").format(path=result.safety_copy))
            self.on_restored(result)

        self._run(work, done)

    def _close_application(self, _result: backup.RestoreResult) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, tr("Pemulihan selesai"), self.status_label.text(),
                          QMessageBox.StandardButton.Ok, self)
        box.exec()
        QApplication.closeAllWindows()
        QApplication.quit()

    @Slot()
    def export_recovery_key(self) -> None:
        phrase, ok = QInputDialog.getText(self, tr("Kunci pemulihan"), tr(
            "Frasa sandi untuk kunci pemulihan (minimal 10 karakter; simpan terpisah dari filenya):"),
            QLineEdit.EchoMode.Password)
        if not ok:
            return
        again, ok = QInputDialog.getText(self, tr("Kunci pemulihan"), tr("Ulangi frasa sandi:"),
                                         QLineEdit.EchoMode.Password)
        if not ok:
            return
        if again != phrase:
            self.error_label.setText(tr("Kedua frasa sandi berbeda; kunci pemulihan tidak disimpan."))
            self.error_label.show()
            return
        name, _filter = QFileDialog.getSaveFileName(self, tr("Simpan kunci pemulihan"),
                                                    str(Path.home() / "kunci-pemulihan-atensi.age"),
                                                    tr("Kunci pemulihan (*.age)"))
        if name:
            self.save_recovery_key(Path(name), phrase)

    def save_recovery_key(self, target: Path, phrase: str) -> None:
        try:
            path = backup.export_recovery_key(self.ctx.db, target, phrase)
        except AtensiError as exc:
            self._failed(exc)
            return
        self.error_label.hide()
        self.refresh()
        self.status_label.setText(tr("Kunci pemulihan disimpan di {path}. Pindahkan ke flashdisk dan simpan di luar "
                                     "laptop ini.").format(path=path))

    @Slot()
    def choose_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, tr("Folder cadangan (mis. flashdisk)"), str(self.folder))
        if name:
            self.set_folder(name)

    def set_folder(self, folder: str) -> None:
        self.ctx.settings.backup_dir = folder
        try:
            save_settings(self.ctx.paths.settings_file, self.ctx.settings)
        except OSError as exc:
            self.error_label.setText(tr("Pengaturan tidak bisa disimpan: {error}").format(error=exc.strerror or exc))
            self.error_label.show()
        self.refresh()


def open_backup_dialog(parent: QWidget | None, ctx: AppContext) -> BackupRestoreDialog:
    dialog = BackupRestoreDialog(ctx, parent)
    dialog.open()
    return dialog


def ask_database_password(db_file: Path) -> str | None:
    """The GUI's prompt for an encrypted database unlocked by the administrator's password."""
    text, ok = QInputDialog.getText(None, tr("Database terkunci"), tr(
        "Database {name} terenkripsi. Kata sandi administrator:").format(name=db_file.name),
        QLineEdit.EchoMode.Password)
    return text if ok and text else None


def start_auto_backup(ctx: AppContext) -> Task | None:
    """The daily automatic backup, in the background (at start-up); failures go to the log only."""
    if not backup.auto_backup_due(backup.backup_folder(ctx.paths, ctx.settings)):
        return None

    def work(progress: Progress) -> backup.BackupResult | None:
        return backup.run_auto_backup(ctx.db, ctx.paths, ctx.settings, progress=progress)

    task = Task(work)
    task.failed.connect(lambda exc: log.warning("automatic backup failed: %s", type(exc).__name__))
    return task.start()


def auto_backup_on_close(ctx: AppContext) -> None:
    """On close: the automatic backup when one is due (the app ran past 24 hours); never stops the closing."""
    try:
        backup.run_auto_backup(ctx.db, ctx.paths, ctx.settings)
    except Exception as exc:  # closing must not fail because of a backup
        log.warning("automatic backup on close failed: %s", type(exc).__name__)
