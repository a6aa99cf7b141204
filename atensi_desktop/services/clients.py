"""Client registry: search, filter and page the list (in SQL), show and export; register, edit, archive, restore.

Search understands a name part (case-, accent- and spelling-variant-insensitive, in the name or the alias),
a NIK or No. KK prefix (digits), and a display id prefix ("DSKHSS-7K"). On SQLite a name part of 2+
characters is looked up in the trigram index `client_fts` (migration 0004); on PostgreSQL a pg_trgm GIN
index serves the same LIKE. A page of a sorted list is the costly case at 1,000,000 clients, and which
way is fast depends on how many clients match, so on SQLite one statement first counts the matches of
each indexed term (text, wilayah, case) up to a cap, and `_plan` compares the estimated costs of
- driving from the narrowest index (FTS rowids, NIK range, ...) and sorting what it finds, and
- walking the list's ordered index (`ix_client_live_name`, which covers the search and most filters) and
  testing each row until the page is full.
Every other term is then written `+column` so that SQLite's planner, which has no statistics here, never
drives the list from a weak index (cluster, sex) and sorts a third of the table.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Any, overload

from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    Select,
    and_,
    cast,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, ClientCase, Household, Office, Wilayah, Worker
from atensi_desktop.domain.dates import age_on
from atensi_desktop.domain.names import normalize_name
from atensi_desktop.domain.nik import check_nik, mask_nik, normalize_nik
from atensi_desktop.errors import NotFoundError, ValidationError
from atensi_desktop.i18n import N_, _, format_date_short
from atensi_desktop.refdata import ref_list
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CLIENT_CREATE, CLIENT_EDIT, CLIENT_VIEW
from atensi_desktop.services.households import check_single_head
from atensi_desktop.sync.ids import display_id, uuid7

SORT_KEYS = ("name", "display_id", "birth_date", "created")
AGE_GROUPS = ("anak", "dewasa", "lansia")  # under 18, 18-59, 60 and over (on the day of the query)
# how a screen names them (N_: translated where shown); the boundaries are the ones the filter applies
AGE_GROUP_LABELS = (("anak", N_("Anak (di bawah 18)")), ("dewasa", N_("Dewasa (18–59)")),
                    ("lansia", N_("Lanjut usia (60+)")))
EDITABLE = (
    "nik", "name", "alias", "sex", "birth_place", "birth_date", "birth_date_estimated", "religion",
    "education", "marital_status", "disability", "phone", "address", "wilayah_code", "household_id",
    "relation_to_head", "ppks_categories", "cluster", "dtsen_desil",
)


@dataclass(frozen=True)
class ClientQuery:
    """What the client list shows: free text (name part, NIK prefix, No. KK, display id), filters (all
    combined with AND), archive, order. `wilayah` is a dotted kecamatan or desa code; `worker_id` and
    `stage` select clients with a live case in that stage and/or handled by that worker."""

    text: str = ""
    include_archived: bool = False
    order_by: str = "name"
    descending: bool = False
    ppks_category: str | None = None
    cluster: str | None = None
    wilayah: str | None = None
    stage: str | None = None
    worker_id: uuid.UUID | None = None
    age_group: str | None = None
    sex: str | None = None

    def __post_init__(self) -> None:
        if self.order_by not in SORT_KEYS:
            raise ValueError(f"unknown order {self.order_by!r}")
        if self.age_group is not None and self.age_group not in AGE_GROUPS:
            raise ValueError(f"unknown age group {self.age_group!r}")


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


# --- the query: text, filters, order ---------------------------------------------------------------------

_DISPLAY_ID = re.compile(r"^[A-Za-z0-9]+-[A-Za-z0-9]*$")
_FTS = table("client_fts", column("rowid"))
_ROWID = literal_column("client.rowid")
_NO_INDEX = custom_op("+")


@dataclass(frozen=True)
class _Text:
    digits: str = ""  # NIK or No. KK prefix
    words: tuple[str, ...] = ()  # normalised name parts, all of which must match
    display: str = ""  # display id prefix, upper case


def _parse_text(text: str) -> _Text | None:
    text = " ".join(text.split())
    if not text:
        return None
    compact = text.replace(" ", "").replace(".", "")
    if compact.isascii() and compact.isdigit():
        return _Text(digits=compact)
    return _Text(words=tuple(normalize_name(text).split()), display=text.upper() if _DISPLAY_ID.match(text) else "")


def _prefix(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, as a range the column's index serves (LIKE skips it on SQLite)."""
    return and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))


def _no_index(column: Any) -> Any:
    """SQLite's `+column`: the same value, but the planner will not drive the query from its index."""
    return UnaryExpression(column, operator=_NO_INDEX, type_=column.type)


def _fts_query(words: Sequence[str]) -> str | None:
    """FTS5 query for the words an index can serve: 3+ characters anywhere, 2 at the start of a word
    (the indexed text is padded with spaces). Normalised words are [a-z0-9] only: nothing to escape."""
    phrases = [f'"{w}"' if len(w) >= 3 else f'" {w}"' for w in words if len(w) >= 2]
    return " AND ".join(phrases) or None


