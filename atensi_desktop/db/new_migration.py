"""Developer tool: `python -m atensi_desktop.db.new_migration "what changed"` autogenerates the next revision.

It upgrades a scratch SQLite database to head, compares it with the models and writes
`migrations/versions/NNNN_<slug>.py` numbered after the current head. Review the file (SQLite batch
operations, PostgreSQL differences), then set HEAD_REVISION in atensi_desktop/db/schema.py.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine

from atensi_desktop.db.schema import HEAD_REVISION, alembic_config


def main(message: str) -> int:
    from alembic import command

    next_rev = f"{int(HEAD_REVISION) + 1:04d}"
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=message, autogenerate=True, rev_id=next_rev)
        engine.dispose()
    print(f"Now set HEAD_REVISION = {next_rev!r} in atensi_desktop/db/schema.py")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit('usage: python -m atensi_desktop.db.new_migration "what changed"')
    raise SystemExit(main(sys.argv[1]))
