"""Bridges the one gettext catalog into Qt: a QTranslator for Qt's own strings and `tr()` for ours."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

from atensi_desktop.i18n import catalog

CONTEXT = "atensi"


class GettextTranslator(QTranslator):
    """Answers Qt's translation requests from `atensi_desktop.i18n.catalog(language)`.

    Returns None (a null QString) when the catalog has no translation, so Qt falls back to the source text
    or asks the next translator. An empty string would be taken as a translation and blank the text.
    Lookups ignore the context: Qt's own strings are English, ours Bahasa Indonesia, so they cannot clash.
    """

    def __init__(self, language: str, parent=None) -> None:
        super().__init__(parent)
        self.language = language
        self._catalog = catalog(language)

    def translate(self, context, source_text, disambiguation=None, n=-1):
        if not source_text:
            return None
        text = self._catalog.gettext(source_text)
        return text if text and text != source_text else None


def install_translator(app: QCoreApplication, language: str) -> GettextTranslator:
    """Install the catalog of `language` for Qt's strings and ours; returns it for later removal."""
    translator = GettextTranslator(language, app)
    app.installTranslator(translator)
    return translator


def tr(text: str) -> str:
    """Translate a Bahasa Indonesia UI string through the installed translator."""
    return QCoreApplication.translate(CONTEXT, text)
