"""Checks shared by the casework services (referrals, case notes, tasks): the client and case a record
belongs to, the worker it names, dates and free text. Internal to services; no public DTOs here."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atensi_desktop.db.models import Client, ClientCase, Worker
from atensi_desktop.errors import NotFoundError, UserError, ValidationError
from atensi_desktop.i18n import _


def clean_text(value: Any) -> str | None:
    """Trimmed text (inner line breaks kept; a single line has its spaces collapsed), None when empty."""
    if value is None:
        return None
    text = str(value)
    text = text.strip() if "\n" in text else " ".join(text.split())
    return text or None


def utc(value: dt.datetime) -> dt.datetime:
    """A stored time as an aware UTC datetime (SQLite gives them back without a zone)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def coerce_date(value: Any, key: str, problems: dict[str, str]) -> dt.date | None:
    """A date from a date, ISO text (2026-03-05) or day-month-year text (05-03-2026); a problem otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if text[4:5] == "-":
            return dt.date.fromisoformat(text)
        return dt.datetime.strptime(text.replace("/", "-"), "%d-%m-%Y").date()
    except ValueError:
        problems[key] = _("Tanggal tidak dikenali; tulis sebagai hari-bulan-tahun, misalnya 05-03-2026.")
        return None


def coerce_uuid(value: Any, key: str, problems: dict[str, str], message: str) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        problems[key] = message
        return None


def not_in_future(day: dt.date | None, today: dt.date, key: str, problems: dict[str, str]) -> None:
    if day is not None and day > today:
        problems[key] = _("Tanggal {date} belum terjadi; isi tanggal hari ini atau sebelumnya.").format(
            date=day.strftime("%d-%m-%Y"))


def reject_unknown(values: Iterable[str], allowed: Iterable[str], what: str) -> None:
    """A caller passing a field this record does not have is a programming error."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise TypeError(f"unknown {what} fields: {sorted(unknown)}")


def writable_client(s: Session, client_id: uuid.UUID) -> Client:
    """The client a new record is written for: it exists, is not archived and was not merged away."""
    client = s.get(Client, client_id) if client_id is not None else None
    if client is None:
        raise NotFoundError(_("Klien tidak ditemukan."), hint=_("Cari lagi di daftar klien."))
    if client.merged_into is not None:
        raise UserError(_("Klien ini sudah digabung ke klien lain."),
                        hint=_("Buka klien hasil penggabungan, lalu catat di sana."))
    if client.deleted:
        raise UserError(_("Klien ini sudah diarsipkan."),
                        hint=_("Pulihkan klien itu dulu bila ingin menambah catatan kasusnya."))
    return client


def case_of_client(s: Session, client_id: uuid.UUID, case_id: uuid.UUID | None) -> ClientCase | None:
    """The case a record is linked to (None for none): it exists, is not archived, and is this client's."""
    if case_id is None:
        return None
    case = s.get(ClientCase, case_id)
    if case is None or case.deleted:
        raise ValidationError({"case_id": _("Kasus ini tidak ditemukan (mungkin sudah diarsipkan); pilih kasus "
                                            "lain atau kosongkan.")})
    if case.client_id != client_id:
        raise ValidationError({"case_id": _("Kasus ini milik klien lain; pilih kasus klien ini.")})
    return case


def check_worker(s: Session, worker_id: uuid.UUID | None, key: str = "worker_id") -> None:
    if worker_id is None:
        return
    worker = s.get(Worker, worker_id)
    if worker is None or worker.deleted:
        raise ValidationError({key: _("Petugas ini tidak ada; pilih petugas lain.")})


def worker_names(s: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Names of the given workers in one query (archived workers included: their past work keeps a name)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    names: dict[uuid.UUID, str] = {}
    ordered = sorted(wanted, key=lambda u: u.bytes)
    for start in range(0, len(ordered), 500):
        names.update(s.execute(select(Worker.id, Worker.name).where(Worker.id.in_(ordered[start:start + 500]))).all())
    return names
