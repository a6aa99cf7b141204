"""The service-delivery log (Layanan): one rule for an entry, add, correct, cancel, list, attach proofs.

The log is append-only (sync-design.md §2.2): an entry's business fields are never updated. A correction
("koreksi") or a cancellation ("batal") is a new entry whose `amends_id` points to the entry it replaces; the
*effective* entries are those no live entry amends, less the cancellations themselves. Reports and the
timeline read effective entries; the history keeps everything.

**One rule, one place.** `check_entry` is the only judge of an entry, used by `add_entry`, `amend_entry`,
bulk distribution (services/distribution.py), the form and any import. It returns the errors (refused) and
the warnings (allowed, and for some a flag stored on the entry):

* the client exists and is neither archived nor merged; a named case belongs to the client;
* the service exists in its list: `service_kind` "atensi" (refdata `atensi_services`, the 7 components with
  an optional sub-item), "spm" (`spm_services`, the 11 basic-needs services of seed 004) or "rehab"
  (`rehab_forms`, PP 39/2012 Pasal 7); the approach, funding source, worker, office and plan activity exist;
* `date_until` (empty = one day) is not before `date_from`; no date is in the future;
* quantity > 0 with its unit; value in whole Rupiah, >= 0;
* the 7-day permakanan rule (below);
* warnings: a service outside the client's approved intervention plan (`flags.outside_plan`); an entry
  dated after the case's terminasi (`flags.after_termination`); an entry dated before the case was opened;
  the same service already recorded for an overlapping date (a possible double entry).

Errors come back by field (the keys of ENTRY_FIELDS, plus "permakanan_days" for the 7-day count over the
client's earlier entries), so a form can show each beside its field. Without a `case_id` key the entry goes
to the client's open case (and takes the case's approach when none is given); `case_id=None` records it
outside any case. "In the plan" means: linked to an activity of the client's approved plan
(`plan_activity_id`), or the same ATENSI component (any or the same sub-item) or SPM service as such an
activity; rehab forms count as planned only through the link.

**Permakanan, 7 days (our reading of seed 004).** Seed 004 lists, for rehabilitasi sosial dasar *outside*
a panti (the SPM of the kabupaten/kota), "permakanan diberikan paling lama 7 (tujuh) hari" as the first
basic-needs service; the other ten have no time limit. We read it as a limit on how long one person receives
SPM permakanan in one episode of service, so:

1. it applies to `service_kind` "spm", code "permakanan" only. ATENSI permakanan (the sub-item of
   "dukungan pemenuhan kebutuhan hidup layak", e.g. daily meals for lansia tunggal, domain.md §1.1) is
   another programme and has no such limit. The number of days comes from refdata (`max_days`);
2. one entry covers at most 7 days: `date_until - date_from + 1 <= 7` (a one-day entry counts 1);
3. all effective SPM permakanan entries of the client *in the same case* together cover at most 7 distinct
   days (overlapping entries count a day once): a case is one episode, so splitting 9 days into 5 + 4 does
   not get round the rule. A correction replaces its original, so the original's days are not counted;
4. without a case there is no episode to count in; the entries without a case that touch or overlap the new
   one form one continuous stay, and that stay may not exceed 7 days either.

What is over the limit can be recorded as another service (e.g. ATENSI permakanan) when that is what was
given, which is what the messages suggest. No regulation text confirms the rule (domain.md §3.5); it lives in
refdata and in this one function.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from atensi_desktop.blobstore import BlobStore
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import (
    Client,
    ClientCase,
    InterventionActivity,
    InterventionPlan,
    Office,
    ServiceAttachment,
    ServiceEntry,
    User,
    Worker,
)
from atensi_desktop.errors import NotFoundError, StorageError, UserError, ValidationError
from atensi_desktop.i18n import N_, _, format_date_short, format_number
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CLIENT_VIEW, SERVICE_ADD
from atensi_desktop.sync.ids import uuid7

KIND_LISTS = {"atensi": "atensi_services", "spm": "spm_services", "rehab": "rehab_forms"}
KIND_LABELS = {"atensi": N_("Layanan ATENSI"), "spm": N_("Layanan SPM"), "rehab": N_("Bentuk rehabilitasi sosial")}
ENTRY_NEW, ENTRY_CORRECTION, ENTRY_CANCEL = "baru", "koreksi", "batal"
ENTRY_TYPES = {ENTRY_NEW: N_("Baru"), ENTRY_CORRECTION: N_("Koreksi"), ENTRY_CANCEL: N_("Batal")}
PERMAKANAN = ("spm", "permakanan")
# What the worker may type; the rest of the columns are set by the log itself.
ENTRY_FIELDS = ("client_id", "case_id", "service_kind", "service_code", "subitem_code", "date_from", "date_until",
                "approach", "quantity", "unit", "value_rp", "funding_source", "provider_worker_id",
                "provider_office_id", "location", "plan_activity_id", "note", "entered_by")
FLAG_OUTSIDE_PLAN, FLAG_AFTER_TERMINATION = "outside_plan", "after_termination"
# Error keys that depend on who receives the service rather than on what is given (bulk distribution reports
# these per recipient); "permakanan_days" is the 7-day count over the client's earlier permakanan.
RECIPIENT_FIELDS = frozenset({"client_id", "case_id", "plan_activity_id", "permakanan_days"})
ATTACHMENT_KINDS = {"tanda_terima": N_("Tanda terima"), "kuitansi": N_("Kuitansi"), "foto": N_("Foto")}
ATTACHMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
NOTE_MAX, LOCATION_MAX, UNIT_MAX = 2000, 200, 30
LIST_LIMIT = 500
_CHUNK = 500


# --- what callers get back -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ServiceEntryDTO:
    id: uuid.UUID
    client_id: uuid.UUID
    case_id: uuid.UUID | None
    entry_type: str
    service_kind: str
    service_code: str
    subitem_code: str | None
    date_from: dt.date
    date_until: dt.date | None
    approach: str | None
    quantity: Decimal | None
    unit: str | None
    value_rp: int | None
    funding_source: str | None
    provider_worker_id: uuid.UUID | None
    provider_office_id: uuid.UUID | None
    location: str | None
    plan_activity_id: uuid.UUID | None
    note: str | None
    reason: str | None
    amends_id: uuid.UUID | None
    distribution_id: uuid.UUID | None
    flags: Mapping[str, Any]
    entered_by: uuid.UUID | None
    created_at: dt.datetime | None
    superseded: bool = False  # a later live entry amends this one
    warnings: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return service_days(self.date_from, self.date_until)

    @property
    def effective(self) -> bool:
        return not self.superseded and self.entry_type != ENTRY_CANCEL

    @property
    def service_label(self) -> str:
        return service_label(self.service_kind, self.service_code, self.subitem_code)

    @property
    def kind_label(self) -> str:
        return _(KIND_LABELS.get(self.service_kind, self.service_kind))

    @property
    def entry_type_label(self) -> str:
        return _(ENTRY_TYPES.get(self.entry_type, self.entry_type))

    @property
    def outside_plan(self) -> bool:
        return bool(self.flags.get(FLAG_OUTSIDE_PLAN))

    @property
    def after_termination(self) -> bool:
        return bool(self.flags.get(FLAG_AFTER_TERMINATION))


@dataclass(frozen=True)
class AttachmentDTO:
    id: uuid.UUID
    entry_id: uuid.UUID
    kind: str
    sha256: str
    file_name: str
    media_type: str
    size: int
    note: str | None

    @property
    def kind_label(self) -> str:
        return attachment_kind_label(self.kind)


@dataclass
class CheckResult:
    """What `check_entry` found: the cleaned values, errors by field, warnings and the flags to store."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    flags: dict[str, bool] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class ServiceRuleError(ValidationError):
    """An entry the rules refuse: `problems` holds every error by field; the message lists them all."""

    def __init__(self, problems: Mapping[str, str], warnings: Sequence[str] = ()) -> None:
        super().__init__(dict(problems))
        self.message = " ".join(self.problems.values())
        self.args = (self.message,)
        self.warnings = tuple(warnings)


