"""NIK (Nomor Induk Kependudukan): structure check, birth date and sex decoding, masking.

A NIK is 16 digits ``PP KK CC DDMMYY NNNN`` (domain.md §4.1): province, kab/kota and kecamatan where the
NIK was *first* registered, the birth date with 40 added to the day for women, and a serial from 0001.
The region code is not checked against today's list as an error: a NIK keeps the code of its first
registration for life, including regions split or renamed since (pemekaran). With a ``known_region``
callback an unknown code becomes a warning.

Pure Python: no database, no Qt. python-stdnum is deliberately not used (it rejects provinces 65 and
92–96 and dates a 2010 birth as 1910).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from atensi_desktop.i18n import _

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40

_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015]+")
_NON_DIGIT = re.compile(r"\D")
_EXCEL_NUMBER = re.compile(r"^\d+([.,]\d+)?[eE]\+?\d+$")


@dataclass(frozen=True)
class NikCheck:
    """The outcome of `check_nik`: the cleaned number, problems found, and what the number encodes.

    The decoded parts are filled in as far as the number allows, even when it is not valid (a NIK with
    serial 0000 still names its region and birth date), so a form can show them next to the error.
    """

    nik: str
    valid: bool
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    sex: str | None  # 'L' or 'P'
    birth_date: date | None
    province_code: str | None  # '63'
    kabkota_code: str | None  # '63.06'
    kecamatan_code: str | None  # '63.06.01'
    serial: str | None  # '0001'


def normalize_nik(value: str | None) -> str:
    """Digits only: '6306.0112-0590 0001' -> '6306011205900001' (for storage after `check_nik`)."""
    return _NON_DIGIT.sub("", value or "")


def mask_nik(nik: str | None) -> str:
    """Referral-partner redaction: the first 6 digits (region of registration), the rest as asterisks.

    '6306011205900001' -> '630601**********'. A number of 6 digits or fewer is masked entirely.
    """
    digits = normalize_nik(nik)
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:6] + "*" * (len(digits) - 6)


def check_nik(
    value: str | None,
    *,
    today: date | None = None,
    known_region: Callable[[str], bool] | None = None,
) -> NikCheck:
    """Check a NIK as typed by a user and decode it.

    Spaces, dots and dashes are ignored. The two-digit year is 20YY unless that date is after `today`
    (default: the computer's date), then 19YY. `known_region(code)` is asked about the province ('63')
    and, when the province is known, the kab/kota ('63.06'); a False answer gives a warning, not an error.
    """
    today = today or date.today()
    raw = (value or "").strip()
    cleaned = _SEPARATORS.sub("", raw)
    if not cleaned:
        return _invalid(cleaned, _("NIK belum diisi."))
    if not cleaned.isdigit():
        if _EXCEL_NUMBER.match(raw):
            return _invalid(
                cleaned,
                _(
                    "NIK hanya boleh berisi angka; yang diisi tampak seperti angka yang diubah Excel "
                    "({raw}). Ketik ulang ke-16 angka NIK dari KTP atau KK."
                ).format(raw=raw),
            )
        return _invalid(cleaned, _("NIK hanya boleh berisi angka."))
    if len(cleaned) != NIK_LENGTH:
        return _invalid(cleaned, _("NIK harus 16 angka; yang diisi {count} angka.").format(count=len(cleaned)))

    errors: list[str] = []
    warnings: list[str] = []
    province, kabkota, kecamatan = cleaned[0:2], cleaned[2:4], cleaned[4:6]
    dd, mm, yy = int(cleaned[6:8]), int(cleaned[8:10]), int(cleaned[10:12])
    serial = cleaned[12:16]
    province_code = province
    kabkota_code = f"{province}.{kabkota}"
    kecamatan_code = f"{kabkota_code}.{kecamatan}"

    if not 11 <= int(province) <= 99:
        errors.append(
            _(
                "Dua angka pertama NIK adalah kode provinsi dan harus antara 11 dan 99; yang diisi {province}. "
                "Periksa kembali NIK di KTP atau KK."
            ).format(province=province)
        )

    sex: str | None = None
    day = dd
    if 1 <= dd <= 31:
        sex = "L"
    elif FEMALE_DAY_OFFSET + 1 <= dd <= FEMALE_DAY_OFFSET + 31:
        sex, day = "P", dd - FEMALE_DAY_OFFSET
    else:
        errors.append(
            _(
                "Angka ke-7 dan ke-8 NIK adalah tanggal lahir: 01–31 untuk laki-laki, 41–71 untuk perempuan "
                "(tanggal ditambah 40); yang diisi {digits}."
            ).format(digits=cleaned[6:8])
        )
    month_ok = 1 <= mm <= 12
    if not month_ok:
        errors.append(
            _("Angka ke-9 dan ke-10 NIK adalah bulan lahir dan harus 01–12; yang diisi {digits}.").format(
                digits=cleaned[8:10]
            )
        )

    birth_date: date | None = None
    if sex is not None and month_ok:
        year = 2000 + yy
        if (year, mm, day) > (today.year, today.month, today.day):
            year -= 100
        try:
            birth_date = date(year, mm, day)
        except ValueError:
            errors.append(
                _(
                    "Tanggal lahir di NIK ({date}) tidak ada di kalender. Periksa angka ke-7 sampai ke-12 NIK."
                ).format(date=f"{day:02d}-{mm:02d}-{year}")
            )

    if serial == "0000":
        errors.append(_("Empat angka terakhir NIK adalah nomor urut dan tidak boleh 0000."))

    if known_region is not None and not errors:
        if not known_region(province_code):
            warnings.append(_unknown_region(province_code))
        elif not known_region(kabkota_code):
            warnings.append(_unknown_region(kabkota_code))

    return NikCheck(
        nik=cleaned,
        valid=not errors,
        errors=tuple(errors),
        warnings=tuple(warnings),
        sex=sex,
        birth_date=birth_date,
        province_code=province_code,
        kabkota_code=kabkota_code,
        kecamatan_code=kecamatan_code,
        serial=serial,
    )


def _unknown_region(code: str) -> str:
    return _(
        "Kode wilayah {code} di NIK tidak ada dalam daftar wilayah yang dimuat; NIK tetap bisa dipakai "
        "karena mencatat wilayah pertama kali terdaftar."
    ).format(code=code)


def _invalid(cleaned: str, message: str) -> NikCheck:
    return NikCheck(
        nik=cleaned,
        valid=False,
        errors=(message,),
        warnings=(),
        sex=None,
        birth_date=None,
        province_code=None,
        kabkota_code=None,
        kecamatan_code=None,
        serial=None,
    )