def _fts_match(fts: str) -> ColumnElement[bool]:
    return literal_column("client_fts").op("MATCH")(fts)


def _word_like(word: str) -> ColumnElement[bool]:
    """A name part tested row by row: 3+ characters anywhere, a shorter one at the start of a word."""
    cols = (Client.name_norm, Client.alias_norm)
    if len(word) >= 3:
        return or_(*(c.like(f"%{word}%") for c in cols))
    return or_(*(t for c in cols for t in (c.like(f"{word}%"), c.like(f"% {word}%"))))


def _kk_households(digits: str) -> Select:
    return select(Household.id).where(_prefix(Household.no_kk, digits))


def _text_condition(text: _Text, *, sqlite: bool, drive: bool, few_kk: bool = True) -> ColumnElement[bool]:
    """`drive`: written so that an index finds the matches (FTS rowids, NIK range); otherwise tested row by
    row. `few_kk`: the No. KK prefix names few households, collected once rather than looked up per row."""
    if text.digits:
        d = text.digits
        if drive:
            return or_(_prefix(Client.nik, d), Client.household_id.in_(_kk_households(d)))
        in_kk = _no_index(Client.household_id).in_(_kk_households(d)) if few_kk else \
            exists().where(Household.id == Client.household_id, Household.no_kk.like(f"{d}%"))
        return or_(Client.nik.like(f"{d}%"), in_kk)
    terms: list[ColumnElement[bool]] = []
    fts = _fts_query(text.words) if sqlite and drive else None
    if fts is not None:
        terms.append(_ROWID.in_(select(_FTS.c.rowid).where(_fts_match(fts))))
        terms.extend(_word_like(w) for w in text.words if len(w) < 2)
    else:
        terms.extend(_word_like(w) for w in text.words)
    name = and_(*terms) if terms else false()
    if not text.display:
        return name
    # A range serves SQLite's index; PostgreSQL compares by the database's collation, which may ignore the
    # '-' (glibc locales), so there a LIKE (pattern index of migration 0004). Digits sort alike everywhere.
    use_range = sqlite and drive
    display = _prefix(Client.display_id, text.display) if use_range else Client.display_id.like(f"{text.display}%")
    return or_(display, name)


def _wilayah_condition(code: str, column: Any, *, sqlite: bool = True) -> ColumnElement[bool]:
    """The region `code` and everything under it (see _text_condition about ranges and collations)."""
    if not sqlite:
        return or_(column == code, column.like(f"{code}.%"))
    return or_(column == code, and_(column > f"{code}.", column < f"{code}/"))  # '/' follows '.'


def _case_terms(query: ClientQuery, plain: Any = lambda c: c) -> list[ColumnElement[bool]]:
    terms = [ClientCase.deleted == false()]
    if query.stage:
        terms.append(plain(ClientCase.stage) == query.stage)
    if query.worker_id:
        terms.append(plain(ClientCase.worker_id) == query.worker_id)
    return terms


