"""Kasus: stages with their counts, the chosen stage's cases (days in stage), worker and text filters, Enter
opens the case window, a stage change there moves the count, "Kasus baru" for a registered client."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from atensi_desktop.services import cases
from atensi_desktop.services.office import WorkerInput
from atensi_desktop.services.workers import create_worker
from ui.change_bus import ChangeBus
from ui.dialogs import case_window
from ui.views.kasus import KasusView

TODAY = dt.date.today()


@pytest.fixture
def board(ctx, office, add_clients):
    """Four cases: two in asesmen (Rina, Ahmad), one in pendekatan awal (nobody), one terminated (Rina)."""
    rina = create_worker(ctx.db, WorkerInput(name="Rina Kartika"))
    ahmad = create_worker(ctx.db, WorkerInput(name="Ahmad Fauzi"))
    made = {}
    for name, worker, opened, stage_on in (("Siti Noer Djannah", rina.id, 40, 12), ("Budi Santoso", ahmad.id, 30, 3),
                                           ("Moch. Ali Akbar", None, 9, None), ("Wulan Jamilah", rina.id, 90, None)):
        [client] = add_clients(name)
        made[name] = cases.open_case(ctx.db, client.id, worker_id=worker, opened_on=TODAY - dt.timedelta(days=opened))
        if stage_on is not None:
            cases.change_stage(ctx.db, made[name].id, "asesmen", on=TODAY - dt.timedelta(days=stage_on))
    cases.terminate(ctx.db, made["Wulan Jamilah"].id, "pindah", on=TODAY - dt.timedelta(days=20))
    return {"rina": rina, "ahmad": ahmad, **made}


@pytest.fixture
def view(qtbot, ctx, office):
    widget = KasusView(ctx, ChangeBus())
    widget.setMinimumSize(960, 600)
    widget.resize(1150, 700)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: not widget.busy)
    yield widget
    for window in list(case_window._open_windows.values()):
        window.close()


def _settle(qtbot, view) -> None:
    qtbot.waitUntil(lambda: not view.busy)


def _counts(view) -> dict[str, int]:
    model = view.stage_model
    return {model.index(r, 0).data(0x0101): int(model.index(r, 1).data().replace(".", ""))
            for r in range(model.rowCount())}


def _names(view) -> list[str]:
    return [view.board_model.index(r, 0).data() for r in range(view.board_model.rowCount())]


def _choose_stage(qtbot, view, code: str) -> None:
    view.choose_stage(code)
    _settle(qtbot, view)


def test_stages_are_listed_in_order_with_counts(qtbot, board, view):
    view.reload()
    _settle(qtbot, view)
    model = view.stage_model
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == [
        "Semua tahap", "Pendekatan Awal", "Asesmen", "Rencana Intervensi", "Pelaksanaan Intervensi",
        "Monitoring dan Evaluasi", "Resosialisasi/Reintegrasi", "Terminasi", "Bimbingan Lanjut"]
    counts = _counts(view)
    assert counts[""] == 4 and counts["asesmen"] == 2 and counts["pendekatan_awal"] == 1 and counts["terminasi"] == 1
    assert counts["rencana_intervensi"] == 0
    assert view.count_label.text() == "4 kasus · 1 sudah diterminasi"
    # "Semua tahap": every case, the longest in its stage first, with the stage column shown
    assert _names(view) == ["Wulan Jamilah", "Siti Noer Djannah", "Moch. Ali Akbar", "Budi Santoso"]
    assert not view.case_table.isColumnHidden(2)


def test_a_stage_lists_its_cases_with_worker_and_days_in_stage(qtbot, board, view):
    _choose_stage(qtbot, view, "asesmen")
    assert view.case_table.isColumnHidden(2)
    model = view.board_model
    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
    siti, budi = board["Siti Noer Djannah"], board["Budi Santoso"]
    assert rows == [
        ["Siti Noer Djannah", siti.display_id, "Asesmen", "Rina Kartika", "12 hari",
         (TODAY - dt.timedelta(days=40)).strftime("%d-%m-%Y")],
        ["Budi Santoso", budi.display_id, "Asesmen", "Ahmad Fauzi", "3 hari",
         (TODAY - dt.timedelta(days=30)).strftime("%d-%m-%Y")]]
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == f"Siti Noer Djannah · ID klien {siti.client_display_id}"
    _choose_stage(qtbot, view, "pendekatan_awal")
    assert [model.index(0, c).data() for c in (0, 3)] == ["Moch. Ali Akbar", "—"]
    _choose_stage(qtbot, view, "rencana_intervensi")
    assert model.rowCount() == 0 and view.pages.currentWidget() is view.empty_label
    assert view.empty_label.text() == "Tidak ada kasus pada tahap Rencana Intervensi dengan pilihan ini."


def test_worker_and_text_filters_narrow_the_list_and_the_counts(qtbot, board, view):
    workers = [view.worker_combo.itemText(i) for i in range(view.worker_combo.count())]
    assert workers == ["Semua petugas", "(tanpa petugas)", "Ahmad Fauzi", "Rina Kartika", "Siti Rahmah"]
    view.choose_worker(board["rina"].id)
    _settle(qtbot, view)
    assert _counts(view)[""] == 2 and _counts(view)["asesmen"] == 1 and _counts(view)["terminasi"] == 1
    assert sorted(_names(view)) == ["Siti Noer Djannah", "Wulan Jamilah"]
    assert view.count_label.text() == "2 kasus cocok · 1 sudah diterminasi"
    view.choose_worker("none")
    _settle(qtbot, view)
    assert _names(view) == ["Moch. Ali Akbar"]
    view.choose_worker(None)
    _settle(qtbot, view)
    qtbot.keyClicks(view.search_edit, "nur jannah")  # old spelling of "Noer Djannah"
    qtbot.waitUntil(lambda: _names(view) == ["Siti Noer Djannah"])
    _settle(qtbot, view)
    assert _counts(view)[""] == 1 and _counts(view)["asesmen"] == 1
    view.search_edit.setText(board["Budi Santoso"].display_id)
    view.search_edit.returnPressed.emit()
    _settle(qtbot, view)
    assert _names(view) == ["Budi Santoso"]
    view.search_edit.setText("tidak ada orang ini")
    view.reload()
    _settle(qtbot, view)
    assert view.empty_label.text() == "Tidak ada kasus yang cocok dengan “tidak ada orang ini” dengan pilihan ini."


def test_empty_board_says_how_to_start(qtbot, view):
    assert view.pages.currentWidget() is view.empty_label
    assert "Belum ada kasus" in view.empty_label.text() and "Ctrl+N" in view.empty_label.text()
    assert not view.open_button.isEnabled()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen Qt, when the window is raised
def test_enter_opens_the_case_and_a_stage_change_there_moves_the_count(qtbot, ctx, board, view):
    _choose_stage(qtbot, view, "asesmen")
    assert _counts(view)["asesmen"] == 2 and _counts(view)["rencana_intervensi"] == 0
    view.case_table.setFocus()
    view.case_table.selectRow(0)
    assert view.open_button.isEnabled()
    qtbot.keyClick(view.case_table, Qt.Key.Key_Return)
    window = case_window._open_windows[board["Siti Noer Djannah"].id]
    assert window.isVisible() and window.name_label.text() == "Siti Noer Djannah"
    dialog = window.change_stage()
    assert dialog.stage_combo.currentData() == "rencana_intervensi"
    dialog.note_edit.setPlainText("Asesmen selesai, rencana disusun bersama keluarga")
    with qtbot.waitSignal(dialog.finished, timeout=3000):
        dialog.save_button.click()
    history = cases.stage_history(ctx.db, board["Siti Noer Djannah"].id)
    assert [h.to_stage for h in history] == ["pendekatan_awal", "asesmen", "rencana_intervensi"]
    assert history[-1].note == "Asesmen selesai, rencana disusun bersama keluarga"
    _settle(qtbot, view)  # the bus told the board: it read again
    assert _counts(view)["asesmen"] == 1 and _counts(view)["rencana_intervensi"] == 1
    assert _names(view) == ["Budi Santoso"]
    # opening the same case again raises its window instead of a second one
    assert view.open_case(board["Siti Noer Djannah"].id) is window
    window.close()
    assert board["Siti Noer Djannah"].id not in case_window._open_windows


def test_new_case_for_a_registered_client(qtbot, ctx, board, view, add_clients):
    [client] = add_clients("Rusmini Arbainah", sex="P")
    view.choose_worker(board["ahmad"].id)
    _settle(qtbot, view)
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = view.form
    assert dialog is not None and dialog.objectName() == "newCaseDialog"
    assert dialog.worker_combo.currentText() == "Ahmad Fauzi"  # the worker the board is filtered by
    dialog.save_button.click()
    assert dialog.problem("client_id") == "Cari dan pilih klien yang kasusnya dibuka."
    qtbot.keyClicks(dialog.search_edit, "rusmini")
    qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Return)  # searches, never saves
    assert dialog.isVisible() and dialog.results.count() == 1
    assert dialog.results.item(0).text().startswith(f"Rusmini Arbainah · {client.display_id}")
    dialog.approach_combo.setCurrentIndex(dialog.approach_combo.findData("komunitas"))
    with qtbot.waitSignal(dialog.finished, timeout=3000):
        dialog.save_button.click()
    [made] = cases.list_cases(ctx.db, client_id=client.id)
    assert (made.stage, made.approach, made.worker_id, made.opened_on) == (
        "pendekatan_awal", "komunitas", board["ahmad"].id, TODAY)
    assert cases.stage_history(ctx.db, made.id)[0].to_stage == "pendekatan_awal"
    assert made.id in case_window._open_windows  # its window opens
    assert view.notice_label.text() == f"Kasus {made.display_id} dibuka untuk Rusmini Arbainah."
    _settle(qtbot, view)
    assert _counts(view)["pendekatan_awal"] == 1  # Ahmad's cases: Budi (asesmen) and Rusmini
    assert "Rusmini Arbainah" in _names(view)


def test_a_second_open_case_is_refused_under_the_client(qtbot, ctx, board, view):
    dialog = view.new_case()
    qtbot.keyClicks(dialog.search_edit, "budi santoso")
    dialog.search()
    assert dialog.results.count() == 1
    dialog.save_button.click()
    assert dialog.isVisible()
    assert dialog.problem("client_id").startswith(
        f"Klien ini masih punya kasus terbuka ({board['Budi Santoso'].display_id}, tahap Asesmen).")
    assert len(cases.list_cases(ctx.db, client_id=board["Budi Santoso"].client_id)) == 1
    dialog.confirm_discard = lambda: True
    dialog.reject()


def test_models_pass_the_model_tester(qtmodeltester, qtbot, board, view):
    view.reload()
    _settle(qtbot, view)
    assert view.board_model.rowCount() == 4
    qtmodeltester.check(view.stage_model)
    qtmodeltester.check(view.board_model)


def test_the_board_refreshes_on_the_bus_only_when_shown(qtbot, ctx, board, view, add_clients):
    view.reload()
    _settle(qtbot, view)
    [client] = add_clients("Intan Rahayu", sex="P")
    cases.open_case(ctx.db, client.id)
    view.hide()
    view.bus.cases_changed.emit()
    assert not view.busy and _counts(view)[""] == 4  # hidden: nothing read yet
    view.show()
    _settle(qtbot, view)
    assert _counts(view)[""] == 5


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_klien_context_menu_opens_the_clients_case(qtbot, ctx, board, add_clients):
    from ui.views.klien import KlienView

    add_clients("Intan Rahayu", sex="P")
    klien = KlienView(ctx, ChangeBus())
    qtbot.addWidget(klien)
    klien.setMinimumSize(800, 500)
    klien.show()
    qtbot.waitUntil(lambda: not klien.busy)
    names = [klien.model.index(r, 1).data() for r in range(klien.model.rowCount())]

    def menu_of(name):
        row = names.index(name)
        klien.table.selectRow(row)
        return klien.context_menu(klien.model.index(row, 1))

    siti = board["Siti Noer Djannah"]
    actions = menu_of("Siti Noer Djannah").actions()
    assert [a.text() for a in actions][:5] == ["&Buka", "&Keluarga (KK)…", "&Asesmen…", "Buka ka&sus…",
                                               "&Persetujuan data…"]
    actions[3].trigger()
    window = case_window._open_windows[siti.id]
    assert window.name_label.text() == "Siti Noer Djannah"
    window.close()
    # a client with two cases (the first terminated) chooses one from a submenu, newest first
    wulan = board["Wulan Jamilah"]
    second = cases.open_case(ctx.db, wulan.client_id)
    [sub] = [a.menu() for a in menu_of("Wulan Jamilah").actions() if a.menu() is not None]
    assert [a.text() for a in sub.actions()] == [f"{second.display_id} · Pendekatan Awal",
                                                 f"{wulan.display_id} · Terminasi"]
    sub.actions()[1].trigger()
    assert wulan.id in case_window._open_windows
    case_window._open_windows[wulan.id].close()
    # no case: no "Buka kasus"
    texts = [a.text() for a in menu_of("Intan Rahayu").actions()]
    assert texts[:3] == ["&Buka", "&Keluarga (KK)…", "&Asesmen…"] and "Buka ka&sus…" not in texts


def test_the_board_works_with_the_keyboard(qtbot, board, view):
    """Ctrl+F to the search, Tab through the filter to the stages, arrows choose a stage, Enter goes to its
    cases."""
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    qtbot.keyClick(view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.search_edit.hasFocus()
    view.stage_table.setFocus()
    qtbot.keyClick(view.stage_table, Qt.Key.Key_Down)
    qtbot.keyClick(view.stage_table, Qt.Key.Key_Down)  # Semua tahap -> Pendekatan Awal -> Asesmen
    _settle(qtbot, view)
    assert view.chosen_stage() == "asesmen" and _names(view) == ["Siti Noer Djannah", "Budi Santoso"]
    qtbot.keyClick(view.stage_table, Qt.Key.Key_Return)
    assert view.case_table.hasFocus() and view.selected_case().client_name == "Siti Noer Djannah"
    chain, widget = [], view.search_edit
    for _ in range(5):
        widget = widget.nextInFocusChain()
        while not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or not widget.isVisible():
            widget = widget.nextInFocusChain()
        chain.append(widget)
    assert chain[:5] == [view.worker_combo, view.open_button, view.stage_table, view.case_table, view.new_button]
