"""The `atensi-desktop case …` and `service …` subcommands.

`case list [--client ID] [--json]`, `case show ID [--json]`, `service add --client ID --service CODE --date D
[--until D] [--qty N --unit U] [--value RP] …`, `service list --client ID [--json]`. IDs are display ids
(DSHSS-7K2M9Q) or UUIDs. A service the rules refuse exits 2 with the rule's message on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
import uuid
from collections.abc import Callable
from typing import Any

from atensi_desktop.errors import UserError

SHOWN_SERVICES = 20


def add_case_commands(sub: argparse._SubParsersAction, global_options: Callable, parser_class: type) -> None:
    p_case = sub.add_parser("case", help="kasus klien: daftar dan rincian")
    ksub = p_case.add_subparsers(dest="case_command", metavar="PERINTAH", parser_class=parser_class, required=True)
    p = ksub.add_parser("list", help="daftar kasus, yang terbaru dibuka dulu")
    global_options(p, suppress=True)
    p.add_argument("--client", metavar="ID", help="hanya kasus klien ini (ID klien atau UUID)")
    p.add_argument("--tahap", metavar="KODE", help="hanya kasus pada tahap ini, mis. asesmen")
    p.add_argument("--terbuka", action="store_true", help="hanya kasus yang belum ditutup")
    p.add_argument("--limit", metavar="N", type=int, default=200, help="paling banyak N kasus (bawaan 200)")
    p.add_argument("--json", action="store_true", help="keluaran JSON")
    p.set_defaults(handler=cmd_case_list)
    p = ksub.add_parser("show", help="rincian satu kasus: tahap, riwayat tahap, layanan terbaru")
    global_options(p, suppress=True)
    p.add_argument("case_id", metavar="ID", help="ID kasus atau UUID")
    p.add_argument("--json", action="store_true", help="keluaran JSON")
    p.set_defaults(handler=cmd_case_show)

    p_service = sub.add_parser("service", help="log layanan: catat dan lihat layanan klien")
    ssub = p_service.add_subparsers(dest="service_command", metavar="PERINTAH", parser_class=parser_class,
                                    required=True)
    p = ssub.add_parser("add", help="catat satu layanan (diperiksa dengan aturan yang sama seperti formulir)")
    global_options(p, suppress=True)
    p.add_argument("--client", metavar="ID", required=True, help="ID klien atau UUID")
    p.add_argument("--service", metavar="KODE", required=True,
                   help="layanan, mis. spm:permakanan, atensi:terapi/terapi_fisik, rehab:bimbingan_fisik")
    p.add_argument("--date", metavar="TANGGAL", required=True, help="tanggal (mulai) layanan, mis. 05-03-2026")
    p.add_argument("--until", metavar="TANGGAL", help="tanggal selesai (kosong: satu hari)")
    p.add_argument("--qty", metavar="N", help="jumlah, mis. 2 atau 2,5")
    p.add_argument("--unit", metavar="SATUAN", help="satuan jumlah, mis. paket")
    p.add_argument("--value", metavar="RP", help="nilai dalam Rupiah utuh, mis. 150000")
    p.add_argument("--case", metavar="ID", help="ID kasus (bawaan: kasus klien yang terbuka; 'tanpa': tanpa kasus)")
    p.add_argument("--dana", metavar="KODE", help="sumber dana: apbn, apbd atau lainnya")
    p.add_argument("--pendekatan", metavar="KODE", help="keluarga, komunitas atau residensial")
    p.add_argument("--lokasi", metavar="TEKS", help="tempat layanan diberikan")
    p.add_argument("--catatan", metavar="TEKS", help="catatan")
    p.add_argument("--json", action="store_true", help="keluaran JSON")
    p.set_defaults(handler=cmd_service_add)
    p = ssub.add_parser("list", help="layanan seorang klien, yang terbaru dulu")
    global_options(p, suppress=True)
    p.add_argument("--client", metavar="ID", required=True, help="ID klien atau UUID")
    p.add_argument("--semua", action="store_true", help="ikutkan layanan yang sudah dikoreksi atau dibatalkan")
    p.add_argument("--limit", metavar="N", type=int, default=200, help="paling banyak N layanan (bawaan 200)")
    p.add_argument("--json", action="store_true", help="keluaran JSON")
    p.set_defaults(handler=cmd_service_list)


# --- helpers ---------------------------------------------------------------------------------------------

def _date(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else "-"


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _resolve_case(db, ref: str) -> uuid.UUID:
    from atensi_desktop.services.cases import find_by_display_id

    ref = ref.strip()
    with contextlib.suppress(ValueError):
        return uuid.UUID(ref)
    found = find_by_display_id(db, ref)
    if not found:
        raise UserError(f"Kasus {ref!r} tidak ditemukan. Lihat daftar kasus dengan: atensi-desktop case list")
    if len(found) > 1:
        raise UserError(f"ID kasus {ref.upper()!r} dipakai {len(found)} kasus; sebutkan id (UUID) salah satunya: "
                        + ", ".join(str(i) for i in found) + ".")
    return found[0]


def _case_json(c) -> dict[str, Any]:
    return {"id": str(c.id), "display_id": c.display_id, "client_id": str(c.client_id),
            "client_display_id": c.client_display_id, "client_name": c.client_name, "cluster": c.cluster,
            "approach": c.approach, "stage": c.stage, "stage_label": c.stage_label,
            "worker_id": _iso(c.worker_id), "worker": c.worker_name, "opened_on": _iso(c.opened_on),
            "closed_on": _iso(c.closed_on), "termination_reason": c.termination_reason,
            "termination_note": c.termination_note}


def _entry_json(e) -> dict[str, Any]:
    return {"id": str(e.id), "client_id": str(e.client_id), "case_id": _iso(e.case_id), "entry_type": e.entry_type,
            "service_kind": e.service_kind, "service_code": e.service_code, "subitem_code": e.subitem_code,
            "service_label": e.service_label, "date_from": _iso(e.date_from), "date_until": _iso(e.date_until),
            "days": e.days, "approach": e.approach, "quantity": f"{e.quantity.normalize():f}" if e.quantity is not None else None,
            "unit": e.unit, "value_rp": e.value_rp, "funding_source": e.funding_source, "location": e.location,
            "note": e.note, "reason": e.reason, "amends_id": _iso(e.amends_id),
            "distribution_id": _iso(e.distribution_id), "flags": dict(e.flags), "effective": e.effective,
            "warnings": list(e.warnings)}


def _entry_line(e) -> str:
    from atensi_desktop.services.service_log import format_rupiah

    when = _date(e.date_from) + (f" s.d. {_date(e.date_until)}" if e.date_until and e.date_until != e.date_from
                                 else "")
    amount = f"{e.quantity.normalize():f} {e.unit}" if e.quantity is not None else "-"
    marks = [m for m, on in (("di luar rencana", e.outside_plan), ("sesudah terminasi", e.after_termination),
                             ("koreksi", e.entry_type == "koreksi"), ("batal", e.entry_type == "batal"),
                             ("sudah dikoreksi", e.superseded)) if on]
    return "\t".join([str(e.id), when, e.service_label, amount, format_rupiah(e.value_rp), *marks])


# --- case ------------------------------------------------------------------------------------------------

def cmd_case_list(args: argparse.Namespace) -> int:
    """One tab-separated line per case: id, ID kasus, ID klien, nama, tahap, pendamping, dibuka, ditutup."""
    from atensi_desktop.cli import _open
    from atensi_desktop.cli_client_search import _resolve
    from atensi_desktop.refdata import ref_list
    from atensi_desktop.services.cases import list_cases

    if args.tahap and args.tahap not in ref_list("case_stages"):
        raise UserError(f"Tahap kasus tidak dikenal: {args.tahap!r} (pilih: {', '.join(ref_list('case_stages').codes())}).")
    ctx = _open(args)
    try:
        client = _resolve(ctx.db, args.client) if args.client else None
        rows = list_cases(ctx.db, client_id=client, stage=args.tahap, open_only=args.terbuka,
                          limit=max(args.limit, 1))
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([_case_json(c) for c in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("Belum ada kasus." if not (args.client or args.tahap or args.terbuka) else "Tidak ada kasus yang cocok.")
        return 0
    for c in rows:
        print("\t".join([str(c.id), c.display_id, c.client_display_id, c.client_name, c.stage_label,
                         c.worker_name or "-", _date(c.opened_on), _date(c.closed_on)]))
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import _open
    from atensi_desktop.services.cases import get_case, stage_history
    from atensi_desktop.services.service_log import list_entries

    ctx = _open(args)
    try:
        case = get_case(ctx.db, _resolve_case(ctx.db, args.case_id))
        history = stage_history(ctx.db, case.id)
        services = list_entries(ctx.db, case_id=case.id, limit=SHOWN_SERVICES)
    finally:
        ctx.close()
    if args.json:
        out = _case_json(case) | {
            "history": [{"from_stage": h.from_stage, "to_stage": h.to_stage, "changed_on": _iso(h.changed_on),
                         "worker": h.worker_name, "note": h.note} for h in history],
            "services": [_entry_json(e) for e in services]}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    lines = [("ID kasus", case.display_id), ("Id (UUID)", str(case.id)),
             ("Klien", f"{case.client_display_id} {case.client_name}"), ("Tahap", case.stage_label),
             ("Klaster", case.cluster_label or "-"), ("Pendekatan", case.approach_label or "-"),
             ("Pendamping", case.worker_name or "-"), ("Dibuka", _date(case.opened_on)),
             ("Ditutup", _date(case.closed_on))]
    if case.termination_reason:
        lines.append(("Alasan terminasi", case.termination_reason_label
                      + (f" ({case.termination_note})" if case.termination_note else "")))
    width = max(len(label) for label, _ in lines + [("Riwayat tahap", "")])
    for label, value in lines:
        print(f"{label.ljust(width)}  {value}")
    if not history:  # cases made before the stage history existed (e.g. demo data)
        print(f"{'Riwayat tahap'.ljust(width)}  -")
    for i, h in enumerate(history):
        text = f"{_date(h.changed_on)} {h.to_label}"
        text += f" (dari {h.from_label})" if h.from_stage else ""
        text += f", {h.worker_name}" if h.worker_name else ""
        text += f": {h.note}" if h.note else ""
        print(f"{('Riwayat tahap' if i == 0 else '').ljust(width)}  {text}")
    if not services:
        print(f"{'Layanan'.ljust(width)}  -")
    for i, e in enumerate(services):
        print(f"{('Layanan' if i == 0 else '').ljust(width)}  {_entry_line(e)}")
    return 0


# --- service ---------------------------------------------------------------------------------------------

def cmd_service_add(args: argparse.Namespace) -> int:
    """Prints the new entry's line (as `service list` does) and any warnings ("Peringatan: …")."""
    from atensi_desktop.cli import _open
    from atensi_desktop.cli_client_search import _resolve
    from atensi_desktop.services.service_log import add_entry, resolve_service

    kind, code, subitem = resolve_service(args.service)
    ctx = _open(args)
    try:
        values: dict[str, Any] = {
            "client_id": _resolve(ctx.db, args.client), "service_kind": kind, "service_code": code,
            "subitem_code": subitem, "date_from": args.date, "date_until": args.until, "quantity": args.qty,
            "unit": args.unit, "value_rp": args.value, "funding_source": args.dana, "approach": args.pendekatan,
            "location": args.lokasi, "note": args.catatan}
        if args.case is not None:
            values["case_id"] = None if args.case.strip().lower() in ("tanpa", "none", "-") else _resolve_case(
                ctx.db, args.case)
        entry = add_entry(ctx.db, values)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps(_entry_json(entry), ensure_ascii=False, indent=1))
    else:
        print(_entry_line(entry))
        for warning in entry.warnings:
            sys.stderr.write(f"Peringatan: {warning}\n")
    return 0


def cmd_service_list(args: argparse.Namespace) -> int:
    """One tab-separated line per entry: id, tanggal, layanan, jumlah, nilai, (tanda)."""
    from atensi_desktop.cli import _open
    from atensi_desktop.cli_client_search import _resolve
    from atensi_desktop.services.service_log import list_entries

    ctx = _open(args)
    try:
        rows = list_entries(ctx.db, _resolve(ctx.db, args.client), effective_only=not args.semua,
                            limit=max(args.limit, 1))
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([_entry_json(e) for e in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("Klien ini belum punya layanan tercatat.")
        return 0
    for e in rows:
        print(_entry_line(e))
    return 0
