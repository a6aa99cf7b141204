"""Client import from XLSX or CSV: read, map columns, check every row, then commit all or nothing.

The Impor screen and `atensi-desktop client import` share this engine:

    table = read_table(path)                  # cells as the user sees them, row numbers as in the file
    mapping = guess_mapping(table.headers)    # {column: field}; the user edits it; Mapping saves/loads JSON
    pv = preview(db, table, mapping)          # every row converted and checked; nothing is written
    pv.problems, pv.warnings, pv.duplicates, pv.summary(exclude_rows)
    commit(db, pv, exclude_rows={7, 12})      # one transaction; refused while a broken row is included

Client rules live in `services.clients.validate_client`, called for every row. This module only turns
spreadsheet text into field values (list codes from labels and abbreviations, sex, dates, wilayah from a
desa name, No. KK) and adds what one client cannot know: households by No. KK, and rows that may already
be registered (same NIK in the database or twice in the file, fuzzy matches when the duplicates service
offers them). Likely duplicates are imported unless excluded; they are only flagged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid
import warnings as _warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, Household, Office, Wilayah
from atensi_desktop.domain.names import fold
from atensi_desktop.domain.nik import check_nik
from atensi_desktop.domain.nip import check_no_kk
from atensi_desktop.domain.wilayah import normalize_code
from atensi_desktop.errors import StorageError, UserError, ValidationError
from atensi_desktop.i18n import N_, _, format_date_short, format_number
from atensi_desktop.progress import Progress, null_progress
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import IMPORT_DATA
from atensi_desktop.services.clients import EDITABLE, SearchIndexPause, validate_client
from atensi_desktop.services.households import existing_households
from atensi_desktop.sync.ids import display_id, uuid7
from atensi_desktop.sync.versioning import bulk_insert

CHUNK = 2_000  # rows per bulk insert; progress and cancel are checked between chunks
QUERY_CHUNK = 1_000  # values per IN (...) lookup
PREVIEW_STEP = 500  # rows checked between progress reports
FUZZY_LIMIT = 3  # similar clients named per row

# Import fields: the client's own fields plus what the file may spread over several columns.
# Label (Bahasa Indonesia, shown through _()) per field, in the order the mapping screen lists them.
FIELDS: dict[str, str] = {
    "nik": N_("NIK"),
    "no_kk": N_("No. KK"),
    "name": N_("Nama"),
    "alias": N_("Nama lain"),
    "sex": N_("Jenis kelamin"),
    "birth_place": N_("Tempat lahir"),
    "birth_date": N_("Tanggal lahir"),
    "birth_date_estimated": N_("Tanggal lahir perkiraan"),
    "address": N_("Alamat"),
    "rt": N_("RT"),
    "rw": N_("RW"),
    "wilayah_code": N_("Kode wilayah"),
    "kecamatan": N_("Kecamatan"),
    "desa": N_("Desa/Kelurahan"),
    "religion": N_("Agama"),
    "education": N_("Pendidikan"),
    "marital_status": N_("Status perkawinan"),
    "relation_to_head": N_("Hubungan dalam keluarga"),
    "ppks_categories": N_("Kategori PPKS"),
    "cluster": N_("Klaster"),
    "dtsen_desil": N_("Desil DTSEN"),
    "phone": N_("Telepon"),
    "disability": N_("Disabilitas"),
}
REQUIRED = ("name",)

# Header spellings seen in office spreadsheets and DTKS/DTSEN extracts, compared after `_header_key`
# (accents, case, punctuation, spaces and anything in brackets removed: "Tgl. Lahir (dd-mm-yyyy)" -> tgllahir).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "noktp", "nomorktp", "nikktp", "nomorindukkependudukan", "nikart", "nikpm"),
    "no_kk": ("nokk", "nomorkk", "nokartukeluarga", "nomorkartukeluarga", "kk", "nikk"),
    "name": ("nama", "namalengkap", "namaklien", "namapm", "namappks", "namapmks", "namaart", "namapenerima",
             "namapenerimamanfaat", "namasesuaiktp"),
    "alias": ("alias", "namaalias", "namapanggilan", "namalain"),
    "sex": ("jeniskelamin", "jk", "lp", "jnskel", "jnskelamin", "jeniskel", "kelamin", "sex", "gender", "jkel"),
    "birth_place": ("tempatlahir", "tmplahir", "tmptlahir", "tptlahir", "tmplhr", "tempatlhr"),
    "birth_date": ("tanggallahir", "tgllahir", "tgllhr", "tanggallhr", "tgllahirddmmyyyy"),
    "birth_date_estimated": ("tanggallahirperkiraan", "tgllahirperkiraan", "perkiraantanggallahir"),
    "address": ("alamat", "alamatlengkap", "alamatktp", "alamatrumah", "alamatdomisili", "jalan"),
    "rt": ("rt", "nort"),
    "rw": ("rw", "norw"),
    "wilayah_code": ("kodewilayah", "kodedesa", "kodekelurahan", "kodedesakelurahan", "kodedeskel", "kodewil",
                     "kdwilayah", "kddesa"),
    "kecamatan": ("kecamatan", "kec", "namakecamatan"),
    "desa": ("desa", "kelurahan", "desakelurahan", "kelurahandesa", "deskel", "namadesa", "namakelurahan", "kel"),
    "religion": ("agama",),
    "education": ("pendidikan", "pendidikanterakhir", "pendidikantertinggi", "ijazahtertinggi",
                  "tingkatpendidikan"),
    "marital_status": ("statusperkawinan", "statuskawin", "statusnikah", "statuspernikahan", "perkawinan",
                       "stskawin", "stsperkawinan"),
    "relation_to_head": ("hubungandalamkeluarga", "hubungankeluarga", "shdk", "hubdkel",
                         "statushubungandalamkeluarga", "hubungandengankepalakeluarga", "hubungandengankk"),
    "ppks_categories": ("kategorippks", "jenisppks", "ppks", "pmks", "jenispmks", "kategoripmks"),
    "cluster": ("klaster", "cluster", "klasteratensi"),
    "dtsen_desil": ("desil", "desildtsen", "desilkesejahteraan", "peringkatdesil"),
    "phone": ("telepon", "telp", "tlp", "hp", "nohp", "nomorhp", "notelp", "notelepon", "nomortelepon",
              "teleponhp", "telponhp", "nohptelp", "handphone", "nowa", "nomorwa", "whatsapp"),
    "disability": ("disabilitas", "jenisdisabilitas", "ragamdisabilitas", "kedisabilitasan",
                   "jeniskedisabilitasan", "kecacatan", "jeniscacat", "cacat"),
}
_HEADER_TO_FIELD = {key: f for f, keys in _SYNONYMS.items() for key in keys}
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")

_EXCEL_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?[eE][+-]?\d+$")
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)?$")
_DMY_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?: \d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$")
_TEXT_DATE = re.compile(r"^(\d{1,2})[\s\-/.]*([^\W\d_]+)\.?[\s\-/.,]*(\d{4}|\d{2})$")
_MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}
_EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31
_YES = {"ya", "y", "yes", "true", "benar", "1", "x", "v", "perkiraan"}
_NO = {"tidak", "t", "no", "n", "false", "salah", "0", "bukan", "-"}
_NO_DISABILITY = {"-", "0", "tidak", "tidak ada", "bukan", "tidak disabilitas", "non disabilitas", "nondisabilitas"}
_SEX_CODES = {"1": "L", "2": "P"}  # DTKS/BPS coding of jenis kelamin
_PLACE_PREFIX = re.compile(r"^(?:desa|kelurahan|kel|ds|kecamatan|kec)\s+")
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}


# ------------------------------------------------------------------------------------------ table


class NumericText(str):
    """The text of a cell that the spreadsheet stored as a number (how Excel mangles NIKs and phones)."""

    __slots__ = ()


Cell = str | dt.date | None


def cell_text(value: Cell) -> str:
    """A cell as the user sees it: dates as 05-09-1990, empty cells as ''."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return format_date_short(value)
    return str(value)


