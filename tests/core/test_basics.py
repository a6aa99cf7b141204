"""Paths, settings, i18n, progress and log redaction."""

import datetime as dt
import json
import logging
import threading

import pytest

from atensi_desktop import i18n
from atensi_desktop.errors import Cancelled, StorageError
from atensi_desktop.log import RedactingFilter, mask_personal_numbers
from atensi_desktop.paths import atomic_write_bytes, resolve_paths
from atensi_desktop.progress import Progress
from atensi_desktop.settings import SCHEMA_VERSION, Settings, load_settings, save_settings


def test_data_dir_override_and_env(tmp_path, monkeypatch):
    monkeypatch.setenv("ATENSI_HOME", str(tmp_path / "env"))
    assert resolve_paths().data == tmp_path / "env"
    assert resolve_paths(tmp_path / "flag").data == tmp_path / "flag"
    paths = resolve_paths(tmp_path / "flag").ensure()
    assert paths.default_db_url == f"sqlite:///{tmp_path / 'flag' / 'atensi.db'}"


def test_unwritable_folder_is_a_storage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="Folder data tidak bisa ditulis"):
        resolve_paths(blocker / "sub").ensure()


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "a.json"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two" and [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_settings_roundtrip_and_bad_files(tmp_path):
    path = tmp_path / "settings.json"
    assert load_settings(path) == Settings()
    save_settings(path, Settings(language="en", idle_lock_minutes=30))
    assert load_settings(path).language == "en"
    path.write_text("{not json")
    assert load_settings(path) == Settings()
    path.write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1, "language": "en"}))
    assert load_settings(path).language == "id"  # a newer file is not trusted
    path.write_text(json.dumps({"language": "xx", "idle_lock_minutes": -3, "unknown": 1}))
    loaded = load_settings(path)
    assert loaded.language == "id" and loaded.idle_lock_minutes == 15


def test_dates_and_numbers_in_indonesian_and_english():
    i18n.set_language("id")
    try:
        assert i18n.format_date_long(dt.date(2026, 3, 5)) == "5 Maret 2026"
        assert i18n.format_number(1234567) == "1.234.567"
        assert i18n.format_date_long(dt.date(2026, 3, 5), "en") == "5 March 2026"
    finally:
        i18n.set_language("id")


def test_english_catalog_translates_and_unknown_falls_back():
    i18n.set_language("en")
    try:
        assert i18n._("Klien") == "Clients"
        assert i18n._("kalimat yang tidak ada di katalog") == "kalimat yang tidak ada di katalog"
    finally:
        i18n.set_language("id")
    assert i18n._("Klien") == "Klien"


def test_progress_reports_and_cancels_from_another_thread():
    seen = []
    progress = Progress(on_update=lambda d, t, m: seen.append((d, t)), every=10)
    progress.start(100)
    for _ in range(50):
        progress.step()
    threading.Thread(target=progress.cancel).start()
    with pytest.raises(Cancelled):
        for _ in range(1000):
            progress.step()
    assert seen[0] == (0, 100) and (50, 100) in seen


def test_log_filter_masks_nik_like_numbers():
    assert mask_personal_numbers("nik 6306014509900001 ok") == "nik 63************** ok"
    assert mask_personal_numbers("id 0192f3a0-aaaa") == "id 0192f3a0-aaaa"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "client %s", ("6306014509900001",), None)
    RedactingFilter().filter(record)
    assert "6306014509900001" not in record.getMessage()
