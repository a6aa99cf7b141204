"""Client registry basics: validation messages, search, paging rows."""

import datetime as dt

import pytest

from atensi_desktop.errors import NotFoundError, ValidationError
from atensi_desktop.services import clients as svc
from atensi_desktop.sync.ids import uuid7


def test_nik_and_birth_date_must_agree(db):
    with pytest.raises(ValidationError) as err:
        svc.create_client(db, {"name": "Siti", "sex": "P", "nik": "6306014509900001",
                               "birth_date": dt.date(1990, 9, 6)})
    assert err.value.problems["birth_date"] == (
        "Tanggal lahir di NIK (05-09-1990) tidak sama dengan tanggal lahir (06-09-1990).")
    assert svc.count_clients(db) == 0


def test_nik_sex_mismatch_and_future_birth(db):
    with pytest.raises(ValidationError) as err:
        svc.create_client(db, {"name": "Budi", "sex": "L", "nik": "6306014509900001"})
    assert "perempuan" in err.value.problems["sex"]
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as err:
        svc.create_client(db, {"name": "Budi", "birth_date": tomorrow})
    assert "masa depan" in err.value.problems["birth_date"]


@pytest.mark.parametrize(("name", "message"), [
    ("6306014509900001", "Nama harus berisi huruf; yang diisi “6306014509900001” seperti nomor"),
    ("A1", "seperti nomor"),
    ("--", "paling sedikit 2 huruf"),
    ("  ", "wajib diisi"),
])
def test_a_name_needs_letters(db, name, message):
    with pytest.raises(ValidationError) as err:
        svc.create_client(db, {"name": name, "sex": "L"})
    assert message in err.value.problems["name"]
    assert svc.count_clients(db) == 0
    assert svc.create_client(db, {"name": "Ni", "sex": "P"}).values["name"] == "Ni"  # two letters are a name


def test_invalid_codes_are_named(db):
    with pytest.raises(ValidationError) as err:
        svc.create_client(db, {"name": "Budi", "religion": "jedi", "ppks_categories": ["anak_telantar", "x"],
                               "dtsen_desil": 11})
    assert set(err.value.problems) == {"religion", "ppks_categories", "dtsen_desil"}


def test_search_by_name_part_spelling_nik_prefix_and_display_id(db):
    a = svc.create_client(db, {"name": "Siti Noer Djannah", "sex": "P", "nik": "6306014509900001",
                               "birth_date": dt.date(1990, 9, 5)})
    b = svc.create_client(db, {"name": "Ahmad Fauzi", "sex": "L"})
    assert svc.client_ids(db, svc.ClientQuery(text="nur jannah")) == [a.id]
    assert svc.client_ids(db, svc.ClientQuery(text="630601")) == [a.id]
    assert svc.client_ids(db, svc.ClientQuery(text=b.display_id.lower())) == [b.id]
    assert svc.client_ids(db, svc.ClientQuery(text="fauzi")) == [b.id]
    assert svc.client_ids(db, svc.ClientQuery(order_by="name", descending=True)) == [a.id, b.id]


def test_rows_keep_the_requested_order_and_mask_the_nik(db):
    a = svc.create_client(db, {"name": "Anang", "sex": "L", "nik": "6306010101800001",
                               "birth_date": dt.date(1980, 1, 1), "cluster": "lanjut_usia"})
    b = svc.create_client(db, {"name": "Bambang", "sex": "L"})
    rows = svc.client_rows(db, [b.id, uuid7(), a.id], today=dt.date(2026, 1, 1))
    assert [r.id for r in rows] == [b.id, a.id]
    assert rows[1].nik_masked == "630601**********" and rows[1].age == 46
    assert rows[1].cluster_label == "Lanjut Usia"


def test_unknown_client_is_not_found(db):
    with pytest.raises(NotFoundError):
        svc.get_client(db, uuid7())
