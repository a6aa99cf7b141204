"""The sync bundle file: a signed zip of JSON lines and blobs, encrypted with age (sync-design.md §3).

Layout (what the design leaves open is decided here):

    <file>.lkssync
     └─ age v1 (X25519 recipients, one per receiving office; or one scrypt passphrase)
         └─ zip
             ├─ <part>                e.g. versions.jsonl, rows.jsonl: JSON lines, DEFLATE-compressed
             ├─ blobs/<sha256>        attachment files, content-addressed, STORED (already compressed)
             ├─ manifest.json         canonical JSON (sorted keys, no spaces, UTF-8), see below
             └─ manifest.sig          JSON {"algorithm": "ed25519", "signer": <office id>, "signature": <base64>}

Decisions where sync-design.md is silent or where this module differs from it:
- Parts are plain JSON lines compressed by the zip's own DEFLATE, not `versions.ndjson.zst`: the
  recovery path must need nothing but the standard `age` and `unzip` tools (README, "Recovering a bundle
  without the app"), and `unzip` has no zstd. Blobs are STORED.
- `manifest.json` is written in canonical form (`canonical_json`) and the signature is over exactly its
  bytes; it commits to the SHA-256 and size of every part and names every blob (the blob's name is its
  SHA-256), so one signature covers the whole bundle. The signer's office id must equal the manifest's
  `source_office`; the reader looks its public key up in `trusted_signers` (the peers this office
  confirmed). The key inside the file is never trusted.
- The writer adds `format`, `format_version`, `min_reader_version`, `bundle_id` (UUIDv7 unless given),
  `schema_version` (this app's migration level unless given), `created_wall` (unless given), `parts`
  ({name: {sha256, size}}) and `blobs_included` (sorted SHA-256 list). The caller gives the rest of the
  design's fields (`source_office`, `source_site`, `created_hlc`, `kind`, `since`, `vv`, `scope`,
  `recipients`, `counts` …); only `source_office` is required here.
- A reader refuses, in this order: not an age file or not a zip or no manifest ("not a bundle"); a
  file cut short or whose ciphertext was changed (age's STREAM authentication: "truncated or damaged");
  a key or passphrase that does not open it; an unknown `format`; `min_reader_version` or
  `schema_version` newer than this app; no `manifest.sig`; a signer not in `trusted_signers`; a bad
  signature; a member the manifest does not list, an unsafe member name, or a part or blob whose size
  or SHA-256 differs ("changed"). Every refusal is a `UserError` in Bahasa Indonesia saying what to do.
- Writing: the plain zip goes to a private temporary file (in `work_dir`, default the system temp
  folder) and is removed afterwards; the encrypted output is written to a temporary file next to the
  target, fsynced and renamed, so a failure never leaves a half-written bundle under the target name.
- Reading: the plain zip is decrypted to a private temporary file that `OpenedBundle.close()` removes.
  Every part and blob is hashed before `read_bundle` returns, so nothing is parsed before it is known to
  be what the sender signed.
- Passphrase mode (age scrypt) works in memory in pyrage, so it is limited to `PASSPHRASE_MAX_BYTES`
  (one-case files). A file cannot be for a passphrase and for office keys at once (age spec).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _
from atensi_desktop.sync.ids import uuid7

FORMAT_NAME = "lks-sync-bundle"
FORMAT_VERSION = 1
READER_VERSION = 1  # the newest `min_reader_version` this code can read
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
BLOB_DIR = "blobs/"
PASSPHRASE_MAX_BYTES = 32 * 1024 * 1024
AGE_MAGIC = b"age-encryption.org/v1\n"
CHUNK = 1024 * 1024
_PART_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def canonical_json(value: Any) -> bytes:
    """The one byte form of a manifest: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def current_schema_version() -> str:
    from atensi_desktop.db.schema import HEAD_REVISION

    return HEAD_REVISION


# --- errors ---------------------------------------------------------------------------------------

