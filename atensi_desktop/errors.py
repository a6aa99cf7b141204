"""Error taxonomy: what the user can fix, what the storage refused, and everything else (a bug)."""

from __future__ import annotations


class AtensiError(Exception):
    """Base class for errors the application expects and explains."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"


class UserError(AtensiError):
    """Bad input: the message (Bahasa Indonesia) says what is wrong and how to fix it.

    `field` names the form field concerned, when there is one, so a form can show it inline.
    """

    def __init__(self, message: str, *, hint: str | None = None, field: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


class ValidationError(UserError):
    """Several field problems at once (a form or an imported row)."""

    def __init__(self, problems: dict[str, str]) -> None:
        first = next(iter(problems.values())) if problems else ""
        super().__init__(first, field=next(iter(problems), None))
        self.problems = dict(problems)


class NotFoundError(UserError):
    """A record named by the user does not exist (or was archived)."""


class StorageError(AtensiError):
    """The database or the file system refused: disk full, locked, unwritable, unreachable server."""


class Cancelled(Exception):  # noqa: N818 - a control-flow signal, not an error
    """The user cancelled a long operation; everything it started has been rolled back."""
