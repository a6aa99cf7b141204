"""Sinkronisasi dialogs: add a peer office from its kartu kantor, send data (export) and receive data (import
with a dry-run preview, then apply). Engine work runs in background Tasks; engine messages are shown inline."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import N_, format_number
from atensi_desktop.progress import Progress
from atensi_desktop.services.office import installation_office
from atensi_desktop.sync.conflicts import ConflictLine, describe_conflicts
from atensi_desktop.sync.exchange import ExportResult, ImportResult, export_bundle, import_bundle
from atensi_desktop.sync.keys import OfficeCard
from atensi_desktop.sync.peers import add_peer, list_peers
from ui.errors import error_text, show_bug
from ui.i18n import tr
from ui.tasks import Task
from ui.widgets.common import make_label

BUNDLE_FILTER = N_("Berkas sinkronisasi (*.lkssync)")


def _who() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment
        return None


def engine_progress(progress: Progress) -> Callable[[int, int], None]:
    """The engine's `progress(done, total)` callback fed into a Task's Progress (which also carries cancel)."""
    def report(done: int, total: int) -> None:
        if total != progress.total:
            progress.start(total)
        progress.step(max(0, done - progress.done))
    return report


def needs_passphrase(path: Path) -> bool:
    """Is the file locked with a passphrase (an age scrypt stanza) rather than with office keys?"""
    from atensi_desktop.sync.bundle import AGE_MAGIC
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(AGE_MAGIC) + 200)
    except OSError:
        return False  # the import says what is wrong with the file
    return head.startswith(AGE_MAGIC) and head[len(AGE_MAGIC):].startswith(b"-> scrypt ")


def format_size(size: int) -> str:
    """'812 B', '12,3 kB', '4,5 MB' (Indonesian decimal comma)."""
    if size < 1000:
        return f"{size} B"
    for unit, factor in (("kB", 1000), ("MB", 1000 ** 2), ("GB", 1000 ** 3)):
        if size < factor * 1000 or unit == "GB":
            return f"{size / factor:.1f} {unit}".replace(".", ",")
    return f"{size} B"


def documents_folder() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
                or str(Path.home()))


class _TaskDialog(QDialog):
    """A dialog with an error line, a progress bar and at most one background task at a time."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.task: Task | None = None
        self._close_when_done = False
        self.error_label = make_label("", "error", wrap=True, selectable=True)
        self.error_label.setObjectName("syncError")
        self.error_label.hide()
        self.progress_bar = QProgressBar()
        self.progress_bar.hide()

    def show_error_inline(self, exc: BaseException) -> None:
        if not isinstance(exc, AtensiError):
            show_bug(self, exc)
            return
        self.error_label.setText(error_text(exc))
        self.error_label.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()

    def run(self, fn: Callable[[Progress], Any], done: Callable[[Any], None]) -> Task:
        self.clear_error()
        task = Task(fn)
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        task.progressed.connect(self._progressed)
        task.finished.connect(lambda result: self._ended(done, result))
        task.failed.connect(self._failed)
        task.cancelled.connect(lambda: self._ended(None, None))
        self.task = task
        self._set_busy(True)
        return task.start()

    @property
    def busy(self) -> bool:
        return self.task is not None

    def _set_busy(self, busy: bool) -> None:
        """Subclasses enable or disable their buttons."""

    @Slot(int, int, str)
    def _progressed(self, done: int, total: int, _message: str = "") -> None:
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))

    def _ended(self, done: Callable[[Any], None] | None, result: Any) -> None:
        self.task = None
        self.progress_bar.hide()
        self._set_busy(False)
        if done is not None:
            done(result)
        if self._close_when_done:
            super().reject()

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self.progress_bar.hide()
        self._set_busy(False)
        self.show_error_inline(exc)
        if self._close_when_done:
            super().reject()

    def reject(self) -> None:
        """Close; while a task runs, ask it to stop and close once it has (an import rolls back)."""
        if self.task is not None:
            self._close_when_done = True
            self.task.cancel()
            return
        super().reject()


# --- add a peer --------------------------------------------------------------------------------------------


