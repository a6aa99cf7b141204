"""Pengaturan: the language choice is saved to the settings file and takes effect after a restart."""

from __future__ import annotations

from atensi_desktop.settings import load_settings
from ui.change_bus import ChangeBus
from ui.views.pengaturan import PengaturanView


def test_language_choice_is_saved(qtbot, ctx):
    view = PengaturanView(ctx, ChangeBus())
    qtbot.addWidget(view)
    assert view.language_combo.currentData() == "id"
    view.language_combo.setCurrentIndex(view.language_combo.findData("en"))
    assert load_settings(ctx.paths.settings_file).language == "en"
    assert "dibuka ulang" in view.language_note.text()


def test_shows_database_and_office(qtbot, ctx, office):
    bus = ChangeBus()
    view = PengaturanView(ctx, bus)
    qtbot.addWidget(view)
    assert view.database_label.text() == ctx.db_label
    assert view.office_name.text() == office.name
    assert view.edit_office_button.text() == "Ubah identitas kantor…"
