"""Cadangan data dialog: list, create now (background, progress), restore with confirmation, recovery key."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from atensi_desktop import backup
from atensi_desktop.app_context import open_app
from atensi_desktop.services.clients import count_clients, create_client
from atensi_desktop.sync.canonical import canonical_dump
from ui import tasks
from ui.change_bus import ChangeBus
from ui.dialogs.backup_restore import BackupRestoreDialog
from ui.views.pengaturan import PengaturanView

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")  # offscreen
SHOTS = Path(os.environ.get("ATENSI_SHOTS", "/tmp/atensi-shots"))


def _dump(db) -> str:
    out = io.StringIO()
    canonical_dump(db, out)
    return out.getvalue()


def _wait_idle(qtbot, dialog):
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    tasks.wait_for_all()


def test_create_now_lists_the_backup_and_warns_about_the_recovery_key(qtbot, ctx, add_clients):
    add_clients("Budi Santoso")
    dialog = BackupRestoreDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0 and not dialog.restore_button.isEnabled()
    assert dialog.recovery_note.isVisibleTo(dialog)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.busy and not dialog.create_button.isEnabled()
    _wait_idle(qtbot, dialog)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 1).text() == "Manual"
    assert "Cadangan dibuat" in dialog.status_label.text()
    assert dialog.restore_button.isEnabled()
    dialog.save_recovery_key(ctx.paths.data / "pemulihan.age", "frasa sandi yang panjang")
    assert not dialog.recovery_note.isVisibleTo(dialog)
    assert (ctx.paths.data / "pemulihan.age").exists()


def test_restore_asks_first_and_brings_the_data_back(qtbot, ctx, add_clients):
    add_clients("Siti Aminah", "Budi Santoso")
    before = _dump(ctx.db)
    made = backup.create_backup(ctx.db, ctx.paths)
    create_client(ctx.db, {"name": "Sesudah Cadangan", "sex": "L"})
    restored = []
    dialog = BackupRestoreDialog(ctx, on_restored=restored.append)
    qtbot.addWidget(dialog)
    assert dialog.selected().path == made.path
    asked = []
    dialog.confirm_restore = lambda created: asked.append(created) or False
    dialog.restore_button.click()
    _wait_idle(qtbot, dialog)  # the check runs in the background, then it asks
    assert asked and "dibatalkan" in dialog.status_label.text()
    assert count_clients(ctx.db) == 3
    dialog.confirm_restore = lambda created: True
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: bool(restored), timeout=30_000)
    _wait_idle(qtbot, dialog)
    assert len(restored) == 1 and "Aplikasi akan ditutup" in dialog.status_label.text()
    again = open_app(None, str(ctx.paths.data))
    try:
        assert _dump(again.db) == before
    finally:
        again.close()


def test_a_damaged_file_is_refused_inline(qtbot, ctx, tmp_path):
    bad = tmp_path / "atensi-cadangan-20260101-010101-manual.age"
    bad.write_bytes(b"rusak")
    dialog = BackupRestoreDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.confirm_restore = lambda created: (_ for _ in ()).throw(AssertionError("must not ask"))
    asked = []
    dialog.ask_recovery_key = lambda: asked.append(1)  # the file does not open with this key: ask, then give up
    dialog.restore(bad, created="x")
    _wait_idle(qtbot, dialog)
    assert asked == [1]
    assert dialog.error_label.isVisibleTo(dialog) and "kunci" in dialog.error_label.text()


def test_keyboard_only_and_pengaturan_opens_it(qtbot, ctx):
    view = PengaturanView(ctx, ChangeBus())
    qtbot.addWidget(view)
    view.backup_button.click()
    dialog = view.backup_dialog  # a child of the view: closed with it
    assert isinstance(dialog, BackupRestoreDialog) and dialog.isVisible()
    assert dialog.create_button.isDefault()
    for button in (dialog.create_button, dialog.restore_button, dialog.restore_file_button, dialog.recovery_button,
                   dialog.close_button, dialog.folder_button):
        assert "&" in button.text() and button.focusPolicy() & Qt.FocusPolicy.TabFocus
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # the default button: Buat cadangan sekarang
    _wait_idle(qtbot, dialog)
    assert dialog.table.rowCount() == 1
    dialog.set_folder(str(ctx.paths.data / "usb"))
    assert dialog.table.rowCount() == 0 and "usb" in dialog.folder_label.text()
    dialog.create_now()
    _wait_idle(qtbot, dialog)
    assert len(backup.list_backups(ctx.paths.data / "usb")) == 1
    dialog.close()


def test_screenshot_1366x768(qtbot, ctx, add_clients):
    add_clients("Budi Santoso")
    backup.create_backup(ctx.db, ctx.paths, kind=backup.KIND_AUTO)
    backup.create_backup(ctx.db, ctx.paths)
    dialog = BackupRestoreDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitExposed(dialog)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "backup-restore-1366x768.png"))
    dialog.resize(880, 560)
    assert dialog.grab().save(str(SHOTS / "backup-restore-default.png"))


def test_pengaturan_shows_the_newest_backup(qtbot, ctx):
    view = PengaturanView(ctx, ChangeBus())
    qtbot.addWidget(view)
    assert view.backup_label.text() == "Belum ada cadangan."
    made = backup.create_backup(ctx.db, ctx.paths)
    view.show_last_backup()
    assert view.backup_label.text().startswith("Cadangan terakhir: ")
    assert list(backup.list_backups(ctx.paths.backups))[0].path == made.path


def test_automatic_backup_at_start_runs_in_the_background_once_a_day(qtbot, ctx):
    from ui.dialogs.backup_restore import auto_backup_on_close, start_auto_backup

    task = start_auto_backup(ctx)
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    autos = [b for b in backup.list_backups(ctx.paths.backups) if b.automatic]
    assert len(autos) == 1
    assert start_auto_backup(ctx) is None  # the newest is younger than 24 hours
    auto_backup_on_close(ctx)
    assert len(backup.list_backups(ctx.paths.backups)) == 1


def test_only_who_may_back_up_can_open_it(qtbot, ctx):
    import uuid

    from atensi_desktop.security.roles import OPERATOR, Actor

    ctx.db.actor = Actor(user_id=uuid.uuid4(), username="operator1", name="Op", role=OPERATOR)
    view = PengaturanView(ctx, ChangeBus())
    qtbot.addWidget(view)
    assert not view.backup_button.isEnabled() and "administrator" in view.backup_button.toolTip()