class AddPeerDialog(QDialog):
    """Shows the card's office, asks for the fingerprint read over the phone, adds the peer when it matches."""

    def __init__(self, ctx: AppContext, card: OfficeCard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.card = ctx, card
        self.result_peer = None
        self.setWindowTitle(tr("Tambah kantor mitra"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name_label = make_label(card.name, "strong", wrap=True)
        form.addRow(tr("Kantor"), self.name_label)
        form.addRow(tr("Kode"), make_label(card.code or "-"))
        layout.addLayout(form)
        # the card's own fingerprint is not shown: it has to come from the other office, over the phone
        layout.addWidget(make_label(tr("Telepon kantor itu dan minta mereka membacakan sidik jari yang tampil di "
                                       "layar Sinkronisasi mereka, lalu ketik di sini."), "muted", wrap=True))
        self.fingerprint_edit = QLineEdit()
        self.fingerprint_edit.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX")
        self.fingerprint_edit.setAccessibleName(tr("Sidik jari yang dibacakan"))
        form2 = QFormLayout()
        form2.addRow(tr("Sidik jari"), self.fingerprint_edit)
        layout.addLayout(form2)
        self.error_label = make_label("", "error", wrap=True, selectable=True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Batal"))
        self.add_button = buttons.addButton(tr("Tambahkan"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setDefault(True)
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @Slot()
    def confirm(self) -> None:
        try:
            outcome = add_peer(self.ctx.db, self.card, self.fingerprint_edit.text(), confirmed_by=_who())
        except AtensiError as exc:
            self.error_label.setText(error_text(exc))
            self.error_label.show()
            self.fingerprint_edit.setFocus()
            return
        self.result_peer = outcome.peer
        self.accept()


# --- export ------------------------------------------------------------------------------------------------


class ExportDialog(_TaskDialog):
    """Kirim data: choose peers and a file, write the bundle in the background, say what was written."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result: ExportResult | None = None
        self.setWindowTitle(tr("Kirim data ke kantor mitra"))
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        layout.addWidget(make_label(tr("Kirim ke kantor mitra"), "subtitle"))
        self.peer_boxes: list[tuple[QCheckBox, Any]] = []
        for peer in list_peers(ctx.db, include_revoked=False):
            box = QCheckBox(f"{peer.name} ({peer.code})" if peer.code else peer.name)
            box.toggled.connect(self._update_buttons)
            layout.addWidget(box)
            self.peer_boxes.append((box, peer))
        if not self.peer_boxes:
            layout.addWidget(make_label(tr("Belum ada kantor mitra. Tambahkan dulu lewat Tambah kantor mitra…"),
                                        "muted", wrap=True))
        row = QHBoxLayout()
        self.path_edit = QLineEdit(str(documents_folder() / self.default_name()))
        self.path_edit.setAccessibleName(tr("Berkas tujuan"))
        self.path_edit.textChanged.connect(self._update_buttons)
        browse = QPushButton(tr("Pilih…"))
        browse.clicked.connect(self.browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow(tr("Berkas"), row)
        layout.addLayout(form)
        self.full_box = QCheckBox(tr("Kirim semua data (bukan hanya perubahan yang belum mereka punya)"))
        layout.addWidget(self.full_box)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.error_label)
        self.result_label = make_label("", "strong", wrap=True, selectable=True)
        self.result_label.setObjectName("exportResult")
        layout.addWidget(self.result_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("&Tutup"))
        self.send_button = buttons.addButton(tr("Kirim"), QDialogButtonBox.ButtonRole.ActionRole)
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.start_export)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if len(self.peer_boxes) == 1:
            self.peer_boxes[0][0].setChecked(True)
        self._update_buttons()

    def default_name(self) -> str:
        office = installation_office(self.ctx.db)
        code = (office.code if office and office.code else "kantor").replace("/", "-")
        return f"sinkron-{code}-{dt.date.today().isoformat()}.lkssync"

    def chosen_peers(self) -> list[Any]:
        return [peer for box, peer in self.peer_boxes if box.isChecked()]

    @Slot()
    def _update_buttons(self) -> None:
        self.send_button.setEnabled(not self.busy and bool(self.chosen_peers())
                                    and bool(self.path_edit.text().strip()))

    def _set_busy(self, busy: bool) -> None:
        self._update_buttons()
        self.full_box.setEnabled(not busy)

    @Slot()
    def browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, tr("Simpan berkas sinkronisasi"), self.path_edit.text(),
                                                    tr(BUNDLE_FILTER))
        if path:
            self.path_edit.setText(path if path.lower().endswith(".lkssync") else path + ".lkssync")

    @Slot()
    def start_export(self) -> Task | None:
        if self.busy or not self.chosen_peers():
            return None
        self.result_label.clear()
        db, paths, full = self.ctx.db, self.ctx.paths, self.full_box.isChecked()
        targets = [str(peer.office_id) for peer in self.chosen_peers()]
        out = Path(self.path_edit.text().strip())
        return self.run(lambda progress: export_bundle(db, paths, targets, out, full=full,
                                                       progress=engine_progress(progress)), self._exported)

    def _exported(self, result: ExportResult) -> None:
        self.result = result
        size = result.path.stat().st_size if result.path.exists() else 0
        kind = tr("lengkap") if result.full else tr("perubahan")
        self.result_label.setText(tr("Berkas ({kind}) untuk {names} ditulis ke {path}: {size}, {changes} perubahan, "
                                     "{blobs} lampiran.").format(
            kind=kind, names=", ".join(result.recipients), path=result.path, size=format_size(size),
            changes=format_number(result.versions), blobs=format_number(result.blobs)))


# --- import ------------------------------------------------------------------------------------------------


class ImportDialog(_TaskDialog):
    """Terima data: a dry run first (the preview), then *Terapkan* applies the bundle in one transaction."""

    def __init__(self, ctx: AppContext, path: Path, parent: QWidget | None = None,
                 on_applied: Callable[[ImportResult], None] | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.path, self.on_applied = ctx, Path(path), on_applied
        self.preview: ImportResult | None = None
        self.applied: ImportResult | None = None
        self.conflict_lines: list[ConflictLine] = []
        self.review_dialog: QDialog | None = None
        self.setWindowTitle(tr("Terima data dari kantor mitra"))
        self.setMinimumSize(680, 460)
        layout = QVBoxLayout(self)
        layout.addWidget(make_label(tr("Berkas: {name}").format(name=self.path.name), "subtitle"))
        self.status_label = make_label(tr("Memeriksa berkas…"), "muted", wrap=True)
        layout.addWidget(self.status_label)
        self.passphrase: str | None = None
        self.passphrase_widget = QWidget()
        passphrase_row = QHBoxLayout(self.passphrase_widget)
        passphrase_row.setContentsMargins(0, 0, 0, 0)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setObjectName("importPassphrase")
        self.passphrase_edit.setAccessibleName(tr("Kata sandi berkas"))
        self.passphrase_edit.returnPressed.connect(self.open_with_passphrase)
        self.passphrase_button = QPushButton(tr("&Buka berkas"))
        self.passphrase_button.setAutoDefault(False)
        self.passphrase_button.clicked.connect(self.open_with_passphrase)
        passphrase_label = make_label(tr("Kata &sandi"))
        passphrase_label.setBuddy(self.passphrase_edit)
        passphrase_row.addWidget(passphrase_label)
        passphrase_row.addWidget(self.passphrase_edit, 1)
        passphrase_row.addWidget(self.passphrase_button)
        self.passphrase_widget.hide()
        layout.addWidget(self.passphrase_widget)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.error_label)
        self.counts_form = QFormLayout()
        self.count_labels: dict[str, Any] = {}
        for key, label in (("source", tr("Dari kantor")), ("versions", tr("Perubahan di berkas")),
                           ("new", tr("Perubahan baru")), ("unchanged", tr("Sudah ada (tidak berubah)")),
                           ("rows", tr("Baris data baru")), ("values", tr("Nilai yang berubah")),
                           ("conflicts", tr("Konflik"))):
            value = make_label("", "strong", selectable=True)
            value.setObjectName(f"count_{key}")
            self.count_labels[key] = value
            self.counts_form.addRow(label, value)
        self.counts_widget = QWidget()
        self.counts_widget.setLayout(self.counts_form)
        self.counts_widget.hide()
        layout.addWidget(self.counts_widget)
        self.conflicts_table = QTableWidget(0, 5)
        self.conflicts_table.setObjectName("previewConflicts")
        self.conflicts_table.setHorizontalHeaderLabels([tr("Klien"), tr("Bagian"), tr("Isian"),
                                                        tr("Dipakai (terbaru)"), tr("Nilai lain")])
        self.conflicts_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.conflicts_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.conflicts_table.setTabKeyNavigation(False)
        self.conflicts_table.setAlternatingRowColors(True)
        self.conflicts_table.setShowGrid(False)
        self.conflicts_table.verticalHeader().hide()
        conflict_header = self.conflicts_table.horizontalHeader()
        conflict_header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        conflict_header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            conflict_header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.conflicts_table.setAccessibleName(tr("Konflik"))
        self.conflicts_table.hide()
        layout.addWidget(self.conflicts_table, 1)
        self.conflicts_note = make_label(tr("Nilai yang terbaru dipakai dulu. Sesudah diterapkan, tinjau konflik ini "
                                            "lewat Tinjau konflik untuk memilih nilai yang benar."), "muted", wrap=True)
        self.conflicts_note.setObjectName("conflictsNote")
        self.conflicts_note.hide()
        layout.addWidget(self.conflicts_note)
        self.warnings_label = make_label("", "error", wrap=True, selectable=True)
        self.warnings_label.setObjectName("importWarnings")
        self.warnings_label.hide()
        layout.addWidget(self.warnings_label)
        self.result_label = make_label("", "strong", wrap=True, selectable=True)
        self.result_label.setObjectName("importResult")
        layout.addWidget(self.result_label)
        layout.addStretch(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("&Tutup"))
        self.apply_button = buttons.addButton(tr("Terapkan"), QDialogButtonBox.ButtonRole.ActionRole)
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        self.review_button = buttons.addButton(tr("Tinjau &konflik…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.review_button.setObjectName("openConflictReview")
        self.review_button.clicked.connect(self.open_review)
        self.review_button.hide()
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def start_preview(self) -> Task | None:
        """The dry run; for a file locked with a passphrase, ask for it first."""
        if self.passphrase is None and needs_passphrase(self.path):
            self.status_label.setText(tr("Berkas ini dikunci dengan kata sandi. Ketik kata sandi yang diberikan "
                                         "pengirim (lewat telepon atau SMS), lalu pilih Buka berkas."))
            self.passphrase_widget.show()
            self.passphrase_edit.setFocus()
            self.passphrase_button.setDefault(True)
            return None
        db, paths, path, passphrase = self.ctx.db, self.ctx.paths, self.path, self.passphrase
        self.status_label.setText(tr("Memeriksa berkas…"))
        return self.run(lambda progress: _with_lines(db, import_bundle(db, paths, path, dry_run=True,
                                                                       passphrase=passphrase,
                                                                       progress=engine_progress(progress))),
                        self._previewed)

    @Slot()
    def open_with_passphrase(self) -> Task | None:
        if self.busy or self.preview is not None:
            return None
        text = self.passphrase_edit.text()
        if not text:
            self.passphrase_edit.setFocus()
            return None
        self.passphrase = text
        return self.start_preview()

    def _set_busy(self, busy: bool) -> None:
        self.apply_button.setEnabled(not busy and self.preview is not None and self.applied is None
                                     and self.preview.new_versions > 0)

    def show_error_inline(self, exc: BaseException) -> None:
        super().show_error_inline(exc)
        self.status_label.setText(tr("Berkas ini tidak diterapkan; data tidak berubah."))
        if self.passphrase is not None and self.preview is None:  # a wrong passphrase: type it again
            self.passphrase = None
            self.passphrase_widget.show()
            self.passphrase_edit.selectAll()
            self.passphrase_edit.setFocus()

    def _show_warnings(self, result: ImportResult) -> None:
        self.warnings_label.setText("\n".join(result.warnings))
        self.warnings_label.setVisible(bool(result.warnings))

    def _show_counts(self, result: ImportResult, lines: list[ConflictLine] | None = None) -> None:
        values = {"source": result.source_name, "versions": format_number(result.versions_in_bundle),
                  "new": format_number(result.new_versions), "unchanged": format_number(result.unchanged),
                  "rows": format_number(result.rows_created), "values": format_number(result.values_changed),
                  "conflicts": format_number(len(result.conflicts))}
        for key, text in values.items():
            self.count_labels[key].setText(text)
        self.counts_widget.show()
        if lines is not None:
            self.conflict_lines = lines
        self.conflicts_table.setRowCount(len(self.conflict_lines))
        for row, line in enumerate(self.conflict_lines):
            for column, text in enumerate((line.subject, line.table_label, line.field_label, line.winner,
                                           line.others)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.conflicts_table.setItem(row, column, item)
        self.conflicts_table.setVisible(bool(self.conflict_lines))
        self.conflicts_note.setVisible(bool(self.conflict_lines))

    def _previewed(self, payload: tuple[ImportResult, list[ConflictLine]]) -> None:
        result, lines = payload
        self.preview = result
        self.passphrase_widget.hide()
        if result.already_imported_at is not None:
            self.show_already_imported(result)
            self._set_busy(False)
            return
        self._show_counts(result, lines)
        self._show_warnings(result)
        if result.new_versions:
            self.status_label.setText(tr("Pratinjau (belum ada yang disimpan). Periksa angkanya, lalu pilih "
                                         "Terapkan."))
        else:
            self.status_label.setText(tr("Semua isi berkas ini sudah ada di sini; tidak ada yang perlu diterapkan."))
        self._set_busy(False)
        if self.apply_button.isEnabled():
            self.apply_button.setDefault(True)
            self.apply_button.setFocus()

    @Slot()
    def apply(self) -> Task | None:
        if self.busy or self.preview is None or self.applied is not None:
            return None
        db, paths, path = self.ctx.db, self.ctx.paths, self.path
        self.status_label.setText(tr("Menerapkan…"))
        passphrase = self.passphrase
        return self.run(lambda progress: _with_lines(db, import_bundle(db, paths, path, passphrase=passphrase,
                                                                       progress=engine_progress(progress))),
                        self._applied)

    def show_already_imported(self, result: ImportResult) -> None:
        """The file was imported before: say when and by whom, calmly, instead of the preview figures."""
        at = result.already_imported_at
        when = at.astimezone().strftime("%d-%m-%Y %H:%M") if at is not None else "-"
        self.counts_widget.hide()
        self.conflicts_table.hide()
        self.conflicts_note.hide()
        self.warnings_label.hide()
        self.status_label.setText(tr("Berkas ini sudah diimpor pada {when} oleh {by}; tidak ada yang berubah.")
                                  .format(when=when, by=result.already_imported_by or tr("pengguna lain")))
        self.status_label.setProperty("role", "strong")
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)
        self.result_label.setText(tr("Dari {name}. Tidak perlu diterapkan lagi; tutup jendela ini.").format(
            name=result.source_name))

    def _applied(self, payload: tuple[ImportResult, list[ConflictLine]]) -> None:
        result, lines = payload
        self.applied = result
        if result.already_imported_at is not None:
            self.show_already_imported(result)
            self._set_busy(False)
            return
        self._show_counts(result, lines)
        self._show_warnings(result)
        self.status_label.setText(tr("Sudah diterapkan."))
        self.result_label.setText(tr("Impor selesai dari {name}: {new} perubahan baru, {rows} baris data baru, "
                                     "{values} nilai berubah, {conflicts} konflik.").format(
            name=result.source_name, new=format_number(result.new_versions), rows=format_number(result.rows_created),
            values=format_number(result.values_changed), conflicts=format_number(len(result.conflicts))))
        self._set_busy(False)
        if result.conflicts:
            self.review_button.show()
            self.review_button.setDefault(True)
            self.review_button.setFocus()
        if self.on_applied is not None:
            self.on_applied(result)

    @Slot()
    def open_review(self) -> QDialog:
        """The conflict review (window-modal over this dialog), for the conflicts this import brought."""
        from ui.dialogs.conflict_review import ConflictReviewDialog

        on_applied = self.on_applied
        applied = self.applied
        dialog = ConflictReviewDialog(self.ctx, self, on_resolved=(lambda: on_applied(applied))
                                      if on_applied is not None and applied is not None else None)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()
        self.review_dialog = dialog
        return dialog


def _with_lines(db: Any, result: ImportResult) -> tuple[ImportResult, list[ConflictLine]]:
    """The import's result with its conflicts in words (client, part, field, values), read off the GUI thread."""
    return result, describe_conflicts(db, result.conflicts)
