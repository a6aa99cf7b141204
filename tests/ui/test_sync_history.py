"""Riwayat berkas (bundles sent and received, the values a received one changed), the missing-earlier-file
warning on the Sinkronisasi screen, and the Terima data dialog for a file imported before and for a file
locked with a passphrase."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atensi_desktop.services.clients import count_clients, create_client, update_client
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.sync.exchange import bundle_history, export_bundle, import_bundle, missing_files
from atensi_desktop.sync.keys import office_keys, read_card, write_card
from atensi_desktop.sync.peers import add_peer
from ui.views.sinkronisasi import SinkronisasiView

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")
SHOTS = Path(os.environ.get("SYNCUI_SHOTS", "/tmp/shots-syncui"))


@pytest.fixture
def other(tmp_path_factory, monkeypatch):
    """A second installation (another data folder and database): Panti Budi Luhur."""
    from atensi_desktop.app_context import open_app

    monkeypatch.delenv("ATENSI_DB", raising=False)
    context = open_app(None, str(tmp_path_factory.mktemp("panti")))
    setup_installation(context.db, OfficeInput(name="Panti Sosial Budi Luhur", office_type="panti", code="PSBL"),
                       WorkerInput(name="Ahmad Fauzi"))
    yield context
    context.close()


def _bus():
    from ui.change_bus import ChangeBus

    return ChangeBus()


@pytest.fixture
def view(qtbot, ctx, office, other, tmp_path):
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    write_card(ctx.db, ctx.paths, mine)
    write_card(other.db, other.paths, theirs)
    add_peer(other.db, read_card(mine), office_keys(ctx.db, ctx.paths).fingerprint)
    add_peer(ctx.db, read_card(theirs), office_keys(other.db, other.paths).fingerprint)
    widget = SinkronisasiView(ctx, _bus())
    qtbot.addWidget(widget)
    widget.resize(1366 - 212, 768 - 60)
    widget.refresh()
    return widget


def _ids(ctx, other) -> tuple[str, str]:
    return str(office_keys(ctx.db, ctx.paths).office_id), str(office_keys(other.db, other.paths).office_id)


def _shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def _wait_idle(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)


def _history_with_a_phone_change(view, other, tmp_path):
    """This office sends one file; the other office sends a client, then a changed phone number."""
    ctx = view.ctx
    mine, theirs = _ids(ctx, other)
    create_client(ctx.db, {"name": "Budi Santoso", "sex": "L"})
    export_bundle(ctx.db, ctx.paths, [theirs], tmp_path / "keluar.lkssync")
    client = create_client(other.db, {"name": "Siti Aminah", "sex": "P", "phone": "081111111111"})
    export_bundle(other.db, other.paths, [mine], tmp_path / "masuk-1.lkssync")
    first = import_bundle(ctx.db, ctx.paths, tmp_path / "masuk-1.lkssync")
    update_client(other.db, client.id, {"phone": "082233334444"})
    export_bundle(other.db, other.paths, [mine], tmp_path / "masuk-2.lkssync")
    second = import_bundle(ctx.db, ctx.paths, tmp_path / "masuk-2.lkssync")
    return first, second


def test_history_lists_sent_and_received_files_and_the_values_a_file_changed(qtbot, view, other, tmp_path):
    first, second = _history_with_a_phone_change(view, other, tmp_path)
    dialog = view.open_history()
    qtbot.addWidget(dialog)
    table = dialog.table
    assert table.rowCount() == 3
    cells = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(3)]
    # newest first: the phone change, the first file received, the file sent
    assert [row[1] for row in cells] == ["Diterima", "Diterima", "Dikirim"]
    assert cells[0][2] == "Panti Sosial Budi Luhur" and cells[2][2] == "Panti Sosial Budi Luhur"
    assert cells[0][3] == "perubahan" and cells[2][3] == "lengkap"
    assert cells[0][4:8] == [str(second.new_versions), "0", str(second.values_changed), "0"]
    assert cells[1][4:8] == [str(first.new_versions), str(first.rows_created), str(first.values_changed), "0"]
    assert first.rows_created >= 1
    assert second.values_changed >= 1
    sent = [h for h in bundle_history(view.ctx.db) if h.direction == "keluar"][0]
    assert cells[2][4] == str(sent.versions) and cells[2][5] == "-"
    # the newest (received) file is selected: its details list the changed phone number, in words
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    changes = dialog.changes_table
    assert changes.isVisibleTo(dialog)
    rows = [[changes.item(r, c).text() for c in range(5)] for r in range(changes.rowCount())]
    assert ["Siti Aminah", "Data klien", "Telepon", "081111111111", "082233334444"] in rows
    assert not any('"' in text for row in rows for text in row)  # values readable: no JSON quotes
    assert "Panti Sosial Budi Luhur" in dialog.summary_label.text()
    # the first file created the client: its values are shown as new data
    table.selectRow(1)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    rows = [[changes.item(r, c).text() for c in range(5)] for r in range(changes.rowCount())]
    assert ["Siti Aminah", "Data klien", "Nama", "(data baru)", "Siti Aminah"] in rows
    # a sent file has no values to show here
    table.selectRow(2)
    assert not changes.isVisibleTo(dialog) and "kantor penerima" in dialog.changes_note.text()
    table.selectRow(0)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    dialog.resize(1300, 700)
    _shot(dialog, "history-details.png")
    dialog.close()


def test_missing_earlier_file_is_shown_on_the_screen_with_what_to_do(qtbot, view, other, tmp_path):
    mine, _theirs = _ids(view.ctx, other)
    create_client(other.db, {"name": "Siti Aminah", "sex": "P"})
    export_bundle(other.db, other.paths, [mine], tmp_path / "a1.lkssync")
    import_bundle(view.ctx.db, view.ctx.paths, tmp_path / "a1.lkssync")
    create_client(other.db, {"name": "Rudi Hartono", "sex": "L"})
    export_bundle(other.db, other.paths, [mine], tmp_path / "a2.lkssync")  # never arrives
    create_client(other.db, {"name": "Nur Jannah", "sex": "P"})
    export_bundle(other.db, other.paths, [mine], tmp_path / "a3.lkssync")
    assert not view.missing_card.isVisibleTo(view)
    dialog = view.open_import(tmp_path / "a3.lkssync")
    qtbot.addWidget(dialog)
    _wait_idle(qtbot, dialog)
    # the preview already says a file is missing
    assert dialog.warnings_label.isVisibleTo(dialog)
    assert "Ada berkas sebelumnya dari Panti Sosial Budi Luhur" in dialog.warnings_label.text()
    dialog.apply_button.click()
    _wait_idle(qtbot, dialog)
    assert "Ada berkas sebelumnya" in dialog.warnings_label.text()
    dialog.close()
    [gap] = missing_files(view.ctx.db)
    assert view.missing_card.isVisibleTo(view)
    assert view.missing_label.text() == gap.text
    assert "kirim ulang" in view.missing_hint.text().lower() or "mengirim ulang" in view.missing_hint.text()
    history = view.open_history()
    qtbot.addWidget(history)
    qtbot.waitUntil(lambda: not history.busy, timeout=20_000)
    assert history.table.item(0, 8).text() == "1"
    assert history.warnings_label.isVisibleTo(history) and gap.text in history.warnings_label.text()
    history.close()
    _shot(view, "sinkronisasi-missing.png")
    # the late file arrives: the warning goes away
    import_bundle(view.ctx.db, view.ctx.paths, tmp_path / "a2.lkssync")
    view.refresh()
    assert not view.missing_card.isVisibleTo(view)


def test_a_file_imported_before_says_so_and_changes_nothing(qtbot, view, other, tmp_path):
    mine, _theirs = _ids(view.ctx, other)
    create_client(other.db, {"name": "Siti Aminah", "sex": "P"})
    bundle = tmp_path / "dari-panti.lkssync"
    export_bundle(other.db, other.paths, [mine], bundle)
    first = view.open_import(bundle)
    qtbot.addWidget(first)
    _wait_idle(qtbot, first)
    first.apply_button.click()
    _wait_idle(qtbot, first)
    assert first.applied is not None and first.applied.already_imported_at is None
    first.close()
    before, history = count_clients(view.ctx.db), len(bundle_history(view.ctx.db))
    again = view.open_import(bundle)
    qtbot.addWidget(again)
    _wait_idle(qtbot, again)
    assert again.preview is not None and again.preview.already_imported_at is not None
    text = again.status_label.text()
    assert text.startswith("Berkas ini sudah diimpor pada ") and text.endswith("tidak ada yang berubah.")
    assert again.preview.already_imported_at.astimezone().strftime("%d-%m-%Y %H:%M") in text
    assert again.preview.already_imported_by in text
    assert not again.counts_widget.isVisibleTo(again)  # no preview figures
    assert not again.apply_button.isEnabled()
    again.resize(720, 300)
    _shot(again, "import-already-imported.png")
    assert count_clients(view.ctx.db) == before and len(bundle_history(view.ctx.db)) == history
    again.close()


def test_a_passphrase_file_is_opened_after_typing_the_passphrase(qtbot, view, other, tmp_path):
    from PySide6.QtCore import Qt

    from atensi_desktop.sync.case_bundle import export_case

    client = create_client(other.db, {"name": "Siti Aminah", "sex": "P"})
    target = tmp_path / "kasus.lkssync"
    export_case(other.db, other.paths, str(client.id), target, passphrase="empat kata acak saja")
    dialog = view.open_import(target)
    qtbot.addWidget(dialog)
    assert not dialog.busy and dialog.preview is None  # nothing runs until the passphrase is typed
    assert dialog.passphrase_widget.isVisibleTo(dialog) and "kata sandi" in dialog.status_label.text()
    # a wrong one first: said inline, asked again
    qtbot.keyClicks(dialog.passphrase_edit, "kata sandi keliru sekali")
    qtbot.keyClick(dialog.passphrase_edit, Qt.Key.Key_Return)
    _wait_idle(qtbot, dialog)
    assert dialog.preview is None and "Kata sandi berkas salah" in dialog.error_label.text()
    assert dialog.passphrase_widget.isVisibleTo(dialog)
    dialog.resize(720, 360)
    _shot(dialog, "import-passphrase-wrong.png")
    dialog.passphrase_edit.clear()
    qtbot.keyClicks(dialog.passphrase_edit, "empat kata acak saja")
    qtbot.keyClick(dialog.passphrase_edit, Qt.Key.Key_Return)
    _wait_idle(qtbot, dialog)
    assert dialog.preview is not None and dialog.preview.kind == "case"
    assert not dialog.error_label.isVisible() and not dialog.passphrase_widget.isVisibleTo(dialog)
    assert count_clients(view.ctx.db) == 0
    dialog.apply_button.click()
    _wait_idle(qtbot, dialog)
    assert dialog.applied is not None and dialog.applied.rows_created > 0
    assert count_clients(view.ctx.db) == 1
    dialog.close()


def test_screen_with_history_and_missing_warning_at_1366x768(qtbot, ctx, office, other, tmp_path):
    from ui.main_window import MainWindow

    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    write_card(ctx.db, ctx.paths, mine)
    write_card(other.db, other.paths, theirs)
    add_peer(other.db, read_card(mine), office_keys(ctx.db, ctx.paths).fingerprint)
    add_peer(ctx.db, read_card(theirs), office_keys(other.db, other.paths).fingerprint)
    my_id, _theirs = _ids(ctx, other)
    create_client(other.db, {"name": "Siti Aminah", "sex": "P"})
    export_bundle(other.db, other.paths, [my_id], tmp_path / "a1.lkssync")
    import_bundle(ctx.db, ctx.paths, tmp_path / "a1.lkssync")
    create_client(other.db, {"name": "Rudi Hartono", "sex": "L"})
    export_bundle(other.db, other.paths, [my_id], tmp_path / "a2.lkssync")
    create_client(other.db, {"name": "Nur Jannah", "sex": "P"})
    export_bundle(other.db, other.paths, [my_id], tmp_path / "a3.lkssync")
    import_bundle(ctx.db, ctx.paths, tmp_path / "a3.lkssync")
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    view = window.show_view("sinkronisasi")
    qtbot.waitUntil(lambda: not window.busy)
    assert view.missing_card.isVisible()
    assert view.history_button.isVisible() and view.case_button.isVisible()
    # every header button fits: none is squeezed below its size hint
    for button in (view.conflicts_button, view.history_button, view.receive_button, view.case_button,
                   view.send_button):
        assert button.width() >= button.sizeHint().width()
    _shot(window, "sinkronisasi-history-missing-1366x768.png")
    history = view.open_history()
    qtbot.addWidget(history)
    qtbot.waitUntil(lambda: not history.busy, timeout=20_000)
    history.resize(1300, 700)
    _shot(history, "history-1366x768.png")
    history.close()
