"""Formatting for printed reports: NIP groups, naskah dinas dates, Rupiah, percentages, Roman months.

Printed documents follow Indonesian naskah dinas conventions (domain.md §5) whatever the UI language:
"Kandangan, 5 Maret 2026", "Rp1.500.000", "12,50%". Pure Python, deterministic (no locale lookups).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from atensi_desktop.domain.nip import format_nip as _format_nip

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def format_nip(nip: str | None) -> str:
    """'198609262015051001' -> '19860926 201505 1 001' (Perka BKN 22/2007); other text comes back trimmed."""
    return _format_nip(nip)


def long_date(d: dt.date | None) -> str:
    """'5 Maret 2026': day without a leading zero, month spelled out, no trailing period; '' for None."""
    if d is None:
        return ""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def day_date(d: dt.date) -> str:
    """'Kamis, 5 Maret 2026' (for berita acara: the day name is written out)."""
    return f"{DAYS[d.weekday()]}, {long_date(d)}"


def short_date(d: dt.date | None) -> str:
    """'05-03-2026' for table cells; '' for None."""
    return d.strftime("%d-%m-%Y") if d is not None else ""


def month_year(year: int, month: int) -> str:
    """'Maret 2026'."""
    return f"{MONTHS[month - 1]} {year}"


def roman_month(month: int) -> str:
    """3 -> 'III' (letter numbers of the Kepmendagri 78/2012 pattern)."""
    return _ROMAN[month - 1]


def thousands(n: int | float | Decimal) -> str:
    """1500000 -> '1.500.000' (rounded half up to a whole number)."""
    value = int(Decimal(str(n)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    sign = "-" if value < 0 else ""
    return sign + f"{abs(value):,}".replace(",", ".")


def rupiah(n: int | float | Decimal | None) -> str:
    """1500000 -> 'Rp1.500.000' (no space, no decimals, as in Indonesian government documents); None -> '-'."""
    if n is None:
        return "-"
    text = thousands(n)
    return f"-Rp{text[1:]}" if text.startswith("-") else f"Rp{text}"


def decimal_id(x: float | Decimal, places: int = 2) -> str:
    """12.5 -> '12,50'; a decimal comma and '.' between thousands, rounded half up."""
    q = Decimal(1).scaleb(-places) if places else Decimal(1)
    value = Decimal(str(x)).quantize(q, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _dot, frac = f"{abs(value):f}".partition(".")
    whole = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{whole},{frac}" if places else f"{sign}{whole}"


def percent(x: float | Decimal | None, places: int = 2) -> str:
    """12.5 -> '12,50%' (x is already a percentage, not a fraction); None -> '-'."""
    if x is None:
        return "-"
    return decimal_id(x, places) + "%"
