"""Kemendagri region list: import from CSV or the cahyadsn/wilayah SQL dump, lookups, NIK region report.

The 38 provinces ship with the app (db/bootstrap.py); an office imports the rest of the official list
(Kepmendagri 300.2.2-2138/2025, 91,599 codes) from a file. An import is all-or-nothing: every row is
checked before anything is written, then new codes are inserted and changed names updated in one
transaction. Codes missing from the file are kept: records may still point at them.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, insert, or_, select, update
from sqlalchemy.orm import Session

from atensi_desktop.db.engine import Database, write_meta
from atensi_desktop.db.models import Wilayah
from atensi_desktop.domain.names import fold
from atensi_desktop.domain.nik import NikCheck, check_nik
from atensi_desktop.domain.wilayah import LEVEL_NAMES, level_of, lineage, normalize_code, parent_of
from atensi_desktop.errors import StorageError, UserError
from atensi_desktop.progress import Progress, null_progress
from atensi_desktop.security import guard
from atensi_desktop.security.roles import OFFICE_SETTINGS

CHUNK = 5000
MAX_PROBLEMS = 10
NAME_MAX = 120  # wilayah.name is String(120)
CODE_EXAMPLE = "63.06.01.2001"
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_CODE_HEADERS = ("kode", "code", "kode_wilayah", "kode wilayah")
_NAME_HEADERS = ("nama", "name", "nama_wilayah", "nama wilayah")
_CODE_LIKE = re.compile(r"^[\d.\s]+$")


# --------------------------------------------------------------------------------------------- DTOs


@dataclass(frozen=True)
class WilayahDTO:
    code: str
    name: str
    level: int
    parent_code: str | None


@dataclass(frozen=True)
class WilayahImportResult:
    total: int  # distinct codes in the file
    per_level: dict[int, int] = field(default_factory=dict)  # {1: .., 2: .., 3: .., 4: ..} in the file
    inserted: int = 0
    updated: int = 0

    @property
    def unchanged(self) -> int:
        return self.total - self.inserted - self.updated


@dataclass(frozen=True)
class NikReport:
    check: NikCheck
    province_name: str | None
    kabkota_name: str | None
    kecamatan_name: str | None


# ------------------------------------------------------------------------------------------- import


@dataclass(frozen=True)
class _RawRow:
    line: int
    code: str
    name: str


class _Problems:
    """Problems found in a file, each with its line number; reported sorted, at most MAX_PROBLEMS."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.items.append((line, f"Baris {line}: {message}"))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self, file_name: str) -> None:
        if not self.items:
            return
        ordered = [msg for _, msg in sorted(self.items, key=lambda item: item[0])]
        shown = ordered[:MAX_PROBLEMS]
        more = len(ordered) - len(shown)
        head = f"Berkas {file_name} tidak bisa dimuat: ditemukan {len(ordered)} masalah."
        lines = [head, *shown]
        if more:
            lines.append(f"… dan {more} masalah lain.")
        raise UserError("\n".join(lines), hint="Perbaiki berkas itu, lalu impor lagi; database belum diubah.")