# --- labels and small helpers ----------------------------------------------------------------------------

def service_days(date_from: dt.date, date_until: dt.date | None) -> int:
    """Days covered by an entry, both ends counted (an entry without an end date is one day)."""
    return ((date_until or date_from) - date_from).days + 1


def service_label(kind: str, code: str, subitem: str | None = None) -> str:
    listname = KIND_LISTS.get(kind)
    if listname is None:
        return code
    item = ref_list(listname).get(code)
    label = item.label if item else code
    if subitem:
        sub = _subitems(kind, code).get(subitem)
        label = f"{label} \u2014 {sub or subitem}"
    return label


def attachment_kind_label(kind: str) -> str:
    if kind in ATTACHMENT_KINDS:
        return _(ATTACHMENT_KINDS[kind])
    return ref_list("document_kinds").label(kind)


def attachment_kinds() -> list[tuple[str, str]]:
    """(code, label) of the kinds of proof a service entry may carry."""
    extra = [(i.code, i.label) for i in ref_list("document_kinds").items if i.code not in ATTACHMENT_KINDS]
    return [(code, _(label)) for code, label in ATTACHMENT_KINDS.items()] + extra


def service_choices() -> list[tuple[str, str, str | None, str]]:
    """(kind, code, subitem, label) of every service a worker may record, in list order."""
    found: list[tuple[str, str, str | None, str]] = []
    for kind, listname in KIND_LISTS.items():
        for item in ref_list(listname).items:
            found.append((kind, item.code, None, item.label))
            for sub in item.extra.get("subitems", ()):
                found.append((kind, item.code, sub["code"], f"{item.label} \u2014 {sub['label']}"))
    return found


def _subitems(kind: str, code: str) -> dict[str, str]:
    if kind != "atensi":
        return {}
    item = ref_list("atensi_services").get(code)
    return {sub["code"]: sub["label"] for sub in item.extra.get("subitems", ())} if item else {}


def resolve_service(text: str) -> tuple[str, str, str | None]:
    """(kind, code, subitem) for what a user typed: "spm:permakanan", "atensi:terapi/terapi_fisik",
    "rehab:bimbingan_fisik", or a bare code when only one list has it (components before sub-items)."""
    raw = (text or "").strip().lower()
    if not raw:
        raise UserError(_("Sebutkan layanannya, misalnya spm:permakanan atau atensi:terapi/terapi_fisik."))
    kind: str | None = None
    if ":" in raw:
        kind, raw = (p.strip() for p in raw.split(":", 1))
        if kind not in KIND_LISTS:
            raise UserError(_("Jenis layanan {kind} tidak dikenali; pakai atensi, spm atau rehab.").format(
                kind=repr(kind)))
    code, _slash, sub = raw.partition("/")
    code, sub = code.strip(), sub.strip() or None
    kinds = [kind] if kind else list(KIND_LISTS)
    top = [k for k in kinds if code in ref_list(KIND_LISTS[k])]
    if len(top) == 1:
        return top[0], code, sub
    if len(top) > 1:
        raise UserError(_("Layanan {code} ada di beberapa daftar; tulis salah satunya: {options}.").format(
            code=repr(code), options=", ".join(f"{k}:{code}" for k in top)))
    if sub is None:  # a bare sub-item code
        owners = [(k, item.code) for k in kinds if k == "atensi" for item in ref_list("atensi_services").items
                  if code in _subitems("atensi", item.code)]
        if len(owners) == 1:
            return owners[0][0], owners[0][1], code
    raise UserError(_("Layanan {code} tidak dikenali.").format(code=repr(text.strip())),
                    hint=_("Pilih dari daftar layanan ATENSI, SPM atau bentuk rehabilitasi sosial."))


# --- lookups (one query per question, or preloaded for many clients at once) -----------------------------

_LATER = aliased(ServiceEntry, name="later")  # made once: a new alias per query defeats the statement cache


def _amended(entry: Any = ServiceEntry) -> Any:
    """SQL condition: a live entry amends `entry` (a correction or a cancellation of it exists)."""
    return exists().where(_LATER.amends_id == entry.id, _LATER.deleted == false())


def _effective(entry: Any = ServiceEntry) -> Any:
    """SQL condition: a live entry that no live entry amends and that is not a cancellation."""
    return and_(entry.deleted == false(), entry.entry_type != ENTRY_CANCEL, ~_amended(entry))


