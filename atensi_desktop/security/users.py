"""The user directory for administrators: list, add, disable/enable, role and personal grants (USER_MANAGE).

Users live in the synced table `app_user` (every office learns who is who); passwords live in the local table
`user_credential` (never synced). `UserDTO.has_password` says whether the user can sign in *here*: a user added
at another office arrives without one, and an administrator of this installation sets it with
`auth.reset_password` (the user then chooses their own at the first sign-in).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from atensi_desktop.db.base import utcnow
from atensi_desktop.db.models import User, UserCredential, Worker
from atensi_desktop.errors import NotFoundError, UserError
from atensi_desktop.i18n import _
from atensi_desktop.security.auth import _admins_with_password, check_username, find_user, normalize_username
from atensi_desktop.security.passwords import check_password_rules, hash_password
from atensi_desktop.security.roles import (
    ADMIN,
    ASSIGNED_ONLY_ROLES,
    USER_MANAGE,
    check_grants,
    check_role,
    current_actor,
    require,
    role_label,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from atensi_desktop.db.engine import Database


@dataclass(frozen=True)
class UserDTO:
    id: uuid.UUID
    username: str
    name: str
    role: str
    role_label: str
    office_id: uuid.UUID | None
    worker_id: uuid.UUID | None
    grants: tuple[str, ...]
    active: bool
    has_password: bool  # may sign in on this installation
    must_change_password: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None


def _to_dto(user: User, cred: UserCredential | None) -> UserDTO:
    return UserDTO(id=user.id, username=user.username or "", name=user.name, role=user.role or "",
                   role_label=role_label(user.role), office_id=user.office_id, worker_id=user.worker_id,
                   grants=tuple(sorted(user.grants or ())), active=bool(user.active), has_password=cred is not None,
                   must_change_password=bool(cred and cred.must_change),
                   locked_until=cred.locked_until if cred else None,
                   last_login_at=cred.last_login_at if cred else None)


def list_users(db: Database, *, include_disabled: bool = True) -> list[UserDTO]:
    """Every user with a user name, by user name (the installation's placeholder user is not listed)."""
    require(db, USER_MANAGE)
    with db.session() as s:
        stmt = select(User, UserCredential).outerjoin(UserCredential, UserCredential.user_id == User.id).where(
            User.deleted.is_(False), User.username.is_not(None)).order_by(User.username, User.created_at)
        if not include_disabled:
            stmt = stmt.where(User.active.is_(True))
        return [_to_dto(u, c) for u, c in s.execute(stmt).all()]


def get_user(db: Database, username: str) -> UserDTO:
    require(db, USER_MANAGE)
    with db.session() as s:
        user = _load(s, username)
        return _to_dto(user, s.get(UserCredential, user.id))


def _load(s: Session, username: str) -> User:
    user = find_user(s, username)
    if user is None:
        raise NotFoundError(_("Pengguna {name} tidak ditemukan.").format(name=repr(username)),
                            hint=_("Lihat daftar: atensi-desktop user list"))
    return user


def _check_worker(s: Session, worker_id: uuid.UUID | None) -> None:
    if worker_id is None:
        return
    worker = s.get(Worker, worker_id)
    if worker is None or worker.deleted:
        raise UserError(_("Petugas {id} tidak ditemukan.").format(id=worker_id),
                        hint=_("Lihat daftar: atensi-desktop worker list"), field="worker_id")


def _check_assigned_role(role: str, worker_id: uuid.UUID | None) -> None:
    if role in ASSIGNED_ONLY_ROLES and worker_id is None:
        raise UserError(_("Pengguna dengan peran {role} perlu dihubungkan dengan data petugasnya.").format(
            role=role_label(role)),
            hint=_("Pilih petugas (pendamping) orang ini: ia hanya melihat klien yang ia dampingi."),
            field="worker_id")


def add_user(db: Database, *, username: str, name: str, role: str, password: str,
             office_id: uuid.UUID | None = None, worker_id: uuid.UUID | None = None,
             grants: Iterable[str] = (), must_change: bool = False) -> UserDTO:
    """Add a user with a password on this installation (office: this installation's office by default).
    `must_change`: the password is a first one the administrator chose; the user replaces it at the first
    sign-in (as after `auth.reset_password`)."""
    require(db, USER_MANAGE)
    key = check_username(username)
    name = " ".join((name or "").split())
    if not name:
        raise UserError(_("Nama lengkap wajib diisi."), field="name")
    check_role(role)
    granted = check_grants(grants)
    _check_assigned_role(role, worker_id)
    check_password_rules(password, username=key)
    password_hash = hash_password(password)
    with db.session() as s:
        if find_user(s, key) is not None:
            raise UserError(_("Nama pengguna {name} sudah dipakai.").format(name=key),
                            hint=_("Pilih nama pengguna lain, mis. dengan nama belakang."), field="username")
        _check_worker(s, worker_id)
        user = User(username=key, name=name, role=role, office_id=office_id or db.office_id, worker_id=worker_id,
                    grants=sorted(granted) or None, active=True)
        s.add(user)
        s.flush()
        cred = UserCredential(user_id=user.id, password_hash=password_hash, failed_count=0,
                              must_change=must_change, changed_at=utcnow())
        s.add(cred)
        return _to_dto(user, cred)


def _refuse_last_admin(s: Session, user: User, what: str) -> None:
    if user.role == ADMIN and user.active and s.get(UserCredential, user.id) is not None \
            and _admins_with_password(s) <= 1:
        raise UserError(_("{name} adalah administrator terakhir; tidak bisa {what}.").format(
            name=user.username, what=what), hint=_("Tambahkan administrator lain lebih dulu."))


def disable_user(db: Database, username: str) -> UserDTO:
    """The user can no longer sign in (anywhere the directory syncs to); history keeps their name."""
    actor = require(db, USER_MANAGE)
    with db.session() as s:
        user = _load(s, username)
        if actor is not None and user.id == actor.user_id:
            raise UserError(_("Anda tidak bisa menonaktifkan akun sendiri."),
                            hint=_("Minta administrator lain melakukannya."))
        _refuse_last_admin(s, user, _("dinonaktifkan"))
        user.active = False
        return _to_dto(user, s.get(UserCredential, user.id))


def enable_user(db: Database, username: str) -> UserDTO:
    require(db, USER_MANAGE)
    with db.session() as s:
        user = _load(s, username)
        user.active = True
        return _to_dto(user, s.get(UserCredential, user.id))


def set_role(db: Database, username: str, role: str) -> UserDTO:
    require(db, USER_MANAGE)
    check_role(role)
    with db.session() as s:
        user = _load(s, username)
        if role != ADMIN:
            _refuse_last_admin(s, user, _("diganti perannya"))
        _check_assigned_role(role, user.worker_id)
        user.role = role
        return _to_dto(user, s.get(UserCredential, user.id))


def set_grants(db: Database, username: str, grants: Iterable[str]) -> UserDTO:
    """Replace the user's personal grants (extra permissions on top of the role), e.g. SENSITIVE_VIEW."""
    require(db, USER_MANAGE)
    granted = check_grants(grants)
    with db.session() as s:
        user = _load(s, username)
        user.grants = sorted(granted) or None
        return _to_dto(user, s.get(UserCredential, user.id))


def set_worker(db: Database, username: str, worker_id: uuid.UUID | None) -> UserDTO:
    """Link the user to their worker (pendamping) record: TKS/relawan see the clients of that worker."""
    require(db, USER_MANAGE)
    with db.session() as s:
        user = _load(s, username)
        _check_worker(s, worker_id)
        _check_assigned_role(user.role or "", worker_id)
        user.worker_id = worker_id
        return _to_dto(user, s.get(UserCredential, user.id))


def signed_in_user(db: Database) -> UserDTO | None:
    """The signed-in user's own entry (no USER_MANAGE needed), or None when nobody is signed in."""
    actor = current_actor(db)
    if actor is None:
        return None
    with db.session() as s:
        user = s.get(User, actor.user_id)
        return _to_dto(user, s.get(UserCredential, user.id)) if user is not None else None


__all__ = ["UserDTO", "add_user", "disable_user", "enable_user", "get_user", "list_users", "normalize_username",
           "set_grants", "set_role", "set_worker", "signed_in_user"]
