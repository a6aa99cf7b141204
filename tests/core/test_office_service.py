"""First-run set-up of the office identity, its first worker and user."""

import pytest

from atensi_desktop.errors import ValidationError
from atensi_desktop.services import clients
from atensi_desktop.services.office import (
    OfficeInput,
    WorkerInput,
    guess_office_type,
    installation_office,
    list_workers,
    setup_installation,
    suggest_code,
    update_office,
)


def test_setup_creates_office_worker_and_user(db):
    assert installation_office(db) is None
    result = setup_installation(
        db,
        OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan", office_type="dinas_sosial",
                    wilayah_code="6306", city="Kandangan", email="dinsos@hss.go.id",
                    letterhead_lines=("PEMERINTAH KABUPATEN HULU SUNGAI SELATAN", "DINAS SOSIAL")),
        WorkerInput(name="Rina Kartika, S.Tr.Sos.", worker_type="pekerja_sosial", nip="198609262015052001"),
    )
    office = installation_office(db)
    assert office is not None and office.id == result.office.id
    assert office.code == "DSKHSS" and office.wilayah_code == "63.06" and office.city == "Kandangan"
    assert office.letterhead_lines == ("PEMERINTAH KABUPATEN HULU SUNGAI SELATAN", "DINAS SOSIAL")
    assert office.office_type_label == "Dinas Sosial"
    assert [w[1] for w in list_workers(db, office_id=office.id)] == ["Rina Kartika, S.Tr.Sos."]
    assert db.office_id == office.id and db.user_id == result.user_id
    client = clients.create_client(db, {"name": "Siti Aminah", "sex": "P"})
    assert client.display_id.startswith("DSKHSS-") and len(client.display_id) == 13


def test_setup_again_updates_instead_of_duplicating(db):
    first = setup_installation(db, OfficeInput(name="LKS Harapan Bunda"))
    second = setup_installation(db, OfficeInput(name="LKS Harapan Bunda Kandangan", code="LKSHB"))
    assert second.office.id == first.office.id and not second.created
    assert installation_office(db).name == "LKS Harapan Bunda Kandangan"
    assert second.user_id == first.user_id


def test_invalid_office_is_refused_with_field_messages(db):
    with pytest.raises(ValidationError) as err:
        setup_installation(db, OfficeInput(name="X", office_type="warung", wilayah_code="6x", email="bukan-email",
                                           code="a b"))
    assert set(err.value.problems) == {"name", "office_type", "wilayah_code", "email"}
    assert installation_office(db) is None


def test_update_office_changes_only_given_values(db):
    office = setup_installation(db, OfficeInput(name="Panti Sosial Budi Mulia", office_type="panti")).office
    updated = update_office(db, office.id, OfficeInput(name=office.name, office_type="panti", code=office.code,
                                                       phone="(0517) 21000"))
    assert updated.phone == "(0517) 21000" and updated.name == office.name


@pytest.mark.parametrize(("name", "kind", "code"), [
    ("Dinas Sosial Kabupaten Hulu Sungai Selatan", "dinas_sosial", "DSKHSS"),
    ("Sentra Budi Luhur Banjarbaru", "sentra", "SBLB"),
    ("Panti Sosial Tresna Werdha", "panti", "PSTW"),
    ("LKS Anak Harapan", "lks", "LAH"),
])
def test_office_type_and_code_suggestions(name, kind, code):
    assert guess_office_type(name) == kind
    assert suggest_code(name) == code


def test_office_and_worker_problems_come_together_and_nip_is_checked(db):
    with pytest.raises(ValidationError) as err:
        setup_installation(db, OfficeInput(name="X"), WorkerInput(name="Rina", nip="19860926201513100"))
    assert set(err.value.problems) == {"name", "worker_nip"}
    assert "18 angka" in err.value.problems["worker_nip"]
    result = setup_installation(db, OfficeInput(name="LKS Harapan"),
                                WorkerInput(name="  Rina   Kartika ", nip="19860926 201505 2 001"))
    with db.session() as s:
        from atensi_desktop.db.models import Worker

        worker = s.get(Worker, result.worker_id)
        assert (worker.name, worker.nip) == ("Rina Kartika", "198609262015052001")


def test_editing_from_the_existing_values_keeps_fields_a_form_does_not_show(db):
    from dataclasses import replace

    from atensi_desktop.refdata import legal_basis_default
    from atensi_desktop.services.office import office_input_from

    office = setup_installation(db, OfficeInput(
        name="Dinas Sosial Kabupaten Hulu Sungai Selatan", office_type="dinas_sosial", postal_code="71211",
        letterhead_lines=("PEMERINTAH KABUPATEN HULU SUNGAI SELATAN", "DINAS SOSIAL"),
        head_name="Drs. H. Ahmad", head_nip="197001011995031001",
        legal_basis="Permensos Nomor 15 Tahun 2025 tentang Asistensi Rehabilitasi Sosial")).office
    edited = update_office(db, office.id, replace(office_input_from(office), phone="(0517) 21000"))
    assert edited.phone == "(0517) 21000"
    assert (edited.postal_code, edited.head_name, edited.head_nip) == ("71211", "Drs. H. Ahmad", "197001011995031001")
    assert edited.letterhead_lines == office.letterhead_lines
    assert edited.legal_basis.startswith("Permensos Nomor 15 Tahun 2025")
    reset = update_office(db, office.id, replace(office_input_from(edited), legal_basis="  "))
    assert reset.legal_basis == legal_basis_default()


