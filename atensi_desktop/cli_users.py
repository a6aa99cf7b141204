"""Command-line login and the `atensi-desktop user …` subcommands (issue 8).

Login (`sign_in_from_args`, called by `cli._open`, the one function every command opens its context with):
once security is enabled (a local password exists) every command runs as a named user — `--user NAME` or
ATENSI_USER; the password from `--password-file F` (first line), ATENSI_PASSWORD, or a prompt on a terminal —
and obeys that user's permissions (a refused command exits 2 with the Indonesian message). Before any password
exists, commands run as before, without a user (first-run set-up).

`user add NAME --name "…" --role ROLE [--petugas ID] [--kantor ID] [--izin PERM …]`,
`user list [--json]`, `user disable NAME`, `user enable NAME`, `user role NAME ROLE`, `user grant NAME [PERM …]`,
`user passwd` (own) and `user passwd --reset NAME` (administrator), `user whoami`.
A *new* password (for `add` and `passwd`) comes from `--new-password-file F`, ATENSI_NEW_PASSWORD, or is asked
twice on a terminal. Before any password exists, `user add` creates the first administrator only.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from atensi_desktop.errors import UserError

ENV_USER, ENV_PASSWORD, ENV_NEW_PASSWORD = "ATENSI_USER", "ATENSI_PASSWORD", "ATENSI_NEW_PASSWORD"


def add_login_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """`--user` and `--password-file`, accepted before or after the subcommand (like --db)."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--user", metavar="NAMA", default=default,
                        help="nama pengguna (juga ATENSI_USER); wajib setelah ada kata sandi pertama")
    parser.add_argument("--password-file", metavar="FILE", default=default,
                        help="kata sandi dari baris pertama FILE (juga ATENSI_PASSWORD; tanpa keduanya: ditanyakan)")


