"""The audit window (Riwayat akses & perubahan) and the consent window (Persetujuan), driven by keyboard."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog

from atensi_desktop.services import audit, consent
from atensi_desktop.services.clients import create_client, open_client, update_client

PDF = b"%PDF-1.4\n% persetujuan\n"
pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")  # offscreen


def _shot(widget, tmp_path: Path, name: str) -> Path:
    """Grab the widget to PNG (in $ATENSI_SHOTS when set, to be looked at; else in tmp_path)."""
    folder = Path(os.environ.get("ATENSI_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


@pytest.fixture
def child(ctx, office):
    client = create_client(ctx.db, {"name": "Muhammad Rizky", "sex": "L", "birth_date": dt.date(2014, 5, 2)})
    update_client(ctx.db, client.id, {"address": "RT 03 Desa Hamalau", "phone": "081234567890"})
    open_client(ctx.db, client.id)
    return client


def _show(qtbot, widget, size=None):
    qtbot.addWidget(widget)
    if size:
        widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=2000)
    return widget


def _rows(dialog) -> list[tuple[str, ...]]:
    model = dialog.model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount())) for r in range(model.rowCount())]


def test_audit_window_lists_filters_and_exports(qtbot, ctx, child, tmp_path, monkeypatch, qtmodeltester):
    from ui.dialogs.audit_dialog import AuditDialog

    dialog = _show(qtbot, AuditDialog(ctx, child.id), (1040, 620))
    qtmodeltester.check(dialog.model)
    rows = _rows(dialog)
    assert [r[1] for r in rows] == ["Dilihat", "Diubah", "Dibuat"]
    assert rows[1][4] == "Alamat, Telepon diubah" and rows[1][2] == "Siti Rahmah"
    assert "Hamalau" not in str(rows)
    assert dialog.count_label.text() == "3 baris"
    _shot(dialog, tmp_path, "audit-window")
    # the filter, by keyboard: the combo has the focus; choose "Dilihat"
    assert QApplication.focusWidget() is dialog.filter_combo
    qtbot.keyClick(dialog.filter_combo, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.filter_combo, Qt.Key.Key_Down)
    assert dialog.filter_combo.currentText() == "Dilihat"
    assert [r[1] for r in _rows(dialog)] == ["Dilihat"]
    # Ctrl+E exports what is shown (CSV) and the export appears in the trail
    target = tmp_path / "riwayat.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV (*.csv)"))
    qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert target.read_text(encoding="utf-8-sig").splitlines()[0] == "Waktu,Tindakan,Oleh,Data,Keterangan"
    assert len(target.read_text(encoding="utf-8-sig").splitlines()) == 2  # header + the one view
    assert "diekspor" in dialog.count_label.text()
    assert audit.client_history(ctx.db, child.id, actions={audit.EXPORT}).total == 1
    assert dialog.export_to(tmp_path / "riwayat.pdf", pdf=True)
    assert (tmp_path / "riwayat.pdf").read_bytes().startswith(b"%PDF")


def test_audit_window_reads_more_pages(qtbot, ctx, child, monkeypatch):
    from ui.dialogs import audit_dialog

    for _ in range(4):
        open_client(ctx.db, child.id)
    monkeypatch.setattr(audit_dialog, "PAGE", 3)
    dialog = audit_dialog.AuditDialog(ctx, child.id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.model.rowCount() == 3 and dialog.count_label.text() == "3 dari 7 baris"
    assert dialog.more_button.isVisible()
    qtbot.mouseClick(dialog.more_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.more_button, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() == 7 and not dialog.more_button.isVisible()
    assert [r[1] for r in _rows(dialog)][-1] == "Dibuat"


def test_audit_window_without_permission_says_so(qtbot, ctx, child):
    import uuid

    from atensi_desktop.security.auth import sign_in, sign_out
    from atensi_desktop.security.roles import PEKSOS, Actor
    from ui.dialogs.audit_dialog import AuditDialog

    sign_in(ctx.db, Actor(user_id=uuid.uuid4(), username="rina", name="Rina", role=PEKSOS,
                          office_id=ctx.db.office_id))
    try:
        dialog = AuditDialog(ctx, child.id)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.message.isVisible() and "tidak berhak" in dialog.message.text()
        assert dialog.model.rowCount() == 0 and not dialog.export_button.isEnabled()
    finally:
        sign_out(ctx.db)


def test_consent_window_child_warning_add_and_withdraw(qtbot, ctx, child, tmp_path):
    from ui.dialogs.consent_dialog import ConsentDialog, ConsentForm, WithdrawForm

    dialog = _show(qtbot, ConsentDialog(ctx, child.id), (960, 560))
    assert dialog.warnings.isVisible()
    assert dialog.warnings.text() == "Klien ini anak (umur 12) dan belum ada persetujuan orang tua atau wali."
    assert dialog.table.rowCount() == 0 and not dialog.withdraw_button.isEnabled()
    _shot(dialog, tmp_path, "consent-window-empty")
    # Ctrl+N opens the form; for a child "Orang tua" is chosen already
    qtbot.keyClick(dialog, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = dialog.form
    assert isinstance(form, ConsentForm)
    qtbot.waitExposed(form)
    qtbot.waitUntil(form.isActiveWindow, timeout=2000)
    assert form.kind_combo.currentData() == consent.ORANG_TUA
    # saving without a name: the problem shows under the name field, nothing is written
    form.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    assert form.isVisible() and form._errors["consenter_name"].isVisible()
    assert QApplication.focusWidget() is form.name_edit
    _shot(form, tmp_path, "consent-form-problem")
    qtbot.keyClicks(form.name_edit, "Ahmad Fauzi")
    form.relation_edit.setFocus()
    qtbot.keyClicks(form.relation_edit, "ayah")
    scan = tmp_path / "surat-persetujuan.pdf"
    scan.write_bytes(PDF)
    form.set_proof_file(scan)
    qtbot.keyClick(form.relation_edit, Qt.Key.Key_Return)  # Enter saves
    assert not form.isVisible()
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 2).text() == "Orang tua: Ahmad Fauzi (ayah)"
    assert dialog.table.item(0, 3).text() == "surat-persetujuan.pdf"
    assert dialog.warnings.isHidden()  # the child has a parent's consent with its proof now
    _shot(dialog, tmp_path, "consent-window-one")
    # withdraw it
    assert dialog.withdraw_button.isEnabled()
    qtbot.mouseClick(dialog.withdraw_button, Qt.MouseButton.LeftButton)
    withdraw = dialog.form
    assert isinstance(withdraw, WithdrawForm)
    qtbot.waitExposed(withdraw)
    withdraw.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.table.item(0, 4).text().startswith("dicabut")
    assert dialog.warnings.isVisible() and "umur 12" in dialog.warnings.text()
    assert not dialog.withdraw_button.isEnabled()


def test_client_window_shows_the_warning_and_opens_both_windows(qtbot, ctx, child, tmp_path):
    from ui.dialogs.audit_dialog import AuditDialog
    from ui.dialogs.client_form import ClientFormDialog
    from ui.dialogs.consent_dialog import ConsentDialog

    before = audit.client_history(ctx.db, child.id, actions={audit.VIEW}).total
    form = ClientFormDialog(ctx, client_id=child.id)
    qtbot.addWidget(form)
    form.resize(1366, 740)
    form.show()
    assert audit.client_history(ctx.db, child.id, actions={audit.VIEW}).total == before + 1  # opening is a view
    assert form.consent_warning.isVisible() and "umur 12" in form.consent_warning.text()
    _shot(form, tmp_path, "client-form-consent-warning")
    qtbot.mouseClick(form.consent_button, Qt.MouseButton.LeftButton)
    assert isinstance(form.consent_dialog, ConsentDialog) and form.consent_dialog.isVisible()
    consent.add_consent(ctx.db, child.id, consent_date=dt.date.today(), purpose="Asesmen", consenter_kind="wali",
                        consenter_name="Ahmad Fauzi")
    form.consent_dialog._changed()  # what saving the consent form emits
    assert "umur 12" not in form.consent_warning.text()
    form.consent_dialog.close()
    qtbot.mouseClick(form.audit_button, Qt.MouseButton.LeftButton)
    assert isinstance(form.audit_dialog, AuditDialog) and form.audit_dialog.isVisible()
    form.audit_dialog.close()
    form.reject()
    QApplication.processEvents()


def test_client_list_menu_offers_consent_and_history(qtbot, ctx, child):
    from ui.change_bus import ChangeBus
    from ui.views.klien import KlienView

    view = KlienView(ctx, ChangeBus())
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    menu = view.context_menu(view.model.index(0, 0))
    texts = [a.text() for a in menu.actions()]
    assert "&Persetujuan data…" in texts and "&Riwayat akses && perubahan…" in texts
    dialog = view.open_audit(child.id)
    assert dialog is not None and dialog.isVisible()
    dialog.close()
    consents = view.open_consents(child.id)
    assert consents is not None and consents.isVisible()
    consents.close()
