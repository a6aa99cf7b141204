"""Figures for the aggregate reports (issue 6): the SPM indicator, the monthly report, a distribution's
recipients. Engine queries only; the layout lives in reports/aggregates.py.

**SPM indicator** "Persentase Rehabilitasi Sosial terhadap PPKS" (seed 004; PP 2/2018 Pasal 10, domain.md §3.5):
PPKS who received rehabilitasi sosial dasar ÷ all PPKS × 100, for the four groups served outside a panti by the
kabupaten/kota, per kecamatan and desa, for a year or a period.

* **Groups.** A client belongs to an SPM group through its PPKS categories (`client.ppks_categories`), mapped by
  the `spm_group` field of refdata `ppks.json` (data, so a regulation change is an edit there):

  =================================  ===================================================
  group (code)                       PPKS categories (refdata codes)
  =================================  ===================================================
  Penyandang Disabilitas Telantar    penyandang_disabilitas
  (disabilitas)
  Anak Telantar (anak)               anak_balita_telantar, anak_telantar
  Lanjut Usia Telantar (lansia)      lanjut_usia_telantar
  Gelandangan dan Pengemis (gepeng)  gelandangan, pengemis
  =================================  ===================================================

  The other 20 categories (anak jalanan, ABH, anak dengan kedisabilitasan, korban NAPZA, …) are not SPM groups
  of the kabupaten/kota. A client with categories in two groups (an older person with a disability) counts in
  each of them; the "all groups" figure (`ALL`) counts each person once.
* **PPKS (the denominator)**: live clients (not archived, not merged away) in a group, by the desa of their
  `wilayah_code`, as registered when the report is made.
* **Served (the numerator)**: those of them with at least one *effective* SPM service entry (`service_kind`
  "spm", one of the 11 basic-needs services of seed 004; a correction counts with its own dates and service, a
  cancelled or corrected-away entry and an archived entry do not count: services/service_log.py) whose first
  day (`date_from`) is in the period — the rule the Beranda and the monthly report count by, so an entry
  running from 28 December to 3 January counts in December. Entries recorded on a record later merged into
  another one count for the record it now stands for (`merged_into`, followed to the live one).
* **Percentage**: served ÷ PPKS × 100 rounded half up to 2 decimals; None (printed "-") when there are no PPKS.

**Cost at 1M clients / 10M entries.** One grouped statement reads every live client once (a full scan: no
index covers `client.ppks_categories`) and tests each against the set of served clients, which is made once
from the SPM entries of the period. On SQLite the entries of a short period are found through
`ix_service_entry_date_from`, those of a long one by reading the log in storage order (`use_date_index`); no
index starts with the service kind. Measured on the cached bench databases (warm, shared 2-CPU machine): ~2 s
for a year at 1M clients, ~5 s at 1M clients with 10M entries.

**Monthly report** (seed 003: what a TKSK reports to the Dinas each month): PPKS identified (clients registered
in the month, per PPKS category, and all registered at the month's end), PSKS identified (the workers and LKS
the database knows, mapped to the PSKS list: pekerja sosial → Pekerja Sosial Profesional, PSM, penyuluh sosial,
TKSK; an office of type LKS → Lembaga Kesejahteraan Sosial; TKS and relawan sosial are listed by their own
type), services delivered in the month per kind and service, referrals sent or received in the month by
status. `area` (a kecamatan or kab/kota code) keeps the clients living there and the offices (with their
workers) located there.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, Distribution, Office, ServiceEntry, Wilayah, Worker
from atensi_desktop.db.models.casework import Referral
from atensi_desktop.domain.wilayah import normalize_code
from atensi_desktop.errors import NotFoundError, UserError
from atensi_desktop.i18n import N_, _
from atensi_desktop.refdata import ref_list
from atensi_desktop.services import referrals as referral_service
from atensi_desktop.services import service_log as log
from atensi_desktop.services.wilayah import names_for

SPM_KIND = "spm"
# The four SPM groups of the kabupaten/kota, in the order of seed 004 and PP 2/2018 Pasal 10.
SPM_GROUPS: tuple[tuple[str, str], ...] = (
    ("disabilitas", N_("Penyandang Disabilitas Telantar")),
    ("anak", N_("Anak Telantar")),
    ("lansia", N_("Lanjut Usia Telantar")),
    ("gepeng", N_("Gelandangan dan Pengemis")),
)
ALL = "semua"  # every SPM group together, each person once
NO_CODE = ""  # the row of clients whose kecamatan or desa is not recorded
# Worker types and office types the database knows, as PSKS (refdata psks codes); None: listed by own type.
WORKER_PSKS = {"pekerja_sosial": "pekerja_sosial_profesional", "psm": "psm", "penyuluh_sosial": "penyuluh_sosial",
               "tksk": "tksk", "tks": None, "relawan_sosial": None}
OFFICE_PSKS = {"lks": "lks"}


# --- SPM groups -----------------------------------------------------------------------------------------


@cache
def group_categories() -> Mapping[str, tuple[str, ...]]:
    """{SPM group: the PPKS category codes in it}, from refdata ppks `spm_group`, in SPM_GROUPS order."""
    known = {code for code, _label in SPM_GROUPS}
    found: dict[str, list[str]] = {code: [] for code, _label in SPM_GROUPS}
    for item in ref_list("ppks").items:
        group = item.extra.get("spm_group")
        if group is None:
            continue
        if group not in known:
            raise ValueError(f"refdata ppks: {item.code} has unknown spm_group {group!r}")
        found[group].append(item.code)
    return MappingProxyType({g: tuple(codes) for g, codes in found.items()})


def group_label(group: str) -> str:
    if group == ALL:
        return _("Semua kelompok")
    return _(dict(SPM_GROUPS)[group])


def percent_of(part: int, whole: int) -> Decimal | None:
    """part ÷ whole × 100 rounded half up to 2 decimals; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SpmFigure:
    """PPKS registered in a group and area, and how many of them received rehabilitasi sosial dasar."""

    registered: int = 0
    served: int = 0

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.served, self.registered)

    def __add__(self, other: SpmFigure) -> SpmFigure:
        return SpmFigure(self.registered + other.registered, self.served + other.served)


