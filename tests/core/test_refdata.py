"""Reference lists: every file loads and is consistent; the counts fixed by regulation hold."""

from __future__ import annotations

import re

import pytest

from atensi_desktop.refdata import (
    ALL_LISTS,
    RefItem,
    legal_basis_default,
    legal_basis_options,
    ref_list,
)
from atensi_desktop.resources import resource_path

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@pytest.mark.parametrize("name", ALL_LISTS)
def test_every_list_loads_and_is_consistent(name: str) -> None:
    rl = ref_list(name)
    assert rl.name == name
    assert rl.version == "2026.1"
    assert rl.title.strip()
    assert rl.source.strip()
    assert rl.items
    codes = rl.codes()
    assert len(codes) == len(set(codes)), "duplicate codes"
    for item in rl.items:
        assert item.label.strip(), item.code
        if name == "sex":
            assert item.code in ("L", "P")
        else:
            assert CODE_RE.match(item.code), item.code


@pytest.mark.parametrize("name", ALL_LISTS)
def test_match_keys_are_unambiguous(name: str) -> None:
    rl = ref_list(name)
    for item in rl.items:
        keys = [item.code, item.label, item.extra.get("abbr"), *item.extra.get("aliases", ())]
        for key in filter(None, keys):
            assert rl.match(key) == item, f"{name}: {key!r} does not lead back to {item.code}"


def test_every_refdata_file_is_known() -> None:
    files = {p.stem for p in resource_path("refdata").glob("*.json")}
    assert set(ALL_LISTS) | {"legal_basis"} <= files


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("ppks", 26),
        ("pas12", 12),
        ("clusters", 7),
        ("atensi_services", 7),
        ("spm_services", 11),
        ("rehab_forms", 11),
        ("case_stages", 8),
        ("psks", 12),
    ],
)
def test_counts(name: str, count: int) -> None:
    assert len(ref_list(name).items) == count


def test_numbered_lists_are_numbered_in_order() -> None:
    for name in ("ppks", "atensi_services", "spm_services", "rehab_forms", "psks"):
        items = ref_list(name).items
        assert [i.extra["number"] for i in items] == list(range(1, len(items) + 1)), name


def test_case_stages_in_order() -> None:
    stages = ref_list("case_stages")
    assert stages.codes() == (
        "pendekatan_awal",
        "asesmen",
        "rencana_intervensi",
        "pelaksanaan_intervensi",
        "monitoring_evaluasi",
        "resosialisasi",
        "terminasi",
        "bimbingan_lanjut",
    )
    assert [s.extra["order"] for s in stages.items] == list(range(1, 9))
    assert "UNVERIFIED" in stages.source_note


def test_ppks_fields() -> None:
    ppks = ref_list("ppks")
    assert ppks.codes()[0] == "anak_balita_telantar"
    assert ppks.codes()[-1] == "komunitas_adat_terpencil"
    assert ppks.get("anak_dengan_kedisabilitasan").extra["abbr"] == "ADK"
    assert ppks.get("pemulung").extra["abbr"] is None
    groups = {i.code: i.extra["spm_group"] for i in ppks.items if i.extra["spm_group"]}
    assert groups == {
        "anak_balita_telantar": "anak",
        "anak_telantar": "anak",
        "lanjut_usia_telantar": "lansia",
        "penyandang_disabilitas": "disabilitas",
        "gelandangan": "gepeng",
        "pengemis": "gepeng",
    }


def test_pas_includes_refer_to_ppks() -> None:
    ppks = ref_list("ppks")
    for item in ref_list("pas12").items:
        for code in item.extra["includes_ppks"]:
            assert code in ppks


def test_atensi_subitems() -> None:
    services = ref_list("atensi_services")
    subs = {s["code"] for s in services.get("terapi").extra["subitems"]}
    assert {"terapi_fisik", "terapi_psikososial", "terapi_mental_spiritual"} <= subs
    for item in services.items:
        sub_codes = [s["code"] for s in item.extra["subitems"]]
        assert len(sub_codes) == len(set(sub_codes))
        for sub in item.extra["subitems"]:
            assert CODE_RE.match(sub["code"]) and sub["label"].strip(), sub


def test_permakanan_max_days() -> None:
    spm = ref_list("spm_services")
    permakanan = spm.get("permakanan")
    assert permakanan is not None
    assert permakanan.extra["max_days"] == 7
    assert "seed 004" in permakanan.extra["rule_source"]
    assert spm.codes()[-1] == "rujukan"


def test_match() -> None:
    ppks = ref_list("ppks")
    assert ppks.match("Anak Terlantar").code == "anak_telantar"
    assert ppks.match("  anak   TELANTAR ").code == "anak_telantar"
    assert ppks.match("Lanjut Usia Terlantar").code == "lanjut_usia_telantar"
    assert ppks.match("lansia terlantar").code == "lanjut_usia_telantar"
    assert ppks.match("Penyandang Cacat").code == "penyandang_disabilitas"
    assert ppks.match("WRSE").code == "perempuan_rawan_sosial_ekonomi"
    assert ppks.match("adk").code == "anak_dengan_kedisabilitasan"
    assert ppks.match("Orang dengan HIV / AIDS").code == "odha"
    assert ppks.match("korban_napza").code == "korban_napza"
    assert ppks.match("tidak ada") is None
    assert ppks.match("") is None
    assert ref_list("sex").match("perempuan").code == "P"
    assert ref_list("sex").match("l").code == "L"


def test_label_contains_and_get() -> None:
    ppks = ref_list("ppks")
    assert ppks.label("anak_telantar") == "Anak Telantar"
    assert ppks.label("tidak_dikenal") == "tidak_dikenal"
    assert ppks.get("tidak_dikenal") is None
    assert "fakir_miskin" in ppks
    assert "Fakir Miskin" not in ppks
    assert isinstance(ppks.get("fakir_miskin"), RefItem)


def test_items_are_immutable_and_cached() -> None:
    ppks = ref_list("ppks")
    assert ref_list("ppks") is ppks
    with pytest.raises(TypeError):
        ppks.items[0].extra["abbr"] = "X"  # type: ignore[index]
    assert isinstance(ppks.items[0].extra["aliases"], tuple)
    assert hash(ppks.items[0]) == hash(ppks.get(ppks.items[0].code))


def test_unknown_list() -> None:
    with pytest.raises(KeyError, match="unknown reference list 'nope'"):
        ref_list("nope")


def test_legal_basis() -> None:
    default = legal_basis_default()
    assert default.startswith("Permensos Nomor 7 Tahun 2021 tentang Asistensi Rehabilitasi Sosial")
    options = legal_basis_options()
    assert options[0] == default
    assert "Permensos Nomor 15 Tahun 2025 tentang Asistensi Rehabilitasi Sosial" in options
    assert not any("16 Tahun 2020" in o for o in options)
