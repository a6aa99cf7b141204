"""A whole asesmen across a power cut: two workers fill sections from the main window, the application dies
with typing not yet saved, starts again on the same data folder, and the asesmen resumes where it was, with
who filled which section kept; then it is completed and finished."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from atensi_desktop.app_context import open_app
from atensi_desktop.services import assessments as svc
from atensi_desktop.services.clients import create_client
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.services.workers import create_worker
from tests.ui.test_asesmen_wizard import _fill_required
from ui import tasks
from ui.dialogs.asesmen_wizard import REVIEW, open_asesmen
from ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")


def _start(qtbot, home, monkeypatch):
    monkeypatch.delenv("ATENSI_DB", raising=False)
    ctx = open_app(None, str(home))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not window.busy, timeout=10000)
    return ctx, window


def _wizard(qtbot, window, client_id):
    wizard = open_asesmen(window, window.ctx, window.bus, client_id)
    assert wizard is not None
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    qtbot.waitExposed(wizard)
    return wizard


def _settle(qtbot, wizard):
    qtbot.waitUntil(lambda: not wizard.busy, timeout=5000)


def test_a_whole_asesmen_survives_a_power_cut_and_resumes_after_a_restart(qtbot, tmp_path, monkeypatch):
    home = tmp_path / "home"
    ctx, window = _start(qtbot, home, monkeypatch)
    setup_installation(ctx.db, OfficeInput(name="Panti Sosial Tresna Werdha Budi Sejahtera", office_type="panti",
                                           code="PSTW"), WorkerInput(name="Ani Lestari"))
    budi = create_worker(ctx.db, WorkerInput(name="Budi Hartono")).id
    client = create_client(ctx.db, {"name": "Sarinah", "sex": "P", "birth_date": dt.date(1948, 3, 2),
                                    "cluster": "lanjut_usia"})

    wizard = _wizard(qtbot, window, client.id)
    aid = wizard.assessment.id
    assert wizard.worker_box.currentText() == "Ani Lestari"  # the first worker until someone picks
    assert wizard.filled_label.text() == "Bagian ini belum pernah disimpan."
    wizard.go_to("lansia")
    page = wizard.renderers["lansia"]
    page.blocks["barthel_makan"].editor.buttons[2][1].click()
    wizard.go_to("psikologis")  # leaving "lansia" saves it, as Ani
    _settle(qtbot, wizard)
    # Budi takes over: picked by keyboard in "Diisi oleh"
    wizard.worker_box.setFocus()
    qtbot.keyClick(wizard.worker_box, Qt.Key.Key_Home)
    assert wizard.worker_box.currentText().startswith("Ani")
    qtbot.keyClick(wizard.worker_box, Qt.Key.Key_Down)
    assert wizard.worker_id == budi
    wizard.go_to("spiritual")
    spiritual = wizard.renderers["spiritual"]
    text_q = next(q for q in spiritual.section.questions if q.type in ("text", "long_text"))
    spiritual.blocks[text_q.id].editor.set("Rajin ke pengajian")
    wizard.go_to("ekonomi")  # saves "spiritual" as Budi
    _settle(qtbot, wizard)
    assert wizard.filled_text("spiritual").startswith("Terakhir disimpan oleh Budi Hartono, ")
    wizard.go_to("lansia")
    assert wizard.filled_label.text().startswith("Terakhir disimpan oleh Ani Lestari, ")
    lansia = wizard.renderers["lansia"]
    lansia.blocks["barthel_mandi"].editor.buttons[1][1].click()  # typed, not yet saved...
    wizard.write_draft()  # ...but in the local draft, as the timer writes it a moment after typing

    # power cut: no save on the way out, the windows just go, the database connection is dropped
    wizard._closing = True
    wizard.hide()
    window.hide()
    tasks.wait_for_all()
    ctx.close()
    stored = None

    ctx, window = _start(qtbot, home, monkeypatch)
    stored = svc.get_assessment(ctx.db, aid)
    assert stored.sections["lansia"].answers == {"barthel_makan": "2"}  # the last save, not the typing
    assert stored.sections["lansia"].filled_by_name == "Ani Lestari"
    assert stored.sections["spiritual"].filled_by_name == "Budi Hartono"

    again = _wizard(qtbot, window, client.id)
    assert again.assessment.id == aid and len(svc.list_assessments(ctx.db, client.id)) == 1
    assert again.current == "lansia"
    assert again.renderers["lansia"].values() == {"barthel_makan": "2", "barthel_mandi": "1"}
    assert "dipulihkan" in again.notice.text()
    assert again.worker_id == budi  # the pick came back with the draft
    assert again.filled_label.text().startswith("Terakhir disimpan oleh Ani Lestari, ")
    tip = next(again.section_list.item(i).toolTip() for i in range(again.section_list.count())
               if again.section_list.item(i).data(Qt.ItemDataRole.UserRole) == "spiritual")
    assert "Budi Hartono" in tip

    _fill_required(again)
    again.go_to(REVIEW)
    with qtbot.waitSignal(again.finished_assessment, timeout=10000) as done:
        qtbot.mouseClick(again.finish_button, Qt.MouseButton.LeftButton)
    finished = svc.get_assessment(ctx.db, aid)
    assert done.args[0].finished and finished.finished
    assert finished.sections["lansia"].answers["barthel_mandi"] == "1"
    assert finished.finished_by == budi
    assert finished.sections["spiritual"].answers[text_q.id] == "Rajin ke pengajian"
    assert not again.draft_path.exists()
    tasks.wait_for_all()
    ctx.close()
