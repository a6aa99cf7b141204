"""Client registry basics: list and search (ids first, rows by page), register, edit, archive, restore."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, Household, Office, Wilayah
from atensi_desktop.domain.names import normalize_name
from atensi_desktop.domain.nik import check_nik, mask_nik, normalize_nik
from atensi_desktop.errors import NotFoundError, ValidationError
from atensi_desktop.i18n import _, format_date_short
from atensi_desktop.refdata import ref_list
from atensi_desktop.sync.ids import display_id, uuid7

SORT_KEYS = ("name", "display_id", "birth_date", "created")
EDITABLE = (
    "nik", "name", "alias", "sex", "birth_place", "birth_date", "birth_date_estimated", "religion",
    "education", "marital_status", "disability", "phone", "address", "wilayah_code", "household_id",
    "relation_to_head", "ppks_categories", "cluster", "dtsen_desil",
)


@dataclass(frozen=True)
class ClientQuery:
    """What the client list shows: free text (name part, NIK prefix, No. KK, display id), archive, order."""

    text: str = ""
    include_archived: bool = False
    order_by: str = "name"
    descending: bool = False


@dataclass(frozen=True)
class ClientRow:
    id: uuid.UUID
    display_id: str
    name: str
    nik_masked: str
    sex: str | None
    birth_date: dt.date | None
    age: int | None
    wilayah_code: str | None
    wilayah_name: str | None
    cluster_label: str
    archived: bool


@dataclass(frozen=True)
class ClientDTO:
    id: uuid.UUID
    display_id: str
    values: Mapping[str, Any]
    archived: bool
    merged_into: uuid.UUID | None
    household_no_kk: str | None = None
    wilayah_name: str | None = None
    warnings: tuple[str, ...] = field(default=())


def age_on(birth: dt.date | None, today: dt.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _filtered(query: ClientQuery) -> Select:
    stmt = select(Client.id).where(Client.merged_into.is_(None))
    if not query.include_archived:
        stmt = stmt.where(Client.deleted.is_(False))
    text = " ".join(query.text.split())
    if text:
        digits = text.replace(" ", "").replace(".", "")
        conds = [Client.display_id.ilike(f"{text}%")]
        if digits.isdigit():
            conds.append(Client.nik.like(f"{digits}%"))
            conds.append(Client.household_id.in_(select(Household.id).where(Household.no_kk.like(f"{digits}%"))))
        norm = normalize_name(text)
        if norm:
            conds.append(Client.name_norm.like(f"%{norm}%"))
        stmt = stmt.where(or_(*conds))
    return stmt


def _ordered(stmt: Select, query: ClientQuery) -> Select:
    column = {
        "name": Client.name_norm,
        "display_id": Client.display_id,
        "birth_date": Client.birth_date,
        "created": Client.id,
    }.get(query.order_by, Client.name_norm)
    primary = column.desc() if query.descending else column.asc()
    return stmt.order_by(primary, Client.id)


def count_clients(db: Database, query: ClientQuery = ClientQuery()) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(_filtered(query).subquery())) or 0


def client_ids(db: Database, query: ClientQuery = ClientQuery()) -> list[uuid.UUID]:
    """Ids of every client matching `query`, in display order (the list model pages rows from these)."""
    with db.session() as s:
        return list(s.scalars(_ordered(_filtered(query), query)))


def client_rows(db: Database, ids: Sequence[uuid.UUID], *, today: dt.date | None = None) -> list[ClientRow]:
    """Rows for the given ids, in the same order (missing ids are skipped)."""
    if not ids:
        return []
    today = today or dt.date.today()
    clusters = ref_list("clusters")
    stmt = (
        select(
            Client.id, Client.display_id, Client.name, Client.nik, Client.sex, Client.birth_date,
            Client.wilayah_code, Wilayah.name, Client.cluster, Client.deleted,
        )
        .outerjoin(Wilayah, Wilayah.code == Client.wilayah_code)
        .where(Client.id.in_(list(ids)))
    )
    with db.session() as s:
        found = {
            r[0]: ClientRow(
                id=r[0], display_id=r[1], name=r[2], nik_masked=mask_nik(r[3]) if r[3] else "",
                sex=r[4], birth_date=r[5], age=age_on(r[5], today), wilayah_code=r[6], wilayah_name=r[7],
                cluster_label=clusters.label(r[8]) if r[8] else "", archived=bool(r[9]),
            )
            for r in s.execute(stmt)
        }
    return [found[i] for i in ids if i in found]


def validate_client(values: Mapping[str, Any], *, today: dt.date | None = None) -> tuple[dict, list[str]]:
    """Clean and check client fields. Returns (clean values, warnings); raises ValidationError on problems."""
    today = today or dt.date.today()
    clean: dict[str, Any] = {}
    problems: dict[str, str] = {}
    warnings: list[str] = []
    for key, value in values.items():
        if key not in EDITABLE:
            raise ValueError(f"unknown client field {key!r}")
        if isinstance(value, str):
            value = " ".join(value.split()) if key not in ("address", "disability") else value.strip()
            value = value or None
        clean[key] = value
    if "name" in clean and (not clean["name"] or len(clean["name"]) < 2):
        problems["name"] = _("Nama wajib diisi (paling sedikit 2 huruf).")
    if clean.get("sex") is not None and clean["sex"] not in ("L", "P"):
        problems["sex"] = _("Jenis kelamin harus L (laki-laki) atau P (perempuan).")
    birth = clean.get("birth_date")
    if isinstance(birth, str):
        try:
            birth = clean["birth_date"] = dt.date.fromisoformat(birth)
        except ValueError:
            problems["birth_date"] = _("Tanggal lahir tidak sah; tulis seperti 1990-09-05.")
            birth = None
    if isinstance(birth, dt.date) and birth > today:
        problems["birth_date"] = _("Tanggal lahir tidak boleh di masa depan.")
    for key, listname in (("religion", "religions"), ("education", "education"),
                          ("marital_status", "marital_status"), ("relation_to_head", "family_relations"),
                          ("cluster", "clusters")):
        if clean.get(key) is not None and clean[key] not in ref_list(listname):
            problems[key] = _("Pilihan {choice} tidak ada dalam daftar.").format(choice=repr(clean[key]))
    if clean.get("ppks_categories") is not None:
        cats = list(dict.fromkeys(clean["ppks_categories"]))
        unknown = [c for c in cats if c not in ref_list("ppks")]
        if unknown:
            problems["ppks_categories"] = _("Kategori PPKS tidak dikenal: {codes}.").format(codes=", ".join(unknown))
        clean["ppks_categories"] = cats or None
    desil = clean.get("dtsen_desil")
    if desil is not None and (not isinstance(desil, int) or not 1 <= desil <= 10):
        problems["dtsen_desil"] = _("Desil DTSEN harus angka 1 sampai 10.")
    if clean.get("nik"):
        check = check_nik(clean["nik"], today=today)
        if not check.valid:
            problems["nik"] = check.errors[0]
        else:
            clean["nik"] = normalize_nik(clean["nik"])
            warnings.extend(check.warnings)
            if check.sex and clean.get("sex") and check.sex != clean["sex"]:
                problems["sex"] = _(
                    "Jenis kelamin di NIK ({sex}) tidak sama dengan jenis kelamin yang diisi."
                ).format(sex=_("perempuan") if check.sex == "P" else _("laki-laki"))
            if check.birth_date and isinstance(birth, dt.date) and check.birth_date != birth:
                problems["birth_date"] = _(
                    "Tanggal lahir di NIK ({nik_date}) tidak sama dengan tanggal lahir ({form_date})."
                ).format(nik_date=format_date_short(check.birth_date), form_date=format_date_short(birth))
    if problems:
        raise ValidationError(problems)
    return clean, warnings


def _office_code(session: Session, office_id: uuid.UUID | None) -> str | None:
    return session.scalar(select(Office.code).where(Office.id == office_id)) if office_id else None


def create_client(db: Database, values: Mapping[str, Any]) -> ClientDTO:
    """Register a new client (validated); returns it with any warnings (e.g. an unknown NIK region)."""
    if "name" not in values:
        raise ValidationError({"name": _("Nama wajib diisi (paling sedikit 2 huruf).")})
    clean, warnings = validate_client(values)
    with db.session() as s:
        client = Client(id=uuid7(), **clean)
        client.display_id = display_id(_office_code(s, db.office_id), client.id)
        s.add(client)
        s.flush()
        return _dto(s, client, warnings)


def update_client(db: Database, client_id: uuid.UUID, changes: Mapping[str, Any]) -> ClientDTO:
    """Change some fields; only fields whose value really changes become versions."""
    with db.session() as s:
        client = _get(s, client_id)
        merged = {k: getattr(client, k) for k in EDITABLE} | dict(changes)
        clean, warnings = validate_client(merged)
        for key in changes:
            if getattr(client, key) != clean[key]:
                setattr(client, key, clean[key])
        s.flush()
        return _dto(s, client, warnings)


def archive_client(db: Database, client_id: uuid.UUID) -> None:
    """Tombstone: hidden from lists, kept with its history; `restore_client` brings it back."""
    _set_deleted(db, client_id, True)


def restore_client(db: Database, client_id: uuid.UUID) -> None:
    _set_deleted(db, client_id, False)


def _set_deleted(db: Database, client_id: uuid.UUID, flag: bool) -> None:
    with db.session() as s:
        client = _get(s, client_id)
        if client.deleted != flag:
            client.deleted = flag


def get_client(db: Database, client_id: uuid.UUID) -> ClientDTO:
    with db.session() as s:
        return _dto(s, _get(s, client_id), [])


def _get(session: Session, client_id: uuid.UUID) -> Client:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
    return client


def _dto(session: Session, client: Client, warnings: list[str]) -> ClientDTO:
    no_kk = session.scalar(select(Household.no_kk).where(Household.id == client.household_id)) \
        if client.household_id else None
    wil = session.scalar(select(Wilayah.name).where(Wilayah.code == client.wilayah_code)) \
        if client.wilayah_code else None
    return ClientDTO(
        id=client.id, display_id=client.display_id, values={k: getattr(client, k) for k in EDITABLE},
        archived=client.deleted, merged_into=client.merged_into, household_no_kk=no_kk, wilayah_name=wil,
        warnings=tuple(warnings),
    )