def _read_first_line(path: str, flag: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise UserError(f"File {flag} {path!r} tidak bisa dibaca: {err.strerror or err}.") from err
    return text.splitlines()[0] if text else ""


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _login_password(args: argparse.Namespace) -> str:
    path = getattr(args, "password_file", None)
    if path:
        return _read_first_line(path, "--password-file")
    if os.environ.get(ENV_PASSWORD):
        return os.environ[ENV_PASSWORD]
    if _interactive():
        return getpass.getpass("Kata sandi: ")
    raise UserError("Kata sandi belum diberikan.",
                    hint="Pakai --password-file FILE atau ATENSI_PASSWORD, atau jalankan di terminal.")


def sign_in_from_args(ctx, args: argparse.Namespace, *, allow_must_change: bool = False):
    """Sign the command's user in on `ctx.db` when security is enabled; close `ctx` and raise when refused."""
    from atensi_desktop.security.auth import authenticate, security_enabled, sign_in

    try:
        if not security_enabled(ctx.db):
            return ctx
        username = getattr(args, "user", None) or os.environ.get(ENV_USER, "")
        if not username and _interactive():
            username = input("Nama pengguna: ").strip()
        if not username:
            raise UserError("Perintah ini perlu nama pengguna.",
                            hint="Pakai --user NAMA atau ATENSI_USER (dan kata sandinya).")
        actor = authenticate(ctx.db, username, _login_password(args))
        if actor.must_change_password and not allow_must_change:
            raise UserError(f"Kata sandi {actor.username} direset administrator dan harus diganti dulu.",
                            hint="Jalankan: atensi-desktop user passwd --user " + actor.username)
        sign_in(ctx.db, actor)
    except BaseException:
        ctx.close()
        raise
    return ctx


# ------------------------------------------------------------------------------------------- commands
def add_user_commands(sub: argparse._SubParsersAction, global_options: Callable, parser_class: type) -> None:
    from atensi_desktop.security.roles import PERMISSIONS, ROLES

    p_user = sub.add_parser("user", help="pengguna aplikasi: tambah, daftar, nonaktifkan, kata sandi")
    usub = p_user.add_subparsers(dest="user_command", metavar="PERINTAH", parser_class=parser_class, required=True)

    def new_password_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--new-password-file", metavar="FILE",
                       help="kata sandi baru dari baris pertama FILE (juga ATENSI_NEW_PASSWORD; tanpa keduanya: "
                            "ditanyakan dua kali)")

    p = usub.add_parser("add", help="tambah pengguna (sebelum ada kata sandi: administrator pertama)")
    global_options(p, suppress=True)
    p.add_argument("username", metavar="NAMA_PENGGUNA")
    p.add_argument("--name", metavar="NAMA", required=True, help="nama lengkap")
    p.add_argument("--role", metavar="PERAN", required=True, choices=ROLES, help=", ".join(ROLES))
    p.add_argument("--petugas", metavar="ID", help="ID petugas (pendamping) orang ini; wajib untuk tks")
    p.add_argument("--kantor", metavar="ID", help="ID kantor pengguna (bawaan: kantor instalasi ini)")
    p.add_argument("--izin", metavar="IZIN", nargs="+", default=[], choices=PERMISSIONS,
                   help="izin tambahan di luar peran, mis. sensitive.view")
    new_password_option(p)
    p.set_defaults(handler=cmd_add)

    p = usub.add_parser("list", help="daftar pengguna")
    global_options(p, suppress=True)
    p.add_argument("--json", action="store_true", help="keluaran JSON")
    p.set_defaults(handler=cmd_list)

    for name, handler, text in (("disable", cmd_disable, "nonaktifkan pengguna (tidak bisa masuk lagi)"),
                                ("enable", cmd_enable, "aktifkan lagi pengguna")):
        p = usub.add_parser(name, help=text)
        global_options(p, suppress=True)
        p.add_argument("username", metavar="NAMA_PENGGUNA")
        p.set_defaults(handler=handler)

    p = usub.add_parser("role", help="ganti peran pengguna")
    global_options(p, suppress=True)
    p.add_argument("username", metavar="NAMA_PENGGUNA")
    p.add_argument("role", metavar="PERAN", choices=ROLES, help=", ".join(ROLES))
    p.set_defaults(handler=cmd_role)

    p = usub.add_parser("grant", help="atur izin tambahan pengguna (tanpa IZIN: hapus semua)")
    global_options(p, suppress=True)
    p.add_argument("username", metavar="NAMA_PENGGUNA")
    p.add_argument("perms", metavar="IZIN", nargs="*", choices=PERMISSIONS)
    p.set_defaults(handler=cmd_grant)

    p = usub.add_parser("passwd", help="ganti kata sandi sendiri, atau --reset NAMA (administrator)")
    global_options(p, suppress=True)
    p.add_argument("--reset", metavar="NAMA_PENGGUNA",
                   help="setel kata sandi sementara pengguna lain; ia harus menggantinya saat masuk")
    new_password_option(p)
    p.set_defaults(handler=cmd_passwd)

    p = usub.add_parser("whoami", help="pengguna yang sedang masuk dan perannya")
    global_options(p, suppress=True)
    p.set_defaults(handler=cmd_whoami)


def _new_password(args: argparse.Namespace) -> str:
    path = getattr(args, "new_password_file", None)
    if path:
        return _read_first_line(path, "--new-password-file")
    if os.environ.get(ENV_NEW_PASSWORD):
        return os.environ[ENV_NEW_PASSWORD]
    if _interactive():
        first = getpass.getpass("Kata sandi baru: ")
        if getpass.getpass("Ulangi kata sandi baru: ") != first:
            raise UserError("Kedua kata sandi baru tidak sama.", hint="Ulangi perintahnya.")
        return first
    raise UserError("Kata sandi baru belum diberikan.",
                    hint="Pakai --new-password-file FILE atau ATENSI_NEW_PASSWORD, atau jalankan di terminal.")


def _uuid(text: str | None, flag: str) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text.strip())
    except ValueError as err:
        raise UserError(f"{flag} {text!r} bukan ID yang sah.", hint="Salin ID dari 'worker list'.") from err


