"""The main window: navigation by click, Ctrl+N and arrow keys; title and status bar name office and database."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ui.main_window import VIEW_NAMES, MainWindow


@pytest.fixture
def window(qtbot, ctx):
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: not win.busy)
    return win


def test_shows_the_eight_screens_starting_on_beranda(window):
    assert VIEW_NAMES == ("beranda", "klien", "petugas", "kasus", "layanan", "laporan", "sinkronisasi",
                          "pengaturan")
    labels = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert labels == ["Beranda", "Klien", "Petugas & Kantor", "Kasus", "Layanan", "Laporan", "Sinkronisasi",
                      "Pengaturan"]
    assert all(not window.navigation.item(i).icon().isNull() for i in range(window.navigation.count()))
    assert window.current_view().name == "beranda"
    assert window.windowTitle() == "ATENSI Desktop"


def test_click_in_the_navigation_switches_view(qtbot, window):
    item = window.navigation.item(VIEW_NAMES.index("klien"))
    rect = window.navigation.visualItemRect(item)
    with qtbot.waitSignal(window.view_changed) as blocker:
        qtbot.mouseClick(window.navigation.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["klien"]
    assert window.stack.currentWidget() is window.views["klien"]


@pytest.mark.parametrize("number", range(1, 9))
def test_ctrl_number_switches_view(qtbot, window, number):
    window.show_view("pengaturan" if number != 8 else "beranda")
    qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
    assert window.current_view().name == VIEW_NAMES[number - 1]


def test_arrow_keys_in_the_list_move_between_views(qtbot, window):
    window.navigation.setFocus()
    qtbot.keyClick(window.navigation, Qt.Key.Key_Down)
    assert window.current_view().name == "klien"
    qtbot.keyClick(window.navigation, Qt.Key.Key_Down)
    assert window.current_view().name == "petugas"
    qtbot.keyClick(window.navigation, Qt.Key.Key_Up)
    assert window.current_view().name == "klien"


def test_status_bar_names_the_database_and_the_office(qtbot, ctx, office):
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    assert ctx.db_label in win.database_status.text()
    assert ctx.db_label.startswith("SQLite: ")
    assert "Dinas Sosial Kabupaten Hulu Sungai Selatan" in win.office_status.text()
    assert win.windowTitle() == "ATENSI Desktop — Dinas Sosial Kabupaten Hulu Sungai Selatan"
    qtbot.waitUntil(lambda: not win.busy)


def test_status_bar_says_when_no_office_is_set_up(window):
    assert window.office_status.text() == "Identitas kantor belum diatur"


def test_unknown_view_name_is_an_error(window):
    with pytest.raises(KeyError):
        window.show_view("dasbor")


def test_closing_remembers_the_last_view(qtbot, ctx, window):
    from atensi_desktop.settings import load_settings

    window.show_view("klien")
    qtbot.waitUntil(lambda: not window.busy)
    assert window.close()
    assert load_settings(ctx.paths.settings_file).last_view == "klien"


def test_fits_a_1366_by_768_laptop(window):
    assert window.minimumSize().width() <= 1366 - 40
    assert window.minimumSize().height() <= 768 - 100


def test_a_broken_form_file_is_named_at_start_up_and_the_window_stays_usable(qtbot, window, monkeypatch, tmp_path):
    from atensi_desktop.forms import load_forms
    from ui import main_window

    (tmp_path / "rusak.v1.yaml").write_text("form: rusak\nversion: 1\ntitle: Uji\nsections:\n  - id: a\n"
                                            "    title: A\n    questions:\n      - id: q\n        type: angka\n"
                                            "        label: Q\n", encoding="utf-8")
    monkeypatch.setattr(main_window, "load_forms", lambda: load_forms(tmp_path))
    shown = []
    monkeypatch.setattr(main_window, "show_error", lambda parent, exc, **kw: shown.append(exc.message))
    task = window.check_forms()
    qtbot.waitUntil(lambda: not task.running, timeout=5000)
    assert len(shown) == 1 and shown[0].startswith("rusak.v1.yaml baris 9:")
    assert window.forms_error is not None
    window.show_view("klien")  # the rest of the application works
    assert window.current_view().name == "klien"


def test_the_shipped_forms_pass_the_start_up_check(qtbot, window, monkeypatch):
    from ui import main_window

    shown = []
    monkeypatch.setattr(main_window, "show_error", lambda parent, exc, **kw: shown.append(exc))
    task = window.check_forms()
    qtbot.waitUntil(lambda: not task.running, timeout=5000)
    assert shown == [] and window.forms_error is None