def _not_a_bundle() -> UserError:
    return UserError(_("Berkas ini bukan berkas sinkronisasi ATENSI."),
                     hint=_("Periksa bahwa Anda memilih berkas yang benar (dikirim dari ATENSI Desktop)."))


def _truncated() -> UserError:
    return UserError(_("Berkas sinkronisasi ini terpotong atau rusak."),
                     hint=_("Mungkin belum selesai diunduh atau disalin. Minta pengirim mengirim ulang berkasnya."))


def _tampered(detail: str) -> UserError:
    return UserError(
        _("Isi berkas sinkronisasi ini tidak cocok dengan tanda tangannya ({detail}): berkas telah diubah atau rusak.")
        .format(detail=detail),
        hint=_("Jangan impor berkas ini. Minta pengirim mengekspor dan mengirim ulang, bila perlu lewat jalur lain."))


# --- writing --------------------------------------------------------------------------------------

def _signing_key(key: Any) -> Ed25519PrivateKey:
    key = getattr(key, "signing_key", key)  # an OfficeKeys from sync.keys, or the key itself
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("signing_key must be an Ed25519PrivateKey (or carry one as .signing_key)")
    return key


def _as_chunks(data: bytes | Iterable[bytes]) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        yield bytes(data)
    else:
        for chunk in data:
            yield bytes(chunk)


def _fsync_replace(tmp: Path, final: Path) -> None:
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)