def cmd_add(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import _open
    from atensi_desktop.security import auth
    from atensi_desktop.security.roles import ADMIN, USER_MANAGE, require, role_label
    from atensi_desktop.security.users import add_user

    worker_id, office_id = _uuid(args.petugas, "--petugas"), _uuid(args.kantor, "--kantor")
    ctx = _open(args)
    try:
        if not auth.security_enabled(ctx.db):
            if args.role != ADMIN:
                raise UserError("Belum ada pengguna: buat administrator pertama dulu.",
                                hint=f"atensi-desktop user add NAMA --name \"Nama Lengkap\" --role {ADMIN}")
            actor = auth.create_first_admin(ctx.db, username=args.username, name=args.name,
                                            password=_new_password(args), worker_id=worker_id)
            print(f"Administrator pertama dibuat: {actor.username} ({actor.name}). "
                  "Mulai sekarang setiap perintah perlu --user dan kata sandi.")
            return 0
        require(ctx.db, USER_MANAGE)  # refused before a new password is asked for
        dto = add_user(ctx.db, username=args.username, name=args.name, role=args.role,
                       password=_new_password(args), office_id=office_id, worker_id=worker_id, grants=args.izin)
    finally:
        ctx.close()
    print(f"Pengguna ditambahkan: {dto.username} ({dto.name}), peran {role_label(dto.role)}.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import _open
    from atensi_desktop.security.users import list_users

    ctx = _open(args)
    try:
        rows = list_users(ctx.db)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps([{
            "id": str(u.id), "username": u.username, "name": u.name, "role": u.role,
            "office_id": str(u.office_id) if u.office_id else None,
            "worker_id": str(u.worker_id) if u.worker_id else None, "grants": list(u.grants),
            "active": u.active, "has_password": u.has_password, "must_change_password": u.must_change_password,
        } for u in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("Belum ada pengguna.")
        return 0
    for u in rows:
        marks = [m for m, on in (("aktif" if u.active else "nonaktif", True),
                                 ("belum punya kata sandi di sini", not u.has_password),
                                 ("harus ganti kata sandi", u.must_change_password)) if on]
        print("\t".join([u.username, u.name, u.role, ",".join(u.grants), "; ".join(marks)]))
    return 0


def _simple(args: argparse.Namespace, call: Callable, done: str) -> int:
    from atensi_desktop.cli import _open

    ctx = _open(args)
    try:
        dto = call(ctx.db)
    finally:
        ctx.close()
    print(done.format(u=dto, grants=", ".join(dto.grants) or "tidak ada"))
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    from atensi_desktop.security.users import disable_user

    return _simple(args, lambda db: disable_user(db, args.username), "Pengguna {u.username} dinonaktifkan.")


def cmd_enable(args: argparse.Namespace) -> int:
    from atensi_desktop.security.users import enable_user

    return _simple(args, lambda db: enable_user(db, args.username), "Pengguna {u.username} aktif lagi.")


def cmd_role(args: argparse.Namespace) -> int:
    from atensi_desktop.security.users import set_role

    return _simple(args, lambda db: set_role(db, args.username, args.role),
                   "Peran {u.username} sekarang {u.role_label}.")


def cmd_grant(args: argparse.Namespace) -> int:
    from atensi_desktop.security.users import set_grants

    return _simple(args, lambda db: set_grants(db, args.username, args.perms),
                   "Izin tambahan {u.username}: {grants}.")


def cmd_passwd(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import _open
    from atensi_desktop.security import auth
    from atensi_desktop.security.roles import USER_MANAGE, current_actor, require

    ctx = _open(args, allow_must_change=not args.reset)
    try:
        if args.reset:
            require(ctx.db, USER_MANAGE)  # refused before a new password is asked for
            auth.reset_password(ctx.db, args.reset, _new_password(args))
            print(f"Kata sandi {auth.normalize_username(args.reset)} disetel; ia harus menggantinya saat masuk.")
            return 0
        actor = current_actor(ctx.db)
        if actor is None:
            raise UserError("Belum ada pengguna dengan kata sandi.",
                            hint="Buat administrator pertama: atensi-desktop user add NAMA --role administrator")
        auth.change_password(ctx.db, _login_password(args), _new_password(args))
    finally:
        ctx.close()
    print(f"Kata sandi {actor.username} diganti.")
    return 0


def cmd_whoami(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import _open
    from atensi_desktop.security.roles import current_actor

    ctx = _open(args)
    try:
        actor = current_actor(ctx.db)
    finally:
        ctx.close()
    if actor is None:
        print("Belum ada pengguna (keamanan belum aktif).")
        return 0
    perms = ", ".join(sorted(actor.permissions))
    print(f"{actor.username}\t{actor.name}\t{actor.role}\t{perms}")
    return 0
