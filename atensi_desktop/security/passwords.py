"""Password hashing (argon2id) and the few rules a new password must meet.

Parameters: argon2id, time_cost=3, memory_cost=64 MiB, parallelism=2 (RFC 9106 / OWASP-strength). On the
development machine one hash or check takes about 0.09 s; on a slow 2-core laptop about 0.3 s, which a person
signing in does not notice and which makes guessing a stolen hash expensive. The parameters are stored in each
hash, so raising them later still verifies old hashes (`needs_rehash` tells when to store a new one).
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _

TIME_COST, MEMORY_COST_KIB, PARALLELISM = 3, 64 * 1024, 2
MIN_LENGTH, MAX_LENGTH = 8, 200

_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM,
                         hash_len=32, salt_len=16, type=Type.ID)


def hash_password(password: str) -> str:
    """An argon2id hash string ($argon2id$v=19$m=65536,t=3,p=2$salt$hash) with a fresh random salt."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Does `password` match the stored hash? False for a wrong password or a damaged hash, never raises."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def check_password_rules(password: str, *, username: str | None = None) -> str:
    """Refuse a password that is too short, only digits, or the user name; return it unchanged."""
    pw = password or ""
    if len(pw) < MIN_LENGTH:
        raise UserError(_("Kata sandi terlalu pendek: paling sedikit {n} karakter.").format(n=MIN_LENGTH),
                        hint=_("Pakai kalimat pendek yang mudah Anda ingat, mis. 'kopi pagi di balai'."),
                        field="password")
    if len(pw) > MAX_LENGTH:
        raise UserError(_("Kata sandi terlalu panjang: paling banyak {n} karakter.").format(n=MAX_LENGTH),
                        field="password")
    if pw.isdigit():
        raise UserError(_("Kata sandi tidak boleh hanya angka."),
                        hint=_("Tambahkan huruf; tanggal lahir mudah ditebak orang lain."), field="password")
    if username and pw.strip().casefold() == username.strip().casefold():
        raise UserError(_("Kata sandi tidak boleh sama dengan nama pengguna."), field="password")
    return password
