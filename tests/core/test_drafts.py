"""Drafts: written whole or not at all, read back, and never an error for the form that keeps them."""

import logging

from atensi_desktop.drafts import delete_draft, read_draft, write_draft


def test_a_draft_round_trips_and_is_removed(tmp_path):
    path = tmp_path / "draf" / "klien-baru.json"
    assert read_draft(path) is None
    assert write_draft(path, {"changes": {"name": "Siti Aminah", "nik": "6306014509900001"}})
    assert read_draft(path) == {"changes": {"name": "Siti Aminah", "nik": "6306014509900001"}}
    assert write_draft(path, {"changes": {"name": "Siti"}})  # replaced whole
    assert read_draft(path) == {"changes": {"name": "Siti"}}
    assert [p.name for p in path.parent.iterdir()] == ["klien-baru.json"]  # no temp file left behind
    delete_draft(path)
    delete_draft(path)  # twice: no error
    assert read_draft(path) is None


def test_a_damaged_draft_is_ignored_with_a_log_line(tmp_path, caplog):
    path = tmp_path / "rusak.json"
    path.write_bytes(b'{"changes": {"name": "Si')  # cut short, as by a disk that filled up
    with caplog.at_level(logging.WARNING):
        assert read_draft(path) is None
    assert "unreadable" in caplog.text and path.exists()  # left for a person to look at
    path.write_text("[1, 2]", encoding="utf-8")
    assert read_draft(path) is None


def test_an_unwritable_place_is_logged_not_raised(tmp_path, caplog):
    blocker = tmp_path / "draf"
    blocker.write_text("a file where the folder should be", encoding="utf-8")  # fails for root too
    with caplog.at_level(logging.WARNING):
        assert write_draft(blocker / "x.json", {"a": 1}) is False
    assert "not written" in caplog.text
    assert blocker.read_text(encoding="utf-8").startswith("a file")