def write_bundle(path: str | os.PathLike[str], manifest: Mapping[str, Any],
                 parts: Mapping[str, bytes | Iterable[bytes]], blobs: Mapping[str, Path] | None,
                 signing_key: Any, *, recipients: Iterable[Any] | None = None, passphrase: str | None = None,
                 work_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Write a bundle to `path`; returns the manifest as written (with parts, hashes, ids).

    `parts`: name → bytes or an iterable of byte chunks (streamed, e.g. JSON lines as they are read).
    `blobs`: SHA-256 → file holding that content (checked while copied). `recipients`: pyrage X25519
    recipients (or their `age1…` text); or `passphrase` for a small one-case file — exactly one of them.
    """
    if (recipients is None) == (passphrase is None):
        raise ValueError("give either recipients or a passphrase")
    age_recipients = None
    if recipients is not None:
        age_recipients = [pyrage.x25519.Recipient.from_str(r) if isinstance(r, str) else r for r in recipients]
        if not age_recipients:
            raise ValueError("at least one recipient is needed")
    elif not passphrase:
        raise UserError(_("Kata sandi berkas tidak boleh kosong."), hint=_("Isi kata sandi, lalu coba lagi."))
    key = _signing_key(signing_key)
    manifest = dict(manifest)
    if not manifest.get("source_office"):
        raise ValueError("manifest needs source_office")
    for name in parts:
        if not _PART_RE.match(name) or name in (MANIFEST, SIGNATURE):
            raise ValueError(f"bad part name {name!r}")
    blobs = dict(blobs or {})
    for sha in blobs:
        if not _SHA_RE.match(sha):
            raise ValueError(f"blob name must be a lower-case SHA-256: {sha!r}")

    target = Path(path)
    fd, plain_name = tempfile.mkstemp(prefix="atensi-bundle-", suffix=".zip", dir=work_dir)
    os.close(fd)
    plain = Path(plain_name)
    out_tmp = target.with_name(f".{target.name}.{uuid7().hex[:12]}.tmp")
    try:
        part_info: dict[str, dict[str, Any]] = {}
        with zipfile.ZipFile(plain, "w", allowZip64=True) as zf:
            for name in sorted(parts):
                digest, size = hashlib.sha256(), 0
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with zf.open(info, "w", force_zip64=True) as member:
                    for chunk in _as_chunks(parts[name]):
                        digest.update(chunk)
                        size += len(chunk)
                        member.write(chunk)
                part_info[name] = {"sha256": digest.hexdigest(), "size": size}
            for sha in sorted(blobs):
                digest = hashlib.sha256()
                info = zipfile.ZipInfo(BLOB_DIR + sha, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_STORED
                with open(blobs[sha], "rb") as src, zf.open(info, "w", force_zip64=True) as member:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        member.write(chunk)
                if digest.hexdigest() != sha:
                    raise UserError(_("Lampiran {sha} di penyimpanan berkas rusak (isinya tidak cocok).")
                                    .format(sha=sha[:12]),
                                    hint=_("Simpan ulang lampiran itu dari aslinya, lalu ekspor lagi."))
            manifest.update(format=FORMAT_NAME, format_version=FORMAT_VERSION, min_reader_version=READER_VERSION,
                            parts=part_info, blobs_included=sorted(blobs))
            manifest.setdefault("bundle_id", str(uuid7()))
            manifest.setdefault("schema_version", current_schema_version())
            manifest.setdefault("created_wall", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
            manifest_bytes = canonical_json(manifest)
            signature = {"algorithm": "ed25519", "signer": str(manifest["source_office"]),
                         "signature": base64.b64encode(key.sign(manifest_bytes)).decode("ascii")}
            zf.writestr(zipfile.ZipInfo(MANIFEST, date_time=(1980, 1, 1, 0, 0, 0)), manifest_bytes)
            zf.writestr(zipfile.ZipInfo(SIGNATURE, date_time=(1980, 1, 1, 0, 0, 0)), canonical_json(signature))
        if age_recipients is not None:
            pyrage.encrypt_file(str(plain), str(out_tmp), age_recipients)
        else:
            size = plain.stat().st_size
            if size > PASSPHRASE_MAX_BYTES:
                raise UserError(_("Berkas dengan kata sandi hanya untuk kiriman kecil (satu kasus); berkas ini terlalu besar."),
                                hint=_("Kirim ke kantor mitra dengan kunci kantornya, tanpa kata sandi."))
            out_tmp.write_bytes(pyrage.passphrase.encrypt(plain.read_bytes(), passphrase))
        _fsync_replace(out_tmp, target)
        return manifest
    finally:
        plain.unlink(missing_ok=True)
        out_tmp.unlink(missing_ok=True)


# --- reading --------------------------------------------------------------------------------------

@dataclass
class OpenedBundle:
    """A bundle that was decrypted, verified and signed by a trusted office; close() removes its temp file."""

    manifest: dict[str, Any]
    signer: str
    _zip: zipfile.ZipFile
    _plain: Path
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    blobs: tuple[str, ...] = ()

    def open_part(self, name: str) -> IO[bytes]:
        if name not in self.parts:
            raise KeyError(name)
        return self._zip.open(name)

    def iter_lines(self, name: str) -> Iterator[bytes]:
        """The lines of a JSON-lines part, without their newline (empty lines skipped)."""
        with self.open_part(name) as fh:
            for line in fh:
                line = line.rstrip(b"\r\n")
                if line:
                    yield line

    def iter_json(self, name: str) -> Iterator[Any]:
        for line in self.iter_lines(name):
            yield json.loads(line)

    def open_blob(self, sha256: str) -> IO[bytes]:
        if sha256 not in self.blobs:
            raise KeyError(sha256)
        return self._zip.open(BLOB_DIR + sha256)

    def read_blob(self, sha256: str) -> bytes:
        with self.open_blob(sha256) as fh:
            return fh.read()

    def close(self) -> None:
        try:
            self._zip.close()
        finally:
            self._plain.unlink(missing_ok=True)

    def __enter__(self) -> OpenedBundle:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _public_key(value: Any) -> Ed25519PublicKey:
    if isinstance(value, Ed25519PublicKey):
        return value
    return Ed25519PublicKey.from_public_bytes(bytes(value))


def _decrypt(path: Path, plain: Path, identities: Iterable[Any] | None, passphrase: str | None) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(AGE_MAGIC) + 200)
    except FileNotFoundError:
        raise UserError(_("Berkas {name} tidak ditemukan.").format(name=path.name),
                        hint=_("Periksa nama dan letak berkasnya.")) from None
    if not head.startswith(AGE_MAGIC):
        if AGE_MAGIC.startswith(head):  # empty or cut inside the first line
            raise _truncated()
        raise _not_a_bundle()
    lines = head[len(AGE_MAGIC):].split(b"\n")
    is_scrypt = bool(lines) and lines[0].startswith(b"-> scrypt ")
    if passphrase is not None:
        if not is_scrypt and lines[0].startswith(b"-> "):
            raise UserError(_("Berkas ini dikunci untuk kunci kantor penerima, bukan dengan kata sandi."),
                            hint=_("Impor berkas ini tanpa kata sandi di komputer kantor penerima."))
        try:
            plain.write_bytes(pyrage.passphrase.decrypt(path.read_bytes(), passphrase))
        except pyrage.DecryptError as err:
            if "Decryption failed" in str(err):
                raise UserError(_("Kata sandi berkas salah."),
                                hint=_("Periksa kata sandi yang diberikan pengirim (lewat telepon atau SMS), "
                                       "lalu coba lagi.")) from None
            raise _truncated() from None
        return
    if is_scrypt:
        raise UserError(_("Berkas ini dikunci dengan kata sandi."),
                        hint=_("Masukkan kata sandi yang diberikan pengirim (lewat telepon atau SMS)."))
    ids = list(identities or [])
    if not ids:
        raise ValueError("give identities or a passphrase")
    try:
        pyrage.decrypt_file(str(path), str(plain), ids)
    except (pyrage.DecryptError, OSError) as err:  # a damaged stream surfaces as an OSError
        if isinstance(err, OSError) and err.errno is not None:
            raise  # a real I/O problem (disk full, no permission), not the file's fault
        if "No matching keys" in str(err):
            raise UserError(_("Berkas ini tidak ditujukan untuk kantor ini (kunci kantor tidak cocok)."),
                            hint=_("Minta pengirim mengekspor ulang dengan kantor ini sebagai penerima.")) from None
        raise _truncated() from None


def _newer(theirs: Any, mine: str) -> bool:
    try:
        return int(str(theirs)) > int(mine)
    except ValueError:
        return True


def _check_manifest(zf: zipfile.ZipFile, trusted_signers: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    try:
        manifest_bytes = zf.read(MANIFEST)
        manifest = json.loads(manifest_bytes)
    except (KeyError, ValueError, zipfile.BadZipFile):
        raise _not_a_bundle() from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise _not_a_bundle()
    update_hint = _("Perbarui ATENSI Desktop di komputer ini ke versi terbaru, lalu impor lagi.")
    try:
        reader = int(manifest.get("min_reader_version", 0))
    except (TypeError, ValueError):
        raise _not_a_bundle() from None
    if reader > READER_VERSION:
        raise UserError(_("Berkas ini dibuat oleh versi ATENSI Desktop yang lebih baru."), hint=update_hint)
    ours = current_schema_version()
    if _newer(manifest.get("schema_version"), ours):
        raise UserError(_("Berkas ini memakai struktur data yang lebih baru (revisi {theirs}; aplikasi ini {ours}).")
                        .format(theirs=manifest.get("schema_version"), ours=ours), hint=update_hint)
    try:
        sig = json.loads(zf.read(SIGNATURE))
        signature = base64.b64decode(sig["signature"], validate=True)
        signer = str(sig["signer"])
    except KeyError:
        raise UserError(_("Berkas sinkronisasi ini tidak bertanda tangan."),
                        hint=_("Berkas dari ATENSI Desktop selalu bertanda tangan. Jangan impor berkas ini; "
                               "minta pengirim mengekspor ulang.")) from None
    except (ValueError, TypeError):
        raise _tampered(_("tanda tangan tidak terbaca")) from None
    if signer != str(manifest.get("source_office")):
        raise _tampered(_("penanda tangan bukan kantor pengirim"))
    if signer not in trusted_signers:
        raise UserError(_("Berkas ini ditandatangani oleh kantor yang belum dikenal (id {office}).")
                        .format(office=signer),
                        hint=_("Tambahkan kantor pengirim sebagai mitra: impor kartu kantornya dan cocokkan sidik "
                               "jarinya lewat telepon, lalu impor lagi."))
    try:
        _public_key(trusted_signers[signer]).verify(signature, manifest_bytes)
    except (InvalidSignature, ValueError):
        raise _tampered(_("tanda tangan tidak sah")) from None
    return manifest, signer


def _verify_members(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], tuple[str, ...]]:
    parts = manifest.get("parts")
    blobs = manifest.get("blobs_included", [])
    if not isinstance(parts, dict) or not isinstance(blobs, list):
        raise _tampered(_("daftar isi tidak sah"))
    expected: dict[str, tuple[str, int | None]] = {}
    for name, info in parts.items():
        if not _PART_RE.match(str(name)) or not isinstance(info, dict):
            raise _tampered(_("nama bagian tidak sah"))
        expected[name] = (str(info.get("sha256")), info.get("size"))
    for sha in blobs:
        if not _SHA_RE.match(str(sha)):
            raise _tampered(_("nama lampiran tidak sah"))
        expected[BLOB_DIR + sha] = (sha, None)
    seen: set[str] = set()
    for info in zf.infolist():
        name = info.filename
        if name in (MANIFEST, SIGNATURE):
            continue
        if name in seen or name not in expected:
            raise _tampered(_("ada isi yang tidak tercantum: {name}").format(name=name[:80]))
        seen.add(name)
        sha, size = expected[name]
        if size is not None and info.file_size != size:
            raise _tampered(_("ukuran {name} berbeda").format(name=name))
        digest = hashlib.sha256()
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
        except (zipfile.BadZipFile, OSError, EOFError):
            raise _tampered(_("{name} rusak").format(name=name)) from None
        if digest.hexdigest() != sha:
            raise _tampered(_("isi {name} berbeda").format(name=name))
    missing = sorted(set(expected) - seen)
    if missing:
        raise _tampered(_("bagian hilang: {name}").format(name=missing[0]))
    return {n: dict(i) for n, i in parts.items()}, tuple(sorted(blobs))


def read_bundle(path: str | os.PathLike[str], *, identities: Iterable[Any] | None = None,
                passphrase: str | None = None, trusted_signers: Mapping[str, Any],
                work_dir: str | os.PathLike[str] | None = None) -> OpenedBundle:
    """Decrypt and verify a bundle; refuses every fault with a UserError (see the module docstring).

    `identities`: pyrage X25519 identities (this office's age key) — or `passphrase`.
    `trusted_signers`: office id → Ed25519 public key (32 raw bytes or a key object).
    """
    if (identities is None) == (passphrase is None):
        raise ValueError("give either identities or a passphrase")
    src = Path(path)
    fd, plain_name = tempfile.mkstemp(prefix="atensi-bundle-", suffix=".zip", dir=work_dir)
    os.close(fd)
    plain = Path(plain_name)
    zf: zipfile.ZipFile | None = None
    try:
        _decrypt(src, plain, identities, passphrase)
        try:
            zf = zipfile.ZipFile(plain)
        except (zipfile.BadZipFile, OSError):
            raise _not_a_bundle() from None
        names = zf.namelist()
        for name in names:
            if name.startswith(("/", "\\")) or ".." in name.split("/") or "\\" in name or ":" in name:
                raise _tampered(_("nama isi tidak aman: {name}").format(name=name[:80]))
        manifest, signer = _check_manifest(zf, trusted_signers)
        parts, blobs = _verify_members(zf, manifest)
        opened = OpenedBundle(manifest=manifest, signer=signer, _zip=zf, _plain=plain, parts=parts, blobs=blobs)
        zf = None
        return opened
    except BaseException:
        if zf is not None:
            zf.close()
        plain.unlink(missing_ok=True)
        raise


def copy_blob(bundle: OpenedBundle, sha256: str, dest: Path) -> None:
    """Copy one verified blob out of the bundle to `dest` (for staging into the blob store)."""
    with bundle.open_blob(sha256) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, CHUNK)
