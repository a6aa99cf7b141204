"""Find a registered client by name, NIK, No. KK or display id: a search box over a short result list (the
registry's own search, debounced), and `pick_client`, the small dialog "Catat layanan" opens with it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.errors import AtensiError
from atensi_desktop.i18n import format_date_short
from atensi_desktop.services.clients import ClientQuery, ClientRow, client_page
from ui.i18n import tr
from ui.icons import icon
from ui.widgets.common import make_label

SEARCH_DELAY_MS = 250
SEARCH_LIMIT = 30
ROW_ROLE = Qt.ItemDataRole.UserRole


def client_line(row: ClientRow) -> str:
    """'Budi Santoso (DSHSS-7K2M9Q) · 630601********** · lahir 05-03-1950 · Padang Batung'."""
    facts = [row.nik_masked or tr("tanpa NIK")]
    if row.birth_date:
        facts.append(tr("lahir {date}").format(date=format_date_short(row.birth_date)))
    if row.wilayah_name:
        facts.append(row.wilayah_name)
    return f"{row.name} ({row.display_id}) · " + " · ".join(facts)


class ClientSearch(QWidget):
    """Search box and results; `chosen(ClientRow)` on Enter or double-click. Down arrow moves into the list."""

    chosen = Signal(object)

    def __init__(self, ctx: AppContext, *, placeholder: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.exclude: set = set()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("clientSearchEdit")
        self.search_edit.setPlaceholderText(placeholder or tr("Ketik nama, NIK, No. KK atau ID klien…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(icon("cari"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.setAccessibleName(tr("Cari klien"))
        layout.addWidget(self.search_edit)
        self.results = QListWidget()
        self.results.setObjectName("clientSearchResults")
        self.results.setAccessibleName(tr("Hasil pencarian klien"))
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout.addWidget(self.results, 1)
        self.status_label = make_label(tr("Ketik paling sedikit 2 huruf atau angka."), "muted", wrap=True)
        layout.addWidget(self.status_label)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search)
        self.search_edit.textChanged.connect(lambda _text: self._timer.start())
        self.search_edit.installEventFilter(self)
        self.results.installEventFilter(self)
        self.results.itemDoubleClicked.connect(self._activated)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down moves into the results; Enter in the box is the search's own (never a dialog's default
        button): it searches now, or takes the only result."""
        if watched is self.search_edit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Down and self.results.count():
                self.results.setFocus()
                if self.results.currentRow() < 0:
                    self.results.setCurrentRow(0)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._enter_in_search()
                return True
        if watched is self.results and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.results.currentItem()
            if item is not None:
                self._activated(item)
            return True  # handled here: Enter never also presses a dialog's default button
        return super().eventFilter(watched, event)

    @Slot()
    def search(self) -> None:
        self._timer.stop()
        text = " ".join(self.search_edit.text().split())
        self.results.clear()
        if len(text) < 2:
            self.status_label.setText(tr("Ketik paling sedikit 2 huruf atau angka."))
            return
        try:
            rows = client_page(self.ctx.db, ClientQuery(text=text), 0, SEARCH_LIMIT + len(self.exclude))
        except AtensiError as exc:
            self.status_label.setText(exc.message)
            return
        rows = [r for r in rows if r.id not in self.exclude][:SEARCH_LIMIT]
        for row in rows:
            item = QListWidgetItem(client_line(row))
            item.setData(ROW_ROLE, row)
            item.setToolTip(client_line(row))
            self.results.addItem(item)
        if rows:
            self.status_label.setText(tr("{count} klien ditemukan. Pilih dengan panah bawah lalu Enter.").format(
                count=len(rows)))
            self.results.setCurrentRow(0)
        else:
            self.status_label.setText(tr("Tidak ada klien yang cocok. Periksa ejaan atau cari dengan NIK."))

    def current(self) -> ClientRow | None:
        item = self.results.currentItem()
        return item.data(ROW_ROLE) if item is not None else None

    @Slot()
    def _enter_in_search(self) -> None:
        """Search now if typing is still pending; one result is taken, several are entered (then choose)."""
        if self._timer.isActive():
            self.search()
        if self.results.count() == 1:
            self._activated(self.results.item(0))
        elif self.results.count() > 1:
            self.results.setFocus()
            if self.results.currentRow() < 0:
                self.results.setCurrentRow(0)

    @Slot(QListWidgetItem)
    def _activated(self, item: QListWidgetItem) -> None:
        row = item.data(ROW_ROLE)
        if row is not None:
            self.chosen.emit(row)


class ClientPickDialog(QDialog):
    """"Pilih klien": the search and an OK button; `picked` after accept."""

    def __init__(self, ctx: AppContext, *, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clientPickDialog")
        self.setWindowTitle(title)
        self.picked: ClientRow | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.addWidget(make_label(text, "muted", wrap=True))
        label = QLabel(tr("&Cari klien"))
        layout.addWidget(label)
        self.search = ClientSearch(ctx)
        label.setBuddy(self.search.search_edit)
        layout.addWidget(self.search, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("&Pilih"))
        self.ok_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("&Batal"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.search.results.currentItemChanged.connect(
            lambda *_args: self.ok_button.setEnabled(self.search.current() is not None))
        self.search.chosen.connect(lambda _row: self.accept())
        self.setMinimumSize(self.minimumSizeHint())  # explicit: results coming and going change nothing
        self.resize(QSize(640, 480))
        self.search.search_edit.setFocus()

    def accept(self) -> None:
        if self.result() == QDialog.DialogCode.Accepted and not self.isVisible():
            return  # already answered
        self.picked = self.search.current()
        if self.picked is None:
            return
        super().accept()
