"""Building blocks shared by the views: styled labels, cards, and marking a field invalid."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


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
