"""Read-only views of the service-delivery log: services per month (Beranda), the Layanan screen's list,
and the clients a pasted list of display ids or NIKs names (`resolve_clients`, for the recipients of a bulk distribution).

Only *effective* entries count: an entry of type baru or koreksi that no live later entry amends (a
correction replaces the entry it points to, a cancellation ("batal") removes it and counts itself for
nothing; see `db/models/service_log.py`). An entry is counted in the month of its first day (`date_from`),
also when its period runs into the next month.

The Layanan list (`service_page`) is paged by key, newest recorded first: the ids are UUIDv7 (time-ordered),
so each page walks the primary-key index backwards from the last id shown, at the same cost at any depth,
and no count of the whole log is ever needed.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from sqlalchemy import exists, false, func, select
from sqlalchemy.orm import aliased

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, Office, ServiceEntry, Worker
from atensi_desktop.i18n import current_language
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CLIENT_VIEW

CANCELLED = "batal"
MAX_MONTHS = 60
PAGE_SIZE = 100
MAX_PAGE = 1000


@dataclass(frozen=True)
class MonthServices:
    """One calendar month: effective entries (`entries`), their value in whole Rupiah (entries without a
    value add 0) and the entries per service kind (atensi, spm, rehab)."""

    year: int
    month: int
    entries: int
    value_rp: int
    by_kind: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def label(self, *, long: bool = False) -> str:
        """'Mar' (or 'Maret 2026' with `long`) in the current language."""
        from babel.dates import format_date

        return format_date(self.first_day, "MMMM y" if long else "MMM", locale=current_language())


def month_start(day: dt.date, back: int = 0) -> dt.date:
    """The first day of the month `back` months before the month of `day`."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def services_per_month(db: Database, months: int = 12, *, today: dt.date | None = None) -> tuple[MonthServices, ...]:
    """The last `months` calendar months up to and including this one, oldest first, months without a service
    included (zeros). One grouped query over the days of the range (at most a few hundred rows)."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be 1..{MAX_MONTHS}")
    today = today or dt.date.today()
    first = month_start(today, months - 1)
    later = aliased(ServiceEntry)
    amended = exists().where(later.amends_id == ServiceEntry.id, later.deleted == false())
    query = (select(ServiceEntry.date_from, ServiceEntry.service_kind, func.count(),
                    func.coalesce(func.sum(ServiceEntry.value_rp), 0))
             .where(ServiceEntry.deleted == false(), ServiceEntry.entry_type != CANCELLED,
                    ServiceEntry.date_from >= first, ServiceEntry.date_from <= today, ~amended)
             .group_by(ServiceEntry.date_from, ServiceEntry.service_kind))
    totals: dict[dt.date, list[int]] = {}
    kinds: dict[dt.date, dict[str, int]] = {}
    with db.session() as s:
        for day, kind, count, value in s.execute(query):
            key = month_start(day)
            bucket = totals.setdefault(key, [0, 0])
            bucket[0] += int(count)
            bucket[1] += int(value or 0)
            per_kind = kinds.setdefault(key, {})
            per_kind[kind] = per_kind.get(kind, 0) + int(count)
    result = []
    for back in range(months - 1, -1, -1):
        key = month_start(today, back)
        entries, value = totals.get(key, (0, 0))
        result.append(MonthServices(year=key.year, month=key.month, entries=entries, value_rp=value,
                                    by_kind=MappingProxyType(dict(kinds.get(key, {})))))
    return tuple(result)


# --- the Layanan list ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ServiceListQuery:
    """Which entries the Layanan screen lists: service dates within [`since`, `until`] (either end open),
    one service kind (atensi, spm, rehab) and/or funding source, one client; `effective_only` False lists
    the corrected and cancelled entries too (each marked)."""

    since: dt.date | None = None
    until: dt.date | None = None
    service_kind: str | None = None
    funding_source: str | None = None
    client_id: uuid.UUID | None = None
    effective_only: bool = True


@dataclass(frozen=True)
class ServiceRow:
    id: uuid.UUID
    client_id: uuid.UUID
    client_name: str
    client_display_id: str
    case_id: uuid.UUID | None
    entry_type: str
    service_kind: str
    service_code: str
    subitem_code: str | None
    date_from: dt.date
    date_until: dt.date | None
    quantity: Decimal | None
    unit: str | None
    value_rp: int | None
    funding_source: str | None
    provider_worker_id: uuid.UUID | None
    provider_name: str | None  # the worker, else the provider office's code
    distribution_id: uuid.UUID | None
    amends_id: uuid.UUID | None
    flags: Mapping[str, Any]
    superseded: bool

    @property
    def effective(self) -> bool:
        return not self.superseded and self.entry_type != CANCELLED


def service_page(db: Database, query: ServiceListQuery = ServiceListQuery(), *, before: uuid.UUID | None = None,
                 limit: int = PAGE_SIZE) -> list[ServiceRow]:
    """Up to `limit` entries matching `query`, newest recorded first, starting after the entry `before`
    (the last one of the previous page; None for the first page)."""
    guard.check(db, CLIENT_VIEW)
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be 1..{MAX_PAGE}")
    later = aliased(ServiceEntry)
    amended = exists().where(later.amends_id == ServiceEntry.id, later.deleted == false())
    e = ServiceEntry
    stmt = (select(e.id, e.client_id, Client.name, Client.display_id, e.case_id, e.entry_type, e.service_kind,
                   e.service_code, e.subitem_code, e.date_from, e.date_until, e.quantity, e.unit, e.value_rp,
                   e.funding_source, e.provider_worker_id, func.coalesce(Worker.name, Office.code),
                   e.distribution_id, e.amends_id, e.flags, amended.label("superseded"))
            .join(Client, Client.id == e.client_id)
            .outerjoin(Worker, Worker.id == e.provider_worker_id)
            .outerjoin(Office, Office.id == e.provider_office_id)
            .where(e.deleted == false(), *guard.reach_terms(db)))
    if query.effective_only:
        stmt = stmt.where(e.entry_type != CANCELLED, ~amended)
    if query.since is not None:
        stmt = stmt.where(func.coalesce(e.date_until, e.date_from) >= query.since)
    if query.until is not None:
        stmt = stmt.where(e.date_from <= query.until)
    if query.service_kind is not None:
        stmt = stmt.where(e.service_kind == query.service_kind)
    if query.funding_source is not None:
        stmt = stmt.where(e.funding_source == query.funding_source)
    if query.client_id is not None:
        stmt = stmt.where(e.client_id == query.client_id)
    if before is not None:
        stmt = stmt.where(e.id < before)
    stmt = stmt.order_by(e.id.desc()).limit(limit)
    with db.session() as s:
        return [ServiceRow(id=r[0], client_id=r[1], client_name=r[2], client_display_id=r[3], case_id=r[4],
                           entry_type=r[5], service_kind=r[6], service_code=r[7], subitem_code=r[8],
                           date_from=r[9], date_until=r[10],
                           quantity=Decimal(r[11]) if r[11] is not None else None, unit=r[12],
                           value_rp=int(r[13]) if r[13] is not None else None, funding_source=r[14],
                           provider_worker_id=r[15], provider_name=r[16], distribution_id=r[17], amends_id=r[18],
                           flags=MappingProxyType(dict(r[19] or {})), superseded=bool(r[20]))
                for r in s.execute(stmt)]


# --- recipients from a pasted list -----------------------------------------------------------------------

_NIK = re.compile(r"^\d{16}$")
_SPLIT = re.compile(r"[\s,;]+")
_CHUNK = 500


@dataclass(frozen=True)
class ResolvedClients:
    """What a pasted list named: `found` (token, client id) in the order given, each client once; `missing`
    the tokens no live client has; `ambiguous` (token, how many clients) for a display id or NIK that
    several live clients share (a NIK is not unique, display ids are short); `invalid` tokens that are
    neither a display id nor a 16-digit NIK."""

    found: tuple[tuple[str, uuid.UUID], ...]
    missing: tuple[str, ...]
    ambiguous: tuple[tuple[str, int], ...]
    invalid: tuple[str, ...]


def split_tokens(text: str) -> list[str]:
    """The display ids / NIKs in pasted text (one a line, or separated by commas, semicolons or spaces)."""
    return [t for t in _SPLIT.split(text or "") if t]


def resolve_clients(db: Database, tokens: Sequence[str]) -> ResolvedClients:
    """Find live clients (not archived, not merged away) by display id (any case) or 16-digit NIK. A merged
    client's display id or NIK leads to the client it was merged into, when that one is live."""
    wanted: list[tuple[str, str, str]] = []  # (token, "nik"|"display", key)
    invalid: list[str] = []
    for raw in tokens:
        token = raw.strip().strip(".")
        if not token:
            continue
        if _NIK.match(token):
            wanted.append((token, "nik", token))
        elif re.fullmatch(r"[A-Za-z0-9]+-[A-Za-z0-9]+", token):
            wanted.append((token, "display", token.upper()))
        else:
            invalid.append(token)
    niks = sorted({k for _t, kind, k in wanted if kind == "nik"})
    displays = sorted({k for _t, kind, k in wanted if kind == "display"})
    by_key: dict[tuple[str, str], set[uuid.UUID]] = {}
    with db.session() as s:
        rows: list[tuple] = []
        for column, keys, kind in ((Client.nik, niks, "nik"), (Client.display_id, displays, "display")):
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start:start + _CHUNK]
                rows += [(kind, *r) for r in s.execute(
                    select(column, Client.id, Client.deleted, Client.merged_into).where(column.in_(chunk)))]
        survivors = {r[4] for r in rows if r[4] is not None}
        live_survivors = set(s.scalars(select(Client.id).where(
            Client.id.in_(list(survivors)), Client.deleted == false(), Client.merged_into.is_(None)))) \
            if survivors else set()
    for kind, key, client_id, deleted, merged_into in rows:
        if merged_into is not None:
            if merged_into in live_survivors:
                by_key.setdefault((kind, key), set()).add(merged_into)
        elif not deleted:
            by_key.setdefault((kind, key), set()).add(client_id)
    found: list[tuple[str, uuid.UUID]] = []
    seen: set[uuid.UUID] = set()
    missing: list[str] = []
    ambiguous: list[tuple[str, int]] = []
    for token, kind, key in wanted:
        ids = by_key.get((kind, key), set())
        if not ids:
            missing.append(token)
        elif len(ids) > 1:
            ambiguous.append((token, len(ids)))
        else:
            (client_id,) = ids
            if client_id not in seen:
                seen.add(client_id)
                found.append((token, client_id))
    return ResolvedClients(found=tuple(found), missing=tuple(missing), ambiguous=tuple(ambiguous),
                           invalid=tuple(invalid))
