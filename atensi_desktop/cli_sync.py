"""The sync subcommands: `office card -o FILE`, `office add-peer FILE [--fingerprint TEKS] [--ganti-kunci]`,
`office peers [--json]`, `export (--to KANTOR … | --case ID) [--passphrase-file F] -o FILE [--lengkap]`,
`import FILE [--dry-run] [--passphrase-file F]`.
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

    p = sub.add_parser("export", help="tulis berkas sinkronisasi untuk kantor mitra (perubahan yang belum mereka punya), "
                                      "atau berkas satu kasus (rujukan atau pindah)")
    global_options(p, suppress=True)
    p.add_argument("--to", metavar="KANTOR", action="append", nargs="+",
                   help="kantor mitra tujuan: ID kantor atau kodenya; boleh lebih dari satu")
    p.add_argument("--case", metavar="ID",
                   help="hanya satu klien dengan seluruh riwayatnya (rujukan atau pindah): ID klien atau kasus")
    p.add_argument("--passphrase-file", metavar="FILE",
                   help="dengan --case: kunci berkas dengan kata sandi dari baris pertama FILE (paling sedikit "
                        "12 karakter), untuk kantor yang belum menjadi mitra")
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="berkas sinkronisasi (.lkssync) yang ditulis")
    p.add_argument("--lengkap", action="store_true",
                   help="kirim semua data, bukan hanya yang belum diketahui ada di kantor tujuan")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("import", help="gabungkan berkas sinkronisasi dari kantor mitra")
    global_options(p, suppress=True)
    p.add_argument("file", metavar="FILE", help="berkas sinkronisasi (.lkssync) dari kantor mitra")
    p.add_argument("--dry-run", action="store_true", help="hanya hitung apa yang akan berubah; tidak ada yang disimpan")
    p.add_argument("--passphrase-file", metavar="FILE",
                   help="berkas dikunci dengan kata sandi: kata sandinya di baris pertama FILE")
    p.set_defaults(handler=cmd_import)


def _open(args: argparse.Namespace):
    from atensi_desktop.cli import _open as open_signed_in

    return open_signed_in(args)  # opens the database and signs the command's user in


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


def read_passphrase_file(path: str) -> str:
    """The passphrase in a file: its first line, without surrounding spaces; missing or empty: UserError."""
    from pathlib import Path

    from atensi_desktop.i18n import _

    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UserError(_("Berkas kata sandi {path} tidak ditemukan.").format(path=path),
                        hint=_("Tulis kata sandinya di baris pertama sebuah berkas teks, lalu sebut berkas itu "
                               "dengan --passphrase-file.")) from None
    except OSError as err:
        raise UserError(_("Berkas kata sandi {path} tidak bisa dibaca ({detail}).").format(path=path, detail=err.strerror),
                        hint=_("Periksa nama berkas dan izinnya.")) from None
    text = raw.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if not first:
        raise UserError(_("Berkas kata sandi {path} kosong: baris pertamanya harus berisi kata sandi.").format(path=path),
                        hint=_("Tulis kata sandinya di baris pertama berkas itu."))
    return first


def _targets(args: argparse.Namespace) -> list[str]:
    return [t for group in (args.to or []) for t in group]


def cmd_export(args: argparse.Namespace) -> int:
    from atensi_desktop.i18n import _

    targets = _targets(args)
    if args.case is None:
        if args.passphrase_file is not None:
            raise UserError(_("--passphrase-file hanya untuk berkas satu kasus."),
                            hint=_("Tambahkan --case ID; kiriman ke kantor mitra dikunci dengan kunci kantornya."))
        if not targets:
            raise UserError(_("Sebut kantor mitra tujuan dengan --to KANTOR, atau satu klien dengan --case ID."))
        return _export_delta(args, targets)
    if args.lengkap:
        raise UserError(_("--lengkap tidak berlaku untuk berkas satu kasus: berkas itu selalu berisi seluruh "
                          "riwayat kliennya."), hint=_("Hapus --lengkap."))
    if args.passphrase_file is not None and targets:
        raise UserError(_("Berkas satu kasus dikunci dengan kata sandi atau dengan kunci kantor tujuan, tidak "
                          "keduanya."),
                        hint=_("Pakai --to KANTOR untuk kantor mitra, atau --passphrase-file untuk kantor yang "
                               "belum menjadi mitra."))
    passphrase = read_passphrase_file(args.passphrase_file) if args.passphrase_file is not None else None
    from atensi_desktop.blobstore import human_size
    from atensi_desktop.sync.case_bundle import export_case

    ctx = _open(args)
    try:
        result = export_case(ctx.db, ctx.paths, args.case, args.output, to_offices=targets, passphrase=passphrase,
                             progress=_progress("Ekspor"))
    finally:
        ctx.close()
    lock = (_("dikunci dengan kata sandi") if result.passphrase
            else _("untuk {offices}").format(offices=", ".join(result.recipients)))
    print(_("Berkas satu kasus (klien {client}) {lock} ditulis ke {path}: {size}, {versions} perubahan, "
            "{rows} baris data, {blobs} lampiran.").format(
        client=result.client_display_id, lock=lock, path=result.path, size=human_size(result.size),
        versions=result.versions, rows=result.rows, blobs=result.blobs))
    if result.passphrase:
        print(_("Sampaikan kata sandinya lewat telepon atau SMS, jangan di obrolan yang sama dengan berkasnya."))
    return 0


def _export_delta(args: argparse.Namespace, targets: list[str]) -> int:
    from atensi_desktop.sync.exchange import export_bundle

    ctx = _open(args)
    try:
        result = export_bundle(ctx.db, ctx.paths, targets, args.output, full=args.lengkap,
                               progress=_progress("Ekspor"))
    finally:
        ctx.close()
    kind = "lengkap" if result.full else "perubahan"
    print(f"Berkas sinkronisasi ({kind}) untuk {', '.join(result.recipients)} ditulis ke {result.path}: "
          f"{result.versions} perubahan, {result.blobs} lampiran.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from atensi_desktop.sync.exchange import import_bundle

    passphrase = read_passphrase_file(args.passphrase_file) if args.passphrase_file is not None else None
    ctx = _open(args)
    try:
        result = import_bundle(ctx.db, ctx.paths, args.file, dry_run=args.dry_run, progress=_progress("Impor"),
                               passphrase=passphrase)
    finally:
        ctx.close()
    head = "Uji coba (tidak ada yang disimpan)" if result.dry_run else "Impor selesai"
    print(f"{head}: berkas dari {result.source_name}.")
    if result.already_imported_at is not None:
        from atensi_desktop.i18n import _

        when = result.already_imported_at.astimezone().strftime("%d-%m-%Y %H:%M")
        print(_("Berkas ini sudah diimpor pada {when} oleh {who}; tidak ada yang diubah.").format(
            when=when, who=result.already_imported_by or _("(tidak tercatat)")))
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
    if result.warnings:
        from atensi_desktop.i18n import _

        for warning in result.warnings:
            print(_("Peringatan: {text}").format(text=warning))
    return 0
