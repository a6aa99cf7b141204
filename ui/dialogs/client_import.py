"""The client import wizard: choose a file, map its columns, check every row, then import all or nothing.

Four steps on a stacked widget (Kembali/Lanjut): reading, checking and saving run in a `Task` off the GUI
thread with a progress bar and a Batal button. Rows with problems block the import until the file is fixed
(Periksa ulang reads it again) or the rows are excluded by choice; the report names each row and field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import format_number
from atensi_desktop.services import client_import as ci
from ui.change_bus import ChangeBus
from ui.errors import error_text, show_error
from ui.i18n import tr
from ui.tasks import Task
from ui.widgets.common import make_label

STEP_FILE, STEP_MAPPING, STEP_CHECK, STEP_SAVE = range(4)
SAMPLES = 3  # sample values shown per column on the mapping step
SAMPLE_CHARS = 28
PROBLEM_COLUMNS = 5  # Kecualikan, Baris, Kolom/isian, Isi, Masalah
ERROR_COLOR = "#b3261e"
DIALOG_SIZE = (1040, 660)  # fits a 1366×768 laptop with its task bar and title bar


class ClientImportDialog(QDialog):
    """Import clients from an XLSX or CSV file; emits `bus.clients_changed` after a successful import."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        self.table: ci.Table | None = None
        self.table_path: str | None = None
        self.preview: ci.ImportPreview | None = None
        self.result: ci.ImportResult | None = None
        self._task: Task | None = None
        self._close_when_done = False
        self._syncing = False
        self.setWindowTitle(tr("Impor klien"))
        self.setModal(True)
        self._build()
        self._go(STEP_FILE)
        self.resize(*DIALOG_SIZE)
        self.setMinimumSize(760, 520)

    # --- building ----------------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 16)
        outer.setSpacing(10)
        outer.addWidget(make_label(tr("Impor klien dari XLSX atau CSV"), "title"))
        steps = QHBoxLayout()
        steps.setSpacing(18)
        self.step_labels: list[QLabel] = []
        for number, text in enumerate((tr("Pilih berkas"), tr("Cocokkan kolom"), tr("Periksa"), tr("Simpan")),
                                      start=1):
            label = make_label(f"{number}. {text}", "muted")
            self.step_labels.append(label)
            steps.addWidget(label)
        steps.addStretch(1)
        outer.addLayout(steps)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        outer.addWidget(line)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._file_page())
        self.stack.addWidget(self._mapping_page())
        self.stack.addWidget(self._check_page())
        self.stack.addWidget(self._save_page())
        outer.addWidget(self.stack, 1)

        busy = QHBoxLayout()
        self.progress_label = make_label("", "muted")
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(True)
        self.cancel_task_button = QPushButton(tr("B&atal"))
        self.cancel_task_button.setToolTip(tr("Hentikan proses ini"))
        self.cancel_task_button.clicked.connect(self.cancel_task)
        busy.addWidget(self.progress_label)
        busy.addWidget(self.progress_bar, 1)
        busy.addWidget(self.cancel_task_button)
        self.busy_row = QWidget()
        self.busy_row.setLayout(busy)
        busy.setContentsMargins(0, 0, 0, 0)
        self.busy_row.hide()
        outer.addWidget(self.busy_row)

        buttons = QHBoxLayout()
        self.close_button = QPushButton(tr("Tutup"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        self.back_button = QPushButton(tr("&Kembali"))
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton(tr("&Lanjut"))
        self.next_button.clicked.connect(self.next)
        self.import_button = QPushButton(tr("&Impor"))
        self.import_button.clicked.connect(self.start_import)
        self.done_button = QPushButton(tr("&Tutup"))
        self.done_button.clicked.connect(self.accept)
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.done_button)
        outer.addLayout(buttons)

    def _file_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(make_label(
            tr("Pilih berkas XLSX atau CSV berisi data klien, misalnya ekstrak DTKS/DTSEN atau daftar lama "
               "kantor. Judul kolom dicari di baris-baris teratas berkas."), "muted", wrap=True))
        row = QHBoxLayout()
        caption = make_label(tr("&Berkas:"))
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(tr("Ketik lokasi berkas atau pilih dengan tombol di kanan"))
        self.path_edit.setClearButtonEnabled(True)
        self.path_edit.textChanged.connect(self._path_changed)
        caption.setBuddy(self.path_edit)
        self.browse_button = QPushButton(tr("&Pilih berkas…"))
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self.browse)
        row.addWidget(caption)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        layout.addLayout(row)
        self.file_error = make_label("", "error", wrap=True, selectable=True)
        self.file_error.hide()
        layout.addWidget(self.file_error)
        self.file_info = make_label("", "muted", wrap=True)
        layout.addWidget(self.file_info)
        layout.addStretch(1)
        return page

    def _mapping_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.mapping_intro = make_label("", "muted", wrap=True)
        layout.addWidget(self.mapping_intro)
        self.mapping_error = make_label("", "error", wrap=True)
        self.mapping_error.hide()
        layout.addWidget(self.mapping_error)
        self.mapping_scroll = QScrollArea()
        self.mapping_scroll.setWidgetResizable(True)
        self.mapping_scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(self.mapping_scroll, 1)
        self.mapping_combos: dict[str, QComboBox] = {}
        return page

    def _check_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary_label = make_label("", None, wrap=True, selectable=True)
        layout.addWidget(self.summary_label)
        self.blocking_label = make_label("", "error", wrap=True)
        self.blocking_label.setStyleSheet(f"color: {ERROR_COLOR}; font-weight: bold;")
        self.blocking_label.hide()
        layout.addWidget(self.blocking_label)
        self.check_error = make_label("", "error", wrap=True, selectable=True)
        self.check_error.hide()
        layout.addWidget(self.check_error)

        head = QHBoxLayout()
        self.problems_title = make_label(tr("Baris bermasalah"), "subtitle")
        head.addWidget(self.problems_title)
        head.addStretch(1)
        self.exclude_all_button = QPushButton(tr("Kecualikan &semua baris bermasalah"))
        self.exclude_all_button.setAutoDefault(False)
        self.exclude_all_button.clicked.connect(self.exclude_all_problems)
        self.recheck_button = QPushButton(tr("&Periksa ulang berkas"))
        self.recheck_button.setToolTip(tr("Baca lagi berkas yang sudah diperbaiki, lalu periksa ulang"))
        self.recheck_button.setAutoDefault(False)
        self.recheck_button.clicked.connect(self.recheck)
        head.addWidget(self.exclude_all_button)
        head.addWidget(self.recheck_button)
        layout.addLayout(head)

        self.problem_table = QTableWidget(0, PROBLEM_COLUMNS)
        self.problem_table.setHorizontalHeaderLabels(
            [tr("Kecualikan"), tr("Baris"), tr("Kolom/isian"), tr("Isi"), tr("Masalah")])
        self.problem_table.verticalHeader().hide()
        self.problem_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.problem_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problem_table.setWordWrap(True)
        self.problem_table.setTabKeyNavigation(False)
        header = self.problem_table.horizontalHeader()
        for col in range(PROBLEM_COLUMNS - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PROBLEM_COLUMNS - 1, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda *_args: self.problem_table.resizeRowsToContents())
        self.problem_table.itemChanged.connect(self._problem_item_changed)
        layout.addWidget(self.problem_table, 3)

        self.notes_title = make_label(tr("Kemungkinan duplikat dan peringatan"), "subtitle")
        layout.addWidget(self.notes_title)
        self.notes_hint = make_label(
            tr("Baris ini tetap diimpor; centang untuk mengecualikan kemungkinan duplikat."), "muted", wrap=True)
        layout.addWidget(self.notes_hint)
        self.notes_list = QListWidget()
        self.notes_list.itemChanged.connect(self._note_item_changed)
        layout.addWidget(self.notes_list, 2)
        return page

    def _save_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.save_status = make_label("", "subtitle", wrap=True)
        layout.addWidget(self.save_status)
        self.save_detail = make_label("", "muted", wrap=True, selectable=True)
        layout.addWidget(self.save_detail)
        layout.addStretch(1)
        return page

    # --- navigation --------------------------------------------------------------------------------------

    def step(self) -> int:
        return self.stack.currentIndex()

    def _go(self, step: int) -> None:
        self.stack.setCurrentIndex(step)
        for i, label in enumerate(self.step_labels):
            _set_role(label, "strong" if i == step else "muted")
        self._update_buttons()
        focus = {STEP_FILE: self.path_edit, STEP_CHECK: self.problem_table}.get(step)
        if step == STEP_MAPPING and self.mapping_combos:
            focus = next(iter(self.mapping_combos.values()))
        if step == STEP_CHECK and self.problem_table.rowCount() == 0:
            focus = self.import_button
        if focus is not None:
            focus.setFocus()

    def _update_buttons(self) -> None:
        busy = self._task is not None
        step = self.step()
        done = self.result is not None
        self.back_button.setVisible(step in (STEP_MAPPING, STEP_CHECK) or (step == STEP_SAVE and not done))
        self.back_button.setEnabled(not busy)
        self.next_button.setVisible(step in (STEP_FILE, STEP_MAPPING))
        self.next_button.setEnabled(not busy and (step != STEP_FILE or bool(self.path_edit.text().strip())))
        self.import_button.setVisible(step == STEP_CHECK)
        summary = self._summary()
        self.import_button.setEnabled(not busy and summary is not None and summary.can_commit)
        self.browse_button.setEnabled(not busy)
        self.path_edit.setReadOnly(busy)
        self.exclude_all_button.setEnabled(not busy and bool(self.preview and self.preview.problem_rows))
        self.recheck_button.setEnabled(not busy)
        self.close_button.setEnabled(not (busy and self.step() == STEP_SAVE))
        self.close_button.setVisible(not done)
        self.done_button.setVisible(done)
        default = {STEP_FILE: self.next_button, STEP_MAPPING: self.next_button, STEP_CHECK: self.import_button,
                   STEP_SAVE: self.done_button}[step]
        for button in (self.next_button, self.import_button, self.done_button):
            button.setDefault(button is default)

    @Slot()
    def back(self) -> None:
        if self._task is not None:
            return
        if self.step() == STEP_SAVE:
            self._go(STEP_CHECK)
        elif self.step() > STEP_FILE:
            self._go(self.step() - 1)

    @Slot()
    def next(self) -> None:
        if self._task is not None:
            return
        if self.step() == STEP_FILE:
            self.read_file()
        elif self.step() == STEP_MAPPING:
            self.check()

    # --- step 1: the file --------------------------------------------------------------------------------

    @Slot()
    def browse(self) -> None:
        start = self.path_edit.text().strip() or str(Path.home())
        path, _filter = QFileDialog.getOpenFileName(
            self, tr("Pilih berkas data klien"), start,
            tr("Lembar kerja (*.xlsx *.xlsm *.csv *.txt *.tsv);;Semua berkas (*)"))
        if path:
            self.path_edit.setText(path)
            self.read_file()

    def _path_changed(self) -> None:
        self.file_error.hide()
        self._update_buttons()

    def read_file(self) -> None:
        path = self.path_edit.text().strip().strip('"')
        if not path:
            self._file_problem(tr("Pilih berkas XLSX atau CSV dulu."))
            return
        if self.table is not None and self.table_path == path:
            self._go(STEP_MAPPING)
            return
        self.file_error.hide()
        self._run(lambda progress: ci.read_table(path, progress=progress), tr("Membaca berkas…"),
                  lambda table: self._file_read(path, table), self._file_failed, self._file_cancelled)

    def _file_read(self, path: str, table: ci.Table) -> None:
        self.table, self.table_path, self.preview, self.result = table, path, None, None
        sheet = tr(", lembar {sheet}").format(sheet=table.sheet) if table.sheet else ""
        self.file_info.setText(tr("{file}{sheet}: {rows} baris data, {columns} kolom (judul di baris {header}).")
                               .format(file=table.name, sheet=sheet, rows=format_number(len(table.rows)),
                                       columns=format_number(len(table.headers)), header=table.header_row))
        self._fill_mapping(table)
        self._go(STEP_MAPPING)

    def _file_failed(self, exc: BaseException) -> None:
        if isinstance(exc, AtensiError):
            self._file_problem(error_text(exc))
        else:
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    def _file_cancelled(self) -> None:
        self._file_problem(tr("Pembacaan berkas dibatalkan."))

    def _file_problem(self, text: str) -> None:
        self.file_error.setText(text)
        self.file_error.show()
        self.path_edit.setFocus()

    # --- step 2: the mapping -----------------------------------------------------------------------------

    def _fill_mapping(self, table: ci.Table) -> None:
        self.mapping_intro.setText(tr(
            "Untuk setiap kolom berkas, pilih isian klien yang diisinya. Tebakan sudah diisi dari judul kolom; "
            "kolom yang tidak dipakai diabaikan. Kolom untuk Nama wajib ada."))
        self.mapping_error.hide()
        guessed = ci.guess_mapping(table.headers)
        samples = table.sample(20)
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 4, 8, 4)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(6)
        for col, text in enumerate((tr("Kolom di berkas"), tr("Contoh isi"), tr("Dipakai untuk"))):
            grid.addWidget(make_label(text, "strong"), 0, col)
        self.mapping_combos = {}
        for i, header in enumerate(table.headers, start=1):
            values = [cells[i - 1] for _n, cells in samples if i - 1 < len(cells) and cells[i - 1]][:SAMPLES]
            title = make_label(header)
            sample = make_label("; ".join(_shorten(v) for v in values) or tr("(kosong)"), "muted")
            sample.setToolTip("\n".join(values))
            combo = QComboBox()
            combo.addItem(tr("— tidak dipakai —"), None)
            for name in ci.FIELDS:
                combo.addItem(ci.field_label(name), name)
            combo.setCurrentIndex(max(0, combo.findData(guessed.get(header))))
            combo.setAccessibleName(tr("Isian untuk kolom {column}").format(column=header))
            combo.currentIndexChanged.connect(self.mapping_error.hide)
            title.setBuddy(combo)
            grid.addWidget(title, i, 0)
            grid.addWidget(sample, i, 1)
            grid.addWidget(combo, i, 2)
            self.mapping_combos[header] = combo
        grid.setColumnStretch(3, 1)
        grid.setRowStretch(len(table.headers) + 1, 1)
        self.mapping_scroll.setWidget(grid_host)

    def mapping(self) -> dict[str, str]:
        return {header: combo.currentData() for header, combo in self.mapping_combos.items()
                if combo.currentData()}

    def _mapping_problem(self, text: str) -> None:
        self.mapping_error.setText(text)
        self.mapping_error.show()

    # --- step 3: the check -------------------------------------------------------------------------------

    def check(self) -> None:
        table = self.table
        if table is None:
            return
        columns = self.mapping()
        if "name" not in columns.values():
            self._mapping_problem(tr("Pilih kolom yang berisi Nama; isian ini wajib untuk setiap klien."))
            return
        try:
            mapping = ci.Mapping(columns)
        except AtensiError as exc:
            self._mapping_problem(error_text(exc))
            return
        self.mapping_error.hide()
        db = self.ctx.db
        self._run(lambda progress: ci.preview(db, table, mapping, progress=progress), tr("Memeriksa baris…"),
                  self._checked, self._check_failed, self._check_cancelled)

    @Slot()
    def recheck(self) -> None:
        """Read the (fixed) file again and check it with the same mapping."""
        if self.preview is None or self.table_path is None:
            return
        path, mapping, db = self.table_path, self.preview.mapping, self.ctx.db
        sheet = self.table.sheet if self.table is not None else None

        def work(progress: Any) -> tuple[ci.Table, ci.ImportPreview]:
            table = ci.read_table(path, sheet=sheet, progress=progress)
            return table, ci.preview(db, table, mapping, progress=progress)

        def done(found: tuple[ci.Table, ci.ImportPreview]) -> None:
            self.table = found[0]
            self._checked(found[1])

        self.check_error.hide()
        self._run(work, tr("Membaca dan memeriksa ulang…"), done, self._check_failed, lambda: None)

    def _checked(self, pv: ci.ImportPreview) -> None:
        self.preview, self.result = pv, None
        self.check_error.hide()
        self._fill_report(pv)
        self._go(STEP_CHECK)

    def _check_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, AtensiError):
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")
        elif self.step() == STEP_CHECK:
            self.check_error.setText(error_text(exc))
            self.check_error.show()
        else:
            self._mapping_problem(error_text(exc))

    def _check_cancelled(self) -> None:
        self._mapping_problem(tr("Pemeriksaan dibatalkan; belum ada yang diimpor."))

    def _fill_report(self, pv: ci.ImportPreview) -> None:
        self._syncing = True
        problems = pv.problems
        self.problem_table.setRowCount(len(problems))
        for i, p in enumerate(problems):
            check = QTableWidgetItem(tr("Kecualikan baris ini"))
            check.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            check.setCheckState(Qt.CheckState.Unchecked)
            check.setData(Qt.ItemDataRole.UserRole, p.row)
            where = p.label if not p.column or p.column.casefold() == p.label.casefold() \
                else f"{p.column} ({p.label})"
            cells = [check, _item(str(p.row), Qt.AlignmentFlag.AlignRight), _item(where), _item(p.text),
                     _item(p.message)]
            for col, item in enumerate(cells):
                self.problem_table.setItem(i, col, item)
        self.problem_table.resizeRowsToContents()
        self.problems_title.setText(tr("Baris bermasalah ({count})").format(count=format_number(len(pv.problem_rows)))
                                    if problems else tr("Tidak ada baris bermasalah."))
        self.problem_table.setVisible(bool(problems))
        self.notes_list.clear()
        for d in pv.duplicates:
            item = QListWidgetItem(tr("Kemungkinan duplikat — {text}").format(text=str(d)))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, d.row)
            self.notes_list.addItem(item)
        for w in pv.warnings:
            self.notes_list.addItem(QListWidgetItem(tr("Peringatan — {text}").format(text=str(w))))
        has_notes = self.notes_list.count() > 0
        for widget in (self.notes_title, self.notes_hint, self.notes_list):
            widget.setVisible(has_notes)
        self.notes_hint.setVisible(bool(pv.duplicates))
        self._syncing = False
        self._update_summary()

    def excluded_rows(self) -> set[int]:
        rows: set[int] = set()
        for i in range(self.problem_table.rowCount()):
            item = self.problem_table.item(i, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                rows.add(int(item.data(Qt.ItemDataRole.UserRole)))
        for i in range(self.notes_list.count()):
            item = self.notes_list.item(i)
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable and item.checkState() == Qt.CheckState.Checked:
                rows.add(int(item.data(Qt.ItemDataRole.UserRole)))
        return rows

    def set_row_excluded(self, row: int, excluded: bool) -> None:
        """Tick or untick every line of the report about this file row."""
        state = Qt.CheckState.Checked if excluded else Qt.CheckState.Unchecked
        self._syncing = True
        for i in range(self.problem_table.rowCount()):
            item = self.problem_table.item(i, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == row:
                item.setCheckState(state)
        for i in range(self.notes_list.count()):
            item = self.notes_list.item(i)
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable and item.data(Qt.ItemDataRole.UserRole) == row:
                item.setCheckState(state)
        self._syncing = False
        self._update_summary()

    @Slot()
    def exclude_all_problems(self) -> None:
        if self.preview is None:
            return
        for row in sorted(self.preview.problem_rows):
            self.set_row_excluded(row, True)

    def _problem_item_changed(self, item: QTableWidgetItem) -> None:
        if not self._syncing and item.column() == 0:
            self.set_row_excluded(int(item.data(Qt.ItemDataRole.UserRole)), item.checkState() == Qt.CheckState.Checked)

    def _note_item_changed(self, item: QListWidgetItem) -> None:
        if not self._syncing and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            self.set_row_excluded(int(item.data(Qt.ItemDataRole.UserRole)), item.checkState() == Qt.CheckState.Checked)

    def _summary(self) -> ci.ImportSummary | None:
        return self.preview.summary(self.excluded_rows()) if self.preview is not None else None

    def _update_summary(self) -> None:
        summary = self._summary()
        if summary is None:
            return
        self.summary_label.setText("\n".join(summary.lines()))
        if summary.unresolved:
            self.blocking_label.setText(tr(
                "{count} baris masih bermasalah. Tidak ada yang diimpor sampai baris itu diperbaiki di berkas "
                "(lalu Periksa ulang berkas) atau dikecualikan.").format(count=format_number(summary.unresolved)))
        elif summary.ready == 0:
            self.blocking_label.setText(tr("Tidak ada baris untuk diimpor; semua baris dikecualikan."))
        self.blocking_label.setVisible(not summary.can_commit)
        self._update_buttons()

    # --- step 4: saving ----------------------------------------------------------------------------------

    @Slot()
    def start_import(self) -> None:
        pv, summary = self.preview, self._summary()
        if self._task is not None or pv is None or summary is None or not summary.can_commit:
            return
        excluded, db = self.excluded_rows(), self.ctx.db
        self.save_status.setText(tr("Menyimpan {count} klien…").format(count=format_number(summary.ready)))
        self.save_detail.setText(tr("Semua baris disimpan sekaligus; jika dibatalkan, tidak ada yang disimpan."))
        self._go(STEP_SAVE)
        self._run(lambda progress: ci.commit(db, pv, exclude_rows=excluded, progress=progress),
                  tr("Menyimpan klien…"), self._imported, self._import_failed, self._import_cancelled)

    def _imported(self, result: ci.ImportResult) -> None:
        self.result = result
        self.save_status.setText(tr("{count} klien diimpor ({new} keluarga baru).").format(
            count=format_number(result.clients), new=format_number(result.households_new)))
        details = []
        if result.households_attached:
            details.append(tr("{count} keluarga yang sudah ada mendapat anggota baru.").format(
                count=format_number(result.households_attached)))
        if result.excluded:
            details.append(tr("{count} baris dikecualikan.").format(count=format_number(result.excluded)))
        if result.duplicates:
            details.append(tr("{count} klien yang diimpor mungkin duplikat; periksa di daftar Kemungkinan "
                              "duplikat.").format(count=format_number(result.duplicates)))
        self.save_detail.setText("\n".join(details))
        self._update_buttons()
        self.done_button.setFocus()
        self.bus.clients_changed.emit()

    def _import_failed(self, exc: BaseException) -> None:
        if isinstance(exc, AtensiError):
            self.save_status.setText(tr("Impor gagal; tidak ada yang disimpan."))
            self.save_detail.setText(error_text(exc))
        else:
            self.save_status.setText(tr("Impor gagal; tidak ada yang disimpan."))
            self.save_detail.setText("")
            show_error(self, exc, log_file=self.ctx.paths.logs / "atensi.log")

    def _import_cancelled(self) -> None:
        self.save_status.setText(tr("Dibatalkan; tidak ada yang disimpan."))
        self.save_detail.setText(tr("Tekan Kembali untuk melihat hasil pemeriksaan dan mengimpor lagi."))

    # --- background work ---------------------------------------------------------------------------------

    def _run(self, fn: Callable[[Any], Any], message: str, done: Callable[[Any], None],
             failed: Callable[[BaseException], None], cancelled: Callable[[], None]) -> None:
        task = Task(fn)
        self._task = task

        def finish(handler: Callable[..., None], *args: Any) -> None:
            self._task = None
            self.busy_row.hide()
            if self._close_when_done:
                super(ClientImportDialog, self).reject()
                return
            handler(*args)
            self._update_buttons()

        task.progressed.connect(self._progressed)
        task.finished.connect(lambda value: finish(done, value))
        task.failed.connect(lambda exc: finish(failed, exc))
        task.cancelled.connect(lambda: finish(cancelled))
        self.progress_label.setText(message)
        self.progress_bar.setRange(0, 0)
        self.cancel_task_button.setEnabled(True)
        self.busy_row.show()
        self._update_buttons()
        task.start()
        self.cancel_task_button.setFocus()

    @Slot(int, int, str)
    def _progressed(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
        if message:
            self.progress_label.setText(message)

    @Slot()
    def cancel_task(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.cancel_task_button.setEnabled(False)
            self.progress_label.setText(tr("Membatalkan…"))

    def is_busy(self) -> bool:
        return self._task is not None

    def reject(self) -> None:
        if self._task is not None:  # stop the work first; the dialog closes when it has stopped
            self._close_when_done = True
            self.cancel_task()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._task is not None:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)


def open_client_import(parent: QWidget | None, ctx: AppContext, bus: ChangeBus) -> None:
    """Show the import wizard (modal); the Klien screen refreshes through `bus.clients_changed`."""
    dialog = ClientImportDialog(ctx, bus, parent)
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()


def _set_role(label: QLabel, role: str) -> None:
    if label.property("role") == role:
        return
    label.setProperty("role", role)
    label.style().unpolish(label)
    label.style().polish(label)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS - 1] + "…"


def _item(text: str, align: Qt.AlignmentFlag | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    item.setToolTip(text)
    if align is not None:
        item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    return item
