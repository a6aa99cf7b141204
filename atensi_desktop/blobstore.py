"""Content-addressed file store for client documents and photos: a file's name is the SHA-256 of its bytes.

Layout: `<root>/ab/cdef…` (the first two hex digits are a folder, so no folder holds more than a small share
of the files). A blob is written to a temporary file in its folder, flushed and fsynced, then renamed onto
its final name, so a crash or a full disk leaves either no blob or the whole blob, never half of one; a
leftover `.tmp` file is ignored by readers and can be swept with `sweep_partial`. The same content is stored
once, whoever adds it and however often. Every read checks the hash; a damaged blob is reported, and
storing the same content again repairs it. Nothing here deletes a blob: rows that refer to one are only
ever archived, so their content must stay readable.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from atensi_desktop.errors import StorageError, UserError
from atensi_desktop.i18n import _, format_number

MAX_BLOB_BYTES = 25 * 1024 * 1024  # a phone photo of a KTP is 2-6 MB, a scanned 10-page PDF 5-15 MB
CHUNK = 1024 * 1024
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_TMP_PREFIX = ".sebagian-"


def human_size(size: int) -> str:
    """'850 KB', '2,4 MB' (Indonesian decimal comma through the current locale)."""
    if size < 1024:
        return _("{n} byte").format(n=format_number(size))
    if size < 1024 * 1024:
        return f"{format_number(round(size / 1024))} KB"
    return f"{format_number(round(size / (1024 * 1024), 1))} MB"


def too_large_error(size: int, limit: int) -> UserError:
    return UserError(
        _("Berkas terlalu besar ({size}); batasnya {limit}.").format(size=human_size(size), limit=human_size(limit)),
        hint=_("Pindai ulang dengan resolusi lebih rendah (150-200 dpi cukup), atau pisahkan menjadi beberapa berkas."),
    )


class BlobStore:
    """Blobs under `root`, named by the SHA-256 (lower-case hex) of their content."""

    def __init__(self, root: Path, *, max_bytes: int | None = None) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes if max_bytes is not None else self.default_max()

    @staticmethod
    def default_max() -> int:
        return MAX_BLOB_BYTES

    # --- where ---------------------------------------------------------------------------------------

    def path_for(self, sha256: str) -> Path:
        if not _SHA_RE.match(sha256 or ""):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:]

    def has(self, sha256: str) -> bool:
        """A blob with this name exists (not verified: `read` and `verify` check the content)."""
        return self.path_for(sha256).is_file()

    # --- writing -------------------------------------------------------------------------------------

    def put_bytes(self, data: bytes) -> str:
        """Store `data` (once); returns its SHA-256 hex digest."""
        if len(data) > self.max_bytes:
            raise too_large_error(len(data), self.max_bytes)
        sha = hashlib.sha256(data).hexdigest()
        if self._intact(sha, len(data)):
            return sha
        self._write(sha, iter((data,)))
        return sha

    def put_file(self, source: Path) -> tuple[str, int]:
        """Store the content of the file `source` (streamed; once); returns (SHA-256 hex digest, size)."""
        source = Path(source)
        try:
            size = source.stat().st_size
            if size > self.max_bytes:
                raise too_large_error(size, self.max_bytes)
            digest = hashlib.sha256()
            with source.open("rb") as fh:
                for chunk in iter(lambda: fh.read(CHUNK), b""):
                    digest.update(chunk)
        except OSError as exc:
            raise _unreadable(source) from exc
        sha = digest.hexdigest()
        if self._intact(sha, size):
            return sha, size
        # The file may change between hashing and copying: the copy is hashed again and must agree.
        self._write(sha, _chunks(source))
        return sha, size

    def _intact(self, sha: str, size: int) -> bool:
        """The blob is already stored whole (a damaged one is rewritten by the caller)."""
        path = self.path_for(sha)
        try:
            if path.stat().st_size != size:
                return False
        except OSError:
            return False
        return self.verify(sha)

    def _write(self, sha: str, chunks: Iterator[bytes]) -> None:
        target = self.path_for(sha)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=_TMP_PREFIX, suffix=".tmp")
        except OSError as exc:
            raise _unwritable(self.root) from exc
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    digest.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            if digest.hexdigest() != sha:
                raise UserError(_("Berkas berubah ketika sedang disimpan."),
                                hint=_("Tunggu sampai berkas selesai disalin atau dipindai, lalu coba lagi."))
            os.replace(tmp, target)
            _fsync_dir(target.parent)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise _unwritable(self.root) from exc
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # --- reading -------------------------------------------------------------------------------------

    def verify(self, sha256: str) -> bool:
        """The stored blob exists and its content still has this hash."""
        digest = hashlib.sha256()
        try:
            with self.path_for(sha256).open("rb") as fh:
                for chunk in iter(lambda: fh.read(CHUNK), b""):
                    digest.update(chunk)
        except OSError:
            return False
        return digest.hexdigest() == sha256

    def read(self, sha256: str) -> bytes:
        """The blob's bytes, checked against its hash; StorageError when missing or damaged."""
        path = self.path_for(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise _missing(sha256) from exc
        except OSError as exc:
            raise _unreadable(path) from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise _damaged(sha256)
        return data

    def copy_to(self, sha256: str, target: Path) -> Path:
        """Write the blob to `target` atomically (temp file + rename), checking the hash on the way."""
        source = self.path_for(sha256)
        target = Path(target)
        if not source.is_file():
            raise _missing(sha256)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        except OSError as exc:
            raise _unwritable(target.parent) from exc
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out:
                for chunk in _chunks(source):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if digest.hexdigest() != sha256:
                raise _damaged(sha256)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise _unwritable(target.parent) from exc
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    # --- housekeeping --------------------------------------------------------------------------------

    def sweep_partial(self, *, older_than_s: float = 3600.0) -> int:
        """Remove temporary files left by interrupted writes (never a blob); returns how many."""
        removed = 0
        cutoff = time.time() - older_than_s
        for tmp in self.root.glob(f"??/{_TMP_PREFIX}*.tmp"):
            try:
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        yield from iter(lambda: fh.read(CHUNK), b"")


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); Windows cannot open a folder and needs nothing here."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unreadable(path: Path) -> StorageError:
    return StorageError(_("Berkas tidak bisa dibaca: {name}.").format(name=path.name),
                        hint=_("Periksa apakah berkas masih ada dan boleh dibuka, lalu coba lagi."))


def _unwritable(folder: Path) -> StorageError:
    return StorageError(_("Berkas tidak bisa disimpan di {folder}.").format(folder=folder),
                        hint=_("Periksa sisa ruang disk dan izin folder itu, lalu coba lagi."))


def _missing(sha256: str) -> StorageError:
    return StorageError(_("Isi berkas tidak ditemukan di folder berkas (kode {code}).").format(code=sha256[:12]),
                        hint=_("Pulihkan folder 'berkas' dari cadangan, atau tambahkan berkas itu lagi."))


def _damaged(sha256: str) -> StorageError:
    return StorageError(_("Isi berkas rusak: tidak sama dengan yang dulu disimpan (kode {code}).").format(
        code=sha256[:12]), hint=_("Pulihkan folder 'berkas' dari cadangan, atau tambahkan berkas itu lagi."))
