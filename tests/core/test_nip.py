"""NIP (civil-servant number) and No. KK checks."""

from __future__ import annotations

from datetime import date

import pytest

from atensi_desktop.domain.nip import check_nip, check_no_kk, format_nip, normalize_nip


def test_valid_nip() -> None:
    result = check_nip("198609262015051001")
    assert result.valid and result.errors == ()
    assert result.birth_date == date(1986, 9, 26)
    assert result.tmt == (2015, 5)
    assert result.sex == "L"
    assert result.nip == "198609262015051001"


def test_grouped_input_and_female() -> None:
    result = check_nip("19900101 201903 2 004")
    assert result.valid
    assert result.sex == "P"
    assert result.tmt == (2019, 3)


def test_format_nip() -> None:
    assert format_nip("198609262015051001") == "19860926 201505 1 001"
    assert format_nip("19860926 201505 1 001") == "19860926 201505 1 001"
    assert format_nip(" 1234 ") == "1234"
    assert normalize_nip("19860926 201505 1 001") == "198609262015051001"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "NIP belum diisi."),
        ("19860926201505100", "NIP harus 18 angka; yang diisi 17 angka."),
        ("1986092620150510011", "NIP harus 18 angka; yang diisi 19 angka."),
        ("19860926201505100A", "NIP hanya boleh berisi angka."),
        ("198602312015051001", "31-02-1986 bukan tanggal"),
        ("198609262015131001", "bulan TMT"),
        ("198609262015001001", "bulan TMT"),
        ("198609261995051001", "terlalu dekat dengan tahun lahir"),
        ("198609262015053001", "1 untuk laki-laki, 2 untuk perempuan"),
        ("198609262015051000", "tidak boleh 000"),
    ],
)
def test_invalid_nip(value: str, fragment: str) -> None:
    result = check_nip(value)
    assert not result.valid
    assert any(fragment in e for e in result.errors), result.errors


def test_tmt_exactly_15_years_after_birth_is_accepted() -> None:
    assert check_nip("198609262001051001").valid
    assert not check_nip("198609262000121001").valid


def test_no_kk() -> None:
    ok = check_no_kk("6306 0112 3456 0001")
    assert ok.valid and ok.errors == ()
    assert ok.no_kk == "6306011234560001"
    assert ok.wilayah_code == "63.06.01"
    assert check_no_kk("630601123456000").errors == ("Nomor KK harus 16 angka; yang diisi 15 angka.",)
    assert check_no_kk("63060112345600x1").errors == ("Nomor KK hanya boleh berisi angka.",)
    assert check_no_kk(" ").errors == ("Nomor KK belum diisi.",)


def test_pppk_number_with_21_in_the_month_place_is_accepted():
    check = check_nip("198609262023211001")
    assert check.valid and check.tmt is None and check.sex == "L"
