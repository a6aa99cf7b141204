"""`atensi-desktop backup create|list|restore|kunci-pemulihan` and the key file of `init --encrypt`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from atensi_desktop.errors import UserError


def add_backup_commands(sub: argparse._SubParsersAction, global_options: Callable, parser_class: type) -> None:
    p_backup = sub.add_parser("backup", help="cadangan terenkripsi: buat, daftar, pulihkan")
    bsub = p_backup.add_subparsers(dest="backup_command", metavar="PERINTAH", parser_class=parser_class,
                                   required=True)
    p = bsub.add_parser("create", help="buat cadangan terenkripsi sekarang (database dan berkas dokumen)")
    global_options(p, suppress=True)
    p.add_argument("-o", "--output", metavar="FILE", help="tulis ke FILE (bawaan: folder cadangan)")
    p.set_defaults(handler=cmd_backup_create)

    p = bsub.add_parser("list", help="daftar cadangan di folder cadangan")
    global_options(p, suppress=True)
    p.set_defaults(handler=cmd_backup_list)

    p = bsub.add_parser("restore", help="pulihkan database dari cadangan (database sekarang disimpan sebagai "
                                        "salinan pengaman)")
    global_options(p, suppress=True)
    p.add_argument("file", metavar="FILE", help="file cadangan (atensi-cadangan-….age)")
    p.add_argument("--ya", action="store_true", help="jangan tanya lagi: ganti database sekarang")
    p.add_argument("--kunci-pemulihan", metavar="FILE",
                   help="kunci pemulihan yang diekspor administrator (untuk cadangan dari komputer lain)")
    p.add_argument("--passphrase-file", metavar="FILE", help="frasa sandi kunci pemulihan di baris pertama FILE")
    p.set_defaults(handler=cmd_backup_restore)

    p = bsub.add_parser("kunci-pemulihan", help="simpan kunci pemulihan cadangan (dikunci frasa sandi) untuk "
                                                "disimpan di luar laptop ini")
    global_options(p, suppress=True)
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="file kunci pemulihan yang ditulis")
    p.add_argument("--passphrase-file", metavar="FILE", help="frasa sandi di baris pertama FILE")
    p.set_defaults(handler=cmd_backup_recovery_key)


    p_key = sub.add_parser("kunci-db", help="kunci database terenkripsi: buka juga dengan kata sandi administrator")
    ksub = p_key.add_subparsers(dest="kunci_command", metavar="PERINTAH", parser_class=parser_class, required=True)
    p = ksub.add_parser("sandi-admin", help="bungkus kunci database dengan kata sandi administrator (Argon2id), "
                                           "sehingga database bisa dibuka tanpa file kunci")
    global_options(p, suppress=True)
    p.add_argument("--passphrase-file", metavar="FILE", help="kata sandi di baris pertama FILE")
    p.set_defaults(handler=cmd_key_admin_password)


def prepare_encryption(args: argparse.Namespace) -> None:
    """`init --encrypt`: read the key file, or make it (random 256-bit key, 0600) and say how to keep it."""
    from atensi_desktop.db import crypto
    from atensi_desktop.db.engine import parse_url, resolve_db_url, sqlite_file
    from atensi_desktop.paths import resolve_paths

    if not getattr(args, "key_file", None):
        raise UserError("--encrypt perlu --key-file FILE (file kunci dibuat bila belum ada).")
    url = parse_url(resolve_db_url(args.db, resolve_paths(args.data_dir).default_db_url))
    if sqlite_file(url) is None:
        raise UserError("Enkripsi database hanya untuk file SQLite.",
                        hint="Untuk PostgreSQL gunakan enkripsi disk di server database.")
    path = Path(args.key_file).expanduser()
    existed = path.exists()
    crypto.read_key_file(path) if existed else crypto.create_key_file(path)
    if not existed:
        sys.stderr.write(
            f"File kunci baru dibuat: {path.absolute()}\n"
            "PENTING: simpan salinan file kunci ini di tempat aman di luar laptop (flashdisk di lemari terkunci). "
            "Tanpa file kunci, database terenkripsi TIDAK BISA dibuka dan datanya hilang.\n")
    crypto.use_key_file(path)
    crypto.request_encryption()


def _open(args: argparse.Namespace):
    from atensi_desktop.cli import _open as open_with_login

    return open_with_login(args)


def _size(n: int) -> str:
    from atensi_desktop.blobstore import human_size

    return human_size(n)


def _passphrase(args: argparse.Namespace, *, confirm: bool, what: str = "Frasa sandi kunci pemulihan") -> str:
    if args.passphrase_file:
        from atensi_desktop.cli_sync import read_passphrase_file

        return read_passphrase_file(args.passphrase_file)
    if not sys.stdin.isatty():
        raise UserError(f"{what} diperlukan.", hint="Tambahkan --passphrase-file FILE.")
    import getpass

    first = getpass.getpass(f"{what}: ")
    if confirm and getpass.getpass("Ulangi: ") != first:
        raise UserError("Keduanya berbeda; tidak ada yang ditulis.")
    return first


def cmd_backup_create(args: argparse.Namespace) -> int:
    from atensi_desktop.backup import backup_folder, create_backup, recovery_key_exported
    from atensi_desktop.cli import _progress_printer

    ctx = _open(args)
    try:
        result = create_backup(ctx.db, ctx.paths, folder=backup_folder(ctx.paths, ctx.settings),
                               output=args.output, progress=_progress_printer("Cadangan"))
        print(f"Cadangan dibuat: {result.path} ({_size(result.size)}, {result.blobs} berkas dokumen).")
        if not recovery_key_exported(ctx.db):
            sys.stderr.write("Peringatan: kunci pemulihan belum pernah disimpan. Bila laptop ini rusak, cadangan "
                             "hanya bisa dibuka dengan kunci itu. Jalankan: atensi-desktop backup "
                             "kunci-pemulihan -o FILE, lalu simpan FILE di luar laptop.\n")
    finally:
        ctx.close()
    return 0


def cmd_backup_list(args: argparse.Namespace) -> int:
    from atensi_desktop.backup import backup_folder, list_backups
    from atensi_desktop.security.roles import BACKUP, require

    ctx = _open(args)
    try:
        require(ctx.db, BACKUP)
        folder = backup_folder(ctx.paths, ctx.settings)
    finally:
        ctx.close()
    backups = list_backups(folder)
    print(f"Folder cadangan: {folder}")
    if not backups:
        print("Belum ada cadangan.")
    for b in backups:
        print(f"{b.created:%Y-%m-%d %H:%M}  {b.kind:<8}  {_size(b.size):>9}  {b.path.name}")
    return 0


def cmd_backup_restore(args: argparse.Namespace) -> int:
    from atensi_desktop.backup import read_recovery_key, restore_backup, verify_backup
    from atensi_desktop.cli import _progress_printer

    source = Path(args.file)
    if not source.is_file():
        raise UserError(f"File {args.file!r} tidak ditemukan.")
    recovery = read_recovery_key(args.kunci_pemulihan, _passphrase(args, confirm=False)) \
        if args.kunci_pemulihan else None
    ctx = _open(args)
    try:
        manifest = verify_backup(ctx.db, source, recovery=recovery)
        if not args.ya:
            if not sys.stdin.isatty():
                raise UserError("Pemulihan mengganti seluruh database sekarang.",
                                hint="Tambahkan --ya bila memang itu yang dikehendaki.")
            answer = input(f"Database {ctx.db_label} akan diganti dengan cadangan {manifest.get('created')}. "
                           "Database sekarang disimpan sebagai salinan pengaman. Ketik YA untuk lanjut: ")
            if answer.strip().upper() != "YA":
                sys.stderr.write("Dibatalkan; tidak ada yang diubah.\n")
                return 2
        result = restore_backup(ctx.db, ctx.paths, source, recovery=recovery,
                                progress=_progress_printer("Pemulihan"))
    finally:
        ctx.close()
    print(f"Cadangan {result.created} dipulihkan; {result.blobs_added} berkas dokumen ditambahkan.")
    print(f"Database sebelumnya disimpan di {result.safety_copy}.")
    print(f"Identitas situs baru: {result.new_site} (data yang ditulis sesudah ini tidak bentrok dengan "
          "data lama di kantor mitra).")
    return 0


def cmd_backup_recovery_key(args: argparse.Namespace) -> int:
    from atensi_desktop.backup import export_recovery_key

    passphrase = _passphrase(args, confirm=True)
    ctx = _open(args)
    try:
        path = export_recovery_key(ctx.db, args.output, passphrase)
    finally:
        ctx.close()
    print(f"Kunci pemulihan ditulis ke {path}. Simpan di luar laptop ini; frasa sandinya disimpan terpisah.")
    return 0


def cmd_key_admin_password(args: argparse.Namespace) -> int:
    from atensi_desktop.backup import admin_password_unlock

    ctx = _open(args)
    try:
        password = _passphrase(args, confirm=True, what="Kata sandi administrator")
        path = admin_password_unlock(ctx.db, password)
    finally:
        ctx.close()
    print(f"Kunci database dibungkus kata sandi administrator di {path}. File kunci tetap disimpan di tempat aman: "
          "itulah cadangan bila kata sandi terlupa.")
    return 0
