"""The audit trail of one client (UU 27/2022 Pasal 31-32): who created, changed, viewed, printed, exported or
imported what, and when.

Two sources, merged newest first by `client_history`:
- **changes** come from the version history every write already leaves (`version` + `change_set`): the
  versions of the client's row and of every row that belongs to the client (cases, stage history, asesmen,
  plans, services, referrals, notes, tasks, documents, consents: `sync.canonical.client_scope`), grouped
  per transaction and row, with who (`change_set.user_id` → `app_user`) and when (`change_set.wall_ms`;
  for a version received from another office, the time in its clock stamp);
- **access events** (`audit_event`, local to this installation) written by `record`: a client record
  opened, a report printed or saved, a list or a data-subject copy exported, a sync file imported.

Nothing personal is written into an access event: `detail` takes codes and counts only (`record` refuses
free text), and the history shows changed *fields* by name, with old → new values only for code fields
that hold no personal data (a case's stage, a status).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from atensi_desktop.db.base import utcnow
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import AuditEvent, ChangeSet, SyncState, User, Version
from atensi_desktop.errors import UserError
from atensi_desktop.i18n import N_, _, format_date_short
from atensi_desktop.sync import hlc as hlc_mod

# --- actions -----------------------------------------------------------------------------------------------
VIEW, PRINT, EXPORT, IMPORT, SUBJECT_EXPORT = "view", "print", "export", "import", "subject_export"
ACCESS_ACTIONS = (VIEW, PRINT, EXPORT, IMPORT, SUBJECT_EXPORT)  # what `record` writes
CREATE, CHANGE, ARCHIVE, RESTORE = "create", "change", "archive", "restore"  # read from the versions
CHANGE_ACTIONS = (CREATE, CHANGE, ARCHIVE, RESTORE)
ACTION_LABELS = {
    CREATE: N_("Dibuat"),
    CHANGE: N_("Diubah"),
    ARCHIVE: N_("Diarsipkan"),
    RESTORE: N_("Dipulihkan"),
    VIEW: N_("Dilihat"),
    PRINT: N_("Dicetak"),
    EXPORT: N_("Diekspor"),
    IMPORT: N_("Diimpor"),
    SUBJECT_EXPORT: N_("Salinan data untuk klien"),
}
# The filter of the audit screen: a group of actions each.
ACTION_GROUPS = (
    ("perubahan", N_("Perubahan"), CHANGE_ACTIONS),
    ("dilihat", N_("Dilihat"), (VIEW,)),
    ("dicetak", N_("Dicetak"), (PRINT,)),
    ("diekspor", N_("Diekspor"), (EXPORT, SUBJECT_EXPORT)),
    ("diimpor", N_("Diimpor"), (IMPORT,)),
)

# Keys an access event's detail may carry, and the shape of a text value: a code, never free text.
DETAIL_KEYS = frozenset({"kind", "format", "count", "code", "redaction", "pages", "files", "changes", "rows",
                         "via", "report_id"})
_CODE = re.compile(r"^[A-Za-z0-9_.:/-]{0,64}$")

# Tables whose names the history uses (sync/labels.py names the rest).
_TABLE_LABELS = {"client_consent": N_("Persetujuan"), "audit_event": N_("Jejak akses")}
_COLUMN_LABELS = {
    ("client_consent", "consent_date"): N_("Tanggal persetujuan"),
    ("client_consent", "purpose"): N_("Tujuan"),
    ("client_consent", "consenter_kind"): N_("Pemberi persetujuan"),
    ("client_consent", "consenter_name"): N_("Nama pemberi persetujuan"),
    ("client_consent", "relationship"): N_("Hubungan dengan klien"),
    ("client_consent", "proof_document_id"): N_("Bukti persetujuan"),
    ("client_consent", "withdrawn_on"): N_("Tanggal dicabut"),
}
# Code fields whose values hold no personal data: the history shows old → new for these only.
_SHOWN_VALUES = frozenset({"stage", "status", "kind", "cluster", "consenter_kind", "approach", "form_id"})
# Rows whose changes are not the client's own history (shared with other household members).
_NOT_IN_HISTORY = frozenset({"household"})
_IN_CHUNK = 500


@dataclass(frozen=True)
class AuditRow:
    """One line of a client's audit trail."""

    at: dt.datetime  # UTC
    action: str
    action_label: str
    user_id: uuid.UUID | None
    user_name: str | None  # None: unknown (a change received from another office, or no user signed in)
    what: str  # the record, in Indonesian ("Data klien", "Kasus", …)
    obj_table: str | None
    obj_id: uuid.UUID | None
    detail: str
    received: bool = False  # a change made at another office and received by sync

    @property
    def who(self) -> str:
        if self.user_name:
            return self.user_name
        return _("(kantor lain)") if self.received else _("(tidak diketahui)")


