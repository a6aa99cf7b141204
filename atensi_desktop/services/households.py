"""Households (keluarga by Kartu Keluarga): find, show, create and edit; members join, move, leave, head.

A household's members are clients whose `household_id` points at it, each with a relation to the head from
the `family_relations` list. One rule is kept here for every writer that goes through this module: a household
has at most one live "kepala keluarga" (a live member: not archived, not merged). Writes go through the ORM,
so every changed field becomes a version (sync/versioning.py); nothing is deleted: a member who leaves keeps
the client record (household_id set to None) and an empty household is archived (tombstone).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, false, select
from sqlalchemy.orm import Session

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, Household, Wilayah
from atensi_desktop.domain.dates import age_on
from atensi_desktop.domain.nik import mask_nik
from atensi_desktop.domain.nip import check_no_kk
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.i18n import N_, _
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CLIENT_CREATE, CLIENT_EDIT, CLIENT_VIEW

HEAD = "kepala_keluarga"
FIELDS = ("no_kk", "address", "wilayah_code")
QUERY_CHUNK = 1_000  # No. KK values per IN (...) lookup
_EXCEL_NUMBER = re.compile(r"^\d+([.,]\d+)?[eE]\+?\d+$")
_KK_HINT = N_("Salin ke-16 angka dari Kartu Keluarga.")


# --- No. KK ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NoKkResult:
    no_kk: str  # 16 digits
    wilayah_code: str  # '63.06.01': where the card was issued
    warnings: tuple[str, ...] = ()


def validate_no_kk(value: str | None, *, db: Database | None = None) -> NoKkResult:
    """Check a No. KK as typed: 16 digits (spaces, dots and dashes ignored) whose first two are a province
    code (11-99). With `db`, a province or kab/kota the loaded region list lacks is a warning, not an error
    (as for a NIK: the card keeps the region where it was issued). Raises ValidationError({"no_kk": ...})."""
    raw = (value or "").strip()
    if raw and _EXCEL_NUMBER.match(raw):
        raise ValidationError({"no_kk": _(
            "No. KK hanya boleh berisi angka; yang diisi tampak seperti angka yang diubah Excel ({raw}). "
            "Ketik ulang ke-16 angka dari Kartu Keluarga.").format(raw=raw)})
    check = check_no_kk(raw)
    if not check.valid:
        raise ValidationError({"no_kk": f"{check.errors[0]} {_(_KK_HINT)}"})
    province = check.no_kk[:2]
    if not 11 <= int(province) <= 99:
        raise ValidationError({"no_kk": _(
            "Dua angka pertama No. KK adalah kode provinsi dan harus antara 11 dan 99; yang diisi {province}. "
            "Periksa kembali nomor di Kartu Keluarga.").format(province=province)})
    warnings: list[str] = []
    if db is not None:
        kabkota = check.wilayah_code[:5] if check.wilayah_code else ""
        with db.session() as s:
            known = set(s.scalars(select(Wilayah.code).where(Wilayah.code.in_([province, kabkota]))))
        missing = province if province not in known else kabkota if kabkota not in known else None
        if missing:
            warnings.append(_(
                "Kode wilayah {code} di No. KK tidak ada dalam daftar wilayah yang dimuat; periksa lagi "
                "angkanya. No. KK tetap bisa disimpan.").format(code=missing))
    return NoKkResult(check.no_kk, check.wilayah_code or "", tuple(warnings))


def existing_households(db: Database, numbers: Iterable[str], session: Session | None = None) -> dict[str, uuid.UUID]:
    """No. KK -> the live household that has it (the oldest when, unusually, there are several).

    The one lookup of households by No. KK: the client import and this module both use it."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    found: dict[str, uuid.UUID] = {}

    def load(s: Session) -> None:
        for start in range(0, len(wanted), QUERY_CHUNK):
            stmt = (select(Household.no_kk, Household.id)
                    .where(Household.no_kk.in_(wanted[start:start + QUERY_CHUNK]), Household.deleted.is_(False))
                    .order_by(Household.id))
            for kk, hid in s.execute(stmt):
                found.setdefault(kk, hid)

    if session is not None:
        load(session)
    else:
        with db.session() as s:
            load(s)
    return found