def import_wilayah(db: Database, path: Path, *, progress: Progress | None = None) -> WilayahImportResult:
    """Import a region list: a CSV (`kode,nama`) or the `wilayah.sql` dump of cahyadsn/wilayah.

    Every row is validated first (code format, name present, no code with two names, parent region in
    the file or the database); any problem raises UserError naming the lines, database untouched.
    Then one transaction inserts new codes and updates changed names; `progress.cancel()` rolls it back.
    """
    guard.check(db, OFFICE_SETTINGS)
    progress = progress or null_progress()
    path = Path(path)
    progress.check()
    text = _read_text(path)
    if not text.strip():
        raise UserError(f"Berkas {path.name} kosong.", hint="Pilih berkas daftar kode wilayah (CSV atau SQL).")
    problems = _Problems()
    raw_rows = _parse_sql(text, problems) if _is_sql(path, text) else _parse_csv(text, problems)
    if not raw_rows and not problems:
        raise UserError(
            f"Berkas {path.name} tidak berisi satu pun kode wilayah.",
            hint="Isi berkas harus berupa baris kode,nama (mis. 63.06,Kabupaten Hulu Sungai Selatan) "
            "atau perintah INSERT INTO wilayah (kode, nama) VALUES ….",
        )
    progress.check()

    with db.session() as s:
        existing: dict[str, str] = dict(s.execute(select(Wilayah.code, Wilayah.name)).all())
        rows = _validate(raw_rows, existing, problems, progress)
        problems.raise_if_any(path.name)

        per_level = {1: 0, 2: 0, 3: 0, 4: 0}
        new_rows: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for code, name in rows.items():
            level = code.count(".") + 1
            per_level[level] += 1
            old = existing.get(code)
            if old is None:
                new_rows.append(
                    {"code": code, "name": name, "level": level, "parent_code": parent_of(code), "name_norm": fold(name)}
                )
            elif old != name:
                changed.append({"code": code, "name": name, "name_norm": fold(name)})
        new_rows.sort(key=lambda r: r["code"])
        changed.sort(key=lambda r: r["code"])

        progress.start(len(new_rows) + len(changed), "Menyimpan daftar wilayah")
        for chunk in _chunks(new_rows):
            s.execute(insert(Wilayah), chunk)
            progress.step(len(chunk))
        for chunk in _chunks(changed):
            s.execute(update(Wilayah), chunk)
            progress.step(len(chunk))
        progress.check()
        write_meta(s, "wilayah_source", f"{path.name} ({len(rows)} kode, {dt.date.today().isoformat()})")
    progress.finish("Daftar wilayah tersimpan")
    return WilayahImportResult(total=len(rows), per_level=per_level, inserted=len(new_rows), updated=len(changed))


def load_demo_region(db: Database, *, progress: Progress | None = None) -> WilayahImportResult:
    """Import the built-in demo subset (Kalimantan Selatan, 2,186 codes)."""
    from atensi_desktop.resources import resource_path

    return import_wilayah(db, resource_path("refdata", "wilayah-kalsel.csv"), progress=progress)


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise UserError(f"Berkas {path} tidak ditemukan.", hint="Pilih berkas daftar kode wilayah yang ada.") from err
    except IsADirectoryError as err:
        raise UserError(f"{path} adalah folder, bukan berkas.", hint="Pilih berkas CSV atau SQL.") from err
    except OSError as err:
        raise StorageError(f"Berkas {path} tidak bisa dibaca.", hint="Periksa izin berkas itu.") from err
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16 with a BOM
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _is_sql(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".sql":
        return True
    if suffix in _CSV_SUFFIXES:
        return False
    return re.search(r"\bINSERT\s+INTO\b", text[:1_000_000], re.IGNORECASE) is not None


# ---- CSV


def _parse_csv(text: str, problems: _Problems) -> list[_RawRow]:
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[_RawRow] = []
    code_idx = name_idx = -1
    previous_end = 0
    try:
        for record in reader:
            line, previous_end = previous_end + 1, reader.line_num
            cells = [cell.strip() for cell in record]
            if not any(cells):
                continue
            if code_idx < 0:
                header = [c.lower().lstrip("\ufeff").strip() for c in cells]
                if any(h in _CODE_HEADERS for h in header):
                    code_idx = next(i for i, h in enumerate(header) if h in _CODE_HEADERS)
                    name_idx = next((i for i, h in enumerate(header) if h in _NAME_HEADERS), -1)
                    if name_idx < 0:
                        problems.add(line, "baris judul tidak punya kolom 'nama' (contoh judul: kode,nama).")
                        return rows
                    continue
                if _CODE_LIKE.match(cells[0]):
                    code_idx, name_idx = 0, 1  # no header: the first row is already data
                else:
                    problems.add(
                        line,
                        "baris judul harus berisi kolom kode dan nama (contoh: kode,nama); "
                        f"yang ada: {','.join(cells)[:80]!r}.",
                    )
                    return rows
            code = cells[code_idx] if code_idx < len(cells) else ""
            name = cells[name_idx] if name_idx < len(cells) else ""
            rows.append(_RawRow(line, code, name))
    except csv.Error as err:
        problems.add(previous_end + 1, f"isi CSV tidak bisa dibaca ({err}).")
    return rows


# ---- SQL dump

_SQL_IDLE = re.compile(
    r"--[^\n]*"
    r"|/\*.*?(?:\*/|\Z)"
    r"|'(?:[^'\\]|''|\\.)*'"
    r"|(?P<insert>\bINSERT\s+(?:IGNORE\s+)?INTO\s+"
    r"(?:[`\"\[]?\w+[`\"\]]?\s*\.\s*)?[`\"\[]?(?P<table>\w+)[`\"\]]?\s*"
    r"(?:\((?P<cols>[^()]*)\)\s*)?VALUES\b)",
    re.IGNORECASE | re.DOTALL,
)
_SQL_GAP = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)
_SQL_VALUE = re.compile(r"'((?:[^'\\]|''|\\.)*)'|(NULL)\b|([-+]?\d[\d.]*(?:[eE][-+]?\d+)?)", re.IGNORECASE | re.DOTALL)
_SQL_ESCAPE = re.compile(r"''|\\(.)", re.DOTALL)
_SQL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "Z": "\x1a", "b": "\b"}


