"""Peer offices: add one from its kartu kantor after confirming the fingerprint, list, revoke.

The peer list is local to this installation (table `sync_peer`, see db/models/peer.py for why it is not
synced). Rules of `add_peer`:

- the fingerprint typed by the user (read aloud by the other office over the phone) must equal the card's,
  ignoring case, spaces and dashes; otherwise nothing is written;
- this office's own card is refused (same office id, or the same signing key);
- a card whose signing key another peer office already uses is refused;
- the same office again with the same keys updates its name and contact details (status unchanged);
- the same office with **different keys** (the office reinstalled or lost its keys) is refused unless the
  caller passes `replace=True` (command line: `office add-peer FILE --ganti-kunci`) after confirming the new
  fingerprint by phone; the old fingerprint is kept in `previous_fingerprint`. `replace=True` is also how a
  revoked peer is made active again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from atensi_desktop.db.base import utcnow
from atensi_desktop.db.engine import Database, read_meta
from atensi_desktop.db.models.peer import PEER_ACTIVE, PEER_REVOKED, SyncPeer
from atensi_desktop.errors import NotFoundError, UserError
from atensi_desktop.i18n import _
from atensi_desktop.security import guard
from atensi_desktop.security.roles import SYNC_PEERS
from atensi_desktop.sync.keys import (
    OfficeCard,
    fingerprints_match,
    normalize_fingerprint,
    recorded_public_keys,
)

ADDED, UPDATED, KEYS_REPLACED, REACTIVATED = "baru", "diperbarui", "kunci_diganti", "diaktifkan"


@dataclass(frozen=True)
class PeerDTO:
    office_id: uuid.UUID
    name: str
    office_type: str | None
    code: str | None
    wilayah_code: str | None
    address: str | None
    phone: str | None
    email: str | None
    ed25519_public: bytes
    age_recipient: str
    fingerprint: str
    card_created_at: dt.datetime | None
    confirmed_at: dt.datetime
    confirmed_by: str | None
    added_at: dt.datetime
    status: str
    revoked_at: dt.datetime | None
    previous_fingerprint: str | None
    keys_replaced_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.status == PEER_ACTIVE


@dataclass(frozen=True)
class AddPeerResult:
    peer: PeerDTO
    outcome: str  # ADDED, UPDATED, KEYS_REPLACED or REACTIVATED


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _dto(row: SyncPeer) -> PeerDTO:
    return PeerDTO(
        office_id=row.office_id, name=row.name, office_type=row.office_type, code=row.code,
        wilayah_code=row.wilayah_code, address=row.address, phone=row.phone, email=row.email,
        ed25519_public=bytes(row.ed25519_public), age_recipient=row.age_recipient, fingerprint=row.fingerprint,
        card_created_at=_utc(row.card_created_at), confirmed_at=_utc(row.confirmed_at) or utcnow(),
        confirmed_by=row.confirmed_by, added_at=_utc(row.added_at) or utcnow(), status=row.status,
        revoked_at=_utc(row.revoked_at), previous_fingerprint=row.previous_fingerprint,
        keys_replaced_at=_utc(row.keys_replaced_at),
    )


def _copy_card(row: SyncPeer, card: OfficeCard) -> None:
    row.name = card.name
    row.office_type = card.office_type
    row.code = card.code
    row.wilayah_code = card.wilayah_code
    row.address = card.address
    row.phone = card.phone
    row.email = card.email
    row.card_created_at = card.created_at


def add_peer(db: Database, card: OfficeCard, confirmed_fingerprint: str, *, replace: bool = False,
             confirmed_by: str | None = None) -> AddPeerResult:
    """Trust `card`'s office as a sync peer once `confirmed_fingerprint` (typed by the user) matches."""
    guard.check(db, SYNC_PEERS)
    if not fingerprints_match(card.fingerprint, confirmed_fingerprint or ""):
        raise UserError(
            _("Sidik jari yang diketik ({typed}) tidak sama dengan sidik jari kartu kantor {name}.").format(
                typed=normalize_fingerprint(confirmed_fingerprint or "") or "-", name=card.name),
            hint=_("Telepon kantor itu lagi dan minta mereka membacakan sidik jari yang tampil saat kartu kantornya dibuat; "
                   "kalau tetap berbeda, kartu ini bukan dari mereka atau sudah diganti: jangan ditambahkan."),
        )
    with db.session() as s:
        own_id = read_meta(s, "office_id")
    own_keys = recorded_public_keys(db, uuid.UUID(own_id)) if own_id else None
    if (own_id and uuid.UUID(own_id) == card.office_id) or (own_keys and own_keys[0] == card.ed25519_public):
        raise UserError(
            _("Ini kartu kantor Anda sendiri ({name}); kantor sendiri tidak perlu ditambahkan sebagai mitra.").format(
                name=card.name),
            hint=_("Pilih kartu kantor yang dikirim oleh kantor mitra."),
        )
    now = utcnow()
    with db.session() as s:
        same_key = s.scalar(select(SyncPeer).where(SyncPeer.ed25519_public == card.ed25519_public,
                                                   SyncPeer.office_id != card.office_id))
        if same_key is not None:
            raise UserError(
                _("Kunci di kartu {name} sudah dipakai kantor mitra lain ({other}).").format(
                    name=card.name, other=same_key.name),
                hint=_("Kartu ini tidak bisa dipercaya; minta kartu yang baru langsung dari kantor itu."),
            )
        row = s.get(SyncPeer, card.office_id)
        if row is None:
            row = SyncPeer(office_id=card.office_id, ed25519_public=card.ed25519_public,
                           age_recipient=card.age_recipient, fingerprint=card.fingerprint, confirmed_at=now,
                           confirmed_by=confirmed_by, added_at=now, status=PEER_ACTIVE)
            _copy_card(row, card)
            s.add(row)
            outcome = ADDED
        else:
            same_keys = bytes(row.ed25519_public) == card.ed25519_public and row.age_recipient == card.age_recipient
            if not same_keys and not replace:
                raise UserError(
                    _("Kantor {name} sudah terdaftar sebagai mitra dengan kunci lain (sidik jari {old}); "
                      "kartu ini membawa kunci baru (sidik jari {new}).").format(
                        name=row.name, old=row.fingerprint, new=card.fingerprint),
                    hint=_("Jika kantor itu memang mengganti kuncinya (instal ulang, laptop baru), pastikan lewat "
                           "telepon lalu tambahkan lagi dengan pilihan ganti kunci (--ganti-kunci)."),
                )
            if row.status == PEER_REVOKED and not replace:
                raise UserError(
                    _("Kantor {name} pernah dicabut dari daftar mitra.").format(name=row.name),
                    hint=_("Untuk mempercayainya lagi, tambahkan dengan pilihan ganti kunci (--ganti-kunci)."),
                )
            if not same_keys:
                row.previous_fingerprint = row.fingerprint
                row.ed25519_public = card.ed25519_public
                row.age_recipient = card.age_recipient
                row.fingerprint = card.fingerprint
                row.keys_replaced_at = now
                outcome = KEYS_REPLACED
            elif row.status == PEER_REVOKED:
                outcome = REACTIVATED
            else:
                outcome = UPDATED
            if outcome != UPDATED:
                row.confirmed_at = now
                row.confirmed_by = confirmed_by
            row.status = PEER_ACTIVE
            row.revoked_at = None
            _copy_card(row, card)
        s.flush()
        return AddPeerResult(peer=_dto(row), outcome=outcome)