def _years_before(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


# Which index drives a query on SQLite (module docstring): "text", "wilayah", "case", or None to walk
# ix_client_live_name (or, for another order, that column's index). Costs measured at 1M clients: fetching
# a match through an index, in rowid order, ~2.5 us; walking one row ~0.15 us when the walk reads only
# the covering index, ~10 us when it must read the row (scattered pages). A page walks until it has the
# rows it shows (offset + limit), a count or an export walks every row; the candidates' matches are
# counted (up to where driving can no longer win) to estimate both.
FETCH_US, COVERED_WALK_US, ROW_WALK_US = 2.5, 0.15, 10.0
WALK_RISK = 3.0  # matches cluster in name order (a first name): a walk may run longer than its estimate
MAX_PROBE = 100_000
PROBE_SLACK = 4.0
# Share of clients a filter without an index to count through is assumed to keep (demo-data proportions).
_PRIOR = {"sex": 0.5, "cluster": 0.2, "age_group": 0.35, "ppks_category": 0.05}


@dataclass(frozen=True)
class _Plan:
    driver: str | None  # "text", "wilayah", "case"; None: walk; "all": every term plain (PostgreSQL)
    few_kk: bool = True  # a No. KK prefix with few households: their ids are collected once
    table_scan: bool = False  # a count that must read every row anyway: read the table in order


_ROWS: dict[str, int] = {}  # database URL -> clients (max rowid): the scale for the caps, refreshed by every plan


def _plan(conn: Connection, query: ClientQuery, text: _Text | None, *, ordered: bool, wanted: int | None) -> _Plan:
    """Choose the driver of a SQLite query from capped counts through each candidate index (one statement)."""
    key = str(conn.engine.url)
    rows = _ROWS.get(key)
    if rows is None:
        rows = _ROWS[key] = conn.scalar(select(func.max(_ROWID)).select_from(Client)) or 0
    covered = not query.include_archived and not query.ppks_category and not query.stage \
        and not query.worker_id and (query.order_by == "name" or not ordered)
    walk_us = COVERED_WALK_US if covered else ROW_WALK_US
    cap = _probe_cap(rows, walk_us, wanted)
    probes: dict[str, Select] = {}
    if text is not None:
        if text.digits:
            probes["kk"] = select(Household.no_kk).where(_prefix(Household.no_kk, text.digits))
            probes["nik"] = select(Client.nik).where(_prefix(Client.nik, text.digits))
        elif (fts := _fts_query(text.words)) is not None:
            probes["fts"] = select(_FTS.c.rowid).where(_fts_match(fts))
            if text.display:
                probes["display"] = select(Client.display_id).where(_prefix(Client.display_id, text.display))
    if query.wilayah:
        probes["wilayah"] = select(Client.wilayah_code).where(
            _wilayah_condition(query.wilayah, Client.wilayah_code))
    if query.stage:  # each through its own client_case index (tombstones counted too)
        probes["stage"] = select(ClientCase.stage).where(ClientCase.stage == query.stage)
    if query.worker_id:
        probes["worker"] = select(ClientCase.worker_id).where(ClientCase.worker_id == query.worker_id)
    counted = conn.execute(select(
        select(func.max(_ROWID)).select_from(Client).scalar_subquery(),
        *(select(func.count()).select_from(p.limit(cap).subquery()).scalar_subquery() for p in probes.values()),
    )).one()
    rows = _ROWS[key] = counted[0] or 0
    return _decide(query, rows, dict(zip(probes, counted[1:], strict=True)), walk_us=walk_us, covered=covered,
                   ordered=ordered, wanted=wanted)


def _probe_cap(rows: int, walk_us: float, wanted: int | None) -> int:
    """How far to count the matches of an index: no further than where driving from it stops paying: for
    every row, rows * walk / fetch; for the first `wanted` rows, where M fetches cost a walk to `wanted`
    matches at density M / rows (PROBE_SLACK: the other terms may thin the matches out and lengthen the walk)."""
    cap = rows * walk_us / FETCH_US
    if wanted:
        cap = min(cap, PROBE_SLACK * (WALK_RISK * walk_us * wanted * rows / FETCH_US) ** 0.5)
    return max(50, min(MAX_PROBE, int(cap) + 1))


def _decide(query: ClientQuery, rows: int, found: Mapping[str, int], *, walk_us: float, covered: bool,
            ordered: bool, wanted: int | None) -> _Plan:
    """The plan from the capped match counts of each probe ("kk", "nik", "fts", "display", "wilayah",
    "stage", "worker") and the size of the table (max rowid)."""
    counts: dict[str, int] = {}
    if "kk" in found:
        counts["text"] = found["kk"] + found["nik"]
    elif "fts" in found:
        counts["text"] = found["fts"] + found.get("display", 0)
    if "wilayah" in found:
        counts["wilayah"] = found["wilayah"]
    density = 1.0
    if "stage" in found or "worker" in found:
        cases = [found[k] for k in ("stage", "worker") if k in found]
        counts["case"] = min(cases)
        density *= (max(cases) / rows) if len(cases) > 1 and rows else 1.0
    for name, share in _PRIOR.items():
        if getattr(query, name):
            density *= share
    for n in counts.values():
        density *= min(n, rows) / rows if rows else 1.0
    walk_rows = min(rows, wanted / density) if density and wanted else rows
    walk = min(rows * walk_us, WALK_RISK * walk_us * walk_rows)
    # a No. KK prefix tested while walking: its households collected once, or looked up row by row
    few_kk = found.get("kk", 0) * FETCH_US < walk_rows * ROW_WALK_US
    if counts:
        best = min(counts, key=counts.__getitem__)
        if counts[best] * FETCH_US < walk:
            return _Plan(best, few_kk)
    return _Plan(None, few_kk, table_scan=not ordered and not covered)


def _conditions(conn: Connection, query: ClientQuery, today: dt.date, *, ordered: bool,
                wanted: int | None = None) -> list[ColumnElement]:
    """WHERE terms for `query`: `ordered` for a list in display order rather than a count, of which the first
    `wanted` rows are read (None: all, as for an export or every id). On SQLite only
    the chosen driver's term may use an index; the others are written `+column` and tested row by row.
    PostgreSQL has statistics and a planner that uses them: every term is written plainly there."""
    dialect = conn.dialect.name
    sqlite = dialect == "sqlite"
    text = _parse_text(query.text)
    plan = _plan(conn, query, text, ordered=ordered, wanted=wanted) if sqlite else _Plan("all")
    driver = plan.driver

    def plain(column: Any) -> Any:
        return _no_index(column) if sqlite else column

    conds: list[ColumnElement] = [Client.merged_into.is_(None)]
    if not query.include_archived:  # written as in ix_client_live_name's WHERE, unless the table is read
        conds.append((plain(Client.deleted) if plan.table_scan else Client.deleted) == false())
    if text is not None:
        conds.append(_text_condition(text, sqlite=sqlite, drive=driver in ("text", "all"), few_kk=plan.few_kk))
    if query.sex:
        conds.append(plain(Client.sex) == query.sex)
    if query.cluster:
        conds.append(plain(Client.cluster) == query.cluster)
    if query.wilayah:
        wil = Client.wilayah_code if driver in ("wilayah", "all") else plain(Client.wilayah_code)
        conds.append(_wilayah_condition(query.wilayah, wil, sqlite=sqlite))
    if query.age_group:
        birth, adult, old = plain(Client.birth_date), _years_before(today, 18), _years_before(today, 60)
        conds.append({"anak": birth > adult, "dewasa": and_(birth > old, birth <= adult),
                      "lansia": birth <= old}[query.age_group])
    if query.ppks_category:
        if dialect == "postgresql":
            conds.append(cast(Client.ppks_categories, JSONB).contains([query.ppks_category]))
        else:
            each = func.json_each(Client.ppks_categories).table_valued("value")
            conds.append(exists().select_from(each).where(each.c.value == query.ppks_category))
    if query.stage or query.worker_id:
        if driver in ("case", "all"):
            conds.append(Client.id.in_(select(ClientCase.client_id).where(*_case_terms(query))))
        else:  # per row, through the client_id index (never the stage index, for every client)
            conds.append(exists().where(ClientCase.client_id == Client.id, *_case_terms(query, plain)))
    return conds


def _order_keys(query: ClientQuery, *, reverse: bool = False) -> list[Any]:
    key = {"name": Client.name_norm, "display_id": Client.display_id, "birth_date": Client.birth_date,
           "created": None}[query.order_by]
    keys = [Client.id] if key is None else [key, Client.id]
    return [k.desc() for k in keys] if query.descending != reverse else [k.asc() for k in keys]


def _ids_select(conds: Sequence[ColumnElement], query: ClientQuery, *, reverse: bool = False) -> Select:
    return select(Client.id).where(*conds).order_by(*_order_keys(query, reverse=reverse))


# --- counting, paging, ids --------------------------------------------------------------------------------


def count_clients(db: Database, query: ClientQuery = ClientQuery(), *, today: dt.date | None = None) -> int:
    """How many clients the list `query` describes has (at 1M: ~0.1 s for the whole list, see README)."""
    guard.check(db, CLIENT_VIEW)
    with db.session() as s:
        conn = s.connection()
        conds = _conditions(conn, query, today or dt.date.today(), ordered=False) + guard.reach_terms(db)
        return conn.scalar(select(func.count()).select_from(Client).where(*conds)) or 0


_ROW_COLUMNS = (Client.id, Client.display_id, Client.name, Client.nik, Client.sex, Client.birth_date,
                Client.wilayah_code, Wilayah.name, Client.cluster, Client.deleted)


def _client_row(r: Any, today: dt.date, clusters: Any) -> ClientRow:
    return ClientRow(
        id=r[0], display_id=r[1], name=r[2], nik_masked=mask_nik(r[3]) if r[3] else "",
        sex=r[4], birth_date=r[5], age=age_on(r[5], today), wilayah_code=r[6], wilayah_name=r[7],
        cluster_label=clusters.label(r[8]) if r[8] else "", archived=bool(r[9]),
    )


def client_page(db: Database, query: ClientQuery, offset: int, limit: int, *, total: int | None = None,
                today: dt.date | None = None) -> list[ClientRow]:
    """Rows `offset` .. `offset + limit - 1` of the list `query` describes, for a model that keeps no ids.

    Pass `total` (from `count_clients`) when known: a page in the second half of the list is then read
    backwards from the end, so "jump to the last row" costs what the first page costs.
    """
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    guard.check(db, CLIENT_VIEW)
    if total is not None:
        limit = min(limit, total - offset)
    if limit <= 0:
        return []
    today = today or dt.date.today()
    reverse = total is not None and total - offset - limit < offset
    skip = total - offset - limit if reverse and total is not None else offset
    digits = _plain_digits(db, query)
    if digits is not None:
        rows = _digits_page(db, digits, query.descending != reverse, skip, limit, today)
        if reverse:
            rows.reverse()
        return rows
    with db.session() as s:
        conds = _conditions(s.connection(), query, today, ordered=True, wanted=skip + limit) + guard.reach_terms(db)
        page = _ids_select(conds, query, reverse=reverse).limit(limit).offset(skip).subquery()
        stmt = (
            select(*_ROW_COLUMNS)
            .select_from(page)
            .join(Client, Client.id == page.c.id)
            .outerjoin(Wilayah, Wilayah.code == Client.wilayah_code)
            .order_by(*_order_keys(query, reverse=reverse))
        )
        clusters = ref_list("clusters")
        rows = [_client_row(r, today, clusters) for r in s.connection().execute(stmt)]
    if reverse:
        rows.reverse()
    return rows


# --- the fast path: a NIK / No. KK prefix and nothing else, on SQLite -----------------------------------
# Typing a NIK returns a row or two in ~30 us of SQLite work, while building, compiling and running the
# same two statements through SQLAlchemy costs ~1 ms: 40x the query. So this one search, the one typed
# most, runs the statements `_plan` and `_conditions` would build for it, written out below, on a driver
# connection of the pool. Listeners of the engine's before_cursor_execute event (the registry benchmark
# records what it replays) are told of each statement. tests/core/test_client_search.py checks that it
# returns what the general path returns.

_DIGITS_PROBE = (
    "SELECT (SELECT max(client.rowid) FROM client), "
    "(SELECT count(*) FROM (SELECT household.no_kk FROM household "
    "WHERE household.no_kk >= :lo AND household.no_kk < :hi LIMIT :cap)), "
    "(SELECT count(*) FROM (SELECT client.nik FROM client WHERE client.nik >= :lo AND client.nik < :hi LIMIT :cap))"
)
_DIGITS_MATCH = {  # (driven from the NIK and No. KK indexes, No. KK households collected once)
    (True, True): "(client.nik >= :lo AND client.nik < :hi OR client.household_id IN "
                  "(SELECT household.id FROM household WHERE household.no_kk >= :lo AND household.no_kk < :hi))",
    (False, True): "(client.nik LIKE :like OR +client.household_id IN "
                   "(SELECT household.id FROM household WHERE household.no_kk >= :lo AND household.no_kk < :hi))",
    (False, False): "(client.nik LIKE :like OR EXISTS (SELECT * FROM household "
                    "WHERE household.id = client.household_id AND household.no_kk LIKE :like))",
}
_DIGITS_PAGE = (
    "SELECT client.id, client.display_id, client.name, client.nik, client.sex, client.birth_date, "
    "client.wilayah_code, wilayah.name, client.cluster, client.deleted "
    "FROM (SELECT client.id AS id FROM client WHERE client.merged_into IS NULL AND client.deleted = 0 "
    "AND {match} ORDER BY client.name_norm {order}, client.id {order} LIMIT :limit OFFSET :skip) AS page "
    "JOIN client ON client.id = page.id LEFT OUTER JOIN wilayah ON wilayah.code = client.wilayah_code "
    "ORDER BY client.name_norm {order}, client.id {order}"
)


def _plain_digits(db: Database, query: ClientQuery) -> str | None:
    """The digits when `query` is a NIK / No. KK prefix alone (live clients by name) on SQLite."""
    if not query.text or query.include_archived or query.order_by != "name" or query.ppks_category \
            or query.cluster or query.wilayah or query.stage or query.worker_id or query.age_group or query.sex \
            or db.engine.dialect.name != "sqlite":
        return None
    text = _parse_text(query.text)
    return text.digits if text is not None and text.digits else None


def _driver_execute(conn: Any, cursor: Any, sql: str, params: dict[str, Any], engine: Any) -> list[tuple]:
    listeners = engine.dispatch.before_cursor_execute
    if listeners:
        for listener in listeners:
            listener(conn, cursor, sql, params, None, False)
    return cursor.execute(sql, params).fetchall()


def _digits_page(db: Database, digits: str, descending: bool, skip: int, limit: int,
                 today: dt.date) -> list[ClientRow]:
    """What `client_page` returns for ClientQuery(text=digits) (the statements it would run)."""
    engine = db.engine
    key = str(engine.url)
    wanted = skip + limit
    params: dict[str, Any] = {"lo": digits, "hi": digits[:-1] + chr(ord(digits[-1]) + 1)}
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        rows = _ROWS.get(key)
        if rows is None:
            rows = _ROWS[key] = _driver_execute(conn, cursor, "SELECT max(client.rowid) FROM client", {},
                                                engine)[0][0] or 0
        params["cap"] = _probe_cap(rows, COVERED_WALK_US, wanted)
        top, kk, nik = _driver_execute(conn, cursor, _DIGITS_PROBE, dict(params), engine)[0]
        rows = _ROWS[key] = top or 0
        plan = _decide(ClientQuery(text=digits), rows, {"kk": kk, "nik": nik}, walk_us=COVERED_WALK_US,
                       covered=True, ordered=True, wanted=wanted)
        drive = plan.driver == "text"
        sql = _DIGITS_PAGE.format(match=_DIGITS_MATCH[drive, drive or plan.few_kk],
                                  order="DESC" if descending else "ASC")
        params.update(like=f"{digits}%", limit=limit, skip=skip)  # sqlite3 ignores the names not used
        found = _driver_execute(conn, cursor, sql, params, engine)
        cursor.close()
    finally:
        conn.close()
    clusters = ref_list("clusters")
    return [_driver_row(r, today, clusters) for r in found]


def _uuid_from_bytes(raw: bytes, *, _new: Any = object.__new__, _set: Any = object.__setattr__,
                     _unknown: uuid.SafeUUID = uuid.SafeUUID.unknown) -> uuid.UUID:
    """uuid.UUID(bytes=raw) in a fifth of the time (what its __init__ stores, without the argument checks)."""
    value = _new(uuid.UUID)
    _set(value, "int", int.from_bytes(raw, "big"))
    _set(value, "is_safe", _unknown)
    return value


def _driver_row(r: Sequence[Any], today: dt.date, clusters: Any) -> ClientRow:
    """`_client_row` for the driver's values (id bytes, ISO date text, 0/1), 2x cheaper: building 50 rows
    the usual way costs more than SQLite finding them. The frozen dataclass gets its fields directly (its
    __init__ sets each through object.__setattr__): the same object, equal to one made by __init__."""
    nik = r[3]
    birth = dt.date.fromisoformat(r[5]) if r[5] else None
    row = object.__new__(ClientRow)
    object.__setattr__(row, "__dict__", {
        "id": _uuid_from_bytes(bytes(r[0])), "display_id": r[1], "name": r[2],
        "nik_masked": (nik[:6] + "*" * (len(nik) - 6) if len(nik) > 6 and nik.isdigit() else mask_nik(nik))
        if nik else "",
        "sex": r[4], "birth_date": birth, "age": age_on(birth, today), "wilayah_code": r[6], "wilayah_name": r[7],
        "cluster_label": clusters.label(r[8]) if r[8] else "", "archived": bool(r[9]),
    })
    return row


class IdList(Sequence[uuid.UUID]):
    """Client ids as the driver returned them (16-byte blobs on SQLite), made into UUIDs only when read:
    a million UUID objects cost more than the query that finds them."""

    __slots__ = ("_raw",)

    def __init__(self, raw: list[Any]) -> None:
        self._raw = raw

    @staticmethod
    def _uuid(value: Any) -> uuid.UUID:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(bytes=bytes(value))

    def __len__(self) -> int:
        return len(self._raw)

    @overload
    def __getitem__(self, index: int) -> uuid.UUID: ...

    @overload
    def __getitem__(self, index: slice) -> list[uuid.UUID]: ...

    def __getitem__(self, index: int | slice) -> uuid.UUID | list[uuid.UUID]:
        if isinstance(index, slice):
            return [self._uuid(v) for v in self._raw[index]]
        return self._uuid(self._raw[index])

    def __iter__(self) -> Iterator[uuid.UUID]:
        return map(self._uuid, self._raw)

    def _key(self, value: Any) -> Any:
        if isinstance(value, uuid.UUID) and self._raw and not isinstance(self._raw[0], uuid.UUID):
            return value.bytes
        return value

    def __contains__(self, value: object) -> bool:
        return self._key(value) in self._raw

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        return self._raw.index(self._key(value), start, len(self._raw) if stop is None else stop)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"IdList({len(self)} ids)"


def client_ids(db: Database, query: ClientQuery = ClientQuery(), *, today: dt.date | None = None) -> IdList:
    """Ids of every client matching `query`, in display order (the list model pages rows from these).

    At 1M clients prefer `count_clients` + `client_page`: this still reads every id (see README figures).
    """
    guard.check(db, CLIENT_VIEW)
    with db.session() as s:
        conn = s.connection()
        conds = _conditions(conn, query, today or dt.date.today(), ordered=True) + guard.reach_terms(db)
        stmt = _ids_select(conds, query).with_only_columns(type_coerce(Client.id, LargeBinary()))
        result = conn.execute(stmt)  # SQLAlchemy binds the parameters; the rows are read from the driver
        try:  # as they are: no Row objects, no UUIDs (x3 faster at 1M ids)
            return IdList(list(map(itemgetter(0), result.cursor.fetchall())))
        finally:
            result.close()


def client_rows(db: Database, ids: Sequence[uuid.UUID], *, today: dt.date | None = None) -> list[ClientRow]:
    """Rows for the given ids, in the same order (missing ids are skipped)."""
    if not ids:
        return []
    today = today or dt.date.today()
    clusters = ref_list("clusters")
    stmt = (
        select(*_ROW_COLUMNS)
        .outerjoin(Wilayah, Wilayah.code == Client.wilayah_code)
        .where(Client.id.in_(list(ids)), *guard.reach_terms(db))
    )
    guard.check(db, CLIENT_VIEW)
    with db.session() as s:
        found = {r[0]: _client_row(r, today, clusters) for r in s.connection().execute(stmt)}
    return [found[i] for i in ids if i in found]


class SearchIndexPause:
    """For a bulk insert of clients in one transaction (init --demo, an import): on SQLite the name search
    index `client_fts`, kept by a trigger per inserted row (migration 0004), is filled once at the end
    for all the new clients instead (x1.4 faster for init --demo 100,000). The trigger is dropped and
    re-created from its own stored SQL inside the caller's transaction, so a rollback (a cancelled demo or
    import, a failure) leaves it exactly as it was, and no other writer can come in between. Outside a
    transaction (DDL would commit on its own) or on PostgreSQL it does nothing.

        pause = SearchIndexPause(session)
        ... bulk_insert(session, Client, rows) ...
        pause.resume()
    """

    _TRIGGER = "client_fts_ai"

    def __init__(self, session: Session | Connection) -> None:
        self.session = session
        self.trigger_sql: str | None = None
        conn = self._conn()
        if conn.dialect.name != "sqlite" or not conn.connection.dbapi_connection.in_transaction:
            return
        self.trigger_sql = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (self._TRIGGER,)).scalar()
        if self.trigger_sql is None:
            return
        self.after_rowid = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM client").scalar()
        conn.exec_driver_sql(f"DROP TRIGGER {self._TRIGGER}")

    def _conn(self) -> Connection:
        """The connection of the caller's transaction (a Session's, or a Core connection given directly)."""
        return self.session if isinstance(self.session, Connection) else self.session.connection()

    def resume(self) -> None:
        if self.trigger_sql is None:
            return
        conn = self._conn()
        # the same rows the trigger would have written (client_fts_ai in migration 0004)
        conn.exec_driver_sql(
            "INSERT INTO client_fts(rowid, name, alias) "
            "SELECT rowid, ' ' || name_norm || ' ', ' ' || alias_norm || ' ' FROM client WHERE rowid > ?",
            (self.after_rowid,))
        conn.exec_driver_sql(self.trigger_sql)
        self.trigger_sql = None


