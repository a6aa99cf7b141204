"""The Klien screen's filters: a toggle row next to the search box and a collapsible "Saring" panel."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from atensi_desktop.app_context import AppContext
from atensi_desktop.domain.wilayah import normalize_code
from atensi_desktop.i18n import N_
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import wilayah
from atensi_desktop.services.clients import AGE_GROUP_LABELS, ClientQuery
from atensi_desktop.services.office import installation_office, list_workers
from ui.i18n import tr

# (key, label with mnemonic) in panel order: two rows of four
FIELDS = (
    ("ppks_category", N_("&Kategori PPKS")), ("cluster", N_("K&laster")), ("kecamatan", N_("Ke&camatan")),
    ("desa", N_("Desa/Kel&urahan")), ("stage", N_("&Tahap kasus")), ("worker_id", N_("Pendampin&g")),
    ("age_group", N_("Kelompok u&mur")), ("sex", N_("&Jenis kelamin")),
)
COMBO_CHARS = 12  # a combo shows this many characters; its list opens as wide as the longest choice


class ClientFilters(QWidget):
    """Filters combined with AND. `row` holds the "Saring" toggle, "Hapus saringan" and the archive switch
    (the Klien screen puts its search box first in it); the panel below is shown with the toggle.

    `changed` follows every change the user makes; `apply(query)` returns `query` with these filters;
    `active_count()` says how many filters are set (the archive switch is not counted: it widens the list).
    """

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        self.row = QHBoxLayout()
        self.row.setSpacing(8)
        self.toggle_button = QPushButton()
        self.toggle_button.setObjectName("filterToggle")
        self.toggle_button.setCheckable(True)
        self.toggle_button.setToolTip(tr("Tampilkan atau sembunyikan saringan"))
        self.toggle_button.toggled.connect(self._toggled)
        self.clear_button = QPushButton(tr("&Hapus saringan"))
        self.clear_button.setObjectName("filterClear")
        self.clear_button.setToolTip(tr("Kembalikan semua saringan ke “Semua”"))
        self.clear_button.clicked.connect(self.clear)
        self.archived_check = QCheckBox(tr("Tampilkan yang dia&rsipkan"))
        self.archived_check.setObjectName("showArchived")
        self.archived_check.setToolTip(tr("Klien yang diarsipkan tampil abu-abu dan bisa dipulihkan"))
        self.archived_check.toggled.connect(self._changed)
        self.row.addWidget(self.toggle_button)
        self.row.addWidget(self.clear_button)
        self.row.addSpacing(6)
        self.row.addWidget(self.archived_check)
        self.row.addStretch(1)
        outer.addLayout(self.row)

        self.panel = QFrame()
        self.panel.setObjectName("filterPanel")
        self.panel.setProperty("role", "card")
        grid = QGridLayout(self.panel)
        grid.setContentsMargins(12, 8, 12, 8)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        self.combos: dict[str, QComboBox] = {}
        self.labels: dict[str, QLabel] = {}
        for i, (key, title) in enumerate(FIELDS):
            combo = QComboBox()
            combo.setObjectName(f"filter_{key}")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(COMBO_CHARS)
            combo.setAccessibleName(tr(title).replace("&", ""))
            combo.currentIndexChanged.connect(lambda _i, k=key: self._combo_changed(k))
            label = QLabel(tr(title))
            label.setBuddy(combo)
            row, col = divmod(i, 4)
            grid.addWidget(label, row, col * 2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(combo, row, col * 2 + 1)
            grid.setColumnStretch(col * 2 + 1, 1)
            self.combos[key], self.labels[key] = combo, label
        outer.addWidget(self.panel)
        self.panel.setVisible(False)

        self._fill(self.combos["ppks_category"], [(i.label, i.code) for i in ref_list("ppks").items])
        self._fill(self.combos["cluster"], [(i.label, i.code) for i in ref_list("clusters").items])
        self._fill(self.combos["stage"], [(i.label, i.code) for i in ref_list("case_stages").items])
        self._fill(self.combos["age_group"], [(tr(label), code) for code, label in AGE_GROUP_LABELS])
        self._fill(self.combos["sex"], [(i.label, i.code) for i in ref_list("sex").items])
        self._kabupaten: str | None = None
        self._choices_loaded = False  # the office's regions and workers: read when the panel first opens
        self._update_state()

    # --- choices -----------------------------------------------------------------------------------------

    def ensure_choices(self) -> None:
        if not self._choices_loaded:
            self.reload_choices()

    def office_changed(self) -> None:
        """The office (its region, its workers) changed: reload the choices if they were read already."""
        if self._choices_loaded:
            self.reload_choices()

    def reload_choices(self) -> None:
        """(Re)load what depends on the database: the office's kecamatan list and its workers."""
        self._choices_loaded = True
        office = installation_office(self.ctx.db)
        self._kabupaten = _kabupaten_of(office.wilayah_code if office else None)
        kecamatan = wilayah.children(self.ctx.db, self._kabupaten) if self._kabupaten else []
        self._refill(self.combos["kecamatan"], [(w.name, w.code) for w in kecamatan])
        combo = self.combos["kecamatan"]
        combo.setEnabled(bool(kecamatan))
        if kecamatan:
            combo.setToolTip("")
        elif self._kabupaten is None:
            combo.setToolTip(tr("Isi wilayah kantor (kabupaten/kota) di Pengaturan untuk menyaring per kecamatan."))
        else:
            combo.setToolTip(tr("Daftar wilayah belum dimuat: impor daftar wilayah (atensi-desktop wilayah "
                                "import FILE)."))
        self._fill_desa()
        workers = list_workers(self.ctx.db, office_id=office.id if office else None)
        self._refill(self.combos["worker_id"], [(name, worker_id) for worker_id, name, _type in workers])
        self.combos["worker_id"].setEnabled(bool(workers))

    def _fill(self, combo: QComboBox, items: list[tuple[str, Any]]) -> None:
        with QSignalBlocker(combo):
            combo.clear()
            combo.addItem(tr("Semua"), None)
            for label, code in items:
                combo.addItem(label, code)
                combo.setItemData(combo.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)

    def _refill(self, combo: QComboBox, items: list[tuple[str, Any]]) -> None:
        """Refill keeping the chosen value when it is still offered."""
        current = combo.currentData()
        self._fill(combo, items)
        index = combo.findData(current) if current is not None else 0
        with QSignalBlocker(combo):
            combo.setCurrentIndex(max(index, 0))

    def _fill_desa(self) -> None:
        kecamatan = self.combos["kecamatan"].currentData()
        desa = wilayah.children(self.ctx.db, kecamatan) if kecamatan else []
        self._refill(self.combos["desa"], [(w.name, w.code) for w in desa])
        self.combos["desa"].setEnabled(bool(desa))
        self.combos["desa"].setToolTip("" if desa else tr("Pilih kecamatan dulu."))

    # --- values ------------------------------------------------------------------------------------------

    def value(self, key: str) -> Any:
        return self.combos[key].currentData()

    def set_value(self, key: str, value: Any) -> bool:
        """Choose `value` (a code, a worker id) in the filter `key`; False when it is not offered."""
        self.ensure_choices()
        combo = self.combos[key]
        index = combo.findData(value) if value is not None else 0
        if index < 0:
            return False
        combo.setCurrentIndex(index)
        return True

    @property
    def show_archived(self) -> bool:
        return self.archived_check.isChecked()

    def active_count(self) -> int:
        # kecamatan and desa are one filter (a desa is chosen inside its kecamatan)
        return sum(1 for key, _t in FIELDS if key != "desa" and self.value(key) is not None)

    def apply(self, query: ClientQuery) -> ClientQuery:
        worker = self.value("worker_id")
        return replace(
            query,
            ppks_category=self.value("ppks_category"), cluster=self.value("cluster"),
            wilayah=self.value("desa") or self.value("kecamatan"), stage=self.value("stage"),
            worker_id=worker if isinstance(worker, uuid.UUID) else None,
            age_group=self.value("age_group"), sex=self.value("sex"), include_archived=self.show_archived,
        )

    @Slot()
    def clear(self) -> None:
        """Every filter back to "Semua" and archived clients hidden again; one `changed`."""
        if not self.active_count() and not self.show_archived:
            return
        for combo in self.combos.values():
            with QSignalBlocker(combo):
                combo.setCurrentIndex(0)
        with QSignalBlocker(self.archived_check):
            self.archived_check.setChecked(False)
        self._fill_desa()
        self._changed()

    # --- reacting ----------------------------------------------------------------------------------------

    def _combo_changed(self, key: str) -> None:
        combo = self.combos[key]
        combo.setToolTip(combo.currentText() if combo.currentIndex() > 0 else "")
        if key == "kecamatan":
            with QSignalBlocker(self.combos["desa"]):
                self.combos["desa"].setCurrentIndex(0)
            self._fill_desa()
        self._changed()

    @Slot()
    def _changed(self) -> None:
        self._update_state()
        self.changed.emit()

    @Slot(bool)
    def _toggled(self, shown: bool) -> None:
        if shown:
            self.ensure_choices()
        self.panel.setVisible(shown)
        if shown:
            self.combos["ppks_category"].setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_state(self) -> None:
        active = self.active_count()
        self.toggle_button.setText(tr("&Saring ({count})").format(count=active) if active else tr("&Saring"))
        self.toggle_button.setAccessibleName(tr("Saring"))
        self.clear_button.setEnabled(bool(active) or self.show_archived)


def _kabupaten_of(code: str | None) -> str | None:
    """'63.06' from an office code at kabupaten level or below; None for a province or no code."""
    if not code:
        return None
    try:
        dotted = normalize_code(code)
    except ValueError:
        return None
    parts = dotted.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else None
