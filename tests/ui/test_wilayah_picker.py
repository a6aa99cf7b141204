"""The region picker: four cascading combos that filter as you type, set_code, and the not-loaded hint."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from atensi_desktop.services.wilayah import load_demo_region
from ui.widgets.wilayah_picker import WilayahPicker

HAMALAU = "63.06.01.2001"
# Typing opens the completer's popup, which the offscreen platform can neither raise nor let grab the keyboard.
popup_limits = pytest.mark.qt_log_ignore(r"^This plugin does not support (raise\(\)|grabbing the keyboard)$")


def _show(qtbot, picker: WilayahPicker) -> WilayahPicker:
    qtbot.addWidget(picker)
    picker.setMinimumSize(picker.minimumSizeHint())  # explicit: offscreen Qt warns when it changes once shown
    picker.resize(420, picker.sizeHint().height())
    picker.show()
    qtbot.waitExposed(picker)
    picker.activateWindow()
    qtbot.waitUntil(lambda: picker.isActiveWindow())
    return picker


@pytest.fixture
def picker(qtbot, ctx):
    load_demo_region(ctx.db)
    return _show(qtbot, WilayahPicker(ctx.db))


def _press(qtbot, widget, key: Qt.Key) -> None:
    """A key as Qt routes it: to the completer's popup while that is open, else to the focused widget."""
    qtbot.keyClick(QApplication.activePopupWidget() or widget, key)


def _texts(picker: WilayahPicker) -> list[str]:
    return [combo.currentText() for combo in picker.combos]


def test_only_provinces_loaded_shows_the_hint_instead_of_empty_combos(qtbot, ctx):
    picker = _show(qtbot, WilayahPicker(ctx.db))
    assert picker.only_provinces
    assert picker.hint_label.text() == (
        "Daftar desa belum dimuat: impor daftar wilayah (atensi-desktop wilayah import FILE).")
    assert picker.combos[0].isVisible() and picker.combos[0].count() == 38
    assert not any(combo.isVisible() for combo in picker.combos[1:])
    assert picker.code() is None


@popup_limits
def test_typing_part_of_a_name_in_any_case_and_enter_chooses_and_moves_on(qtbot, picker):
    assert not picker.only_provinces and not picker.hint_label.isVisible()
    assert not picker.combos[1].isEnabled()  # nothing to choose before a province
    steps = [("kalimantan sel", "Kalimantan Selatan"), ("HULU SUNGAI SEL", "Kabupaten Hulu Sungai Selatan"),
             ("sungai raya", "Sungai Raya"), ("hamal", "Hamalau")]
    picker.combos[0].setFocus()
    for level, (typed, name) in enumerate(steps):
        combo = picker.combos[level]
        assert combo.hasFocus()
        qtbot.keyClicks(combo.lineEdit(), typed)
        if level == len(steps) - 1:
            with qtbot.waitSignal(picker.code_changed) as changed:
                _press(qtbot, combo, Qt.Key.Key_Return)
            assert changed.args == [HAMALAU]
        else:
            _press(qtbot, combo, Qt.Key.Key_Return)
        assert combo.currentText() == name
    assert picker.code() == HAMALAU


def test_enter_keeps_the_region_and_moves_to_the_next_level(qtbot, picker):
    picker.set_code("63.06")
    combo = picker.combos[1]
    combo.setFocus()
    with qtbot.assertNotEmitted(picker.code_changed):
        qtbot.keyClick(combo, Qt.Key.Key_Return)
    assert picker.combos[2].hasFocus()


def test_completer_filters_by_any_part_of_the_name_ignoring_case(picker):
    completer = picker.combos[0].completer()
    assert completer.filterMode() == Qt.MatchFlag.MatchContains
    assert completer.caseSensitivity() == Qt.CaseSensitivity.CaseInsensitive
    completer.setCompletionPrefix("selatan")
    found = {completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())}
    assert {"Kalimantan Selatan", "Sumatera Selatan", "Sulawesi Selatan"} <= found
    assert "Kalimantan Timur" not in found


@popup_limits
def test_text_that_names_nothing_is_put_back(qtbot, picker):
    picker.set_code("63.06")
    combo = picker.combos[1]
    combo.setFocus()
    combo.lineEdit().selectAll()
    qtbot.keyClicks(combo.lineEdit(), "tidak ada")
    _press(qtbot, combo, Qt.Key.Key_Return)
    assert combo.currentText() == "Kabupaten Hulu Sungai Selatan"
    assert picker.code() == "63.06"


def test_arrow_keys_choose_and_fill_the_next_level(qtbot, picker):
    picker.set_code("63")
    combo = picker.combos[1]
    combo.setFocus()
    with qtbot.waitSignal(picker.code_changed) as changed:
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert changed.args == [combo.currentData()]
    assert combo.currentData().startswith("63.")
    assert picker.combos[2].count() > 0


def test_set_code_selects_the_whole_chain(picker):
    picker.set_code(HAMALAU)
    assert _texts(picker) == ["Kalimantan Selatan", "Kabupaten Hulu Sungai Selatan", "Sungai Raya", "Hamalau"]
    assert picker.code() == HAMALAU
    picker.set_code("6306")  # any accepted spelling
    assert _texts(picker) == ["Kalimantan Selatan", "Kabupaten Hulu Sungai Selatan", "", ""]
    assert picker.code() == "63.06"
    picker.set_code(None)
    assert _texts(picker) == ["", "", "", ""]
    assert picker.code() is None


def test_clearing_a_level_clears_the_levels_below(qtbot, picker):
    picker.set_code(HAMALAU)
    combo = picker.combos[2]
    combo.setFocus()
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Backspace)
    with qtbot.waitSignal(picker.code_changed) as changed:
        _press(qtbot, combo, Qt.Key.Key_Return)
    assert changed.args == ["63.06"]
    assert _texts(picker)[2:] == ["", ""]
    assert not picker.combos[3].isEnabled()


def test_a_code_missing_from_the_list_is_kept_until_another_is_chosen(qtbot, picker):
    picker.set_code("63.06.01.2999")
    assert picker.code() == "63.06.01.2999"
    assert _texts(picker)[:3] == ["Kalimantan Selatan", "Kabupaten Hulu Sungai Selatan", "Sungai Raya"]
    assert "63.06.01.2999" in picker.kept_label.text() and picker.kept_label.isVisible()
    picker.combos[3].setCurrentIndex(0)
    assert picker.code() == HAMALAU
    assert not picker.kept_label.isVisible()
    picker.set_code("63.06.99", keep_unknown=False)
    assert picker.code() == "63.06"
