"""Sign in and out, the first administrator, lockout, change and reset of passwords (issue 8).

- **Security is enabled** on an installation as soon as one local credential exists (`security_enabled`).
  Before that (a fresh installation) the app runs as it always did: no login, every call internal.
- **First run:** `needs_first_admin` is True while no password exists on this installation;
  `create_first_admin` then makes the first administrator (adopting the installation's placeholder user made by
  `office.setup_installation`, so earlier changes stay attributed to the same person) and is refused
  afterwards. It does not sign in: call `sign_in(db, actor)` with the actor it returns.
- **Signing in:** `authenticate` checks the password and returns the `Actor`; `sign_in` puts it on the database
  handle (`db.actor`, `db.user_id` so every ChangeSet records the user). Unknown user and wrong password give
  the same message. After `MAX_FAILURES` failures in a row the account waits `LOCK_SECONDS` before the next
  try (recorded in the local `user_credential` row, so a second window or the command line wait too).
- **Must change:** after an administrator's `reset_password` the user's `Actor.must_change_password` is True;
  every permission check refuses until `change_password` (the CLI allows only `user passwd`).
- **Idle lock** is the UI's job: it covers the window after `IDLE_LOCK_MINUTES` without input and asks for
  the password again (`authenticate` with the same user name); the actor stays signed in meanwhile.
- A user who reached this installation through sync (the user directory is synced, passwords are not) has no
  password here: an administrator of this installation sets one with `reset_password`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select

from atensi_desktop.db.base import utcnow
from atensi_desktop.db.engine import read_meta
from atensi_desktop.db.models import User, UserCredential
from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _
from atensi_desktop.security.passwords import check_password_rules, hash_password, verify_password
from atensi_desktop.security.roles import ACTOR_ATTR, ADMIN, USER_MANAGE, Actor, current_actor, require

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from atensi_desktop.db.engine import Database

MAX_FAILURES = 5
LOCK_SECONDS = 30
IDLE_LOCK_MINUTES = 10
WRONG_LOGIN = "Nama pengguna atau kata sandi salah."


@cache
def _dummy_hash() -> str:
    """Verified against when the user is unknown, so both refusals take the same time."""
    return hash_password("tidak-ada-pengguna-ini")


def normalize_username(username: str | None) -> str:
    return " ".join((username or "").split()).casefold()


def security_enabled(db: Database) -> bool:
    """Has this installation at least one local password (then every entry point must sign a user in)?"""
    with db.session() as s:
        return bool(s.scalar(select(exists().where(UserCredential.user_id.is_not(None)))))


def _admins_with_password(s: Session) -> int:
    return s.scalar(
        select(func.count()).select_from(User).join(UserCredential, UserCredential.user_id == User.id)
        .where(User.role == ADMIN, User.active.is_(True), User.deleted.is_(False))) or 0


def needs_first_admin(db: Database) -> bool:
    """True on a fresh installation: no password exists here yet, so the first one made is an administrator's.

    Not "no administrator left": if a peer office's sync ever disabled every local administrator, letting
    whoever sits at the machine create a new one would hand out the keys; an existing user still signs in.
    """
    return not security_enabled(db)


def find_user(s: Session, username: str, *, with_credential: bool = False) -> User | None:
    """The live user with this user name (case-insensitive); with a local password first when several."""
    key = normalize_username(username)
    if not key:
        return None
    rows = s.scalars(select(User).where(func.lower(User.username) == key, User.deleted.is_(False))
                     .order_by(User.created_at)).all()
    if with_credential:
        for row in rows:
            if s.get(UserCredential, row.id) is not None:
                return row
        return None
    return rows[0] if rows else None


def actor_for(user: User, credential: UserCredential | None) -> Actor:
    return Actor(user_id=user.id, username=user.username or "", name=user.name, role=user.role or "",
                 office_id=user.office_id, worker_id=user.worker_id, grants=frozenset(user.grants or ()),
                 must_change_password=bool(credential and credential.must_change))


def check_username(username: str) -> str:
    key = normalize_username(username)
    if not 2 <= len(key) <= 60 or not all(ch.isalnum() or ch in "._-" for ch in key):
        raise UserError(_("Nama pengguna {name} tidak sah.").format(name=repr(username or "")),
                        hint=_("Pakai 2 sampai 60 huruf kecil, angka, titik, garis bawah atau tanda hubung, "
                               "mis. 'siti.aminah'."), field="username")
    return key


def create_first_admin(db: Database, *, username: str, name: str, password: str,
                       worker_id: uuid.UUID | None = None) -> Actor:
    """Make the first administrator of this installation (refused once one exists). Does not sign in."""
    key = check_username(username)
    name = " ".join((name or "").split())
    if not name:
        raise UserError(_("Nama lengkap wajib diisi."), field="name")
    check_password_rules(password, username=key)
    password_hash = hash_password(password)
    with db.session() as s:
        if s.scalar(select(exists().where(UserCredential.user_id.is_not(None)))):
            raise UserError(_("Administrator pertama sudah dibuat."),
                            hint=_("Masuk sebagai administrator untuk menambah pengguna lain."))
        if find_user(s, key) is not None:
            raise UserError(_("Nama pengguna {name} sudah dipakai.").format(name=key), field="username")
        placeholder_id = read_meta(s, "user_id")
        user = s.get(User, uuid.UUID(placeholder_id)) if placeholder_id else None
        if user is None or user.username is not None or user.deleted:
            user = User(name=name, office_id=db.office_id)
            s.add(user)
        user.username, user.name, user.role, user.active = key, name, ADMIN, True
        if worker_id is not None:
            user.worker_id = worker_id
        if user.office_id is None:
            user.office_id = db.office_id
        s.flush()
        cred = UserCredential(user_id=user.id, password_hash=password_hash, failed_count=0, must_change=False,
                              changed_at=utcnow())
        s.add(cred)
        return actor_for(user, cred)


def _as_aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def authenticate(db: Database, username: str, password: str) -> Actor:
    """Check a user name and password on this installation and return the Actor (not yet signed in)."""
    refusal: UserError | None = None
    with db.session() as s:
        user = find_user(s, username, with_credential=True)
        cred = s.get(UserCredential, user.id) if user is not None else None
        if user is None or cred is None:
            verify_password(_dummy_hash(), password or "")
            raise UserError(_(WRONG_LOGIN), hint=_("Periksa ejaan dan huruf besar-kecil kata sandi."))
        now = utcnow()
        locked_until = _as_aware(cred.locked_until)
        if locked_until is not None and locked_until > now:
            wait = max(1, int((locked_until - now).total_seconds() + 0.999))
            raise UserError(_("Terlalu banyak percobaan masuk yang salah."),
                            hint=_("Tunggu {n} detik, lalu coba lagi.").format(n=wait))
        if not verify_password(cred.password_hash, password or ""):
            cred.failed_count = (cred.failed_count or 0) + 1
            if cred.failed_count >= MAX_FAILURES:
                cred.locked_until = now + dt.timedelta(seconds=LOCK_SECONDS)
                refusal = UserError(_(WRONG_LOGIN), hint=_(
                    "Sudah {n} kali salah: tunggu {s} detik sebelum mencoba lagi.").format(
                        n=cred.failed_count, s=LOCK_SECONDS))
            else:
                refusal = UserError(_(WRONG_LOGIN), hint=_("Periksa ejaan dan huruf besar-kecil kata sandi."))
        elif not user.active:
            refusal = UserError(_("Akun {name} dinonaktifkan.").format(name=user.username),
                                hint=_("Hubungi administrator kantor bila Anda masih perlu memakai aplikasi."))
        else:
            cred.failed_count, cred.locked_until, cred.last_login_at = 0, None, now
            actor = actor_for(user, cred)
    if refusal is not None:  # raised after the session committed the failure count
        raise refusal
    return actor


def sign_in(db: Database, actor: Actor) -> None:
    """Make `actor` the person acting on `db`: permission checks and every ChangeSet use it from now on."""
    setattr(db, ACTOR_ATTR, actor)
    db.user_id = actor.user_id
    if db.office_id is None:
        db.office_id = actor.office_id


def sign_out(db: Database) -> None:
    """Forget the signed-in actor. Entry points must not call services for a person while nobody is signed
    in: without an actor a call is internal and allowed (see security.roles)."""
    setattr(db, ACTOR_ATTR, None)
    with db.session() as s:
        placeholder = read_meta(s, "user_id")
    db.user_id = uuid.UUID(placeholder) if placeholder else None


def change_password(db: Database, old: str, new: str) -> Actor:
    """The signed-in user changes their own password (the old one is checked); returns the updated actor."""
    actor = current_actor(db)
    if actor is None:
        raise UserError(_("Belum ada pengguna yang masuk."), hint=_("Masuk dulu, lalu ganti kata sandi."))
    check_password_rules(new, username=actor.username)
    if old == new:
        raise UserError(_("Kata sandi baru harus berbeda dari yang lama."), field="password")
    new_hash = hash_password(new)
    with db.session() as s:
        cred = s.get(UserCredential, actor.user_id)
        if cred is None or not verify_password(cred.password_hash, old or ""):
            raise UserError(_("Kata sandi lama salah."), field="old_password")
        cred.password_hash, cred.must_change, cred.changed_at = new_hash, False, utcnow()
        cred.failed_count, cred.locked_until = 0, None
    updated = replace(actor, must_change_password=False)
    sign_in(db, updated)
    _rewrap_database_key(db, actor.username, new)
    return updated


def _rewrap_database_key(db: Database, username: str, new: str) -> None:
    """An encrypted database unlocked by this user's password (db/crypto.py) follows the new password."""
    if db.dialect != "sqlite" or not db.url.database or db.url.database == ":memory:":
        return
    from pathlib import Path

    from atensi_desktop.db.crypto import rewrap_password

    rewrap_password(Path(db.url.database), new, label=username)


def reset_password(db: Database, username: str, new: str) -> None:
    """An administrator sets a user's password on this installation (also for a user who arrived by sync
    and has none here yet); the user must change it at the next sign-in. Clears a lockout."""
    require(db, USER_MANAGE)
    key = normalize_username(username)
    check_password_rules(new, username=key)
    new_hash = hash_password(new)
    with db.session() as s:
        user = find_user(s, key)
        if user is None:
            raise UserError(_("Pengguna {name} tidak ditemukan.").format(name=repr(username)),
                            hint=_("Lihat daftar: atensi-desktop user list"))
        cred = s.get(UserCredential, user.id)
        if cred is None:
            cred = UserCredential(user_id=user.id, password_hash=new_hash, changed_at=utcnow())
            s.add(cred)
        cred.password_hash, cred.must_change, cred.changed_at = new_hash, True, utcnow()
        cred.failed_count, cred.locked_until = 0, None