@dataclass(frozen=True)
class TableRow:
    number: int  # the row number in the file, the header row counted (what Excel shows at the left)
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """A sheet or CSV file: column titles from the first non-empty row, then the non-empty rows below."""

    name: str  # file name, for messages
    headers: tuple[str, ...]
    rows: tuple[TableRow, ...]
    header_row: int = 1
    sheet: str | None = None  # the XLSX sheet read
    sheets: tuple[str, ...] = ()  # every sheet of the XLSX file, for a sheet chooser

    def sample(self, count: int = 20) -> list[tuple[int, list[str]]]:
        """The first rows as text, for the mapping screen's preview grid."""
        return [(r.number, [cell_text(c) for c in r.cells]) for r in self.rows[:count]]


def read_table(path: Path | str, *, sheet: str | None = None, header_row: int | None = None,
               progress: Progress | None = None) -> Table:
    """Read an XLSX sheet (the first one unless `sheet` names another) or a CSV file.

    The column titles are on `header_row` (a row number as in the file) or, by default, on the first
    non-empty row, unless a row a little lower has more recognisable titles (a sheet title above the table).

    CSV: UTF-8 with or without BOM, UTF-16 with BOM, else cp1252; the delimiter (comma, semicolon or tab)
    is sniffed. Values are kept as text as the user sees them; a number cell becomes its digits (so a NIK
    stored as a number is still recognised) and a date cell a `datetime.date`.
    """
    path = Path(path)
    progress = progress or null_progress()
    if not path.exists():
        raise UserError(_("Berkas {file} tidak ditemukan.").format(file=path), hint=_("Pilih berkas XLSX atau CSV."))
    if path.is_dir():
        raise UserError(_("{file} adalah folder, bukan berkas.").format(file=path), hint=_("Pilih berkas XLSX atau CSV."))
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UserError(
            _("Format .xls (Excel 97-2003) tidak bisa dibaca: {file}.").format(file=path.name),
            hint=_("Buka berkas itu di Excel atau LibreOffice, simpan sebagai .xlsx atau CSV, lalu impor lagi."),
        )
    if suffix in _XLSX_SUFFIXES or (suffix not in _CSV_SUFFIXES and zipfile.is_zipfile(path)):
        return _read_xlsx(path, sheet, header_row, progress)
    return _read_csv(path, header_row, progress)


def _read_xlsx(path: Path, sheet: str | None, header_row: int | None, progress: Progress) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = UserError(
        _("Berkas {file} tidak bisa dibaca sebagai XLSX.").format(file=path.name),
        hint=_("Berkas mungkin rusak atau dikunci kata sandi; simpan ulang sebagai .xlsx tanpa kata sandi."),
    )
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")  # openpyxl warns about every Excel extension it does not keep
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as err:
            raise unreadable from err
        except OSError as err:
            raise StorageError(_("Berkas {file} tidak bisa dibaca.").format(file=path),
                               hint=_("Periksa izin berkas itu.")) from err
        try:
            names = tuple(book.sheetnames)
            if sheet is None:
                if not book.worksheets:
                    raise UserError(_("Berkas {file} tidak berisi lembar data.").format(file=path.name))
                ws = book.worksheets[0]
            elif sheet in names:
                ws = book[sheet]
            else:
                raise UserError(_("Lembar {sheet} tidak ada di {file}; lembar yang ada: {sheets}.").format(
                    sheet=repr(sheet), file=path.name, sheets=", ".join(names)))
            estimate = ws.max_row or 0
            ws.reset_dimensions()  # exporters often write a wrong sheet size; read what is really there
            numbered = enumerate(ws.iter_rows(values_only=True), start=1)
            try:
                return _build_table(path.name, numbered, _xlsx_cell, estimate, progress, header_row=header_row,
                                    sheet=ws.title, sheets=names)
            except (zipfile.BadZipFile, KeyError, ValueError) as err:
                raise unreadable from err
        finally:
            book.close()


def _xlsx_cell(value: Any) -> Cell:
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        text = value.strip()
        return text or None
    if kind is int:
        return NumericText(value)
    if kind is float:
        return NumericText(int(value)) if value.is_integer() else NumericText(repr(value))
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value).strip() or None


def _read_csv(path: Path, header_row: int | None, progress: Progress) -> Table:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise StorageError(_("Berkas {file} tidak bisa dibaca.").format(file=path),
                           hint=_("Periksa izin berkas itu.")) from err
    text = _decode(data)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    estimate = text.count("\n") + 1
    try:
        return _build_table(path.name, enumerate(reader, start=1), _csv_cell, estimate, progress,
                            header_row=header_row)
    except csv.Error as err:
        raise UserError(_("Berkas {file} bukan CSV yang bisa dibaca: {error}.").format(file=path.name, error=err),
                        hint=_("Simpan ulang dari Excel atau LibreOffice sebagai CSV, lalu impor lagi.")) from err


