"""A client's consents to the processing of their data (UU 27/2022 Pasal 20-26): record, list, withdraw, warn.

Rules (`validate_consent`): a date not in the future and not before the client's birth, a purpose, who
consented. For a **child** (under 18 on the consent date, from the birth date) the consent must come from a
parent or guardian (orang tua / wali, Pasal 25). A **pendamping** (companion or guardian of a person with a
disability, Pasal 26) is accepted for a client whose record shows a disability (the disability field, the
disability cluster or a disability PPKS category). Anyone but the client themself must be named.

The proof is a scanned letter stored as a client document of kind "persetujuan" (services/documents.py);
`add_consent` with `proof=` stores the file first, then the consent naming it. A withdrawal keeps the row
with its date: it proves what was allowed until then.

`consent_warnings` says what is missing, e.g. "Klien ini anak (umur 12) dan belum ada persetujuan orang tua
atau wali."
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, ClientConsent, ClientDocument
from atensi_desktop.domain.dates import age_on
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.i18n import N_, _, format_date_short

KLIEN, ORANG_TUA, WALI, PENDAMPING = "klien", "orang_tua", "wali", "pendamping"
CONSENTER_KINDS = (KLIEN, ORANG_TUA, WALI, PENDAMPING)
CONSENTER_LABELS = {
    KLIEN: N_("Klien sendiri"),
    ORANG_TUA: N_("Orang tua"),
    WALI: N_("Wali"),
    PENDAMPING: N_("Pendamping penyandang disabilitas"),
}
GUARDIAN_KINDS = frozenset({ORANG_TUA, WALI})
ADULT_AGE = 18
PURPOSE_MAX = 500
NAME_MAX = 200
RELATION_MAX = 100
NOTE_MAX = 1000
PROOF_KIND = "persetujuan"
# Purposes offered in the form (free text is allowed too).
PURPOSE_SUGGESTIONS = (
    N_("Asesmen, rencana intervensi dan layanan ATENSI"),
    N_("Rujukan ke lembaga lain"),
    N_("Berbagi data dengan kantor mitra (sinkronisasi)"),
    N_("Pengambilan dan penyimpanan foto"),
    N_("Publikasi dan dokumentasi kegiatan"),
)
_DISABILITY_CLUSTER = "penyandang_disabilitas"


@dataclass(frozen=True)
class ConsentDTO:
    id: uuid.UUID
    client_id: uuid.UUID
    consent_date: dt.date
    purpose: str
    consenter_kind: str
    consenter_label: str
    consenter_name: str | None
    relationship: str | None
    proof_document_id: uuid.UUID | None
    proof_file_name: str | None
    withdrawn_on: dt.date | None
    note: str | None

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None

    @property
    def consenter_text(self) -> str:
        """'Orang tua: Budi (ayah)', 'Klien sendiri'."""
        if self.consenter_kind == KLIEN and not self.consenter_name:
            return self.consenter_label
        who = self.consenter_name or ""
        if self.relationship:
            who = f"{who} ({self.relationship})" if who else self.relationship
        return f"{self.consenter_label}: {who}" if who else self.consenter_label


def consenter_label(kind: str) -> str:
    return _(CONSENTER_LABELS[kind]) if kind in CONSENTER_LABELS else kind


# --- rules ---------------------------------------------------------------------------------------------------


def _text(value: str | None) -> str | None:
    return " ".join((value or "").split()) or None


def has_disability(client: Client) -> bool:
    """Does the record show a disability (disability field, cluster, or a disability PPKS category)?"""
    if (client.disability or "").strip():
        return True
    if client.cluster == _DISABILITY_CLUSTER:
        return True
    return any("disabilitas" in code for code in client.ppks_categories or ())


def validate_consent(client: Client, *, consent_date: dt.date | str | None, purpose: str | None,
                     consenter_kind: str | None, consenter_name: str | None = None,
                     relationship: str | None = None, note: str | None = None,
                     today: dt.date | None = None) -> dict:
    """Clean and check one consent for `client`; ValidationError names every problem by field."""
    today = today or dt.date.today()
    problems: dict[str, str] = {}
    if isinstance(consent_date, str):
        try:
            consent_date = dt.date.fromisoformat(consent_date.strip())
        except ValueError:
            problems["consent_date"] = _("Tanggal persetujuan tidak sah; tulis seperti 2026-03-05.")
            consent_date = None
    if consent_date is None and "consent_date" not in problems:
        problems["consent_date"] = _("Tanggal persetujuan wajib diisi.")
    elif isinstance(consent_date, dt.date):
        if consent_date > today:
            problems["consent_date"] = _("Tanggal persetujuan tidak boleh di masa depan.")
        elif client.birth_date and consent_date < client.birth_date:
            problems["consent_date"] = _("Tanggal persetujuan sebelum tanggal lahir klien ({birth}).").format(
                birth=format_date_short(client.birth_date))
    purpose = _text(purpose)
    if not purpose:
        problems["purpose"] = _("Tujuan pemrosesan data wajib diisi, mis. “Asesmen dan layanan ATENSI”.")
    elif len(purpose) > PURPOSE_MAX:
        problems["purpose"] = _("Tujuan terlalu panjang ({n} huruf); paling banyak {limit}.").format(
            n=len(purpose), limit=PURPOSE_MAX)
    name, relation, note = _text(consenter_name), _text(relationship), _text(note)
    if consenter_kind not in CONSENTER_KINDS:
        problems["consenter_kind"] = _("Pilih siapa yang memberi persetujuan: klien, orang tua, wali atau "
                                       "pendamping.")
    else:
        age = age_on(client.birth_date, consent_date) if isinstance(consent_date, dt.date) else None
        if age is not None and age < ADULT_AGE and consenter_kind not in GUARDIAN_KINDS:
            problems["consenter_kind"] = _(
                "Klien berumur {age} tahun pada tanggal persetujuan: persetujuan untuk anak harus dari orang tua "
                "atau wali (UU 27/2022 Pasal 25).").format(age=age)
        elif consenter_kind == PENDAMPING and not has_disability(client):
            problems["consenter_kind"] = _(
                "Pendamping hanya untuk klien penyandang disabilitas (UU 27/2022 Pasal 26); catat dulu "
                "disabilitas klien, atau pilih klien sendiri, orang tua atau wali.")
        if consenter_kind != KLIEN and not name:
            problems["consenter_name"] = _("Tulis nama {who} yang memberi persetujuan.").format(
                who=consenter_label(consenter_kind).lower())
    if name and len(name) > NAME_MAX:
        problems["consenter_name"] = _("Nama terlalu panjang; paling banyak {limit} huruf.").format(limit=NAME_MAX)
    if relation and len(relation) > RELATION_MAX:
        problems["relationship"] = _("Hubungan terlalu panjang; paling banyak {limit} huruf.").format(
            limit=RELATION_MAX)
    if note and len(note) > NOTE_MAX:
        problems["note"] = _("Catatan terlalu panjang; paling banyak {limit} huruf.").format(limit=NOTE_MAX)
    if problems:
        raise ValidationError(problems)
    return {"consent_date": consent_date, "purpose": purpose, "consenter_kind": consenter_kind,
            "consenter_name": name, "relationship": relation, "note": note}


# --- writing -------------------------------------------------------------------------------------------------


def _client(s: Session, client_id: uuid.UUID, *, writable: bool = False) -> Client:
    client = s.get(Client, client_id)
    if client is None:
        raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
    if writable and (client.deleted or client.merged_into is not None):
        raise UserError(_("Klien ini sudah diarsipkan atau digabung."),
                        hint=_("Catat persetujuan pada klien yang aktif."))
    return client


def add_consent(db: Database, client_id: uuid.UUID, *, consent_date: dt.date | str | None, purpose: str | None,
                consenter_kind: str | None, consenter_name: str | None = None, relationship: str | None = None,
                note: str | None = None, proof_document_id: uuid.UUID | None = None,
                proof: Path | str | bytes | None = None, proof_file_name: str | None = None,
                blobs_dir: Path | None = None, today: dt.date | None = None) -> ConsentDTO:
    """Record a consent. The proof is an existing document of this client (`proof_document_id`) or a new
    scan (`proof`, stored as a "persetujuan" document in `blobs_dir`) — checked before anything is stored."""
    from atensi_desktop.security.roles import CLIENT_EDIT, require

    require(db, CLIENT_EDIT, client_id=client_id)
    fields = dict(consent_date=consent_date, purpose=purpose, consenter_kind=consenter_kind,
                  consenter_name=consenter_name, relationship=relationship, note=note, today=today)
    with db.session() as s:
        clean = validate_consent(_client(s, client_id, writable=True), **fields)
        if proof_document_id is not None:
            _check_proof(s, client_id, proof_document_id)
    if proof is not None:
        from atensi_desktop.services import documents

        if blobs_dir is None:
            raise ValueError("a new proof file needs blobs_dir")
        prepared = documents.prepare_document(proof, PROOF_KIND, file_name=proof_file_name)
        proof_document_id = documents.store_prepared(db, blobs_dir, client_id, prepared, PROOF_KIND).id
    with db.session() as s:
        clean = validate_consent(_client(s, client_id, writable=True), **fields)
        row = ClientConsent(client_id=client_id, proof_document_id=proof_document_id, **clean)
        s.add(row)
        s.flush()
        return _dto(s, row)


def set_proof(db: Database, consent_id: uuid.UUID, document_id: uuid.UUID | None) -> ConsentDTO:
    """Attach (or detach, None) the scanned proof of a consent."""
    from atensi_desktop.security.roles import CLIENT_EDIT, require

    with db.session() as s:
        row = _get(s, consent_id)
        require(db, CLIENT_EDIT, client_id=row.client_id)
        if document_id is not None:
            _check_proof(s, row.client_id, document_id)
        if row.proof_document_id != document_id:
            row.proof_document_id = document_id
        s.flush()
        return _dto(s, row)


def withdraw_consent(db: Database, consent_id: uuid.UUID, *, on: dt.date | None = None, note: str | None = None,
                     today: dt.date | None = None) -> ConsentDTO:
    """Mark a consent withdrawn on `on` (default today); the row is kept as the record of what was allowed."""
    from atensi_desktop.security.roles import CLIENT_EDIT, require

    today = today or dt.date.today()
    on = on or today
    with db.session() as s:
        row = _get(s, consent_id)
        require(db, CLIENT_EDIT, client_id=row.client_id)
        if row.withdrawn_on is not None:
            raise UserError(_("Persetujuan ini sudah dicabut pada {date}.").format(
                date=format_date_short(row.withdrawn_on)))
        if on > today:
            raise UserError(_("Tanggal pencabutan tidak boleh di masa depan."), field="withdrawn_on")
        if on < row.consent_date:
            raise UserError(_("Tanggal pencabutan sebelum tanggal persetujuan ({date}).").format(
                date=format_date_short(row.consent_date)), field="withdrawn_on")
        row.withdrawn_on = on
        note = _text(note)
        if note:
            if len(note) > NOTE_MAX:
                raise UserError(_("Catatan terlalu panjang; paling banyak {limit} huruf.").format(limit=NOTE_MAX),
                                field="note")
            row.note = f"{row.note}\n{note}" if row.note else note
        s.flush()
        return _dto(s, row)


# --- reading -------------------------------------------------------------------------------------------------


def list_consents(db: Database, client_id: uuid.UUID, *, include_withdrawn: bool = True) -> list[ConsentDTO]:
    """The client's consents, newest first (withdrawn ones too unless asked otherwise)."""
    from atensi_desktop.security.roles import CLIENT_VIEW, require

    require(db, CLIENT_VIEW, client_id=client_id)
    stmt = select(ClientConsent).where(ClientConsent.client_id == client_id, ClientConsent.deleted.is_(False))
    if not include_withdrawn:
        stmt = stmt.where(ClientConsent.withdrawn_on.is_(None))
    with db.session() as s:
        _client(s, client_id)
        rows = list(s.scalars(stmt.order_by(ClientConsent.consent_date.desc(), ClientConsent.id.desc())))
        return [_dto(s, r) for r in rows]