_EMPTY = SpmFigure()


def _figures(values: Mapping[str, SpmFigure]) -> Mapping[str, SpmFigure]:
    return MappingProxyType({g: values.get(g, _EMPTY) for g in (*dict(SPM_GROUPS), ALL)})


@dataclass(frozen=True)
class SpmArea:
    """One desa (or the clients of a kecamatan whose desa is not recorded: code NO_CODE)."""

    code: str
    name: str
    figures: Mapping[str, SpmFigure]  # SPM group (and ALL) -> figure


@dataclass(frozen=True)
class SpmKecamatan:
    code: str  # NO_CODE: clients whose kecamatan is not recorded
    name: str
    figures: Mapping[str, SpmFigure]
    desa: tuple[SpmArea, ...]


@dataclass(frozen=True)
class SpmRecap:
    """The SPM recap of one period and area: kecamatan (by code) with their desa, the area total, and the
    clients left out because they live outside the area or have no wilayah recorded (`outside`)."""

    start: dt.date
    end: dt.date
    area: str | None  # dotted wilayah code, or None for every client
    area_name: str | None
    kecamatan: tuple[SpmKecamatan, ...]
    total: Mapping[str, SpmFigure]
    outside: Mapping[str, SpmFigure]
    groups: tuple[tuple[str, str], ...] = SPM_GROUPS


