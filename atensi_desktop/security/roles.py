"""Roles, permissions and the one check every engine service calls (issue 8; UU 27/2022 PDP Pasal 4, 35).

Who is acting
-------------
The person acting on a database is an `Actor`, set by an entry point (the command line after its login, the
GUI after its login screen) with `security.auth.sign_in(db, actor)` and read back with `current_actor(db)`.

**The rule for internal calls:** when `current_actor(db)` is None the call is *internal* — engine tests,
migrations, demo data, the first-run set-up before any password exists — and every check allows it. Once
security is enabled on an installation (at least one local credential exists, `auth.security_enabled`),
every entry point (CLI, UI) signs a user in before it calls a service, so from then on every service call
made for a person carries an actor and is checked. The checks live here and in the services, never only in
a screen, so the command line obeys exactly the same rules as the UI.

Checks
------
- `require(db, perm, client_id=...)` raises `PermissionDenied` (a UserError: the command line exits 2 with
  its message); `can(...)` answers True/False for a UI that hides what is refused.
- A permission comes from the actor's role (`ROLE_PERMISSIONS`) or from a personal grant (`Actor.grants`,
  set by an administrator with `users.set_grants`), e.g. `SENSITIVE_VIEW` for one trusted relawan.
- With `client_id`, the client must also be in the actor's reach (`security.scope.client_in_reach`): in
  their office's scope and, for TKS/relawan, assigned to them (a live case whose worker is theirs).
- Sensitive details (health, disability, criminal record: PDP Pasal 4) are named once, in
  `SENSITIVE_CLIENT_FIELDS`, `SENSITIVE_SECTIONS` and `SENSITIVE_QUESTIONS` below; services blank them for an
  actor without `SENSITIVE_VIEW` and refuse edits to them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from atensi_desktop.errors import UserError
from atensi_desktop.i18n import N_, _

if TYPE_CHECKING:
    from atensi_desktop.db.engine import Database

# ----------------------------------------------------------------------------------------------- roles
ADMIN = "administrator"
KEPALA = "kepala"
PEKSOS = "pekerja_sosial"
TKS = "tks"
OPERATOR = "operator"
ROLES = (ADMIN, KEPALA, PEKSOS, TKS, OPERATOR)

ROLE_LABELS = {
    ADMIN: N_("Administrator"),
    KEPALA: N_("Kepala / supervisor"),
    PEKSOS: N_("Pekerja sosial"),
    TKS: N_("TKS / relawan sosial"),
    OPERATOR: N_("Operator data"),
}

# ----------------------------------------------------------------------------------------- permissions
CLIENT_VIEW = "client.view"  # see and search clients (in reach), their cases, services, notes, tasks
CLIENT_CREATE = "client.create"  # register a new client or household
CLIENT_EDIT = "client.edit"  # change a client's data, household, documents, photo
CLIENT_MERGE = "client.merge"  # decide on possible duplicates and merge two records
CASE_EDIT = "case.edit"  # open/move/close cases; referrals, case notes, tasks, intervention plans
SERVICE_ADD = "service.add"  # record services and distributions (service log)
ASESMEN_EDIT = "asesmen.edit"  # start, fill, finish, reopen an asesmen
REPORT_PRINT = "report.print"  # print a case's or a client's report (asesmen, rencana, kasus, rujukan, ...)
REPORT_AGGREGATE = "report.aggregate"  # office-wide reports: SPM, bulanan, daftar klien, penerima
EXPORT_DATA = "data.export"  # client list to XLSX, canonical dump of personal data
IMPORT_DATA = "data.import"  # bulk client import from a spreadsheet
SYNC_EXPORT = "sync.export"  # write a sync bundle for peer offices
SYNC_IMPORT = "sync.import"  # merge a sync bundle from a peer office
SYNC_PEERS = "sync.peers"  # office card, add or revoke peer offices
USER_MANAGE = "user.manage"  # add, disable, re-role users, reset passwords, grants
WORKER_MANAGE = "worker.manage"  # add or change workers (pendamping)
OFFICE_SETTINGS = "office.settings"  # this installation's office identity, letter templates, wilayah list
SENSITIVE_VIEW = "sensitive.view"  # health, disability and criminal-record details (PDP Pasal 4)
AUDIT_VIEW = "audit.view"  # read the audit trail
BACKUP = "backup"  # make and restore backups
ALL_OFFICES = "office.all"  # see clients of every office in this database, not only one's own
PURGE_DATA = "data.purge"  # order a client's data erased or anonymised on a legal request (services/purge.py)

PERMISSION_LABELS = {
    CLIENT_VIEW: N_("melihat data klien"),
    CLIENT_CREATE: N_("mendaftarkan klien baru"),
    CLIENT_EDIT: N_("mengubah data klien"),
    CLIENT_MERGE: N_("menggabungkan data klien ganda"),
    CASE_EDIT: N_("mengubah kasus, rujukan, catatan dan tugas"),
    SERVICE_ADD: N_("mencatat layanan"),
    ASESMEN_EDIT: N_("mengisi asesmen"),
    REPORT_PRINT: N_("mencetak laporan kasus atau klien"),
    REPORT_AGGREGATE: N_("mencetak laporan kantor (SPM, bulanan, daftar klien)"),
    EXPORT_DATA: N_("mengekspor data pribadi klien"),
    IMPORT_DATA: N_("mengimpor data klien"),
    SYNC_EXPORT: N_("membuat berkas sinkronisasi"),
    SYNC_IMPORT: N_("mengimpor berkas sinkronisasi"),
    SYNC_PEERS: N_("mengelola kantor mitra sinkronisasi"),
    USER_MANAGE: N_("mengelola pengguna"),
    WORKER_MANAGE: N_("mengelola data petugas"),
    OFFICE_SETTINGS: N_("mengubah pengaturan kantor"),
    SENSITIVE_VIEW: N_("melihat rincian kesehatan, disabilitas dan catatan hukum"),
    AUDIT_VIEW: N_("melihat jejak audit"),
    BACKUP: N_("membuat dan memulihkan cadangan"),
    ALL_OFFICES: N_("melihat klien semua kantor"),
    PURGE_DATA: N_("menghapus atau menganonimkan data klien atas permintaan hukum"),
}
PERMISSIONS = tuple(PERMISSION_LABELS)

_CASEWORK = frozenset({CLIENT_VIEW, CLIENT_CREATE, CLIENT_EDIT, CLIENT_MERGE, CASE_EDIT, SERVICE_ADD,
                       ASESMEN_EDIT, REPORT_PRINT, REPORT_AGGREGATE, EXPORT_DATA, IMPORT_DATA, SENSITIVE_VIEW})

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # the office's system administrator: everything, every office's clients
    ADMIN: frozenset(PERMISSIONS),
    # head of the office / supervisor: all casework, sync with peers, the audit trail; no users, no settings
    KEPALA: _CASEWORK | {SYNC_EXPORT, SYNC_IMPORT, AUDIT_VIEW},
    # social worker: all casework in their office's scope
    PEKSOS: _CASEWORK,
    # TKS / relawan: only clients assigned to them; no health or criminal details unless granted
    TKS: frozenset({CLIENT_VIEW, CLIENT_EDIT, CASE_EDIT, SERVICE_ADD, ASESMEN_EDIT, REPORT_PRINT}),
    # data-entry operator: registers clients and services, imports lists; no casework, no reports, no exports
    OPERATOR: frozenset({CLIENT_VIEW, CLIENT_CREATE, CLIENT_EDIT, SERVICE_ADD, IMPORT_DATA}),
}
# Roles whose client reach is limited to clients assigned to them (their worker is a live case's worker).
ASSIGNED_ONLY_ROLES = frozenset({TKS})

# -------------------------------------------------------------------- sensitive details: the one place
# Client columns holding health/disability details (PDP Pasal 4 "data dan informasi kesehatan").
SENSITIVE_CLIENT_FIELDS = ("disability",)
# Asesmen sections and single questions ("section.question") with health, disability or criminal-record
# details (asesmen_umum.v1). The form files do not mark them; keep this list with the forms.
SENSITIVE_SECTIONS = frozenset({"fisik", "psikologis", "lansia", "disabilitas", "napza", "risiko"})
SENSITIVE_QUESTIONS = frozenset({
    "anak.abh", "anak.abh_status", "anak.abh_tahap", "anak.pola_asuh",
    "tuna_sosial_kpo.kpo_cara_direkrut", "tuna_sosial_kpo.kpo_lapor_polisi",
})


def role_label(role: str | None) -> str:
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else (role or _("(tanpa peran)"))


def permission_label(perm: str) -> str:
    return _(PERMISSION_LABELS[perm]) if perm in PERMISSION_LABELS else perm


def roles_with(perm: str) -> tuple[str, ...]:
    """The roles that have `perm` without a personal grant, in ROLES order."""
    return tuple(r for r in ROLES if perm in ROLE_PERMISSIONS[r])


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(_("Peran {role} tidak dikenal.").format(role=repr(role)),
                        hint=_("Pilih salah satu: {roles}.").format(roles=", ".join(ROLES)), field="role")
    return role


def check_grants(grants) -> frozenset[str]:
    out = frozenset(str(g).strip() for g in grants or () if str(g).strip())
    unknown = sorted(out - set(PERMISSIONS))
    if unknown:
        raise UserError(_("Izin {perm} tidak dikenal.").format(perm=", ".join(unknown)),
                        hint=_("Pilih dari: {perms}.").format(perms=", ".join(PERMISSIONS)), field="grants")
    return out


# ------------------------------------------------------------------------------------------- the actor
@dataclass(frozen=True)
class Actor:
    """The signed-in person. `must_change_password`: an administrator reset the password (auth.reset_password);
    the entry point asks for a new one before anything else (the CLI refuses all but `user passwd`)."""

    user_id: uuid.UUID
    username: str
    name: str
    role: str
    office_id: uuid.UUID | None = None
    worker_id: uuid.UUID | None = None
    grants: frozenset[str] = field(default_factory=frozenset)
    must_change_password: bool = False

    @property
    def permissions(self) -> frozenset[str]:
        return ROLE_PERMISSIONS.get(self.role, frozenset()) | self.grants

    def has(self, perm: str) -> bool:
        return perm in self.permissions

    @property
    def role_label(self) -> str:
        return role_label(self.role)


class PermissionDenied(UserError):
    """The signed-in user may not do this; the message names what and who may."""

    def __init__(self, message: str, *, hint: str | None = None, permission: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.permission = permission


ACTOR_ATTR = "actor"  # the attribute of Database holding the signed-in Actor (None: internal call)


def current_actor(db: Database) -> Actor | None:
    """The signed-in actor of this database handle, or None for an internal call (see the module docstring)."""
    return getattr(db, ACTOR_ATTR, None)


def _denied(actor: Actor, perm: str) -> PermissionDenied:
    who = ", ".join(role_label(r) for r in roles_with(perm)) or _("administrator")
    return PermissionDenied(
        _("Pengguna {user} ({role}) tidak berhak {what}.").format(
            user=actor.username, role=actor.role_label, what=permission_label(perm)),
        hint=_("Yang berhak: {who}; minta administrator bila perlu.").format(who=who), permission=perm)


def _out_of_reach(actor: Actor) -> PermissionDenied:
    if actor.role in ASSIGNED_ONLY_ROLES:
        hint = _("Sebagai {role} Anda hanya dapat membuka klien yang didampingi oleh Anda.").format(
            role=actor.role_label)
    else:
        hint = _("Klien ini milik kantor lain dan tidak dirujuk ke kantor Anda.")
    return PermissionDenied(_("Klien ini di luar jangkauan pengguna {user}.").format(user=actor.username),
                            hint=hint, permission=CLIENT_VIEW)


def can(db: Database, perm: str, *, client_id: uuid.UUID | None = None) -> bool:
    """May the current actor do `perm` (on this client)? Always True for internal calls."""
    actor = current_actor(db)
    if actor is None:
        return True
    if actor.must_change_password or not actor.has(perm):
        return False
    if client_id is None:
        return True
    from atensi_desktop.security.scope import client_in_reach

    return client_in_reach(db, actor, client_id)


def require(db: Database, perm: str, *, client_id: uuid.UUID | None = None) -> Actor | None:
    """Raise PermissionDenied unless the current actor may do `perm` (on this client); return the actor."""
    actor = current_actor(db)
    if actor is None:
        return None
    if actor.must_change_password:
        raise PermissionDenied(_("Kata sandi pengguna {user} direset administrator dan harus diganti dulu.").format(
            user=actor.username), hint=_("Ganti kata sandi: atensi-desktop user passwd"), permission=perm)
    if not actor.has(perm):
        raise _denied(actor, perm)
    if client_id is not None:
        from atensi_desktop.security.scope import client_in_reach

        if not client_in_reach(db, actor, client_id):
            raise _out_of_reach(actor)
    return actor


def sees_sensitive(db: Database) -> bool:
    """May the current actor see health, disability and criminal-record details?"""
    actor = current_actor(db)
    return actor is None or actor.has(SENSITIVE_VIEW)


def require_sensitive(db: Database) -> None:
    actor = current_actor(db)
    if actor is not None and not actor.has(SENSITIVE_VIEW):
        raise _denied(actor, SENSITIVE_VIEW)
