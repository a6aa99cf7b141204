"""Realistic synthetic demo data (`init --demo N --seed S`): households, clients, workers, cases.

Everything is invented but plausible: real wilayah codes, NIKs that pass the NIK rule and match sex and
birth date, PPKS categories that fit the cluster and the age. The same seed gives the same people.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, ClientCase, Household, Office, Wilayah, Worker
from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _, format_number
from atensi_desktop.progress import Progress
from atensi_desktop.resources import load_json
from atensi_desktop.security import guard
from atensi_desktop.security.roles import OFFICE_SETTINGS
from atensi_desktop.services.clients import SearchIndexPause
from atensi_desktop.sync.ids import display_id, uuid7
from atensi_desktop.sync.versioning import bulk_insert

CHUNK = 2_000
MAX_DEMO = 2_000_000
_CLUSTERS = (  # (cluster, weight, (min age, max age))
    ("lanjut_usia", 30, (60, 95)),
    ("penyandang_disabilitas", 24, (3, 80)),
    ("anak", 26, (0, 17)),
    ("tuna_sosial_kpo", 10, (15, 70)),
    ("korban_napza", 5, (15, 45)),
    ("ppks_lainnya", 5, (18, 75)),
)
_STAGE_WEIGHTS = (
    ("pendekatan_awal", 10), ("asesmen", 14), ("rencana_intervensi", 12), ("pelaksanaan_intervensi", 30),
    ("monitoring_evaluasi", 12), ("resosialisasi", 6), ("terminasi", 8), ("bimbingan_lanjut", 8),
)


@dataclass(frozen=True)
class DemoResult:
    clients: int
    households: int
    cases: int
    workers: int


def check_count(count: int) -> None:
    """The demo size must be sensible; refused before anything is opened or written."""
    if count < 1 or count > MAX_DEMO:
        raise UserError(_("Jumlah klien contoh harus 1 sampai {maximum}.").format(maximum=format_number(MAX_DEMO)))


def _categories(rng: random.Random, cluster: str, age: int, sex: str) -> list[str]:
    if cluster == "anak":
        if age <= 5:
            return ["anak_balita_telantar"]
        return [rng.choice(["anak_telantar", "anak_telantar", "anak_jalanan", "anak_berhadapan_hukum",
                            "anak_korban_kekerasan", "anak_dengan_kedisabilitasan"])]
    if cluster == "lanjut_usia":
        return ["lanjut_usia_telantar"] + (["fakir_miskin"] if rng.random() < 0.3 else [])
    if cluster == "penyandang_disabilitas":
        return ["anak_dengan_kedisabilitasan"] if age < 18 else ["penyandang_disabilitas"]
    if cluster == "tuna_sosial_kpo":
        options = ["gelandangan", "pengemis", "pemulung", "korban_perdagangan_orang"]
        return [rng.choice(options)]
    if cluster == "korban_napza":
        return ["korban_napza"]
    return [rng.choice(["fakir_miskin", "perempuan_rawan_sosial_ekonomi" if sex == "P" else "fakir_miskin",
                        "korban_tindak_kekerasan", "keluarga_bermasalah_sosial_psikologis"])]


class _Maker:
    """Draws one plausible person at a time from a seeded random generator."""

    def __init__(self, seed: int, desa_codes: list[str], today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.desa = desa_codes
        self.today = today
        names = load_json("refdata", "demo_names.json")
        self.names = names
        self.weights = [w for _, w, _ in _CLUSTERS]

    def name(self, sex: str) -> str:
        rng, n = self.rng, self.names
        first = rng.choice(n["male"] if sex == "L" else n["female"])
        roll = rng.random()
        if roll < 0.55:
            return f"{first} {rng.choice(n['second'] if sex == 'L' else n['female_second'])}"
        if roll < 0.7:
            return f"{first} {rng.choice(n['male'] if sex == 'L' else n['female'])}"
        return first

    def birth(self, min_age: int, max_age: int) -> dt.date:
        age_days = self.rng.randint(min_age * 365 + 1, max_age * 365 + 364)
        return self.today - dt.timedelta(days=age_days)

    def nik(self, desa: str, birth: dt.date, sex: str) -> str:
        region = desa.replace(".", "")[:6]
        day = birth.day + (40 if sex == "P" else 0)
        return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{self.rng.randint(1, 9999):04d}"

    def no_kk(self, desa: str) -> str:
        issued = self.today - dt.timedelta(days=self.rng.randint(30, 365 * 15))
        return f"{desa.replace('.', '')[:6]}{issued:%d%m%y}{self.rng.randint(1, 9999):04d}"

    def address(self) -> str:
        rng = self.rng
        return f"{rng.choice(self.names['streets'])} No. {rng.randint(1, 120)} RT {rng.randint(1, 15):03d} " \
               f"RW {rng.randint(1, 6):03d}"


def _desa_codes(db: Database, prefix: str | None) -> list[str]:
    with db.session() as s:
        query = select(Wilayah.code).where(Wilayah.level == 4)
        if prefix:
            query = query.where(Wilayah.code.like(f"{prefix}%"))
        return list(s.scalars(query.order_by(Wilayah.code)))


def generate_demo(db: Database, count: int, *, seed: int = 1, progress: Progress | None = None,
                  today: dt.date | None = None) -> DemoResult:
    """Add `count` synthetic clients (with households, workers and cases) in one transaction.

    Cancelling (progress.cancel()) rolls everything back. Desa codes come from the office's
    kab/kota in the imported wilayah list; without one, the Kalimantan Selatan list shipped with the
    app is loaded first.
    """
    guard.check(db, OFFICE_SETTINGS)
    check_count(count)
    progress = progress or Progress()
    today = today or dt.date.today()
    office_prefix = None
    office_code = None
    if db.office_id is not None:
        with db.session() as s:
            office = s.get(Office, db.office_id)
            if office is not None:
                office_code = office.code
                if office.wilayah_code and len(office.wilayah_code) >= 5:
                    office_prefix = office.wilayah_code[:5]
    desa = _desa_codes(db, office_prefix) or _desa_codes(db, "63.06")
    if not desa:
        from atensi_desktop.services.wilayah import load_demo_region

        load_demo_region(db)
        desa = _desa_codes(db, office_prefix) or _desa_codes(db, "63.06")
    maker = _Maker(seed, desa, today)
    rng = maker.rng
    progress.start(count, _("Membuat data contoh"))
    made_clients = made_households = made_cases = 0
    with db.session() as s:
        worker_names = maker.names["workers"]
        worker_rows = []
        for i in range(max(3, min(len(worker_names), count // 150 + 3))):
            worker_rows.append({
                "office_id": db.office_id, "name": worker_names[i % len(worker_names)],
                "worker_type": rng.choice(["pekerja_sosial", "pekerja_sosial", "tks", "relawan_sosial", "tksk"]),
                "active": True,
            })
        worker_ids = bulk_insert(s, Worker, worker_rows)
        fts = SearchIndexPause(s)
        while made_clients < count:
            batch = min(CHUNK, count - made_clients)
            households, clients, cases = [], [], []
            while len(clients) < batch:
                hh_id = uuid7()
                hh_desa = rng.choice(desa)
                households.append({"id": hh_id, "no_kk": maker.no_kk(hh_desa), "address": maker.address(),
                                   "wilayah_code": hh_desa})
                members = min(batch - len(clients), rng.choice((1, 1, 2, 2, 3, 4)))
                for m in range(members):
                    cluster_idx = rng.choices(range(len(_CLUSTERS)), weights=maker.weights)[0]
                    cluster, _w, (lo, hi) = _CLUSTERS[cluster_idx]
                    sex = "L" if rng.random() < 0.5 else "P"
                    birth = maker.birth(lo, hi)
                    age = (today - birth).days // 365
                    has_nik = age >= 17 or rng.random() < 0.6
                    cid = uuid7()
                    clients.append({
                        "id": cid, "display_id": display_id(office_code, cid), "name": maker.name(sex),
                        "nik": maker.nik(hh_desa, birth, sex) if has_nik else None, "sex": sex,
                        "birth_place": rng.choice(maker.names["birth_places"]), "birth_date": birth,
                        "birth_date_estimated": rng.random() < 0.05,
                        "religion": rng.choices(["islam", "kristen", "katolik", "hindu", "buddha"],
                                                weights=[90, 5, 2, 2, 1])[0],
                        "education": _education(rng, age), "marital_status": _marital(rng, age),
                        "address": households[-1]["address"], "wilayah_code": hh_desa, "household_id": hh_id,
                        "relation_to_head": "kepala_keluarga" if m == 0 else _relation(
                            rng.random(), clients[-m], sex, birth, spouse_taken=any(
                                c["relation_to_head"] in ("istri", "suami") for c in clients[len(clients) - m + 1:])),
                        "ppks_categories": _categories(rng, cluster, age, sex), "cluster": cluster,
                        "dtsen_desil": rng.randint(1, 5) if rng.random() < 0.7 else None,
                        "phone": f"08{rng.randint(11, 59)}{rng.randint(10_000_000, 99_999_999)}"
                        if rng.random() < 0.5 else None,
                    })
                    if rng.random() < 0.8:
                        case_id = uuid7()
                        stage = rng.choices([s_ for s_, _ in _STAGE_WEIGHTS], weights=[w for _, w in _STAGE_WEIGHTS])[0]
                        opened = today - dt.timedelta(days=rng.randint(0, 720))
                        closed = opened + dt.timedelta(days=rng.randint(30, 300)) if stage in (
                            "terminasi", "bimbingan_lanjut") else None
                        cases.append({
                            "id": case_id, "display_id": display_id(office_code, case_id), "client_id": cid,
                            "cluster": cluster, "approach": rng.choices(["keluarga", "komunitas", "residensial"],
                                                                         weights=[60, 25, 15])[0],
                            "stage": stage, "worker_id": rng.choice(worker_ids), "opened_on": opened,
                            "closed_on": min(closed, today) if closed else None,
                        })
            bulk_insert(s, Household, households)
            bulk_insert(s, Client, clients)
            bulk_insert(s, ClientCase, cases)
            made_clients += len(clients)
            made_households += len(households)
            made_cases += len(cases)
            progress.step(len(clients))
        fts.resume()
        progress.finish(_("Data contoh selesai dibuat"))
    return DemoResult(clients=made_clients, households=made_households, cases=made_cases,
                      workers=len(worker_ids))


def _relation(draw: float, head: dict, sex: str, birth: dt.date, *, spouse_taken: bool) -> str:
    """A relation to the head that fits both people's sex and age (one random draw, so seeds stay stable)."""
    years = (head["birth_date"] - birth).days / 365.25  # > 0: older than the head
    if years >= 16:
        return "mertua" if draw < 0.25 else "orang_tua"
    if years <= -36:
        return "cucu"
    if years <= -15:
        return "menantu" if draw < 0.15 else "anak"
    if not spouse_taken and sex != head["sex"] and draw < 0.8:
        return "istri" if sex == "P" else "suami"
    return "famili_lain"


def _education(rng: random.Random, age: int) -> str | None:
    if age < 7:
        return "tidak_belum_sekolah"
    if age < 13:
        return "belum_tamat_sd"
    return rng.choices(["tidak_belum_sekolah", "belum_tamat_sd", "sd", "sltp", "slta", "d4_s1"],
                       weights=[10, 15, 35, 20, 17, 3])[0]


def _marital(rng: random.Random, age: int) -> str:
    if age < 18:
        return "belum_kawin"
    if age >= 60:
        return rng.choices(["kawin", "cerai_mati", "cerai_hidup"], weights=[40, 50, 10])[0]
    return rng.choices(["belum_kawin", "kawin", "cerai_hidup", "cerai_mati"], weights=[30, 55, 10, 5])[0]
