"""Bulk distribution (penyaluran bantuan): one service given to many clients at once, e.g. an ATENSI aid event.

`create_distribution` checks every recipient with the same rule as a single entry
(`service_log.evaluate`, with the lookups preloaded for all recipients in a few queries) and writes the
distribution and one service entry per recipient in one transaction: all or nothing. When any recipient is
refused, nothing is written and `DistributionRefused` names each refused recipient (display id and name) and
why. The recipients' entries carry `distribution_id`; `receipt_rows` turns the effective ones into the rows
of the receipt list (daftar penerima with a blank signature column) that the reports print.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import false, select

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, Distribution, ServiceEntry, Wilayah
from atensi_desktop.domain.nik import mask_nik
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.i18n import _, format_number
from atensi_desktop.progress import Progress, null_progress
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CLIENT_VIEW, SERVICE_ADD
from atensi_desktop.services import service_log as log
from atensi_desktop.sync.ids import uuid7
from atensi_desktop.sync.versioning import bulk_insert

TITLE_MAX = 200
SHOWN_FAILURES = 5
# The fields of a distribution that every recipient's entry takes over.
SHARED_FIELDS = ("service_kind", "service_code", "subitem_code", "date_from", "date_until", "approach", "quantity",
                 "unit", "value_rp", "funding_source", "provider_worker_id", "provider_office_id", "location", "note",
                 "entered_by")
_WRITE_CHUNK = 1_000


@dataclass(frozen=True)
class RecipientProblem:
    client_id: uuid.UUID
    display_id: str
    name: str
    errors: Mapping[str, str]

    @property
    def message(self) -> str:
        return " ".join(self.errors.values())


class DistributionRefused(UserError):
    """Some recipients failed the rule; nothing was written. `problems` lists each of them."""

    def __init__(self, problems: Sequence[RecipientProblem], total: int) -> None:
        shown = "; ".join(f"{p.display_id} {p.name}: {p.message}" for p in problems[:SHOWN_FAILURES])
        more = len(problems) - SHOWN_FAILURES
        message = _("{n} dari {total} penerima tidak bisa dicatat, jadi penyaluran ini belum disimpan: {list}").format(
            n=format_number(len(problems)), total=format_number(total), list=shown)
        if more > 0:
            message += " " + _("(dan {n} lainnya)").format(n=format_number(more))
        super().__init__(message, hint=_("Perbaiki data penerima itu atau keluarkan dari daftar, lalu simpan lagi."))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class DistributionDTO:
    id: uuid.UUID
    title: str
    service_kind: str
    service_code: str
    subitem_code: str | None
    date_from: dt.date
    date_until: dt.date | None
    value_rp: int | None
    quantity: Decimal | None
    unit: str | None
    funding_source: str | None
    location: str | None
    office_id: uuid.UUID | None
    worker_id: uuid.UUID | None
    note: str | None
    recipients: int

    @property
    def service_label(self) -> str:
        return log.service_label(self.service_kind, self.service_code, self.subitem_code)


@dataclass(frozen=True)
class DistributionResult:
    distribution: DistributionDTO
    entry_ids: tuple[uuid.UUID, ...]
    # warnings per recipient (display id, name, warnings), e.g. "di luar rencana"
    warnings: tuple[tuple[str, str, tuple[str, ...]], ...]
    outside_plan: int


@dataclass(frozen=True)
class ReceiptRow:
    """One line of the receipt list: number, recipient, what they received and an empty signature box."""

    number: int
    client_id: uuid.UUID
    display_id: str
    name: str
    nik_masked: str
    address: str
    value_rp: int | None
    quantity: Decimal | None
    unit: str | None
    signature: str = ""

    @property
    def value_text(self) -> str:
        return log.format_rupiah(self.value_rp)


def create_distribution(db: Database, values: Mapping[str, Any], recipients: Sequence[uuid.UUID], *,
                        progress: Progress | None = None, today: dt.date | None = None) -> DistributionResult:
    """Record one penyaluran: `values` has `title` and the SHARED_FIELDS (the value and quantity are per
    recipient), `recipients` the client ids (duplicates ignored). All recipients pass the rule or nothing is
    written (DistributionRefused). `progress` may cancel (Cancelled; nothing written)."""
    guard.check(db, SERVICE_ADD)
    progress = progress or null_progress()
    today = today or dt.date.today()
    problems: dict[str, str] = {}
    title = " ".join(str(values.get("title") or "").split())
    if len(title) < 3:
        problems["title"] = _("Tulis nama penyaluran (paling sedikit 3 huruf), mis. Bantuan ATENSI Lansia 2026.")
    elif len(title) > TITLE_MAX:
        problems["title"] = _("Nama penyaluran terlalu panjang; paling banyak {n} huruf.").format(n=TITLE_MAX)
    unknown = set(values) - set(SHARED_FIELDS) - {"title"}
    if unknown:
        raise TypeError(f"unknown distribution fields: {sorted(unknown)}")
    ids = list(dict.fromkeys(_as_uuid(r) for r in recipients))
    if not ids:
        problems["recipients"] = _("Pilih paling sedikit satu penerima.")
    if problems:
        raise ValidationError(problems)
    shared = {k: values.get(k) for k in SHARED_FIELDS if k in values}
    progress.start(len(ids) * 2, _("Memeriksa penerima"))
    with db.session() as s:
        shared = log._with_defaults(s, db, shared)
        # the distribution's own values, checked once against the first recipient (field errors are shared)
        probe = log.evaluate(s, {**shared, "client_id": ids[0]}, today)
        common = {k: m for k, m in probe.errors.items() if k not in log.RECIPIENT_FIELDS}
        if common:  # the distribution's own values are wrong: the same for every recipient
            raise log.ServiceRuleError(common)
        first = probe.values.get("date_from") or log.parse_date(shared.get("date_from")) or today
        last = probe.values.get("date_until") or first
        lookups = log._Preloaded(s, ids, (probe.values["service_kind"], probe.values["service_code"],
                                          probe.values["subitem_code"]), first, last)
        rows: list[dict[str, Any]] = []
        failed: list[RecipientProblem] = []
        warned: list[tuple[str, str, tuple[str, ...]]] = []
        outside = 0
        dist_id = uuid7()
        for i, client_id in enumerate(ids):
            res = log.evaluate(s, {**shared, "client_id": client_id}, today, lookups=lookups)
            client = lookups.client(client_id)
            display = client.display_id if client is not None else str(client_id)
            name = client.name if client is not None else _("(tidak ditemukan)")
            if res.errors:
                failed.append(RecipientProblem(client_id, display, name, dict(res.errors)))
            else:
                rows.append({**res.values, "id": uuid7(), "entry_type": log.ENTRY_NEW, "distribution_id": dist_id,
                             "flags": dict(res.flags) or None})
                outside += bool(res.flags.get(log.FLAG_OUTSIDE_PLAN))
                if res.warnings:
                    warned.append((display, name, tuple(res.warnings)))
            if i % 50 == 49:
                progress.step(50)
        progress.step(len(ids) % 50)
        if failed:
            raise DistributionRefused(failed, len(ids))
        progress.step(0, _("Menyimpan penyaluran"))
        v = probe.values
        dist = Distribution(id=dist_id, title=title, service_kind=v["service_kind"], service_code=v["service_code"],
                            subitem_code=v["subitem_code"], date_from=v["date_from"], date_until=v["date_until"],
                            value_rp=v["value_rp"], quantity=v["quantity"], unit=v["unit"],
                            funding_source=v["funding_source"], location=v["location"],
                            office_id=v["provider_office_id"], worker_id=v["provider_worker_id"], note=v["note"])
        s.add(dist)
        s.flush()
        for start in range(0, len(rows), _WRITE_CHUNK):
            chunk = rows[start:start + _WRITE_CHUNK]
            bulk_insert(s, ServiceEntry, chunk)
            progress.step(len(chunk))
        progress.check()  # a cancel during the last chunk still rolls everything back
        progress.finish(_("Penyaluran tersimpan"))
        dto = _dto(dist, len(rows))
    return DistributionResult(distribution=dto, entry_ids=tuple(r["id"] for r in rows), warnings=tuple(warned),
                              outside_plan=outside)


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def get_distribution(db: Database, distribution_id: uuid.UUID) -> DistributionDTO:
    guard.check(db, CLIENT_VIEW)
    with db.session() as s:
        dist = s.get(Distribution, distribution_id)
        if dist is None or dist.deleted:
            raise NotFoundError(_("Penyaluran ini tidak ditemukan."), hint=_("Buka lagi daftar penyaluran."))
        return _dto(dist, len(_effective_recipients(s, distribution_id)))


def list_distributions(db: Database, *, limit: int = 200) -> list[DistributionDTO]:
    """Distributions, newest first (with the number of recipients that still count)."""
    guard.check(db, CLIENT_VIEW)
    with db.session() as s:
        dists = list(s.scalars(select(Distribution).where(Distribution.deleted == false())
                               .order_by(Distribution.date_from.desc(), Distribution.id.desc()).limit(limit)))
        return [_dto(d, len(_effective_recipients(s, d.id))) for d in dists]


def receipt_rows(db: Database, distribution_id: uuid.UUID) -> list[ReceiptRow]:
    """The receipt list: one row per recipient whose entry still counts (a cancelled entry drops out, a
    corrected one shows its corrected value), ordered by name; NIK masked, address with the desa."""
    guard.check(db, CLIENT_VIEW)
    with db.session() as s:
        if s.get(Distribution, distribution_id) is None:
            raise NotFoundError(_("Penyaluran ini tidak ditemukan."), hint=_("Buka lagi daftar penyaluran."))
        rows = s.execute(
            select(Client.id, Client.display_id, Client.name, Client.nik, Client.address, Wilayah.name,
                   ServiceEntry.value_rp, ServiceEntry.quantity, ServiceEntry.unit)
            .join(Client, Client.id == ServiceEntry.client_id)
            .outerjoin(Wilayah, Wilayah.code == Client.wilayah_code)
            .where(ServiceEntry.distribution_id == distribution_id, log._effective())
            .order_by(Client.name_norm, Client.display_id, Client.id)).all()
    out: list[ReceiptRow] = []
    for i, (cid, display, name, nik, address, desa, value, qty, unit) in enumerate(rows, start=1):
        place = ", ".join(p for p in ((address or "").strip(), desa or "") if p)
        out.append(ReceiptRow(number=i, client_id=cid, display_id=display, name=name,
                              nik_masked=mask_nik(nik) if nik else "-", address=place or "-",
                              value_rp=int(value) if value is not None else None,
                              quantity=Decimal(qty) if qty is not None else None, unit=unit))
    return out


def _effective_recipients(s: Any, distribution_id: uuid.UUID) -> list[uuid.UUID]:
    return list(s.scalars(select(ServiceEntry.client_id).where(ServiceEntry.distribution_id == distribution_id,
                                                               log._effective())))


def _dto(dist: Distribution, recipients: int) -> DistributionDTO:
    return DistributionDTO(id=dist.id, title=dist.title, service_kind=dist.service_kind,
                           service_code=dist.service_code, subitem_code=dist.subitem_code, date_from=dist.date_from,
                           date_until=dist.date_until, value_rp=int(dist.value_rp) if dist.value_rp is not None
                           else None, quantity=Decimal(dist.quantity) if dist.quantity is not None else None,
                           unit=dist.unit, funding_source=dist.funding_source, location=dist.location,
                           office_id=dist.office_id, worker_id=dist.worker_id, note=dist.note, recipients=recipients)