def test_other_offices_are_listed_after_this_one_with_their_workers(db):
    from atensi_desktop.services import wilayah
    from atensi_desktop.services.office import create_office, get_office, list_offices
    from atensi_desktop.services.workers import create_worker, deactivate_worker

    assert list_offices(db) == []
    own = setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan", code="DSHSS",
                                             office_type="dinas_sosial", wilayah_code="63"),
                             WorkerInput(name="Siti Rahmah")).office
    panti = create_office(db, OfficeInput(name="  Panti Sosial  Tresna Werdha Budi Sejahtera ", office_type="panti",
                                          wilayah_code="6372", city="Banjarbaru", phone="(0511) 4772 111",
                                          head_nip="19700101 199503 1 001",
                                          letterhead_lines=(" PEMERINTAH PROVINSI KALIMANTAN SELATAN ", "", "DINSOS")))
    lks = create_office(db, OfficeInput(name="LKS Anak Harapan", wilayah_code="63.06"))
    worker = create_worker(db, WorkerInput(name="Budi Santoso", office_id=panti.id))
    create_worker(db, WorkerInput(name="Ani", office_id=panti.id, worker_type="tks"))
    deactivate_worker(db, worker.id)

    assert panti.name == "Panti Sosial Tresna Werdha Budi Sejahtera" and panti.code == "PSTWBS"
    assert panti.head_nip == "197001011995031001"
    assert panti.letterhead_lines == ("PEMERINTAH PROVINSI KALIMANTAN SELATAN", "DINSOS")
    assert get_office(db, panti.id) == panti
    assert installation_office(db).id == own.id  # another office never becomes "this" office
    rows = list_offices(db)
    assert [(r.name, r.is_installation, r.workers) for r in rows] == [
        ("Dinas Sosial Kabupaten Hulu Sungai Selatan", True, 1),
        ("LKS Anak Harapan", False, 0),
        ("Panti Sosial Tresna Werdha Budi Sejahtera", False, 1),  # the deactivated worker is not counted
    ]
    assert rows[0].wilayah_name == wilayah.get(db, "63").name  # a built-in province name
    assert rows[2].office_type_label == "Panti Sosial" and rows[2].city == "Banjarbaru"
    assert rows[1].id == lks.id


def test_an_office_code_is_not_shared(db):
    from atensi_desktop.services.office import create_office

    setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan", code="DSHSS"))
    with pytest.raises(ValidationError) as err:
        create_office(db, OfficeInput(name="Dinas Sosial Hulu Sungai Selatan"))  # suggests DSHSS too
    assert err.value.problems == {
        "code": "Kode DSHSS sudah dipakai oleh Dinas Sosial Kabupaten Hulu Sungai Selatan; pilih kode lain."}
    other = create_office(db, OfficeInput(name="Dinas Sosial Hulu Sungai Selatan", code="DSHSS2"))
    with pytest.raises(ValidationError):
        update_office(db, other.id, OfficeInput(name=other.name, code="DSHSS"))
    with pytest.raises(ValidationError):
        setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan", code="DSHSS2"))
    assert installation_office(db).code == "DSHSS"


def test_office_contact_and_lengths_are_checked(db):
    from atensi_desktop.services.office import create_office, get_office, validate_office

    with pytest.raises(ValidationError) as err:
        validate_office(OfficeInput(name="Panti Sosial Budi Mulia", phone="kantor", postal_code="712110000000",
                                    city="K" * 81, head_nip="123"))
    assert set(err.value.problems) == {"phone", "postal_code", "city", "head_nip"}
    assert "paling banyak 10 karakter" in err.value.problems["postal_code"]
    import uuid

    from atensi_desktop.errors import NotFoundError

    with pytest.raises(NotFoundError, match="Kantor tidak ditemukan"):
        get_office(db, uuid.uuid4())
    with pytest.raises(NotFoundError):
        update_office(db, uuid.uuid4(), OfficeInput(name="Panti Sosial Budi Mulia"))
    assert create_office(db, OfficeInput(name="Panti Sosial Budi Mulia", phone="+62 511 4772111")).phone \
        == "+62 511 4772111"


def test_other_offices_are_archived_and_restored_never_this_one(db):
    from atensi_desktop.errors import UserError
    from atensi_desktop.services.office import archive_office, create_office, list_offices, restore_office
    from atensi_desktop.services.workers import create_worker, deactivate_worker

    own = setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan", code="DSHSS"),
                             WorkerInput(name="Siti Rahmah")).office
    panti = create_office(db, OfficeInput(name="Panti Sosial Budi Sejahtera", code="PSBS", office_type="panti"))
    worker = create_worker(db, WorkerInput(name="Budi Santoso", office_id=panti.id))
    with pytest.raises(UserError, match="instalasi ini bekerja atas namanya"):
        archive_office(db, own.id)
    with pytest.raises(UserError, match="masih punya 1 petugas aktif") as err:
        archive_office(db, panti.id)
    assert "Nonaktifkan petugasnya" in err.value.hint
    deactivate_worker(db, worker.id)
    archive_office(db, panti.id)
    assert [r.code for r in list_offices(db)] == ["DSHSS"]
    assert [(r.code, r.archived) for r in list_offices(db, include_archived=True)] == [
        ("DSHSS", False), ("PSBS", True)]
    newer = create_office(db, OfficeInput(name="Panti Sosial Baru", code="PSBS"))  # the code is free meanwhile
    with pytest.raises(UserError, match="PSBS sudah dipakai oleh Panti Sosial Baru"):
        restore_office(db, panti.id)
    update_office(db, newer.id, OfficeInput(name=newer.name, code="PSB2"))
    restore_office(db, panti.id)
    assert [r.code for r in list_offices(db)] == ["DSHSS", "PSB2", "PSBS"]
