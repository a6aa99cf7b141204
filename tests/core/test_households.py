"""Households: No. KK checks, the detail with members (head first), joining, moving, leaving, one head, archive."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from atensi_desktop.db.models import Client, Household, Version
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.services import clients as svc
from atensi_desktop.services import households as hh
from atensi_desktop.services.wilayah import load_demo_region

KK = "6306011205100003"  # issued in kecamatan 63.06.01, Kabupaten Hulu Sungai Selatan
KK2 = "6306021506150001"
TODAY = dt.date(2026, 11, 30)


def _versions(db, rid, col):
    with db.session() as s:
        rows = s.scalars(select(Version).where(Version.rid == rid, Version.col == col).order_by(Version.seq))
        return [json.loads(v.val) if v.val is not None else None for v in rows]


def _client(db, name, sex="L", **values):
    return svc.create_client(db, {"name": name, "sex": sex, **values}).id


@pytest.fixture
def family(db):
    """A household (KK) with a head, a wife and a child, plus one client with no household."""
    load_demo_region(db)
    house = hh.create_household(db, {"no_kk": "6306.0112.0510.0003", "address": " Jl. Kamboja No. 5 ",
                                      "wilayah_code": "63.06.01.2001"})
    head = _client(db, "Ahmad Fauzi", birth_date=dt.date(1980, 1, 2))
    wife = _client(db, "Siti Aminah", "P", birth_date=dt.date(1984, 3, 4))
    child = _client(db, "Rina", "P", birth_date=dt.date(2010, 5, 6), nik="6306014605100001")
    # joined in an order the detail must not keep: child, wife, head
    hh.add_member(db, house.id, child, "anak")
    hh.add_member(db, house.id, wife, "istri")
    hh.add_member(db, house.id, head, "kepala_keluarga")
    loner = _client(db, "Rahmat Hidayat")
    return {"id": house.id, "head": head, "wife": wife, "child": child, "loner": loner}


# --- No. KK -----------------------------------------------------------------------------------------------

def test_no_kk_is_cleaned_and_names_its_region():
    result = hh.validate_no_kk(" 6306-0112 0510.0003 ")
    assert result.no_kk == KK and result.wilayah_code == "63.06.01" and result.warnings == ()


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Nomor KK belum diisi. Salin ke-16 angka dari Kartu Keluarga."),
    ("630601120510000", "Nomor KK harus 16 angka; yang diisi 15 angka. Salin ke-16 angka dari Kartu Keluarga."),
    ("63060112051000O3", "Nomor KK hanya boleh berisi angka. Salin ke-16 angka dari Kartu Keluarga."),
    ("6,30601E+15", "No. KK hanya boleh berisi angka; yang diisi tampak seperti angka yang diubah Excel "
                    "(6,30601E+15). Ketik ulang ke-16 angka dari Kartu Keluarga."),
    ("0906011205100003", "Dua angka pertama No. KK adalah kode provinsi dan harus antara 11 dan 99; yang diisi 09. "
                         "Periksa kembali nomor di Kartu Keluarga."),
])
def test_a_bad_no_kk_says_what_to_fix(typed, message):
    with pytest.raises(ValidationError) as err:
        hh.validate_no_kk(typed)
    assert err.value.problems == {"no_kk": message}


def test_an_unknown_region_in_the_no_kk_is_only_a_warning(db):
    # 63 is a built-in province; kab/kota 63.99 does not exist
    result = hh.validate_no_kk("6399011205100003", db=db)
    assert result.no_kk == "6399011205100003"
    assert result.warnings == ("Kode wilayah 63.99 di No. KK tidak ada dalam daftar wilayah yang dimuat; periksa "
                               "lagi angkanya. No. KK tetap bisa disimpan.",)
    assert hh.validate_no_kk("9801011205100003", db=db).warnings[0].startswith("Kode wilayah 98 ")


# --- the detail -----------------------------------------------------------------------------------------

def test_detail_lists_the_head_first_with_masked_nik_and_age(db, family):
    detail = hh.household_detail(db, family["id"], today=TODAY)
    assert (detail.no_kk, detail.address, detail.wilayah_code) == (KK, "Jl. Kamboja No. 5", "63.06.01.2001")
    assert detail.wilayah_name.startswith("Hamalau, Kec. ")
    assert [m.name for m in detail.members] == ["Ahmad Fauzi", "Siti Aminah", "Rina"]
    assert [m.relation_label for m in detail.members] == ["Kepala Keluarga", "Istri", "Anak"]
    assert detail.head.client_id == family["head"]
    rina = detail.members[2]
    assert (rina.nik_masked, rina.sex, rina.age, rina.archived) == ("630601**********", "P", 16, False)
    assert rina.display_id and detail.warnings == ()


def test_an_archived_member_is_shown_last_and_flagged(db, family):
    svc.archive_client(db, family["head"])
    detail = hh.household_detail(db, family["id"])
    assert [(m.name, m.archived) for m in detail.members] == [
        ("Siti Aminah", False), ("Rina", False), ("Ahmad Fauzi", True)]
    assert detail.head is None and len(detail.live_members) == 2


def test_find_household_by_no_kk_and_by_client(db, family):
    found = hh.find_household(db, "6306 0112 0510 0003")
    assert (found.id, found.head_name, found.members) == (family["id"], "Ahmad Fauzi", 3)
    assert hh.find_household(db, KK2) is None
    with pytest.raises(ValidationError):
        hh.find_household(db, "123")
    assert hh.household_of_client(db, family["child"]) == family["id"]
    assert hh.household_of_client(db, family["loner"]) is None
    assert svc.get_client(db, family["child"]).household_no_kk == KK


def test_no_kk_of_clients_names_live_households_only(db, family):
    found = hh.no_kk_of_clients(db, [family["child"], family["loner"], family["head"]])
    assert found == {family["child"]: KK, family["head"]: KK}
    for member in ("head", "wife", "child"):
        hh.remove_member(db, family[member])
    hh.archive_household(db, family["id"])
    assert hh.no_kk_of_clients(db, [family["child"]]) == {}


def test_the_import_finds_households_through_the_same_lookup(db, family):
    from atensi_desktop.services import client_import

    assert client_import._existing_households is hh.existing_households
    assert hh.existing_households(db, {KK, KK2}) == {KK: family["id"]}


# --- creating, editing, archiving -----------------------------------------------------------------------

def test_create_and_update_write_versions(db, family):
    assert _versions(db, family["id"], "no_kk") == [KK]
    detail = hh.update_household(db, family["id"], {"address": "Jl. Kamboja No. 7", "no_kk": KK})
    assert detail.address == "Jl. Kamboja No. 7"
    assert _versions(db, family["id"], "address") == ["Jl. Kamboja No. 5", "Jl. Kamboja No. 7"]
    assert _versions(db, family["id"], "no_kk") == [KK]  # unchanged: no new version


def test_a_no_kk_already_used_is_refused_and_names_the_household(db, family):
    with pytest.raises(hh.HouseholdExistsError) as err:
        hh.create_household(db, {"no_kk": KK})
    assert err.value.household_id == family["id"] and err.value.field == "no_kk"
    assert err.value.message == f"No. KK {KK} sudah tercatat untuk keluarga lain."
    other = hh.create_household(db, {"no_kk": KK2})
    with pytest.raises(hh.HouseholdExistsError):
        hh.update_household(db, other.id, {"no_kk": KK})


def test_bad_fields_are_refused_and_nothing_is_written(db):
    with pytest.raises(ValidationError) as err:
        hh.create_household(db, {"no_kk": "12345", "wilayah_code": "99.99.99.9999"})
    assert set(err.value.problems) == {"no_kk", "wilayah_code"}
    with db.session() as s:
        assert s.scalars(select(Household)).all() == []


def test_a_household_without_a_kartu_keluarga_yet_is_allowed(db):
    detail = hh.create_household(db, {"no_kk": " ", "address": "Rumah singgah Jl. Kamboja"})
    assert detail.no_kk is None and detail.members == ()


def test_only_an_empty_household_is_archived(db, family):
    with pytest.raises(UserError, match="masih punya 3 anggota"):
        hh.archive_household(db, family["id"])
    for member in ("head", "wife", "child"):
        hh.remove_member(db, family[member])
    hh.archive_household(db, family["id"])
    assert hh.household_detail(db, family["id"]).archived
    assert _versions(db, family["id"], "deleted") == [True]
    assert hh.find_household(db, KK) is None  # archived households are not found by No. KK
    with pytest.raises(UserError, match="sudah diarsipkan"):
        hh.add_member(db, family["id"], family["loner"], "anak")
    hh.restore_household(db, family["id"])
    assert hh.find_household(db, KK).id == family["id"]
    assert _versions(db, family["id"], "deleted") == [True, False]


# --- members --------------------------------------------------------------------------------------------

def test_add_member_checks_the_relation_and_other_households(db, family):
    with pytest.raises(ValidationError, match="Pilih hubungan"):
        hh.add_member(db, family["id"], family["loner"], "")
    with pytest.raises(ValidationError, match="tidak ada dalam daftar"):
        hh.add_member(db, family["id"], family["loner"], "sepupu")
    with pytest.raises(UserError, match="sudah menjadi anggota keluarga ini"):
        hh.add_member(db, family["id"], family["child"], "anak")
    other = hh.create_household(db, {"no_kk": KK2})
    with pytest.raises(UserError, match=f"masih tercatat di keluarga lain \\(No. KK {KK}\\)"):
        hh.add_member(db, other.id, family["child"], "anak")
    detail = hh.add_member(db, family["id"], family["loner"], "famili_lain")
    assert [m.name for m in detail.members][-1] == "Rahmat Hidayat"
    assert _versions(db, family["loner"], "relation_to_head") == ["famili_lain"]


def test_archived_clients_cannot_join(db, family):
    svc.archive_client(db, family["loner"])
    with pytest.raises(UserError, match="sudah diarsipkan"):
        hh.add_member(db, family["id"], family["loner"], "anak")


def test_at_most_one_live_head(db, family):
    with pytest.raises(ValidationError) as err:
        hh.add_member(db, family["id"], family["loner"], "kepala_keluarga")
    assert "sudah punya kepala keluarga: Ahmad Fauzi" in err.value.problems["relation_to_head"]
    with pytest.raises(ValidationError, match="sudah punya kepala keluarga"):
        hh.set_relation(db, family["wife"], "kepala_keluarga")
    assert hh.household_of_client(db, family["loner"]) is None  # nothing written
    # an archived head does not count: the wife may become head
    svc.archive_client(db, family["head"])
    detail = hh.set_relation(db, family["wife"], "kepala_keluarga")
    assert detail.head.name == "Siti Aminah"


def test_the_one_head_check_for_other_writers(db, family):
    with db.session() as s:
        hh.check_single_head(s, family["id"], family["head"], "kepala_keluarga")  # the head itself: fine
        hh.check_single_head(s, family["id"], None, "anak")
        hh.check_single_head(s, None, None, "kepala_keluarga")
        with pytest.raises(ValidationError, match="sudah punya kepala keluarga: Ahmad Fauzi"):
            hh.check_single_head(s, family["id"], None, "kepala_keluarga")


def test_the_client_form_services_keep_one_head_too(db, family):
    """create_client/update_client (the client form, not only this module) refuse a second head."""
    with pytest.raises(ValidationError, match="sudah punya kepala keluarga: Ahmad Fauzi"):
        svc.create_client(db, {"name": "Budi", "sex": "L", "household_id": family["id"],
                               "relation_to_head": "kepala_keluarga"})
    with pytest.raises(ValidationError, match="sudah punya kepala keluarga"):
        svc.update_client(db, family["wife"], {"relation_to_head": "kepala_keluarga"})
    assert svc.get_client(db, family["wife"]).values["relation_to_head"] == "istri"
    svc.update_client(db, family["head"], {"phone": "0812 3456 7890"})  # the head edits other fields freely


def test_change_the_head_gives_the_old_head_a_new_relation(db, family):
    with pytest.raises(ValidationError) as err:
        hh.set_head(db, family["id"], family["wife"])
    assert err.value.problems == {"former_head_relation": "Ahmad Fauzi sekarang kepala keluarga. Pilih hubungannya "
                                                          "dengan kepala keluarga yang baru."}
    with pytest.raises(ValidationError, match="perlu hubungan lain"):
        hh.set_head(db, family["id"], family["wife"], former_head_relation="kepala_keluarga")
    with pytest.raises(UserError, match="bukan anggota keluarga ini"):
        hh.set_head(db, family["id"], family["loner"], former_head_relation="suami")
    detail = hh.set_head(db, family["id"], family["wife"], former_head_relation="suami")
    assert [(m.name, m.relation) for m in detail.members][:2] == [
        ("Siti Aminah", "kepala_keluarga"), ("Ahmad Fauzi", "suami")]
    assert _versions(db, family["head"], "relation_to_head") == ["kepala_keluarga", "suami"]
    assert _versions(db, family["wife"], "relation_to_head") == ["istri", "kepala_keluarga"]


def test_move_to_an_existing_household_by_no_kk(db, family):
    other = hh.create_household(db, {"no_kk": KK2})
    result = hh.move_member(db, family["child"], to_no_kk="6306 0215 0615 0001", relation="kepala_keluarga")
    assert (result.target.id, result.source_id, result.created) == (other.id, family["id"], False)
    assert not result.source_without_head
    assert [m.name for m in result.target.members] == ["Rina"]
    assert [m.name for m in hh.household_detail(db, family["id"]).members] == ["Ahmad Fauzi", "Siti Aminah"]
    assert _versions(db, family["child"], "household_id") == [str(family["id"]), str(other.id)]


def test_moving_the_head_away_leaves_the_old_household_without_a_head(db, family):
    other = hh.create_household(db, {"no_kk": KK2})
    result = hh.move_member(db, family["head"], to_household_id=other.id)  # keeps "kepala keluarga"
    assert result.source_without_head and result.target.head.name == "Ahmad Fauzi"
    assert hh.household_detail(db, family["id"]).head is None


def test_move_creates_the_target_only_when_asked(db, family):
    with pytest.raises(NotFoundError, match=f"Belum ada keluarga dengan No. KK {KK2}"):
        hh.move_member(db, family["child"], to_no_kk=KK2, relation="kepala_keluarga")
    assert hh.household_of_client(db, family["child"]) == family["id"]
    result = hh.move_member(db, family["child"], to_no_kk=KK2, relation="kepala_keluarga", create=True,
                            address="Jl. Melati 2")
    assert result.created and result.target.no_kk == KK2 and result.target.address == "Jl. Melati 2"
    assert result.target.wilayah_code is None  # the child had no region of her own
    assert hh.find_household(db, KK2).id == result.target.id


def test_move_refuses_a_second_head_and_the_same_household(db, family):
    other = hh.create_household(db, {"no_kk": KK2})
    hh.move_member(db, family["child"], to_household_id=other.id, relation="kepala_keluarga")
    with pytest.raises(ValidationError, match="sudah punya kepala keluarga: Rina"):
        hh.move_member(db, family["head"], to_household_id=other.id)
    with pytest.raises(UserError, match="sudah menjadi anggota keluarga ini"):
        hh.move_member(db, family["wife"], to_household_id=family["id"])
    assert hh.household_of_client(db, family["head"]) == family["id"]


def test_remove_member_keeps_the_client(db, family):
    assert hh.remove_member(db, family["wife"]) == family["id"]
    client = svc.get_client(db, family["wife"])
    assert client.values["household_id"] is None and client.values["relation_to_head"] is None
    assert not client.archived
    assert _versions(db, family["wife"], "household_id") == [str(family["id"]), None]
    with pytest.raises(UserError, match="tidak tercatat di keluarga mana pun"):
        hh.remove_member(db, family["wife"])


def test_two_heads_from_elsewhere_are_shown_as_a_warning(db, family):
    with db.session() as s:  # as an import or a sync may bring them
        s.get(Client, family["wife"]).relation_to_head = "kepala_keluarga"
    detail = hh.household_detail(db, family["id"])
    assert detail.warnings == ("Keluarga ini punya 2 kepala keluarga (Ahmad Fauzi, Siti Aminah). Satu KK hanya "
                               "punya satu kepala keluarga: ubah hubungan yang lain.",)


def test_unknown_ids_are_not_found(db):
    from atensi_desktop.sync.ids import uuid7

    with pytest.raises(NotFoundError, match="Keluarga tidak ditemukan"):
        hh.household_detail(db, uuid7())
    with pytest.raises(NotFoundError, match="Klien tidak ditemukan"):
        hh.remove_member(db, uuid7())
