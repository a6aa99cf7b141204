"""Which version of a register is shown: a pure function of the register's set of versions (sync-design §2.3,
§4.3), so every installation holding the same versions shows the same value. Used by the importer
(sync/exchange.py); the conflict review should pick its "current" value with the same `pick_winner`.

Versions are tuples `(hlc, site uuid text, value JSON text, parents JSON, site ordinal)`; `parents` names
versions as `[[hlc, site ordinal], …]` in the local ordinals of this database.
"""

from __future__ import annotations

import json
from collections.abc import Callable


def _status_ranks() -> dict[str, int]:
    from atensi_desktop.services.referrals import ACCEPTED, COMPLETED, DECLINED, SENT

    return {SENT: 0, ACCEPTED: 1, COMPLETED: 2, DECLINED: 2}


_RANKED: dict[tuple[str, str], Callable[[str | None], int]] = {}


def rank_of(tbl: str, col: str) -> Callable[[str | None], int] | None:
    """The rank function of a register merged by "highest state rank" instead of last-writer-wins
    (sync-design §4.3, last row), or None: only `referral.status` (dikirim < diterima < selesai = ditolak,
    services/referrals.py). Unknown values rank lowest."""
    if not _RANKED:
        ranks = {json.dumps(k): v for k, v in _status_ranks().items()}
        _RANKED[("referral", "status")] = lambda val: ranks.get(val or "", -1)
    return _RANKED.get((tbl, col))


def leaves(versions: list[tuple]) -> list[tuple]:
    """The versions no other version of the register names as a parent. Items: (hlc, site uuid text, value,
    parents JSON with local site ordinals, site ordinal)."""
    if len(versions) == 1:
        return versions
    named = {(h, s) for v in versions if v[3] for h, s in json.loads(v[3])}
    return [v for v in versions if (v[0], v[4]) not in named]


def pick_winner(tbl: str, col: str, versions: list[tuple]) -> tuple:
    """The version a register shows; a pure function of its set of versions, so the same everywhere.

    Normally the greatest (hlc, site uuid) — always a leaf. For a ranked register (`referral.status`) the
    leaf with the highest state rank, ties by (hlc, site uuid), so a concurrent "dikirim" never undoes
    "selesai" whatever the clocks said. A conflict resolution names every leaf as parent, so it is the
    only leaf and wins either way."""
    rank = rank_of(tbl, col)
    if rank is None or len(versions) == 1:
        return max(versions, key=lambda v: (v[0], v[1]))
    return max(leaves(versions), key=lambda v: (rank(v[2]), v[0], v[1]))
