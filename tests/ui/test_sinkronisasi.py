"""Sinkronisasi screen: own fingerprint, adding a peer from its card, export and import with a preview."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from atensi_desktop.services.clients import count_clients, create_client
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.sync.keys import office_keys, read_card, write_card
from atensi_desktop.sync.peers import add_peer, list_peers
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


@pytest.fixture
def view(qtbot, ctx, office):
    widget = SinkronisasiView(ctx, _bus())
    qtbot.addWidget(widget)
    widget.resize(1366 - 212, 768 - 60)
    widget.refresh()
    return widget


def _bus():
    from ui.change_bus import ChangeBus

    return ChangeBus()


def _pair(ctx, other, tmp_path) -> None:
    """Make `other` a peer of ctx's office and the other way round, using the engine."""
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    write_card(ctx.db, ctx.paths, mine)
    write_card(other.db, other.paths, theirs)
    add_peer(other.db, read_card(mine), office_keys(ctx.db, ctx.paths).fingerprint)
    add_peer(ctx.db, read_card(theirs), office_keys(other.db, other.paths).fingerprint)


def _shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def _wait_idle(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)


def test_own_fingerprint_is_shown(view, ctx):
    fingerprint = office_keys(ctx.db, ctx.paths).fingerprint
    assert view.fingerprint_label.text() == fingerprint
    assert len(fingerprint) == 24 and fingerprint.count("-") == 4
    assert view.empty_label.isVisibleTo(view)
    assert not view.send_button.isEnabled()  # no peer yet


def test_save_card_writes_a_card_other_offices_can_read(view, tmp_path):
    target = tmp_path / "kartu.json"
    assert view.save_card_to(target)
    card = read_card(target)
    assert card.name == "Dinas Sosial Kabupaten Hulu Sungai Selatan"
    assert card.fingerprint == view.fingerprint
    assert str(target) in view.notice_label.text()


def test_add_peer_with_the_read_fingerprint(qtbot, view, other, tmp_path):
    card_path = tmp_path / "panti.json"
    write_card(other.db, other.paths, card_path)
    dialog = view.add_peer_dialog(card_path)
    qtbot.addWidget(dialog)
    assert dialog.name_label.text() == "Panti Sosial Budi Luhur"
    # typed as heard: lower case, spaces instead of dashes
    dialog.fingerprint_edit.setText(office_keys(other.db, other.paths).fingerprint.lower().replace("-", " "))
    dialog.show()
    _shot(dialog, "add-peer.png")
    dialog.add_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert [p.name for p in list_peers(view.ctx.db)] == ["Panti Sosial Budi Luhur"]
    assert view.table.rowCount() == 1
    assert view.table.item(0, 1).text() == "PSBL"
    assert view.table.item(0, 3).text() == "aktif"
    assert "Panti Sosial Budi Luhur" in view.notice_label.text()
    assert view.send_button.isEnabled()


def test_wrong_fingerprint_is_refused_inline_and_adds_nothing(qtbot, view, other, tmp_path):
    card_path = tmp_path / "panti.json"
    write_card(other.db, other.paths, card_path)
    dialog = view.add_peer_dialog(card_path)
    qtbot.addWidget(dialog)
    dialog.fingerprint_edit.setText("AAAA-BBBB-CCCC-DDDD-EEEE")
    dialog.show()
    dialog.add_button.click()
    assert dialog.isVisible()
    assert dialog.error_label.isVisible()
    assert "tidak sama dengan sidik jari kartu kantor Panti Sosial Budi Luhur" in dialog.error_label.text()
    _shot(dialog, "add-peer-wrong.png")
    assert list_peers(view.ctx.db) == []
    dialog.reject()


def test_revoke_asks_first(qtbot, view, other, tmp_path, monkeypatch):
    _pair(view.ctx, other, tmp_path)
    view.refresh()
    view.table.selectRow(0)
    assert view.revoke_button.isEnabled()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    view.revoke_selected()
    assert list_peers(view.ctx.db)[0].status == "aktif"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    view.revoke_selected()
    assert list_peers(view.ctx.db)[0].status == "dicabut"
    assert view.table.item(0, 3).text() == "dicabut"
    assert not view.send_button.isEnabled()


