"""`client purge ID --jenis hapus|anonim --alasan TEKS --dasar-hukum TEKS --disetujui NAMA [--ya]` and
`client purge-orders [--json]`: erasure or anonymisation of one client on a legal request (services/purge.py)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from atensi_desktop.errors import UserError


def add_purge_commands(csub: argparse._SubParsersAction, global_options: Callable,
                       handler: Callable[[str, str], Callable]) -> None:
    p = csub.add_parser("purge", help="hapus atau anonimkan seluruh data satu klien atas permintaan hukum "
                                      "(perintah bertanda tangan yang ikut tersinkron ke kantor mitra)")
    global_options(p, suppress=True)
    p.add_argument("client_id", metavar="ID", help="id (UUID) atau ID klien, mis. DSHSS-7K2M9Q")
    p.add_argument("--jenis", choices=("hapus", "anonim"), required=True,
                   help="hapus: semua data klien dihapus; anonim: identitas dihapus, data layanan tetap dihitung")
    p.add_argument("--alasan", metavar="TEKS", required=True, help="alasan (tanpa data pribadi klien)")
    p.add_argument("--dasar-hukum", metavar="TEKS", required=True,
                   help="nomor surat permintaan subjek data atau putusan yang mendasarinya")
    p.add_argument("--disetujui", metavar="NAMA", required=True, help="nama pejabat yang menyetujui")
    p.add_argument("--ya", action="store_true", help="jangan tanya konfirmasi (penghapusan tidak bisa dibatalkan)")
    p.set_defaults(handler=handler("atensi_desktop.cli_purge", "cmd_purge"))

    p = csub.add_parser("purge-orders", help="daftar perintah penghapusan data klien")
    global_options(p, suppress=True)
    p.add_argument("--json", action="store_true", help="keluaran JSON")
    p.set_defaults(handler=handler("atensi_desktop.cli_purge", "cmd_orders"))


def cmd_purge(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import _open
    from atensi_desktop.cli_client_search import _resolve
    from atensi_desktop.services import purge

    ctx = _open(args)
    try:
        client_id = _resolve(ctx.db, args.client_id)
        if not args.ya:
            if not sys.stdin.isatty():
                raise UserError("Penghapusan tidak bisa dibatalkan dan belum dikonfirmasi.",
                                hint="Tambahkan --ya bila memang yakin.")
            answer = input(f"Data klien {args.client_id} akan di{'hapus' if args.jenis == 'hapus' else 'anonimkan'} "
                           "di sini dan di setiap kantor mitra. Ketik YA untuk melanjutkan: ")
            if answer.strip().upper() != "YA":
                print("Dibatalkan; tidak ada yang berubah.")
                return 1
        order, result = purge.issue_purge_order(ctx.db, ctx.paths, client_id, mode=args.jenis, reason=args.alasan,
                                                legal_ref=args.dasar_hukum, authorised_by=args.disetujui)
    finally:
        ctx.close()
    what = "dihapus" if order.mode == purge.ERASE else "dianonimkan"
    print(f"Data klien {order.client_display_id} {what}: {result.rows_erased} baris dihapus, "
          f"{result.registers_anonymised} nilai dianonimkan, {result.blobs_removed} berkas lampiran dihapus.")
    print("Perintah ini ikut terkirim pada berkas sinkronisasi berikutnya; kantor mitra menjalankannya saat impor.")
    return 0


def cmd_orders(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import _open
    from atensi_desktop.services import purge

    ctx = _open(args)
    try:
        orders = purge.list_orders(ctx.db, ctx.paths)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([{
            "id": str(o.id), "client_id": str(o.client_id), "client_display_id": o.client_display_id,
            "mode": o.mode, "reason": o.reason, "legal_ref": o.legal_ref, "authorised_by": o.authorised_by,
            "ordered_on": o.ordered_on.isoformat(), "signer_office_id": str(o.signer_office_id),
            "verified": o.verified, "executed": o.executed} for o in orders], ensure_ascii=False, indent=1))
        return 0
    if not orders:
        print("Belum ada perintah penghapusan.")
        return 0
    for o in orders:
        state = "dijalankan" if o.executed else ("tanda tangan tidak sah: tidak dijalankan" if not o.verified
                                                 else "belum dijalankan")
        print("\t".join([o.ordered_on.strftime("%d-%m-%Y"), o.client_display_id, o.mode, o.legal_ref,
                         o.authorised_by, state]))
    return 0