class _Lookups:
    """What the rule needs to know from the database, asked one client at a time."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self._known: dict[tuple[str, uuid.UUID], bool] = {}  # worker and office answers, asked once

    def client(self, client_id: uuid.UUID) -> Client | None:
        return self.s.get(Client, client_id)

    def case(self, case_id: uuid.UUID) -> ClientCase | None:
        return self.s.get(ClientCase, case_id)

    def open_case(self, client_id: uuid.UUID) -> ClientCase | None:
        return self.s.scalars(select(ClientCase).where(
            ClientCase.client_id == client_id, ClientCase.deleted == false(), ClientCase.closed_on.is_(None))
            .order_by(ClientCase.opened_on.desc()).limit(1)).first()

    def worker_exists(self, worker_id: uuid.UUID) -> bool:
        key = ("worker", worker_id)
        if key not in self._known:
            self._known[key] = self.s.scalar(select(Worker.id).where(
                Worker.id == worker_id, Worker.deleted == false())) is not None
        return self._known[key]

    def office_exists(self, office_id: uuid.UUID) -> bool:
        key = ("office", office_id)
        if key not in self._known:
            self._known[key] = self.s.scalar(select(Office.id).where(
                Office.id == office_id, Office.deleted == false())) is not None
        return self._known[key]

    def activity(self, activity_id: uuid.UUID) -> tuple[InterventionActivity, InterventionPlan] | None:
        row = self.s.execute(select(InterventionActivity, InterventionPlan)
                             .join(InterventionPlan, InterventionPlan.id == InterventionActivity.plan_id)
                             .where(InterventionActivity.id == activity_id)).first()
        return (row[0], row[1]) if row else None

    def plan_services(self, client_id: uuid.UUID) -> list[tuple]:
        """(plan case id, activity id, atensi_service, atensi_subitem, spm_service) of the client's approved
        plans' live activities."""
        return [tuple(r)[1:] for r in self.s.execute(_plan_services_query([client_id]))]

    def permakanan(self, client_id: uuid.UUID) -> list[tuple]:
        """(id, case_id, date_from, date_until) of the client's effective SPM permakanan entries."""
        return [tuple(r)[1:] for r in self.s.execute(_permakanan_query([client_id]))]

    def overlapping(self, client_id: uuid.UUID, kind: str, code: str, subitem: str | None, first: dt.date,
                    last: dt.date) -> list[tuple]:
        """(id, date_from) of the client's effective entries of this service overlapping [first, last]."""
        return [tuple(r)[1:] for r in self.s.execute(_overlap_query([client_id], kind, code, subitem, first, last))]


def _plan_services_query(client_ids: Sequence[uuid.UUID]) -> Any:
    return (select(InterventionPlan.client_id, InterventionPlan.case_id, InterventionActivity.id,
                   InterventionActivity.atensi_service, InterventionActivity.atensi_subitem,
                   InterventionActivity.spm_service)
            .join(InterventionActivity, InterventionActivity.plan_id == InterventionPlan.id)
            .where(InterventionPlan.client_id.in_(list(client_ids)), InterventionPlan.status == "disetujui",
                   InterventionPlan.deleted == false(), InterventionActivity.deleted == false()))


def _permakanan_query(client_ids: Sequence[uuid.UUID]) -> Any:
    return (select(ServiceEntry.client_id, ServiceEntry.id, ServiceEntry.case_id, ServiceEntry.date_from,
                   ServiceEntry.date_until)
            .where(ServiceEntry.client_id.in_(list(client_ids)), ServiceEntry.service_kind == PERMAKANAN[0],
                   ServiceEntry.service_code == PERMAKANAN[1], _effective()))


def _overlap_query(client_ids: Sequence[uuid.UUID], kind: str, code: str, subitem: str | None, first: dt.date,
                   last: dt.date) -> Any:
    sub = ServiceEntry.subitem_code.is_(None) if subitem is None else ServiceEntry.subitem_code == subitem
    # an entry starts at most 366 days before it ends (the index on (client_id, date_from) bounds the scan)
    return (select(ServiceEntry.client_id, ServiceEntry.id, ServiceEntry.date_from)
            .where(ServiceEntry.client_id.in_(list(client_ids)), ServiceEntry.date_from <= last,
                   ServiceEntry.date_from >= first - dt.timedelta(days=366),
                   func.coalesce(ServiceEntry.date_until, ServiceEntry.date_from) >= first,
                   ServiceEntry.service_kind == kind, ServiceEntry.service_code == code, sub, _effective()))


class _Preloaded(_Lookups):
    """The same answers for many clients, read with a few IN (...) queries per chunk of clients (bulk
    distribution). Only clients named in `client_ids` and one service/date range are known."""

    def __init__(self, s: Session, client_ids: Sequence[uuid.UUID], service: tuple[str, str, str | None],
                 first: dt.date, last: dt.date) -> None:
        super().__init__(s)
        self._clients: dict[uuid.UUID, Client] = {}
        self._open: dict[uuid.UUID, ClientCase] = {}
        self._plans: dict[uuid.UUID, list[tuple]] = {}
        self._perm: dict[uuid.UUID, list[tuple]] = {}
        self._overlap: dict[uuid.UUID, list[tuple]] = {}
        self._key = (service, first, last)
        kind, code, subitem = service
        for i in range(0, len(client_ids), _CHUNK):
            ids = list(client_ids[i:i + _CHUNK])
            for client in s.scalars(select(Client).where(Client.id.in_(ids))):
                self._clients[client.id] = client
            for case in s.scalars(select(ClientCase).where(
                    ClientCase.client_id.in_(ids), ClientCase.deleted == false(), ClientCase.closed_on.is_(None))
                    .order_by(ClientCase.opened_on)):
                self._open[case.client_id] = case  # the newest wins, as in open_case
            for r in s.execute(_plan_services_query(ids)):
                self._plans.setdefault(r[0], []).append(tuple(r)[1:])
            if (kind, code) == PERMAKANAN:
                for r in s.execute(_permakanan_query(ids)):
                    self._perm.setdefault(r[0], []).append(tuple(r)[1:])
            for r in s.execute(_overlap_query(ids, kind, code, subitem, first, last)):
                self._overlap.setdefault(r[0], []).append(tuple(r)[1:])

    def client(self, client_id: uuid.UUID) -> Client | None:
        return self._clients.get(client_id)

    def open_case(self, client_id: uuid.UUID) -> ClientCase | None:
        return self._open.get(client_id)

    def plan_services(self, client_id: uuid.UUID) -> list[tuple]:
        return self._plans.get(client_id, [])

    def permakanan(self, client_id: uuid.UUID) -> list[tuple]:
        return self._perm.get(client_id, [])

    def overlapping(self, client_id: uuid.UUID, kind: str, code: str, subitem: str | None, first: dt.date,
                    last: dt.date) -> list[tuple]:
        if ((kind, code, subitem), first, last) != self._key:
            return super().overlapping(client_id, kind, code, subitem, first, last)
        return self._overlap.get(client_id, [])


