"""Realistic asesmen set up through the engine for the asesmen list, comparison and plan tests: an older client
(lanjut usia) assessed twice with the shipped form, the second time with a better Barthel index and other
answers changed."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from atensi_desktop.services import assessments as svc
from atensi_desktop.services.clients import create_client
from atensi_desktop.services.office import list_workers

FORM_ID = "asesmen_umum"
FORM_VERSION = "1"
BARTHEL = ("barthel_makan", "barthel_mandi", "barthel_perawatan_diri", "barthel_berpakaian", "barthel_bab",
           "barthel_bak", "barthel_toilet", "barthel_berpindah", "barthel_berjalan", "barthel_tangga")
FIRST_DAY = dt.date(2026, 1, 6)
SECOND_DAY = dt.date(2026, 4, 7)

# Barthel 12 at the first asesmen, 15 at the second (+3): makan 1 -> 2, berpindah 1 -> 2, berjalan 1 -> 2.
FIRST_BARTHEL = {"barthel_makan": "1", "barthel_mandi": "0", "barthel_perawatan_diri": "1",
                 "barthel_berpakaian": "1", "barthel_bab": "2", "barthel_bak": "2", "barthel_toilet": "1",
                 "barthel_berpindah": "1", "barthel_berjalan": "1", "barthel_tangga": "2"}
SECOND_BARTHEL = FIRST_BARTHEL | {"barthel_makan": "2", "barthel_berpindah": "2", "barthel_berjalan": "2"}


@dataclass(frozen=True)
class Story:
    client_id: uuid.UUID
    worker_id: uuid.UUID | None
    first: uuid.UUID | None = None
    second: uuid.UUID | None = None


def older_client(ctx, name: str = "Sarinah binti Darman") -> uuid.UUID:
    return create_client(ctx.db, {"name": name, "sex": "P", "birth_date": dt.date(1948, 3, 2),
                                  "cluster": "lanjut_usia"}).id


def worker(ctx) -> uuid.UUID | None:
    workers = list_workers(ctx.db)
    return workers[0][0] if workers else None


def finished_asesmen(ctx, client_id: uuid.UUID, sections: dict[str, dict], *, started: dt.date,
                     worker_id: uuid.UUID | None = None) -> uuid.UUID:
    """A finished asesmen of the shipped form with these answers (saved section by section, as the wizard does)."""
    a = svc.start_assessment(ctx.db, client_id, form_id=FORM_ID, form_version=FORM_VERSION, worker_id=worker_id,
                             started_on=started)
    for section_id, answers in sections.items():
        svc.save_section(ctx.db, a.id, section_id, answers, worker_id=worker_id)
    svc.finish(ctx.db, a.id, worker_id=worker_id, finished_on=started + dt.timedelta(days=2))
    return a.id


def first_answers() -> dict[str, dict]:
    return {
        "identitas": {"tanggal_asesmen": FIRST_DAY.isoformat(), "sumber_rujukan": "datang_sendiri"},
        "lansia": dict(FIRST_BARTHEL),
        "kebutuhan": {"kebutuhan": ["makan", "kesehatan", "tempat_tinggal"],
                      "paling_mendesak": "Makan sehari-hari dan obat darah tinggi"},
        "kesimpulan": {"kesimpulan": "Ibu Sarinah tinggal sendiri, sering tidak makan, perlu pendampingan."},
    }


def second_answers() -> dict[str, dict]:
    return {
        "identitas": {"tanggal_asesmen": SECOND_DAY.isoformat(), "sumber_rujukan": "datang_sendiri"},
        "lansia": dict(SECOND_BARTHEL),
        "kebutuhan": {"kebutuhan": ["kesehatan", "dukungan_keluarga"],
                      "paling_mendesak": "Kontrol rutin ke puskesmas"},
        "kesimpulan": {"kesimpulan": "Sudah makan teratur lewat permakanan; keluarga anak mulai berkunjung."},
    }


def two_asesmen(ctx, name: str = "Sarinah binti Darman") -> Story:
    client_id = older_client(ctx, name)
    wid = worker(ctx)
    first = finished_asesmen(ctx, client_id, first_answers(), started=FIRST_DAY, worker_id=wid)
    second = finished_asesmen(ctx, client_id, second_answers(), started=SECOND_DAY, worker_id=wid)
    return Story(client_id, wid, first, second)
