"""Klien screen actions: archive and restore (never a hard delete), export with progress and cancel, and the
buttons that open the import wizard and the duplicate review."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QPushButton

from atensi_desktop.errors import UserError
from atensi_desktop.services import client_export
from atensi_desktop.services.clients import ClientQuery, count_clients, get_client
from ui.change_bus import ChangeBus
from ui.views import klien
from ui.views.klien import KlienView

NAMES = ("Budi Santoso", "Siti Aminah", "Ahmad Fauzi")
SHOTS = os.environ.get("ATENSI_SHOTS")


def _names(model) -> list[str]:
    return [model.index(row, 1).data() for row in range(model.rowCount())]


@pytest.fixture
def view(qtbot, ctx, add_clients):
    add_clients(*NAMES)
    bus = ChangeBus()
    view = KlienView(ctx, bus)
    view.bus_ref = bus
    qtbot.addWidget(view)
    view.setMinimumSize(800, 500)
    view.resize(1100, 600)
    view.show()
    qtbot.waitUntil(lambda: not view.busy)
    return view


@pytest.fixture
def confirm(monkeypatch):
    """Answers the archive question; records which client it named."""
    asked: list[str] = []
    answer = {"yes": True}

    def ask(_parent, client):
        asked.append(client.name)
        return answer["yes"]

    monkeypatch.setattr(klien, "confirm_archive", ask)
    return asked, answer


@pytest.fixture
def errors(monkeypatch):
    shown: list[BaseException] = []
    monkeypatch.setattr(klien, "show_error", lambda _parent, exc, **_kw: shown.append(exc))
    return shown


def _select(view, name: str) -> int:
    row = _names(view.model).index(name)
    view.table.setFocus()
    view.table.selectRow(row)
    return row


def test_delete_key_archives_after_confirmation_and_the_client_is_kept(view, qtbot, ctx, confirm):
    asked, _answer = confirm
    row = _select(view, "Budi Santoso")
    budi = view.model.client_row(row)
    assert view.archive_button.text() == "&Arsipkan" and view.archive_button.isEnabled()
    changed: list[bool] = []
    view.bus.clients_changed.connect(lambda: changed.append(True))
    with qtbot.waitSignal(view.model.loaded, timeout=5000):
        qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    assert asked == ["Budi Santoso"] and changed == [True]
    assert _names(view.model) == ["Ahmad Fauzi", "Siti Aminah"]
    assert get_client(ctx.db, budi.id).archived  # a tombstone: the record is still there
    assert "“Budi Santoso” diarsipkan" in view.notice_label.text()
    assert view.table.currentIndex().row() == 1  # the cursor stays where it was: on the next client
    assert view.count_label.text() == "2 klien"


def test_declining_the_question_archives_nothing(view, qtbot, ctx, confirm):
    asked, answer = confirm
    answer["yes"] = False
    _select(view, "Siti Aminah")
    view.archive_button.click()
    assert asked == ["Siti Aminah"]
    assert count_clients(ctx.db) == 3 and not view.model.loading


def test_confirmation_names_the_client_and_says_it_can_be_restored(view, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    seen = {}

    def answer(box):
        seen.update(text=box.text(), info=box.informativeText(),
                    buttons=[b.text() for b in box.buttons()], default=box.defaultButton().text())
        box.setProperty("answered", True)
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    row = _select(view, "Ahmad Fauzi")
    assert klien.confirm_archive(view, view.model.client_row(row)) is False  # nothing clicked: not archived
    assert seen["text"].startswith("Arsipkan Ahmad Fauzi (")
    assert "memulihkannya" in seen["info"] and "Pulihkan" in seen["info"]
    assert set(seen["buttons"]) == {"Arsipkan", "Batal"} and seen["default"] == "Batal"


def test_archived_clients_are_restored_from_the_archive_view(view, qtbot, ctx, confirm):
    _select(view, "Budi Santoso")
    with qtbot.waitSignal(view.model.loaded, timeout=5000):
        view.archive_button.click()
    with qtbot.waitSignal(view.model.loaded, timeout=5000):
        view.filters.archived_check.setChecked(True)
    assert _names(view.model) == ["Ahmad Fauzi", "Budi Santoso (diarsipkan)", "Siti Aminah"]
    row = _select(view, "Budi Santoso (diarsipkan)")
    assert view.archive_button.text() == "&Pulihkan"
    menu = view.context_menu(view.model.index(row, 0))
    assert [a.text() for a in menu.actions()] == ["&Pulihkan", "&Riwayat akses && perubahan…", "",
                                                  "Hapus data atas permintaan &hukum…"]
    confirm[0].clear()
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)  # Delete on an archived client only explains
    assert confirm[0] == [] and "sudah diarsipkan" in view.notice_label.text()
    with qtbot.waitSignal(view.model.loaded, timeout=5000):
        menu.actions()[0].trigger()
    assert _names(view.model) == ["Ahmad Fauzi", "Budi Santoso", "Siti Aminah"]
    assert "dipulihkan" in view.notice_label.text()
    assert view.archive_button.text() == "&Arsipkan"
    assert count_clients(ctx.db) == 3


def test_context_menu_of_a_live_client(view):
    row = _select(view, "Siti Aminah")
    menu = view.context_menu(view.model.index(row, 2))
    actions = menu.actions()
    assert [a.text() for a in actions] == ["&Buka", "&Keluarga (KK)…", "&Asesmen…", "&Persetujuan data…",
                                           "&Riwayat akses && perubahan…", "&Arsipkan…", "",
                                           "Hapus data atas permintaan &hukum…"]
    assert actions[1].shortcut() == QKeySequence("Ctrl+K")
    assert actions[2].shortcut() == QKeySequence("Ctrl+Shift+A")
    assert actions[5].shortcut() == QKeySequence(Qt.Key.Key_Delete)
    assert view.context_menu(view.model.index(99, 0)) is None


def test_ctrl_k_opens_the_household_of_the_selected_client(qtbot, view, ctx):
    from ui.dialogs.household import HouseholdDialog

    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert "Pilih klien" in view.notice_label.text()  # nothing selected yet: it says what to do
    row = _select(view, "Siti Aminah")
    client_id = view.model.client_id(row)
    qtbot.keyClick(view.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialogs = [w for w in view.findChildren(HouseholdDialog) if w.isVisible()]
    assert len(dialogs) == 1
    # Siti has no household yet: the dialog offers a new one for her
    assert dialogs[0].for_client.id == client_id
    dialogs[0].close()


def test_archiving_a_client_that_went_meanwhile_explains(view, errors, confirm, monkeypatch):
    from atensi_desktop.errors import NotFoundError

    def gone(_db, _id):
        raise NotFoundError("Klien tidak ditemukan.")

    monkeypatch.setattr(klien, "archive_client", gone)
    _select(view, "Budi Santoso")
    view.archive_selected()
    assert [e.message for e in errors] == ["Klien tidak ditemukan."]


def test_the_header_buttons_open_import_and_duplicate_review(view, qtbot, monkeypatch):
    from ui.dialogs import client_import, duplicate_review

    opened: list[str] = []
    monkeypatch.setattr(client_import, "open_client_import",
                        lambda parent, ctx, bus: opened.append(("impor", parent, bus)))
    monkeypatch.setattr(duplicate_review, "open_duplicate_review",
                        lambda parent, ctx, bus: opened.append(("duplikat", parent, bus)))
    qtbot.mouseClick(view.import_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.duplicates_button, Qt.MouseButton.LeftButton)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert opened == [("impor", view, view.bus), ("duplikat", view, view.bus)] * 2
    texts = [b.text() for b in (view.duplicates_button, view.import_button, view.export_button, view.new_button)]
    assert texts == ["Kemungkinan &duplikat", "&Impor…", "&Ekspor…", "Klien baru"]


def test_the_header_fits_a_1366_wide_window(view, qtbot):
    view.resize(1366 - 210, 700)  # the navigation column takes about 210 px
    qtbot.wait(10)
    for widget in (view.new_button, view.export_button, view.duplicates_button, view.archive_button,
                   view.filters.archived_check):
        assert widget.geometry().right() <= view.width(), widget.objectName()
        assert widget.width() >= widget.sizeHint().width(), widget.objectName()  # not squeezed


# --- export ---------------------------------------------------------------------------------------------


@pytest.fixture
def out(tmp_path):
    """An empty folder to export into (tmp_path holds the test's database)."""
    folder = tmp_path / "ekspor"
    folder.mkdir()
    return folder


def _rows(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(c.value for c in row) for row in wb.active.iter_rows()]
    finally:
        wb.close()


def test_export_writes_the_filtered_list(view, qtbot, out):
    with qtbot.waitSignal(view.model.loaded, timeout=5000):
        qtbot.keyClicks(view.search_edit, "siti")
    target = out / "klien.xlsx"
    task = view.export_to(target)
    assert view.exporting and not view.export_button.isEnabled()
    assert view.export_to(target) is None  # one export at a time
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    rows = _rows(target)
    assert rows[0][:2] == ("ID klien", "Nama") and [r[1] for r in rows[1:]] == ["Siti Aminah"]
    assert view.notice_label.text() == f"1 klien diekspor ke {target}."
    assert not view.exporting and view.export_button.isEnabled() and view.export_dialog is None
    assert [p.name for p in out.iterdir()] == ["klien.xlsx"]


def test_export_shows_progress_and_cancel_leaves_no_file(view, qtbot, out, monkeypatch):
    started, release = threading.Event(), threading.Event()
    real = client_export.iter_export_rows

    def slow(*args, **kwargs):
        for i, row in enumerate(real(*args, **kwargs)):
            if i == 1:
                started.set()
                release.wait(10)
            yield row

    monkeypatch.setattr(client_export, "iter_export_rows", slow)
    monkeypatch.setattr(klien, "EXPORT_DIALOG_DELAY_MS", 0)
    target = out / "klien.xlsx"
    target.write_bytes(b"old export")
    task = view.export_to(target)
    assert started.wait(10)
    qtbot.waitUntil(lambda: "dari 3 klien" in view.export_dialog.labelText(), timeout=5000)
    dialog = view.export_dialog
    assert dialog.maximum() == 3 and dialog.value() >= 1
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "klien_export_progress.png"))
    with qtbot.waitSignal(task.cancelled, timeout=10_000):
        (button,) = dialog.findChildren(QPushButton)
        assert button.text() == "Batal"
        button.click()
        release.set()
    assert view.notice_label.text() == "Ekspor dibatalkan; tidak ada file yang ditulis."
    assert target.read_bytes() == b"old export"
    assert [p.name for p in out.iterdir()] == ["klien.xlsx"]
    assert not view.exporting and view.export_button.isEnabled()


