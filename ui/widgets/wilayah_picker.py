"""Four cascading combo boxes (provinsi → kab/kota → kecamatan → desa/kelurahan) over the imported region list."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QCompleter, QFormLayout, QLabel, QVBoxLayout, QWidget

from atensi_desktop.domain.wilayah import lineage
from atensi_desktop.i18n import N_
from atensi_desktop.services import wilayah
from ui.i18n import tr
from ui.widgets.common import make_label

LEVEL_TITLES = (N_("Provinsi"), N_("Kabupaten/Kota"), N_("Kecamatan"), N_("Desa/Kelurahan"))
NOT_LOADED_HINT = N_("Daftar desa belum dimuat: impor daftar wilayah (atensi-desktop wilayah import FILE).")


class WilayahPicker(QWidget):
    """Choose a region level by level; each combo filters as you type (any part of the name, any case).

    `code()` is the deepest chosen code (None when nothing is chosen); `set_code()` selects a chain;
    `code_changed(code)` follows every change ('' when cleared). A code that is not in the loaded list
    (an old record, a region from another province) is kept as is until the user picks another region.
    When only the 38 built-in provinces are loaded, a one-line hint replaces the three lower combos.
    """

    code_changed = Signal(str)

    def __init__(self, db: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._kept_code: str | None = None  # set_code() of a code the list does not hold
        self._announced: str | None = None  # the code last reported by code_changed
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        self._form = QFormLayout()
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setHorizontalSpacing(12)
        self._form.setVerticalSpacing(6)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.combos: list[QComboBox] = []
        for level, title in enumerate(LEVEL_TITLES):
            combo = self._make_combo(tr(title))
            combo.setObjectName(f"wilayahLevel{level + 1}")
            self.combos.append(combo)
            self._form.addRow(tr(title), combo)
        outer.addLayout(self._form)
        self.hint_label = make_label(tr(NOT_LOADED_HINT), "muted", wrap=True)
        self.hint_label.setObjectName("wilayahHint")
        outer.addWidget(self.hint_label)
        self.kept_label = make_label("", "muted", wrap=True)
        self.kept_label.setObjectName("wilayahKept")
        self.kept_label.hide()
        outer.addWidget(self.kept_label)
        self.reload()

    # --- building ------------------------------------------------------------------------------------

    def _make_combo(self, title: str) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.setMaxVisibleItems(15)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(14)
        combo.setAccessibleName(title)
        combo.lineEdit().setPlaceholderText(tr("Ketik atau pilih…"))
        completer = QCompleter(combo.model(), combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        combo.setCompleter(completer)
        combo.currentIndexChanged.connect(lambda _index, c=combo: self._chosen(c))
        combo.lineEdit().editingFinished.connect(lambda c=combo: self._typed(c))
        combo.lineEdit().returnPressed.connect(lambda c=combo: self._confirmed(c))  # Enter in the popup
        combo.installEventFilter(self)
        return combo

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in a combo takes the typed region and moves on to the next level; it does not reach the
        dialog (where it would press the default button)."""
        if (event.type() == QEvent.Type.KeyPress and watched in self.combos
                and isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            self._confirmed(watched)
            return True
        return super().eventFilter(watched, event)

    # --- reading and setting -------------------------------------------------------------------------

    def code(self) -> str | None:
        """The deepest chosen region code, or None."""
        if self._kept_code is not None:
            return self._kept_code
        chosen = None
        for combo in self.combos:
            data = combo.currentData() if combo.currentIndex() >= 0 else None
            if not data:
                break
            chosen = data
        return chosen

    def set_code(self, code: str | None, *, keep_unknown: bool = True) -> None:
        """Select `code` and its ancestors. A code (or part of it) missing from the list is kept as the
        value when `keep_unknown`, else the deepest known ancestor is chosen."""
        self._kept_code = None
        self.kept_label.hide()
        try:
            chain = lineage(code) if code else []
        except ValueError:
            chain = []
        self._fill(0, None)
        for level, part in enumerate(chain):
            combo = self.combos[level]
            index = combo.findData(part)
            if index < 0:
                if keep_unknown and code:
                    self._keep(code)
                break
            with QSignalBlocker(combo):
                combo.setCurrentIndex(index)
            _show_start(combo)
            if level + 1 < len(self.combos):
                self._fill(level + 1, part)
        if code and not chain and keep_unknown:
            self._keep(code)
        self._announce()

    def reload(self) -> None:
        """Re-read the region list (after an import) keeping the chosen region."""
        current = self.code()
        counts = wilayah.counts(self._db)
        only_provinces = counts.get(2, 0) == 0
        for level in (1, 2, 3):
            self._form.setRowVisible(level, not only_provinces)
        self.hint_label.setVisible(only_provinces)
        with QSignalBlocker(self):
            self.set_code(current)
        self._announced = self.code()

    def label_width(self) -> int:
        """The width the level labels want (a form aligns its own labels with them)."""
        return max(self._label(level).sizeHint().width() for level in range(len(self.combos)))

    def set_label_width(self, width: int, top: int = 0) -> None:
        """Give the level labels one width (and a top margin), to line up with the form around."""
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for level in range(len(self.combos)):
            label = self._label(level)
            label.setFixedWidth(width)
            label.setWordWrap(True)
            label.setContentsMargins(0, top, 0, 0)

    def _label(self, level: int) -> QLabel:
        label = self._form.labelForField(self.combos[level])
        assert isinstance(label, QLabel)
        return label

    @property
    def only_provinces(self) -> bool:
        return self.hint_label.isVisibleTo(self)

    # --- reacting ------------------------------------------------------------------------------------

    def _fill(self, level: int, parent_code: str | None) -> None:
        """Load the regions under `parent_code` into the combo of `level`; clear the levels below."""
        for depth in range(level, len(self.combos)):
            combo = self.combos[depth]
            with QSignalBlocker(combo):
                combo.clear()
                if depth == level and (level == 0 or parent_code):
                    for region in wilayah.children(self._db, parent_code):
                        combo.addItem(region.name, region.code)
                        combo.setItemData(combo.count() - 1, region.code, Qt.ItemDataRole.ToolTipRole)
                combo.setCurrentIndex(-1)
            widest = max((combo.fontMetrics().horizontalAdvance(combo.itemText(i)) for i in range(combo.count())),
                         default=0)
            combo.view().setMinimumWidth(widest + 40)  # the list shows whole names even when the box is narrow
            combo.setEnabled(combo.count() > 0)

    def _chosen(self, combo: QComboBox) -> None:
        """The user picked an item (arrow keys, popup, completer): load the next level."""
        self._kept_code = None
        self.kept_label.hide()
        level = self.combos.index(combo)
        data = combo.currentData() if combo.currentIndex() >= 0 else None
        if level + 1 < len(self.combos):
            self._fill(level + 1, data)
        if not combo.hasFocus():
            _show_start(combo)
        self._announce()

    @Slot()
    def _typed(self, combo: QComboBox) -> None:
        """Leaving a combo: take the item the text names (or the only one containing it); else restore."""
        text = " ".join(combo.currentText().split())
        if not text:
            if combo.currentIndex() >= 0:
                combo.setCurrentIndex(-1)
            return
        folded = text.casefold()
        names = [combo.itemText(i).casefold() for i in range(combo.count())]
        exact = [i for i, name in enumerate(names) if name == folded]
        partial = [i for i, name in enumerate(names) if folded in name]
        match = exact[0] if exact else partial[0] if len(partial) == 1 else -1
        if match >= 0:
            if match != combo.currentIndex():
                combo.setCurrentIndex(match)
            else:
                combo.setEditText(combo.itemText(match))
        else:
            combo.setEditText(combo.itemText(combo.currentIndex()) if combo.currentIndex() >= 0 else "")
        _show_start(combo)

    def _confirmed(self, combo: QComboBox) -> None:
        self._typed(combo)
        level = self.combos.index(combo)
        if combo.currentIndex() >= 0 and level + 1 < len(self.combos) and self.combos[level + 1].isEnabled() \
                and self.combos[level + 1].isVisibleTo(self):
            self.combos[level + 1].setFocus(Qt.FocusReason.TabFocusReason)

    def _keep(self, code: str) -> None:
        self._kept_code = code
        self.kept_label.setText(tr("Kode wilayah {code} tidak ada dalam daftar wilayah yang dimuat; kode ini "
                                   "tetap dipakai sampai Anda memilih wilayah lain.").format(code=code))
        self.kept_label.show()

    def _announce(self) -> None:
        code = self.code()
        if code != self._announced:
            self._announced = code
            self.code_changed.emit(code or "")


def _show_start(combo: QComboBox) -> None:
    """Long names ("Kabupaten Hulu Sungai Selatan") show their beginning, not their end."""
    combo.lineEdit().setCursorPosition(0)
