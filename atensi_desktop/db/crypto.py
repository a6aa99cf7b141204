"""Encryption at rest for a SQLite database (SQLCipher): key files, the key ring, and password-wrapped keys.

**Key.** A database is encrypted with a random 256-bit key, handed to SQLCipher as a raw key
(`PRAGMA key = "x'<64 hex>'"`, no PBKDF2 on every connection). The key lives in a **key file** (64 hex
characters and a newline, mode 0600) that the administrator keeps somewhere safe: losing every copy of the key
file (and the password wrap below) loses the data. The key never goes into a URL, a log or the database.

**Telling an encrypted file apart.** A plain SQLite file starts with the 16 bytes `SQLite format 3\\0`; a
SQLCipher file starts with a random salt. `is_encrypted_file` reads those bytes, so the opener knows it needs a
key before it touches the file.

**Unlocking with the administrator's password** (optional): the database key is wrapped by a key derived from
the password (Argon2id, RFC 9106's second recommended setting: t = 3, p = 4, m = 64 MiB) with
ChaCha20-Poly1305, and kept in a small sidecar file next to the database (`<database>.kunci.json`). Trade-off:
anyone who copies the database *and* the sidecar can try passwords offline, each guess costing one Argon2id
run (about 0.1–0.3 s and 64 MiB), so the protection is only as strong as the password; a key file kept
apart from the laptop is stronger. When the administrator changes the password while the database is open,
`rewrap_password` writes the new wrap from the key in memory (the old password is not needed).

**Where the opener finds the key** (`resolve_key`): a key given for this process (`use_key_file`, the
command line's `--key-file`), then the file named by ATENSI_DB_KEY_FILE, then a key remembered after an unlock
in this process, then the password prompt (when one is installed and a sidecar exists).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from atensi_desktop.errors import StorageError, UserError
from atensi_desktop.i18n import _

ENV_KEY_FILE = "ATENSI_DB_KEY_FILE"
KEY_BYTES = 32
SQLITE_MAGIC = b"SQLite format 3\x00"
SIDECAR_SUFFIX = ".kunci.json"
SIDECAR_FORMAT = "atensi-kunci-database"
SIDECAR_VERSION = 1
# RFC 9106 §4, second recommended option: t=3 passes, p=4 lanes, m=2^16 KiB (64 MiB).
ARGON2_TIME, ARGON2_LANES, ARGON2_MEMORY_KIB = 3, 4, 64 * 1024
PASSWORD_ATTEMPTS = 3

_process_key_file: Path | None = None
_remembered: dict[Path, bytes] = {}
_password_prompt: Callable[[Path], str | None] | None = None
_encrypt_requested = False


# --- key files ---------------------------------------------------------------------------------------------


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def pragma_key(key: bytes) -> str:
    """The PRAGMA that hands SQLCipher a raw 256-bit key (hex digits only: nothing to quote or inject)."""
    if len(key) != KEY_BYTES:
        raise ValueError("database key must be 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def _bad_key_file(path: Path) -> UserError:
    return UserError(
        _("File kunci database {path} tidak sah (harus berisi 64 angka heksadesimal).").format(path=path),
        hint=_("Pilih file kunci yang dibuat oleh 'atensi-desktop init --encrypt --key-file FILE'."),
    )


def read_key_file(path: str | os.PathLike[str]) -> bytes:
    """The key in a key file; a missing or malformed file is a UserError that says what to do."""
    source = Path(path).expanduser()
    try:
        text = source.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise UserError(
            _("File kunci database {path} tidak ditemukan.").format(path=source),
            hint=_("Periksa nama file kunci, atau pasang flashdisk tempat file kunci disimpan."),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad_key_file(source) from exc
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    try:
        key = bytes.fromhex(lines[-1]) if lines else b""
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise _bad_key_file(source)
    return key


def create_key_file(path: str | os.PathLike[str]) -> bytes:
    """Write a new random key to `path` (mode 0600, never over an existing file) and return it."""
    target = Path(path).expanduser().absolute()
    key = new_key()
    content = ("# Kunci database ATENSI Desktop. Simpan salinannya di tempat aman (bukan di laptop ini).\n"
               "# Tanpa file ini database terenkripsi tidak bisa dibuka.\n" + key.hex() + "\n").encode("ascii")
    from atensi_desktop.paths import create_private_file

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not create_private_file(target, content):  # never over an existing key file: use that one
            return read_key_file(target)
    except OSError as exc:
        raise StorageError(
            _("File kunci database tidak bisa dibuat: {path}.").format(path=target),
            hint=_("Periksa izin folder itu atau pilih folder lain."),
        ) from exc
    return key


def is_encrypted_file(path: Path | None) -> bool:
    """True when `path` is a non-empty file that does not start with the plain SQLite header."""
    if path is None:
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError:
        return False
    return bool(head) and head != SQLITE_MAGIC


# --- the key ring of this process --------------------------------------------------------------------------


def use_key_file(path: str | os.PathLike[str] | None) -> None:
    """The key file given on the command line (`--key-file`), for every database this process opens."""
    global _process_key_file
    _process_key_file = Path(path).expanduser() if path else None


def configure_command_line(key_file: str | os.PathLike[str] | None) -> None:
    """The command line's key sources: `--key-file`, and the password asked on the terminal (when there is one)."""
    global _encrypt_requested
    use_key_file(key_file)
    _encrypt_requested = False
    set_password_prompt(_terminal_prompt if sys.stdin is not None and sys.stdin.isatty() else None)


