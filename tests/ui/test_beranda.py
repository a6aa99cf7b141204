"""Beranda shows the office (or the set-up prompt) and the real figures from the database."""

from __future__ import annotations

from ui.change_bus import ChangeBus
from ui.views.beranda import BerandaView


def _view(qtbot, ctx):
    view = BerandaView(ctx, ChangeBus())
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: not view.busy)
    return view


def test_without_office_it_prompts_for_set_up(qtbot, ctx):
    view = _view(qtbot, ctx)
    assert view.office_name.text() == "Identitas kantor belum diatur"
    assert not view.setup_button.isHidden()


def test_shows_office_identity(qtbot, ctx, office):
    view = _view(qtbot, ctx)
    assert view.office_name.text() == "Dinas Sosial Kabupaten Hulu Sungai Selatan"
    assert "kode DSHSS" in view.office_details.text()
    assert "Kandangan" in view.office_details.text()
    assert view.setup_button.isHidden()


def test_figures_are_the_real_counts(qtbot, ctx, office, add_clients):
    add_clients("Budi Santoso", "Ahmad Fauzi", "Rudi Hartono")
    view = _view(qtbot, ctx)
    figures = {key: label.text() for key, label in view.figure_labels.items()}
    assert figures == {"clients": "3", "households": "0", "workers": "1", "open_cases": "0"}
    stages = [view.stage_table.item(row, 0).text() for row in range(view.stage_table.rowCount())]
    assert stages[0] == "Pendekatan Awal" and len(stages) == 8
    assert {view.stage_table.item(row, 1).text() for row in range(view.stage_table.rowCount())} == {"0"}


def test_figures_refresh_when_clients_change(qtbot, ctx, add_clients):
    bus = ChangeBus()
    view = BerandaView(ctx, bus)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.figure_labels["clients"].text() == "0")
    add_clients("Budi Santoso")
    bus.clients_changed.emit()
    qtbot.waitUntil(lambda: view.figure_labels["clients"].text() == "1")


def test_large_numbers_use_indonesian_grouping(qtbot, ctx, monkeypatch):
    from atensi_desktop.services.stats import Overview

    monkeypatch.setattr("ui.views.beranda.overview",
                        lambda _db: Overview(clients=1234567, households=0, workers=0, open_cases=0,
                                             cases_by_stage=()))
    view = _view(qtbot, ctx)
    assert view.figure_labels["clients"].text() == "1.234.567"