def test_export_onto_a_file_open_elsewhere_says_what_to_do(view, qtbot, out, errors, monkeypatch):
    def locked(_src, _dst):
        raise PermissionError(13, "Permission denied")  # what Windows says while Excel holds the file

    monkeypatch.setattr(client_export.os, "replace", locked)
    target = out / "klien.xlsx"
    task = view.export_to(target)
    with qtbot.waitSignal(task.failed, timeout=10_000):
        pass
    (exc,) = errors
    assert isinstance(exc, UserError)
    assert "Tidak bisa menulis" in exc.message and "program lain" in exc.hint
    assert view.notice_label.text() == "Ekspor gagal; tidak ada file yang ditulis."
    assert list(out.iterdir()) == []


def test_export_asks_for_a_file_and_adds_the_extension(view, qtbot, out, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *_a, **_k: (str(out / "daftar"), "Buku kerja Excel (*.xlsx)"))
    exported: list[Path] = []
    monkeypatch.setattr(view, "export_to", lambda path: exported.append(path))
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert exported == [out / "daftar.xlsx"]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: ("", ""))
    view.export()
    assert len(exported) == 1


def test_export_uses_the_query_on_screen(view, qtbot, out):
    view.filters.archived_check.setChecked(True)
    view.filters.set_value("sex", "L")
    qtbot.waitUntil(lambda: not view.busy)
    task = view.export_to(out / "x.xlsx")
    with qtbot.waitSignal(task.finished, timeout=10_000) as done:
        pass
    assert done.args[0].count == count_clients(view.ctx.db, ClientQuery(sex="L", include_archived=True))


