"""An honest stand-in for screens not built yet: says so, and what the screen will do."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from atensi_desktop.app_context import AppContext
from ui.change_bus import ChangeBus
from ui.i18n import tr
from ui.icons import icon
from ui.views.base import View
from ui.widgets.common import make_card, make_label


class PlaceholderView(View):
    """'Layar X belum tersedia di versi ini.' plus one line on what the screen will do."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, *, name: str, title: str, purpose: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, title, parent)
        self.name = name
        card, layout = make_card(margins=20)
        row = QHBoxLayout()
        row.setSpacing(14)
        badge = QLabel()
        badge.setPixmap(icon("info").pixmap(QSize(28, 28)))
        row.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        lines = QVBoxLayout()
        lines.setSpacing(6)
        self.message_label = make_label(tr("Layar {title} belum tersedia di versi ini.").format(title=title),
                                        "subtitle", wrap=True)
        self.purpose_label = make_label(purpose, "muted", wrap=True)
        lines.addWidget(self.message_label)
        lines.addWidget(self.purpose_label)
        row.addLayout(lines, 1)
        layout.addLayout(row)
        self.body.addWidget(card)
        self.body.addStretch(1)
