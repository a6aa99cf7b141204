"""The "Kemungkinan duplikat" review list and the merge dialog, driven like a user would."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from PySide6.QtCore import Qt

from atensi_desktop.services import duplicates
from atensi_desktop.services.clients import archive_client, create_client, get_client
from ui.change_bus import ChangeBus
from ui.dialogs import duplicate_review
from ui.dialogs.duplicate_review import DuplicateReviewDialog, open_duplicate_review
from ui.dialogs.merge_clients import MergeClientsDialog

DESA = "63.06.01.2001"
SHOTS = os.environ.get("ATENSI_SHOTS")  # a folder: save screenshots there


@pytest.fixture
def pairs(ctx):
    """Two same-NIK records and two spellings of one woman (same birth date and desa)."""
    rahmat = create_client(ctx.db, {"name": "Rahmat Hidayat", "sex": "L", "nik": "6306010101800001",
                                    "phone": "0812 1111 2222", "wilayah_code": DESA})
    rahmad = create_client(ctx.db, {"name": "Rahmad Hidayat", "sex": "L", "nik": "6306010101800001",
                                    "address": "Jl. Melati RT 02"})
    siti = create_client(ctx.db, {"name": "Siti Noer Djannah", "sex": "P", "birth_date": dt.date(1990, 9, 5),
                                  "wilayah_code": DESA, "phone": "0813 5555 0000", "religion": "islam"})
    sitti = create_client(ctx.db, {"name": "Sitti Nur Jannah", "sex": "P", "birth_date": dt.date(1990, 9, 5),
                                   "wilayah_code": DESA, "phone": "0852 7777 1234"})
    return {"rahmat": rahmat, "rahmad": rahmad, "siti": siti, "sitti": sitti}


def _ids(dialog):
    return [{p.a.id, p.b.id} for p in dialog.model.pairs()]


def _open(qtbot, ctx, bus=None):
    dialog = DuplicateReviewDialog(ctx, bus or ChangeBus())
    qtbot.addWidget(dialog)
    assert dialog.state_label.text() == "Memeriksa…"
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.busy())
    return dialog


def _shot(widget, name):
    if SHOTS:
        widget.grab().save(os.path.join(SHOTS, name))


def test_empty_registry_says_so(qtbot, ctx, add_clients):
    add_clients("Budi Santoso", "Ahmad Fauzi")
    dialog = _open(qtbot, ctx)
    assert dialog.pages.currentWidget() is dialog.state_label
    assert dialog.state_label.text() == "Tidak ada kemungkinan duplikat."
    assert not dialog.merge_button.isEnabled()
    assert not dialog.distinct_button.isEnabled()


def test_pairs_are_listed_with_both_clients_and_the_reasons(qtbot, ctx, pairs):
    dialog = _open(qtbot, ctx)
    assert dialog.model.rowCount() == 2
    assert {pairs["rahmat"].id, pairs["rahmad"].id} in _ids(dialog)
    assert {pairs["siti"].id, pairs["sitti"].id} in _ids(dialog)
    model = dialog.model
    texts = [model.data(model.index(r, c)) for r in range(2) for c in range(4)]
    joined = "\n".join(texts)
    assert "100%" in joined
    assert "NIK sama" in joined
    assert "Siti Noer Djannah" in joined and "Sitti Nur Jannah" in joined
    assert pairs["siti"].display_id in joined
    assert "lahir 05-09-1990" in joined
    assert "desa sama" in joined.lower()
    assert dialog.selected_pair() is not None  # the first pair is selected, the buttons work
    assert dialog.merge_button.isEnabled()
    _shot(dialog, "duplicate_review.png")


def test_bukan_duplikat_takes_the_pair_off_the_list_for_good(qtbot, ctx, pairs):
    bus = ChangeBus()
    dialog = _open(qtbot, ctx, bus)
    assert dialog.select_pair(pairs["siti"].id, pairs["sitti"].id)
    qtbot.mouseClick(dialog.distinct_button, Qt.MouseButton.LeftButton)
    assert dialog.note_row.isVisible()
    assert dialog.note_edit.hasFocus() or not dialog.isActiveWindow()
    qtbot.keyClicks(dialog.note_edit, "kakak-beradik")
    with qtbot.waitSignal(bus.clients_changed):
        qtbot.keyClick(dialog.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.busy())
    assert {pairs["siti"].id, pairs["sitti"].id} not in _ids(dialog)
    assert dialog.model.rowCount() == 1
    assert not dialog.note_row.isVisible()
    assert "ditandai bukan duplikat" in dialog.status_label.text()
    again = _open(qtbot, ctx)
    assert {pairs["siti"].id, pairs["sitti"].id} not in _ids(again)
    assert again.model.rowCount() == 1


def test_escape_closes_the_note_line_first(qtbot, ctx, pairs):
    dialog = _open(qtbot, ctx)
    dialog.ask_distinct_note()
    assert dialog.note_row.isVisible()
    dialog.reject()
    assert not dialog.note_row.isVisible()
    assert dialog.isVisible()


def test_merge_with_a_field_taken_from_the_loser(qtbot, ctx, pairs):
    bus = ChangeBus()
    dialog = _open(qtbot, ctx, bus)
    siti, sitti = pairs["siti"], pairs["sitti"]
    assert dialog.select_pair(siti.id, sitti.id)
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    merge = dialog.merge_dialog
    assert isinstance(merge, MergeClientsDialog)
    a_is_siti = merge.a.id == siti.id
    # keep Siti Noer Djannah's record, but Sitti's phone number
    (merge.keep_a if a_is_siti else merge.keep_b).click()
    loser_side = "b" if a_is_siti else "a"
    assert merge.rows["phone"].side() != loser_side  # the survivor's value by default
    assert "religion" in merge.rows  # one side empty: a choice, defaulting to the filled value
    assert merge.rows["religion"].side() == ("a" if a_is_siti else "b")
    assert "birth_date" not in merge.rows  # the same on both: greyed, no choice
    _shot(merge, "merge_clients.png")
    getattr(merge.rows["phone"], f"{loser_side}_button").click()
    assert merge.take() == {"phone": "loser"}
    with qtbot.waitSignal(bus.clients_changed):
        qtbot.mouseClick(merge.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.merge_dialog is None and not dialog.busy())
    survivor = get_client(ctx.db, siti.id)
    assert survivor.values["phone"] == "0852 7777 1234"
    assert survivor.values["name"] == "Siti Noer Djannah"
    assert duplicates.resolve(ctx.db, sitti.id) == siti.id
    assert {siti.id, sitti.id} not in _ids(dialog)
    assert dialog.model.rowCount() == 1
    assert "digabung ke" in dialog.status_label.text()


def test_choosing_survivor_b_makes_a_the_loser(qtbot, ctx, pairs):
    merge = MergeClientsDialog(ctx, pairs["rahmat"].id, pairs["rahmad"].id)
    qtbot.addWidget(merge)
    merge.keep_b.click()
    assert merge.survivor_id() == pairs["rahmad"].id
    merge.choose("name", "a")
    assert merge.take()["name"] == "loser"
    assert merge.take().get("address") is None  # the survivor's own address stays
    assert merge.rows["phone"].side() == "a"  # B has no phone: A's fills it
    assert merge.take()["phone"] == "loser"
    merge.do_merge()
    qtbot.waitUntil(lambda: merge.merged_client is not None)
    merged = get_client(ctx.db, pairs["rahmad"].id)
    assert merged.values["name"] == "Rahmat Hidayat"
    assert merged.values["phone"] == "0812 1111 2222"
    assert duplicates.resolve(ctx.db, pairs["rahmat"].id) == pairs["rahmad"].id


def test_engine_refusal_is_shown_inline(qtbot, ctx, pairs):
    merge = MergeClientsDialog(ctx, pairs["siti"].id, pairs["sitti"].id)
    qtbot.addWidget(merge)
    merge.show()
    archive_client(ctx.db, pairs["siti"].id)  # the survivor was archived meanwhile
    merge.do_merge()
    qtbot.waitUntil(lambda: not merge.busy())
    assert merge.error_label.isVisible()
    assert "sudah diarsipkan" in merge.error_label.text()
    assert pairs["siti"].display_id in merge.error_label.text()
    assert merge.merged_client is None
    assert merge.isVisible()
    assert duplicates.resolve(ctx.db, pairs["sitti"].id) == pairs["sitti"].id


def test_open_duplicate_review_shows_the_dialog(qtbot, ctx, monkeypatch):
    shown = []

    def fake_exec(self):
        qtbot.waitUntil(lambda: not self.busy())
        shown.append(self.windowTitle())
        return 0

    monkeypatch.setattr(duplicate_review.DuplicateReviewDialog, "exec", fake_exec)
    open_duplicate_review(None, ctx, ChangeBus())
    assert shown == ["Kemungkinan duplikat"]
