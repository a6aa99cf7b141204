"""Beranda shows the office (or the set-up prompt) and the real figures from the database."""

from __future__ import annotations

from PySide6.QtCore import Qt

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


# --- "Hari ini" and services per month ----------------------------------------------------------------------

def _due_tasks(ctx, add_clients):
    import datetime as dt

    from atensi_desktop.services import tasks

    today = dt.date.today()
    budi, siti, rudi = add_clients("Budi Santoso", "Siti Aminah", "Rudi Hartono")
    tasks.add_task(ctx.db, budi.id, {"title": "Kunjungan rumah", "due_on": today - dt.timedelta(days=3)})
    tasks.add_task(ctx.db, siti.id, {"title": "Antar berkas ke Dukcapil", "due_on": today})
    tasks.add_task(ctx.db, rudi.id, {"title": "Telepon keluarga", "due_on": today + dt.timedelta(days=2)})
    done = tasks.add_task(ctx.db, rudi.id, {"title": "Sudah dikerjakan", "due_on": today - dt.timedelta(days=1)})
    tasks.complete_task(ctx.db, done.id)
    return budi, siti


def test_hari_ini_lists_the_tasks_overdue_and_due_today(qtbot, ctx, office, add_clients):
    _due_tasks(ctx, add_clients)
    view = _view(qtbot, ctx)
    texts = [view.today_list.item(row).text() for row in range(view.today_list.count())]
    assert [t.split("\n")[0] for t in texts] == ["Kunjungan rumah", "Antar berkas ke Dukcapil"]
    assert "Terlambat 3 hari" in texts[0] and "Budi Santoso" in texts[0]
    assert "Hari ini" in texts[1] and "Siti Aminah" in texts[1]
    assert view.today_counts.text() == "1 terlambat · 1 hari ini"
    assert view.today_pages.currentWidget() is view.today_list


def test_a_task_opens_its_client_by_click_or_enter(qtbot, ctx, office, add_clients):
    from ui.dialogs.client_form import ClientFormDialog

    budi, siti = _due_tasks(ctx, add_clients)
    view = _view(qtbot, ctx)
    first = view.today_list.item(0)
    qtbot.mouseClick(view.today_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.today_list.visualItemRect(first).center())
    form = view.client_form
    assert isinstance(form, ClientFormDialog) and form.client_id == budi.id
    form.reject()
    qtbot.waitUntil(lambda: view.client_form is None)
    view.today_list.setCurrentRow(1)
    view.today_list.setFocus()
    qtbot.keyClick(view.today_list, Qt.Key.Key_Return)
    assert view.client_form is not None and view.client_form.client_id == siti.id
    view.client_form.reject()


def test_hari_ini_without_tasks_says_so(qtbot, ctx, office):
    view = _view(qtbot, ctx)
    assert view.today_pages.currentWidget() is view.today_empty
    assert view.today_counts.text() == "0 terlambat · 0 hari ini"


def test_services_per_month_chart_counts_this_months_entries(qtbot, ctx, office, add_clients):
    import datetime as dt

    from atensi_desktop.services import service_log as log

    (budi,) = add_clients("Budi Santoso")
    today = dt.date.today()
    for kind, code, value in (("spm", "sandang", 200_000), ("atensi", "terapi", None)):
        log.add_entry(ctx.db, {"client_id": budi.id, "service_kind": kind, "service_code": code,
                               "date_from": today, "value_rp": value})
    view = _view(qtbot, ctx)
    chart = view.chart
    assert len(chart.months) == 12 and chart.selected == 11
    this_month = chart.months[-1]
    assert (this_month.entries, this_month.value_rp) == (2, 200_000)
    assert dict(this_month.by_kind) == {"spm": 1, "atensi": 1}
    assert "2 layanan" in view.chart_caption.text() and "Rp 200.000" in view.chart_caption.text()
    chart.setFocus()
    qtbot.keyClick(chart, Qt.Key.Key_Left)  # the keyboard reads the bars too
    assert chart.selected == 10 and "0 layanan" in view.chart_caption.text()
    assert "2 layanan" in chart.accessibleDescription()


def test_chart_refreshes_when_services_change(qtbot, ctx, office, add_clients):
    import datetime as dt

    from atensi_desktop.services import service_log as log

    (budi,) = add_clients("Budi Santoso")
    bus = ChangeBus()
    view = BerandaView(ctx, bus)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: not view.busy)
    assert view.chart.months[-1].entries == 0
    assert "Belum ada layanan" in view.chart_caption.text()
    log.add_entry(ctx.db, {"client_id": budi.id, "service_kind": "spm", "service_code": "sandang",
                           "date_from": dt.date.today()})
    bus.services_changed.emit()
    qtbot.waitUntil(lambda: view.chart.months[-1].entries == 1)
