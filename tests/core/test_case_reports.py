"""Per-case reports (issue 6): asesmen, rencana, perkembangan, kasus — built from real services data, rendered
to PDF and read back with pypdf: names, figures, totals, redaction levels, page sizes, repeated headers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from atensi_desktop.errors import UserError
from atensi_desktop.reports import case_reports as cr
from atensi_desktop.reports import registry
from atensi_desktop.reports.document import make_context
from atensi_desktop.services import assessments as asesmen
from atensi_desktop.services import casenotes, cases, intervention, referrals, service_log, tasks
from atensi_desktop.services.clients import create_client
from atensi_desktop.services.office import OfficeInput, WorkerInput, setup_installation
from atensi_desktop.services.workers import create_worker

TODAY = dt.date(2026, 3, 5)
NIK = "6306015501500001"
MM_PER_PT = 25.4 / 72


def row(**values):
    return values


def table(*rows):
    keys = [f"r{i:02d}" for i in range(len(rows))]
    return {"rows": dict(zip(keys, rows, strict=True)), "order": keys}


FAMILY = table(
    row(nama="H. Abdul Gani", jenis_kelamin="L", tahun_lahir=1920, meninggal="ya", hubungan="ayah"),
    row(nama="Hj. Saleha", jenis_kelamin="P", tahun_lahir=1925, meninggal="ya", hubungan="ibu"),
    row(nama="Bahrudin", jenis_kelamin="L", tahun_lahir=1945, meninggal="ya", hubungan="suami_istri",
        kualitas_hubungan="dekat"),
    row(nama="Masrah", jenis_kelamin="P", tahun_lahir=1948, meninggal="tidak", hubungan="saudara",
        tinggal_serumah="tidak", kualitas_hubungan="biasa"),
    row(nama="Nabila Rahmah", jenis_kelamin="P", tahun_lahir=1975, meninggal="tidak", hubungan="anak",
        tinggal_serumah="tidak", kualitas_hubungan="dekat"),
    row(nama="Rusdiansyah", jenis_kelamin="L", tahun_lahir=1978, meninggal="tidak", hubungan="anak",
        kualitas_hubungan="renggang"),
    row(nama="Zahra", jenis_kelamin="P", tahun_lahir=2004, meninggal="tidak", hubungan="cucu"),
)
ECOMAP = table(
    row(pihak="Puskesmas Kandangan", jenis="kesehatan", kekuatan="kuat", arah="ke_klien"),
    row(pihak="Majelis taklim Al-Falah", jenis="agama", kekuatan="lemah", arah="dua_arah"),
    row(pihak="Tetangga sebelah rumah", jenis="teman_tetangga", kekuatan="penuh_tekanan", arah="dari_klien"),
)
ANSWERS = {
    "identitas": {"tanggal_asesmen": "2026-01-07", "tempat_asesmen": "rumah", "sumber_rujukan": "desa",
                  "perujuk_nama": "Kepala Desa Bamban, Bapak Ruslan", "ppks": ["lanjut_usia_telantar"],
                  "pemberi_informasi": "Klien dan anaknya"},
    "fisik": {"kondisi_umum": "kurang", "penyakit": "Hipertensi; stroke ringan tahun 2023", "berobat_rutin": "ya",
              "obat": "Amlodipin dari puskesmas", "disabilitas": "ya", "jaminan_kesehatan": "bpjs_pbi"},
    "psikologis": {"suasana_hati": ["sedih", "sulit_tidur"], "pikiran_bunuh_diri": "tidak", "kesejahteraan": 4},
    "sosial": {"genogram": FAMILY, "ecomap": ECOMAP, "peran_sosial": "Dituakan di keluarga besar",
               "penerimaan_lingkungan": "menerima"},
    "spiritual": {"agama": "islam", "menjalankan_ibadah": "rutin"},
    "ekonomi": {"penghasilan": 300000, "tanggungan": 0, "tempat_tinggal": "milik_sendiri",
                "kondisi_rumah": "kurang_layak"},
    "lansia": {"barthel_makan": "1", "barthel_mandi": "0", "barthel_perawatan_diri": "1", "barthel_berpakaian": "1",
               "barthel_bab": "2", "barthel_bak": "1", "barthel_toilet": "1", "barthel_berpindah": "2",
               "barthel_berjalan": "2", "barthel_tangga": "1", "pendamping_harian": "tetangga"},
    "disabilitas": {"jenis": ["fisik"], "adl": "sebagian", "dipasung": "tidak"},
    "masalah": {"masalah_utama": "Siti Aminah tinggal sendiri sejak Bahrudin meninggal; makan tidak teratur.",
                "masalah_menurut_peksos": "Penelantaran ringan; anak jauh."},
    "kebutuhan": {"kebutuhan": ["makan", "kesehatan", "alat_bantu"], "paling_mendesak": "Makan sehari-hari"},
    "potensi": {"kekuatan_klien": "Masih bisa memasak sederhana; rajin ke majelis taklim."},
    "risiko": {"risiko": ["penelantaran"], "tingkat": "sedang"},
    "kesimpulan": {"kesimpulan": "Klien membutuhkan permakanan dan terapi fisik; keluarga perlu didampingi.",
                   "layanan_atensi": ["kebutuhan_hidup_layak", "terapi"], "pendekatan": "keluarga",
                   "perlu_rujukan": "ya", "rujukan_ke": "Puskesmas Kandangan"},
}


def build_scenario(db, *, with_plan: bool = True, approve: bool = True, extra_services: int = 0) -> dict:
    """A lansia client with a finished asesmen, a plan of 2 goals, services in and outside the plan (one
    cancelled, one corrected), a referral, a note, a conference, a task, and a terminated case."""
    setup = setup_installation(db, OfficeInput(
        name="Dinas Sosial Kabupaten Hulu Sungai Selatan", office_type="dinas_sosial", code="DSHSS",
        address="Jl. Aluh Idut No. 1, Kandangan", city="Kandangan", postal_code="71211", phone="(0517) 21234",
        email="dinsos@hsskab.go.id", letterhead_lines=("PEMERINTAH KABUPATEN HULU SUNGAI SELATAN", "DINAS SOSIAL"),
        head_name="Drs. H. Muhammad Noor, M.Si.", head_title="Kepala Dinas Sosial",
        head_rank="Pembina Utama Muda (IV/c)", head_nip="196805121994031007"),
        WorkerInput(name="Rahmawati, S.Tr.Sos.", nip="198609262015051001", rank="Penata (III/c)",
                    position="Pekerja Sosial Ahli Muda"))
    worker = setup.worker_id
    tksk = create_worker(db, WorkerInput(name="Ahmad Fauzi", worker_type="tksk")).id
    client = create_client(db, {
        "name": "Hj. Siti Aminah", "sex": "P", "nik": NIK, "birth_date": dt.date(1950, 1, 15),
        "birth_place": "Kandangan", "address": "Jl. Melati RT 03 No. 7", "religion": "islam",
        "cluster": "lanjut_usia", "ppks_categories": ["lanjut_usia_telantar"], "phone": "081234567890",
        "disability": "Lumpuh sebagian sejak stroke"}).id
    case = cases.open_case(db, client, approach="keluarga", worker_id=worker, opened_on=dt.date(2026, 1, 5),
                           today=TODAY).id
    cases.change_stage(db, case, "asesmen", on=dt.date(2026, 1, 7), worker_id=worker, today=TODAY)
    a = asesmen.start_assessment(db, client, form_id="asesmen_umum", form_version="1", case_id=case,
                                 worker_id=worker, started_on=dt.date(2026, 1, 7))
    for section, answers in ANSWERS.items():
        asesmen.save_section(db, a.id, section, answers, worker_id=worker)
    asesmen.finish(db, a.id, worker_id=worker, finished_on=dt.date(2026, 1, 9))
    ids = {"worker": worker, "tksk": tksk, "client": client, "case": case, "assessment": a.id}
    if with_plan:
        plan = intervention.draft_plan_from_assessment(
            db, a.id, needs_reader=lambda _s: ["permakanan", "terapi"], today=dt.date(2026, 1, 10))
        food, therapy = plan.goals
        intervention.add_activity(db, therapy.id, {
            "description": "Kunjungan terapis ke rumah", "atensi_service": "terapi", "atensi_subitem": "terapi_fisik",
            "responsible_worker_id": tksk, "method": "Latihan gerak", "target_date": "2026-04-10"})
        if approve:
            intervention.approve_plan(db, plan.id, worker_id=worker, approved_on=dt.date(2026, 1, 12))
        ids |= {"plan": plan.id, "goal_food": food.id, "goal_therapy": therapy.id,
                "activity_food": food.activities[0].id}
    cases.change_stage(db, case, "rencana_intervensi", on=dt.date(2026, 1, 10), worker_id=worker, today=TODAY)
    cases.change_stage(db, case, "pelaksanaan_intervensi", on=dt.date(2026, 1, 13), worker_id=worker, today=TODAY)

    def add(**values):
        base = {"client_id": client, "case_id": case, "provider_worker_id": worker}
        return service_log.add_entry(db, base | values, today=TODAY)

    add(service_kind="spm", service_code="permakanan", date_from="2026-01-14", date_until="2026-01-20",
        quantity=7, unit="hari", value_rp=210000, plan_activity_id=ids.get("activity_food"))
    add(service_kind="atensi", service_code="terapi", subitem_code="terapi_fisik", date_from="2026-01-21",
        quantity=1, unit="kali", value_rp=150000)
    add(service_kind="atensi", service_code="terapi", subitem_code="terapi_psikososial", date_from="2026-02-04",
        quantity=1, unit="kali", value_rp=150000, provider_worker_id=tksk)
    add(service_kind="atensi", service_code="bantuan_asistensi_sosial", subitem_code="sembako_nutrisi",
        date_from="2026-02-10", quantity=1, unit="paket", value_rp=250000)
    add(service_kind="spm", service_code="alat_bantu", date_from="2026-02-15", quantity=1, unit="buah",
        value_rp=1750000, note="Kursi roda")
    wrong = add(service_kind="spm", service_code="sandang", date_from="2026-02-16", quantity=2, unit="stel",
                value_rp=400000)
    service_log.cancel_entry(db, wrong.id, "Salah klien, dicatat ulang")
    fixed = add(service_kind="atensi", service_code="terapi", date_from="2026-02-18", quantity=1, unit="kali",
                value_rp=100000)
    service_log.amend_entry(db, fixed.id, {"value_rp": 120000}, "Nilai sesuai kuitansi")
    for i in range(extra_services):
        day = dt.date(2025, 1, 1) + dt.timedelta(days=i)
        add(service_kind="atensi", service_code="terapi", subitem_code="terapi_mental_spiritual", date_from=day,
            quantity=1, unit="kali", value_rp=10000, case_id=case)
    ref = referrals.create_referral(db, client, {
        "case_id": case, "direction": "keluar", "counterpart_kind": "puskesmas",
        "counterpart_name": "Puskesmas Kandangan", "reason": "Pemeriksaan tekanan darah rutin",
        "services_requested": "Kontrol hipertensi", "sent_on": "2026-01-20", "worker_id": worker,
        "letter_number": "400.9/12/Rehsos"}, today=TODAY)
    referrals.change_status(db, ref.id, "diterima", on="2026-01-22", worker_id=worker, today=TODAY)
    casenotes.add_note(db, client, "Kunjungan rumah: Siti Aminah tampak lebih segar, tekanan darah 150/90.",
                       case_id=case, written_on="2026-02-01", worker_id=worker, today=TODAY)
    casenotes.add_conference(db, client, text="Membahas pengasuhan harian.",
                             participants="Rahmawati, Ahmad Fauzi, Nabila Rahmah (anak)",
                             decisions="Nabila Rahmah menjenguk tiap pekan.", case_id=case,
                             written_on="2026-02-05", worker_id=worker, today=TODAY)
    task = tasks.add_task(db, client, {"kind": "tindak_lanjut", "title": "Kunjungan monitoring",
                                       "due_on": "2026-02-20", "case_id": case}, today=TODAY)
    tasks.complete_task(db, task.id, done_on="2026-02-20", today=TODAY)
    cases.change_stage(db, case, "monitoring_evaluasi", on=dt.date(2026, 2, 25), worker_id=worker, today=TODAY)
    cases.terminate(db, case, "tujuan_tercapai", on=dt.date(2026, 3, 2), note="Kebutuhan dasar terpenuhi.",
                    worker_id=worker, today=TODAY)
    ids["referral"] = ref.id
    return ids


def ctx_for(db, kind, ids, **values):
    values.setdefault("today", TODAY)
    if "client_id" not in values and "case_id" not in values:  # as the report dialog asks: client and case
        values["case_id"] = ids["case"]
        values["client_id"] = ids["client"]
    return make_context(db, kind, **values)


def render(db, kind, ids, **values):
    return registry.build_report(db, ctx_for(db, kind, ids, **values))


def pdf_text(rendered) -> str:
    reader = PdfReader(io.BytesIO(rendered.pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def scenario(db):
    return build_scenario(db)


# --- facts ---------------------------------------------------------------------------------------------

def test_progress_figures_match_the_services_recorded(db, scenario):
    case = cases.get_case(db, scenario["case"])
    progress = cr.load_progress(db, case)
    assert progress.plan is not None and not progress.plan.draft
    food, therapy = progress.goals
    # the linked permakanan (7 days, Rp210.000) serves the food goal
    assert (food.count, food.value) == (1, 210_000)
    # terapi fisik, terapi psikososial and the corrected terapi (Rp120.000, not 100.000) serve goal 2,
    # all on its first activity (the component without a sub-item takes every sub-item)
    assert (therapy.count, therapy.value) == (3, 150_000 + 150_000 + 120_000)
    assert [a.count for a in therapy.activities] == [3, 0]
    # sembako and the wheelchair are outside the plan; the cancelled sandang counts nowhere
    assert sorted(s.entry.service_code for s in progress.outside) == ["alat_bantu", "bantuan_asistensi_sosial"]
    assert (progress.count_outside, progress.value_outside) == (2, 250_000 + 1_750_000)
    assert (progress.count_in_plan, progress.value_in_plan) == (4, 630_000)
    assert (progress.count_total, progress.value_total) == (6, 2_630_000)
    assert all(s.entry.service_code != "sandang" for s in progress.services)


def test_a_period_limits_the_services(db, scenario):
    case = cases.get_case(db, scenario["case"])
    progress = cr.load_progress(db, case, (dt.date(2026, 2, 1), dt.date(2026, 2, 28)))
    assert sorted(s.entry.date_from.isoformat() for s in progress.services) == [
        "2026-02-04", "2026-02-10", "2026-02-15", "2026-02-18"]
    assert progress.value_total == 150_000 + 250_000 + 1_750_000 + 120_000


def test_asesmen_facts_label_answers_with_the_form(db, scenario):
    client = cr.load_client(db, scenario["client"])
    found = cr.latest_finished_assessment(db, scenario["client"], scenario["case"])
    facts = cr.load_asesmen(db, found, client)
    fisik = facts.section("fisik")
    assert fisik.sensitive
    lines = {i.label: i.value for i in fisik.items}
    assert lines["Kondisi kesehatan umum"] == "Kurang / sering sakit"
    assert lines["Sedang berobat rutin?"] == "Ya"
    assert "Sedang hamil?" not in lines  # hidden by the form's skip logic (age 75)
    [barthel] = facts.scores
    assert (barthel.value, barthel.maximum, barthel.band, barthel.complete) == (12, 20, "Ketergantungan ringan", True)
    assert [m.name for m in facts.family][:2] == ["H. Abdul Gani", "Hj. Saleha"]
    assert facts.assessed_on == dt.date(2026, 1, 7)
    assert facts.section("anak") is None  # a section the form hides for this client


# --- rendered reports ----------------------------------------------------------------------------------

def test_asesmen_report_lengkap(db, scenario):
    out = render(db, "asesmen", scenario)
    text = flat(pdf_text(out))
    assert "LAPORAN HASIL ASESMEN" in text
    assert "Hj. Siti Aminah" in text and NIK in text
    assert "Kurang / sering sakit" in text and "Amlodipin dari puskesmas" in text
    assert "Indeks Barthel" in text and "12 dari 20 — Ketergantungan ringan" in text
    # the ecomap as a table: party, kind, strength, direction
    assert "Puskesmas Kandangan Layanan kesehatan Kuat Memberi kepada klien" in text
    assert "Majelis taklim Al-Falah Tempat ibadah / tokoh agama Lemah Dua arah" in text
    # the genogram drawing's names and ages, and its legend
    assert "Rusdiansyah" in text and "48 th" in text and "Garis keturunan" not in text  # Zahra under 2 anak
    assert "Laki-laki" in text and "Meninggal" in text
    assert "Kesimpulan asesmen" in text and "Puskesmas Kandangan" in text
    # signatures: the worker with the NIP grouped, the head "Mengetahui"
    assert "Rahmawati, S.Tr.Sos." in text and "NIP. 19860926 201505 1 001" in text
    assert "Mengetahui," in text and "NIP. 19680512 199403 1 007" in text
    assert "Kandangan, 5 Maret 2026" in text


def test_asesmen_report_for_a_client_without_case(db, scenario):
    out = render(db, "asesmen", scenario, client_id=scenario["client"])
    assert "Hj. Siti Aminah" in flat(pdf_text(out))
    other = create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    with pytest.raises(UserError, match="belum punya asesmen"):
        render(db, "asesmen", scenario, client_id=other)


def test_mitra_masks_nik_and_withholds_health_details(db, scenario):
    text = flat(pdf_text(render(db, "asesmen", scenario, redaction="mitra")))
    assert "630601**********" in text and NIK not in text
    assert "Amlodipin" not in text and "Kurang / sering sakit" not in text
    assert "12 dari 20" not in text  # Barthel is a health finding
    assert "Lumpuh sebagian" not in text
    assert "tidak dicetak pada tingkat kerahasiaan" in text
    assert "Hj. Siti Aminah" in text  # names stay for a referral partner
    ticked = flat(pdf_text(render(db, "asesmen", scenario, redaction="mitra", show_sensitive=True)))
    assert "Amlodipin dari puskesmas" in ticked and "12 dari 20" in ticked and "630601**********" in ticked


def test_statistik_prints_no_names(db, scenario):
    out = render(db, "kasus", scenario, redaction="statistik")
    text = flat(pdf_text(out))
    for name in ("Siti Aminah", "Aminah", "Abdul Gani", "Saleha", "Bahrudin", "Nabila", "Rusdiansyah", "Zahra",
                 "Masrah", NIK, "630601", "Jl. Melati", "081234567890"):
        assert name not in text, name
    assert "Klien 1" in text
    asesmen_text = flat(pdf_text(render(db, "asesmen", scenario, redaction="statistik")))
    for name in ("Siti Aminah", "Abdul Gani", "Nabila", "Zahra", "Bahrudin", "Ruslan", "Tetangga sebelah rumah"):
        assert name not in asesmen_text, name
    # family members appear by relation in the drawing and its table, the masalah text is scrubbed
    assert "Anak 1" in asesmen_text and "Suami / istri" in asesmen_text
    assert "Klien 1 tinggal sendiri sejak Suami / istri meninggal" in asesmen_text
    assert "Klien 1 Klien 1" not in asesmen_text and "Hj. Klien" not in asesmen_text
    # no record numbers either: the client's and the case's display ids
    client_display = cr.load_client(db, scenario["client"]).display_id
    case_display = cases.get_case(db, scenario["case"]).display_id
    assert client_display not in text + asesmen_text and case_display not in text + asesmen_text


def test_rencana_shows_both_goals_with_their_activities(db, scenario):
    text = flat(pdf_text(render(db, "rencana", scenario)))
    assert "RENCANA INTERVENSI" in text and "DRAF" not in text
    assert "Tujuan 1: Kebutuhan permakanan klien terpenuhi." in text
    assert "Tujuan 2: Klien mendapat terapi fisik, terapi psikososial dan terapi mental spiritual." in text
    assert "Kunjungan terapis ke rumah" in text and "Ahmad Fauzi" in text and "10-04-2026" in text
    assert "SPM: Permakanan" in text and "Segera (sekitar 1 bulan)" in text
    assert "Disetujui 12 Januari 2026" in text


def test_a_draft_plan_is_marked_draf(db):
    ids = build_scenario(db, approve=False)
    text = flat(pdf_text(render(db, "rencana", ids)))
    assert "RENCANA INTERVENSI (DRAF)" in text and "belum disetujui" in text
    progress = flat(pdf_text(render(db, "perkembangan", ids)))
    assert "masih draf" in progress


def test_perkembangan_figures(db, scenario):
    text = flat(pdf_text(render(db, "perkembangan", scenario)))
    assert "LAPORAN PERKEMBANGAN" in text
    assert "Jumlah tujuan ini 1 layanan Rp210.000" in text
    assert "Jumlah tujuan ini 3 layanan Rp420.000" in text
    assert "Sesuai rencana intervensi 4 Rp630.000" in text
    assert "Di luar rencana intervensi 2 Rp2.000.000" in text
    assert "Jumlah 6 Rp2.630.000" in text
    assert "Rp100.000" not in text and "Sandang" not in text  # the corrected value and the cancelled entry
    assert "di luar rencana" in text and "Kursi roda" not in text  # notes are not printed in the table
    assert "14-01-2026 s.d. 20-01-2026" in text and "7 hari" in text
    # the stage history, oldest first
    history = text[text.index("Riwayat tahap kasus"):]
    order = [history.index(s) for s in ("Pendekatan Awal", "Asesmen", "Rencana Intervensi",
                                         "Pelaksanaan Intervensi", "Monitoring dan Evaluasi", "Terminasi")]
    assert order == sorted(order)


def test_perkembangan_without_a_plan_lists_every_service_outside(db):
    ids = build_scenario(db, with_plan=False)
    text = flat(pdf_text(render(db, "perkembangan", ids)))
    assert "belum punya rencana intervensi" in text
    assert "Sesuai rencana intervensi 0 Rp0" in text and "Di luar rencana intervensi 6 Rp2.630.000" in text
    with pytest.raises(UserError, match="belum punya rencana"):
        render(db, "rencana", ids)


def test_kasus_report_has_every_part(db, scenario):
    text = flat(pdf_text(render(db, "kasus", scenario)))
    for part in ("Identitas klien", "Ringkasan kasus", "Ringkasan asesmen", "Rencana intervensi",
                 "Layanan yang diberikan", "Rujukan", "Catatan kasus dan konferensi kasus", "Tugas dan tindak lanjut",
                 "Riwayat tahap kasus", "Terminasi"):
        assert part in text, part
    assert "Puskesmas Kandangan" in text and "400.9/12/Rehsos" in text and "Diterima 22-01-2026" in text
    assert "tekanan darah 150/90" in text and "Nabila Rahmah menjenguk tiap pekan." in text
    assert "Kunjungan monitoring" in text
    assert "Tujuan Intervensi Tercapai" in text and "Kebutuhan dasar terpenuhi." in text
    assert "Jumlah 6 layanan Rp2.630.000" in text
    # mitra: the notes' free text is withheld
    mitra = flat(pdf_text(render(db, "kasus", scenario, redaction="mitra")))
    assert "150/90" not in mitra and "isi catatan dirahasiakan" in mitra


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_page_sizes_and_repeated_headers_in_a_long_case_report(db, paper):
    ids = build_scenario(db, extra_services=150)
    out = render(db, "kasus", ids, paper=paper)
    reader = PdfReader(io.BytesIO(out.pdf))
    width, height = (float(v) * MM_PER_PT for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == ((210, 297) if paper == "A4" else (215, 330))
    assert out.pages == len(reader.pages) >= 5
    texts = [flat(p.extract_text()) for p in reader.pages]
    # the services table runs over several pages and its header row starts each of them
    header = "No. Tanggal Layanan Jumlah Nilai Pemberi Tanda"
    pages_with_rows = [t for t in texts if "Terapi Mental Spiritual 1 kali Rp10.000" in t]
    assert len(pages_with_rows) >= 3
    assert all(header in t for t in pages_with_rows)
    assert f"Halaman 1 dari {out.pages}" in texts[0]
    assert "Jumlah 156 layanan Rp4.130.000" in flat("\n".join(texts))


def test_the_same_input_gives_the_same_bytes(db, scenario):
    first = render(db, "perkembangan", scenario)
    second = render(db, "perkembangan", scenario)
    assert first.pdf == second.pdf and first.sha256 == second.sha256
    mitra = render(db, "perkembangan", scenario, redaction="mitra")
    assert mitra.sha256 != first.sha256


def test_every_kind_is_registered_and_needs_its_subject(db, scenario):
    kinds = registry.load_all()
    assert {k: kinds[k].needs for k in ("asesmen", "rencana", "perkembangan", "kasus")} == {
        "asesmen": "client", "rencana": "case", "perkembangan": "case", "kasus": "case"}
    with pytest.raises(UserError, match="memerlukan kasus"):
        registry.build_report(db, make_context(db, "kasus", today=TODAY, client_id=scenario["client"]))
    other = create_client(db, {"name": "Budi Santoso", "sex": "L"}).id
    with pytest.raises(UserError, match="bukan milik klien"):
        render(db, "perkembangan", scenario, case_id=scenario["case"], client_id=other)


def test_genogram_text_is_part_of_the_content_hash(db, scenario):
    from atensi_desktop.reports.document import content_document

    ctx = ctx_for(db, "asesmen", scenario)
    story, title, meta = registry.get_kind("asesmen").build(db, ctx)
    assert set(meta["subject_ids"]) == {str(scenario["case"]), str(scenario["client"]), str(scenario["assessment"])}
    doc = content_document(ctx, story, title, meta).decode()
    assert "genogram: Hj. Siti Aminah|P|1950|0|" in doc and "Zahra|P|2004|0|cucu" in doc
    ctx = ctx_for(db, "asesmen", scenario, redaction="statistik")
    doc = content_document(ctx, *registry.get_kind("asesmen").build(db, ctx)).decode()
    assert "genogram: Klien 1|P|1950|0|" in doc and "Zahra" not in doc


@pytest.mark.parametrize("kind, last_part", [("asesmen", "Kesimpulan dan rekomendasi layanan"),
                                             ("rencana", "Tujuan 2:"),
                                             ("perkembangan", "Riwayat tahap kasus"),
                                             ("kasus", "Terminasi")])
def test_the_signatures_never_stand_alone_on_the_last_page(db, scenario, kind, last_part):
    for paper in ("A4", "F4"):
        out = render(db, kind, scenario, paper=paper)
        last = flat(PdfReader(io.BytesIO(out.pdf)).pages[-1].extract_text())
        assert "Mengetahui," in last and "Yang membuat," in last
        assert last_part in last, (paper, last[:200])