def _terminal_prompt(db_file: Path) -> str | None:
    import getpass

    try:
        return getpass.getpass(_("Kata sandi administrator untuk membuka {name}: ").format(name=db_file.name))
    except (EOFError, KeyboardInterrupt):
        return None


def request_encryption(requested: bool = True) -> None:
    """`init --encrypt`: the next database this process opens is created (or converted) encrypted."""
    global _encrypt_requested
    _encrypt_requested = requested


def encryption_requested() -> bool:
    return _encrypt_requested


def remember_key(db_file: Path, key: bytes) -> None:
    _remembered[db_file.resolve()] = key


def known_key(db_file: Path) -> bytes | None:
    """The key this process opened `db_file` with, if any."""
    return _remembered.get(db_file.resolve())


def forget_keys() -> None:
    """Drop every key this process remembered (tests; locking the app)."""
    global _process_key_file, _encrypt_requested
    _remembered.clear()
    _process_key_file = None
    _encrypt_requested = False


def set_password_prompt(prompt: Callable[[Path], str | None] | None) -> None:
    """Install how to ask the administrator's password (a terminal prompt, a dialog); None removes it."""
    global _password_prompt
    _password_prompt = prompt


def given_key_file() -> Path | None:
    """The key file named by `--key-file` or ATENSI_DB_KEY_FILE, if any."""
    if _process_key_file is not None:
        return _process_key_file
    env = os.environ.get(ENV_KEY_FILE, "").strip()
    return Path(env).expanduser() if env else None


def resolve_key(db_file: Path) -> bytes:
    """The key that opens the encrypted `db_file`; a UserError explains how to give it when there is none."""
    named = given_key_file()
    if named is not None:
        return read_key_file(named)
    remembered = _remembered.get(db_file.resolve())
    if remembered is not None:
        return remembered
    if sidecar_file(db_file).exists() and _password_prompt is not None:
        for attempt in range(PASSWORD_ATTEMPTS):
            password = _password_prompt(db_file)
            if not password:
                break
            try:
                key = unlock_with_password(db_file, password)
            except UserError:
                if attempt == PASSWORD_ATTEMPTS - 1:
                    raise
                continue
            remember_key(db_file, key)
            return key
    raise UserError(
        _("Database {path} terenkripsi dan perlu kuncinya.").format(path=db_file),
        hint=_("Jalankan dengan --key-file FILE (atau ATENSI_DB_KEY_FILE=FILE), atau buka dengan kata sandi "
               "administrator bila sudah diatur."),
    )


def wrong_key(db_file: Path | None) -> UserError:
    return UserError(
        _("Kunci database salah: database {path} tidak bisa dibuka dengan kunci ini.").format(path=db_file),
        hint=_("Pakai file kunci yang dibuat saat database ini dienkripsi (lihat salinan yang Anda simpan). "
               "Database tidak diubah."),
    )


# --- password wrap -----------------------------------------------------------------------------------------


def sidecar_file(db_file: Path) -> Path:
    return db_file.with_name(db_file.name + SIDECAR_SUFFIX)


