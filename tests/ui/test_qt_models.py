"""Every item model of the UI passes pytest-qt's model tester (Qt's QAbstractItemModelTester), with data in it."""

from __future__ import annotations

import datetime as dt
import threading

from PySide6.QtCore import Qt

from atensi_desktop.services.clients import ClientQuery, archive_client, create_client, update_client
from ui.change_bus import ChangeBus
from ui.dialogs.client_import import STEP_CHECK, STEP_MAPPING, ClientImportDialog
from ui.dialogs.duplicate_review import DuplicatePairModel, load_review
from ui.models import client_list
from ui.models.client_list import ClientListModel

NAMES = ("Budi Santoso", "Siti Aminah", "Ahmad Fauzi", "Rina Marlina", "Dewi Lestari")


def _loaded(qtbot, model, query: ClientQuery) -> None:
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_query(query)


def test_client_list_model(qtbot, qtmodeltester, ctx, add_clients):
    clients = add_clients(*NAMES)
    update_client(ctx.db, clients[0].id, {"birth_date": dt.date(1950, 1, 2), "cluster": "lanjut_usia"})
    archive_client(ctx.db, clients[1].id)
    model = ClientListModel(ctx.db, page_size=2, cached_pages=2)
    _loaded(qtbot, model, ClientQuery(include_archived=True))
    assert model.rowCount() == 5
    qtmodeltester.check(model)  # reads every cell: pages come and go through the two-page cache


def test_client_list_model_while_rows_grow_and_pages_load(qtbot, qtmodeltester, ctx, add_clients, monkeypatch):
    """The tester watches the signals of a live model: reset, rows growing to the count, pages read later."""
    add_clients(*NAMES)
    release = threading.Event()
    real_count = client_list.count_clients
    monkeypatch.setattr(client_list, "count_clients", lambda db, q, **kw: (release.wait(10), real_count(db, q))[1])
    model = ClientListModel(ctx.db, page_size=1, sync_rows=0)
    qtmodeltester.check(model)  # empty, then observed through the changes below
    with qtbot.waitSignal(model.rows_shown, timeout=5000):
        model.set_query(ClientQuery())
    assert model.rowCount() == 1
    with qtbot.waitSignal(model.loaded, timeout=5000):
        release.set()  # the count arrives: rows 1..4 inserted
    assert model.index(2, 1).data() == "Memuat…"
    with qtbot.waitSignal(model.page_loaded, timeout=5000):
        pass
    _loaded(qtbot, model, ClientQuery(text="siti"))
    assert model.rowCount() == 1


def test_duplicate_pair_model(qtbot, qtmodeltester, ctx):
    nik = "6306010101800001"
    create_client(ctx.db, {"name": "Rahmat Hidayat", "sex": "L", "nik": nik, "wilayah_code": "63.06.01.2001"})
    create_client(ctx.db, {"name": "Rahmad Hidayat", "sex": "L", "nik": nik})
    model = DuplicatePairModel()
    model.set_rows(load_review(ctx.db))
    assert model.rowCount() == 1
    qtmodeltester.check(model)
    pair = model.pairs()[0]
    model.remove_pair(pair.a.id, pair.b.id)  # observed by the tester
    assert model.rowCount() == 0


def test_client_import_tables(qtbot, qtmodeltester, ctx, tmp_path):
    """The import wizard uses Qt's item widgets (no model of its own): their filled models pass too."""
    path = tmp_path / "klien.csv"
    path.write_text("Nama,NIK,Jenis Kelamin\nBudi Santoso,6306010101900001,L\nRina Wati,630601420285,P\n",
                    encoding="utf-8")
    bus = ChangeBus()
    dialog = ClientImportDialog(ctx, bus)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.path_edit.setText(str(path))
    dialog.next()
    qtbot.waitUntil(lambda: dialog.step() == STEP_MAPPING and not dialog.is_busy())
    dialog.next()
    qtbot.waitUntil(lambda: dialog.step() == STEP_CHECK and not dialog.is_busy())
    assert dialog.problem_table.rowCount() == 1
    qtmodeltester.check(dialog.problem_table.model())
    dialog.problem_table.item(0, 0).setCheckState(Qt.CheckState.Checked)
    qtmodeltester.check(dialog.notes_list.model())
