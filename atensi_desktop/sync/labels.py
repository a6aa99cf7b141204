"""Indonesian names for synced tables and their columns, for screens that show registers (sync preview,
conflict review). Unknown names fall back to a humanised form of the raw name ("birth_place" → "Birth place")."""

from __future__ import annotations

from atensi_desktop.i18n import N_, _

TABLE_LABELS = {
    "office": N_("Kantor"),
    "worker": N_("Pekerja"),
    "app_user": N_("Pengguna"),
    "household": N_("Keluarga (KK)"),
    "client": N_("Data klien"),
    "client_case": N_("Kasus"),
    "duplicate_decision": N_("Keputusan duplikat"),
    "client_document": N_("Dokumen klien"),
    "assessment": N_("Asesmen"),
    "assessment_section": N_("Bagian asesmen"),
    "intervention_plan": N_("Rencana intervensi"),
    "intervention_goal": N_("Tujuan intervensi"),
    "intervention_activity": N_("Kegiatan intervensi"),
    "case_stage_change": N_("Perubahan tahap kasus"),
    "distribution": N_("Penyaluran bantuan"),
    "service_entry": N_("Catatan layanan"),
    "service_attachment": N_("Lampiran layanan"),
    "referral": N_("Rujukan"),
    "referral_event": N_("Riwayat rujukan"),
    "case_note": N_("Catatan kasus"),
    "case_task": N_("Tugas kasus"),
    "report_issued": N_("Laporan terbit"),
}

# Columns with the same meaning in every table.
_COMMON = {
    "owner_office_id": N_("Kantor pemilik"),
    "deleted": N_("Status hapus"),
    "_deleted": N_("Diubah setelah dihapus"),
    "client_id": N_("Klien"),
    "case_id": N_("Kasus"),
    "worker_id": N_("Pekerja sosial"),
    "office_id": N_("Kantor"),
    "note": N_("Catatan"),
    "status": N_("Status"),
    "kind": N_("Jenis"),
    "name": N_("Nama"),
    "phone": N_("Telepon"),
    "email": N_("Email"),
    "address": N_("Alamat"),
    "wilayah_code": N_("Wilayah"),
    "code": N_("Kode"),
    "display_id": N_("Nomor tampilan"),
    "cluster": N_("Klaster ATENSI"),
    "approach": N_("Pendekatan"),
    "position": N_("Urutan"),
    "target_date": N_("Tanggal target"),
    "reason": N_("Alasan"),
    "date_from": N_("Tanggal mulai"),
    "date_until": N_("Tanggal selesai"),
    "service_kind": N_("Jenis layanan"),
    "service_code": N_("Layanan ATENSI"),
    "subitem_code": N_("Sub-layanan"),
    "quantity": N_("Jumlah"),
    "unit": N_("Satuan"),
    "value_rp": N_("Nilai (Rp)"),
    "funding_source": N_("Sumber dana"),
    "location": N_("Lokasi"),
    "sha256": N_("Isi berkas (SHA-256)"),
    "file_name": N_("Nama berkas"),
    "media_type": N_("Jenis berkas"),
    "size": N_("Ukuran berkas"),
    "changed_on": N_("Tanggal perubahan"),
    "letter_number": N_("Nomor surat"),
    "plan_id": N_("Rencana intervensi"),
    "assessment_id": N_("Asesmen"),
    "active": N_("Aktif"),
}