def _csv_cell(value: str) -> Cell:
    text = value.strip()
    return text or None


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16 with a BOM
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon (Excel in Indonesian settings) or tab: the one most used in the first lines."""
    counts = dict.fromkeys((",", ";", "\t"), 0)
    seen = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        bare = re.sub(r'"[^"]*"', "", line)
        for delimiter in counts:
            counts[delimiter] += bare.count(delimiter)
        seen += 1
        if seen >= 10:
            break
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _build_table(name: str, numbered: Iterable[tuple[int, Sequence[Any]]], convert: Callable[[Any], Cell],
                 estimate: int, progress: Progress, *, header_row: int | None = None, sheet: str | None = None,
                 sheets: tuple[str, ...] = ()) -> Table:
    progress.start(estimate, _("Membaca berkas"))
    found: list[tuple[int, list[Cell]]] = []
    for number, raw in numbered:
        cells = [convert(v) for v in raw]
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            continue
        found.append((number, cells))
        if len(found) % 1000 == 0:
            progress.step(1000)
    if not found:
        raise UserError(_("Berkas {file} kosong.").format(file=name), hint=_("Pilih berkas yang berisi data klien."))
    at = _header_index(found, header_row, name)
    header_number, header = found[at]
    rows = found[at + 1:]
    if rows and _is_numbering_row(rows[0][1]):
        rows = rows[1:]  # "(1) (2) (3) ..." under the titles, as government forms number their columns
    if not rows:
        raise UserError(_("Berkas {file} tidak berisi baris data di bawah judul kolom.").format(file=name),
                        hint=_("Data klien harus ada di bawah baris judul kolom."))
    width = max(len(header), max(len(cells) for _n, cells in rows))
    headers: list[str] = []
    seen: dict[str, int] = {}
    for i in range(width):
        title = cell_text(header[i]).strip() if i < len(header) else ""
        title = " ".join(title.split()) or _("Kolom {letter}").format(letter=_column_letter(i))
        if title in seen:
            seen[title] += 1
            title = f"{title} ({seen[title]})"
        else:
            seen[title] = 1
        headers.append(title)
    pad = (None,) * width
    table_rows = tuple(TableRow(number, tuple(cells) + pad[len(cells):]) for number, cells in rows)
    progress.finish()
    return Table(name=name, headers=tuple(headers), rows=table_rows, header_row=header_number, sheet=sheet,
                 sheets=sheets)


HEADER_SEARCH = 10  # non-empty rows at the top of a sheet where the column titles are looked for
_COLUMN_NUMBER = re.compile(r"^\(?(\d{1,3})\)?$")


def _is_numbering_row(cells: Sequence[Cell]) -> bool:
    """1, 2, 3, ... (or (1), (2), ...) in at least three cells, rising: column numbers, not a client."""
    numbers = []
    for cell in cells:
        if cell is None:
            continue
        match = _COLUMN_NUMBER.match(cell_text(cell))
        if match is None:
            return False
        numbers.append(int(match.group(1)))
    return len(numbers) >= 3 and numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def _header_index(found: list[tuple[int, list[Cell]]], header_row: int | None, name: str) -> int:
    """Which row holds the column titles: the given row number, else among the first HEADER_SEARCH
    non-empty rows the one with the most recognised titles (a title line above the table is skipped);
    when none is recognised, the first row with two or more cells."""
    if header_row is not None:
        for i, (number, _cells) in enumerate(found):
            if number == header_row:
                return i
        raise UserError(_("Baris {row} di {file} kosong atau tidak ada.").format(row=header_row, file=name),
                        hint=_("Pilih baris yang berisi judul kolom."))
    best, best_count = None, 0
    for i, (_number, cells) in enumerate(found[:HEADER_SEARCH]):
        count = len(guess_mapping([cell_text(c) for c in cells if c is not None]))
        if count > best_count:
            best, best_count = i, count
    if best is not None:
        return best
    return next((i for i, (_n, cells) in enumerate(found[:HEADER_SEARCH]) if sum(c is not None for c in cells) > 1), 0)


# ---------------------------------------------------------------------------------------- mapping


def field_label(name: str) -> str:
    """The Indonesian (or current-language) label of an import field: 'nik' -> 'NIK'."""
    return _(FIELDS[name]) if name in FIELDS else name


def _header_key(header: str) -> str:
    return fold(_BRACKETS.sub(" ", header)).replace(" ", "")


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """{column: field} for the column titles recognised; the first column wins when two mean one field."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        name = _HEADER_TO_FIELD.get(_header_key(header))
        if name and name not in taken:
            mapping[header] = name
            taken.add(name)
    return mapping