# --- the rule --------------------------------------------------------------------------------------------

def check_entry(session_or_db: Session | Database, values: Mapping[str, Any],
                today: dt.date | None = None, *, replacing: uuid.UUID | None = None
                ) -> tuple[dict[str, str], list[str]]:
    """The one rule for a service entry: (errors by field, warnings). See the module docstring.

    `values` uses the keys of ENTRY_FIELDS. Without a `case_id` key the client's open case is assumed;
    `case_id=None` records a service outside any case. `replacing`: the entry a correction replaces, judged
    as `amend_entry` will (its days do not count against the permakanan limit, it is not a "possible double
    entry"). Writes nothing.
    """
    if isinstance(session_or_db, Database):
        with session_or_db.session() as s:
            result = evaluate(s, values, today, replacing=replacing)
    else:
        result = evaluate(session_or_db, values, today, replacing=replacing)
    return dict(result.errors), list(result.warnings)


def evaluate(s: Session, values: Mapping[str, Any], today: dt.date | None = None, *,
             replacing: uuid.UUID | None = None, lookups: _Lookups | None = None) -> CheckResult:
    """`check_entry` with everything it found: cleaned values and flags too. `replacing` names the entry a
    correction replaces (its days are not counted against the new values)."""
    today = today or dt.date.today()
    look = lookups or _Lookups(s)
    res = CheckResult()
    unknown = set(values) - set(ENTRY_FIELDS)
    if unknown:
        raise TypeError(f"unknown service entry fields: {sorted(unknown)}")
    v, err = res.values, res.errors

    # -- who: the client and the case
    client = None
    v["client_id"] = _uuid(values.get("client_id"), "client_id", err, _("Pilih klien penerima layanan."))
    if v["client_id"] is not None:
        client = look.client(v["client_id"])
        if client is None:
            err["client_id"] = _("Klien tidak ditemukan; cari lagi di daftar klien.")
        elif client.merged_into is not None:
            err["client_id"] = _("Klien ini sudah digabung ke klien lain; catat layanan pada klien hasil "
                                 "penggabungan.")
        elif client.deleted:
            err["client_id"] = _("Klien ini sudah diarsipkan; pulihkan dulu bila ingin mencatat layanannya.")
    case = None
    if "case_id" in values:
        v["case_id"] = _uuid(values.get("case_id"), "case_id", err, None)
        if v["case_id"] is not None:
            case = look.case(v["case_id"])
            if case is None or case.deleted or (client is not None and case.client_id != client.id):
                err["case_id"] = _("Kasus ini bukan milik klien ini; pilih kasus klien ini.")
                case = None
    else:
        case = look.open_case(client.id) if client is not None and "client_id" not in err else None
        v["case_id"] = case.id if case is not None else None

    # -- what: the service
    kind, code = values.get("service_kind"), _text(values.get("service_code"))
    subitem = _text(values.get("subitem_code"))
    if kind not in KIND_LISTS:
        err["service_kind"] = _("Pilih jenis layanan: ATENSI, SPM atau bentuk rehabilitasi sosial.")
    elif not code or code not in ref_list(KIND_LISTS[kind]):
        err["service_code"] = _("Layanan {code} tidak ada dalam daftar {kind}; pilih dari daftar.").format(
            code=repr(code or ""), kind=_(KIND_LABELS[kind]))
    elif subitem is not None and subitem not in _subitems(kind, code):
        err["subitem_code"] = _("Rincian {sub} bukan bagian dari layanan {service}; pilih dari daftar.").format(
            sub=repr(subitem), service=service_label(kind, code))
    v.update(service_kind=kind, service_code=code, subitem_code=subitem)

    # -- when
    v["date_from"] = _date(values.get("date_from"), "date_from", err, required=True)
    v["date_until"] = _date(values.get("date_until"), "date_until", err, required=False)
    first, last = v["date_from"], v["date_until"] or v["date_from"]
    if first is not None and v["date_until"] is not None and v["date_until"] < first:
        err["date_until"] = _("Tanggal selesai ({until}) sebelum tanggal mulai ({start}); perbaiki tanggalnya.").format(
            until=format_date_short(v["date_until"]), start=format_date_short(first))
    elif first is not None:
        if last > today:
            key = "date_from" if first > today else "date_until"
            err[key] = _("Tanggal layanan tidak boleh di masa depan ({date}); catat layanan sesudah diberikan."
                         ).format(date=format_date_short(first if first > today else last))
        if (kind, code) == PERMAKANAN:  # one entry's length: needs nothing from the database
            _check_permakanan_length(res, first, last)

    # -- how much
    v["quantity"] = _quantity(values.get("quantity"), err)
    v["unit"] = _limited(values.get("unit"), "unit", UNIT_MAX, err)
    if v["quantity"] is not None and not v["unit"] and "quantity" not in err:
        err["unit"] = _("Tulis satuan jumlahnya, misalnya paket, kali, hari atau buah.")
    elif v["unit"] and v["quantity"] is None and "quantity" not in err:
        err["quantity"] = _("Tulis jumlahnya (lebih dari 0) untuk satuan {unit}.").format(unit=v["unit"])
    v["value_rp"] = _rupiah(values.get("value_rp"), err)

    # -- the rest
    approach = _text(values.get("approach"))
    if approach is None and case is not None:
        approach = case.approach
    if approach is not None and approach not in ref_list("approaches"):
        err["approach"] = _("Pendekatan tidak dikenali; pilih keluarga, komunitas atau residensial.")
    v["approach"] = approach
    funding = _text(values.get("funding_source"))
    if funding is not None and funding not in ref_list("funding_sources"):
        err["funding_source"] = _("Sumber dana tidak dikenali; pilih APBN, APBD atau lainnya.")
    v["funding_source"] = funding
    v["provider_worker_id"] = _uuid(values.get("provider_worker_id"), "provider_worker_id", err, None)
    if v["provider_worker_id"] is not None and not look.worker_exists(v["provider_worker_id"]):
        err["provider_worker_id"] = _("Petugas pemberi layanan tidak ada; pilih petugas lain.")
    v["provider_office_id"] = _uuid(values.get("provider_office_id"), "provider_office_id", err, None)
    if v["provider_office_id"] is not None and not look.office_exists(v["provider_office_id"]):
        err["provider_office_id"] = _("Kantor pemberi layanan tidak dikenali; pilih dari daftar.")
    v["location"] = _limited(values.get("location"), "location", LOCATION_MAX, err)
    v["note"] = _limited(values.get("note"), "note", NOTE_MAX, err, keep_lines=True)
    v["entered_by"] = _uuid(values.get("entered_by"), "entered_by", err, None)
    v["plan_activity_id"] = _uuid(values.get("plan_activity_id"), "plan_activity_id", err, None)
    linked = None
    if v["plan_activity_id"] is not None:
        linked = look.activity(v["plan_activity_id"])
        if linked is None or linked[0].deleted or linked[1].deleted or (
                client is not None and linked[1].client_id != client.id):
            err["plan_activity_id"] = _("Kegiatan rencana ini bukan milik rencana intervensi klien ini.")
            linked = None

    if err or client is None:
        return res

    # -- the 7-day permakanan rule
    if (kind, code) == PERMAKANAN:
        _check_permakanan(look, res, client.id, v["case_id"], first, last, replacing)
    if err:
        return res

    # -- warnings
    if case is not None:
        if case.closed_on is not None and last > case.closed_on:
            res.flags[FLAG_AFTER_TERMINATION] = True
            res.warnings.append(_(
                "Layanan ini tercatat sesudah terminasi kasus ({date}). Bila ini bimbingan lanjut, lanjutkan; "
                "bila bukan, periksa tanggal atau kasusnya.").format(date=format_date_short(case.closed_on)))
        if first < case.opened_on:
            res.warnings.append(_("Tanggal layanan sebelum kasus dibuka ({date}); periksa tanggalnya.").format(
                date=format_date_short(case.opened_on)))
    _check_plan(look, res, client.id, case, linked)
    twins = [d for eid, d in look.overlapping(client.id, kind, code, subitem, first, last) if eid != replacing]
    if twins:
        res.warnings.append(_("Layanan yang sama sudah tercatat untuk klien ini pada {date}; pastikan ini bukan "
                              "catatan ganda.").format(date=format_date_short(min(twins))))
    return res


