"""Login, first administrator, lockout, password change/reset and the user directory (issue 8)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from atensi_desktop.db.models import ChangeSet, User, UserCredential
from atensi_desktop.errors import UserError
from atensi_desktop.security import auth, users
from atensi_desktop.security.passwords import check_password_rules, hash_password, verify_password
from atensi_desktop.security.roles import (
    ADMIN,
    OPERATOR,
    PEKSOS,
    SENSITIVE_VIEW,
    TKS,
    PermissionDenied,
    current_actor,
)
from atensi_desktop.services.office import OfficeInput, setup_installation
from atensi_desktop.services.workers import WorkerInput, create_worker

PW = "kopi pagi di balai"


def _admin(db):
    actor = auth.create_first_admin(db, username="Admin", name="Siti Aminah", password=PW)
    auth.sign_in(db, actor)
    return actor


def test_hash_is_argon2id_and_verifies_only_the_right_password():
    h = hash_password(PW)
    assert h.startswith("$argon2id$") and "m=65536,t=3,p=2" in h
    assert verify_password(h, PW)
    assert not verify_password(h, PW + "x")
    assert not verify_password("not a hash", PW)
    assert hash_password(PW) != h  # fresh salt


@pytest.mark.parametrize("bad", ["pendek", "12345678901", "budi.s", "BUDI.S  "])
def test_password_rules_refuse_short_digits_and_username(bad):
    with pytest.raises(UserError):
        check_password_rules(bad.strip(), username="budi.s")
    assert check_password_rules("budi suka teh", username="budi.s") == "budi suka teh"


def test_fresh_installation_has_no_security_and_needs_a_first_admin(db):
    assert not auth.security_enabled(db)
    assert auth.needs_first_admin(db)
    assert current_actor(db) is None


def test_first_admin_adopts_the_installation_user_and_is_made_once(db):
    setup = setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan",
                                               office_type="dinas_sosial", wilayah_code="63.06"))
    actor = auth.create_first_admin(db, username=" Admin ", name="Siti Aminah", password=PW)
    assert actor.user_id == setup.user_id  # earlier changes stay attributed to the same person
    assert (actor.username, actor.role, actor.office_id) == ("admin", ADMIN, setup.office.id)
    assert auth.security_enabled(db) and not auth.needs_first_admin(db)
    with pytest.raises(UserError, match="sudah dibuat"):
        auth.create_first_admin(db, username="admin2", name="Lain", password=PW)


def test_authenticate_signs_in_and_changesets_record_the_user(db):
    _admin(db)
    auth.sign_out(db)
    assert current_actor(db) is None
    actor = auth.authenticate(db, "ADMIN", PW)
    auth.sign_in(db, actor)
    assert current_actor(db) == actor and db.user_id == actor.user_id
    create_worker(db, WorkerInput(name="Rahmat", worker_type="pekerja_sosial"))
    with db.session() as s:
        last = s.scalars(select(ChangeSet).order_by(ChangeSet.hlc.desc())).first()
    assert last.user_id == actor.user_id


def test_unknown_user_and_wrong_password_get_the_same_message(db):
    _admin(db)
    with pytest.raises(UserError) as unknown:
        auth.authenticate(db, "nobody", PW)
    with pytest.raises(UserError) as wrong:
        auth.authenticate(db, "admin", "salah sekali")
    assert unknown.value.message == wrong.value.message == "Nama pengguna atau kata sandi salah."


def test_five_failures_make_the_account_wait_even_for_the_right_password(db):
    _admin(db)
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(UserError):
            auth.authenticate(db, "admin", "salah sekali")
    with pytest.raises(UserError, match="Terlalu banyak"):
        auth.authenticate(db, "admin", PW)
    with db.session() as s:  # the wait is over
        cred = s.scalar(select(UserCredential))
        cred.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert auth.authenticate(db, "admin", PW).username == "admin"
    with db.session() as s:
        assert s.scalar(select(UserCredential.failed_count)) == 0


def test_disabled_user_is_refused_with_its_own_message(db):
    _admin(db)
    users.add_user(db, username="budi", name="Budi", role=PEKSOS, password=PW)
    users.disable_user(db, "budi")
    with pytest.raises(UserError, match="dinonaktifkan"):
        auth.authenticate(db, "budi", PW)
    users.enable_user(db, "budi")
    assert auth.authenticate(db, "budi", PW).role == PEKSOS


def test_change_own_password_checks_the_old_one(db):
    _admin(db)
    with pytest.raises(UserError, match="lama salah"):
        auth.change_password(db, "bukan ini", "teh manis sore hari")
    with pytest.raises(UserError):
        auth.change_password(db, PW, "1234567890")
    auth.change_password(db, PW, "teh manis sore hari")
    with pytest.raises(UserError):
        auth.authenticate(db, "admin", PW)
    assert auth.authenticate(db, "admin", "teh manis sore hari").role == ADMIN


def test_reset_by_admin_forces_a_change_before_anything_else(db):
    _admin(db)
    users.add_user(db, username="budi", name="Budi", role=PEKSOS, password=PW)
    auth.reset_password(db, "budi", "sementara saja 1")
    budi = auth.authenticate(db, "budi", "sementara saja 1")
    assert budi.must_change_password
    auth.sign_in(db, budi)
    with pytest.raises(PermissionDenied, match="harus diganti"):
        users.list_users(db)
    updated = auth.change_password(db, "sementara saja 1", "kata sandi budi sendiri")
    assert not updated.must_change_password and current_actor(db) == updated
    assert users.signed_in_user(db).username == "budi"


def test_only_an_administrator_manages_users(db):
    _admin(db)
    users.add_user(db, username="op", name="Operator Satu", role=OPERATOR, password=PW)
    auth.sign_in(db, auth.authenticate(db, "op", PW))
    with pytest.raises(PermissionDenied, match="tidak berhak mengelola pengguna") as err:
        users.add_user(db, username="x1", name="X", role=OPERATOR, password=PW)
    assert "Administrator" in str(err.value)
    for call in (lambda: users.list_users(db), lambda: users.disable_user(db, "admin"),
                 lambda: auth.reset_password(db, "admin", "baru sekali ya"),
                 lambda: users.set_role(db, "op", ADMIN), lambda: users.set_grants(db, "op", [SENSITIVE_VIEW])):
        with pytest.raises(PermissionDenied):
            call()


def test_user_directory_add_list_role_grants_and_last_admin(db):
    admin = _admin(db)
    worker = create_worker(db, WorkerInput(name="Rina", worker_type="tks"))
    with pytest.raises(UserError, match="petugas"):
        users.add_user(db, username="rina", name="Rina", role=TKS, password=PW)
    dto = users.add_user(db, username="rina", name="Rina", role=TKS, password=PW, worker_id=worker.id)
    assert dto.has_password and dto.role == TKS and dto.worker_id == worker.id
    with pytest.raises(UserError, match="sudah dipakai"):
        users.add_user(db, username="RINA", name="Rina Dua", role=OPERATOR, password=PW)
    with pytest.raises(UserError, match="tidak dikenal"):
        users.add_user(db, username="x2", name="X", role="superuser", password=PW)
    with pytest.raises(UserError, match="tidak dikenal"):
        users.set_grants(db, "rina", ["semua"])
    assert users.set_grants(db, "rina", [SENSITIVE_VIEW]).grants == (SENSITIVE_VIEW,)
    assert SENSITIVE_VIEW in auth.authenticate(db, "rina", PW).grants
    assert [u.username for u in users.list_users(db)] == ["admin", "rina"]
    with pytest.raises(UserError, match="akun sendiri"):
        users.disable_user(db, "admin")
    with pytest.raises(UserError, match="administrator terakhir"):
        users.set_role(db, "admin", PEKSOS)
    users.set_role(db, "rina", ADMIN)
    users.set_role(db, "admin", PEKSOS)  # another administrator exists now
    assert admin.user_id in {u.id for u in users.list_users(db) if u.role == PEKSOS}


def test_a_synced_user_without_a_local_password_needs_a_reset_here(db):
    _admin(db)
    with db.session() as s:  # as if it arrived by sync from another office: directory row, no credential
        s.add(User(username="dari.kantor.lain", name="Tamu", role=PEKSOS, active=True))
    with pytest.raises(UserError, match="salah"):
        auth.authenticate(db, "dari.kantor.lain", PW)
    listed = {u.username: u for u in users.list_users(db)}
    assert not listed["dari.kantor.lain"].has_password
    auth.reset_password(db, "dari.kantor.lain", "sementara saja 2")
    assert auth.authenticate(db, "dari.kantor.lain", "sementara saja 2").must_change_password
