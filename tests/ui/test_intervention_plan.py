"""The rencana intervensi editor: drafted from the asesmen's needs, goals edited, activities added with an
ATENSI service, the engine's messages inline (nothing saved), approval gaps named, approved = read-only until
revised, and the whole path from the keyboard."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from atensi_desktop.services import intervention as svc
from tests.ui import asesmen_data as data
from ui.dialogs.intervention_plan import InterventionPlanDialog, draft_plan, open_plan

SHOTS = os.environ.get("ATENSI_SHOTS")
pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")
BAD_DATE = "Tanggal tidak dikenali; tulis sebagai hari-bulan-tahun, misalnya 05-03-2026."


@pytest.fixture
def plan(ctx, office):
    """A plan drafted from a finished asesmen whose needs are food, referral and an old code no form knows."""
    client_id = data.older_client(ctx)
    worker = data.worker(ctx)
    answers = data.first_answers()
    answers["kebutuhan"] = {"kebutuhan": ["makan", "kode_lama", "rujukan"], "paling_mendesak": "makan"}
    aid = data.finished_asesmen(ctx, client_id, answers, started=data.FIRST_DAY, worker_id=worker)
    return draft_plan(ctx, aid, worker_id=worker)


def _open(qtbot, ctx, plan_id, monkeypatch=None, *, confirm=True) -> InterventionPlanDialog:
    dialog = open_plan(None, ctx, plan_id, worker_id=data.worker(ctx))
    assert dialog is not None
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    if monkeypatch is not None:
        monkeypatch.setattr(dialog, "confirm", lambda title, text: confirm)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    return dialog


def _tree(dialog) -> list[str]:
    lines = []
    for i in range(dialog.tree.topLevelItemCount()):
        top = dialog.tree.topLevelItem(i)
        lines.append(top.text(0))
        lines += ["  " + top.child(j).text(0) for j in range(top.childCount())]
    return lines


def test_the_draft_shows_goals_from_the_needs_and_the_needs_left_to_plan(qtbot, ctx, plan, monkeypatch):
    assert plan.unmapped_needs == ("kode_lama",)
    dialog = _open(qtbot, ctx, plan.id, monkeypatch)
    assert _tree(dialog) == ["1. Kebutuhan klien terpenuhi: makanan sehari-hari.", "  Permakanan",
                             "2. Kebutuhan klien terpenuhi: rujukan ke lembaga lain.", "  Rujukan"]
    food = dialog.tree.topLevelItem(0)
    assert (food.text(1), food.child(0).text(1)) == ("Segera", "ATENSI 1 + SPM")
    assert dialog.unmapped_label.isVisibleTo(dialog)
    assert dialog.unmapped_label.text().startswith("Kebutuhan yang belum ada rencananya: kode_lama.")
    # the first goal is open in the editor
    assert dialog.stack.currentWidget() is dialog.goal_editor
    assert dialog.goal_editor.need_combo.currentText() == "Makanan sehari-hari"
    # removing the food goal puts that need back on the list to plan
    dialog.tree.setCurrentItem(food)
    dialog.remove_current()
    assert _tree(dialog) == ["1. Kebutuhan klien terpenuhi: rujukan ke lembaga lain.", "  Rujukan"]
    assert dialog.unmapped_label.text().startswith(
        "Kebutuhan yang belum ada rencananya: Makanan sehari-hari, kode_lama.")
    assert [g.need_code for g in svc.get_plan(ctx.db, plan.id).goals] == ["rujukan"]


def test_edit_a_goal_add_an_activity_invalid_date_then_approve_and_revise(qtbot, ctx, plan, monkeypatch):
    dialog = _open(qtbot, ctx, plan.id, monkeypatch)
    editor = dialog.goal_editor
    before = svc.get_plan(ctx.db, plan.id).goals[0]
    # an impossible date, with another change: the message under the field, nothing saved
    editor.goal_edit.setText("Ibu Sarinah makan dua kali sehari")
    editor.target_edit.setText("31-02-2026")
    assert dialog.save_current() is False
    assert editor.problems.problem("target_date") == BAD_DATE
    assert editor.target_edit.property("invalid") is True
    assert svc.get_plan(ctx.db, plan.id).goals[0] == before
    # fixed: saved, the tree follows
    editor.target_edit.setText("30-06-2026")
    assert dialog.save_current() is True
    goal = svc.get_plan(ctx.db, plan.id).goals[0]
    assert (goal.goal, goal.target_date) == ("Ibu Sarinah makan dua kali sehari", dt.date(2026, 6, 30))
    assert _tree(dialog)[0] == "1. Ibu Sarinah makan dua kali sehari"

    # a new activity under that goal, mapped to an ATENSI component and sub-item, with a worker
    dialog.new_activity()
    act = dialog.activity_editor
    assert act.title_label.text() == "Kegiatan baru"
    act.description_edit.setText("Mediasi dengan anak-anak klien")
    act.component_combo.setCurrentIndex(act.component_combo.findData("dukungan_keluarga"))
    act.subitem_combo.setCurrentIndex(act.subitem_combo.findText("Mediasi Keluarga"))
    act.worker_combo.setCurrentIndex(1)
    act.method_edit.setText("Kunjungan rumah")
    act.target_edit.setText("15-05-2026")
    assert dialog.save_current() is True
    saved = svc.get_plan(ctx.db, plan.id).goals[0].activities[-1]
    assert (saved.description, saved.atensi_service, saved.atensi_subitem, saved.spm_service, saved.method,
            saved.responsible_worker_id, saved.target_date) == (
        "Mediasi dengan anak-anak klien", "dukungan_keluarga", "mediasi_keluarga", None, "Kunjungan rumah",
        data.worker(ctx), dt.date(2026, 5, 15))
    assert _tree(dialog)[1:3] == ["  Permakanan", "  Mediasi dengan anak-anak klien"]
    assert dialog.tree.currentItem().text(0) == "Mediasi dengan anak-anak klien"

    # an activity with a description too short: inline, not added
    dialog.new_activity()
    act.description_edit.setText("ab")
    assert dialog.save_current() is False
    assert act.problems.problem("description") == "Tulis kegiatannya (paling sedikit 3 huruf)."
    assert len(svc.get_plan(ctx.db, plan.id).goals[0].activities) == 2
    dialog.revert_current()

    dialog.approve()
    assert svc.get_plan(ctx.db, plan.id).status == svc.PLAN_APPROVED
    assert dialog.state_label.text().startswith("Disetujui ")
    assert not dialog.approve_button.isVisibleTo(dialog) and dialog.revise_button.isVisibleTo(dialog)
    assert not dialog.add_goal_button.isEnabled() and not dialog.add_activity_button.isEnabled()
    assert not dialog.remove_button.isEnabled()
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0))
    assert dialog.goal_editor.goal_edit.isReadOnly() and not dialog.goal_editor.horizon_combo.isEnabled()
    assert not dialog.goal_editor.save_button.isVisibleTo(dialog)
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "plan-approved.png"))

    dialog.revise()
    assert svc.get_plan(ctx.db, plan.id).status == svc.PLAN_DRAFT
    assert not dialog.goal_editor.goal_edit.isReadOnly() and dialog.add_goal_button.isEnabled()


def test_approval_names_what_is_missing(qtbot, ctx, plan, monkeypatch):
    dialog = _open(qtbot, ctx, plan.id, monkeypatch)
    dialog.new_goal()
    assert dialog.stack.currentWidget() is dialog.goal_editor and dialog.goal_editor.title_label.text() == \
        "Tujuan baru"
    dialog.goal_editor.goal_edit.setText("Rumah klien layak huni")
    assert dialog.save_current() is True
    dialog.approve()
    assert svc.get_plan(ctx.db, plan.id).status == svc.PLAN_DRAFT
    assert dialog.gap_messages() == ["Tujuan \u201cRumah klien layak huni\u201d belum punya kegiatan."]
    assert _tree(dialog)[-1] == "! 3. Rumah klien layak huni"
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "plan-gaps.png"))
    # Enter on the gap opens that goal
    dialog.gap_list.setFocus()
    dialog.gap_list.setCurrentRow(0)
    qtbot.keyClick(dialog.gap_list, Qt.Key.Key_Return)
    assert dialog.tree.currentItem().text(0) == "! 3. Rumah klien layak huni"
    assert QApplication.focusWidget() is dialog.goal_editor.goal_edit
    # an activity without a worker or a service: each named
    dialog.new_activity()
    dialog.activity_editor.description_edit.setText("Bedah rumah")
    assert dialog.save_current() is True
    assert dialog.gap_list.isHidden()  # the goal's gap was fixed by adding an activity
    dialog.approve()
    assert dialog.gap_messages() == [
        "Kegiatan \u201cBedah rumah\u201d belum punya petugas penanggung jawab.",
        "Kegiatan \u201cBedah rumah\u201d belum dipetakan ke layanan ATENSI atau SPM."]


def test_leaving_an_edit_that_cannot_be_saved_keeps_it(qtbot, ctx, plan, monkeypatch):
    dialog = _open(qtbot, ctx, plan.id, monkeypatch, confirm=False)
    dialog.goal_editor.target_edit.setText("besok")
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(1))  # moving away tries to save first
    assert dialog.tree.currentItem() is dialog.tree.topLevelItem(0)
    assert dialog.goal_editor.problems.problem("target_date") == BAD_DATE
    dialog.reject()  # closing asks; "Tidak" keeps the dialog open with the edit
    assert dialog.isVisible() and dialog.goal_editor.target_edit.text() == "besok"
    # a valid edit is saved on the way to the other goal
    dialog.goal_editor.target_edit.setText("01-08-2026")
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(1))
    assert dialog.stack.currentWidget() is dialog.goal_editor
    assert dialog.goal_editor.goal_edit.text() == "Kebutuhan klien terpenuhi: rujukan ke lembaga lain."
    assert svc.get_plan(ctx.db, plan.id).goals[0].target_date == dt.date(2026, 8, 1)
    qtbot.waitUntil(lambda: dialog.tree.topLevelItem(0).text(2) == "01-08-2026", timeout=2000)


def test_keyboard_only(qtbot, ctx, plan, monkeypatch):
    dialog = _open(qtbot, ctx, plan.id, monkeypatch)
    tree = dialog.tree
    assert QApplication.focusWidget() is tree
    qtbot.keyClick(tree, Qt.Key.Key_Down)  # the food goal's activity
    assert dialog.stack.currentWidget() is dialog.activity_editor
    qtbot.keyClick(tree, Qt.Key.Key_F6)
    description = dialog.activity_editor.description_edit
    assert QApplication.focusWidget() is description
    description.selectAll()
    qtbot.keyClicks(description, "Antar makanan setiap hari")
    qtbot.keyClick(description, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert svc.get_plan(ctx.db, plan.id).goals[0].activities[0].description == "Antar makanan setiap hari"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6)
    assert QApplication.focusWidget() is tree
    # Alt+T: a new goal, typed and saved with Enter
    qtbot.keyClick(dialog, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.goal_editor.title_label.text() == "Tujuan baru", timeout=2000)
    goal_edit = dialog.goal_editor.goal_edit
    assert QApplication.focusWidget() is goal_edit
    qtbot.keyClicks(goal_edit, "Klien punya KTP dan BPJS")
    qtbot.keyClick(goal_edit, Qt.Key.Key_Tab)  # to Sasaran
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # to the horizon
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)  # "Jangka Pendek" -> "Jangka Menengah"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # to the target date
    target = QApplication.focusWidget()
    assert isinstance(target, QLineEdit) and target is dialog.goal_editor.target_edit
    qtbot.keyClicks(target, "31-12-2026")
    qtbot.keyClick(target, Qt.Key.Key_Return)
    goals = svc.get_plan(ctx.db, plan.id).goals
    assert (goals[-1].goal, goals[-1].horizon, goals[-1].target_date) == (
        "Klien punya KTP dan BPJS", "menengah", dt.date(2026, 12, 31))
    assert tree.currentItem().text(0) == "3. Klien punya KTP dan BPJS"
    # Delete on the tree removes it (after the question)
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Delete)
    assert [g.goal for g in svc.get_plan(ctx.db, plan.id).goals] == [
        "Kebutuhan klien terpenuhi: makanan sehari-hari.", "Kebutuhan klien terpenuhi: rujukan ke lembaga lain."]
    # Alt+S approves; Esc closes
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: svc.get_plan(ctx.db, plan.id).status == svc.PLAN_APPROVED, timeout=2000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