def permakanan_limit() -> int:
    """The most days of SPM permakanan (refdata `spm_services`, `max_days`; seed 004 says 7)."""
    item = ref_list("spm_services").get(PERMAKANAN[1])
    return int(item.extra.get("max_days", 7)) if item is not None else 7


def _check_permakanan_length(res: CheckResult, first: dt.date, last: dt.date) -> None:
    limit, days = permakanan_limit(), service_days(first, last)
    if days > limit:
        message = _("Permakanan paling lama {limit} hari (SPM rehabilitasi sosial dasar); yang diisi {days} hari. "
                    "Pecah menjadi dua layanan atau perbaiki tanggalnya.").format(limit=limit, days=days)
        res.errors["date_until"] = f"{res.errors['date_until']} {message}" if "date_until" in res.errors else message


def _check_permakanan(look: _Lookups, res: CheckResult, client_id: uuid.UUID, case_id: uuid.UUID | None,
                      first: dt.date, last: dt.date, replacing: uuid.UUID | None) -> None:
    """The days already recorded in the case (or the stay) plus this entry's: at most the limit."""
    limit = permakanan_limit()
    others = [(f, u or f) for eid, cid, f, u in look.permakanan(client_id)
              if eid != replacing and cid == case_id]
    new = _day_set([(first, last)])
    if case_id is None:  # the continuous stay the new entry belongs to
        stay, grew = set(new), True
        while grew:
            grew = False
            for f, u in others:
                span = _day_set([(f, u)])
                if span.isdisjoint(stay) and not _touches(stay, f, u):
                    continue
                if not span <= stay:
                    stay |= span
                    grew = True
        used = stay - new
        total = len(stay)
    else:
        used = _day_set(others) - new
        total = len(used) + len(new)
    if total > limit:
        if case_id is not None:
            message = _("Permakanan SPM untuk kasus ini sudah tercatat {used} hari; dengan layanan ini menjadi "
                        "{total} hari, padahal paling lama {limit} hari (SPM rehabilitasi sosial dasar). Yang masih "
                        "boleh dicatat {left} hari; catat sisanya sebagai layanan lain (mis. permakanan ATENSI) bila "
                        "memang begitu, atau perbaiki tanggalnya.")
        else:
            message = _("Permakanan SPM tanpa kasus pada hari-hari berurutan ini sudah tercatat {used} hari; dengan "
                        "layanan ini menjadi {total} hari, padahal paling lama {limit} hari (SPM rehabilitasi sosial "
                        "dasar). Yang masih boleh dicatat {left} hari; catat sisanya sebagai layanan lain (mis. "
                        "permakanan ATENSI) bila memang begitu, atau perbaiki tanggalnya.")
        res.errors["permakanan_days"] = message.format(used=len(used), total=total, limit=limit,
                                                       left=max(limit - len(used), 0))


def _day_set(ranges: Iterable[tuple[dt.date, dt.date]]) -> set[dt.date]:
    days: set[dt.date] = set()
    for f, u in ranges:
        days.update(f + dt.timedelta(days=i) for i in range((u - f).days + 1))
    return days


def _touches(days: set[dt.date], f: dt.date, u: dt.date) -> bool:
    one = dt.timedelta(days=1)
    return (f - one) in days or (u + one) in days


