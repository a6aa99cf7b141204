"""Office keys and the kartu kantor (issue 7, sync-design.md §2.7, §3).

Every installation office has two key pairs, made on first need and kept in the data folder, `keys/`:

- an **Ed25519 signing key** (`<office id>.ed25519.pem`, PKCS#8 PEM) that signs bundles and the kartu kantor;
- an **age X25519 identity** (`<office id>.age.txt`, the standard age identity file, so `age -d -i` can open
  a bundle without this app) that bundles are encrypted to.

Private files are written 0600 (folder 0700), to a temporary file that is then linked into place, so a crash
leaves either no file or a whole one, and two processes starting at once end with the same key. Private keys
are never logged and never enter the database: the `meta` table records only the public halves
(`office_keys:<office id>` → Ed25519 public key, age recipient, fingerprint), so a data folder whose key files
do not match the database is noticed instead of silently signing with another key.

**Fingerprint** (read aloud over the phone to confirm a kartu kantor): SHA-256 over a domain label, the 32-byte
Ed25519 public key and the age recipient; its first 100 bits in Crockford base32 (digits and capital letters
without I, L, O, U, so nothing is read as another character or spells a word), in 5 groups of 4:
`7K3M-Q9XA-D2PE-4RWN-H8TB`. The same keys always give the same fingerprint; a typed fingerprint is compared
without regard to case, spaces or dashes, and O/I/L are read as 0/1/1.

**Kartu kantor**: a small JSON file naming the office (id, name, type, code, wilayah, address, phone, e-mail),
its two public keys, the fingerprint and the date made, signed by its own Ed25519 key over the canonical JSON
(sorted keys, no spaces, UTF-8) of everything but the signature. The self-signature proves the card was not
changed after it was made; whether the key is really that office's is what the phone call confirms.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyrage import IdentityError, RecipientError, x25519
from sqlalchemy.exc import IntegrityError

from atensi_desktop.db.engine import Database, read_meta, write_meta
from atensi_desktop.errors import StorageError, UserError
from atensi_desktop.i18n import _
from atensi_desktop.paths import AppPaths, create_private_file
from atensi_desktop.security import guard
from atensi_desktop.security.roles import SYNC_PEERS

CARD_FORMAT = "atensi-kartu-kantor"
CARD_VERSION = 1
CARD_MAX_BYTES = 64 * 1024
FINGERPRINT_LABEL = b"atensi-sidik-jari-kantor-v1\x00"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FP_GROUPS, _FP_GROUP_LEN = 5, 4
_CROCKFORD_READ = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True)
class OfficeKeys:
    """This office's key pairs. The private halves are left out of repr so they never reach a log."""

    office_id: uuid.UUID
    signing_key: Ed25519PrivateKey = field(repr=False)
    verify_key_bytes: bytes
    age_identity: x25519.Identity = field(repr=False)
    age_recipient: str
    fingerprint: str


@dataclass(frozen=True)
class OfficeCard:
    """A kartu kantor read and checked by `read_card`."""

    office_id: uuid.UUID
    name: str
    office_type: str | None
    code: str | None
    wilayah_code: str | None
    address: str | None
    phone: str | None
    email: str | None
    ed25519_public: bytes
    age_recipient: str
    fingerprint: str
    created_at: dt.datetime


# --- signatures and fingerprints ---------------------------------------------------------------------------


def sign(keys: OfficeKeys, data: bytes) -> bytes:
    """Ed25519 signature (64 bytes) of `data` with this office's signing key."""
    return keys.signing_key.sign(data)