COLUMN_LABELS: dict[str, dict[str, str]] = {
    "client": {
        "name": N_("Nama"),
        "alias": N_("Nama panggilan/alias"),
        "nik": N_("NIK"),
        "sex": N_("Jenis kelamin"),
        "birth_place": N_("Tempat lahir"),
        "birth_date": N_("Tanggal lahir"),
        "birth_date_estimated": N_("Tanggal lahir perkiraan"),
        "religion": N_("Agama"),
        "education": N_("Pendidikan"),
        "marital_status": N_("Status perkawinan"),
        "disability": N_("Disabilitas"),
        "household_id": N_("Keluarga (No. KK)"),
        "relation_to_head": N_("Hubungan dengan kepala keluarga"),
        "ppks_categories": N_("Kategori PPKS"),
        "dtsen_desil": N_("Desil DTSEN"),
        "merged_into": N_("Digabung ke klien"),
    },
    "household": {
        "no_kk": N_("Nomor KK"),
    },
    "office": {
        "name": N_("Nama kantor"),
        "office_type": N_("Jenis kantor"),
        "city": N_("Kota"),
        "postal_code": N_("Kode pos"),
        "letterhead_lines": N_("Baris kop surat"),
        "head_name": N_("Nama pimpinan"),
        "head_title": N_("Jabatan pimpinan"),
        "head_rank": N_("Pangkat pimpinan"),
        "head_nip": N_("NIP pimpinan"),
        "legal_basis": N_("Dasar hukum"),
    },
    "worker": {
        "worker_type": N_("Jenis pekerja"),
        "nip": N_("NIP"),
        "rank": N_("Pangkat/golongan"),
        "position": N_("Jabatan"),
        "certificate_no": N_("Nomor sertifikat"),
        "str_no": N_("Nomor STR"),
        "sipps_no": N_("Nomor SIPPS"),
    },
    "app_user": {
        "username": N_("Nama pengguna"),
        "worker_id": N_("Pekerja"),
    },
    "client_case": {
        "stage": N_("Tahap kasus"),
        "opened_on": N_("Tanggal dibuka"),
        "closed_on": N_("Tanggal ditutup"),
        "termination_reason": N_("Alasan terminasi"),
        "termination_note": N_("Catatan terminasi"),
    },
    "duplicate_decision": {
        "client_a": N_("Klien pertama"),
        "client_b": N_("Klien kedua"),
        "verdict": N_("Keputusan"),
    },
    "assessment": {
        "form_id": N_("Formulir"),
        "form_version": N_("Versi formulir"),
        "started_on": N_("Tanggal mulai"),
        "started_by": N_("Dimulai oleh"),
        "finished_on": N_("Tanggal selesai"),
        "finished_by": N_("Diselesaikan oleh"),
        "previous_assessment_id": N_("Asesmen sebelumnya"),
        "reopened_on": N_("Tanggal dibuka ulang"),
        "reopened_by": N_("Dibuka ulang oleh"),
        "reopen_reason": N_("Alasan dibuka ulang"),
    },
    "assessment_section": {
        "section_id": N_("Bagian"),
        "answers": N_("Jawaban"),
        "filled_by_worker_id": N_("Diisi oleh"),
    },
    "intervention_plan": {
        "approved_on": N_("Tanggal disetujui"),
        "approved_by": N_("Disetujui oleh"),
    },
    "intervention_goal": {
        "need_code": N_("Kebutuhan"),
        "goal": N_("Tujuan"),
        "objective": N_("Sasaran"),
        "horizon": N_("Jangka waktu"),
        "success_indicators": N_("Indikator keberhasilan"),
    },
    "intervention_activity": {
        "goal_id": N_("Tujuan"),
        "description": N_("Uraian kegiatan"),
        "atensi_service": N_("Layanan ATENSI"),
        "atensi_subitem": N_("Sub-layanan"),
        "spm_service": N_("Layanan SPM"),
        "method": N_("Metode"),
        "responsible_worker_id": N_("Penanggung jawab"),
        "team": N_("Tim"),
    },
    "case_stage_change": {
        "from_stage": N_("Dari tahap"),
        "to_stage": N_("Ke tahap"),
    },
    "distribution": {
        "title": N_("Judul"),
    },
    "service_entry": {
        "entry_type": N_("Jenis catatan"),
        "provider_worker_id": N_("Pemberi layanan"),
        "provider_office_id": N_("Kantor pemberi layanan"),
        "plan_activity_id": N_("Kegiatan rencana"),
        "amends_id": N_("Mengoreksi catatan"),
        "distribution_id": N_("Penyaluran"),
        "flags": N_("Tanda"),
        "entered_by": N_("Dicatat oleh"),
    },
    "service_attachment": {
        "entry_id": N_("Catatan layanan"),
    },
    "referral": {
        "direction": N_("Arah rujukan"),
        "counterpart_kind": N_("Jenis pihak rujukan"),
        "counterpart_name": N_("Nama pihak rujukan"),
        "counterpart_office_id": N_("Kantor pihak rujukan"),
        "reason": N_("Alasan rujukan"),
        "services_requested": N_("Layanan yang diminta"),
        "sent_on": N_("Tanggal dikirim"),
    },
    "referral_event": {
        "referral_id": N_("Rujukan"),
    },
    "case_note": {
        "kind": N_("Jenis catatan"),
        "written_on": N_("Tanggal ditulis"),
        "text": N_("Isi catatan"),
        "participants": N_("Peserta"),
        "decisions": N_("Keputusan"),
    },
    "case_task": {
        "title": N_("Judul tugas"),
        "due_on": N_("Tenggat"),
        "done_on": N_("Tanggal selesai"),
        "done_by": N_("Diselesaikan oleh"),
    },
    "report_issued": {
        "title": N_("Judul"),
        "content_sha256": N_("Sidik isi"),
        "file_sha256": N_("Sidik berkas"),
        "issued_on": N_("Tanggal terbit"),
        "paper": N_("Kertas"),
        "redaction": N_("Penyamaran"),
        "pages": N_("Jumlah halaman"),
        "subject_id": N_("Subjek"),
        "subject_ids": N_("Subjek"),
        "letter_year": N_("Tahun surat"),
        "letter_seq": N_("Nomor urut surat"),
    },
}


def humanise(name: str) -> str:
    """'birth_place' → 'Birth place': the fallback for a name without a label."""
    text = name.strip("_").replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else name


def table_label(table: str) -> str:
    """The Indonesian (or current language) name of a synced table."""
    label = TABLE_LABELS.get(table)
    return _(label) if label else humanise(table)


def column_label(table: str, column: str) -> str:
    """The Indonesian (or current language) name of a column of a synced table."""
    label = COLUMN_LABELS.get(table, {}).get(column) or _COMMON.get(column)
    return _(label) if label else humanise(column)
