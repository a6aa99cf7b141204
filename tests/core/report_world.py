"""A small office world for report tests: an office with a letterhead and head, a worker with a NIP, two
clients (one with NIK and a disability note), a case with services, an outgoing referral, a terminated case.
Not a test module: imported by test_reports_core.py and test_report_letters.py."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from atensi_desktop.db.engine import Database
from atensi_desktop.services import cases, service_log
from atensi_desktop.services import referrals as refs
from atensi_desktop.services.clients import create_client
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.services.workers import create_worker

TODAY = dt.date(2026, 3, 5)
HEAD_NIP = "197203151998031004"
WORKER_NIP = "198609262015051001"
SITI_NIK = "6306015203900001"


@dataclass(frozen=True)
class World:
    office_id: uuid.UUID
    worker_id: uuid.UUID
    siti: uuid.UUID
    siti_display: str
    budi: uuid.UUID
    case: uuid.UUID
    case_display: str
    referral: uuid.UUID
    closed_case: uuid.UUID
    closed_case_display: str


def office_input(name: str = "Dinas Sosial Kabupaten Hulu Sungai Selatan") -> OfficeInput:
    return OfficeInput(
        name=name, office_type="dinas_sosial", code="DSHSS", wilayah_code="63.06",
        address="Jl. Aluh Idut No. 12, Kandangan", city="Kandangan", postal_code="71211", phone="(0517) 21000",
        email="dinsos@hulusungaiselatankab.go.id",
        letterhead_lines=("PEMERINTAH KABUPATEN HULU SUNGAI SELATAN", "DINAS SOSIAL"),
        head_name="Drs. H. Ahmad Fauzi, M.Si", head_title="Kepala Dinas Sosial Kabupaten Hulu Sungai Selatan",
        head_rank="Pembina Utama Muda (IV/c)", head_nip=HEAD_NIP)


def build_world(db: Database) -> World:
    setup = setup_installation(db, office_input())
    worker = create_worker(db, WorkerInput(name="Rina Hartati, S.Tr.Sos", nip=WORKER_NIP, rank="Penata (III/c)",
                                           position="Pekerja Sosial Ahli Muda"))
    siti = create_client(db, {"name": "Siti Aminah", "sex": "P", "nik": SITI_NIK, "birth_place": "Kandangan",
                              "birth_date": dt.date(1990, 3, 12), "address": "RT 02 Desa Hamalau",
                              "disability": "Gangguan penglihatan (low vision)"})
    budi = create_client(db, {"name": "Budi Santoso", "sex": "L", "birth_date": dt.date(1950, 7, 1)})
    case = cases.open_case(db, siti.id, approach="keluarga", worker_id=worker.id, opened_on=dt.date(2026, 1, 5),
                           today=TODAY)
    cases.change_stage(db, case.id, "asesmen", on=dt.date(2026, 1, 12), worker_id=worker.id,
                       note="Kunjungan rumah", today=TODAY)
    referral = refs.create_referral(db, siti.id, {
        "case_id": case.id, "direction": "keluar", "counterpart_kind": "rumah_sakit",
        "counterpart_name": "RSUD Brigjend H. Hasan Basry Kandangan", "reason": "Pemeriksaan mata lanjutan",
        "services_requested": "Pemeriksaan dan alat bantu penglihatan", "sent_on": dt.date(2026, 3, 2),
        "worker_id": worker.id}, today=TODAY)
    closed = cases.open_case(db, budi.id, approach="keluarga", worker_id=worker.id, opened_on=dt.date(2026, 1, 6),
                             today=TODAY)
    for code, start, until, value in (("permakanan", dt.date(2026, 1, 10), dt.date(2026, 1, 16), 350000),
                                      ("sandang", dt.date(2026, 2, 1), None, 150000),
                                      ("sandang", dt.date(2026, 2, 20), None, 125000)):
        service_log.add_entry(db, {"client_id": budi.id, "case_id": closed.id, "service_kind": "spm",
                                   "service_code": code, "date_from": start, "date_until": until,
                                   "value_rp": value}, TODAY)
    cases.terminate(db, closed.id, "tujuan_tercapai", on=dt.date(2026, 3, 3), note="Kebutuhan dasar terpenuhi",
                    worker_id=worker.id, today=TODAY)
    return World(office_id=setup.office.id, worker_id=worker.id, siti=siti.id, siti_display=siti.display_id,
                 budi=budi.id, case=case.id, case_display=case.display_id, referral=referral.id,
                 closed_case=closed.id, closed_case_display=closed.display_id)
