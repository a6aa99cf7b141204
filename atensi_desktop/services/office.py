"""This installation's office identity, its first worker and user (first-run set-up, `init --office`)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, fields, replace

from sqlalchemy import select

from atensi_desktop.db.engine import Database, read_meta, write_meta
from atensi_desktop.db.models import Office, User, Worker
from atensi_desktop.domain.names import fold
from atensi_desktop.errors import UserError, ValidationError
from atensi_desktop.i18n import _
from atensi_desktop.refdata import legal_basis_default, ref_list
from atensi_desktop.sync.ids import uuid7

_SKIP_WORDS = {"dan", "di", "ke", "dari", "the", "of"}
_CODE_RE = re.compile(r"^[A-Z0-9]{2,12}$")


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
    if data.email and "@" not in data.email:
        problems["email"] = _("Alamat e-mail tidak sah; contoh: dinsos@hulusungaiselatankab.go.id.")
    if data.head_nip:
        nip = check_nip(data.head_nip)
        if not nip.valid:
            problems["head_nip"] = nip.errors[0]
    if problems:
        raise ValidationError(problems)
    legal = " ".join(data.legal_basis.split()) if data.legal_basis else None
    return replace(data, name=name, code=code, wilayah_code=wilayah, legal_basis=legal or None)


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
    if data.email and "@" not in data.email:
        problems["email"] = _("Alamat e-mail tidak sah; contoh: dinsos@hulusungaiselatankab.go.id.")
    if problems:
        raise ValidationError(problems)
    return replace(data, name=name, nip=nip or None)


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
            w = Worker(office_id=row.id, name=worker.name, worker_type=worker.worker_type,
                       nip=worker.nip, rank=worker.rank, position=worker.position,
                       certificate_no=worker.certificate_no, phone=worker.phone, email=worker.email)
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
    clean = validate_office(data)
    with db.session() as s:
        row = s.get(Office, office_id)
        if row is None or row.deleted:
            raise UserError(_("Kantor tidak ditemukan."))
        _apply(row, clean)
        s.flush()
        return _to_dto(row)


def list_workers(db: Database, *, office_id: uuid.UUID | None = None) -> list[tuple[uuid.UUID, str, str]]:
    """(id, name, worker type label) of active workers, by name."""
    types = ref_list("worker_types")
    with db.session() as s:
        q = select(Worker.id, Worker.name, Worker.worker_type).where(Worker.deleted.is_(False))
        if office_id is not None:
            q = q.where(Worker.office_id == office_id)
        return [(i, n, types.label(t)) for i, n, t in s.execute(q.order_by(Worker.name))]

