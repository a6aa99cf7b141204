"""An honest stand-in for screens not built yet: says so, and what the screen will do."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from atensi_desktop.app_context import AppContext
from ui.change_bus import ChangeBus
from ui.i18n import tr
from ui.views.base import View
from ui.widgets.common import IconCard


class PlaceholderView(View):
    """'Layar X belum tersedia di versi ini.' plus one line on what the screen will do."""

    def __init__(self, ctx: AppContext, bus: ChangeBus, *, name: str, title: str, purpose: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, bus, title, parent)
        self.name = name
        card = IconCard(icon_name="info", icon_size=28, margins=20, line_spacing=6)
        self.message_label, self.purpose_label = card.title_label, card.detail_label
        self.message_label.setText(tr("Layar {title} belum tersedia di versi ini.").format(title=title))
        self.purpose_label.setText(purpose)
        self.body.addWidget(card)
        self.body.addStretch(1)