def test_keyboard_tab_order_starts_at_the_search_box(view, qtbot):
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.search_edit.setFocus()
    order = []
    for _ in range(4):
        qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Tab)
        order.append(view.focusWidget())
    # "Hapus saringan" and "Arsipkan" are disabled (no filter, no row chosen) and the panel is closed
    assert order == [view.filters.toggle_button, view.filters.archived_check, view.table, view.new_button]
    view.filters.toggle_button.click()
    view.search_edit.setFocus()
    qtbot.keyClick(view.search_edit, Qt.Key.Key_Tab)
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Tab)
    assert view.focusWidget() is view.filters.combos["ppks_category"]  # the open panel comes before the list


@pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")  # offscreen
def test_an_operator_sees_no_print_export_merge_or_purge(qtbot, ctx, add_clients):
    import uuid

    from atensi_desktop.security.roles import OPERATOR, Actor

    add_clients(*NAMES)
    ctx.db.actor = Actor(user_id=uuid.uuid4(), username="budi", name="Budi", role=OPERATOR)
    try:
        view = KlienView(ctx, ChangeBus())
        qtbot.addWidget(view)
        view.show()
        qtbot.waitUntil(lambda: not view.busy)
        assert not view.print_button.isVisible() and not view.export_button.isVisible()
        assert not view.duplicates_button.isVisible()
        assert view.new_button.isVisible() and view.import_button.isVisible()
        assert view.print_list() is None  # Ctrl+P does nothing
        row = _select(view, "Siti Aminah")
        texts = [a.text() for a in view.context_menu(view.model.index(row, 0)).actions()]
        assert "Hapus data atas permintaan &hukum…" not in texts
    finally:
        ctx.db.actor = None


@pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")  # offscreen
def test_the_purge_action_erases_the_client_after_the_typed_id(qtbot, view, ctx):
    from atensi_desktop.errors import NotFoundError
    from atensi_desktop.services.office import OfficeInput, setup_installation

    setup_installation(ctx.db, OfficeInput(name="LKS Harapan", office_type="lks", code="LKSH"))
    row = _select(view, "Siti Aminah")
    client = view.selected_client()
    opened = []
    original = view.open_purge
    view.open_purge = lambda c: opened.append(original(c))
    view.context_menu(view.model.index(row, 0)).actions()[-1].trigger()
    dialog = opened[0]
    dialog.reason.setPlainText("Permintaan subjek data tanggal 1 Juni 2026")
    dialog.legal_ref.setText("Surat 12/PDP/2026")
    dialog.authorised_by.setText("Kepala LKS")
    assert not dialog.go.isEnabled()
    dialog.confirm.setText(client.display_id)
    with qtbot.waitSignal(view.model.loaded, timeout=10000):
        dialog.go.click()
    assert _names(view.model) == ["Ahmad Fauzi", "Budi Santoso"]
    assert "dihapus" in view.notice_label.text()
    with pytest.raises(NotFoundError):
        get_client(ctx.db, client.id)
