"""This installation's office identity, its first worker and user (first-run set-up, `init --office`)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, fields, replace

from sqlalchemy import func, select, true

from atensi_desktop.db.engine import Database, read_meta, write_meta
from atensi_desktop.db.models import Office, User, Wilayah, Worker
from atensi_desktop.domain.names import fold
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.i18n import _
from atensi_desktop.refdata import legal_basis_default, ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import OFFICE_SETTINGS
from atensi_desktop.sync.ids import uuid7

_SKIP_WORDS = {"dan", "di", "ke", "dari", "the", "of"}
_CODE_RE = re.compile(r"^[A-Z0-9]{2,12}$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()./-]+$")
_MIN_PHONE_DIGITS = 5
# The column widths of the office and worker tables: longer text would be refused by PostgreSQL.
_OFFICE_LIMITS = {"name": 200, "address": 500, "city": 80, "postal_code": 10, "phone": 40, "email": 120,
                  "head_name": 200, "head_title": 200, "head_rank": 80}
_WORKER_LIMITS = {"name": 200, "rank": 80, "position": 120, "certificate_no": 80, "str_no": 80, "sipps_no": 80,
                  "phone": 40, "email": 120}


@dataclass(frozen=True)
class OfficeInput:
    name: str
    office_type: str = "lks"
    code: str | None = None
    wilayah_code: str | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    email: str | None = None
    letterhead_lines: tuple[str, ...] = ()
    head_name: str | None = None
    head_title: str | None = None
    head_rank: str | None = None
    head_nip: str | None = None
    legal_basis: str | None = None  # None: the default of resources/refdata/legal_basis.json


@dataclass(frozen=True)
class OfficeDTO:
    id: uuid.UUID
    code: str
    name: str
    office_type: str
    office_type_label: str
    wilayah_code: str | None
    address: str | None
    city: str | None
    postal_code: str | None
    phone: str | None
    email: str | None
    letterhead_lines: tuple[str, ...]
    head_name: str | None
    head_title: str | None
    head_rank: str | None
    head_nip: str | None
    legal_basis: str  # what reports cite: the office's choice, else the shipped default


@dataclass(frozen=True)
class WorkerInput:
    name: str
    worker_type: str = "pekerja_sosial"
    nip: str | None = None
    rank: str | None = None
    position: str | None = None
    certificate_no: str | None = None
    phone: str | None = None
    email: str | None = None
    str_no: str | None = None  # Surat Tanda Registrasi (pekerja sosial)
    sipps_no: str | None = None  # Surat Izin Praktik Pekerja Sosial
    office_id: uuid.UUID | None = None  # None: this installation's office


# Worker columns a WorkerInput sets (office_id is handled by whoever stores it).
WORKER_FIELDS = ("name", "worker_type", "nip", "rank", "position", "certificate_no", "str_no", "sipps_no",
                 "phone", "email")


@dataclass(frozen=True)
class OfficeRow:
    """One office as the Kantor list shows it."""

    id: uuid.UUID
    code: str
    name: str
    office_type: str
    office_type_label: str
    wilayah_code: str | None
    wilayah_name: str | None
    city: str | None
    phone: str | None
    workers: int  # active workers recorded for this office
    is_installation: bool  # the office this installation works for ("kantor ini")
    archived: bool = False


@dataclass(frozen=True)
class SetupResult:
    office: OfficeDTO
    worker_id: uuid.UUID | None
    user_id: uuid.UUID
    created: bool = field(default=True)


def guess_office_type(name: str) -> str:
    folded = fold(name)
    if "dinas sosial" in folded or folded.startswith("dinsos"):
        return "dinas_sosial"
    if "sentra" in folded:
        return "sentra"
    if "panti" in folded or "uptd" in folded:
        return "panti"
    return "lks"


def suggest_code(name: str) -> str:
    """Initials of the office name, e.g. 'Dinas Sosial Kabupaten Hulu Sungai Selatan' -> 'DSKHSS'."""
    words = [w for w in fold(name).split() if w not in _SKIP_WORDS]
    initials = "".join(w[0] for w in words if w[0].isalnum()).upper()
    return (initials or "KANTOR")[:6] if len(initials) >= 2 else (fold(name).replace(" ", "").upper()[:6] or "KANTOR")


def _clean(value: str | None) -> str | None:
    """Spaces collapsed at the ends; empty text is None."""
    text = value.strip() if value else ""
    return text or None


def _check_lengths(values: dict[str, str | None], limits: dict[str, int], problems: dict[str, str]) -> None:
    for key, limit in limits.items():
        value = values.get(key)
        if value and len(value) > limit and key not in problems:
            problems[key] = _("Terlalu panjang: paling banyak {limit} karakter (sekarang {length}).").format(
                limit=limit, length=len(value))


def _check_contact(phone: str | None, email: str | None, problems: dict[str, str]) -> None:
    if phone and (not _PHONE_RE.match(phone) or sum(ch.isdigit() for ch in phone) < _MIN_PHONE_DIGITS):
        problems["phone"] = _("Nomor telepon tidak sah: tulis angkanya saja (boleh spasi, +, - dan tanda "
                              "kurung); contoh: 0812 3456 7890 atau (0517) 21000.")
    if email and ("@" not in email or " " in email or email.startswith("@") or email.endswith("@")):
        problems["email"] = _("Alamat e-mail tidak sah; contoh: dinsos@hulusungaiselatankab.go.id.")


def validate_office(data: OfficeInput) -> OfficeInput:
    """Check an office form; returns the cleaned input or raises ValidationError (field -> message)."""
    from atensi_desktop.domain.nip import check_nip
    from atensi_desktop.domain.wilayah import normalize_code

    problems: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if len(name) < 3:
        problems["name"] = _("Nama kantor wajib diisi (paling sedikit 3 huruf).")
    if data.office_type not in ref_list("office_types"):
        problems["office_type"] = _("Jenis kantor tidak dikenal; pilih LKS, panti, Dinas Sosial atau Sentra.")
    code = (data.code or suggest_code(name)).upper().replace(" ", "")
    if not _CODE_RE.match(code) and (data.code or "name" not in problems):  # no noise from a bad name
        problems["code"] = _("Kode kantor hanya huruf besar dan angka, 2–12 karakter (contoh: DSHSS).")
    wilayah = data.wilayah_code
    if wilayah:
        try:
            wilayah = normalize_code(wilayah)
        except ValueError:
            problems["wilayah_code"] = _("Kode wilayah {code} tidak sah; contoh: 63.06 atau 63.06.05.").format(
                code=repr(wilayah)
            )
    texts = {key: _clean(getattr(data, key)) for key in _OFFICE_LIMITS}
    texts["name"] = name
    _check_contact(texts["phone"], texts["email"], problems)
    head_nip = _clean(data.head_nip)
    if head_nip:
        nip = check_nip(head_nip)
        if nip.valid:
            head_nip = nip.nip
        else:
            problems["head_nip"] = nip.errors[0]
    _check_lengths(texts, _OFFICE_LIMITS, problems)
    if problems:
        raise ValidationError(problems)
    legal = " ".join(data.legal_basis.split()) if data.legal_basis else None
    lines = tuple(line.strip() for line in data.letterhead_lines if line and line.strip())
    return replace(data, code=code, wilayah_code=wilayah, legal_basis=legal or None, head_nip=head_nip,
                   letterhead_lines=lines, **texts)


def validate_worker(data: WorkerInput) -> WorkerInput:
    """Check a worker (pendamping) form: name, type, and the NIP (18 digits, decoded) when given."""
    from atensi_desktop.domain.nip import check_nip, normalize_nip

    problems: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if len(name) < 3:
        problems["name"] = _("Nama pendamping wajib diisi (paling sedikit 3 huruf).")
    if data.worker_type not in ref_list("worker_types"):
        problems["type"] = _("Jenis pendamping tidak dikenal.")
    nip = data.nip.strip() if data.nip else None
    if nip:
        check = check_nip(nip)
        if check.valid:
            nip = normalize_nip(nip)
        else:
            problems["nip"] = check.errors[0]
    texts = {key: _clean(getattr(data, key)) for key in _WORKER_LIMITS}
    texts["name"] = name
    _check_contact(texts["phone"], texts["email"], problems)
    _check_lengths(texts, _WORKER_LIMITS, problems)
    if problems:
        raise ValidationError(problems)
    return replace(data, nip=nip or None, **texts)


def worker_columns(data: WorkerInput) -> dict[str, object]:
    """The worker table's columns from a validated WorkerInput (office_id excepted)."""
    return {key: getattr(data, key) for key in WORKER_FIELDS}