def _unescape(body: str) -> str:
    if "'" not in body and "\\" not in body:
        return body
    return _SQL_ESCAPE.sub(lambda m: "'" if m.group(1) is None else _SQL_ESCAPES.get(m.group(1), m.group(1)), body)


def _parse_sql(text: str, problems: _Problems) -> list[_RawRow]:
    """Tuples of `INSERT INTO wilayah (kode, nama) VALUES (...), ...;` — everything else is skipped."""
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_at(pos: int) -> int:
        return bisect.bisect_right(newlines, pos - 1) + 1

    rows: list[_RawRow] = []
    pos = 0
    while True:
        m = _SQL_IDLE.search(text, pos)
        if m is None:
            return rows
        pos = m.end()
        if m.group("insert") is None or m.group("table").lower() != "wilayah":
            continue
        if m.group("cols") is None:
            code_idx, name_idx, width = 0, 1, 2
        else:
            cols = [c.strip().strip("`\"[]").lower() for c in m.group("cols").split(",")]
            if "kode" not in cols or "nama" not in cols:
                problems.add(line_at(m.start()), "perintah INSERT INTO wilayah tidak memuat kolom kode dan nama.")
                return rows
            code_idx, name_idx, width = cols.index("kode"), cols.index("nama"), len(cols)
        pos = _parse_values(text, pos, line_at, code_idx, name_idx, width, rows, problems)
        if pos < 0:
            return rows


def _parse_values(
    text: str,
    pos: int,
    line_at: Callable[[int], int],
    code_idx: int,
    name_idx: int,
    width: int,
    rows: list[_RawRow],
    problems: _Problems,
) -> int:
    """Parse `(...), (...);` from `pos`; returns the position after it, or -1 after a syntax problem."""
    end = len(text)
    while True:
        pos = _SQL_GAP.match(text, pos).end()
        if pos >= end or text[pos] != "(":
            problems.add(line_at(pos), "perintah INSERT tidak lengkap: diharapkan '(' sebelum nilai kode dan nama.")
            return -1
        line = line_at(pos)
        pos += 1
        values: list[str | None] = []
        while True:
            pos = _SQL_GAP.match(text, pos).end()
            vm = _SQL_VALUE.match(text, pos)
            if vm is None:
                if pos < end and text[pos] == "'":
                    problems.add(line, "tanda kutip tidak ditutup.")
                else:
                    problems.add(line, f"nilai tidak dikenali: {text[pos : pos + 20]!r}.")
                return -1
            if vm.group(1) is not None:
                values.append(_unescape(vm.group(1)))
            elif vm.group(2) is not None:
                values.append(None)
            else:
                values.append(vm.group(3))
            pos = _SQL_GAP.match(text, vm.end()).end()
            if pos < end and text[pos] == ",":
                pos += 1
                continue
            if pos < end and text[pos] == ")":
                pos += 1
                break
            problems.add(line, "perintah INSERT tidak lengkap: diharapkan ',' atau ')' (periksa tanda kutip).")
            return -1
        if len(values) != width:
            problems.add(line, f"diharapkan {width} nilai (kode, nama); yang ada {len(values)}.")
        else:
            rows.append(_RawRow(line, values[code_idx] or "", values[name_idx] or ""))
        pos = _SQL_GAP.match(text, pos).end()
        if pos < end and text[pos] == ",":
            pos += 1
            continue
        if pos >= end:
            return pos
        if text[pos] == ";":
            return pos + 1
        problems.add(line_at(pos), "perintah INSERT tidak lengkap: diharapkan ',' atau ';' setelah nilai.")
        return -1


# ---- validation


