"""Workers (petugas): list with filters and live-case counts, create, edit, deactivate; never deleted."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from atensi_desktop.db.models import ClientCase, Worker
from atensi_desktop.errors import NotFoundError, ValidationError
from atensi_desktop.services import clients
from atensi_desktop.services.office import OfficeInput, WorkerInput, create_office, setup_installation
from atensi_desktop.services.workers import (
    WorkerQuery,
    count_workers,
    create_worker,
    deactivate_worker,
    get_worker,
    list_workers,
    reactivate_worker,
    update_worker,
    worker_input_from,
)


@pytest.fixture
def office(db):
    return setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan",
                                              office_type="dinas_sosial", code="DSHSS")).office


def _case(db, worker_id, *, closed: bool = False, deleted: bool = False, number: int = 1):
    client = clients.create_client(db, {"name": f"Klien Nomor {number}", "sex": "L"})
    with db.session() as s:
        s.add(ClientCase(display_id=f"K-{number}", client_id=client.id, stage="asesmen", worker_id=worker_id,
                         opened_on=dt.date(2026, 1, 5), closed_on=dt.date(2026, 3, 1) if closed else None,
                         deleted=deleted))


def test_create_cleans_and_belongs_to_this_office(db, office):
    worker = create_worker(db, WorkerInput(name="  Rina   Kartika, S.Tr.Sos. ", worker_type="pekerja_sosial",
                                           nip="19860926 201505 2 001", position=" Pekerja Sosial Ahli Pertama ",
                                           phone="0812 3456 7890", str_no="STR-123", sipps_no=""))
    assert worker.name == "Rina Kartika, S.Tr.Sos."
    assert worker.nip == "198609262015052001"
    assert worker.position == "Pekerja Sosial Ahli Pertama"
    assert (worker.str_no, worker.sipps_no) == ("STR-123", None)
    assert worker.office_id == office.id and worker.office_name == office.name
    assert worker.active and worker.live_cases == 0
    assert worker.worker_type_label == "Pekerja Sosial"
    assert get_worker(db, worker.id) == worker


def test_problems_come_together_with_field_keys_and_nothing_is_saved(db, office):
    with pytest.raises(ValidationError) as err:
        create_worker(db, WorkerInput(name="R", worker_type="dukun", nip="1986", phone="telp kantor",
                                      email="rina.example.com", rank="x" * 81))
    assert set(err.value.problems) == {"name", "type", "nip", "phone", "email", "rank"}
    assert "18 angka" in err.value.problems["nip"]
    assert "paling banyak 80 karakter" in err.value.problems["rank"]
    assert list_workers(db, WorkerQuery(status="all")) == []


def test_a_nip_belongs_to_one_worker(db, office):
    first = create_worker(db, WorkerInput(name="Rina Kartika", nip="198609262015052001"))
    with pytest.raises(ValidationError) as err:
        create_worker(db, WorkerInput(name="Rina K.", nip="19860926 201505 2 001"))
    assert err.value.problems["nip"].startswith("NIP ini sudah tercatat untuk Rina Kartika")
    edited = update_worker(db, first.id, replace(worker_input_from(first), phone="08123456789"))
    assert edited.nip == first.nip and edited.phone == "08123456789"  # its own NIP is not a clash


def test_list_filters_by_status_office_and_text(db, office):
    panti = create_office(db, OfficeInput(name="Panti Sosial Tresna Werdha Budi Sejahtera", office_type="panti"))
    rina = create_worker(db, WorkerInput(name="Rina Kartika", nip="198609262015052001", position="Penyuluh"))
    ahmad = create_worker(db, WorkerInput(name="Áhmad Fauzi", worker_type="tksk", phone="0813 5555 1234"))
    budi = create_worker(db, WorkerInput(name="Budi Santoso", worker_type="relawan_sosial", office_id=panti.id))
    deactivate_worker(db, budi.id)

    def names(**query):
        return [w.name for w in list_workers(db, WorkerQuery(**query))]

    assert names() == ["Áhmad Fauzi", "Rina Kartika"]
    assert names(status="inactive") == ["Budi Santoso"]
    assert names(status="all") == ["Áhmad Fauzi", "Budi Santoso", "Rina Kartika"]
    assert names(status="all", office_id=panti.id) == ["Budi Santoso"]
    assert names(office_id=office.id) == ["Áhmad Fauzi", "Rina Kartika"]
    assert names(text="ahmad") == ["Áhmad Fauzi"]  # accents ignored
    assert names(text="penyuluh") == ["Rina Kartika"]  # the position
    assert names(text="TKSK") == ["Áhmad Fauzi"]  # the type label
    assert names(text="19860926") == ["Rina Kartika"]  # NIP prefix
    assert names(text="0813-5555") == ["Áhmad Fauzi"]  # phone prefix, any separators
    assert names(text="5555") == []  # digits match the start only
    assert names(text="zzz") == []
    assert count_workers(db) == {"active": 2, "inactive": 1}
    assert rina.id != ahmad.id


def test_live_cases_count_open_unarchived_cases_only(db, office):
    rina = create_worker(db, WorkerInput(name="Rina Kartika"))
    other = create_worker(db, WorkerInput(name="Siti Rahmah"))
    _case(db, rina.id, number=1)
    _case(db, rina.id, number=2)
    _case(db, rina.id, closed=True, number=3)
    _case(db, rina.id, deleted=True, number=4)
    _case(db, None, number=5)
    counts = {w.name: w.live_cases for w in list_workers(db)}
    assert counts == {"Rina Kartika": 2, "Siti Rahmah": 0}
    assert get_worker(db, rina.id).live_cases == 2 and get_worker(db, other.id).live_cases == 0


def test_deactivate_keeps_the_worker_and_their_cases(db, office):
    rina = create_worker(db, WorkerInput(name="Rina Kartika"))
    _case(db, rina.id)
    off = deactivate_worker(db, rina.id)
    assert not off.active and off.live_cases == 1
    assert deactivate_worker(db, rina.id) == off  # twice is harmless
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Worker)) == 1
        assert s.scalar(select(ClientCase.worker_id)) == rina.id
        assert s.get(Worker, rina.id).deleted is False
    assert reactivate_worker(db, rina.id).active


def test_update_saves_every_field_and_only_changes_become_versions(db, office):
    from atensi_desktop.db.models import Version

    rina = create_worker(db, WorkerInput(name="Rina Kartika", phone="0812 1111 2222"))
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(Version))
    edited = update_worker(db, rina.id, replace(worker_input_from(rina), rank="Penata Muda (III/a)",
                                                 worker_type="penyuluh_sosial"))
    assert (edited.rank, edited.worker_type, edited.phone) == ("Penata Muda (III/a)", "penyuluh_sosial",
                                                               "0812 1111 2222")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == before + 2
    assert update_worker(db, rina.id, worker_input_from(edited)) == edited


def test_worker_moves_to_another_office_that_exists(db, office):
    panti = create_office(db, OfficeInput(name="Panti Sosial Budi Mulia", office_type="panti"))
    rina = create_worker(db, WorkerInput(name="Rina Kartika"))
    moved = update_worker(db, rina.id, replace(worker_input_from(rina), office_id=panti.id))
    assert moved.office_id == panti.id and moved.office_name == "Panti Sosial Budi Mulia"
    import uuid

    with pytest.raises(ValidationError) as err:
        create_worker(db, WorkerInput(name="Siti Rahmah", office_id=uuid.uuid4()))
    assert set(err.value.problems) == {"office_id"}


def test_unknown_worker_is_a_clear_error(db, office):
    import uuid

    for action in (lambda i: get_worker(db, i), lambda i: deactivate_worker(db, i),
                   lambda i: update_worker(db, i, WorkerInput(name="Rina Kartika"))):
        with pytest.raises(NotFoundError, match="Petugas tidak ditemukan"):
            action(uuid.uuid4())


def test_worker_list_command(tmp_path, capsys):
    import json

    from atensi_desktop.app_context import open_app
    from atensi_desktop.cli import main

    ctx = open_app(None, str(tmp_path))
    try:
        setup_installation(ctx.db, OfficeInput(name="LKS Harapan Bunda"), WorkerInput(name="Siti Rahmah"))
        old = create_worker(ctx.db, WorkerInput(name="Budi Santoso", worker_type="tks", nip="198609262015051001"))
        deactivate_worker(ctx.db, old.id)
    finally:
        ctx.close()
    assert main(["--data-dir", str(tmp_path), "worker", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1:] for line in lines] == [["Siti Rahmah", "Pekerja Sosial", "", "", "", "0", "aktif"]]
    assert main(["--data-dir", str(tmp_path), "worker", "list", "--semua", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(w["name"], w["active"], w["nip"]) for w in listed] == [
        ("Budi Santoso", False, "198609262015051001"), ("Siti Rahmah", True, None)]
    assert main(["--data-dir", str(tmp_path), "worker", "list", "--cari", "zzz"]) == 0
    assert capsys.readouterr().out == "Tidak ada petugas yang cocok.\n"