def _to_dto(office: Office) -> OfficeDTO:
    return OfficeDTO(
        id=office.id,
        code=office.code,
        name=office.name,
        office_type=office.office_type,
        office_type_label=ref_list("office_types").label(office.office_type),
        wilayah_code=office.wilayah_code,
        address=office.address,
        city=office.city,
        postal_code=office.postal_code,
        phone=office.phone,
        email=office.email,
        letterhead_lines=tuple(office.letterhead_lines or ()),
        head_name=office.head_name,
        head_title=office.head_title,
        head_rank=office.head_rank,
        head_nip=office.head_nip,
        legal_basis=office.legal_basis or legal_basis_default(),
    )


def installation_office(db: Database) -> OfficeDTO | None:
    """The office this installation works for, or None before first-run set-up."""
    with db.session() as s:
        office_id = read_meta(s, "office_id")
        if not office_id:
            return None
        office = s.get(Office, uuid.UUID(office_id))
        return _to_dto(office) if office is not None else None


def office_input_from(office: OfficeDTO) -> OfficeInput:
    """The editable values of an existing office: edit with dataclasses.replace, then save them all.

    A form that shows only some fields must start from this, or saving would clear the others.
    """
    values = {f.name: getattr(office, f.name) for f in fields(OfficeInput)}
    if values["legal_basis"] == legal_basis_default():
        values["legal_basis"] = None
    return OfficeInput(**values)


