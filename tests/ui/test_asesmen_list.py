"""A client's asesmen and plans: the list newest first, the wizard opened from it (a re-asesmen after a finished
one) and the list following it, the comparison, the plan drafted once then opened, reopening with a reason;
the Klien screen opens it (Ctrl+Shift+A)."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from atensi_desktop.services import assessments as svc
from atensi_desktop.services import intervention as plans
from tests.ui import asesmen_data as data
from ui.dialogs.asesmen_compare import AsesmenCompareDialog
from ui.dialogs.asesmen_list import AsesmenListDialog, AsesmenListModel, ReopenDialog, open_asesmen_list
from ui.dialogs.asesmen_wizard import AsesmenWizard
from ui.dialogs.intervention_plan import InterventionPlanDialog, draft_plan

SHOTS = os.environ.get("ATENSI_SHOTS")
pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")


def _open(qtbot, ctx, client_id) -> AsesmenListDialog:
    dialog = open_asesmen_list(None, ctx, None, client_id)
    assert dialog is not None
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    return dialog


def _row(dialog, row) -> list[str]:
    return [dialog.model.index(row, c).data() for c in range(dialog.model.columnCount())]


def _select(dialog, row) -> None:
    dialog.table.setCurrentIndex(dialog.model.index(row, 0))


def _child(qtbot, dialog, kind):
    qtbot.waitUntil(lambda: isinstance(dialog.child, kind), timeout=3000)
    child = dialog.child
    qtbot.waitExposed(child)
    return child


def _closed(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog.child is None, timeout=5000)


def test_each_asesmen_newest_first_with_who_finished_it_and_its_plan(qtbot, ctx, office):
    story = data.two_asesmen(ctx)
    draft_plan(ctx, story.first, worker_id=story.worker_id)
    dialog = _open(qtbot, ctx, story.client_id)
    assert dialog.windowTitle() == "Asesmen dan rencana — Sarinah binti Darman"
    assert _row(dialog, 0) == ["07-04-2026", "Asesmen lanjutan (re-asesmen)", "Selesai", "Asesmen ATENSI v1",
                               "09-04-2026 oleh Siti Rahmah", "Belum ada"]
    assert _row(dialog, 1) == ["06-01-2026", "Asesmen awal", "Selesai", "Asesmen ATENSI v1",
                               "08-01-2026 oleh Siti Rahmah", "Draf (3 tujuan)"]
    assert dialog.hint_label.text().startswith("Asesmen baru akan menjadi asesmen lanjutan (re-asesmen)")
    assert dialog.new_button.text() == "&Asesmen baru"
    # the re-asesmen has a previous one to compare with; the first has none
    assert dialog.compare_button.isEnabled() and dialog.plan_button.text() == "Susun &rencana intervensi"
    _select(dialog, 1)
    assert not dialog.compare_button.isEnabled() and dialog.plan_button.text() == "Buka &rencana intervensi"
    assert dialog.reopen_button.isEnabled()
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "asesmen-list.png"))


def test_the_wizard_opens_from_the_list_and_the_list_follows_it(qtbot, ctx, office):
    client_id = data.older_client(ctx)
    dialog = _open(qtbot, ctx, client_id)
    assert dialog.empty_label.isVisibleTo(dialog) and not dialog.table.isVisibleTo(dialog)
    assert not (dialog.compare_button.isEnabled() or dialog.plan_button.isEnabled()
                or dialog.reopen_button.isEnabled())
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "asesmen-list-empty.png"))
    qtbot.keyClick(dialog, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # Asesmen baru
    wizard = _child(qtbot, dialog, AsesmenWizard)
    first = wizard.assessment
    assert first.kind == svc.KIND_INITIAL
    wizard.go_to("identitas")
    wizard.go_to("fisik")  # identity saved on the way, the physical section on closing
    qtbot.mouseClick(wizard.close_button, Qt.MouseButton.LeftButton)
    _closed(qtbot, dialog)
    assert dialog.empty_label.isHidden() and dialog.model.rowCount() == 1
    assert _row(dialog, 0)[1:3] == ["Asesmen awal", "Draf · 2 bagian tersimpan"]
    assert _row(dialog, 0)[AsesmenListModel.PLAN] == "Setelah asesmen selesai"
    assert dialog.new_button.text() == "&Lanjutkan draf"
    assert not dialog.plan_button.isEnabled() and not dialog.reopen_button.isEnabled()
    # Enter on the draft resumes it
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    wizard = _child(qtbot, dialog, AsesmenWizard)
    assert wizard.assessment.id == first.id
    wizard._closing = True
    wizard.reject()
    _closed(qtbot, dialog)

    # once finished, a new asesmen is a re-asesmen of it
    svc.finish(ctx.db, first.id)
    dialog.reload()
    assert dialog.new_button.text() == "&Asesmen baru"
    dialog.new_button.click()
    wizard = _child(qtbot, dialog, AsesmenWizard)
    assert (wizard.assessment.kind, wizard.assessment.previous_assessment_id) == (svc.KIND_FOLLOW_UP, first.id)
    qtbot.mouseClick(wizard.close_button, Qt.MouseButton.LeftButton)
    _closed(qtbot, dialog)
    assert [_row(dialog, r)[1] for r in range(2)] == ["Asesmen lanjutan (re-asesmen)", "Asesmen awal"]
    assert dialog.compare_button.isEnabled()


def test_the_plan_is_drafted_once_then_opened(qtbot, ctx, office):
    story = data.two_asesmen(ctx)
    dialog = _open(qtbot, ctx, story.client_id)
    # Enter on a finished asesmen without a plan drafts it from the needs
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    editor = _child(qtbot, dialog, InterventionPlanDialog)
    assert [g.need_code for g in editor.plan.goals] == ["kesehatan", "dukungan_keluarga"]
    assert editor.plan.assessment_id == story.second
    qtbot.keyClick(editor.tree, Qt.Key.Key_Escape)
    _closed(qtbot, dialog)
    assert _row(dialog, 0)[AsesmenListModel.PLAN] == "Draf (2 tujuan)"
    assert dialog.plan_button.text() == "Buka &rencana intervensi"
    assert QApplication.focusWidget() is dialog.table

    # a plan drafted elsewhere meanwhile (another window, a sync): opened, not drafted twice
    made = draft_plan(ctx, story.first, worker_id=story.worker_id)
    _select(dialog, 1)
    assert dialog.plan_button.text() == "Susun &rencana intervensi"  # the list has not seen it yet
    dialog.plan_button.click()
    editor = _child(qtbot, dialog, InterventionPlanDialog)
    assert editor.plan_id == made.id
    assert len(plans.plans_for_client(ctx.db, story.client_id)) == 2
    editor.reject()
    _closed(qtbot, dialog)
    assert _row(dialog, 1)[AsesmenListModel.PLAN] == "Draf (3 tujuan)"


def test_compare_from_the_keyboard(qtbot, ctx, office):
    story = data.two_asesmen(ctx)
    dialog = _open(qtbot, ctx, story.client_id)
    qtbot.keyClick(dialog, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    compare = _child(qtbot, dialog, AsesmenCompareDialog)
    assert (compare.previous.id, compare.current.id) == (story.first, story.second)
    assert compare.score_labels[0].text().startswith("Indeks Barthel: 12 → 15 (+3)")
    qtbot.keyClick(compare.table, Qt.Key.Key_Escape)
    _closed(qtbot, dialog)


def test_reopen_needs_a_reason_then_the_asesmen_is_a_draft_again(qtbot, ctx, office):
    story = data.two_asesmen(ctx)
    dialog = _open(qtbot, ctx, story.client_id)
    qtbot.keyClick(dialog, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)  # Buka kembali…
    reopen = _child(qtbot, dialog, ReopenDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is reopen.reason_edit, timeout=2000)  # once active
    qtbot.keyClicks(reopen.reason_edit, "typo")
    reopen.ok_button.click()  # too short: said under the field, nothing changed
    assert reopen.error_label.text() == "Tulis alasan membuka kembali asesmen ini (paling sedikit 5 huruf)."
    assert reopen.isVisible()
    assert svc.get_assessment(ctx.db, story.second).status == svc.STATUS_FINISHED
    if SHOTS:
        reopen.grab().save(os.path.join(SHOTS, "asesmen-reopen.png"))
    qtbot.keyClicks(reopen.reason_edit, ": tanggal lahir anggota keluarga salah")
    reopen.ok_button.click()
    _closed(qtbot, dialog)
    stored = svc.get_assessment(ctx.db, story.second)
    assert stored.status == svc.STATUS_DRAFT
    assert stored.reopen_reason == "typo: tanggal lahir anggota keluarga salah"
    assert _row(dialog, 0)[2] == "Draf · 4 bagian tersimpan"
    assert dialog.new_button.text() == "&Lanjutkan draf"
    assert not dialog.reopen_button.isEnabled()
    assert dialog.compare_button.isEnabled()  # a draft re-asesmen still compares with the one it follows
    assert dialog.status_label.text().startswith("Asesmen dibuka kembali sebagai draf.")


def test_the_klien_screen_opens_the_list(qtbot, ctx, office):
    from ui.change_bus import ChangeBus
    from ui.views.klien import KlienView

    story = data.two_asesmen(ctx)
    view = KlienView(ctx, ChangeBus())
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    view.table.setCurrentIndex(view.model.index(0, 1))
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, AsesmenListDialog) and w.isVisible()]
    assert len(found) == 1 and found[0].client_id == story.client_id
    found[0].close()
