"""Loads the application's SVG icons from resources/icons."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from atensi_desktop.resources import resource_path


def icon(name: str) -> QIcon:
    """The icon resources/icons/<name>.svg (an empty icon when the file is missing)."""
    try:
        return QIcon(str(resource_path("icons", f"{name}.svg")))
    except FileNotFoundError:
        return QIcon()