@dataclass(frozen=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    total: int  # rows matching the filter, all pages


# --- writing -------------------------------------------------------------------------------------------------


def _actor(db: Database, session: Session | Connection | None) -> tuple[uuid.UUID | None, str | None,
                                                                         uuid.UUID | None]:
    try:
        from atensi_desktop.security.roles import current_actor
    except ImportError:  # pragma: no cover - the security package ships with the app
        current_actor = None  # type: ignore[assignment]
    actor = current_actor(db) if current_actor is not None else None
    if actor is not None:
        return actor.user_id, actor.username, actor.office_id or db.office_id
    if db.user_id is None:
        return None, None, db.office_id
    cache = db.__dict__.setdefault("_audit_usernames", {})
    if db.user_id not in cache:
        stmt = select(User.username).where(User.id == db.user_id)
        if session is not None:
            cache[db.user_id] = session.execute(stmt).scalar()
        else:
            with db.engine.connect() as conn:
                cache[db.user_id] = conn.execute(stmt).scalar()
    return db.user_id, cache[db.user_id], db.office_id


def check_detail(detail: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The detail as stored; ValueError for a key not in DETAIL_KEYS or a value that is not a code or number
    (so that no name, NIK or address can reach the audit table by mistake)."""
    if not detail:
        return None
    out: dict[str, Any] = {}
    for key, value in detail.items():
        if key not in DETAIL_KEYS:
            raise ValueError(f"audit detail key {key!r} is not allowed")
        if isinstance(value, bool | int) or value is None:
            out[key] = value
        elif isinstance(value, uuid.UUID):
            out[key] = str(value)
        elif isinstance(value, str) and _CODE.match(value):
            out[key] = value
        else:
            raise ValueError(f"audit detail {key!r} must be a code or a number, not free text")
    return out


def record(db: Database, action: str, *, client_id: uuid.UUID | None = None,
           obj: tuple[str, uuid.UUID | None] | None = None, detail: Mapping[str, Any] | None = None,
           session: Session | None = None) -> None:
    """Write one access event (one INSERT): `action` one of ACCESS_ACTIONS, by the current actor (or the
    database's user), now. `obj` = (table, id) of the record concerned; `detail` codes and counts only.
    With `session`, the event is written in that transaction (it stands or falls with the action)."""
    if action not in ACCESS_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    clean = check_detail(detail)
    user_id, username, office_id = _actor(db, session)
    values = {"at": utcnow(), "user_id": user_id, "username": username, "office_id": office_id,
              "action": action, "client_id": client_id, "obj_table": obj[0] if obj else None,
              "obj_id": obj[1] if obj else None, "detail": clean}
    if session is not None:
        session.execute(insert(AuditEvent).values(**values))
        return
    with db.engine.begin() as conn:
        conn.execute(insert(AuditEvent).values(**values))


def record_report(db: Database, ctx: Any, rendered: Any) -> None:
    """A report printed or saved (reports/registry.py): one "print" event for the client it is about (the
    context's client, else its case's or its referral's client; none for office-wide lists)."""
    from atensi_desktop.db.models import ClientCase, Referral

    client_id = getattr(ctx, "client_id", None)
    with db.engine.connect() as conn:
        if client_id is None and getattr(ctx, "case_id", None) is not None:
            client_id = conn.execute(select(ClientCase.client_id).where(ClientCase.id == ctx.case_id)).scalar()
        if client_id is None and getattr(ctx, "referral_id", None) is not None:
            client_id = conn.execute(select(Referral.client_id).where(Referral.id == ctx.referral_id)).scalar()
    kind = rendered.kind if _CODE.match(rendered.kind or "") else None
    record(db, PRINT, client_id=client_id, obj=("report_issued", rendered.report_id),
           detail={"kind": kind, "code": rendered.code, "pages": rendered.pages, "redaction": ctx.redaction})


# --- reading -------------------------------------------------------------------------------------------------


def table_label(table: str) -> str:
    if table in _TABLE_LABELS:
        return _(_TABLE_LABELS[table])
    from atensi_desktop.sync.labels import table_label as sync_table_label

    return sync_table_label(table)


def column_label(table: str, column: str) -> str:
    if (table, column) in _COLUMN_LABELS:
        return _(_COLUMN_LABELS[(table, column)])
    from atensi_desktop.sync.labels import column_label as sync_column_label

    return sync_column_label(table, column)


def _chunks(items: list[uuid.UUID]) -> list[list[uuid.UUID]]:
    return [items[i:i + _IN_CHUNK] for i in range(0, len(items), _IN_CHUNK)]


_VALUE_LISTS = {"stage": "case_stages", "cluster": "clusters", "approach": "approaches"}


def _plain_value(col: str, raw: str | None) -> str:
    if raw is None:
        return "–"
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if value is None or value == "":
        return "–"
    if col == "consenter_kind":
        from atensi_desktop.services.consent import consenter_label

        return consenter_label(str(value))
    if col in _VALUE_LISTS:
        from atensi_desktop.refdata import ref_list

        try:
            return ref_list(_VALUE_LISTS[col]).label(str(value))
        except (KeyError, LookupError):
            return str(value)
    return str(value)


def _change_rows(conn: Connection, client_id: uuid.UUID) -> list[tuple]:
    """(at, action, user_id, table, rid, detail, received, username, 0) for every transaction × row of the client."""
    from atensi_desktop.sync.canonical import client_scope

    scope = client_scope(conn, [client_id])
    rids: list[uuid.UUID] = [rid for table, ids in scope.items() if table not in _NOT_IN_HISTORY for rid in ids]
    local_site = conn.execute(select(SyncState.site).where(SyncState.id == 1)).scalar()
    versions: list[tuple] = []
    stmt = (select(Version.rid, Version.hlc, Version.site, Version.tbl, Version.col, Version.val,
                   ChangeSet.wall_ms, ChangeSet.user_id)
            .outerjoin(ChangeSet, and_(ChangeSet.site == Version.site, ChangeSet.hlc == Version.hlc)))
    for chunk in _chunks(sorted(rids, key=lambda u: u.bytes)):
        versions.extend(conn.execute(stmt.where(Version.rid.in_(chunk))))
    versions.sort(key=lambda v: (v[0].bytes, v[1], v[2], v[4]))
    out: list[tuple] = []
    seen_rows: set[uuid.UUID] = set()
    last_value: dict[tuple[uuid.UUID, str], str | None] = {}
    labels: dict[tuple[str, str], str] = {}
    i = 0
    while i < len(versions):
        rid, stamp, site, tbl = versions[i][0], versions[i][1], versions[i][2], versions[i][3]
        group = []
        while i < len(versions) and versions[i][0] == rid and versions[i][1] == stamp and versions[i][2] == site:
            group.append(versions[i])
            i += 1
        wall_ms, user_id = group[0][6], group[0][7]
        received = site != local_site
        at = dt.datetime.fromtimestamp((wall_ms if wall_ms is not None else hlc_mod.physical_ms(stamp)) / 1000,
                                       tz=dt.UTC)
        cols = [v[4] for v in group]
        if rid not in seen_rows:
            action, detail = CREATE, ""
            seen_rows.add(rid)
        elif cols == ["deleted"]:
            action, detail = (ARCHIVE if group[0][5] == "true" else RESTORE), ""
        else:
            action = CHANGE
            named, shown = [], []
            for v in group:
                col = v[4]
                label = labels.get((tbl, col))
                if label is None:
                    label = labels[(tbl, col)] = column_label(tbl, col)
                if col in _SHOWN_VALUES:
                    old, new = _plain_value(col, last_value.get((rid, col))), _plain_value(col, v[5])
                    shown.append(f"{label}: {old} → {new}")
                else:
                    named.append(label)
            parts = [_("{fields} diubah").format(fields=", ".join(named))] if named else []
            detail = "; ".join(parts + shown)
        for v in group:
            last_value[(rid, v[4])] = v[5]
        out.append((at, action, user_id, tbl, rid, detail, received, None, 0))
    return out


_EVENT_DETAIL = {
    "kind": N_("jenis {value}"), "format": N_("format {value}"), "count": N_("{value} baris"),
    "code": N_("kode {value}"), "redaction": N_("tingkat {value}"), "pages": N_("{value} halaman"),
    "files": N_("{value} berkas"), "changes": N_("{value} perubahan"), "rows": N_("{value} baris"),
    "via": N_("lewat {value}"),
}


def _event_detail(detail: Mapping[str, Any] | None) -> str:
    if not detail:
        return ""
    parts = [_(_EVENT_DETAIL[k]).format(value=v) for k, v in detail.items() if k in _EVENT_DETAIL and v is not None]
    return ", ".join(parts)


def client_history(db: Database, client_id: uuid.UUID, *, actions: Collection[str] | None = None,
                   limit: int | None = 200, offset: int = 0) -> AuditPage:
    """The client's audit trail, newest first: changes (from the version history) and access events.

    `actions`: only these (CHANGE_ACTIONS and ACCESS_ACTIONS codes); `limit`/`offset` page it (`limit=None`:
    all). Needs the audit permission and the client in the actor's reach.
    """
    from atensi_desktop.security.roles import AUDIT_VIEW, require

    require(db, AUDIT_VIEW, client_id=client_id)
    wanted = set(actions) if actions is not None else None
    with db.engine.connect() as conn:
        merged: list[tuple] = []
        if wanted is None or wanted & set(CHANGE_ACTIONS):
            merged.extend(r for r in _change_rows(conn, client_id) if wanted is None or r[1] in wanted)
        else:
            from atensi_desktop.sync.canonical import client_scope

            client_scope(conn, [client_id])  # an unknown client is refused the same way
        events = select(AuditEvent.at, AuditEvent.action, AuditEvent.user_id, AuditEvent.obj_table,
                        AuditEvent.obj_id, AuditEvent.detail, AuditEvent.username, AuditEvent.id
                        ).where(AuditEvent.client_id == client_id)
        if wanted is not None:
            events = events.where(AuditEvent.action.in_(sorted(wanted & set(ACCESS_ACTIONS)) or [""]))
        for at, action, user_id, table, oid, detail, username, eid in conn.execute(events):
            at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
            merged.append((at, action, user_id, table, oid, _event_detail(detail), False, username, eid))
        merged.sort(key=lambda r: (r[0], r[8]), reverse=True)
        total = len(merged)
        page = merged[offset:offset + limit] if limit is not None else merged[offset:]
        user_ids = sorted({r[2] for r in page if r[2] is not None}, key=lambda u: u.bytes)
        names: dict[uuid.UUID, str] = {}
        for chunk in _chunks(user_ids):
            names.update((uid, name) for uid, name in conn.execute(
                select(User.id, User.name).where(User.id.in_(chunk))))
    rows = []
    for r in page:
        at, action, user_id, table, oid, detail, received = r[:7]
        name = (names.get(user_id) if user_id is not None else None) or r[7]
        rows.append(AuditRow(at=at, action=action, action_label=_(ACTION_LABELS.get(action, action)),
                             user_id=user_id, user_name=name, what=table_label(table) if table else "",
                             obj_table=table, obj_id=oid, detail=detail, received=received))
    return AuditPage(rows=tuple(rows), total=total)


def local_time(at: dt.datetime) -> dt.datetime:
    """An event's time on this computer's clock (for screens and files)."""
    return at.astimezone()


def format_time(at: dt.datetime) -> str:
    local = local_time(at)
    return f"{format_date_short(local.date())} {local:%H:%M}"


# --- export of the trail -------------------------------------------------------------------------------------

CSV_HEADERS = (N_("Waktu"), N_("Tindakan"), N_("Oleh"), N_("Data"), N_("Keterangan"))


def export_history_csv(db: Database, client_id: uuid.UUID, path: str | Path, *,
                       actions: Collection[str] | None = None) -> int:
    """Write the client's audit trail (all pages) to a CSV file (UTF-8 with BOM, for spreadsheets), atomically;
    records an export event. Returns the number of rows."""
    from atensi_desktop.security.roles import EXPORT_DATA, require

    require(db, EXPORT_DATA, client_id=client_id)
    page = client_history(db, client_id, actions=actions, limit=None)
    target = Path(path)
    _check_folder(target)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow([_(h) for h in CSV_HEADERS])
            for r in page.rows:
                out.writerow([local_time(r.at).strftime("%Y-%m-%d %H:%M:%S"), r.action_label, r.who, r.what,
                              r.detail])
        tmp.replace(target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise UserError(_("File {path} tidak bisa ditulis: {reason}.").format(path=target, reason=err.strerror),
                        hint=_("Periksa folder dan izin tulisnya, lalu coba lagi.")) from err
    record(db, EXPORT, client_id=client_id, obj=("client", client_id),
           detail={"kind": "riwayat", "format": "csv", "rows": len(page.rows)})
    return len(page.rows)


def _check_folder(target: Path) -> None:
    if target.is_dir():
        raise UserError(_("{path} adalah folder.").format(path=target), hint=_("Tulis nama file."))
    if not target.parent.is_dir():
        raise UserError(_("Folder {folder} tidak ada.").format(folder=target.parent),
                        hint=_("Buat foldernya dulu atau pilih folder lain."))
