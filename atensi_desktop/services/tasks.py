"""Tasks and follow-ups with due dates, the "Hari ini" list of Beranda, and the bimbingan lanjut schedule.

A task belongs to a client (and optionally one of the client's cases) and to a responsible worker. It is
open until `complete_task` gives it a done date (not in the future); `reopen_task` opens it again. The
"Hari ini" list (`tasks_due`) reads open tasks due up to today (overdue first) and optionally the next days,
for one worker or the whole office, through the (worker_id, done_on, due_on) and (done_on, due_on) indexes.

`schedule_aftercare` turns a terminated case's bimbingan lanjut into dated visits: `count` tasks of kind
bimbingan_lanjut, the first on `start`, then every `every_months` months.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import Client, ClientCase
from atensi_desktop.db.models.casework import CaseTask
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.i18n import N_, _
from atensi_desktop.security import guard
from atensi_desktop.security.roles import CASE_EDIT, CLIENT_VIEW
from atensi_desktop.services.casework_common import (
    case_of_client,
    check_worker,
    clean_text,
    coerce_date,
    coerce_uuid,
    not_in_future,
    reject_unknown,
    worker_names,
    writable_client,
)
from atensi_desktop.services.intervention import add_months

TASK = "tugas"
FOLLOW_UP = "tindak_lanjut"
AFTERCARE = "bimbingan_lanjut"
KINDS = {TASK: N_("Tugas"), FOLLOW_UP: N_("Tindak lanjut"), AFTERCARE: N_("Bimbingan lanjut")}
TASK_FIELDS = ("kind", "title", "due_on", "worker_id", "note", "case_id")
EDITABLE_FIELDS = ("kind", "title", "due_on", "worker_id", "note")
# A due date further than this from today is almost surely a typing slip (2062 for 2026).
MAX_PAST_DAYS = 366
MAX_AHEAD_YEARS = 10
TERMINATED_STAGES = ("terminasi", "bimbingan_lanjut")
MAX_AFTERCARE_VISITS = 24


@dataclass(frozen=True)
class TaskDTO:
    id: uuid.UUID
    client_id: uuid.UUID
    case_id: uuid.UUID | None
    kind: str
    title: str
    due_on: dt.date
    done_on: dt.date | None
    done_by: uuid.UUID | None
    worker_id: uuid.UUID | None
    worker_name: str | None
    note: str | None
    archived: bool
    client_name: str | None = None
    client_display_id: str | None = None
    case_display_id: str | None = None

    @property
    def kind_label(self) -> str:
        return _(KINDS.get(self.kind, self.kind))

    @property
    def done(self) -> bool:
        return self.done_on is not None

    def days_overdue(self, today: dt.date) -> int:
        """Days past the due date on `today` (0 when done, due today or later)."""
        return 0 if self.done_on is not None else max(0, (today - self.due_on).days)


@dataclass(frozen=True)
class DueTasks:
    """The "Hari ini" list: open tasks overdue (oldest due first), due today, and due in the next
    `horizon_days` days (`upcoming`). The counts are exact even when `limit` cut the rows."""

    today: dt.date
    horizon_days: int
    overdue: tuple[TaskDTO, ...]
    due_today: tuple[TaskDTO, ...]
    upcoming: tuple[TaskDTO, ...]
    overdue_count: int
    due_today_count: int
    upcoming_count: int

    @property
    def total(self) -> int:
        return self.overdue_count + self.due_today_count + self.upcoming_count


# --- validation ------------------------------------------------------------------------------------------

def validate_task(values: Mapping[str, Any], *, today: dt.date | None = None,
                  check_due_range: bool = True) -> dict[str, Any]:
    """The one rule for a task: a known kind, a title (3+ letters, at most 200), a due date within a year
    back and ten years ahead (`check_due_range` False: any date, for an edit that keeps an old task's due
    date). Raises ValidationError naming every problem."""
    reject_unknown(values, TASK_FIELDS, "task")
    today = today or dt.date.today()
    problems: dict[str, str] = {}
    kind = values.get("kind") or TASK
    if kind not in KINDS:
        problems["kind"] = _("Jenis tugas tidak dikenali; pilih tugas, tindak lanjut atau bimbingan lanjut.")
    title = clean_text(values.get("title"))
    if not title or len(title) < 3:
        problems["title"] = _("Tulis apa yang harus dikerjakan (paling sedikit 3 huruf).")
    elif len(title) > 200:
        problems["title"] = _("Judul tugas terlalu panjang (paling banyak 200 huruf); tulis rinciannya di "
                              "keterangan.")
    due = coerce_date(values.get("due_on"), "due_on", problems)
    if due is None and "due_on" not in problems:
        problems["due_on"] = _("Isi tanggal jatuh tempo tugas.")
    elif due is not None and check_due_range and not (today - dt.timedelta(days=MAX_PAST_DAYS) <= due
                                  <= add_months(today, 12 * MAX_AHEAD_YEARS)):
        problems["due_on"] = _("Tanggal jatuh tempo {date} terlalu jauh dari hari ini; periksa tahunnya.").format(
            date=due.strftime("%d-%m-%Y"))
    worker = coerce_uuid(values.get("worker_id"), "worker_id", problems,
                         _("Petugas tidak dikenali; pilih dari daftar."))
    case_id = coerce_uuid(values.get("case_id"), "case_id", problems, _("Kasus tidak dikenali; pilih dari daftar."))
    if problems:
        raise ValidationError(problems)
    return {"kind": kind, "title": title, "due_on": due, "worker_id": worker, "note": clean_text(values.get("note")),
            "case_id": case_id}


# --- write -----------------------------------------------------------------------------------------------

def add_task(db: Database, client_id: uuid.UUID, values: Mapping[str, Any], *,
             today: dt.date | None = None) -> TaskDTO:
    """A new open task of a client (keys of TASK_FIELDS; `title` and `due_on` required, `kind` default
    tugas). Without a `worker_id`, the worker of the case (when one is given) is responsible."""
    guard.check(db, CASE_EDIT, client_id=client_id)
    clean = validate_task(values, today=today)
    with db.session() as s:
        writable_client(s, client_id)
        case = case_of_client(s, client_id, clean["case_id"])
        if clean["worker_id"] is None and case is not None:
            clean["worker_id"] = case.worker_id
        check_worker(s, clean["worker_id"])
        task = CaseTask(client_id=client_id, **clean)
        s.add(task)
        s.flush()
        return _dto(task, worker_names(s, [task.worker_id]))


def update_task(db: Database, task_id: uuid.UUID, changes: Mapping[str, Any], *,
                today: dt.date | None = None) -> TaskDTO:
    """Change the kind, title, due date, responsible worker or note of a task (e.g. to move a visit)."""
    guard.check_row(db, CASE_EDIT, CaseTask, task_id)
    reject_unknown(changes, EDITABLE_FIELDS, "editable task")
    with db.session() as s:
        task = _live(s, task_id)
        current = {k: getattr(task, k) for k in TASK_FIELDS}
        clean = validate_task(current | dict(changes), today=today, check_due_range="due_on" in changes)
        if "worker_id" in changes:
            check_worker(s, clean["worker_id"])
        for key in changes:
            if getattr(task, key) != clean[key]:
                setattr(task, key, clean[key])
        s.flush()
        return _dto(task, worker_names(s, [task.worker_id]))


def complete_task(db: Database, task_id: uuid.UUID, *, done_on: dt.date | str | None = None,
                  worker_id: uuid.UUID | None = None, note: str | None = None,
                  today: dt.date | None = None) -> TaskDTO:
    """Mark a task done on `done_on` (default today; not in the future) by `worker_id`; `note` replaces the
    task's note when given (what was done)."""
    guard.check_row(db, CASE_EDIT, CaseTask, task_id)
    today = today or dt.date.today()
    problems: dict[str, str] = {}
    day = coerce_date(done_on, "done_on", problems) or (today if "done_on" not in problems else None)
    not_in_future(day, today, "done_on", problems)
    if problems:
        raise ValidationError(problems)
    with db.session() as s:
        task = _live(s, task_id)
        if task.done_on is not None:
            raise UserError(_("Tugas ini sudah selesai pada {date}.").format(date=task.done_on.strftime("%d-%m-%Y")),
                            hint=_("Buka kembali tugas itu bila ternyata belum selesai."))
        check_worker(s, worker_id)
        task.done_on = day
        task.done_by = worker_id
        text = clean_text(note)
        if text is not None and text != task.note:
            task.note = text
        s.flush()
        return _dto(task, worker_names(s, [task.worker_id]))