def test_export_to_a_peer_writes_a_file(qtbot, view, other, tmp_path):
    _pair(view.ctx, other, tmp_path)
    create_client(view.ctx.db, {"name": "Budi Santoso", "sex": "L"})
    view.refresh()
    dialog = view.open_export()
    qtbot.addWidget(dialog)
    assert "DSHSS" in dialog.path_edit.text() and dialog.path_edit.text().endswith(".lkssync")
    assert [box.isChecked() for box, _peer in dialog.peer_boxes] == [True]  # the only peer is preselected
    target = tmp_path / "kirim.lkssync"
    dialog.path_edit.setText(str(target))
    dialog.send_button.click()
    _wait_idle(qtbot, dialog)
    assert target.is_file() and target.stat().st_size > 0
    assert dialog.result is not None and dialog.result.versions > 0
    text = dialog.result_label.text()
    assert "Panti Sosial Budi Luhur" in text and str(target) in text
    assert f"{dialog.result.versions} perubahan" in text or "perubahan" in text
    dialog.resize(720, dialog.sizeHint().height())
    _shot(dialog, "export-done.png")
    # the other office can read it: the client arrives there
    from atensi_desktop.sync.exchange import import_bundle

    result = import_bundle(other.db, other.paths, target)
    assert result.rows_created > 0
    assert count_clients(other.db) == 1
    dialog.close()


def _bundle_from_other(other, ctx, tmp_path, name="dari-panti.lkssync") -> Path:
    from atensi_desktop.sync.exchange import export_bundle

    for person in ("Siti Aminah", "Rudi Hartono", "Nur Jannah"):
        create_client(other.db, {"name": person, "sex": "P"})
    target = tmp_path / name
    office_id = str(office_keys(ctx.db, ctx.paths).office_id)
    export_bundle(other.db, other.paths, [office_id], target)
    return target


def test_import_preview_then_apply_then_second_import_has_nothing_new(qtbot, view, other, tmp_path):
    _pair(view.ctx, other, tmp_path)
    bundle = _bundle_from_other(other, view.ctx, tmp_path)
    before = count_clients(view.ctx.db)
    dialog = view.open_import(bundle)
    qtbot.addWidget(dialog)
    _wait_idle(qtbot, dialog)
    assert dialog.preview is not None and not dialog.error_label.isVisible()
    assert dialog.count_labels["source"].text() == "Panti Sosial Budi Luhur"
    new = dialog.preview.new_versions
    assert new > 0 and dialog.count_labels["new"].text() == f"{new:,}".replace(",", ".")
    assert int(dialog.count_labels["rows"].text().replace(".", "")) >= 3
    assert count_clients(view.ctx.db) == before  # the preview keeps nothing
    assert dialog.apply_button.isEnabled()
    dialog.resize(760, 520)
    _shot(dialog, "import-preview.png")
    dialog.apply_button.click()
    _wait_idle(qtbot, dialog)
    assert dialog.applied is not None
    assert count_clients(view.ctx.db) == before + 3
    assert "Impor selesai dari Panti Sosial Budi Luhur" in dialog.result_label.text()
    assert not dialog.apply_button.isEnabled()
    _shot(dialog, "import-applied.png")
    dialog.close()

    again = view.open_import(bundle)
    qtbot.addWidget(again)
    _wait_idle(qtbot, again)
    # the same file again: recognised as imported before, said calmly instead of the preview figures
    assert again.preview is not None and again.preview.new_versions == 0
    assert again.preview.unchanged == again.preview.versions_in_bundle
    assert "sudah diimpor" in again.status_label.text() and not again.counts_widget.isVisibleTo(again)
    assert not again.apply_button.isEnabled()
    assert count_clients(view.ctx.db) == before + 3
    again.close()


