"""Reference data that travels inside bundles (issue 7): the wilayah list and the office directory.

Placeholder hook points, filled in by the reference-data work: `export_parts` gives extra bundle parts for
`exchange.export_bundle`; `apply_parts` loads them inside the import transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection


def export_parts(conn: Connection, *, full: bool) -> dict[str, Iterable[bytes]]:
    """Extra parts {name: JSON-lines chunks} to put in an outgoing bundle (none yet)."""
    return {}


def apply_parts(conn: Connection, bundle: Any, *, dry_run: bool) -> dict[str, int]:
    """Load the reference parts of an opened bundle; returns counts per kind (nothing yet)."""
    return {}
