"""NIK rule: structure, birth date (+40 for women), century, serial, region warnings, masking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atensi_desktop.domain.nik import check_nik, mask_nik, normalize_nik

TODAY = date.today()
# The two-digit year is right for anyone younger than 100 years; 1930 is the floor the rule was asked for.
OLDEST = max(date(1930, 1, 1), date(TODAY.year - 100, TODAY.month, 1) + timedelta(days=31))
# Real province codes, including Kalimantan Utara (65) and the Papua provinces split in 2022 (92–96).
PROVINCES = ["11", "12", "31", "32", "33", "35", "36", "51", "53", "63", "64", "65", "71", "81", "82", "91"]
PROVINCES += ["92", "93", "94", "95", "96"]


def build_nik(province: str, kabkota: int, kecamatan: int, born: date, sex: str, serial: int) -> str:
    day = born.day + (40 if sex == "P" else 0)
    return f"{province}{kabkota:02d}{kecamatan:02d}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


nik_parts = st.fixed_dictionaries(
    {
        "province": st.sampled_from(PROVINCES),
        "kabkota": st.integers(1, 99),
        "kecamatan": st.integers(1, 99),
        "born": st.dates(min_value=OLDEST, max_value=TODAY),
        "sex": st.sampled_from(["L", "P"]),
        "serial": st.integers(1, 9999),
    }
)


@given(nik_parts)
def test_generated_nik_is_valid_and_decodes(parts: dict) -> None:
    nik = build_nik(**parts)
    result = check_nik(nik, today=TODAY)
    assert result.valid, result.errors
    assert result.errors == () and result.warnings == ()
    assert result.nik == nik
    assert result.sex == parts["sex"]
    assert result.birth_date == parts["born"]
    assert result.province_code == parts["province"]
    assert result.kabkota_code == f"{parts['province']}.{parts['kabkota']:02d}"
    assert result.kecamatan_code == f"{result.kabkota_code}.{parts['kecamatan']:02d}"
    assert result.serial == f"{parts['serial']:04d}"


@given(nik_parts)
def test_separators_are_ignored(parts: dict) -> None:
    nik = build_nik(**parts)
    typed = f" {nik[:6]}.{nik[6:12]}-{nik[12:]} "
    assert check_nik(typed, today=TODAY).nik == nik
    assert check_nik(typed, today=TODAY).valid


@given(nik_parts, st.integers(1, 5), st.booleans())
def test_wrong_length_is_invalid(parts: dict, by: int, longer: bool) -> None:
    nik = build_nik(**parts)
    bad = nik + "7" * by if longer else nik[:-by]
    result = check_nik(bad, today=TODAY)
    assert not result.valid
    assert result.errors == (f"NIK harus 16 angka; yang diisi {len(bad)} angka.",)
    assert result.birth_date is None and result.sex is None


@given(nik_parts, st.integers(13, 99))
def test_month_over_12_is_invalid(parts: dict, month: int) -> None:
    nik = build_nik(**parts)
    result = check_nik(nik[:8] + f"{month:02d}" + nik[10:], today=TODAY)
    assert not result.valid
    assert any("bulan lahir" in e for e in result.errors)
    assert result.birth_date is None


@given(nik_parts, st.sampled_from(["00", "32", "35", "40", "72", "80", "99"]))
def test_day_outside_both_ranges_is_invalid(parts: dict, day: str) -> None:
    nik = build_nik(**parts)
    result = check_nik(nik[:6] + day + nik[8:], today=TODAY)
    assert not result.valid
    assert any("41–71 untuk perempuan" in e for e in result.errors)
    assert result.sex is None and result.birth_date is None


@given(nik_parts)
def test_serial_0000_is_invalid(parts: dict) -> None:
    nik = build_nik(**parts)
    result = check_nik(nik[:12] + "0000", today=TODAY)
    assert not result.valid
    assert result.errors == ("Empat angka terakhir NIK adalah nomor urut dan tidak boleh 0000.",)
    assert result.birth_date == parts["born"]  # still decoded, so a form can show it


def test_tarakan_nik_is_valid() -> None:
    # 65.71 = Kota Tarakan, Kalimantan Utara (province 65, split from Kalimantan Timur in 2012).
    result = check_nik("6571011708850003", today=date(2026, 11, 23))
    assert result.valid
    assert (result.province_code, result.kabkota_code, result.kecamatan_code) == ("65", "65.71", "65.71.01")
    assert result.sex == "L"
    assert result.birth_date == date(1985, 8, 17)


def test_2010_birth_is_2010_not_1910() -> None:
    result = check_nik("6306011503100002", today=date(2026, 11, 23))
    assert result.valid
    assert result.birth_date == date(2010, 3, 15)


def test_century_against_today() -> None:
    nik = "6306010111260001"  # 01-11-26
    assert check_nik(nik, today=date(2026, 11, 23)).birth_date == date(2026, 11, 1)  # already past
    assert check_nik(nik, today=date(2026, 10, 31)).birth_date == date(1926, 11, 1)  # not yet: 1926
    assert check_nik("6306012311260001", today=date(2026, 11, 23)).birth_date == date(2026, 11, 23)  # today
    assert check_nik("6306010101000001", today=date(2026, 11, 23)).birth_date == date(2000, 1, 1)


def test_female_day_plus_40() -> None:
    result = check_nik("6306015205900001", today=date(2026, 11, 23))
    assert result.valid
    assert result.sex == "P"
    assert result.birth_date == date(1990, 5, 12)
    assert check_nik("6306017112900001").birth_date == date(1990, 12, 31)
    assert check_nik("6306014101900001").birth_date == date(1990, 1, 1)


def test_31_february_refused() -> None:
    result = check_nik("6306013102900001", today=date(2026, 11, 23))
    assert not result.valid
    assert result.errors == (
        "Tanggal lahir di NIK (31-02-1990) tidak ada di kalender. Periksa angka ke-7 sampai ke-12 NIK.",
    )
    assert result.sex == "L" and result.birth_date is None


def test_leap_days() -> None:
    assert check_nik("6306016902000001").birth_date == date(2000, 2, 29)  # female, 29-02-2000
    assert check_nik("6306012902040001").birth_date == date(2004, 2, 29)
    assert not check_nik("6306012902050001").valid


def test_text_and_empty() -> None:
    assert check_nik("63060112059O0001").errors == ("NIK hanya boleh berisi angka.",)
    assert check_nik("").errors == ("NIK belum diisi.",)
    assert check_nik(None).errors == ("NIK belum diisi.",)  # type: ignore[arg-type]
    excel = check_nik("6,30601E+15")
    assert not excel.valid and "Excel" in excel.errors[0]


def test_province_prefix_range() -> None:
    result = check_nik("0906011205900001")
    assert not result.valid
    assert "antara 11 dan 99" in result.errors[0]


def test_unknown_region_is_only_a_warning() -> None:
    known = {"63", "63.06", "65"}
    tarakan = check_nik("6571011708850003", known_region=known.__contains__)
    assert tarakan.valid
    assert tarakan.warnings == (
        "Kode wilayah 65.71 di NIK tidak ada dalam daftar wilayah yang dimuat; NIK tetap bisa dipakai "
        "karena mencatat wilayah pertama kali terdaftar.",
    )
    unknown_province = check_nik("2071011708850003", known_region=known.__contains__)
    assert unknown_province.valid
    assert unknown_province.warnings and "Kode wilayah 20 " in unknown_province.warnings[0]
    assert check_nik("6306011708850003", known_region=known.__contains__).warnings == ()


def test_mask_and_normalize() -> None:
    assert mask_nik("6306011205900001") == "630601**********"
    assert mask_nik("6306.0112.0590.0001") == "630601**********"
    assert mask_nik("12345") == "*****"
    assert mask_nik("") == ""
    assert mask_nik(None) == ""
    assert normalize_nik(" 6306-0112 0590.0001 ") == "6306011205900001"


@pytest.mark.parametrize("value", ["630601120590000", "63060112059000011"])
def test_length_message_counts_digits(value: str) -> None:
    assert check_nik(value).errors == (f"NIK harus 16 angka; yang diisi {len(value)} angka.",)
