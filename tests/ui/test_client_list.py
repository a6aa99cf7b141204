"""The client list: an ids-only model with paged rows, search as you type, and sorting done in SQL."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from atensi_desktop.services.clients import ClientQuery, update_client
from ui import tasks
from ui.change_bus import ChangeBus
from ui.models import client_list
from ui.models.client_list import ID_ROLE, ClientListModel
from ui.views.klien import KlienView

NAMES = ("Budi Santoso", "Siti Aminah", "Ahmad Fauzi", "Rina Marlina", "Dewi Lestari")


def _names(model) -> list[str]:
    return [model.index(row, 1).data() for row in range(model.rowCount())]


def _load(qtbot, model, query: ClientQuery | None = None):
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_query(query or ClientQuery())


@pytest.fixture
def view(qtbot, ctx):
    klien = KlienView(ctx, ChangeBus())
    qtbot.addWidget(klien)
    klien.setMinimumSize(800, 500)  # explicit, like MainWindow: offscreen Qt warns when a shown window's minimum changes
    klien.resize(1100, 600)
    klien.show()
    qtbot.waitUntil(lambda: not klien.busy)
    return klien


def test_model_passes_the_model_tester(qtbot, qtmodeltester, ctx, add_clients):
    add_clients(*NAMES)
    model = ClientListModel(ctx.db)
    _load(qtbot, model)
    qtmodeltester.check(model)
    assert model.rowCount() == 5
    assert model.columnCount() == 8


def test_rows_show_the_columns_in_indonesian_formats(qtbot, ctx, add_clients):
    (budi,) = add_clients("Budi Santoso")
    update_client(ctx.db, budi.id, {"birth_date": dt.date(1990, 9, 5), "cluster": "lanjut_usia"})
    model = ClientListModel(ctx.db)
    _load(qtbot, model)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["ID", "Nama", "NIK", "L/P", "Tgl lahir", "Umur", "Desa/Kelurahan", "Klaster"]
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert row[0] == budi.display_id
    assert row[1:5] == ["Budi Santoso", "", "L", "05-09-1990"]
    assert row[5].isdigit()
    assert row[7] == "Lanjut Usia"
    assert model.index(0, 0).data(ID_ROLE) == budi.id


def test_rows_are_fetched_by_page_with_a_bounded_cache(qtbot, ctx, add_clients, monkeypatch):
    add_clients(*NAMES)
    calls: list[int] = []
    real = client_list.client_rows

    def counting(db, ids, **kw):
        calls.append(len(ids))
        return real(db, ids, **kw)

    monkeypatch.setattr(client_list, "client_rows", counting)
    model = ClientListModel(ctx.db, page_size=2, cached_pages=2)
    _load(qtbot, model)
    assert calls == [2]  # the first page comes with the ids
    assert model.index(0, 1).data() == "Ahmad Fauzi"
    assert calls == [2]
    assert model.index(4, 1).data() == "Siti Aminah"  # page 2: fetched
    assert model.index(2, 1).data() == "Dewi Lestari"  # page 1: fetched, page 0 evicted
    assert calls == [2, 1, 2]
    assert model.index(0, 1).data() == "Ahmad Fauzi"
    assert calls == [2, 1, 2, 2]


def test_count_and_rows(view, qtbot, ctx, add_clients):
    assert view.count_label.text() == "0 klien"
    assert view.pages.currentWidget() is view.empty_label
    assert view.empty_label.text().startswith("Belum ada klien.")
    add_clients(*NAMES)
    view.bus.clients_changed.emit()
    qtbot.waitUntil(lambda: view.count_label.text() == "5 klien")
    assert view.pages.currentWidget() is view.table
    assert _names(view.model) == sorted(NAMES)


def test_count_uses_indonesian_thousands(view):
    view._show_loaded(1000)
    assert view.count_label.text() == "1.000 klien"


def test_search_as_you_type(view, qtbot, add_clients):
    add_clients(*NAMES)
    view.model.refresh()
    qtbot.waitUntil(lambda: view.model.rowCount() == 5)
    qtbot.keyClicks(view.search_edit, "siti")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3000)
    assert _names(view.model) == ["Siti Aminah"]
    assert view.count_label.text() == "1 klien cocok"
    qtbot.keyClicks(view.search_edit, "xyz")
    qtbot.waitUntil(lambda: view.pages.currentWidget() is view.empty_label, timeout=3000)
    assert "sitixyz" in view.empty_label.text()
    view.search_edit.clear()
    qtbot.waitUntil(lambda: view.model.rowCount() == 5, timeout=3000)


def test_search_is_debounced(view, qtbot, add_clients, monkeypatch):
    add_clients(*NAMES)
    queries: list[str] = []
    real = view.model.set_query
    monkeypatch.setattr(view.model, "set_query", lambda q: (queries.append(q.text), real(q)))
    qtbot.keyClicks(view.search_edit, "ahmad")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3000)
    assert queries == ["ahmad"]


def test_search_by_display_id(view, qtbot, add_clients):
    clients = add_clients(*NAMES)
    qtbot.keyClicks(view.search_edit, clients[3].display_id)
    qtbot.keyClick(view.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _names(view.model) == ["Rina Marlina"], timeout=3000)


def test_header_click_sorts_in_sql(view, qtbot, ctx, add_clients, monkeypatch):
    add_clients(*NAMES)
    view.model.refresh()
    qtbot.waitUntil(lambda: view.model.rowCount() == 5)
    header = view.table.horizontalHeader()
    with qtbot.waitSignal(view.model.loaded):
        header.sectionClicked.emit(1)  # Nama again: descending
    assert _names(view.model) == sorted(NAMES, reverse=True)
    assert view.model.query.order_by == "name" and view.model.query.descending
    with qtbot.waitSignal(view.model.loaded):
        header.sectionClicked.emit(0)  # ID: ascending
    assert view.model.query.order_by == "display_id" and not view.model.query.descending
    ids = [view.model.index(r, 0).data() for r in range(5)]
    assert ids == sorted(ids)
    assert header.sortIndicatorSection() == 0


def test_age_sorts_by_birth_date_reversed(view, qtbot, ctx, add_clients):
    young, old = add_clients("Anak Muda", "Kakek Tua")
    update_client(ctx.db, young.id, {"birth_date": dt.date(2015, 1, 1)})
    update_client(ctx.db, old.id, {"birth_date": dt.date(1940, 1, 1)})
    with qtbot.waitSignal(view.model.loaded):
        view.sort_by(5, Qt.SortOrder.AscendingOrder)
    assert view.model.query.order_by == "birth_date" and view.model.query.descending
    assert _names(view.model) == ["Anak Muda", "Kakek Tua"]


def test_unsortable_column_keeps_the_current_order(view, qtbot):
    header = view.table.horizontalHeader()
    header.sectionClicked.emit(2)  # NIK: not sortable
    assert header.sortIndicatorSection() == 1
    assert view.model.query.order_by == "name"
    assert not view.model.loading


def test_newer_query_wins_over_an_older_one(qtbot, qapp, ctx, add_clients):
    add_clients(*NAMES)
    model = ClientListModel(ctx.db)
    model.set_query(ClientQuery(text="budi"))
    with qtbot.waitSignal(model.loaded, timeout=5000) as blocker:
        model.set_query(ClientQuery(text="siti"))
    assert blocker.args == [1]
    tasks.wait_for_all()
    qapp.processEvents()  # a late answer to the first query, had it been accepted, would land now
    assert _names(model) == ["Siti Aminah"]