def _kek(password: str, salt: bytes, *, time: int, lanes: int, memory_kib: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    return Argon2id(salt=salt, length=32, iterations=time, lanes=lanes, memory_cost=memory_kib).derive(
        password.encode("utf-8"))


def _aad(label: str, time: int, lanes: int, memory_kib: int) -> bytes:
    return f"{SIDECAR_FORMAT}|{SIDECAR_VERSION}|{label}|argon2id|{time}|{lanes}|{memory_kib}".encode()


def _read_sidecar(db_file: Path) -> dict:
    path = sidecar_file(db_file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            _("Database ini belum bisa dibuka dengan kata sandi administrator."),
            hint=_("Buka dengan --key-file FILE."),
        ) from None
    except (OSError, ValueError) as exc:
        raise StorageError(_("File kunci sandi {path} rusak.").format(path=path),
                           hint=_("Buka dengan --key-file FILE.")) from exc
    if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT or not isinstance(data.get("wraps"), list):
        raise StorageError(_("File kunci sandi {path} rusak.").format(path=path), hint=_("Buka dengan --key-file FILE."))
    return data


def add_password_unlock(db_file: Path, key: bytes, password: str, *, label: str = "admin",
                        time: int = ARGON2_TIME, lanes: int = ARGON2_LANES,
                        memory_kib: int = ARGON2_MEMORY_KIB) -> Path:
    """Wrap `key` with `password` under `label` in the sidecar (replacing that label's old wrap)."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    if len(password) < 8:
        raise UserError(_("Kata sandi administrator terlalu pendek (minimal 8 karakter)."), field="password")
    path = sidecar_file(db_file)
    try:
        data = _read_sidecar(db_file) if path.exists() else {"format": SIDECAR_FORMAT, "version": SIDECAR_VERSION,
                                                              "wraps": []}
    except StorageError:
        data = {"format": SIDECAR_FORMAT, "version": SIDECAR_VERSION, "wraps": []}
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    kek = _kek(password, salt, time=time, lanes=lanes, memory_kib=memory_kib)
    sealed = ChaCha20Poly1305(kek).encrypt(nonce, key, _aad(label, time, lanes, memory_kib))
    wrap = {"label": label, "kdf": "argon2id", "t": time, "p": lanes, "m_kib": memory_kib,
            "salt": base64.b64encode(salt).decode(), "nonce": base64.b64encode(nonce).decode(),
            "sealed": base64.b64encode(sealed).decode()}
    data["wraps"] = [w for w in data["wraps"] if isinstance(w, dict) and w.get("label") != label] + [wrap]
    from atensi_desktop.paths import atomic_write_bytes

    try:
        atomic_write_bytes(path, json.dumps(data, indent=1).encode("utf-8"))
        if os.name == "posix":
            os.chmod(path, 0o600)
    except OSError as exc:
        raise StorageError(_("File kunci sandi tidak bisa ditulis: {path}.").format(path=path),
                           hint=_("Periksa izin folder database.")) from exc
    return path


def unlock_with_password(db_file: Path, password: str) -> bytes:
    """The database key unwrapped by the administrator's password; a wrong password is a UserError."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    for wrap in _read_sidecar(db_file)["wraps"]:
        try:
            time, lanes, memory = int(wrap["t"]), int(wrap["p"]), int(wrap["m_kib"])
            salt, nonce, sealed = (base64.b64decode(wrap[k], validate=True) for k in ("salt", "nonce", "sealed"))
            kek = _kek(password, salt, time=time, lanes=lanes, memory_kib=memory)
            key = ChaCha20Poly1305(kek).decrypt(nonce, sealed, _aad(str(wrap["label"]), time, lanes, memory))
        except (InvalidTag, KeyError, TypeError, ValueError, binascii.Error):
            continue
        if len(key) == KEY_BYTES:
            return key
    raise UserError(_("Kata sandi administrator salah; database tetap terkunci."),
                    hint=_("Coba lagi, atau buka dengan file kunci (--key-file FILE)."), field="password")


def rewrap_password(db_file: Path, new_password: str, *, label: str = "admin") -> Path | None:
    """Hook for a password change: re-wrap the key this process holds for `db_file` with the new password.

    Does nothing (returns None) when the database is not encrypted or has no password wrap.
    """
    key = _remembered.get(db_file.resolve())
    if key is None or not sidecar_file(db_file).exists():
        return None
    try:
        labels = {w.get("label") for w in _read_sidecar(db_file).get("wraps", []) if isinstance(w, dict)}
    except StorageError:
        return None
    if label not in labels:  # only a password that already unlocks the database is re-wrapped
        return None
    return add_password_unlock(db_file, key, new_password, label=label)