# --- one client in full, display ids, export rows --------------------------------------------------------


def find_by_display_id(db: Database, text: str) -> list[uuid.UUID]:
    """Clients whose display id is exactly `text` (any case): display ids are short, so not unique."""
    guard.check(db, CLIENT_VIEW)
    with db.session() as s:
        return list(s.scalars(select(Client.id).where(Client.display_id == text.strip().upper(),
                                                      *guard.reach_terms(db)).order_by(Client.id)))


@dataclass(frozen=True)
class CaseSummary:
    id: uuid.UUID
    display_id: str
    stage: str
    opened_on: dt.date
    closed_on: dt.date | None
    worker_name: str | None


@dataclass(frozen=True)
class ClientDetail:
    """Everything `client show` prints: the record, where it lives, what became of it, its cases."""

    client: ClientDTO
    wilayah_full_name: str | None
    merged_into_display_id: str | None
    cases: tuple[CaseSummary, ...]


def client_detail(db: Database, client_id: uuid.UUID) -> ClientDetail:
    """One client with its household No. KK, full wilayah name, merge target and live cases (archived and
    merged clients too: this is the record itself)."""
    from atensi_desktop.services.wilayah import full_name

    guard.check(db, CLIENT_VIEW, client_id=client_id)
    with db.session() as s:
        client = _get(s, client_id)
        dto = _redacted(db, _dto(s, client, []))
        merged = s.scalar(select(Client.display_id).where(Client.id == client.merged_into)) \
            if client.merged_into else None
        cases = tuple(
            CaseSummary(id=r[0], display_id=r[1], stage=r[2], opened_on=r[3], closed_on=r[4], worker_name=r[5])
            for r in s.execute(
                select(ClientCase.id, ClientCase.display_id, ClientCase.stage, ClientCase.opened_on,
                       ClientCase.closed_on, Worker.name)
                .outerjoin(Worker, Worker.id == ClientCase.worker_id)
                .where(ClientCase.client_id == client_id, ClientCase.deleted == false())
                .order_by(ClientCase.opened_on, ClientCase.id)
            )
        )
    wilayah = full_name(db, dto.values["wilayah_code"]) if dto.values["wilayah_code"] else None
    return ClientDetail(client=dto, wilayah_full_name=wilayah, merged_into_display_id=merged, cases=cases)