def reopen_task(db: Database, task_id: uuid.UUID) -> TaskDTO:
    """Open a done task again (its done date stays in the history)."""
    guard.check_row(db, CASE_EDIT, CaseTask, task_id)
    with db.session() as s:
        task = _live(s, task_id)
        if task.done_on is None:
            raise UserError(_("Tugas ini belum selesai."), hint=_("Hanya tugas yang sudah selesai bisa dibuka "
                                                                  "kembali."))
        task.done_on = None
        task.done_by = None
        s.flush()
        return _dto(task, worker_names(s, [task.worker_id]))


def archive_task(db: Database, task_id: uuid.UUID) -> None:
    """Tombstone a task made by mistake or no longer needed (kept, with its history)."""
    guard.check_row(db, CASE_EDIT, CaseTask, task_id)
    with db.session() as s:
        _live(s, task_id).deleted = True


def schedule_aftercare(db: Database, case_id: uuid.UUID, start: dt.date | str, every_months: int, count: int,
                       worker_id: uuid.UUID | None = None, *, today: dt.date | None = None) -> list[TaskDTO]:
    """The bimbingan lanjut visits of a terminated case: `count` tasks (1–24), the first due on `start`,
    then every `every_months` months (1–12), for `worker_id` (default: the case's worker).

    Refused while the case is not terminated (stage terminasi or bimbingan lanjut, or a closing date), when
    `start` is before the case was closed, and while the case still has open bimbingan lanjut visits."""
    guard.check_row(db, CASE_EDIT, ClientCase, case_id)
    today = today or dt.date.today()
    problems: dict[str, str] = {}
    first = coerce_date(start, "start", problems)
    if first is None and "start" not in problems:
        problems["start"] = _("Isi tanggal kunjungan bimbingan lanjut yang pertama.")
    if not isinstance(every_months, int) or not 1 <= every_months <= 12:
        problems["every_months"] = _("Jarak antar kunjungan harus 1 sampai 12 bulan.")
    if not isinstance(count, int) or not 1 <= count <= MAX_AFTERCARE_VISITS:
        problems["count"] = _("Jumlah kunjungan harus 1 sampai {n}.").format(n=MAX_AFTERCARE_VISITS)
    if first is not None and "start" not in problems and first > add_months(today, 12 * MAX_AHEAD_YEARS):
        problems["start"] = _("Tanggal {date} terlalu jauh dari hari ini; periksa tahunnya.").format(
            date=first.strftime("%d-%m-%Y"))
    if problems:
        raise ValidationError(problems)
    assert first is not None
    with db.session() as s:
        case = s.get(ClientCase, case_id)
        if case is None or case.deleted:
            raise NotFoundError(_("Kasus tidak ditemukan (mungkin sudah diarsipkan)."),
                                hint=_("Buka lagi daftar kasus klien."))
        if case.stage not in TERMINATED_STAGES and case.closed_on is None:
            raise UserError(_("Kasus ini belum diterminasi, jadi bimbingan lanjut belum bisa dijadwalkan."),
                            hint=_("Catat terminasi kasus dulu, lalu jadwalkan bimbingan lanjut."))
        if case.closed_on is not None and first < case.closed_on:
            raise ValidationError({"start": _("Kunjungan pertama tidak bisa sebelum tanggal terminasi ({date})."
                                              ).format(date=case.closed_on.strftime("%d-%m-%Y"))})
        writable_client(s, case.client_id)
        open_visits = s.scalar(select(func.count()).select_from(CaseTask).where(
            CaseTask.case_id == case.id, CaseTask.kind == AFTERCARE, CaseTask.done_on.is_(None),
            CaseTask.deleted == false()))
        if open_visits:
            raise UserError(_("Kasus ini masih punya {n} kunjungan bimbingan lanjut yang belum selesai.").format(
                n=open_visits), hint=_("Selesaikan atau hapus jadwal yang ada dulu, atau tambahkan kunjungan satu "
                                       "per satu sebagai tugas."))
        responsible = worker_id if worker_id is not None else case.worker_id
        check_worker(s, responsible)
        tasks = []
        for i in range(count):
            title = _("Bimbingan lanjut: kunjungan {n} dari {total}").format(n=i + 1, total=count)
            task = CaseTask(client_id=case.client_id, case_id=case.id, kind=AFTERCARE, title=title,
                            due_on=add_months(first, i * every_months), worker_id=responsible)
            s.add(task)
            tasks.append(task)
        s.flush()
        names = worker_names(s, [responsible])
        return [_dto(t, names) for t in tasks]


