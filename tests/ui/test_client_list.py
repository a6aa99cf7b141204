"""The client list: a count and paged rows (no id list), search as you type, and sorting done in SQL."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from PySide6.QtCore import Qt

from atensi_desktop.services import clients as svc
from atensi_desktop.services.clients import ClientQuery, archive_client, update_client
from ui import tasks
from ui.change_bus import ChangeBus
from ui.models import client_list
from ui.models.client_list import ARCHIVED_ROLE, ID_ROLE, ClientListModel
from ui.views.klien import KlienView

NAMES = ("Budi Santoso", "Siti Aminah", "Ahmad Fauzi", "Rina Marlina", "Dewi Lestari")
SORTED = sorted(NAMES)


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


@pytest.fixture
def page_calls(monkeypatch):
    """Every client_page call the model makes: (offset, limit, total)."""
    calls: list[tuple[int, int, int | None]] = []
    real = client_list.client_page

    def counting(db, query, offset, limit, **kw):
        calls.append((offset, limit, kw.get("total")))
        return real(db, query, offset, limit, **kw)

    monkeypatch.setattr(client_list, "client_page", counting)
    return calls


def test_the_model_never_loads_the_id_list(qtbot, ctx, add_clients, monkeypatch):
    add_clients(*NAMES)

    def refused(*_args, **_kwargs):
        raise AssertionError("the list must not load every id")

    monkeypatch.setattr(svc, "client_ids", refused)
    model = ClientListModel(ctx.db)
    _load(qtbot, model)
    assert not hasattr(client_list, "client_ids")
    assert model.rowCount() == 5 and model.total == 5
    assert _names(model) == SORTED


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
    assert model.client_id(0) == budi.id
    assert model.index(0, 1).data(ARCHIVED_ROLE) is False


def test_rows_are_fetched_by_page_with_a_bounded_cache(qtbot, ctx, add_clients, page_calls):
    add_clients(*NAMES)
    model = ClientListModel(ctx.db, page_size=2, cached_pages=2)
    _load(qtbot, model)
    assert page_calls == [(0, 2, None)]  # the first page comes with the load, before the count is known
    assert model.index(0, 1).data() == "Ahmad Fauzi"
    assert len(page_calls) == 1
    assert model.index(4, 1).data() == "Siti Aminah"  # page 2: read with the count, from the end
    assert model.index(2, 1).data() == "Dewi Lestari"  # page 1: read, page 0 evicted
    assert page_calls[1:] == [(4, 2, 5), (2, 2, 5)]
    assert model.index(0, 1).data() == "Ahmad Fauzi"
    assert page_calls[3:] == [(0, 2, 5)]
    assert _names(model) == SORTED


def test_first_page_is_shown_before_the_count_arrives(qtbot, ctx, add_clients, monkeypatch):
    add_clients(*NAMES)
    release = threading.Event()
    real = client_list.count_clients

    def slow_count(db, query, **kw):
        release.wait(10)
        return real(db, query, **kw)

    monkeypatch.setattr(client_list, "count_clients", slow_count)
    model = ClientListModel(ctx.db, page_size=2)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    with qtbot.waitSignal(model.rows_shown, timeout=5000) as shown:
        model.set_query(ClientQuery())
    assert shown.args == [2]
    assert model.counting and model.total is None
    assert _names(model) == SORTED[:2]
    with qtbot.waitSignal(model.loaded, timeout=5000) as loaded:
        release.set()
    assert loaded.args == [5]
    assert inserted == [(2, 4)]
    assert not model.counting and model.total == 5
    assert _names(model) == SORTED


def test_a_count_that_arrives_first_waits_for_the_first_page(qtbot, ctx, add_clients, monkeypatch):
    add_clients(*NAMES)
    release = threading.Event()
    real = client_list.client_page

    def slow_page(db, query, offset, limit, **kw):
        if offset == 0 and kw.get("total") is None:
            release.wait(10)
        return real(db, query, offset, limit, **kw)

    monkeypatch.setattr(client_list, "client_page", slow_page)
    model = ClientListModel(ctx.db, page_size=2)
    model.set_query(ClientQuery())
    qtbot.waitUntil(lambda: model._count == 5)  # the count is in; nothing is shown yet
    assert model.rowCount() == 0 and model.loading
    with qtbot.waitSignal(model.loaded, timeout=5000):
        release.set()
    assert model.rowCount() == 5 and _names(model) == SORTED


def test_a_deep_page_is_read_in_the_background(qtbot, ctx, add_clients, page_calls):
    add_clients(*NAMES)
    model = ClientListModel(ctx.db, page_size=1, sync_rows=0)
    _load(qtbot, model)
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom, _roles: changed.append((top.row(), bottom.row())))
    assert model.index(4, 1).data() == "Siti Aminah"  # the last page: nothing to skip, read at once
    assert model.index(2, 1).data() == "Memuat…"  # two rows to skip from either end: in the background
    assert model.index(2, 0).data(ID_ROLE) is None
    with qtbot.waitSignal(model.page_loaded, timeout=5000) as loaded:
        pass
    assert loaded.args == [2] and changed == [(2, 2)]
    assert model.index(2, 1).data() == "Dewi Lestari"
    assert page_calls[-1] == (2, 1, 5)


def test_the_measured_cost_of_this_list_decides_where_a_page_is_read(qtbot, ctx, add_clients, monkeypatch):
    add_clients(*(f"Klien Nomor {i:02d}" for i in range(12)))
    model = ClientListModel(ctx.db, page_size=1, sync_rows=1)
    _load(qtbot, model)
    assert model.index(1, 1).data() == "Klien Nomor 01"  # next to an end: read at once
    assert model.index(3, 1).data() == "Memuat…"  # three rows to skip, cost unknown: in the background
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        pass
    assert model.index(4, 1).data() == "Klien Nomor 04"  # the read was cheap: a farther page is read at once
    real = client_list.client_page

    def slow(*args, **kwargs):
        time.sleep(0.06)
        return real(*args, **kwargs)

    monkeypatch.setattr(client_list, "client_page", slow)
    assert model.client_row(5).name == "Klien Nomor 05"  # asked for explicitly: read now, and measured
    assert model.index(6, 1).data() == "Memuat…"  # this list's rows now cost too much to skip on the GUI thread
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        pass
    assert model.index(6, 1).data() == "Klien Nomor 06"


def test_only_the_newest_background_requests_are_kept(qtbot, ctx, add_clients, monkeypatch):
    add_clients(*(f"Klien Nomor {i:02d}" for i in range(12)))
    gate = threading.Event()
    read: list[int] = []
    real = client_list.client_page

    def gated(db, query, offset, limit, **kw):
        if kw.get("total") is not None:
            gate.wait(10)
            read.append(offset)
        return real(db, query, offset, limit, **kw)

    monkeypatch.setattr(client_list, "client_page", gated)
    model = ClientListModel(ctx.db, page_size=1, sync_rows=0)
    _load(qtbot, model)
    for row in range(1, 11):  # as when the scroll bar is dragged through the list
        model.index(row, 1).data()
    gate.set()
    qtbot.waitUntil(lambda: model._fetch_task is None and not model._wanted, timeout=5000)
    tasks.wait_for_all()
    # the first request was already running; of the rest only the newest QUEUED_PAGES, newest first
    assert read == [1, 10, 9, 8, 7]
    assert model.index(10, 1).data() == "Klien Nomor 10"


def test_archived_rows_are_greyed_and_marked(qtbot, ctx, add_clients):
    budi, _siti = add_clients("Budi Santoso", "Siti Aminah")
    archive_client(ctx.db, budi.id)
    model = ClientListModel(ctx.db)
    _load(qtbot, model)
    assert _names(model) == ["Siti Aminah"]
    _load(qtbot, model, ClientQuery(include_archived=True))
    assert _names(model) == ["Budi Santoso (diarsipkan)", "Siti Aminah"]
    assert model.index(0, 1).data(ARCHIVED_ROLE) is True
    assert model.index(0, 2).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(0, 2).data(Qt.ItemDataRole.FontRole).italic()
    assert model.index(1, 2).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.client_row(0).archived and model.client_id(0) == budi.id


def test_count_and_rows(view, qtbot, ctx, add_clients):
    assert view.count_label.text() == "0 klien"
    assert view.pages.currentWidget() is view.empty_label
    assert view.empty_label.text().startswith("Belum ada klien.")
    add_clients(*NAMES)
    view.bus.clients_changed.emit()
    qtbot.waitUntil(lambda: view.count_label.text() == "5 klien")
    assert view.pages.currentWidget() is view.table
    assert _names(view.model) == SORTED


def test_count_uses_indonesian_thousands(view):
    view._show_loaded(1000)
    assert view.count_label.text() == "1.000 klien"


def test_control_end_jumps_to_the_last_row(view, qtbot, add_clients, page_calls):
    add_clients(*(f"Klien Nomor {i:02d}" for i in range(60)))
    view.model._page_size = 5
    with qtbot.waitSignal(view.model.loaded):
        view.model.refresh()
    qtbot.wait(50)  # painted: the visible pages are read
    assert max(offset for offset, _l, _t in page_calls) < 30
    view.table.setFocus()
    page_calls.clear()
    qtbot.keyClick(view.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert view.table.currentIndex().row() == 59
    assert view.table.currentIndex().siblingAtColumn(1).data() == "Klien Nomor 59"
    qtbot.wait(50)
    # the last page read with the count (backwards from the end), and nothing between the two ends
    assert (55, 5, 60) in page_calls
    assert all(offset >= 30 for offset, _l, _t in page_calls)


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