def consent_warnings(db: Database, client_id: uuid.UUID, *, today: dt.date | None = None) -> list[str]:
    """What the consent record lacks, in plain Bahasa Indonesia (an empty list when nothing)."""
    today = today or dt.date.today()
    consents = [c for c in list_consents(db, client_id) if c.active]
    with db.session() as s:
        client = _client(s, client_id)
        age = age_on(client.birth_date, today)
    out: list[str] = []
    if age is not None and age < ADULT_AGE and not any(c.consenter_kind in GUARDIAN_KINDS for c in consents):
        out.append(_("Klien ini anak (umur {age}) dan belum ada persetujuan orang tua atau wali.").format(age=age))
    for c in consents:
        if c.proof_document_id is None:
            out.append(_("Persetujuan tanggal {date} belum ada bukti pindaiannya.").format(
                date=format_date_short(c.consent_date)))
    return out


# --- helpers -------------------------------------------------------------------------------------------------


def _get(s: Session, consent_id: uuid.UUID) -> ClientConsent:
    row = s.get(ClientConsent, consent_id)
    if row is None or row.deleted:
        raise NotFoundError(_("Persetujuan tidak ditemukan."), hint=_("Tutup dan buka lagi daftar persetujuan."))
    return row


def _check_proof(s: Session, client_id: uuid.UUID, document_id: uuid.UUID) -> None:
    doc = s.get(ClientDocument, document_id)
    if doc is None or doc.client_id != client_id or doc.deleted:
        raise UserError(_("Berkas bukti tidak ditemukan pada klien ini."),
                        hint=_("Pilih berkas dari daftar berkas klien ini, atau pindai bukti baru."),
                        field="proof")


def _dto(s: Session, row: ClientConsent) -> ConsentDTO:
    proof_name = s.scalar(select(ClientDocument.file_name).where(ClientDocument.id == row.proof_document_id)) \
        if row.proof_document_id else None
    return ConsentDTO(id=row.id, client_id=row.client_id, consent_date=row.consent_date, purpose=row.purpose,
                      consenter_kind=row.consenter_kind, consenter_label=consenter_label(row.consenter_kind),
                      consenter_name=row.consenter_name, relationship=row.relationship,
                      proof_document_id=row.proof_document_id, proof_file_name=proof_name,
                      withdrawn_on=row.withdrawn_on, note=row.note)
