"""Building blocks shared by the views: styled labels, cards, icon cards, and marking a field invalid."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.icons import icon


def make_label(text: str = "", role: str | None = None, *, wrap: bool = False, selectable: bool = False,
               parent: QWidget | None = None) -> QLabel:
    """A QLabel with a style role (title, subtitle, strong, muted, error, figure, empty) from ui/style.py."""
    label = QLabel(text, parent)
    if role:
        label.setProperty("role", role)
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def make_card(parent: QWidget | None = None, *, margins: int = 16, spacing: int = 6) -> tuple[QFrame, QVBoxLayout]:
    """A white rounded panel and its vertical layout."""
    frame = QFrame(parent)
    frame.setProperty("role", "card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(margins, margins, margins, margins)
    layout.setSpacing(spacing)
    return frame, layout


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Mark a field with the red border of the style sheet (re-polished so the change shows)."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class IconCard(QFrame):
    """A card with an optional icon, a heading line, a detail line and an optional button on the right.

    Beranda's office card, Pengaturan's office card and the "not built yet" screens share this shape.
    """

    def __init__(self, *, icon_name: str | None = None, icon_size: int = 32, title_role: str = "subtitle",
                 button_text: str | None = None, button_align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignVCenter,
                 margins: int = 16, line_spacing: int = 4, heading: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(margins, margins, margins, margins)
        layout.setSpacing(6)
        if heading:
            layout.addWidget(make_label(heading, "subtitle"))
        row = QHBoxLayout()
        row.setSpacing(14)
        if icon_name:
            badge = QLabel()
            badge.setPixmap(icon(icon_name).pixmap(QSize(icon_size, icon_size)))
            row.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        lines = QVBoxLayout()
        lines.setSpacing(line_spacing)
        self.title_label = make_label("", title_role, wrap=True)
        self.detail_label = make_label("", "muted", wrap=True, selectable=True)
        lines.addWidget(self.title_label)
        lines.addWidget(self.detail_label)
        row.addLayout(lines, 1)
        self.button: QPushButton | None = None
        if button_text:
            self.button = QPushButton(button_text)
            row.addWidget(self.button, 0, button_align)
        layout.addLayout(row)