def year_period(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def check_period(start: dt.date, end: dt.date) -> None:
    if start > end:
        raise UserError(_("Awal periode sesudah akhirnya."), hint=_("Tulis periode dari tanggal awal ke akhir."))


def normalize_area(area: str | None) -> str | None:
    """A dotted wilayah code ('6306' -> '63.06'); None or '' for no area; UserError for a bad code."""
    if area is None or not str(area).strip():
        return None
    try:
        return normalize_code(str(area))
    except ValueError:
        raise UserError(_("Kode wilayah {code} tidak dikenali.").format(code=repr(area)),
                        hint=_("Tulis kode Kemendagri, mis. 63.06 (kabupaten) atau 63.06.05 (kecamatan).")) from None


def _contains(column: Any, needle: str, dialect: str) -> ColumnElement[bool]:
    """`needle` occurs in the JSON text of `column` (exact substring; no LIKE wildcards)."""
    if dialect == "postgresql":
        return func.strpos(cast(column, Text), needle) > 0
    return func.instr(column, needle) > 0


def _plain(column: Any, dialect: str) -> Any:
    """SQLite's `+column` (same value; the planner will not walk that column's index), PostgreSQL as is."""
    if dialect == "sqlite":
        return UnaryExpression(column, operator=_NO_INDEX, type_=column.type)
    return column


_NO_INDEX = custom_op("+")


def _group_flags(dialect: str, client: Any = Client) -> list[Any]:
    flags = []
    for g, _label in SPM_GROUPS:
        codes = group_categories()[g]
        cond = or_(*(_contains(client.ppks_categories, json.dumps(code), dialect) for code in codes))
        flags.append(case((cond, 1), else_=0).label(f"g_{g}"))
    return flags


def _any_group(dialect: str, client: Any = Client) -> ColumnElement[bool]:
    codes = [code for g, _label in SPM_GROUPS for code in group_categories()[g]]
    return or_(*(_contains(client.ppks_categories, json.dumps(code), dialect) for code in codes))


# Through the date index every entry of the period costs a random row read; in storage order the whole log is
# read once. Measured at 10M entries (SPM recap, warm): a month (3 % of the log's days) 3.0 s through the index;
# a year (33 %) 12 s through the index, 5.2 s in storage order. The two cross near 12 %.
DATE_INDEX_SHARE = 0.1


def use_date_index(s: Any, dialect: str, start: dt.date, end: dt.date) -> bool:
    """Whether SQLite should find the entries of [start, end] through `ix_service_entry_date_from` (a month of
    a log of several years) or read the log in storage order (a year): the share of the log's days the period
    covers, from the first and last date (two index probes). SQLite has no statistics to decide this itself
    and would take the index for a year too (12 s instead of 4 s at 10M entries). PostgreSQL decides itself."""
    if dialect != "sqlite":
        return True
    first = s.scalar(select(func.min(ServiceEntry.date_from)))
    last = s.scalar(select(func.max(ServiceEntry.date_from)))
    if first is None or last is None:
        return True
    span = (last - first).days + 1
    covered = (min(end, last) - max(start, first)).days + 1
    return covered <= 0 or covered / span <= DATE_INDEX_SHARE


def _entry_date(dialect: str, by_index: bool) -> Any:
    return ServiceEntry.date_from if by_index else _plain(ServiceEntry.date_from, dialect)


def served_entries(dialect: str, start: dt.date, end: dt.date, *, by_index: bool = True) -> Any:
    """The ids of the clients with an effective SPM entry starting in [start, end] (DISTINCT; on SQLite never
    through the (client_id, date_from) index, which would fetch every row at random; through the date index
    only when `by_index`, see `use_date_index`)."""
    e = ServiceEntry
    day = _entry_date(dialect, by_index)
    return (select(_plain(e.client_id, dialect).label("cid"))
            .where(e.service_kind == SPM_KIND, day >= start, day <= end, log._effective(e))
            .distinct())


def spm_statement(dialect: str, start: dt.date, end: dt.date, *, by_index: bool = True) -> Any:
    """The one grouped statement of the SPM recap, both figures in one pass over the clients: per (wilayah
    code, membership of each group, merged_into) the number of live clients in at least one group (`n`) and
    how many of them are in the served set (`served`). Merged-away records come back as rows of their own
    with `merged_into` set; the survivors of the served ones are looked up after (`_survivors`).

    On SQLite the client table is read in storage order (`+column`: walking an index here would read each row
    at random) and the served set is an `IN (subquery)` written once, which SQLite materialises once into a
    b-tree (a LEFT JOIN to it is probed through an automatic index only when the planner guesses so, and
    scanned once per client otherwise). PostgreSQL hash-joins the served set."""
    served = served_entries(dialect, start, end, by_index=by_index)
    flags = _group_flags(dialect)
    wilayah = _plain(Client.wilayah_code, dialect).label("wilayah_code")
    live = and_(_plain(Client.deleted, dialect) == false(), Client.merged_into.is_(None), _any_group(dialect))
    if dialect == "sqlite":
        n_served = func.sum(case((Client.id.in_(served), 1), else_=0))
        stmt = select(wilayah, *flags, Client.merged_into, func.count().label("n"), n_served.label("served"))
        return stmt.where(or_(live, Client.merged_into.is_not(None))).group_by(wilayah, *flags, Client.merged_into)
    sub = served.subquery("served")
    return (select(wilayah, *flags, Client.merged_into, func.count().label("n"),
                   func.count(sub.c.cid).label("served"))
            .select_from(Client)
            .outerjoin(sub, sub.c.cid == Client.id)
            .where(or_(live, and_(Client.merged_into.is_not(None), sub.c.cid.is_not(None))))
            .group_by(wilayah, *flags, Client.merged_into))


def _survivors(s: Any, dialect: str, merged: set[uuid.UUID], start: dt.date,
               end: dt.date) -> list[tuple[Any, ...]]:
    """(wilayah code, *group flags) of the live clients that served records were merged into and that have no
    served entry of their own (those are counted already). Follows chains of merges; a cycle stops."""
    out: list[tuple[Any, ...]] = []
    seen: set[uuid.UUID] = set()
    e = ServiceEntry
    own = (select(e.id).where(e.client_id == Client.id, e.service_kind == SPM_KIND, e.date_from >= start,
                              e.date_from <= end, log._effective(e)).exists())
    todo = merged
    while todo:
        seen |= todo
        rows = s.execute(select(Client.id, Client.wilayah_code, *_group_flags(dialect), Client.deleted,
                                Client.merged_into, _any_group(dialect), own)
                         .where(Client.id.in_(list(todo)))).all()
        todo = set()
        for _cid, code, *rest in rows:
            *flags, deleted, merged_into, in_group, served_itself = rest
            if merged_into is not None:
                if merged_into not in seen:
                    todo.add(merged_into)
            elif not deleted and in_group and not served_itself:
                out.append((code, *flags))
    return out


def _kecamatan_of(code: str | None) -> str | None:
    if not code:
        return None
    parts = code.split(".")
    return ".".join(parts[:3]) if len(parts) >= 3 else None


def _within(code: str | None, area: str | None) -> bool:
    if area is None:
        return True
    return bool(code) and (code == area or code.startswith(area + "."))


def spm_recap(db: Database, start: dt.date, end: dt.date, *, area: str | None = None) -> SpmRecap:
    """The SPM indicator for [start, end] per kecamatan and desa of `area` (a kab/kota or kecamatan code; None:
    every client, grouped by the kecamatan in their codes)."""
    check_period(start, end)
    area = normalize_area(area)
    groups = [g for g, _label in SPM_GROUPS]
    desa_figs: dict[str, dict[str, SpmFigure]] = {}
    outside: dict[str, SpmFigure] = {}
    dialect = db.dialect
    with db.session() as s:
        by_index = use_date_index(s, dialect, start, end)
        rows = s.execute(spm_statement(dialect, start, end, by_index=by_index)).all()
        merged = {row[-3] for row in rows if row[-3] is not None and row[-1]}
        later = _survivors(s, dialect, merged, start, end) if merged else []
    registered = [(code, *flags, n) for code, *flags, merged_into, n, _served in rows if merged_into is None]
    served = [(code, *flags, n_served) for code, *flags, merged_into, _n, n_served in rows
              if merged_into is None and n_served]
    served += [(*row, 1) for row in later]
    for rows, is_served in ((registered, False), (served, True)):
        for code, *rest in rows:
            *member, n = rest
            code = (code or "").strip() or None
            bucket = desa_figs.setdefault(code or NO_CODE, {}) if _within(code, area) else outside
            fig = SpmFigure(0, int(n)) if is_served else SpmFigure(int(n), 0)
            for g, flag in zip(groups, member, strict=True):
                if flag:
                    bucket[g] = bucket.get(g, _EMPTY) + fig
            bucket[ALL] = bucket.get(ALL, _EMPTY) + fig
    # desa -> kecamatan; a client whose code stops at the kecamatan (or above) goes to a "desa not recorded" row
    by_kec: dict[str, dict[str, dict[str, SpmFigure]]] = {}
    for code, figs in desa_figs.items():
        kec = _kecamatan_of(code) or NO_CODE
        desa = code if code != NO_CODE and code.count(".") >= 3 else NO_CODE
        slot = by_kec.setdefault(kec, {}).setdefault(desa, {})
        for g, fig in figs.items():
            slot[g] = slot.get(g, _EMPTY) + fig
    names = names_for(db, [c for c in by_kec if c] + [d for kec in by_kec.values() for d in kec if d])
    area_name = names_for(db, [area]).get(area) if area else None
    kecamatan: list[SpmKecamatan] = []
    total: dict[str, SpmFigure] = {}
    for kec in sorted(by_kec, key=lambda c: (c == NO_CODE, c)):
        desa_rows = []
        kec_total: dict[str, SpmFigure] = {}
        for desa in sorted(by_kec[kec], key=lambda c: (c == NO_CODE, c)):
            figs = by_kec[kec][desa]
            desa_rows.append(SpmArea(desa, names.get(desa) or (desa or _("(desa tidak tercatat)")), _figures(figs)))
            for g, fig in figs.items():
                kec_total[g] = kec_total.get(g, _EMPTY) + fig
        for g, fig in kec_total.items():
            total[g] = total.get(g, _EMPTY) + fig
        kecamatan.append(SpmKecamatan(kec, names.get(kec) or (kec or _("(kecamatan tidak tercatat)")),
                                      _figures(kec_total), tuple(desa_rows)))
    return SpmRecap(start=start, end=end, area=area, area_name=area_name, kecamatan=tuple(kecamatan),
                    total=_figures(total), outside=_figures(outside))


# --- the monthly report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryCount:
    code: str
    label: str
    new: int  # identified (registered) in the month
    total: int  # registered at the end of the month


@dataclass(frozen=True)
class ServiceCount:
    kind: str
    code: str
    label: str
    entries: int
    clients: int
    value_rp: int


@dataclass(frozen=True)
class KindTotal:
    kind: str
    label: str
    entries: int
    clients: int
    value_rp: int


@dataclass(frozen=True)
class ReferralCount:
    direction: str
    direction_label: str
    status: str
    status_label: str
    count: int


@dataclass(frozen=True)
class MonthlyFigures:
    """The figures of one month's report (seed 003). `ppks` has every refdata category plus "tanpa kategori"
    (clients with none); `ppks_new`/`ppks_total` count persons (a client in two categories once)."""

    year: int
    month: int
    start: dt.date
    end: dt.date
    area: str | None
    area_name: str | None
    ppks: tuple[CategoryCount, ...]
    ppks_new: int
    ppks_total: int
    psks: tuple[CategoryCount, ...]
    services: tuple[ServiceCount, ...]
    service_kinds: tuple[KindTotal, ...]
    services_total: KindTotal
    referrals: tuple[ReferralCount, ...]
    referral_statuses: tuple[tuple[str, str], ...] = field(default=())


NO_CATEGORY = "tanpa_kategori"


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not 1 <= month <= 12:
        raise UserError(_("Bulan {month} tidak ada; tulis 1 sampai 12.").format(month=month))
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def _instant(day: dt.date) -> dt.datetime:
    """Local midnight at the start of `day`, in UTC (the stored times are UTC)."""
    return dt.datetime.combine(day, dt.time()).astimezone(dt.UTC)


def _area_condition(column: Any, area: str | None) -> ColumnElement[bool]:
    if area is None:
        return true()
    return or_(column == area, column.like(area + ".%"))


def monthly_services_statement(dialect: str, start: dt.date, end: dt.date, area: str | None, *,
                               by_index: bool = True) -> Any:
    """One pass over the effective entries whose first day is in [start, end] (of clients in `area`): grouped
    per (client, kind, service) once, then summed per service ("service"), per kind ("kind") and in all
    ("all"): rows (level, kind, code, entries, distinct clients, value in Rupiah)."""
    e = ServiceEntry
    client_id = _plain(e.client_id, dialect)
    day = _entry_date(dialect, by_index)
    per = (select(client_id.label("cid"), e.service_kind.label("kind"), e.service_code.label("code"),
                  func.count().label("n"), func.coalesce(func.sum(e.value_rp), 0).label("v"))
           .where(day >= start, day <= end, log._effective(e)))
    if area is not None:
        per = per.join(Client, Client.id == e.client_id).where(_area_condition(Client.wilayah_code, area))
    per_cte = per.group_by(client_id, e.service_kind, e.service_code).cte("per_client")
    p = per_cte.c
    entries, value = func.coalesce(func.sum(p.n), 0), func.coalesce(func.sum(p.v), 0)
    no_text = null().cast(String)
    return union_all(
        select(literal("service", String).label("level"), p.kind, p.code, entries, func.count(), value)
        .group_by(p.kind, p.code),
        select(literal("kind", String), p.kind, no_text, entries, func.count(func.distinct(p.cid)), value)
        .group_by(p.kind),
        select(literal("all", String), no_text, no_text, entries, func.count(func.distinct(p.cid)), value))


def monthly_figures(db: Database, year: int, month: int, *, area: str | None = None) -> MonthlyFigures:
    start, end = month_bounds(year, month)
    area = normalize_area(area)
    since, until = _instant(start), _instant(end + dt.timedelta(days=1))
    with db.session() as s:
        # PPKS: one grouped pass over the clients registered by the month's end, by their category list
        cats = cast(Client.ppks_categories, Text).label("cats")
        new = func.coalesce(func.sum(case((Client.created_at >= since, 1), else_=0)), 0)
        ppks_rows = s.execute(
            select(cats, new, func.count())
            .where(_plain(Client.deleted, db.dialect) == false(), Client.merged_into.is_(None),
                   Client.created_at < until, _area_condition(Client.wilayah_code, area))
            .group_by(cats)).all()
        # PSKS: workers by type (through their office's wilayah when an area is asked) and offices by type
        w_new = func.coalesce(func.sum(case((Worker.created_at >= since, 1), else_=0)), 0)
        worker_q = (select(Worker.worker_type, w_new, func.count())
                    .where(Worker.deleted == false(), Worker.active.is_(True), Worker.created_at < until)
                    .group_by(Worker.worker_type))
        if area is not None:
            worker_q = worker_q.join(Office, Office.id == Worker.office_id).where(
                _area_condition(Office.wilayah_code, area))
        worker_rows = s.execute(worker_q).all()
        o_new = func.coalesce(func.sum(case((Office.created_at >= since, 1), else_=0)), 0)
        office_rows = s.execute(
            select(Office.office_type, o_new, func.count())
            .where(Office.deleted == false(), Office.created_at < until, Office.office_type.in_(list(OFFICE_PSKS)),
                   _area_condition(Office.wilayah_code, area))
            .group_by(Office.office_type)).all()
        # services: effective entries whose first day is in the month, per service, per kind and in all
        by_index = use_date_index(s, db.dialect, start, end)
        service_rows = s.execute(monthly_services_statement(db.dialect, start, end, area, by_index=by_index)).all()
        # referrals sent (or received) in the month, by direction and present status
        ref_q = (select(Referral.direction, Referral.status, func.count())
                 .where(Referral.deleted == false(), Referral.sent_on >= start, Referral.sent_on <= end)
                 .group_by(Referral.direction, Referral.status))
        if area is not None:
            ref_q = ref_q.join(Client, Client.id == Referral.client_id).where(
                _area_condition(Client.wilayah_code, area))
        referral_rows = s.execute(ref_q).all()

    ppks_list = ref_list("ppks")
    new_by: dict[str, int] = {}
    total_by: dict[str, int] = {}
    ppks_new = ppks_total = 0
    for text, n_new, n_all in ppks_rows:
        codes = set(json.loads(text)) if text and text != "null" else set()
        for code in codes or {NO_CATEGORY}:
            new_by[code] = new_by.get(code, 0) + int(n_new)
            total_by[code] = total_by.get(code, 0) + int(n_all)
        ppks_new += int(n_new)
        ppks_total += int(n_all)
    ppks = [CategoryCount(item.code, item.label, new_by.get(item.code, 0), total_by.get(item.code, 0))
            for item in ppks_list.items]
    unknown = sorted(set(total_by) - set(ppks_list.codes()) - {NO_CATEGORY})
    ppks += [CategoryCount(code, code, new_by[code], total_by[code]) for code in unknown]
    ppks.append(CategoryCount(NO_CATEGORY, _("Tanpa kategori PPKS"), new_by.get(NO_CATEGORY, 0),
                              total_by.get(NO_CATEGORY, 0)))

    psks_list, worker_types = ref_list("psks"), ref_list("worker_types")
    psks_new: dict[str, int] = {}
    psks_total: dict[str, int] = {}
    labels: dict[str, str] = {}
    for kind, n_new, n_all, mapping, ref in (
            *((t, a, b, WORKER_PSKS, worker_types) for t, a, b in worker_rows),
            *((t, a, b, OFFICE_PSKS, ref_list("office_types")) for t, a, b in office_rows)):
        key = mapping.get(kind) or f"{kind}"
        labels[key] = psks_list.label(key) if key in psks_list else ref.label(kind)
        psks_new[key] = psks_new.get(key, 0) + int(n_new)
        psks_total[key] = psks_total.get(key, 0) + int(n_all)
    order = {code: i for i, code in enumerate(psks_list.codes())}
    psks_keys = [*(c for c in psks_list.codes() if c in set(WORKER_PSKS.values()) | set(OFFICE_PSKS.values())),
                 *sorted(k for k in psks_total if k not in order)]
    psks = tuple(CategoryCount(k, labels.get(k) or psks_list.label(k), psks_new.get(k, 0), psks_total.get(k, 0))
                 for k in psks_keys)

    kinds_order = list(log.KIND_LISTS)
    per_service = [r[1:] for r in service_rows if r[0] == "service"]
    by_kind = {r[1]: (int(r[3]), int(r[4]), int(r[5])) for r in service_rows if r[0] == "kind"}
    overall = next((r[3:] for r in service_rows if r[0] == "all"), (0, 0, 0))
    services = sorted(
        (ServiceCount(kind, code, log.service_label(kind, code), int(n), int(c), int(v))
         for kind, code, n, c, v in per_service),
        key=lambda r: (kinds_order.index(r.kind) if r.kind in kinds_order else 99, _ref_number(r.kind, r.code),
                       r.code))
    kind_totals = tuple(KindTotal(k, _(log.KIND_LABELS[k]), *by_kind.get(k, (0, 0, 0))) for k in kinds_order)
    total = KindTotal("", _("Jumlah"), *(int(x or 0) for x in overall))

    statuses = tuple((code, referral_service.status_label(code)) for code in referral_service.STATUSES)
    counts = {(d, st): int(n) for d, st, n in referral_rows}
    referrals = tuple(ReferralCount(d, _(label), st, st_label, counts.get((d, st), 0))
                      for d, label in referral_service.DIRECTIONS.items() for st, st_label in statuses)
    return MonthlyFigures(year=year, month=month, start=start, end=end, area=area,
                          area_name=names_for(db, [area]).get(area) if area else None, ppks=tuple(ppks),
                          ppks_new=ppks_new, ppks_total=ppks_total, psks=psks, services=tuple(services),
                          service_kinds=kind_totals, services_total=total, referrals=referrals,
                          referral_statuses=statuses)


def _ref_number(kind: str, code: str) -> int:
    item = ref_list(log.KIND_LISTS[kind]).get(code) if kind in log.KIND_LISTS else None
    number = item.extra.get("number") if item is not None else None
    return int(number) if isinstance(number, int) else 999


# --- a distribution's recipients -------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """One recipient of a distribution, with the full NIK (the report redacts it per level)."""

    number: int
    client_id: uuid.UUID
    display_id: str
    name: str
    nik: str | None
    address: str | None
    desa: str | None
    value_rp: int | None
    quantity: Decimal | None
    unit: str | None


def distribution_recipients(db: Database, distribution_id: uuid.UUID) -> list[Recipient]:
    """The recipients whose entry still counts (as `distribution.receipt_rows`: a cancelled entry drops out, a
    corrected one shows its corrected value), ordered by name, numbered from 1."""
    with db.session() as s:
        dist = s.get(Distribution, distribution_id)
        if dist is None or dist.deleted:
            raise NotFoundError(_("Penyaluran ini tidak ditemukan."), hint=_("Buka lagi daftar penyaluran."))
        rows = s.execute(
            select(Client.id, Client.display_id, Client.name, Client.nik, Client.address, Wilayah.name,
                   ServiceEntry.value_rp, ServiceEntry.quantity, ServiceEntry.unit)
            .join(Client, Client.id == ServiceEntry.client_id)
            .outerjoin(Wilayah, Wilayah.code == Client.wilayah_code)
            .where(ServiceEntry.distribution_id == distribution_id, log._effective())
            .order_by(Client.name_norm, Client.display_id, Client.id)).all()
    return [Recipient(number=i, client_id=cid, display_id=display, name=name, nik=nik,
                      address=(address or "").strip() or None, desa=desa,
                      value_rp=int(value) if value is not None else None,
                      quantity=Decimal(qty) if qty is not None else None, unit=unit)
            for i, (cid, display, name, nik, address, desa, value, qty, unit) in enumerate(rows, start=1)]


# --- clients registered in a period (the client list report without the Klien screen's filters) -----------


def clients_registered(db: Database, start: dt.date, end: dt.date, *, limit: int,
                       today: dt.date | None = None) -> tuple[int, list[Any]]:
    """(how many, the first `limit` of them by name) live clients whose record was made in [start, end] (local
    dates), as `services.clients.ExportRow` rows (the columns of the client export)."""
    from atensi_desktop.db.models import Household
    from atensi_desktop.domain.dates import age_on
    from atensi_desktop.services.clients import ExportRow

    check_period(start, end)
    today = today or dt.date.today()
    since, until = _instant(start), _instant(end + dt.timedelta(days=1))
    where = [Client.deleted == false(), Client.merged_into.is_(None), Client.created_at >= since,
             Client.created_at < until]
    clusters, ppks = ref_list("clusters"), ref_list("ppks")
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(Client).where(*where)) or 0
        rows = s.execute(
            select(Client.display_id, Client.name, Client.alias, Client.nik, Household.no_kk, Client.sex,
                   Client.birth_place, Client.birth_date, Client.address, Client.wilayah_code, Wilayah.name,
                   Client.cluster, Client.ppks_categories, Client.dtsen_desil, Client.phone, Client.deleted)
            .outerjoin(Household, Household.id == Client.household_id)
            .outerjoin(Wilayah, Wilayah.code == Client.wilayah_code)
            .where(*where).order_by(Client.name_norm, Client.id).limit(limit)).all()
    return int(total), [
        ExportRow(display_id=r[0], name=r[1], alias=r[2], nik=r[3], no_kk=r[4], sex=r[5], birth_place=r[6],
                  birth_date=r[7], age=age_on(r[7], today), address=r[8], wilayah_code=r[9], wilayah_name=r[10],
                  cluster_label=clusters.label(r[11]) if r[11] else None,
                  ppks_labels=", ".join(ppks.label(c) for c in r[12]) if r[12] else None,
                  dtsen_desil=r[13], phone=r[14], archived=bool(r[15]))
        for r in rows]


__all__ = [
    "ALL",
    "SPM_GROUPS",
    "CategoryCount",
    "KindTotal",
    "MonthlyFigures",
    "Recipient",
    "ReferralCount",
    "ServiceCount",
    "SpmArea",
    "SpmFigure",
    "SpmKecamatan",
    "SpmRecap",
    "clients_registered",
    "distribution_recipients",
    "group_categories",
    "month_bounds",
    "monthly_figures",
    "percent_of",
    "spm_recap",
    "year_period",
]