@dataclass(frozen=True)
class ExportRow:
    display_id: str
    name: str
    alias: str | None
    nik: str | None
    no_kk: str | None
    sex: str | None
    birth_place: str | None
    birth_date: dt.date | None
    age: int | None
    address: str | None
    wilayah_code: str | None
    wilayah_name: str | None
    cluster_label: str | None
    ppks_labels: str | None
    dtsen_desil: int | None
    phone: str | None
    archived: bool


def iter_export_rows(db: Database, query: ClientQuery, *, today: dt.date | None = None,
                     batch: int = 2_000) -> Iterator[ExportRow]:
    """Every client matching `query`, in its order, with the columns of an export; streamed."""
    today = today or dt.date.today()
    clusters, ppks = ref_list("clusters"), ref_list("ppks")
    guard.check(db, CLIENT_VIEW)
    with db.session() as s:
        conds = _conditions(s.connection(), query, today, ordered=True) + guard.reach_terms(db)
        stmt = (
            select(Client.display_id, Client.name, Client.alias, Client.nik, Household.no_kk, Client.sex,
                   Client.birth_place, Client.birth_date, Client.address, Client.wilayah_code, Wilayah.name,
                   Client.cluster, Client.ppks_categories, Client.dtsen_desil, Client.phone, Client.deleted)
            .outerjoin(Household, Household.id == Client.household_id)
            .outerjoin(Wilayah, Wilayah.code == Client.wilayah_code)
            .where(*conds)
            .order_by(*_order_keys(query))
            .execution_options(yield_per=batch)
        )
        result = s.execute(stmt)
        try:  # an export stopped early (cancel, error) closes its server-side cursor now, not at GC time
            for r in result:
                yield ExportRow(
                    display_id=r[0], name=r[1], alias=r[2], nik=r[3], no_kk=r[4], sex=r[5], birth_place=r[6],
                    birth_date=r[7], age=age_on(r[7], today), address=r[8], wilayah_code=r[9],
                    wilayah_name=r[10], cluster_label=clusters.label(r[11]) if r[11] else None,
                    ppks_labels=", ".join(ppks.label(c) for c in r[12]) if r[12] else None,
                    dtsen_desil=r[13], phone=r[14], archived=bool(r[15]),
                )
        finally:
            result.close()


