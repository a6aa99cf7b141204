"""Date arithmetic shared by the registry, households, asesmen context and form expressions."""

from __future__ import annotations

import datetime as dt


def age_on(birth: dt.date | None, today: dt.date) -> int | None:
    """Whole years from `birth` to `today` (the last birthday counts); None when the birth date is unknown."""
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