def _validate(
    raw_rows: list[_RawRow], existing: dict[str, str], problems: _Problems, progress: Progress
) -> dict[str, str]:
    """code -> name for every distinct code of the file, problems recorded (the file is read to the end)."""
    names: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for i, raw in enumerate(raw_rows):
        if i % CHUNK == 0:
            progress.check()
        code_text = raw.code.strip()
        if not code_text:
            problems.add(raw.line, f"kode kosong (contoh: {CODE_EXAMPLE}).")
            continue
        try:
            code = normalize_code(code_text)
        except ValueError:
            problems.add(raw.line, f"kode '{code_text}' tidak sah (contoh: {CODE_EXAMPLE}).")
            continue
        level = code.count(".") + 1
        if level == 4 and code[-4] not in "123":
            problems.add(
                raw.line,
                f"kode '{code_text}' tidak sah: empat angka terakhir kode desa/kelurahan diawali 1 (kelurahan), "
                "2 (desa) atau 3 (desa adat).",
            )
            continue
        name = " ".join(raw.name.split())
        if not name:
            problems.add(raw.line, f"nama untuk kode {code} kosong.")
            continue
        if len(name) > NAME_MAX:
            problems.add(raw.line, f"nama untuk kode {code} terlalu panjang ({len(name)} huruf; paling banyak {NAME_MAX}).")
            continue
        known = names.get(code)
        if known is None:
            names[code] = name
            first_line[code] = raw.line
        elif known != name:
            problems.add(
                raw.line,
                f"kode {code} sudah ada di baris {first_line[code]} dengan nama '{known}', di sini '{name}'; "
                "satu kode hanya boleh punya satu nama.",
            )
    for code, name in names.items():
        parent = parent_of(code)
        if parent is not None and parent not in names and parent not in existing:
            level = code.count(".") + 1
            problems.add(
                first_line[code],
                f"{LEVEL_NAMES[level]} {code} ({name}) tidak punya induk: {LEVEL_NAMES[level - 1]} {parent} "
                "tidak ada di berkas maupun di database.",
            )
    return names


# ------------------------------------------------------------------------------------------ lookups


def _dto(row: Any) -> WilayahDTO:
    return WilayahDTO(code=row.code, name=row.name, level=row.level, parent_code=row.parent_code)


_COLUMNS = (Wilayah.code, Wilayah.name, Wilayah.level, Wilayah.parent_code)


