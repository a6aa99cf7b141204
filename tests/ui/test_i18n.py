"""ui/i18n.py: the gettext catalog answers Qt; missing translations fall back to the source text."""

from __future__ import annotations

import gettext

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialogButtonBox

from ui import i18n
from ui.i18n import install_translator, tr


class _Catalog(gettext.NullTranslations):
    def gettext(self, message):
        return {"Cancel": "Batal", "Klien": "Clients"}.get(message, message)


@pytest.fixture
def translator(qapp, monkeypatch):
    monkeypatch.setattr(i18n, "catalog", lambda _language: _Catalog())
    installed = install_translator(qapp, "en")
    yield installed
    qapp.removeTranslator(installed)


def test_translated_strings_come_from_the_catalog(translator):
    assert tr("Klien") == "Clients"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Batal"


def test_untranslated_strings_fall_back_to_the_source(translator):
    assert translator.translate("atensi", "Beranda") is None
    assert tr("Beranda") == "Beranda"
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    assert box.button(QDialogButtonBox.StandardButton.Ok).text() == "OK"
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Batal"


def test_tr_without_translator_returns_the_text(qapp):
    assert tr("Kasus aktif") == "Kasus aktif"