# --- read ------------------------------------------------------------------------------------------------

def get_task(db: Database, task_id: uuid.UUID) -> TaskDTO:
    guard.check_row(db, CLIENT_VIEW, CaseTask, task_id)
    with db.session() as s:
        task = s.get(CaseTask, task_id)
        if task is None:
            raise _not_found()
        return _dto(task, worker_names(s, [task.worker_id]))


def list_tasks(db: Database, *, client_id: uuid.UUID | None = None, case_id: uuid.UUID | None = None,
               include_done: bool = True, include_archived: bool = False) -> list[TaskDTO]:
    """Tasks of a client or a case: open ones first by due date, then done ones, latest done first."""
    guard.check(db, CLIENT_VIEW, client_id=client_id)
    guard.check_case(db, CLIENT_VIEW, case_id)
    if client_id is None and case_id is None:
        raise ValueError("list_tasks needs a client_id or a case_id")
    query = select(CaseTask)
    if client_id is not None:
        query = query.where(CaseTask.client_id == client_id)
    if case_id is not None:
        query = query.where(CaseTask.case_id == case_id)
    if not include_done:
        query = query.where(CaseTask.done_on.is_(None))
    if not include_archived:
        query = query.where(CaseTask.deleted == false())
    with db.session() as s:
        tasks = list(s.scalars(query))
        names = worker_names(s, (t.worker_id for t in tasks))
    open_ = sorted((t for t in tasks if t.done_on is None), key=lambda t: (t.due_on, t.created_at))
    done = sorted((t for t in tasks if t.done_on is not None), key=lambda t: (t.done_on, t.created_at),
                  reverse=True)
    return [_dto(t, names) for t in open_ + done]


