"""Kirim kasus: the one-case export wizard from the case window (to a peer office) and from the Sinkronisasi
screen (client search, passphrase mode); the files are accepted by a second installation."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from atensi_desktop.services import cases
from atensi_desktop.services.clients import count_clients, create_client
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.sync.exchange import bundle_history, import_bundle
from atensi_desktop.sync.keys import office_keys, read_card, write_card
from atensi_desktop.sync.peers import add_peer
from ui.change_bus import ChangeBus
from ui.dialogs.case_window import CaseWindow
from ui.views.sinkronisasi import SinkronisasiView

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")
SHOTS = Path(os.environ.get("SYNCUI_SHOTS", "/tmp/shots-syncui"))
PASSPHRASE = "empat kata acak saja"


@pytest.fixture
def other(tmp_path_factory, monkeypatch):
    """A second installation that knows this office as a peer (it must trust the file's signer)."""
    from atensi_desktop.app_context import open_app

    monkeypatch.delenv("ATENSI_DB", raising=False)
    context = open_app(None, str(tmp_path_factory.mktemp("panti")))
    setup_installation(context.db, OfficeInput(name="Panti Sosial Budi Luhur", office_type="panti", code="PSBL"),
                       WorkerInput(name="Ahmad Fauzi"))
    yield context
    context.close()


@pytest.fixture
def paired(ctx, office, other, tmp_path):
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    write_card(ctx.db, ctx.paths, mine)
    write_card(other.db, other.paths, theirs)
    add_peer(other.db, read_card(mine), office_keys(ctx.db, ctx.paths).fingerprint)
    add_peer(ctx.db, read_card(theirs), office_keys(other.db, other.paths).fingerprint)
    return other


@pytest.fixture
def case(ctx, office):
    client = create_client(ctx.db, {"name": "Siti Noer Djannah", "sex": "P", "phone": "081234567890"})
    create_client(ctx.db, {"name": "Budi Santoso", "sex": "L"})  # not in the file
    return cases.open_case(ctx.db, client.id, opened_on=dt.date.today() - dt.timedelta(days=10))


def _shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def _wait_idle(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)


def test_case_window_sends_the_case_to_a_peer_and_the_peer_imports_it(qtbot, ctx, case, paired, tmp_path):
    window = CaseWindow(ctx, ChangeBus(), case.id)
    qtbot.addWidget(window)
    window.show()
    assert window.send_case_button.isEnabled() and window.send_case_button.isVisible()
    dialog = window.send_case()
    qtbot.addWidget(dialog)
    assert dialog.client_id == case.client_id
    assert "Siti Noer Djannah" in dialog.client_label.text()
    name = Path(dialog.path_edit.text()).name
    assert case.client_display_id.startswith("DSHSS-")  # the office code is not doubled
    assert name == f"{case.client_display_id}-{dt.date.today():%Y%m%d}.lkssync"
    assert dialog.peer_mode.isChecked() and [b.isChecked() for b, _p in dialog.peer_boxes] == [True]
    assert not dialog.passphrase_widget.isVisibleTo(dialog)
    target = tmp_path / "kasus-siti.lkssync"
    dialog.path_edit.setText(str(target))
    dialog.resize(700, dialog.sizeHint().height())
    _shot(dialog, "case-export-peer.png")
    dialog.send_button.click()
    _wait_idle(qtbot, dialog)
    assert dialog.result is not None and not dialog.error_label.isVisible()
    assert target.is_file() and dialog.result.size == target.stat().st_size
    text = dialog.result_label.text()
    assert str(target) in text and "Panti Sosial Budi Luhur" in text and case.client_display_id in text
    assert f"{dialog.result.rows} data" in text
    _shot(dialog, "case-export-peer-done.png")
    sent = bundle_history(ctx.db)[0]
    assert (sent.direction, sent.kind, sent.office_names) == ("keluar", "case", ("Panti Sosial Budi Luhur",))
    result = import_bundle(paired.db, paired.paths, target)
    assert result.kind == "case" and result.rows_created > 0
    assert count_clients(paired.db) == 1  # the one client, not the other
    dialog.close()


def test_passphrase_mode_checks_the_passphrase_then_writes_a_file_the_other_office_opens(
        qtbot, ctx, case, paired, tmp_path):
    view = SinkronisasiView(ctx, ChangeBus())
    qtbot.addWidget(view)
    view.refresh()
    dialog = view.open_case_export()
    qtbot.addWidget(dialog)
    assert not dialog.send_button.isEnabled()  # no client chosen yet
    # find the client by typing part of the name, Enter
    qtbot.keyClicks(dialog.search_edit, "Noer")
    qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Return)
    assert dialog.matches.count() == 1 and dialog.client_id == case.client_id
    assert not dialog.busy and dialog.result is None  # Enter in the search field searches, it does not send
    assert case.client_display_id in Path(dialog.path_edit.text()).name
    dialog.passphrase_mode.setChecked(True)
    assert dialog.passphrase_widget.isVisibleTo(dialog) and not dialog.peers_widget.isEnabled()
    assert "telepon atau SMS" in dialog.advice_label.text()
    target = tmp_path / "kasus-sandi.lkssync"
    dialog.path_edit.setText(str(target))
    # too short: refused inline, nothing written
    dialog.passphrase_edit.setText("pendek")
    dialog.repeat_edit.setText("pendek")
    dialog.send_button.click()
    assert "terlalu pendek" in dialog.error_label.text() and not target.exists()
    # typed differently twice: refused inline
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.repeat_edit.setText(PASSPHRASE + "x")
    dialog.send_button.click()
    assert "tidak sama" in dialog.error_label.text() and not target.exists()
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Backspace)
    assert not dialog.error_label.isVisible()  # typing again clears the refusal
    dialog.repeat_edit.setText(PASSPHRASE)
    dialog.resize(700, dialog.sizeHint().height())
    _shot(dialog, "case-export-passphrase.png")
    dialog.send_button.click()
    _wait_idle(qtbot, dialog)
    assert dialog.result is not None and dialog.result.passphrase
    assert not dialog.error_label.isVisible() and "kata sandi" in dialog.result_label.text()
    _shot(dialog, "case-export-passphrase-done.png")
    # the other office cannot open it without the passphrase, and can with it
    result = import_bundle(paired.db, paired.paths, target, passphrase=PASSPHRASE)
    assert result.kind == "case" and result.rows_created > 0
    assert count_clients(paired.db) == 1
    dialog.close()