# --- register, edit, archive ---------------------------------------------------------------------------

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
    if "name" in clean and (not clean["name"] or sum(ch.isalpha() for ch in clean["name"]) < 2):
        problems["name"] = _("Nama wajib diisi (paling sedikit 2 huruf).") if not clean["name"] or not any(
            ch.isdigit() for ch in clean["name"]) else _(
            "Nama harus berisi huruf; yang diisi “{value}” seperti nomor. NIK atau nomor lain diisi di kolomnya "
            "sendiri.").format(value=clean["name"])
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
    guard.check(db, CLIENT_CREATE)
    values = guard.guard_sensitive_write(db, values)
    if "name" not in values:
        raise ValidationError({"name": _("Nama wajib diisi (paling sedikit 2 huruf).")})
    clean, warnings = validate_client(values)
    with db.session() as s:
        check_single_head(s, clean.get("household_id"), None, clean.get("relation_to_head"))
        client = Client(id=uuid7(), **clean)
        client.display_id = display_id(_office_code(s, db.office_id), client.id)
        s.add(client)
        s.flush()
        return _dto(s, client, warnings)


def update_client(db: Database, client_id: uuid.UUID, changes: Mapping[str, Any]) -> ClientDTO:
    """Change some fields; only fields whose value really changes become versions."""
    guard.check(db, CLIENT_EDIT, client_id=client_id)
    with db.session() as s:
        client = _get(s, client_id)
        changes = guard.guard_sensitive_write(db, changes, {k: getattr(client, k) for k in changes})
        merged = {k: getattr(client, k) for k in EDITABLE} | dict(changes)
        clean, warnings = validate_client(merged)
        if {"household_id", "relation_to_head"} & changes.keys():  # an old second head can still be edited
            check_single_head(s, clean.get("household_id"), client.id, clean.get("relation_to_head"))
        for key in changes:
            if getattr(client, key) != clean[key]:
                setattr(client, key, clean[key])
        s.flush()
        return _redacted(db, _dto(s, client, warnings))