def list_peers(db: Database, *, include_revoked: bool = True) -> list[PeerDTO]:
    """Peer offices by name (revoked ones too unless `include_revoked` is False)."""
    with db.session() as s:
        query = select(SyncPeer).order_by(SyncPeer.name, SyncPeer.office_id)
        if not include_revoked:
            query = query.where(SyncPeer.status == PEER_ACTIVE)
        return [_dto(row) for row in s.scalars(query)]


def get_peer(db: Database, office_id: uuid.UUID) -> PeerDTO | None:
    with db.session() as s:
        row = s.get(SyncPeer, office_id)
        return _dto(row) if row is not None else None


def find_peer_by_key(db: Database, ed25519_public: bytes) -> PeerDTO | None:
    """The peer whose signing key this is (active or revoked; the caller checks `status`), or None."""
    with db.session() as s:
        row = s.scalar(select(SyncPeer).where(SyncPeer.ed25519_public == bytes(ed25519_public)))
        return _dto(row) if row is not None else None


def revoke_peer(db: Database, office_id: uuid.UUID) -> PeerDTO:
    """Stop trusting a peer: its bundles are no longer accepted and nothing is encrypted to it. Idempotent."""
    guard.check(db, SYNC_PEERS)
    with db.session() as s:
        row = s.get(SyncPeer, office_id)
        if row is None:
            raise NotFoundError(_("Kantor mitra dengan ID {id} tidak ada di daftar mitra.").format(id=office_id))
        if row.status != PEER_REVOKED:
            row.status = PEER_REVOKED
            row.revoked_at = utcnow()
        s.flush()
        return _dto(row)
