"""What every screen behind the navigation has in common: context, change bus, header, busy state."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from atensi_desktop.app_context import AppContext
from ui.change_bus import ChangeBus
from ui.widgets.common import make_label

MARGIN = 24


class View(QWidget):
    """A screen. Subclasses fill `self.body` (a QVBoxLayout under the title)."""

    name = ""

    def __init__(self, ctx: AppContext, bus: ChangeBus, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bus = bus
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, MARGIN - 4, MARGIN, MARGIN - 8)
        outer.setSpacing(14)
        self.header = QHBoxLayout()
        self.title_label: QLabel = make_label(title, "title")
        self.title_label.setObjectName("viewTitle")
        self.header.addWidget(self.title_label)
        self.header.addStretch(1)
        outer.addLayout(self.header)
        self.body = QVBoxLayout()
        self.body.setSpacing(14)
        outer.addLayout(self.body, 1)

    @property
    def busy(self) -> bool:
        """True while the view is still loading what it shows (screenshots wait for it)."""
        return False

    def activated(self) -> None:
        """Called each time the view is brought to the front."""

    def can_close(self) -> bool:
        """False when the view holds unsaved work the user chose to keep (asked before closing)."""
        return True