def _normalized(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return normalize_code(code)
    except ValueError:
        return None


def get(db: Database, code: str) -> WilayahDTO | None:
    """One region by code (any accepted spelling: '6306', '63.06', '63 06'), or None."""
    dotted = _normalized(code)
    if dotted is None:
        return None
    with db.session() as s:
        row = s.execute(select(*_COLUMNS).where(Wilayah.code == dotted)).one_or_none()
    return _dto(row) if row is not None else None


def exists(db: Database, code: str) -> bool:
    dotted = _normalized(code)
    if dotted is None:
        return False
    with db.session() as s:
        return s.scalar(select(Wilayah.code).where(Wilayah.code == dotted)) is not None


def children(db: Database, code: str | None) -> list[WilayahDTO]:
    """The regions directly under `code`, ordered by code; None gives the provinces."""
    stmt = select(*_COLUMNS).order_by(Wilayah.code)
    if code is None:
        stmt = stmt.where(Wilayah.level == 1)
    else:
        dotted = _normalized(code)
        if dotted is None:
            return []
        stmt = stmt.where(Wilayah.parent_code == dotted)
    with db.session() as s:
        return [_dto(r) for r in s.execute(stmt)]


def _code_prefix(text: str) -> str:
    """'63.06.0' stays; '630601' -> '63.06.01'; '6306012' -> '63.06.01.2' (for LIKE 'prefix%')."""
    compact = re.sub(r"\s+", ".", text.strip())
    if "." in compact:
        return re.sub(r"\.+", ".", compact)
    parts, pos = [], 0
    for size in (2, 2, 2, 4):
        if pos >= len(compact):
            break
        parts.append(compact[pos : pos + size])
        pos += size
    return ".".join(parts)


def search(
    db: Database, text: str, *, level: int | None = None, within: str | None = None, limit: int = 20
) -> list[WilayahDTO]:
    """Regions whose name has a word starting with `text` (case, accents, punctuation ignored).

    Digits and dots search by code prefix instead ('63.06' or '6306'). Whole-name matches come first,
    then names starting with the text, then by level and name. `within` keeps descendants of a code.
    """
    text = (text or "").strip()
    if not text or limit <= 0:
        return []
    stmt = select(*_COLUMNS)
    if _CODE_LIKE.match(text):
        stmt = stmt.where(Wilayah.code.like(_code_prefix(text) + "%")).order_by(Wilayah.code)
    else:
        query = fold(text)
        if not query:
            return []
        stmt = stmt.where(or_(Wilayah.name_norm.like(f"{query}%"), Wilayah.name_norm.like(f"% {query}%"))).order_by(
            case((Wilayah.name_norm == query, 0), (Wilayah.name_norm.like(f"{query}%"), 1), else_=2),
            Wilayah.level,
            Wilayah.name_norm,
            Wilayah.code,
        )
    if level is not None:
        stmt = stmt.where(Wilayah.level == level)
    if within:
        dotted = _normalized(within)
        if dotted is None:
            return []
        stmt = stmt.where(Wilayah.code.like(dotted + ".%"))
    with db.session() as s:
        return [_dto(r) for r in s.execute(stmt.limit(limit))]


def names_for(db: Database, codes: Iterable[str]) -> dict[str, str]:
    """{code as given: name} for the codes found (one query per 5,000 codes); unknown codes are left out."""
    wanted: dict[str, list[str]] = {}
    for code in codes:
        dotted = _normalized(code)
        if dotted is not None:
            wanted.setdefault(dotted, []).append(code)
    if not wanted:
        return {}
    found: dict[str, str] = {}
    keys = list(wanted)
    with db.session() as s:
        for start in range(0, len(keys), CHUNK):
            batch = keys[start : start + CHUNK]
            found.update(s.execute(select(Wilayah.code, Wilayah.name).where(Wilayah.code.in_(batch))).all())
    return {given: name for dotted, name in found.items() for given in wanted[dotted]}


def full_name(db: Database, code: str) -> str:
    """'Hamalau, Kec. Sungai Raya, Kabupaten Hulu Sungai Selatan, Kalimantan Selatan'.

    Ancestors missing from the table are left out; a code that is itself unknown starts the text as is.
    """
    try:
        chain = lineage(code)
    except ValueError:
        return (code or "").strip()
    with db.session() as s:
        names = dict(s.execute(select(Wilayah.code, Wilayah.name).where(Wilayah.code.in_(chain))).all())
    pieces: list[str] = []
    for item in reversed(chain):
        name = names.get(item)
        if name is None:
            if item == chain[-1]:
                pieces.append(item)
            continue
        if level_of(item) == 3 and not re.match(r"(?i)^(kec\.|kecamatan\b)", name):
            name = f"Kec. {name}"
        pieces.append(name)
    return ", ".join(pieces)


def counts(db: Database) -> dict[int, int]:
    """Number of regions per level: {1: 38, 2: .., 3: .., 4: ..} (0 for a level not loaded)."""
    with db.session() as s:
        found = dict(s.execute(select(Wilayah.level, func.count()).group_by(Wilayah.level)).all())
    return {level: int(found.get(level, 0)) for level in (1, 2, 3, 4)}


# -------------------------------------------------------------------------------------------- NIK


def nik_report(db: Database, value: str, *, today: dt.date | None = None) -> NikReport:
    """`check_nik` with the region codes checked against the loaded list, plus the region names.

    The province must be in the list (the 38 ship built in). A kab/kota is only judged when some
    kab/kota of that province has been imported; otherwise nothing is said about it.
    """
    first = check_nik(value, today=today)
    if first.province_code is None:
        return NikReport(check=first, province_name=None, kabkota_name=None, kecamatan_name=None)
    prov, kab, kec = first.province_code, first.kabkota_code, first.kecamatan_code
    with db.session() as s:
        names = _names_in(s, [prov, kab, kec])
        kab_loaded = (
            s.scalar(select(Wilayah.code).where(Wilayah.level == 2, Wilayah.parent_code == prov).limit(1)) is not None
        )

    def known(code: str) -> bool:
        if code.count(".") == 0 or kab_loaded:
            return code in names
        return True

    check = check_nik(value, today=today, known_region=known)
    return NikReport(check=check, province_name=names.get(prov), kabkota_name=names.get(kab), kecamatan_name=names.get(kec))


def _names_in(session: Session, codes: list[str | None]) -> dict[str, str]:
    wanted = [c for c in codes if c]
    return dict(session.execute(select(Wilayah.code, Wilayah.name).where(Wilayah.code.in_(wanted))).all())