def _apply(office: Office, data: OfficeInput) -> None:
    for f in fields(OfficeInput):
        value = getattr(data, f.name)
        if f.name == "letterhead_lines":
            value = list(value) or None
        if getattr(office, f.name) != value:
            setattr(office, f.name, value)


def setup_installation(db: Database, office: OfficeInput, worker: WorkerInput | None = None) -> SetupResult:
    """First run: create (or update) this installation's office, its first worker and the first user."""
    guard.check(db, OFFICE_SETTINGS)
    problems: dict[str, str] = {}
    try:
        data = validate_office(office)
    except ValidationError as err:
        problems.update(err.problems)
    if worker is not None:
        try:
            worker = validate_worker(worker)
        except ValidationError as err:
            problems.update({f"worker_{key}": message for key, message in err.problems.items()})
    if problems:
        raise ValidationError(problems)
    with db.session() as s:
        existing_id = read_meta(s, "office_id")
        row = s.get(Office, uuid.UUID(existing_id)) if existing_id else None
        _refuse_taken_code(s, data.code, row.id if row is not None else None)
        created = row is None
        if row is None:
            row = Office(id=uuid7(), code=data.code or "", name=data.name, office_type=data.office_type)
            row.owner_office_id = row.id
            s.info["office_id"] = row.id
            s.add(row)
        _apply(row, data)
        s.flush()
        s.info["office_id"] = row.id
        worker_id = None
        if worker is not None:
            w = Worker(office_id=row.id, **worker_columns(worker))
            s.add(w)
            s.flush()
            worker_id = w.id
        user_id_text = read_meta(s, "user_id")
        if user_id_text is None:
            user = User(name=worker.name if worker else "Administrator", office_id=row.id, worker_id=worker_id)
            s.add(user)
            s.flush()
            write_meta(s, "user_id", str(user.id))
            user_id = user.id
        else:
            user_id = uuid.UUID(user_id_text)
        write_meta(s, "office_id", str(row.id))
        dto = _to_dto(row)
    db.office_id, db.user_id = dto.id, user_id
    return SetupResult(office=dto, worker_id=worker_id, user_id=user_id, created=created)


def update_office(db: Database, office_id: uuid.UUID, data: OfficeInput) -> OfficeDTO:
    """Save an office's values (all of them: start from `office_input_from`); validated as `validate_office`."""
    guard.check(db, OFFICE_SETTINGS)
    clean = validate_office(data)
    with db.session() as s:
        row = s.get(Office, office_id)
        if row is None or row.deleted:
            raise NotFoundError(_("Kantor tidak ditemukan."), hint=_("Buka lagi daftar kantor."))
        _refuse_taken_code(s, clean.code, office_id)
        _apply(row, clean)
        s.flush()
        return _to_dto(row)


def create_office(db: Database, data: OfficeInput) -> OfficeDTO:
    """Record another office (a panti or LKS a client is referred to, a Sentra, another Dinas Sosial).

    This installation's own office is made by `setup_installation`, never here.
    """
    guard.check(db, OFFICE_SETTINGS)
    clean = validate_office(data)
    with db.session() as s:
        _refuse_taken_code(s, clean.code, None)
        row = Office(id=uuid7(), code=clean.code or "", name=clean.name, office_type=clean.office_type)
        row.owner_office_id = db.office_id or row.id
        s.add(row)
        _apply(row, clean)
        s.flush()
        return _to_dto(row)


def get_office(db: Database, office_id: uuid.UUID) -> OfficeDTO:
    with db.session() as s:
        row = s.get(Office, office_id)
        if row is None or row.deleted:
            raise NotFoundError(_("Kantor tidak ditemukan."), hint=_("Buka lagi daftar kantor."))
        return _to_dto(row)