def test_tampered_bundle_shows_the_engine_message_and_changes_nothing(qtbot, view, other, tmp_path):
    _pair(view.ctx, other, tmp_path)
    bundle = _bundle_from_other(other, view.ctx, tmp_path)
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bundle.write_bytes(bytes(data))
    before = count_clients(view.ctx.db)
    dialog = view.open_import(bundle)
    qtbot.addWidget(dialog)
    _wait_idle(qtbot, dialog)
    assert dialog.preview is None
    assert dialog.error_label.isVisible() and dialog.error_label.text()
    assert "tidak diterapkan" in dialog.status_label.text()
    assert not dialog.apply_button.isEnabled()
    assert count_clients(view.ctx.db) == before
    dialog.resize(720, 360)
    _shot(dialog, "import-tampered.png")
    dialog.close()


def test_bundle_from_an_unknown_office_is_refused(qtbot, view, other, tmp_path):
    # the other office trusts us, but we never added it: its bundle is from an unknown sender
    mine = tmp_path / "mine.json"
    write_card(view.ctx.db, view.ctx.paths, mine)
    add_peer(other.db, read_card(mine), office_keys(view.ctx.db, view.ctx.paths).fingerprint)
    bundle = _bundle_from_other(other, view.ctx, tmp_path)
    dialog = view.open_import(bundle)
    qtbot.addWidget(dialog)
    _wait_idle(qtbot, dialog)
    assert dialog.preview is None and dialog.error_label.text()
    assert count_clients(view.ctx.db) == 0
    dialog.close()


def test_screen_at_1366x768(qtbot, ctx, office, other, tmp_path):
    from ui.main_window import MainWindow

    _pair(ctx, other, tmp_path)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    view = window.show_view("sinkronisasi")
    assert view.fingerprint_label.text() == office_keys(ctx.db, ctx.paths).fingerprint
    assert view.table.rowCount() == 1
    qtbot.waitUntil(lambda: not window.busy)
    _shot(window, "sinkronisasi-1366x768.png")


def test_add_peer_with_the_keyboard_alone(qtbot, view, other, tmp_path):
    from PySide6.QtCore import Qt

    card_path = tmp_path / "panti.json"
    write_card(other.db, other.paths, card_path)
    dialog = view.add_peer_dialog(card_path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.fingerprint_edit.setFocus()
    qtbot.keyClicks(dialog.fingerprint_edit, office_keys(other.db, other.paths).fingerprint)
    qtbot.keyClick(dialog.fingerprint_edit, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert view.table.rowCount() == 1


def test_preview_lists_a_concurrent_edit_with_table_field_and_winner(qtbot, view, other, tmp_path):
    from atensi_desktop.services.clients import update_client
    from atensi_desktop.sync.exchange import export_bundle, import_bundle

    _pair(view.ctx, other, tmp_path)
    client = create_client(other.db, {"name": "Siti Aminah", "sex": "P"})
    mine = str(office_keys(view.ctx.db, view.ctx.paths).office_id)
    theirs = str(office_keys(other.db, other.paths).office_id)
    export_bundle(other.db, other.paths, [mine], tmp_path / "seed.lkssync")
    import_bundle(view.ctx.db, view.ctx.paths, tmp_path / "seed.lkssync")
    update_client(view.ctx.db, client.id, {"phone": "081111111111"})
    update_client(other.db, client.id, {"phone": "082222222222"})  # the later edit wins
    export_bundle(view.ctx.db, view.ctx.paths, [theirs], tmp_path / "unused.lkssync")
    export_bundle(other.db, other.paths, [mine], tmp_path / "edit.lkssync")
    dialog = view.open_import(tmp_path / "edit.lkssync")
    qtbot.addWidget(dialog)
    _wait_idle(qtbot, dialog)
    assert dialog.count_labels["conflicts"].text() == "1"
    table = dialog.conflicts_table
    assert table.isVisibleTo(dialog) and table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(5)] == ["Siti Aminah", "Data klien", "Telepon", "082222222222",
                                                           "081111111111"]
    dialog.resize(760, 560)
    _shot(dialog, "import-conflict.png")
    dialog.close()
