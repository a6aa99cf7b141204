"""Consent (services/consent.py): the rules of UU 27/2022 Pasal 25-26, proof documents, withdrawal, warnings,
and that a consent travels with the client (synced, versioned, in the client's canonical dump)."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from sqlalchemy import func, select

from atensi_desktop.db.models import ClientConsent, ClientDocument
from atensi_desktop.errors import UserError, ValidationError
from atensi_desktop.services import audit, consent, documents
from atensi_desktop.services.clients import create_client

TODAY = dt.date(2026, 12, 7)
PDF = b"%PDF-1.4\n% persetujuan\n"


@pytest.fixture
def child(db):
    return create_client(db, {"name": "Muhammad Rizky", "sex": "L", "birth_date": dt.date(2014, 5, 2)})


@pytest.fixture
def adult(db):
    return create_client(db, {"name": "Siti Aminah", "sex": "P", "birth_date": dt.date(1990, 3, 12)})


def _counts(db) -> tuple[int, int]:
    with db.session() as s:
        return (s.scalar(select(func.count()).select_from(ClientConsent)),
                s.scalar(select(func.count()).select_from(ClientDocument)))


def _add(db, client_id, **values):
    base = dict(consent_date=dt.date(2026, 11, 2), purpose="Asesmen dan layanan ATENSI", consenter_kind="klien",
                today=TODAY)
    return consent.add_consent(db, client_id, **(base | values))


def test_a_child_needs_a_parent_or_guardian(db, child):
    assert consent.consent_warnings(db, child.id, today=TODAY) == [
        "Klien ini anak (umur 12) dan belum ada persetujuan orang tua atau wali."]
    with pytest.raises(ValidationError) as err:
        _add(db, child.id, consenter_kind="klien")
    assert "Pasal 25" in err.value.problems["consenter_kind"] and "umur 12" in err.value.problems["consenter_kind"]
    with pytest.raises(ValidationError) as err:
        _add(db, child.id, consenter_kind="orang_tua")
    assert set(err.value.problems) == {"consenter_name"}
    assert _counts(db) == (0, 0)
    saved = _add(db, child.id, consenter_kind="wali", consenter_name="Ahmad Fauzi", relationship="paman")
    assert saved.consenter_text == "Wali: Ahmad Fauzi (paman)" and saved.active
    warnings = consent.consent_warnings(db, child.id, today=TODAY)
    assert not any("anak" in w for w in warnings)
    assert warnings == ["Persetujuan tanggal 02-11-2026 belum ada bukti pindaiannya."]


def test_the_age_is_taken_on_the_consent_date(db):
    turned_18 = create_client(db, {"name": "Nur Aisyah", "sex": "P", "birth_date": dt.date(2008, 6, 1)})
    with pytest.raises(ValidationError):
        _add(db, turned_18.id, consent_date=dt.date(2026, 5, 31))  # 17 on that day
    assert _add(db, turned_18.id, consent_date=dt.date(2026, 6, 1)).consenter_kind == "klien"


@pytest.mark.parametrize(("values", "field"), [
    ({"consent_date": dt.date(2026, 12, 8)}, "consent_date"),
    ({"consent_date": None}, "consent_date"),
    ({"consent_date": "kemarin"}, "consent_date"),
    ({"consent_date": dt.date(1989, 1, 1)}, "consent_date"),
    ({"purpose": "   "}, "purpose"),
    ({"purpose": "x" * 501}, "purpose"),
    ({"consenter_kind": None}, "consenter_kind"),
    ({"consenter_kind": "tetangga"}, "consenter_kind"),
])
def test_bad_input_is_refused_and_nothing_is_written(db, adult, values, field):
    with pytest.raises(ValidationError) as err:
        _add(db, adult.id, **values)
    assert field in err.value.problems
    assert _counts(db) == (0, 0)


def test_pendamping_only_for_a_person_with_a_disability(db, adult):
    with pytest.raises(ValidationError) as err:
        _add(db, adult.id, consenter_kind="pendamping", consenter_name="Rina")
    assert "Pasal 26" in err.value.problems["consenter_kind"]
    disabled = create_client(db, {"name": "Budi Santoso", "sex": "L", "birth_date": dt.date(1980, 1, 1),
                                  "disability": "tunanetra"})
    saved = _add(db, disabled.id, consenter_kind="pendamping", consenter_name="Rina Hartati")
    assert saved.consenter_label == "Pendamping penyandang disabilitas"


def test_a_new_scan_becomes_a_persetujuan_document(db, paths, adult):
    saved = _add(db, adult.id, proof=PDF, proof_file_name="surat.pdf", blobs_dir=paths.blobs)
    [doc] = documents.list_documents(db, adult.id)
    assert (doc.kind, doc.file_name, saved.proof_document_id, saved.proof_file_name) == (
        "persetujuan", "surat.pdf", doc.id, "surat.pdf")
    assert documents.document_bytes(db, paths.blobs, doc.id) == PDF
    assert consent.consent_warnings(db, adult.id, today=TODAY) == []


def test_a_bad_proof_is_refused_before_anything_is_stored(db, paths, adult, child):
    with pytest.raises(UserError):
        _add(db, adult.id, proof=b"just text", proof_file_name="surat.txt", blobs_dir=paths.blobs)
    assert _counts(db) == (0, 0)
    with pytest.raises(ValidationError):  # a rule refusal stores no scan either
        _add(db, child.id, proof=PDF, proof_file_name="surat.pdf", blobs_dir=paths.blobs)
    assert _counts(db) == (0, 0)
    other = documents.add_document(db, paths.blobs, child.id, PDF, "persetujuan", file_name="anak.pdf")
    with pytest.raises(UserError, match="Berkas bukti"):
        _add(db, adult.id, proof_document_id=other.id)
    assert _counts(db) == (0, 1)


def test_an_existing_document_can_be_the_proof(db, paths, adult):
    doc = documents.add_document(db, paths.blobs, adult.id, io.BytesIO(PDF).getvalue(), "persetujuan",
                                 file_name="lama.pdf")
    saved = _add(db, adult.id)
    assert consent.set_proof(db, saved.id, doc.id).proof_file_name == "lama.pdf"


def test_withdrawal_keeps_the_row_and_brings_the_warning_back(db, child):
    saved = _add(db, child.id, consenter_kind="orang_tua", consenter_name="Ahmad Fauzi")
    with pytest.raises(UserError, match="sebelum tanggal persetujuan"):
        consent.withdraw_consent(db, saved.id, on=dt.date(2026, 11, 1), today=TODAY)
    with pytest.raises(UserError, match="masa depan"):
        consent.withdraw_consent(db, saved.id, on=dt.date(2026, 12, 8), today=TODAY)
    done = consent.withdraw_consent(db, saved.id, on=dt.date(2026, 12, 1), note="diminta ayah", today=TODAY)
    assert (done.withdrawn_on, done.active, done.note) == (dt.date(2026, 12, 1), False, "diminta ayah")
    with pytest.raises(UserError, match="sudah dicabut"):
        consent.withdraw_consent(db, saved.id, today=TODAY)
    assert [c.id for c in consent.list_consents(db, child.id)] == [saved.id]
    assert consent.list_consents(db, child.id, include_withdrawn=False) == []
    assert any("anak" in w for w in consent.consent_warnings(db, child.id, today=TODAY))


def test_consents_are_listed_newest_first(db, adult):
    older = _add(db, adult.id, consent_date=dt.date(2026, 1, 5), purpose="Rujukan ke lembaga lain")
    newer = _add(db, adult.id, consent_date=dt.date(2026, 6, 5))
    assert [c.id for c in consent.list_consents(db, adult.id)] == [newer.id, older.id]


def test_consent_is_synced_data_of_the_client(db, adult):
    from atensi_desktop.db.models import SYNCED_BY_TABLE
    from atensi_desktop.sync.canonical import iter_canonical

    saved = _add(db, adult.id)
    assert "client_consent" in SYNCED_BY_TABLE
    lines = list(iter_canonical(db, client_ids=[adult.id]))
    assert any(f'"id":"{saved.id}"' in line and '"table":"client_consent"' in line for line in lines)
    rows = audit.client_history(db, adult.id).rows
    assert any(r.obj_table == "client_consent" and r.what == "Persetujuan" and r.action == "create" for r in rows)


def test_unknown_client_or_consent(db):
    with pytest.raises(UserError):
        consent.list_consents(db, uuid.uuid4())
    with pytest.raises(UserError):
        consent.withdraw_consent(db, uuid.uuid4())