def _refuse_taken_code(session, code: str | None, office_id: uuid.UUID | None) -> None:
    """Two offices with one code would make their client ids look alike: the code must be free."""
    if not code:
        return
    query = select(Office.name).where(Office.code == code, Office.deleted.is_(False))
    if office_id is not None:
        query = query.where(Office.id != office_id)
    other = session.scalars(query.limit(1)).first()
    if other is not None:
        raise ValidationError({"code": _("Kode {code} sudah dipakai oleh {office}; pilih kode lain.").format(
            code=code, office=other)})


def list_offices(db: Database, *, include_archived: bool = False) -> list[OfficeRow]:
    """Every live office (and archived ones when asked): this installation's first, then the others by name,
    with their active workers."""
    types = ref_list("office_types")
    workers = (select(Worker.office_id, func.count().label("n"))
               .where(Worker.deleted.is_(False), Worker.active.is_(True))
               .group_by(Worker.office_id).subquery())
    with db.session() as s:
        own = read_meta(s, "office_id")
        own_id = uuid.UUID(own) if own else None
        rows = s.execute(
            select(Office.id, Office.code, Office.name, Office.office_type, Office.wilayah_code, Wilayah.name,
                   Office.city, Office.phone, func.coalesce(workers.c.n, 0), Office.deleted)
            .outerjoin(Wilayah, Wilayah.code == Office.wilayah_code)
            .outerjoin(workers, workers.c.office_id == Office.id)
            .where(true() if include_archived else Office.deleted.is_(False))
        ).all()
    result = [OfficeRow(id=r[0], code=r[1], name=r[2], office_type=r[3], office_type_label=types.label(r[3]),
                        wilayah_code=r[4], wilayah_name=r[5], city=r[6], phone=r[7], workers=int(r[8]),
                        is_installation=r[0] == own_id, archived=bool(r[9])) for r in rows]
    result.sort(key=lambda row: (not row.is_installation, fold(row.name), row.code))
    return result


def archive_office(db: Database, office_id: uuid.UUID) -> None:
    """Tombstone another office (one no longer worked with): hidden from the lists, kept with its history, and
    still named on the cases and referrals that mention it. This installation's own office and an office
    with active workers are refused."""
    guard.check(db, OFFICE_SETTINGS)
    with db.session() as s:
        office = s.get(Office, office_id)
        if office is None:
            raise NotFoundError(_("Kantor tidak ditemukan."), hint=_("Buka lagi daftar kantor."))
        if office.deleted:
            return
        own = read_meta(s, "office_id")
        if own and uuid.UUID(own) == office_id:
            raise UserError(_("Kantor ini tidak bisa diarsipkan: instalasi ini bekerja atas namanya."),
                            hint=_("Ubah datanya bila perlu; kantor lain bisa diarsipkan."))
        active = s.scalar(select(func.count()).select_from(Worker).where(
            Worker.office_id == office_id, Worker.deleted.is_(False), Worker.active.is_(True))) or 0
        if active:
            raise UserError(_("{name} masih punya {count} petugas aktif.").format(name=office.name, count=active),
                            hint=_("Nonaktifkan petugasnya atau pindahkan ke kantor lain dulu, lalu arsipkan "
                                   "kantornya."))
        office.deleted = True


def restore_office(db: Database, office_id: uuid.UUID) -> None:
    """Bring an archived office back (refused if another office took its code meanwhile)."""
    guard.check(db, OFFICE_SETTINGS)
    with db.session() as s:
        office = s.get(Office, office_id)
        if office is None:
            raise NotFoundError(_("Kantor tidak ditemukan."), hint=_("Buka lagi daftar kantor."))
        if office.deleted:
            try:
                _refuse_taken_code(s, office.code, office.id)
            except ValidationError as exc:
                raise UserError(exc.problems["code"], hint=_(
                    "Ubah kode kantor yang memakainya sekarang, lalu pulihkan kantor ini.")) from exc
            office.deleted = False


def list_workers(db: Database, *, office_id: uuid.UUID | None = None) -> list[tuple[uuid.UUID, str, str]]:
    """(id, name, worker type label) of every worker not tombstoned, deactivated ones included (a filter over
    past cases needs them), by name. The Petugas screen uses services.workers.list_workers."""
    types = ref_list("worker_types")
    with db.session() as s:
        q = select(Worker.id, Worker.name, Worker.worker_type).where(Worker.deleted.is_(False))
        if office_id is not None:
            q = q.where(Worker.office_id == office_id)
        return [(i, n, types.label(t)) for i, n, t in s.execute(q.order_by(Worker.name))]

