"""Logging set-up. Logs carry ids only; a filter masks anything that looks like a NIK, No. KK or NIP."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_LONG_DIGITS = re.compile(r"(?<!\d)\d{15,18}(?!\d)")


def mask_personal_numbers(text: str) -> str:
    """Replace 15–18 digit runs (NIK, No. KK, NIP) with a mask; ids (UUIDs) are left alone."""
    return _LONG_DIGITS.sub(lambda m: m.group(0)[:2] + "*" * (len(m.group(0)) - 2), text)


class RedactingFilter(logging.Filter):
    """Last line of defence: code logs ids only, but any NIK-like number that slips in is masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_logging(log_dir: Path | None, *, level: int = logging.INFO) -> None:
    """Log to a rotating file in `log_dir` (stderr only when no file can be written), through the redacting filter."""
    root = logging.getLogger()
    root.setLevel(level)
    shutdown_logging()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = []
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            handlers.append(
                logging.handlers.RotatingFileHandler(
                    log_dir / "atensi.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
                )
            )
        except OSError:
            pass
    if not handlers:  # no log file possible: errors still go somewhere
        stderr = logging.StreamHandler()
        stderr.setLevel(logging.ERROR)
        handlers.append(stderr)
    for handler in handlers:
        handler._atensi = True  # type: ignore[attr-defined]
        handler.setFormatter(fmt)
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)


def shutdown_logging() -> None:
    """Detach and close the handlers `setup_logging` added (files are flushed and released)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_atensi", False):
            root.removeHandler(handler)
            handler.close()
