"""The sync subcommands: `office card -o FILE`, `office add-peer FILE [--fingerprint TEKS] [--ganti-kunci]`,
`office peers [--json]`, `export --to KANTOR … -o FILE [--lengkap]`, `import FILE [--dry-run]`.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable

from atensi_desktop.errors import UserError

PROG = "atensi-desktop"


def add_sync_commands(sub: argparse._SubParsersAction, global_options: Callable, parser_class: type) -> None:
    p_office = sub.add_parser("office", help="kunci kantor, kartu kantor dan kantor mitra untuk sinkronisasi")
    osub = p_office.add_subparsers(dest="office_command", metavar="PERINTAH", parser_class=parser_class,
                                   required=True)
    p = osub.add_parser("card", help="tulis kartu kantor (kunci publik) untuk dikirim ke kantor mitra")
    global_options(p, suppress=True)
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="file kartu kantor (.json) yang ditulis")
    p.set_defaults(handler=cmd_card)

    p = osub.add_parser("add-peer", help="tambahkan kantor mitra dari kartu kantornya")
    global_options(p, suppress=True)
    p.add_argument("file", metavar="FILE", help="kartu kantor dari kantor mitra")
    p.add_argument("--fingerprint", metavar="TEKS",
                   help="sidik jari yang dibacakan kantor mitra lewat telepon (tanpa ini: ditanyakan)")
    p.add_argument("--ganti-kunci", action="store_true",
                   help="kantor itu sudah terdaftar dengan kunci lain dan memang mengganti kuncinya, "
                        "atau aktifkan lagi mitra yang dicabut")
    p.set_defaults(handler=cmd_add_peer)

    p = osub.add_parser("peers", help="daftar kantor mitra")
    global_options(p, suppress=True)
    p.add_argument("--json", action="store_true", help="keluaran JSON")
    p.set_defaults(handler=cmd_peers)

    p = sub.add_parser("export", help="tulis berkas sinkronisasi untuk kantor mitra (perubahan yang belum mereka punya)")
    global_options(p, suppress=True)
    p.add_argument("--to", metavar="KANTOR", action="append", required=True,
                   help="kantor mitra tujuan: ID kantor atau kodenya; boleh diulang")
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="berkas sinkronisasi (.lkssync) yang ditulis")
    p.add_argument("--lengkap", action="store_true",
                   help="kirim semua data, bukan hanya yang belum diketahui ada di kantor tujuan")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("import", help="gabungkan berkas sinkronisasi dari kantor mitra")
    global_options(p, suppress=True)
    p.add_argument("file", metavar="FILE", help="berkas sinkronisasi (.lkssync) dari kantor mitra")
    p.add_argument("--dry-run", action="store_true", help="hanya hitung apa yang akan berubah; tidak ada yang disimpan")
    p.set_defaults(handler=cmd_import)


def _open(args: argparse.Namespace):
    from atensi_desktop.app_context import open_app

    return open_app(args.db, args.data_dir, configure_logging=True, language="id")


def cmd_card(args: argparse.Namespace) -> int:
    from atensi_desktop.sync.keys import write_card

    ctx = _open(args)
    try:
        card = write_card(ctx.db, ctx.paths, args.output)
    finally:
        ctx.close()
    print(f"Kartu kantor {card.name} ditulis ke {args.output}.")
    print(f"Sidik jari (bacakan lewat telepon kepada kantor mitra): {card.fingerprint}")
    return 0


def _who() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some Windows services)
        return None


def cmd_add_peer(args: argparse.Namespace) -> int:
    from atensi_desktop.sync.keys import read_card
    from atensi_desktop.sync.peers import ADDED, KEYS_REPLACED, REACTIVATED, add_peer

    card = read_card(args.file)  # a bad file is refused before the database is opened
    typed = args.fingerprint
    if typed is None:
        if not sys.stdin.isatty():
            raise UserError("Sidik jari belum dikonfirmasi: tambahkan --fingerprint TEKS berisi sidik jari yang "
                            "dibacakan kantor mitra lewat telepon.")
        print(f"Kartu kantor: {card.name}" + (f" ({card.code})" if card.code else ""))
        # the card's own fingerprint is not shown: it has to come from the other office, over the phone
        print("Telepon kantor itu dan minta mereka membacakan sidik jarinya dari layar mereka.")
        try:
            typed = input("Ketik sidik jari yang mereka bacakan: ")
        except EOFError:
            typed = ""
    ctx = _open(args)
    try:
        result = add_peer(ctx.db, card, typed, replace=args.ganti_kunci, confirmed_by=_who())
    finally:
        ctx.close()
    peer = result.peer
    if result.outcome == ADDED:
        print(f"Kantor mitra ditambahkan: {peer.name} (sidik jari {peer.fingerprint}).")
    elif result.outcome == KEYS_REPLACED:
        print(f"Kunci kantor mitra {peer.name} diganti: sidik jari {peer.previous_fingerprint} → {peer.fingerprint}.")
    elif result.outcome == REACTIVATED:
        print(f"Kantor mitra {peer.name} diaktifkan lagi (sidik jari {peer.fingerprint}).")
    else:
        print(f"Kantor mitra {peer.name} sudah terdaftar; datanya diperbarui dari kartu ini.")
    return 0


def cmd_peers(args: argparse.Namespace) -> int:
    from atensi_desktop.sync.peers import list_peers

    ctx = _open(args)
    try:
        peers = list_peers(ctx.db)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([{
            "office_id": str(p.office_id), "name": p.name, "code": p.code, "office_type": p.office_type,
            "fingerprint": p.fingerprint, "age_recipient": p.age_recipient, "status": p.status,
            "confirmed_at": p.confirmed_at.isoformat(), "confirmed_by": p.confirmed_by,
            "added_at": p.added_at.isoformat(),
        } for p in peers], ensure_ascii=False, indent=1))
        return 0
    if not peers:
        print("Belum ada kantor mitra.")
        return 0
    for p in peers:
        print("\t".join([str(p.office_id), p.name, p.code or "", p.fingerprint, p.status,
                         p.confirmed_at.strftime("%d-%m-%Y")]))
    return 0


def _progress(label: str):
    state = {"last": -1}

    def report(done: int, total: int) -> None:
        if total < 5000:
            return
        pct = done * 100 // max(total, 1)
        if pct // 10 != state["last"]:
            state["last"] = pct // 10
            sys.stderr.write(f"{label}: {done}/{total}\n")

    return report


def cmd_export(args: argparse.Namespace) -> int:
    from atensi_desktop.sync.exchange import export_bundle

    ctx = _open(args)
    try:
        result = export_bundle(ctx.db, ctx.paths, args.to, args.output, full=args.lengkap,
                               progress=_progress("Ekspor"))
    finally:
        ctx.close()
    kind = "lengkap" if result.full else "perubahan"
    print(f"Berkas sinkronisasi ({kind}) untuk {', '.join(result.recipients)} ditulis ke {result.path}: "
          f"{result.versions} perubahan, {result.blobs} lampiran.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from atensi_desktop.sync.exchange import import_bundle

    ctx = _open(args)
    try:
        result = import_bundle(ctx.db, ctx.paths, args.file, dry_run=args.dry_run, progress=_progress("Impor"))
    finally:
        ctx.close()
    head = "Uji coba (tidak ada yang disimpan)" if result.dry_run else "Impor selesai"
    print(f"{head}: berkas dari {result.source_name}.")
    print(f"Perubahan di berkas: {result.versions_in_bundle}")
    print(f"Perubahan baru: {result.new_versions}")
    print(f"Sudah ada sebelumnya (tidak berubah): {result.unchanged}")
    print(f"Baris data baru: {result.rows_created}")
    print(f"Nilai yang berubah: {result.values_changed}")
    if result.rows_waiting:
        print(f"Baris menunggu berkas sebelumnya (datanya belum lengkap): {result.rows_waiting}")
    print(f"Lampiran disimpan: {result.blobs_stored}")
    print(f"Konflik (diedit bersamaan; nilai terbaru dipakai): {len(result.conflicts)}")
    for c in result.conflicts[:50]:
        others = ", ".join("-" if v is None else v for v in c.others)
        print(f"  {c.table} {c.row_id} {c.column}: dipakai {c.winner if c.winner is not None else '-'}; "
              f"juga ada {others}")
    if len(result.conflicts) > 50:
        print(f"  … dan {len(result.conflicts) - 50} lagi")
    return 0
