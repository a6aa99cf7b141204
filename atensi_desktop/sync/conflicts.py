"""Open conflicts and their review (issue 7; sync-design.md §4.3).

Placeholder hook point, filled in by the conflict-review work: `record_conflicts` is called by
`exchange.import_bundle` inside the import transaction with the registers found to have several leaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection


def record_conflicts(conn: Connection, conflicts: Iterable[Any], *, bundle_id: str | None) -> None:
    """Remember registers with more than one leaf so the review screen can list them (not kept yet)."""
    return None