@dataclass(frozen=True)
class Mapping:
    """Which column of the file fills which field: {"Kolom di file": "field"}; other columns are ignored.

    Saved and loaded as that JSON object (`client import --mapping FILE`). A field may come from one
    column only; a column mapped to null or "" is ignored.
    """

    columns: dict[str, str]

    def __post_init__(self) -> None:
        clean: dict[str, str] = {}
        unknown: list[str] = []
        for column, name in self.columns.items():
            if name is None or (isinstance(name, str) and not name.strip()):
                continue
            if not isinstance(name, str) or name.strip() not in FIELDS:
                unknown.append(str(name))
                continue
            clean[str(column)] = name.strip()
        if unknown:
            raise UserError(
                _("Isian tidak dikenal di pemetaan kolom: {fields}.").format(fields=", ".join(map(repr, unknown))),
                hint=_("Isian yang bisa dipakai: {fields}.").format(fields=", ".join(FIELDS)),
            )
        by_field: dict[str, list[str]] = {}
        for column, name in clean.items():
            by_field.setdefault(name, []).append(column)
        twice = {name: cols for name, cols in by_field.items() if len(cols) > 1}
        if twice:
            name, cols = next(iter(twice.items()))
            raise UserError(_("Isian {field} dipetakan dari lebih dari satu kolom: {columns}.").format(
                field=name, columns=", ".join(map(repr, cols))), hint=_("Pilih satu kolom saja untuk setiap isian."))
        object.__setattr__(self, "columns", clean)

    @classmethod
    def load(cls, path: Path | str) -> Mapping:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as err:
            raise UserError(_("Berkas pemetaan {file} tidak ditemukan.").format(file=path)) from err
        except (OSError, UnicodeDecodeError) as err:
            raise UserError(_("Berkas pemetaan {file} tidak bisa dibaca.").format(file=path)) from err
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise UserError(
                _("Berkas pemetaan {file} bukan JSON yang sah (baris {line}).").format(file=path.name, line=err.lineno),
                hint=_('Tulis seperti {{"NIK": "nik", "Nama Lengkap": "name"}}.'),
            ) from err
        if not isinstance(data, dict):
            raise UserError(_("Berkas pemetaan {file} harus berisi satu objek JSON.").format(file=path.name),
                            hint=_('Tulis seperti {{"NIK": "nik", "Nama Lengkap": "name"}}.'))
        return cls(data)

    def save(self, path: Path | str) -> None:
        Path(path).write_text(json.dumps(self.columns, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def field_columns(self) -> dict[str, str]:
        """{field: column}."""
        return {name: column for column, name in self.columns.items()}


# ---------------------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class RowProblem:
    """Why a row cannot be imported as it is: its row number, the field, the text in the file, the reason."""

    row: int
    field: str
    column: str | None
    text: str
    message: str

    @property
    def label(self) -> str:
        return field_label(self.field)

    def __str__(self) -> str:
        return _("Baris {row}, {field}: {message}").format(row=self.row, field=self.label, message=self.message)


@dataclass(frozen=True)
class RowWarning:
    """Something worth a look that does not stop the import (a NIK region not in the list, ...)."""

    row: int
    field: str  # '' when the warning is about the row as a whole
    message: str

    @property
    def label(self) -> str:
        return field_label(self.field)

    def __str__(self) -> str:
        if not self.field:
            return _("Baris {row}: {message}").format(row=self.row, message=self.message)
        return _("Baris {row}, {field}: {message}").format(row=self.row, field=self.label, message=self.message)


@dataclass(frozen=True)
class DuplicateFlag:
    """A row that may be a client already registered, or the same person as another row of the file."""

    row: int
    kind: str  # 'nik_db', 'nik_file' or 'fuzzy'
    message: str
    client_id: uuid.UUID | None = None
    other_row: int | None = None
    score: float | None = None

    def __str__(self) -> str:
        return _("Baris {row}: {message}").format(row=self.row, message=self.message)


@dataclass
class ImportRow:
    row: int
    values: dict[str, Any]  # the checked client values (best effort when the row has problems)
    nik: str | None  # digits, when the NIK itself is valid
    no_kk: str | None  # digits, when valid
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    duplicates: list[DuplicateFlag] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class HouseholdPlan:
    no_kk: str
    rows: tuple[int, ...]
    existing_id: uuid.UUID | None  # a household with this No. KK already in the database: members join it


@dataclass(frozen=True)
class ImportSummary:
    rows: int  # data rows in the file
    ready: int  # rows that will be imported
    excluded: int  # rows left out by choice
    unresolved: int  # rows with problems that are not excluded: the import is refused while > 0
    warnings: int  # warnings on rows that will be imported
    duplicates: int  # rows that will be imported although flagged as likely duplicates
    households_new: int
    households_attached: int

    @property
    def can_commit(self) -> bool:
        return self.unresolved == 0 and self.ready > 0

    def lines(self) -> list[str]:
        """The summary in sentences, for the preview screen and the command line."""
        n = format_number
        out = [_("{rows} baris data: {ready} siap diimpor, {bad} bermasalah, {excluded} dikecualikan.").format(
            rows=n(self.rows), ready=n(self.ready), bad=n(self.unresolved), excluded=n(self.excluded))]
        out.append(_("Keluarga (No. KK): {new} baru, {attached} sudah ada di database (anggota ditambahkan).").format(
            new=n(self.households_new), attached=n(self.households_attached)))
        if self.warnings:
            out.append(_("{count} peringatan; baris itu tetap diimpor.").format(count=n(self.warnings)))
        if self.duplicates:
            out.append(_("{count} baris kemungkinan duplikat tetap diimpor kecuali dikecualikan; setelah diimpor "
                         "periksa di daftar Kemungkinan duplikat.").format(count=n(self.duplicates)))
        return out


@dataclass
class ImportPreview:
    """Every row of a table checked against a mapping; what `commit` will write. Nothing is written yet."""

    table_name: str
    sheet: str | None
    mapping: Mapping
    unused_columns: tuple[str, ...]
    rows: list[ImportRow]
    existing_households: dict[str, uuid.UUID]  # No. KK -> household already in the database
    fuzzy_checked: bool  # False: only same-NIK duplicates were looked for
    committed: bool = False
    _by_number: dict[int, ImportRow] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def problems(self) -> list[RowProblem]:
        return [p for r in self.rows for p in r.problems]

    @property
    def warnings(self) -> list[RowWarning]:
        return [w for r in self.rows for w in r.warnings]

    @property
    def duplicates(self) -> list[DuplicateFlag]:
        return [d for r in self.rows for d in r.duplicates]

    @property
    def problem_rows(self) -> set[int]:
        return {r.row for r in self.rows if r.problems}

    def row(self, number: int) -> ImportRow | None:
        """The row with this file row number (None for a blank row or the header)."""
        if self._by_number is None:
            self._by_number = {r.row: r for r in self.rows}
        return self._by_number.get(number)

    def included(self, exclude_rows: Iterable[int] = ()) -> list[ImportRow]:
        excluded = set(exclude_rows)
        return [r for r in self.rows if r.row not in excluded]

    def households(self, exclude_rows: Iterable[int] = ()) -> list[HouseholdPlan]:
        """Rows sharing a No. KK become one household (or join the one already in the database)."""
        groups: dict[str, list[int]] = {}
        for r in self.included(exclude_rows):
            if r.ok and r.no_kk:
                groups.setdefault(r.no_kk, []).append(r.row)
        return [HouseholdPlan(kk, tuple(rows), self.existing_households.get(kk)) for kk, rows in groups.items()]

    def summary(self, exclude_rows: Iterable[int] = ()) -> ImportSummary:
        included = self.included(exclude_rows)
        ready = [r for r in included if r.ok]
        plans = self.households(exclude_rows)
        attached = sum(1 for p in plans if p.existing_id is not None)
        return ImportSummary(
            rows=len(self.rows), ready=len(ready), excluded=len(self.rows) - len(included),
            unresolved=len(included) - len(ready), warnings=sum(len(r.warnings) for r in ready),
            duplicates=sum(1 for r in ready if r.duplicates), households_new=len(plans) - attached,
            households_attached=attached,
        )


class _Problem(Exception):  # noqa: N818 - internal signal carrying a message for one field
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def preview(db: Database, table: Table, mapping: Mapping | dict[str, str], *, today: dt.date | None = None,
            similar: bool = True, progress: Progress | None = None) -> ImportPreview:
    """Convert and check every row (nothing is written). Cancelling raises `Cancelled`.

    Same-NIK duplicates are always flagged. `similar=False` leaves out the search for similar clients
    (one duplicates-service query per row, the slow part with a large registry); a screen can show the
    report first and run `find_similar` afterwards.

    Raises UserError when the mapping does not fit the file (a mapped column missing, no Nama column) or
    the file names desa while no desa list is loaded. Row-level problems are collected, not raised.
    """
    guard.check(db, IMPORT_DATA)
    progress = progress or null_progress()
    mapping = mapping if isinstance(mapping, Mapping) else Mapping(dict(mapping))
    missing = [c for c in mapping.columns if c not in table.headers]
    if missing:
        raise UserError(
            _("Kolom {columns} tidak ada di {file}.").format(columns=", ".join(map(repr, missing)), file=table.name),
            hint=_("Kolom yang ada: {columns}.").format(columns=", ".join(table.headers)),
        )
    by_field = mapping.field_columns()
    for name in REQUIRED:
        if name not in by_field:
            raise UserError(_("Belum ada kolom untuk {field}.").format(field=field_label(name)),
                            hint=_("Pilih kolom file yang berisi {field}.").format(field=field_label(name)))
    index = {name: table.headers.index(column) for name, column in by_field.items()}
    converter = _Converter(db, table, index, by_field, today or dt.date.today())
    progress.start(len(table.rows), _("Memeriksa baris"))
    rows: list[ImportRow] = []
    for i, table_row in enumerate(table.rows, start=1):
        rows.append(converter.row(table_row))
        if i % PREVIEW_STEP == 0:
            progress.step(PREVIEW_STEP)
    progress.check()
    _flag_same_nik(db, rows)
    existing = _existing_households(db, {r.no_kk for r in rows if r.no_kk})
    used = set(mapping.columns)
    result = ImportPreview(
        table_name=table.name, sheet=table.sheet, mapping=mapping,
        unused_columns=tuple(h for h in table.headers if h not in used), rows=rows,
        existing_households=existing, fuzzy_checked=False,
    )
    if similar:
        find_similar(db, result, progress=progress)
    progress.finish()
    return result


class _Converter:
    """Turns one table row into client values, problems and warnings (lookups loaded once per preview)."""

    def __init__(self, db: Database, table: Table, index: dict[str, int], columns: dict[str, str],
                 today: dt.date) -> None:
        self.index = index
        self.columns = columns
        self.today = today
        self.lists = {name: ref_list(name) for name in (
            "sex", "religions", "education", "marital_status", "family_relations", "ppks", "clusters")}
        with db.session() as s:
            office = s.get(Office, db.office_id) if db.office_id else None
            office_wilayah = office.wilayah_code if office is not None else None
            top = s.execute(select(Wilayah.code, Wilayah.level).where(Wilayah.level <= 2)).all()
            self.regions = {code for code, _level in top}
            self.provinces_with_kab = {code[:2] for code, level in top if level == 2}
            self.known_codes = self._known_codes(s, table)
            # desa names are looked up within the office's kab/kota (a provincial office: its province)
            self.scope_code = (office_wilayah[:5] if len(office_wilayah) >= 5 else office_wilayah) \
                if office_wilayah else None
            self.scope_name = s.scalar(select(Wilayah.name).where(Wilayah.code == self.scope_code)) \
                if self.scope_code else None
            self._warnings: list[tuple[str, str]] = []
            self.kecamatan_index: dict[str, list[str]] = {}
            self.desa_index: dict[str, list[str]] = {}
            self.kecamatan_names: dict[str, str] = {}
            if "desa" in index or "kecamatan" in index:
                self._load_places(s)

    def _known_codes(self, session: Any, table: Table) -> set[str]:
        """Codes of the file's 'Kode wilayah' column (and their parents) that the wilayah list holds."""
        col = self.index.get("wilayah_code")
        if col is None:
            return set()
        wanted: set[str] = set()
        for row in table.rows:
            value = row.cells[col]
            if value is None:
                continue
            try:
                code = normalize_code(str(value))
            except ValueError:
                continue
            wanted.add(code)
            head, sep, _tail = code.rpartition(".")
            if sep:
                wanted.add(head)
        found: set[str] = set()
        for batch in _chunks(sorted(wanted), QUERY_CHUNK):
            found.update(session.scalars(select(Wilayah.code).where(Wilayah.code.in_(batch))))
        return found

    def _load_places(self, session: Any) -> None:
        stmt = select(Wilayah.code, Wilayah.name, Wilayah.level).where(Wilayah.level.in_((3, 4)))
        if self.scope_code:
            stmt = stmt.where(Wilayah.code.like(self.scope_code + ".%"))
        for code, name, level in session.execute(stmt):
            target = self.kecamatan_index if level == 3 else self.desa_index
            target.setdefault(_place_key(name), []).append(code)
            if level == 3:
                self.kecamatan_names[code] = name
        missing = ("desa" in self.index and not self.desa_index) or not self.kecamatan_index
        if missing and "wilayah_code" not in self.index:
            message = _("Daftar kecamatan dan desa/kelurahan untuk {where} belum dimuat, jadi nama di file tidak "
                        "bisa diubah menjadi kode wilayah.").format(where=self.scope_name) if self.scope_name else \
                _("Daftar kecamatan dan desa/kelurahan belum dimuat, jadi nama di file tidak bisa diubah menjadi "
                  "kode wilayah.")
            raise UserError(message, hint=_("Muat daftar wilayah dulu (atensi-desktop wilayah import) atau pakai "
                                            "kolom Kode wilayah."))

    # -------------------------------------------------------------------------------- one row

    def row(self, table_row: TableRow) -> ImportRow:
        number, cells = table_row.number, table_row.cells
        raw = {name: cells[i] for name, i in self.index.items() if cells[i] is not None}
        problems: dict[str, str] = {}
        self._warnings = []
        values: dict[str, Any] = {"name": cell_text(raw["name"]) if "name" in raw else None}
        no_kk: str | None = None
        for name, cell in raw.items():
            convert = _CONVERTERS.get(name)
            if convert is None:
                continue
            try:
                value = convert(self, cell)
            except _Problem as p:
                problems[name] = p.message
                continue
            if value is None:
                continue
            if name == "no_kk":
                no_kk = value
            else:
                values[name] = value
        address = self._address(raw)
        if address:
            values["address"] = address
        if "wilayah_code" in values:
            self._check_code(values["wilayah_code"], problems)
        elif "desa" in raw or "kecamatan" in raw:
            try:
                values["wilayah_code"] = self._place(raw)
            except _Problem as p:
                problems["desa" if "desa" in raw else "kecamatan"] = p.message
        nik_ok = "nik" in values and "nik" not in problems
        try:
            clean, extra = validate_client(values, today=self.today)
        except ValidationError as err:
            for name, message in err.problems.items():
                problems.setdefault(name, message)
            clean, extra = values, []
        nik = None
        if nik_ok and "nik" not in problems:
            check = check_nik(values["nik"], today=self.today, known_region=self._known_region)
            nik = check.nik if check.valid else None
            self._warnings.extend(("nik", w) for w in check.warnings)
        shown = {message for _name, message in self._warnings}
        self._warnings.extend(("", w) for w in extra if w not in shown)  # validate_client's own, unattributed
        order = list(FIELDS)
        return ImportRow(
            row=number, values=clean, nik=nik, no_kk=no_kk if "no_kk" not in problems else None,
            problems=[
                RowProblem(number, name, self.columns.get(name), cell_text(raw.get(name)), message)
                for name, message in sorted(problems.items(), key=lambda item: _order(order, item[0]))
            ],
            warnings=[RowWarning(number, name, message) for name, message in self._warnings],
        )

    def _warn(self, name: str, message: str) -> None:
        self._warnings.append((name, message))

    def _known_region(self, code: str) -> bool:
        """Like nik_report: the province must be listed; a kab/kota only once its province's are loaded."""
        if "." not in code:
            return code in self.regions
        return code in self.regions if code[:2] in self.provinces_with_kab else True

    # ----------------------------------------------------------------------------- converters

    def _identity_number(self, cell: Cell, name: str) -> str:
        text = cell_text(cell).lstrip("'").strip()
        if _EXCEL_SCIENTIFIC.match(text.replace(" ", "")):
            raise _Problem(_("{field} rusak karena diubah Excel menjadi angka; format kolom sebagai Teks lalu "
                             "ketik ulang.").format(field=field_label(name)))
        if isinstance(cell, NumericText) and len(text) == 16 and text.endswith("0"):
            self._warn(name, _("{field} tersimpan sebagai angka di Excel, yang hanya menyimpan 15 angka; angka "
                               "terakhir (0) mungkin bukan aslinya. Cocokkan dengan KTP atau KK.").format(
                field=field_label(name)))
        return text

    def _nik(self, cell: Cell) -> str:
        return self._identity_number(cell, "nik")

    def _no_kk(self, cell: Cell) -> str:
        check = check_no_kk(self._identity_number(cell, "no_kk"))
        if not check.valid:
            raise _Problem(check.errors[0])
        return check.no_kk

    def _text(self, cell: Cell) -> str | None:
        return cell_text(cell) or None

    def _sex(self, cell: Cell) -> str:
        text = cell_text(cell)
        item = self.lists["sex"].match(text)
        return item.code if item else _SEX_CODES.get(text.strip(), text)

    def _birth_date(self, cell: Cell) -> dt.date:
        return parse_date(cell)

    def _estimated(self, cell: Cell) -> bool:
        text = cell_text(cell).strip().casefold()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise _Problem(_("Isi Ya atau Tidak; yang diisi {value}.").format(value=repr(cell_text(cell))))

    def _ppks(self, cell: Cell) -> list[str]:
        text = cell_text(cell)
        ppks = self.lists["ppks"]
        item = ppks.match(text)
        if item:
            return [item.code]
        parts = [p.strip() for p in re.split(r"[;\n|]+", text) if p.strip()]
        if len(parts) <= 1:
            parts = [p.strip() for p in text.split(",") if p.strip()]
        codes = []
        for part in parts:
            found = ppks.match(part)
            codes.append(found.code if found else part)
        return codes

    def _desil(self, cell: Cell) -> int | str:
        text = cell_text(cell).strip()
        match = re.fullmatch(r"(?i)(?:desil\s*)?(\d{1,2})(?:[.,]0+)?", text)
        return int(match.group(1)) if match else text

    def _phone(self, cell: Cell) -> str:
        text = cell_text(cell).lstrip("'").strip()
        if isinstance(cell, NumericText) and text.isdigit() and text.startswith("8") and 8 <= len(text) <= 12:
            return "0" + text  # Excel dropped the leading zero of 08xx
        return text

    def _disability(self, cell: Cell) -> str | None:
        text = cell_text(cell)
        return None if " ".join(text.casefold().split()) in _NO_DISABILITY else text

    def _wilayah_code(self, cell: Cell) -> str:
        text = cell_text(cell)
        try:
            return normalize_code(text)
        except ValueError:
            raise _Problem(_("Kode wilayah {value} tidak sah; tulis seperti 63.06.01.2001.").format(
                value=repr(text))) from None

    # ----------------------------------------------------------------------- address, wilayah

    def _address(self, raw: dict[str, Cell]) -> str | None:
        parts = [cell_text(raw["address"])] if "address" in raw else []
        for name, label in (("rt", "RT"), ("rw", "RW")):
            if name in raw:
                text = cell_text(raw[name]).strip()
                parts.append(f"{label} {int(text):03d}" if text.isdigit() else f"{label} {text}")
        return " ".join(p for p in parts if p) or None

    def _check_code(self, code: str, problems: dict[str, str]) -> None:
        if code in self.known_codes:
            return
        head, _sep, _tail = code.rpartition(".")
        if head and head in self.known_codes:
            problems["wilayah_code"] = _("Kode wilayah {code} tidak ada dalam daftar wilayah yang dimuat.").format(
                code=code)
        else:
            self._warn("wilayah_code", _("Daftar wilayah untuk kode {code} belum dimuat; kode tetap disimpan.").format(
                code=code))

    def _place(self, raw: dict[str, Cell]) -> str:
        where = self.scope_name or _("daftar wilayah yang dimuat")
        kecamatan_codes: list[str] | None = None
        if "kecamatan" in raw:
            kec_text = cell_text(raw["kecamatan"])
            kecamatan_codes = self.kecamatan_index.get(_place_key(kec_text))
            if not kecamatan_codes:
                raise _Problem(_("Kecamatan {name} tidak ditemukan di {where}.").format(
                    name=repr(kec_text), where=where))
        if "desa" not in raw:
            assert kecamatan_codes is not None
            if len(kecamatan_codes) > 1:
                raise _Problem(_("Nama kecamatan {name} ada lebih dari satu di {where}; pakai kolom Kode wilayah.")
                               .format(name=repr(cell_text(raw["kecamatan"])), where=where))
            return kecamatan_codes[0]
        desa_text = cell_text(raw["desa"])
        candidates = self.desa_index.get(_place_key(desa_text), [])
        if kecamatan_codes is not None:
            candidates = [c for c in candidates if c.rpartition(".")[0] in kecamatan_codes]
            if not candidates:
                raise _Problem(_("Desa/kelurahan {name} tidak ditemukan di Kecamatan {kecamatan}.").format(
                    name=repr(desa_text), kecamatan=cell_text(raw["kecamatan"])))
        if not candidates:
            raise _Problem(_("Desa/kelurahan {name} tidak ditemukan di {where}.").format(
                name=repr(desa_text), where=where))
        if len(candidates) > 1:
            names = sorted({self.kecamatan_names.get(c.rpartition(".")[0], c.rpartition(".")[0])
                            for c in candidates})
            raise _Problem(_("Desa/kelurahan {name} ada di beberapa kecamatan ({kecamatan}); tambahkan kolom "
                             "Kecamatan atau Kode wilayah.").format(name=repr(desa_text),
                                                                   kecamatan=", ".join(names)))
        return candidates[0]


def _choice(listname: str) -> Callable[[_Converter, Cell], str]:
    """A converter to a reference-list code from its code, label, abbreviation or alias ('terlantar' too)."""

    def convert(conv: _Converter, cell: Cell) -> str:
        text = cell_text(cell)
        item = conv.lists[listname].match(text)
        return item.code if item else text  # validate_client names what is not in the list

    return convert


_CONVERTERS: dict[str, Callable[[_Converter, Cell], Any]] = {
    "nik": _Converter._nik,
    "no_kk": _Converter._no_kk,
    "alias": _Converter._text,
    "sex": _Converter._sex,
    "birth_place": _Converter._text,
    "birth_date": _Converter._birth_date,
    "birth_date_estimated": _Converter._estimated,
    "wilayah_code": _Converter._wilayah_code,
    "religion": _choice("religions"),
    "education": _choice("education"),
    "marital_status": _choice("marital_status"),
    "relation_to_head": _choice("family_relations"),
    "cluster": _choice("clusters"),
    "ppks_categories": _Converter._ppks,
    "dtsen_desil": _Converter._desil,
    "phone": _Converter._phone,
    "disability": _Converter._disability,
}


def _order(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


def _place_key(name: str) -> str:
    return _PLACE_PREFIX.sub("", fold(name))


def parse_date(cell: Cell) -> dt.date:
    """A date as written in Indonesian spreadsheets: a real date cell, 05-09-1990, 5/9/1990 (day first),
    1990-09-05, 5 September 1990, 5 Sept 1990, 5 Agt 1990; an Excel serial number stored without format.

    Raises _Problem with the message to show (a two-digit year is refused rather than guessed).
    """
    if isinstance(cell, dt.date):
        return cell
    text = cell_text(cell).strip()
    if isinstance(cell, NumericText) and text.isdigit() and 1 <= int(text) <= _EXCEL_MAX_SERIAL:
        from openpyxl.utils.datetime import from_excel

        return from_excel(int(text)).date()
    year = month = day = None
    if match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY_DATE.match(text):
        day, month = int(match.group(1)), int(match.group(2))
        year_text = match.group(3)
        if len(year_text) == 2:
            raise _Problem(_("Tahun pada tanggal {value} harus ditulis 4 angka, mis. 05-09-1990.").format(
                value=repr(text)))
        year = int(year_text)
    elif (match := _TEXT_DATE.match(text)) and match.group(2).casefold() in _MONTHS:
        day, month = int(match.group(1)), _MONTHS[match.group(2).casefold()]
        if len(match.group(3)) == 2:
            raise _Problem(_("Tahun pada tanggal {value} harus ditulis 4 angka, mis. 05-09-1990.").format(
                value=repr(text)))
        year = int(match.group(3))
    else:
        raise _Problem(_("Tanggal {value} tidak dikenali; tulis seperti 05-09-1990, 1990-09-05 atau "
                         "5 September 1990.").format(value=repr(text)))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _Problem(_("Tanggal {value} tidak ada di kalender.").format(value=repr(text))) from None


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _flag_same_nik(db: Database, rows: list[ImportRow]) -> None:
    """Same NIK already registered (archived included), and same NIK on an earlier row of the file."""
    first_row: dict[str, int] = {}
    for r in rows:
        if r.nik is None:
            continue
        if r.nik in first_row:
            r.duplicates.append(DuplicateFlag(
                r.row, "nik_file", _("NIK sama dengan baris {other}.").format(other=first_row[r.nik]),
                other_row=first_row[r.nik]))
        else:
            first_row[r.nik] = r.row
    if not first_row:
        return
    found: dict[str, list[tuple[uuid.UUID, str, str, bool]]] = {}
    with db.session() as s:
        for batch in _chunks(sorted(first_row), QUERY_CHUNK):
            stmt = (select(Client.nik, Client.id, Client.display_id, Client.name, Client.deleted)
                    .where(Client.nik.in_(batch), Client.merged_into.is_(None)).order_by(Client.id))
            for nik, cid, shown, name, deleted in s.execute(stmt):
                found.setdefault(nik, []).append((cid, shown, name, bool(deleted)))
    for r in rows:
        for cid, shown, name, deleted in found.get(r.nik or "", ()):
            message = (_("NIK sama dengan klien {id} ({name}) yang diarsipkan.") if deleted
                       else _("NIK sama dengan klien {id} ({name}) yang sudah terdaftar.")).format(id=shown, name=name)
            r.duplicates.append(DuplicateFlag(r.row, "nik_db", message, client_id=cid))


def find_similar(db: Database, preview: ImportPreview, *, progress: Progress | None = None) -> bool:
    """Flag rows resembling a client already registered (name, birth date, sex, wilayah): the duplicates
    service's `candidates_for_many` (the check on entry, for all rows without problems at once: one pass
    over the registry, the same candidates as row by row). Cancelling raises `Cancelled`.

    Sets and returns `preview.fuzzy_checked`; False when the duplicates service is not installed (then
    only same-NIK duplicates are flagged). Running it twice does nothing the second time.
    """
    guard.check(db, IMPORT_DATA)
    if preview.fuzzy_checked:
        return True
    try:
        from atensi_desktop.services.duplicates import candidates_for_many
    except ImportError:
        return False
    progress = progress or null_progress()
    todo = [r for r in preview.rows if r.ok]
    with db.session() as s:
        live = s.scalar(select(Client.id).where(Client.deleted.is_(False), Client.merged_into.is_(None)).limit(1))
    if live is not None:  # an empty registry has nobody to resemble: no query per row
        _flag_similar(db, todo, candidates_for_many, progress)
    preview.fuzzy_checked = True
    return True


def _flag_similar(db: Database, todo: list[ImportRow], candidates_for_many: Callable[..., Any],
                  progress: Progress) -> None:
    progress.start(len(todo), _("Mencari kemungkinan duplikat"))
    found = candidates_for_many(db, [r.values for r in todo], limit=FUZZY_LIMIT, progress=progress)
    for r, candidates in zip(todo, found, strict=True):
        flagged = {d.client_id for d in r.duplicates}
        for cand in candidates:
            if cand.client.id in flagged:
                continue
            r.duplicates.append(DuplicateFlag(
                r.row, "fuzzy", _("Mirip klien {id} ({name}): {why}.").format(
                    id=cand.client.display_id, name=cand.client.name, why=cand.explanation),
                client_id=cand.client.id, score=cand.score))
    progress.check()


# The one lookup of households by No. KK lives in services/households.py (the household screen uses it too).
_existing_households = existing_households


# ----------------------------------------------------------------------------------------- commit


@dataclass(frozen=True)
class ImportResult:
    clients: int
    households_new: int
    households_attached: int
    excluded: int
    warnings: int
    duplicates: int  # imported rows that were flagged as likely duplicates
    client_ids: tuple[uuid.UUID, ...] = ()


def commit(db: Database, preview: ImportPreview, *, exclude_rows: Iterable[int] = frozenset(),
           progress: Progress | None = None) -> ImportResult:
    """Write every row of the preview except `exclude_rows`, in one transaction, or nothing.

    Refused (UserError) while a row with problems is not excluded. Households are written first (rows
    sharing a No. KK form one; a No. KK already in the database is joined), then the clients with their
    display ids, in chunks of CHUNK rows with progress; `progress.cancel()` rolls everything back.
    """
    guard.check(db, IMPORT_DATA)
    progress = progress or null_progress()
    excluded = set(exclude_rows)
    if preview.committed:
        raise UserError(_("Pratinjau ini sudah diimpor."), hint=_("Buka berkasnya lagi untuk impor yang baru."))
    included = preview.included(excluded)
    unresolved = [r for r in included if not r.ok]
    if unresolved:
        raise UserError(
            _("Masih ada {count} baris bermasalah. Perbaiki file atau kecualikan baris itu.").format(
                count=format_number(len(unresolved))),
            hint=_("Baris: {rows}.").format(rows=_row_list([r.row for r in unresolved])),
        )
    if not included:
        raise UserError(_("Tidak ada baris untuk diimpor."), hint=_("Semua baris dikecualikan."))
    progress.start(len(included), _("Menyimpan klien"))
    with db.session() as s:
        office_code = s.scalar(select(Office.code).where(Office.id == db.office_id)) if db.office_id else None
        existing = _existing_households(db, {r.no_kk for r in included if r.no_kk}, session=s)
        household_of: dict[str, uuid.UUID] = dict(existing)
        new_households: list[dict[str, Any]] = []
        for kk, members in _group_by_kk(included).items():
            if kk in household_of:
                continue
            head = next((m for m in members if m.values.get("relation_to_head") == "kepala_keluarga"), members[0])
            hid = uuid7()
            household_of[kk] = hid
            new_households.append({"id": hid, "no_kk": kk, "address": head.values.get("address"),
                                   "wilayah_code": head.values.get("wilayah_code")})
        for batch in _chunks(new_households, CHUNK):
            progress.check()
            bulk_insert(s, Household, batch)
        ids: list[uuid.UUID] = []
        search_index = SearchIndexPause(s)  # filled once at the end (rolled back with the rest)
        for batch in _chunks(included, CHUNK):
            progress.check()
            rows = []
            for r in batch:
                cid = uuid7()
                row = dict.fromkeys(EDITABLE)
                row.update(r.values)
                row.update(id=cid, display_id=display_id(office_code, cid),
                           household_id=household_of.get(r.no_kk) if r.no_kk else None,
                           birth_date_estimated=bool(r.values.get("birth_date_estimated")))
                rows.append(row)
            ids.extend(bulk_insert(s, Client, rows))
            progress.step(len(batch))
        progress.check()
        search_index.resume()
    preview.committed = True
    progress.finish(_("Impor klien selesai"))
    attached = {r.no_kk for r in included if r.no_kk and r.no_kk in existing}
    return ImportResult(
        clients=len(ids), households_new=len(new_households), households_attached=len(attached),
        excluded=len(preview.rows) - len(included), warnings=sum(len(r.warnings) for r in included),
        duplicates=sum(1 for r in included if r.duplicates), client_ids=tuple(ids),
    )


def _group_by_kk(rows: Sequence[ImportRow]) -> dict[str, list[ImportRow]]:
    groups: dict[str, list[ImportRow]] = {}
    for r in rows:
        if r.no_kk:
            groups.setdefault(r.no_kk, []).append(r)
    return groups


def _row_list(numbers: Sequence[int], limit: int = 20) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (" …" if len(numbers) > limit else "")
