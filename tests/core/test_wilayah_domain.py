"""Kemendagri region code parsing (no database)."""

from __future__ import annotations

import pytest

from atensi_desktop.domain.wilayah import (
    is_code,
    is_kota,
    kind_of_desa,
    level_of,
    lineage,
    normalize_code,
    parent_of,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6306012001", "63.06.01.2001"),
        ("63.06.01.2001", "63.06.01.2001"),
        ("63 06 01 2001", "63.06.01.2001"),
        (" 63.06.01 ", "63.06.01"),
        ("630601", "63.06.01"),
        ("6306", "63.06"),
        ("63", "63"),
        ("65.71", "65.71"),
    ],
)
def test_normalize_code(text: str, expected: str) -> None:
    assert normalize_code(text) == expected
    assert is_code(text)


@pytest.mark.parametrize(
    "text",
    ["", "6", "63.6.01", "630601200", "63060120011", "63.06.01.201", "63-06", "63.06.", "ab", "63.06.01.2001.1",
     "6306010", "00", "09.01", "63.00", "63.06.00", "63.06.01.0000", "٦٣"],
)
def test_normalize_code_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        normalize_code(text)
    assert not is_code(text)


def test_levels_and_parents() -> None:
    assert [level_of(c) for c in ("63", "63.06", "63.06.01", "6306012001")] == [1, 2, 3, 4]
    assert parent_of("63.06.01.2001") == "63.06.01"
    assert parent_of("63.06.01") == "63.06"
    assert parent_of("6306") == "63"
    assert parent_of("63") is None
    assert lineage("6306012001") == ["63", "63.06", "63.06.01", "63.06.01.2001"]


def test_kind_of_desa() -> None:
    assert kind_of_desa("63.06.05.1001") == "kelurahan"
    assert kind_of_desa("63.06.01.2001") == "desa"
    assert kind_of_desa("11.01.01.3001") == "desa_adat"
    assert kind_of_desa("63.06.01.5001") is None
    assert kind_of_desa("63.06.01") is None


def test_is_kota() -> None:
    assert is_kota("63.71")  # Kota Banjarmasin
    assert is_kota("65.71")  # Kota Tarakan
    assert not is_kota("63.06")  # Kabupaten Hulu Sungai Selatan
    assert is_kota("63.72.01")
    assert not is_kota("63")