# --- what the screens show ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Member:
    client_id: uuid.UUID
    display_id: str
    name: str
    nik_masked: str
    sex: str | None
    birth_date: dt.date | None
    age: int | None
    relation: str | None  # code from family_relations
    relation_label: str  # '' when not set
    archived: bool


@dataclass(frozen=True)
class HouseholdDetail:
    id: uuid.UUID
    no_kk: str | None
    address: str | None
    wilayah_code: str | None
    wilayah_name: str | None  # full name: 'Hamalau, Kec. Sungai Raya, Kabupaten ..., Kalimantan Selatan'
    archived: bool
    members: tuple[Member, ...]  # the head first, then by relation (list order), birth date, name
    warnings: tuple[str, ...] = ()  # e.g. two heads (an import or a sync can bring them)

    @property
    def head(self) -> Member | None:
        return next((m for m in self.members if m.relation == HEAD and not m.archived), None)

    @property
    def live_members(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if not m.archived)


@dataclass(frozen=True)
class HouseholdSummary:
    """A household found by No. KK, enough to confirm "is this the family you mean?"."""

    id: uuid.UUID
    no_kk: str | None
    address: str | None
    wilayah_name: str | None
    head_name: str | None
    members: int  # live members




def _relation_order() -> dict[str, int]:
    return {item.code: i for i, item in enumerate(ref_list("family_relations").items)}


def _members(session: Session, household_id: uuid.UUID, today: dt.date) -> list[Member]:
    relations = ref_list("family_relations")
    order = _relation_order()
    rows = session.execute(
        select(Client.id, Client.display_id, Client.name, Client.nik, Client.sex, Client.birth_date,
               Client.relation_to_head, Client.deleted, Client.name_norm)
        .where(Client.household_id == household_id, Client.merged_into.is_(None))
    ).all()
    rows.sort(key=lambda r: (bool(r[7]), order.get(r[6] or "", len(order)),
                             r[5] or dt.date.max, r[8], str(r[0])))
    return [Member(client_id=r[0], display_id=r[1], name=r[2], nik_masked=mask_nik(r[3]) if r[3] else "",
                   sex=r[4], birth_date=r[5], age=age_on(r[5], today), relation=r[6],
                   relation_label=relations.label(r[6]) if r[6] in relations else (r[6] or ""),
                   archived=bool(r[7])) for r in rows]


def _detail(db: Database, session: Session, household: Household, today: dt.date | None = None) -> HouseholdDetail:
    from atensi_desktop.services.wilayah import full_name

    members = _members(session, household.id, today or dt.date.today())
    heads = [m for m in members if m.relation == HEAD and not m.archived]
    warnings = []
    if len(heads) > 1:
        warnings.append(_(
            "Keluarga ini punya {count} kepala keluarga ({names}). Satu KK hanya punya satu kepala keluarga: "
            "ubah hubungan yang lain.").format(count=len(heads), names=", ".join(m.name for m in heads)))
    code = household.wilayah_code
    return HouseholdDetail(
        id=household.id, no_kk=household.no_kk, address=household.address, wilayah_code=code,
        wilayah_name=full_name(db, code) if code else None, archived=household.deleted,
        members=tuple(members), warnings=tuple(warnings))


def household_detail(db: Database, household_id: uuid.UUID, *, today: dt.date | None = None) -> HouseholdDetail:
    """One household with its members (archived members too, flagged; merged clients left out)."""
    guard.check(db, CLIENT_VIEW)
    with db.session() as s:
        return _detail(db, s, _household(s, household_id), today)


def household_of_client(db: Database, client_id: uuid.UUID) -> uuid.UUID | None:
    """The household the client belongs to, or None."""
    with db.session() as s:
        return _client(s, client_id).household_id


