"""The purge dialog: the button waits for the typed client ID, a refusal shows inline and changes nothing,
and a confirmed order erases the client (services/purge.py does the work)."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt

from atensi_desktop.db.models import Client
from ui.dialogs.purge_dialog import PurgeDialog


def _client(ctx, add_clients):
    (client,) = add_clients("Siti Purwaningsih", sex="P", nik="6306014506900003")
    return client


def test_the_button_waits_for_the_typed_id_and_a_refusal_changes_nothing(qtbot, ctx, office, add_clients):
    client = _client(ctx, add_clients)
    dialog = PurgeDialog(ctx, client.id, client.display_id, client.values["name"])
    qtbot.addWidget(dialog)
    dialog.resize(680, 460)
    assert not dialog.go.isEnabled()
    qtbot.keyClicks(dialog.confirm, "salah")
    assert not dialog.go.isEnabled()
    dialog.confirm.clear()
    qtbot.keyClicks(dialog.confirm, client.display_id.lower())
    assert dialog.go.isEnabled()
    dialog.reason.setPlainText("minta")  # too short
    dialog.legal_ref.setText("Surat 12/PDP/2026")
    dialog.authorised_by.setText("Kepala Dinas")
    qtbot.mouseClick(dialog.go, Qt.MouseButton.LeftButton)
    assert dialog.problem.isVisible() or not dialog.problem.isHidden()
    assert "terlalu singkat" in dialog.problem.text()
    assert dialog.result() == 0
    with ctx.db.session() as s:
        assert s.get(Client, client.id) is not None
    if os.environ.get("ATENSI_SHOTS"):
        dialog.grab().save(os.path.join(os.environ["ATENSI_SHOTS"], "purge-dialog.png"))


def test_a_confirmed_order_erases_the_client(qtbot, ctx, office, add_clients):
    client = _client(ctx, add_clients)
    dialog = PurgeDialog(ctx, client.id, client.display_id, client.values["name"])
    qtbot.addWidget(dialog)
    dialog.anonymise.setChecked(True)
    assert "Anonimkan" in dialog.go.text()
    dialog.erase.setChecked(True)
    dialog.reason.setPlainText("Permintaan subjek data tanggal 1 Juni 2026")
    dialog.legal_ref.setText("Surat 12/PDP/2026")
    dialog.authorised_by.setText("Kepala Dinas")
    qtbot.keyClicks(dialog.confirm, client.display_id)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.go, Qt.MouseButton.LeftButton)
    assert client.display_id in dialog.result_text and "dihapus" in dialog.result_text
    with ctx.db.session() as s:
        assert s.get(Client, client.id) is None
