"""A new client's typed data folded into the existing client (duplicates.merge_entry, entry_differences)."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from atensi_desktop.db.models import Client, Version
from atensi_desktop.errors import UserError, ValidationError
from atensi_desktop.services import clients as svc
from atensi_desktop.services import duplicates as dup
from atensi_desktop.services.wilayah import load_demo_region

NIK = "6306014509900001"  # perempuan, lahir 05-09-1990
DESA = "63.06.01.2001"


def _versions(db, rid):
    with db.session() as s:
        return [(v.col, v.val) for v in s.scalars(select(Version).where(Version.rid == rid).order_by(Version.seq))]


def _client_count(db):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Client))


@pytest.fixture
def siti(db):
    return svc.create_client(db, {"name": "Siti Aminah", "sex": "P", "nik": NIK, "birth_date": dt.date(1990, 9, 5),
                                  "phone": "0812 1111 2222", "address": "Jl. Lama"})


def _typed(**more):
    """What the new-client form sends: its fields, None left out, dates as dates."""
    return {"name": "Sitti  Aminah", "sex": "P", "nik": "6306.0145.0990.0001", "birth_date": dt.date(1990, 9, 5),
            "phone": "0852 7777 1234", "address": "Jl. Baru No. 3", "religion": "islam", **more}


def test_differences_list_only_fields_that_differ_with_texts_and_defaults(db, siti):
    diffs = dup.entry_differences(db, siti.id, _typed(birth_date_estimated=False))
    assert [(d.key, d.label, d.existing, d.entered, d.default) for d in diffs] == [
        ("name", "Nama", "Siti Aminah", "Sitti Aminah", "existing"),
        ("religion", "Agama", "—", "Islam", "entered"),  # empty on the record: the typed value by default
        ("phone", "Telepon", "0812 1111 2222", "0852 7777 1234", "existing"),
        ("address", "Alamat", "Jl. Lama", "Jl. Baru No. 3", "existing"),
    ]  # NIK (dots), sex and birth date are the same; "perkiraan" unticked on both


def test_differences_show_region_names_and_the_estimate(db, siti):
    load_demo_region(db)
    diffs = {d.key: d for d in dup.entry_differences(db, siti.id, {
        "wilayah_code": DESA, "birth_date": "1990-09-06", "birth_date_estimated": True})}
    assert diffs["wilayah_code"].existing == "—"
    assert diffs["wilayah_code"].entered.endswith(f"({DESA})") and diffs["wilayah_code"].entered != DESA
    assert (diffs["birth_date"].existing, diffs["birth_date"].entered) == ("05-09-1990", "06-09-1990 (perkiraan)")
    assert "birth_date_estimated" not in diffs  # travels with the date


def test_merge_entry_takes_the_chosen_fields_as_edits_of_the_existing_client(db, siti):
    before = _versions(db, siti.id)
    clients_before = _client_count(db)
    merged = dup.merge_entry(db, siti.id, _typed(), take={"phone": "entered", "name": "existing"})
    assert merged.id == siti.id
    values = svc.get_client(db, siti.id).values
    assert values["phone"] == "0852 7777 1234"  # chosen
    assert values["religion"] == "islam"  # empty on the record: filled by default
    assert values["name"] == "Siti Aminah" and values["address"] == "Jl. Lama"  # kept
    assert sorted(col for col, _val in _versions(db, siti.id)[len(before):]) == ["phone", "religion"]
    assert _client_count(db) == clients_before  # no second record


def test_an_empty_typed_field_never_erases_and_equal_values_write_nothing(db, siti):
    before = _versions(db, siti.id)
    dup.merge_entry(db, siti.id, {"name": "Siti Aminah", "phone": None, "address": "  "},
                    take={"phone": "entered", "address": "entered"})
    assert svc.get_client(db, siti.id).values["phone"] == "0812 1111 2222"
    assert svc.get_client(db, siti.id).values["address"] == "Jl. Lama"
    assert _versions(db, siti.id) == before


def test_a_record_filled_on_both_sides_can_keep_the_existing_value_explicitly(db, siti):
    dup.merge_entry(db, siti.id, {"religion": "islam"}, take={"religion": "existing"})
    assert svc.get_client(db, siti.id).values["religion"] is None


def test_an_invalid_result_is_refused_with_the_field_named_and_nothing_written(db):
    budi = svc.create_client(db, {"name": "Budi Santoso", "sex": "L", "birth_date": dt.date(1985, 1, 1)})
    before = _versions(db, budi.id)
    with pytest.raises(ValidationError) as err:  # the typed NIK says born 05-09-1990; the record says 1985
        dup.merge_entry(db, budi.id, {"nik": "6306010509900001", "phone": "0812"},
                        take={"nik": "entered", "phone": "entered"})
    assert set(err.value.problems) == {"birth_date"}
    assert "05-09-1990" in err.value.problems["birth_date"]
    assert _versions(db, budi.id) == before
    merged = dup.merge_entry(db, budi.id, {"nik": "6306010509900001", "birth_date": dt.date(1990, 9, 5)},
                             take={"nik": "entered", "birth_date": "entered"})
    assert merged.values["nik"] == "6306010509900001"
    assert merged.values["birth_date"] == dt.date(1990, 9, 5)


def test_archived_or_merged_clients_cannot_take_an_entry(db, siti):
    other = svc.create_client(db, {"name": "Siti Aminah", "sex": "P"})
    dup.merge(db, siti.id, other.id)
    with pytest.raises(UserError) as err:
        dup.merge_entry(db, other.id, {"phone": "0813"})
    assert err.value.message == f"{other.display_id} sudah digabung ke {siti.display_id}."
    assert err.value.hint == f"Gabungkan ke {siti.display_id} saja."
    svc.archive_client(db, siti.id)
    with pytest.raises(UserError, match="sudah diarsipkan"):
        dup.merge_entry(db, siti.id, {"phone": "0813"})
    assert svc.get_client(db, siti.id).values["phone"] == "0812 1111 2222"


def test_take_must_name_client_fields_and_sides(db, siti):
    with pytest.raises(ValueError):
        dup.merge_entry(db, siti.id, {"phone": "0813"}, take={"phone": "loser"})
    with pytest.raises(ValueError):
        dup.merge_entry(db, siti.id, {"phone": "0813"}, take={"merged_into": "entered"})
    with pytest.raises(ValueError):
        dup.entry_differences(db, siti.id, {"deleted": True})
