"""Kemendagri region codes (domain.md §4.5): parsing and structure, no database.

Written dotted ``PP.KK.CC.DDDD``: province (2 digits), kabupaten (01–69) or kota (71–99), kecamatan
(2 digits), desa/kelurahan (4 digits; first digit 1 kelurahan, 2 desa, 3 desa adat). Level 1..4 is the
number of segments. BPS codes use another scheme below kab/kota and must not be mixed in.
"""

from __future__ import annotations

import re

SEGMENT_LENGTHS = (2, 2, 2, 4)
LEVEL_NAMES = {1: "provinsi", 2: "kabupaten/kota", 3: "kecamatan", 4: "desa/kelurahan"}
_UNDOTTED_LENGTHS = {2: 1, 4: 2, 6: 3, 10: 4}
_SEPARATOR = re.compile(r"[.\s]+")
_DESA_KINDS = {"1": "kelurahan", "2": "desa", "3": "desa_adat"}


def normalize_code(text: str) -> str:
    """'6306012001', '63.06.01.2001' or '63 06 01 2001' -> '63.06.01.2001'; ValueError otherwise."""
    raw = (text or "").strip()
    if raw.isascii() and raw.isdigit():
        level = _UNDOTTED_LENGTHS.get(len(raw))
        if level is None:
            raise ValueError(f"not a wilayah code: {text!r}")
        parts, pos = [], 0
        for size in SEGMENT_LENGTHS[:level]:
            parts.append(raw[pos : pos + size])
            pos += size
    else:
        parts = _SEPARATOR.split(raw)
        if not 1 <= len(parts) <= 4 or any(
            not p.isdigit() or not p.isascii() or len(p) != size
            for p, size in zip(parts, SEGMENT_LENGTHS, strict=False)
        ):
            raise ValueError(f"not a wilayah code: {text!r}")
    if int(parts[0]) < 11 or any(int(p) == 0 for p in parts[1:]):
        raise ValueError(f"not a wilayah code: {text!r}")
    return ".".join(parts)


def is_code(text: str) -> bool:
    """True when `normalize_code` accepts the text."""
    try:
        normalize_code(text)
    except ValueError:
        return False
    return True


def level_of(code: str) -> int:
    """1 provinsi, 2 kab/kota, 3 kecamatan, 4 desa/kelurahan."""
    return normalize_code(code).count(".") + 1


def parent_of(code: str) -> str | None:
    """'63.06.01.2001' -> '63.06.01'; a province has no parent."""
    dotted = normalize_code(code)
    head, sep, _ = dotted.rpartition(".")
    return head if sep else None


def lineage(code: str) -> list[str]:
    """The code and its ancestors, province first: ['63', '63.06', '63.06.01', '63.06.01.2001']."""
    parts = normalize_code(code).split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def kind_of_desa(code: str) -> str | None:
    """'kelurahan', 'desa' or 'desa_adat' for a level-4 code (first digit 1/2/3), else None."""
    parts = normalize_code(code).split(".")
    if len(parts) != 4:
        return None
    return _DESA_KINDS.get(parts[3][0])


def is_kota(kabkota_code: str) -> bool:
    """True for a kota (kab/kota digits 71–99), False for a kabupaten (01–69) or a province code.

    Deeper codes are judged by their kab/kota part ('63.72.01' lies in a kota).
    """
    parts = normalize_code(kabkota_code).split(".")
    return len(parts) >= 2 and 71 <= int(parts[1]) <= 99
