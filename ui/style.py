"""The application's look: Fusion style, a calm light palette, a readable font and one style sheet."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

# First installed family wins; all of these cover the Latin letters Bahasa Indonesia needs.
FONT_FAMILIES = ("Noto Sans", "Segoe UI", "Ubuntu", "Cantarell", "Open Sans", "DejaVu Sans", "Liberation Sans",
                 "Arial")
FONT_POINT_SIZE = 10

ACCENT = "#1f5f8b"
INK = "#1d2b36"
MUTED = "#5b6b7a"
LINE = "#dde3ea"
ERROR = "#b3261e"

STYLE_SHEET = f"""
QMainWindow, QDialog {{ background: #f4f6f9; }}
QListWidget#navigation {{
    background: #ffffff; border: none; border-right: 1px solid {LINE}; outline: 0; padding: 4px 0;
}}
QListWidget#navigation::item {{
    padding: 9px 14px; margin: 1px 8px; border-radius: 6px; color: {INK};
}}
QListWidget#navigation::item:hover {{ background: #eef3f8; }}
QListWidget#navigation::item:selected {{ background: #dce8f4; color: {ACCENT}; }}
QFrame#brand {{ background: #ffffff; border: none; border-right: 1px solid {LINE}; }}
QLabel#brandName {{ font-size: 11pt; font-weight: bold; color: {ACCENT}; }}
QLabel[role="title"] {{ font-size: 16pt; font-weight: bold; color: {INK}; }}
QLabel[role="subtitle"] {{ font-size: 11pt; font-weight: bold; color: {INK}; }}
QLabel[role="strong"] {{ font-weight: bold; }}
QLabel[role="muted"] {{ color: {MUTED}; }}
QLabel[role="error"] {{ color: {ERROR}; }}
QLabel[role="figure"] {{ font-size: 22pt; font-weight: bold; color: {ACCENT}; }}
QLabel[role="empty"] {{ font-size: 11pt; color: {MUTED}; }}
QFrame[role="card"] {{ background: #ffffff; border: 1px solid {LINE}; border-radius: 8px; }}
QFrame[role="card"] QLabel {{ background: transparent; border: none; }}
QTableView, QTableWidget {{
    background: #ffffff; alternate-background-color: #f7f9fb; border: 1px solid {LINE}; border-radius: 6px;
    gridline-color: #edf0f3; selection-background-color: #cfe0f1; selection-color: {INK};
}}
QTableView::item {{ padding: 0 6px; }}
QHeaderView::section {{
    background: #f1f4f7; color: {INK}; font-weight: bold; border: none; border-bottom: 1px solid {LINE};
    padding: 6px 8px;
}}
QLineEdit, QComboBox {{ min-height: 24px; }}
QLineEdit[invalid="true"], QComboBox[invalid="true"] {{ border: 1px solid {ERROR}; border-radius: 3px; }}
QStatusBar {{ background: #ffffff; border-top: 1px solid {LINE}; }}
QStatusBar::item {{ border: none; }}
QStatusBar QLabel {{ color: {MUTED}; padding: 3px 10px; }}
QPushButton {{ padding: 5px 14px; }}
"""


def pick_font_family(preferred: tuple[str, ...] = FONT_FAMILIES) -> str:
    """The first preferred family that is installed (asking for a missing family makes Qt warn)."""
    installed = set(QFontDatabase.families())
    for family in preferred:
        if family in installed:
            return family
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont).family()


def load_bundled_fonts() -> None:
    """Register fonts shipped in resources/fonts, when there are any."""
    from atensi_desktop.resources import resource_path

    try:
        folder = resource_path("fonts")
    except FileNotFoundError:
        return
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in (".ttf", ".otf"):
            QFontDatabase.addApplicationFont(str(path))


def light_palette() -> QPalette:
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#f4f6f9",
        QPalette.ColorRole.WindowText: INK,
        QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#f7f9fb",
        QPalette.ColorRole.Text: INK,
        QPalette.ColorRole.Button: "#f7f9fb",
        QPalette.ColorRole.ButtonText: INK,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: "#2a6fa8",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#ffffff",
        QPalette.ColorRole.ToolTipText: INK,
        QPalette.ColorRole.PlaceholderText: "#8a96a3",
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.Light: "#ffffff",
        QPalette.ColorRole.Midlight: "#eef1f4",
        QPalette.ColorRole.Mid: "#c9d1da",
        QPalette.ColorRole.Dark: "#9aa6b2",
        QPalette.ColorRole.Shadow: "#6b7785",
    }
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#9aa6b2"))
    return palette


def apply_style(app: QApplication) -> None:
    """Fusion, the light palette, the default font and the style sheet, for the whole application."""
    load_bundled_fonts()
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    app.setPalette(light_palette())
    app.setFont(QFont([pick_font_family()], FONT_POINT_SIZE))
    app.setStyleSheet(STYLE_SHEET)
