"""The figures of the aggregate reports, on a fixture whose every number is worked out by hand below.

SPM fixture (area Kabupaten Hulu Sungai Selatan 63.06, period the year 2025; entries through the service log):

Kec. Sungai Raya (63.06.01)
  Hamalau (63.06.01.2001)
    Ani    anak_telantar                             spm sandang 10-03-2025                        -> served
    Budi   anak_balita_telantar + anak_telantar      spm permakanan 01..03-02-2025, sandang 01-06  -> served (once)
    Citra  lanjut_usia_telantar + penyandang_dis.    spm alat_bantu 05-05-2025                     -> served, 2 groups
  Telaga Bidadari (63.06.01.2002)
    Dedi   gelandangan + pengemis                    spm sandang 12-04-2025, cancelled             -> not served
    Euis   lanjut_usia_telantar                      spm 20-12-2024 (before); one 01-06-2025 archived (tombstone)
    Fajar  penyandang_disabilitas                    spm 28-12-2024 corrected to 05-01-2025        -> served
Kec. Kandangan (63.06.05)
  Kandangan Kota (63.06.05.1001)
    Gita   lanjut_usia_telantar                      spm 01-07-2025 corrected to 10-01-2026        -> not served
    Hadi   anak_telantar, ARCHIVED                   spm 01-03-2025                                -> not counted
    Indah  pengemis                                  ATENSI (not SPM) 01-03-2025                   -> not served
    Joko   korban_napza (no SPM group)               spm 01-03-2025                                -> not counted
    Kiki   gelandangan                               spm 15-08-2025                                -> served
    Lina   penyandang_disabilitas; her duplicate record (merged into her) has spm 02-02-2025 -> served
  (desa not recorded: code 63.06.05)
    Mira   anak_telantar                             spm 03-03-2025                                -> served
Outside the area: Nana (no wilayah, anak_telantar, not served), Oki (63.07.01.2001, lanjut_usia_telantar, spm
09-09-2025, served).

                      disabilitas  anak   lansia  gepeng  all groups (persons)
Hamalau                 1/1        2/2     1/1     0/0     3/3
Telaga Bidadari         1/1        0/0     1/0     1/0     3/1
Kec. Sungai Raya        2/2        2/2     2/1     1/0     6/4   -> 100,00 100,00 50,00 0,00 66,67
Kandangan Kota          1/1        0/0     1/0     2/1     4/2
(desa tidak tercatat)   0/0        1/1     0/0     0/0     1/1
Kec. Kandangan          1/1        1/1     1/0     2/1     5/3   -> 100 100 0 50 60,00
Area total              3/3        3/3     3/1     3/1     11/7  -> 100,00 100,00 33,33 33,33 63,64
Outside                 0/0        1/0     1/1     0/0     2/1
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from atensi_desktop.db.models import Client, Office, ServiceEntry, Worker
from atensi_desktop.errors import NotFoundError, UserError
from atensi_desktop.services import distribution as dist
from atensi_desktop.services import referrals, spm_stats
from atensi_desktop.services import service_log as log
from atensi_desktop.services.clients import archive_client, create_client
from atensi_desktop.services.wilayah import load_demo_region

TODAY = dt.date(2026, 3, 31)
D = dt.date
HAMALAU, TELAGA, KANDANGAN_KOTA = "63.06.01.2001", "63.06.01.2002", "63.06.05.1001"
SUNGAI_RAYA, KANDANGAN = "63.06.01", "63.06.05"
YEAR_2025 = (D(2025, 1, 1), D(2025, 12, 31))


def _client(db, name: str, wilayah: str | None, *cats: str, nik: str | None = None) -> uuid.UUID:
    female = nik is not None and int(nik[6:8]) > 40  # the NIK's day + 40 marks a woman
    values = {"name": name, "sex": "P" if female else "L", "ppks_categories": list(cats)}
    if wilayah:
        values["wilayah_code"] = wilayah
    if nik:
        values["nik"] = nik
    return create_client(db, values).id


def _spm(db, client_id: uuid.UUID, day: dt.date, code: str = "sandang", *, until: dt.date | None = None,
         kind: str = "spm", value: int | None = 100_000) -> uuid.UUID:
    values = {"client_id": client_id, "service_kind": kind, "service_code": code, "date_from": day,
              "case_id": None, "value_rp": value}
    if until:
        values["date_until"] = until
    return log.add_entry(db, values, today=TODAY).id


def build_spm_fixture(db) -> dict[str, uuid.UUID]:
    """The clients and entries of the module docstring; returns the client ids by first name."""
    load_demo_region(db)
    c: dict[str, uuid.UUID] = {}
    c["Ani"] = _client(db, "Ani Rahmawati", HAMALAU, "anak_telantar", nik="6306015203150001")
    _spm(db, c["Ani"], D(2025, 3, 10))
    c["Budi"] = _client(db, "Budi Santoso", HAMALAU, "anak_balita_telantar", "anak_telantar")
    _spm(db, c["Budi"], D(2025, 2, 1), "permakanan", until=D(2025, 2, 3))
    _spm(db, c["Budi"], D(2025, 6, 1))
    c["Citra"] = _client(db, "Citra Lestari", HAMALAU, "lanjut_usia_telantar", "penyandang_disabilitas")
    _spm(db, c["Citra"], D(2025, 5, 5), "alat_bantu")
    c["Dedi"] = _client(db, "Dedi Kurniawan", TELAGA, "gelandangan", "pengemis")
    log.cancel_entry(db, _spm(db, c["Dedi"], D(2025, 4, 12)), "Dicatat pada klien yang salah")
    c["Euis"] = _client(db, "Euis Suryani", TELAGA, "lanjut_usia_telantar")
    _spm(db, c["Euis"], D(2024, 12, 20))
    archived = _spm(db, c["Euis"], D(2025, 6, 1), "perbekalan_kesehatan")
    with db.session() as s:
        s.get(ServiceEntry, archived).deleted = True
    c["Fajar"] = _client(db, "Fajar Nugroho", TELAGA, "penyandang_disabilitas")
    log.amend_entry(db, _spm(db, c["Fajar"], D(2024, 12, 28)), {"date_from": D(2025, 1, 5)}, "Tanggal salah ketik",
                    today=TODAY)
    c["Gita"] = _client(db, "Gita Permata", KANDANGAN_KOTA, "lanjut_usia_telantar")
    log.amend_entry(db, _spm(db, c["Gita"], D(2025, 7, 1)), {"date_from": D(2026, 1, 10)}, "Tanggal salah ketik",
                    today=TODAY)
    c["Hadi"] = _client(db, "Hadi Wijaya", KANDANGAN_KOTA, "anak_telantar")
    _spm(db, c["Hadi"], D(2025, 3, 1))
    archive_client(db, c["Hadi"])
    c["Indah"] = _client(db, "Indah Sari", KANDANGAN_KOTA, "pengemis")
    _spm(db, c["Indah"], D(2025, 3, 1), "bantuan_asistensi_sosial", kind="atensi")
    c["Joko"] = _client(db, "Joko Susilo", KANDANGAN_KOTA, "korban_napza")
    _spm(db, c["Joko"], D(2025, 3, 1))
    c["Kiki"] = _client(db, "Kiki Amalia", KANDANGAN_KOTA, "gelandangan")
    _spm(db, c["Kiki"], D(2025, 8, 15))
    c["Lina"] = _client(db, "Lina Marlina", KANDANGAN_KOTA, "penyandang_disabilitas")
    c["Lina (duplikat)"] = _client(db, "Lina Marlina", KANDANGAN_KOTA, "penyandang_disabilitas")
    _spm(db, c["Lina (duplikat)"], D(2025, 2, 2))
    with db.session() as s:
        s.get(Client, c["Lina (duplikat)"]).merged_into = c["Lina"]
    c["Mira"] = _client(db, "Mira Handayani", KANDANGAN, "anak_telantar")
    _spm(db, c["Mira"], D(2025, 3, 3))
    c["Nana"] = _client(db, "Nana Rosita", None, "anak_telantar")
    c["Oki"] = _client(db, "Oki Saputra", "63.07.01.2001", "lanjut_usia_telantar")
    _spm(db, c["Oki"], D(2025, 9, 9))
    return c


def _cells(figures) -> dict[str, tuple[int, int, Decimal | None]]:
    return {g: (f.registered, f.served, f.percent) for g, f in figures.items()}


def _pct(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def _expect(dis, anak, lansia, gepeng, all_, pcts=None) -> dict[str, tuple[int, int, Decimal | None]]:
    out = {}
    for g, (reg, served) in zip(("disabilitas", "anak", "lansia", "gepeng", "semua"), (dis, anak, lansia, gepeng, all_),
                                strict=True):
        out[g] = (reg, served, spm_stats.percent_of(served, reg))
    if pcts is not None:  # the percentages written out by hand, as a check on percent_of itself
        assert [out[g][2] for g in out] == [_pct(p) for p in pcts]
    return out


def test_spm_groups_come_from_refdata():
    groups = spm_stats.group_categories()
    assert list(groups) == ["disabilitas", "anak", "lansia", "gepeng"]
    assert groups["anak"] == ("anak_balita_telantar", "anak_telantar")
    assert groups["gepeng"] == ("gelandangan", "pengemis")
    assert groups["lansia"] == ("lanjut_usia_telantar",)
    assert groups["disabilitas"] == ("penyandang_disabilitas",)


def test_percent_rounds_half_up_and_is_none_without_ppks():
    assert spm_stats.percent_of(2, 3) == Decimal("66.67")
    assert spm_stats.percent_of(1, 8) == Decimal("12.50")
    assert spm_stats.percent_of(1, 200) == Decimal("0.50")
    assert spm_stats.percent_of(1, 400) == Decimal("0.25")
    assert spm_stats.percent_of(1, 800) == Decimal("0.13")  # 0.125 -> 0.13, not banker's 0.12
    assert spm_stats.percent_of(0, 5) == Decimal("0.00")
    assert spm_stats.percent_of(0, 0) is None


def test_spm_recap_per_kecamatan_and_desa_matches_the_hand_count(db):
    build_spm_fixture(db)
    recap = spm_stats.spm_recap(db, *YEAR_2025, area="6306")
    assert (recap.area, recap.area_name) == ("63.06", "Kabupaten Hulu Sungai Selatan")
    assert [(k.code, k.name) for k in recap.kecamatan] == [(SUNGAI_RAYA, "Sungai Raya"), (KANDANGAN, "Kandangan")]
    sungai_raya, kandangan = recap.kecamatan
    assert [(d.code, d.name) for d in sungai_raya.desa] == [(HAMALAU, "Hamalau"), (TELAGA, "Telaga Bidadari")]
    assert [(d.code, d.name) for d in kandangan.desa] == [(KANDANGAN_KOTA, "Kandangan Kota"),
                                                          ("", "(desa tidak tercatat)")]
    hamalau, telaga = sungai_raya.desa
    assert _cells(hamalau.figures) == _expect((1, 1), (2, 2), (1, 1), (0, 0), (3, 3))
    assert _cells(telaga.figures) == _expect((1, 1), (0, 0), (1, 0), (1, 0), (3, 1))
    assert _cells(sungai_raya.figures) == _expect((2, 2), (2, 2), (2, 1), (1, 0), (6, 4),
                                                  pcts=["100.00", "100.00", "50.00", "0.00", "66.67"])
    kota, unknown = kandangan.desa
    assert _cells(kota.figures) == _expect((1, 1), (0, 0), (1, 0), (2, 1), (4, 2))
    assert _cells(unknown.figures) == _expect((0, 0), (1, 1), (0, 0), (0, 0), (1, 1))
    assert _cells(kandangan.figures) == _expect((1, 1), (1, 1), (1, 0), (2, 1), (5, 3),
                                                pcts=["100.00", "100.00", "0.00", "50.00", "60.00"])
    assert _cells(recap.total) == _expect((3, 3), (3, 3), (3, 1), (3, 1), (11, 7),
                                          pcts=["100.00", "100.00", "33.33", "33.33", "63.64"])
    assert _cells(recap.outside) == _expect((0, 0), (1, 0), (1, 1), (0, 0), (2, 1))
    assert recap.total["gepeng"].percent == Decimal("33.33")
    assert telaga.figures["anak"].percent is None  # no PPKS: printed "-"


def test_spm_recap_without_area_and_for_another_period(db):
    build_spm_fixture(db)
    everything = spm_stats.spm_recap(db, *YEAR_2025)
    assert everything.area is None
    # every client of the four groups: the 11 of the area and the 2 outside it
    assert _cells(everything.total)["semua"] == (13, 8, Decimal("61.54"))
    assert [k.code for k in everything.kecamatan] == [SUNGAI_RAYA, KANDANGAN, "63.07.01", ""]
    assert sum(k.figures["semua"].registered for k in everything.kecamatan) == 13
    # 2026 up to today: only Gita's corrected entry (10-01-2026) counts; the corrected-away 2025 one does not
    recap_2026 = spm_stats.spm_recap(db, D(2026, 1, 1), TODAY, area="63.06")
    assert _cells(recap_2026.total) == _expect((3, 0), (3, 0), (3, 1), (3, 0), (11, 1))
    # December 2024: Euis's entry and Fajar's original (later moved to January) -> only Euis
    december = spm_stats.spm_recap(db, D(2024, 12, 1), D(2024, 12, 31), area="63.06.01")
    assert [k.code for k in december.kecamatan] == [SUNGAI_RAYA]
    assert _cells(december.total) == _expect((2, 0), (2, 0), (2, 1), (1, 0), (6, 1))
    # outside the kecamatan asked for: Kandangan's 5, Nana (no wilayah) and Oki (another kabupaten)
    assert december.outside["semua"].registered == 7


def test_date_index_or_storage_order_give_the_same_rows(db):
    build_spm_fixture(db)
    with db.session() as s:
        for start, end in (YEAR_2025, (D(2025, 3, 1), D(2025, 3, 31)), (D(2024, 12, 1), D(2025, 1, 31))):
            rows = [sorted(map(tuple, s.execute(spm_stats.spm_statement(db.dialect, start, end, by_index=b)).all()),
                           key=repr) for b in (True, False)]
            assert rows[0] == rows[1] and rows[0]
            monthly = [sorted(map(tuple, s.execute(spm_stats.monthly_services_statement(
                db.dialect, start, end, None, by_index=b)).all()), key=repr) for b in (True, False)]
            assert monthly[0] == monthly[1]
        # the log runs from 20-12-2024 to 10-01-2026 (387 days): a month is read through the index, a year not
        assert spm_stats.use_date_index(s, db.dialect, D(2025, 3, 1), D(2025, 3, 31))
        assert spm_stats.use_date_index(s, db.dialect, *YEAR_2025) is (db.dialect != "sqlite")
        assert spm_stats.use_date_index(s, db.dialect, D(2030, 1, 1), D(2030, 12, 31))  # nothing there


def test_merged_survivor_served_directly_and_through_a_duplicate_counts_once(db):
    c = build_spm_fixture(db)
    _spm(db, c["Lina"], D(2025, 10, 1))
    # a chain: a second duplicate merged into the first duplicate, with its own entry
    second = _client(db, "Lina M.", KANDANGAN_KOTA, "penyandang_disabilitas")
    _spm(db, second, D(2025, 11, 1))
    with db.session() as s:
        s.get(Client, second).merged_into = c["Lina (duplikat)"]
    recap = spm_stats.spm_recap(db, *YEAR_2025, area="63.06")
    assert _cells(recap.total)["disabilitas"] == (3, 3, Decimal("100.00"))
    # the survivor without an entry of her own, reached only through the chain
    with db.session() as s:
        for entry in s.scalars(select(ServiceEntry).where(ServiceEntry.client_id.in_([c["Lina"],
                                                                                      c["Lina (duplikat)"]]))):
            entry.deleted = True
    recap = spm_stats.spm_recap(db, *YEAR_2025, area="63.06")
    assert _cells(recap.total)["disabilitas"] == (3, 3, Decimal("100.00"))


def test_spm_recap_refuses_bad_input(db):
    with pytest.raises(UserError):
        spm_stats.spm_recap(db, D(2025, 2, 1), D(2025, 1, 1))
    with pytest.raises(UserError):
        spm_stats.spm_recap(db, *YEAR_2025, area="Kandangan")
    empty = spm_stats.spm_recap(db, *YEAR_2025, area="63.06")
    assert empty.kecamatan == () and _cells(empty.total)["semua"] == (0, 0, None)


# --- the monthly report ----------------------------------------------------------------------------------

MARCH = (2026, 3)


def _created(db, model, row_id: uuid.UUID, when: dt.datetime) -> None:
    with db.session() as s:
        s.execute(update(model).where(model.id == row_id).values(created_at=when))


def _local(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour)).astimezone(dt.UTC)


def build_monthly_fixture(db) -> dict[str, uuid.UUID]:
    """March 2026. Clients registered: before March 2 (Ani anak_telantar; Budi lansia + disabilitas), in March 3
    (Citra anak_telantar at 00:30 on 1 March; Dedi gelandangan on the 31st at 23:00; Euis with no category),
    after March 1 (Fajar, 1 April 08:00), plus an archived one in March (not counted). In Sungai Raya: Ani,
    Citra, Euis; in Kandangan: Budi, Dedi, Fajar.

    Services with a first day in March: Ani spm sandang 150.000 and spm permakanan 3 days 60.000; Budi ATENSI
    bantuan 300.000, its correction to 350.000; Citra rehab bimbingan_fisik (no value); Dedi spm sandang
    cancelled; Ani spm sandang on 28 February (not March). -> spm 2 entries 1 client Rp210.000; atensi 1/1
    Rp350.000; rehab 1/1 Rp0; all 4 entries, 3 clients, Rp560.000.

    Referrals: Ani keluar sent 2 March, accepted (diterima) 5 March; Budi keluar sent 10 March (dikirim);
    Citra masuk 20 March (dikirim); Dedi keluar sent 25 February (not March), completed in March.

    PSKS: workers pekerja_sosial (March), tksk (March), tksk (January), psm archived (March: not counted),
    tks (March); offices: an LKS registered in March; a panti (not PSKS).
    """
    load_demo_region(db)
    c: dict[str, uuid.UUID] = {}
    c["Ani"] = _client(db, "Ani Rahmawati", HAMALAU, "anak_telantar")
    _created(db, Client, c["Ani"], _local(D(2026, 1, 15)))
    c["Budi"] = _client(db, "Budi Santoso", KANDANGAN_KOTA, "lanjut_usia_telantar", "penyandang_disabilitas")
    _created(db, Client, c["Budi"], _local(D(2026, 2, 28), 23))
    c["Citra"] = _client(db, "Citra Lestari", TELAGA, "anak_telantar")
    _created(db, Client, c["Citra"], _local(D(2026, 3, 1), 0).replace(minute=30))
    c["Dedi"] = _client(db, "Dedi Kurniawan", KANDANGAN_KOTA, "gelandangan")
    _created(db, Client, c["Dedi"], _local(D(2026, 3, 31), 23))
    c["Euis"] = _client(db, "Euis Suryani", HAMALAU)
    _created(db, Client, c["Euis"], _local(D(2026, 3, 12)))
    c["Fajar"] = _client(db, "Fajar Nugroho", KANDANGAN_KOTA, "anak_telantar")
    _created(db, Client, c["Fajar"], _local(D(2026, 4, 1), 8))
    gone = _client(db, "Gani Archived", HAMALAU, "anak_telantar")
    _created(db, Client, gone, _local(D(2026, 3, 3)))
    archive_client(db, gone)

    _spm(db, c["Ani"], D(2026, 3, 2), value=150_000)
    _spm(db, c["Ani"], D(2026, 3, 20), "permakanan", until=D(2026, 3, 22), value=60_000)
    _spm(db, c["Ani"], D(2026, 2, 28), value=75_000)
    budi = _spm(db, c["Budi"], D(2026, 3, 5), "bantuan_asistensi_sosial", kind="atensi", value=300_000)
    log.amend_entry(db, budi, {"value_rp": 350_000}, "Nilai salah", today=TODAY)
    _spm(db, c["Citra"], D(2026, 3, 9), "bimbingan_fisik", kind="rehab", value=None)
    log.cancel_entry(db, _spm(db, c["Dedi"], D(2026, 3, 11), value=90_000), "Tidak jadi diberikan")

    ref = {"counterpart_kind": "puskesmas", "counterpart_name": "Puskesmas Kandangan", "reason": "Pemeriksaan"}
    r1 = referrals.create_referral(db, c["Ani"], {**ref, "direction": "keluar", "sent_on": D(2026, 3, 2)},
                                   today=TODAY)
    referrals.change_status(db, r1.id, "diterima", on=D(2026, 3, 5), today=TODAY)
    referrals.create_referral(db, c["Budi"], {**ref, "direction": "keluar", "sent_on": D(2026, 3, 10)}, today=TODAY)
    referrals.create_referral(db, c["Citra"], {**ref, "direction": "masuk", "sent_on": D(2026, 3, 20)}, today=TODAY)
    r4 = referrals.create_referral(db, c["Dedi"], {**ref, "direction": "keluar", "sent_on": D(2026, 2, 25)},
                                   today=TODAY)
    referrals.change_status(db, r4.id, "diterima", on=D(2026, 3, 1), today=TODAY)
    referrals.change_status(db, r4.id, "selesai", on=D(2026, 3, 15), today=TODAY)

    with db.session() as s:
        lks = Office(code="LKS1", name="LKS Harapan Bunda", office_type="lks", wilayah_code=HAMALAU)
        panti = Office(code="PANTI1", name="Panti Sosial Budi Luhur", office_type="panti", wilayah_code=HAMALAU)
        s.add_all([lks, panti])
        s.flush()
        workers = [Worker(name="Peksos Maret", worker_type="pekerja_sosial", office_id=lks.id),
                   Worker(name="TKSK Maret", worker_type="tksk", office_id=lks.id),
                   Worker(name="TKSK Januari", worker_type="tksk", office_id=None),
                   Worker(name="PSM Arsip", worker_type="psm", office_id=lks.id, deleted=True),
                   Worker(name="TKS Maret", worker_type="tks", office_id=lks.id)]
        s.add_all(workers)
        s.flush()
        ids = {w.name: w.id for w in workers} | {"lks": lks.id, "panti": panti.id}
    for name in ("Peksos Maret", "TKSK Maret", "PSM Arsip", "TKS Maret"):
        _created(db, Worker, ids[name], _local(D(2026, 3, 10)))
    _created(db, Worker, ids["TKSK Januari"], _local(D(2026, 1, 10)))
    _created(db, Office, ids["lks"], _local(D(2026, 3, 4)))
    _created(db, Office, ids["panti"], _local(D(2026, 3, 4)))
    return c


def test_monthly_figures_match_the_hand_count(db):
    build_monthly_fixture(db)
    m = spm_stats.monthly_figures(db, *MARCH)
    assert (m.start, m.end) == (D(2026, 3, 1), D(2026, 3, 31))
    ppks = {p.code: (p.new, p.total) for p in m.ppks}
    assert ppks["anak_telantar"] == (1, 2)  # Citra new; Ani before; Fajar (April) and the archived one not
    assert ppks["gelandangan"] == (1, 1)  # Dedi, 31 March 23:00 local time
    assert ppks["lanjut_usia_telantar"] == (0, 1) and ppks["penyandang_disabilitas"] == (0, 1)
    assert ppks[spm_stats.NO_CATEGORY] == (1, 1)  # Euis
    assert ppks["korban_napza"] == (0, 0)
    assert len(m.ppks) == 27  # the 26 categories and "tanpa kategori"
    assert (m.ppks_new, m.ppks_total) == (3, 5)
    psks = {p.code: (p.new, p.total) for p in m.psks}
    assert psks == {"pekerja_sosial_profesional": (1, 1), "psm": (0, 0), "lks": (1, 1), "penyuluh_sosial": (0, 0),
                    "tksk": (1, 2), "tks": (1, 1)}
    services = {(s.kind, s.code): (s.entries, s.clients, s.value_rp) for s in m.services}
    assert services == {("spm", "sandang"): (1, 1, 150_000), ("spm", "permakanan"): (1, 1, 60_000),
                        ("atensi", "bantuan_asistensi_sosial"): (1, 1, 350_000),
                        ("rehab", "bimbingan_fisik"): (1, 1, 0)}
    assert [(s.kind, s.code) for s in m.services][:2] == [("atensi", "bantuan_asistensi_sosial"),
                                                         ("spm", "permakanan")]  # kinds, then list order
    kinds = {k.kind: (k.entries, k.clients, k.value_rp) for k in m.service_kinds}
    assert kinds == {"atensi": (1, 1, 350_000), "spm": (2, 1, 210_000), "rehab": (1, 1, 0)}
    assert (m.services_total.entries, m.services_total.clients, m.services_total.value_rp) == (4, 3, 560_000)
    refs = {(r.direction, r.status): r.count for r in m.referrals if r.count}
    assert refs == {("keluar", "diterima"): 1, ("keluar", "dikirim"): 1, ("masuk", "dikirim"): 1}
    assert len(m.referrals) == 8  # 2 directions x 4 statuses, zeros kept


def test_monthly_figures_for_one_kecamatan(db):
    build_monthly_fixture(db)
    m = spm_stats.monthly_figures(db, *MARCH, area="63.06.01")
    assert m.area_name == "Sungai Raya"
    ppks = {p.code: (p.new, p.total) for p in m.ppks if p.total}
    assert ppks == {"anak_telantar": (1, 2), spm_stats.NO_CATEGORY: (1, 1)}
    assert (m.ppks_new, m.ppks_total) == (2, 3)
    assert (m.services_total.entries, m.services_total.clients, m.services_total.value_rp) == (3, 2, 210_000)
    # workers through their office's wilayah: the Hamalau LKS has the Peksos, a TKSK and the TKS
    assert {p.code: (p.new, p.total) for p in m.psks if p.total} == {
        "pekerja_sosial_profesional": (1, 1), "lks": (1, 1), "tksk": (1, 1), "tks": (1, 1)}
    assert {(r.direction, r.status): r.count for r in m.referrals if r.count} == {
        ("keluar", "diterima"): 1, ("masuk", "dikirim"): 1}


def test_monthly_figures_refuse_a_month_that_does_not_exist(db):
    with pytest.raises(UserError):
        spm_stats.monthly_figures(db, 2026, 13)


# --- recipients of a distribution -----------------------------------------------------------------------


def test_distribution_recipients_follow_corrections_and_cancellations(db):
    load_demo_region(db)
    zaki = _client(db, "Zaki Maulana", HAMALAU, "lanjut_usia_telantar", nik="6306010101500001")
    ayu = _client(db, "Ayu Lestari", TELAGA, "lanjut_usia_telantar", nik="6306014101500002")
    mega = _client(db, "Mega Utami", None, "lanjut_usia_telantar")
    with db.session() as s:
        s.get(Client, ayu).address = "Jl. Melati No. 3"
    aid = {"title": "Bantuan Sandang Lansia 2026", "service_kind": "spm", "service_code": "sandang",
           "date_from": D(2026, 3, 20), "value_rp": 250_000, "quantity": 1, "unit": "paket"}
    result = dist.create_distribution(db, aid, [zaki, ayu, mega], today=TODAY)
    by_client = {e: c for e, c in zip(result.entry_ids, (zaki, ayu, mega), strict=True)}
    entry_of = {c: e for e, c in by_client.items()}
    log.amend_entry(db, entry_of[zaki], {"value_rp": 300_000}, "Nilai salah", today=TODAY)
    log.cancel_entry(db, entry_of[mega], "Tidak hadir")
    rows = spm_stats.distribution_recipients(db, result.distribution.id)
    assert [(r.number, r.name, r.nik, r.value_rp) for r in rows] == [
        (1, "Ayu Lestari", "6306014101500002", 250_000), (2, "Zaki Maulana", "6306010101500001", 300_000)]
    assert (rows[0].address, rows[0].desa) == ("Jl. Melati No. 3", "Telaga Bidadari")
    assert (rows[1].address, rows[1].desa) == (None, "Hamalau")
    assert rows[0].quantity == Decimal("1") and rows[0].unit == "paket"
    with pytest.raises(NotFoundError):
        spm_stats.distribution_recipients(db, uuid.uuid4())
