"""Logging set-up. Logs carry ids only; a filter masks anything that looks like a NIK, No. KK or NIP.

Exception text is the other way personal data reaches a log or a crash report: SQLAlchemy errors carry the
bound parameters (`[parameters: ('Siti', '6306…')]`), `KeyError('Siti')` repeats a value, and a UserError's
message may name a client. `format_exception_safe` (used by the log formatter and the crash dialog) keeps the
traceback's frames and exception types but drops parameter lists, masks quoted values and long digit runs,
and replaces the text of the application's own (user-facing) errors.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import traceback
from pathlib import Path
from types import TracebackType

_LONG_DIGITS = re.compile(r"(?<!\d)\d{15,18}(?!\d)")
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\n|\(Background on this error|$))", re.DOTALL)
_QUOTED = re.compile(r"(?P<q>['\"])(?:(?!(?P=q)).){1,500}?(?P=q)")
HIDDEN = "<disembunyikan>"


def scrub_text(text: str) -> str:
    """Exception text without values: SQL parameter lists dropped, quoted values and NIK-like numbers masked."""
    text = _SQL_PARAMETERS.sub(f"[parameters: {HIDDEN}]", text)
    text = _QUOTED.sub(lambda m: m.group("q") + "…" + m.group("q"), text)
    return mask_personal_numbers(text)


# Messages made by Python itself from type and attribute names, never from data values: kept.
_TECHNICAL = (AttributeError, NameError, TypeError, ImportError, NotImplementedError, RecursionError,
              ZeroDivisionError, MemoryError)
# Messages that carry values only in recognisable places (SQL parameters, quoted literals, file names): scrubbed.
_SCRUBBED_MODULES = ("sqlalchemy", "sqlite3", "sqlcipher3", "psycopg", "pyrage", "alembic")


def _exception_text(exc_type: type[BaseException] | None, text: str) -> str:
    if exc_type is None:
        return scrub_text(text)
    if any(c.__name__ == "AtensiError" for c in exc_type.__mro__):
        return HIDDEN  # a message for the user, which may name a client
    if issubclass(exc_type, _TECHNICAL):
        return mask_personal_numbers(text)
    if issubclass(exc_type, OSError) or exc_type.__module__.split(".")[0] in _SCRUBBED_MODULES:
        return scrub_text(text)
    return HIDDEN  # any other message may hold a value (a name, an address): only the type is kept


def _scrub_exception(te: traceback.TracebackException) -> None:
    seen: set[int] = set()
    todo: list[traceback.TracebackException | None] = [te]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        item._str = _exception_text(getattr(item, "exc_type", None), str(getattr(item, "_str", "")))
        if getattr(item, "__notes__", None):
            item.__notes__ = [scrub_text(str(n)) for n in item.__notes__]
        todo.extend((item.__cause__, item.__context__, *(getattr(item, "exceptions", None) or ())))


def format_exception_safe(exc_type: type[BaseException] | None, exc: BaseException | None,
                          tb: TracebackType | None) -> str:
    """A traceback for logs and crash reports: frames and types kept, values (names, NIK, parameters) hidden."""
    if exc is None:
        return "".join(traceback.format_exception(exc_type, exc, tb))
    te = traceback.TracebackException(type(exc), exc, tb, compact=True)
    _scrub_exception(te)
    return "".join(te.format())


class SafeFormatter(logging.Formatter):
    """Formats exceptions through `format_exception_safe`."""

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return format_exception_safe(*ei).rstrip("\n")

    def format(self, record: logging.LogRecord) -> str:
        # logging caches the exception text on the record, and another handler's formatter (a test's, a
        # console's) may have cached the unsafe one: always make our own, and leave theirs as it was
        cached = record.exc_text
        record.exc_text = self.formatException(record.exc_info) if record.exc_info else None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached


def mask_personal_numbers(text: str) -> str:
    """Replace 15–18 digit runs (NIK, No. KK, NIP) with a mask; ids (UUIDs) are left alone."""
    return _LONG_DIGITS.sub(lambda m: m.group(0)[:2] + "*" * (len(m.group(0)) - 2), text)


class RedactingFilter(logging.Filter):
    """Last line of defence: code logs ids only, but any NIK-like number that slips in is masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_numbers(_SQL_PARAMETERS.sub(f"[parameters: {HIDDEN}]", message))
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_logging(log_dir: Path | None, *, level: int = logging.INFO) -> None:
    """Log to a rotating file in `log_dir` (stderr only when no file can be written), through the redacting filter."""
    root = logging.getLogger()
    root.setLevel(level)
    shutdown_logging()
    fmt = SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
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
