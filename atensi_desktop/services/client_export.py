"""Export the client list (as the Klien screen filters it) to an XLSX file, atomically, with progress and cancel."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from atensi_desktop.db.engine import Database
from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _
from atensi_desktop.progress import Progress
from atensi_desktop.services.clients import ClientQuery, count_clients, iter_export_rows

EXPORT_COLUMNS = (  # (header, width)
    ("ID klien", 15), ("Nama", 28), ("Alias", 16), ("NIK", 19), ("No. KK", 19), ("L/P", 5), ("Tempat lahir", 16),
    ("Tanggal lahir", 13), ("Umur", 6), ("Alamat", 36), ("Kode wilayah", 15), ("Desa/Kelurahan", 22),
    ("Klaster", 22), ("Kategori PPKS", 36), ("Desil DTSEN", 11), ("Telepon", 15), ("Diarsipkan", 11),
)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    count: int


def check_target(path: Path) -> None:
    """Refuse a target that cannot be written before any work starts (UserError in Bahasa Indonesia)."""
    name = str(path)
    if path.suffix.lower() != ".xlsx":
        raise UserError(_("Nama file ekspor harus berakhiran .xlsx: {path}.").format(path=repr(name)))
    if path.is_dir():
        raise UserError(_("{path} adalah folder; tulis nama file, mis. {example}.").format(
            path=repr(name), example=repr(str(path / "klien.xlsx"))))
    if not path.parent.is_dir():
        raise UserError(_("Folder {folder} tidak ada; buat dulu atau pilih folder lain.").format(
            folder=repr(str(path.parent))))
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(_("Tidak bisa menulis {path}: tidak ada izin menulis di sana. Pilih folder lain.").format(
            path=repr(name)))


def write_clients_xlsx(db: Database, query: ClientQuery, target: Path, *, progress: Progress | None = None,
                       progress_from: int = 0, today: dt.date | None = None) -> int:
    """Write the clients matching `query` (in its order) to an XLSX file; returns how many.

    Write-only workbook (rows streamed, memory flat at any size): bold frozen header row, dates as real
    dates, NIK and No. KK as text so spreadsheets never turn them into 6,30601E+15. `progress` is started
    with the row count when there are at least `progress_from` rows; cancelling it raises Cancelled.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from atensi_desktop.security.roles import EXPORT_DATA, require

    require(db, EXPORT_DATA)
    total = count_clients(db, query, today=today)
    if progress is not None:
        progress.check()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Klien")
    ws.freeze_panes = "A2"
    for i, (_header, width) in enumerate(EXPORT_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)
    header = []
    for title, _width in EXPORT_COLUMNS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        header.append(cell)
    ws.append(header)

    def text(value: str | None) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "@"
        return cell

    def date(value: dt.date | None) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "DD-MM-YYYY"
        return cell

    show = progress is not None and total >= progress_from
    if show:
        progress.every = max(1, total // 200)
        progress.start(total, _("Mengekspor klien…"))
    written, saved = 0, False
    rows = iter_export_rows(db, query, today=today)
    try:
        for r in rows:
            ws.append([r.display_id, r.name, r.alias, text(r.nik), text(r.no_kk), r.sex, r.birth_place,
                       date(r.birth_date), r.age, r.address, r.wilayah_code, r.wilayah_name, r.cluster_label,
                       r.ppks_labels, r.dtsen_desil, text(r.phone), "ya" if r.archived else None])
            written += 1
            if show:
                progress.step()
        if show:
            progress.finish(_("Menyimpan file…"))
        wb.save(target)
        saved = True
    finally:
        rows.close()  # a cancel ends the query (and its server-side cursor on PostgreSQL) now
        if not saved:  # end the sheet's row stream now, not when the garbage collector finds it
            with contextlib.suppress(Exception):
                ws.close()
    return written


def export_clients(db: Database, query: ClientQuery, path: Path, *, progress: Progress | None = None,
                   progress_from: int = 0, today: dt.date | None = None) -> ExportResult:
    """Export to `path`: written to a temporary file in the same folder and renamed over `path` only when
    complete, so a failure or a cancel leaves no partial file and keeps an older export. A file system
    refusal becomes a UserError that says what to do (close the file in the other program, pick a folder).
    """
    from atensi_desktop.security.roles import EXPORT_DATA, require

    require(db, EXPORT_DATA)
    path = Path(path).expanduser()
    check_target(path)
    tmp: Path | None = None
    try:
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            tmp = Path(tmp_name)
            count = write_clients_xlsx(db, query, tmp, progress=progress, progress_from=progress_from, today=today)
            tmp.chmod(0o666 & ~_umask())  # mkstemp makes 0600; the export gets the usual permissions
            os.replace(tmp, path)
            from atensi_desktop.services import audit

            audit.record(db, audit.EXPORT, detail={"kind": "daftar_klien", "format": "xlsx", "count": count})
        except OSError as err:
            raise _write_error(path, err) from err
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
    return ExportResult(path=path, count=count)


def _write_error(path: Path, err: OSError) -> UserError:
    reason = err.strerror or str(err)
    message = _("Tidak bisa menulis {path}: {reason}.").format(path=repr(str(path)), reason=reason)
    if isinstance(err, PermissionError):
        hint = _("Mungkin file itu sedang dibuka di program lain (Excel, LibreOffice) atau folder itu tidak boleh "
                 "ditulisi. Tutup file itu atau pilih folder lain.")
    else:
        hint = _("Periksa ruang kosong di disk, atau pilih folder lain.")
    return UserError(message, hint=hint)


def _umask() -> int:
    """The process umask; read from /proc where it can be, since setting it (the only portable way to read
    it) briefly changes it for every thread, and exports run beside the GUI thread."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