def test_engine_refusal_is_shown_inline(qtbot, ctx, case, paired, tmp_path):
    window = CaseWindow(ctx, ChangeBus(), case.id)
    qtbot.addWidget(window)
    dialog = window.send_case()
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "tidak-ada" / "kasus.lkssync"))  # the folder does not exist
    dialog.send_button.click()
    _wait_idle(qtbot, dialog)
    assert dialog.result is None
    assert dialog.error_label.isVisible() and "tidak ada" in dialog.error_label.text()
    dialog.close()


def test_without_peers_only_the_passphrase_mode_is_offered(qtbot, ctx, case):
    window = CaseWindow(ctx, ChangeBus(), case.id)
    qtbot.addWidget(window)
    dialog = window.send_case()
    qtbot.addWidget(dialog)
    assert not dialog.peer_mode.isEnabled() and dialog.passphrase_mode.isChecked()
    assert dialog.passphrase_widget.isVisibleTo(dialog)
    dialog.close()


def test_keyboard_alone_from_the_case_window(qtbot, ctx, case, tmp_path):
    from ui.dialogs.case_export import CaseExportDialog

    window = CaseWindow(ctx, ChangeBus(), case.id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # Kirim k&asus ini…
    qtbot.waitUntil(lambda: bool(window.findChildren(CaseExportDialog)), timeout=3000)
    [dialog] = window.findChildren(CaseExportDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    # no peer: the passphrase mode; type it twice with Tab between, the file name, then Enter sends
    dialog.passphrase_edit.setFocus()
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    qtbot.keyClick(dialog.passphrase_edit, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.repeat_edit
    qtbot.keyClicks(dialog.repeat_edit, PASSPHRASE)
    dialog.path_edit.setText(str(tmp_path / "kasus.lkssync"))
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    _wait_idle(qtbot, dialog)
    assert dialog.result is not None and dialog.result.passphrase and (tmp_path / "kasus.lkssync").is_file()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