def tasks_due(db: Database, worker_id: uuid.UUID | None = None, today: dt.date | None = None,
              horizon_days: int = 0, *, limit: int | None = None) -> DueTasks:
    """The "Hari ini" list: open tasks (of `worker_id`, or of everybody) that are overdue or due today, and
    with `horizon_days` > 0 those due in the next days. Tasks of archived clients or cases are left out.
    `limit` caps the rows of each group (the counts stay exact)."""
    guard.check(db, CLIENT_VIEW)
    today = today or dt.date.today()
    if horizon_days < 0:
        raise ValueError("horizon_days must be 0 or more")
    last = today + dt.timedelta(days=horizon_days)
    kase = aliased(ClientCase)
    conds = [CaseTask.done_on.is_(None), CaseTask.deleted == false(), CaseTask.due_on <= last,
             Client.deleted == false(), or_(CaseTask.case_id.is_(None), kase.deleted == false()),
             *guard.reach_terms(db)]
    if worker_id is not None:
        conds.append(CaseTask.worker_id == worker_id)

    def base(*columns: Any):
        return (select(*columns).select_from(CaseTask).join(Client, Client.id == CaseTask.client_id)
                .outerjoin(kase, kase.id == CaseTask.case_id).where(and_(*conds)))

    group = case((CaseTask.due_on < today, 0), (CaseTask.due_on == today, 1), else_=2)
    with db.session() as s:
        counts = dict(s.execute(base(group.label("g"), func.count()).group_by(group)).all())
        found: dict[int, list[tuple]] = {}
        ranges = {0: CaseTask.due_on < today, 1: CaseTask.due_on == today, 2: CaseTask.due_on > today}
        for g, in_group in ranges.items():
            if not counts.get(g):
                found[g] = []
                continue
            q = base(CaseTask, Client.name, Client.display_id, kase.display_id).where(in_group)
            q = q.order_by(CaseTask.due_on, Client.name, CaseTask.id)
            if limit is not None:
                q = q.limit(limit)
            found[g] = list(s.execute(q).all())
        names = worker_names(s, (t.worker_id for rows in found.values() for t, *_rest in rows))

    def dtos(rows: list[tuple]) -> tuple[TaskDTO, ...]:
        return tuple(_dto(t, names, client_name=n, client_display_id=d, case_display_id=c) for t, n, d, c in rows)

    return DueTasks(today=today, horizon_days=horizon_days, overdue=dtos(found[0]), due_today=dtos(found[1]),
                    upcoming=dtos(found[2]), overdue_count=counts.get(0, 0), due_today_count=counts.get(1, 0),
                    upcoming_count=counts.get(2, 0))


# --- helpers ---------------------------------------------------------------------------------------------

def _not_found() -> NotFoundError:
    return NotFoundError(_("Tugas tidak ditemukan (mungkin sudah dihapus)."), hint=_("Buka lagi daftar tugas."))


def _live(s: Session, task_id: uuid.UUID) -> CaseTask:
    task = s.get(CaseTask, task_id)
    if task is None or task.deleted:
        raise _not_found()
    return task


def _dto(t: CaseTask, names: Mapping[uuid.UUID, str], **extra: Any) -> TaskDTO:
    return TaskDTO(id=t.id, client_id=t.client_id, case_id=t.case_id, kind=t.kind, title=t.title, due_on=t.due_on,
                   done_on=t.done_on, done_by=t.done_by, worker_id=t.worker_id,
                   worker_name=names.get(t.worker_id) if t.worker_id else None, note=t.note,
                   archived=bool(t.deleted), **extra)