def archive_client(db: Database, client_id: uuid.UUID) -> None:
    """Tombstone: hidden from lists, kept with its history; `restore_client` brings it back."""
    _set_deleted(db, client_id, True)


def restore_client(db: Database, client_id: uuid.UUID) -> None:
    _set_deleted(db, client_id, False)


def _set_deleted(db: Database, client_id: uuid.UUID, flag: bool) -> None:
    guard.check(db, CLIENT_EDIT, client_id=client_id)
    with db.session() as s:
        client = _get(s, client_id)
        if client.deleted != flag:
            client.deleted = flag


def get_client(db: Database, client_id: uuid.UUID) -> ClientDTO:
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    with db.session() as s:
        return _redacted(db, _dto(s, _get(s, client_id), []))


def open_client(db: Database, client_id: uuid.UUID) -> ClientDTO:
    """One client for a person to look at (the client window, `client show`): `get_client` plus a "view"
    event in the client's audit trail (services/audit.py), written in the same transaction."""
    from atensi_desktop.services import audit

    guard.check(db, CLIENT_VIEW, client_id=client_id)
    with db.session() as s:
        dto = _redacted(db, _dto(s, _get(s, client_id), []))
        audit.record(db, audit.VIEW, client_id=client_id, obj=("client", client_id), session=s)
        return dto


def _get(session: Session, client_id: uuid.UUID) -> Client:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
    return client


def _redacted(db: Database, dto: ClientDTO) -> ClientDTO:
    """The DTO as the signed-in actor may see it (health details blanked without SENSITIVE_VIEW)."""
    return dto if guard.sees_sensitive(db) else replace(dto, values=guard.redact_values(db, dto.values))


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

