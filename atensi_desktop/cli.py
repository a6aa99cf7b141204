"""The `atensi-desktop` command: the GUI by default, admin subcommands for offices, scripts and tests."""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from atensi_desktop import __version__
from atensi_desktop.errors import AtensiError, Cancelled
from atensi_desktop.log import shutdown_logging
from atensi_desktop.progress import Progress

PROG = "atensi-desktop"
EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT = 0, 1, 2
log = logging.getLogger(__name__)

_ARGPARSE_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (.*)", r"Argumen wajib belum diisi: \1"),
    (r"unrecognized arguments: (.*)", r"Argumen tidak dikenal: \1"),
    (r"argument (\S+): invalid int value: (.*)", r"Nilai untuk \1 harus angka bulat, bukan \2"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", r"Pilihan untuk \1 tidak sah: \2 (pilih: \3)"),
    (r"argument (\S+): expected one argument", r"\1 perlu satu nilai"),
    (r"invalid choice: (.*?) \(choose from (.*)\)", r"Perintah tidak dikenal: \1 (pilih: \2)"),
)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line Bahasa Indonesia errors and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        for pattern, repl in _ARGPARSE_MESSAGES:
            if re.search(pattern, message):
                message = re.sub(pattern, repl, message)
                break
        self.exit(EXIT_BAD_INPUT, f"{PROG}: {message}. Lihat '{PROG} --help'.\n")


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--db", metavar="URL", default=default,
                        help="alamat database SQLAlchemy (juga ATENSI_DB); bawaan: SQLite di folder data")
    parser.add_argument("--data-dir", metavar="DIR", default=default,
                        help="folder data aplikasi (juga ATENSI_HOME)")
    from atensi_desktop.cli_users import add_login_options

    add_login_options(parser, suppress=suppress)  # --user, --password-file: every command runs as a named user
    parser.add_argument("--key-file", metavar="FILE", default=default,
                        help="file kunci database terenkripsi (juga ATENSI_DB_KEY_FILE)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="ATENSI Desktop: manajemen kasus Asistensi Rehabilitasi Sosial.")
    _global_options(parser, suppress=False)
    parser.add_argument("--screenshot", metavar="FILE", help="gambar satu layar ke PNG lalu keluar")
    parser.add_argument("--view", metavar="NAME", help="layar untuk --screenshot (beranda, klien, kasus, ...)")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH", parser_class=_Parser)

    p_init = sub.add_parser("init", help="buat atau perbarui database; atur identitas kantor; data contoh")
    _global_options(p_init, suppress=True)
    p_init.add_argument("--office", metavar="NAMA", help="nama kantor instalasi ini")
    p_init.add_argument("--kode-wilayah", metavar="KODE", help="kode wilayah Kemendagri kantor, mis. 63.06")
    p_init.add_argument("--jenis-kantor", metavar="JENIS", choices=("lks", "panti", "dinas_sosial", "sentra"),
                        help="lks, panti, dinas_sosial atau sentra (bawaan: ditebak dari nama)")
    p_init.add_argument("--kode-kantor", metavar="KODE", help="kode singkat kantor untuk ID klien, mis. DSHSS")
    p_init.add_argument("--demo", metavar="N", type=int, help="tambahkan N klien contoh (sintetis)")
    p_init.add_argument("--seed", metavar="S", type=int, default=1, help="benih acak data contoh (bawaan 1)")
    p_init.add_argument("--encrypt", action="store_true",
                        help="enkripsi database SQLite (SQLCipher); perlu --key-file FILE (dibuat bila belum ada)")
    p_init.set_defaults(handler=cmd_init)

    p_wil = sub.add_parser("wilayah", help="daftar kode wilayah Kemendagri")
    wsub = p_wil.add_subparsers(dest="wilayah_command", metavar="PERINTAH", parser_class=_Parser, required=True)
    p_wimp = wsub.add_parser("import", help="muat daftar kode wilayah dari CSV (kode,nama) atau wilayah.sql")
    _global_options(p_wimp, suppress=True)
    p_wimp.add_argument("file", metavar="FILE")
    p_wimp.set_defaults(handler=cmd_wilayah_import)

    p_nik = sub.add_parser("nik", help="periksa sebuah NIK")
    _global_options(p_nik, suppress=True)
    p_nik.add_argument("number", metavar="NIK")
    p_nik.set_defaults(handler=cmd_nik)

    from atensi_desktop.cli_clients import add_client_commands

    add_client_commands(sub, _global_options, _Parser)
    from atensi_desktop.cli_workers import add_worker_commands

    add_worker_commands(sub, _global_options, _Parser)
    from atensi_desktop.cli_asesmen import add_asesmen_commands

    add_asesmen_commands(sub, _global_options, _Parser)
    from atensi_desktop.cli_cases import add_case_commands

    add_case_commands(sub, _global_options, _Parser)
    from atensi_desktop.cli_reports import add_report_commands

    add_report_commands(sub, _global_options, _Parser)
    from atensi_desktop.cli_sync import add_sync_commands

    add_sync_commands(sub, _global_options, _Parser)
    from atensi_desktop.cli_dump import add_dump_commands

    add_dump_commands(sub, _global_options, _Parser)
    from atensi_desktop.cli_users import add_user_commands

    add_user_commands(sub, _global_options, _Parser)
    from atensi_desktop.cli_audit import add_audit_commands

    add_audit_commands(sub, _global_options, _Parser)
    from atensi_desktop.cli_backup import add_backup_commands

    add_backup_commands(sub, _global_options, _Parser)
    return parser


def _open(args: argparse.Namespace, *, upgrade: bool = True, allow_must_change: bool = False):
    """The one way a command opens its context: open the database, then sign the command's user in
    (cli_users.sign_in_from_args: --user/ATENSI_USER once security is enabled; refused -> exit 2)."""
    from atensi_desktop.app_context import open_app
    from atensi_desktop.cli_users import sign_in_from_args

    ctx = open_app(args.db, args.data_dir, upgrade=upgrade, configure_logging=True, language="id")
    return sign_in_from_args(ctx, args, allow_must_change=allow_must_change)


def _progress_printer(label: str) -> Progress:
    """Progress shown as one updating line on stderr when it is a terminal."""
    tty = sys.stderr.isatty()

    def show(done: int, total: int, _message: str) -> None:
        if tty and total:
            sys.stderr.write(f"\r{label}: {done:,}/{total:,}".replace(",", "."))
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return Progress(on_update=show, every=1)


def cmd_init(args: argparse.Namespace) -> int:
    from atensi_desktop.i18n import format_number
    from atensi_desktop.services.office import (
        OfficeInput,
        guess_office_type,
        installation_office,
        office_input_from,
        setup_installation,
        validate_office,
    )

    if args.demo is not None:
        from atensi_desktop.services.demo import check_count

        check_count(args.demo)
    wants_office = bool(args.office or args.kode_wilayah or args.kode_kantor or args.jenis_kantor)
    if wants_office:  # bad values are refused before the database is even created
        name = args.office or "Kantor"
        validate_office(OfficeInput(name=name, office_type=args.jenis_kantor or guess_office_type(name),
                                    code=args.kode_kantor, wilayah_code=args.kode_wilayah))
    if args.encrypt:
        from atensi_desktop.cli_backup import prepare_encryption

        prepare_encryption(args)  # the key file (made when missing); the open below encrypts
    ctx = _open(args)
    try:
        print(f"Database siap: {ctx.db_label}")
        if wants_office:
            current = installation_office(ctx.db)
            if current is None and not args.office:
                raise _usage("--office wajib diisi saat identitas kantor belum diatur.")
            if current is None:
                base = OfficeInput(name=args.office, office_type=guess_office_type(args.office))
            else:
                base = office_input_from(current)  # keep what the flags do not mention
            result = setup_installation(ctx.db, replace(
                base,
                name=args.office or base.name,
                office_type=args.jenis_kantor or base.office_type,
                code=args.kode_kantor or base.code,
                wilayah_code=args.kode_wilayah or base.wilayah_code,
            ))
            verb = "dibuat" if result.created else "diperbarui"
            print(f"Identitas kantor {verb}: {result.office.name} ({result.office.code})")
        if args.demo is not None:
            from atensi_desktop.services.demo import generate_demo

            started = time.perf_counter()
            res = generate_demo(ctx.db, args.demo, seed=args.seed, progress=_progress_printer("Data contoh"))
            took = time.perf_counter() - started
            print(f"Data contoh ditambahkan: {format_number(res.clients)} klien, "
                  f"{format_number(res.households)} keluarga, {format_number(res.cases)} kasus, "
                  f"{format_number(res.workers)} pendamping ({took:.1f} detik).")
    finally:
        ctx.close()
    return EXIT_OK


def cmd_wilayah_import(args: argparse.Namespace) -> int:
    from atensi_desktop.i18n import format_number
    from atensi_desktop.services.wilayah import import_wilayah

    path = Path(args.file)
    if not path.is_file():
        raise _usage(f"File {args.file!r} tidak ditemukan.")
    ctx = _open(args)
    try:
        started = time.perf_counter()
        result = import_wilayah(ctx.db, path, progress=_progress_printer("Memuat wilayah"))
        took = time.perf_counter() - started
    finally:
        ctx.close()
    lv = result.per_level
    print(f"{format_number(result.total)} kode wilayah dimuat: {format_number(lv.get(1, 0))} provinsi, "
          f"{format_number(lv.get(2, 0))} kabupaten/kota, {format_number(lv.get(3, 0))} kecamatan, "
          f"{format_number(lv.get(4, 0))} desa/kelurahan ({took:.1f} detik).")
    return EXIT_OK


def cmd_nik(args: argparse.Namespace) -> int:
    from atensi_desktop.domain.nik import check_nik
    from atensi_desktop.i18n import format_date_long

    first = check_nik(args.number)
    if not first.valid:
        sys.stderr.write(f"{PROG}: NIK tidak sah: {first.errors[0]}\n")
        return EXIT_BAD_INPUT
    from atensi_desktop.services.wilayah import nik_report

    ctx = _open(args)
    try:
        report = nik_report(ctx.db, args.number)
    finally:
        ctx.close()
    check = report.check
    print(f"NIK {check.nik}: sah")
    print(f"Jenis kelamin: {'Perempuan' if check.sex == 'P' else 'Laki-laki'}")
    if check.birth_date:
        print(f"Tanggal lahir: {format_date_long(check.birth_date)}")
    parts = [p for p in (report.province_name, report.kabkota_name, report.kecamatan_name) if p]
    codes = ", ".join(c for c in (check.province_code, check.kabkota_code, check.kecamatan_code) if c)
    print(f"Wilayah pertama terdaftar: {', '.join(parts) if parts else '(nama belum dimuat)'} [{codes}]")
    for warning in check.warnings:
        print(f"Peringatan: {warning}")
    return EXIT_OK


def _usage(message: str) -> AtensiError:
    from atensi_desktop.errors import UserError

    return UserError(message)


def _run_gui(args: argparse.Namespace) -> int:
    """Start the Qt front-end (package `ui`), loaded by name so the engine never depends on Qt."""
    try:
        gui = importlib.import_module("ui.app")
    except ImportError as err:
        sys.stderr.write(f"{PROG}: antarmuka grafis (PySide6) tidak terpasang: {err}. "
                         "Perintah baris seperti 'init' dan 'nik' tetap bisa dipakai.\n")
        return EXIT_BAD_INPUT
    from atensi_desktop.app_context import open_app

    def factory():
        return open_app(args.db, args.data_dir, configure_logging=True)

    return int(gui.run_gui(factory, screenshot=args.screenshot, view=args.view))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from atensi_desktop.db.crypto import configure_command_line

    configure_command_line(getattr(args, "key_file", None))  # every command opens an encrypted database with it
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if args.view and not args.screenshot:
        parser.error("--view hanya dipakai bersama --screenshot")
    try:
        if handler is None:
            return _run_gui(args)
        return handler(args)
    except AtensiError as err:
        sys.stderr.write(f"{PROG}: {err}\n")
        return EXIT_BAD_INPUT
    except Cancelled:
        sys.stderr.write(f"{PROG}: dibatalkan; tidak ada yang diubah.\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: dihentikan; tidak ada yang diubah.\n")
        return 130
    except Exception:
        log.exception("unexpected error in command %s", getattr(args, "command", None))
        sys.stderr.write(f"{PROG}: terjadi kesalahan tak terduga (bug). Rinciannya ada di file log aplikasi.\n")
        return EXIT_BUG
    finally:
        shutdown_logging()


if __name__ == "__main__":
    raise SystemExit(main())
