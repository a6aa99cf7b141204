"""Conflict review: a conflicting bundle imported through the Sinkronisasi screen, the preview in words, the
review dialog (values side by side, pick one or accept, keyboard alone), and the count on the screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from atensi_desktop.services.clients import archive_client, create_client, get_client, update_client
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.sync.conflicts import count_open_conflicts
from atensi_desktop.sync.keys import office_keys, read_card, write_card
from atensi_desktop.sync.peers import add_peer
from ui.dialogs.conflict_review import WANTED_SIZE
from ui.views.sinkronisasi import SinkronisasiView

pytestmark = pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")
SHOTS = Path(os.environ.get("CONFLICT_SHOTS", "/tmp/shots-conflicts"))


@pytest.fixture
def other(tmp_path_factory, monkeypatch):
    """A second installation: Panti Sosial Budi Luhur, worker Ahmad Fauzi."""
    from atensi_desktop.app_context import open_app

    monkeypatch.delenv("ATENSI_DB", raising=False)
    context = open_app(None, str(tmp_path_factory.mktemp("panti")))
    result = setup_installation(context.db, OfficeInput(name="Panti Sosial Budi Luhur", office_type="panti",
                                                        code="PSBL"), WorkerInput(name="Ahmad Fauzi"))
    context.db.user_id = result.user_id
    yield context
    context.close()


@pytest.fixture
def view(qtbot, ctx, office):
    from ui.change_bus import ChangeBus

    widget = SinkronisasiView(ctx, ChangeBus())
    qtbot.addWidget(widget)
    widget.resize(1366 - 212, 768 - 60)
    widget.refresh()
    return widget


def _pair(ctx, other, tmp_path) -> None:
    mine, theirs = tmp_path / "mine.json", tmp_path / "theirs.json"
    write_card(ctx.db, ctx.paths, mine)
    write_card(other.db, other.paths, theirs)
    add_peer(other.db, read_card(mine), office_keys(ctx.db, ctx.paths).fingerprint)
    add_peer(ctx.db, read_card(theirs), office_keys(other.db, other.paths).fingerprint)


def _shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / name))


def _wait_idle(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)


def _conflicting_bundle(ctx, other, tmp_path, *, delete_here: bool = False) -> tuple[object, Path]:
    """A client both offices hold; both change its phone (the other office later, so its value is shown),
    and the other office's file with that change. With `delete_here`, this office archives the client
    instead and the other office changes the address afterwards."""
    from atensi_desktop.sync.exchange import export_bundle, import_bundle

    _pair(ctx, other, tmp_path)
    client = create_client(other.db, {"name": "Siti Aminah", "sex": "P"})
    mine = str(office_keys(ctx.db, ctx.paths).office_id)
    theirs = str(office_keys(other.db, other.paths).office_id)
    export_bundle(other.db, other.paths, [mine], tmp_path / "seed.lkssync")
    import_bundle(ctx.db, ctx.paths, tmp_path / "seed.lkssync")
    if delete_here:
        archive_client(ctx.db, client.id)
        update_client(other.db, client.id, {"address": "Jl. Kenanga 7, Kandangan"})
    else:
        update_client(ctx.db, client.id, {"phone": "081111111111", "birth_date": "1990-05-06"})
        update_client(other.db, client.id, {"phone": "082222222222", "birth_date": "1991-06-07"})
    export_bundle(ctx.db, ctx.paths, [theirs], tmp_path / "to-them.lkssync")
    import_bundle(other.db, other.paths, tmp_path / "to-them.lkssync")  # they hold both sides too
    export_bundle(other.db, other.paths, [mine], tmp_path / "edit.lkssync")
    return client, tmp_path / "edit.lkssync"


def test_import_with_conflicts_then_review_and_pick_the_other_value(qtbot, view, other, tmp_path):
    client, bundle = _conflicting_bundle(view.ctx, other, tmp_path)
    assert view.conflicts_button.text() == "Tinjau konflik (0)" and not view.conflicts_button.isEnabled()
    dialog = view.open_import(bundle)
    qtbot.addWidget(dialog)
    _wait_idle(qtbot, dialog)
    assert dialog.count_labels["conflicts"].text() == "2"
    table = dialog.conflicts_table
    rows = [[table.item(r, c).text() for c in range(5)] for r in range(table.rowCount())]
    assert sorted(rows) == [["Siti Aminah", "Data klien", "Tanggal lahir", "07-06-1991", "06-05-1990"],
                            ["Siti Aminah", "Data klien", "Telepon", "082222222222", "081111111111"]]
    assert not any('"' in text for row in rows for text in row)
    assert not dialog.review_button.isVisible()
    dialog.resize(900, 560)
    _shot(dialog, "import-preview-conflicts.png")
    dialog.apply_button.click()
    _wait_idle(qtbot, dialog)
    assert dialog.applied is not None
    assert view.conflicts_button.text() == "Tinjau konflik (2)" and view.conflicts_button.isEnabled()
    assert dialog.review_button.isVisible()
    _shot(dialog, "import-applied-conflicts.png")

    review = dialog.open_review()
    qtbot.addWidget(review)
    assert review.table.rowCount() == 2
    fields = [review.table.item(r, 2).text() for r in range(2)]
    review.table.selectRow(fields.index("Telepon"))
    assert review.title_label.text() == "Siti Aminah — Data klien: Telepon"
    assert len(review.leaf_cards) == 2
    values = [card.findChild(type(review.title_label), "leafValue").text() for card in review.leaf_cards]
    assert values == ["082222222222", "081111111111"]
    where = [card.findChild(type(review.title_label), "leafWhere").text() for card in review.leaf_cards]
    assert where[0].startswith("Panti Sosial Budi Luhur (perangkat ") and where[1].startswith("Dinas Sosial Kabupaten Hulu Sungai Selatan")
    assert review.leaf_cards[0].findChild(type(review.title_label), "currentBadge") is not None
    assert review.leaf_cards[1].findChild(type(review.title_label), "currentBadge") is None
    assert review.width() <= 1366 and review.height() <= 768
    review.resize(WANTED_SIZE)  # what _fit gives on a 1366x768 screen (the offscreen screen is smaller)
    _shot(review, "conflict-review.png")

    review.leaf_buttons[1].click()  # "Pakai nilai ini" on this office's value
    assert get_client(view.ctx.db, client.id).values["phone"] == "081111111111"
    assert review.table.rowCount() == 1 and "dipakai \"081111111111\"" in review.status_label.text()
    assert view.conflicts_button.text() == "Tinjau konflik (1)"
    review.accept_button.click()  # the birth date: keep the one shown now
    assert str(get_client(view.ctx.db, client.id).values["birth_date"]) == "1991-06-07"
    assert review.table.rowCount() == 0 and review.empty_label.isVisibleTo(review)
    assert count_open_conflicts(view.ctx.db) == 0
    assert view.conflicts_button.text() == "Tinjau konflik (0)"
    _shot(review, "conflict-review-done.png")
    review.close()
    dialog.close()


def test_review_with_the_keyboard_alone(qtbot, view, other, tmp_path):
    from atensi_desktop.sync.exchange import import_bundle

    client, bundle = _conflicting_bundle(view.ctx, other, tmp_path)
    import_bundle(view.ctx.db, view.ctx.paths, bundle)
    view.refresh()
    review = view.open_conflicts()
    qtbot.addWidget(review)
    qtbot.waitExposed(review)
    review.activateWindow()
    qtbot.waitUntil(review.isActiveWindow)
    assert review.table.hasFocus()
    fields = [review.table.item(r, 2).text() for r in range(2)]
    qtbot.keyClick(review.table, Qt.Key.Key_Down if fields.index("Telepon") == 1 else Qt.Key.Key_Up)
    assert review.selected().field_label == "Telepon"
    qtbot.keyClick(review, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # Alt+2: the second value
    assert get_client(view.ctx.db, client.id).values["phone"] == "081111111111"
    assert review.table.rowCount() == 1
    qtbot.keyClick(review.table, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # Alt+S: Terima yang sekarang
    qtbot.waitUntil(lambda: review.table.rowCount() == 0)  # a mnemonic clicks after a short animation
    assert view.conflicts_button.text() == "Tinjau konflik (0)"
    qtbot.keyClick(review, Qt.Key.Key_Escape)
    assert not review.isVisible()


def test_edit_after_deletion_is_reviewed_and_restoring_keeps_the_edit(qtbot, view, other, tmp_path):
    from atensi_desktop.sync.exchange import import_bundle

    client, bundle = _conflicting_bundle(view.ctx, other, tmp_path, delete_here=True)
    import_bundle(view.ctx.db, view.ctx.paths, bundle)
    view.refresh()
    assert view.conflicts_button.text() == "Tinjau konflik (1)"
    review = view.open_conflicts()
    qtbot.addWidget(review)
    assert review.table.item(0, 2).text() == "Diubah setelah dihapus"
    values = [card.findChild(type(review.title_label), "leafValue").text() for card in review.leaf_cards]
    assert values == ["dihapus", "Jl. Kenanga 7, Kandangan"]
    assert "dihapus" in review.explain_label.text()
    review.resize(WANTED_SIZE)
    _shot(review, "conflict-review-deleted.png")
    review.leaf_buttons[1].click()
    restored = get_client(view.ctx.db, client.id)
    assert not restored.archived and restored.values["address"] == "Jl. Kenanga 7, Kandangan"
    assert "dipulihkan" in review.status_label.text()
    review.close()


def test_review_at_1366x768_over_the_main_window(qtbot, ctx, office, other, tmp_path):
    from atensi_desktop.sync.exchange import import_bundle
    from ui.main_window import MainWindow

    _client, bundle = _conflicting_bundle(ctx, other, tmp_path)
    import_bundle(ctx.db, ctx.paths, bundle)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    view = window.show_view("sinkronisasi")
    qtbot.waitUntil(lambda: not window.busy)
    assert view.conflicts_button.text() == "Tinjau konflik (2)"
    _shot(window, "sinkronisasi-konflik-1366x768.png")
    review = view.open_conflicts()
    qtbot.addWidget(review)
    qtbot.waitExposed(review)
    assert review.width() <= 1366 and review.height() <= 768 - 40
    assert review.minimumSizeHint().width() <= 1366 and review.minimumSizeHint().height() <= 768 - 40
    review.resize(WANTED_SIZE)
    _shot(review, "conflict-review-1366x768.png")
    review.close()


def test_long_values_are_shown_whole_in_normal_size(qtbot, ctx, office, other, tmp_path):
    from atensi_desktop.sync.exchange import export_bundle, import_bundle

    _pair(ctx, other, tmp_path)
    client = create_client(other.db, {"name": "Rudi Hartono", "sex": "L"})
    mine = str(office_keys(ctx.db, ctx.paths).office_id)
    export_bundle(other.db, other.paths, [mine], tmp_path / "seed.lkssync")
    import_bundle(ctx.db, ctx.paths, tmp_path / "seed.lkssync")
    here = ("Tunanetra sejak lahir; memakai tongkat putih dan membutuhkan pendamping saat bepergian jauh. "
            "Mengikuti pelatihan pijat di panti pada 2019.")
    there = "Tunanetra total; alat bantu tongkat; perlu pendamping."
    update_client(ctx.db, client.id, {"disability": here})
    update_client(other.db, client.id, {"disability": there})
    export_bundle(other.db, other.paths, [mine], tmp_path / "edit.lkssync")
    import_bundle(ctx.db, ctx.paths, tmp_path / "edit.lkssync")
    from ui.dialogs.conflict_review import ConflictReviewDialog

    review = ConflictReviewDialog(ctx)
    qtbot.addWidget(review)
    review.resize(WANTED_SIZE)
    review.show()
    labels = [card.findChild(type(review.title_label), "leafValue") for card in review.leaf_cards]
    assert [label.text() for label in labels] == [there, here]
    assert [label.property("role") for label in labels] == ["strong", "strong"]  # one is long: both plain size
    _shot(review, "conflict-review-long.png")
    review.close()
