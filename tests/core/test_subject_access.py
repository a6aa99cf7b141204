"""The data-subject copy (services/subject_access.py): one folder with a verifiable PDF, the client's canonical
dump, the audit trail as JSON and the client's files; the audit trail alone as PDF and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from pypdf import PdfReader
from report_world import SITI_NIK, TODAY, build_world

from atensi_desktop.errors import UserError
from atensi_desktop.reports.verification import verify_file
from atensi_desktop.services import audit, consent, documents, subject_access
from atensi_desktop.services.clients import open_client
from atensi_desktop.sync.canonical import canonical_dump

PDF = b"%PDF-1.4\n% surat persetujuan\n"


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


@pytest.fixture
def world(db, paths):
    w = build_world(db)
    consent.add_consent(db, w.siti, consent_date=dt.date(2026, 3, 1), purpose="Asesmen dan layanan ATENSI",
                        consenter_kind="klien", proof=PDF, proof_file_name="persetujuan-siti.pdf",
                        blobs_dir=paths.blobs, today=TODAY)
    documents.add_document(db, paths.blobs, w.siti, PDF, "ktp", file_name="ktp.pdf")
    open_client(db, w.siti)
    return w


def test_export_writes_everything_held_on_the_client(db, paths, world, tmp_path):
    out = tmp_path / "keluar"
    out.mkdir()
    result = subject_access.export(db, paths, world.siti, out, today=TODAY)
    assert result.folder == out / f"data-klien-{world.siti_display}-20260305"
    assert sorted(p.name for p in result.folder.iterdir()) == sorted(
        [result.pdf.name, result.jsonl.name, "riwayat-akses.json", "berkas"])
    assert sorted(p.name for p in result.documents) == ["ktp.pdf", "persetujuan-siti.pdf"]
    assert all(p.read_bytes() == PDF for p in result.documents)
    # machine-readable: exactly the canonical dump of the client's own records
    expected = io.StringIO()
    canonical_dump(db, expected, client_ids=[world.siti])
    assert result.jsonl.read_text(encoding="utf-8") == expected.getvalue()
    assert '"table":"client_consent"' in expected.getvalue()
    trail = json.loads(result.audit_json.read_text(encoding="utf-8"))
    assert {"view", "create"} <= {row["tindakan"] for row in trail}
    # the PDF: identity, case, referral, consent, documents and the trail, verifiable as an issued report
    text = _text(result.pdf)
    for expected_text in ("SALINAN DATA PRIBADI KLIEN", "Siti Aminah", SITI_NIK, world.case_display,
                          "RSUD", "Asesmen dan layanan ATENSI", "persetujuan-siti.pdf", "Riwayat akses", "Dilihat"):
        assert expected_text in text, expected_text
    assert "Budi Santoso" not in text
    assert verify_file(db, result.pdf).ok
    events = audit.client_history(db, world.siti, actions={audit.SUBJECT_EXPORT}).rows
    assert len(events) == 1 and "2 berkas" in events[0].detail
    # no temporary folder is left behind
    assert [p.name for p in out.iterdir()] == [result.folder.name]


def test_a_second_export_on_the_same_day_gets_its_own_folder(db, paths, world, tmp_path):
    first = subject_access.export(db, paths, world.siti, tmp_path, today=TODAY)
    second = subject_access.export(db, paths, world.siti, tmp_path, today=TODAY)
    assert second.folder.name == first.folder.name + "-2"
    assert first.pdf.exists() and second.pdf.exists()


def test_export_into_a_missing_folder_is_refused(db, paths, world, tmp_path):
    with pytest.raises(UserError, match="tidak ada"):
        subject_access.export(db, paths, world.siti, tmp_path / "tidak-ada", today=TODAY)
    assert audit.client_history(db, world.siti, actions={audit.SUBJECT_EXPORT}).total == 0


def test_the_trail_alone_as_pdf_and_csv(db, world, tmp_path):
    pages = subject_access.audit_pdf(db, world.siti, tmp_path / "riwayat.pdf", today=TODAY)
    text = _text(tmp_path / "riwayat.pdf")
    assert pages >= 1 and "RIWAYAT AKSES DAN PERUBAHAN" in text and "Siti Aminah" in text
    assert verify_file(db, tmp_path / "riwayat.pdf").ok
    count = audit.export_history_csv(db, world.siti, tmp_path / "riwayat.csv")
    with open(tmp_path / "riwayat.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Waktu", "Tindakan", "Oleh", "Data", "Keterangan"]
    assert len(rows) == count + 1
    assert any(r[1] == "Diekspor" and "pdf" in r[4] for r in rows[1:])  # the PDF export is in the CSV
    views = audit.export_history_csv(db, world.siti, tmp_path / "dilihat.csv", actions={audit.VIEW})
    assert views == 1
