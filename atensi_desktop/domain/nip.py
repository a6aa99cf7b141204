"""NIP (civil-servant number, for signature blocks) and No. KK (family card number) checks.

NIP: 18 digits ``YYYYMMDD YYYYMM S NNN`` — birth date, TMT (first appointment as CPNS, year and month),
sex (1 male, 2 female) and a serial; written in groups "19860926 201505 1 001" (domain.md §4.3).
No. KK: 16 digits, the first 6 the wilayah code where it was issued (domain.md §4.2; the split of the
remaining 10 digits is not verified, so only length and digits are checked).

Pure Python: no database, no Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from atensi_desktop.i18n import _

NIP_LENGTH = 18
NO_KK_LENGTH = 16
MIN_AGE_AT_TMT = 15

_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015]+")
_NON_DIGIT = re.compile(r"\D")


@dataclass(frozen=True)
class NipCheck:
    valid: bool
    errors: tuple[str, ...]
    birth_date: date | None
    tmt: tuple[int, int] | None  # (year, month) of first appointment
    sex: str | None  # 'L' or 'P'
    nip: str = ""  # digits only


@dataclass(frozen=True)
class NoKkCheck:
    valid: bool
    errors: tuple[str, ...]
    no_kk: str = ""  # digits only
    wilayah_code: str | None = None  # first 6 digits, dotted: '63.06.01'


def normalize_nip(value: str | None) -> str:
    """Digits only: '19860926 201505 1 001' -> '198609262015051001'."""
    return _NON_DIGIT.sub("", value or "")


def format_nip(value: str | None) -> str:
    """Grouped for print: '198609262015051001' -> '19860926 201505 1 001'; anything else comes back trimmed."""
    digits = normalize_nip(value)
    if len(digits) != NIP_LENGTH:
        return (value or "").strip()
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


PPPK_MARKER = 21


def check_nip(value: str | None) -> NipCheck:
    """Check a NIP as typed (spaces, dots and dashes ignored) and decode it."""
    cleaned = _SEPARATORS.sub("", (value or "").strip())
    if not cleaned:
        return NipCheck(False, (_("NIP belum diisi."),), None, None, None, cleaned)
    if not cleaned.isdigit():
        return NipCheck(False, (_("NIP hanya boleh berisi angka."),), None, None, None, cleaned)
    if len(cleaned) != NIP_LENGTH:
        message = _("NIP harus 18 angka; yang diisi {count} angka.").format(count=len(cleaned))
        return NipCheck(False, (message,), None, None, None, cleaned)

    errors: list[str] = []
    birth_date: date | None = None
    try:
        birth_date = date(int(cleaned[0:4]), int(cleaned[4:6]), int(cleaned[6:8]))
    except ValueError:
        errors.append(
            _(
                "Delapan angka pertama NIP adalah tanggal lahir (tahun, bulan, tanggal); "
                "{date} bukan tanggal yang ada di kalender."
            ).format(date=f"{cleaned[6:8]}-{cleaned[4:6]}-{cleaned[0:4]}")
        )

    tmt: tuple[int, int] | None = None
    tmt_year, tmt_month = int(cleaned[8:12]), int(cleaned[12:14])
    if tmt_month == PPPK_MARKER:
        pass  # PPPK numbers carry 21 where a PNS NIP has the TMT month (inference; see domain.md §4.3)
    elif not 1 <= tmt_month <= 12:
        errors.append(
            _(
                "Angka ke-13 dan ke-14 NIP adalah bulan TMT pengangkatan dan harus 01–12; yang diisi {digits}."
            ).format(digits=cleaned[12:14])
        )
    elif birth_date is not None and tmt_year < birth_date.year + MIN_AGE_AT_TMT:
        errors.append(
            _(
                "TMT pengangkatan di NIP ({tmt}) terlalu dekat dengan tahun lahir "
                "({birth_year}); periksa angka ke-9 sampai ke-12 NIP."
            ).format(tmt=f"{tmt_month:02d}-{tmt_year}", birth_year=birth_date.year)
        )
    else:
        tmt = (tmt_year, tmt_month)

    sex: str | None = {"1": "L", "2": "P"}.get(cleaned[14])
    if sex is None:
        errors.append(
            _(
                "Angka ke-15 NIP adalah jenis kelamin: 1 untuk laki-laki, 2 untuk perempuan; yang diisi {digit}."
            ).format(digit=cleaned[14])
        )
    if cleaned[15:] == "000":
        errors.append(_("Tiga angka terakhir NIP adalah nomor urut dan tidak boleh 000."))

    return NipCheck(not errors, tuple(errors), birth_date, tmt, sex, cleaned)


def check_no_kk(value: str | None) -> NoKkCheck:
    """Check a No. KK as typed (spaces, dots and dashes ignored): 16 digits."""
    cleaned = _SEPARATORS.sub("", (value or "").strip())
    if not cleaned:
        return NoKkCheck(False, (_("Nomor KK belum diisi."),), cleaned)
    if not cleaned.isdigit():
        return NoKkCheck(False, (_("Nomor KK hanya boleh berisi angka."),), cleaned)
    if len(cleaned) != NO_KK_LENGTH:
        message = _("Nomor KK harus 16 angka; yang diisi {count} angka.").format(count=len(cleaned))
        return NoKkCheck(False, (message,), cleaned)
    return NoKkCheck(True, (), cleaned, f"{cleaned[0:2]}.{cleaned[2:4]}.{cleaned[4:6]}")
