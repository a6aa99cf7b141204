"""`client search`, `client show` and `client export`: find clients, print one, write the filtered list to XLSX."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

from atensi_desktop.errors import UserError

EXIT_OK = 0
_EXPORT_PROGRESS_FROM = 5_000  # rows: smaller exports finish before a progress line would help


def _open(args: argparse.Namespace):
    from atensi_desktop.cli import _open as open_app

    return open_app(args)


def _date(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else "-"


# --- client search ------------------------------------------------------------------------------------


def cmd_search(args: argparse.Namespace) -> int:
    from atensi_desktop.services.clients import ClientQuery, client_page

    text = " ".join(args.query.split())
    if not text:
        raise UserError("Kata pencarian kosong: tulis sebagian nama, awal NIK, No. KK atau ID klien.")
    if args.limit < 1:
        raise UserError("--limit harus 1 atau lebih.")
    ctx = _open(args)
    try:
        rows = client_page(ctx.db, ClientQuery(text=text), 0, args.limit)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([{
            "id": str(r.id), "display_id": r.display_id, "name": r.name, "nik": r.nik_masked or None,
            "birth_date": r.birth_date.isoformat() if r.birth_date else None, "desa": r.wilayah_name,
        } for r in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print(f"Tidak ada klien yang cocok dengan '{text}'.")
        return EXIT_OK
    for r in rows:
        print("\t".join((str(r.id), r.display_id, r.name, r.nik_masked or "-", _date(r.birth_date),
                         r.wilayah_name or "-")))
    return EXIT_OK


# --- client show ----------------------------------------------------------------------------------------


def _resolve(db, ref: str) -> uuid.UUID:
    from atensi_desktop.services.clients import find_by_display_id

    ref = ref.strip()
    with contextlib.suppress(ValueError):
        return uuid.UUID(ref)
    found = find_by_display_id(db, ref)
    if not found:
        raise UserError(f"Klien {ref!r} tidak ditemukan. Cari dulu dengan: atensi-desktop client search NAMA")
    if len(found) > 1:
        raise UserError(f"ID klien {ref.upper()!r} dipakai {len(found)} klien; sebutkan id (UUID) salah satunya: "
                        + ", ".join(str(i) for i in found) + ".")
    return found[0]


_FIELDS = (  # (field, label, reference list for its codes)
    ("name", "Nama", None), ("alias", "Alias", None), ("nik", "NIK", None), ("sex", "Jenis kelamin", "sex"),
    ("birth_place", "Tempat lahir", None), ("birth_date", "Tanggal lahir", None),
    ("religion", "Agama", "religions"), ("education", "Pendidikan", "education"),
    ("marital_status", "Status perkawinan", "marital_status"), ("disability", "Disabilitas", None),
    ("phone", "Telepon", None), ("address", "Alamat", None), ("wilayah_code", "Wilayah", None),
    ("household_no_kk", "No. KK", None), ("relation_to_head", "Hubungan dengan kepala keluarga", "family_relations"),
    ("ppks_categories", "Kategori PPKS", "ppks"), ("cluster", "Klaster", "clusters"),
    ("dtsen_desil", "Desil DTSEN", None),
)


def _label(listname: str | None, code: Any) -> str:
    from atensi_desktop.refdata import ref_list

    if code is None or code == [] or code == "":
        return "-"
    if listname is None:
        return str(code)
    items = ref_list(listname)
    if isinstance(code, list):
        return ", ".join(items.label(c) for c in code)
    return items.label(code)


def _status(detail) -> tuple[str, str]:
    client = detail.client
    if client.merged_into:
        target = detail.merged_into_display_id or "?"
        return "digabung", f"digabung ke {target} ({client.merged_into})"
    return ("diarsipkan", "diarsipkan") if client.archived else ("aktif", "aktif")


def _show_lines(detail, today: dt.date) -> list[tuple[str, str]]:
    from atensi_desktop.services.clients import age_on

    client = detail.client
    values = dict(client.values, household_no_kk=client.household_no_kk)
    lines = [("ID klien", client.display_id), ("Id (UUID)", str(client.id)), ("Status", _status(detail)[1])]
    for key, label, listname in _FIELDS:
        value = values.get(key)
        if key == "birth_date" and value is not None:
            text = _date(value) + (" (perkiraan)" if values.get("birth_date_estimated") else "")
            text += f", umur {age_on(value, today)} tahun"
        elif key == "wilayah_code" and value:
            text = f"{detail.wilayah_full_name or value} [{value}]"
        else:
            text = _label(listname, value)
        lines.append((label, text))
    return lines


def _show_json(detail) -> dict[str, Any]:
    client = detail.client
    out: dict[str, Any] = {"id": str(client.id), "display_id": client.display_id, "status": _status(detail)[0],
                           "merged_into": str(client.merged_into) if client.merged_into else None}
    for key, value in client.values.items():
        out[key] = value.isoformat() if isinstance(value, dt.date) else str(value) \
            if isinstance(value, uuid.UUID) else value
    labels = {key: _label(listname, client.values.get(key)) for key, _l, listname in _FIELDS
              if listname and client.values.get(key)}
    out.update(labels=labels, household_no_kk=client.household_no_kk, wilayah_name=detail.wilayah_full_name,
               cases=[{"id": str(c.id), "display_id": c.display_id, "stage": c.stage,
                       "stage_label": _label("case_stages", c.stage), "opened_on": c.opened_on.isoformat(),
                       "closed_on": c.closed_on.isoformat() if c.closed_on else None, "worker": c.worker_name}
                      for c in detail.cases])
    return out


def cmd_show(args: argparse.Namespace) -> int:
    from atensi_desktop.services.clients import client_detail

    ctx = _open(args)
    try:
        detail = client_detail(ctx.db, _resolve(ctx.db, args.client_id))
        from atensi_desktop.services import audit

        audit.record(ctx.db, audit.VIEW, client_id=detail.client.id, obj=("client", detail.client.id),
                     detail={"via": "cli"})
    finally:
        ctx.close()
    if args.json:
        print(json.dumps(_show_json(detail), ensure_ascii=False, indent=2))
        return EXIT_OK
    lines = _show_lines(detail, dt.date.today())
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label.ljust(width)}  {value}")
    if not detail.cases:
        print(f"{'Kasus'.ljust(width)}  -")
    for i, case in enumerate(detail.cases):
        text = f"{case.display_id} {_label('case_stages', case.stage)}, dibuka {_date(case.opened_on)}"
        text += f", ditutup {_date(case.closed_on)}" if case.closed_on else ""
        text += f", pendamping {case.worker_name}" if case.worker_name else ""
        print(f"{('Kasus' if i == 0 else '').ljust(width)}  {text}")
    return EXIT_OK


# --- client export --------------------------------------------------------------------------------------


def query_from_filters(args: argparse.Namespace, db=None):
    """The ClientQuery of the shared filter options (cli_clients.add_filter_options); bad values -> UserError."""
    from atensi_desktop.domain.wilayah import normalize_code
    from atensi_desktop.refdata import ref_list
    from atensi_desktop.services.clients import AGE_GROUPS, ClientQuery

    def known(value: str | None, listname: str, flag: str) -> str | None:
        if value is None:
            return None
        items = ref_list(listname)
        if value in items:
            return value
        item = items.match(value)
        if item is None:
            raise UserError(f"Nilai {flag} tidak dikenal: {value!r} (contoh: {', '.join(items.codes()[:3])}).")
        return item.code

    wilayah = None
    if args.wilayah:
        try:
            wilayah = normalize_code(args.wilayah)
        except ValueError as err:
            raise UserError(f"Kode wilayah tidak sah: {args.wilayah!r} (contoh: 63.06.05 atau 63.06.05.2001).") \
                from err
    worker = None
    if args.pendamping:
        try:
            worker = uuid.UUID(args.pendamping.strip())
        except ValueError as err:
            raise UserError(f"--pendamping harus id (UUID) pendamping, bukan {args.pendamping!r}.") from err
    age = args.kelompok_umur
    if age is not None and age not in AGE_GROUPS:
        raise UserError(f"--kelompok-umur harus salah satu dari: {', '.join(AGE_GROUPS)}.")
    return ClientQuery(
        text=" ".join((args.cari or "").split()), include_archived=args.termasuk_arsip,
        ppks_category=known(args.kategori, "ppks", "--kategori"),
        cluster=known(args.klaster, "clusters", "--klaster"), wilayah=wilayah,
        stage=known(args.tahap, "case_stages", "--tahap"), worker_id=worker, age_group=age,
        sex=args.jenis_kelamin,
    )


def cmd_export(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import _progress_printer
    from atensi_desktop.i18n import format_number
    from atensi_desktop.services.client_export import check_target, export_clients

    path = Path(args.file).expanduser()
    check_target(path)  # refused before the database is opened
    query = query_from_filters(args)
    ctx = _open(args)
    try:
        result = export_clients(ctx.db, query, path, progress=_progress_printer("Mengekspor klien"),
                                progress_from=_EXPORT_PROGRESS_FROM)
    finally:
        ctx.close()
    print(f"{format_number(result.count)} klien diekspor ke {path}.")
    return EXIT_OK
