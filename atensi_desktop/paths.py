"""Where the application keeps its files: one owner for every path (platformdirs, --data-dir, ATENSI_HOME)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from atensi_desktop.errors import StorageError
from atensi_desktop.i18n import _

APP_NAME = "atensi-desktop"
ENV_HOME = "ATENSI_HOME"


@dataclass(frozen=True)
class AppPaths:
    """All folders of one installation. With a home folder (--data-dir / ATENSI_HOME) everything lives in it."""

    data: Path
    config: Path
    logs: Path

    @property
    def backups(self) -> Path:
        return self.data / "cadangan"

    @property
    def blobs(self) -> Path:
        return self.data / "berkas"

    @property
    def drafts(self) -> Path:
        return self.data / "draf"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def default_db_file(self) -> Path:
        return self.data / "atensi.db"

    @property
    def default_db_url(self) -> str:
        return f"sqlite:///{self.default_db_file}"

    def ensure(self) -> AppPaths:
        """Create the folders, or raise StorageError saying which one cannot be written."""
        for folder in (self.data, self.config, self.logs):
            ensure_writable_dir(folder)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """--data-dir wins, then ATENSI_HOME, then the platform's per-user folders."""
    home = data_dir or os.environ.get(ENV_HOME)
    if home:
        root = Path(home).expanduser().absolute()
        return AppPaths(data=root, config=root, logs=root / "log")
    return AppPaths(
        data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )


def ensure_writable_dir(folder: Path) -> None:
    """Make sure `folder` exists and a file can be created in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tulis-", delete=True):
            pass
    except OSError as exc:
        raise StorageError(
            _("Folder data tidak bisa ditulis: {folder}.").format(folder=folder),
            hint=_("Pilih folder lain dengan --data-dir atau ATENSI_HOME, atau periksa izin folder itu."),
        ) from exc


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write a file so that a crash leaves either the old or the new content, never half of it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def create_private_file(target: Path, content: bytes) -> bool:
    """Write `content` to `target` with mode 0600 unless the file exists; atomic, and of two processes the first
    writer wins. Returns True when this call made the file (False: it existed, keep it). For key files."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    created = False
    try:
        if os.name == "posix":
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, target)  # fails if the file exists (another process made it first): keep that one
            created = True
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not target.exists():
                os.replace(tmp, target)
                created = True
        if os.name == "posix":
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return created