def no_kk_of_clients(db: Database, client_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Client id -> the No. KK of the live household it belongs to (clients without one are left out);
    for a search list that says who is already in a family."""
    ids = list(dict.fromkeys(client_ids))
    found: dict[uuid.UUID, str] = {}
    with db.session() as s:
        for start in range(0, len(ids), QUERY_CHUNK):
            rows = s.execute(
                select(Client.id, Household.no_kk).join(Household, Household.id == Client.household_id)
                .where(Client.id.in_(ids[start:start + QUERY_CHUNK]), Household.deleted.is_(False),
                       Household.no_kk.is_not(None)))
            found.update((cid, no_kk) for cid, no_kk in rows)
    return found


def find_household(db: Database, no_kk: str) -> HouseholdSummary | None:
    """The live household with this No. KK (validated first: a malformed number is a ValidationError)."""
    guard.check(db, CLIENT_VIEW)
    number = validate_no_kk(no_kk).no_kk
    with db.session() as s:
        hid = existing_households(db, [number], session=s).get(number)
        if hid is None:
            return None
        return _summary(db, s, _household(s, hid))


def _summary(db: Database, session: Session, household: Household) -> HouseholdSummary:
    from atensi_desktop.services.wilayah import full_name

    live = session.execute(
        select(Client.name, Client.relation_to_head).where(*_live_member_terms(household.id))
        .order_by(case((Client.relation_to_head == HEAD, 0), else_=1), Client.id)).all()
    head = live[0][0] if live and live[0][1] == HEAD else None
    code = household.wilayah_code
    return HouseholdSummary(id=household.id, no_kk=household.no_kk, address=household.address,
                            wilayah_name=full_name(db, code) if code else None, head_name=head, members=len(live))


# --- creating and editing a household ----------------------------------------------------------------------

class HouseholdExistsError(UserError):
    """The No. KK already belongs to another live household; `household_id` names it (to offer opening it)."""

    def __init__(self, message: str, *, household_id: uuid.UUID, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, field="no_kk")
        self.household_id = household_id


def validate_household(db: Database, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Clean and check household fields (no_kk, address, wilayah_code). An empty No. KK is allowed (people
    without a Kartu Keluarga yet, such as many homeless clients). Returns (clean, warnings)."""
    clean: dict[str, Any] = {}
    warnings: list[str] = []
    problems: dict[str, str] = {}
    for key, value in values.items():
        if key not in FIELDS:
            raise ValueError(f"unknown household field {key!r}")
        if isinstance(value, str):
            value = value.strip() if key == "address" else " ".join(value.split())
        clean[key] = value or None
    if clean.get("no_kk"):
        try:
            result = validate_no_kk(clean["no_kk"], db=db)
        except ValidationError as err:
            problems.update(err.problems)
        else:
            clean["no_kk"] = result.no_kk
            warnings.extend(result.warnings)
    if clean.get("wilayah_code"):
        from atensi_desktop.services.wilayah import get

        region = get(db, clean["wilayah_code"])
        if region is None:
            problems["wilayah_code"] = _("Wilayah {code} tidak ada dalam daftar wilayah; pilih dari daftar.").format(
                code=clean["wilayah_code"])
        else:
            clean["wilayah_code"] = region.code
    if problems:
        raise ValidationError(problems)
    return clean, warnings


def _refuse_taken_no_kk(db: Database, session: Session, no_kk: str | None, own: uuid.UUID | None) -> None:
    if not no_kk:
        return
    other = session.scalar(select(Household.id).where(
        Household.no_kk == no_kk, Household.deleted.is_(False),
        *([Household.id != own] if own is not None else [])).order_by(Household.id).limit(1))
    if other is not None:
        raise HouseholdExistsError(
            _("No. KK {no_kk} sudah tercatat untuk keluarga lain.").format(no_kk=no_kk), household_id=other,
            hint=_("Buka keluarga itu dan tambahkan anggota di sana, atau periksa lagi nomornya."))


def create_household(db: Database, values: Mapping[str, Any]) -> HouseholdDetail:
    """A new, empty household. A No. KK another live household has is refused (HouseholdExistsError)."""
    guard.check(db, CLIENT_CREATE)
    clean, warnings = validate_household(db, values)
    with db.session() as s:
        _refuse_taken_no_kk(db, s, clean.get("no_kk"), None)
        household = Household(**clean)
        s.add(household)
        s.flush()
        detail = _detail(db, s, household)
    return _with_warnings(detail, warnings)


def update_household(db: Database, household_id: uuid.UUID, changes: Mapping[str, Any]) -> HouseholdDetail:
    """Change No. KK, address or wilayah; only fields whose value really changes become versions."""
    guard.check(db, CLIENT_EDIT)
    clean, warnings = validate_household(db, changes)
    with db.session() as s:
        household = _household(s, household_id, lock=True)
        _refuse_archived(household)
        if "no_kk" in clean and clean["no_kk"] != household.no_kk:
            _refuse_taken_no_kk(db, s, clean["no_kk"], household.id)
        for key, value in clean.items():
            if getattr(household, key) != value:
                setattr(household, key, value)
        s.flush()
        detail = _detail(db, s, household)
    return _with_warnings(detail, warnings)


def archive_household(db: Database, household_id: uuid.UUID) -> None:
    """Tombstone an empty household (no live members); one with members is refused."""
    guard.check(db, CLIENT_EDIT)
    with db.session() as s:
        household = _household(s, household_id, lock=True)
        count = len(s.scalars(select(Client.id).where(*_live_member_terms(household.id))).all())
        if count:
            raise UserError(
                _("Keluarga ini masih punya {count} anggota.").format(count=count),
                hint=_("Keluarkan atau pindahkan dulu semua anggota, lalu arsipkan keluarganya."))
        if not household.deleted:
            household.deleted = True


def restore_household(db: Database, household_id: uuid.UUID) -> None:
    """Bring an archived household back (its No. KK must not have been given to another one meanwhile)."""
    guard.check(db, CLIENT_EDIT)
    with db.session() as s:
        household = _household(s, household_id, lock=True)
        if household.deleted:
            _refuse_taken_no_kk(db, s, household.no_kk, household.id)
            household.deleted = False


# --- members ------------------------------------------------------------------------------------------------

def add_member(db: Database, household_id: uuid.UUID, client_id: uuid.UUID, relation: str) -> HouseholdDetail:
    """Make a registered client (not yet in a household) a member with `relation` to the head."""
    guard.check(db, CLIENT_EDIT, client_id=client_id)
    with db.session() as s:
        household = _household(s, household_id, lock=True)
        _refuse_archived(household)
        client = _live_client(s, client_id)
        if client.household_id == household.id:
            raise UserError(_("{name} sudah menjadi anggota keluarga ini.").format(name=client.name),
                            hint=_("Pakai 'Ubah hubungan' untuk mengganti hubungannya dengan kepala keluarga."))
        if client.household_id is not None:
            other = s.get(Household, client.household_id)
            if other is not None and not other.deleted:
                raise UserError(
                    _("{name} masih tercatat di keluarga lain (No. KK {no_kk}).").format(
                        name=client.name, no_kk=other.no_kk or _("belum ada")),
                    hint=_("Buka keluarga itu dan pakai 'Pindahkan ke KK lain…'."))
        _join(s, household, client, _checked_relation(relation))
        s.flush()
        return _detail(db, s, household)


@dataclass(frozen=True)
class MoveResult:
    target: HouseholdDetail
    source_id: uuid.UUID | None
    created: bool  # the target household was made by this move
    source_without_head: bool  # the member was the head of the household left behind, which still has members


def move_member(db: Database, client_id: uuid.UUID, *, to_household_id: uuid.UUID | None = None,
                to_no_kk: str | None = None, relation: str | None = None, create: bool = False,
                address: str | None = None, wilayah_code: str | None = None) -> MoveResult:
    """Move a client to another household, named by id or by No. KK. `relation` is the client's relation to
    the new head (None keeps the present one). With `create`, a No. KK no household has yet makes a new
    household (with `address`/`wilayah_code`, by default the client's own)."""
    guard.check(db, CLIENT_EDIT, client_id=client_id)
    if (to_household_id is None) == (to_no_kk is None):
        raise ValueError("name the target household by id or by No. KK, not both")
    number = validate_no_kk(to_no_kk).no_kk if to_no_kk is not None else None
    with db.session() as s:
        client = _live_client(s, client_id)
        created = False
        if to_household_id is not None:
            target = _household(s, to_household_id, lock=True)
        else:
            found = existing_households(db, [number], session=s).get(number)  # type: ignore[list-item]
            if found is not None:
                target = _household(s, found, lock=True)
            elif not create:
                raise NotFoundError(
                    _("Belum ada keluarga dengan No. KK {no_kk}.").format(no_kk=number),
                    hint=_("Periksa nomornya, atau pilih 'buat keluarga baru' untuk membuatnya."))
            else:
                clean, _warnings = validate_household(db, {
                    "no_kk": number, "address": address if address is not None else client.address,
                    "wilayah_code": wilayah_code if wilayah_code is not None else client.wilayah_code})
                target = Household(**clean)
                s.add(target)
                s.flush()
                created = True
        _refuse_archived(target)
        if client.household_id == target.id:
            raise UserError(_("{name} sudah menjadi anggota keluarga ini.").format(name=client.name),
                            hint=_("Pilih keluarga lain sebagai tujuan."))
        source_id = client.household_id
        was_head = client.relation_to_head == HEAD
        new_relation = _checked_relation(relation) if relation is not None else client.relation_to_head
        if new_relation is None:
            raise ValidationError({"relation_to_head": _("Pilih hubungan dengan kepala keluarga yang baru.")})
        _join(s, target, client, new_relation)
        s.flush()
        orphaned = False
        if was_head and source_id is not None:
            orphaned = bool(s.scalars(select(Client.id).where(*_live_member_terms(source_id)).limit(1)).first())
        detail = _detail(db, s, target)
    return MoveResult(target=detail, source_id=source_id, created=created, source_without_head=orphaned)


def remove_member(db: Database, client_id: uuid.UUID) -> uuid.UUID | None:
    """Take a client out of its household (household_id and relation cleared; the client is kept).
    Returns the household it left (None when it had none)."""
    guard.check(db, CLIENT_EDIT, client_id=client_id)
    with db.session() as s:
        client = _client(s, client_id)
        left = client.household_id
        if left is None:
            raise UserError(_("{name} tidak tercatat di keluarga mana pun.").format(name=client.name))
        client.household_id = None
        if client.relation_to_head is not None:
            client.relation_to_head = None
        return left


def set_relation(db: Database, client_id: uuid.UUID, relation: str) -> HouseholdDetail:
    """Change a member's relation to the head (making someone the head refuses while another is the head)."""
    guard.check(db, CLIENT_EDIT, client_id=client_id)
    with db.session() as s:
        client = _client(s, client_id)
        if client.household_id is None:
            raise UserError(_("{name} tidak tercatat di keluarga mana pun.").format(name=client.name),
                            hint=_("Tambahkan dulu ke sebuah keluarga."))
        household = _household(s, client.household_id, lock=True)
        _refuse_archived(household)
        relation = _checked_relation(relation)
        if client.relation_to_head != HEAD:
            check_single_head(s, household.id, client.id, relation)
        if client.relation_to_head != relation:
            client.relation_to_head = relation
        s.flush()
        return _detail(db, s, household)


def set_head(db: Database, household_id: uuid.UUID, client_id: uuid.UUID, *,
             former_head_relation: str | None = None) -> HouseholdDetail:
    """Make a member the head. The present head (if any) takes `former_head_relation` (required then: the
    old head's relation to the new one, e.g. 'suami' or 'orang_tua'; 'kepala_keluarga' is refused)."""
    guard.check(db, CLIENT_EDIT, client_id=client_id)
    with db.session() as s:
        household = _household(s, household_id, lock=True)
        _refuse_archived(household)
        client = _live_client(s, client_id)
        if client.household_id != household.id:
            raise UserError(_("{name} bukan anggota keluarga ini.").format(name=client.name),
                            hint=_("Tambahkan dulu sebagai anggota, lalu jadikan kepala keluarga."))
        heads = [c for c in _live_heads(s, household.id) if c.id != client.id]
        if heads:
            if former_head_relation is None:
                raise ValidationError({"former_head_relation": _(
                    "{name} sekarang kepala keluarga. Pilih hubungannya dengan kepala keluarga yang baru."
                ).format(name=heads[0].name)})
            former = _checked_relation(former_head_relation)
            if former == HEAD:
                raise ValidationError({"former_head_relation": _(
                    "Kepala keluarga yang lama perlu hubungan lain, misalnya Suami, Istri atau Orang Tua.")})
            for old in heads:
                old.relation_to_head = former
        if client.relation_to_head != HEAD:
            client.relation_to_head = HEAD
        s.flush()
        return _detail(db, s, household)


# --- helpers -----------------------------------------------------------------------------------------------

def _live_member_terms(household_id: uuid.UUID) -> tuple[Any, ...]:
    return (Client.household_id == household_id, Client.deleted == false(), Client.merged_into.is_(None))


def _live_heads(session: Session, household_id: uuid.UUID) -> Sequence[Client]:
    return session.scalars(select(Client).where(*_live_member_terms(household_id),
                                                Client.relation_to_head == HEAD).order_by(Client.id)).all()


def check_single_head(session: Session, household_id: uuid.UUID | None, client_id: uuid.UUID | None,
                      relation: str | None) -> None:
    """The one-head rule for any writer of `relation_to_head` (e.g. services.clients on save): making
    `client_id` (None for a client not yet saved) "kepala keluarga" of `household_id` while another live
    member is the head raises ValidationError({"relation_to_head": ...})."""
    if household_id is None or relation != HEAD:
        return
    other = next((c for c in _live_heads(session, household_id) if c.id != client_id), None)
    if other is not None:
        raise ValidationError({"relation_to_head": _(
            "Keluarga ini sudah punya kepala keluarga: {name} ({id}). Satu KK hanya punya satu kepala keluarga; "
            "pakai 'Jadikan kepala keluarga' untuk menggantinya, atau pilih hubungan lain."
        ).format(name=other.name, id=other.display_id)})


def _join(session: Session, household: Household, client: Client, relation: str) -> None:
    check_single_head(session, household.id, client.id, relation)
    client.household_id = household.id
    if client.relation_to_head != relation:
        client.relation_to_head = relation


def _checked_relation(relation: str | None) -> str:
    relations = ref_list("family_relations")
    if not relation:
        raise ValidationError({"relation_to_head": _("Pilih hubungan dengan kepala keluarga.")})
    if relation not in relations:
        raise ValidationError({"relation_to_head": _(
            "Hubungan {choice} tidak ada dalam daftar; pilih dari daftar hubungan dalam keluarga.").format(
                choice=repr(relation))})
    return relation


def _household(session: Session, household_id: uuid.UUID, *, lock: bool = False) -> Household:
    household = session.get(Household, household_id, with_for_update=lock or None)
    if household is None:
        raise NotFoundError(_("Keluarga tidak ditemukan."), hint=_("Cari lagi lewat No. KK atau nama anggotanya."))
    return household


def _refuse_archived(household: Household) -> None:
    if household.deleted:
        raise UserError(_("Keluarga ini sudah diarsipkan."), hint=_("Pulihkan dulu keluarganya bila perlu diubah."))


def _client(session: Session, client_id: uuid.UUID) -> Client:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
    return client


def _live_client(session: Session, client_id: uuid.UUID) -> Client:
    client = _client(session, client_id)
    if client.merged_into is not None:
        raise UserError(_("{name} sudah digabung ke klien lain.").format(name=client.name),
                        hint=_("Pakai klien hasil penggabungan."))
    if client.deleted:
        raise UserError(_("{name} sudah diarsipkan.").format(name=client.name),
                        hint=_("Pulihkan dulu kliennya di daftar klien."))
    return client


def _with_warnings(detail: HouseholdDetail, warnings: Sequence[str]) -> HouseholdDetail:
    if not warnings:
        return detail
    return HouseholdDetail(**{**detail.__dict__, "warnings": tuple(warnings) + detail.warnings})
