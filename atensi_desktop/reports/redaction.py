"""Redaction levels chosen when printing (issue 6; UU 27/2022 PDP, domain.md §6).

- ``lengkap``: internal use, everything as recorded.
- ``mitra``: for a referral partner: a NIK shows only its first 6 digits (the wilayah of registration),
  health and criminal details only when the user ticks "show sensitive details" (`ctx.show_sensitive`).
- ``statistik``: no names and no NIK at all: people are "Klien 1", "Klien 2", ... in the order of the report.

Builders call these helpers for every identifying value they print, so the rule lives in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from atensi_desktop.i18n import N_, _

if TYPE_CHECKING:
    from atensi_desktop.reports.document import ReportContext

LEVELS = ("lengkap", "mitra", "statistik")
LEVEL_LABELS = {
    "lengkap": N_("Lengkap (internal)"),
    "mitra": N_("Untuk mitra rujukan"),
    "statistik": N_("Statistik (tanpa nama)"),
}
MASK = "*"


def check_level(level: str) -> str:
    from atensi_desktop.errors import UserError

    if level not in LEVELS:
        raise UserError(_("Tingkat kerahasiaan {level} tidak dikenal.").format(level=repr(level)),
                        hint=_("Pilih lengkap, mitra atau statistik."))
    return level


def level_label(level: str) -> str:
    return _(LEVEL_LABELS[level])


def nik_for(nik: str | None, level: str) -> str:
    """The NIK as it may be printed: full (lengkap), '630601**********' (mitra), '' (statistik)."""
    digits = (nik or "").strip()
    if not digits or level == "statistik":
        return ""
    if level == "mitra":
        return digits[:6] + MASK * max(len(digits) - 6, 0)
    return digits


def no_kk_for(no_kk: str | None, level: str) -> str:
    """No. KK follows the NIK rule."""
    return nik_for(no_kk, level)


def name_for(name: str | None, level: str, n: int = 1) -> str:
    """A person's name: as recorded, or 'Klien n' at statistik (n counts from 1 in the report's order)."""
    if level == "statistik":
        return _("Klien {n}").format(n=n)
    return (name or "").strip()


def text_for(value: str | None, level: str) -> str:
    """Other identifying free text (address, phone, birth place): hidden at statistik."""
    if level == "statistik":
        return ""
    return (value or "").strip()


def allows_sensitive(ctx: ReportContext) -> bool:
    """May health, disability-diagnosis or criminal-record details be printed in this report?

    lengkap: yes; mitra: only when ticked; statistik: never (only counts).
    """
    if ctx.redaction == "lengkap":
        return True
    if ctx.redaction == "mitra":
        return bool(ctx.show_sensitive)
    return False


def sensitive_text(ctx: ReportContext, value: str | None) -> str:
    """A sensitive detail as it may be printed, else a fixed placeholder saying it was withheld."""
    if allows_sensitive(ctx):
        return (value or "").strip()
    return _("(dirahasiakan)")