def _check_plan(look: _Lookups, res: CheckResult, client_id: uuid.UUID, case: ClientCase | None,
                linked: tuple[InterventionActivity, InterventionPlan] | None) -> None:
    kind, code, subitem = res.values["service_kind"], res.values["service_code"], res.values["subitem_code"]
    if linked is not None and linked[1].status == "disetujui":
        act = linked[0]
        if not _activity_matches(kind, code, subitem, act.atensi_service, act.atensi_subitem, act.spm_service) \
                and kind != "rehab":
            res.warnings.append(_("Layanan ini berbeda dengan layanan pada kegiatan rencana yang dipilih; "
                                  "periksa lagi pilihannya."))
        return
    activities = [a for a in look.plan_services(client_id)
                  if case is None or a[0] is None or a[0] == case.id]
    if any(_activity_matches(kind, code, subitem, a[2], a[3], a[4]) for a in activities):
        return
    res.flags[FLAG_OUTSIDE_PLAN] = True
    if not activities:
        res.warnings.append(_("Klien ini belum punya rencana intervensi yang disetujui; layanan tetap dicatat "
                              "dan ditandai \u201cdi luar rencana\u201d."))
    else:
        res.warnings.append(_("Layanan ini tidak ada dalam rencana intervensi klien yang disetujui; tetap "
                              "dicatat dan ditandai \u201cdi luar rencana\u201d."))


def _activity_matches(kind: str, code: str, subitem: str | None, a_service: str | None, a_sub: str | None,
                      a_spm: str | None) -> bool:
    if kind == "spm":
        return a_spm == code
    if kind == "atensi":
        return a_service == code and (subitem is None or a_sub is None or a_sub == subitem)
    return False


# --- value parsing ---------------------------------------------------------------------------------------

def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _limited(value: Any, key: str, limit: int, err: dict[str, str], *, keep_lines: bool = False) -> str | None:
    text = (str(value).strip() or None) if keep_lines and value is not None else _text(value)
    if text is not None and len(text) > limit:
        err[key] = _("Isian terlalu panjang ({n} huruf); paling banyak {limit}.").format(n=len(text), limit=limit)
    return text


def _uuid(value: Any, key: str, err: dict[str, str], missing: str | None) -> uuid.UUID | None:
    if value is None or value == "":
        if missing:
            err[key] = missing
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        err[key] = _("Pilihan ini tidak dikenali; pilih dari daftar.")
        return None


def parse_date(value: Any) -> dt.date | None:
    """A date from a date, 'YYYY-MM-DD' or 'DD-MM-YYYY' (also with '/' or '.'); None when empty; ValueError
    when not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        return dt.date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text)
    if m:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    raise ValueError(text)


def _date(value: Any, key: str, err: dict[str, str], *, required: bool) -> dt.date | None:
    try:
        parsed = parse_date(value)
    except ValueError:
        err[key] = _("Tanggal tidak dikenali; tulis sebagai hari-bulan-tahun, misalnya 05-03-2026.")
        return None
    if parsed is None and required:
        err[key] = _("Isi tanggal layanan.")
    return parsed


def _quantity(value: Any, err: dict[str, str]) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        err["quantity"] = _("Jumlah harus angka lebih dari 0.")
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ".")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number <= 0:
        err["quantity"] = _("Jumlah harus angka lebih dari 0.")
        return None
    if number != number.quantize(Decimal("0.001")) or number >= Decimal("1e11"):
        err["quantity"] = _("Jumlah paling banyak 3 angka di belakang koma.")
        return None
    return number


_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def rupiah_number(text: str) -> Decimal | None:
    """The number in '150000', '150.000', 'Rp 150.000' or '150000,00' (Indonesian thousands dots, decimal
    comma); None when the text is not a number. Forms and imports read typed Rupiah with this."""
    text = re.sub(r"(?i)^rp\.?\s*", "", text.strip()).replace(" ", "")
    if _THOUSANDS.match(text):
        text = text.replace(".", "")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def parse_rupiah(text: str) -> int | None:
    """Whole, non-negative Rupiah typed as `rupiah_number` reads it; None otherwise (the rule's message then
    comes from `check_entry`)."""
    number = rupiah_number(text)
    if number is None or not number.is_finite() or number < 0 or number != number.to_integral_value():
        return None
    return int(number)


def _rupiah(value: Any, err: dict[str, str]) -> int | None:
    """Whole Rupiah >= 0 from an int, a whole Decimal/float, or text like '150000', '150.000', 'Rp 150.000'."""
    if value is None or value == "":
        return None
    number: Decimal | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float | Decimal):
        number = Decimal(str(value))
    else:
        number = rupiah_number(str(value))
    if number is None or not number.is_finite():
        err["value_rp"] = _("Nilai harus angka Rupiah, misalnya 150000.")
        return None
    if number != number.to_integral_value():
        err["value_rp"] = _("Nilai ditulis dalam Rupiah utuh, tanpa sen.")
        return None
    if number < 0:
        err["value_rp"] = _("Nilai tidak boleh negatif.")
        return None
    if number >= Decimal("1e15"):
        err["value_rp"] = _("Nilai ini terlalu besar; periksa lagi angkanya.")
        return None
    return int(number)


# --- add, correct, cancel --------------------------------------------------------------------------------

def add_entry(db: Database, values: Mapping[str, Any], today: dt.date | None = None) -> ServiceEntryDTO:
    """Record one service (checked by `check_entry`); the warnings come back on the result. Refused with
    ServiceRuleError naming every error. The provider office defaults to this installation's office, the
    author (`entered_by`) to the worker of the signed-in user."""
    guard.check(db, SERVICE_ADD, client_id=guard.as_uuid(values.get("client_id")))
    with db.session() as s:
        values = _with_defaults(s, db, values)
        res = evaluate(s, values, today)
        if res.errors:
            raise ServiceRuleError(res.errors, res.warnings)
        row = ServiceEntry(id=uuid7(), entry_type=ENTRY_NEW, flags=dict(res.flags) or None, **res.values)
        s.add(row)
        s.flush()
        return _dto(row, warnings=res.warnings)


def amend_entry(db: Database, entry_id: uuid.UUID, changes: Mapping[str, Any], reason: str, *,
                entered_by: uuid.UUID | None = None, today: dt.date | None = None) -> ServiceEntryDTO:
    """Correct an entry: a new "koreksi" entry with the original's values changed by `changes`, checked by
    the same rule, pointing to the original (`amends_id`); the original's attachments are carried over."""
    guard.check_row(db, SERVICE_ADD, ServiceEntry, entry_id)
    reason_text = _reason(reason)
    if "client_id" in changes:
        raise ServiceRuleError({"client_id": _(
            "Klien sebuah layanan tidak bisa dikoreksi; batalkan layanan ini lalu catat pada klien yang benar.")})
    with db.session() as s:
        original = _amendable(s, entry_id)
        values = {k: getattr(original, k) for k in ENTRY_FIELDS} | dict(changes)
        values["entered_by"] = entered_by if entered_by is not None else _default_author(s, db)
        res = evaluate(s, values, today, replacing=original.id)
        if res.errors:
            raise ServiceRuleError(res.errors, res.warnings)
        if all(_same(getattr(original, k), res.values[k]) for k in ENTRY_FIELDS if k != "entered_by"):
            raise UserError(_("Tidak ada yang berubah pada layanan ini."),
                            hint=_("Ubah isian yang salah, lalu simpan koreksinya."))
        row = ServiceEntry(id=uuid7(), entry_type=ENTRY_CORRECTION, amends_id=original.id, reason=reason_text,
                           distribution_id=original.distribution_id, flags=dict(res.flags) or None, **res.values)
        s.add(row)
        for att in s.scalars(select(ServiceAttachment).where(ServiceAttachment.entry_id == original.id,
                                                             ServiceAttachment.deleted == false())):
            s.add(ServiceAttachment(entry_id=row.id, kind=att.kind, sha256=att.sha256, file_name=att.file_name,
                                    media_type=att.media_type, size=att.size, note=att.note))
        s.flush()
        return _dto(row, warnings=res.warnings)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new)
    return old == new


