"""Export of the filtered client list to XLSX: the engine module the Klien screen and `client export` share."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

import openpyxl
import pytest

from atensi_desktop.errors import Cancelled, UserError
from atensi_desktop.progress import Progress
from atensi_desktop.services import client_export
from atensi_desktop.services.client_export import EXPORT_COLUMNS, check_target, export_clients
from atensi_desktop.services.clients import ClientQuery, archive_client, create_client


@pytest.fixture
def people(db):
    made = [
        create_client(db, {"name": "Siti Aminah", "sex": "P", "nik": "6306014209900002",
                           "birth_date": dt.date(1990, 9, 2), "cluster": "lanjut_usia", "phone": "081234567890",
                           "ppks_categories": ["fakir_miskin", "lanjut_usia_telantar"]}),
        create_client(db, {"name": "Budi Santoso", "sex": "L"}),
        create_client(db, {"name": "Ahmad Fauzi", "sex": "L"}),
    ]
    archive_client(db, made[2].id)
    return made


@pytest.fixture
def out(tmp_path) -> Path:
    folder = tmp_path / "ekspor"
    folder.mkdir()
    return folder


def _rows(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    try:
        return [tuple(row) for row in wb.active.iter_rows()]
    finally:
        wb.close()


def test_export_writes_the_query_in_its_order_with_typed_cells(db, people, out):
    target = out / "klien.xlsx"
    result = export_clients(db, ClientQuery(), target)
    assert result.count == 2 and result.path == target
    rows = _rows(target)
    assert [c.value for c in rows[0]] == [title for title, _w in EXPORT_COLUMNS]
    assert all(c.font.b for c in rows[0])
    assert [r[1].value for r in rows[1:]] == ["Budi Santoso", "Siti Aminah"]
    siti = rows[2]
    assert siti[3].value == "6306014209900002" and siti[3].data_type == "s" and siti[3].number_format == "@"
    assert siti[7].is_date and siti[7].value.date() == dt.date(1990, 9, 2)
    assert siti[12].value == "Lanjut Usia"
    assert siti[13].value == "Fakir Miskin, Lanjut Usia Telantar"
    assert siti[15].value == "081234567890" and siti[15].data_type == "s"
    assert [p.name for p in out.iterdir()] == ["klien.xlsx"]


def test_export_filters_and_archive(db, people, out):
    result = export_clients(db, ClientQuery(sex="L", include_archived=True), out / "l.xlsx")
    rows = _rows(out / "l.xlsx")
    assert result.count == 2
    assert [(r[1].value, r[16].value) for r in rows[1:]] == [("Ahmad Fauzi", "ya"), ("Budi Santoso", None)]


def test_progress_reports_rows_and_the_save(db, people, out):
    seen: list[tuple[int, int, str]] = []
    export_clients(db, ClientQuery(), out / "x.xlsx", progress=Progress(on_update=lambda *a: seen.append(a)))
    assert seen[0] == (0, 2, "Mengekspor klien…")
    assert (1, 2, "Mengekspor klien…") in seen
    assert seen[-1] == (2, 2, "Menyimpan file…")


def test_no_progress_below_the_threshold(db, people, out):
    seen: list[tuple] = []
    export_clients(db, ClientQuery(), out / "x.xlsx", progress=Progress(on_update=lambda *a: seen.append(a)),
                   progress_from=5_000)
    assert seen == []


def test_cancel_leaves_no_file_and_keeps_the_old_one(db, people, out):
    # on PostgreSQL this also proves the server-side cursor is closed when the export stops early
    target = out / "klien.xlsx"
    target.write_bytes(b"old export")
    progress = Progress()
    real = progress.step

    def cancel_midway(n: int = 1, message: str | None = None) -> None:
        progress.cancel()
        real(n, message)

    progress.step = cancel_midway  # type: ignore[method-assign]
    with pytest.raises(Cancelled):
        export_clients(db, ClientQuery(), target, progress=progress)
    assert target.read_bytes() == b"old export"
    assert [p.name for p in out.iterdir()] == ["klien.xlsx"]


def test_a_failing_save_leaves_no_partial_file(db, people, out, monkeypatch):
    def disk_full(self, filename):
        Path(filename).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", disk_full)
    with pytest.raises(UserError) as err:
        export_clients(db, ClientQuery(), out / "klien.xlsx")
    assert "No space left on device" in err.value.message and "disk" in err.value.hint
    assert list(out.iterdir()) == []


def test_a_file_held_by_another_program_is_explained(db, people, out, monkeypatch):
    def locked(_src, _dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(client_export.os, "replace", locked)
    with pytest.raises(UserError) as err:
        export_clients(db, ClientQuery(), out / "klien.xlsx")
    assert err.value.message.startswith("Tidak bisa menulis")
    assert "sedang dibuka di program lain" in err.value.hint and "pilih folder lain" in err.value.hint
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(("name", "words"), [
    ("klien.csv", "berakhiran .xlsx"), ("tidak-ada/x.xlsx", "tidak ada"), ("folder.xlsx", "adalah folder"),
])
def test_bad_targets_are_refused_before_any_work(out, name, words):
    (out / "folder.xlsx").mkdir()
    with pytest.raises(UserError) as err:
        check_target(out / name)
    assert words in err.value.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_read_only_folder_is_refused(out):
    out.chmod(0o500)
    try:
        with pytest.raises(UserError) as err:
            check_target(out / "x.xlsx")
        assert "izin" in err.value.message
    finally:
        out.chmod(0o700)


def test_export_runs_off_the_calling_thread(db, people, out):
    """The Klien screen runs it in a worker thread: nothing in it is tied to the thread that opened the db."""
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(export_clients(db, ClientQuery(), out / "t.xlsx")))
    worker.start()
    worker.join(30)
    assert results and results[0].count == 2
