"""The `atensi-desktop worker …` subcommands: `worker list [--semua|--nonaktif] [--cari TEKS] [--json]`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable


def add_worker_commands(sub: argparse._SubParsersAction, global_options: Callable, parser_class: type) -> None:
    p_worker = sub.add_parser("worker", help="petugas (pekerja sosial, TKS, relawan, TKSK …)")
    wsub = p_worker.add_subparsers(dest="worker_command", metavar="PERINTAH", parser_class=parser_class,
                                   required=True)
    p = wsub.add_parser("list", help="daftar petugas dengan jumlah kasus aktifnya")
    global_options(p, suppress=True)
    p.add_argument("--cari", metavar="TEKS", default="", help="nama, jabatan (sebagian), awal NIP atau no. HP")
    status = p.add_mutually_exclusive_group()
    status.add_argument("--semua", action="store_true", help="ikutkan petugas yang tidak aktif")
    status.add_argument("--nonaktif", action="store_true", help="hanya petugas yang tidak aktif")
    p.add_argument("--json", action="store_true", help="keluaran JSON")
    p.set_defaults(handler=cmd_list)


def cmd_list(args: argparse.Namespace) -> int:
    """One tab-separated line per worker: id, name, type, NIP, position, phone, live cases, aktif/tidak aktif."""
    from atensi_desktop.cli import _open
    from atensi_desktop.services.workers import WorkerQuery, list_workers

    status = "all" if args.semua else "inactive" if args.nonaktif else "active"
    ctx = _open(args)
    try:
        workers = list_workers(ctx.db, WorkerQuery(text=args.cari, status=status))
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([{
            "id": str(w.id), "name": w.name, "worker_type": w.worker_type, "nip": w.nip, "rank": w.rank,
            "position": w.position, "phone": w.phone, "email": w.email, "office_id": str(w.office_id) if w.office_id
            else None, "office": w.office_name, "active": w.active, "live_cases": w.live_cases,
        } for w in workers], ensure_ascii=False, indent=1))
        return 0
    if not workers:
        print("Tidak ada petugas yang cocok." if args.cari else "Belum ada petugas.")
        return 0
    for w in workers:
        print("\t".join([str(w.id), w.name, w.worker_type_label, w.nip or "", w.position or "", w.phone or "",
                         str(w.live_cases), "aktif" if w.active else "tidak aktif"]))
    return 0