def cancel_entry(db: Database, entry_id: uuid.UUID, reason: str, *,
                 entered_by: uuid.UUID | None = None) -> ServiceEntryDTO:
    """Cancel ("batal") an entry: a new entry that carries the original's values and points to it."""
    guard.check_row(db, SERVICE_ADD, ServiceEntry, entry_id)
    reason_text = _reason(reason)
    with db.session() as s:
        original = _amendable(s, entry_id)
        values = {k: getattr(original, k) for k in ENTRY_FIELDS if k != "entered_by"}
        row = ServiceEntry(id=uuid7(), entry_type=ENTRY_CANCEL, amends_id=original.id, reason=reason_text,
                           distribution_id=original.distribution_id,
                           entered_by=entered_by if entered_by is not None else _default_author(s, db), **values)
        s.add(row)
        s.flush()
        return _dto(row)


def _with_defaults(s: Session, db: Database, values: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if out.get("provider_worker_id") is None and out.get("provider_office_id") is None and db.office_id:
        out["provider_office_id"] = db.office_id
    if out.get("entered_by") is None:
        author = _default_author(s, db)
        if author is not None:
            out["entered_by"] = author
    return out


def _default_author(s: Session, db: Database) -> uuid.UUID | None:
    if db.user_id is None:
        return None
    return s.scalar(select(User.worker_id).where(User.id == db.user_id))


def _reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if len(text) < 3:
        raise ServiceRuleError({"reason": _("Tulis alasan koreksi atau pembatalan (paling sedikit 3 huruf).")})
    if len(text) > NOTE_MAX:
        raise ServiceRuleError({"reason": _("Alasan terlalu panjang ({n} huruf); paling banyak {limit}.").format(
            n=len(text), limit=NOTE_MAX)})
    return text


def _amendable(s: Session, entry_id: uuid.UUID) -> ServiceEntry:
    query = select(ServiceEntry).where(ServiceEntry.id == entry_id)
    if s.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # two corrections of one entry at once: the second waits, then sees it
    row = s.scalars(query).first()
    if row is None or row.deleted:
        raise NotFoundError(_("Layanan ini tidak ditemukan."), hint=_("Buka lagi daftar layanan klien."))
    if row.entry_type == ENTRY_CANCEL:
        raise UserError(_("Ini catatan pembatalan; catatan pembatalan tidak bisa dikoreksi atau dibatalkan."),
                        hint=_("Bila layanan itu ternyata memang diberikan, catat sebagai layanan baru."))
    later = s.scalars(select(ServiceEntry).where(ServiceEntry.amends_id == row.id, ServiceEntry.deleted == false())
                      .order_by(ServiceEntry.created_at.desc()).limit(1)).first()
    if later is not None:
        if later.entry_type == ENTRY_CANCEL:
            raise UserError(_("Layanan ini sudah dibatalkan."),
                            hint=_("Bila layanan itu ternyata memang diberikan, catat sebagai layanan baru."))
        raise UserError(_("Layanan ini sudah dikoreksi."),
                        hint=_("Koreksi atau batalkan catatan terbarunya, bukan yang lama."))
    return row


# --- read ------------------------------------------------------------------------------------------------

def get_entry(db: Database, entry_id: uuid.UUID) -> ServiceEntryDTO:
    guard.check_row(db, CLIENT_VIEW, ServiceEntry, entry_id)
    with db.session() as s:
        row = s.get(ServiceEntry, entry_id)
        if row is None:
            raise NotFoundError(_("Layanan ini tidak ditemukan."), hint=_("Buka lagi daftar layanan klien."))
        later = s.scalar(select(ServiceEntry.id).where(ServiceEntry.amends_id == row.id,
                                                       ServiceEntry.deleted == false()).limit(1))
        return _dto(row, superseded=later is not None)


def list_entries(db: Database, client_id: uuid.UUID | None = None, case_id: uuid.UUID | None = None,
                 effective_only: bool = True, *, distribution_id: uuid.UUID | None = None,
                 since: dt.date | None = None, until: dt.date | None = None, limit: int | None = LIST_LIMIT,
                 offset: int = 0) -> list[ServiceEntryDTO]:
    """A client's (or case's, or distribution's) service entries, newest first. `effective_only`: only what
    counts now (no superseded entries, no cancellations); else everything, each marked `superseded`."""
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    guard.check_case(db, CLIENT_VIEW, case_id)
    amended = _amended()
    query = select(ServiceEntry, amended.label("superseded")).where(ServiceEntry.deleted == false())
    if client_id is not None:
        query = query.where(ServiceEntry.client_id == client_id)
    if case_id is not None:
        query = query.where(ServiceEntry.case_id == case_id)
    if distribution_id is not None:
        query = query.where(ServiceEntry.distribution_id == distribution_id)
    if since is not None:
        query = query.where(or_(ServiceEntry.date_from >= since, ServiceEntry.date_until >= since))
    if until is not None:
        query = query.where(ServiceEntry.date_from <= until)
    if effective_only:
        query = query.where(ServiceEntry.entry_type != ENTRY_CANCEL, ~amended)
    query = query.order_by(ServiceEntry.date_from.desc(), ServiceEntry.created_at.desc(),
                           ServiceEntry.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    with db.session() as s:
        return [_dto(row, superseded=bool(sup)) for row, sup in s.execute(query)]


def entry_history(db: Database, entry_id: uuid.UUID) -> list[ServiceEntryDTO]:
    """The chain of an entry: the original first, then each correction or cancellation in turn."""
    guard.check_row(db, CLIENT_VIEW, ServiceEntry, entry_id)
    with db.session() as s:
        row = s.get(ServiceEntry, entry_id)
        if row is None:
            raise NotFoundError(_("Layanan ini tidak ditemukan."), hint=_("Buka lagi daftar layanan klien."))
        while row.amends_id is not None:  # back to the original
            row = s.get(ServiceEntry, row.amends_id)
        chain = [row]
        while True:
            nxt = s.scalars(select(ServiceEntry).where(ServiceEntry.amends_id == chain[-1].id,
                                                       ServiceEntry.deleted == false())
                            .order_by(ServiceEntry.created_at, ServiceEntry.id).limit(1)).first()
            if nxt is None:
                break
            chain.append(nxt)
        return [_dto(r, superseded=i < len(chain) - 1) for i, r in enumerate(chain)]


# --- attachments -----------------------------------------------------------------------------------------

def add_attachment(db: Database, blobs_dir: Path, entry_id: uuid.UUID, source: Path | str | bytes, kind: str,
                   *, file_name: str | None = None, note: str | None = None) -> AttachmentDTO:
    """Attach a proof (photo of a receipt, tanda terima, kuitansi: PDF, JPEG or PNG) to an entry; the bytes
    go to the blob store once, written before the row (as for client documents)."""
    guard.check_row(db, SERVICE_ADD, ServiceEntry, entry_id)
    from atensi_desktop.services.documents import sniff_media_type

    if kind not in ATTACHMENT_KINDS and kind not in ref_list("document_kinds"):
        raise UserError(_("Pilih jenis bukti: tanda terima, kuitansi, foto atau jenis berkas lain."), field="kind")
    problems: dict[str, str] = {}
    note_text = _limited(note, "note", NOTE_MAX, problems)
    if problems:
        raise ValidationError(problems)
    if isinstance(source, bytes):
        data, name = source, file_name or "bukti"
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise StorageError(_("Berkas tidak bisa dibaca: {name}.").format(name=Path(source).name),
                               hint=_("Periksa apakah berkas masih ada dan boleh dibuka, lalu coba lagi.")) from exc
        name = file_name or Path(source).name
    name = PurePath(str(name).replace("\\", "/")).name[:255] or "bukti"
    if not data:
        raise UserError(_("Berkas {name} kosong.").format(name=name), hint=_("Pilih berkas lain, atau pindai ulang."),
                        field="file")
    media_type = sniff_media_type(data[:2048])
    if media_type not in ATTACHMENT_TYPES:
        raise UserError(_("Jenis berkas ini tidak diterima: {name}.").format(name=name),
                        hint=_("Simpan atau pindai sebagai PDF, JPEG atau PNG, lalu tambahkan lagi."), field="file")
    with db.session() as s:
        entry = s.get(ServiceEntry, entry_id)
        if entry is None or entry.deleted:
            raise NotFoundError(_("Layanan ini tidak ditemukan."), hint=_("Buka lagi daftar layanan klien."))
    sha = BlobStore(blobs_dir).put_bytes(data)
    with db.session() as s:
        row = ServiceAttachment(entry_id=entry_id, kind=kind, sha256=sha, file_name=name, media_type=media_type,
                                size=len(data), note=note_text)
        s.add(row)
        s.flush()
        return _attachment_dto(row)


def list_attachments(db: Database, entry_id: uuid.UUID) -> list[AttachmentDTO]:
    guard.check_row(db, CLIENT_VIEW, ServiceEntry, entry_id)
    with db.session() as s:
        rows = s.scalars(select(ServiceAttachment).where(ServiceAttachment.entry_id == entry_id,
                                                         ServiceAttachment.deleted == false())
                         .order_by(ServiceAttachment.created_at, ServiceAttachment.id))
        return [_attachment_dto(r) for r in rows]


def attachment_bytes(db: Database, blobs_dir: Path, attachment_id: uuid.UUID) -> bytes:
    guard.check_row(db, CLIENT_VIEW, ServiceAttachment, attachment_id)
    with db.session() as s:
        row = s.get(ServiceAttachment, attachment_id)
        if row is None:
            raise NotFoundError(_("Bukti layanan tidak ditemukan."), hint=_("Buka lagi layanan itu."))
        sha = row.sha256
    return BlobStore(blobs_dir).read(sha)


# --- DTOs ------------------------------------------------------------------------------------------------

def _dto(row: ServiceEntry, *, superseded: bool = False, warnings: Sequence[str] = ()) -> ServiceEntryDTO:
    return ServiceEntryDTO(
        id=row.id, client_id=row.client_id, case_id=row.case_id, entry_type=row.entry_type,
        service_kind=row.service_kind, service_code=row.service_code, subitem_code=row.subitem_code,
        date_from=row.date_from, date_until=row.date_until, approach=row.approach,
        quantity=Decimal(row.quantity) if row.quantity is not None else None, unit=row.unit,
        value_rp=int(row.value_rp) if row.value_rp is not None else None, funding_source=row.funding_source,
        provider_worker_id=row.provider_worker_id, provider_office_id=row.provider_office_id,
        location=row.location, plan_activity_id=row.plan_activity_id, note=row.note, reason=row.reason,
        amends_id=row.amends_id, distribution_id=row.distribution_id, flags=dict(row.flags or {}),
        entered_by=row.entered_by, created_at=row.created_at, superseded=superseded, warnings=tuple(warnings))


def _attachment_dto(row: ServiceAttachment) -> AttachmentDTO:
    return AttachmentDTO(id=row.id, entry_id=row.entry_id, kind=row.kind, sha256=row.sha256,
                         file_name=row.file_name, media_type=row.media_type, size=int(row.size), note=row.note)


def format_rupiah(value: int | None) -> str:
    """'Rp150.000' (Indonesian thousands dots); '-' when empty."""
    return "-" if value is None else f"Rp{format_number(value, 'id')}"