def verify(public_key_bytes: bytes, data: bytes, signature: bytes) -> bool:
    """True when `signature` is the Ed25519 signature of `data` by the key `public_key_bytes`."""
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_key_bytes)).verify(bytes(signature), data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def fingerprint(verify_key_bytes: bytes, age_recipient: str) -> str:
    """Five groups of four Crockford base32 characters (100 bits of SHA-256), e.g. `7K3M-Q9XA-D2PE-4RWN-H8TB`."""
    digest = hashlib.sha256(FINGERPRINT_LABEL + bytes(verify_key_bytes) + age_recipient.encode("utf-8")).digest()
    number = int.from_bytes(digest, "big") >> (256 - 5 * _FP_GROUPS * _FP_GROUP_LEN)
    chars = [CROCKFORD[(number >> (5 * i)) & 31] for i in reversed(range(_FP_GROUPS * _FP_GROUP_LEN))]
    text = "".join(chars)
    return "-".join(text[i:i + _FP_GROUP_LEN] for i in range(0, len(text), _FP_GROUP_LEN))


def normalize_fingerprint(text: str) -> str:
    """A typed fingerprint in the form `fingerprint` gives: case, spaces and dashes ignored, O/I/L read as 0/1/1."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_CROCKFORD_READ)
    return "-".join(compact[i:i + _FP_GROUP_LEN] for i in range(0, len(compact), _FP_GROUP_LEN))


def fingerprints_match(expected: str, typed: str) -> bool:
    return normalize_fingerprint(expected) == normalize_fingerprint(typed)


# --- key files ---------------------------------------------------------------------------------------------


def keys_dir(paths: AppPaths) -> Path:
    return paths.data / "keys"


def _key_files(paths: AppPaths, office_id: uuid.UUID) -> tuple[Path, Path]:
    folder = keys_dir(paths)
    return folder / f"{office_id}.ed25519.pem", folder / f"{office_id}.age.txt"


def _meta_key(office_id: uuid.UUID) -> str:
    return f"office_keys:{office_id}"


def _ensure_private_dir(folder: Path) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.name == "posix":
            os.chmod(folder, 0o700)
    except OSError as exc:
        raise StorageError(
            _("Folder kunci kantor tidak bisa dibuat: {folder}.").format(folder=folder),
            hint=_("Periksa izin folder data aplikasi, atau pilih folder lain dengan --data-dir."),
        ) from exc


def _create_private_file(target: Path, content: bytes) -> None:
    """Write `content` to `target` (mode 0600) unless it exists; atomic; the first writer wins."""
    create_private_file(target, content)


def _read_private_file(path: Path) -> bytes:
    if os.name == "posix" and path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # a copied key readable by others: close it again
    return path.read_bytes()


def _new_ed25519_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _new_age_identity_file() -> bytes:
    identity = x25519.Identity.generate()
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return (f"# created: {created}\n# public key: {identity.to_public()}\n{identity}\n").encode("ascii")


def _damaged_key(path: Path) -> StorageError:
    return StorageError(
        _("File kunci kantor rusak: {path}.").format(path=path),
        hint=_("Pulihkan folder 'keys' dari cadangan folder data aplikasi."),
    )


def _load_ed25519(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_read_private_file(path), password=None)
    except (ValueError, TypeError) as exc:
        raise _damaged_key(path) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise _damaged_key(path)
    return key


def _load_age(path: Path) -> x25519.Identity:
    try:
        lines = _read_private_file(path).decode("ascii").splitlines()
        secret = next(line.strip() for line in lines if line.strip().startswith("AGE-SECRET-KEY-"))
        return x25519.Identity.from_str(secret)
    except (UnicodeDecodeError, StopIteration, IdentityError, ValueError) as exc:
        raise _damaged_key(path) from exc


def _load_or_create(path: Path, make: Callable[[], bytes], load: Callable[[Path], Any], create: bool) -> Any:
    if not path.exists():
        if not create:
            return None
        try:
            _create_private_file(path, make())
        except OSError as exc:
            raise StorageError(
                _("Kunci kantor tidak bisa disimpan di {folder}.").format(folder=path.parent),
                hint=_("Periksa izin dan sisa ruang folder data aplikasi."),
            ) from exc
    return load(path)


def _installation_office_id(db: Database) -> uuid.UUID:
    with db.session() as s:
        office_id = read_meta(s, "office_id")
    if not office_id:
        raise UserError(
            _("Identitas kantor instalasi ini belum diatur, jadi belum ada kunci kantor."),
            hint=_("Atur dulu dengan 'atensi-desktop init --office NAMA --kode-wilayah KODE' "
                   "atau lewat Pengaturan."),
        )
    return uuid.UUID(office_id)


def recorded_public_keys(db: Database, office_id: uuid.UUID) -> tuple[bytes, str, str] | None:
    """(Ed25519 public key, age recipient, fingerprint) the database holds for its office, or None."""
    with db.session() as s:
        raw = read_meta(s, _meta_key(office_id))
    if not raw:
        return None
    data = json.loads(raw)
    return base64.b64decode(data["ed25519"]), data["age"], data["fingerprint"]


def office_keys(db: Database, paths: AppPaths) -> OfficeKeys:
    """This installation office's keys: loaded from `keys/` in the data folder, made on first need.

    Refused (UserError) when the database already records keys for the office but the data folder has none
    or other ones (a database moved without its `keys` folder, or another installation's data folder).
    """
    office_id = _installation_office_id(db)
    recorded = recorded_public_keys(db, office_id)
    folder = keys_dir(paths)
    _ensure_private_dir(folder)
    ed_path, age_path = _key_files(paths, office_id)
    create = recorded is None
    signing_key = _load_or_create(ed_path, _new_ed25519_pem, _load_ed25519, create)
    age_identity = _load_or_create(age_path, _new_age_identity_file, _load_age, create)
    if signing_key is None or age_identity is None:
        raise UserError(
            _("Kunci kantor tidak ditemukan di {folder}, padahal database ini sudah punya kunci kantor "
              "(sidik jari {fp}).").format(folder=folder, fp=recorded[2] if recorded else "?"),
            hint=_("Salin folder 'keys' dari komputer lama atau dari cadangan folder data ke folder data ini."),
        )
    verify_key = signing_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    recipient = str(age_identity.to_public())
    fp = fingerprint(verify_key, recipient)
    if recorded is None:
        try:
            with db.session() as s:
                write_meta(s, _meta_key(office_id), json.dumps(
                    {"ed25519": base64.b64encode(verify_key).decode("ascii"), "age": recipient, "fingerprint": fp}))
        except IntegrityError:  # another process recorded them first: they must be the same keys
            recorded = recorded_public_keys(db, office_id)
    if recorded is not None and (recorded[0] != verify_key or recorded[1] != recipient):
        raise UserError(
            _("Kunci kantor di {folder} bukan kunci yang tercatat di database ini (sidik jari {fp}).").format(
                folder=folder, fp=recorded[2]),
            hint=_("Folder data dan database ini berasal dari instalasi yang berbeda; jalankan dengan "
                   "--data-dir yang benar atau pulihkan folder 'keys' dari cadangan."),
        )
    return OfficeKeys(office_id=office_id, signing_key=signing_key, verify_key_bytes=verify_key,
                      age_identity=age_identity, age_recipient=recipient, fingerprint=fp)


# --- kartu kantor ------------------------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """The bytes a signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def write_card(db: Database, paths: AppPaths, path: str | os.PathLike[str]) -> OfficeCard:
    """Write this office's signed kartu kantor to `path` (temp file + rename) and return what it says."""
    guard.check(db, SYNC_PEERS)
    from atensi_desktop.paths import atomic_write_bytes
    from atensi_desktop.services.office import installation_office

    keys = office_keys(db, paths)
    office = installation_office(db)
    if office is None:  # office_keys already refused; a deleted office row is the remaining case
        raise UserError(_("Identitas kantor instalasi ini belum diatur."))
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    body: dict[str, Any] = {
        "format": CARD_FORMAT,
        "version": CARD_VERSION,
        "office": {
            "id": str(office.id), "name": office.name, "type": office.office_type, "code": office.code,
            "wilayah_code": office.wilayah_code, "address": office.address, "phone": office.phone,
            "email": office.email,
        },
        "keys": {"ed25519": base64.b64encode(keys.verify_key_bytes).decode("ascii"), "age": keys.age_recipient},
        "fingerprint": keys.fingerprint,
        "created": created.isoformat().replace("+00:00", "Z"),
    }
    signed = dict(body, signature=base64.b64encode(sign(keys, canonical_json(body))).decode("ascii"))
    target = Path(path)
    try:
        atomic_write_bytes(target, json.dumps(signed, ensure_ascii=False, indent=1).encode("utf-8") + b"\n")
    except OSError as exc:
        raise UserError(
            _("Kartu kantor tidak bisa ditulis ke {path}: {reason}.").format(path=target, reason=exc.strerror or exc),
            hint=_("Pilih folder lain atau periksa sisa ruang dan izin folder itu."),
        ) from exc
    return _card_from(signed, target)


def _not_a_card(path: Path) -> UserError:
    return UserError(
        _("File {name} bukan kartu kantor ATENSI.").format(name=path.name),
        hint=_("Minta kantor itu membuat kartunya dengan menu Sinkronisasi atau "
               "'atensi-desktop office card -o FILE', lalu pilih file .json itu."),
    )


def _damaged_card(path: Path, what: str) -> UserError:
    return UserError(
        _("Kartu kantor {name} rusak: {what}.").format(name=path.name, what=what),
        hint=_("Jangan pakai kartu ini; minta kartu yang baru langsung dari kantor itu."),
    )


def _text(section: dict[str, Any], key: str, path: Path, *, required: bool = False, limit: int = 500) -> str | None:
    value = section.get(key)
    if value is None or value == "":
        if required:
            raise _damaged_card(path, _("isian '{key}' kosong").format(key=key))
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _damaged_card(path, _("isian '{key}' tidak sah").format(key=key))
    return value


def _card_from(data: dict[str, Any], path: Path) -> OfficeCard:
    office, keys = data.get("office"), data.get("keys")
    if not isinstance(office, dict) or not isinstance(keys, dict):
        raise _damaged_card(path, _("bagian kantor atau kunci tidak ada"))
    try:
        office_id = uuid.UUID(str(office.get("id")))
    except ValueError:
        raise _damaged_card(path, _("ID kantor tidak sah")) from None
    try:
        ed_public = base64.b64decode(str(keys.get("ed25519")), validate=True)
    except (binascii.Error, ValueError):
        ed_public = b""
    if len(ed_public) != 32:
        raise _damaged_card(path, _("kunci tanda tangan tidak sah"))
    recipient = _text(keys, "age", path, required=True, limit=100) or ""
    try:
        x25519.Recipient.from_str(recipient)
    except (RecipientError, ValueError):
        raise _damaged_card(path, _("kunci enkripsi (age) tidak sah")) from None
    try:
        created = dt.datetime.fromisoformat(str(data.get("created")).replace("Z", "+00:00"))
    except ValueError:
        raise _damaged_card(path, _("tanggal pembuatan tidak sah")) from None
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    fp = fingerprint(ed_public, recipient)
    if data.get("fingerprint") != fp:
        raise _damaged_card(path, _("sidik jarinya tidak sesuai dengan kuncinya"))
    return OfficeCard(
        office_id=office_id, name=_text(office, "name", path, required=True, limit=200) or "",
        office_type=_text(office, "type", path, limit=30), code=_text(office, "code", path, limit=12),
        wilayah_code=_text(office, "wilayah_code", path, limit=13), address=_text(office, "address", path),
        phone=_text(office, "phone", path, limit=40), email=_text(office, "email", path, limit=120),
        ed25519_public=ed_public, age_recipient=recipient, fingerprint=fp, created_at=created,
    )


def read_card(path: str | os.PathLike[str]) -> OfficeCard:
    """Read a kartu kantor and check its format, version and self-signature; UserError says what is wrong."""
    source = Path(path)
    try:
        if source.stat().st_size > CARD_MAX_BYTES:
            raise _not_a_card(source)
        raw = source.read_bytes()
    except FileNotFoundError:
        raise UserError(_("File {path} tidak ditemukan.").format(path=source)) from None
    except IsADirectoryError:
        raise _not_a_card(source) from None
    except OSError as exc:
        raise UserError(_("File {path} tidak bisa dibaca: {reason}.").format(
            path=source, reason=exc.strerror or exc)) from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        if raw.lstrip().startswith(b"{") and CARD_FORMAT.encode() in raw:
            raise _damaged_card(source, _("isinya terpotong atau berubah")) from None
        raise _not_a_card(source) from None
    if not isinstance(data, dict) or data.get("format") != CARD_FORMAT:
        raise _not_a_card(source)
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _damaged_card(source, _("nomor versi format tidak sah"))
    if version > CARD_VERSION:
        raise UserError(
            _("Kartu kantor {name} dibuat oleh versi ATENSI Desktop yang lebih baru (format versi {v}).").format(
                name=source.name, v=version),
            hint=_("Perbarui ATENSI Desktop di komputer ini, lalu coba lagi."),
        )
    signature_text = data.get("signature")
    card = _card_from(data, source)
    body = {k: v for k, v in data.items() if k != "signature"}
    try:
        signature = base64.b64decode(str(signature_text), validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    if not verify(card.ed25519_public, canonical_json(body), signature):
        raise UserError(
            _("Tanda tangan kartu kantor {name} tidak cocok: isinya berubah sesudah kartu dibuat.").format(
                name=source.name),
            hint=_("Jangan pakai kartu ini; minta kartu yang baru langsung dari kantor itu."),
        )
    return card


__all__ = ["CARD_FORMAT", "CARD_VERSION", "OfficeCard", "OfficeKeys", "canonical_json", "fingerprint",
           "fingerprints_match", "normalize_fingerprint", "office_keys", "read_card", "sign", "verify",
           "write_card"]
